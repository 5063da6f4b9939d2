"""A definition's ``requester`` block: the page it generates, what it refuses with file, path and line, the request
read back from answers, and the check a workflow's ``checks_requester`` decision asks of staff."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.catalog import DefinitionError, load_definition, validate
from portal.catalog.requester import PAGE, RESERVED, Basis, ProxyRequest, proxy_request
from portal.config import ROOT
from portal.workflow import load_workflow

DEFINITION = """\
title: 証明書
summary: 概要
description: 説明
fee: 0
processing_days: 1
workflow: simple
certificate: risai_shomei
requester:
  allows: [third_party]
pages:
  - key: first
    title: 一
    fields:
      - {name: note, type: text, label: 備考, required: false}
  - key: second
    title: 二
    fields:
      - {name: other, type: text, label: その他, required: false}
"""


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "proc.yaml"
    path.write_text(text, encoding="utf-8")
    return load_definition(path)


def load_error(tmp_path: Path, text: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        load(tmp_path, text)
    return caught.value


def test_the_page_comes_after_the_first_or_the_page_named_and_asks_only_what_the_bases_need(tmp_path: Path) -> None:
    first = load(tmp_path, DEFINITION)
    assert [page.key for page in first.pages] == ["first", PAGE, "second"]
    asked = [field.name for field in first.page(PAGE).fields]
    assert "power_of_attorney" not in asked and "representative_kind" not in asked  # not allowed here
    assert {"third_party_reason", "third_party_purpose", "person_gender"} <= set(asked)
    [request_by] = [field for field in first.page(PAGE).fields if field.name == "request_by"]
    assert request_by.field_type.option_values(request_by) == ("self", "third_party")
    after = load(
        tmp_path, DEFINITION.replace("  allows: [third_party]\n", "  allows: [third_party]\n  after: second\n")
    )
    assert [page.key for page in after.pages] == ["first", "second", PAGE]


def test_answers_on_someone_elses_behalf_read_back_as_a_request(tmp_path: Path) -> None:
    definition = load(tmp_path, DEFINITION)
    raw = {
        "request_by": ["third_party"],
        "person_family_name": ["山田"],
        "person_given_name": ["太郎"],
        "person_birthdate-era": ["seireki"],
        "person_birthdate-year": ["1985"],
        "person_birthdate-month": ["4"],
        "person_birthdate-day": ["12"],
        "person_gender": ["male"],
        "person_postal_code": ["1000001"],
        "person_address": ["東京都千代田区千代田1-1"],
        "person_relationship": ["債権者"],
        "third_party_reason": ["own_rights"],
        "third_party_purpose": ["訴訟のため"],
    }
    result = validate(definition, raw)
    assert result.ok, result.errors
    request = proxy_request(definition, result.values)
    assert request == ProxyRequest(
        Basis.THIRD_PARTY,
        "山田",
        "太郎",
        "1985-04-12",
        "male",
        "東京都千代田区千代田1-1",
        "債権者",
        None,
        "own_rights",
        "訴訟のため",
    )
    assert request.name == "山田 太郎" and request.document is None and request.notifies
    missing = validate(definition, {"request_by": ["third_party"]})
    assert {"person_family_name", "person_birthdate", "third_party_reason", "third_party_purpose"} <= set(
        missing.errors
    )
    own = validate(definition, {"request_by": ["self"], "person_family_name": ["山田"]})
    assert own.ok and proxy_request(definition, own.values) is None and "person_family_name" not in own.values


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            ("  allows: [third_party]\n", "  allows: [third_party, third_party]\n"),
            ("requester", "allows", 1),
            "'third_party' is listed twice",
        ),
        (("  allows: [third_party]\n", "  allows: []\n"), ("requester", "allows"), "at least 1 item"),
        (
            ("  allows: [third_party]\n", "  allows: [friend]\n"),
            ("requester", "allows", 0),
            "'delegate', 'legal_representative' or 'third_party'",
        ),
        (
            ("  allows: [third_party]\n", "  allows: [third_party]\n  after: third\n"),
            ("requester", "after"),
            "no page 'third'; pages: first, second",
        ),
        (("certificate: risai_shomei\n", ""), ("requester",), "a request for someone else is for a certificate"),
        (("name: note,", "name: person_address,"), ("pages", 0, "fields", 0, "name"), "'person_address' is reserved"),
        (("key: second", f"key: {PAGE}"), ("pages", 1, "key"), "the page key 'requester' is reserved for requester"),
    ],
)
def test_a_bad_block_is_refused_with_its_path(
    tmp_path: Path, change: tuple[str, str], path: tuple, message: str
) -> None:
    error = load_error(tmp_path, DEFINITION.replace(*change))
    assert error.path == path and message in error.message, error.message


def test_an_error_on_a_page_after_the_generated_one_names_its_own_line(tmp_path: Path) -> None:
    broken = DEFINITION.replace(
        "{name: other, type: text, label: その他, required: false}",
        "{name: other, type: text, label: その他, show_if: {field: nothing, equals: x}}",
    )
    error = load_error(tmp_path, broken)
    assert error.path == ("pages", 1, "fields", 0, "show_if", "field")
    assert (
        error.line
        == broken.splitlines().index(
            "      - {name: other, type: text, label: その他, show_if: {field: nothing, equals: x}}"
        )
        + 1
    )


def test_every_generated_name_is_reserved() -> None:
    shipped = load_definition(ROOT / "forms_catalog/juminhyo.yaml")
    assert {field.name for field in shipped.page(PAGE).fields} == set(RESERVED)


def test_a_checks_requester_decision_asks_the_check_only_of_a_request_for_someone_else() -> None:
    workflow = load_workflow(ROOT / "workflows/juminhyo.yaml", "workflows/juminhyo.yaml")
    from portal.catalog.requester import check_field

    checked = workflow.checking_requester(check_field(Basis.DELEGATE))
    assert [f.name for f in checked.transition("request_approval").fields] == ["requester_checked"]
    assert checked.transition("request_approval").fields[0].label.startswith("委任状を確認しました")
    assert checked.transition("approve").fields == () and workflow.transition("request_approval").fields == ()


def test_an_applicants_transition_cannot_check_the_requester(tmp_path: Path) -> None:
    from portal.yamlsource import DefinitionError as WorkflowError

    text = (ROOT / "workflows/juminhyo.yaml").read_text(encoding="utf-8")
    path = tmp_path / "juminhyo.yaml"
    path.write_text(
        text.replace(
            "    roles: [applicant]\n    comment: optional\n\n",
            "    roles: [applicant]\n    comment: optional\n    checks_requester: true\n\n",
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(WorkflowError) as caught:
        load_workflow(path, "workflows/juminhyo.yaml")
    assert caught.value.path == ("transitions", 3, "checks_requester")
    assert "not an applicant's transition" in caught.value.message
