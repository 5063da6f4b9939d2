"""Who is logged in, and the guards blueprints put in front of their handlers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from portal.database import db
from portal.models import Resident, Staff
from portal.roles import ADMINISTRATION, Permission, permissions_of
from portal.services.actors import ActingUser

RESIDENT_KEY = "resident_id"
STAFF_KEY = "staff_id"

F = TypeVar("F", bound=Callable[..., Any])


def current_resident() -> Resident | None:
    if "resident" not in g:
        resident_id = session.get(RESIDENT_KEY)
        g.resident = db.session.get(Resident, resident_id) if resident_id else None
    return g.resident


def current_staff() -> Staff | None:
    if "staff" not in g:
        staff_id = session.get(STAFF_KEY)
        g.staff = db.session.get(Staff, staff_id) if staff_id else None
    return g.staff


def resident_actor() -> ActingUser:
    resident = current_resident()
    assert resident is not None
    return ActingUser.of_resident(resident)


def staff_actor() -> ActingUser:
    staff = current_staff()
    assert staff is not None
    return ActingUser.of_staff(staff)


def resident_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_resident() is None:
            return redirect(url_for("auth.resident_login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_required(permission: Permission) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return redirect(url_for("auth.staff_login", next=request.full_path.rstrip("?")))
            if permission not in permissions_of(staff.roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def staff_home(staff: Staff) -> str:
    """Where a staff member starts: the queue, or the administration pages for those who only administer (a
    platform operator sees no resident's case)."""
    permissions = permissions_of(staff.roles)
    if Permission.VIEW_QUEUE not in permissions and permissions & ADMINISTRATION:
        return url_for("admin.index")
    return url_for("backoffice.queue")


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths: a login must never bounce the user to another host.

    Whitespace and control characters are refused too: browsers drop a tab or newline from a URL, so
    ``/<TAB>/evil.example`` would become ``//evil.example``, and a newline cannot go in a header at all.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(char.isspace() or not char.isprintable() for char in target)
    ):
        return target
    return default
