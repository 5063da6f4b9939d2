"""A copy of the shipped catalog that a test changes and publishes (the ``sources`` and ``catalog`` fixtures of
tests/web/conftest.py), and the changes tests make to it."""

from __future__ import annotations

from pathlib import Path

DIRECTORIES = {
    "CATALOG_DIR": "forms_catalog",
    "WORKFLOWS_DIR": "workflows",
    "CERTIFICATES_DIR": "certificate_templates",
}


def edit(file: Path, old: str, new: str) -> int:
    """Replace ``old`` (once) in ``file``; the 1-based line of the change."""
    content = file.read_text(encoding="utf-8")
    assert content.count(old) == 1, old
    file.write_text(content.replace(old, new), encoding="utf-8")
    return content[: content.index(old)].count("\n") + 1


def change_sodai_gomi(sources: Path) -> None:
    """Version 2 of 粗大ごみ: a relabelled option, a removed one, a renamed field and a renamed state."""
    definition = sources / "forms_catalog/sodai_gomi.yaml"
    edit(definition, "{value: sofa, label: ソファ}", "{value: sofa, label: ソファー}")
    edit(definition, "          - {value: bicycle, label: 自転車}\n", "")
    edit(definition, " bicycle: 500,", "")  # its price goes with it
    edit(definition, "      - name: phone\n        type: phone\n        label: 日中連絡先", "      - name: daytime_phone\n        type: phone\n        label: 連絡先電話番号")  # fmt: skip
    workflow = sources / "workflows/sodai_gomi.yaml"
    content = workflow.read_text(encoding="utf-8")
    content = content.replace("initial: received", "initial: accepted")
    content = content.replace("  received: {label: 受付}", "  accepted: {label: 受付済み}")
    workflow.write_text(content.replace("from: [received]", "from: [accepted]"), encoding="utf-8")
