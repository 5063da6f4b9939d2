"""Administration in the back office: municipality details and seal, the procedures offered, the audit log."""

from portal.web.admin.views import bp

__all__ = ["bp"]
