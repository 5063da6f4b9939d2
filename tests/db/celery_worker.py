"""``celery -A tests.db.celery_worker worker``: the portal's worker (``celery -A portal.tasks``) as tests run it.

Its Redis keys carry the test's prefix (``TEST_CELERY_KEY_PREFIX``, see tests/broker.py). With
``TEST_RENDER_STARTED`` set, rendering touches that file and then hangs, so that a test can kill the
worker while it renders.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from portal import tasks
from portal.certificates.renderer import CertificateRenderer
from tests.broker import use_prefix

app = tasks.app
use_prefix(app, os.environ["TEST_CELERY_KEY_PREFIX"])

if started := os.environ.get("TEST_RENDER_STARTED"):

    def _render_until_killed(self: CertificateRenderer, template: str, context: Any) -> bytes:
        Path(started).touch()
        time.sleep(600)
        raise AssertionError("the test kills this worker long before")

    CertificateRenderer.render_pdf = _render_until_killed  # type: ignore[method-assign]
