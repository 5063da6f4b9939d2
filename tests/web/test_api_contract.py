"""The API against its own OpenAPI document (Schemathesis, through the app's WSGI interface): for every operation,
requests generated from the document, with and without the token, for unknown and for real cases, each answer
checked against what the document says (status, content type, schema) and never a server error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from sqlalchemy.orm import Session

from portal.models import Municipality
from portal.roles import Role
from portal.web.api.openapi import document
from tests.web.apiclients import CODE, bearer, risai_case, token

# The document the app serves at /api/v1/openapi.json (the first test checks they are the same); loaded here, at
# collection, because Schemathesis makes one test per operation.
DOCUMENT = document("/api/v1")
schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def api(build_app: Callable[..., Flask], db_session: Session, demo: dict[str, Municipality]) -> Flask:
    """A portal whose API limit the generated requests cannot reach (the limit has its own tests)."""
    return build_app(RATELIMIT_API="100000/minute")


@pytest.fixture
def known(api: Flask, db_session: Session) -> dict[str, str]:
    """A case with a photo, and a token that may fire its transitions."""
    case = risai_case(api, db_session)
    return {
        "reference": case.reference,
        "key": case.answers["photos"][0]["key"],
        "token": token(db_session, "write", CODE, "契約テスト", Role.CLERK, Role.APPROVER),
    }


def test_the_document_is_openapi_3_1(api: Flask) -> None:
    served = api.test_client().get("/api/v1/openapi.json").json
    assert served == DOCUMENT and served["openapi"] == "3.1.0"
    assert set(served["paths"]) == {
        "/api/v1/openapi.json",
        "/api/v1/cases",
        "/api/v1/cases/{reference}",
        "/api/v1/cases/{reference}/attachments/{key}",
        "/api/v1/cases/{reference}/certificates/{issue_number}",
        "/api/v1/cases/{reference}/transitions/{name}",
    }


@schema.parametrize()
# derandomize: the same examples every run, so the suite is reproducible (a random run once hit a Schemathesis false
# positive, a schema-violating request "accepted" after the parameter it added dropped out of the URL).
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_answer_is_the_one_the_document_describes(
    case: schemathesis.Case, api: Flask, known: dict[str, str]
) -> None:
    case.operation.schema.app = api  # this test's portal (in its transaction), called through WSGI
    headers = bearer(known["token"])
    case.call_and_validate(app=api, headers=headers)
    positive = case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE
    if positive and case.path_parameters and "reference" in case.path_parameters:  # the same about a real case
        case.path_parameters["reference"] = known["reference"]
        if "key" in case.path_parameters:
            case.path_parameters["key"] = known["key"]
        case.call_and_validate(app=api, headers=headers)
