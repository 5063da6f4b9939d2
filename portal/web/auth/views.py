"""Login through two separate OIDC client registrations.

Residents use a デジタル認証アプリ-shaped provider (scopes openid name address birthdate gender); staff use
the municipality's directory. Both: authorization code with PKCE S256, state and nonce kept in the
server-side session, ID token signature, iss, aud, exp and nonce verified by Authlib.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from requests import RequestException

from portal.database import db
from portal.identity import ClaimsError, resident_profile_from_claims, staff_identity_from_claims
from portal.services import accounts
from portal.web import sessions
from portal.web.access import RESIDENT_KEY, STAFF_KEY, safe_next
from portal.web.current import current_records

log = logging.getLogger(__name__)

RESIDENT_SCOPES = "openid name address birthdate gender"
STAFF_SCOPES = "openid profile email"
NEXT_KEY = "login_next"

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    """One OAuth registry per app: Authlib caches clients, so a shared one would hand a second app (another
    worker, the tests) the first app's provider settings."""
    oauth = OAuth(app)
    for name, client, scope in (
        ("resident", app.config["RESIDENT_OIDC"], RESIDENT_SCOPES),
        ("staff", app.config["STAFF_OIDC"], STAFF_SCOPES),
    ):
        oauth.register(
            name,
            client_id=client.client_id,
            client_secret=client.client_secret,
            server_metadata_url=client.discovery_url,
            client_kwargs={"scope": scope, "code_challenge_method": "S256"},
        )
    app.register_blueprint(bp)


def _client(provider: str) -> Any:
    return current_app.extensions["authlib.integrations.flask_client"].create_client(provider)


def _start(provider: str, default_next: str) -> Any:
    session[NEXT_KEY] = safe_next(request.args.get("next"), default_next)
    client = _client(provider)
    try:
        return client.authorize_redirect(url_for(f"auth.{provider}_callback", _external=True))
    except (RequestException, AuthlibBaseError, ValueError) as exc:
        log.warning("%s identity provider unreachable: %s", provider, exc)
        abort(503)


def _claims(provider: str) -> dict[str, Any]:
    """Exchange the code and return verified claims (ID token, completed from userinfo)."""
    client = _client(provider)
    try:
        token = client.authorize_access_token()
        if "userinfo" not in token:  # no ID token, or no nonce in our state: never trust such a login
            raise ValueError("the provider returned no verifiable ID token")
        claims = dict(token["userinfo"])
        if client.load_server_metadata().get("userinfo_endpoint"):
            extra = client.userinfo(token=token)
            if extra.get("sub") == claims["sub"]:
                claims = {**extra, **claims}
    except (AuthlibBaseError, RequestException, ValueError, KeyError) as exc:
        log.warning("%s login failed: %s", provider, exc)
        abort(400, description=_("ログインできませんでした。もう一度お試しください。"))
    return claims


@bp.get("/resident/login")
def resident_login() -> Any:
    return _start("resident", url_for("resident.home"))


@bp.get("/resident/callback")
def resident_callback() -> Any:
    profile = resident_profile_from_claims(_claims("resident"))
    resident = accounts.resident_login(db.session, profile, current_records(db.session).values())
    target = session.pop(NEXT_KEY, None) or url_for("resident.home")
    _fresh_session()
    session[RESIDENT_KEY] = resident.id
    flash(_("ログインしました。"), "success")
    return redirect(target)


@bp.get("/staff/login")
def staff_login() -> Any:
    return _start("staff", url_for("backoffice.queue"))


@bp.get("/staff/callback")
def staff_callback() -> Any:
    try:
        identity = staff_identity_from_claims(_claims("staff"))
    except ClaimsError as exc:
        log.warning("staff login refused: %s", exc)
        abort(403)
    staff = accounts.staff_login(db.session, identity)
    if staff is None:
        abort(403)
    target = session.pop(NEXT_KEY, None) or url_for("backoffice.queue")
    _fresh_session()
    session[STAFF_KEY] = staff.id
    flash(_("ログインしました。"), "success")
    return redirect(target)


def _fresh_session() -> None:
    """A new id and nothing left of whoever used this browser before (a shared terminal), but the language."""
    lang = session.get("lang")
    session["renewing"] = True  # Flask-Session renews only a session that holds something
    sessions.renew()
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
def logout() -> Any:
    _fresh_session()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("resident.home"))


@bp.app_context_processor
def _login_links() -> dict[str, Any]:
    return {"logout_url": url_for("auth.logout") if (RESIDENT_KEY in session or STAFF_KEY in session) else None}
