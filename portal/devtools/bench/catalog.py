"""``scripts/bench catalog``: a catalog of 500 definitions against one of 2 (issue 10: the catalog grows).

Two catalogs are generated in a temporary directory from the shipped one: 2 definitions (住民票, 粗大ごみ) and 500
(the same two and 498 copies of them, each with a title of its own, so each parses on its own), each published
with ``flask catalog publish``'s service into a PostgreSQL database of its own with the demo data; the other
shipped definitions are withdrawn in both, so the demo municipality offers the same two procedures either way.

Printed: the publication's time, the load time (a fresh process's first read of the published catalog, every
definition parsed; target ≤ 1 s with 500), and the cost of one request, as a logged-in resident (so nothing is
served from the page cache) and interleaved as in ``scripts/bench queue``, of a procedure page and of the
municipality page with 500 definitions against 2 (target ≤ 1.2×: no request does work in proportion to the
catalog).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal import create_app
from portal.certificates import CertificateRenderer
from portal.certificates.signing import CertificateSigning
from portal.config import ROOT, load_settings
from portal.database import db, make_engine
from portal.definitions import SourceDirs, read_sources
from portal.demo import load_demo_data
from portal.devtools.bench.measure import Ratio, columns, median_ms, pad, profile, report
from portal.devtools.bench.postgres import throwaway_database
from portal.models import Resident
from portal.procedures import Procedures
from portal.services.actors import Administrator
from portal.services.publishing import publish
from portal.web.access import RESIDENT_KEY
from portal.web.sessions import LAST_SEEN, LOGGED_IN_AT

SIZES = (2, 500)
KEPT = ("juminhyo", "sodai_gomi")  # the shipped definitions every generated catalog has (and the copies copy)
LOAD_SECONDS, RATIO = 1.0, 1.2
CODE = "999997"
PAGES = {"procedure page": f"/{CODE}/procedures/juminhyo", "municipality page": f"/{CODE}/"}


def generate(directory: Path, size: int) -> SourceDirs:
    """The shipped catalog's directories with ``size`` definitions: KEPT and copies of them, titles numbered."""
    dirs = SourceDirs(directory / "forms_catalog", directory / "workflows", directory / "certificate_templates")
    shutil.copytree(ROOT / "workflows", dirs.workflows)
    shutil.copytree(ROOT / "certificate_templates", dirs.certificates)
    dirs.catalog.mkdir()
    for name in KEPT:
        shutil.copy(ROOT / "forms_catalog" / f"{name}.yaml", dirs.catalog)
    for number in range(size - len(KEPT)):
        original = KEPT[number % len(KEPT)]
        text = (ROOT / "forms_catalog" / f"{original}.yaml").read_text()
        text = re.sub(r"^title: (.*)$", rf"title: \1（複製{number + 1}）", text, count=1, flags=re.M)
        (dirs.catalog / f"copy_{number + 1:04d}.yaml").write_text(text)
    return dirs


@dataclass(frozen=True)
class Portal:
    """One catalog size's database and the portal serving it (the process's ``db`` is pointed at it per call)."""

    engine: Engine
    sessionmaker: sessionmaker[Session]
    resident: FlaskClient

    def page(self, path: str) -> Callable[[], object]:
        def get() -> object:
            db.engine, db.sessionmaker = self.engine, self.sessionmaker
            answer = self.resident.get(path)
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}: the bench is not measuring a page")
            return answer

        return get


def main(*, rounds: int, warmup: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as temporary, ExitStack() as stack:
        portals, timings = {}, {}
        for size in SIZES:
            url = stack.enter_context(throwaway_database("catalog"))
            directory = Path(temporary) / f"catalog-{size}"
            directory.mkdir()
            dirs = generate(directory, size)
            timings[size] = prepare(url, dirs)
            portals[size] = stack.enter_context(portal(url, dirs, directory / "sessions"))
        run(portals, timings, rounds=rounds, warmup=warmup, profile_only=profile)


def prepare(url: str, dirs: SourceDirs) -> tuple[float, float]:
    """Publish the catalog in ``dirs`` and load the demo data; the publication's and a cold load's seconds."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            started = time.perf_counter()
            publish(session, read_sources(dirs), Administrator.command_line("scripts/bench catalog"))
            published = time.perf_counter() - started
            load_demo_data(session)
            session.commit()
        with Session(engine) as session:
            fresh = Procedures(CertificateRenderer(templates_dir=dirs.certificates), _signing())
            started = time.perf_counter()
            catalog = fresh.published(session).catalog
            loaded = time.perf_counter() - started
        assert len(catalog) == len(list(dirs.catalog.glob("*.yaml"))), "not every definition was published"
    finally:
        engine.dispose()
    return published, loaded


def _signing() -> CertificateSigning:
    settings = load_settings({"MADOGUCHI_ENV": "testing"})
    return CertificateSigning(settings.signing_dir, settings.certificate_hmac_key, settings.certificate_base_url)


@contextmanager
def portal(url: str, dirs: SourceDirs, sessions: Path) -> Iterator[Portal]:
    env = {
        "MADOGUCHI_ENV": "development",
        "DATABASE_URL": url,
        "SESSION_DIR": str(sessions),
        "SMTP_URL": "disabled",
        "CATALOG_DIR": str(dirs.catalog),
        "WORKFLOWS_DIR": str(dirs.workflows),
        "CERTIFICATES_DIR": str(dirs.certificates),
        "MADOGUCHI_INSTANCE_DIR": str(sessions.parent),
    }
    app = create_app(load_settings(env))
    assert db.engine is not None and db.sessionmaker is not None
    engine, maker = db.engine, db.sessionmaker
    with maker() as session:
        resident = Resident(subject="bench-resident", profile={"family_name": "山田", "given_name": "太郎"})
        session.add(resident)
        session.commit()
        resident_id = resident.id
    client = app.test_client()
    with client.session_transaction() as stored:
        stored[RESIDENT_KEY] = resident_id
        stored[LOGGED_IN_AT] = stored[LAST_SEEN] = int(time.time())
    try:
        yield Portal(engine, maker, client)
    finally:
        engine.dispose()


def run(
    portals: dict[int, Portal], timings: dict[int, tuple[float, float]], *, rounds: int, warmup: int, profile_only: bool
) -> None:
    small, large = SIZES
    if profile_only:
        for size, running in portals.items():
            for label, path in PAGES.items():
                print(f"== {label} with {size} definitions ==")
                profile(running.page(path), repeat=rounds)
        return
    print(f"\nscripts/bench catalog: {small} against {large} definitions, median of {rounds} rounds after {warmup}\n")
    for size, (published, loaded) in timings.items():
        print(f"  {size:4d} definitions: published in {published:6.2f} s, loaded in {loaded:5.2f} s")
    cases = {
        f"{label}@{size}": running.page(path) for size, running in portals.items() for label, path in PAGES.items()
    }
    ms = median_ms(cases, rounds=rounds, warmup=warmup)
    width = max(map(columns, PAGES))
    print(f"\n  {pad('request', width)}  {f'{small} ms':>8}  {f'{large} ms':>8}  {'ratio':>6}")
    ratios = [Ratio(f"load {large} definitions", timings[large][1], LOAD_SECONDS, " s")]
    for label in PAGES:
        before, after = ms[f"{label}@{small}"], ms[f"{label}@{large}"]
        print(f"  {pad(label, width)}  {before:8.2f}  {after:8.2f}  {after / before:6.2f}")
        ratios.append(Ratio(f"{label}: {large} / {small} definitions", after / before, RATIO))
    print()
    report(ratios)
