"""A resident's own settings: where and whether notifications are emailed (portal.services.mail_settings)."""

from portal.web.account.views import bp

__all__ = ["bp"]
