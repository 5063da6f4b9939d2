"""Login through two separate OIDC client registrations.

Residents use a デジタル認証アプリ-shaped provider (scopes openid name address birthdate gender); staff use
the municipality's directory. Both: authorization code with PKCE S256, state and nonce kept in the
server-side session, the ID token checked strictly (portal.web.auth.idtoken), and client authentication by
secret or by private_key_jwt (portal.web.auth.oidc). Any failure of the provider is the login error page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from portal.database import db
from portal.identity import ClaimsError, resident_profile_from_claims, staff_identity_from_claims
from portal.services import accounts
from portal.web import sessions
from portal.web.access import RESIDENT_KEY, STAFF_KEY, safe_next, staff_home
from portal.web.auth import oidc
from portal.web.auth.idtoken import LoginFailed
from portal.web.security import csrf

log = logging.getLogger(__name__)

NEXT_KEY = "login_next"
LOGOUT_STATE_KEY = "oidc_logout_state"

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    oidc.init_app(app)
    app.register_blueprint(bp)


def _start(provider: str, default_next: str) -> Any:
    session[NEXT_KEY] = safe_next(request.args.get("next"), default_next)
    try:
        return oidc.authorize_redirect(provider)
    except LoginFailed:  # the provider cannot be reached: the login error page, like a failed callback
        abort(400, description=_("ログインできませんでした。もう一度お試しください。"))


def _exchange(provider: str) -> dict[str, Any]:
    """The verified claims, or the login error page (the reason is logged by oidc)."""
    try:
        return oidc.exchange(provider)
    except LoginFailed:
        abort(400, description=_("ログインできませんでした。もう一度お試しください。"))


def _logged_in(key: str, user_id: int, target: str) -> Any:
    _fresh_session()
    session[key] = user_id
    flash(_("ログインしました。"), "success")
    return redirect(target)


@bp.get("/resident/login")
def resident_login() -> Any:
    return _start("resident", url_for("resident.home"))


@bp.get("/resident/callback")
def resident_callback() -> Any:
    claims = _exchange("resident")
    profile = resident_profile_from_claims(claims)
    resident = accounts.resident_login(db.session, profile)
    target = session.pop(NEXT_KEY, None) or url_for("resident.home")
    return _logged_in(RESIDENT_KEY, resident.id, target)


@bp.get("/staff/login")
def staff_login() -> Any:
    return _start("staff", "")  # no page asked for: the staff member's home, known once they are


@bp.get("/staff/callback")
def staff_callback() -> Any:
    claims = _exchange("staff")
    try:
        identity = staff_identity_from_claims(claims)
    except ClaimsError as exc:
        log.warning("staff login refused: %s", exc)
        abort(403)
    staff = accounts.staff_login(db.session, identity)
    if staff is None:
        abort(403)
    target = session.pop(NEXT_KEY, None) or staff_home(staff)
    return _logged_in(STAFF_KEY, staff.id, target)


def _fresh_session() -> None:
    """A new id and nothing left of whoever used this browser before (a shared terminal); the login time is
    stamped when the person is put in (portal.web.sessions)."""
    session["renewing"] = True  # Flask-Session renews only a session that holds something
    sessions.renew()
    session.clear()


@bp.post("/logout")
@csrf.exempt  # checked below, except for a session that timed out: its token is gone with it
def logout() -> Any:
    """End our session, then the provider's (RP-initiated logout) when it offers an end_session_endpoint.

    A session past its timeout is logged out the same way (portal.web.sessions lets it through): the
    provider's session must end too, or the next person at a shared terminal walks straight back in. Its
    record may be gone already, so the logout button names whose provider it is. Without a CSRF token: the
    SameSite=Lax cookie that shows the session timed out is never sent with another site's POST.

    The page sends the browser on by a link and a meta refresh rather than a 302: CSP form-action 'self'
    would block a redirect to the provider that follows this form POST.
    """
    timed_out = sessions.timed_out()
    if not timed_out:
        csrf.protect()
    provider = _provider_of_session() or (request.form.get("provider") if timed_out else None)
    _fresh_session()
    if provider in oidc.SCOPES:
        state = oidc.new_state()
        end_session = oidc.end_session_url(provider, state=state)
        if end_session:
            session[LOGOUT_STATE_KEY] = state
            return render_template("auth/logout.html", end_session_url=end_session)
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("resident.home"))


def _provider_of_session() -> str | None:
    if STAFF_KEY in session:
        return "staff"
    return "resident" if RESIDENT_KEY in session else None


@bp.get("/logged-out")
def logged_out() -> Any:
    """Where the provider sends the browser back after its logout (post_logout_redirect_uri)."""
    expected = session.pop(LOGOUT_STATE_KEY, None)
    if expected and request.args.get("state") == expected:
        flash(_("ログアウトしました。"), "info")
    return redirect(url_for("resident.home"))


@bp.get("/jwks.json")
def jwks() -> Response:
    """The public keys of our private_key_jwt client assertions, for providers that fetch them."""
    response = jsonify({"keys": oidc.public_keys()})
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.app_context_processor
def _login_links() -> dict[str, Any]:
    return {"logout_url": url_for("auth.logout") if (RESIDENT_KEY in session or STAFF_KEY in session) else None}
