"""Browsers logged in as each kind of staff member, and what the administration pages may change."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import ROOT
from portal.models import AuditEntry, Municipality, MunicipalityProcedure, PendingSeal
from tests.web.journeys import csrf_token

MIHON, SHIKEN = "999997", "999989"  # the demo municipalities
ADMIN = "staff-mihon-admin"  # 管理者 of 見本市 (and a clerk)
OTHER_ADMIN = "staff-shiken-admin"  # 管理者 of 試験町
OPERATOR = "staff-platform-operator"  # プラットフォーム運用者, arriving as a member of 見本市
CLERK = "staff-mihon-clerk"
ADMIN_NAME, OPERATOR_NAME = "管理 四郎", "運用 八郎"
SEALS = ROOT / "static" / "seals"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{}</svg>'
CIRCLE = '<circle cx="50" cy="50" r="45" fill="none" stroke="#c8161d"/>'


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 22, 29, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def browser(make_client: Callable[[str, str], FlaskClient]) -> Callable[[str], FlaskClient]:
    """``browser(sub)``: a staff member's browser, logged in."""
    return lambda sub: make_client("staff", sub)


@pytest.fixture
def admin(browser: Callable[[str], FlaskClient]) -> FlaskClient:
    return browser(ADMIN)


@pytest.fixture
def operator(browser: Callable[[str], FlaskClient]) -> FlaskClient:
    return browser(OPERATOR)


@pytest.fixture
def seal_files() -> Iterator[None]:
    """Seals a test stores in static/seals/ are removed afterwards; the demo municipalities' stay."""
    before = set(SEALS.iterdir())
    yield
    for path in set(SEALS.iterdir()) - before:
        path.unlink()


def submit(client: FlaskClient, path: str, data: dict[str, Any], *, token_from: str | None = None, **files: Any):  # type: ignore[no-untyped-def]
    """POST ``data`` with the CSRF token of the page the form is on (``token_from``, else ``path``); ``files``
    are (file name, bytes) pairs sent as multipart."""
    fields: dict[str, Any] = {**data, "csrf_token": csrf_token(client, token_from or path)}
    for name, (file_name, content) in files.items():
        fields[name] = (io.BytesIO(content), file_name)
    return client.post(path, data=fields, content_type="multipart/form-data" if files else None)


def admin_state(db_session: Session) -> tuple[Any, ...]:
    """Everything an administrative request may change: municipalities, their offers, the audit log, pending
    seals and the seal files."""
    db_session.expire_all()
    rows = []
    for model in (Municipality, MunicipalityProcedure, AuditEntry, PendingSeal):
        columns = [column for column in model.__table__.columns if column.name != "content"]
        query = select(*columns).order_by(*model.__table__.primary_key)
        rows.append(tuple(map(tuple, db_session.execute(query))))
    return (*rows, sorted(path.name for path in SEALS.iterdir()))


def audit_entries(db_session: Session) -> list[AuditEntry]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def error_summary(page: str) -> list[tuple[str, str]]:
    """(anchor, message) of the page's error summary, in order."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, "no error summary on the page"
    return re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', summary.group(0))


def invalid_inputs(page: str) -> set[str]:
    return set(re.findall(r'id="([^"]+)"[^>]*aria-invalid="true"', page))
