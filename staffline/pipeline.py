"""The whole planning run in memory: forecast -> requirements -> roster.

``plan`` returns every product as DataFrames/dicts without touching the disk;
``write_plan`` writes them atomically into an output folder. The CLI and
other services call these two, so both see the same pipeline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from staffline import atomic
from staffline.deadline import Deadline, after_search_reserve
from staffline.errors import InputError, Problem
from staffline.forecasting.baseline import fit_forecast, service_minutes, with_appointments
from staffline.forecasting.diversion import apply_diversion
from staffline.forecasting.info import ForecastInfo
from staffline.model import WEEKDAYS, Instance
from staffline.optimizer.check import check_roster
from staffline.optimizer.continuity import PreviousWeek, previous_week
from staffline.optimizer.replan import Amendment
from staffline.optimizer.roster import Demand, ProgressCallback, RosterResult, demand_frame, role_threads, solve_roster
from staffline.queueing import queue_roles, requirements

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
MAX_WEEKS = 8  # the longest horizon one model plans (--weeks)


def check_weeks(weeks: object) -> int:
    """``weeks`` as the plan's length, 1 to ``MAX_WEEKS``; anything else is bad input naming ``--weeks``."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise InputError(Problem("--weeks", None, "weeks", f"expected a whole number of weeks from 1 to {MAX_WEEKS}, got {weeks!r}"))
    return weeks


def default_week(instance: Instance) -> dt.date:
    """Monday of the first full ISO week after the history ends."""
    last = instance.history["issued_at"].max().date()
    return last + dt.timedelta(days=7 - last.weekday())


def parse_week(text: str | dt.date | None, instance: Instance) -> dt.date:
    """'2026-W49', a Monday 'YYYY-MM-DD' or None (default week) -> the Monday."""
    if text is None:
        return default_week(instance)
    if isinstance(text, dt.date):
        monday = text
    else:
        m = _ISO_WEEK.match(text.strip())
        try:
            monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1) if m else dt.date.fromisoformat(text.strip())
        except ValueError:
            raise InputError(Problem("--week", None, "week", f"not a valid week {text!r} (expected e.g. 2026-W49)")) from None
    if monday.weekday() != 0:
        raise InputError(Problem("--week", None, "week", f"{monday} is a {WEEKDAYS[monday.weekday()]}, not a Monday"))
    return monday


def roster_dates(roster: pd.DataFrame, source: str = "roster") -> list[dt.date]:
    """The distinct dates of a roster's rows, in order; ``source`` names it in the error when they are not dates."""
    try:
        return sorted({dt.date.fromisoformat(str(d).strip()) for d in roster["date"].dropna()})
    except (KeyError, ValueError):
        raise InputError(Problem(source, None, "date", "expected a date column of YYYY-MM-DD values")) from None


def roster_week(roster: pd.DataFrame, source: str = "roster", weeks: int = 1) -> dt.date:
    """Monday of the first week a roster covers (it must lie within ``weeks`` weeks); ``source`` names it in errors."""
    dates = roster_dates(roster, source)
    if not dates:
        raise InputError(Problem(source, None, None, "the roster has no rows"))
    monday = dates[0] - dt.timedelta(days=dates[0].weekday())
    if (dates[-1] - monday).days > 7 * weeks - 1:
        span = "one week" if weeks == 1 else f"{weeks} weeks"
        raise InputError(Problem(source, None, "date", f"rows span more than {span} ({dates[0]} to {dates[-1]})"))
    return monday


@dataclass
class Plan:
    """Every product of one planning run, in memory.

    ``roster`` is what planners and other services want first (one row per
    block of work: ``employee, date, start, end, role``); ``result`` keeps the
    solver's whole answer (status, objective, bound, gap, diagnosis) for
    callers who need to know how good the roster is or why there is none.
    """

    week_start: dt.date
    forecast: pd.DataFrame  # walk-ins per date, slot_start, role, tier (mean, 80/95% intervals) + appointments
    requirements: pd.DataFrame  # minimum staff per date, slot and role for the service-level target
    result: RosterResult
    simulation: pd.DataFrame | None = None  # simulated wait per date, hour and role (with simulate_reps)
    forecast_info: ForecastInfo | None = None  # the model that forecast, what auto chose, its backtest WAPE
    weeks: int = 1  # the plan's length: weeks x 7 days from week_start
    timing: dict[str, float] = field(default_factory=dict)  # wall seconds per stage (forecast, requirements, roster, check, simulate)

    @property
    def roster(self) -> pd.DataFrame:
        """The roster: ``employee, date, start, end, role`` (empty when there is none)."""
        return self.result.roster

    @property
    def kpis(self) -> dict:
        """kpis.json as a dict: objective, bound, gap, status, waits and service levels per role, penalties."""
        return self.result.kpis

    @property
    def coverage(self) -> pd.DataFrame | None:
        """Per date, slot and role: expected arrivals, staff rostered, expected wait, service level."""
        return self.result.coverage

    @property
    def status(self) -> str:
        """``optimal``, ``feasible``, ``infeasible`` or ``time_limit``."""
        return self.result.status


def fit_walk_ins(
    instance: Instance, week_start: dt.date, model: str | None = None, folds: int | None = None, weeks: int = 1
) -> tuple[pd.DataFrame, ForecastInfo]:
    """The walk-in forecast of ``weeks`` weeks and the record of how it was made (model used, backtest WAPE).

    ``model`` is one of ``staffline.forecasting.MODEL_NAMES``; ``None`` takes
    the branch's ``[forecast] model`` (``auto`` unless set), chosen on its
    ``folds`` rolling weeks (``folds`` overrides it). Fit once per plan:
    every what-if reuses the frame through ``demand_from``.
    """
    settings = instance.branch.forecast
    try:
        return fit_forecast(instance, week_start, model or settings.model, folds=folds or settings.folds, days=7 * weeks)
    except ValueError as exc:  # an unknown model name from a library caller
        raise InputError(Problem("--model", None, "model", str(exc))) from None


def forecast_week(instance: Instance, week_start: dt.date, model: str | None = None, divert: dict[str, float] | None = None) -> Demand:
    """Walk-in forecast for the week plus mean service minutes per role.

    ``model`` as in ``fit_walk_ins`` (the branch's setting when ``None``).
    The branch's ``divert`` shares (overridden per role by ``divert``, the
    CLI's ``--divert``) move walk-ins to self-service before anything else
    sees the forecast; booked appointments are added beside the walk-ins as
    the ``appointments`` column.
    """
    return demand_from(instance, fit_walk_ins(instance, week_start, model)[0], divert)


def demand_from(instance: Instance, walk_ins: pd.DataFrame, divert: dict[str, float] | None = None) -> Demand:
    """``forecast_week`` from an already fitted walk-in forecast (what-ifs reuse one fit)."""
    try:
        frame = apply_diversion(walk_ins, instance.branch, {**instance.branch.divert, **(divert or {})})
    except ValueError as exc:
        raise InputError(Problem("--divert", None, "divert", str(exc))) from None
    frame = with_appointments(frame, instance.appointments, instance.branch.slot_minutes)
    return Demand(frame, service_minutes(instance))


def plan(
    instance: Instance,
    week: str | dt.date | None = None,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    headcount: int | None = None,
    certify: dict[str, list[str]] | None = None,
    progress: ProgressCallback | None = None,
    simulate_reps: int = 0,
    divert: dict[str, float] | None = None,
    backend: str = "portfolio",
    model: str | None = None,
    previous: pd.DataFrame | None = None,
    amend: Amendment | None = None,
    weeks: int = 1,
) -> Plan:
    """Run forecast -> requirements -> roster (-> simulation) in memory and return every product.

    With ``simulate_reps`` the roster is replayed that many times by the
    discrete-event simulator and ``kpis["simulated"]`` holds the simulated
    KPIs per role (means and 95% CIs) beside the expected ones. ``divert``
    overrides the branch's self-service diversion shares per role (what-if).
    ``backend`` is ``"portfolio"`` (default: CBC, then CP-SAT), ``"cpsat"`` or
    ``"cbc"`` (see ``solve_roster``). ``model``
    is the forecast model (one of ``staffline.forecasting.MODEL_NAMES``;
    default: the branch's ``[forecast] model``, ``auto`` unless set); the
    model used and its backtest WAPE land in ``kpis["forecast"]``.
    ``previous`` is the roster of the week before (roster.csv rows): rest
    hours and consecutive days then hold across the boundary, and the checker
    verifies them there too. ``amend`` adds absences (``roster --absent``)
    and, for ``replan``, the published roster to keep close to
    (:mod:`staffline.replanning`). ``weeks`` (1-8) plans that many weeks
    from ``week`` in one model: forecast and wait curves for every day,
    weekly contract limits in each week, horizon limits and the
    ``[fairness]`` rules over all of it.

    ``time_limit`` is the whole run's, not the search's: one
    :class:`~staffline.deadline.Deadline` starts here, and the search gets
    what forecast and requirements left, less a reserve for role
    assignment, the checker, KPIs and writing that grows with the roster's
    size (:func:`~staffline.deadline.after_search_reserve`). Simulation
    (``simulate_reps``) comes on top. ``Plan.timing`` has each stage's
    wall seconds.
    """
    weeks = check_weeks(weeks)
    deadline = Deadline(time_limit)
    timing: dict[str, float] = {}
    lap = time.monotonic()

    def stage(name: str) -> None:
        nonlocal lap
        now = time.monotonic()
        timing[name] = round(now - lap, 3)
        lap = now

    week_start = parse_week(week, instance)
    before = previous_week(instance, previous, week_start) if previous is not None else PreviousWeek()
    if amend is not None:
        amend = dataclasses.replace(amend, weeks=weeks)
        amend.validate(instance, week_start)
        instance = amend.relaxed(instance, week_start)
    walk_ins, forecast_info = fit_walk_ins(instance, week_start, model, weeks=weeks)
    demand = demand_from(instance, walk_ins, divert)
    stage("forecast")
    req = requirements(demand_frame(instance, demand), queue_roles(instance.branch.roles, demand.aht_minutes), instance.branch.slot_minutes)
    stage("requirements")
    # checker, KPIs, writing: the same split solve_roster makes for role assignment (its threads too)
    _, after_roles = after_search_reserve(len(instance.staff), 7 * weeks, time_limit, role_threads(workers))
    result = solve_roster(
        instance,
        demand,
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
        extra_rules=amend.rules(instance, week_start) if amend else (),
        role_anchor=amend.anchor(instance, week_start) if amend else None,
        deadline=deadline.before(after_roles),
        weeks=weeks,
    )
    stage("roster")
    result.kpis["forecast"] = forecast_info.as_dict()
    simulated = None
    if result.status in ("optimal", "feasible"):
        verify(instance, demand, week_start, result, headcount, before, amend, weeks)
        stage("check")
        if simulate_reps:
            from staffline.simulation import simulate_roster

            result.kpis["simulated"], simulated = simulate_roster(
                instance, demand, result.roster, week_start, reps=simulate_reps, seed=seed, weeks=weeks
            )
            stage("simulate")
    return Plan(week_start, demand.frame, req, result, simulated, forecast_info, weeks, timing)


def verify(
    instance: Instance,
    demand: Demand,
    week_start: dt.date,
    result: RosterResult,
    headcount: int | None,
    before: PreviousWeek | None = None,
    amend: Amendment | None = None,
    weeks: int = 1,
) -> None:
    """Re-score the produced roster with the independent checker and record it in the KPIs.

    ``objective`` is the solver's (class-level roles); ``roster_objective`` is
    the roster actually written, after persons got their roles, and
    ``roster_gap`` how far that roster is above the proven bound (the bound
    holds for person-level rosters too, so this is the gap a planner gets).
    With ``amend`` the checker also verifies kept person-days and absences.
    ``kpis["fairness"]`` is the checker's spread per ``[fairness]`` rule
    (with each person's count), for the report.
    """
    before = before or PreviousWeek()
    extra = amend.check_args(instance, week_start) if amend else {}
    report = check_roster(
        instance,
        result.roster,
        week_start,
        demand.frame,
        demand.aht_minutes,
        previous_days=before.days,
        previous_end=before.last_end,
        headcount=headcount,
        weeks=weeks,
        **extra,
    )
    result.kpis["roster_objective"] = report.objective
    if report.objective is not None and result.bound is not None:
        result.kpis["roster_gap"] = round(max(0.0, report.objective - result.bound) / max(abs(report.objective), 1e-9), 6)
    result.kpis["hard_violations"] = [f"{v.rule}: {v.message}" for v in report.violations]
    if report.fairness:
        result.kpis["fairness"] = report.fairness


def roster_wide(result: RosterResult, instance: Instance, week_start: dt.date, weeks: int = 1) -> pd.DataFrame:
    """Employees x days (of every week planned), each cell 'HH:MM-HH:MM role/role' or 'off' - the planner's view."""
    days = [week_start + dt.timedelta(days=k) for k in range(7 * weeks)]
    table = {}
    for e in instance.staff:
        row = {}
        mine = result.roster[result.roster["employee"] == e.id]
        for day in days:
            blocks = mine[mine["date"] == day.isoformat()]
            if blocks.empty:
                row[f"{WEEKDAYS[day.weekday()]} {day:%m-%d}"] = "off"
                continue
            roles = "/".join(dict.fromkeys(blocks["role"]))
            row[f"{WEEKDAYS[day.weekday()]} {day:%m-%d}"] = f"{blocks['start'].min()}-{blocks['end'].max()} {roles}"
        table[f"{e.id} {e.name}"] = row
    return pd.DataFrame.from_dict(table, orient="index").rename_axis("employee").reset_index()


def write_plan(p: Plan, instance: Instance, out_dir: str | Path, extra: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write forecast, requirements, roster, roster_wide, coverage and kpis atomically, as one set.

    The files land together at the end (``atomic.staged``): a run killed
    before that leaves the previous run's set whole. ``extra`` adds CSV
    files to the set (``replan``'s changes.csv).
    """
    with atomic.staged():
        return _write_products(p, instance, Path(out_dir), extra or {})


def _write_products(p: Plan, instance: Instance, out: Path, extra: dict[str, pd.DataFrame]) -> list[Path]:
    written = []
    products = {
        **extra,
        "forecast.csv": p.forecast,
        "requirements.csv": p.requirements,
        "roster.csv": p.roster,
        "roster_wide.csv": roster_wide(p.result, instance, p.week_start, p.weeks),
    }
    if p.coverage is not None:
        products["coverage.csv"] = p.coverage
    if p.simulation is not None:
        products["simulation.csv"] = p.simulation
    for name, frame in products.items():
        atomic.write_csv(out / name, frame, float_format="%.4g")
        written.append(out / name)
    atomic.write_text(out / "kpis.json", json.dumps(p.kpis, indent=2, ensure_ascii=False, default=float) + "\n")
    written.append(out / "kpis.json")
    return written
