"""``flask catalog diff|publish`` and what publishing means for cases: each keeps the versions it was made
against (labels, options, state names, certificate) while new applications use the new ones, and a renamed or
withdrawn procedure never turns a page into a 404 or 500."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.definitions import Kind
from portal.japan import jst
from portal.models import CatalogVersion, Certificate, Submission
from tests.web.catalogcopy import change_sodai_gomi, edit
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    collection_date,
    decide_juminhyo,
    fire,
    state_of,
)

MIHON = "999997"
STAFF = {"clerk": "staff-mihon-clerk", "approver": "staff-mihon-approver"}


def versions(db_session: Session) -> list[tuple[str, str, int]]:
    db_session.expire_all()
    rows = db_session.execute(select(CatalogVersion.kind, CatalogVersion.name, CatalogVersion.number)).all()
    return sorted((kind.value, name, number) for kind, name, number in rows)


SHIPPED = [
    ("certificate", "juminhyo", 1),
    ("certificate", "risai_shomei", 1),
    ("certificate", "tenshutsu", 1),
    ("definition", "jidou_teate", 1),
    ("definition", "juminhyo", 1),
    ("definition", "risai_shomei", 1),
    ("definition", "sodai_gomi", 1),
    ("definition", "tenshutsu", 1),
    ("workflow", "jidou_teate", 1),
    ("workflow", "juminhyo", 1),
    ("workflow", "risai_shomei", 1),
    ("workflow", "sodai_gomi", 1),
    ("workflow", "tenshutsu", 1),
]


# -- the commands ---------------------------------------------------------------------------------


def test_publishing_unchanged_files_stores_nothing(catalog: Callable[..., Result], db_session: Session) -> None:
    result = catalog("publish")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "nothing to publish: every file is its latest published version"
    assert versions(db_session) == SHIPPED


def test_diff_shows_fields_options_labels_states_and_transitions_and_stores_nothing(
    catalog: Callable[..., Result], sources: Path, db_session: Session
) -> None:
    change_sodai_gomi(sources)

    result = catalog("diff")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "definition sodai_gomi: v1 → v2",
        "    ~ procedure: fee {'items': 'items', 'prices': {'sofa': 1000, 'bed': 1500, 'wardrobe': 1500, 'bicycle': 500, "
        "'futon': 300, 'desk': 1000}} → {'items': 'items', 'prices': {'sofa': 1000, 'bed': 1500, 'wardrobe': 1500, "
        "'futon': 300, 'desk': 1000}}",
        "    - field phone: phone 「日中連絡先」",
        "    ~ option items=sofa: label 「ソファ」 → 「ソファー」",
        "    - option items=bicycle: 「自転車」",
        "    + field daytime_phone: phone 「連絡先電話番号」",
        "workflow sodai_gomi: v1 → v2",
        "    ~ workflow: initial 「received」 → 「accepted」",
        "    - state received: 「受付」",
        "    ~ transition complete: from ['received'] → ['accepted']",
        "    ~ transition reject: from ['received'] → ['accepted']",
        "    ~ transition withdraw: from ['received'] → ['accepted']",
        "    + state accepted: 「受付済み」",
    ]
    assert catalog("diff", "juminhyo").output == "nothing to publish: every file is its latest published version\n"
    assert versions(db_session) == SHIPPED


def test_publish_stores_the_next_versions_once_and_prints_them(
    catalog: Callable[..., Result], sources: Path, db_session: Session
) -> None:
    change_sodai_gomi(sources)

    result = catalog("publish")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "definition sodai_gomi: v1 → v2" in lines and "workflow sodai_gomi: v1 → v2" in lines
    assert "    ~ option items=sofa: label 「ソファ」 → 「ソファー」" in lines
    assert versions(db_session) == sorted([*SHIPPED, ("definition", "sodai_gomi", 2), ("workflow", "sodai_gomi", 2)])
    published = db_session.scalars(select(CatalogVersion).filter_by(number=2)).all()
    assert {v.published_by for v in published} != {""} and all(v.content_hash for v in published)

    again = catalog("publish")
    assert again.output.splitlines()[-1] == "nothing to publish: every file is its latest published version"
    assert len(versions(db_session)) == len(SHIPPED) + 2


def test_publish_names_who_published(catalog: Callable[..., Result], sources: Path, db_session: Session) -> None:
    edit(sources / "forms_catalog/sodai_gomi.yaml", "processing_days: 7", "processing_days: 10")
    assert catalog("publish", "--by", "情報政策課 田中").exit_code == 0
    version = db_session.scalars(select(CatalogVersion).filter_by(name="sodai_gomi", number=2)).one()
    assert version.published_by == "情報政策課 田中"


BROKEN: dict[str, tuple[str, str, str, str]] = {
    # case: (file, old, new, what the message says after "file:line: ")
    "malformed YAML": (
        "forms_catalog/sodai_gomi.yaml",
        "        max_each: 5\n",
        "        max_each: [5\n",
        "閉じられていません",
    ),
    "unknown field type": (
        "forms_catalog/juminhyo.yaml",
        "        type: kana\n        label: 氏（",
        "        type: katakana\n        label: 氏（",
        "pages[0].fields[2].type: ",
    ),  # fmt: skip
    "unknown workflow": (
        "forms_catalog/sodai_gomi.yaml",
        "workflow: sodai_gomi\n",
        "workflow: sodaigomi\n",
        "workflow: unknown workflow 'sodaigomi'",
    ),  # fmt: skip
    "unknown certificate": (
        "forms_catalog/juminhyo.yaml",
        "certificate: juminhyo\n",
        "certificate: koseki\n",
        "certificate: unknown certificate template 'koseki'",
    ),  # fmt: skip
    "broken workflow": ("workflows/sodai_gomi.yaml", "    to: completed\n", "    to: finished\n", "finished"),
    "template syntax": (
        "certificate_templates/juminhyo.html",
        "{% block certification %}",
        "{% block certification",
        "template syntax",
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_file_is_reported_with_its_line_and_nothing_is_published(
    catalog: Callable[..., Result], sources: Path, db_session: Session, case: str
) -> None:
    file, old, new, says = BROKEN[case]
    edit(sources / "forms_catalog/sodai_gomi.yaml", "processing_days: 7", "processing_days: 10")  # a good change too
    line = edit(sources / file, old, new)

    result = catalog("publish")

    assert result.exit_code == 1
    [reported] = [r for r in result.output.splitlines() if r.startswith(f"{file}:")]
    reported_line = int(reported.split(":")[1])
    assert line <= reported_line <= line + 2 and says in reported
    assert "Error: nothing published: fix the errors above first" in result.output
    assert versions(db_session) == SHIPPED


def test_a_missing_workflow_file_is_reported_against_the_definition(
    catalog: Callable[..., Result], sources: Path, db_session: Session
) -> None:
    (sources / "workflows/sodai_gomi.yaml").unlink()
    result = catalog("publish")
    assert result.exit_code == 1
    assert "forms_catalog/sodai_gomi.yaml:25: workflow: unknown workflow 'sodai_gomi'" in result.output
    assert versions(db_session) == SHIPPED


# -- old cases keep their versions -----------------------------------------------------------------


def test_old_cases_keep_their_labels_options_and_states_while_new_applications_use_the_new_version(
    catalog: Callable[..., Result],
    sources: Path,
    client: FlaskClient,
    make_client: Any,
    db_session: Session,
) -> None:
    login(client, "resident", "resident-yamada")
    old = apply(client, MIHON, "sodai_gomi", SODAI_GOMI_ANSWERS)
    change_sodai_gomi(sources)
    assert catalog("publish").exit_code == 0

    form = client.get(f"/{MIHON}/procedures/sodai_gomi/apply?page=applicant")
    assert "連絡先電話番号" in form.text and "日中連絡先" not in form.text
    answers = {k: v for k, v in SODAI_GOMI_ANSWERS.items() if k not in ("phone", "items-bicycle")}
    new = apply(client, MIHON, "sodai_gomi", {**answers, "daytime_phone": "090-1234-5678"})
    assert state_of(db_session, MIHON, new) == "accepted"

    page = client.get(f"/{MIHON}/applications/{old}")
    assert page.status_code == 200
    assert "日中連絡先" in page.text and "自転車" in page.text and "ソファー" not in page.text
    assert "受付" in page.text and "受付済み" not in page.text
    listing = client.get(f"/{MIHON}/applications")
    assert listing.status_code == 200 and "受付済み" in listing.text

    clerk = make_client("staff", STAFF["clerk"])
    queue = clerk.get("/backoffice/")
    assert queue.status_code == 200 and old in queue.text and new in queue.text
    case = clerk.get(f"/backoffice/submissions/{old}")
    assert case.status_code == 200 and "日中連絡先" in case.text and "自転車" in case.text
    # The old case moves on its own workflow version: its 「受付」 state is gone from the new one.
    assert fire(clerk, old, "complete", **collection_date(jst.today())).status_code == 302
    assert state_of(db_session, MIHON, old) == "completed"

    def version_of(reference: str) -> tuple[int, int]:
        submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
        return submission.definition_version.number, submission.workflow_version.number

    assert version_of(old) == (1, 1) and version_of(new) == (2, 2)


def test_publishing_reports_open_cases_in_a_state_the_new_workflow_drops(
    catalog: Callable[..., Result], sources: Path, client: FlaskClient
) -> None:
    login(client, "resident", "resident-yamada")
    apply(client, MIHON, "sodai_gomi", SODAI_GOMI_ANSWERS)
    change_sodai_gomi(sources)

    result = catalog("publish")

    assert result.exit_code == 0, result.output
    assert (
        "    note: 1 open case(s) sit in state 'received', which this version drops; "
        "they continue on the workflow version they started on"
    ) in result.output.splitlines()


def test_a_withdrawn_procedure_takes_no_new_applications_and_its_cases_still_open(
    catalog: Callable[..., Result],
    sources: Path,
    client: FlaskClient,
    make_client: Any,
    db_session: Session,
) -> None:
    login(client, "resident", "resident-yamada")
    old = apply(client, MIHON, "sodai_gomi", SODAI_GOMI_ANSWERS)
    (sources / "forms_catalog/sodai_gomi.yaml").unlink()

    result = catalog("publish")

    assert result.exit_code == 0, result.output
    assert "definition sodai_gomi: v1 → withdrawn" in result.output.splitlines()
    assert ("definition", "sodai_gomi", 2) in versions(db_session)
    assert "粗大ごみ" not in client.get(f"/{MIHON}/").text
    assert client.get(f"/{MIHON}/procedures/sodai_gomi").status_code == 404
    assert client.get(f"/{MIHON}/applications").status_code == 200
    page = client.get(f"/{MIHON}/applications/{old}")
    assert page.status_code == 200 and "粗大ごみ収集の申込" in page.text
    clerk = make_client("staff", STAFF["clerk"])
    assert clerk.get("/backoffice/").status_code == 200
    assert clerk.get(f"/backoffice/submissions/{old}").status_code == 200

    assert catalog("publish").output.splitlines()[-1].startswith("nothing to publish")  # withdrawn once


def test_a_case_prints_its_certificate_with_the_template_version_it_was_made_against(
    catalog: Callable[..., Result], sources: Path, client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    login(client, "resident", "resident-yamada")
    old = apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    template = sources / "certificate_templates/juminhyo.html"
    edit(template, "住民票の原本と相違ないことを証明する。", "住民票の原本と相違ないことを証明します。")
    result = catalog("publish")
    assert "certificate juminhyo: v1 → v2" in result.output.splitlines()
    new = apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)

    for reference in (old, new):
        decide_juminhyo(make_client, reference, **STAFF)

    def printed(reference: str) -> str:
        db_session.expire_all()
        certificate = db_session.scalars(
            select(Certificate).join(Submission).where(Submission.reference == reference)
        ).one()
        assert certificate.pdf is not None
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(certificate.pdf)).pages)

    assert "相違ないことを証明する。" in printed(old)
    assert "相違ないことを証明します。" in printed(new)


# -- versions are immutable --------------------------------------------------------------------------


def test_a_version_is_never_changed_or_deleted_through_the_models(db_session: Session) -> None:
    version = db_session.scalars(select(CatalogVersion).filter_by(kind=Kind.DEFINITION, name="juminhyo")).one()
    version.content = "title: 書き換え"
    with pytest.raises(ValueError, match="immutable"):
        db_session.flush()
    db_session.rollback()
    db_session.delete(db_session.merge(version))
    with pytest.raises(ValueError, match="immutable"):
        db_session.flush()


def test_a_version_a_case_references_cannot_be_deleted_even_in_sql(client: FlaskClient, db_session: Session) -> None:
    login(client, "resident", "resident-yamada")
    apply(client, MIHON, "sodai_gomi", SODAI_GOMI_ANSWERS)
    count = db_session.scalar(select(func.count()).select_from(CatalogVersion))
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(text("DELETE FROM catalog_version WHERE kind = 'definition' AND name = 'sodai_gomi'"))
    assert db_session.scalar(select(func.count()).select_from(CatalogVersion)) == count
