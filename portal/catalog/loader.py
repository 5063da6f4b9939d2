"""Reading procedure definitions from YAML, with errors an administrator can act on.

Every problem becomes a :class:`DefinitionError` naming the file, the path inside the definition and the
line, whether pydantic found it (types, unknown keys) or the cross-field checks here did (duplicate names,
show_if pointing forward, fills naming a non-address field, rules naming unknown fields, unknown workflow).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from portal.catalog import counter, fees, methods, registry, requester
from portal.catalog.fieldtypes.base import Problem
from portal.catalog.fieldtypes.household import HouseholdMembersType, otherwise
from portal.catalog.model import Catalog, FieldDef, ProcedureDefinition, ShowIf
from portal.catalog.rules import KINDS
from portal.modelkeys import input_keys, keys_at
from portal.yamlsource import DefinitionError, Path_, Source, content_hash, format_path, parse, read_source, unknown_key

_SLUG = re.compile(r"[a-z0-9_-]+")
_DERIVED_KEYS = ("slug", "version")  # taken from the file, never written in it
_NOT_WRITTEN = {*_DERIVED_KEYS, "settings"}  # a field's settings are written inline
_PYDANTIC_PREFIX = re.compile(r"^(Value error|Assertion failed), ")


def load_definition(
    path: Path,
    *,
    display_name: str | None = None,
    workflows: Collection[str] | None = None,
    certificates: Collection[str] | None = None,
) -> ProcedureDefinition:
    """Load one definition file; ``workflows``/``certificates``, when given, are the names that exist."""
    return parse_definition(
        read_source(path),
        path.stem,
        display_name or f"{path.parent.name}/{path.name}",
        workflows=workflows,
        certificates=certificates,
    )


def parse_definition(
    text: str,
    slug: str,
    file: str,
    *,
    workflows: Collection[str] | None = None,
    certificates: Collection[str] | None = None,
) -> ProcedureDefinition:
    """A definition from its YAML ``text`` (a file's or a published version's); errors name ``file``."""
    source = parse(text, Path(file))
    source.check_translatable()
    if not _SLUG.fullmatch(slug):
        raise source.error((), f"the file name {slug!r} must use only a-z, 0-9, '_' and '-'")
    if not isinstance(source.data, dict):
        raise source.error((), "a procedure definition must be a mapping of keys")
    for key in _DERIVED_KEYS:
        if key in source.data:
            raise source.error((key,), f"unknown key {key!r} (it is derived from the file)")
    data = {**source.data, "slug": slug, "version": content_hash(text)}
    try:
        definition = ProcedureDefinition.model_validate(data)
    except ValidationError as exc:
        raise _definition_error(source, exc) from None
    problems = [
        *fees.problems(definition),
        *methods.problems(definition),
        *counter.problems(definition),
        *requester.problems(definition),
    ]
    inserted = requester.position(definition) if not problems else None
    if not problems:
        definition = requester.with_page(definition)
    if not problems and (generated := methods.page(definition)) is not None:
        definition = definition.model_copy(update={"pages": (*definition.pages, generated)})
    problems += [
        (requester.written_path(path, inserted), message)
        for path, message in [
            *_cross_field_problems(definition),
            *_rule_problems(definition),
            *_reference_problems(definition, workflows, certificates),
            *_certified_persons_problems(definition),
        ]
    ]
    if problems:
        raise _combined(source, problems)
    return definition


def load_catalog(
    directory: Path,
    *,
    workflows: Collection[str] | None = None,
    certificates: Collection[str] | None = None,
) -> Catalog:
    """Every ``*.yaml`` in ``directory``; the first broken file stops the load."""
    return Catalog(
        {
            path.stem: load_definition(path, workflows=workflows, certificates=certificates)
            for path in sorted(directory.glob("*.yaml"))
        }
    )


def yaml_path(loc: tuple[int | str, ...]) -> Path_:
    """Pydantic's loc → the path in the YAML: a field's type-specific keys sit inline, not under settings, a
    rule's keys directly in the rule, not under its kind, and the kind of fee pydantic names is not written."""
    path: list[str | int] = []
    for index, part in enumerate(loc):
        grandparent = loc[index - 2] if index >= 2 else None
        if (grandparent == "fields" and part == "settings") or grandparent == "rules":  # rules[i].<kind>
            continue
        if part in fees.TAGS and loc[:index] == ("fee",):
            continue
        path.append(part)
    return tuple(path)


def pydantic_problem(source: Source, error: Any, root: type[BaseModel] = ProcedureDefinition) -> Problem:
    """One error pydantic found in a document whose model is ``root`` (a definition, or a workflow whose
    transitions take fields), as the path in the YAML and a message for the administrator."""
    path = yaml_path(error["loc"])
    if error["type"] == "extra_forbidden":
        return path, _unknown_key(source, error["loc"], root)
    if error["type"] == "missing":
        return path, "this key is required"
    if error["type"] == "union_tag_invalid" and path[:1] == ("rules",):
        return path + ("kind",), unknown_key(str(error["ctx"]["tag"]), list(KINDS), noun="規則の種類")
    if error["type"] == "union_tag_not_found" and path[:1] == ("rules",):
        return path, f"規則の種類を kind に書いてください（{', '.join(KINDS)}）"
    return path, _PYDANTIC_PREFIX.sub("", error["msg"])


def _definition_error(source: Source, exc: ValidationError) -> DefinitionError:
    errors = exc.errors()
    # pydantic also calls a list "too short" when its only items were invalid; the items' errors suffice.
    inner = {e["loc"][:n] for e in errors for n in range(len(e["loc"]))}
    kept = [e for e in errors if not (e["type"] == "too_short" and e["loc"] in inner)]
    return _combined(source, [pydantic_problem(source, e) for e in kept])


def _unknown_key(source: Source, loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    """Suggest the key meant; a field lists its common keys plus its type's settings, a rule its kind's keys."""
    *place, key = loc
    if place[:1] == ["rules"] and len(place) >= 3:
        kind = str(place[2])
        return unknown_key(str(key), keys_at(KINDS[kind], place[3:]) or [], f"この規則（{kind}）")
    if place[-1:] == ["settings"]:
        field = _data_at(source.data, yaml_path(tuple(place[:-1])))
        type_name = field.get("type") if isinstance(field, dict) else None
        settings = input_keys(registry.get(type_name).settings_model) if type_name in registry.field_types() else []
        known = [k for k in input_keys(FieldDef) if k not in _NOT_WRITTEN] + settings
        return unknown_key(str(key), known, f"この型（{type_name}）")
    if place[-1:] and (fee_kind := fees.TAGS.get(str(place[-1]))) is not None:
        return unknown_key(str(key), input_keys(fee_kind))
    known = [k for k in keys_at(root, place) or [] if k not in _NOT_WRITTEN]
    return unknown_key(str(key), known)


def _data_at(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def _combined(source: Source, problems: list[Problem]) -> DefinitionError:
    """The first problem is the error; the others follow on their own lines, each with its line."""
    (path, message), *others = problems
    for other_path, other_message in others:
        line = source.line_of(other_path)
        message += f"\n{source.file}:{line}: {format_path(other_path)}: {other_message}"
    return source.error(path, message)


def _located_fields(definition: ProcedureDefinition) -> Iterator[tuple[Path_, FieldDef]]:
    for p, page in enumerate(definition.pages):
        for f, field in enumerate(page.fields):
            yield ("pages", p, "fields", f), field


def _cross_field_problems(definition: ProcedureDefinition) -> Iterator[Problem]:
    page_keys: set[str] = set()
    for p, page in enumerate(definition.pages):
        if page.key in page_keys:
            yield ("pages", p, "key"), f"duplicate page key {page.key!r}"
        page_keys.add(page.key)
    yield from field_problems(_located_fields(definition))
    yield from _otherwise_problems(definition)


def _otherwise_problems(definition: ProcedureDefinition) -> Iterator[Problem]:
    """A group asked in place of a household_members field comes after it on its page: the page that reads the
    household shows one or the other."""
    for p, page in enumerate(definition.pages):
        names = [field.name for field in page.fields]
        for f, field in enumerate(page.fields):
            group = otherwise(field)
            if group is not None and group not in names[f + 1 :] and group in {d.name for d in definition.fields}:
                yield (
                    ("pages", p, "fields", f, "otherwise"),
                    f"{group!r} is not later on this page: a group asked otherwise comes after {field.name!r}",
                )


def field_problems(located: Iterable[tuple[Path_, FieldDef]]) -> Iterator[Problem]:
    """What relates fields asked together (a definition's, or one workflow transition's): duplicate names,
    ``show_if`` naming an earlier field and one of its options, each type's own checks (``fills``…)."""
    located = list(located)
    all_fields = {field.name: field for _, field in located}
    earlier: dict[str, FieldDef] = {}
    for at, field in located:
        if field.name in earlier:
            yield at + ("name",), f"duplicate field name {field.name!r}"
        if field.show_if is not None:
            yield from _show_if_problems(at + ("show_if",), field.show_if, earlier, all_fields)
        for relative, message in field.field_type.check(field, all_fields):
            yield at + relative, message
        earlier[field.name] = field


def _show_if_problems(
    at: Path_, show_if: ShowIf, earlier: dict[str, FieldDef], all_fields: dict[str, FieldDef]
) -> Iterator[Problem]:
    target = earlier.get(show_if.field)
    if target is None:
        where = "defined later" if show_if.field in all_fields else "not defined"
        yield at + ("field",), f"{show_if.field!r} is {where}: show_if must name an earlier field"
        return
    for key, message in show_if.value_problems(target):
        yield at + key, message


def _rule_problems(definition: ProcedureDefinition) -> Iterator[tuple[Path_, str]]:
    """Rules name fields of any page; each must exist and be of a type the rule can read."""
    fields = {field.name: field for field in definition.fields}
    for index, rule in enumerate(definition.rules):
        for relative, message in rule.problems(fields):
            yield ("rules", index, *relative), message


def _reference_problems(
    definition: ProcedureDefinition,
    workflows: Collection[str] | None,
    certificates: Collection[str] | None,
) -> Iterator[Problem]:
    if workflows is not None and definition.workflow not in workflows:
        yield ("workflow",), f"unknown workflow {definition.workflow!r}; known: {', '.join(sorted(workflows))}"
    if certificates is not None and definition.certificate is not None and definition.certificate not in certificates:
        known = ", ".join(sorted(certificates))
        yield ("certificate",), f"unknown certificate template {definition.certificate!r}; known: {known}"


def _certified_persons_problems(definition: ProcedureDefinition) -> Iterator[Problem]:
    """``certified_persons`` names a household_members field of a procedure that issues a certificate."""
    name = definition.certified_persons
    if name is None:
        return
    if definition.certificate is None:
        yield ("certified_persons",), "certified_persons is printed by a certificate: name one in certificate"
    fields = {field.name: field for field in definition.fields}
    field = fields.get(name)
    if field is None or not isinstance(field.field_type, HouseholdMembersType):
        candidates = ", ".join(n for n, f in fields.items() if isinstance(f.field_type, HouseholdMembersType))
        what = f"a {field.type} field" if field is not None else "not a field"
        yield (
            ("certified_persons",),
            f"{name!r} is {what}: certified_persons names a household_members field (here: {candidates or 'none'})",
        )
