from __future__ import annotations

import hashlib
from pathlib import Path
from textwrap import dedent

import pytest

from portal.roles import Role
from portal.workflow import (
    ApplicantNotice,
    ButtonStyle,
    Clock,
    CommentAudience,
    CommentRule,
    Condition,
    Effect,
    load_workflow,
    load_workflows,
)
from portal.yamlsource import DefinitionError

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

VALID = """\
title: テスト
initial: open
states:
  open: {label: 受付}
  done: {label: 完了, final: true}
transitions:
  - name: finish
    label: 完了する
    from: [open]
    to: done
    roles: [clerk]
"""
DONE = "  done: {label: 完了, final: true}"


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    directory = tmp_path / "workflows"
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def marked_line(text: str) -> int:
    """The 1-based line carrying the ``# <-`` marker: where the error must point."""
    return next(n for n, line in enumerate(dedent(text).splitlines(), 1) if "# <-" in line)


def test_real_juminhyo_workflow_loads_with_its_rules() -> None:
    wf = load_workflow(WORKFLOWS / "juminhyo.yaml")

    assert wf.name == "juminhyo"
    assert wf.title == "住民票の写しの交付"
    assert wf.initial == "submitted"
    assert list(wf.states) == [
        "submitted",
        "in_review",
        "returned",
        "awaiting_approval",
        "approved",
        "issued",
        "rejected",
        "withdrawn",
    ]
    assert {k for k, s in wf.states.items() if s.final} == {"issued", "rejected", "withdrawn"}
    assert wf.state("returned").applicant_edits and wf.state("returned").label == "差戻し中"
    approve = wf.transition("approve")
    assert (approve.label, approve.sources, approve.target) == ("決裁する", ("awaiting_approval",), "approved")
    assert approve.roles == {Role.APPROVER}
    assert approve.distinct_from == {"start_review", "request_approval"}
    reject = wf.transition("reject")
    assert reject.roles == {Role.CLERK} and reject.sources == ("in_review",)
    assert wf.transition("reject_on_approval").roles == {Role.APPROVER}
    assert reject.comment is CommentRule.REQUIRED and reject.style is ButtonStyle.DANGER
    assert reject.confirm
    assert wf.transition("issue").effects == (Effect.ISSUE_CERTIFICATE,)
    assert wf.transition("return_to_applicant").comment is CommentRule.REQUIRED
    assert wf.transition("start_review").comment is CommentRule.NONE
    assert set(wf.transition("withdraw").sources) == {"submitted", "in_review", "returned", "awaiting_approval"}
    assert [t.name for t in wf.outgoing("in_review")] == [
        "request_approval",
        "return_to_applicant",
        "reject",
        "withdraw",
    ]
    assert wf.is_final("issued") and not wf.is_final("approved")
    assert wf.version == hashlib.sha256((WORKFLOWS / "juminhyo.yaml").read_bytes()).hexdigest()


def test_load_workflows_keys_every_file_by_stem() -> None:
    workflows = load_workflows(WORKFLOWS)

    assert {"juminhyo", "sodai_gomi"} <= set(workflows)
    gomi = workflows["sodai_gomi"]
    assert gomi.initial == "received"
    assert [t.name for t in gomi.outgoing("received")] == ["complete", "reject", "withdraw"]
    assert gomi.transition("complete").comment is CommentRule.OPTIONAL
    assert gomi.transition("withdraw").roles == {Role.APPLICANT}


def test_definition_is_immutable() -> None:
    wf = load_workflow(WORKFLOWS / "sodai_gomi.yaml")

    with pytest.raises(TypeError):
        wf.states["extra"] = wf.states["received"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        wf.initial = "completed"  # type: ignore[misc]


def test_unknown_state_or_transition_lookup_names_the_workflow() -> None:
    wf = load_workflow(WORKFLOWS / "sodai_gomi.yaml")

    with pytest.raises(KeyError, match="sodai_gomi.*nowhere"):
        wf.state("nowhere")
    with pytest.raises(KeyError, match="sodai_gomi.*approve"):
        wf.transition("approve")


def test_from_may_be_a_single_state_and_version_follows_the_bytes(tmp_path: Path) -> None:
    one = load_workflow(write(tmp_path, VALID.replace("from: [open]", "from: open"), "one.yaml"))
    other = load_workflow(write(tmp_path, VALID, "other.yaml"))

    assert one.transition("finish").sources == ("open",)
    assert one.version != other.version


AUDIENCES = """\
title: テスト
initial: open
states:
  open: {label: 受付}
  review: {label: 審査中}
  approval: {label: 決裁待ち}
  fixing: {label: 差戻し中, applicant_edits: true}
  done: {label: 完了, final: true}
transitions:
  - {name: start, label: 審査する, from: open, to: review, roles: [clerk]}
  - {name: ask_approval, label: 決裁に回す, from: review, to: approval, roles: [clerk], comment: optional}
  - {name: send_back, label: 審査に戻す, from: approval, to: review, roles: [approver], comment: required}
  - {name: return, label: 差戻す, from: review, to: fixing, roles: [clerk], comment: required}
  - {name: resubmit, label: 再提出する, from: fixing, to: open, roles: [applicant], comment: optional}
  - {name: finish, label: 完了する, from: approval, to: done, roles: [approver], comment: optional}
  - name: ask_with_note
    label: 申請者にも知らせて決裁に回す
    from: review
    to: approval
    roles: [clerk]
    comment: optional
    comment_visible_to: applicant
  - name: close_quietly
    label: 内部で完了する
    from: approval
    to: done
    roles: [approver]
    comment: optional
    comment_visible_to: staff
"""


def test_comment_audience_defaults_follow_who_the_transition_speaks_to(tmp_path: Path) -> None:
    wf = load_workflow(write(tmp_path, AUDIENCES, "audiences.yaml"))

    audience = {t.name: t.comment_visible_to for t in wf.transitions}
    assert audience == {
        "start": CommentAudience.STAFF,  # staff to staff
        "ask_approval": CommentAudience.STAFF,
        "send_back": CommentAudience.STAFF,
        "return": CommentAudience.APPLICANT,  # hands the case to the applicant
        "resubmit": CommentAudience.APPLICANT,  # fired by the applicant
        "finish": CommentAudience.APPLICANT,  # ends the case
        "ask_with_note": CommentAudience.APPLICANT,  # written explicitly: the key wins over the default
        "close_quietly": CommentAudience.STAFF,
    }


def test_shipped_workflows_keep_staff_notes_among_staff() -> None:
    workflows = load_workflows(WORKFLOWS)
    juminhyo, gomi = workflows["juminhyo"], workflows["sodai_gomi"]

    staff_only = {t.name for t in juminhyo.transitions if t.comment_visible_to is CommentAudience.STAFF}
    assert staff_only == {"start_review", "request_approval", "approve", "send_back"}
    assert gomi.transition("complete").comment_visible_to is CommentAudience.APPLICANT


def test_the_clock_runs_unless_a_state_pauses_it(tmp_path: Path) -> None:
    text = VALID.replace("  open: {label: 受付}", "  open: {label: 受付}\n  waiting: {label: 待ち, clock: paused}")
    text = text.replace(
        "  open: {label: 受付}\n", "  open: {label: 受付}\n  paying: {label: 支払待ち, clock: paused_until_paid}\n"
    )
    text += "  - {name: wait, label: 待つ, from: [open], to: waiting, roles: [clerk]}\n"
    text += "  - {name: back, label: 戻る, from: [waiting], to: paying, roles: [applicant]}\n"
    text += "  - {name: pay, label: 交付, from: [paying], to: done, roles: [clerk], requires: [paid]}\n"
    workflow = load_workflow(write(tmp_path, text))

    assert {key: state.clock for key, state in workflow.states.items()} == {
        "open": Clock.RUNNING,
        "paying": Clock.PAUSED_UNTIL_PAID,
        "waiting": Clock.PAUSED,
        "done": Clock.RUNNING,
    }


def test_shipped_workflows_pause_the_clock_for_the_applicant_only() -> None:
    juminhyo = load_workflow(WORKFLOWS / "juminhyo.yaml")
    paused = {key: state.clock for key, state in juminhyo.states.items() if state.clock is not Clock.RUNNING}
    assert paused == {"returned": Clock.PAUSED, "approved": Clock.PAUSED_UNTIL_PAID}  # 差戻し, オンライン決済
    # 粗大ごみ waits for nobody: it is received and completed or rejected by staff, its fee paid with 処理券.
    sodai_gomi = load_workflow(WORKFLOWS / "sodai_gomi.yaml")
    assert all(state.clock is Clock.RUNNING for state in sodai_gomi.states.values())


def test_a_state_may_name_itself_otherwise_to_residents(tmp_path: Path) -> None:
    text = VALID.replace("  open: {label: 受付}", "  open: {label: 決裁待ち, resident_label: 審査中}")
    workflow = load_workflow(write(tmp_path, text))

    assert (workflow.state("open").label, workflow.state("open").label_for_applicant) == ("決裁待ち", "審査中")
    assert workflow.state("done").resident_label is None
    assert workflow.state("done").label_for_applicant == "完了"  # the label, where the file names no other


def test_shipped_workflows_show_residents_no_staff_words() -> None:
    shown = {
        (name, state.label_for_applicant)
        for name, workflow in load_workflows(WORKFLOWS).items()
        for state in workflow.states.values()
    }
    assert not {label for _, label in shown} & {"決裁待ち", "決裁済み"}
    assert ("juminhyo", "審査中") in shown


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        load_workflows(tmp_path / "absent")


BAD_DEFINITIONS = {
    "unknown top-level key": (
        VALID + "colour: red  # <-\n",
        ("colour",),
        "不明なキー 'colour' です。ここで使えるキー: initial, numbering, states, title, transitions",
    ),
    "unknown transition key": (
        VALID + "    when: always  # <-\n",
        ("transitions", 0, "when"),
        "不明なキー 'when' です。ここで使えるキー: checks_requester, comment, comment_visible_to, confirm, distinct_from, effects, fields, from,",
    ),
    "misspelt transition key": (
        VALID + "    comment_visibile_to: staff  # <-\n",
        ("transitions", 0, "comment_visibile_to"),
        "不明なキー 'comment_visibile_to' です。comment_visible_to のことですか？ ここで使えるキー: checks_requester, comment, ",
    ),
    "unknown state key": (
        VALID.replace("  open: {label: 受付}", "  open: {label: 受付, colour: red}  # <-"),
        ("states", "open", "colour"),
        "不明なキー 'colour' です。ここで使えるキー: applicant_edits, clock, description, final, label, notify, resident_label",
    ),
    "empty resident_label": (
        VALID.replace("  open: {label: 受付}", "  open: {label: 受付, resident_label: ' '}  # <-"),
        ("states", "open", "resident_label"),
        "String should have at least 1 character",
    ),
    "half-width percent in resident_label": (
        VALID.replace("  open: {label: 受付}", "  open: {label: 受付, resident_label: 100%確認中}  # <-"),
        ("states", "open", "resident_label"),
        "'%' cannot be used in displayed text",
    ),
    "missing title": (
        VALID.replace("title: テスト\n", "").replace("initial: open", "initial: open  # <- the document starts here"),
        ("title",),
        "required key is missing",
    ),
    "missing to": (
        VALID.replace("  - name: finish", "  - name: finish  # <-").replace("    to: done\n", ""),
        ("transitions", 0, "to"),
        "required key is missing",
    ),
    "missing label": (
        VALID.replace("  open: {label: 受付}", "  open: {final: false}  # <-"),
        ("states", "open", "label"),
        "required key is missing",
    ),
    "initial is not a state": (
        VALID.replace("initial: open", "initial: opne  # <-"),
        ("initial",),
        "'opne' is not one of the states",
    ),
    "from an unknown state": (
        VALID.replace("from: [open]", "from: [open, closed]  # <-"),
        ("transitions", 0, "from", 1),
        "unknown state 'closed'",
    ),
    "to an unknown state": (
        VALID.replace("to: done", "to: finished  # <-"),
        ("transitions", 0, "to"),
        "unknown state 'finished'",
    ),
    "unreachable state": (
        VALID.replace(DONE, DONE + "\n  lost: {label: 迷子, final: true}  # <-"),
        ("states", "lost"),
        "'lost' cannot be reached from 'open'",
    ),
    "transition with no roles": (
        VALID.replace("roles: [clerk]", "roles: []  # <-"),
        ("transitions", 0, "roles"),
        "must not be empty",
    ),
    "transition without roles key": (
        VALID.replace("  - name: finish", "  - name: finish  # <-").replace("    roles: [clerk]\n", ""),
        ("transitions", 0, "roles"),
        "required key is missing",
    ),
    "unknown role": (
        VALID.replace("roles: [clerk]", "roles:\n      - clerk\n      - mayor  # <-"),
        ("transitions", 0, "roles", 1),
        "unknown value 'mayor'; expected 'applicant', 'clerk', 'approver', 'admin' or 'operator'",
    ),
    "no final state": (
        VALID.replace("states:", "states:  # <-").replace("{label: 完了, final: true}", "{label: 完了}")
        + "  - {name: reopen, label: 戻す, from: [done], to: open, roles: [clerk]}\n",
        ("states",),
        "no state is final",
    ),
    "final state with outgoing transition": (
        VALID + "  - {name: reopen, label: 戻す, from: [done], to: open, roles: [clerk]}  # <-\n",
        ("transitions", 1, "from", 0),
        "state 'done' is final, so no transition may leave it",
    ),
    "non-final state with no way out": (
        VALID.replace(DONE, DONE + "\n  stuck: {label: 保留}  # <-")
        + "  - {name: hold, label: 保留する, from: [open], to: stuck, roles: [clerk]}\n",
        ("states", "stuck"),
        "'stuck' is not final but no transition leaves it",
    ),
    "duplicate transition name": (
        VALID + "  - {name: finish, label: 完了, from: [open], to: done, roles: [approver]}  # <-\n",
        ("transitions", 1, "name"),
        "duplicate transition name 'finish' (see transitions[0])",
    ),
    "distinct_from an unknown transition": (
        VALID + "    distinct_from: [finish, review]  # <-\n",
        ("transitions", 0, "distinct_from", 1),
        "unknown transition 'review'",
    ),
    "unknown effect": (
        VALID + "    effects: [send_fax]  # <-\n",
        ("transitions", 0, "effects", 0),
        "unknown value 'send_fax'; expected 'issue_certificate'",
    ),
    "unknown comment rule": (
        VALID + "    comment: sometimes  # <-\n",
        ("transitions", 0, "comment"),
        "unknown value 'sometimes'",
    ),
    "unknown comment audience": (
        VALID + "    comment: optional\n    comment_visible_to: resident  # <-\n",
        ("transitions", 0, "comment_visible_to"),
        "unknown value 'resident'; expected 'applicant' or 'staff'",
    ),
    "comment audience on a transition without a comment": (
        VALID + "    comment_visible_to: staff  # <-\n",
        ("transitions", 0, "comment_visible_to"),
        "this transition takes no comment",
    ),
    "applicant's own comment hidden from the applicant": (
        VALID.replace("roles: [clerk]", "roles: [applicant, clerk]")
        + "    comment: optional\n    comment_visible_to: staff  # <-\n",
        ("transitions", 0, "comment_visible_to"),
        "the applicant fires this transition, so its comment cannot be hidden from the applicant",
    ),
    "requirement outside the vocabulary": (
        VALID + "    requires: [record_match, payment]  # <-\n",
        ("transitions", 0, "requires", 1),
        "unknown value 'payment'; expected 'record_match' or 'paid'",
    ),
    "requirement on the applicant's own transition": (
        VALID.replace("roles: [clerk]", "roles: [applicant]") + "    requires: [record_match]  # <-\n",
        ("transitions", 0, "requires"),
        "the applicant fires this transition",
    ),
    "state key that cannot be stored": (
        VALID.replace("  open: {label: 受付}", "  Open-Now: {label: 受付}  # <-"),
        ("states", "Open-Now"),
        "must be lowercase letters, digits and _",
    ),
    "blank label": (
        VALID.replace("label: 完了する", "label: '  '  # <-"),
        ("transitions", 0, "label"),
        "String should have at least 1 character",
    ),
    "final given as a string": (
        VALID.replace("{label: 完了, final: true}", "{label: 完了, final: 'yes'}  # <-"),
        ("states", "done", "final"),
        "Input should be a valid boolean",
    ),
    "final state that lets the applicant edit": (
        VALID.replace("{label: 完了, final: true}", "{label: 完了, final: true, applicant_edits: true}  # <-"),
        ("states", "done", "applicant_edits"),
        "a final state cannot let the applicant edit",
    ),
    "unknown clock": (
        VALID.replace("  open: {label: 受付}", "  open: {label: 受付, clock: stopped}  # <-"),
        ("states", "open", "clock"),
        "unknown value 'stopped'; expected 'running', 'paused' or 'paused_until_paid'",
    ),
    "clock on a final state": (
        VALID.replace("{label: 完了, final: true}", "{label: 完了, final: true, clock: paused}  # <-"),
        ("states", "done", "clock"),
        "a final state has no deadline left: remove clock",
    ),
    "waiting for a payment nothing requires": (
        VALID.replace("  open: {label: 受付}", "  open: {label: 受付, clock: paused_until_paid}  # <-"),
        ("states", "open", "clock"),
        "no transition leaving 'open' requires: [paid], so no payment is awaited here",
    ),
    "an outcome notice on a state that is not final": (
        VALID.replace("  open: {label: 受付}", "  open: {label: 受付, notify: completed}  # <-"),
        ("states", "open", "notify"),
        "completed tells the outcome: only a final state can say it",
    ),
    "a 差戻し notice on a state where the applicant edits nothing": (
        VALID.replace("{label: 完了, final: true}", "{label: 完了, final: true, notify: returned}  # <-"),
        ("states", "done", "notify"),
        "returned asks for a correction: only an applicant_edits state can say it",
    ),
    "a notice outside the vocabulary": (
        VALID.replace("{label: 完了, final: true}", "{label: 完了, final: true, notify: fax}  # <-"),
        ("states", "done", "notify"),
        "unknown value 'fax'; expected 'returned', 'issued', 'completed' or 'rejected'",
    ),
    "document is a list": (
        "- title: テスト  # <-\n",
        (),
        "must be a mapping of keys to values",
    ),
}


@pytest.mark.parametrize("text, path, message", BAD_DEFINITIONS.values(), ids=BAD_DEFINITIONS.keys())
def test_bad_definition_names_file_path_and_line(
    tmp_path: Path, text: str, path: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_workflow(write(tmp_path, text))

    error = caught.value
    assert (error.file, error.path, error.line) == ("workflows/bad.yaml", path, marked_line(text))
    assert message in error.message
    assert str(error).startswith(f"workflows/bad.yaml:{marked_line(text)}: ")


def test_states_say_what_the_applicant_is_emailed_on_arriving(tmp_path: Path) -> None:
    shipped = load_workflow(WORKFLOWS / "juminhyo.yaml")
    assert {key: state.notify for key, state in shipped.states.items() if state.notify} == {
        "returned": ApplicantNotice.RETURNED,  # applicant_edits: the default
        "issued": ApplicantNotice.ISSUED,
        "rejected": ApplicantNotice.REJECTED,
    }
    sodai_gomi = load_workflow(WORKFLOWS / "sodai_gomi.yaml")
    assert sodai_gomi.state("completed").notify is ApplicantNotice.COMPLETED
    assert sodai_gomi.state("withdrawn").notify is None  # the applicant's own act
    assert load_workflow(write(tmp_path, VALID)).state("done").notify is None  # nothing unless declared


def test_first_error_in_the_file_is_reported(tmp_path: Path) -> None:
    text = VALID.replace("title: テスト", "title: 123  # <-") + "    when: always\n"

    with pytest.raises(DefinitionError) as caught:
        load_workflow(write(tmp_path, text))

    assert (caught.value.path, caught.value.line) == (("title",), 1)


def test_invalid_yaml_in_a_directory_names_the_relative_file(tmp_path: Path) -> None:
    write(tmp_path, VALID, "good.yaml")
    write(tmp_path, VALID + "  - [unclosed\n", "broken.yaml")

    with pytest.raises(DefinitionError, match=r"^workflows/broken\.yaml:\d+: .*で閉じられていません"):
        load_workflows(tmp_path / "workflows")


def test_requirements_are_read_from_the_yaml(tmp_path: Path) -> None:
    workflow = load_workflow(write(tmp_path, VALID + "    requires: [record_match]\n"))

    assert workflow.transition("finish").requires == frozenset({Condition.RECORD_MATCH})
    assert load_workflow(write(tmp_path, VALID, "plain.yaml")).transition("finish").requires == frozenset()


# -- transition fields and numbering ------------------------------------------------------------------------------

REGISTER = """\
title: 登録
initial: open
numbering:
  name: dog_registration
  label: 登録番号
  format: "{year}-{n:05d}"
states:
  open: {label: 受付}
  done: {label: 登録済み, final: true}
transitions:
  - name: register
    label: 登録する
    from: [open]
    to: done
    roles: [clerk]
    effects: [assign_number]
    comment_visible_to: applicant
    fields:
      - name: tag_number
        type: text
        label: 鑑札番号
        pattern: "[0-9]{6}"
        pattern_message: 鑑札番号は6桁の数字で入力してください
      - name: issued_on
        type: date
        label: 交付日
        max: today
"""
FIELD = "      - name: tag_number\n"


def test_transition_fields_and_numbering_are_read_from_the_yaml(tmp_path: Path) -> None:
    workflow = load_workflow(write(tmp_path, REGISTER))

    register = workflow.transition("register")
    assert [(f.name, f.type, f.label, f.required) for f in register.fields] == [
        ("tag_number", "text", "鑑札番号", True),
        ("issued_on", "date", "交付日", True),
    ]
    assert register.fields[0].settings.pattern == "[0-9]{6}"  # type: ignore[attr-defined]
    assert register.effects == (Effect.ASSIGN_NUMBER,)
    # A transition without a comment may still say who reads what it records.
    assert register.comment is CommentRule.NONE and register.comment_visible_to is CommentAudience.APPLICANT
    assert workflow.numbering is not None
    assert (workflow.numbering.name, workflow.numbering.label) == ("dog_registration", "登録番号")
    assert workflow.numbering.number(2026, 7) == "2026-00007"
    assert load_workflow(write(tmp_path, VALID, "plain.yaml")).numbering is None


def test_shipped_sodai_gomi_asks_the_collection_date_and_numbers_the_collection() -> None:
    gomi = load_workflow(WORKFLOWS / "sodai_gomi.yaml")

    [collection_date] = gomi.transition("complete").fields
    assert (collection_date.name, collection_date.type, collection_date.required) == ("collection_date", "date", True)
    assert collection_date.settings.min.text == "today"  # type: ignore[attr-defined]
    assert gomi.transition("complete").effects == (Effect.ASSIGN_NUMBER,)
    assert gomi.numbering is not None and gomi.numbering.label == "収集番号"


def _field_line(text: str) -> str:
    """REGISTER with ``text`` added to its first field (the marker goes on the added line)."""
    return REGISTER.replace(FIELD, FIELD + text)


BAD_INPUTS = {
    "unknown field type": (
        REGISTER.replace("        type: text\n", "        type: colour  # <-\n"),
        ("transitions", 0, "fields", 0, "type"),
        "unknown field type 'colour'; known types:",
    ),
    "misspelt setting of the type": (
        _field_line("        max_lenght: 10  # <-\n"),
        ("transitions", 0, "fields", 0, "max_lenght"),
        "不明なキー 'max_lenght' です。max_length のことですか？",
    ),
    "pattern that does not compile": (
        REGISTER.replace('pattern: "[0-9]{6}"', 'pattern: "[0-9"  # <-'),
        ("transitions", 0, "fields", 0, "pattern"),
        "invalid regular expression",
    ),
    "date bound that is not a date": (
        REGISTER.replace("max: today", "max: yesterday  # <-"),
        ("transitions", 0, "fields", 1, "max"),
        "は日付の範囲として読めません",
    ),
    "field without a label": (
        REGISTER.replace("      - name: issued_on\n", "      - name: issued_on  # <-\n").replace(
            "        label: 交付日\n", ""
        ),
        ("transitions", 0, "fields", 1, "label"),
        "this key is required",
    ),
    "duplicate field name": (
        REGISTER.replace("      - name: issued_on", "      - name: tag_number  # <-"),
        ("transitions", 0, "fields", 1, "name"),
        "duplicate field name 'tag_number'",
    ),
    "show_if naming a later field": (
        _field_line("        show_if: {field: issued_on, equals: x}  # <-\n"),
        ("transitions", 0, "fields", 0, "show_if", "field"),
        "'issued_on' is defined later: show_if must name an earlier field",
    ),
    "choices from the applicant's record": (
        REGISTER.replace("        type: text\n", "        type: household_members  # <-\n").replace(
            '        pattern: "[0-9]{6}"\n        pattern_message: 鑑札番号は6桁の数字で入力してください\n', ""
        ),
        ("transitions", 0, "fields", 0, "type"),
        "a household_members field's choices come from the applicant's record",
    ),
    "prefill from a profile": (
        _field_line("        prefill: family_name  # <-\n"),
        ("transitions", 0, "fields", 0, "prefill"),
        "staff fill a transition's fields: no profile prefills them",
    ),
    "postal code filling an address": (
        REGISTER.replace(
            "      - name: issued_on\n        type: date\n        label: 交付日\n        max: today\n",
            "      - {name: postal, type: postal_code, label: 郵便番号, fills: address}  # <-\n"
            "      - {name: address, type: address, label: 住所}\n",
        ),
        ("transitions", 0, "fields", 1, "fills"),
        "the back office looks up no address: remove fills",
    ),
    "name of the comment box": (
        REGISTER.replace("      - name: issued_on", "      - name: comment  # <-"),
        ("transitions", 0, "fields", 1, "name"),
        "'comment' is taken by the transition form; choose another",
    ),
    "fields on the applicant's transition": (
        REGISTER.replace("    roles: [clerk]", "    roles: [applicant]").replace(
            "    fields:\n", "    fields:  # <-\n"
        ),
        ("transitions", 0, "fields"),
        "only staff fill a transition's fields; the applicant answers on the application form",
    ),
    "assign_number without numbering": (
        VALID + "    effects: [assign_number]  # <-\n",
        ("transitions", 0, "effects", 0),
        "assign_number needs the workflow's numbering: {name, label, format}",
    ),
    "numbering nobody assigns": (
        REGISTER.replace("numbering:\n", "numbering:  # <-\n").replace("    effects: [assign_number]\n", ""),
        ("numbering",),
        "no transition assigns this number: add effects: [assign_number] to one",
    ),
    "numbering without a label": (
        REGISTER.replace("numbering:\n", "numbering:  # <-\n").replace("  label: 登録番号\n", ""),
        ("numbering", "label"),
        "required key is missing",
    ),
    "series name that cannot be stored": (
        REGISTER.replace("name: dog_registration", "name: Dog-Registration  # <-"),
        ("numbering", "name"),
        "must be lowercase letters, digits and _",
    ),
    "format reaching an attribute": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{n.__class__}"  # <-'),
        ("numbering", "format"),
        "{n.__class__} is not allowed: only {year} and {n}, e.g. {year}-{n:05d}",
    ),
    "format with a conversion": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{n!r}"  # <-'),
        ("numbering", "format"),
        "{n!r}: no conversion; write a format spec, e.g. {n:05d}",
    ),
    "format with a nested field": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{n:{width}}"  # <-'),
        ("numbering", "format"),
        "{n:{width}}: a format spec cannot hold another field",
    ),
    "format without the number": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{year}"  # <-'),
        ("numbering", "format"),
        "the format needs {n}, the number in the series",
    ),
    "format spec that is not for numbers": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{n:s}"  # <-'),
        ("numbering", "format"),
        "cannot format a number with it: Unknown format code 's'",
    ),
    "format with an unclosed brace": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{year-{n}"  # <-'),
        ("numbering", "format"),
        "not a format:",
    ),
    "format with a width that would fill memory": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{n:999999999d}"  # <-'),
        ("numbering", "format"),
        "{n:999999999d}: no width or precision above 32",
    ),
    "format making numbers too long": (
        REGISTER.replace('format: "{year}-{n:05d}"', 'format: "{year}-{n:030d}"  # <-'),
        ("numbering", "format"),
        "makes numbers longer than 32 characters",
    ),
}


@pytest.mark.parametrize("text, path, message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_transition_fields_and_numbering_name_file_path_and_line(
    tmp_path: Path, text: str, path: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_workflow(write(tmp_path, text))

    error = caught.value
    assert (error.file, error.path, error.line) == ("workflows/bad.yaml", path, marked_line(text))
    assert message in error.message
    assert not error.message.startswith(("Value error", "Assertion failed"))  # pydantic's prefix is not for people
