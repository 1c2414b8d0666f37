"""Run the whole public Curtois-Qu set through `staffline bench curtois`.

Usage: python benchmarks/curtois.py [FOLDER] [--time-limit 60] [--workers 2]
Writes benchmarks/results/curtois.csv and curtois.md (the README table).
FOLDER defaults to ../shared/benchmarks/curtois beside the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

from staffline.cli import main
from staffline.instances.curtois_bench import instance_order

REPO = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    args = sys.argv[1:]
    folder = Path(args.pop(0)) if args and not args[0].startswith("-") else REPO.parent / "shared" / "benchmarks" / "curtois"
    files = sorted(folder.glob("Instance*.txt"), key=instance_order)
    if not files:
        sys.exit(f"no Instance*.txt in {folder}")
    main(["bench", "curtois", *map(str, files), "--out", str(REPO / "benchmarks" / "results"), *args])
