"""The public verification page a certificate's QR code opens: no login, nothing personal beyond a masked name."""

from portal.web.verify.views import bp

__all__ = ["bp"]
