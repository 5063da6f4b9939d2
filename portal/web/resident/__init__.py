"""Resident pages: procedures, applying, my applications, certificates."""

from portal.web.resident import messages  # noqa: F401 - the conversation's routes
from portal.web.resident.views import bp

__all__ = ["bp"]
