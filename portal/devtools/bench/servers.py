"""gunicorn servers started by a benchmark on the loopback, each stopped with it (by its own process id)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

# The configuration both servers of a comparison get: what the issue measured (README, Benchmarks).
WORKERS = 4
WORKER_CLASS = "sync"


@contextmanager
def gunicorn(app: str, port: int, env: Mapping[str, str], log: Path, ready_path: str = "/") -> Iterator[str]:
    """``app`` (``module:variable``) under gunicorn at 127.0.0.1:``port``, its output written to ``log``; yields
    its base URL once ``ready_path`` answers."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={WORKERS}",
        f"--worker-class={WORKER_CLASS}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        app,
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(process, url + ready_path, log)
        yield url
    finally:
        process.terminate()  # gunicorn's master stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start ({url}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=30).status_code < 500:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url} within a minute:\n{log.read_text(errors='replace')[-3000:]}")
