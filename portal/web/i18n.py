"""Japanese first, other languages through Babel catalogs in translations/.

The language is chosen by ``?lang=`` (remembered in the server-side session), else the browser's
preference, else Japanese.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, session, url_for
from flask_babel import Babel, get_locale, gettext

from portal.config import ROOT
from portal.messages import Message

LANGUAGES: tuple[tuple[str, str], ...] = (("ja", "日本語"), ("en", "English"))
CODES = tuple(code for code, _ in LANGUAGES)
DEFAULT = "ja"

babel = Babel()


def select_locale() -> str:
    requested = request.args.get("lang")
    if requested in CODES:
        session["lang"] = requested
        return requested
    remembered = session.get("lang")
    if remembered in CODES:
        return remembered
    return request.accept_languages.best_match(CODES) or DEFAULT


def translate(message: Message) -> str:
    """Render a core Message (validation error, refusal reason) in the request's language."""
    return message.render(gettext)


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
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        language_url=language_url,
        translate=translate,
    )
    app.context_processor(lambda: {"current_locale": str(get_locale() or DEFAULT)})
