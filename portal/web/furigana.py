"""やさしい日本語 pages carry furigana: each page's text, once rendered, gets ``<ruby>`` over its kanji words
(portal.japan.furigana), everywhere a reading helps and nowhere it would change what is shown.

Only text nodes are touched, and not those inside ``<title>``, ``<script>``, ``<style>``, form values
(``<textarea>``, ``<option>``), existing ruby, nor any element in another language than the page's: people's names
and addresses, the Japanese name of a municipality and the other languages of the language switch carry
``lang="ja"`` or their own ``lang`` (portal.web.i18n), and stay exactly as recorded. Attributes are never changed.
The page is re-emitted token by token as it was written, so the rest of its markup is byte for byte the same.
"""

from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask, Response

from portal.japan.furigana import ruby
from portal.web.i18n import current_language

# Elements whose text is not prose to annotate (or cannot hold markup: a title, an option).
UNANNOTATED = frozenset(
    {
        "title",
        "script",
        "style",
        "template",
        "textarea",
        "select",
        "option",
        "optgroup",
        "datalist",
        "ruby",
        "rt",
        "rp",
        "code",
        "pre",
        "kbd",
        "samp",
        "svg",
        "math",
    }
)
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})


class _Annotator(HTMLParser):
    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=False)
        self.language = language.lower()
        self.out: list[str] = []
        self.skipped: str | None = None  # the element whose content is left alone, and how deep in it we are
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")
        if tag in VOID:
            return
        if self.skipped is None:
            lang = dict(attrs).get("lang")
            if tag in UNANNOTATED or (lang is not None and lang.lower() != self.language):
                self.skipped, self.depth = tag, 1
        elif tag == self.skipped:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        if tag == self.skipped:
            self.depth -= 1
            if self.depth == 0:
                self.skipped = None

    def handle_data(self, data: str) -> None:
        self.out.append(data if self.skipped is not None else ruby(data))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def annotate(page: str, language: str) -> str:
    """``page`` (HTML in ``language``) with furigana on its kanji, as the module says."""
    annotator = _Annotator(language)
    annotator.feed(page)
    annotator.close()
    return "".join(annotator.out)


def _annotate_response(response: Response) -> Response:
    """Pages only: asking a static file's language would choose one, and make its response vary by language."""
    if response.mimetype != "text/html" or response.direct_passthrough:
        return response
    language = current_language()
    if language.furigana:
        response.set_data(annotate(response.get_data(as_text=True), language.code))
    return response


def init_app(app: Flask) -> None:
    app.after_request(_annotate_response)
