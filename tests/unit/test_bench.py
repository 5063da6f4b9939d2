"""scripts/bench certificates runs the real renderer and signer and prints each figure and ratio with a verdict
(its figures are a benchmark's, not asserted here)."""

from __future__ import annotations

import re

import pytest

from portal.devtools.bench import certificates


def test_the_certificate_benchmark_prints_every_figure_and_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    certificates.main(rounds=1, warmup=0, profile=False)
    out = capsys.readouterr().out

    for label in ("plain page, bare WeasyPrint", "個人票 (1 page)", "世帯連記式 (16 persons, 4 pages)", "bare pyHanko"):
        assert re.search(rf"^  {re.escape(label)}[^\n]*\s\d+\.\d\s", out, re.M), label
    verdicts = re.findall(r"target ≤ [\d.]+(?:×| KB)\s+(PASS|FAIL)", out)
    assert len(verdicts) == 4
    assert re.search(r"^(ALL PASS|\d FAIL) \(4 ratios\)$", out, re.M)
