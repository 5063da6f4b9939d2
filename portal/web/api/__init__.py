"""/api/v1: a municipality's cases for its core systems and RPA, with a token instead of a session (no cookie, no
CSRF), JSON answers, problem documents for errors and an OpenAPI 3.1 document written from the code."""

from portal.web.api.views import bp

__all__ = ["bp"]
