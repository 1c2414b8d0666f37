"""How close to optimal are our rosters, per search backend, on the demo and on a large branch?

Runs the whole plan (forecast -> roster -> independent check) on

* ``instances/jiangdong`` (11 staff, 3 roles) and
* a generated 60-staff, 4-role branch (``synthetic.generate_instance(60, 4, weeks=8, seed=0)``),

with each backend (``portfolio``, ``cpsat``, ``cbc``) at the same time limit and
worker count, and prints per run: status, the solver's objective, the proven
bound, its gap, the objective of the roster as written (persons' roles, from
the checker) and that roster's gap to the bound, hard violations and seconds.
The last column is the roster gap as a ratio to the portfolio run of the same
branch (the reference run, measured in the same process).

    python benchmarks/roster_gap.py [--time-limit 60] [--workers 2] [--branches jiangdong,large]
                                    [--backends portfolio,cpsat,cbc] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from staffline.io import load_instance
from staffline.pipeline import plan
from staffline.synthetic import generate_instance

ROOT = Path(__file__).resolve().parent.parent


def branch(name: str):
    if name == "jiangdong":
        return load_instance(ROOT / "instances" / "jiangdong")
    if name == "large":
        return generate_instance(60, 4, weeks=8, seed=0, name="generated 60 staff, 4 roles")
    raise SystemExit(f"unknown branch {name!r} (known: jiangdong, large)")


def run(instance, backend: str, time_limit: float, workers: int, seed: int) -> dict:
    started = time.perf_counter()
    p = plan(
        instance, time_limit=time_limit, workers=workers, seed=seed, backend=backend, model="profile"
    )  # the forecast these tables were always measured on
    k, r = p.kpis, p.result
    return {
        "status": r.status,
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
        "roster_objective": k.get("roster_objective"),
        "roster_gap": k.get("roster_gap"),
        "violations": len(k.get("hard_violations", [])),
        "solve_s": r.solve_seconds,
        "wall_s": time.perf_counter() - started,
    }


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--branches", default="jiangdong,large")
    ap.add_argument("--backends", default="portfolio,cpsat,cbc")
    a = ap.parse_args()
    backends = a.backends.split(",")
    print(f"time limit {a.time_limit:g} s, {a.workers} workers, seed {a.seed}")
    print(
        "| branch | backend | status | objective | bound | gap | roster objective | roster gap | hard violations | solve s | wall s | roster gap / portfolio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in a.branches.split(","):
        instance = branch(name)
        results = {b: run(instance, b, a.time_limit, a.workers, a.seed) for b in backends}
        reference = results.get("portfolio", {}).get("roster_gap")
        for b, x in results.items():
            ratio = x["roster_gap"] / reference if reference and x["roster_gap"] is not None else None
            print(
                f"| {name} | {b} | {x['status']} | {fmt(x['objective'], '.1f')} | {fmt(x['bound'], '.1f')} | {fmt(x['gap'], '.2%')} "
                f"| {fmt(x['roster_objective'], '.1f')} | {fmt(x['roster_gap'], '.2%')} | {x['violations']} | {x['solve_s']:.1f} "
                f"| {x['wall_s']:.1f} | {fmt(ratio, '.2f')} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
