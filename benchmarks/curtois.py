"""Run the public Curtois-Qu set through `staffline bench curtois`.

Usage: python benchmarks/curtois.py [FOLDER] [--all] [--time-limit 60] [--workers 2] [--repeat N] [--method columns|compact]
Writes benchmarks/results/curtois.csv and curtois.md (the README table; the first run), and
curtois_spread.csv/.md (min/median/max per instance) with --repeat.
FOLDER defaults to ../shared/benchmarks/curtois beside the repository.

Instances 1-19 by default (the set the README table and issue 9 target);
``--all`` adds 20-24, whose 182-364-day models take minutes to build alone
and found no roster in 60 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

from staffline.cli import main
from staffline.curtois.bench import instance_order

REPO = Path(__file__).resolve().parents[1]
LAST_DEFAULT = 19

if __name__ == "__main__":
    args = sys.argv[1:]
    folder = Path(args.pop(0)) if args and not args[0].startswith("-") else REPO.parent / "shared" / "benchmarks" / "curtois"
    everything = "--all" in args
    args = [a for a in args if a != "--all"]
    files = sorted(folder.glob("Instance*.txt"), key=instance_order)
    if not everything:
        files = [f for f in files if instance_order(f)[0] <= LAST_DEFAULT]
    if not files:
        sys.exit(f"no Instance*.txt in {folder}")
    main(["bench", "curtois", *map(str, files), "--out", str(REPO / "benchmarks" / "results"), *args])
