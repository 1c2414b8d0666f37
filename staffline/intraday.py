"""Steering the live day: update today's forecast from the tickets so far, then move staff between roles.

Shifts stay as rostered; only the roles of the people on duty change, from
the first slot at or after ``now`` on. Certifications and the minimum role
block hold because the moves come from the same per-person role assignment
the roster itself uses (:func:`~staffline.optimizer.assign_roles.assign_day`):
the slots before ``now`` are fixed to what happened (so a block running at
``now`` still reaches its minimum length), each published role kept costs
nothing and each one changed costs ``[replan] role_slot_weight`` plus the
usual desk-change weight, so a move is made only when it saves more expected
waiting than that. The hard per-slot role minima and maxima (greeter,
appointments, hard coverage) are the week model's own rules.

The rest of the day's arrivals come from
:func:`staffline.forecasting.intraday.update_forecast` (a Gamma-Poisson
day level per role from today's counts against the day-ahead forecast, and
a recent level that fades into it over the next hours). ``levels`` reports
the level applied to the first slot from ``now``. Role assignment runs on
the wait averaged over that level's posterior, not the wait at its mean
(:func:`posterior_variance`): waiting is convex in the rate, so the
plug-in under-protects the role whose level is uncertain and whose queue
is busy, which is where a surge shows first. Its per-slot curves start
every slot from a stationary queue, though, so by default the plan is
picked from a shortlist by simulating the rest of the day from the queue
at ``now`` (:mod:`staffline.intraday_queue`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from staffline import atomic
from staffline.errors import InputError, Problem
from staffline.forecasting.diversion import apply_diversion
from staffline.forecasting.intraday import prior_shape, update_forecast
from staffline.intraday_queue import QueueAtNow, RestOfDay, queue_at_now, service_samplers, with_backlog
from staffline.model import INTRADAY_DECISIONS, Instance, minutes_of
from staffline.optimizer.assign_roles import Extension, assign_day
from staffline.optimizer.continuity import previous_week
from staffline.optimizer.core.branch_model import SCALE, plan_days
from staffline.optimizer.replan import person_days, published_roster, slot_roles
from staffline.optimizer.roster import Demand, build_waits, day_rows, roster_kpis, week_rules
from staffline.optimizer.search.portfolio import build_model
from staffline.optimizer.search.warm_start import maximums_of_day, minimums_of_day
from staffline.pipeline import demand_from, fit_walk_ins, roster_week
from staffline.replanning import expected_waits

MOVE_COLUMNS = ["time", "employee", "from", "to", "until", "kind"]  # and ``cost`` (:func:`with_cost`)
# what the moves minimise: the simulated rest of day from the queue at now (a shortlist of plans scored by
# simulation), or the per-slot wait averaged over the level's posterior, or at its mean
DECISIONS = INTRADAY_DECISIONS
OFF = "off"  # ``from`` of an extension: the person was not rostered then


@dataclass
class Intraday:
    """The steered day: moves, the adjusted week's roster, the updated forecast and coverage, waits before/after.

    ``waits`` = {"before": {role: minutes per customer}, "after": {...}} for
    the rest of the day on the updated forecast (averaged over its level's
    posterior when the moves were decided so); ``levels`` = {role:
    (level, sd)} of today's arrivals against the day-ahead forecast.
    """

    now: dt.datetime
    moves: pd.DataFrame
    roster: pd.DataFrame
    forecast: pd.DataFrame
    coverage: pd.DataFrame
    waits: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)
    queue: dict[str, QueueAtNow] = field(default_factory=dict)
    simulated: dict = field(default_factory=dict)
    decision: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The ``--json`` shape of issue 30."""
        return {
            "now": self.now.isoformat(timespec="minutes"),
            "moves": self.moves.to_dict("records"),
            "expected_wait": self.waits,
            "overtime_cost": round(float(self.moves["cost"].sum()), 2) if "cost" in self.moves else 0.0,
            "forecast_level": {r: {"level": round(v[0], 4), "sd": round(v[1], 4)} for r, v in self.levels.items()},
            "queue_at_now": {r: q.as_dict() for r, q in self.queue.items()},
            "simulated_wait": self.simulated,
            "decision": self.decision,
        }


def history_prior_shape(history: pd.DataFrame, weeks: int = 4, min_days: int = 20) -> float:
    """The day level's Gamma prior shape for this branch, from how its daily totals per role strayed.

    Each day's total per role is set against the mean of the same weekday's
    totals in up to ``weeks`` weeks before it, a stand-in for the day-ahead
    forecast (:func:`~staffline.forecasting.intraday.prior_shape` then takes out
    the Poisson part). The stand-in is cruder than the real forecast, so the
    prior comes out a little wider and the update a little quicker to follow
    the day than on the benchmark, where past days' own forecasts set it.
    A variance from fewer than ``min_days`` day-role totals is too noisy to
    trust (a two-week generated branch gave a shape of 686, tighter than the
    170-350 months of bank calls give), so the default shape stands in then.
    """
    if history.empty:
        return prior_shape([], [])
    issued = pd.to_datetime(history["issued_at"])
    daily = history.assign(date=issued.dt.normalize()).groupby(["role", "date"]).size()
    actual, expected = [], []
    for _role, series in daily.groupby(level=0):
        s = series.droplevel(0)
        for day, total in s.items():
            same = [s.get(day - pd.Timedelta(weeks=k)) for k in range(1, weeks + 1)]
            same = [v for v in same if v is not None and not pd.isna(v)]
            if same:
                actual.append(float(total))
                expected.append(float(np.mean(same)))
    return prior_shape(actual, expected, min_days=min_days)


def observed_counts(tickets: pd.DataFrame, slot_minutes: int) -> pd.DataFrame:
    """Tickets -> counts per role and slot start ("HH:MM")."""
    if tickets.empty:
        return pd.DataFrame(columns=["slot_start", "role", "count"])
    issued = pd.to_datetime(tickets["issued_at"]).dt.floor(f"{slot_minutes}min")
    frame = pd.DataFrame({"slot_start": issued.dt.strftime("%H:%M"), "role": tickets["role"]})
    return frame.groupby(["slot_start", "role"]).size().rename("count").reset_index()


def updated_walk_ins(
    walk_ins: pd.DataFrame, tickets: pd.DataFrame, now: dt.datetime, slot_minutes: int, shape: float
) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """The week's walk-in forecast with today's slots from the last complete slot on re-levelled; levels per role.

    Third: those re-levelled rows with the posterior sd of their rate
    (day-ahead mean x the level's sd) in ``mean``, for :func:`posterior_variance`.
    """
    day = now.date()
    cut = minutes_of(now.time()) // slot_minutes * slot_minutes
    cut_text = f"{cut // 60:02d}:{cut % 60:02d}"
    dates = pd.to_datetime(walk_ins["date"]).dt.date
    today = walk_ins[dates == day]
    observed = observed_counts(tickets[pd.to_datetime(tickets["issued_at"]) < pd.Timestamp(day) + pd.Timedelta(minutes=cut)], slot_minutes)
    rest = update_forecast(today, observed, cut_text, shape=shape)
    levels = {str(r): (float(g["level"].iloc[0]), float(g["level_sd"].iloc[0])) for r, g in rest.groupby("role")}
    keep = walk_ins[~((dates == day) & (walk_ins["slot_start"] >= cut_text))]
    out = pd.concat([keep, rest[list(walk_ins.columns)]], ignore_index=True)
    spread = rest[list(walk_ins.columns)].assign(mean=rest["mean"] / rest["level"].where(rest["level"] > 0, 1.0) * rest["level_sd"])
    return out.sort_values(["date", "slot_start", "role", "tier"], kind="stable").reset_index(drop=True), levels, spread


def posterior_variance(instance: Instance, spread: pd.DataFrame) -> Demand:
    """The rate variance per demand row that the level's posterior leaves: sd per walk-in row, diverted like the means, squared.

    Expected wait is convex in the arrival rate, so the wait at the
    posterior mean level understates the expected wait, the more so for a
    role whose level is uncertain and whose queue is near saturation.
    Averaging each slot's wait curve over the posterior (``build_waits``
    with this variance: a Gamma rate per slot, Gauss quadrature) is the
    decision that minimises expected wait given what the morning showed.
    Diversion moves sds linearly, as if the roles' levels moved together
    (an upper bound on the lobby's variance). For the rest of today this
    stands in for ``[objective] demand = "expected"``'s day-ahead interval
    variance, which mostly spans the level the morning has since narrowed
    (the slot-to-slot overdispersion left over is not added).
    """
    sd = apply_diversion(spread, instance.branch, instance.branch.divert)
    return Demand(sd.assign(mean=sd["mean"] ** 2), {})


def _rest_of_day(demand: Demand, day: dt.date, start: str) -> Demand:
    """The demand of today's slots from ``start`` on only (everything else zero): the rest-of-day waits."""
    f = demand.frame
    keep = (pd.to_datetime(f["date"]).dt.date == day) & (f["slot_start"] >= start)
    return Demand(f[keep].reset_index(drop=True), demand.aht_minutes)


def role_moves(published: pd.DataFrame, steered: pd.DataFrame, day: dt.date, first_slot: int, open_minute: int, slot: int) -> pd.DataFrame:
    """Where the steered day departs from the published one, from ``first_slot`` on: one row per run of departure.

    ``from`` is the role the published roster gives for that time, ``to`` the
    role to work instead and ``until`` when the published roster applies again
    (or the departure changes). Dropping a published desk change is a move too
    ("stay on counter instead of going to lobby"). Overtime (``--allow-extend``)
    shows as ``from`` "off" with ``kind`` "extension"; every other row is a "move".
    """
    before, after = person_days(published), person_days(steered)
    hhmm = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    rows = []

    def row(emp: str, run: list) -> tuple:
        (was, now_role), kind = run[1], "extension" if run[1][0] == OFF else "move"
        return (hhmm(open_minute + run[0] * slot), emp, was, now_role, hhmm(open_minute + (run[2] + 1) * slot), kind)

    for (emp, date), blocks in sorted(after.items()):
        if date != day:
            continue
        new = slot_roles(blocks, open_minute, slot)
        old = slot_roles(before.get((emp, date), ()), open_minute, slot)
        run: list | None = None
        for s in sorted(new):
            pair = (old.get(s, OFF), new[s])
            if run is not None and (pair != run[1] or s != run[2] + 1):
                rows.append(row(emp, run))
                run = None
            if s >= first_slot and pair[0] != pair[1]:
                run = [s, pair, s] if run is None else [run[0], pair, s]
        if run is not None:
            rows.append(row(emp, run))
    return pd.DataFrame(rows, columns=MOVE_COLUMNS).sort_values(["time", "employee"], kind="stable").reset_index(drop=True)


def steer(
    instance: Instance,
    roster: pd.DataFrame | str | Path,
    now: dt.datetime,
    tickets: pd.DataFrame,
    *,
    model: str | None = None,
    time_limit: float = 3.0,
    seed: int = 0,
    allow_extend: bool = False,
    previous: pd.DataFrame | None = None,
    decide_on: str = "simulated",
    reps: int = 60,
    backlog_reps: int = 20,
) -> Intraday:
    """Update today's forecast from ``tickets`` (issued before ``now``) and re-assign roles from ``now`` on.

    ``roster`` is the published week (roster.csv rows); ``model`` the
    day-ahead forecast model (the branch's when None). Other days of the
    week are returned untouched. ``allow_extend`` permits overtime: today's
    shifts may start earlier (not before ``now``) or end later, on the slot
    grid, within each contract's maximums (:func:`extensions`); each hour
    costs its overtime price (labour cost times ``[replan]
    overtime_premium``) times ``[objective] cost_weight``. ``previous`` is
    the week before's roster (roster.csv rows), so an extension keeps the
    rest after a shift that ended before this week began.

    ``decide_on`` "simulated" (the default) reads the queue at ``now``
    (:func:`~staffline.intraday_queue.queue_at_now`: from the tickets'
    service times, else ``backlog_reps`` seeded replays of the morning),
    assigns roles on a shortlist of demands (the posterior's, with the
    backlog, at the level's upper sd, both: :func:`candidate_demands`) and
    keeps, of those plans and the published one, the one with the lowest
    simulated rest-of-day wait plus overtime (``reps`` replications from
    the backlog, arrivals from the updated forecast's posterior, common
    random numbers). "posterior" takes the posterior's plan as it is (the
    per-slot wait averaged over the level's posterior,
    :func:`posterior_variance`), "mean" the plan at the level's mean.
    Everything is seeded by ``seed``.
    """
    if decide_on not in DECISIONS:
        raise ValueError(f"decide_on must be one of {DECISIONS}, got {decide_on!r}")
    published = published_roster(roster)
    week_start = roster_week(published, "published roster")
    last_ends = {} if previous is None else previous_week(instance, previous, week_start).last_end  # bad rows fail early
    day = now.date()
    days = plan_days(instance, week_start)
    d = next((k for k, g in enumerate(days) if g.date == day), None)
    if d is None or not days[d].slots:
        raise InputError(Problem("--now", None, "now", f"{day} is not an open day of the roster's week of {week_start}"))
    slot = instance.branch.slot_minutes
    open_m = minutes_of(days[d].slots[0])
    first = max(0, -(-(minutes_of(now.time()) - open_m) // slot))  # the first slot starting at or after now
    start_text = f"{(open_m + first * slot) // 60:02d}:{(open_m + first * slot) % 60:02d}"

    walk_ins, _info = fit_walk_ins(instance, week_start, model)
    walk_ins, levels, spread = updated_walk_ins(walk_ins, tickets, now, slot, history_prior_shape(instance.history))
    demand = demand_from(instance, walk_ins)
    rest = _rest_of_day(demand, day, start_text)
    variance = posterior_variance(instance, spread) if decide_on != "mean" else None
    waits, _arrivals = build_waits(instance, rest, days, instance.branch.objective.wait_method, variance)
    b = build_model(instance, days, waits, week_rules(instance, days, waits))

    staff = {e.id: e for e in instance.staff}
    shifts = {emp: slot_roles(blocks, open_m, slot) for (emp, date), blocks in person_days(published).items() if date == day}
    people = [(emp, tuple(staff[emp].roles), tuple(sorted(roles))) for emp, roles in sorted(shifts.items())]
    targets: dict = {}
    for emp, roles in shifts.items():
        for s, r in roles.items():
            key = (frozenset(staff[emp].roles), s, r)
            targets[key] = targets.get(key, 0) + 1
    fixed = {(emp, s): r for emp, roles in shifts.items() for s, r in roles.items() if s < first}
    prefer = {(emp, s): r for emp, roles in shifts.items() for s, r in roles.items() if s >= first}
    minimums = {k: v for k, v in minimums_of_day(b, d).items() if k[0] >= first}  # the past is what it was
    maximums = {k: v for k, v in maximums_of_day(b, d).items() if k[0] >= first}
    overtime = extensions(instance, published, day, first, len(days[d].slots), last_ends) if allow_extend else None
    others = published[published["date"] != day.isoformat()]

    def assigned(wait_values: dict) -> pd.DataFrame:
        """The week with today's roles from ``first`` on assigned on these wait curves."""
        roles_of, _mismatch, _changes = assign_day(
            people,
            targets,
            max(1, instance.branch.shift_rules.min_role_block_minutes // slot),
            seed,
            time_limit=time_limit,
            minimums=minimums,
            maximums=maximums,
            wait_values=wait_values,
            change_weight=round(instance.branch.objective.role_change_weight * SCALE),
            prefer=prefer,
            prefer_weight=max(1, round(instance.branch.replan.role_slot_weight * SCALE)),
            fixed=fixed,
            extensions=overtime,
            on_duty_max=instance.branch.headcount.max_on_duty,
        )
        worked = [(emp, roles, tuple(sorted(s for (e, s) in roles_of if e == emp))) for emp, roles, _slots in people]
        today_rows = pd.DataFrame(day_rows(worked, roles_of, day, open_m, slot), columns=list(published.columns))
        week = pd.concat([others, today_rows], ignore_index=True).sort_values(["date", "employee", "start"], kind="stable")
        return week.reset_index(drop=True)

    origin = open_m + first * slot
    samplers = service_samplers(instance)
    queue = queue_at_now(instance, demand, published, week_start, days[d], now, origin, tickets, backlog_reps, seed, samplers)
    steered = assigned(b.wait_values(d))
    decision: dict = {}
    simulated: dict = {}
    if decide_on == "simulated":
        rest_of_day = RestOfDay(instance, demand, variance, week_start, days[d], first, queue, reps, seed, samplers)
        plans = {"published": published, "posterior": steered}
        today_only = [g if k == d else dataclasses.replace(g, slots=[]) for k, g in enumerate(days)]  # the other days need no curves
        for name, candidate in candidate_demands(rest, queue, levels, day, start_text).items():
            cand_waits, _ = build_waits(instance, candidate, today_only, instance.branch.objective.wait_method, variance)
            plans[name] = assigned(b.wait_values(d, cand_waits))
        steered, decision = _cheapest(instance, plans, rest_of_day, published, day, first, open_m, slot)
        customers = rest_of_day.customers()
        simulated = {
            k: {r: round(float(m.mean()) / max(customers[r], 1e-9), 3) for r, m in rest_of_day.minutes(ros).items()}
            for k, ros in (("before", published), ("after", steered))
        }

    full_waits, arrivals = build_waits(instance, demand, days, instance.branch.objective.wait_method)
    coverage, _kpis = roster_kpis(instance, demand, days, steered, arrivals, full_waits)
    return Intraday(
        now=now,
        moves=with_cost(instance, role_moves(published, steered, day, first, open_m, slot)),
        roster=steered,
        forecast=demand.frame,
        coverage=coverage,
        waits={
            "before": _rounded(expected_waits(instance, rest, week_start, published, variance=variance)),
            "after": _rounded(expected_waits(instance, rest, week_start, steered, variance=variance)),
        },
        levels=levels,
        queue=queue,
        simulated=simulated,
        decision=decision,
    )


def candidate_demands(rest: Demand, queue: dict, levels: dict, day: dt.date, start: str) -> dict[str, Demand]:
    """The rest-of-day demands whose role assignments make the shortlist, besides the posterior's own.

    "backlog": the waiting customers at ``now`` arrive in the first slot
    (:func:`~staffline.intraday_queue.with_backlog`), left out when nobody
    waits; "upper": every role's rate at its level's posterior mean plus one
    sd (a busier day than the mean, the side where waiting grows fastest).
    Both together made a fifth plan that never won on the surge check's 30
    mornings, so it is not tried (each plan costs a role assignment).
    """
    factor = {r: 1.0 + (sd / level if level > 0 else 0.0) for r, (level, sd) in levels.items()}
    frame = rest.frame
    scale = frame["role"].map(factor).fillna(1.0)
    upper = Demand(frame.assign(mean=frame["mean"] * scale), rest.aht_minutes)
    if not any(q.waiting > 0 for q in queue.values()):
        return {"upper": upper}
    return {"backlog": with_backlog(rest, queue, day, start), "upper": upper}


def _cheapest(instance: Instance, plans: dict, rest_of_day: RestOfDay, published, day, first, open_m, slot) -> tuple[pd.DataFrame, dict]:
    """The plan with the lowest simulated rest-of-day cost: wait, overtime and the change penalty, as the role assignment weighs them.

    Wait is customer-minutes times ``[objective] wait_per_customer_minute``,
    overtime its pay times ``cost_weight``, and departing from the published
    day costs what the role assignment charges (:func:`change_penalty`), so
    a plan moves people only when the simulation says it saves more waiting
    than that. Plans are tried in order and one replaces the best only when
    strictly cheaper, so a tie keeps the published roster. Common random
    numbers make the comparison paired.
    """
    weights = instance.branch.objective
    scores = {}
    best, best_score = None, float("inf")
    for name, roster in plans.items():
        minutes = sum(float(m.mean()) for m in rest_of_day.minutes(roster).values())
        moves = with_cost(instance, role_moves(published, roster, day, first, open_m, slot))
        penalty = change_penalty(instance, published, roster, day, first, open_m, slot)
        score = weights.wait_per_customer_minute * minutes + weights.cost_weight * float(moves["cost"].sum()) + penalty
        scores[name] = {
            "customer_minutes": round(minutes, 2),
            "moves": int(len(moves)),
            "penalty": round(penalty, 2),
            "score": round(score, 2),
        }
        if best is None or score < best_score - 1e-9:
            best, best_score = name, score
    assert best is not None
    return plans[best], {"chosen": best, "candidates": scores}


def change_penalty(
    instance: Instance, published: pd.DataFrame, roster: pd.DataFrame, day: dt.date, first: int, open_m: int, slot: int
) -> float:
    """What the role assignment charges ``roster``'s day for departing from the published one, from slot ``first`` on.

    ``[replan] role_slot_weight`` per slot a person works on another role
    than published (an overtime slot is priced as overtime instead) and
    ``[objective] role_change_weight`` per desk change more than the
    published day has (fewer earn it back).
    """
    branch = instance.branch

    def roles_of(frame: pd.DataFrame) -> dict[str, dict[int, str]]:
        return {e: slot_roles(b, open_m, slot) for (e, d), b in person_days(frame).items() if d == day}

    def desk_changes(people: dict[str, dict[int, str]]) -> int:
        return sum(1 for roles in people.values() for s, r in roles.items() if s >= first and s - 1 in roles and roles[s - 1] != r)

    before, after = roles_of(published), roles_of(roster)
    changed = sum(1 for e, roles in after.items() for s, r in roles.items() if s >= first and before.get(e, {}).get(s, r) != r)
    return branch.replan.role_slot_weight * changed + branch.objective.role_change_weight * (desk_changes(after) - desk_changes(before))


def extensions(
    instance: Instance,
    published: pd.DataFrame,
    day: dt.date,
    first: int,
    n_slots: int,
    previous_end: dict[str, dt.datetime] | None = None,
) -> dict[str, Extension]:
    """The overtime each person on duty ``day`` may work: slots before their start (from slot ``first``) and after their end.

    Within the contract's maximums: the week's hours, the longest shift
    (and, for a shift without a lunch break, the length that would need
    one), the rest before the next worked day's start and after the
    previous one's end, the opening hours and the person's
    earliest_start/latest_end. The previous end is the last worked day
    before ``day`` in the published week or, when there is none, the end
    of the person's last shift in the week before (``previous_end``, from
    ``--previous``): without it Monday's rest is unchecked. Each slot costs
    its overtime price (:func:`overtime_price`) times ``[objective]
    cost_weight``, the roster's own weighting of labour cost.
    """
    branch = instance.branch
    slot, rules = branch.slot_minutes, branch.shift_rules
    open_m = minutes_of(branch.slots(day)[0])
    ended_before = previous_end or {}
    staff = {e.id: e for e in instance.staff}
    shifts = person_days(published)
    out: dict[str, Extension] = {}
    for (emp, date), blocks in shifts.items():
        if date != day or emp not in staff:
            continue
        c = staff[emp].contract
        start, end = blocks[0][0], blocks[-1][1]
        has_lunch = any(b[0] > a[1] for a, b in zip(blocks, blocks[1:]))
        longest = rules.max_shift_hours * 60 if has_lunch else min(rules.max_shift_hours, rules.lunch_after_hours) * 60
        week = sum(b[1] - b[0] for (e, _d), bl in shifts.items() if e == emp for b in bl)
        most = int(min(longest - (end - start), c.max_hours_week * 60 - week) // slot)
        latest = min(open_m + n_slots * slot, minutes_of(c.latest_end) if c.latest_end else 24 * 60)
        earliest = max(open_m + first * slot, minutes_of(c.earliest_start) if c.earliest_start else 0)
        rest = round(rules.min_rest_hours * 60)
        after = [d for (e, d) in shifts if e == emp and d > day]
        before = [d for (e, d) in shifts if e == emp and d < day]
        if after:
            nxt = min(after)
            latest = min(latest, (nxt - day).days * 24 * 60 + shifts[emp, nxt][0][0] - rest)
        if before:
            prv = max(before)
            earliest = max(earliest, shifts[emp, prv][-1][1] - (day - prv).days * 24 * 60 + rest)
        elif emp in ended_before:  # nothing worked earlier this week: the week before's last shift
            ended = (ended_before[emp] - dt.datetime.combine(day, dt.time())).total_seconds() // 60
            earliest = max(earliest, int(ended) + rest)
        later = tuple(range((end - open_m) // slot, (latest - open_m) // slot))
        earlier = tuple(range((start - open_m) // slot - 1, -(-(earliest - open_m) // slot) - 1, -1))
        weight = round(branch.objective.cost_weight * overtime_price(instance, emp) * slot / 60 * SCALE)
        if most > 0 and (later or earlier):
            out[emp] = Extension(later=later, earlier=earlier, most=most, weight=weight)
    return out


def overtime_price(instance: Instance, employee: str) -> float:
    """What one overtime hour of ``employee`` costs: their ``cost_per_hour`` times ``[replan] overtime_premium``."""
    return instance.employee(employee).contract.cost_per_hour * instance.branch.replan.overtime_premium


def with_cost(instance: Instance, moves: pd.DataFrame) -> pd.DataFrame:
    """``moves`` with a ``cost`` column: an extension's hours at the overtime price, 0 for a role move (paid anyway)."""
    hours = (pd.to_datetime(moves["until"], format="%H:%M") - pd.to_datetime(moves["time"], format="%H:%M")).dt.total_seconds() / 3600
    price = [overtime_price(instance, e) if k == "extension" else 0.0 for e, k in zip(moves["employee"], moves["kind"])]
    return moves.assign(cost=(hours * np.asarray(price, float)).round(2))


def _rounded(waits: dict[str, float]) -> dict[str, float]:
    return {r: round(float(v), 3) if np.isfinite(v) else 0.0 for r, v in waits.items()}


def write_intraday(result: Intraday, out_dir: str | Path) -> list[Path]:
    """moves.csv, roster.csv (the week, today steered), forecast.csv and coverage.csv, landing together."""
    out = Path(out_dir)
    products = {"moves.csv": result.moves, "roster.csv": result.roster, "forecast.csv": result.forecast, "coverage.csv": result.coverage}
    with atomic.staged():
        for name, frame in products.items():
            atomic.write_csv(out / name, frame, index=False, float_format="%.4g")
    return [out / name for name in products]
