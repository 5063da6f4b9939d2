"""The development mail sink and its page: every message the portal sends in development lands as an .eml file
and is listed at /dev/mail; a production portal has no such page and the sink refuses to start there."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.config import (
    RESIDENT_CLIENT_ID,
    RESIDENT_CLIENT_SECRET,
    STAFF_CLIENT_ID,
    STAFF_CLIENT_SECRET,
    load_settings,
)
from portal.devtools.mailsink import ProductionRefusedError, start_mail_sink
from tests.web.conftest import login
from tests.web.journeys import post_form
from tests.web.mailbox import Mailbox


@pytest.fixture(scope="module")
def production_app(database_url: str, idp: Any, signing_dir: Path) -> Flask:
    """Module scope: created before db_session points the shared ``db`` at the test's transaction."""
    discovery = f"{idp.url}/.well-known/openid-configuration"
    return create_app(
        load_settings(
            {
                "MADOGUCHI_ENV": "production",
                "SECRET_KEY": "a production key of at least 32 characters",
                "DATABASE_URL": database_url,
                "REDIS_URL": "redis://127.0.0.1:6379/15",
                "RESIDENT_OIDC_DISCOVERY_URL": discovery,
                "RESIDENT_OIDC_CLIENT_ID": RESIDENT_CLIENT_ID,
                "RESIDENT_OIDC_CLIENT_SECRET": RESIDENT_CLIENT_SECRET,
                "STAFF_OIDC_DISCOVERY_URL": discovery,
                "STAFF_OIDC_CLIENT_ID": STAFF_CLIENT_ID,
                "STAFF_OIDC_CLIENT_SECRET": STAFF_CLIENT_SECRET,
                "PUBLIC_URL": "https://madoguchi.example.jp",
                "CERTIFICATE_HMAC_KEY": "a production verification key of 32+ characters",
                "SIGNING_DIR": str(signing_dir),
                "SMTP_URL": "smtps://mail.example.jp",
                "MAIL_FROM": "窓口 <noreply@madoguchi.example.jp>",
            }
        )
    )


def test_the_development_mail_box_lists_and_shows_what_the_sink_received(client: FlaskClient, mailbox: Mailbox) -> None:
    login(client, "resident", "resident-yamada")
    post_form(
        client, "/account/notifications/address", {"address": "yamada@example.jp"}, token_from="/account/notifications"
    )
    [received] = mailbox.received()
    [file] = sorted(mailbox.directory.glob("*.eml"))

    listing = html.unescape(client.get("/dev/mail/").text)
    assert "【窓口】メールアドレスの確認" in listing and "yamada@example.jp" in listing
    assert f'href="/dev/mail/{file.name}"' in listing
    shown = html.unescape(client.get(f"/dev/mail/{file.name}").text)
    assert "「窓口」（オンライン行政手続き）で、このメールアドレスがお知らせの送り先として登録されました。" in shown
    assert received.links[0] in shown and "Auto-Submitted" in shown


@pytest.mark.parametrize(
    "name", ["..%2F..%2Fetc%2Fpasswd", "20260101T000000000000Z-00000000.eml", "notes.txt", ".x.part"]
)
def test_the_mail_box_shows_only_files_of_the_sink(client: FlaskClient, name: str) -> None:
    assert client.get(f"/dev/mail/{name}").status_code == 404


def test_a_production_portal_has_no_mail_box(production_app: Flask) -> None:
    assert not [rule.rule for rule in production_app.url_map.iter_rules() if rule.rule.startswith("/dev")]
    assert "devmail" not in production_app.blueprints
    response = production_app.test_client().get("/dev/mail/", base_url="https://localhost")
    assert response.status_code == 404


def test_the_sink_never_runs_in_production(tmp_path: Path) -> None:
    with pytest.raises(ProductionRefusedError, match="must never run in production"):
        start_mail_sink(tmp_path, port=0, environment="production")
    assert list(tmp_path.iterdir()) == []


def test_the_sink_keeps_each_message_whole_as_an_eml_file(tmp_path: Path) -> None:
    import smtplib
    from email.message import EmailMessage

    sink = start_mail_sink(tmp_path / "mail", port=0, environment="development")
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.jp", "b@example.jp", "件名"
        message.set_content("本文です。\n2行目")
        with smtplib.SMTP(sink.controller.hostname, sink.controller.port, timeout=5) as client:
            client.send_message(message)
        [file] = sink.files()
        assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.eml", file.name)
        assert file.read_bytes().replace(b"\r\n", b"\n") == message.as_bytes().replace(b"\r\n", b"\n")
        assert not list((tmp_path / "mail").glob(".*"))  # nothing half-written left behind
    finally:
        sink.stop()
