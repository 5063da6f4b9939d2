"""Public handlers of open data (portal.services.opendata). The JSON and CSV are the same for everyone, in the
data's language (Japanese), so any cache may keep them: they touch no session (portal.web.sessions.shared), never
carrying someone's cookie nor made private for them. The documentation page is a page like the others (its frame
shows who is logged in, in their language): public for anonymous visitors only.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, g, render_template, url_for

from portal.config import DEV_PUBLIC_URL, License
from portal.database import db
from portal.messages import N_
from portal.models import Municipality
from portal.services import opendata, tenancy
from portal.web import csvfile
from portal.web.current import current_procedures
from portal.web.sessions import shared

bp = Blueprint("opendata", __name__, url_prefix="/opendata")

MAX_AGE = 3600  # seconds: a published month never changes, and a new one appears once a month
TITLE = N_("申請件数（月別・手続き別・受付経路別）")  # the dataset's name: Japanese in the data, translated on the page


def _municipality(code: str) -> Municipality:
    found = tenancy.municipality(db.session, code) or abort(404)
    g.municipality = found  # the page frame names it
    return found


def _license() -> License:
    license_: License = current_app.config["OPENDATA_LICENSE"]
    return license_


def _public(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data: any site's script may read it
    response.headers["Link"] = f'<{_license().url}>; rel="license"'
    return response


def _data(body: str, mimetype: str) -> Response:
    return _public(current_app.response_class(body, mimetype=mimetype))


def _attribution(municipality: Municipality) -> str:
    return f"{municipality.prefecture}{municipality.name}「{TITLE}」"


@bp.get("/<municipality:code>/")
def documentation(code: str) -> str:
    """What the files hold, column by column, how small counts are suppressed, and the licence."""
    municipality = _municipality(code)
    return render_template(
        "opendata/index.html",
        title=TITLE,
        columns=opendata.COLUMNS,
        threshold=opendata.THRESHOLD,
        suppressed=opendata.SUPPRESSED,
        license=_license(),
        attribution=_attribution(municipality),
        json_url=url_for(".applications_json", code=code),
        csv_url=url_for(".applications_csv", code=code),
    )


@bp.get("/<municipality:code>/applications.json")
@shared
def applications_json(code: str) -> Response:
    municipality = _municipality(code)
    dataset = opendata.applications(db.session, current_procedures(), municipality)
    document = {
        "title": TITLE,
        "municipality": {"code": code, "prefecture": municipality.prefecture, "name": municipality.name},
        "license": {"name": _license().name, "url": _license().url},
        "attribution": _attribution(municipality),
        "period": {"from": f"{dataset.months[0]:%Y-%m}", "to": f"{dataset.months[-1]:%Y-%m}"}
        if dataset.months
        else None,
        "suppression": {
            "threshold": opendata.THRESHOLD,
            "marker": opendata.SUPPRESSED,
            "rule": "件数が5未満（0を含む）のセルは「5未満」とし、処理件数が5未満の処理日数の中央値は公表しない（null）。"
            "合計は公表しない。",
        },
        # On PUBLIC_URL, never on the request's Host: the document is cached for everyone.
        "documentation": (current_app.config["PUBLIC_URL"] or DEV_PUBLIC_URL) + url_for(".documentation", code=code),
        "fields": [
            {"name": c.name, "title": c.title, "type": c.type, "description": c.description} for c in opendata.COLUMNS
        ],
        "records": dataset.records,
    }
    return _data(json.dumps(document, ensure_ascii=False, indent=1), "application/json")


@bp.get("/<municipality:code>/applications.csv")
@shared
def applications_csv(code: str) -> Response:
    """The records as CSV for spreadsheets (UTF-8 with a BOM), Japanese headers, suppressed medians empty."""
    municipality = _municipality(code)
    dataset = opendata.applications(db.session, current_procedures(), municipality)
    lines = [csvfile.BOM + csvfile.line(c.title for c in opendata.COLUMNS)]
    lines += [csvfile.line(record[c.name] for c in opendata.COLUMNS) for record in dataset.records]
    response = _data("".join(lines), "text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="applications-{code}.csv"'
    return response
