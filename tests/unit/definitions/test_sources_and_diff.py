"""The catalog's sources as publishable text, their parses, and what changes between two versions (no app)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from portal.certificates import TemplateSource
from portal.config import ROOT
from portal.definitions import Kind, ParsedVersions, SourceDirs, diff, parse, read_sources
from portal.yamlsource import DefinitionError


@pytest.fixture
def dirs(tmp_path: Path) -> SourceDirs:
    for name in ("forms_catalog", "workflows", "certificate_templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return SourceDirs(tmp_path / "forms_catalog", tmp_path / "workflows", tmp_path / "certificate_templates")


def test_a_yaml_source_hashes_as_its_file_with_line_endings_kept(dirs: SourceDirs) -> None:
    file = dirs.catalog / "sodai_gomi.yaml"
    file.write_bytes(file.read_bytes().replace(b"\n", b"\r\n"))
    source = read_sources(dirs)[Kind.DEFINITION, "sodai_gomi"]
    assert source.hash == hashlib.sha256(file.read_bytes()).hexdigest()
    assert source.file == "forms_catalog/sodai_gomi.yaml"


def test_a_certificate_source_carries_the_shared_layouts_and_changes_with_them(dirs: SourceDirs) -> None:
    before = read_sources(dirs)[Kind.CERTIFICATE, "juminhyo"]
    assert set(TemplateSource.from_content("juminhyo", before.content).files) == {
        "_base.html",
        "_juminhyo_entry.html",
        "juminhyo.html",
    }
    base = dirs.certificates / "_base.html"
    base.write_text(base.read_text(encoding="utf-8") + "<!-- 追記 -->\n", encoding="utf-8")
    after = read_sources(dirs)[Kind.CERTIFICATE, "juminhyo"]
    assert after.hash != before.hash
    changes = diff(
        parse(Kind.CERTIFICATE, "juminhyo", before.content), parse(Kind.CERTIFICATE, "juminhyo", after.content)
    )
    assert [str(c) for c in changes] == ["~ file _base.html: +1 -0 lines"]


def test_a_whole_source_added_or_withdrawn_is_one_line(dirs: SourceDirs) -> None:
    source = read_sources(dirs)[Kind.WORKFLOW, "sodai_gomi"]
    workflow = parse(Kind.WORKFLOW, "sodai_gomi", source.content)
    whole = "workflow: 「粗大ごみ収集の申込み」 (1 input, 4 states, 3 transitions)"
    assert [str(c) for c in diff(None, workflow)] == [f"+ {whole}"]
    assert [str(c) for c in diff(workflow, None)] == [f"- {whole}"]


def test_unchanged_versions_have_no_diff(dirs: SourceDirs) -> None:
    for (kind, name), source in read_sources(dirs).items():
        assert diff(parse(kind, name, source.content), parse(kind, name, source.content)) == []


def test_a_state_label_and_a_transitions_roles_show_old_and_new(dirs: SourceDirs) -> None:
    source = read_sources(dirs)[Kind.WORKFLOW, "sodai_gomi"].content
    changed = source.replace("completed: {label: 完了, final: true,", "completed: {label: 収集済み, final: true,")
    changed = changed.replace(
        "    roles: [clerk]\n    comment: optional", "    roles: [clerk, approver]\n    comment: optional"
    )
    changes = diff(parse(Kind.WORKFLOW, "sodai_gomi", source), parse(Kind.WORKFLOW, "sodai_gomi", changed))
    assert [str(c) for c in changes] == [
        "~ state completed: label 「完了」 → 「収集済み」",
        "~ transition complete: roles ['clerk'] → ['approver', 'clerk']",
    ]


def test_a_transitions_inputs_and_the_numbering_show_old_and_new(dirs: SourceDirs) -> None:
    source = read_sources(dirs)[Kind.WORKFLOW, "sodai_gomi"].content
    changed = source.replace('format: "{year}-{n:05d}"', 'format: "{year}-{n:06d}"')
    changed = changed.replace("        label: 収集日\n", "        label: 収集予定日\n")
    changed = changed.replace(
        "        min: today\n",
        "        min: today\n      - {name: place, type: text, label: 排出場所, required: false}\n",
    )
    changes = diff(parse(Kind.WORKFLOW, "sodai_gomi", source), parse(Kind.WORKFLOW, "sodai_gomi", changed))
    assert [str(c) for c in changes] == [
        "~ workflow: numbering 「sodai_gomi 「収集番号」 {year}-{n:05d}」 → 「sodai_gomi 「収集番号」 {year}-{n:06d}」",
        "~ input complete.collection_date: label 「収集日」 → 「収集予定日」",
        "+ input complete.place: text 「排出場所」",
    ]


def test_rules_and_date_bounds_show_old_and_new(dirs: SourceDirs) -> None:
    source = read_sources(dirs)[Kind.DEFINITION, "sodai_gomi"].content
    changed = source.replace("    max: 10\n", "    max: 8\n").replace("max: +3m", "max: +2m")
    changed += "  - kind: required_if\n    field: notes\n    when: {field: preferred_date, equals: x}\n"
    changes = diff(parse(Kind.DEFINITION, "sodai_gomi", source), parse(Kind.DEFINITION, "sodai_gomi", changed))
    assert [str(c) for c in changes] == [
        "~ field preferred_date: max 「+3m」 → 「+2m」",
        "~ rule 1: max 10 → 8",
        "+ rule 2: required_if",
    ]


def test_a_version_is_parsed_once_and_its_content_read_only_then(dirs: SourceDirs) -> None:
    source = read_sources(dirs)[Kind.DEFINITION, "juminhyo"]
    reads: list[str] = []
    parsed = ParsedVersions()

    def content() -> str:
        reads.append("read")
        return source.content

    first = parsed.definition("juminhyo", source.hash, content)
    assert parsed.definition("juminhyo", source.hash, content) is first
    assert reads == ["read"] and first.version == source.hash


def test_a_broken_version_names_its_file() -> None:
    with pytest.raises(DefinitionError) as raised:
        parse(Kind.DEFINITION, "broken", "title: [", "forms_catalog/broken.yaml")
    assert str(raised.value).startswith("forms_catalog/broken.yaml:1:")
