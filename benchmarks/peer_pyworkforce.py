"""staffline's roster beside pyworkforce's shift scheduler on the same requirement curve.

pyworkforce (optional `bench` extra) schedules how many people start each
shift per day to match a required-staff curve (MinAbsDifference: minimise
|scheduled - required| per period). It is single-skill and knows no people,
so it is run once per role with that role's curve from staffline's
requirements (service-level target per slot) and the same shift templates
staffline uses; its answer is turned into anonymous roster rows. Both rosters
are then measured the same way: staff-slots under and over the requirement,
expected wait from staffline's queueing (the branch's wait method), wait
simulated by staffline's simulator (same seed, common random numbers),
person-shifts and solve time. pyworkforce ignores headcount, contracts and
cross-training - that is the point of the comparison, and the table says so.

    python benchmarks/peer_pyworkforce.py [--time-limit 60] [--big-time-limit 120] [--reps 100]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from staffline.io import load_instance
from staffline.model import minutes_of
from staffline.optimizer.core.branch_model import plan_days
from staffline.optimizer.roster import appointments_in_progress, hhmm, slot_arrivals, solve_roster, staff_per_slot
from staffline.pipeline import default_week, forecast_week
from staffline.queueing import queue_roles, requirements, wait_curve
from staffline.simulation import simulate_roster
from staffline.synthetic import generate_instance


def required_by_day(req: pd.DataFrame, days, role: str) -> list[np.ndarray]:
    rows = req[req["role"] == role].assign(date=lambda f: pd.to_datetime(f["date"]).dt.date)
    need = rows.set_index(["date", "slot_start"])["n_required"]
    return [np.array([int(need.get((day.date, f"{t:%H:%M}"), 0)) for t in day.slots]) for day in days]


def pyworkforce_roster(instance, days, req: pd.DataFrame, time_limit: float) -> tuple[pd.DataFrame, float]:
    """Per role: MinAbsDifference on the longest day's grid and templates -> anonymous roster rows."""
    from pyworkforce.scheduling import MinAbsDifference

    slot = instance.branch.slot_minutes
    longest = max(days, key=lambda d: len(d.templates))
    grid_open = minutes_of(longest.slots[0])
    periods = len(longest.slots)
    coverage = {tpl.id: [int(p in tpl.slots) for p in range(periods)] for tpl in longest.templates}
    by_id = {tpl.id: tpl for tpl in longest.templates}
    rows, seconds = [], 0.0
    for role in instance.branch.role_names:
        need = []
        for day, day_need in zip(days, required_by_day(req, days, role)):
            full = np.zeros(periods, dtype=int)
            for s, t in enumerate(day.slots):
                p = (minutes_of(t) - grid_open) // slot
                if 0 <= p < periods:
                    full[p] = day_need[s]
            need.append(full.tolist())
        crew = max(len(instance.certified(role)), 1)
        started = time.perf_counter()
        solution = MinAbsDifference(
            num_days=len(days),
            periods=periods,
            shifts_coverage=coverage,
            required_resources=need,
            max_period_concurrency=crew,
            max_shift_concurrency=crew,
            max_search_time=time_limit / len(instance.branch.role_names),
            num_search_workers=2,
        ).solve()
        seconds += time.perf_counter() - started
        for item in solution["resources_shifts"]:
            if item["resources"] <= 0:
                continue
            day, tpl = days[item["day"]], by_id[item["shift"]]
            for k in range(item["resources"]):
                pid = f"pw-{role}-{item['day']}-{tpl.id}-{k}"
                for a, b in _runs(list(tpl.slots)):
                    start, end = grid_open + a * slot, grid_open + (b + 1) * slot
                    if day.slots and minutes_of(day.slots[0]) <= start and end <= minutes_of(day.slots[-1]) + slot:
                        rows.append((pid, day.date.isoformat(), hhmm(start), hhmm(end), role))
    return pd.DataFrame(rows, columns=["employee", "date", "start", "end", "role"]), seconds


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, p in enumerate(indices):
        if start is None:
            start = p
        if i + 1 == len(indices) or indices[i + 1] != p + 1:
            runs.append((start, p))
            start = None
    return runs


def measure(instance, demand, req, days, roster: pd.DataFrame, reps: int) -> dict:
    """Under/over staff-slots, expected and simulated wait (customer-minutes per walk-in), person-shifts."""
    branch = instance.branch
    busy = appointments_in_progress(instance, days)
    under = over = minutes = arrivals_total = 0.0
    for role in branch.roles:
        staffed = staff_per_slot(roster, days, role.name, branch.slot_minutes)
        arrivals = slot_arrivals(demand, days, role.name)
        aht = float(demand.aht_minutes.get(role.name, role.aht_minutes))
        for d, need in enumerate(required_by_day(req, days, role.name)):
            n = staffed[d]
            under += np.maximum(need - n, 0).sum()
            over += np.maximum(n - need, 0).sum()
            total = arrivals[d][0]
            if not len(total):
                continue
            free = np.maximum(n - busy.get(role.name, {}).get(d, 0), 0)
            curve = wait_curve(
                total, aht, role.patience_minutes, int(free.max(initial=0)) + 1, branch.slot_minutes, branch.objective.wait_method
            )
            minutes += curve[np.arange(len(total)), free].sum()
            arrivals_total += total.sum()
    sim, _ = simulate_roster(instance, demand, roster, days[0].date, reps=reps, seed=0)
    role_arrivals = {r: sum(a[0].sum() for a in slot_arrivals(demand, days, r).values()) for r in branch.role_names}
    simulated = sum(sim[r]["wait_per_arrival"]["mean"] * role_arrivals[r] for r in sim) / max(sum(role_arrivals.values()), 1e-9)
    person_shifts = roster.groupby(["employee", "date"]).ngroups
    return {
        "under_staff_slots": int(under),
        "over_staff_slots": int(over),
        "expected_wait": round(minutes / max(arrivals_total, 1e-9), 3),
        "simulated_wait": round(simulated, 3),
        "person_shifts": int(person_shifts),
    }


def compare(name: str, instance, time_limit: float, reps: int) -> list[dict]:
    week = default_week(instance)
    demand = forecast_week(instance, week)
    req = requirements(demand.frame, queue_roles(instance.branch.roles, demand.aht_minutes), instance.branch.slot_minutes)
    days = plan_days(instance, week)
    out = []
    started = time.perf_counter()
    ours = solve_roster(instance, demand, week, time_limit=time_limit, workers=2, seed=0)
    seconds = time.perf_counter() - started
    if ours.status in ("optimal", "feasible"):
        out.append(
            {
                "branch": name,
                "tool": "staffline",
                **measure(instance, demand, req, days, ours.roster, reps),
                "gap": ours.gap,
                "seconds": round(seconds, 1),
                "rules": "all (headcount, contracts, rest, roles)",
            }
        )
    else:
        out.append({"branch": name, "tool": "staffline", "seconds": round(seconds, 1), "rules": ours.status})
    theirs, pw_seconds = pyworkforce_roster(instance, days, req, time_limit)
    out.append(
        {
            "branch": name,
            "tool": "pyworkforce MinAbsDifference",
            **measure(instance, demand, req, days, theirs, reps),
            "gap": None,
            "seconds": round(pw_seconds, 1),
            "rules": "none (per-role curve matching)",
        }
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--big-time-limit", type=float, default=120.0)
    ap.add_argument("--reps", type=int, default=100)
    args = ap.parse_args()
    rows = compare("jiangdong (11 staff, 3 roles)", load_instance("instances/jiangdong"), args.time_limit, args.reps)
    rows += compare("generated (60 staff, 4 roles)", generate_instance(60, 4, weeks=8, seed=1), args.big_time_limit, args.reps)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
