"""Japanese by default; English by ?lang=en (remembered) or the browser's preference, on every page.

The English texts asserted here come from translations/en: a YAML procedure title, the language switch,
and a validation error whose message embeds the (also translated) field label.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from portal.japan import jst, wareki
from portal.languages import shipped
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, csrf_token

ROOT = Path(__file__).resolve().parents[2]
CODE = "999997"
PROCEDURE = f"/{CODE}/procedures/juminhyo"
TITLE_JA = "住民票の写しの交付請求"
TITLE_EN = "Request for a copy of the resident record (jūminhyō)"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs() -> None:
    """The .mo files are build products (git-ignored); compile them from the committed .po files."""
    subprocess.run([str(ROOT / "scripts" / "translations"), "compile"], check=True)


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', page)
    assert match, "no <html lang>"
    return match.group(1)


def language_links(page: str) -> dict[str, str]:
    """hreflang → href of the links inside the header's language switch."""
    switch = re.search(r'<nav class="language-switch"[^>]*>(.*?)</nav>', page, re.S)
    assert switch, "no language switch on the page"
    return dict(
        (lang, href.replace("&amp;", "&"))
        for href, lang in re.findall(r'<a href="([^"]+)" lang="[^"]+" hreflang="([^"]+)"', switch.group(1))
    )


def test_japanese_is_the_default(client: FlaskClient) -> None:
    page = client.get(PROCEDURE)
    assert page.status_code == 200
    assert html_lang(page.text) == "ja"
    assert TITLE_JA in page.text and TITLE_EN not in page.text
    assert "手数料" in page.text


def test_lang_en_switches_to_english_and_sticks(client: FlaskClient) -> None:
    page = client.get(PROCEDURE, query_string={"lang": "en"})
    assert html_lang(page.text) == "en"
    assert TITLE_EN in page.text and TITLE_JA not in page.text
    assert "Standard processing time" in page.text and "3 days" in page.text

    # The next page, without ?lang, is still English: the choice lives in the session.
    home = client.get(f"/{CODE}/")
    assert html_lang(home.text) == "en"
    assert TITLE_EN in home.text

    # Until the resident switches back.
    back = client.get(language_links(home.text)["ja"])
    assert html_lang(back.text) == "ja" and TITLE_JA in back.text
    assert html_lang(client.get(PROCEDURE).text) == "ja"


@pytest.mark.parametrize(
    ("path", "status", "english", "japanese_link"),
    [
        ("/", 200, "Choose your local government", "/?lang=ja"),
        (f"/{CODE}/", 200, "View your applications", f"/{CODE}/?lang=ja"),
        (PROCEDURE, 200, TITLE_EN, f"{PROCEDURE}?lang=ja"),
        (f"{PROCEDURE}/apply", 200, ">Next</button>", f"{PROCEDURE}/apply?lang=ja"),
        (f"/{CODE}/applications", 200, "Your applications", f"/{CODE}/applications?lang=ja"),
        # No endpoint matched, so the switch leads to the top page.
        (f"/{CODE}/procedures/nothing/apply/x", 404, "Page not found", "/?lang=ja"),
    ],
)
def test_every_page_is_english_and_offers_the_switch_back(
    client: FlaskClient, path: str, status: int, english: str, japanese_link: str
) -> None:
    login(client, "resident", "resident-yamada")
    page = client.get(path, query_string={"lang": "en"})
    assert page.status_code == status
    assert html_lang(page.text) == "en" and english in page.text
    links = language_links(page.text)  # to this page in each language whose catalog ships, whichever they are
    offered = shipped(ROOT / "translations")
    assert links == {language.code: japanese_link.replace("lang=ja", f"lang={language.code}") for language in offered}
    assert html_lang(client.get(links["ja"]).text) == "ja"


# What url_for reads from its keyword arguments (and a route's own argument), sent as query arguments.
SPECIAL_ARGUMENTS = {"_method": "POST", "_external": "1", "_anchor": "x", "_scheme": "javascript", "endpoint": "x",
                     "code": "abc", "slug": "../backoffice"}  # fmt: skip


@pytest.mark.parametrize(
    "path",
    ["/", f"/{CODE}/", PROCEDURE, f"{PROCEDURE}/apply", f"/{CODE}/applications", "/backoffice/", "/nowhere"],
)
@pytest.mark.parametrize(("name", "value"), SPECIAL_ARGUMENTS.items())
def test_query_arguments_never_reach_url_for(
    client: FlaskClient, make_client: Any, path: str, name: str, value: str
) -> None:
    browser = make_client("staff", "staff-mihon-clerk") if path.startswith("/backoffice") else client
    login(client, "resident", "resident-yamada")
    page = browser.get(path, query_string={name: value, "state": ["a", "b"]})
    assert page.status_code == (404 if path == "/nowhere" else 200)
    links = language_links(page.text)
    if path == "/nowhere":
        assert links["en"] == "/?lang=en"
    else:  # the same page, its query arguments kept as they came
        assert links["en"] == f"{path}?{urlencode({name: value})}&state=a&state=b&lang=en"
        assert browser.get(links["en"]).status_code == 200


def test_browser_preference_chooses_english(client: FlaskClient) -> None:
    page = client.get(PROCEDURE, headers={"Accept-Language": "en-GB,en;q=0.9,ja;q=0.5"})
    assert html_lang(page.text) == "en" and TITLE_EN in page.text


@pytest.mark.parametrize("accept", ["fr-FR,fr;q=0.9", "ja,en;q=0.5"])
def test_japanese_when_the_browser_prefers_it_or_an_unsupported_language(client: FlaskClient, accept: str) -> None:
    page = client.get(PROCEDURE, headers={"Accept-Language": accept})
    assert html_lang(page.text) == "ja" and TITLE_JA in page.text


def test_explicit_choice_beats_the_browser_and_unknown_codes_are_ignored(client: FlaskClient) -> None:
    english_browser = {"Accept-Language": "en"}
    assert html_lang(client.get(PROCEDURE, query_string={"lang": "ja"}, headers=english_browser).text) == "ja"
    assert html_lang(client.get(PROCEDURE, headers=english_browser).text) == "ja"  # remembered
    assert html_lang(client.get(PROCEDURE, query_string={"lang": "xx"}).text) == "ja"


def test_validation_errors_are_in_english_with_the_translated_field_label(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    apply_path = f"{PROCEDURE}/apply"
    token = csrf_token(client, f"{apply_path}?lang=en")
    response = client.post(apply_path, data={"csrf_token": token, "family_name": "", "phone": "12"})
    assert response.status_code == 200
    assert html_lang(response.text) == "en"
    assert "There is a problem" in response.text
    assert "Family name is required" in response.text
    assert "Daytime phone number must be a valid phone number, including the area code" in response.text
    assert "入力してください" not in response.text
    second = client.post(f"{apply_path}?page=request", data={"csrf_token": token, "copies": "99"})
    assert "Number of copies must be a number from 1 to 10" in second.text
    assert ">Next</button>" in second.text and ">Back</button>" in second.text
    assert "入力してください" not in second.text
    last = client.post(
        f"{apply_path}?page=receipt_and_payment",
        data={"csrf_token": token, "receipt_method": "mail", "delivery_address": ""},
    )
    assert "Address to send it to is required" in last.text  # a generated question's label, translated
    assert "Continue to check your answers" in last.text and ">Back</button>" in last.text
    assert "入力してください" not in last.text


def test_dates_and_day_counts_follow_the_language(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply(client, "999997", "juminhyo", JUMINHYO_ANSWERS)
    today = jst.today()

    japanese = client.get(f"/999997/applications/{reference}?lang=ja").text
    assert wareki.format_date(today, with_seireki=True) in japanese

    english = client.get(f"/999997/applications/{reference}?lang=en").text
    assert f"{today:%B} {today.day}, {today.year}" in english and "令和" not in english
    assert "3 days" in client.get("/999997/procedures/juminhyo?lang=en").text
