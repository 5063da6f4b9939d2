"""A resident completes both demo procedures in every language the portal ships (issue 11): the real catalogs, the
real OIDC login, every step of each form, the confirmation and the receipt, each page in the chosen language."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext

from portal.config import ROOT
from portal.languages import Language, shipped
from portal.web.i18n import force_language
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, SODAI_GOMI_ANSWERS, apply, form_pages

CODE = "999997"
LANGUAGES = shipped(ROOT / "translations")


def in_language(app: Flask, language: Language, msgid: str) -> str:
    with app.test_request_context("/"), force_language(language):
        return gettext(msgid)


def text_of(html: str) -> str:
    """What a reader reads: furigana (<rt>, <rp>) and tags left out, no white space."""
    return re.sub(r"<[^>]+>|\s", "", re.sub(r"<(rt|rp)\b[^>]*>.*?</\1>", "", html, flags=re.S))


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_a_resident_applies_for_both_demo_procedures(app: Flask, client: FlaskClient, language: Language) -> None:
    assert len(LANGUAGES) == 9  # ja, やさしい日本語, en and the six languages of Japan's foreign residents
    assert client.get(f"/{CODE}/?lang={language.code}").status_code == 200  # the switch remembers the choice
    assert login(client, "resident", "resident-yamada").status_code == 302

    for slug, answers in (("juminhyo", JUMINHYO_ANSWERS), ("sodai_gomi", SODAI_GOMI_ANSWERS)):
        for page in form_pages(client, slug):
            shown = client.get(f"/{CODE}/procedures/{slug}/apply?page={page}")
            assert shown.status_code == 200 and f'<html lang="{language.code}"' in shown.text, page
        reference = apply(client, CODE, slug, answers)
        receipt = client.get(f"/{CODE}/applications/{reference}/receipt")
        assert receipt.status_code == 200 and f'<html lang="{language.code}"' in receipt.text
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", receipt.text, re.S)
        assert heading and text_of(heading.group(1)) == text_of(in_language(app, language, "申請を受け付けました"))
        assert reference in receipt.text
