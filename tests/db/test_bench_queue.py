"""scripts/bench queue seeds cases in bulk, times each view's first page through the portal at both sizes and prints
the figures and the ratio line (its figures are a benchmark's, not asserted here). Small sizes, this test's own
database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select

from portal.cli import upgrade_database
from portal.database import db
from portal.devtools.bench import queue
from portal.models import Submission
from tests.conftest import throwaway_database


@pytest.fixture
def two_databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """A migrated database for each size, each for a portal of the bench's own; the shared ``db`` points back where
    it was afterwards."""
    engine, sessionmaker = db.engine, db.sessionmaker
    with (
        throwaway_database(request.config, tmp_path_factory) as small,
        throwaway_database(request.config, tmp_path_factory) as large,
    ):
        for url in (small, large):
            upgrade_database(url)
        yield [small, large]
        db.engine, db.sessionmaker = engine, sessionmaker


def test_the_queue_benchmark_seeds_both_sizes_and_prints_each_view_and_the_ratio(
    two_databases: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    queue.main(rounds=1, warmup=0, profile=False, sizes=(300, 900), urls=two_databases)
    out = capsys.readouterr().out

    assert "seeded 300 cases" in out and "seeded 900 cases" in out
    for label in (
        "要対応 (action)",
        "自分の担当 (mine)",
        "未割当 (unassigned)",
        "期限超過 (overdue)",
        "完了 (done)",
        "すべて (all)",
    ):
        assert re.search(rf"^  {re.escape(label)}\s+\d+\.\d\s+\d+\.\d\s+\d+\.\d\d$", out, re.M), label
    assert re.search(r"^ratio 1M/10k: \d+\.\d\d  \(the worst view: .+\)$", out, re.M)
    assert len(re.findall(r"target ≤ 1\.5×\s+(PASS|FAIL)", out)) == 6
    engine = create_engine(two_databases[1])
    try:
        with engine.connect() as connection:
            counted = connection.execute(
                select(Submission.closed, func.count()).group_by(Submission.closed).order_by(Submission.closed)
            ).all()
            references = connection.scalar(select(func.count(func.distinct(Submission.reference))))
    finally:
        engine.dispose()
    assert sum(n for _closed, n in counted) == references == 900
    open_cases = dict(counted)[False]
    assert 60 <= open_cases <= 120  # one in ten open
