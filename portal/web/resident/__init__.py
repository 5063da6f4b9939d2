"""Resident pages: procedures, applying, my applications, certificates."""

from portal.web.resident.views import bp

__all__ = ["bp"]
