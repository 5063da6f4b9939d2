"""Back office: the municipality's queue, a submission's page and its decisions, 担当 and internal notes."""

from portal.web.backoffice import casework, queue  # noqa: F401 - their routes join the blueprint
from portal.web.backoffice.views import bp

__all__ = ["bp"]
