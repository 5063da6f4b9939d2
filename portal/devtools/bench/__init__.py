"""Benchmarks run by ``scripts/bench <subcommand>``: each subcommand is a module of this package with a
``main(rounds, warmup, profile)`` that measures the portal's real code beside a baseline in the same run and
prints ratios (:mod:`portal.devtools.bench.measure`). Machines differ, so targets are ratios, never times.
"""

from __future__ import annotations

# subcommand -> module of this package; adding a benchmark is one module and one line here.
SUBCOMMANDS = {
    "catalog": "catalog",
    "certificates": "certificates",
    "pages": "pages",
    "queue": "queue",
    "submissions": "submissions",
}
