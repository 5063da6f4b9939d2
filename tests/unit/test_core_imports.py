"""The domain core stays free of Flask, so it can run in workers, the CLI and tests without a request.

Every module of the core packages is found by walking them, so a new module is checked without being listed.
One interpreter imports them all, one by one, and reports the web modules each import brought in.
"""

from __future__ import annotations

import json
import subprocess
import sys

from portal.config import ROOT

CORE_PACKAGES = (
    "portal.catalog",
    "portal.workflow",
    "portal.certificates",
    "portal.records",
    "portal.japan",
    "portal.payments",
    "portal.attachments",
    "portal.storage",
    "portal.mail",
)
CORE_MODULES = (
    "portal.identity",
    "portal.roles",
    "portal.messages",
    "portal.languages",
    "portal.metrics",
)  # metrics: the worker serves them too
WEB_ONLY = ("flask", "werkzeug", "flask_babel", "flask_wtf", "flask_session")

# The walk yields a package before importing it, so the probe's own import comes first and is the one measured.
PROBE = """
import importlib, json, pkgutil, sys

packages, modules, web_only = json.loads(sys.argv[1])
checked, pulled_in = [], {}


def web():
    return {name for name in sys.modules if name.split(".")[0] in web_only}


def probe(name):
    checked.append(name)
    before = web()
    try:
        module = importlib.import_module(name)
    except Exception as exc:
        pulled_in[name] = f"does not import: {type(exc).__name__}: {exc}"
        return None
    if brought := sorted({name.split(".")[0] for name in web() - before}):
        pulled_in[name] = brought
    return module


for name in modules:
    probe(name)
for name in packages:
    if (package := probe(name)) is not None:
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            probe(info.name)
print(json.dumps({"checked": checked, "pulled_in": pulled_in}))
"""


def run_probe(packages: tuple[str, ...], modules: tuple[str, ...]) -> dict:  # type: ignore[type-arg]
    argument = json.dumps([packages, modules, WEB_ONLY])
    result = subprocess.run(
        [sys.executable, "-c", PROBE, argument], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_no_core_module_imports_a_web_framework() -> None:
    report = run_probe(CORE_PACKAGES, CORE_MODULES)
    assert report["pulled_in"] == {}, f"core modules that pull in the web layer: {report['pulled_in']}"
    # The walk reaches subpackages and every kind of module, not only the packages named above.
    assert {
        "portal.catalog.fieldtypes.text",
        "portal.workflow.engine",
        "portal.certificates.signing",
        "portal.certificates.verification",
        "portal.certificates.fonts",
        "portal.certificates.devpki",
        "portal.records.http",
        "portal.records.demo",
        "portal.attachments.pdfs",
        "portal.attachments.scan",
        "portal.storage.s3",
        "portal.japan.wareki",
        "portal.roles",
        "portal.messages",
    } <= set(report["checked"])


def test_the_probe_names_the_module_that_pulls_in_flask() -> None:
    report = run_probe((), ("portal.messages", "portal.web.access", "portal.roles"))
    assert report["pulled_in"] == {"portal.web.access": ["flask", "werkzeug"]}
