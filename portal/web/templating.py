"""Template filters and the context every page frame needs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, g, render_template, request, url_for
from flask_babel import format_date, format_time, gettext
from jinja2 import FileSystemBytecodeCache

from portal.japan import jst, wareki
from portal.models import Staff
from portal.roles import ADMINISTRATION, Permission, permissions_of
from portal.web.access import current_resident, current_staff, staff_home
from portal.web.deadlines import case_deadline
from portal.web.i18n import current_language


def wareki_date(value: date | datetime) -> str:
    """和暦 with 西暦 in Japanese and やさしい日本語 (令和8年（2026年）11月28日), the reader's own long date elsewhere
    (November 28, 2026; 2026년 11월 28일); always the calendar day in Japan."""
    if isinstance(value, datetime):
        value = value.astimezone(jst.JST).date()
    return wareki.format_date(value, with_seireki=True) if current_language().wareki else format_date(value, "long")


def wareki_datetime(value: datetime) -> str:
    """The day as wareki_date gives it (和暦 without the 西暦 year), then the time in Japan in the reader's format."""
    local = value.astimezone(jst.JST)
    if current_language().wareki:
        return f"{wareki.format_date(local.date())} {local:%H:%M}"
    return f"{format_date(local.date(), 'long')} {format_time(local, 'short', rebase=False)}"


def render_without_database(template: str, **context: Any) -> str:
    """A page whose frame must not load anything (the 500 page: the database may be what failed)."""
    g.without_database = True
    return render_template(template, **context)


STAFF_AREA = "/backoffice"  # the back office and its administration: error pages there speak to staff


def in_staff_area() -> bool:
    return request.path == STAFF_AREA or request.path.startswith(STAFF_AREA + "/")


def _frame() -> dict[str, Any]:
    staff_area = in_staff_area()
    if g.get("without_database"):
        home = url_for("backoffice.queue") if staff_area else url_for("resident.home")
        return {
            "current_user": None,
            "municipality": None,
            "home_url": home,
            "staff_nav": [],
            "staff_area": staff_area,
        }
    staff = current_staff()
    user = staff or current_resident()
    municipality = g.get("municipality")
    if staff is not None:
        home = staff_home(staff)
    elif staff_area:
        home = url_for("backoffice.queue")  # which asks a member of staff who is not logged in to log in
    elif municipality is not None:
        home = url_for("resident.municipality_home", code=municipality.code)
    else:
        home = url_for("resident.home")
    nav = _staff_nav(staff) if staff is not None else []
    return {
        "current_user": user,
        "municipality": municipality,
        "home_url": home,
        "staff_nav": nav,
        "staff_area": staff_area,
    }


NOTICE_ENDPOINTS = frozenset({"backoffice.personal_notices_page", "backoffice.register_for_notices"})


def _staff_nav(staff: Staff) -> list[tuple[str, str, bool]]:
    """(label, url, current) of the back office's sections the staff member may open."""
    permissions = permissions_of(staff.roles)
    endpoint = request.endpoint or ""
    section = endpoint.split(".")[0]
    in_catalog = endpoint.startswith("admin.catalog.")  # the shared catalog: a section of its own
    nav = []
    in_counter = endpoint.startswith("backoffice.counter_")
    in_notices = endpoint in NOTICE_ENDPOINTS  # 本人通知: a section of its own within the back office
    if Permission.VIEW_QUEUE in permissions:
        queue = section == "backoffice" and not in_counter and not in_notices
        nav.append((gettext("受付一覧"), url_for("backoffice.queue"), queue))
    if Permission.ENTER_COUNTER_APPLICATION in permissions:
        nav.append((gettext("窓口受付"), url_for("backoffice.counter_home"), in_counter))
    if Permission.MANAGE_PERSONAL_NOTICES in permissions:
        nav.append((gettext("本人通知"), url_for("backoffice.personal_notices_page"), in_notices))
    if permissions & ADMINISTRATION:
        nav.append((gettext("管理"), url_for("admin.index"), section == "admin" and not in_catalog))
        nav.append((gettext("共通カタログ"), url_for("admin.catalog.sources"), in_catalog))
    return nav


def init_app(app: Flask) -> None:
    # Compiled templates kept on disk (a private directory in the system's temporary one): a new worker process,
    # after a deploy or gunicorn's recycling, loads them instead of compiling every template again.
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    app.add_template_filter(wareki_date, "wareki")
    app.add_template_filter(wareki_datetime, "wareki_datetime")
    app.add_template_global(case_deadline, "case_deadline")
    app.context_processor(_frame)
