"""What the catalog pages show, already translated: every source with its current version, and the versions of one
source newest first, each with what changed from the one before (portal.definitions.diff, as ``catalog diff``
prints it) and the sign of each change said in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.catalog import ProcedureDefinition
from portal.definitions import Change, Kind, Parsed, ParsedVersions, Sign, diff
from portal.messages import N_
from portal.models import CatalogVersion
from portal.workflow import WorkflowDefinition

KINDS = {
    Kind.DEFINITION: N_("手続き定義"),
    Kind.WORKFLOW: N_("ワークフロー"),
    Kind.CERTIFICATE: N_("証明書テンプレート"),
}
SIGNS = {Sign.ADDED: N_("追加"), Sign.REMOVED: N_("削除"), Sign.CHANGED: N_("変更")}
# What a change's subject names ("field phone", "option items=sofa", "procedure"): the diff's entity kinds.
PARTS = {
    "procedure": N_("手続き"),
    "page": N_("ページ"),
    "field": N_("項目"),
    "option": N_("選択肢"),
    "workflow": N_("ワークフロー"),
    "state": N_("状態"),
    "transition": N_("遷移"),
    "template": N_("テンプレート"),
    "file": N_("ファイル"),
}


def version_name(number: int) -> str:
    return _("第%(number)d版", number=number)


def source_name(kind: Kind, name: str) -> str:
    """「手続き定義 sodai_gomi」: how pages and the audit log name a source."""
    return f"{_(KINDS[kind])} {name}"


@dataclass(frozen=True)
class SourceRow:
    name: str
    title: str | None  # a definition's or workflow's title; none for templates and withdrawn sources
    latest: CatalogVersion


def source_rows(
    latest: Mapping[tuple[Kind, str], CatalogVersion], parsed: ParsedVersions
) -> list[tuple[Kind, list[SourceRow]]]:
    """Every source ever published with its latest version (a withdrawal included), by kind, then name."""
    return [
        (
            kind,
            [
                SourceRow(name, _title(_parse(parsed, version)), version)
                for (found_kind, name), version in sorted(latest.items())
                if found_kind is kind
            ],
        )
        for kind in Kind
    ]


@dataclass(frozen=True)
class ChangeView:
    sign: Sign
    sign_label: str  # 追加 / 削除 / 変更
    part: str  # 項目, 選択肢, 状態 …
    subject: str  # the field's name, the option's field=value; empty for the source as a whole
    detail: str


@dataclass(frozen=True)
class VersionRow:
    version: CatalogVersion
    changes: list[ChangeView]  # from the version before (for the first: the source as added)
    workflow: str | None = None  # a definition's workflow and certificate template, which have histories too
    certificate: str | None = None


def version_rows(versions: list[CatalogVersion], parsed: ParsedVersions) -> list[VersionRow]:
    """``versions`` of one source, newest first (as publishing.history gives them), with their changes."""
    contents = [_parse(parsed, version) for version in versions]
    rows = []
    for index, (version, this) in enumerate(zip(versions, contents, strict=True)):
        before = contents[index + 1] if index + 1 < len(contents) else None
        rows.append(
            VersionRow(
                version,
                [_change_view(change) for change in diff(before, this)],
                workflow=this.workflow if isinstance(this, ProcedureDefinition) else None,
                certificate=this.certificate if isinstance(this, ProcedureDefinition) else None,
            )
        )
    return rows


def parsed_definition(parsed: ParsedVersions, version: CatalogVersion) -> ProcedureDefinition:
    """The form a (not withdrawn) definition version describes, parsed once per process."""
    assert version.content is not None and version.content_hash is not None
    content = version.content
    return parsed.definition(version.name, version.content_hash, lambda: content)


def _parse(parsed: ParsedVersions, version: CatalogVersion) -> Parsed | None:
    if version.content is None or version.content_hash is None:
        return None  # withdrawn
    content = version.content
    return parsed.get(version.kind, version.name, version.content_hash, lambda: content)


def _title(found: Parsed | None) -> str | None:
    if isinstance(found, ProcedureDefinition | WorkflowDefinition):
        return _(found.title)
    return None


def _change_view(change: Change) -> ChangeView:
    part, _sep, subject = change.subject.partition(" ")
    return ChangeView(
        sign=change.sign,
        sign_label=_(SIGNS[change.sign]),
        part=_(PARTS[part]) if part in PARTS else part,
        subject=subject,
        detail=change.detail,
    )
