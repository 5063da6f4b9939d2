"""Two app servers, one database, one Redis: what a load balancer may do to a resident is harmless.

Each server is a real gunicorn with two worker processes on a loopback port of its own, built by the production
factory from the environment: the same ``SECRET_KEY`` and ``PUBLIC_URL``, sessions in Redis (``REDIS_URL``) under
this module's key prefix, and this module's own PostgreSQL database (the servers commit for real), migrated by
Alembic with the demo data loaded. A resident logs in through server A with the real OIDC exchange and the very
same cookie is logged in on server B; then residents submit at once through both servers, filling in on one and
confirming on the other, and the database holds every submission once under its own 受付番号.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal.cli import upgrade_database
from portal.config import ROOT
from portal.database import make_engine
from portal.demo import load_demo_data
from portal.devidp import RunningServer, create_idp_app, default_clients, serve_in_thread
from portal.japan import jst
from portal.models import Draft, Submission, TransitionRecord
from tests.broker import REDIS_URL
from tests.conftest import throwaway_database
from tests.db.signing import shipped
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    fill_in,
    hidden_inputs,
    post_form,
    receipt_reference,
)

pytestmark = pytest.mark.postgresql

CODE = "999997"
APPLY, CONFIRM = f"/{CODE}/procedures/juminhyo/apply", f"/{CODE}/procedures/juminhyo/confirm"
APPLICATIONS = f"/{CODE}/applications"
RESIDENTS = ("resident-yamada", "resident-sato", "resident-garcia", "resident-yoshida", "resident-tanaka")
ANSWERS = {"juminhyo": JUMINHYO_ANSWERS, "sodai_gomi": SODAI_GOMI_ANSWERS}
EACH = 3  # applications of each procedure per resident in the concurrent round
STARTUP_SECONDS = 60


@dataclass
class Browser:
    """One browser (a cookie jar) talking to the portal at ``origin``; answers like the Flask test client's, so the
    journey steps of tests/web drive it: redirects are not followed and paths are the portal's."""

    http: requests.Session
    origin: str

    def get(self, path: str, query_string: dict[str, str] | None = None) -> requests.Response:
        return self.http.get(self.origin + path, params=query_string, allow_redirects=False, timeout=30)

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        return self.http.post(self.origin + path, data=data, allow_redirects=False, timeout=30)

    def at(self, origin: str) -> Browser:
        """The same browser, its requests sent to another server."""
        return Browser(self.http, origin)


@dataclass(frozen=True)
class Servers:
    a: str  # origins
    b: str
    key_prefix: str  # of this module's keys in Redis
    logs: tuple[Path, Path]

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in self.logs)


def pages(slug: str) -> list[str]:
    """The form's page keys: the shipped catalog is what the migration published."""
    return [page.key for page in shipped(slug).pages]


@pytest.fixture(scope="module")
def scratch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """This module's database, migrated with the demo municipalities loaded and committed."""
    with throwaway_database(request.config, tmp_path_factory) as url:
        upgrade_database(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_demo_data(session)
            session.commit()
        yield url, engine
        engine.dispose()


@pytest.fixture(scope="module")
def store() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is unreachable at {REDIS_URL}: {exc}", pytrace=False)
    return client


@pytest.fixture(scope="module")
def servers(
    scratch: tuple[str, Engine], store: redis.Redis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    """Servers A and B, each on a listening socket this process opened (``fd://``: no port to guess or race for),
    and the development identity provider that redirects back to A, the deployment's ``PUBLIC_URL``."""
    url, _engine = scratch
    directory = tmp_path_factory.mktemp("servers")
    listeners = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    a, b = (f"http://127.0.0.1:{listener.getsockname()[1]}" for listener in listeners)
    idp: RunningServer = serve_in_thread(None)
    idp.mount(create_idp_app(issuer=idp.url, clients=default_clients(a), environment="testing"))
    prefix = f"madoguchi-test-{uuid.uuid4().hex[:8]}:"
    environment = {
        **os.environ,
        "MADOGUCHI_ENV": "testing",
        "MADOGUCHI_INSTANCE_DIR": str(directory / "instance"),
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PUBLIC_URL": a,
        "DEV_IDP_URL": idp.url,
        # Every resident of this module logs in and submits from one address within a minute.
        "RATELIMIT_LOGIN": "1000/minute",
        "RATELIMIT_SUBMIT": "1000/minute",
    }
    # The production factory as wsgi.py calls it; only the Redis keys are this module's own.
    factory = f"portal:create_app(overrides={{'SESSION_KEY_PREFIX': '{prefix}session:', 'RATELIMIT_KEY_PREFIX': '{prefix}limits'}})"
    logs = (directory / "server-a.log", directory / "server-b.log")
    processes = []
    for listener, log in zip(listeners, logs, strict=True):
        fd = listener.fileno()
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--workers",
                        "2",
                        "--bind",
                        f"fd://{fd}",
                        "--no-control-socket",
                        factory,
                    ],
                    cwd=ROOT,
                    env=environment,
                    pass_fds=(fd,),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        listener.close()  # the server has its own copy
    running = Servers(a, b, prefix, logs)
    try:
        for origin, process in zip((a, b), processes, strict=True):
            _wait_until_serving(origin, process, running)
        yield running
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        idp.shutdown()
        for pattern in (f"{prefix}*", f"LIMITS:LIMITER/{prefix}*"):
            for key in store.scan_iter(pattern):
                store.delete(key)


def _wait_until_serving(origin: str, process: subprocess.Popen[bytes], running: Servers) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app server at {origin} exited with {process.returncode}\n{running.output()}")
        try:
            if requests.get(f"{origin}/", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # still binding, or its workers still booting
            pass
        time.sleep(0.2)
    pytest.fail(f"the app server at {origin} did not answer within {STARTUP_SECONDS} s\n{running.output()}")


def logged_in_at(origin: str, sub: str) -> Browser:
    browser = Browser(requests.Session(), origin)
    response = login(browser, "resident", sub)  # type: ignore[arg-type]  # the journey steps take any such client
    assert response.status_code == 302, response.text
    return browser


def session_cookie(browser: Browser) -> str:
    return browser.http.cookies["session"]


def with_cookie(origin: str, value: str) -> Browser:
    """A browser that holds nothing but this session cookie."""
    http = requests.Session()
    http.cookies.set("session", value)
    return Browser(http, origin)


def references_in(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Submission.reference).where(Submission.municipality_code == CODE)))


def test_a_session_begun_on_one_server_is_logged_in_on_the_other(servers: Servers, scratch: tuple[str, Engine]) -> None:
    _url, engine = scratch
    on_a = logged_in_at(servers.a, "resident-yamada")
    typed = {**JUMINHYO_ANSWERS, "phone": "03-1111-2222"}  # 山田's provider sends no phone: only the draft has it
    assert post_form(on_a, f"{APPLY}?page=applicant", {**typed, "action": "next"}).status_code == 302

    on_b = with_cookie(servers.b, session_cookie(on_a))  # the same cookie, sent to the other server
    applications = on_b.get(APPLICATIONS)
    assert applications.status_code == 200 and "下書き" in applications.text  # a page that needs the login
    assert 'value="03-1111-2222"' in on_b.get(f"{APPLY}?page=applicant").text  # the draft saved through A
    assert Browser(requests.Session(), servers.b).get(APPLICATIONS).status_code == 302  # without it: to the login

    # Filled in through B, confirmed through A: the one-time submission token is the database draft's.
    assert fill_in(on_b, CODE, "juminhyo", typed, pages("juminhyo")).headers["Location"] == CONFIRM
    reference = receipt_reference(CODE, on_a.post(CONFIRM, data=hidden_inputs(on_b, CONFIRM)))
    assert reference in on_b.get(APPLICATIONS).text and reference in on_a.get(APPLICATIONS).text
    with Session(engine) as session:
        assert session.scalars(select(Submission.reference)).all() == [reference]
        assert session.scalars(select(Draft)).all() == []

    # Logging out through B ends the session on A too: it lived in Redis, not in a server.
    assert post_form(on_b, "/auth/logout", {}, token_from=APPLICATIONS).status_code == 200
    gone = on_a.get(APPLICATIONS)
    assert gone.status_code == 401 and "もう一度ログインしてください" in gone.text


def test_concurrent_submissions_through_both_servers_get_distinct_numbers_and_no_errors(
    servers: Servers, scratch: tuple[str, Engine]
) -> None:
    _url, engine = scratch
    before = set(references_in(engine))
    browsers = [logged_in_at(servers.a, sub) for sub in RESIDENTS]
    origins = (servers.a, servers.b)
    start = threading.Barrier(len(browsers))

    def submit_all(index: int) -> list[str]:
        """Both procedures ``EACH`` times, each filled in on one server and confirmed on the other."""
        browser, made = browsers[index], []
        start.wait()
        for turn in range(EACH * len(ANSWERS)):
            slug = ("juminhyo", "sodai_gomi")[turn % 2]
            filling, confirming = browser.at(origins[(index + turn) % 2]), browser.at(origins[(index + turn + 1) % 2])
            form = fill_in(filling, CODE, slug, ANSWERS[slug], pages(slug))
            confirm = f"/{CODE}/procedures/{slug}/confirm"
            assert form.status_code == 302 and form.headers["Location"] == confirm, (slug, form.status_code)
            made.append(receipt_reference(CODE, confirming.post(confirm, data=hidden_inputs(confirming, confirm))))
        return made

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        made = [reference for batch in pool.map(submit_all, range(len(browsers))) for reference in batch]

    expected = len(RESIDENTS) * EACH * len(ANSWERS)
    assert len(made) == len(set(made)) == expected
    everything = references_in(engine)
    assert len(everything) == len(set(everything)) == len(before) + expected  # no 受付番号 twice in the database
    assert set(everything) == before | set(made)
    year = jst.today().year
    assert sorted(everything) == [f"{year}-{n:06d}" for n in range(1, len(everything) + 1)]  # and none skipped
    with Session(engine) as session:
        per_case = session.execute(
            select(TransitionRecord.submission_id, func.count()).group_by(TransitionRecord.submission_id)
        ).all()
        assert len(per_case) == len(everything) and {n for _id, n in per_case} == {1}  # each submitted once
        assert session.scalar(select(func.count()).select_from(Draft)) == 0
    errors = [line for line in servers.output().splitlines() if re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line)]
    assert errors == [], servers.output()
