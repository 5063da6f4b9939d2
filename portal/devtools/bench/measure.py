"""Timing side by side: every case runs once per round, rounds interleave the cases so that a noisy
neighbour slows them all alike, and the median of the rounds is kept. Results print as a table and as
ratios, each with its target and an unmistakable PASS or FAIL."""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass


def median_ms(
    cases: Mapping[str, Callable[[], object]],
    *,
    rounds: int,
    warmup: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """The median time in ms of each case over ``rounds`` interleaved rounds, after ``warmup`` rounds: wall time,
    or with ``clock=time.process_time`` this process's CPU time."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_number in range(warmup + rounds):
        for name, case in cases.items():
            start = clock()
            case()
            elapsed = (clock() - start) * 1000
            if round_number >= warmup:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def profile(case: Callable[[], object], *, repeat: int, limit: int = 30) -> None:
    """Print where ``case`` spends its time (cumulative, then own time)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        case()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (a kanji takes two)."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - used, 0)


def columns(text: str) -> int:
    return len(pad(text, 0))


@dataclass(frozen=True)
class Ratio:
    label: str
    value: float
    target: float
    unit: str = "×"
    at_least: bool = False  # the figure must reach the target (a throughput), not stay under it (a cost)

    @property
    def passed(self) -> bool:
        return self.value >= self.target if self.at_least else self.value <= self.target


def report(ratios: list[Ratio]) -> None:
    width = max(columns(ratio.label) for ratio in ratios)
    for ratio in ratios:
        verdict = "PASS" if ratio.passed else "FAIL  <<<"
        bound = "≥" if ratio.at_least else "≤"
        value, target = f"{ratio.value:.2f}{ratio.unit}", f"{bound} {ratio.target:g}{ratio.unit}"
        print(f"  {pad(ratio.label, width)}  {value:>10}  target {target:<9}  {verdict}")
    failed = sum(not ratio.passed for ratio in ratios)
    print(f"\n{'ALL PASS' if not failed else f'{failed} FAIL'} ({len(ratios)} ratios)")
