"""Which language a tag asks for (portal.languages), and which languages a translations directory ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.languages import EASY_JAPANESE, ENGLISH, JAPANESE, LANGUAGES, by_code, negotiate, shipped


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        (["ja-x-easy"], "ja-x-easy"),
        (["JA_X_EASY"], "ja-x-easy"),
        (["ja"], "ja"),
        (["ja-JP"], "ja"),
        (["zh-Hant", "pt"], "pt-BR"),
        (["tl"], "fil"),
        (["", None, "en"], "en"),
        (["*", "x-private", "123", "en-"], None),
    ],
)
def test_negotiate_takes_the_first_tag_that_names_an_offered_language(tags: list[str | None], code: str | None) -> None:
    found = negotiate(tags, LANGUAGES)
    assert (found.code if found else None) == code


def test_easy_japanese_is_never_negotiated_from_a_language_alone() -> None:
    assert negotiate(["ja"], (EASY_JAPANESE, ENGLISH)) is None
    assert by_code("ja", (EASY_JAPANESE,)) is None and by_code("ja-x-easy", (EASY_JAPANESE,)) is EASY_JAPANESE


def test_a_language_not_offered_is_never_chosen() -> None:
    assert by_code("ko", (JAPANESE, ENGLISH)) is None
    assert negotiate(["ko", "en"], (JAPANESE, ENGLISH)) is ENGLISH


def test_every_language_has_a_code_babel_formats_and_a_catalog_of_its_own() -> None:
    assert len({language.code for language in LANGUAGES}) == len({language.catalog for language in LANGUAGES}) == 9
    assert [language for language in LANGUAGES if language.catalog is None] == [JAPANESE]


def test_shipped_is_japanese_and_each_language_whose_catalog_is_there(tmp_path: Path) -> None:
    assert shipped(tmp_path) == (JAPANESE,)
    for catalog in ("ko", "en", "ja_x_easy"):
        (tmp_path / catalog / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / catalog / "LC_MESSAGES" / "messages.po").touch()
    (tmp_path / "tl" / "LC_MESSAGES").mkdir(parents=True)  # no language of the portal's
    assert [language.code for language in shipped(tmp_path)] == ["ja", "ja-x-easy", "en", "ko"]
