"""Open data: each municipality's aggregated applications as JSON and CSV, and the page documenting them; public."""

from portal.web.opendata.views import bp

__all__ = ["bp"]
