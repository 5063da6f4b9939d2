"""Issuing never fails on a valid application: every procedure that issues a certificate, any valid answers
(every optional field left empty among them), for every resident the records know; and what the records
cannot certify is refused with nothing changed.

The services run as the back office and the worker call them: decisions with the facts of the review
against the record, the 交付's reservation, then the worker's render from the stored context, against the
demo records backend and real signing keys. The 交付 refuses on its own what the record cannot certify,
whatever facts its caller brings (a reissue has no review at all, and the record may change after one).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import catalog
from portal.catalog import ProcedureDefinition, SuppliedChoicesType, requester
from portal.catalog.fieldtypes.date import DateSettings
from portal.catalog.fieldtypes.household import not_asked
from portal.catalog.methods import PaymentMethod
from portal.certificates.fonts import certificate_glyphs
from portal.demo import DEMO_MUNICIPALITIES, load_demo_data
from portal.japan import jst
from portal.models import (
    Certificate,
    DemoPerson,
    Municipality,
    NumberSequence,
    Payment,
    PaymentStatus,
    Resident,
    SequenceKind,
    Staff,
    Submission,
)
from portal.procedures import Procedures
from portal.records.http import HttpRecords
from portal.records.model import Household
from portal.records.registry import RecordsSource, build_directory
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.certificates import certificate_of, render_certificate
from portal.services.payments import payment_facts
from portal.services.records import find_person
from portal.services.review import review_record
from portal.services.submissions import SubmissionService
from portal.workflow import Condition, TransitionRefused
from tests.db.signing import shipped, signing_procedures
from tests.db.test_records import resident
from tests.unit.records.stub_core import unreachable_url
from tests.unit.test_certificates_render import flat, pdf_pages
from tests.web.journeys import JUMINHYO_ANSWERS, TENSHUTSU_ANSWERS, validated

RECORDS = build_directory({m["code"]: RecordsSource("demo") for m in DEMO_MUNICIPALITIES})
OFFERED = {m["code"]: m["procedures"] for m in DEMO_MUNICIPALITIES}
# Demo residents whose claims match a person of the records, and where.
RECORDED = {"resident-yamada": "999997", "resident-sato": "999997", "resident-yoshida": "999997", "resident-garcia": "999989"}  # fmt: skip
DECISIONS = (("clerk", "start_review"), ("clerk", "request_approval"), ("approver", "approve"))
# What a review found, before the record changed, of a case paid at the counter (no online payment due).
MATCHED = frozenset({Condition.RECORD_MATCH, Condition.PAID})


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Procedures:
    """Signing keys for both demo municipalities, so every issue renders and signs as in production."""
    return signing_procedures(tmp_path_factory.mktemp("pki"), [(m["code"], m["name"]) for m in DEMO_MUNICIPALITIES])


@dataclass(frozen=True)
class Office:
    """Staff of one municipality: who reviews and who approves."""

    clerk: ActingUser
    approver: ActingUser


@pytest.fixture
def offices(db_session: Session) -> dict[str, Office]:
    load_demo_data(db_session)
    staff = {
        (code, role): Staff(municipality_code=code, subject=f"{code}-{role}", name=f"職員 {role}", role_values=[role])
        for code in OFFERED
        for role in (Role.CLERK, Role.APPROVER)
    }
    db_session.add_all(staff.values())
    db_session.flush()
    return {
        code: Office(ActingUser.of_staff(staff[code, Role.CLERK]), ActingUser.of_staff(staff[code, Role.APPROVER]))
        for code in OFFERED
    }


_tokens = itertools.count()


def reviewed(session: Session, procedures: Procedures, submission: Submission) -> frozenset[Condition]:
    """The facts the case page's review against the record and its payments establish, as the back office
    passes them."""
    definition = shipped(submission.procedure)
    assert definition is not None
    review = review_record(session, RECORDS.open(submission.municipality_code, session), submission, definition)
    return review.facts | payment_facts(session, submission)


def approved(
    session: Session,
    procedures: Procedures,
    office: Office,
    applicant: Resident,
    code: str,
    slug: str,
    answers: Any,
    facts: frozenset[Condition] | None = None,
) -> Submission:
    """A submission with ``answers``, reviewed against the record and approved by the municipality's staff."""
    definition = shipped(slug)
    assert definition is not None
    municipality = session.get_one(Municipality, code)
    service = SubmissionService(session, procedures, ActingUser.of_resident(applicant))
    submission = service.submit(municipality, definition, answers, f"issuing-{next(_tokens)}")
    for role, transition in DECISIONS:
        known = reviewed(session, procedures, submission) if facts is None else facts
        SubmissionService(session, procedures, getattr(office, role)).fire(submission, transition, None, known)
    return submission


def issue(
    session: Session,
    procedures: Procedures,
    office: Office,
    submission: Submission,
    records: Any = None,
    facts: frozenset[Condition] | None = None,
) -> Certificate:
    """交付, as the back office fires it (every municipality's records opened on the session, the review's
    facts), then the worker's render of what it reserved."""
    records = RECORDS.open_all(session) if records is None else records
    facts = reviewed(session, procedures, submission) if facts is None else facts
    SubmissionService(session, procedures, office.clerk, records).fire(submission, "issue", None, facts)
    reserved = certificate_of(session, submission)
    assert reserved is not None and reserved.pdf is None
    certificate = render_certificate(session, procedures, reserved.id)
    assert certificate is not None and certificate.rendered and certificate.render_error is None
    return certificate


# --- every procedure, any valid answers -------------------------------------------------------------

Strategy = Callable[[Any], st.SearchStrategy[Any]]
WORDS = "山田川本花子一郎髙﨑𠮷丁目番地号アイウエオあいう 0123456789"
KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノヤユヨワヲンガギグゲゴー"


def test_generated_text_is_what_the_certificate_fonts_print() -> None:
    """Else the fields' glyph check would refuse generated answers rather than the test find a crash."""
    assert certificate_glyphs().unprintable(WORDS + KATAKANA) is None


def _text(field: Any) -> st.SearchStrategy[str]:
    limits = field.settings
    shortest = getattr(limits, "min_length", None) or 1
    return st.text(WORDS, min_size=shortest, max_size=min(limits.max_length, 30)).filter(str.strip)


def _date(field: Any) -> st.SearchStrategy[str]:
    limits: DateSettings = field.settings
    today = jst.today()
    earliest = limits.min.resolve(today) if limits.min else date(1900, 1, 1)
    latest = limits.max.resolve(today) if limits.max else date(2099, 12, 31)
    return st.dates(earliest, latest).map(date.isoformat)


def _options(field: Any) -> list[str]:
    return [option.value for option in field.settings.options]


ON_BEHALF = frozenset(requester.RESERVED) - {requester.REQUEST_BY}  # asked only for someone else

# Stored answers each field type accepts (they go through to_raw and validate, as a form would send them).
VALUES: dict[str, Strategy] = {
    "text": _text,
    "textarea": _text,
    "address": _text,
    "kana": lambda field: st.text(KATAKANA, min_size=1, max_size=min(field.settings.max_length, 20)),
    "date": _date,
    "number": lambda field: st.integers(field.settings.min or 0, field.settings.max or 999),
    "select": lambda field: st.sampled_from(_options(field)),
    "radio": lambda field: st.sampled_from(_options(field)),
    "checkboxes": lambda field: st.lists(
        st.sampled_from(_options(field)), unique=True, min_size=field.settings.min_selected or 1
    ),
    "checkbox": lambda field: st.just(True),
    "email": lambda field: st.sampled_from(["hanako@example.jp", "taro.yamada@example.com"]),
    "phone": lambda field: st.sampled_from(["03-1234-5678", "090-1234-5678", "0120-123-456"]),
    "postal_code": lambda field: st.from_regex(r"\A[0-9]{7}\Z"),
    "item_counts": lambda field: st.dictionaries(
        st.sampled_from([item.value for item in field.settings.items]),
        st.integers(1, field.settings.max_each),
        min_size=1,
    ),
}


def answers(definition: ProcedureDefinition, household: Household) -> st.SearchStrategy[dict[str, Any]]:
    """Valid answers for ``definition``: each field's value, or nothing at all for an optional one; fields
    chosen from the household as recorded (世帯の一部) get it as their choices, as the web layer gives them (so a
    group asked otherwise, when the household is unknown, is not asked)."""
    members = [(person.person_id, person.name.full) for person in household.members]
    choices = {f.name: members for f in definition.fields if isinstance(f.field_type, SuppliedChoicesType)}
    unasked = not_asked(definition.fields, choices)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in definition.fields:
            if field.name in unasked or field.name in ON_BEHALF:
                continue
            if field.name == requester.REQUEST_BY:  # the resident's own: for someone else, test_proxy_requests
                values[field.name] = requester.Basis.SELF.value
                continue
            if field.name in choices:
                ids = [person_id for person_id, _name in choices[field.name]]
                value = draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
            else:
                value = draw(VALUES[field.type](field))  # a KeyError: a new field type needs its strategy here
            values[field.name] = draw(st.none() | st.just(value)) if not field.required else value
        result = catalog.validate(definition, catalog.to_raw(definition, values), choices=choices)
        assert result.ok, result.errors
        return result.values

    return build()


def issuing_procedures(procedures: Procedures) -> Iterator[tuple[str, str]]:
    """(municipality code, slug) for every offered procedure that prints persons from the record: a 住民票, or the
    persons a definition's certified_persons chose (転出証明書). Others, such as 罹災証明書, have their own
    journeys: what they print is not the record's household."""
    for code, slugs in OFFERED.items():
        for slug in slugs:
            definition = shipped(slug)
            if definition is not None and (definition.certificate == "juminhyo" or definition.certified_persons):
                yield code, slug


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_application_is_issued(
    data: st.DataObject, db_session: Session, procedures: Procedures, offices: dict[str, Office], tmp_path: Path
) -> None:
    code, slug = data.draw(st.sampled_from(sorted(issuing_procedures(procedures))), label="procedure")
    sub = data.draw(st.sampled_from(sorted(s for s, c in RECORDED.items() if c == code)), label="resident")
    definition = shipped(slug)
    assert definition is not None
    with db_session.begin_nested() as example:  # each example leaves the test's database as it found it
        applicant = resident(db_session, sub)
        person = find_person(db_session, RECORDS.open(code, db_session), applicant).person
        assert person is not None
        household = RECORDS.open(code, db_session).household(person.household_id)
        assert household is not None
        chosen = data.draw(answers(definition, household), label="answers")
        submission = approved(db_session, procedures, offices[code], applicant, code, slug, chosen)
        if submission.payment_method is PaymentMethod.ONLINE:  # paid at the provider, as the return records it
            db_session.add(Payment(submission=submission, municipality_code=code, provider="dev",
                                   provider_reference=f"checkout-{submission.id}", amount=submission.fee,
                                   status=PaymentStatus.PAID, settled_at=jst.now()))  # fmt: skip

        certificate = issue(db_session, procedures, offices[code], submission)

        assert submission.state == "issued"
        pages = pdf_pages(certificate.pdf, tmp_path)
        printed = certificate.context["record"]["persons"]
        recorded = [m.person_id for m in household.members]
        expected = certified_ids(definition, chosen, person.person_id, recorded)
        by_id = {m.person_id: m for m in household.members}
        assert [p["name"] for p in printed] == [vars(by_id[i].name) for i in expected]
        assert len(pages) == math.ceil(len(printed) / 4)  # a 個人票, or four entries a page
        text = flat("".join(pages))
        for entry in printed:
            assert flat(f"{entry['name']['family']}{entry['name']['given']}") in text
        items = chosen.get("items") or []
        omitted = sum(
            ("relationship" not in items) + 2 * ("honseki" not in items and not p["foreign"]) for p in printed
        )
        assert text.count("省略") == (0 if definition.certified_persons else omitted)  # certified_persons: all
        for detail in ("使用目的", "交付通数", "使いみち"):
            assert detail not in text
        example.rollback()


def certified_ids(
    definition: ProcedureDefinition, chosen: dict[str, Any], applicant: str, recorded: list[str]
) -> list[str]:
    """Who the certificate prints, in the record's order: the persons chosen in the definition's
    ``certified_persons`` field, or juminhyo's 本人のみ / 世帯全員 / 世帯の一部."""
    if definition.certified_persons is not None:
        return [i for i in recorded if i in chosen[definition.certified_persons]]
    return {
        "self": [applicant],
        "household": recorded,
        "partial": [i for i in recorded if i in (chosen.get("members") or ())],
    }[chosen["scope"]]


# --- what the records cannot certify ------------------------------------------------------------------


def certificates_and_numbers(session: Session) -> tuple[int, int]:
    """How many certificates exist and how many 発行番号 were ever taken."""
    taken = select(func.coalesce(func.sum(NumberSequence.last_value), 0)).filter_by(kind=SequenceKind.CERTIFICATE)
    return session.scalar(select(func.count()).select_from(Certificate)) or 0, session.scalar(taken) or 0


def refused_unchanged(
    session: Session, procedures: Procedures, office: Office, submission: Submission, message: str, **kw: Any
) -> None:
    """交付, with the facts of a review that found the record, is refused with ``message``; the case stays
    approved, with no certificate and no 発行番号 spent."""
    history = len(submission.history)
    with pytest.raises(TransitionRefused) as refused:
        issue(session, procedures, office, submission, facts=MATCHED, **kw)
    assert str(refused.value.reason) == message
    session.expire_all()
    assert submission.state == "approved" and len(submission.history) == history
    assert certificates_and_numbers(session) == (0, 0)


@pytest.mark.parametrize(
    ("members", "printed"),
    [(["P0003", "P0001"], ["太郎", "翔太"]), (["P0002"], ["優子"])],
    ids=["two-in-recorded-order", "one-other-member"],
)
def test_part_of_the_household_prints_exactly_the_chosen_members(
    db_session: Session,
    procedures: Procedures,
    offices: dict[str, Office],
    members: list[str],
    printed: list[str],
) -> None:
    definition = shipped("juminhyo")
    assert definition is not None
    answers = {**validated(definition, JUMINHYO_ANSWERS), "scope": "partial", "members": members}
    submission = approved(db_session, procedures, offices["999997"], resident(db_session, "resident-yamada"), "999997", "juminhyo", answers)  # fmt: skip

    certificate = issue(db_session, procedures, offices["999997"], submission)

    assert [p["name"]["given"] for p in certificate.context["record"]["persons"]] == printed


@pytest.mark.parametrize(
    "members",
    [["P0004"], ["P0001", "P0004"], [], "山田 翔太", [1], ["P9999"]],
    ids=["another-household", "one-outsider", "nobody", "typed-names", "not-ids", "unknown-id"],
)
def test_part_of_the_household_outside_the_household_is_refused(
    db_session: Session, procedures: Procedures, offices: dict[str, Office], members: Any
) -> None:
    definition = shipped("juminhyo")
    assert definition is not None
    answers = {**validated(definition, JUMINHYO_ANSWERS), "scope": "partial", "members": members}
    submission = approved(db_session, procedures, offices["999997"], resident(db_session, "resident-yamada"), "999997", "juminhyo", answers, MATCHED)  # fmt: skip

    refused_unchanged(
        db_session,
        procedures,
        offices["999997"],
        submission,
        "請求された方が申請者の世帯の住民記録にないため、証明書を発行できません。申請を差戻してください。",
    )


def test_an_unreachable_records_backend_is_refused(
    db_session: Session, procedures: Procedures, offices: dict[str, Office]
) -> None:
    definition = shipped("juminhyo")
    assert definition is not None
    applicant = resident(db_session, "resident-yamada")  # linked by the review that approved it
    submission = approved(db_session, procedures, offices["999997"], applicant, "999997", "juminhyo", validated(definition, JUMINHYO_ANSWERS))  # fmt: skip
    down = {"999997": HttpRecords("999997", unreachable_url(), "t", timeout=(0.5, 0.5))}

    refused_unchanged(
        db_session,
        procedures,
        offices["999997"],
        submission,
        "住民記録システムから応答がないため、証明書を発行できません。しばらくしてからもう一度お試しください。",
        records=down,
    )


def test_a_municipality_without_records_cannot_issue(
    db_session: Session, procedures: Procedures, offices: dict[str, Office]
) -> None:
    definition = shipped("juminhyo")
    assert definition is not None
    applicant = resident(db_session, "resident-yamada")
    submission = approved(db_session, procedures, offices["999997"], applicant, "999997", "juminhyo", validated(definition, JUMINHYO_ANSWERS))  # fmt: skip

    refused_unchanged(
        db_session,
        procedures,
        offices["999997"],
        submission,
        "この自治体の住民記録が設定されていないため、証明書を発行できません。",
        records={},
    )


# --- certified_persons: the persons a definition's household_members field chose (tenshutsu) ------------


def moving(session: Session, movers: Any = None) -> dict[str, Any]:
    """tenshutsu's answers with ``movers`` as stored (validated against 山田 太郎's household), or without them
    when None: the household was unknown when applying."""
    definition = shipped("tenshutsu")
    household = RECORDS.open("999997", session).household("H0001")
    assert definition is not None and household is not None
    choices = {"movers": [(person.person_id, person.name.full) for person in household.members]}
    answers = validated(definition, TENSHUTSU_ANSWERS, choices)
    if movers is None:
        del answers["movers"]
    else:
        answers["movers"] = movers
    return answers


def test_certified_persons_are_the_chosen_members_as_recorded_at_issue_time(
    db_session: Session, procedures: Procedures, offices: dict[str, Office], tmp_path: Path
) -> None:
    applicant = resident(db_session, "resident-yamada")
    answers = moving(db_session, ["P0003", "P0002"])
    submission = approved(db_session, procedures, offices["999997"], applicant, "999997", "tenshutsu", answers)
    renamed = db_session.scalars(select(DemoPerson).filter_by(municipality_code="999997", person_id="P0002")).one()
    renamed.given_name = "裕子"  # the record changed after the review: the 交付 prints it as it stands now
    db_session.flush()

    certificate = issue(db_session, procedures, offices["999997"], submission)

    record = certificate.context["record"]
    assert [p["name"]["given"] for p in record["persons"]] == ["裕子", "翔太"]  # in the record's order
    assert (record["head_name"], record["whole_household"]) == ("山田 太郎", False)
    assert record["persons"][0]["relationship"] == "妻" and record["persons"][0]["domicile"]["hittosha"] == "山田 太郎"
    assert not {"person_id", "household_id", "address"} & set(record["persons"][0])
    text = flat(pdf_pages(certificate.pdf, tmp_path)[0])
    assert "山田裕子" in text and "優子" not in text.replace("山田優子", "") and "省略" not in text
    assert "上記のとおり転出の届出があったことを証明する。" in text


@pytest.mark.parametrize(
    ("movers", "message"),
    [
        (
            None,
            "「転出する人」が住民記録から選ばれていない（申請の時点で世帯を確認できなかった）ため、証明書を発行できません。"
            "窓口で住民記録を確認してください。申請者が住民記録から選び直せるよう差戻すこともできます。",
        ),
        (
            [],
            "「転出する人」が住民記録から選ばれていない（申請の時点で世帯を確認できなかった）ため、証明書を発行できません。"
            "窓口で住民記録を確認してください。申請者が住民記録から選び直せるよう差戻すこともできます。",
        ),  # fmt: skip
        (
            ["P0002", "P0004"],
            "「転出する人」に選ばれた方が申請者の世帯の住民記録にいないため、証明書を発行できません。申請を差戻してください。",
        ),  # fmt: skip
        (
            ["P9999"],
            "「転出する人」に選ばれた方が申請者の世帯の住民記録にいないため、証明書を発行できません。申請を差戻してください。",
        ),  # fmt: skip
    ],
    ids=["typed-instead", "nobody", "one-of-another-household", "unknown-id"],
)
def test_certified_persons_the_record_does_not_hold_are_refused(
    db_session: Session, procedures: Procedures, offices: dict[str, Office], movers: Any, message: str
) -> None:
    applicant = resident(db_session, "resident-yamada")
    answers = moving(db_session, movers)
    submission = approved(db_session, procedures, offices["999997"], applicant, "999997", "tenshutsu", answers, MATCHED)  # fmt: skip

    refused_unchanged(db_session, procedures, offices["999997"], submission, message)


def test_certified_persons_are_not_issued_while_the_records_do_not_answer(
    db_session: Session, procedures: Procedures, offices: dict[str, Office]
) -> None:
    applicant = resident(db_session, "resident-yamada")
    answers = moving(db_session, ["P0002"])
    submission = approved(db_session, procedures, offices["999997"], applicant, "999997", "tenshutsu", answers)
    down = {"999997": HttpRecords("999997", unreachable_url(), "t", timeout=(0.5, 0.5))}

    refused_unchanged(
        db_session,
        procedures,
        offices["999997"],
        submission,
        "住民記録システムから応答がないため、証明書を発行できません。しばらくしてからもう一度お試しください。",
        records=down,
    )
