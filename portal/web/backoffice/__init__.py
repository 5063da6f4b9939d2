"""Back office: the municipality's queue, a submission's page and its decisions, 担当, internal notes and the
conversation with the resident."""

from portal.web.backoffice import casework, messages, notices, queue, requester  # noqa: F401 - their routes join the blueprint
from portal.web.backoffice.views import bp

__all__ = ["bp"]
