"""Which time-varying wait approximation predicts the simulator best?

Solves the jiangdong demo week (or replays a given roster.csv), then for each
role compares the customer-minutes waited per slot that the optimizer's wait
curves predict - methods stationary, lagged (pointwise stationary with lag)
and mol (modified offered load) - with the discrete-event simulator's mean
over the replications. Prints WAPE (sum |predicted - simulated| / sum
simulated) and bias (sum predicted / sum simulated - 1), for all hours and
for the two daily peaks (10-11 and 15-16).

    python benchmarks/wait_methods.py [--roster out/jiangdong/roster.csv] [--reps 200]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from staffline.io import load_instance
from staffline.model import minutes_of
from staffline.optimizer.core.branch_model import plan_days
from staffline.optimizer.roster import appointments_in_progress, slot_arrivals, solve_roster, staff_per_slot
from staffline.pipeline import default_week, forecast_week, roster_week
from staffline.queueing import METHODS, wait_curve
from staffline.simulation import simulate_days
from staffline.simulation.roster_sim import day_specs, service_sampler

PEAK_HOURS = {10, 15}


def compare(instance, demand, roster, week_start, reps: int, seed: int) -> pd.DataFrame:
    branch = instance.branch
    days = [d for d in plan_days(instance, week_start) if d.slots]
    busy_by_role = appointments_in_progress(instance, days)
    rows = []
    for role in branch.roles:
        specs, _ = day_specs(instance, demand, roster, week_start, role, service_sampler(instance, role)[0])
        simulated = simulate_days(specs, reps, seed).per_slot_wait.mean(axis=0)
        arrivals = slot_arrivals(demand, days, role.name)
        staffed = staff_per_slot(roster, days, role.name, branch.slot_minutes)
        aht = float(demand.aht_minutes.get(role.name, role.aht_minutes))
        hours = np.concatenate([[minutes_of(t) // 60 for t in day.slots] for day in days])
        for method in METHODS:
            predicted = []
            for d, day in enumerate(days):
                total = arrivals[d][0]
                free = np.maximum(staffed[d] - busy_by_role.get(role.name, {}).get(d, 0), 0)
                curve = wait_curve(total, aht, role.patience_minutes, int(free.max(initial=0)) + 1, branch.slot_minutes, method)
                predicted.append(curve[np.arange(len(total)), free])
            predicted = np.concatenate(predicted)
            for scope, mask in (("all hours", np.ones_like(hours, bool)), ("peaks 10-11, 15-16", np.isin(hours, list(PEAK_HOURS)))):
                p, s = predicted[mask], simulated[mask]
                rows.append(
                    {
                        "role": role.name,
                        "method": method,
                        "scope": scope,
                        "predicted": round(p.sum(), 1),
                        "simulated": round(s.sum(), 1),
                        "wape": round(np.abs(p - s).sum() / s.sum(), 3),
                        "bias": round(p.sum() / s.sum() - 1, 3),
                    }
                )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instance", default="instances/jiangdong")
    ap.add_argument("--roster", default=None, help="roster.csv to replay (default: solve the demo week for 30 s)")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    instance = load_instance(args.instance)
    if args.roster:
        roster = pd.read_csv(args.roster, dtype=str)
        week_start = roster_week(roster, Path(args.roster).name)
    else:
        week_start = default_week(instance)
    demand = forecast_week(instance, week_start)
    if not args.roster:
        roster = solve_roster(instance, demand, week_start, time_limit=30, workers=2, seed=args.seed).roster
    table = compare(instance, demand, roster, week_start, args.reps, args.seed)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
