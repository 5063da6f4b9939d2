"""``scripts/bench submissions`` sets beside its figures the CPU of the least request a logged-in resident can make:
a view of its own, on its in-process copy of the portal, that needs the resident and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from portal import metrics
from portal.devtools.bench.submissions import LEAST, Applicant, add_least_request, request_costs
from tests.web.conftest import login


@pytest.fixture(autouse=True)
def _forgotten_by_the_metrics() -> Iterator[None]:
    """The bench's view is a rule of these tests' portals alone, but this process's metrics are every portal's
    (tests/web/test_metrics.py finds each route label among the portal's rules): they forget it afterwards."""
    yield
    for metric in (metrics.REQUESTS, metrics.REQUEST_SECONDS):
        for labels in [labels for labels in metric._metrics if labels[0] == LEAST]:  # noqa: SLF001 - its children
            metric.remove(*labels)


def test_the_least_logged_in_request_needs_the_resident_and_is_timed_beside_bare_flask(
    build_app: Callable[..., Flask], demo: Any
) -> None:
    portal = build_app()
    add_least_request(portal)
    anonymous = portal.test_client().get(LEAST)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/auth/resident/login")

    browser = portal.test_client()
    login(browser, "resident", "resident-yamada")
    answered = browser.get(LEAST)
    assert (answered.status_code, answered.text) == (200, "ok")

    cookie = browser.get_cookie(portal.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    costs = request_costs(portal, Applicant(f"{cookie.key}={cookie.value}"))
    assert set(costs) == {"bare Flask", "portal"} and all(ms > 0 for ms in costs.values())


def test_without_a_logged_in_resident_the_costs_are_not_measured(build_app: Callable[..., Flask], demo: Any) -> None:
    portal = build_app()
    add_least_request(portal)
    with pytest.raises(SystemExit, match="not logged in"):  # a redirect to the login is not what is measured
        request_costs(portal, Applicant("session=nobody"))
