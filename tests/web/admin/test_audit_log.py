"""The audit log: written by every administrative change (the pages and the command line alike), shown newest first
to the municipality's administrators, every entry to operators; it holds settings, never residents' data."""

from __future__ import annotations

import getpass
import html
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from portal.japan import jst, wareki
from portal.models import AuditAction, AuditActorKind
from portal.services import audit
from portal.services.actors import Administrator
from portal.services.municipalities import LABELS
from tests.web.admin.conftest import CIRCLE, MIHON, SHIKEN, SVG, audit_entries, submit
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply

MIHON_LOG = f"/backoffice/admin/municipalities/{MIHON}/audit"
TERMS_FORM = f"/backoffice/admin/municipalities/{MIHON}/procedures/juminhyo"


def _cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["municipality", *args])


def test_the_log_shows_who_when_what_and_before_and_after(admin: FlaskClient, db_session) -> None:
    submit(admin, TERMS_FORM, {"enabled": "on", "fee": "450"})
    page = html.unescape(admin.get(MIHON_LOG).text)
    assert "管理 四郎（職員）" in page
    assert "手続きの設定の変更" in page and "手続き「住民票の写しの交付請求」" in page
    assert "手数料：カタログの値 → 450円" in page
    at = audit_entries(db_session)[-1].at.astimezone(jst.JST)
    assert f"<td>{wareki.format_date(at.date())} {at:%H:%M}</td>" in page  # when, in Japan time


def test_the_log_is_newest_first_and_paged(admin: FlaskClient, db_session) -> None:
    actor = Administrator.command_line()
    for fee in range(audit.PAGE_SIZE + 1):
        audit.record(
            db_session, actor, AuditAction.PROCEDURE_CHANGED, "procedure:999997/juminhyo", {}, {"fee": fee}, MIHON
        )
    first = html.unescape(admin.get(MIHON_LOG).text)
    assert first.count("<li>手数料：") == audit.PAGE_SIZE
    assert first.index(f"→ {audit.PAGE_SIZE}円") < first.index(f"→ {audit.PAGE_SIZE - 1}円")
    assert "→ 0円" not in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = html.unescape(admin.get(MIHON_LOG, query_string={"page": 2}).text)
    assert second.count("<li>手数料：") == 1 and "→ 0円" in second and 'rel="prev"' in second


def test_each_municipality_sees_its_own_entries_and_operators_see_all(
    admin: FlaskClient, operator: FlaskClient, browser, db_session
) -> None:
    submit(admin, TERMS_FORM, {"enabled": "on", "fee": "450"})
    submit(operator, f"/backoffice/admin/municipalities/{SHIKEN}/procedures/juminhyo", {"enabled": "on", "fee": "120"})
    assert "450円" in admin.get(MIHON_LOG).text and "120円" not in admin.get(MIHON_LOG).text
    shiken = browser("staff-shiken-admin").get(f"/backoffice/admin/municipalities/{SHIKEN}/audit").text
    assert "120円" in shiken and "450円" not in shiken and "運用 八郎（職員）" in shiken
    everything = operator.get("/backoffice/admin/audit").text
    assert "450円" in everything and "120円" in everything
    assert everything.index("120円") < everything.index("450円")  # newest first


def test_the_command_line_writes_entries_naming_the_operating_system_user(
    app: Flask, db_session, demo, seal_files, tmp_path: Path
) -> None:
    seal = tmp_path / "seal.svg"
    seal.write_text(SVG.format(CIRCLE), encoding="utf-8")
    names = ["--name", "新見本市", "--prefecture", "見本県", "--mayor-title", "新見本市長", "--mayor-name", "新見 一郎"]
    assert _cli(app, "add", "999962", *names, "--seal", str(seal)).exit_code == 0
    assert _cli(app, "enable", "999962", "juminhyo", "--fee", "350", "--until", "2099-03-31").exit_code == 0
    assert _cli(app, "enable", "999962", "juminhyo", "--fee", "350").exit_code == 0  # no change: no entry
    assert _cli(app, "disable", "999962", "juminhyo").exit_code == 0

    added, enabled, disabled = audit_entries(db_session)
    for entry in (added, enabled, disabled):
        assert (entry.actor_kind, entry.actor_id, entry.actor_name) == (
            AuditActorKind.COMMAND_LINE,
            None,
            getpass.getuser(),
        )
        assert entry.municipality_code == "999962"
    assert (added.action, added.before) == (AuditAction.MUNICIPALITY_ADDED, None)
    assert added.after == {
        "name": "新見本市",
        "prefecture": "見本県",
        "mayor_title": "新見本市長",
        "mayor_name": "新見 一郎",
        "seal": "999962.svg",
    }
    assert (enabled.action, enabled.target) == (AuditAction.PROCEDURE_ENABLED, "procedure:999962/juminhyo")
    assert (enabled.before, enabled.after) == (
        {"enabled": False, "fee": None, "available_until": None},
        {"enabled": True, "fee": 350, "available_until": "2099-03-31"},
    )
    assert (disabled.action, disabled.before, disabled.after) == (
        AuditAction.PROCEDURE_DISABLED,
        {"enabled": True},
        {"enabled": False},
    )


def test_a_refused_command_writes_no_entry(app: Flask, db_session, demo) -> None:
    result = _cli(app, "enable", MIHON, "juminhyo", "--fee", "-1", "--processing-days", "0")
    assert result.exit_code == 1
    assert "--fee: 手数料は0円" in result.output and "--processing-days: 標準処理期間は1日から" in result.output
    assert audit_entries(db_session) == []


def test_entries_hold_settings_only_never_residents_data(client: FlaskClient, admin: FlaskClient, db_session) -> None:
    login(client, "resident", "resident-yamada")
    apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    submit(admin, TERMS_FORM, {"enabled": "on", "fee": "450", "contact_name": "市民課"})
    for entry in audit_entries(db_session):
        assert set(entry.before or {}) | set(entry.after or {}) <= set(LABELS)
        assert "山田" not in repr((entry.before, entry.after, entry.target, entry.actor_name))
