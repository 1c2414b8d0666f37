"""The library's front door: the CLI's verbs as typed functions, re-exported by ``staffline``.

A service that plans rosters should not need to know the package layout, so
each stage of the pipeline has one function here with the same name as its
command (``forecast``, ``requirements``, ``solve_roster``, ``simulate``,
``write_report``) and ``plan`` runs them all; ``replan`` repairs a
published roster after absences with few changes. Everything returns
DataFrames, dicts or dataclasses and writes nothing, except ``write_plan``,
``write_replan`` (adds changes.csv) and ``write_report``, whose job that is
(atomically, as one set of files).

Each stage accepts the product of the one before it (``forecast=``), so a
caller can inspect or change a forecast and then roster for it; left out, the
stage computes it from the instance, exactly as the CLI does.

Example:

```python
import staffline as s

instance = s.load_instance("instances/jiangdong")
p = s.plan(instance, time_limit=20)
print(p.status, p.kpis["gap"])
print(p.roster.head())  # employee, date, start, end, role
```
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from staffline.forecasting.baseline import service_minutes
from staffline.io import load_instance as load_instance
from staffline.model import Instance
from staffline.optimizer.continuity import PreviousWeek, previous_week
from staffline.optimizer.roster import Demand, ProgressCallback, demand_frame
from staffline.optimizer.roster import RosterResult as RosterResult
from staffline.optimizer.roster import solve_roster as _solve_roster
from staffline.pipeline import Plan as Plan
from staffline.pipeline import forecast_week, parse_week, roster_week
from staffline.pipeline import plan as plan
from staffline.pipeline import write_plan as write_plan
from staffline.queueing import queue_roles
from staffline.queueing import requirements as _requirements
from staffline.replanning import Replan as Replan
from staffline.replanning import replan as replan
from staffline.replanning import write_replan as write_replan
from staffline.report import write_report as write_report

# Names imported "as themselves" are re-exported; the public list is staffline.__all__ (kept once, there).

Week = str | dt.date | None
"""A week: ``"2026-W49"``, its Monday as a date or ``"YYYY-MM-DD"``, or ``None`` for the first full week after the history."""


@dataclass
class Simulation:
    """What ``simulate`` measured by replaying a roster.

    ``kpis`` has one entry per role: mean wait per arrival, p90 wait, service
    level, abandonment and utilisation, each ``{"mean", "lo95", "hi95"}``.
    ``hourly`` has ``date, hour, role, arrivals, wait_per_arrival, lo95, hi95``.
    """

    week_start: dt.date
    kpis: dict
    hourly: pd.DataFrame


def forecast(instance: Instance, week: Week = None, *, model: str | None = None, divert: dict[str, float] | None = None) -> pd.DataFrame:
    """Forecast the week's walk-ins per role and slot, with booked appointments beside them.

    Returns ``date, slot_start, role, tier, mean`` plus 80/95% interval
    columns and ``appointments``: the frame ``staffline forecast`` writes.
    ``model`` is one of ``staffline.forecasting.MODEL_NAMES`` (default: the
    branch's ``[forecast] model``, ``auto`` unless set); ``divert`` overrides
    the branch's self-service diversion share per role.
    """
    return forecast_week(instance, parse_week(week, instance), model, divert=divert).frame


def requirements(instance: Instance, week: Week = None, *, forecast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Minimum staff per date, slot and role that meets each role's service-level target.

    ``forecast`` is a frame from ``forecast``; without it the week is
    forecast with the branch's model first.
    """
    demand = _demand(instance, week, forecast)
    roles = queue_roles(instance.branch.roles, demand.aht_minutes)
    return _requirements(demand_frame(instance, demand), roles, instance.branch.slot_minutes)


def solve_roster(
    instance: Instance,
    week: Week = None,
    *,
    forecast: pd.DataFrame | None = None,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    headcount: int | None = None,
    certify: dict[str, list[str]] | None = None,
    backend: str = "portfolio",
    progress: ProgressCallback | None = None,
    previous: pd.DataFrame | None = None,
) -> RosterResult:
    """Build the week's roster for a forecast; the optimizer alone, without the checker or simulation.

    Most callers want ``plan``, which also re-checks the roster
    independently and records the gap of the roster as written. ``certify``
    adds certifications for a what-if (``{"E05": ["lobby"]}``), ``headcount``
    caps staff on duty per slot, ``progress`` is called with each better
    roster's objective and bound, and ``previous`` (the week before's roster)
    makes rest hours and consecutive days hold across the boundary.
    """
    week_start = _week_of(instance, week, forecast)
    before = previous_week(instance, previous, week_start) if previous is not None else PreviousWeek()
    return _solve_roster(
        instance,
        _demand(instance, week_start, forecast),
        week_start,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        headcount=headcount,
        extra_certifications=certify,
        progress=progress,
        backend=backend,
        previous_days=before.days,
        previous_end=before.last_end,
    )


def simulate(
    instance: Instance,
    roster: pd.DataFrame,
    *,
    forecast: pd.DataFrame | None = None,
    reps: int = 200,
    seed: int = 0,
) -> Simulation:
    """Replay a roster as a discrete-event simulation and measure the queues it causes, with 95% CIs.

    ``roster`` has ``employee, date, start, end, role`` (``Plan.roster`` or a
    roster.csv read as text) and covers one week. Replications use common
    random numbers: two rosters simulated with the same ``seed`` see the same
    customers, so their difference is the rosters', not the dice's.
    """
    from staffline.simulation import simulate_roster

    week_start = roster_week(roster)
    demand = _demand(instance, week_start, forecast)
    kpis, hourly = simulate_roster(instance, demand, roster, week_start, reps=reps, seed=seed)
    return Simulation(week_start, kpis, hourly)


def _week_of(instance: Instance, week: Week, forecast: pd.DataFrame | None) -> dt.date:
    """The Monday asked for, else the week the given forecast covers, else the default week."""
    if week is None and forecast is not None:
        return roster_week(forecast, "forecast")
    return parse_week(week, instance)


def _demand(instance: Instance, week: Week, forecast: pd.DataFrame | None) -> Demand:
    """The optimizer's view of a forecast frame: arrivals plus mean service minutes per role."""
    if forecast is None:
        return forecast_week(instance, parse_week(week, instance))
    return Demand(forecast, service_minutes(instance))
