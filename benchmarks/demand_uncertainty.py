"""Staffing for forecast uncertainty: ``[objective] demand = "mean"`` vs ``"expected"`` in the simulator.

For each branch, forecasts the default week once (the branch's forecast model,
calibrated negative-binomial intervals), solves the roster twice - wait cost
at the mean rate and as the expectation over the forecast's gamma rate - with
the same solver budget, checks both with the independent checker, and
simulates both with each replication's day rates drawn from the forecast
distribution (``simulate_roster(..., drawn=True)``, one day-level normal score
per day, same seed for both rosters: common random numbers). Prints and
writes one row per branch and demand: simulated customer-minutes per walk-in,
service level, labour cost and staff-hours.

    python benchmarks/demand_uncertainty.py [--branches jiangdong,generic60] [--time-limit 60] [--reps 100]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import pandas as pd

from staffline.io import load_instance
from staffline.optimizer.check import check_roster
from staffline.optimizer.roster import solve_roster
from staffline.pipeline import default_week, forecast_week
from staffline.simulation.roster_sim import simulate_roster
from staffline.synthetic import generate_instance

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "demand_uncertainty.csv"


def branch(name: str):
    if name == "jiangdong":
        return load_instance(ROOT / "instances" / "jiangdong")
    if name == "generic60":  # = python instances/generate.py generic --staff 60 --roles 4 --weeks 8 --seed 0
        return generate_instance(60, 4, weeks=8, seed=0)
    raise SystemExit(f"unknown branch {name!r}")


def with_demand(instance, demand: str):
    objective = dataclasses.replace(instance.branch.objective, demand=demand)
    return dataclasses.replace(instance, branch=dataclasses.replace(instance.branch, objective=objective))


def pooled(kpis: dict, key: str, weights: dict) -> float:
    """A KPI pooled over roles, weighted by each role's simulated walk-ins."""
    total = sum(weights.values())
    return sum(kpis[r][key]["mean"] * weights[r] for r in kpis) / total if total else 0.0


def run(name: str, time_limit: float, reps: int, seed: int) -> list[dict]:
    base = branch(name)
    week = default_week(base)
    started = time.perf_counter()
    demand = forecast_week(base, week)
    forecast_seconds = time.perf_counter() - started
    rows = []
    for mode in ("mean", "expected"):
        inst = with_demand(base, mode)
        result = solve_roster(inst, demand, week, time_limit=time_limit, workers=1, seed=seed)
        report = check_roster(inst, result.roster, week, demand.frame, demand.aht_minutes)
        kpis, hourly = simulate_roster(inst, demand, result.roster, week, reps=reps, seed=seed, drawn=True)
        arrivals = hourly.groupby("role")["arrivals"].sum().to_dict()
        hours = float(
            (
                (
                    pd.to_datetime(result.roster["end"], format="%H:%M") - pd.to_datetime(result.roster["start"], format="%H:%M")
                ).dt.total_seconds()
                / 3600
            ).sum()
        )
        rows.append(
            {
                "branch": name,
                "demand": mode,
                "status": result.status,
                "gap": result.gap,
                "checker_ok": report.ok,
                "solver_objective": result.objective,
                "checker_objective": report.objective,
                "sim_wait_per_arrival": pooled(kpis, "wait_per_arrival", arrivals),
                "sim_service_level": pooled(kpis, "service_level", arrivals),
                "labour_cost": report.cost,
                "staff_hours": hours,
                "solve_seconds": result.solve_seconds,
                "forecast_seconds": forecast_seconds,
                "reps": reps,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", default="jiangdong,generic60")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = [row for name in args.branches.split(",") for row in run(name, args.time_limit, args.reps, args.seed)]
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(frame.to_string(index=False))


if __name__ == "__main__":
    main()
