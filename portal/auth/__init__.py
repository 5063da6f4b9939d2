"""OpenID Connect login for residents and staff: two registrations, one flow."""

from portal.auth.views import bp, init_app

__all__ = ["bp", "init_app"]
