"""The shared catalog in the administration area: every source with its current version, each source's versions
with the diff from the one before, and a preview of any version of a form exactly as residents see it, which
validates against that version and stores nothing. Publishing writes a platform-wide audit entry per change."""

from __future__ import annotations

import getpass
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.definitions import SourceDirs, read_sources
from portal.japan import jst, wareki
from portal.models import AuditAction, AuditActorKind, AuditEntry, CatalogVersion
from portal.models.base import Base
from portal.roles import Permission
from portal.services import publishing
from portal.services.actors import Administrator
from portal.services.publishing import PublishingRefused
from portal.web.sessions import LAST_SEEN
from tests.web.admin.conftest import (
    ADMIN,
    CLERK,
    MIHON,
    OPERATOR,
    OTHER_ADMIN,
    audit_entries,
    error_summary,
    invalid_inputs,
    submit,
)
from tests.web.catalogcopy import DIRECTORIES, change_sodai_gomi, edit
from tests.web.conftest import login
from tests.web.journeys import SODAI_GOMI_ANSWERS, csrf_token, post_form

CATALOG = "/backoffice/admin/catalog/"
HISTORY = f"{CATALOG}definition/sodai_gomi/"
WORKFLOW_HISTORY = f"{CATALOG}workflow/sodai_gomi/"
PUBLISHER = "情報政策課 田中"
MIGRATION = "migration c4a1f0d2b7e3"  # who published version 1 (the migration, from the shipped files)
NOTICE = "プレビュー（入力内容は保存されません）"
V2_ANSWERS = {**{k: v for k, v in SODAI_GOMI_ANSWERS.items() if k != "phone"}, "daytime_phone": "090-1234-5678"}


def preview(number: int, slug: str = "sodai_gomi") -> str:
    return f"{CATALOG}definition/{slug}/versions/{number}/preview"


@pytest.fixture
def version_2(catalog: Callable[..., Result], sources: Path) -> None:
    """粗大ごみ's definition and workflow at version 2 (see change_sodai_gomi), published by PUBLISHER."""
    change_sodai_gomi(sources)
    result = catalog("publish", "--by", PUBLISHER)
    assert result.exit_code == 0, result.output


def text_of(page: str) -> str:
    """The page's text without tags, whitespace collapsed, entities decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def row_of(page: str, marker: str) -> str:
    """The first table row containing ``marker``."""
    return next(row for row in page.split("<tr") if marker in row).split("</tr>", 1)[0]


def text_row(page: str, marker: str) -> str:
    return text_of(row_of(page, marker))


def changes_of(page: str, version: int) -> list[str]:
    """The diff items of one version's row on a history page, as read aloud."""
    row = page.split(f'<tr id="version-{version}">', 1)[1].split("</tr>", 1)[0]
    return [text_of(item) for item in re.findall(r'<li class="change change--\w+">(.*?)</li>', row, re.S)]


def database_state(db_session: Session) -> dict[str, int]:
    db_session.expire_all()
    return {
        table.name: db_session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def session_of(browser: FlaskClient) -> dict:
    with browser.session_transaction() as session:
        return {key: value for key, value in session.items() if key != LAST_SEEN}


# -- the catalog -------------------------------------------------------------------------------------------------


def test_the_catalog_lists_every_source_with_its_current_version(
    operator: FlaskClient, version_2: None, db_session: Session
) -> None:
    page = operator.get(CATALOG).text
    for heading in ("手続き定義", "ワークフロー", "証明書テンプレート"):
        assert f">{heading}</h2>" in page
    sodai_gomi = text_row(page, f'href="{HISTORY}"')
    assert "sodai_gomi 粗大ごみ収集の申込 第2版" in sodai_gomi and PUBLISHER in sodai_gomi
    published = db_session.scalars(select(CatalogVersion).filter_by(name="sodai_gomi", number=2)).first()
    assert published is not None
    at = published.published_at.astimezone(jst.JST)
    assert f"{wareki.format_date(at.date())} {at:%H:%M}" in sodai_gomi  # 和暦, Japan time
    juminhyo = text_row(page, f'href="{CATALOG}definition/juminhyo/"')
    assert "住民票の写しの交付請求 第1版" in juminhyo and MIGRATION in juminhyo
    assert "第1版" in text_row(page, f'href="{CATALOG}certificate/juminhyo/"')
    assert "第2版" in text_row(page, f'href="{WORKFLOW_HISTORY}"')
    assert "取り下げ" not in page


def test_a_withdrawn_source_is_marked_and_its_history_says_so_but_has_no_preview(
    operator: FlaskClient, catalog: Callable[..., Result], sources: Path, db_session: Session
) -> None:
    (sources / "forms_catalog/sodai_gomi.yaml").unlink()
    assert catalog("publish").exit_code == 0

    listed = text_row(operator.get(CATALOG).text, f'href="{HISTORY}"')
    assert "第2版 取り下げ" in listed
    history = operator.get(HISTORY).text
    assert "第2版 取り下げ" in text_row(history, 'id="version-2"')
    assert changes_of(history, 2) == ["削除 手続き：「粗大ごみ収集の申込」 (8 fields, 6 options, 2 pages, 1 rule)"]
    assert preview(2) not in history and preview(1) in history
    assert operator.get(preview(2)).status_code == 404
    assert operator.get(preview(1)).status_code == 200  # the version before stays viewable


def test_the_history_is_newest_first_with_each_versions_changes_in_words(
    operator: FlaskClient, version_2: None
) -> None:
    page = operator.get(HISTORY).text
    assert page.index('id="version-2"') < page.index('id="version-1"')
    assert PUBLISHER in text_row(page, 'id="version-2"') and MIGRATION in text_row(page, 'id="version-1"')
    before = "'sofa': 1000, 'bed': 1500, 'wardrobe': 1500, 'bicycle': 500, 'futon': 300, 'desk': 1000"
    after = before.replace(" 'bicycle': 500,", "")  # the removed option's price went with it
    assert changes_of(page, 2) == [
        f"変更 手続き：fee {{'items': 'items', 'prices': {{{before}}}}} → {{'items': 'items', 'prices': {{{after}}}}}",
        "削除 項目 phone ：phone 「日中連絡先」",
        "変更 選択肢 items=sofa ：label 「ソファ」 → 「ソファー」",
        "削除 選択肢 items=bicycle ：「自転車」",
        "追加 項目 daytime_phone ：phone 「連絡先電話番号」",
    ]
    assert changes_of(page, 1) == ["追加 手続き：「粗大ごみ収集の申込」 (8 fields, 6 options, 2 pages, 1 rule)"]
    # The sign is a word on its own (not a +/- character), and marked for styling only besides.
    assert '<li class="change change--removed">\n  <span class="change__sign">削除</span>' in page
    # Each version links to its preview and the workflow it names.
    assert preview(1) in page and preview(2) in page
    assert f'href="{WORKFLOW_HISTORY}"' in page

    workflow = operator.get(WORKFLOW_HISTORY).text
    assert "削除 状態 received ：「受付」" in changes_of(workflow, 2)
    assert "追加 状態 accepted ：「受付済み」" in changes_of(workflow, 2)
    assert "変更 ワークフロー：initial 「received」 → 「accepted」" in changes_of(workflow, 2)
    assert "/preview" not in workflow  # only forms have a preview


def test_a_definition_links_to_its_certificate_templates_history(operator: FlaskClient, db_session) -> None:
    page = operator.get(f"{CATALOG}definition/juminhyo/").text
    assert f'href="{CATALOG}certificate/juminhyo/"' in page and f'href="{CATALOG}workflow/juminhyo/"' in page
    template = operator.get(f"{CATALOG}certificate/juminhyo/").text
    assert changes_of(template, 1)[0].startswith("追加 テンプレート：")


def test_a_change_that_shows_nothing_new_is_said_so(
    operator: FlaskClient, catalog: Callable[..., Result], sources: Path, db_session: Session
) -> None:
    edit(sources / "forms_catalog/sodai_gomi.yaml", "# 粗大ごみ収集の申込\n", "# 粗大ごみ収集の申込（説明を追記）\n")
    assert catalog("publish").exit_code == 0
    page = operator.get(HISTORY).text
    assert changes_of(page, 2) == []
    assert "表示に関わる違いはありません（コメントや書式だけの変更です）。" in text_row(page, 'id="version-2"')


# -- the preview -------------------------------------------------------------------------------------------------


def test_each_version_is_previewed_with_its_own_labels_as_residents_see_it(
    operator: FlaskClient, client: FlaskClient, version_2: None
) -> None:
    first = operator.get(preview(1))
    second = operator.get(preview(2))
    assert first.status_code == second.status_code == 200
    assert "日中連絡先" in first.text and "自転車" in first.text and "ソファー" not in first.text
    assert "連絡先電話番号" in second.text and "自転車" not in second.text and "ソファー" in second.text
    for page in (first.text, second.text):
        assert NOTICE in page and "入力内容を確認する" in page  # the resident's form and button
        breadcrumbs = text_of(page.split('<ol class="breadcrumbs__list">', 1)[1].split("</ol>", 1)[0])
        assert breadcrumbs.startswith("管理 共通カタログ 手続き定義 sodai_gomi")
    assert "第2版のプレビュー" in second.text

    # The form is the resident's, its steps shown one after another: the same fields, wired the same way.
    login(client, "resident", "resident-yamada")
    inputs = re.compile(r'<(?:input|select|textarea)[^>]*name="((?!csrf_token|action)[^"]+)"')
    steps = [client.get(f"/{MIHON}/procedures/sodai_gomi/apply?page={key}").text for key in ("applicant", "collection")]
    asked = [name for step in steps for name in inputs.findall(procedure_form(step))]
    assert asked == inputs.findall(procedure_form(second.text))


def procedure_form(page: str) -> str:
    return page.split('class="procedure-form"', 1)[1].split("</form>", 1)[0]


def test_a_household_question_is_previewed_as_for_a_resident_without_a_record(operator: FlaskClient, db_session):  # type: ignore[no-untyped-def]
    page = operator.get(preview(1, "juminhyo")).text
    assert "住民記録であなたの世帯を確認できませんでした。" in page


@pytest.mark.parametrize("number", [1, 2])
def test_preview_shows_the_errors_residents_get(
    operator: FlaskClient, client: FlaskClient, version_2: None, db_session: Session, number: int
) -> None:
    bad = {"family_name": "", "items-sofa": "9", "preferred_date-day": "32"}
    answers = {**(SODAI_GOMI_ANSWERS if number == 1 else V2_ANSWERS), **bad}
    before = database_state(db_session)

    response = submit(operator, preview(number), answers)

    assert response.status_code == 200 and NOTICE in response.text
    summary = error_summary(response.text)
    assert [anchor for anchor, _message in summary] == ["field-family_name", "field-items", "field-preferred_date"]
    assert {"field-family_name", "field-preferred_date"} <= invalid_inputs(response.text)
    assert "090-1234-5678" in response.text  # what was typed stays
    assert database_state(db_session) == before
    if number == 2:  # the version residents now get: their errors read exactly the same, step by step
        login(client, "resident", "resident-yamada")
        resident = post_form(client, f"/{MIHON}/procedures/sodai_gomi/apply?page=applicant", answers)
        assert error_summary(resident.text) == summary[:1]


def test_preview_validates_against_the_version_shown(operator: FlaskClient, version_2: None) -> None:
    # Version 1's answers lack version 2's 連絡先電話番号 and name its removed 自転車.
    response = submit(operator, preview(2), SODAI_GOMI_ANSWERS)
    assert [anchor for anchor, _message in error_summary(response.text)] == ["field-daytime_phone"]
    assert submit(operator, preview(1), SODAI_GOMI_ANSWERS).status_code == 200
    assert "入力内容の確認" in submit(operator, preview(1), SODAI_GOMI_ANSWERS).text


def test_valid_answers_show_the_confirmation_and_nothing_is_stored(
    operator: FlaskClient, version_2: None, db_session: Session
) -> None:
    operator.get(preview(2))
    before, session_before = database_state(db_session), session_of(operator)

    response = submit(operator, preview(2), V2_ANSWERS)

    assert response.status_code == 200
    page = text_of(response.text)
    assert "入力内容の確認" in page and NOTICE in page
    assert "連絡先電話番号 090-1234-5678" in page and "品目と個数 ソファー 1点" in page and "自転車" not in page
    assert "申請する" not in page and "submission_token" not in response.text  # nothing to submit
    assert database_state(db_session) == before
    assert session_of(operator) == session_before  # no draft either


def test_the_address_lookup_posts_back_to_the_preview_and_stores_nothing(
    operator: FlaskClient, db_session: Session
) -> None:
    operator.get(preview(1))
    before, session_before = database_state(db_session), session_of(operator)
    answers = {**SODAI_GOMI_ANSWERS, "postal_code": "1000001", "collection_address": "", "lookup": "postal_code"}

    response = submit(operator, preview(1), answers)

    assert response.status_code == 200 and NOTICE in response.text
    assert "郵便番号から住所を入力しました。" in response.text and 'value="東京都千代田区千代田"' in response.text
    assert database_state(db_session) == before
    assert session_of(operator) == session_before


@pytest.mark.parametrize(
    "path",
    [
        preview(3),  # no such version
        preview(0),
        preview(1, "nonexistent"),
        f"{CATALOG}definition/sodai_gomi/versions/v1/preview",
        f"{CATALOG}workflow/sodai_gomi/versions/1/preview",  # only forms are previewed
        f"{CATALOG}definition/nonexistent/",
        f"{CATALOG}form/sodai_gomi/",  # not a kind of source
    ],
)
def test_what_was_never_published_is_not_found(operator: FlaskClient, db_session: Session, path: str) -> None:
    before = database_state(db_session)
    assert operator.get(path).status_code == 404
    assert submit(operator, path, SODAI_GOMI_ANSWERS, token_from=CATALOG).status_code in (404, 405)
    assert database_state(db_session) == before


# -- who sees it ---------------------------------------------------------------------------------------------------

PAGES = [CATALOG, HISTORY, WORKFLOW_HISTORY, f"{CATALOG}certificate/juminhyo/", preview(1)]


@pytest.mark.parametrize("sub", [ADMIN, OTHER_ADMIN, OPERATOR])
def test_administrators_of_any_municipality_and_operators_see_the_whole_catalog(
    browser, db_session: Session, sub: str
) -> None:
    staff = browser(sub)
    for path in PAGES:
        assert staff.get(path).status_code == 200, path
    assert submit(staff, preview(1), SODAI_GOMI_ANSWERS).status_code == 200


def test_a_clerk_is_forbidden_the_catalog(browser, db_session: Session) -> None:
    clerk = browser(CLERK)
    for path in PAGES:
        assert clerk.get(path).status_code == 403, path
    before = database_state(db_session)
    token = csrf_token(clerk, "/backoffice/")
    assert clerk.post(preview(1), data={**SODAI_GOMI_ANSWERS, "csrf_token": token}).status_code == 403
    assert database_state(db_session) == before


def test_nobody_logged_in_is_sent_to_the_staff_login(client: FlaskClient) -> None:
    response = client.get(preview(1))
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/staff/login")


def test_the_catalog_is_in_the_navigation_and_each_procedure_links_to_its_history(browser, db_session: Session) -> None:
    admin = browser(ADMIN)
    page = admin.get(CATALOG).text
    nav = page.split('<nav class="staff-nav"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{CATALOG}" aria-current="true">共通カタログ</a>' in nav
    assert '<a href="/backoffice/admin/">管理</a>' in nav  # not the current section here
    procedures = admin.get(f"/backoffice/admin/municipalities/{MIHON}/procedures/").text
    assert f'href="{HISTORY}"' in row_of(procedures, "粗大ごみ収集の申込")
    assert f'href="{CATALOG}definition/juminhyo/"' in row_of(procedures, "住民票の写しの交付請求")
    assert 'aria-current="true">共通カタログ' not in procedures


# -- publishing is audited ---------------------------------------------------------------------------------------


def _published(db_session: Session) -> list[AuditEntry]:
    return [entry for entry in audit_entries(db_session) if entry.action is AuditAction.CATALOG_PUBLISHED]


def test_publishing_writes_a_platform_wide_entry_per_change(
    catalog: Callable[..., Result], sources: Path, version_2: None, db_session: Session
) -> None:
    definition, workflow = _published(db_session)
    for entry in (definition, workflow):
        assert (entry.actor_kind, entry.actor_id, entry.actor_name) == (AuditActorKind.COMMAND_LINE, None, PUBLISHER)
        assert entry.municipality_code is None
        assert (entry.before, entry.after) == ({"version": 1}, {"version": 2})
    assert (definition.target, workflow.target) == ("definition:sodai_gomi", "workflow:sodai_gomi")

    assert catalog("publish").exit_code == 0  # nothing changed: no entry
    assert len(_published(db_session)) == 2

    (sources / "forms_catalog/kotatsu.yaml").write_text(
        (sources / "forms_catalog/sodai_gomi.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (sources / "forms_catalog/sodai_gomi.yaml").unlink()
    assert catalog("publish").exit_code == 0
    added, withdrawn = sorted(_published(db_session)[2:], key=lambda entry: entry.target)
    assert (added.target, added.before, added.after) == ("definition:kotatsu", None, {"version": 1})
    assert (withdrawn.target, withdrawn.before, withdrawn.after) == (
        "definition:sodai_gomi",
        {"version": 2},
        {"version": "withdrawn"},
    )
    assert added.actor_name == withdrawn.actor_name == getpass.getuser()  # without --by: the login name


def test_a_refused_publication_writes_no_entry(
    catalog: Callable[..., Result], sources: Path, db_session: Session
) -> None:
    edit(sources / "forms_catalog/sodai_gomi.yaml", "workflow: sodai_gomi\n", "workflow: sodaigomi\n")
    assert catalog("publish").exit_code == 1
    assert _published(db_session) == []


def test_only_the_platform_publishes(sources: Path, db_session: Session) -> None:
    change_sodai_gomi(sources)
    files = read_sources(SourceDirs(*(sources / directory for directory in DIRECTORIES.values())))
    administrator = Administrator(
        AuditActorKind.STAFF, 1, "管理 四郎", frozenset({Permission.ADMINISTER_MUNICIPALITY}), MIHON
    )
    before = database_state(db_session)
    with pytest.raises(PublishingRefused):
        publishing.publish(db_session, files, administrator)
    assert database_state(db_session) == before
    assert [change.name for change in publishing.publish(db_session, files, Administrator.command_line())] == [
        "sodai_gomi",
        "sodai_gomi",
    ]


def test_the_platform_log_shows_publications_readably(
    operator: FlaskClient, admin: FlaskClient, version_2: None, db_session: Session
) -> None:
    page = operator.get("/backoffice/admin/audit").text
    row = text_row(page, "手続き定義 sodai_gomi")
    assert f"{PUBLISHER}（コマンドライン）" in row and "共通" in row and "カタログを公開" in row
    assert "版：第1版 → 第2版" in row
    assert "版：第1版 → 第2版" in text_row(page, "ワークフロー sodai_gomi")
    # A municipality's own log holds its settings only.
    assert "カタログを公開" not in admin.get(f"/backoffice/admin/municipalities/{MIHON}/audit").text


def test_the_log_says_a_first_version_and_a_withdrawal_in_words(
    operator: FlaskClient, catalog: Callable[..., Result], sources: Path, db_session: Session
) -> None:
    (sources / "workflows/extra.yaml").write_text(
        (sources / "workflows/sodai_gomi.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (sources / "forms_catalog/sodai_gomi.yaml").unlink()
    assert catalog("publish").exit_code == 0
    page = operator.get("/backoffice/admin/audit").text
    assert "版：— → 第1版" in text_row(page, "ワークフロー extra")
    assert "版：第1版 → 取り下げ" in text_row(page, "手続き定義 sodai_gomi")
