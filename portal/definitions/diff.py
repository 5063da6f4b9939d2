"""What changes between two versions of a source, in the terms an administrator reviews before publishing.

Definitions compare by page key, field name, option value and rule position; workflows by state key, transition
name and the name of each transition's field;
templates by file, with the lines added and removed. A thing that appears or disappears is one line; a thing
that stays shows each attribute that changed, old → new.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from portal.catalog import FieldDef, ProcedureDefinition
from portal.certificates import TemplateSource
from portal.workflow import WorkflowDefinition

Parsed = ProcedureDefinition | WorkflowDefinition | TemplateSource


class Sign(StrEnum):
    ADDED = "+"
    REMOVED = "-"
    CHANGED = "~"


@dataclass(frozen=True)
class Change:
    sign: Sign
    subject: str  # field pets / option pets=shiba / state reviewing / title
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.sign} {self.subject}" + (f": {self.detail}" if self.detail else "")


def diff(old: Parsed | None, new: Parsed | None) -> list[Change]:
    """The changes from ``old`` to ``new``; None on either side is a source added or withdrawn (one line)."""
    if old is None or new is None:
        whole = _entities(new if old is None else old)
        sign = Sign.ADDED if old is None else Sign.REMOVED
        subject = next(iter(whole), "")
        detail = _summary(whole[subject]) if subject else ""
        parts = sorted({key.split(" ")[0] for key in whole} - {subject})
        counts = [(sum(1 for k in whole if k.startswith(part + " ")), part) for part in parts]
        counted = ", ".join(f"{n} {part}{'' if n == 1 else 's'}" for n, part in counts)
        return [Change(sign, subject, f"{detail} ({counted})" if detail and counted else detail or counted)]
    return list(_changes(_entities(old), _entities(new)))


Entities = dict[str, dict[str, Any]]  # "field pets" → its attributes


def _entities(parsed: Parsed | None) -> Entities:
    if parsed is None:
        return {}
    if isinstance(parsed, ProcedureDefinition):
        return _definition(parsed)
    if isinstance(parsed, WorkflowDefinition):
        return _workflow(parsed)
    return {"template": {"title": parsed.name}} | {
        f"file {name}": {"text": text} for name, text in parsed.files.items()
    }


def _definition(definition: ProcedureDefinition) -> Entities:
    found: Entities = {
        "procedure": definition.model_dump(mode="json", exclude={"slug", "version", "pages", "rules"}),
    }
    for page in definition.pages:
        found[f"page {page.key}"] = page.model_dump(mode="json", exclude={"key", "fields"})
        for field in page.fields:
            found |= _field(field, "field", field.name, {"page": page.key})
    for number, rule in enumerate(definition.rules, 1):  # rules have no name: compared by position
        found[f"rule {number}"] = rule.model_dump(mode="json", by_alias=True)
    return found


def _field(field: FieldDef, kind: str, name: str, place: dict[str, Any]) -> Entities:
    """A field (a definition's, or a transition's ``kind`` input named ``name``) and each of its options."""
    attributes = field.model_dump(mode="json", exclude={"name", "settings"}, by_alias=True)
    subs: tuple[FieldDef, ...] = getattr(field.settings, "fields", ())  # a repeating group's, each compared alone
    settings = field.settings.model_dump(mode="json", by_alias=True, exclude={"fields"})
    choices = [key for key, value in settings.items() if _is_choices(value)]  # options, items, …
    kept = {key: value for key, value in settings.items() if key not in choices}
    found: Entities = {f"{kind} {name}": {**place, **attributes, **kept}}
    for sub in subs:
        found |= _field(sub, kind, f"{name}.{sub.name}", {"group": name})
    for key in choices:
        for choice in settings[key]:
            found[f"option {name}={choice['value']}"] = {k: v for k, v in choice.items() if k != "value"}
    return found


def _is_choices(value: Any) -> bool:
    """A list of choices answers are stored by (``value``), compared choice by choice rather than as one list."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "value" in v for v in value)


def _workflow(workflow: WorkflowDefinition) -> Entities:
    numbering = workflow.numbering
    found: Entities = {
        "workflow": {
            "title": workflow.title,
            "initial": workflow.initial,
            "numbering": f"{numbering.name} 「{numbering.label}」 {numbering.format}" if numbering else None,
        }
    }
    for key, state in workflow.states.items():
        found[f"state {key}"] = {
            "label": state.label,
            "final": state.final,
            "applicant_edits": state.applicant_edits,
            "description": state.description,
            "notify": state.notify.value if state.notify else None,
            "resident_label": state.resident_label,
        }
    for transition in workflow.transitions:
        found[f"transition {transition.name}"] = {
            "label": transition.label,
            "from": list(transition.sources),
            "to": transition.target,
            "roles": sorted(role.value for role in transition.roles),
            "comment": transition.comment.value,
            "comment_visible_to": transition.comment_visible_to.value,
            "distinct_from": sorted(transition.distinct_from),
            "effects": [e.value for e in transition.effects],
            "requires": sorted(condition.value for condition in transition.requires),
            "style": transition.style.value,
            "confirm": transition.confirm,
        }
        for field in transition.fields:
            name = f"{transition.name}.{field.name}"
            found |= _field(field, "input", name, {"transition": transition.name})
    return found


def _changes(old: Entities, new: Entities) -> Iterator[Change]:
    for subject in [*old, *(s for s in new if s not in old)]:
        if subject not in new:
            yield Change(Sign.REMOVED, subject, _summary(old[subject]))
        elif subject not in old:
            yield Change(Sign.ADDED, subject, _summary(new[subject]))
        elif old[subject] != new[subject]:
            yield Change(Sign.CHANGED, subject, "; ".join(_attribute_changes(old[subject], new[subject])))


def _summary(attributes: Mapping[str, Any]) -> str:
    """What names the thing: its label or title, and a field's type."""
    if "text" in attributes:
        return f"{len(attributes['text'].splitlines())} lines"
    shown = [_shown(attributes[k]) for k in ("label", "title") if attributes.get(k)]
    kind = attributes.get("type") or attributes.get("kind")  # a field's type, a rule's kind
    return " ".join([kind, *shown] if kind else shown)


def _attribute_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    for key in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "text":
            yield _text_change(before or "", after or "")
        else:
            yield f"{key} {_shown(before)} → {_shown(after)}"


def _text_change(before: str, after: str) -> str:
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return f"+{added} -{removed} lines"


_LONGEST = 60


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        text = value if len(value) <= _LONGEST else value[: _LONGEST - 1] + "…"
        return f"「{text}」"
    return str(value)
