"""The domain core stays free of Flask, so it can run in workers, the CLI and tests without a request."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from portal.config import ROOT

CORE = (
    ["portal.catalog", "portal.workflow", "portal.certificates", "portal.identity", "portal.japan"]
    + [f"portal.japan.{m}" for m in ("wareki", "jst", "municipality_code")]
    + [f"portal.records.{m}" for m in ("model", "matching", "registry", "demo", "http")]
)
WEB_ONLY = ("flask", "werkzeug", "flask_babel", "flask_wtf", "flask_session")


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_web_framework(module: str) -> None:
    probe = (
        f"import json, sys, {module}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {WEB_ONLY!r})))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], f"{module} pulls in the web layer"


def test_the_probe_would_notice_flask() -> None:
    probe = "import json, sys, portal.web.access\nprint(json.dumps('flask' in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert json.loads(result.stdout) is True
