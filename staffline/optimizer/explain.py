"""Why a week has no roster: the cause behind a conflicting rule set, found in the data.

:func:`~staffline.optimizer.roster.diagnose` names rules that cannot all hold
('greeter always on duty'), which leaves the planner to find out why: nobody
holds the certificate? the only holders are away that Saturday? the headcount
is below what the minimums add up to? Each explainer here recognises one shape
of conflict among the named rules and checks it against the data (or a small
model of the same rules); the first that finds a cause wins. A cause is always
a checked fact, never a guess: when no explainer applies, the explanation
names the rules alone, as before.

The answer is data first (:class:`Explanation`: rules, roles, employees, days,
slots, cause) so services can act on it; its ``message`` is the CLI's line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

from ortools.sat.python import cp_model

from staffline.constraints.rules import (
    Availability,
    Budget,
    BusyCoverage,
    ContractHours,
    Coverage,
    HeadcountOnDuty,
    MinOnDuty,
    Rule,
    StaffPerDay,
    WorkingDays,
)
from staffline.model import Employee, Instance, minutes_of
from staffline.optimizer.core.branch_model import DayGrid, WaitData
from staffline.optimizer.core.cpsat_backend import configure
from staffline.optimizer.search.portfolio import build_model

MODEL_SECONDS = 5.0  # for each small model an explainer solves (a day's shift cover, the cheapest roster)
MOST_DAYS_NAMED = 3  # beyond this many days a message counts the times instead of listing them (the slots list has them all)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Explanation:
    """Conflicting rules and, when one was found, their cause in the data.

    ``days`` are ISO dates, ``slots`` slot starts as ``"YYYY-MM-DD HH:MM"``;
    ``cause`` is a plain-language clause ('' when no explainer recognised the
    conflict, then the message names the rules only).
    """

    rules: tuple[str, ...]
    cause: str = ""
    roles: tuple[str, ...] = ()
    employees: tuple[str, ...] = ()
    days: tuple[str, ...] = ()
    slots: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        if not self.rules:
            return "no roster: the solver proved infeasibility but could not isolate the conflicting rules"
        quoted = [f"'{n}'" for n in self.rules]
        if len(quoted) == 1:
            head = f"no roster: {quoted[0]} cannot hold"
        else:
            head = "no roster: " + ", ".join(quoted[:-1]) + f" and {quoted[-1]} cannot all hold"
        if not self.cause:
            return head
        if all(q in self.cause for q in quoted):  # the cause already says which rules: it is the whole sentence
            return f"no roster: {self.cause}"
        return f"{head}: {self.cause}"

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass
class _Week:
    """What every explainer looks at: the instance, its days and the conflicting rule objects."""

    instance: Instance
    days: list[DayGrid]
    waits: WaitData
    rules: list[Rule]  # every rule of the week (the core's are those named in ``core``)
    core: tuple[str, ...]
    seed: int

    def of(self, *kinds: type) -> list[Rule]:
        return [r for r in self.rules if r.name in self.core and isinstance(r, kinds)]

    def personal(self, kind: type, employee: int) -> bool:
        return any(r.employee == employee for r in self.of(kind))

    def needs(self) -> dict[tuple[int, int, str], tuple[int, str]]:
        """(day, slot, role) -> (staff the conflicting minimum rules need there, the rule that needs most)."""
        out: dict[tuple[int, int, str], tuple[int, str]] = {}
        for rule in self.of(MinOnDuty, Coverage, BusyCoverage):
            for d, day in enumerate(self.days):
                for s, t in enumerate(day.slots):
                    if isinstance(rule, MinOnDuty):
                        k = rule.minimum
                    elif isinstance(rule, BusyCoverage):
                        k = int(rule.required[d][s]) if d in rule.required else 0
                    else:
                        k = rule.minimum if rule.hard and rule.selects(day.date, t) else 0
                    if k > out.get((d, s, rule.role), (0, ""))[0]:
                        out[d, s, rule.role] = (k, rule.name)
        return out

    def can_work(self, i: int, d: int) -> bool:
        """Whether employee i may work day d under the conflicting rules (a fitting shift, not away when that rule conflicts)."""
        e, day = self.instance.staff[i], self.days[d]
        if self.personal(Availability, i) and e.is_unavailable(day.date):
            return False
        return any(t.fits(e) for t in day.templates)

    def slot_label(self, d: int, s: int) -> str:
        return f"{self.days[d].date.isoformat()} {self.days[d].slots[s]:%H:%M}"


def explain(instance: Instance, days: list[DayGrid], waits: WaitData, rules: list[Rule], core: list[str], seed: int = 0) -> Explanation:
    """The conflicting rules ``core`` with the first cause an explainer finds in the data."""
    week = _Week(instance, days, waits, rules, tuple(core), seed)
    if core:
        for explainer in EXPLAINERS:
            found = explainer(week)
            if found is not None:
                return found
    return Explanation(tuple(core))


# ----- wording ----------------------------------------------------------------


def _names(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def _hours(minutes: float) -> str:
    return f"{minutes / 60:g} h"


def _where(week: _Week, slots: dict[int, list[int]]) -> str:
    """'in every open slot', or 'on Monday 10:00-11:00 and Saturday 09:30-16:00' (runs of slots)."""
    if all(sorted(slots.get(d, [])) == list(range(len(day.slots))) for d, day in enumerate(week.days) if day.slots):
        return "in every open slot"
    step = week.instance.branch.slot_minutes
    parts, times = [], 0
    for d in sorted(slots):
        runs: list[list[int]] = []
        for s in sorted(slots[d]):
            if runs and runs[-1][-1] == s - 1:
                runs[-1].append(s)
            else:
                runs.append([s])
        day = week.days[d]
        spans = [f"{day.slots[r[0]]:%H:%M}-{_clock(minutes_of(day.slots[r[-1]]) + step)}" for r in runs]
        parts.append(f"{DAY_NAMES[day.date.weekday()]} {', '.join(spans)}")
        times += len(spans)
    if len(parts) > MOST_DAYS_NAMED:
        return f"at {times} times on {len(parts)} days (first {parts[0]})"
    return "on " + _names(parts)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _people(n: int) -> str:
    return "one person" if n == 1 else f"{n} people"


def _by_day(keys) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for d, s in keys:
        out.setdefault(d, []).append(s)
    return out


# ----- explainers: each returns None when the conflict is not of its shape ----------------------


def _uncertified_or_away(week: _Week) -> Explanation | None:
    """A minimum on a role in slots where fewer people hold the role and can work than it needs."""
    needs = week.needs()
    staff = week.instance.staff
    short: dict[tuple[str, str, int], list[tuple[int, int]]] = {}  # (role, rule, need) -> slots
    for (d, s, role), (k, rule) in needs.items():
        able = [i for i, e in enumerate(staff) if role in e.roles and week.can_work(i, d) and _covers(week, e, d, s)]
        if len(able) < k:
            short.setdefault((role, rule, k), []).append((d, s))
    if not short:
        return None
    (role, rule, k), slots = max(short.items(), key=lambda item: len(item[1]))
    holders = [e for e in staff if role in e.roles]
    where = _where(week, _by_day(slots))
    needed = f"'{rule}' needs {_people(k)} on {role} {where}"
    if not holders:
        cause = f"{needed}, but nobody on the staff is certified for {role}"
    else:
        away = [e.id for i, e in enumerate(staff) if role in e.roles and any(not week.can_work(i, d) for d, _ in slots)]
        ids = [e.id for e in holders]
        only = f"only {_names(ids)} {'holds' if len(ids) == 1 else 'hold'} {role}"
        if len(holders) < k:
            cause = f"{needed}, but {only}"
        elif away and len(away) == len(ids):
            being = "is" if len(ids) == 1 else ("both are" if len(ids) == 2 else "all are")
            cause = f"{needed}, but {only}, and {being} unavailable then"
        elif away:
            cause = f"{needed}, but {only}, and {_names(away)} {'is' if len(away) == 1 else 'are'} unavailable then"
        else:
            cause = f"{needed}, but {only}, and no shift they may work covers those slots"
    return Explanation(
        week.core,
        cause,
        roles=(role,),
        employees=tuple(e.id for e in holders),
        days=tuple(sorted({week.days[d].date.isoformat() for d, _ in slots})),
        slots=tuple(week.slot_label(d, s) for d, s in sorted(slots)),
    )


def _covers(week: _Week, e: Employee, d: int, s: int) -> bool:
    return any(s in t.slots and t.fits(e) for t in week.days[d].templates)


def _contract_out_of_reach(week: _Week) -> Explanation | None:
    """One person's minimum days or hours beyond what their open, available days and the shift lengths allow."""
    for rule in week.of(ContractHours, WorkingDays):
        i, e = rule.employee, week.instance.staff[rule.employee]
        c = e.contract
        workable = [d for d in range(len(week.days)) if week.can_work(i, d)]
        away = [d for d in range(len(week.days)) if week.days[d].slots and d not in workable]
        away_text = f" ({e.id} is unavailable on {_names([DAY_NAMES[week.days[d].date.weekday()] for d in away])})" if away else ""
        days = tuple(week.days[d].date.isoformat() for d in away)
        if isinstance(rule, WorkingDays) and c.min_days_in(0) > len(workable):
            cause = f"{e.id} must work at least {c.min_days_in(0)} days a week but can work on only {len(workable)}{away_text}"
            return Explanation(week.core, cause, employees=(e.id,), days=days)
        if not isinstance(rule, ContractHours):
            continue
        longest = sorted((max(t.paid_minutes for t in week.days[d].templates if t.fits(e)) for d in workable), reverse=True)
        most_days = c.max_days_week if week.personal(WorkingDays, i) else len(longest)
        reach = sum(longest[:most_days])
        if c.min_hours_in(0) * 60 > reach:
            n = min(most_days, len(longest))
            cause = (
                f"{e.id} needs at least {_hours(c.min_hours_in(0) * 60)} a week, but {n} working day{'s' if n != 1 else ''}"
                f" of at most {_hours(max(longest, default=0))} paid give at most {_hours(reach)}{away_text}"
            )
            return Explanation(week.core, cause, employees=(e.id,), days=days)
        shortest = min((t.paid_minutes for d in workable for t in week.days[d].templates if t.fits(e)), default=0)
        if week.personal(WorkingDays, i) and c.max_hours_week * 60 < c.min_days_in(0) * shortest:
            cause = (
                f"{e.id} must work at least {c.min_days_in(0)} days but at most {_hours(c.max_hours_week * 60)},"
                f" and the shortest shift pays {_hours(shortest)}"
            )
            return Explanation(week.core, cause, employees=(e.id,))
    return None


def _headcount_below_minimums(week: _Week) -> Explanation | None:
    """Slots where the role minimums add up to more people than the headcount limit lets on duty."""
    caps = week.of(HeadcountOnDuty)
    if not caps:
        return None
    cap = min(r.maximum for r in caps)
    total: dict[tuple[int, int], dict[str, int]] = {}
    for (d, s, role), (k, _) in week.needs().items():
        total.setdefault((d, s), {})[role] = k
    over = sorted(key for key, per_role in total.items() if sum(per_role.values()) > cap)
    if not over:
        return None
    worst = max(over, key=lambda key: sum(total[key].values()))
    per_role = total[worst]
    split = ", ".join(f"{k} {r}" for r, k in sorted(per_role.items()))
    cause = (
        f"{_where(week, _by_day(over))} the minimums need {sum(per_role.values())} on duty at once ({split}),"
        f" but the headcount limit allows {cap}"
    )
    return Explanation(
        week.core,
        cause,
        roles=tuple(sorted({r for key in over for r in total[key]})),
        days=tuple(sorted({week.days[d].date.isoformat() for d, _ in over})),
        slots=tuple(week.slot_label(d, s) for d, s in over),
    )


def _shifts_cannot_cover_a_day(week: _Week) -> Explanation | None:
    """Days on which no choice of shift shapes keeps the minimums on duty under the headcount limits.

    A small model per day: how many people work each shift template, every
    needed slot covered by at least the minimums' sum, at most the headcount
    limit on duty, at most the per-day staff limit. It ignores who works
    (certificates, contracts), so it relaxes the roster: when it has no
    answer, the shift shapes themselves are the cause.
    """
    needs = week.needs()
    if not needs:
        return None
    cap = min((r.maximum for r in week.of(HeadcountOnDuty)), default=None)
    per_day = min((r.maximum for r in week.of(StaffPerDay)), default=len(week.instance.staff))
    rules = week.instance.branch.shift_rules
    for d, day in enumerate(week.days):
        need = [sum(k for (dd, ss, _), (k, _) in needs.items() if dd == d and ss == s) for s in range(len(day.slots))]
        if not any(need) or _day_coverable(day, need, cap, per_day, week.seed):
            continue
        roles = sorted({r for (dd, _, r) in needs if dd == d})
        limits = [f"at most {cap} on duty at a time"] if cap is not None else []
        if per_day < len(week.instance.staff):
            limits.append(f"at most {per_day} staff that day")
        where = _where(week, {d: [s for s in range(len(day.slots)) if need[s]]})
        lunch = (
            f", and one longer than {rules.lunch_after_hours:g} h takes a {rules.lunch_minutes}-minute lunch" if rules.lunch_minutes else ""
        )
        cause = (
            f"no choice of shifts keeps {'/'.join(roles)} staffed {where} with {' and '.join(limits) or 'the staff available'}:"
            f" a shift lasts {rules.min_shift_hours:g}-{rules.max_shift_hours:g} h{lunch}"
        )
        return Explanation(
            week.core,
            cause,
            roles=tuple(roles),
            days=(day.date.isoformat(),),
            slots=tuple(week.slot_label(d, s) for s in range(len(day.slots)) if need[s]),
        )
    return None


def _day_coverable(day: DayGrid, need: list[int], cap: int | None, per_day: int, seed: int) -> bool:
    m = cp_model.CpModel()
    count = [m.NewIntVar(0, per_day, f"n_{t}") for t in range(len(day.templates))]
    m.Add(sum(count) <= per_day)
    for s in range(len(day.slots)):
        on = sum(count[t] for t, tpl in enumerate(day.templates) if s in tpl.slots)
        m.Add(on >= need[s])
        if cap is not None:
            m.Add(on <= cap)
    solver = cp_model.CpSolver()
    configure(solver, MODEL_SECONDS, 1, seed)
    return solver.Solve(m) != cp_model.INFEASIBLE  # undecided in time: no claim


def _cheapest_roster_over_budget(week: _Week) -> Explanation | None:
    """The cheapest roster under the other conflicting rules costs more than the budget allows."""
    budgets = week.of(Budget)
    if not budgets:
        return None
    budget = min(budgets, key=lambda r: r.max_cost)
    b = build_model(week.instance, week.days, week.waits, week.rules, diagnose=True)
    for name, literal in b.rule_literals.items():
        b.model.Add(literal == int(name in week.core and name != budget.name))
    b.model.Minimize(sum(b.cost_expr(i) for i in range(len(b.employees))))
    solver = cp_model.CpSolver()
    configure(solver, MODEL_SECONDS, 1, week.seed)
    status = solver.Solve(b.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    cheapest = solver.BestObjectiveBound() / 100  # cents; a proven lower bound even when not optimal
    if cheapest <= budget.max_cost:
        return None
    others = [n for n in week.core if n != budget.name]
    exact = "costs" if status == cp_model.OPTIMAL else "costs at least"
    cause = f"the cheapest roster that keeps {_names([repr(n) for n in others])} {exact} {cheapest:,.0f}, above the budget of {budget.max_cost:,.0f}"
    people = sorted({week.instance.staff[r.employee].id for r in week.of(ContractHours, WorkingDays)})
    roles = sorted({r.role for r in week.of(MinOnDuty, Coverage, BusyCoverage)})
    return Explanation(week.core, cause, roles=tuple(roles), employees=tuple(people))


EXPLAINERS: tuple[Callable[[_Week], Explanation | None], ...] = (
    _uncertified_or_away,
    _contract_out_of_reach,
    _headcount_below_minimums,
    _shifts_cannot_cover_a_day,
    _cheapest_roster_over_budget,
)
