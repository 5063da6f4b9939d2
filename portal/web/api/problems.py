"""Errors of the API as problem documents (RFC 9457): ``application/problem+json`` with the status, a title, a
detail in the client's language and, for bad input, the errors by field. Never an HTML page, whatever failed."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, current_app, json, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/v1/"  # the versioned API only: /api/postal is the resident form's own look-up


def is_api_request() -> bool:
    """Any path under /api/v1/, routed or not: an unknown one is answered as a problem too."""
    return request.path.startswith(PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def from_http_error(error: HTTPException) -> Response:
    """A werkzeug error raised anywhere in an API request; its description only when the API wrote it (stock
    descriptions are English prose about web pages)."""
    code = error.code or 500
    detail = error.description if error.description != type(error).description else None
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    return problem(code, detail, headers=headers)
