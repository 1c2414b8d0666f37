"""Run the public Curtois-Qu set through `staffline bench curtois`.

Usage: python benchmarks/curtois.py [FOLDER] [--all] [--instances 20-24] [--out DIR]
                                    [--time-limit 60] [--workers 2] [--repeat N] [--method columns|compact]
Writes curtois.csv and curtois.md (the README table; the first run), and
curtois_spread.csv/.md (min/median/max per instance) with --repeat, into
``--out`` (default benchmarks/results).
FOLDER defaults to ../shared/benchmarks/curtois beside the repository.

Instances 1-19 by default (the set the README table and issue 9 target);
``--all`` adds 20-24 (26-52 weeks, 50-150 staff), whose models take minutes
to build alone and found no roster in 60 s; at 600 s each gets one
(docs/benchmarks.md). ``--instances`` keeps those numbers only: a range
``20-24`` or a list ``13,15,19``.

    python benchmarks/curtois.py --all --instances 20-24 --time-limit 600 --out benchmarks/results/curtois_long
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from staffline.cli import main
from staffline.curtois.bench import instance_order

REPO = Path(__file__).resolve().parents[1]
LAST_DEFAULT = 19


def chosen_numbers(text: str) -> set[int]:
    """``--instances``' value: ``A-B`` (inclusive) or ``A,B,C``."""
    try:
        if "-" in text:
            low, high = (int(x) for x in text.split("-", 1))
            return set(range(low, high + 1))
        return {int(x) for x in text.split(",")}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a range like 20-24 nor a list like 13,15,19") from None


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """This script's options, and the ``staffline bench curtois`` options they pass on."""
    parser = argparse.ArgumentParser(description="Run the public Curtois-Qu set through `staffline bench curtois`.")
    parser.add_argument("folder", nargs="?", type=Path, default=REPO.parent / "shared" / "benchmarks" / "curtois")
    parser.add_argument("--all", action="store_true", help="add instances 20-24")
    parser.add_argument("--instances", type=chosen_numbers, help="only these numbers: 20-24 or 13,15,19")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"), help="where the tables go")
    for name in PASSED_ON:
        parser.add_argument(name)
    options = parser.parse_args(argv)
    passed = [part for name in PASSED_ON if (value := getattr(options, name[2:].replace("-", "_"))) is not None for part in (name, value)]
    return options, passed


PASSED_ON = ("--time-limit", "--workers", "--seed", "--repeat", "--method")  # checked by the CLI itself


if __name__ == "__main__":
    options, passed = parse(sys.argv[1:])
    files = sorted(options.folder.glob("Instance*.txt"), key=instance_order)
    if not options.all:
        files = [f for f in files if instance_order(f)[0] <= LAST_DEFAULT]
    if options.instances is not None:
        files = [f for f in files if instance_order(f)[0] in options.instances]
    if not files:
        sys.exit(f"no Instance*.txt in {options.folder}" + (" among --instances" if options.instances else ""))
    main(["bench", "curtois", *map(str, files), "--out", options.out, *passed])
