"""Every shipped catalog (English always, each other language of portal/languages.py once its catalog is in
translations/) is complete for every string Babel extracts, and ``scripts/translations check`` enforces it in CI.

The extraction runs through the real script and babel.cfg, so a source that stops being extracted (a
YAML directory, the N_ keyword, a template folder) fails here as surely as a missing translation. Other languages'
catalogs are their translators'; the tests here make small ones in a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "translations"
TRANSLATIONS = ROOT / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def script(*args: str, translations: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"TRANSLATIONS_DIR": str(translations)} if translations else {})}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False)


def read(path: Path) -> Catalog:
    with path.open("rb") as fileobj:
        return read_po(fileobj)


def write(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as fileobj:
        write_po(fileobj, catalog, width=None)


def _english_only(tmp_path: Path) -> Path:
    """translations/ as if English alone shipped: the other catalogs are their translators' (complete or not), and
    each test here makes the ones it needs."""
    shutil.copytree(TRANSLATIONS / "en", tmp_path / "en", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path


@pytest.fixture(scope="module")
def extracted_pot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    result = script("extract", str(pot))
    assert result.returncode == 0, result.stderr
    return pot


@pytest.fixture(scope="module")
def extracted(extracted_pot: Path) -> Catalog:
    return read(extracted_pot)


@pytest.fixture(scope="module", autouse=True)
def _extract_once(extracted_pot: Path) -> Iterator[None]:
    """Every later run of the script here reuses the module's extraction (TRANSLATIONS_POT): the sources do not
    change during the tests, and each extraction takes seconds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRANSLATIONS_POT", str(extracted_pot))
        yield


def test_extraction_covers_python_core_templates_and_yaml_but_not_japanese_only_documents(
    extracted: Catalog,
) -> None:
    files = {path for message in extracted for path, _ in message.locations}
    expected = {
        "住民票の写しの交付請求": "forms_catalog/juminhyo.yaml",  # a procedure title
        "本人のみ": "forms_catalog/juminhyo.yaml",  # an option label
        "ソファ": "forms_catalog/sodai_gomi.yaml",  # an item label
        "差戻し中": "workflows/juminhyo.yaml",  # a state label
        "却下すると元に戻せません。よろしいですか？": "workflows/juminhyo.yaml",  # a confirmation
        "%(label)sは数字で入力してください": "portal/catalog/fieldtypes/number.py",  # core N_
        "ログインしました。": "portal/web/auth/views.py",  # flask_babel gettext as _
        "本文へスキップ": "portal/templates/base.html",  # Jinja _()
        "ログイン中：%(name)s": "portal/templates/base.html",  # Jinja _() with a keyword
        "審査中": "workflows/juminhyo.yaml",  # a state's resident_label
        "方書（アパート名・部屋番号）まで入力してください。": "forms_catalog/juminhyo.yaml",  # a field's help
        "開発用ログイン": "portal/devidp/templates/authorize.html",  # the development provider follows ui_locales
    }
    for msgid, path in expected.items():
        message = extracted.get(msgid)
        assert message is not None, msgid
        assert path in {location for location, _ in message.locations}, (msgid, message.locations)
    assert not [f for f in files if f.startswith(("portal/devpay/templates/", "certificate_templates/"))]
    assert "juminhyo" not in extracted and "start_review" not in extracted  # keys, not text


def test_check_passes_on_the_committed_catalog() -> None:
    result = script("check")
    assert result.returncode == 0, result.stderr


def test_check_lists_missing_untranslated_fuzzy_and_misformatted_translations(tmp_path: Path) -> None:
    _english_only(tmp_path)
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    catalog = read(po)
    catalog.delete("本文へスキップ")
    catalog["ログアウト"].string = ""
    catalog["ログインしました。"].flags.add("fuzzy")
    catalog["ログイン中：%(name)s"].string = "Logged in as %(user)s"
    catalog["申請する"].string = "Submit 100% now"
    write(po, catalog)

    result = script("check", translations=tmp_path)

    assert result.returncode == 1
    *problems, summary = result.stderr.splitlines()
    assert sorted(problems) == [
        "en: fuzzy: 'ログインしました。'",
        "en: missing: '本文へスキップ'",
        "en: placeholders differ: 'ログイン中：%(name)s'",
        "en: stray %: '申請する'",
        "en: untranslated: 'ログアウト'",
    ]
    assert summary == "5 problem(s): run scripts/translations update, then translate."


def test_check_needs_every_plural_form(tmp_path: Path) -> None:
    _english_only(tmp_path)
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    catalog = read(po)
    catalog["%(num)d日"].string = ("%(num)d day", "")
    write(po, catalog)

    result = script("check", translations=tmp_path)

    assert result.returncode == 1
    assert "en: untranslated: ('%(num)d日', '%(num)d日')" in result.stderr


def test_check_fails_when_a_locale_has_no_catalog(tmp_path: Path) -> None:
    result = script("check", translations=tmp_path)
    assert result.returncode == 1
    assert f"en: {tmp_path}/en/LC_MESSAGES/messages.po is missing" in result.stderr


def test_update_creates_a_missing_locale_and_keeps_existing_translations(tmp_path: Path) -> None:
    assert script("update", translations=tmp_path).returncode == 0
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    catalog = read(po)
    assert "住民票の写しの交付請求" in catalog and not catalog["住民票の写しの交付請求"].string
    catalog["住民票の写しの交付請求"].string = "Resident record copy"
    write(po, catalog)

    assert script("update", translations=tmp_path).returncode == 0
    assert read(po)["住民票の写しの交付請求"].string == "Resident record copy"


def test_compile_writes_the_english_mo(tmp_path: Path) -> None:
    _english_only(tmp_path)
    assert script("compile", translations=tmp_path).returncode == 0
    with (tmp_path / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as fileobj:
        compiled = read_mo(fileobj)
    assert compiled["※必須"].string == "Required"


def test_unknown_command_prints_usage() -> None:
    result = script("translate")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "extract [POT] | init LANGUAGE | update | compile | check" in result.stderr


def _translated_as(tmp_path: Path, catalog: str, drop: tuple[str, ...] = ()) -> Path:
    """A catalog ``catalog`` with English's texts for every msgid but ``drop`` (stand-ins for a translator's)."""
    assert script("init", catalog, translations=tmp_path).returncode == 0
    po = tmp_path / catalog / "LC_MESSAGES" / "messages.po"
    english, made = read(tmp_path / "en" / "LC_MESSAGES" / "messages.po"), read(po)
    for message in made:
        if message.id and message.id not in drop:
            message.string = english[message.id].string
    write(po, made)
    return po


def test_every_shipped_language_must_be_complete_down_to_each_procedures_texts(tmp_path: Path) -> None:
    _english_only(tmp_path)
    _translated_as(tmp_path, "ko", drop=("本人のみ", "審査中", "方書（アパート名・部屋番号）まで入力してください。"))
    _translated_as(tmp_path, "vi")

    result = script("check", translations=tmp_path)

    assert result.returncode == 1
    *problems, summary = result.stderr.splitlines()
    assert sorted(problems) == [
        "ko: untranslated: '審査中'",  # a workflow's resident_label
        "ko: untranslated: '方書（アパート名・部屋番号）まで入力してください。'",  # a field's help
        "ko: untranslated: '本人のみ'",  # an option of juminhyo
    ]
    assert summary == "3 problem(s): run scripts/translations update, then translate."


def test_a_language_is_checked_only_once_its_catalog_ships(tmp_path: Path) -> None:
    _english_only(tmp_path)  # the other languages' translators add their catalogs
    assert script("check", translations=tmp_path).returncode == 0
    assert script("init", "ne", translations=tmp_path).returncode == 0  # a catalog with nothing translated yet
    result = script("check", translations=tmp_path)
    assert result.returncode == 1 and "ne: untranslated: '本文へスキップ'" in result.stderr


def test_a_catalog_of_no_declared_language_is_refused(tmp_path: Path) -> None:
    """The issue's "tl" is the catalog fil: one under another name would never be offered."""
    _english_only(tmp_path)
    shutil.copytree(tmp_path / "en", tmp_path / "tl")

    result = script("check", translations=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("tl: no language of portal/languages.py has this catalog (they are en, fil, ")


@pytest.mark.parametrize(("asked", "catalog", "plurals"), [
    ("ja-x-easy", "ja_x_easy", "ja"),  # Babel cannot parse ja_x_easy: Japanese's rules
    ("zh-Hans", "zh_Hans", "zh_Hans"),
    ("PT-br", "pt_BR", "pt_BR"),
    ("fil", "fil", "fil"),
])  # fmt: skip
def test_init_starts_a_declared_languages_catalog_with_its_plural_rules(
    tmp_path: Path, asked: str, catalog: str, plurals: str
) -> None:
    _english_only(tmp_path)
    assert script("init", asked, translations=tmp_path).returncode == 0
    made = read(tmp_path / catalog / "LC_MESSAGES" / "messages.po")
    assert made.plural_forms == Catalog(locale=plurals).plural_forms
    assert "住民票の写しの交付請求" in made and not made["住民票の写しの交付請求"].string

    again = script("init", asked, translations=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr


def test_init_refuses_a_language_the_portal_does_not_declare(tmp_path: Path) -> None:
    result = script("init", "tl", translations=tmp_path)
    assert result.returncode == 2 and "tl is no language of portal/languages.py" in result.stderr
    assert not list(tmp_path.iterdir())


def test_update_and_compile_handle_every_shipped_catalog_and_create_no_other(tmp_path: Path) -> None:
    _english_only(tmp_path)
    po = _translated_as(tmp_path, "ja_x_easy")
    easy = read(po)
    easy["本文へスキップ"].string = "ほんぶんへ すすむ"
    easy.delete("ログアウト")  # as if the string were new since the translator's last update
    write(po, easy)

    assert script("update", translations=tmp_path).returncode == 0
    updated = read(po)
    assert updated["本文へスキップ"].string == "ほんぶんへ すすむ" and "ログアウト" in updated
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_dir()) == ["en", "ja_x_easy"]

    assert script("compile", translations=tmp_path).returncode == 0  # pybabel compile -d cannot parse ja_x_easy
    with (tmp_path / "ja_x_easy" / "LC_MESSAGES" / "messages.mo").open("rb") as fileobj:
        assert read_mo(fileobj)["本文へスキップ"].string == "ほんぶんへ すすむ"


def test_a_catalog_marked_fuzzy_as_a_whole_is_refused(tmp_path: Path) -> None:
    """compile skips such a catalog entirely: its language would show Japanese everywhere."""
    _english_only(tmp_path)
    po = _translated_as(tmp_path, "vi")
    catalog = read(po)
    catalog.fuzzy = True
    write(po, catalog)

    result = script("check", translations=tmp_path)

    assert result.returncode == 1
    assert "vi: the catalog's header is marked fuzzy: compile would skip the whole catalog" in result.stderr
