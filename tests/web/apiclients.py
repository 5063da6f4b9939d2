"""API tokens and cases for the API's and the webhooks' tests: tokens made by the service the command calls, cases
submitted through SubmissionService in the test's transaction (tests.web.queuecases), one of them with a photo."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from portal.attachments.reference import AttachmentRef
from portal.models import ApiScope, Municipality, Submission
from portal.roles import Role
from portal.services.actors import Administrator
from portal.services.api_tokens import create_token
from portal.services.submissions import SubmissionService
from portal.storage.base import new_key
from portal.web.current import ATTACHMENTS_EXTENSION
from tests.web import queuecases
from tests.web.journeys import validated
from tests.web.test_risai_shomei import ANSWERS as RISAI_ANSWERS

CODE = "999997"  # 見本市: it signs certificates in the tests
OTHER = "999989"  # 試験町
RISAI = "risai_shomei"
PHOTO = b"\x89PNG\r\n\x1a\n a photo of the roof"


def token(session: Session, scope: str = "read", code: str = CODE, name: str = "基幹システム連携", *roles: Role) -> str:
    """A new token's secret, as ``flask api token create`` prints it."""
    _made, secret = create_token(
        session, Administrator.command_line("test"), code, name, ApiScope(scope), frozenset(roles)
    )
    session.flush()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def offer_risai(app: Flask, code: str = CODE) -> None:
    enabled = app.test_cli_runner().invoke(args=["municipality", "enable", code, RISAI])
    assert enabled.exit_code == 0, enabled.output


def risai_case(app: Flask, session: Session, code: str = CODE, photo: bytes = PHOTO) -> Submission:
    """A 罹災証明書 application (offered by ``code`` first) with ``photo`` stored and attached."""
    offer_risai(app, code)
    procedures = queuecases.procedures(app)
    definition = procedures.published(session).definition(RISAI)
    assert definition is not None
    key = new_key()
    app.extensions[ATTACHMENTS_EXTENSION].storage.put(key, photo)
    ref = AttachmentRef(key, "屋根.png", "image/png", len(photo), hashlib.sha256(photo).hexdigest())
    answers: dict[str, Any] = validated(definition, {**RISAI_ANSWERS, "photos": [json.dumps(ref.to_json())]})
    resident = queuecases.resident(session)
    return SubmissionService(session, procedures, queuecases.ActingUser.of_resident(resident)).submit(
        session.get_one(Municipality, code), definition, answers, f"api-{new_key()}"
    )
