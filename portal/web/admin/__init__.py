"""Administration in the back office: municipality details and seal, the procedures offered, the audit log, a case's
access log and legal hold, the statistics, and the shared catalog's versions (nested: its pages pass the same
check)."""

from portal.web.admin import (
    cases,  # noqa: F401 - its routes join the blueprint
    statistics,  # noqa: F401 - its routes join the blueprint
    webhook_views,  # noqa: F401 - its routes join the blueprint
)
from portal.web.admin.catalog_views import bp as catalog_bp
from portal.web.admin.views import bp

bp.register_blueprint(catalog_bp)

__all__ = ["bp"]
