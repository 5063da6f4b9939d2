"""The development provider's pages follow the ``ui_locales`` of the request (OpenID Connect Core §3.1.2.1 for the
login page, RP-Initiated Logout §2 for logout), among the languages whose catalogs ship, else Japanese."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.devidp.conftest import served
from tests.devidp.flows import Login, start_login
from tests.devidp.test_end_session import end_session


def page_language(page: str) -> str:
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.fixture(scope="module")
def english_idp(english_translations: Path) -> Iterator[str]:
    """A provider whose one catalog is English's, whichever other catalogs the repository ships."""
    yield from served(english_translations)


@pytest.fixture(scope="module")
def polyglot_idp(sample_translations: Path) -> Iterator[str]:
    """A provider with a catalog of every language (tests/sample_translations.py)."""
    yield from served(sample_translations)


def login_page(idp_url: str, ui_locales: str | None) -> str:
    login = start_login(idp_url, "resident", **({"ui_locales": ui_locales} if ui_locales else {}))
    page = requests.get(login.authorization_url, timeout=5)
    assert page.status_code == 200
    assert '<strong lang="ja">山田　太郎</strong>' in page.text  # the demo users' names stay as they are
    return page.text


@pytest.mark.parametrize(
    ("ui_locales", "language", "heading"),
    [
        (None, "ja", "開発用ログイン"),
        ("en", "en", "Development login"),
        ("en-GB ja", "en", "Development login"),  # most preferred first
        ("fr zh-CN en", "en", "Development login"),  # 简体中文's catalog is not shipped here: the next one
        ("ja-x-easy", "ja", "開発用ログイン"),  # nor やさしい日本語's
        ("fr", "ja", "開発用ログイン"),
    ],
)
def test_the_login_page_follows_ui_locales(
    english_idp: str, ui_locales: str | None, language: str, heading: str
) -> None:
    page = login_page(english_idp, ui_locales)
    assert page_language(page) == language and f"<h1>{heading}</h1>" in page


@pytest.mark.parametrize(
    ("ui_locales", "language"),
    [
        ("fr zh-CN en", "zh-Hans"),  # once 简体中文's catalog ships
        ("zh-TW en", "en"),  # Traditional Chinese is another script
        ("ja-x-easy", "ja-x-easy"),
        ("ja", "ja"),  # never やさしい日本語 unless asked by its code
        ("tl", "fil"),
    ],
)
def test_the_login_page_speaks_each_language_whose_catalog_ships(
    polyglot_idp: str, ui_locales: str, language: str
) -> None:
    assert page_language(login_page(polyglot_idp, ui_locales)) == language


def test_the_answer_to_the_login_page_keeps_its_language(begin_login: Callable[..., Login]) -> None:
    refused = begin_login("resident", ui_locales="en").pick("staff-mihon-admin")
    assert refused.status_code == 400
    assert "The chosen user cannot log in to this client." in refused.text and page_language(refused.text) == "en"


def test_the_logout_page_follows_ui_locales(idp_url: str) -> None:
    assert "You have logged out" in end_session(idp_url, ui_locales="en").text
    assert "ログアウトしました" in end_session(idp_url).text
