"""``flask catalog check``: every problem of a catalog as ``file:line: message``, exit 1 on errors only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from portal import create_app
from portal.config import ROOT, load_settings
from portal.languages import LANGUAGES

DIRECTORIES = {
    "CATALOG_DIR": "forms_catalog",
    "WORKFLOWS_DIR": "workflows",
    "CERTIFICATES_DIR": "certificate_templates",
}


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A copy of the shipped catalog that a test may break."""
    for directory in DIRECTORIES.values():
        shutil.copytree(ROOT / directory, tmp_path / directory)
    return tmp_path


def check(root: Path, translations: Path | None = None) -> Result:
    """The check of the catalog under ``root``, against the catalogs in ``translations`` (default translations/)."""
    env = {
        "MADOGUCHI_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{root / 'unused.db'}",
        "SESSION_DIR": str(root / "sessions"),
        **{variable: str(root / directory) for variable, directory in DIRECTORIES.items()},
    }
    overrides = {"BABEL_TRANSLATION_DIRECTORIES": str(translations)} if translations else None
    return create_app(load_settings(env), overrides).test_cli_runner().invoke(args=["catalog", "check"])


def replace(file: Path, old: str, new: str) -> int:
    """Edit ``file`` and return the (1-based) line of the change."""
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_the_shipped_catalog_passes(catalog: Path) -> None:
    result = check(catalog)
    assert result.exit_code == 0, result.output
    assert result.output == "catalog check: 0 error(s), 0 warning(s)\n"


def test_a_template_printing_an_undefined_variable(catalog: Path) -> None:
    line = replace(catalog / "certificate_templates/juminhyo.html", "{{ issue_number }}", "{{ issue_numbr }}")
    result = check(catalog)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"certificate_templates/juminhyo.html:{line}: rendering a 個人票 sample: UndefinedError: 'issue_numbr' is undefined",
        "catalog check: 1 error(s), 0 warning(s)",
    ]


def test_a_certified_persons_template_is_rendered_with_persons_of_the_record(catalog: Path) -> None:
    """tenshutsu declares certified_persons: its template gets record's persons, a foreign resident's too."""
    template = catalog / "certificate_templates/tenshutsu.html"
    line = replace(template, "{{ foreign_rows(person.foreign) }}", "{{ person.foreign.nationalty }}")
    result = check(catalog)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"certificate_templates/tenshutsu.html:{line}: rendering a foreign resident's sample with every answer: "
        "UndefinedError: 'dict object' has no attribute 'nationalty'",
        "catalog check: 1 error(s), 0 warning(s)",
    ]


def test_a_template_is_printed_with_the_procedures_answers_and_its_staff_fields(catalog: Path) -> None:
    """罹災証明書 prints what staff decided in the workflow's 判定 (inputs) and the application's answers: a
    misspelt staff field is found with every question answered and every staff field filled."""
    template = catalog / "certificate_templates/risai_shomei.html"
    replace(template, "marks(levels, decision.damage_level)", "marks(levels, decision.damage_levl)")
    # Jinja fails where the missing value is first used: in the macro marking the chosen level.
    line = next(n for n, text in enumerate(template.read_text().splitlines(), 1) if "value == chosen" in text)
    result = check(catalog)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"certificate_templates/risai_shomei.html:{line}: rendering the sample with every answer: "
        "UndefinedError: 'dict object' has no attribute 'damage_levl'",
        "catalog check: 1 error(s), 0 warning(s)",
    ]


def test_an_optional_answer_printed_without_a_guard_is_an_error(catalog: Path) -> None:
    """災害の名称 is optional: a template printing it unguarded fails on a case that left it out."""
    template = catalog / "certificate_templates/risai_shomei.html"
    line = replace(template, 'answers.get("disaster_name")', "answers.disaster_name")
    result = check(catalog)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"certificate_templates/risai_shomei.html:{line}: rendering the sample with the required answers only: "
        "UndefinedError: 'dict object' has no attribute 'disaster_name'",
        "catalog check: 1 error(s), 0 warning(s)",
    ]


def test_a_template_syntax_error(catalog: Path) -> None:
    line = replace(catalog / "certificate_templates/_base.html", "{{ issue_number }}", "{{ issue_number }")
    result = check(catalog)
    assert result.exit_code == 1
    assert f"certificate_templates/_base.html:{line}: template syntax:" in result.output


def test_every_broken_file_is_reported_at_once(catalog: Path) -> None:
    """A workflow naming a missing state, a definition naming a missing template, a YAML syntax error."""
    state = replace(catalog / "workflows/sodai_gomi.yaml", "    to: completed\n", "    to: complted\n")
    template = replace(catalog / "forms_catalog/juminhyo.yaml", "certificate: juminhyo", "certificate: jumin")
    (catalog / "forms_catalog/broken.yaml").write_text("title: 壊れた手続\nworkflow:juminhyo\npages: []\n")
    result = check(catalog)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"workflows/sodai_gomi.yaml:{state}: ")
    assert "complted" in lines[0]
    assert any(line.startswith("forms_catalog/broken.yaml:2: ") for line in lines)
    assert f"forms_catalog/juminhyo.yaml:{template}: certificate: unknown certificate template 'jumin'" in lines[-2]
    assert lines[-1] == "catalog check: 3 error(s), 0 warning(s)"


def test_online_payment_on_a_workflow_that_never_waits_for_it_is_an_error(catalog: Path) -> None:
    replace(catalog / "workflows/juminhyo.yaml", "requires: [record_match, paid]", "requires: [record_match]")
    replace(catalog / "workflows/juminhyo.yaml", "clock: paused_until_paid", "clock: running")  # nothing to wait for
    line = replace(catalog / "forms_catalog/juminhyo.yaml", "payment_methods: [", "payment_methods: [")
    result = check(catalog)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"forms_catalog/juminhyo.yaml:{line}: payment_methods offers online, but workflow 'juminhyo' never waits "
        "for the payment: give the transition that must wait for it (交付) requires: [paid]",
        "catalog check: 1 error(s), 0 warning(s)",
    ]


def test_requests_for_someone_else_on_a_workflow_where_nobody_checks_them_are_an_error(catalog: Path) -> None:
    replace(catalog / "workflows/juminhyo.yaml", "    checks_requester: true  #", "    #")
    line = replace(catalog / "forms_catalog/juminhyo.yaml", "requester:\n", "requester:\n")
    result = check(catalog)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"forms_catalog/juminhyo.yaml:{line}: requester lets residents request for someone else, but no transition "
        "of workflow 'juminhyo' checks the requester: give the decision where staff check the 委任状 "
        "checks_requester: true",
        "catalog check: 1 error(s), 0 warning(s)",
    ]


def test_a_label_without_english_is_a_warning(catalog: Path, english_translations: Path) -> None:
    line = replace(catalog / "workflows/sodai_gomi.yaml", "label: 受付を完了する", "label: 受付を完了にする")
    result = check(catalog, english_translations)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"workflows/sodai_gomi.yaml:{line}: warning: no en translation of '受付を完了にする'",
        "catalog check: 0 error(s), 1 warning(s)",
    ]


def test_a_label_is_checked_in_every_language_the_portal_speaks(catalog: Path, sample_translations: Path) -> None:
    """The languages of the app's own catalogs (BABEL_TRANSLATION_DIRECTORIES): here every language ships."""
    line = replace(catalog / "workflows/sodai_gomi.yaml", "label: 受付を完了する", "label: 受付を完了にする")
    result = check(catalog, sample_translations)
    assert result.exit_code == 0, result.output
    warned = [problem for problem in result.output.splitlines() if problem.endswith("'受付を完了にする'")]
    assert warned == [
        f"workflows/sodai_gomi.yaml:{line}: warning: no {language.code} translation of '受付を完了にする'"
        for language in LANGUAGES
        if language.catalog is not None
    ]


def test_the_flask_command_lists_the_problems(catalog: Path, tmp_path: Path) -> None:
    """``flask --app wsgi catalog check`` as authors run it, in its own process."""
    line = replace(catalog / "forms_catalog/juminhyo.yaml", "certificate: juminhyo", "certificate: jumin")
    env = {
        **os.environ,
        "MADOGUCHI_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
        "SESSION_DIR": str(tmp_path / "sessions"),
        **{variable: str(catalog / directory) for variable, directory in DIRECTORIES.items()},
    }
    flask = Path(sys.executable).with_name("flask")
    checked = subprocess.run(
        [flask, "--app", "wsgi", "catalog", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 1
    assert f"forms_catalog/juminhyo.yaml:{line}: certificate: unknown certificate template 'jumin'" in checked.stdout


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "5 years",
            "'5 years' は保存期間として読めません。5y（年）、18m（月）、30d（日）のような、数と単位 y・m・d で書いてください",
        ),
        ("0y", "保存期間は1日から100年までにしてください（'0y'）"),
        ("101y", "保存期間は1日から100年までにしてください（'101y'）"),
        (
            "5",
            "5 は保存期間として読めません。5y（年）、18m（月）、30d（日）のような、数と単位 y・m・d で書いてください",
        ),
    ],
)
def test_a_malformed_retention_is_refused_with_its_line(catalog: Path, written: str, message: str) -> None:
    line = replace(catalog / "forms_catalog/sodai_gomi.yaml", "retention: 1y", f"retention: {written}")
    result = check(catalog)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"forms_catalog/sodai_gomi.yaml:{line}: retention: {message}",
        "catalog check: 1 error(s), 0 warning(s)",
    ]
