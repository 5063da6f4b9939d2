"""Load workflow YAML into :class:`WorkflowDefinition`, refusing any definition that could strand a case.

A submission stuck in a state nobody can leave, or a state nobody can reach, is only noticed months
later by a resident; so the whole graph is checked at start-up and every mistake names file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from portal.catalog import SuppliedChoicesType, requester
from portal.catalog.loader import field_problems, pydantic_problem, yaml_path
from portal.modelkeys import keys_at
from portal.roles import Role
from portal.workflow.model import (
    ApplicantNotice,
    Clock,
    CommentAudience,
    CommentRule,
    Condition,
    Effect,
    Numbering,
    State,
    Transition,
    WorkflowDefinition,
)
from portal.workflow.schema import StateSpec, TransitionSpec, WorkflowSpec
from portal.yamlsource import DefinitionError, Source, content_hash, parse, read_source, unknown_key

_ERROR_TEXT = {
    "missing": "required key is missing",
    "too_short": "must not be empty",
    "string_pattern_mismatch": "must be lowercase letters, digits and _ (starting with a letter)",
    "model_type": "must be a mapping of keys to values",
}


def load_workflow(path: Path, display_name: str | None = None) -> WorkflowDefinition:
    """Load one definition; errors name ``display_name`` (default ``<directory>/<file>``)."""
    path = Path(path)
    return parse_workflow(read_source(path), path.stem, display_name or f"{path.parent.name}/{path.name}")


def parse_workflow(text: str, name: str, file: str) -> WorkflowDefinition:
    """A workflow from its YAML ``text`` (a file's or a published version's); errors name ``file``."""
    source = parse(text, Path(file))
    source.check_translatable()
    try:
        spec = WorkflowSpec.model_validate(source.data)
    except ValidationError as exc:
        raise _first_error(source, exc.errors()) from None
    _check_graph(source, spec)
    return WorkflowDefinition(
        name=name,
        title=spec.title,
        initial=spec.initial,
        states=MappingProxyType(
            {
                key: State(
                    key, s.label, s.final, s.applicant_edits, s.description, s.clock, _notice(s), s.resident_label
                )
                for key, s in spec.states.items()
            }
        ),
        transitions=tuple(
            Transition(
                name=t.name,
                label=t.label,
                sources=tuple(dict.fromkeys(t.sources)),
                target=t.target,
                roles=frozenset(t.roles),
                comment=t.comment,
                comment_visible_to=_audience(spec, t),
                distinct_from=frozenset(t.distinct_from),
                effects=tuple(dict.fromkeys(t.effects)),
                requires=frozenset(t.requires),
                style=t.style,
                confirm=t.confirm,
                fields=tuple(t.fields),
                checks_requester=t.checks_requester,
            )
            for t in spec.transitions
        ),
        version=content_hash(text),
        numbering=Numbering(spec.numbering.name, spec.numbering.label, spec.numbering.format)
        if spec.numbering
        else None,
    )


def load_workflows(directory: Path) -> Mapping[str, WorkflowDefinition]:
    """Every ``*.yaml`` in ``directory``, keyed by file stem (the name procedures refer to)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise NotADirectoryError(f"workflow directory not found: {directory}")
    return MappingProxyType(
        {file.stem: load_workflow(file, f"{directory.name}/{file.name}") for file in sorted(directory.glob("*.yaml"))}
    )


def _first_error(source: Source, errors: list[ErrorDetails]) -> DefinitionError:
    """The error earliest in the file: the one an administrator reading top-down meets first."""

    def path_of(error: ErrorDetails) -> tuple[str | int, ...]:
        return yaml_path(tuple(part for part in error["loc"] if part != "[key]"))

    error = min(errors, key=lambda e: source.line_of(path_of(e)) or 0)
    path = path_of(error)
    if path[:1] == ("transitions",) and path[2:3] == ("fields",):  # errors read as in a definition's fields
        return source.error(*pydantic_problem(source, error, WorkflowSpec))
    if error["type"] == "extra_forbidden":
        message = unknown_key(str(path[-1]), keys_at(WorkflowSpec, path[:-1]) or [])
    elif error["type"] == "enum":
        message = f"unknown value {error['input']!r}; expected {error.get('ctx', {}).get('expected')}"
    else:
        message = _ERROR_TEXT.get(error["type"]) or pydantic_problem(source, error, WorkflowSpec)[1]
    return source.error(path, message)


def _check_graph(source: Source, spec: WorkflowSpec) -> None:
    states = spec.states
    if spec.initial not in states:
        raise source.error(("initial",), f"{spec.initial!r} is not one of the states")

    names: dict[str, int] = {}
    for i, t in enumerate(spec.transitions):
        if t.name in names:
            first = f"transitions[{names[t.name]}]"
            raise source.error(("transitions", i, "name"), f"duplicate transition name {t.name!r} (see {first})")
        names[t.name] = i
        for j, key in enumerate(t.sources):
            if key not in states:
                raise source.error(("transitions", i, "from", j), f"unknown state {key!r}")
            if states[key].final:
                raise source.error(
                    ("transitions", i, "from", j), f"state {key!r} is final, so no transition may leave it"
                )
        if t.target not in states:
            raise source.error(("transitions", i, "to"), f"unknown state {t.target!r}")
        if t.comment_visible_to is not None and t.comment is CommentRule.NONE and not t.fields:
            raise source.error(
                ("transitions", i, "comment_visible_to"),
                "this transition takes no comment (add comment: optional) and no fields",
            )
        if t.requires and Role.APPLICANT in t.roles:
            raise source.error(
                ("transitions", i, "requires"),
                "the applicant fires this transition, and only staff can be told why a condition does not hold",
            )
        if t.comment_visible_to is CommentAudience.STAFF and Role.APPLICANT in t.roles:
            raise source.error(
                ("transitions", i, "comment_visible_to"),
                "the applicant fires this transition, so its comment cannot be hidden from the applicant",
            )
    for i, t in enumerate(spec.transitions):
        for j, earlier in enumerate(t.distinct_from):
            if earlier not in names:
                raise source.error(("transitions", i, "distinct_from", j), f"unknown transition {earlier!r}")
        _check_fields(source, i, t)
    _check_numbering(source, spec)

    if not any(s.final for s in states.values()):
        raise source.error(("states",), "no state is final, so no submission could ever be finished")
    leaving = {key for t in spec.transitions for key in t.sources}
    reachable = _reachable(spec)
    for key, state in states.items():
        if state.final and state.applicant_edits:
            raise source.error(("states", key, "applicant_edits"), "a final state cannot let the applicant edit")
        _check_clock(source, spec, key, state)
        if state.notify in OUTCOME_NOTICES and not state.final:
            raise source.error(
                ("states", key, "notify"), f"{state.notify.value} tells the outcome: only a final state can say it"
            )
        if state.notify is ApplicantNotice.RETURNED and not state.applicant_edits:
            raise source.error(
                ("states", key, "notify"), "returned asks for a correction: only an applicant_edits state can say it"
            )
        if not state.final and key not in leaving:
            raise source.error(("states", key), f"state {key!r} is not final but no transition leaves it")
        if key not in reachable:
            raise source.error(("states", key), f"state {key!r} cannot be reached from {spec.initial!r}")


def _check_clock(source: Source, spec: WorkflowSpec, key: str, state: StateSpec) -> None:
    """A clock stops only where a case can wait for the applicant: never in a final state (it has no 期限日 left to
    keep), and waiting for a payment only where a transition leaving the state ``requires: [paid]``."""
    if state.clock is Clock.RUNNING:
        return
    if state.final:
        raise source.error(("states", key, "clock"), "a final state has no deadline left: remove clock")
    paid_here = any(key in t.sources and Condition.PAID in t.requires for t in spec.transitions)
    if state.clock is Clock.PAUSED_UNTIL_PAID and not paid_here:
        raise source.error(
            ("states", key, "clock"),
            f"no transition leaving {key!r} requires: [paid], so no payment is awaited here",
        )


# Inputs of every transition form besides its fields.
RESERVED_NAMES = frozenset({"comment", "csrf_token", requester.CHECKED})


def _check_fields(source: Source, i: int, t: TransitionSpec) -> None:
    """A transition's fields are filled by staff in the back office, from nothing but what they type."""
    at = ("transitions", i, "fields")
    if t.fields and Role.APPLICANT in t.roles:
        raise source.error(at, "only staff fill a transition's fields; the applicant answers on the application form")
    if t.checks_requester and Role.APPLICANT in t.roles:
        raise source.error(
            ("transitions", i, "checks_requester"),
            "staff check the requester's documents: not an applicant's transition",
        )
    for j, field in enumerate(t.fields):
        if isinstance(field.field_type, SuppliedChoicesType):
            raise source.error(at + (j, "type"), f"a {field.type} field's choices come from the applicant's record")
        if field.prefill is not None:
            raise source.error(at + (j, "prefill"), "staff fill a transition's fields: no profile prefills them")
        if getattr(field.settings, "fills", None) is not None:
            raise source.error(at + (j, "fills"), "the back office looks up no address: remove fills")
        if field.name in RESERVED_NAMES:
            raise source.error(at + (j, "name"), f"{field.name!r} is taken by the transition form; choose another")
    for path, message in field_problems((at + (j,), field) for j, field in enumerate(t.fields)):
        raise source.error(path, message)


def _check_numbering(source: Source, spec: WorkflowSpec) -> None:
    assigning = [i for i, t in enumerate(spec.transitions) if Effect.ASSIGN_NUMBER in t.effects]
    if spec.numbering is None:
        for i in assigning:
            j = spec.transitions[i].effects.index(Effect.ASSIGN_NUMBER)
            raise source.error(
                ("transitions", i, "effects", j), "assign_number needs the workflow's numbering: {name, label, format}"
            )
    elif not assigning:
        raise source.error(("numbering",), "no transition assigns this number: add effects: [assign_number] to one")


OUTCOME_NOTICES = frozenset({ApplicantNotice.ISSUED, ApplicantNotice.COMPLETED, ApplicantNotice.REJECTED})


def _notice(state: StateSpec) -> ApplicantNotice | None:
    """``notify``, or its default: a state where the applicant corrects the answers tells them of the 差戻し."""
    if state.notify is not None:
        return state.notify
    return ApplicantNotice.RETURNED if state.applicant_edits else None


def _audience(spec: WorkflowSpec, t: TransitionSpec) -> CommentAudience:
    """``comment_visible_to``, or its default: a comment (and the fields filled) goes to the applicant when the
    transition is theirs, hands the case to them (差戻し) or ends it (却下, 交付); between staff (決裁に回す,
    審査に戻す) it stays."""
    if t.comment_visible_to is not None:
        return t.comment_visible_to
    target = spec.states[t.target]
    if Role.APPLICANT in t.roles or target.final or target.applicant_edits:
        return CommentAudience.APPLICANT
    return CommentAudience.STAFF


def _reachable(spec: WorkflowSpec) -> set[str]:
    seen = {spec.initial}
    frontier = [spec.initial]
    while frontier:
        key = frontier.pop()
        for t in spec.transitions:
            if key in t.sources and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen
