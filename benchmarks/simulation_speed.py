"""Simulator speed: 200 replications of a jiangdong week, and ciw on the same M/M/n day.

1. Solves the demo week (20 s) and simulates its roster for every role with
   200 replications: wall time and customers simulated per second.
2. One stationary M/M/4 day (600 minutes, 0.8 arrivals/min, 4-minute service):
   staffline's simulator vs ciw (optional `bench` extra), same number of
   replications, customers per second and the speed ratio.

    python benchmarks/simulation_speed.py [--reps 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from staffline.io import load_instance
from staffline.optimizer.roster import solve_roster
from staffline.pipeline import default_week, forecast_week
from staffline.simulation import QueueSpec, exponential_service, simulate_queue, simulate_roster

RATE, AHT, SERVERS, MINUTES = 0.8, 4.0, 4, 600


def week_benchmark(reps: int) -> None:
    instance = load_instance("instances/jiangdong")
    week = default_week(instance)
    demand = forecast_week(instance, week)
    roster = solve_roster(instance, demand, week, time_limit=20, workers=2).roster
    started = time.perf_counter()
    kpis, _ = simulate_roster(instance, demand, roster, week, reps=reps, seed=0)
    seconds = time.perf_counter() - started
    customers = reps * demand.frame["mean"].sum()
    print(
        f"jiangdong week, {reps} replications, {len(kpis)} roles: {seconds:.2f} s, ~{customers:,.0f} walk-ins, {customers / seconds:,.0f} customers/s"
    )


def ciw_day(reps: int) -> tuple[float, int]:
    import ciw

    started, served = time.perf_counter(), 0
    for rep in range(reps):
        ciw.seed(rep)
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(RATE)],
            service_distributions=[ciw.dists.Exponential(1 / AHT)],
            number_of_servers=[SERVERS],
        )
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(MINUTES)
        served += len(sim.get_all_records())
    return time.perf_counter() - started, served


def mmn_benchmark(reps: int) -> None:
    slots = MINUTES // 15
    spec = QueueSpec(15, np.full(slots, RATE * 15), np.full(slots, SERVERS), exponential_service(AHT))
    started = time.perf_counter()
    result = simulate_queue(spec, reps=reps, seed=0)
    ours = time.perf_counter() - started
    ours_rate = result.arrivals.sum() / ours
    print(f"M/M/{SERVERS} day, {reps} replications: staffline {ours:.2f} s, {ours_rate:,.0f} customers/s")
    try:
        theirs, served = ciw_day(reps)
    except ImportError:
        print("ciw not installed (pip install -e '.[bench]'): no ratio")
        return
    theirs_rate = served / theirs
    print(
        f"                          ciw       {theirs:.2f} s, {theirs_rate:,.0f} customers/s -> staffline is {ours_rate / theirs_rate:.1f}x faster per customer"
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    args = ap.parse_args()
    mmn_benchmark(args.reps)
    week_benchmark(args.reps)
