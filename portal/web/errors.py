"""Error pages: user input never produces a 500, and every error page speaks the user's language."""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.database import db
from portal.web import limits
from portal.web.api.problems import from_http_error, is_api_request, problem
from portal.web.templating import render_without_database


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/400.html", error=error, csrf=True), 400

    @app.errorhandler(429)
    def _too_many(error: HTTPException) -> Any:
        seconds = limits.retry_after()
        if is_api_request():
            detail = _("リクエストが多すぎます。%(seconds)d秒後に再度お試しください。", seconds=seconds)
            return problem(429, detail, headers={"Retry-After": str(seconds)})
        page = render_template("errors/429.html", error=error, retry_minutes=ceil(seconds / 60))
        return page, 429, {"Retry-After": str(seconds)}

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        if is_api_request():
            return from_http_error(error)
        code = error.code or 500
        template = f"errors/{code}.html" if code in (400, 403, 404) else "errors/generic.html"
        # Our own abort(…, description=…) is already translated; werkzeug's stock English text is not shown.
        detail = error.description if error.description != type(error).description else None
        return render_template(template, error=error, detail=detail), code

    @app.errorhandler(500)
    def _server(error: Exception) -> Any:
        # The failed request's work is abandoned first: after a database error the session refuses every
        # query until rolled back. The page itself then reads nothing from the database.
        db.session.rollback()
        if is_api_request():
            return problem(500)
        return render_without_database("errors/500.html", error=error), 500
