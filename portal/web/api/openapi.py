"""The OpenAPI 3.1 document of /api/v1, written from the code: each view is registered with :func:`operation`,
which adds its Flask route and says what it takes and answers; the schemas are the pydantic models'.

pydantic already writes JSON Schema 2020-12, the dialect OpenAPI 3.1 uses, so a small registry here is all the
document needs; libraries that generate one (spectree, flask-openapi3) would bring their own validation errors
(not RFC 9457), their own app class or documentation pages that load scripts from elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal.models import ApiScope
from portal.web.api import schemas
from portal.web.api.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE

F = TypeVar("F", bound=Callable[..., Any])
TITLE = "Madoguchi API"
VERSION = "1"
ERRORS = {
    400: "bad parameters or body",
    401: "no token, or a bad or revoked one",
    403: "a read token asked to write",
    404: "no such case here (another municipality's cases are not found either)",
    409: "refused by the workflow as the case stands, or not available yet",
    422: "the body or its inputs are wrong (errors by field), or the Idempotency-Key was used for another request",
    429: "over the token's rate limit (RATELIMIT_API); Retry-After says when to try again",
}
PATH_PARAMETERS: Mapping[str, dict[str, Any]] = {
    "reference": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{6}$", "description": "受付番号"},
    "name": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$", "description": "the workflow transition"},
    "key": {"type": "string", "pattern": r"^[0-9a-f]{32}$", "description": "the attachment's key"},
    "issue_number": {"type": "string", "pattern": r"^[0-9]{6}-[0-9]{4}-[0-9]{6}$", "description": "発行番号"},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a key of the client's (e.g. a UUID): the same POST sent again with it is answered as the "
    "first time and fires nothing. A key belongs to one request (case, transition and body).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[\x21-\x7e]+$"},
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # in the OpenAPI style, under the blueprint's prefix: /cases/{reference}
    operation_id: str
    summary: str
    scope: ApiScope | None  # None: no token needed (the document itself)
    answer: type[BaseModel] | tuple[str, ...]  # a model, or the media types of a file
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    headers: tuple[dict[str, Any], ...] = field(default_factory=tuple)


OPERATIONS: list[Operation] = []


def operation(bp: Blueprint, spec: Operation) -> Callable[[F], F]:
    """Route the view at ``spec.path`` on ``bp`` and describe it in the document."""

    def register(view: F) -> F:
        OPERATIONS.append(spec)
        rule = re.sub(r"\{(\w+)\}", r"<\1>", spec.path)
        bp.add_url_rule(rule, spec.operation_id, view, methods=[spec.method.upper()])
        view.operation = spec  # type: ignore[attr-defined]
        return view

    return register


def document(prefix: str) -> dict[str, Any]:
    answers = {schemas.Problem} | {op.answer for op in OPERATIONS if isinstance(op.answer, type)}
    bodies = {op.body for op in OPERATIONS if op.body is not None}
    _keys, definitions = models_json_schema(
        [(model, "validation") for model in sorted(bodies, key=lambda m: m.__name__)]
        + [(model, "serialization") for model in sorted(answers, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(prefix + op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "A municipality's cases for its core systems and RPA: list, fetch, fire a workflow "
            "transition, download attachments and certificates. Every request carries the municipality's API "
            "token (Authorization: Bearer mdgapi_…); errors are problem documents (RFC 9457).",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer", "description": "flask api token create"}},
        },
    }


def _operation(op: Operation) -> dict[str, Any]:
    described: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
        for name in re.findall(r"\{(\w+)\}", op.path)
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query)
    parameters += list(op.headers)
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}},
        }
    if isinstance(op.answer, tuple):
        content = {kind: {"schema": _file(kind)} for kind in op.answer}
    else:
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.answer.__name__}"}}}
    responses: dict[str, Any] = {"200": {"description": "OK", "content": content}}
    codes = (
        set(op.errors)
        | ({401, 429} if op.scope is not None else set())
        | ({403} if op.scope is ApiScope.WRITE else set())
    )
    for code in sorted(codes):
        responses[str(code)] = {
            "description": ERRORS[code],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    described["responses"] = responses
    described["security"] = [{"token": []}] if op.scope is not None else []
    return described


def _file(kind: str) -> dict[str, Any]:
    return {"type": "object"} if kind == "application/json" else {"type": "string", "contentMediaType": kind}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """A model's fields as query parameters; a parameter is simply left out rather than null."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        branches = [b for b in prop.get("anyOf", ()) if b.get("type") != "null"]
        value = {k: v for k, v in prop.items() if k not in ("anyOf", "title", "default", "description")}
        value |= branches[0] if len(branches) == 1 else {}
        parameter = {"name": name, "in": "query", "required": name in required, "schema": value}
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters
