"""``scripts/bench submissions``: many residents applying at once, end to end (issue 10: a day-one surge).

The portal runs under gunicorn as for ``scripts/bench pages`` (portal.devtools.bench.pages.demo_portal). 400
residents are made in its database, each logged in by a session stored in its Redis the way the login stores
one (so the development provider, with its handful of demo accounts, is not in the way), and each fetches the
粗大ごみ form once for its CSRF token. Then 16 clients (wrk's 16 connections) apply one after another for 20 s,
each submission by the next resident: 次へ on both pages of the form (the draft saved each time), the
confirmation page, 申請する. A resident applies at most five times, within the default ``RATELIMIT_SUBMIT``
(limits are per person: none is switched off), and never twice at once; the run stops early once all have.

Printed: submissions completed a second over the run (target ≥ 100), the p99 of a whole submission, its four
requests from the first byte sent to the receipt's redirect (≤ 300 ms: at 100 a second, 16 clients wait
160 ms on average), errors (0), and whether every 受付番号 stored is unique and every submission answered with
its own. Not a target, to show how much of that is any logged-in request's: the CPU time in this process of the
least request a logged-in resident can make (a view needing only the resident, added to this process's copy of the
app) beside bare Flask's. ``--profile`` prints a cProfile of submissions in this process instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import load_settings
from portal.database import make_engine
from portal.devtools.bench.load import closed_loop, exchange
from portal.devtools.bench.measure import Ratio, median_ms, profile, report
from portal.devtools.bench.pages import demo_portal
from portal.japan import jst
from portal.models import Resident, Submission
from portal.web import requestlog
from portal.web.access import RESIDENT_KEY, resident_required
from portal.web.sessions import LAST_SEEN, LOGGED_IN_AT

ROUNDS, WARMUP = 1, 0  # one run of SECONDS
RATE, SECONDS, CLIENTS = 100.0, 20.0, 16
P99_MS = 300.0
RESIDENTS = 400
EACH = 5  # submissions a resident makes at most: the default RATELIMIT_SUBMIT allows 5 a minute
PORT, IDP_PORT = 18010, 18012
CODE = "999997"
APPLY = f"/{CODE}/procedures/sodai_gomi/apply"
CONFIRM = f"/{CODE}/procedures/sodai_gomi/confirm"
RECEIPT = re.compile(rf"/{CODE}/applications/([0-9]+-[0-9]+)/receipt$")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION_TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')
LEAST = "/bench/least-logged-in-request"  # only on this process's copy of the app (add_least_request)
BATCH = 200  # requests timed together: one is too short for the process clock


def answers() -> dict[str, dict[str, str]]:
    """Both pages of the 粗大ごみ form as a browser sends them."""
    day = jst.today() + timedelta(days=14)
    return {
        "applicant": {
            "family_name": "山田",
            "given_name": "太郎",
            "phone": "090-1234-5678",
            "postal_code": "1000005",
            "collection_address": "東京都千代田区丸の内1-9-1",
        },
        "collection": {
            "items-sofa": "1",
            "items-bicycle": "2",
            "preferred_date-era": "seireki",
            "preferred_date-year": str(day.year),
            "preferred_date-month": str(day.month),
            "preferred_date-day": str(day.day),
        },
    }


@dataclass
class Applicant:
    cookie: str
    csrf_token: str = ""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def logged_in_residents(app: Flask, count: int) -> list[Applicant]:
    """``count`` residents in the portal's database, each with a logged-in session in its Redis."""
    assert app.extensions["database"].engine is not None
    with Session(app.extensions["database"].engine) as session:
        residents = [
            Resident(subject=f"bench-resident-{n}", profile={"family_name": "山田", "given_name": f"太郎{n}"})
            for n in range(count)
        ]
        session.add_all(residents)
        session.commit()
        ids = [resident.id for resident in residents]
    applicants = []
    for resident_id in ids:
        client = app.test_client()
        with client.session_transaction() as stored:
            stored[RESIDENT_KEY] = resident_id
            stored[LOGGED_IN_AT] = stored[LAST_SEEN] = int(time.time())
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None
        applicants.append(Applicant(f"{cookie.key}={cookie.value}"))
    return applicants


def add_least_request(app: Flask) -> None:
    """A view needing nothing but the logged-in resident, on ``app`` (this process's copy, before its first
    request): what any logged-in request costs the portal, its session, resident and transaction."""
    app.add_url_rule(LEAST, "bench_least", resident_required(lambda: "ok"))


def request_costs(app: Flask, applicant: Applicant) -> dict[str, float]:
    """This process's CPU ms a request: bare Flask answering "ok", and ``app``'s least logged-in request."""
    bare = Flask("bare")
    bare.add_url_rule(LEAST, "least", lambda: "ok")
    bare_client, portal_client = bare.test_client(), app.test_client()
    name, _, value = applicant.cookie.partition("=")
    portal_client.set_cookie(name, value)
    if portal_client.get(LEAST).status_code != 200:
        raise SystemExit("the least logged-in request was not answered: the bench's resident is not logged in")
    log = logging.getLogger(requestlog.__name__)
    log.disabled = True  # a record a request would be most of what is measured
    try:
        costs = median_ms(
            {
                "bare Flask": lambda: [bare_client.get(LEAST) for _ in range(BATCH)],
                "portal": lambda: [portal_client.get(LEAST) for _ in range(BATCH)],
            },
            rounds=5,
            warmup=1,
            clock=time.process_time,
        )
    finally:
        log.disabled = False
    return {case: ms / BATCH for case, ms in costs.items()}


class Submitter:
    """One resident's application, request by request, as a browser makes it."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.host, self.port = parts.hostname, parts.port
        self.answers = answers()
        self.references: list[str] = []
        self.failures: dict[str, int] = {}

    async def prepare(self, applicant: Applicant) -> None:
        form = await exchange(self.host, self.port, "GET", APPLY, {"Cookie": applicant.cookie})
        found = CSRF.search(form.body.decode())
        if form.status != 200 or found is None:
            raise SystemExit(f"the form answered {form.status} without a CSRF token: the bench cannot apply")
        applicant.csrf_token = found.group(1)

    async def submit(self, applicant: Applicant) -> bool:
        async with applicant.lock:  # one resident never has two applications in flight
            step = "applicant"
            try:
                for page in ("applicant", "collection"):
                    step = page
                    await self._post(applicant, f"{APPLY}?page={page}", {**self.answers[page], "action": "next"}, 302)
                step = "confirm"
                page = await exchange(self.host, self.port, "GET", CONFIRM, {"Cookie": applicant.cookie})
                token = SUBMISSION_TOKEN.search(page.body.decode())
                if page.status != 200 or token is None:
                    raise _Failed
                step = "submit"
                done = await self._post(applicant, CONFIRM, {"submission_token": token.group(1)}, 302)
                receipt = RECEIPT.search(done.headers.get("location", ""))
                if receipt is None:
                    raise _Failed
            except _Failed:
                self.failures[step] = self.failures.get(step, 0) + 1
                return False
            self.references.append(receipt.group(1))
            return True

    async def _post(self, applicant: Applicant, path: str, data: Mapping[str, str], status: int):  # type: ignore[no-untyped-def]
        body = urlencode({**data, "csrf_token": applicant.csrf_token}).encode()
        headers = {"Cookie": applicant.cookie, "Content-Type": "application/x-www-form-urlencoded"}
        answer = await exchange(self.host, self.port, "POST", path, headers, body)
        if answer.status != status:
            raise _Failed
        return answer


class _Failed(Exception):
    pass


def main(*, rounds: int, warmup: int, profile: bool) -> None:
    with demo_portal("submissions", PORT, IDP_PORT) as (url, env):
        app = create_app(load_settings(env))
        add_least_request(app)
        applicants = logged_in_residents(app, RESIDENTS)
        submitter = Submitter(url)

        async def prepare_all() -> None:
            await asyncio.gather(*(submitter.prepare(applicant) for applicant in applicants))

        asyncio.run(prepare_all())
        if profile:
            _profile(app, applicants)
            return
        costs = request_costs(app, applicants[0])
        print(
            f"\n  not a target: CPU a request in this process: bare Flask {costs['bare Flask']:.2f} ms, the portal's"
            f" least logged-in request {costs['portal']:.2f} ms (its session, resident and transaction); an"
            f" application's four requests spend {4 * costs['portal']:.1f} ms on that before any step's own work"
        )
        run(submitter, applicants, env["DATABASE_URL"])


def run(submitter: Submitter, applicants: list[Applicant], database_url: str) -> None:
    turn = iter(range(10**9))

    async def one() -> bool:
        return await submitter.submit(applicants[next(turn) % len(applicants)])

    print(
        f"\nscripts/bench submissions: {CLIENTS} clients applying for {SECONDS:g} s, one after another, as"
        f" {len(applicants)} residents (次へ, 次へ, 確認, 申請する); load average {os.getloadavg()[0]:.2f}\n"
    )
    result = asyncio.run(closed_loop(one, concurrency=CLIENTS, seconds=SECONDS, most=len(applicants) * EACH))
    made = submitter.references
    stored, distinct = _references(database_url)
    answered_unique = len(set(made)) == len(made)
    print(f"  submitted            {len(made):6d} of {result.sent} in {result.seconds:.1f} s")
    print(f"  submissions a second {len(made) / result.seconds:8.1f}")
    print(f"  p50 / p99 / max      {result.p50_ms:6.0f} / {result.p99_ms:.0f} / {result.percentile(1.0):.0f} ms")
    print(f"  errors               {result.errors:6d}  {submitter.failures or ''}")
    print(f"  受付番号 stored       {stored:6d}, distinct {distinct}; every answer its own: {answered_unique}")
    print(f"  load average {os.getloadavg()[0]:.2f} at the end\n")
    report(
        [
            Ratio("submissions a second", len(made) / result.seconds, RATE, " /s", at_least=True),
            Ratio("p99 of a submission", result.p99_ms, P99_MS, " ms"),
            Ratio("errors", result.errors, 0, ""),
            Ratio("受付番号 stored more than once", stored - distinct, 0, ""),
        ]
    )


def _references(database_url: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(func.count(), func.count(func.distinct(Submission.reference))).where(
                    Submission.municipality_code == CODE
                )
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1])


def _profile(app: Flask, applicants: list[Applicant]) -> None:
    """A submission's four requests through the portal in this process (same database and Redis), cProfiled."""
    steps = answers()
    clients = []
    for applicant in applicants[:50]:
        client = app.test_client()
        name, _, value = applicant.cookie.partition("=")
        client.set_cookie(name, value)
        clients.append((client, applicant.csrf_token))
    turn = iter(clients)

    def submit() -> None:
        client, csrf = next(turn)
        for page in ("applicant", "collection"):
            client.post(f"{APPLY}?page={page}", data={**steps[page], "action": "next", "csrf_token": csrf})
        token = SUBMISSION_TOKEN.search(client.get(CONFIRM).text)
        assert token is not None
        done = client.post(CONFIRM, data={"submission_token": token.group(1), "csrf_token": csrf})
        assert done.status_code == 302, done.status_code

    profile(submit, repeat=len(clients))
