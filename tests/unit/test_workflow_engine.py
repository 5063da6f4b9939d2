from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from portal.japan import jst
from portal.japan.wareki import format_date
from portal.roles import Role
from portal.workflow import (
    COMMENT,
    MAX_COMMENT_LENGTH,
    Actor,
    Condition,
    Effect,
    HistoryEntry,
    InputsRefused,
    Outcome,
    TransitionRefused,
    WorkflowDefinition,
    apply_transition,
    available_transitions,
    load_workflows,
)

WORKFLOWS = load_workflows(Path(__file__).resolve().parents[2] / "workflows")
JUMINHYO = WORKFLOWS["juminhyo"]
GOMI = WORKFLOWS["sodai_gomi"]

RESIDENT = Actor("resident-1", frozenset({Role.APPLICANT}))
CLERK_A = Actor("clerk-a", frozenset({Role.CLERK}))
CLERK_B = Actor("clerk-b", frozenset({Role.CLERK}))
APPROVER = Actor("approver-1", frozenset({Role.APPROVER}))
# 係長: may review and approve, but never both on the same case.
CHIEF = Actor("chief", frozenset({Role.CLERK, Role.APPROVER}))
ADMIN = Actor("admin", frozenset({Role.ADMIN}))

REVIEWED_BY_CHIEF = (
    HistoryEntry("start_review", CHIEF.id),
    HistoryEntry("request_approval", CHIEF.id),
)

FOUR_EYES = "この申請の審査などを行った職員は、この操作を行えません。別の職員が行ってください。"
WRONG_STATE = "この申請は現在の状態ではこの操作を行えません。既に他の職員が処理した可能性があります。"
FINISHED = "この申請は既に完了しているため、これ以上操作できません。"
NO_PERMISSION = "この操作を行う権限がありません。"
COMMENT_REQUIRED = "この操作には理由（コメント）の入力が必要です。"
NO_RECORD = "住民記録と照合できていないため、この操作はできません。差戻しまたは却下してください。"
NOT_PAID = "申請者のオンライン決済による手数料の支払いが完了していないため、この操作はできません。"
# The applicant was found in the 住民記録: what the service establishes for a reviewable case.
MATCHED = frozenset({Condition.RECORD_MATCH})
# ... and no online payment is outstanding (paid, or paid otherwise): what a case ready for 交付 has.
SETTLED = MATCHED | {Condition.PAID}


def names(
    workflow: WorkflowDefinition,
    state: str,
    actor: Actor,
    history: tuple[HistoryEntry, ...] = (),
    facts: frozenset[Condition] = SETTLED,
) -> list[str]:
    return [t.name for t in available_transitions(workflow, state, actor, history, facts)]


def refusal(
    state: str,
    name: str,
    actor: Actor,
    history: tuple[HistoryEntry, ...] = (),
    comment: str | None = None,
    facts: frozenset[Condition] = SETTLED,
) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        apply_transition(JUMINHYO, state, name, actor, history, comment, facts)
    return caught.value


@pytest.mark.parametrize(
    "state, actor, expected",
    [
        ("submitted", CLERK_A, ["start_review"]),
        ("submitted", RESIDENT, ["withdraw"]),
        ("submitted", APPROVER, []),
        ("submitted", ADMIN, []),
        ("in_review", CLERK_A, ["request_approval", "return_to_applicant", "reject"]),
        ("in_review", RESIDENT, ["withdraw"]),
        ("returned", RESIDENT, ["resubmit", "withdraw"]),
        ("returned", CLERK_A, []),
        ("awaiting_approval", APPROVER, ["approve", "send_back", "reject_on_approval"]),
        # once the case waits for 決裁, only the approver decides; the clerk cannot reject over their head.
        ("awaiting_approval", CLERK_A, []),
        ("approved", CLERK_A, ["issue"]),
        ("approved", RESIDENT, []),
        ("issued", CHIEF, []),
        ("rejected", RESIDENT, []),
    ],
)
def test_available_transitions_follow_state_and_role(state: str, actor: Actor, expected: list[str]) -> None:
    assert names(JUMINHYO, state, actor) == expected


def test_reviewer_cannot_approve_but_another_approver_can() -> None:
    assert names(JUMINHYO, "awaiting_approval", CHIEF, REVIEWED_BY_CHIEF) == ["send_back", "reject_on_approval"]
    assert refusal("awaiting_approval", "approve", CHIEF, REVIEWED_BY_CHIEF).reason.msgid == FOUR_EYES

    outcome = apply_transition(JUMINHYO, "awaiting_approval", "approve", APPROVER, REVIEWED_BY_CHIEF, None, MATCHED)

    assert outcome == Outcome(JUMINHYO.transition("approve"), "awaiting_approval", "approved")


def test_four_eyes_counts_only_the_most_recent_reviewer() -> None:
    history = (
        HistoryEntry("start_review", CHIEF.id),
        HistoryEntry("return_to_applicant", CHIEF.id),
        HistoryEntry("resubmit", RESIDENT.id),
        HistoryEntry("start_review", CLERK_B.id),
        HistoryEntry("request_approval", CLERK_B.id),
    )

    assert "approve" in names(JUMINHYO, "awaiting_approval", CHIEF, history)
    assert "approve" not in names(JUMINHYO, "awaiting_approval", CLERK_B, history)  # a clerk, not an approver
    sent_on_by_chief = history + (HistoryEntry("request_approval", CHIEF.id),)
    assert refusal("awaiting_approval", "approve", CHIEF, sent_on_by_chief).reason.msgid == FOUR_EYES


def test_deciding_twice_is_refused() -> None:
    history = REVIEWED_BY_CHIEF + (HistoryEntry("approve", APPROVER.id),)

    refused = refusal("approved", "approve", APPROVER, history)

    assert refused.reason.msgid == WRONG_STATE


def test_final_state_refuses_everything() -> None:
    assert refusal("issued", "issue", CLERK_A).reason.msgid == FINISHED
    assert refusal("withdrawn", "withdraw", RESIDENT).reason.msgid == FINISHED
    with pytest.raises(TransitionRefused) as caught:
        apply_transition(GOMI, "completed", "reject", CLERK_A, (), "遅すぎる")
    assert caught.value.reason.msgid == FINISHED


def test_applicant_cannot_fire_a_staff_transition_nor_staff_an_applicant_one() -> None:
    assert refusal("submitted", "start_review", RESIDENT).reason.msgid == NO_PERMISSION
    assert refusal("awaiting_approval", "approve", CLERK_A).reason.msgid == NO_PERMISSION
    assert refusal("returned", "resubmit", CLERK_A).reason.msgid == NO_PERMISSION
    assert refusal("submitted", "withdraw", ADMIN).reason.msgid == NO_PERMISSION


def test_unknown_transition_is_refused_by_name() -> None:
    refused = refusal("in_review", "shred", CLERK_A)

    assert refused.reason.render() == "「shred」という操作はありません。"


def test_unknown_state_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="'lost'.*'juminhyo'"):
        apply_transition(JUMINHYO, "lost", "start_review", CLERK_A, (), None)


@pytest.mark.parametrize("comment", [None, "", "   \n　"])
def test_required_comment_must_not_be_blank(comment: str | None) -> None:
    assert refusal("in_review", "return_to_applicant", CLERK_A, comment=comment).reason.msgid == COMMENT_REQUIRED


def test_comment_is_stripped_into_the_outcome() -> None:
    outcome = apply_transition(
        JUMINHYO, "in_review", "return_to_applicant", CLERK_A, (), "  住所の番地が抜けています。\n"
    )

    assert (outcome.source, outcome.target, outcome.comment) == ("in_review", "returned", "住所の番地が抜けています。")


def test_optional_comment_may_be_omitted() -> None:
    outcome = apply_transition(GOMI, "received", "complete", CLERK_A, (), "  ", inputs=collection_on(TOMORROW))

    assert (outcome.target, outcome.comment) == ("completed", None)


def test_comment_longer_than_the_limit_is_refused() -> None:
    at_limit = "あ" * MAX_COMMENT_LENGTH
    assert apply_transition(GOMI, "received", "reject", CLERK_A, (), at_limit).comment == at_limit

    with pytest.raises(TransitionRefused) as caught:
        apply_transition(GOMI, "received", "reject", CLERK_A, (), at_limit + "あ")

    assert caught.value.reason.render() == "コメントは2000文字以内で入力してください。"


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("\u202e", "コメントに文字の表示順を変える制御文字（U+202E）が含まれています。削除してください"),
        ("\x07", "コメントに入力できない制御文字（U+0007）が含まれています。削除してください"),
    ],
)
def test_a_comment_with_control_characters_is_refused_naming_the_character(char: str, expected: str) -> None:
    with pytest.raises(TransitionRefused) as caught:
        apply_transition(JUMINHYO, "in_review", "return_to_applicant", CLERK_A, (), f"住所{char}を確認してください")

    assert caught.value.reason.render() == expected


def test_a_comment_may_span_lines() -> None:
    outcome = apply_transition(JUMINHYO, "in_review", "return_to_applicant", CLERK_A, (), "住所を確認\r\nしてください")

    assert outcome.comment == "住所を確認\r\nしてください"


def test_comment_on_a_transition_without_one_is_refused() -> None:
    refused = refusal("submitted", "start_review", CLERK_A, comment="急ぎで")

    assert refused.reason.msgid == "この操作にはコメントを付けられません。"


def test_clerk_rejects_in_review_and_approver_rejects_awaiting_approval() -> None:
    by_clerk = apply_transition(JUMINHYO, "in_review", "reject", CLERK_A, (), "本人確認ができません")
    by_approver = apply_transition(
        JUMINHYO, "awaiting_approval", "reject_on_approval", APPROVER, (), "要件を満たしません"
    )

    assert by_clerk.target == by_approver.target == "rejected"
    assert refusal("submitted", "reject", CLERK_A, comment="理由").reason.msgid == WRONG_STATE
    assert refusal("awaiting_approval", "reject", CLERK_A, comment="理由").reason.msgid == WRONG_STATE
    assert refusal("awaiting_approval", "reject_on_approval", CLERK_A, comment="理由").reason.msgid == NO_PERMISSION


def test_issuing_tells_the_application_to_issue_the_certificate() -> None:
    outcome = apply_transition(JUMINHYO, "approved", "issue", CLERK_B, REVIEWED_BY_CHIEF, None, SETTLED)

    assert outcome.target == "issued"
    assert outcome.transition.effects == (Effect.ISSUE_CERTIFICATE,)


def test_full_juminhyo_path_from_submission_to_issue() -> None:
    steps = [
        ("start_review", CLERK_A, None),
        ("return_to_applicant", CLERK_A, "生年月日をご確認ください"),
        ("resubmit", RESIDENT, None),
        ("start_review", CLERK_A, None),
        ("request_approval", CLERK_A, None),
        ("send_back", APPROVER, "添付書類を確認してください"),
        ("request_approval", CLERK_A, "確認しました"),
        ("approve", APPROVER, None),
        ("issue", CLERK_A, None),
    ]
    state = JUMINHYO.initial
    history: tuple[HistoryEntry, ...] = ()
    visited = [state]
    for name, actor, comment in steps:
        outcome = apply_transition(JUMINHYO, state, name, actor, history, comment, SETTLED)
        state, history = outcome.target, history + (HistoryEntry(name, actor.id),)
        visited.append(state)

    assert visited == [
        "submitted",
        "in_review",
        "returned",
        "submitted",
        "in_review",
        "awaiting_approval",
        "in_review",
        "awaiting_approval",
        "approved",
        "issued",
    ]


# --- requires: [record_match] -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "actor", "expected"),
    [
        ("in_review", CLERK_A, ["return_to_applicant", "reject"]),
        ("awaiting_approval", APPROVER, ["send_back", "reject_on_approval"]),
        ("approved", CLERK_A, []),
    ],
)
def test_without_a_record_match_only_returning_and_rejecting_remain(
    state: str, actor: Actor, expected: list[str]
) -> None:
    assert names(JUMINHYO, state, actor, facts=frozenset()) == expected


@pytest.mark.parametrize(
    ("state", "name", "actor"),
    [
        ("in_review", "request_approval", CLERK_A),
        ("awaiting_approval", "approve", APPROVER),
        ("approved", "issue", CLERK_A),
    ],
)
def test_a_forced_decision_without_a_record_match_is_refused_with_the_reason(
    state: str, name: str, actor: Actor
) -> None:
    refused = refusal(state, name, actor, REVIEWED_BY_CHIEF, facts=frozenset())

    assert refused.reason.msgid == NO_RECORD


def test_the_requirement_is_checked_after_role_and_state() -> None:
    """Someone who may not act at all hears that, not about the record."""
    assert refusal("awaiting_approval", "approve", CLERK_A, facts=frozenset()).reason.msgid == NO_PERMISSION
    assert refusal("submitted", "approve", APPROVER, facts=frozenset()).reason.msgid == WRONG_STATE


def test_issuing_waits_for_an_outstanding_online_payment() -> None:
    assert names(JUMINHYO, "approved", CLERK_A, facts=MATCHED) == []
    assert refusal("approved", "issue", CLERK_A, REVIEWED_BY_CHIEF, facts=MATCHED).reason.msgid == NOT_PAID
    assert names(JUMINHYO, "approved", CLERK_A, facts=SETTLED) == ["issue"]
    assert JUMINHYO.transition("issue").requires == SETTLED


def test_the_record_is_named_first_when_neither_holds() -> None:
    """Conditions are reported in the vocabulary's order: a case matching nobody is not to be paid for."""
    assert refusal("approved", "issue", CLERK_A, REVIEWED_BY_CHIEF, facts=frozenset()).reason.msgid == NO_RECORD
    assert (
        refusal("approved", "issue", CLERK_A, REVIEWED_BY_CHIEF, facts=frozenset({Condition.PAID})).reason.msgid
        == NO_RECORD
    )


def test_transitions_without_requirements_ignore_the_facts() -> None:
    assert names(GOMI, "received", CLERK_A, facts=frozenset()) == names(GOMI, "received", CLERK_A)
    assert JUMINHYO.transition("start_review").requires == frozenset()
    assert JUMINHYO.transition("approve").requires == MATCHED


# --- fields: what staff fill when firing a transition -----------------------------------------------------------

TOMORROW = jst.today() + timedelta(days=1)


def collection_on(day: date) -> dict[str, list[str]]:
    """The 収集日 of sodai_gomi's 受付を完了する as the back office's form sends it (西暦)."""
    parts = {"era": "seireki", "year": str(day.year), "month": str(day.month), "day": str(day.day)}
    return {f"collection_date-{part}": [value] for part, value in parts.items()}


def inputs_refusal(inputs: dict[str, list[str]]) -> dict[str, str]:
    with pytest.raises(InputsRefused) as caught:
        apply_transition(GOMI, "received", "complete", CLERK_A, (), None, inputs=inputs)
    assert caught.value.reason.msgid == "入力内容にエラーがあります"
    return {name: message.render() for name, message in caught.value.errors.items()}


def test_fields_filled_when_firing_come_out_validated() -> None:
    outcome = apply_transition(GOMI, "received", "complete", CLERK_A, (), None, inputs=collection_on(TOMORROW))

    assert outcome.inputs == {"collection_date": TOMORROW.isoformat()}
    today = apply_transition(GOMI, "received", "complete", CLERK_A, (), None, inputs=collection_on(jst.today()))
    assert today.inputs == {"collection_date": jst.today().isoformat()}  # min: today includes today


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({}, "収集日を入力してください"),
        ({**collection_on(TOMORROW), "collection_date-day": [""]}, "収集日の年・月・日をすべて入力してください"),
        ({**collection_on(TOMORROW), "collection_date-month": ["13"]}, "収集日に存在しない日付が入力されています"),
        ({**collection_on(TOMORROW), "collection_date-year": ["二千"]}, "収集日の年・月・日は数字で入力してください"),
        (
            collection_on(jst.today() - timedelta(days=1)),
            f"収集日は{format_date(jst.today())}以降の日付を入力してください",
        ),
    ],
    ids=["missing", "incomplete", "no such day", "not digits", "yesterday"],
)
def test_each_bad_field_is_refused_with_its_message(inputs: dict[str, list[str]], expected: str) -> None:
    errors = inputs_refusal(inputs)

    assert errors == {"collection_date": expected}


def test_a_transition_that_may_not_be_fired_is_refused_before_its_fields_are_read() -> None:
    for state, actor in (("completed", CLERK_A), ("received", APPROVER)):
        with pytest.raises(TransitionRefused) as caught:
            apply_transition(GOMI, state, "complete", actor, (), None, inputs={})
        assert not isinstance(caught.value, InputsRefused)


def test_a_missing_comment_is_an_input_error_beside_the_fields_errors() -> None:
    with pytest.raises(InputsRefused) as caught:
        apply_transition(GOMI, "received", "reject", CLERK_A, (), "  ")
    assert {name: m.render() for name, m in caught.value.errors.items()} == {COMMENT: COMMENT_REQUIRED}
    assert caught.value.reason.render() == COMMENT_REQUIRED  # said on its own where the form shows no fields

    long_comment = "あ" * (MAX_COMMENT_LENGTH + 1)
    with pytest.raises(InputsRefused) as caught:
        apply_transition(GOMI, "received", "complete", CLERK_A, (), long_comment, inputs={})
    assert {name: m.render() for name, m in caught.value.errors.items()} == {
        "collection_date": "収集日を入力してください",
        COMMENT: "コメントは2000文字以内で入力してください。",
    }  # both at once, in the order the form asks them
    assert caught.value.reason.msgid == "入力内容にエラーがあります"


def test_a_comment_sent_to_a_transition_without_a_comment_box_is_refused_outright() -> None:
    with pytest.raises(TransitionRefused) as caught:
        apply_transition(JUMINHYO, "submitted", "start_review", CLERK_A, (), "急ぎで")
    assert not isinstance(caught.value, InputsRefused)


def test_a_transition_without_fields_records_no_inputs() -> None:
    outcome = apply_transition(
        GOMI, "received", "reject", CLERK_A, (), "収集できません", inputs=collection_on(TOMORROW)
    )

    assert outcome.inputs is None


def test_assigning_a_number_is_an_effect_of_the_transition() -> None:
    outcome = apply_transition(GOMI, "received", "complete", CLERK_A, (), None, inputs=collection_on(TOMORROW))

    assert outcome.transition.effects == (Effect.ASSIGN_NUMBER,)
