"""deploy/gunicorn.conf.py as production runs it: real gunicorn, several worker processes replaced as they go.

/metrics adds up every process's requests, those of replaced workers included, whichever worker answers the
scrape; gunicorn itself believes no X-Forwarded-* header (the portal's TRUSTED_PROXIES decides); and the
metrics directory the configuration made is removed when gunicorn stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from portal.config import ROOT
from portal.devidp import RunningServer
from portal.devtools.mailsink import free_port
from tests.metrics import SCRAPE, TOKEN, samples, value

REQUESTS = 10
METRICS_DIRS = "madoguchi-metrics-*"


def metrics_dirs() -> set[Path]:
    return set(Path("/dev/shm").glob(METRICS_DIRS)) if Path("/dev/shm").is_dir() else set()


class Gunicorn:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log
        self.metrics_dir: Path | None = None  # the one its configuration made

    def get(self, path: str, **headers: str) -> requests.Response:
        # A connection of its own each time, so the workers share the requests.
        return requests.get(
            f"{self.url}{path}", headers={"Connection": "close", **headers}, allow_redirects=False, timeout=10
        )

    def requests_to(self, route: str) -> float:
        response = self.get("/metrics", **SCRAPE)
        assert response.status_code == 200, response.text
        return value(samples(response.text), "madoguchi_http_requests_total", route=route, method="GET", status="200")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture
def gunicorn(idp: RunningServer, database_url: str, engine: object, tmp_path: Path) -> Iterator[Gunicorn]:
    """Two workers, each replaced after 3 requests; the portal over the migrated test database."""
    port = free_port("127.0.0.1")
    env = {name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        MADOGUCHI_ENV="testing",
        DATABASE_URL=database_url,
        SESSION_DIR=str(tmp_path),
        DEV_IDP_URL=idp.url,
        METRICS_TOKEN=TOKEN,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_CMD_ARGS="--max-requests 3 --max-requests-jitter 0",
    )
    log = tmp_path / "gunicorn.log"
    before = metrics_dirs()
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True)
    server = Gunicorn(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None and time.monotonic() < deadline, f"gunicorn did not start:\n{log.read_text()}"
        try:
            if server.get("/healthz").status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    (server.metrics_dir,) = metrics_dirs() - before
    yield server
    server.stop()


def test_metrics_add_up_every_worker_process_and_the_proxy_is_trusted_by_the_portal_alone(gunicorn: Gunicorn):
    assert [gunicorn.get("/").status_code for _ in range(REQUESTS)] == [200] * REQUESTS

    assert [gunicorn.requests_to("/") for _ in range(3)] == [REQUESTS] * 3
    directory = gunicorn.metrics_dir
    assert directory is not None
    writers = {path.stem.rpartition("_")[2] for path in directory.glob("counter_*.db")}
    assert len(writers) >= REQUESTS // 3  # replaced workers' counts still add up
    assert gunicorn.get("/metrics").status_code == 401

    # TRUSTED_PROXIES=0: X-Forwarded-Proto is believed by nobody, so the redirect URI stays http.
    login = gunicorn.get("/auth/resident/login", **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert login.status_code == 302, gunicorn.log.read_text()
    (redirect_uri,) = parse_qs(urlsplit(login.headers["Location"]).query)["redirect_uri"]
    assert redirect_uri == f"{gunicorn.url}/auth/resident/callback"

    gunicorn.stop()
    assert gunicorn.process.returncode == 0, gunicorn.log.read_text()
    assert not directory.exists()
