"""Multi-week plan benchmark: the issue's done-when for `--weeks` (jiangdong, 4 weeks, 120 s, 2 workers).

Plans the branch for --weeks weeks from its default week and prints, with the
machine's load average (timings and gaps on a shared machine depend on it):

- the solver's gap and the roster's gap (as written, against the proven bound),
  with the week-alone bound the horizon search proved;
- Saturdays worked per person among staff available on some Saturday of the
  plan, and their spread (the issue asks for at most 1 over 4 weeks);
- the checker's hard violations (the issue asks for none) and each
  `[fairness]` rule's spread;
- where the roster gap comes from: each week alone (its roster against its
  proven bound, from the horizon search's log), the `[fairness]` spreads
  (priced in the objective, not in the weeks' bound), role assignment (the
  roster as written against the model's objective), and each stage's seconds.

    python benchmarks/horizon.py [--branch instances/jiangdong] [--weeks 4] [--time-limit 120] [--workers 2] [--seed 0] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import time

import staffline


def saturdays(instance, roster, week_start: dt.date, weeks: int) -> dict[str, int]:
    """Saturdays worked per person among staff available on some open Saturday of the plan."""
    days = [week_start + dt.timedelta(days=7 * w + 5) for w in range(weeks)]
    open_days = [d for d in days if instance.branch.opening(d).is_open]
    worked = roster[roster["date"].isin([d.isoformat() for d in open_days])].groupby("employee")["date"].nunique()
    return {e.id: int(worked.get(e.id, 0)) for e in instance.staff if any(not e.is_unavailable(d) for d in open_days)}


class Phases(logging.Handler):
    """The horizon search's log lines (weeks alone, joined, handed round), kept to print the breakdown."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branch", default="instances/jiangdong")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="log the horizon search's phases as they happen")
    parser.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(format="%(relativeCreated)7.0f ms %(message)s")
    phases = Phases()
    for name in ("staffline.optimizer.search.horizon", "staffline.optimizer.search.horizon_bound"):
        horizon_log = logging.getLogger(name)
        horizon_log.setLevel(logging.INFO)
        horizon_log.addHandler(phases)
    instance = staffline.load_instance(args.branch)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    p = staffline.plan(instance, weeks=args.weeks, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    seconds = time.perf_counter() - started
    k = p.kpis
    print(f"{args.branch}, {args.weeks} weeks from {p.week_start}, {args.time_limit:g} s, {args.workers} workers, seed {args.seed}")
    print(f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; wall {seconds:.0f} s")
    print(f"status {p.status}")
    if p.status not in ("optimal", "feasible"):
        print(p.result.message)
        print("\n".join(phases.lines), f"\nstage seconds: {p.timing}")
        return
    print(f"objective {k['objective']:.1f}, bound {k['bound']:.1f}, gap {k['gap']:.2%}")
    print(f"roster as written {k['roster_objective']:.1f}, roster gap {k['roster_gap']:.2%} (target <= 2%)")
    sat = saturdays(instance, p.roster, p.week_start, args.weeks)
    spread = max(sat.values()) - min(sat.values()) if sat else 0
    print(f"Saturdays worked: {sat}; spread {spread} (target <= 1)")
    print(f"hard violations: {len(k['hard_violations'])} (target 0) {k['hard_violations'][:3]}")
    for name, f in k.get("fairness", {}).items():
        print(f"{name}: spread {f['spread']:g}, weight {f['weight']:g}")
    print(f"penalties: {k['penalties']}")
    fairness = sum(f["spread"] * f["weight"] for f in k.get("fairness", {}).values())
    roles = k["roster_objective"] - k["objective"]
    print("breakdown (share of the roster as written):")
    for line in phases.lines:
        print(f"  {line}")
    print(f"  [fairness] spreads in the objective: {fairness:.1f} ({fairness / k['roster_objective']:.2%})")
    print(f"  role assignment (as written - objective): {roles:.1f} ({roles / k['roster_objective']:.2%})")
    print(f"  stage seconds: {p.timing}")
    if args.json:
        numbers = {
            "command": f"python benchmarks/horizon.py --branch {args.branch} --weeks {args.weeks} --time-limit {args.time_limit:g} "
            f"--workers {args.workers} --seed {args.seed}",
            "load_before": round(load_before, 2),
            "load_after": round(os.getloadavg()[0], 2),
            "wall_seconds": round(seconds, 1),
            **{key: k[key] for key in ("objective", "bound", "gap", "roster_objective", "roster_gap", "penalties")},
            "saturday_spread": spread,
            "hard_violations": len(k["hard_violations"]),
            "fairness_in_objective": round(fairness, 1),
            "role_assignment_added": round(roles, 1),
            "horizon_log": phases.lines,
            "timing": p.timing,
        }
        with open(args.json, "w") as out:
            json.dump(numbers, out, indent=1)


if __name__ == "__main__":
    main()
