"""Batch planning benchmark: many generated branches on the local process pool and on Dask.

Generates N branches (8 to 40 staff, 3 or 4 roles, 26 weeks of ticket history
each, seeds 0..N-1), plans them all with `staffline.batch` on a local pool of
--jobs processes, then the same jobs on a Dask LocalCluster with --jobs
workers, and prints wall time, branches per minute, peak memory of one job
process and per-status counts for each, plus the Dask / local wall-time ratio
(the overhead of going through a Dask scheduler on one machine).

    python benchmarks/batch.py [--branches 100] [--jobs 2] [--time-limit 10] [--simulate 50] [--root DIR]

The branches are written under --root (a temporary folder by default) and
reused when it already holds them.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from staffline.batch import find_branches, make_jobs, run_dask, run_local
from staffline.io import write_instance
from staffline.synthetic import generate_instance


def make_network(root: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(2026)
    for i in range(n):
        folder = root / f"branch{i:03d}"
        staff, roles = int(rng.integers(8, 41)), int(rng.integers(3, 5))
        if not (folder / "branch.toml").exists():
            write_instance(generate_instance(n_staff=staff, n_roles=roles, weeks=26, seed=i), folder)
    return find_branches(root)


def peak_child_rss_mib() -> float:
    """Largest resident set of any finished child process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def measure(name: str, run, jobs) -> dict:
    started = time.perf_counter()
    rows = run(jobs)
    wall = time.perf_counter() - started
    statuses = Counter(r["status"] for r in rows)
    return {
        "executor": name,
        "branches": len(rows),
        "wall_s": round(wall, 1),
        "branches_per_min": round(60 * len(rows) / wall, 2),
        "peak_job_rss_mib": round(peak_child_rss_mib()),
        "statuses": dict(statuses),
        "mean_branch_s": round(float(np.mean([r["seconds"] or 0 for r in rows])), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--simulate", type=int, default=50)
    ap.add_argument("--root", type=Path, default=None)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    root = args.root or Path(tempfile.mkdtemp(prefix="staffline-network-"))
    started = time.perf_counter()
    branches = make_network(root, args.branches)
    print(f"{len(branches)} branches under {root} ({time.perf_counter() - started:.0f} s to generate or find)")
    results = []
    for name, runner in (("local", lambda jobs: run_local(jobs, args.jobs)), ("dask", lambda jobs: run_dask(jobs, args.jobs))):
        if name == "dask" and args.skip_dask:
            continue
        out = Path(tempfile.mkdtemp(prefix=f"staffline-batch-{name}-"))
        jobs = make_jobs(branches, out, time_limit=args.time_limit, workers=1, simulate_reps=args.simulate, report=True)
        results.append(measure(name, runner, jobs))
        print(results[-1], flush=True)
    if len(results) == 2:
        print(f"dask / local wall time: {results[1]['wall_s'] / results[0]['wall_s']:.3f}")


if __name__ == "__main__":
    main()
