"""Simulate a week's roster: each role's queue, day by day, under the staff the roster puts on it.

Inputs are the same the optimizer saw (forecast arrivals per slot, VIP share,
appointments) plus what it did not: service times resampled from the
branch's own history (a fitted lognormal when a role has fewer than
:data:`MIN_EMPIRICAL` served tickets), queues carried over between slots,
lunch breaks and role switches as rostered.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffline.forecasting.baseline import served_durations
from staffline.model import Instance, minutes_of
from staffline.optimizer.core.branch_model import DayGrid, plan_days
from staffline.optimizer.roster import Demand, slot_arrivals, staff_per_slot, variance_of
from staffline.simulation.queue_sim import QueueSpec, SimResult, confidence_interval, empirical_service, lognormal_service, simulate_days

MIN_EMPIRICAL = 30


def service_sampler(instance: Instance, role) -> tuple[object, str]:
    """Empirical served durations of the role from history, else a lognormal on the role's AHT."""
    served = served_durations(instance)
    minutes = served.loc[served["role"] == role.name, "minutes"].to_numpy()
    minutes = minutes[minutes > 0]
    if minutes.size >= MIN_EMPIRICAL:
        return empirical_service(minutes), f"empirical ({minutes.size} served tickets)"
    return lognormal_service(role.aht_minutes, role.service_cv), f"lognormal (mean {role.aht_minutes:g}, cv {role.service_cv:g})"


def day_specs(
    instance: Instance,
    demand: Demand,
    roster: pd.DataFrame,
    week_start: dt.date,
    role,
    service,
    drawn: bool = False,
    weeks: int = 1,
    days: list[DayGrid] | None = None,
) -> tuple[list, list[tuple[dt.date, list[dt.time]]]]:
    """One :class:`QueueSpec` per open day of the week for ``role``, service times drawn by ``service``.

    ``drawn``: each replication's day draws its rates from the forecast's
    distribution (gamma, variance read from the intervals) instead of
    taking the forecast mean as the truth. ``days`` narrows the plan's days
    to these (intraday needs today only; reading a week's arrivals costs).
    """
    branch = instance.branch
    days = [d for d in (plan_days(instance, week_start, weeks) if days is None else days) if d.slots]
    arrivals = slot_arrivals(demand, days, role.name)
    spread = slot_arrivals(variance_of(demand), days, role.name) if drawn else {}
    staffed = staff_per_slot(roster, days, role.name, branch.slot_minutes)
    apps = instance.appointments
    specs, grid = [], []
    for d, day in enumerate(days):
        total, vip = arrivals[d]
        shape = None
        if drawn:
            with np.errstate(divide="ignore", invalid="ignore"):
                shape = np.where(spread[d][0] > 0, total**2 / spread[d][0], np.inf)
        todays = apps[(apps["role"] == role.name) & (apps["start"].dt.date == day.date)]
        open_m = minutes_of(day.slots[0])
        starts = np.array([t.hour * 60 + t.minute - open_m for t in todays["start"]], dtype=float)
        specs.append(
            QueueSpec(
                slot_minutes=branch.slot_minutes,
                arrival_rate=total,
                servers=staffed[d],
                service=service,
                patience_minutes=role.patience_minutes,
                vip_share=float(vip.sum() / total.sum()) if total.sum() > 0 else 0.0,
                appointments=starts,
                appointment_minutes=todays["duration"].to_numpy(dtype=float),
                wait_target_minutes=role.wait_target_minutes,
                rate_shape=shape,
            )
        )
        grid.append((day.date, day.slots))
    return specs, grid


def simulate_roster(
    instance: Instance,
    demand: Demand,
    roster: pd.DataFrame,
    week_start: dt.date,
    reps: int = 200,
    seed: int = 0,
    drawn: bool = False,
    weeks: int = 1,
) -> tuple[dict, pd.DataFrame]:
    """KPIs per role with 95% CIs, and a per-hour frame of simulated wait per role.

    ``drawn`` draws each replication's day rates from the forecast distribution
    (:func:`day_specs`); ``seed`` fixes those draws with the rest.

    The per-hour frame has ``date, hour, role, arrivals, wait_per_arrival,
    lo95, hi95`` (customer-minutes per walk-in arriving in that hour).
    """
    kpis, frames = {}, []
    for role in instance.branch.roles:
        service, source = service_sampler(instance, role)
        specs, grid = day_specs(instance, demand, roster, week_start, role, service, drawn, weeks)
        if not specs:
            continue
        result = simulate_days(specs, reps, seed)
        kpis[role.name] = {**result.summary(), "service_times": source, "reps": reps}
        frames.append(_hourly(result, grid, role.name))
    hourly = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return kpis, hourly


def _hourly(result: SimResult, grid, role: str) -> pd.DataFrame:
    keys = [(date.isoformat(), f"{t.hour:02d}:00") for date, slots in grid for t in slots]
    index = pd.MultiIndex.from_tuples(keys, names=["date", "hour"])
    wait = pd.DataFrame(result.per_slot_wait.T, index=index).groupby(level=[0, 1]).sum()
    arr = pd.DataFrame(result.per_slot_arrivals.T, index=index).groupby(level=[0, 1]).sum()
    rows = []
    for key in wait.index:
        per_rep = np.where(arr.loc[key] > 0, wait.loc[key] / np.maximum(arr.loc[key], 1), 0.0)
        ci = confidence_interval(per_rep)
        rows.append((*key, role, float(arr.loc[key].mean()), ci["mean"], ci["lo95"], ci["hi95"]))
    return pd.DataFrame(rows, columns=["date", "hour", "role", "arrivals", "wait_per_arrival", "lo95", "hi95"])
