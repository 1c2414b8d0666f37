"""Re-planning in memory: repair a published roster after absences, with few changes.

``replan`` is ``plan`` for the published roster's week with an
:class:`~staffline.optimizer.replan.Amendment` (absences, pins, a frozen
past, the change penalty of ``[replan]``), then the record of what changed:
``changes`` (the rows of changes.csv), ``kpis["changes"]`` and the expected
wait per role of the published roster, of the published roster minus the
absent blocks (nobody re-plans) and of the new one.

``kpis["objective"]`` keeps its usual meaning (wait + cost + soft rules,
without the change penalty), so it compares with a plan from scratch;
``kpis["replan_objective"]`` is what the solver minimised, and ``bound`` and
``gap`` refer to that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from staffline.errors import InputError, Problem
from staffline.forecasting.baseline import service_minutes
from staffline.model import Instance, ReplanWeights
from staffline.optimizer.core.branch_model import plan_days
from staffline.optimizer.replan import (
    CHANGES,
    Absence,
    Amendment,
    absence_blocks,
    diff_rosters,
    parse_absence,
    parse_moment,
    parse_pin,
    published_roster,
)
from staffline.optimizer.roster import Demand, ProgressCallback, build_waits, roster_kpis
from staffline.pipeline import Plan, check_weeks, plan, roster_week, write_plan

OK = ("optimal", "feasible")


@dataclass
class Replan(Plan):
    """A :class:`~staffline.pipeline.Plan` plus what changed against the published roster.

    ``changes`` has ``employee, date, before, after, reason`` per changed
    person-day; ``waits`` the expected wait per role (minutes per customer)
    of the ``published`` roster, of it ``without_replan`` (absent blocks
    dropped, nobody covering) and ``replanned``.
    """

    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["employee", "date", "before", "after", "reason"]))
    waits: dict = field(default_factory=dict)
    absences: tuple[Absence, ...] = ()


def as_absences(values: Iterable[Absence | str]) -> tuple[Absence, ...]:
    """Absences given as objects or as ``--absent`` texts."""
    return tuple(v if isinstance(v, Absence) else parse_absence(v) for v in values)


def as_pins(values: Iterable[tuple[str, dt.date] | str]) -> tuple[tuple[str, dt.date], ...]:
    """Pins given as (employee, date) or ``EMP=YYYY-MM-DD`` texts."""
    return tuple(parse_pin(v) if isinstance(v, str) else (str(v[0]), _date(v[1])) for v in values)


def _date(value: dt.date | str) -> dt.date:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(Problem("--pin", None, "pin", f"not a date, got {value!r}")) from None


def replan(
    instance: Instance,
    published: pd.DataFrame | str | Path,
    *,
    absences: Iterable[Absence | str] = (),
    pins: Iterable[tuple[str, dt.date] | str] = (),
    frozen_until: dt.datetime | str | None = None,
    weights: ReplanWeights | None = None,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    headcount: int | None = None,
    progress: ProgressCallback | None = None,
    simulate_reps: int = 0,
    backend: str = "portfolio",
    model: str | None = None,
    previous: pd.DataFrame | None = None,
    weeks: int = 1,
) -> Replan:
    """Re-plan the published roster's week (or ``weeks`` weeks from its first Monday) around ``absences``, keeping ``pins`` and everything before ``frozen_until``.

    The other options are ``plan``'s (``previous``: the week before's
    roster, for rest and consecutive days across the boundary). ``weights`` overrides the branch's
    ``[replan]`` change weights. ``weeks`` is the published plan's length.
    """
    roster = published_roster(published)
    week_start = roster_week(roster, "published roster", check_weeks(weeks))
    frozen = parse_moment(frozen_until) if isinstance(frozen_until, str) else frozen_until
    amend = Amendment(as_absences(absences), roster, as_pins(pins), frozen, weights)
    p = plan(
        instance,
        week_start,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        headcount=headcount,
        progress=progress,
        simulate_reps=simulate_reps,
        backend=backend,
        model=model,
        previous=previous,
        amend=amend,
        weeks=weeks,
    )
    out = Replan(p.week_start, p.forecast, p.requirements, p.result, p.simulation, p.forecast_info, weeks, absences=amend.absences)
    if p.status in OK:
        _record_changes(out, instance, amend, weights or instance.branch.replan)
    return out


def _record_changes(p: Replan, instance: Instance, amend: Amendment, weights: ReplanWeights) -> None:
    """changes.csv rows, ``kpis["changes"]``, the objective without the change penalty, the waits before and after."""
    kpis = p.kpis
    paid = kpis.get("penalties", {}).pop(CHANGES, 0.0)
    kpis["replan_objective"] = kpis["objective"]
    kpis["objective"] = round(kpis["objective"] - paid, 3)
    assert amend.published is not None
    p.changes, kpis["changes"] = diff_rosters(amend.published, p.roster, amend, instance.branch.slot_minutes, weights)
    demand = Demand(p.forecast, service_minutes(instance))
    p.waits = {
        "published": expected_waits(instance, demand, p.week_start, amend.published, p.weeks),
        "without_replan": expected_waits(instance, demand, p.week_start, absence_blocks(amend.published, amend.absences), p.weeks),
        "replanned": {role: float(r["expected_wait_minutes"]) for role, r in kpis["roles"].items()},
    }
    kpis["expected_wait"] = p.waits


def expected_waits(
    instance: Instance, demand: Demand, week_start: dt.date, roster: pd.DataFrame, weeks: int = 1, variance: Demand | None = None
) -> dict[str, float]:
    """Expected wait per customer and role (minutes) of any roster, scored as the optimizer scores its own.

    ``variance``: the arrival rates' variance per row, averaged over as in :func:`build_waits`.
    """
    days = plan_days(instance, week_start, weeks)
    waits, arrivals = build_waits(instance, demand, days, instance.branch.objective.wait_method, variance)
    _, kpis = roster_kpis(instance, demand, days, roster, arrivals, waits, variance)
    return {role: float(r["expected_wait_minutes"]) for role, r in kpis["roles"].items()}


def write_replan(p: Replan, instance: Instance, out_dir: str | Path) -> list[Path]:
    """``write_plan``'s files plus changes.csv, as one atomic set."""
    return write_plan(p, instance, out_dir, extra={"changes.csv": p.changes})
