"""Rosters at any size: the whole planning run against its time limit, per branch size, limit and backend.

Branches: ``instances/jiangdong`` (11 staff) and generated branches of 60, 150
and 300 staff (``instances/generate.py generic --staff N --roles 4 --weeks 8
--seed 0``, generated once into ``--work``; ``--roles`` and ``--branch-seed``
generate other shapes, labelled e.g. ``60 r3 s5``). Each run is the whole product
run in its own Python process, so peak RSS is that run's: load the folder,
forecast (the branch's default model unless ``--model``), requirements,
search, role assignment, checker, KPIs and writing the output set.

Columns: objective, proven bound, the solver's gap, the roster as written
(persons' roles, re-evaluated by the checker) and its gap to the bound, seconds from the
start of the plan to the first roster (``<=`` when no solver callback saw it
come, e.g. a CBC roster or the warm start: then it is when the search
ended), wall seconds of the whole process (imports included) and its peak
RSS.

    python benchmarks/roster_scale.py                                   # everything: 4 branches x 60/120/300 s
    python benchmarks/roster_scale.py --sizes jiangdong,60 --limits 60 --backend portfolio --json
    python benchmarks/roster_scale.py --sizes 150 --limits 60,120 --backend columns --out benchmarks/results/roster_scale.json
    python benchmarks/roster_scale.py --sizes 60 --limits 60 --roles 3 --branch-seed 5   # a branch of another shape

``--backend`` takes any value ``staffline.plan`` knows (comma-separated runs
each); exit status 0 even when a run ends without a roster (the table says so).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ("jiangdong", "60", "150", "300")
LIMITS = (60.0, 120.0, 300.0)
EXIT = {"optimal": 0, "feasible": 0, "infeasible": 1, "time_limit": 3}


def branch_folder(size: str, work: Path, roles: int, seed: int) -> Path:
    """The instance folder of ``size`` (generated on first use, then reused)."""
    if size == "jiangdong":
        return ROOT / "instances" / "jiangdong"
    if not size.isdigit():
        raise SystemExit(f"--sizes: unknown size {size!r} (jiangdong or a staff count)")
    folder = work / f"generic-{size}-r{roles}-s{seed}"
    if not (folder / "branch.toml").exists():
        command = [sys.executable, str(ROOT / "instances" / "generate.py"), "generic"]
        command += ["--staff", size, "--roles", str(roles), "--weeks", "8", "--seed", str(seed), "--out", str(folder)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return folder


def branch_label(size: str, roles: int, branch_seed: int) -> str:
    """The table's name of a branch: its size, plus roles and generator seed when they are not the defaults (4, 0)."""
    if size == "jiangdong" or (roles, branch_seed) == (4, 0):
        return size
    return f"{size} r{roles} s{branch_seed}"


def run_one(folder: Path, limit: float, backend: str, workers: int, seed: int, model: str | None) -> dict:
    """One whole run in this process (the ``--one`` child): the row's numbers, RSS included."""
    from staffline.io import load_instance
    from staffline.pipeline import plan, write_plan

    started = time.monotonic()
    first: list[float] = []
    instance = load_instance(folder)
    loaded = time.monotonic()
    p = plan(
        instance,
        time_limit=limit,
        workers=workers,
        seed=seed,
        backend=backend,
        model=model,
        progress=lambda *_: first.append(time.monotonic() - loaded) if not first else None,
    )
    k = p.kpis
    has_roster = p.status in ("optimal", "feasible")
    if has_roster:
        with tempfile.TemporaryDirectory(prefix="roster-scale-") as out:
            write_plan(p, instance, out)
    done = time.monotonic()
    to_search_end = sum(p.timing.get(stage, 0.0) for stage in ("forecast", "requirements", "roster"))
    return {
        "staff": len(instance.staff),
        "status": p.status,
        "exit": EXIT.get(p.status, 3),
        "objective": k.get("objective"),
        "bound": k.get("bound"),
        "gap": k.get("gap"),
        "roster_gap": k.get("roster_gap"),
        "roster_objective": k.get("roster_objective"),
        "role_mismatch_slots": k.get("role_assignment_mismatch_slots"),
        "first_roster_s": (first[0] if first else to_search_end) if has_roster else None,
        "first_roster_seen": bool(first),
        "solve_s": k.get("solve_seconds"),
        "load_s": round(loaded - started, 3),
        "plan_s": round(done - loaded, 3),
        "stages_s": p.timing,
        "hard_violations": len(k.get("hard_violations", [])),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_child(folder: Path, size: str, limit: float, backend: str, args) -> dict:
    """``run_one`` in a fresh interpreter, timed from the outside (imports and start-up count)."""
    command = [sys.executable, __file__, "--one", str(folder), "--limits", str(limit), "--backend", backend]
    command += ["--workers", str(args.workers), "--seed", str(args.seed)] + (["--model", args.model] if args.model else [])
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    row = {"branch": size, "limit": limit, "backend": backend, "workers": args.workers, "wall_s": round(wall, 2)}
    if done.returncode != 0:
        return {**row, "status": "error", "error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return {**row, **json.loads(done.stdout.strip().splitlines()[-1])}


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def pct(value) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


HEADER = "| branch | staff | limit s | backend | status | objective | bound | gap | roster objective | roster gap | first roster s | wall s | peak RSS MB |"


def table_row(r: dict) -> str:
    if r["status"] == "error":
        return f"| {r['branch']} | - | {r['limit']:g} | {r['backend']} | error: {r['error']} | | | | | | | {r['wall_s']:.1f} | |"
    first = "-" if r["first_roster_s"] is None else ("" if r["first_roster_seen"] else "<=") + f"{r['first_roster_s']:.1f}"
    return (
        f"| {r['branch']} | {r['staff']} | {r['limit']:g} | {r['backend']} | {r['status']} | {fmt(r['objective'], '.1f')} | "
        f"{fmt(r['bound'], '.1f')} | {pct(r['gap'])} | {fmt(r.get('roster_objective'), '.1f')} | {pct(r['roster_gap'])} | {first} | "
        f"{r['wall_s']:.1f} | {r['peak_rss_mb']:.0f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: jiangdong and/or staff counts")
    parser.add_argument("--limits", default=",".join(f"{x:g}" for x in LIMITS), help="comma-separated time limits, seconds")
    parser.add_argument("--backend", default="portfolio", help="comma-separated backends (any staffline.plan accepts)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="solver seed")
    parser.add_argument("--roles", type=int, default=4, help="roles of the generated branches")
    parser.add_argument(
        "--branch-seed", type=int, default=0, help="generator seed of the generated branches (other seeds: other staff, skills and demand)"
    )
    parser.add_argument("--model", default=None, help="forecast model (default: the branch's)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "staffline-roster-scale", help="generated branches")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON instead of the table")
    parser.add_argument("--out", type=Path, default=None, help="also write the runs as JSON to this file")
    parser.add_argument("--one", type=Path, default=None, help=argparse.SUPPRESS)  # the child: one run of this folder
    args = parser.parse_args(argv)
    limits = [float(x) for x in args.limits.split(",") if x]
    if args.one is not None:
        print(json.dumps(run_one(args.one, limits[0], args.backend, args.workers, args.seed, args.model)))
        return 0
    rows = []
    if not args.json:
        print(HEADER)
        print("|" + "---|" * HEADER.count(" | ") + "---|")
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        folder = branch_folder(size, args.work, args.roles, args.branch_seed)
        label = branch_label(size, args.roles, args.branch_seed)
        for limit in limits:
            for backend in [b.strip() for b in args.backend.split(",") if b.strip()]:
                row = run_child(folder, label, limit, backend, args)
                rows.append(row)
                if not args.json:
                    print(table_row(row), flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
