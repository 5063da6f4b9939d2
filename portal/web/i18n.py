"""Japanese first, other languages through Babel catalogs in translations/.

The language is chosen by ``?lang=`` (remembered in a small cookie holding only the language code, so that
browsing in English creates no server-side session), else the browser's preference, else Japanese. A page
whose language came from the cookie or the preference says so in ``Vary``: anonymous pages may be cached.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request, url_for
from flask_babel import Babel, force_locale, get_locale, get_translations, gettext

from portal.config import ROOT
from portal.messages import Message

LANGUAGES: tuple[tuple[str, str], ...] = (("ja", "日本語"), ("en", "English"))
CODES = tuple(code for code, _ in LANGUAGES)
DEFAULT = "ja"
ENGLISH = "en"
COOKIE = "lang"
REMEMBERED_FOR = timedelta(days=365)

babel = Babel()


def select_locale() -> str:
    if (requested := request.args.get("lang")) in CODES:
        return requested  # the URL alone decides: a cache keys by it anyway
    g.language_from_headers = True
    if (remembered := request.cookies.get(COOKIE)) in CODES:
        return remembered
    return request.accept_languages.best_match(CODES) or DEFAULT


def _remember(response: Response) -> Response:
    if g.get("language_from_headers"):  # else a shared cache serves one visitor's language to the next
        response.vary.update(("Cookie", "Accept-Language"))
    requested = request.args.get("lang")
    if requested in CODES and request.cookies.get(COOKIE) != requested:
        response.set_cookie(
            COOKIE,
            requested,
            max_age=REMEMBERED_FOR,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def translate(message: Message) -> str:
    """Render a core Message (validation error, refusal reason) in the request's language."""
    return message.render(gettext)


def has_translation(msgid: str, locale: str = ENGLISH) -> bool:
    """Whether ``locale`` has its own text for ``msgid``. Without one, its pages show the Japanese msgid: a
    municipality's own procedure need not wait for the project's English catalog."""
    with force_locale(locale):
        return get_translations().ugettext(msgid) != msgid


def language_url(code: str) -> str:
    """This page in language ``code``, its other query arguments kept.

    They are appended to the path, never passed to url_for, which reads ``_method``, ``_external``,
    ``_anchor``, ``_scheme`` (and a route's own arguments) from its keyword arguments.
    """
    if request.endpoint is None:
        return url_for("resident.home", lang=code)
    query = request.args.copy()
    query["lang"] = code
    return f"{url_for(request.endpoint, **(request.view_args or {}))}?{urlencode(list(query.items(multi=True)))}"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember)
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        language_url=language_url,
        translate=translate,
    )
    app.context_processor(lambda: {"current_locale": str(get_locale() or DEFAULT)})
