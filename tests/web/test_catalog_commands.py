"""``flask catalog schema`` and ``flask catalog docs``: what administrators' editors and readers get."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from portal.catalog import registry
from portal.config import ROOT
from portal.definitions.formats import reference

TYPES = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool, "null": type(None)}


def problems(schema: dict[str, Any], value: Any, root: dict[str, Any], at: str = "") -> list[str]:
    """The subset of JSON Schema the generated schemas use (jsonschema is not a dependency)."""
    if "$ref" in schema:
        return problems(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], value, root, at)
    found: list[str] = []
    kind = schema.get("type")
    if kind and not (isinstance(value, TYPES[kind]) and not (kind == "integer" and isinstance(value, bool))):
        return [f"{at}: not {kind}"]
    if "const" in schema and value != schema["const"]:
        found.append(f"{at}: not {schema['const']}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in enum")
    if "anyOf" in schema and all(problems(option, value, root, at) for option in schema["anyOf"]):
        found.append(f"{at}: matches no alternative")
    if "oneOf" in schema and sum(not problems(option, value, root, at) for option in schema["oneOf"]) != 1:
        found.append(f"{at}: matches not exactly one alternative")
    for part in schema.get("allOf", ()):
        if "if" in part and not problems(part["if"], value, root, at):
            found += problems(part["then"], value, root, at)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{at}.{key}: missing" for key in schema.get("required", ()) if key not in value]
        for key, item in value.items():
            if key in properties:
                found += problems(properties[key], item, root, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{at}.{key}: not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += problems(schema["additionalProperties"], item, root, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(schema["items"], item, root, f"{at}[{index}]")
    return found


@pytest.fixture
def schemas(app: Flask, tmp_path: Path) -> dict[str, dict[str, Any]]:
    result = app.test_cli_runner().invoke(args=["catalog", "schema", str(tmp_path / "schemas")])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert files == ["definition.schema.json", "workflow.schema.json"]
    return {
        name: json.loads((tmp_path / "schemas" / f"{name}.schema.json").read_text())
        for name in ("definition", "workflow")
    }


def test_schemas_are_json_schemas_with_the_registered_field_types(schemas: dict[str, dict[str, Any]]) -> None:
    definition = schemas["definition"]
    assert definition["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert definition["additionalProperties"] is False
    assert {"title", "pages", "workflow"} <= set(definition["required"])
    assert "slug" not in definition["properties"] and "version" not in definition["properties"]
    field = definition["$defs"]["FieldDef"]
    assert field["properties"]["type"]["enum"] == sorted(registry.field_types())
    assert len(field["allOf"]) == len(registry.field_types())
    assert "max_length" in definition["$defs"]["field_text"]["properties"]
    assert "options" in definition["$defs"]["field_radio"]["properties"]
    transition = schemas["workflow"]["$defs"]["TransitionSpec"]
    assert {"from", "to", "roles"} <= set(transition["required"])


@pytest.mark.parametrize("kind", ["definition", "workflow"])
def test_shipped_files_validate_against_the_schema(schemas: dict[str, dict[str, Any]], kind: str) -> None:
    directory = ROOT / ("forms_catalog" if kind == "definition" else "workflows")
    for file in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert problems(schemas[kind], data, schemas[kind]) == [], file.name


def test_schema_refuses_a_misspelt_setting(schemas: dict[str, dict[str, Any]]) -> None:
    data = yaml.safe_load((ROOT / "forms_catalog" / "juminhyo.yaml").read_text(encoding="utf-8"))
    data["pages"][0]["fields"][0]["max_lenght"] = 5  # no field type has it
    found = problems(schemas["definition"], data, schemas["definition"])
    assert any(p.endswith(".max_lenght: not allowed") for p in found)


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [("max_lenght", 5, ".max_lenght: not allowed"), ("type", "colour", ".type: 'colour' not in enum")],
)
def test_workflow_schema_types_a_transitions_fields_like_a_definitions(
    schemas: dict[str, dict[str, Any]], key: str, value: Any, says: str
) -> None:
    data = yaml.safe_load((ROOT / "workflows" / "sodai_gomi.yaml").read_text(encoding="utf-8"))
    complete = next(t for t in data["transitions"] if t["name"] == "complete")
    complete["fields"][0][key] = value  # the 収集日, a date
    found = problems(schemas["workflow"], data, schemas["workflow"])
    assert any(p.endswith(f"fields[0]{says}") for p in found), found


def test_schema_checks_each_rule_by_its_kind(schemas: dict[str, dict[str, Any]]) -> None:
    data = yaml.safe_load((ROOT / "forms_catalog" / "sodai_gomi.yaml").read_text(encoding="utf-8"))
    assert data["rules"] and problems(schemas["definition"], data, schemas["definition"]) == []
    for wrong in ({"max_total": 3}, {"kind": "total_maximum"}, {"kind": "date_after"}):
        rule = {**data["rules"][0], **wrong}
        found = problems(schemas["definition"], {**data, "rules": [rule]}, schemas["definition"])
        assert found == [".rules[0]: matches not exactly one alternative"], wrong


def test_docs_command_writes_the_reference(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["catalog", "docs", str(tmp_path / "definitions.md")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "definitions.md").read_text(encoding="utf-8") == reference()


def test_committed_reference_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
    assert committed == reference(), "run: flask --app wsgi catalog docs"


def test_reference_covers_every_field_type_and_the_certificate_context() -> None:
    text = reference()
    for name in registry.field_types():
        assert f"### `{name}`" in text
    for key in (
        "processing_days",
        "show_if",
        "### `kind: required_if`",
        "### `kind: total_min`",
        "`min_days`",
        "comment_visible_to",
        "`from`",
        "issue_number",
        "verify_url",
        "mayor_name",
        "### numbering",
        "assign_number",
        "`fields`",
        "inputs:",
        "answers:",
    ):
        assert key in text
