"""The shared catalog in the administration area: every source and its versions with their diffs, and a preview of
any version of a procedure's form exactly as residents see it.

Nested in the admin blueprint, whose check lets in administrators and operators alike: the catalog is every
municipality's, so both see all of it. Nothing here changes anything; the preview validates against the version
shown and stores nothing (no draft, no submission, nothing in the session).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from portal import catalog
from portal.catalog import ProcedureDefinition
from portal.database import db
from portal.definitions import Kind
from portal.models import CatalogVersion
from portal.services import publishing
from portal.web.admin.catalog_presenting import (
    KINDS,
    parsed_definition,
    source_name,
    source_rows,
    version_name,
    version_rows,
)
from portal.web.current import current_procedures
from portal.web.formview import (
    answers_from,
    asks_household,
    change_rows,
    error_summary,
    household_choices,
    lookup_address,
    page_views,
)

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

KIND = "<any(definition, workflow, certificate):kind>"  # Kind's values: anything else is not found


@bp.context_processor
def _naming() -> dict[str, Any]:
    return {"kinds": KINDS, "source_name": source_name, "version_name": version_name}


@bp.get("/")
def sources() -> str:
    rows = source_rows(publishing.latest_versions(db.session), current_procedures().parsed)
    return render_template("admin/catalog.html", groups=rows)


@bp.get(f"/{KIND}/<name>/")
def history(kind: str, name: str) -> str:
    versions = publishing.history(db.session, Kind(kind), name) or abort(404)
    rows = version_rows(versions, current_procedures().parsed)
    return render_template("admin/catalog_history.html", kind=Kind(kind), name=name, rows=rows)


def _previewed(slug: str, number: int) -> tuple[CatalogVersion, ProcedureDefinition]:
    """The version and its form; a withdrawn version has no form to preview."""
    version = publishing.find_version(db.session, Kind.DEFINITION, slug, number)
    if version is None or version.withdrawn:
        abort(404)
    return version, parsed_definition(current_procedures().parsed, version)


def _preview_form(
    version: CatalogVersion, definition: ProcedureDefinition, raw: dict[str, list[str]], errors: dict
) -> str:
    # No resident, so no record: the form a resident without a recorded household gets.
    pages = page_views(definition, raw, errors, household_choices(definition, None))
    return render_template(
        "admin/catalog_preview.html",
        version=version,
        definition=definition,
        pages=pages,
        errors=error_summary(pages),
        household_unknown=asks_household(definition),
    )


@bp.route("/definition/<slug>/versions/<int:number>/preview", methods=["GET", "POST"])
def preview(slug: str, number: int) -> Any:
    version, definition = _previewed(slug, number)
    if request.method == "GET":
        return _preview_form(version, definition, {}, {})
    raw = answers_from(request.form)
    rows_changed = change_rows(definition.fields, raw, request.form)
    if rows_changed is not None:
        return _preview_form(version, definition, rows_changed[0], {})
    if "lookup" in request.form:
        lookup_address(definition, raw, request.form["lookup"])
        return _preview_form(version, definition, raw, {})
    choices = household_choices(definition, None)
    result = catalog.validate(definition, raw, choices=choices)
    if not result.ok:
        return _preview_form(version, definition, raw, dict(result.errors))
    return render_template(
        "admin/catalog_preview_answers.html",
        version=version,
        definition=definition,
        answers=catalog.display_answers(definition, result.values, _, choices),
    )
