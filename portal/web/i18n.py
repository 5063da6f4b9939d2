"""The request's language (portal.languages) and Flask-Babel set up to speak it.

The language is chosen by ``?lang=`` (remembered in a small cookie holding only the language's code, so that
browsing in another language creates no server-side session), else that cookie, else the browser's
``Accept-Language``, else Japanese. A page whose language came from the cookie or the preference says so in
``Vary``: anonymous pages may be cached, keyed by the URL and those two headers. Choosing costs a dictionary
look-up or a cached negotiation (portal.languages), never a database query.

Translations are loaded by the language's catalog, dates and numbers formatted by its Babel locale: the two
differ for やさしい日本語 (its own catalog, Japanese formats).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from babel import support
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request, url_for
from flask_babel import Babel, Domain, force_locale, gettext
from markupsafe import Markup, escape
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request

from portal.catalog.fieldtypes.base import Verbatim
from portal.catalog.fieldtypes.date import DateAnswer
from portal.config import ROOT
from portal.languages import JAPANESE, Language, by_code, negotiate, shipped
from portal.messages import Message

if TYPE_CHECKING:
    from portal.models import Municipality

COOKIE = "lang"
REMEMBERED_FOR = timedelta(days=365)
EXTENSION = "madoguchi.languages"
COMPILED = "messages.mo"
_KEPT = "madoguchi_translations"  # in g: this request's catalogs by language


class _CatalogDomain(Domain):  # type: ignore[misc]  # Flask-Babel is untyped
    """Flask-Babel keys translations by the Babel locale; these are keyed by the language's catalog, so
    やさしい日本語 reads ja_x_easy while formatting as ``ja`` (which has no catalog: the msgids are Japanese)."""

    def get_translations(self) -> support.NullTranslations:
        """Asked once for every text a page shows: kept for the request, by language (an email may force another).
        The app context's globals are read directly: each look-up through the ``g`` proxy costs a microsecond."""
        if not has_app_context():
            return support.NullTranslations()
        language = current_language()
        kept: dict[Language, support.NullTranslations] = vars(g._get_current_object()).setdefault(_KEPT, {})
        found = kept.get(language)
        if found is None:
            found = kept[language] = self.of(language)
        return found

    def of(self, language: Language) -> support.NullTranslations:
        directory = Path(self.translation_directories[0])  # the app's (the portal's, the development provider's)
        found = self.cache.get((directory, language.catalog))
        if found is None:
            found = self.cache[directory, language.catalog] = _load(directory, language)
        return found


def _load(directory: Path, language: Language) -> support.NullTranslations:
    """The compiled catalog (scripts/translations compile); without one, the Japanese msgids."""
    if language.catalog is None:
        return support.NullTranslations()
    path = directory / language.catalog / "LC_MESSAGES" / COMPILED
    if not path.exists():
        return support.NullTranslations()
    with path.open("rb") as compiled:
        return support.Translations(compiled)


class _Babel(Babel):  # type: ignore[misc]
    @cached_property
    def domain_instance(self) -> Domain:
        return _CatalogDomain(domain=self.domain)


babel = _Babel()


def _translations() -> support.NullTranslations:
    domain: _CatalogDomain = babel.domain_instance
    return domain.get_translations()


Chooser = Callable[[tuple[Language, ...]], Language]


@dataclass(frozen=True)
class _Languages:
    offered: tuple[Language, ...]  # Japanese and each language whose catalog is shipped
    choose: Chooser  # a request's language among them


def offered() -> tuple[Language, ...]:
    """The languages this app speaks: Japanese and each one whose catalog is shipped."""
    return offered_by(current_app)


def offered_by(app: Flask) -> tuple[Language, ...]:
    languages: _Languages = app.extensions[EXTENSION]
    return languages.offered


def current_language() -> Language:
    """The language of this request (or of the email being written: force_language); Japanese without a request."""
    # Asked for every text shown: the app context's globals read directly (a look-up through the ``g`` proxy, or
    # a missing attribute's exception, would cost more than the rest of this).
    state = vars(g._get_current_object())
    forced: Language | None = state.get("forced_language")
    if forced is not None:
        return forced
    chosen: Language | None = state.get("language")
    if chosen is None:
        if not has_request_context():
            return JAPANESE
        languages: _Languages = current_app.extensions[EXTENSION]
        chosen = state["language"] = languages.choose(languages.offered)
    return chosen


def language_of(incoming: Request, languages: tuple[Language, ...]) -> tuple[Language, bool]:
    """The portal's choice for a request: the URL, the cookie, the browser's preference, Japanese; and whether the
    headers chose it (a shared cache must then vary by them). Also asked in front of Flask (portal.web.pagecache)."""
    if (requested := by_code(incoming.args.get("lang"), languages)) is not None:
        return requested, False  # the URL alone decides: a cache keys by it anyway
    if (remembered := by_code(incoming.cookies.get(COOKIE), languages)) is not None:
        return remembered, True
    preferred = [tag for tag, _quality in incoming.accept_languages]
    return negotiate(preferred, languages) or JAPANESE, True


def to_remember(incoming: Request, languages: tuple[Language, ...]) -> Language | None:
    """The language the response must remember in the cookie: one asked for in the URL that the cookie lacks."""
    requested = by_code(incoming.args.get("lang"), languages)
    return requested if requested is not None and incoming.cookies.get(COOKIE) != requested.code else None


def _select(languages: tuple[Language, ...]) -> Language:
    language, g.language_from_headers = language_of(request, languages)
    return language


@contextmanager
def force_language(language: Language) -> Iterator[None]:
    """Speak ``language`` inside the block: an email in its recipient's language."""
    previous = g.get("forced_language")
    g.forced_language = language
    try:
        with force_locale(language.formats):
            yield
    finally:
        g.forced_language = previous


def _remember(response: Response) -> Response:
    if g.get("language_from_headers"):  # else a shared cache serves one visitor's language to the next
        response.vary.update(("Cookie", "Accept-Language"))
    if (requested := to_remember(request, offered())) is not None:
        response.set_cookie(
            COOKIE,
            requested.code,
            max_age=REMEMBERED_FOR,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def translate(message: Message) -> str:
    """Render a core Message (validation error, refusal reason) in the request's language."""
    return message.render(gettext)


def has_translation(msgid: str, language: Language) -> bool:
    """Whether ``language`` has its own text for ``msgid``. Without one, its pages show the Japanese msgid: a
    municipality's own procedure need not wait for the project's translators."""
    return language.catalog is None or babel.domain_instance.of(language).ugettext(msgid) != msgid


@dataclass(frozen=True)
class Shown:
    """A text as a page shows it: in the page's language, or kept in Japanese (``lang="ja"``) where it has no
    translation, marked 「日本語のみ」 when it is a text that should have had one (a municipality's own procedure).

    In HTML (``{{ shown }}``) it carries its ``lang``; in a title, an attribute or an email use ``.text``.
    """

    text: str
    lang: str | None = None
    japanese_only: bool = False

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        if self.lang is None:
            return str(escape(self.text))
        shown = Markup('<span lang="{}">{}</span>').format(self.lang, self.text)
        if self.japanese_only:
            shown += Markup(' <span class="japanese-only">{}</span>').format(gettext("（日本語のみ）"))
        return str(shown)


def local_text(msgid: str) -> Shown:
    """A catalog text (a procedure's title, a label) in the page's language; without a translation, the Japanese
    msgid, marked on pages in other languages. やさしい日本語 shows ordinary Japanese unmarked: it is Japanese."""
    text = gettext(msgid)
    if text != msgid or current_language().japanese:
        return Shown(text)
    return Shown(msgid, lang="ja", japanese_only=True)


def recorded(text: str) -> Shown:
    """A person's name or address as recorded: in Japanese on every page, exactly as written (no furigana)."""
    return Shown(text, lang="ja")


def is_verbatim(value: object) -> bool:
    """The template test ``is verbatim``: an answer shown as written (portal.catalog's Verbatim)."""
    return isinstance(value, Verbatim)


def is_date_answer(value: object) -> bool:
    """The template test ``is date_answer``: a date answer, shown in the reader's format (the ``wareki`` filter)."""
    return isinstance(value, DateAnswer)


def local_name(municipality: Municipality) -> Shown:
    """The municipality's name in the page's language as its administrator set it, else its Japanese name, in
    ``lang="ja"`` except on Japanese pages (so no reading is guessed for a proper name on やさしい日本語 pages)."""
    language = current_language()
    named = (municipality.names or {}).get(language.code)
    if named:
        return Shown(named)
    return Shown(municipality.name, lang=None if language.catalog is None else "ja")


def language_url(code: str) -> str:
    """This page in language ``code``, its other query arguments kept.

    They are appended to the path, never passed to url_for, which reads ``_method``, ``_external``,
    ``_anchor``, ``_scheme`` (and a route's own arguments) from its keyword arguments.
    """
    if request.endpoint is None:
        return url_for("resident.home", lang=code)
    query = request.args.copy()
    query["lang"] = code
    return f"{_this_page(request.endpoint)}?{urlencode(list(query.items(multi=True)))}"


def _this_page(endpoint: str) -> str:
    """The page's own URL without its query, built once for all the language switch's links."""
    if "this_page" not in g:
        g.this_page = url_for(endpoint, **(request.view_args or {}))
    return str(g.this_page)


def init_languages(app: Flask, choose: Chooser) -> None:
    """Flask-Babel speaking the languages whose catalogs are in BABEL_TRANSLATION_DIRECTORIES (default
    translations/), each request's chosen by ``choose`` among them; templates get ``languages`` and
    ``current_language``. The portal chooses by URL, cookie and browser; the development identity provider by the
    ``ui_locales`` the portal sends."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", JAPANESE.formats)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    app.extensions[EXTENSION] = _Languages(shipped(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])), choose)
    babel.init_app(app, locale_selector=lambda: current_language().formats)
    # Flask-Babel's own callables find the domain through ``g`` for every text; the portal has one domain.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.context_processor(
        lambda: {
            "languages": offered(),
            "current_language": current_language(),
            "current_locale": current_language().code,
        }
    )


def init_app(app: Flask) -> None:
    init_languages(app, _select)
    app.after_request(_remember)
    app.jinja_env.globals.update(
        language_url=language_url,
        translate=translate,
        local_text=local_text,
        local_name=local_name,
        recorded=recorded,
        page_language=current_language,  # for macros, which see globals and not the page's context
    )
    app.jinja_env.tests["verbatim"] = is_verbatim
    app.jinja_env.tests["date_answer"] = is_date_answer
