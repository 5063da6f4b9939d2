"""Asking for PostgreSQL and not reaching it fails the run: CI must never go green by skipping."""

from __future__ import annotations

import os
import subprocess
import sys

from portal.config import ROOT


def test_an_unreachable_postgresql_fails_the_run_instead_of_skipping() -> None:
    env = {**os.environ, "CI": "true", "TEST_POSTGRESQL_URL": "postgresql+psycopg://root@127.0.0.1:9/postgres"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--database=postgresql",
            "tests/db/test_datetimes.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "PostgreSQL is unreachable" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]
