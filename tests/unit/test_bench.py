"""scripts/bench certificates runs the real renderer and signer and prints each figure and ratio with a verdict
(its figures are a benchmark's, not asserted here)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event

from portal.devtools.bench import bare, catalog, certificates, load, measure
from portal.models import Resident


def test_the_certificate_benchmark_prints_every_figure_and_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    certificates.main(rounds=1, warmup=0, profile=False)
    out = capsys.readouterr().out

    for label in ("plain page, bare WeasyPrint", "個人票 (1 page)", "世帯連記式 (16 persons, 4 pages)", "bare pyHanko"):
        assert re.search(rf"^  {re.escape(label)}[^\n]*\s\d+\.\d\s", out, re.M), label
    verdicts = re.findall(r"target ≤ [\d.]+(?:×| KB)\s+(PASS|FAIL)", out)
    assert len(verdicts) == 4
    assert re.search(r"^(ALL PASS|\d FAIL) \(4 ratios\)$", out, re.M)


WRK_REPORT = """Running 5s test @ http://127.0.0.1:18000/999997/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.34ms    5.67ms  89.01ms   75.00%
    Req/Sec   610.12    100.00     1.00k    70.00%
  Latency Distribution
     50%   11.00ms
     75%   14.00ms
     90%   18.00ms
     99%    1.20s
  6100 requests in 5.00s, 60.00MB read
  Socket errors: connect 1, read 6100, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:   1220.50
Transfer/sec:     12.00MB
"""


def test_a_wrk_report_gives_its_rate_its_p99_in_ms_and_its_errors_but_not_closed_connections() -> None:
    assert load.parse_wrk(WRK_REPORT) == load.WrkResult(1220.5, 1200.0, 6)
    fast = WRK_REPORT.replace("1.20s", "850.00us").replace(
        "  Socket errors: connect 1, read 6100, write 0, timeout 2\n", ""
    )
    assert load.parse_wrk(fast.replace("  Non-2xx or 3xx responses: 3\n", "")) == load.WrkResult(1220.5, 0.85, 0)
    with pytest.raises(ValueError, match="not a wrk --latency report"):
        load.parse_wrk("unable to connect to 127.0.0.1:18000 Connection refused")


def test_an_answer_is_split_into_status_headers_and_body() -> None:
    raw = b"HTTP/1.1 302 FOUND\r\nLocation: /999997/applications/2026-000001/receipt\r\nX-A: 1\r\n\r\n<p>body</p>"
    answer = load.parse_answer(raw)
    assert (answer.status, answer.headers["location"], answer.body) == (
        302,
        "/999997/applications/2026-000001/receipt",
        b"<p>body</p>",
    )
    with pytest.raises(ValueError, match="not an HTTP response"):
        load.parse_answer(b"")


def test_the_open_loop_starts_every_job_and_counts_those_that_fail() -> None:
    results = iter([True, False, True, None])

    async def flaky() -> bool:
        result = next(results)
        if result is None:
            raise OSError("connection refused")
        return result

    done = asyncio.run(load.open_loop(flaky, rate=200.0, seconds=0.02))
    assert (done.sent, done.errors, len(done.latencies_ms)) == (4, 2, 4)
    assert done.latencies_ms == sorted(done.latencies_ms) and done.p99_ms == done.latencies_ms[-1]


def test_a_throughput_passes_at_or_above_its_target_and_a_cost_at_or_below(capsys: pytest.CaptureFixture[str]) -> None:
    measure.report(
        [
            measure.Ratio("public page", 0.62, 0.5, at_least=True),
            measure.Ratio("logged-in form", 0.2, 0.25, at_least=True),
            measure.Ratio("p99", 120.0, 100.0, " ms"),
        ]
    )
    out = capsys.readouterr().out
    assert re.search(r"public page\s+0\.62×  target ≥ 0\.5×\s+PASS", out)
    assert re.search(r"logged-in form\s+0\.20×  target ≥ 0\.25×\s+FAIL", out)
    assert re.search(r"p99\s+120\.00 ms  target ≤ 100 ms\s+FAIL", out)
    assert "2 FAIL (3 ratios)" in out


def test_the_bare_app_answers_each_path_with_the_bytes_it_was_given(tmp_path: Path) -> None:
    pages = {"/999997/": "<p>見本市</p>".encode(), "/999997/procedures/juminhyo": b"<p>juminhyo</p>"}
    bare.save_pages(tmp_path, pages)
    client = bare.create_bare_app(tmp_path).test_client()
    for path, body in pages.items():
        answer = client.get(path)
        assert (answer.status_code, answer.data, answer.mimetype) == (200, body, "text/html")
    assert client.get("/999997/procedures/other").status_code == 404


class _Store:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get(self, key: str) -> None:
        self.asked.append(key)


def test_the_floor_reads_the_session_and_the_person_before_the_same_bytes(tmp_path: Path) -> None:
    """/floor/ answers the page's bytes after one Redis read by the cookie and one transaction reading the
    resident; the plain paths do neither."""
    engine = create_engine("sqlite://")
    Resident.__table__.create(engine)  # type: ignore[attr-defined]
    selects: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: selects.append(args[2]))
    store = _Store()
    bare.save_pages(tmp_path, {"/999997/procedures/juminhyo/apply": b"<form></form>"})
    client = bare.create_bare_app(tmp_path, bare.Floor(store, engine, 1)).test_client()  # type: ignore[arg-type]
    assert client.get("/999997/procedures/juminhyo/apply").data == b"<form></form>"
    assert store.asked == [] and selects == []
    client.set_cookie("session", "abc")
    assert client.get("/floor/999997/procedures/juminhyo/apply").data == b"<form></form>"
    assert store.asked == ["madoguchi:session:abc"]
    assert len(selects) == 1 and "FROM resident" in selects[0]
    assert client.get("/floor/999997/other").status_code == 404


def test_the_generated_catalog_has_the_size_asked_each_definition_its_own_title(tmp_path: Path) -> None:
    dirs = catalog.generate(tmp_path, 7)
    files = sorted(dirs.catalog.glob("*.yaml"))
    assert len(files) == 7 and {f.stem for f in files} >= set(catalog.KEPT)
    titles = [re.search(r"^title: (.+)$", f.read_text(), re.M).group(1) for f in files]  # type: ignore[union-attr]
    assert len(set(titles)) == 7
    assert (dirs.workflows / "juminhyo.yaml").is_file() and (dirs.certificates / "juminhyo.html").is_file()
