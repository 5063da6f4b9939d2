"""``scripts/bench pages``: the portal's busiest pages under gunicorn against a bare Flask app serving the very same
bytes on the same gunicorn configuration (issue 10: a day-one surge).

Both servers run side by side on this machine (4 sync workers each, servers.WORKERS), the portal on a PostgreSQL
database of its own with the demo data and on Redis sessions ($BENCH_REDIS_URL, an empty database that the bench
empties again afterwards). The resident logs in once through the development identity provider, started here on
a loopback port, and the cookie is reused. Each page's bytes are fetched from the portal first; the bare app
answers its path with them.

Pages: the municipality page, a procedure page (both anonymous), and a logged-in resident's form (the first page
of an application). Throughput: wrk, 16 connections, the median of the rounds, portal and bare app interleaved in
each round so a noisy neighbour slows both. Targets: public pages ≥ 0.5× bare Flask, the logged-in form ≥ 0.25×.
Latency: each page at a fixed 200 requests a second, open-loop (portal.devtools.bench.load), p99 ≤ 100 ms.
``--profile`` prints a cProfile of each page's request in this process instead.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit

import redis
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import load_settings
from portal.database import make_engine
from portal.demo import load_demo_data
from portal.devidp import create_idp_app, default_clients, serve_in_thread
from portal.devtools.bench import bare, servers
from portal.devtools.bench.load import WRK_CONNECTIONS, constant_rate, wrk
from portal.devtools.bench.measure import Ratio, columns, pad, profile, report
from portal.devtools.bench.postgres import throwaway_database
from portal.models import Resident

ROUNDS, WARMUP = 3, 1  # the defaults of this subcommand (each round is a wrk run per page and server)
SECONDS = 5.0  # one wrk run
RATE, RATE_SECONDS, P99_MS = 200.0, 10.0, 100.0
PUBLIC_RATIO, FORM_RATIO = 0.5, 0.25
PORTAL_PORT, BARE_PORT, IDP_PORT = 18000, 18001, 18002
FLOOR = "floor"  # the bare app's /floor/ pages: what any logged-in page must do here (portal.devtools.bench.bare)
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
CODE = "999997"
RESIDENT = "resident-yamada"


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    logged_in: bool

    @property
    def target(self) -> float:
        return FORM_RATIO if self.logged_in else PUBLIC_RATIO


PAGES = (
    Page("municipality page", f"/{CODE}/", False),
    Page("procedure page", f"/{CODE}/procedures/juminhyo", False),
    Page("logged-in form", f"/{CODE}/procedures/juminhyo/apply", True),
)


def portal_environment(database_url: str, redis_url: str, idp_url: str, instance: str) -> dict[str, str]:
    """The portal as production runs it where it matters here (PostgreSQL, Redis sessions and counters, JSON
    request log, no email), in the development environment so that the development provider logs people in."""
    return {
        "MADOGUCHI_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,  # sessions, rate limits and the Celery broker
        "SMTP_URL": "disabled",
        "LOG_FORMAT": "json",
        "DEV_IDP_URL": idp_url,
        "MADOGUCHI_INSTANCE_DIR": instance,
    }


@contextmanager
def empty_redis() -> Iterator[str]:
    """$BENCH_REDIS_URL, refused unless empty (it is someone else's), emptied again afterwards."""
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    store = redis.Redis.from_url(url)
    try:
        keys = store.dbsize()
    except redis.RedisError as exc:
        raise SystemExit(f"the benchmark needs Redis at {url}: {exc}") from exc
    if keys:
        raise SystemExit(f"the benchmark needs an empty Redis database at {url} (BENCH_REDIS_URL); it has {keys} keys")
    try:
        yield url
    finally:
        store.flushdb()
        store.close()


@contextmanager
def demo_portal(benchmark: str, port: int, idp_port: int, **settings: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A PostgreSQL database with the demo data, the development provider and the portal under gunicorn at
    ``port``; yields the portal's URL and environment. ``settings`` are further environment variables."""
    portal_url = f"http://127.0.0.1:{port}"
    with (
        throwaway_database(benchmark) as database_url,
        empty_redis() as redis_url,
        tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as instance,
    ):
        engine = make_engine(database_url)
        with Session(engine) as session:
            load_demo_data(session)
            session.commit()
        engine.dispose()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the provider's access log
        idp = serve_in_thread(None, "127.0.0.1", idp_port)
        idp.mount(create_idp_app(issuer=idp.url, clients=default_clients(portal_url), environment="development"))
        env = {**portal_environment(database_url, redis_url, idp.url, instance), **settings}
        try:
            with servers.gunicorn("wsgi:app", port, env, Path(instance) / "portal.log") as url:
                yield url, env
        finally:
            idp.shutdown()


def log_in(portal_url: str, sub: str) -> str:
    """The session cookie of ``sub`` after the real OIDC exchange with the development provider."""
    browser = requests.Session()
    start = browser.get(f"{portal_url}/auth/resident/login", allow_redirects=False, timeout=30)
    picked = requests.post(start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=30)
    callback = picked.headers["Location"]
    assert urlsplit(callback).path == "/auth/resident/callback", callback
    done = browser.get(callback, allow_redirects=False, timeout=30)
    if done.status_code != 302 or "session" not in browser.cookies:
        raise SystemExit(f"logging in as {sub} failed: {done.status_code}")
    return browser.cookies["session"]


def main(*, rounds: int, warmup: int, profile: bool) -> None:
    with demo_portal("pages", PORTAL_PORT, IDP_PORT) as (portal_url, env):
        cookie = {"Cookie": f"session={log_in(portal_url, RESIDENT)}"}
        if profile:
            _profile(env, cookie)
            return
        bodies = {}
        for page in PAGES:
            answer = requests.get(portal_url + page.path, headers=cookie if page.logged_in else {}, timeout=30)
            if answer.status_code != 200:
                raise SystemExit(f"{page.label} ({page.path}) answered {answer.status_code}")
            bodies[page.path] = answer.content
        with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as directory:
            bare.save_pages(Path(directory), bodies)
            bare_env = {
                "BENCH_BARE_PAGES": directory,
                "BENCH_FLOOR_DATABASE_URL": env["DATABASE_URL"],
                "BENCH_FLOOR_REDIS_URL": env["REDIS_URL"],
                "BENCH_FLOOR_RESIDENT_ID": str(_resident_id(env["DATABASE_URL"], RESIDENT)),
            }
            log = Path(directory) / "bare.log"
            with servers.gunicorn(
                "portal.devtools.bench.bare:app", BARE_PORT, bare_env, log, PAGES[0].path
            ) as bare_url:
                for page in PAGES:
                    for url in (bare_url, bare_url + bare.FLOOR):
                        if requests.get(url + page.path, headers=cookie, timeout=30).content != bodies[page.path]:
                            raise SystemExit(f"the bare app does not serve the portal's bytes for {page.path}")
                run({"portal": portal_url, "bare Flask": bare_url}, cookie, rounds=rounds, warmup=warmup)


def _resident_id(database_url: str, subject: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.scalars(select(Resident.id).filter_by(subject=subject)).one()
    finally:
        engine.dispose()


def run(urls: Mapping[str, str], cookie: Mapping[str, str], *, rounds: int, warmup: int) -> None:
    print(
        f"\nscripts/bench pages: gunicorn {servers.WORKERS} {servers.WORKER_CLASS} workers each, wrk {WRK_CONNECTIONS}"
        f" connections, {SECONDS:g} s a run, median of {rounds} interleaved rounds after {warmup} warm-up;"
        f" load average {os.getloadavg()[0]:.2f} at the start\n"
    )
    rates: dict[tuple[str, str], list[float]] = {}
    errors = 0
    portal, baseline = list(urls)
    floor_urls = {**urls, FLOOR: urls[baseline] + bare.FLOOR}
    for number in range(warmup + rounds):
        for page in PAGES:
            for server, url in (floor_urls if page.logged_in else urls).items():
                result = wrk(url + page.path, SECONDS, cookie if page.logged_in else None)
                errors += result.errors
                if number >= warmup:
                    rates.setdefault((page.path, server), []).append(result.requests_per_second)
    width = max(columns(page.label) for page in PAGES)
    print(f"  {pad('page', width)}  {f'{portal} req/s':>13}  {f'{baseline} req/s':>17}  {'ratio':>6}")
    ratios = []
    for page in PAGES:
        ours, theirs = median(rates[page.path, portal]), median(rates[page.path, baseline])
        print(f"  {pad(page.label, width)}  {ours:13.0f}  {theirs:17.0f}  {ours / theirs:6.3f}")
        ratios.append(Ratio(f"{page.label}: {portal} / {baseline}", ours / theirs, page.target, at_least=True))
    for page in PAGES:
        if page.logged_in:
            least, theirs = median(rates[page.path, FLOOR]), median(rates[page.path, baseline])
            print(
                f"\n  not a target: the floor of a {page.label} here (the same bytes from bare Flask after reading its"
                f" session from Redis and its person from PostgreSQL) answers {least:.0f} req/s, {least / theirs:.3f}x"
                f" bare Flask; the portal's is {median(rates[page.path, portal]) / least:.2f}x that floor"
            )
    if errors:
        print(f"\n  wrk counted {errors} errors (non-2xx/3xx answers or socket errors)")
    print(f"\n  the portal at a fixed {RATE:g} requests a second for {RATE_SECONDS:g} s each (open loop):")
    host_port = urlsplit(urls[portal])
    for page in PAGES:
        assert host_port.hostname is not None and host_port.port is not None
        fixed = constant_rate(
            host_port.hostname,
            host_port.port,
            page.path,
            rate=RATE,
            seconds=RATE_SECONDS,
            headers=cookie if page.logged_in else None,
        )
        print(
            f"  {pad(page.label, width)}  p50 {fixed.p50_ms:6.1f} ms  p99 {fixed.p99_ms:6.1f} ms"
            f"  max {fixed.percentile(1.0):6.1f} ms  {fixed.sent / fixed.seconds:5.0f} req/s  errors {fixed.errors}"
        )
        ratios.append(Ratio(f"{page.label}: p99 at {RATE:g} req/s", fixed.p99_ms, P99_MS, " ms"))
    print(f"\n  load average {os.getloadavg()[0]:.2f} at the end\n")
    report(ratios)


def _profile(env: Mapping[str, str], cookie: Mapping[str, str]) -> None:
    """Each page's whole request through the portal in this process (same database and Redis), cProfiled."""
    app = create_app(load_settings(env))
    anonymous, resident = app.test_client(), app.test_client()
    resident.set_cookie("session", cookie["Cookie"].removeprefix("session="))
    for page in PAGES:
        client = resident if page.logged_in else anonymous
        print(f"== {page.label} ({page.path}) ==")
        profile(lambda client=client, page=page: client.get(page.path), repeat=300)
