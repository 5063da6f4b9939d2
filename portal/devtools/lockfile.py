"""``requirements/lock.txt``: the exact version and hashes of every package pyproject.toml asks for.

pyproject.toml holds compatible ranges; the lock decides what a machine installs, so every machine installs
the same thing and a new release upstream changes nothing until someone refreshes the lock on purpose.

- ``lock`` (``scripts/lock``) resolves with uv: the runtime dependencies, the ``dev`` extra and the build
  requirements (``scripts/setup`` builds the project without build isolation, so setuptools comes from the
  lock too). The resolution is universal from CPython 3.11 on, so it holds on Debian's 3.11.2 as on a later
  3.11. Existing pins are kept where still allowed unless ``--upgrade`` or ``--upgrade-package`` says
  otherwise. The header records a hash of the normalised dependency lists.
- ``check`` (run by ``scripts/test``, offline) fails when the lock no longer matches pyproject.toml: the
  dependency lists changed since the lock was made, or a requirement is missing from the lock or pinned
  outside its range, or an entry is not an exact pin with hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements" / "lock.txt"
EXTRA = "dev"
PYTHON = "3.11"
DIGEST = re.compile(r"^# dependencies-sha256: ([0-9a-f]{64})\b", re.MULTILINE)


@dataclass(frozen=True)
class Pin:
    """One entry of the lock: ``name==version [; marker]``, its ``--hash`` options checked as it is read."""

    name: str
    version: Version


def requirements(pyproject: Path) -> dict[str, list[Requirement]]:
    """The dependency lists the lock is made from, by where they stand in pyproject.toml."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data.get("project", {})
    lists = {
        "project.dependencies": project.get("dependencies", []),
        f"project.optional-dependencies.{EXTRA}": project.get("optional-dependencies", {}).get(EXTRA, []),
        "build-system.requires": data.get("build-system", {}).get("requires", []),
    }
    return {where: [Requirement(text) for text in texts] for where, texts in lists.items()}


def normalised(requirement: Requirement) -> str:
    """The requirement as packaging spells it, with canonical names: spacing, case and order do not count."""
    copy = Requirement(str(requirement))
    copy.name = canonicalize_name(copy.name)
    copy.extras = {canonicalize_name(extra) for extra in copy.extras}
    return str(copy)


def digest(lists: dict[str, list[Requirement]]) -> str:
    """A hash of the dependency lists that ignores comments and order, so only a real change needs a new lock."""
    canonical = {where: sorted(normalised(requirement) for requirement in reqs) for where, reqs in lists.items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def pins(text: str) -> tuple[list[Pin], list[str]]:
    """The entries of a lock and a problem for each line that is not an exact pin with hashes."""
    found, problems = [], []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement_text, *hashes = (part.strip() for part in line.split(" --hash="))
        try:
            requirement = Requirement(requirement_text)
            (specifier,) = requirement.specifier
            if specifier.operator != "==":
                raise ValueError
            version = Version(specifier.version)
        except (InvalidRequirement, InvalidVersion, ValueError):
            problems.append(f"not an exact pin: {requirement_text!r}")
            continue
        if not hashes:
            problems.append(f"{requirement.name}=={version} has no hash")
        found.append(Pin(canonicalize_name(requirement.name), version))
    return found, problems


def check(pyproject: Path, lock: Path) -> list[str]:
    """Every way the lock disagrees with pyproject.toml; empty when it agrees."""
    if not lock.exists():
        return [f"{lock} is missing"]
    text = lock.read_text(encoding="utf-8")
    lists = requirements(pyproject)
    problems = []
    recorded = DIGEST.search(text)
    if recorded is None:
        problems.append("the lock has no '# dependencies-sha256:' line, so scripts/lock did not make it")
    elif recorded.group(1) != digest(lists):
        problems.append(f"the dependency lists in {pyproject.name} changed since the lock was made")
    entries, entry_problems = pins(text)
    problems += entry_problems
    versions: dict[str, list[Version]] = defaultdict(list)
    for pin in entries:
        versions[pin.name].append(pin.version)
    for where, reqs in lists.items():
        for requirement in reqs:
            locked = versions.get(canonicalize_name(requirement.name))
            if not locked:
                problems.append(f"{requirement} ({where}) is not in the lock")
            for version in locked or []:
                if not requirement.specifier.contains(version, prereleases=True):
                    problems.append(f"{requirement} ({where}) is locked at {version}, outside its range")
    return problems


def lock(upgrade: bool, upgrade_packages: list[str]) -> None:
    """Re-resolve into the lock with uv, keeping current pins unless told to move them, and record the digest."""
    lists = requirements(PYPROJECT)
    build_requirements = "".join(f"{requirement}\n" for requirement in lists["build-system.requires"])
    command = [find_uv_bin(), "pip", "compile", PYPROJECT.name, "-", "--extra", EXTRA, "--universal"]
    command += ["--python-version", PYTHON, "--generate-hashes", "--custom-compile-command", "scripts/lock"]
    command += ["--output-file", str(LOCK.relative_to(ROOT)), "--quiet"]
    command += ["--upgrade"] if upgrade else []
    command += [option for name in upgrade_packages for option in ("--upgrade-package", name)]
    LOCK.parent.mkdir(exist_ok=True)
    subprocess.run(command, input=build_requirements, text=True, check=True, cwd=ROOT)
    lines = LOCK.read_text(encoding="utf-8").splitlines(keepends=True)
    after_header = next(number for number, line in enumerate(lines) if not line.startswith("#"))
    stamp = f"# dependencies-sha256: {digest(lists)} (of {PYPROJECT.name}; scripts/test compares it)\n"
    lines.insert(after_header, stamp)
    LOCK.write_text("".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.devtools.lockfile", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    commands = parser.add_subparsers(dest="command", required=True)
    refresh = commands.add_parser("lock", help="re-resolve requirements/lock.txt (scripts/lock)")
    refresh.add_argument("--upgrade", action="store_true", help="move every pin to the newest allowed version")
    refresh.add_argument("--upgrade-package", action="append", default=[], metavar="NAME", help="move this pin")
    verify = commands.add_parser("check", help="exit 1 when the lock disagrees with pyproject.toml (offline)")
    verify.add_argument("--pyproject", type=Path, default=PYPROJECT)
    verify.add_argument("--lock", type=Path, default=LOCK)
    args = parser.parse_args(argv)
    if args.command == "lock":
        lock(args.upgrade, args.upgrade_package)
        return 0
    problems = check(args.pyproject, args.lock)
    if problems:
        print(f"{args.lock} disagrees with {args.pyproject}:", file=sys.stderr)
        print("".join(f"  - {problem}\n" for problem in problems), end="", file=sys.stderr)
        print("Refresh it on purpose with scripts/lock (see the README, Dependencies).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
