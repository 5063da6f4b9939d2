"""``scripts/bench queue``: the first page of each queue view at 10,000 and at 1,000,000 submissions (issue 9).

A database of its own on the PostgreSQL at $BENCH_POSTGRESQL_URL (else $TEST_POSTGRESQL_URL, else the test
default), migrated and loaded with the demo municipalities, dropped afterwards. Cases are seeded in bulk by one
INSERT … SELECT over a generated series (no ORM, no round trip per row), spread like a municipality's years of
work: 70 % 住民票, 30 % 粗大ごみ; nine in ten finished; half the open ones assigned among five clerks; each due five
days after it came (so all but the last days' open cases are 期限超過), the clock stopped since then for those 差戻し.

Each view's first page (GET /backoffice/?view=…, the whole request in the portal's own code, as a clerk) is timed
at 10,000 cases, the table then grows to 1,000,000 and the same pages are timed again. Target: each view's
1M / 10k ratio ≤ 1.5 (issue 9 item 3); the line ``ratio 1M/10k: X.XX`` gives the worst view's.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from portal import create_app
from portal.config import load_settings
from portal.database import db
from portal.definitions import Kind
from portal.demo import load_demo_data
from portal.devtools.bench.measure import Ratio, columns, median_ms, pad, profile, report
from portal.devtools.bench.postgres import throwaway_database
from portal.japan import jst
from portal.models import CatalogVersion, Resident, Staff
from portal.roles import Role
from portal.services.queue import VIEW_LABELS, View
from portal.web.access import STAFF_KEY
from portal.web.sessions import LAST_SEEN, LOGGED_IN_AT

CODE = "999997"
SIZES = (10_000, 1_000_000)
RATIO = 1.5
SPAN = timedelta(days=3 * 365)  # the largest size's cases came over three years, the smaller one's over its end
CLERKS = 5
RESIDENTS = 100
NAMES = (
    ("山田太郎", "ヤマダタロウ"),
    ("佐藤花子", "サトウハナコ"),
    ("鈴木一郎", "スズキイチロウ"),
    ("高橋愛", "タカハシアイ"),
)


@dataclass(frozen=True)
class Seeded:
    """What the generated cases reference: versions, residents, clerks (the first is the one timed)."""

    versions: dict[tuple[Kind, str], int]
    residents: list[int]
    clerks: list[int]


def main(
    *, rounds: int, warmup: int, profile: bool, sizes: Sequence[int] = SIZES, urls: Sequence[str] | None = None
) -> None:
    """``urls``: one migrated empty database per size to use as they are (the tests'); else throwaway ones on
    PostgreSQL."""
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as sessions, ExitStack() as stack:
        databases = (
            list(urls) if urls is not None else [stack.enter_context(throwaway_database("queue")) for _size in sizes]
        )
        run(dict(zip(sizes, databases, strict=True)), sessions, rounds=rounds, warmup=warmup, profile_only=profile)


@dataclass(frozen=True)
class Portal:
    """One size's database and the portal serving it. The portal's ``db`` is one per process: each page points it
    at its own portal's engine first, so the rounds can interleave both sizes."""

    engine: Engine
    sessionmaker: sessionmaker[Session]
    clerk: FlaskClient

    def page(self, view: View) -> Callable[[], object]:
        get = _page(self.clerk, view)

        def timed() -> object:
            db.engine, db.sessionmaker = self.engine, self.sessionmaker
            return get()

        return timed


def run(databases: dict[int, str], sessions: str, *, rounds: int, warmup: int, profile_only: bool) -> None:
    spacing = max(SPAN // max(databases), timedelta(seconds=1))  # between two cases: 95 s for a million
    base = jst.now() - spacing * (max(databases) + 1)
    engines = []
    try:
        portals: dict[int, Portal] = {}
        for size, url in databases.items():
            engine = create_engine(url)
            engines.append(engine)
            seeded = _prepare(engine)
            started = time.perf_counter()
            _seed(engine, seeded, 1, size, base, spacing)
            print(f"  seeded {size:,} cases in {time.perf_counter() - started:.1f} s")
            app = create_app(load_settings({"MADOGUCHI_ENV": "testing", "DATABASE_URL": url, "SESSION_DIR": sessions}))
            assert db.engine is not None and db.sessionmaker is not None
            portals[size] = Portal(db.engine, db.sessionmaker, _logged_in(app, seeded.clerks[0]))
        if profile_only:
            for size, portal in portals.items():
                for view in View:
                    print(f"== {view.value} at {size:,} ==")
                    profile(portal.page(view), repeat=rounds)
            return
        print(
            f"\nscripts/bench queue: the first page of each view, median of {rounds} rounds after {warmup} warm-up,"
            " both sizes interleaved in each round\n"
        )
        cases = {f"{view.value}@{size}": portal.page(view) for size, portal in portals.items() for view in View}
        ms = median_ms(cases, rounds=rounds, warmup=warmup)
        _print({size: {view.value: ms[f"{view.value}@{size}"] for view in View} for size in portals}, list(portals))
    finally:
        for engine in engines:
            engine.dispose()


def _print(timings: dict[int, dict[str, float]], sizes: Sequence[int]) -> None:
    small, large = sizes[0], sizes[-1]
    labels = {view: f"{VIEW_LABELS[view]} ({view.value})" for view in View}
    width = max(map(columns, labels.values()))
    print(f"\n  {pad('view', width)}  {f'{small:,} ms':>12}  {f'{large:,} ms':>14}  {'ratio':>6}")
    ratios = []
    for view in View:
        before, after = timings[small][view.value], timings[large][view.value]
        ratios.append(Ratio(f"{VIEW_LABELS[view]}: {large:,} / {small:,}", after / before, RATIO))
        print(f"  {pad(labels[view], width)}  {before:12.1f}  {after:14.1f}  {after / before:6.2f}")
    worst = max(ratios, key=lambda ratio: ratio.value)
    print(f"\nratio 1M/10k: {worst.value:.2f}  (the worst view: {worst.label.split(':')[0]})\n")
    report(ratios)


def _prepare(engine: Engine) -> Seeded:
    """The demo municipalities, residents and clerks the cases name, and the published versions they reference."""
    with Session(engine) as session:
        load_demo_data(session)
        residents = [Resident(subject=f"bench-resident-{n}", profile={"family_name": "山田"}) for n in range(RESIDENTS)]
        clerks = [
            Staff(municipality_code=CODE, subject=f"bench-clerk-{n}", name=f"窓口 {n + 1}", role_values=[Role.CLERK])
            for n in range(CLERKS)
        ]
        session.add_all([*residents, *clerks])
        session.flush()
        versions = {
            (row.kind, row.name): row.id
            for row in session.execute(select(CatalogVersion.id, CatalogVersion.kind, CatalogVersion.name))
        }
        seeded = Seeded(versions, [r.id for r in residents], [c.id for c in clerks])
        session.commit()
        return seeded


def _seed(engine: Engine, seeded: Seeded, first: int, last: int, base: datetime, spacing: timedelta) -> None:
    """Cases number ``first`` to ``last`` in one INSERT … SELECT over a generated series (generate_series on
    PostgreSQL, a recursive CTE on SQLite, which the tests use); every choice is a function of the number."""
    with engine.begin() as connection:
        start = base if connection.dialect.name == "postgresql" else f"{base.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
        every = spacing // timedelta(seconds=1)
        connection.execute(
            text(_insert(connection, seeded)), {"first": first, "last": last, "base": start, "spacing": every}
        )
        connection.execute(text("ANALYZE submission" if connection.dialect.name == "postgresql" else "ANALYZE"))


def _insert(connection: Connection, seeded: Seeded) -> str:
    postgresql = connection.dialect.name == "postgresql"
    versions = seeded.versions
    bucket = "((n * 7919) % 1000)"  # a fixed spread of 0…999 over consecutive numbers
    gomi = "(n % 10) >= 7"
    state = (
        f"CASE WHEN {gomi} THEN (CASE WHEN {bucket} < 900 THEN 'completed' ELSE 'received' END) "
        f"ELSE (CASE WHEN {bucket} < 750 THEN 'issued' WHEN {bucket} < 850 THEN 'rejected' "
        f"WHEN {bucket} < 900 THEN 'withdrawn' WHEN {bucket} < 930 THEN 'submitted' WHEN {bucket} < 960 THEN 'in_review' "
        f"WHEN {bucket} < 970 THEN 'returned' WHEN {bucket} < 990 THEN 'awaiting_approval' ELSE 'approved' END) END"
    )
    clerks = " ".join(f"WHEN {i} THEN {clerk}" for i, clerk in enumerate(seeded.clerks))
    assignee = (
        f"CASE WHEN {bucket} >= 900 AND (n % 2) = 0 THEN (CASE ((n / 2) % {len(seeded.clerks)}) {clerks} END) END"
    )
    residents = " ".join(f"WHEN {i} THEN {resident}" for i, resident in enumerate(seeded.residents))
    names = " ".join(f"WHEN {i} THEN '{name}|{kana}'" for i, (name, kana) in enumerate(NAMES))
    reference = "CAST(2000 + n / 1000000 AS TEXT) || '-' || substr(CAST(1000000 + n % 1000000 AS TEXT), 2)"
    if postgresql:
        series = "series(n) AS (SELECT generate_series(CAST(:first AS BIGINT), CAST(:last AS BIGINT)))"
        submitted = "(CAST(:base AS TIMESTAMPTZ) + n * CAST(:spacing AS BIGINT) * INTERVAL '1 second')"
        day = f"CAST({submitted} AS DATE)"
        due = f"{day} + 5"
        answers = "CAST('{}' AS JSONB)"
    else:
        submitted = "strftime('%Y-%m-%d %H:%M:%S', :base, '+' || (n * :spacing) || ' seconds')"
        day = "date(:base, '+' || (n * :spacing) || ' seconds')"
        due = "date(:base, '+' || (n * :spacing) || ' seconds', '+5 days')"
        answers = "'{}'"
        series = "series(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM series WHERE n < :last)"
    return f"""
        WITH RECURSIVE {series}, cases AS (SELECT n, {state} AS state, {reference} AS reference FROM series)
        INSERT INTO submission (municipality_code, reference, procedure, resident_id, state, definition_version_id,
            workflow_version_id, certificate_version_id, answers, fee, receipt_method, payment_method, submitted_at,
            updated_at, created_at, closed, assignee_id, search_key, due_on, clock_paused_on)
        SELECT '{CODE}', reference,
            CASE WHEN {gomi} THEN 'sodai_gomi' ELSE 'juminhyo' END,
            CASE (n % {len(seeded.residents)}) {residents} END,
            state,
            CASE WHEN {gomi} THEN {versions[Kind.DEFINITION, "sodai_gomi"]} ELSE {versions[Kind.DEFINITION, "juminhyo"]} END,
            CASE WHEN {gomi} THEN {versions[Kind.WORKFLOW, "sodai_gomi"]} ELSE {versions[Kind.WORKFLOW, "juminhyo"]} END,
            CASE WHEN {gomi} THEN NULL ELSE {versions[Kind.CERTIFICATE, "juminhyo"]} END,
            {answers}, 300, 'counter', 'counter', {submitted}, {submitted}, {submitted},
            (CASE WHEN state IN ('completed', 'issued', 'rejected', 'withdrawn') THEN 1 ELSE 0 END) = 1,
            CASE WHEN state IN ('completed', 'issued', 'rejected', 'withdrawn') THEN NULL ELSE {assignee} END,
            reference || '|' || CASE (n % {len(NAMES)}) {names} END,
            {due},
            CASE WHEN state = 'returned' THEN {day} END
        FROM cases
    """  # noqa: S608 - every value interpolated here is the bench's own integer or constant


def _logged_in(app: Flask, staff_id: int) -> FlaskClient:
    """A browser of the clerk, as after the OIDC login (the session the callback would store)."""
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session[STAFF_KEY] = staff_id
        session[LOGGED_IN_AT] = session[LAST_SEEN] = now
    return client


def _page(client: FlaskClient, view: View) -> Callable[[], object]:
    def get() -> object:
        response = client.get("/backoffice/", query_string={"view": view.value})
        if response.status_code != 200 or "queue-caption" not in response.text:  # a page of rows
            raise SystemExit(
                f"the {view.value} view answered {response.status_code}: the bench is not measuring a page"
            )
        return response

    return get
