"""OpenID Connect login for residents and staff: two registrations, one flow."""

from portal.web.auth.views import bp, init_app

__all__ = ["bp", "init_app"]
