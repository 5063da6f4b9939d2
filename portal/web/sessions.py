"""Server-side sessions: the browser holds only an opaque id, never personal data.

Redis in production (shared by every app server); a file cache on a single development machine.

A session is born only when something must be kept (a login starting, a flash message); browsing stores
nothing. Before login it lives 15 minutes, cookie and record alike. Once someone is logged in, every request
must come within the idle timeout (residents and staff differ) and within the absolute lifetime counted from
the login; the record itself expires then too. A late request finds its session destroyed and is told to log
in again, rather than being silently sent to the login; a late logout is still a logout (portal.web.auth).

A logged-in record is only ever created by the request that logged in; any other request only updates it
while it is still stored. Otherwise a slow request that began before a logout (another tab, a download)
would, on finishing, write the old session back and hand the browser its old cookie: logged in again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from time import time
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
from cachelib import FileSystemCache
from flask import Flask, Response, current_app, g, render_template, request, session, url_for
from flask_session.base import ServerSideSession
from flask_session.cachelib import CacheLibSessionInterface
from flask_session.redis import RedisSessionInterface

from portal.web.access import RESIDENT_KEY, STAFF_KEY, safe_next

KEY_PREFIX = "madoguchi:session:"
PRE_LOGIN = timedelta(minutes=15)  # long enough to log in at the provider, too short to be worth stealing
LOGGED_IN_AT = "logged_in_at"  # seconds since the epoch, for the absolute lifetime
LAST_SEEN = "last_seen"  # seconds since the epoch, for the idle timeout
# Seconds: last_seen, and so the record, is rewritten at most this often (an idle timeout up to a minute short).
LAST_SEEN_STEP = 60


def _idle(data: Any) -> timedelta | None:
    """The idle timeout of whoever is logged in; None before login."""
    config = current_app.config
    if STAFF_KEY in data:
        return timedelta(minutes=config["STAFF_IDLE_MINUTES"])
    if RESIDENT_KEY in data:
        return timedelta(minutes=config["RESIDENT_IDLE_MINUTES"])
    return None


def _max_age() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def _lifetime(data: Any) -> timedelta:
    """How long the stored record may live from now: the idle timeout, never past the absolute lifetime."""
    idle = _idle(data)
    if idle is None:
        return PRE_LOGIN
    remaining = timedelta(seconds=data.get(LOGGED_IN_AT, time()) - time()) + _max_age()
    return max(min(idle, remaining), timedelta(seconds=1))


class _RecordGone(Exception):
    """The logged-in record this request loaded was deleted meanwhile (a logout): it must stay deleted."""


class _Lifetimes:
    """Each record's time to live and each cookie's expiry follow what the session holds, instead of
    Flask-Session's single PERMANENT_SESSION_LIFETIME (31 days). A logged-in session keeps a browser-session
    cookie: the browser must still present it after the idle timeout for the person to be told."""

    def save_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        try:
            super().save_session(app, session, response)  # type: ignore[misc]
        except _RecordGone:
            pass  # neither the record nor the cookie comes back; the browser keeps whatever the logout gave it

    def _upsert_session(self, _default: timedelta, session: ServerSideSession, store_id: str) -> None:
        if _idle(session) and not _renewed_here(session):
            if not self._update(_lifetime(session), session, store_id):
                raise _RecordGone
            return
        super()._upsert_session(_lifetime(session), session, store_id)  # type: ignore[misc]

    def _update(self, lifetime: timedelta, session: ServerSideSession, store_id: str) -> bool:
        """Write the record only if it is still stored; whether it was."""
        raise NotImplementedError

    def get_expiration_time(self, app: Flask, session: ServerSideSession) -> datetime | None:
        return None if _idle(session) else datetime.now(UTC) + PRE_LOGIN


class _RedisSessions(_Lifetimes, RedisSessionInterface):
    def _update(self, lifetime: timedelta, session: ServerSideSession, store_id: str) -> bool:
        data = self.serializer.encode(session)
        return bool(self.client.set(store_id, data, ex=int(lifetime.total_seconds()), xx=True))  # SET … XX: atomic


class _FileSessions(_Lifetimes, CacheLibSessionInterface):
    def _update(self, lifetime: timedelta, session: ServerSideSession, store_id: str) -> bool:
        if not self.cache.has(store_id):  # check, then write: one development machine, not a race worth a lock
            return False
        CacheLibSessionInterface._upsert_session(self, lifetime, session, store_id)
        return True


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_KEY_PREFIX", KEY_PREFIX)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False  # a record is written when it changes (see LAST_SEEN_STEP)
    options = {"key_prefix": app.config["SESSION_KEY_PREFIX"], "permanent": False}
    if app.config["REDIS_URL"]:
        app.session_interface = _RedisSessions(app, client=redis.Redis.from_url(app.config["REDIS_URL"]), **options)
    else:
        cache = FileSystemCache(str(app.config["SESSION_DIR"]), threshold=10_000)
        app.session_interface = _FileSessions(app, client=cache, **options)
    app.before_request(_enforce_timeouts)
    app.after_request(_stamp_login)


def _expired(now: float) -> bool:
    idle = _idle(session)
    if idle is None:
        return False
    last_seen, logged_in_at = session.get(LAST_SEEN, 0), session.get(LOGGED_IN_AT, 0)
    return now - last_seen > idle.total_seconds() or now - logged_in_at > _max_age().total_seconds()


def _enforce_timeouts() -> Any:
    """Destroy a session past its idle timeout or absolute lifetime, or whose record is already gone (the
    store expired it), and say so; otherwise note the activity (at most once every LAST_SEEN_STEP). A logout
    goes on to its view, which ends the session here and at the provider (see timed_out)."""
    if request.endpoint == "static" or is_shared():
        return None
    now = time()
    lost = bool(_presented()) and _renewed_here(session)  # Flask-Session found no record for that id
    if not lost and not _expired(now):
        if _idle(session) and now - session.get(LAST_SEEN, 0) >= LAST_SEEN_STEP:
            session[LAST_SEEN] = int(now)
        return None
    if request.endpoint == "auth.logout":
        g.session_timed_out = True
        return None
    staff = STAFF_KEY in session or request.blueprint == "backoffice"
    session.clear()  # saving an emptied session deletes the record and the cookie
    if request.blueprint == "auth" and request.method == "GET":
        return None  # logging in again is exactly what we would ask for
    login = url_for("auth.staff_login" if staff else "auth.resident_login", next=_going_to())
    return render_template("errors/session_expired.html", login_url=login), 401


V = TypeVar("V", bound=Callable[..., Any])


def shared(view: V) -> V:
    """Mark a view whose response is the same for everyone (open data), for shared caches to keep: like static files,
    it neither notes the activity of a logged-in session (so no cookie is sent) nor is made private
    (portal.web.security). Such a response must not show who is logged in. Put it under the route decorator."""
    view.shared = True  # type: ignore[attr-defined]
    return view


def is_shared() -> bool:
    return bool(getattr(current_app.view_functions.get(request.endpoint or ""), "shared", False))


def timed_out() -> bool:
    """Whether this request's session had passed a timeout or lost its record (only a logout gets this far)."""
    return bool(g.get("session_timed_out"))


def _presented() -> str | None:
    return request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])


def _renewed_here(session: Any) -> bool:
    """Whether this request gave the session its id: the browser presented none or another (a login renews it,
    and Flask-Session gives a new id when the presented one has no record)."""
    return _presented() != session.sid


def _going_to() -> str | None:
    """Where the person was going: this page, or for a form sent, the page it was sent from."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""), "") or None


def _stamp_login(response: Response) -> Response:
    """A session that has just gained a person starts its clocks (the login renewed and emptied it)."""
    if _idle(session) and LOGGED_IN_AT not in session:
        session[LOGGED_IN_AT] = session[LAST_SEEN] = int(time())
    return response


def renew() -> None:
    """A fresh session id after login, so an id planted before login is worthless (session fixation)."""
    current_app.session_interface.regenerate(session)
