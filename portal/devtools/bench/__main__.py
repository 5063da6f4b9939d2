"""``scripts/bench SUBCOMMAND``: run one benchmark; always exit 0 (a benchmark reports, it does not fail)."""

from __future__ import annotations

import argparse
import importlib

from portal.devtools.bench import SUBCOMMANDS

ROUNDS, WARMUP = 15, 2  # unless the subcommand's module sets its own (a server benchmark's rounds are long)


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("subcommand", choices=sorted(SUBCOMMANDS))
    parser.add_argument("--rounds", type=int, help="measured rounds, the median is printed (default: the module's)")
    parser.add_argument("--warmup", type=int, help="rounds run first and not counted (default: the module's)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the measured code instead")
    args = parser.parse_args()
    module = importlib.import_module(f"{__package__}.{SUBCOMMANDS[args.subcommand]}")
    rounds = args.rounds if args.rounds is not None else getattr(module, "ROUNDS", ROUNDS)
    warmup = args.warmup if args.warmup is not None else getattr(module, "WARMUP", WARMUP)
    if rounds < 1 or warmup < 0:
        parser.error("--rounds must be at least 1 and --warmup at least 0")
    module.main(rounds=rounds, warmup=warmup, profile=args.profile)


if __name__ == "__main__":
    main()
