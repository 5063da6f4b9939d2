"""One log record per request, the same facts as Prometheus metrics, and log output without personal data.

The record says who (actor kind and id), where (municipality code, the URL rule rather than the path),
what came of it (status, duration) and a request id to find the other records of the same request. It
never holds a name, an answer, a claim, a token, a query string or a cookie: a log is read by more
people, and kept longer, than the database. Libraries that print such things below WARNING (SQL
statements and rows, the PKCE verifier and issued tokens) are held at WARNING whatever the root level, and
PostgreSQL's DETAIL line of a refused write (the failing row, the duplicate key), which SQLAlchemy's
hide_parameters cannot reach, is blanked in what both formats write, traceback included.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from flask import Flask, Response, g, has_request_context, request, request_started
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

from portal import metrics
from portal.config import LogFormat
from portal.models import ActorKind

log = logging.getLogger(__name__)

HANDLER_NAME = "madoguchi"
LOGGED = "madoguchi.logged"  # in the WSGI environ: the request's Logged
QUIET_LOGGERS = ("sqlalchemy.engine", "authlib")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")  # a proxy's id is reused only when it is this plain
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
# "DETAIL:  Failing row contains (…)", "DETAIL:  Key (…)=(…) already exists.": to the end of the line (in a repr,
# where the line's end is an escaped \n, rather more: too much hidden is better than a value shown).
DETAIL = re.compile(r"DETAIL:[^\n]*")
DETAIL_HIDDEN = "DETAIL: (hidden: it may quote the values of a row)"


def init_app(app: Flask) -> None:
    """Call before the database extension: its after_request commits, and the record must see the outcome."""
    configure_logging(app.config["LOG_FORMAT"])
    request_started.connect(_start, app)
    app.after_request(_finish)
    app.teardown_request(_teardown)


def configure_logging(log_format: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """Write every record reaching the root logger to ``stream`` (stderr) in ``log_format``.

    Each app built in a process replaces the handler of the one before rather than adding a second.
    """
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(_JsonFormatter() if log_format is LogFormat.JSON else _TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(existing)
    root.addHandler(handler)
    log.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def _start(app: Flask, **_extra: Any) -> None:
    """On request_started, so a request refused by a URL preprocessor (unknown municipality) is timed too."""
    g.request_started = time.perf_counter()
    g.request_id = request_id_of(request.headers, app.config.get("REQUEST_ID_HEADER"))


def request_id_of(headers: Mapping[str, str], header: str | None) -> str:
    """The proxy's id for the request when it is plain enough to reuse, else a new one."""
    offered = headers.get(header, "") if header else ""
    return offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    _log_request(response.status_code)
    response.headers["X-Request-ID"] = g.request_id
    return response


def _teardown(exc: BaseException | None) -> None:
    """An exception that escaped every handler (PROPAGATE_EXCEPTIONS) still leaves its record."""
    if exc is not None and not g.get("request_logged") and "request_id" in g:
        _log_request(500)


def _log_request(status: int) -> None:
    # portal.web.access keeps the logged-in resident or staff member in g.resident / g.staff.
    kind = next((kind for kind in ActorKind if g.get(kind.value) is not None), None)
    actor = g.get(kind.value) if kind else None
    route = request.url_rule.rule if request.url_rule is not None else None
    where = request.environ[LOGGED] = Logged(route, _primary_key(g.get("municipality")))
    g.request_logged = True
    write_record(
        g.request_id,
        request.method,
        where,
        status,
        time.perf_counter() - g.request_started,
        kind,
        _primary_key(actor),
    )


@dataclass(frozen=True)
class Logged:
    """What a request's record says of where it went; left in the WSGI environ for portal.web.pagecache, which
    writes the same record for a page it serves in Flask's stead."""

    route: str | None  # the URL rule, never the path
    municipality_code: str | None


def write_record(
    request_id: str,
    method: str,
    where: Logged,
    status: int,
    seconds: float,
    actor_kind: ActorKind | None = None,
    actor_id: Any = None,
) -> None:
    """The request's log record and its metrics."""
    metrics.observe_request(where.route, method, status, seconds)
    fields = {
        "request_id": request_id,
        "actor_kind": actor_kind.value if actor_kind else None,
        "actor_id": actor_id,
        "municipality_code": where.municipality_code,
        "route": where.route,
        "method": method,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
    }
    who = f"{fields['actor_kind']}:{actor_id}" if actor_kind else "anonymous"
    log.info(
        "%s %s %s %.1fms %s %s",
        method,
        where.route or "(no route)",
        status,
        fields["duration_ms"],
        who,
        where.municipality_code or "-",
        extra=fields,
    )


def _primary_key(instance: object | None) -> Any:
    """The loaded row's key without touching the database: after a rollback its attributes are expired."""
    if instance is None:
        return None
    identity = inspect(instance).identity
    return identity[0] if identity else None


def _request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _without_details(text: str) -> str:
    """``text`` with every PostgreSQL DETAIL line blanked (see DETAIL)."""
    return DETAIL.sub(DETAIL_HIDDEN, text) if "DETAIL:" in text else text


class _TextFormatter(logging.Formatter):
    """A readable line; records logged during a request carry its id, to find the request record."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = _request_id()
        record.request_tag = f" [{request_id}]" if request_id else ""
        return _without_details(super().format(record))


class _JsonFormatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        if "request_id" not in log_data and (request_id := _request_id()):
            log_data["request_id"] = request_id

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        """The message and the traceback, before they are escaped into JSON (where no line ends any more)."""
        return {key: _without_details(value) if isinstance(value, str) else value for key, value in log_data.items()}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr as it is when the record is written (a test runner or a process manager may swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass
