"""Back office: the municipality's queue, a submission's page and its decisions."""

from portal.web.backoffice import messages  # noqa: F401 - the conversation's routes
from portal.web.backoffice.views import bp

__all__ = ["bp"]
