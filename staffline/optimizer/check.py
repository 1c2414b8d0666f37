"""Independent roster checker: re-derives every rule of docs/ROSTER_RULES.md.

Why independent: a roster scored only by the model that produced it proves
nothing about the model. This module imports no solver, template or rule
code; it reads the instance and the roster rows (roster.csv format) and
recomputes each hard rule, each soft penalty, the labour cost and, when the
demand is given, the objective. The one shared piece is the queueing wait
curve W(n) of the objective's wait term (the formula is the product's
definition of waiting, not solver logic).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from staffline.branch_config import parse_time
from staffline.errors import ProblemLog
from staffline.model import ROLE_CHANGES, WEEKDAYS, Instance, minutes_of

FILE = "roster.csv"


@dataclass(frozen=True)
class Violation:
    rule: str
    employee: str | None
    date: str | None
    message: str


@dataclass
class CheckReport:
    violations: list[Violation] = field(default_factory=list)
    penalties: dict[str, float] = field(default_factory=dict)
    cost: float = 0.0
    customer_minutes: float | None = None
    objective: float | None = None
    fairness: dict[str, dict] = field(default_factory=dict)  # [fairness] rule name -> spread, weight, value per person

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Block:
    employee: str
    date: dt.date
    start: int
    end: int
    role: str


def _minutes(text: str) -> int:
    return minutes_of(dt.time.fromisoformat(str(text).strip()))


def horizon_days(week_start: dt.date, weeks: int = 1) -> list[dt.date]:
    """The plan's dates: ``weeks`` x 7 days from the Monday ``week_start``."""
    return [week_start + dt.timedelta(days=k) for k in range(7 * weeks)]


def read_roster(instance: Instance, roster: pd.DataFrame | str | Path, week_start: dt.date, weeks: int = 1) -> list[Block]:
    """Parse and validate roster rows (of ``weeks`` weeks from ``week_start``); bad rows raise InputError naming row and field."""
    if not isinstance(roster, pd.DataFrame):
        roster = pd.read_csv(roster, dtype=str, keep_default_na=False)
    log = ProblemLog()
    for col in ("employee", "date", "start", "end", "role"):
        if col not in roster.columns:
            log.add(FILE, 1, col, "missing column")
    log.raise_if_any()
    ids = {e.id for e in instance.staff}
    week = set(horizon_days(week_start, weeks))
    slot = instance.branch.slot_minutes
    blocks = []
    for i, rec in enumerate(roster.astype(str).to_dict("records")):
        row = i + 2
        if rec["employee"] not in ids:
            log.add(FILE, row, "employee", f"unknown employee {rec['employee']!r}")
        try:
            day = dt.date.fromisoformat(rec["date"])
        except ValueError:
            log.add(FILE, row, "date", f"expected YYYY-MM-DD, got {rec['date']!r}")
            continue
        if day not in week:
            span = f"the week of {week_start}" if weeks == 1 else f"the {weeks} weeks from {week_start}"
            log.add(FILE, row, "date", f"{day} is not in {span}")
        try:
            start, end = _minutes(rec["start"]), _minutes(rec["end"])
        except ValueError:
            log.add(FILE, row, "start", f"expected HH:MM times, got {rec['start']!r}-{rec['end']!r}")
            continue
        if end <= start:
            log.add(FILE, row, "end", "end is not after start")
        if start % slot or end % slot:
            log.add(FILE, row, "start", f"times must lie on the {slot}-minute grid")
        if rec["role"] not in instance.branch.role_names:
            log.add(FILE, row, "role", f"unknown role {rec['role']!r}")
        blocks.append(Block(rec["employee"], day, start, end, rec["role"]))
    by_person_day = defaultdict(list)
    for b in blocks:
        by_person_day[b.employee, b.date].append(b)
    for (emp, day), items in by_person_day.items():
        items.sort(key=lambda b: b.start)
        for a, b in zip(items, items[1:]):
            if b.start < a.end:
                log.add(FILE, None, "start", f"blocks of {emp} on {day} overlap ({a.start // 60:02d}:{a.start % 60:02d})")
    log.raise_if_any()
    return blocks


def check_roster(
    instance: Instance,
    roster: pd.DataFrame | str | Path,
    week_start: dt.date,
    demand: pd.DataFrame | None = None,
    aht_minutes: Mapping[str, float] | None = None,
    previous_days: Mapping[str, tuple[bool, ...]] | None = None,
    previous_end: Mapping[str, dt.datetime] | None = None,
    headcount: int | None = None,
    kept: Mapping[tuple[str, dt.date], Iterable[tuple[int, int, str]]] | None = None,
    absences: Iterable = (),
    weeks: int = 1,
) -> CheckReport:
    """Every hard violation, every soft penalty, the cost and (with demand) the objective.

    Re-planning adds two optional checks: ``kept`` (employee, date) -> the
    published blocks (start minute, end minute, role; empty = off) that
    person-day must work exactly, and ``absences`` (objects with
    ``employee``, ``start``, ``end`` datetimes) in which nobody may work.
    A plan of ``weeks`` weeks holds each weekly contract limit in each week
    (Monday-Sunday) and the horizon limits and ``[fairness]`` over all days.
    """
    blocks = read_roster(instance, roster, week_start, weeks)
    branch, rules = instance.branch, instance.branch.shift_rules
    report = CheckReport()
    bad = report.violations.append
    days = horizon_days(week_start, weeks)
    staff = {e.id: e for e in instance.staff}
    shifts: dict[tuple[str, dt.date], list[Block]] = defaultdict(list)
    for b in blocks:
        shifts[b.employee, b.date].append(b)

    # per-person, per-day shape rules
    for (emp, day), items in shifts.items():
        items.sort(key=lambda b: b.start)
        e = staff[emp]
        opening = branch.opening(day)
        if not opening.is_open or items[0].start < minutes_of(opening.open) or items[-1].end > minutes_of(opening.close):
            bad(Violation("opening hours", emp, day.isoformat(), "works outside opening hours"))
        for b in items:
            if b.role not in e.roles:
                bad(Violation("certification", emp, day.isoformat(), f"works {b.role} without the certificate"))
        gaps = [(a.end, b.start) for a, b in zip(items, items[1:]) if b.start > a.end]
        if len(gaps) > 1:
            bad(Violation("one shift per day", emp, day.isoformat(), f"{len(gaps) + 1} separate pieces of work"))
        span = items[-1].end - items[0].start
        if not rules.min_shift_hours * 60 <= span <= rules.max_shift_hours * 60:
            bad(Violation("shift length", emp, day.isoformat(), f"shift of {span / 60:g} h"))
        lo, hi = (minutes_of(t) for t in rules.lunch_window)
        if span > rules.lunch_after_hours * 60:
            ok = len(gaps) == 1 and gaps[0][1] - gaps[0][0] == rules.lunch_minutes and lo <= gaps[0][0] and gaps[0][1] <= hi
            if not ok:
                bad(
                    Violation(
                        "lunch break",
                        emp,
                        day.isoformat(),
                        f"a {span / 60:g} h shift needs one {rules.lunch_minutes}-minute break inside the lunch window",
                    )
                )
        elif gaps:
            bad(Violation("lunch break", emp, day.isoformat(), "a short shift has a break"))
        _check_role_blocks(items, rules.min_role_block_minutes, emp, day, bad)
        c = e.contract
        if e.is_unavailable(day):
            bad(Violation(f"availability of {emp}", emp, day.isoformat(), "works on an unavailable day"))
        if (c.earliest_start and items[0].start < minutes_of(c.earliest_start)) or (
            c.latest_end and items[-1].end > minutes_of(c.latest_end)
        ):
            bad(Violation(f"availability of {emp}", emp, day.isoformat(), "works outside earliest_start/latest_end"))

    # weekly per-person rules, each week of the plan on its own; horizon limits over all of it
    cost = 0.0
    for e in instance.staff:
        worked = [d for d in days if (e.id, d) in shifts]
        minutes = sum(b.end - b.start for d in worked for b in shifts[e.id, d])
        cost += minutes / 60 * e.contract.cost_per_hour
        c = e.contract
        for w in range(weeks):
            week = days[7 * w : 7 * w + 7]
            mine = [d for d in worked if d in week]
            paid = sum(b.end - b.start for d in mine for b in shifts[e.id, d])
            when = f" in the week of {week[0]}" if weeks > 1 else ""
            if not c.min_hours_in(w) * 60 <= paid <= c.max_hours_week * 60:
                bad(
                    Violation(
                        f"contract hours of {e.id}",
                        e.id,
                        None,
                        f"{paid / 60:g} h outside [{c.min_hours_in(w):g}, {c.max_hours_week:g}]{when}",
                    )
                )
            if not c.min_days_in(w) <= len(mine) <= c.max_days_week:
                bad(
                    Violation(
                        f"working days of {e.id}", e.id, None, f"{len(mine)} days outside [{c.min_days_in(w)}, {c.max_days_week}]{when}"
                    )
                )
        lo_h = c.min_hours_horizon or 0.0
        hi_h = c.max_hours_horizon if c.max_hours_horizon is not None else 24.0 * len(days)
        if (c.min_hours_horizon is not None or c.max_hours_horizon is not None) and not lo_h * 60 <= minutes <= hi_h * 60:
            bad(Violation(f"horizon hours of {e.id}", e.id, None, f"{minutes / 60:g} h over the plan outside [{lo_h:g}, {hi_h:g}]"))
        run = best = 0
        for w in list((previous_days or {}).get(e.id, ())) + [d in worked for d in days]:
            run = run + 1 if w else 0
            best = max(best, run)
        if best > c.max_consecutive_days:
            bad(Violation(f"consecutive days of {e.id}", e.id, None, f"{best} consecutive days > {c.max_consecutive_days}"))
        ends = []
        if (previous_end or {}).get(e.id):
            ends.append(previous_end[e.id])
        for d in worked:
            start = dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=shifts[e.id, d][0].start)
            if ends and (start - ends[-1]).total_seconds() / 3600 < rules.min_rest_hours:
                bad(Violation(f"minimum rest of {e.id}", e.id, d.isoformat(), f"less than {rules.min_rest_hours:g} h rest"))
            ends.append(dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=shifts[e.id, d][-1].end))
    report.cost = round(cost, 2)

    # per-slot rules
    on_role = _staff_per_slot(blocks, branch, days)
    max_on = headcount if headcount is not None else branch.headcount.max_on_duty
    for d in days:
        starts = [minutes_of(t) for t in branch.slots(d)]
        total = np.zeros(len(starts), dtype=int)
        for role in branch.roles:
            counts = on_role[role.name, d]
            total += counts
            if role.min_on_duty and (counts < role.min_on_duty).any():
                label = (
                    "greeter always on duty" if role.kind.value == "lobby" and role.min_on_duty == 1 else f"minimum on duty for {role.name}"
                )
                bad(
                    Violation(
                        label,
                        None,
                        d.isoformat(),
                        f"{int((counts < role.min_on_duty).sum())} slots below {role.min_on_duty} on {role.name}",
                    )
                )
        if max_on is not None and (total > max_on).any():
            bad(Violation(f"headcount limit {max_on} per slot", None, d.isoformat(), f"{int(total.max())} on duty"))
        people = sum((e.id, d) in shifts for e in instance.staff)
        cap = branch.headcount.max_staff_per_day
        if cap is not None and people > cap:
            bad(Violation(f"at most {cap} staff per day", None, d.isoformat(), f"{people} staff rostered"))
    _check_appointments(instance, days, on_role, bad)
    _check_configured(instance, days, shifts, on_role, report, cost)
    if weeks > 1 or previous_days:
        _check_fairness(instance, days, shifts, previous_days or {}, report)
    changes = sum(role_changes(blocks).values())
    if changes and branch.objective.role_change_weight:
        report.penalties[ROLE_CHANGES] = branch.objective.role_change_weight * changes
    _check_requests(instance, days, shifts, report)
    _check_kept(kept or {}, shifts, branch.slot_minutes, bad)
    _check_absences(absences, blocks, bad)
    if demand is not None:
        report.customer_minutes = _customer_minutes(instance, demand, aht_minutes or {}, days, on_role)
        o = branch.objective
        report.objective = round(
            o.wait_per_customer_minute * report.customer_minutes + o.cost_weight * cost + sum(report.penalties.values()), 3
        )
    return report


def _minute_roles(blocks: Iterable[tuple[int, int, str]], step: int) -> dict[int, str]:
    return {m: role for start, end, role in blocks for m in range(start, end, step)}


def _check_kept(kept: Mapping, shifts: Mapping, step: int, bad) -> None:
    """A kept person-day works the published time on the published roles, slot by slot."""
    for (emp, day), published in kept.items():
        rostered = [(b.start, b.end, b.role) for b in shifts.get((emp, day), [])]
        if _minute_roles(rostered, step) != _minute_roles(published, step):
            bad(Violation("kept as published", emp, day.isoformat(), "differs from the published roster"))


def _check_absences(absences: Iterable, blocks: Iterable[Block], bad) -> None:
    for a in absences:
        for b in blocks:
            midnight = dt.datetime.combine(b.date, dt.time())
            start, end = midnight + dt.timedelta(minutes=b.start), midnight + dt.timedelta(minutes=b.end)
            if b.employee == a.employee and start < a.end and a.start < end:
                bad(Violation("absence", b.employee, b.date.isoformat(), f"works {b.role} while absent"))


def role_changes(blocks: Iterable) -> dict[tuple[str, object], int]:
    """Desk changes per (employee, date): neighbouring blocks of a person's day with different roles.

    A block is anything with ``employee``, ``date``, ``start``, ``end`` and
    ``role`` (:class:`Block`, or roster.csv rows with HH:MM times: both sort
    by start). Coming back from lunch to another desk counts too: the person
    still changes desk, and a count that ignored lunch would let the solver
    hide changes in it.
    """
    by_day: dict[tuple[str, object], list] = defaultdict(list)
    for b in blocks:
        by_day[b.employee, b.date].append(b)
    out = {}
    for key, items in by_day.items():
        items.sort(key=lambda b: b.start)
        out[key] = sum(a.role != b.role for a, b in zip(items, items[1:]))
    return out


def _check_role_blocks(items: list[Block], min_block: int, emp: str, day: dt.date, bad) -> None:
    parts: list[list[Block]] = []
    for b in items:
        if parts and parts[-1][-1].end == b.start:
            parts[-1].append(b)
        else:
            parts.append([b])
    for part in parts:
        merged: list[list[int]] = []
        for b in part:
            if merged and merged[-1][2] == b.role:
                merged[-1][1] = b.end
            else:
                merged.append([b.start, b.end, b.role])
        length = part[-1].end - part[0].start
        if length < min_block:
            if len(merged) > 1:
                bad(Violation("role block", emp, day.isoformat(), "role change inside a part shorter than the minimum block"))
        elif any(e - s < min_block for s, e, _ in merged):
            bad(Violation("role block", emp, day.isoformat(), f"a role block shorter than {min_block} minutes"))


def _staff_per_slot(blocks: list[Block], branch, days) -> dict[tuple[str, dt.date], np.ndarray]:
    out = {}
    for d in days:
        starts = np.array([minutes_of(t) for t in branch.slots(d)], dtype=int)
        for role in branch.role_names:
            out[role, d] = np.zeros(len(starts), dtype=int)
        for b in blocks:
            if b.date == d and b.role in branch.role_names:
                out[b.role, d] += (starts >= b.start) & (starts < b.end)
    return out


def _overlapping(instance: Instance, d: dt.date, role: str, vip_only: bool) -> np.ndarray:
    apps = instance.appointments
    apps = apps[(apps["role"] == role) & (apps["start"].dt.date == d)]
    if vip_only:
        apps = apps[apps["tier"] == "vip"]
    starts = np.array([minutes_of(t) for t in instance.branch.slots(d)], dtype=int)
    need = np.zeros(len(starts), dtype=int)
    for s, dur in zip(apps["start"], apps["duration"]):
        a = s.hour * 60 + s.minute
        need += (starts < a + dur) & (a < starts + instance.branch.slot_minutes)
    return need


def _check_appointments(instance, days, on_role, bad) -> None:
    configured = [r for r in instance.branch.rules if r.get("type") == "vip_coverage"]
    for role in instance.branch.role_names:
        for d in days:
            need = _overlapping(instance, d, role, vip_only=False)
            if need.any() and (on_role[role, d] < need).any():
                bad(Violation(f"appointments covered for {role}", None, d.isoformat(), "fewer staff than appointments in progress"))
    for cfg in configured:
        role = cfg.get("role", "advisory")
        for d in days:
            need = _overlapping(instance, d, role, vip_only=True)
            if (on_role[role, d] < need).any():
                bad(Violation(cfg.get("name", f"VIP coverage for {role}"), None, d.isoformat(), "VIP appointment without an advisor"))


def _check_configured(instance, days, shifts, on_role, report, cost) -> None:
    bad = report.violations.append
    for cfg in instance.branch.rules:
        kind = cfg.get("type")
        hard, weight = bool(cfg.get("hard", True)), float(cfg.get("weight", 1.0))
        if kind == "coverage":
            role, lo, hi = cfg["role"], int(cfg.get("min", 0)), cfg.get("max")
            sel_days = {str(x).lower() for x in cfg.get("days", ())}
            start = minutes_of(parse_time(cfg["from"])) if "from" in cfg else None  # "HH:MM" or a TOML time
            end = minutes_of(parse_time(cfg["to"])) if "to" in cfg else None
            window = f" {start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}" if start is not None and end is not None else ""
            where = (" " + "/".join(str(x).lower() for x in cfg.get("days", ()))) if sel_days else ""
            default = f"{role} minimum {lo}{window}{where}" if hi is None else f"{role} between {lo} and {hi}{window}{where}"
            name = cfg.get("name", default)
            missing = 0
            for d in days:
                if sel_days and WEEKDAYS[d.weekday()] not in sel_days:
                    continue
                for k, t in enumerate(instance.branch.slots(d)):
                    m = minutes_of(t)
                    if (start is not None and m < start) or (end is not None and m >= end):
                        continue
                    n = int(on_role[role, d][k])
                    missing += max(lo - n, 0) + (max(n - int(hi), 0) if hi is not None else 0)
            if missing and hard:
                bad(Violation(name, None, None, f"{missing} person-slots outside [{lo}, {hi}] on {role}"))
            elif missing:
                report.penalties[name] = report.penalties.get(name, 0.0) + weight * missing
        elif kind == "max_weekend_days":
            cap = int(cfg.get("max", 1))
            name = cfg.get("name", f"at most {cap} weekend day(s)")
            for e in instance.staff:
                for w in range(0, len(days), 7):  # per week of the plan
                    n = sum((e.id, d) in shifts for d in days[w : w + 7] if d.weekday() >= 5)
                    if n > cap and hard:
                        bad(Violation(name, e.id, None, f"{n} weekend days in the week of {days[w]}"))
                    elif n > cap:
                        report.penalties[name] = report.penalties.get(name, 0.0) + weight * (n - cap)
        elif kind == "fairness":
            aspect = cfg.get("aspect", "weekend")
            values = []
            for e in instance.staff:
                mine = [(d, shifts[e.id, d]) for d in days if (e.id, d) in shifts]
                if aspect == "hours":
                    values.append(sum(b.end - b.start for _, bs in mine for b in bs) / 60)
                elif aspect == "weekend":
                    values.append(sum(d.weekday() >= 5 for d, _ in mine))
                else:
                    values.append(sum(bs[-1].end == minutes_of(instance.branch.opening(d).close) for d, bs in mine))
            if len(values) > 1 and max(values) > min(values):
                name = cfg.get("name", f"fair {aspect}")
                report.penalties[name] = report.penalties.get(name, 0.0) + weight * (max(values) - min(values))
        elif kind == "budget" and cost > float(cfg["max_cost"]) + 1e-6:
            bad(Violation(cfg.get("name", f"budget {float(cfg['max_cost']):g}"), None, None, f"cost {cost:.2f} > {cfg['max_cost']}"))


FAIRNESS = {  # [fairness] key -> rule name, the weekdays counted (None: late shifts or hours)
    "saturdays": ("fair Saturdays", (5,)),
    "weekend_days": ("fair weekend days", (5, 6)),
    "late_shifts": ("fair late shifts", None),
    "hours_above_minimum": ("fair hours above minimum", None),
}


def _check_fairness(instance, days, shifts, previous_days, report) -> None:
    """The [fairness] rules: weight x (most - least) among the people each compares, recomputed from the rows.

    Saturdays / weekend days compare staff available on such an open day of
    the plan and add those of the weeks before (``previous_days``, whole
    weeks, Monday first);
    late shifts (ending at closing time) compare staff available on an open
    day whose ``latest_end`` allows closing; hours above the contract
    minimum (weekly minimum x weeks) compare everybody.
    """
    branch = instance.branch
    weeks = len(days) // 7
    for key, (name, weekdays) in FAIRNESS.items():
        weight = float(getattr(branch.fairness, key))
        if not weight:
            continue
        values: dict[str, float] = {}
        for e in instance.staff:
            open_days = [d for d in days if branch.opening(d).is_open and not e.is_unavailable(d)]
            mine = {d: sorted(shifts[e.id, d], key=lambda b: b.start) for d in days if (e.id, d) in shifts}
            before = tuple(previous_days.get(e.id, ()))
            if weekdays is not None:
                if not any(d.weekday() in weekdays for d in open_days):
                    continue
                carried = sum(w for k, w in enumerate(before) if k % 7 in weekdays) if len(before) % 7 == 0 else 0
                values[e.id] = carried + sum(d.weekday() in weekdays for d in mine)
            elif key == "late_shifts":
                end = e.contract.latest_end
                if not any(end is None or end >= branch.opening(d).close for d in open_days):
                    continue
                values[e.id] = sum(bs[-1].end == minutes_of(branch.opening(d).close) for d, bs in mine.items())
            else:
                worked = sum(b.end - b.start for bs in mine.values() for b in bs)
                values[e.id] = (worked - round(sum(e.contract.min_hours_in(w) for w in range(weeks)) * 60)) / 60
        if len(values) < 2:
            continue
        spread = max(values.values()) - min(values.values())
        report.fairness[name] = {"spread": round(spread, 3), "weight": weight, "per_person": values}
        if spread:
            report.penalties[name] = report.penalties.get(name, 0.0) + weight * spread


def _check_requests(instance, days, shifts, report) -> None:
    for req in instance.requests:
        label = req.day if isinstance(req.day, str) else req.day.isoformat()
        name = f"request of {req.employee} on {label}"
        for d in days:
            if not instance.branch.slots(d) or not req.applies_to(d):
                continue
            works = (req.employee, d) in shifts
            if req.kind == "off":
                missed = works
            elif req.kind == "on":
                missed = not works
            else:
                a, b = (_minutes(x) for x in req.shift.split("-"))
                bs = shifts.get((req.employee, d), [])
                missed = not bs or (bs[0].start, bs[-1].end) != (a, b)
            if missed:
                report.penalties[name] = report.penalties.get(name, 0.0) + req.weight


def _customer_minutes(instance, demand, aht_minutes, days, on_role) -> float:
    """Customer-minutes waited, weighted for VIPs, from the product's wait curves.

    With ``[objective] demand = "expected"`` the curves are expectations over
    each slot's rate distribution read from the forecast's intervals, as the
    optimizer's objective is; the checker recomputes that variance itself.
    """
    from staffline.forecasting.intervals import rate_variance
    from staffline.queueing import wait_curve  # the product's definition of waiting

    branch = instance.branch
    expected = branch.objective.demand == "expected"
    frame = demand.assign(_date=pd.to_datetime(demand["date"]).dt.date)
    frame["_var"] = rate_variance(frame) if expected else 0.0
    total = 0.0
    mult = branch.objective.vip_wait_multiplier
    for role in branch.roles:
        rows = frame[frame["role"] == role.name]
        aht = float(aht_minutes.get(role.name, role.aht_minutes))
        for d in days:
            slots = [f"{t:%H:%M}" for t in branch.slots(d)]
            if not slots:
                continue
            today = rows[rows["_date"] == d]
            arr, var = (today.groupby("slot_start")[c].sum().reindex(slots, fill_value=0.0).to_numpy() for c in ("mean", "_var"))
            vip = today[today["tier"] == "vip"].groupby("slot_start")["mean"].sum().reindex(slots, fill_value=0.0).to_numpy()
            if arr.sum() == 0:
                continue
            free = np.maximum(on_role[role.name, d] - _overlapping(instance, d, role.name, False), 0)
            curve = wait_curve(
                arr,
                aht,
                role.patience_minutes,
                int(max(free.max(), len(instance.certified(role.name)))),
                branch.slot_minutes,
                branch.objective.wait_method,
                rate_variance=var if expected else None,
            )
            weight = np.where(arr > 0, (arr + (mult - 1) * vip) / np.maximum(arr, 1e-12), 1.0)
            total += float((curve[np.arange(len(arr)), free] * weight).sum())
    return total


def check_to_dict(report: CheckReport) -> dict:
    return {
        "ok": report.ok,
        "violations": [vars(v) for v in report.violations],
        "penalties": report.penalties,
        "cost": report.cost,
        "customer_minutes": report.customer_minutes,
        "objective": report.objective,
        "fairness": report.fairness,
    }


def render_check(report: CheckReport) -> str:
    lines = ["roster satisfies every hard rule" if report.ok else f"{len(report.violations)} hard rule violation(s):"]
    for v in report.violations:
        who = " ".join(x for x in (v.employee, v.date) if x)
        lines.append(f"  {v.rule}{' (' + who + ')' if who else ''}: {v.message}")
    for name, value in report.penalties.items():
        lines.append(f"  penalty {name}: {value:g}")
    lines.append(f"labour cost {report.cost:.2f}" + (f", objective {report.objective:.2f}" if report.objective is not None else ""))
    return "\n".join(lines)
