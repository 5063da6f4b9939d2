"""Rate limits: one table says which requests are counted, by whose key, against which setting.

Flask-Limiter keeps the counters in Redis when there is one (shared by every app server, as sessions are),
else in this process's memory (development). The endpoints of a row share one budget per key: a new
application and a correction are both submissions, a login is a start and a callback. A refused request
never reaches its view, so nothing is created; the 429 page (portal.web.errors) says when to try again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from math import ceil
from time import time
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from flask_limiter import Limiter

from portal.config import Environment
from portal.web.access import RESIDENT_KEY, STAFF_KEY

EXTENSION = "madoguchi.limiter"

log = logging.getLogger(__name__)


def _address() -> str:
    """The client's address (behind the load balancer, the one the proxy fix restored)."""
    return request.remote_addr or "unknown"


def _person() -> str:
    """The logged-in staff member or resident, whatever address they come from; else the address (such a
    request is sent to log in)."""
    if staff := session.get(STAFF_KEY):
        return f"staff:{staff}"
    if resident := session.get(RESIDENT_KEY):
        return f"resident:{resident}"
    return f"address:{_address()}"


def _api_token() -> str:
    """The API token the request authenticated with (portal.web.api), whatever address it comes from."""
    return f"api:{g.api.id}"


def _postal_button() -> bool:
    """The form's no-JavaScript 「住所を検索」 button: a POST of the form that looks up, never submits."""
    return request.method == "POST" and "lookup" in request.form


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    setting: str  # the config key holding the limit string (portal.config.RATE_LIMITS)
    key: Callable[[], str]
    endpoints: tuple[str, ...]
    counts: Callable[[], bool]  # whether this request to one of the endpoints counts


RULES = (
    Rule(
        "RATELIMIT_LOGIN",
        _address,
        ("auth.resident_login", "auth.resident_callback", "auth.staff_login", "auth.staff_callback"),
        _always,
    ),
    Rule(
        "RATELIMIT_SUBMIT",
        _person,
        ("resident.confirm", "resident.correct"),
        lambda: request.method == "POST" and not _postal_button(),
    ),
    # A clerk entering applications at the counter: a stolen staff session cannot flood the queue either.
    Rule(
        "RATELIMIT_COUNTER",
        _person,
        ("backoffice.counter_confirm", "backoffice.counter_correct"),
        lambda: request.method == "POST" and not _postal_button(),
    ),
    Rule(
        "RATELIMIT_TRANSITION",
        _person,
        ("resident.fire", "backoffice.fire", "resident.pay", "resident.payment_return"),
        _always,
    ),
    Rule(
        "RATELIMIT_POSTAL",
        _address,
        (
            "resident.postal",
            "resident.apply",
            "resident.correct",
            "backoffice.counter_apply",
            "backoffice.counter_correct",
        ),
        lambda: request.endpoint == "resident.postal" or _postal_button(),
    ),
    Rule("RATELIMIT_VERIFY", _address, ("verify.certificate", "verify.compare"), _always),
    Rule("RATELIMIT_MESSAGE", _person, ("resident.post_message", "backoffice.post_message"), _always),
    # Each accepted address is emailed a confirmation link: no one floods a mailbox from the settings page.
    Rule("RATELIMIT_MAIL_ADDRESS", _person, ("account.set_address",), _always),
    # Counted after the token is checked (a request without one is refused before its view).
    Rule(
        "RATELIMIT_API", _api_token, ("api.cases", "api.case", "api.attachment", "api.certificate", "api.fire"), _always
    ),
)


def _storage_uri(redis_url: str | None) -> str:
    """The sessions' Redis as the limits library names it: a socket is ``redis+unix://``, not redis-py's
    ``unix://``, which it refuses as an unknown storage scheme."""
    if not redis_url:
        return "memory://"
    scheme = urlsplit(redis_url).scheme
    return f"redis+unix{redis_url[len(scheme) :]}" if scheme == "unix" else redis_url


def init_app(app: Flask) -> None:
    """Wrap the listed views (registered by now) in their limits; one limiter per app, like its settings."""
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "madoguchi")
    # A moving window: a fixed one lets a script spend two budgets across a minute boundary.
    limiter = Limiter(_address, app=app, storage_uri=_storage_uri(app.config["REDIS_URL"]), strategy="moving-window")
    app.extensions[EXTENSION] = limiter
    limited = {endpoint for rule in RULES for endpoint in rule.endpoints}
    # Every other request skips the limiter's per-request work at once: no limit can apply to it.
    limiter.request_filter(lambda: request.endpoint not in limited)
    for rule in RULES:
        limit = limiter.shared_limit(
            app.config[rule.setting],
            scope=rule.setting.lower(),
            key_func=rule.key,
            exempt_when=lambda counts=rule.counts: not counts(),
        )
        for endpoint in rule.endpoints:
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    if app.config["ENVIRONMENT"] is Environment.PRODUCTION and not app.config["TRUSTED_PROXIES"]:
        log.warning(
            "TRUSTED_PROXIES=0: behind a load balancer every request comes from its address, so each per-address "
            "rate limit (%s) is shared by all clients; set TRUSTED_PROXIES to the number of proxies in front",
            ", ".join(rule.setting for rule in RULES if rule.key is _address),
        )


def retry_after() -> int:
    """Whole seconds until the limit this request broke lets the next one through."""
    breached = current_app.extensions[EXTENSION].current_limit
    return max(1, ceil(breached.window.reset_time - time())) if breached else 60
