"""Error pages: user input never produces a 500, and every error page speaks the user's language."""

from __future__ import annotations

from flask import Flask, abort, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _refuse_nul() -> None:
    """No person types NUL and PostgreSQL cannot store it: refuse it before it reaches a query (a 500)."""
    texts = [request.path]
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            texts += (key, value)
    if any("\x00" in text for text in texts):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/400.html", error=error, csrf=True), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        template = f"errors/{code}.html" if code in (400, 403, 404) else "errors/generic.html"
        # Our own abort(…, description=…) is already translated; werkzeug's stock English text is not shown.
        detail = error.description if error.description != type(error).description else None
        return render_template(template, error=error, detail=detail), code

    @app.errorhandler(500)
    def _server(error: Exception) -> tuple[str, int]:
        return render_template("errors/500.html", error=error), 500
