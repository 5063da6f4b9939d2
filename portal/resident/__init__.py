"""Resident pages: procedures, applying, my applications, certificates."""

from portal.resident.views import bp

__all__ = ["bp"]
