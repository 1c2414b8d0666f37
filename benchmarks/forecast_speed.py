"""Forecast speed: nine months of tickets of a generated 50-staff branch, aggregated and forecast.

Times ticket aggregation (slot_counts) and each model's fit + predict for the
next week (``auto`` and ``ensemble`` include their 8-fold backtests), and prints each model's time relative to the seasonal-naive
reference run in the same process, and against the 10 s budget.

    python benchmarks/forecast_speed.py
"""

from __future__ import annotations

import datetime as dt
import time

from staffline.forecasting import MODEL_NAMES, make_model, slot_counts
from staffline.pipeline import default_week
from staffline.synthetic import generate_instance

BUDGET_SECONDS = 10.0


def main() -> None:
    instance = generate_instance(50, 3, weeks=39, seed=0)
    print(f"{len(instance.history)} tickets over {instance.history['issued_at'].dt.date.nunique()} days")
    started = time.perf_counter()
    counts = slot_counts(instance)
    aggregate = time.perf_counter() - started
    week = default_week(instance)
    dates = [week + dt.timedelta(days=k) for k in range(7)]
    slots = {d: [f"{t:%H:%M}" for t in instance.branch.slots(d)] for d in dates}
    times = {}
    for name in ["naive", *(n for n in MODEL_NAMES if n != "naive")]:  # naive first: the reference
        started = time.perf_counter()
        make_model(name).fit(counts).predict(dates, slots)
        times[name] = time.perf_counter() - started
    print(f"aggregation {aggregate:.2f} s ({len(counts)} slot counts)")
    for name, seconds in times.items():
        total = aggregate + seconds
        print(
            f"{name:8s} {seconds:6.2f} s  x{seconds / times['naive']:6.1f} naive  total {total:5.2f} s = {total / BUDGET_SECONDS:.0%} of the 10 s budget"
        )


if __name__ == "__main__":
    main()
