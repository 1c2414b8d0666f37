"""Instance (+ branch.toml ``[[rules]]``) -> the list of rule objects of a roster.

Always-on rules come from branch.toml sections and staff.csv; configurable ones
from ``[[rules]]`` tables (docs/ROSTER_RULES.md). Unknown rule types or keys
are bad input with the TOML field named, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from staffline.branch_config import FieldError, parse_time, toml_number
from staffline.constraints.rules import (
    FAIRNESS_WEEKDAYS,
    Availability,
    Budget,
    ConsecutiveDays,
    ContractHours,
    Coverage,
    Fairness,
    HeadcountOnDuty,
    MaxWeekendDays,
    MinimumRest,
    MinOnDuty,
    Rule,
    StaffPerDay,
    StaffRequest,
    WorkingDays,
)
from staffline.errors import InputError, Problem, ProblemLog
from staffline.model import WEEKDAYS, Instance

RULE_KEYS = {
    "coverage": {"type", "role", "min", "max", "days", "from", "to", "hard", "weight", "name"},
    "max_weekend_days": {"type", "max", "hard", "weight", "name"},
    "fairness": {"type", "aspect", "weight", "name"},
    "vip_coverage": {"type", "role", "hard", "name"},
    "budget": {"type", "max_cost", "name"},
}


# Value checks of the keys shared by several rule types: (parser, default).
_COUNT = toml_number(0, 10_000, integer=True)
RULE_VALUES: dict[str, Any] = {
    "min": _COUNT,
    "max": _COUNT,
    "weight": toml_number(0, 1e6),
    "max_cost": toml_number(0, 1e12),
}


def _bad(index: int, key: str | None, message: str) -> InputError:
    field = f"rules[{index}]" + (f".{key}" if key else "")
    return InputError(Problem("branch.toml", None, field, message))


def _checked_values(index: int, kind: str, cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The table's values, typed and range-checked; the first bad one is bad input naming its key."""
    values = dict(cfg)
    for key, value in cfg.items():
        try:
            if key in RULE_VALUES:
                values[key] = RULE_VALUES[key](value)
            elif key == "hard" and not isinstance(value, bool):
                raise FieldError(f"expected true or false, got {value!r}")
            elif key in ("name", "role", "aspect") and not isinstance(value, str):
                raise FieldError(f"expected text, got {value!r}")
        except FieldError as exc:
            raise _bad(index, key, str(exc)) from None
    if kind == "budget" and "max_cost" not in cfg:
        raise _bad(index, "max_cost", "a budget rule needs max_cost (the week's labour cost limit)")
    if kind == "vip_coverage" and values.get("hard", True) is not True:
        raise _bad(index, "hard", "vip_coverage is always hard (a VIP appointment is always covered); leave hard out")
    if kind == "coverage" and "max" in values and values["max"] < values.get("min", 0):
        raise _bad(index, "max", f"max {values['max']} is below min {values.get('min', 0)}")
    return values


def check_configured_rules(instance: Instance, log: ProblemLog) -> None:
    """Record every bad ``[[rules]]`` table in ``log`` (as ``validate`` reports them), building nothing."""
    for index, cfg in enumerate(instance.branch.rules):
        try:
            configured_rule(index, cfg, instance)
        except InputError as exc:
            for problem in exc.problems:
                log.add(problem.file, problem.row, problem.field, problem.message)


def configured_rule(index: int, cfg: Mapping[str, Any], instance: Instance) -> Rule | None:
    """One ``[[rules]]`` table -> a rule object (vip_coverage is built by the roster)."""
    kind = cfg.get("type")
    if kind not in RULE_KEYS:
        raise _bad(index, "type", f"unknown rule type {kind!r} (known: {', '.join(RULE_KEYS)})")
    for key in cfg:
        if key not in RULE_KEYS[kind]:
            raise _bad(index, key, f"unknown key for a {kind} rule (known: {', '.join(sorted(RULE_KEYS[kind]))})")
    cfg = _checked_values(index, kind, cfg)
    roles = instance.branch.role_names
    if kind == "vip_coverage" and cfg.get("role", "advisory") not in roles:
        raise _bad(index, "role", f"unknown role {cfg.get('role', 'advisory')!r} (known: {', '.join(roles)})")
    hard = bool(cfg.get("hard", True))
    weight = float(cfg.get("weight", 1.0))
    if kind == "coverage":
        role = cfg.get("role")
        if role not in roles:
            raise _bad(index, "role", f"unknown role {role!r} (known: {', '.join(roles)})")
        days = tuple(str(d).lower() for d in cfg.get("days", ()))
        for d in days:
            if d not in WEEKDAYS:
                raise _bad(index, "days", f"unknown weekday {d!r}")
        try:
            start = parse_time(cfg["from"]) if "from" in cfg else None
            end = parse_time(cfg["to"]) if "to" in cfg else None
        except FieldError as exc:
            raise _bad(index, "from", str(exc)) from None
        lo, hi = int(cfg.get("min", 0)), cfg.get("max")
        window = f" {start:%H:%M}-{end:%H:%M}" if start and end else ""
        where = (" " + "/".join(days)) if days else ""
        default = f"{role} minimum {lo}{window}{where}" if hi is None else f"{role} between {lo} and {hi}{window}{where}"
        return Coverage(
            name=cfg.get("name", default),
            hard=hard,
            weight=weight,
            role=role,
            minimum=lo,
            maximum=None if hi is None else int(hi),
            weekdays=days,
            start=start,
            end=end,
        )
    if kind == "max_weekend_days":
        return MaxWeekendDays(
            name=cfg.get("name", f"at most {cfg.get('max', 1)} weekend day(s)"), hard=hard, weight=weight, maximum=int(cfg.get("max", 1))
        )
    if kind == "fairness":
        aspect = cfg.get("aspect", "weekend")
        if aspect not in ("weekend", "late", "hours"):  # saturday is [fairness]'s (with its applicability)
            raise _bad(index, "aspect", f"unknown aspect {aspect!r} (known: weekend, late, hours)")
        return Fairness(name=cfg.get("name", f"fair {aspect}"), hard=False, weight=weight, aspect=aspect)
    if kind == "budget":
        return Budget(name=cfg.get("name", f"budget {float(cfg['max_cost']):g}"), max_cost=float(cfg["max_cost"]))
    return None  # vip_coverage: needs the week's appointments, built by the roster


def build_rules(
    instance: Instance,
    previous_days: Mapping[str, tuple[bool, ...]] | None = None,
    previous_end: Mapping[str, dt.datetime] | None = None,
    headcount: int | None = None,
    dates: Sequence[dt.date] = (),
) -> list[Rule]:
    """Every rule of the instance, always-on ones first.

    ``dates`` are the plan's days (whole weeks from a Monday; empty: one
    week). Weekly contract limits get one rule per week, under one name;
    horizon limits and the ``[fairness]`` rules cover all the days.
    """
    branch = instance.branch
    weeks = max(1, len(dates) // 7)
    rules: list[Rule] = []
    for role in branch.roles:
        if role.min_on_duty:
            label = "greeter always on duty" if role.kind.value == "lobby" and role.min_on_duty == 1 else f"minimum on duty for {role.name}"
            rules.append(MinOnDuty(name=label, role=role.name, minimum=role.min_on_duty))
    max_on = headcount if headcount is not None else branch.headcount.max_on_duty
    if max_on is not None:
        rules.append(HeadcountOnDuty(name=f"headcount limit {max_on} per slot", maximum=max_on))
    if branch.headcount.max_staff_per_day is not None:
        rules.append(
            StaffPerDay(name=f"at most {branch.headcount.max_staff_per_day} staff per day", maximum=branch.headcount.max_staff_per_day)
        )
    for i, e in enumerate(instance.staff):
        c = e.contract
        for w in range(weeks):
            week = tuple(range(7 * w, 7 * w + 7)) if weeks > 1 else ()
            rules.append(
                ContractHours(
                    name=f"contract hours of {e.id}",
                    employee=i,
                    min_minutes=round(c.min_hours_in(w) * 60),
                    max_minutes=round(c.max_hours_week * 60),
                    days=week,
                )
            )
            rules.append(
                WorkingDays(name=f"working days of {e.id}", employee=i, minimum=c.min_days_in(w), maximum=c.max_days_week, days=week)
            )
        if c.min_hours_horizon is not None or c.max_hours_horizon is not None:
            rules.append(
                ContractHours(
                    name=f"horizon hours of {e.id}",
                    employee=i,
                    min_minutes=round((c.min_hours_horizon or 0.0) * 60),
                    max_minutes=round((c.max_hours_horizon if c.max_hours_horizon is not None else 24.0 * 7 * weeks) * 60),
                )
            )
        rules.append(
            ConsecutiveDays(
                name=f"consecutive days of {e.id}", employee=i, maximum=c.max_consecutive_days, previous=(previous_days or {}).get(e.id, ())
            )
        )
        rules.append(
            MinimumRest(
                name=f"minimum rest of {e.id}",
                employee=i,
                hours=branch.shift_rules.min_rest_hours,
                previous_end=(previous_end or {}).get(e.id),
            )
        )
        if e.unavailable:
            rules.append(Availability(name=f"availability of {e.id}", employee=i))
    index = {e.id: i for i, e in enumerate(instance.staff)}
    for req in instance.requests:
        day = req.day if isinstance(req.day, str) else req.day.isoformat()
        rules.append(
            StaffRequest(
                name=f"request of {req.employee} on {day}", hard=False, weight=req.weight, employee=index[req.employee], request=req
            )
        )
    for k, cfg in enumerate(branch.rules):
        rule = configured_rule(k, cfg, instance)
        if rule is not None:
            rules.append(rule)
    if weeks > 1 or previous_days:
        rules.extend(fairness_rules(instance, dates, previous_days or {}))
    return rules


FAIRNESS_NAMES = {
    "saturdays": ("saturday", "fair Saturdays"),
    "weekend_days": ("weekend", "fair weekend days"),
    "late_shifts": ("late", "fair late shifts"),
    "hours_above_minimum": ("hours", "fair hours above minimum"),
}


def fairness_rules(instance: Instance, dates: Sequence[dt.date], previous_days: Mapping[str, tuple[bool, ...]]) -> list[Rule]:
    """The ``[fairness]`` rules over the horizon (see :func:`fairness_applies` for who each compares).

    Saturdays and weekend days count those of the previous roster (from
    ``--previous``, all of its weeks) too, so turns rotate across the
    boundary; hours are counted above each person's contract minimum over
    the horizon. Late shifts and hours start from zero: ``previous_days``
    says which days were worked, not when or how long.
    """
    weights = vars(instance.branch.fairness)
    weeks = max(1, len(dates) // 7)
    rules: list[Rule] = []
    for key, (aspect, name) in FAIRNESS_NAMES.items():
        if not weights[key]:
            continue
        people = tuple(i for i, e in enumerate(instance.staff) if fairness_applies(instance, aspect, e, dates))
        offsets: dict[int, int] = {}
        for i in people:
            e = instance.staff[i]
            before = previous_days.get(e.id, ())
            if aspect == "hours":
                offsets[i] = -round(sum(e.contract.min_hours_in(w) for w in range(weeks)) * 60)
            elif aspect in FAIRNESS_WEEKDAYS and before and len(before) % 7 == 0:  # whole weeks, Monday first
                offsets[i] = sum(int(w) for k, w in enumerate(before) if k % 7 in FAIRNESS_WEEKDAYS[aspect])
        rules.append(Fairness(name=name, hard=False, weight=float(weights[key]), aspect=aspect, employees=people, offsets=offsets))
    return rules


def fairness_applies(instance: Instance, aspect: str, employee, dates: Sequence[dt.date]) -> bool:
    """Whether ``employee`` is compared by the fairness rule of ``aspect``.

    Saturdays / weekend days: available on at least one such open day of
    the horizon. Late shifts: available on some open day and not bound to
    leave before closing (``latest_end``). Hours: everybody.
    """
    branch = instance.branch
    open_days = [d for d in dates if branch.opening(d).is_open and not employee.is_unavailable(d)]
    if aspect in FAIRNESS_WEEKDAYS:
        return any(d.weekday() in FAIRNESS_WEEKDAYS[aspect] for d in open_days)
    if aspect == "late":
        end = employee.contract.latest_end
        return any(end is None or end >= branch.opening(d).close for d in open_days)
    return True
