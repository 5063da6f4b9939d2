"""``portal.devtools.lockfile check`` (run by ``scripts/test``) fails whenever requirements/lock.txt and
pyproject.toml disagree, and passes when they agree.

Each case edits copies of the repository's real pyproject.toml and the lock uv made from it, so the check is
shown against what ``scripts/lock`` really writes, not against a lock written to suit the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal.devtools.lockfile import LOCK, PYPROJECT, ROOT, check


def replace(path: Path, pattern: str, new: str) -> None:
    """Edit a copy, failing when the pattern is absent so a case cannot pass by changing nothing."""
    text = path.read_text(encoding="utf-8")
    edited, count = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} not in {path}"
    path.write_text(edited, encoding="utf-8")


def run_check(pyproject: Path, lock: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "portal.devtools.lockfile", "check", "--pyproject", str(pyproject)]
    return subprocess.run([*command, "--lock", str(lock)], capture_output=True, text=True, cwd=ROOT, check=False)


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    pyproject, lock = tmp_path / "pyproject.toml", tmp_path / "lock.txt"
    pyproject.write_bytes(PYPROJECT.read_bytes())
    lock.write_bytes(LOCK.read_bytes())
    return pyproject, lock


def test_the_repository_lock_agrees_with_pyproject() -> None:
    assert check(PYPROJECT, LOCK) == []
    result = run_check(PYPROJECT, LOCK)
    assert (result.returncode, result.stderr) == (0, "")


def test_comments_order_case_and_spacing_do_not_ask_for_a_new_lock(copies: tuple[Path, Path]) -> None:
    pyproject, lock = copies
    replace(pyproject, r'^    "flask>=3\.1,<4",\n', "")
    replace(
        pyproject,
        r'^    "gunicorn>=22,<28",\n',
        '    "gunicorn>=22,<28",\n    # the web framework\n    "Flask < 4 , >= 3.1",\n',
    )
    replace(pyproject, r'"flask-limiter\[redis\]>=4\.0,<5"', '"Flask_Limiter[REDIS] >=4.0, <5"')
    assert check(pyproject, lock) == []


# Each case: what edits the copies, and what the check must say about it.
DISAGREEMENTS = {
    "a requirement missing from the lock": (
        [("lock", r"^flask-wtf==.*\n(?:    .*\n)*", "")],
        ["flask-wtf<2,>=1.2 (project.dependencies) is not in the lock"],
    ),
    "a pin outside its range": (
        [("lock", r"^sqlalchemy==2\.1\.\d+", "sqlalchemy==2.2.0")],
        ["sqlalchemy<2.2,>=2.0.30 (project.dependencies) is locked at 2.2.0, outside its range"],
    ),
    "a new runtime dependency": (
        [("pyproject", r'^    "gunicorn>=22,<28",\n', '    "gunicorn>=22,<28",\n    "toolz>=1",\n')],
        [
            "the dependency lists in pyproject.toml changed since the lock was made",
            "toolz>=1 (project.dependencies) is not in the lock",
        ],
    ),
    "a narrowed range the pin still satisfies": (
        [("pyproject", r'"flask>=3\.1,<4"', '"flask>=3.1.1,<4"')],
        ["the dependency lists in pyproject.toml changed since the lock was made"],
    ),
    "a dev requirement moved out of its range": (
        [("pyproject", r'"pytest>=8,<10"', '"pytest>=10"')],
        [
            "the dependency lists in pyproject.toml changed since the lock was made",
            "pytest>=10 (project.optional-dependencies.dev) is locked at",
        ],
    ),
    "a new build requirement": (
        [("pyproject", r'requires = \["setuptools>=69"\]', 'requires = ["setuptools>=69", "wheel"]')],
        [
            "the dependency lists in pyproject.toml changed since the lock was made",
            "wheel (build-system.requires) is not in the lock",
        ],
    ),
    "a lock made by hand, without the digest": (
        [("lock", r"^# dependencies-sha256: .*\n", "")],
        ["the lock has no '# dependencies-sha256:' line, so scripts/lock did not make it"],
    ),
    "a range instead of an exact pin": (
        [("lock", r"^jaconv==[\d.]+", "jaconv>=0.3.4")],
        ["not an exact pin: 'jaconv>=0.3.4'", "jaconv<1,>=0.3.4 (project.dependencies) is not in the lock"],
    ),
    "a pin without hashes": (
        [("lock", r"^pyyaml==[\d.]+ \\\n(?:    --hash.*\n)+", "pyyaml==6.0.2\n")],
        ["pyyaml==6.0.2 has no hash"],
    ),
}


@pytest.mark.parametrize("case", DISAGREEMENTS)
def test_a_disagreement_fails_the_check_naming_it_and_changes_nothing(copies: tuple[Path, Path], case: str) -> None:
    pyproject, lock = copies
    edits, expected = DISAGREEMENTS[case]
    for which, pattern, new in edits:
        replace(pyproject if which == "pyproject" else lock, pattern, new)
    before = (pyproject.read_bytes(), lock.read_bytes())

    problems = check(pyproject, lock)
    result = run_check(pyproject, lock)

    assert len(problems) == len(expected), problems
    for problem, wanted in zip(problems, expected, strict=True):
        assert problem.startswith(wanted), problems
    assert result.returncode == 1
    assert all(f"  - {problem}\n" in result.stderr for problem in problems)
    assert "scripts/lock" in result.stderr
    assert (pyproject.read_bytes(), lock.read_bytes()) == before


def test_a_missing_lock_fails_the_check(tmp_path: Path) -> None:
    result = run_check(PYPROJECT, tmp_path / "lock.txt")
    assert result.returncode == 1
    assert f"{tmp_path / 'lock.txt'} is missing" in result.stderr
    assert not (tmp_path / "lock.txt").exists()
