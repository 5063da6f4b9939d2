"""``scripts/bench SUBCOMMAND``: run one benchmark; always exit 0 (a benchmark reports, it does not fail)."""

from __future__ import annotations

import argparse
import importlib

from portal.devtools.bench import SUBCOMMANDS


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("subcommand", choices=sorted(SUBCOMMANDS))
    parser.add_argument("--rounds", type=int, default=15, help="measured rounds (the median is printed)")
    parser.add_argument("--warmup", type=int, default=2, help="rounds run first and not counted")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the measured code instead")
    args = parser.parse_args()
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be at least 1 and --warmup at least 0")
    module = importlib.import_module(f"{__package__}.{SUBCOMMANDS[args.subcommand]}")
    module.main(rounds=args.rounds, warmup=args.warmup, profile=args.profile)


if __name__ == "__main__":
    main()
