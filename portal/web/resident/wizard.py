"""The application form as a wizard: one definition page per step, then 確認 and 完了.

Each step sends only its own page's inputs; the draft holds the others. So a page's answers replace exactly
that page's inputs in the draft, and an input missing from the request (an unticked box) is cleared.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from portal.catalog import Page, ProcedureDefinition, Raw, error_field

PAGE = "page"  # query argument: the key of the page shown
RETURN_TO = "return"  # query argument: CONFIRM when a 変更 link on the confirmation page opened the page
CONFIRM = "confirm"


def page(definition: ProcedureDefinition, key: str | None) -> Page | None:
    """The page ``key`` (the first one for none); None when the definition has no such page."""
    if key is None:
        return definition.pages[0]
    return next((p for p in definition.pages if p.key == key), None)


def neighbour(definition: ProcedureDefinition, current: Page, offset: int) -> Page | None:
    """The page ``offset`` steps away (-1 before, +1 after), or None past either end."""
    index = definition.pages.index(current) + offset
    return definition.pages[index] if 0 <= index < len(definition.pages) else None


def page_of_error(definition: ProcedureDefinition, key: str) -> Page:
    """The page holding the field an error key of :func:`portal.catalog.validate` belongs to."""
    name = error_field(key)
    return next(p for p in definition.pages if any(f.name == name for f in p.fields))


def merged(current: Page, saved: Raw, sent: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The saved inputs with those of ``current`` replaced by what its form sent."""
    names = {name for f in current.fields for name in f.field_type.input_names(f)}
    return {
        **{name: list(values) for name, values in saved.items() if name not in names},
        **{name: values for name, values in sent.items() if name in names},
    }


def step_labels(definition: ProcedureDefinition) -> list[str]:
    """The step indicator's labels: each page's title, then 確認 and 完了."""
    return [_(p.title) for p in definition.pages] + [_("確認"), _("完了")]
