"""Back office: the municipality's queue, a submission's page and its decisions, 担当, internal notes, the
conversation with the resident, and applications entered at the counter."""

from portal.web.backoffice import (  # noqa: F401 - their routes join the blueprint
    casework,
    counter,
    messages,
    notices,
    queue,
    requester,
)
from portal.web.backoffice.views import bp

__all__ = ["bp"]
