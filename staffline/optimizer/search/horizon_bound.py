"""A proven bound of a multi-week plan from the LP relaxation of its whole model, branched once on a fairness spread.

Why: the weeks alone (:mod:`~staffline.optimizer.search.horizon`) bound the
horizon without its ``[fairness]`` rules, which are not free. The LP
relaxation of the whole model sees part of their price (jiangdong, four
weeks: the weeks' bounds add up to 12,711, the LP is 12,823; without the
fairness rules it is 12,707, without the desk-change bound 12,720: the two
together are what it prices). What no LP sees is a count spread such as
Saturdays worked: fractional shifts even it out at no cost, while whole
shifts leave a spread of at least 1 unless everybody works the same number
of them. So the bound branches once on that, as a MILP solver would:

* either the spread is at least 1 (one LP, with ``most - least >= 1``);
* or every person counts the same whole number ``k`` (an LP per ``k``).

Every roster is in one branch, so the least of the branches' bounds is a
bound of the plan. The plain LP also plans the weeks alone
(:meth:`HorizonLp.equal_count_plan`): everybody on its mean count, rounded,
so that the weeks staff Saturdays in a total everybody can share evenly. The LP optimum is a convex function of ``k`` (``k`` is a
right-hand side), so the ``k`` branches are solved outward from the plain
LP's mean count and stop on each side once the optimum rises (or the
branch is infeasible): every ``k`` further out is at least as dear. Each
LP's bound is proven by its duals (:func:`~staffline.optimizer.search.lp_bound.relaxation_bound`);
a branch CLP finds infeasible counts as +inf. If any needed LP is not
solved in time, the plain LP's bound stands.

The class role-block cuts are left out of these LPs: they raised the LP by
nothing on jiangdong's four weeks and made CLP's barrier take 51 s
instead of 7 s.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Callable

import pulp

from staffline.constraints.rules import FAIRNESS_WEEKDAYS, Fairness
from staffline.optimizer.core.branch_model import SCALE, RosterBuilder
from staffline.optimizer.core.cbc_backend import CbcModel
from staffline.optimizer.search.lp_bound import LpResult, relaxation_bound
from staffline.optimizer.search.portfolio import ModelFactory

log = logging.getLogger(__name__)

MOST_BRANCH_LPS = 6  # LPs the branching may solve beyond the plain one (four are usual: spread >= 1 and k - 1, k, k + 1)
COUNT_ASPECTS = ("saturday", "weekend", "late")  # spreads of whole counts (the hours spread is in minutes: not branched)

Constrain = Callable[[RosterBuilder], None]


def horizon_lp_bound(built: ModelFactory, time_limit: float) -> float:
    """A proven bound of the whole horizon's model (scaled units; 0 when there is none in ``time_limit``)."""
    return HorizonLp(built, time_limit).bound()


def branching_rule(rules: list) -> Fairness | None:
    """The weightiest ``[fairness]`` spread of whole counts among two or more people, or None."""
    candidates = [
        r
        for r in rules
        if isinstance(r, Fairness) and r.weight > 0 and r.aspect in COUNT_ASPECTS and (r.employees is None or len(r.employees) > 1)
    ]
    return max(candidates, key=lambda r: r.weight, default=None)


class HorizonLp:
    """The whole horizon's LP and its branches on the weightiest count spread, each solved once, on demand, within one deadline.

    :meth:`bound` is the proven bound (the module docstring);
    :meth:`equal_count_plan` reads the plain LP as a Saturday plan for the
    weeks alone. Two threads may solve different branches at once.
    """

    def __init__(self, built: ModelFactory, time_limit: float):
        self.built = built
        self.end = time.perf_counter() + time_limit
        self.rule = branching_rule(built.rules)
        self.lowest, self.highest = _count_range(built, self.rule) if self.rule is not None else (0, -1)
        self.solved: dict[object, tuple[LpResult, dict[int, float]]] = {}  # None: plain, "apart": spread >= 1, k: all count k
        self._solving: dict[object, threading.Lock] = {}  # one solve per branch: a second caller waits for the first's
        self.mean: float | None = None  # the people's mean count in the plain LP, once it is solved

    def left(self) -> float:
        return self.end - time.perf_counter()

    def solve(self, key) -> LpResult:
        """The LP of branch ``key`` (solved now unless it was), with the day totals its solution staffs."""
        with self._solving.setdefault(key, threading.Lock()):
            return self._solve_once(key)

    def _solve_once(self, key) -> LpResult:
        if key not in self.solved:
            if isinstance(key, int) and not self.lowest <= key <= self.highest:  # nobody can count that: no roster here
                self.solved[key] = LpResult(math.inf, None, False, 0.0), {}
            else:
                constrain = {None: None, "apart": self._spread_at_least_one}.get(key, lambda b: _all_count(b, self.rule, key))
                result, b = _solve(self.built, self.left(), constrain)
                known = result.optimal and self.rule is not None
                if known and key is None:
                    self.mean = _mean_count(b, self.rule)
                self.solved[key] = result, (_counted_days(b, self.rule) if known else {})
        return self.solved[key][0]

    def _spread_at_least_one(self, b: RosterBuilder) -> None:
        most, least = b.spreads[self.rule.name]
        b.model.Add(most - least >= 1)

    def start(self) -> int | None:
        """The branch ``k`` nearest the plain LP's mean count (None before the plain LP is solved, or without a rule)."""
        if self.rule is None or self.mean is None:
            return None
        return min(max(round(self.mean), self.lowest), self.highest)

    def bound(self) -> float:
        """The proven bound: the plain LP's, raised by the branches when all that are needed are solved (0 for none)."""
        started = time.perf_counter()
        try:
            plain = self.solve(None)
            if not plain.optimal:
                return 0.0
            split = self._split() if self.rule is not None else None
        except (OSError, pulp.PulpSolverError) as error:  # no CBC binary, or CLP failed: the bound is an extra
            log.warning("horizon LP bound skipped: %s", error)
            return 0.0
        bound = plain.bound if split is None else max(plain.bound, split)
        log.info("horizon LP: bound %.1f (plain LP %.1f) after %.1f s", bound / SCALE, plain.bound / SCALE, time.perf_counter() - started)
        return max(0.0, bound)

    def _usable(self, result: LpResult) -> bool:
        return result.optimal or result.bound == math.inf

    def _split(self) -> float | None:
        """The least bound over "spread >= 1" and "every count == k" (k outward from the mean, stopped by convexity)."""
        apart = self.solve("apart")
        start = self.start()
        if not self._usable(apart) or start is None:
            return None
        first = self.solve(start)
        if not first.optimal:  # the branch nearest the LP's mean is no guide to either side
            return None
        for step in (1, -1):
            k, before = start, first
            while True:
                k += step
                if len(self.solved) > MOST_BRANCH_LPS + 1 and k not in self.solved:
                    return None
                here = self.solve(k)
                if not self._usable(here):
                    return None
                if here.bound == math.inf or here.lp_value >= before.lp_value:  # convex: every k further out costs as much
                    break
                before = here
        branches = {k: r for k, (r, _) in self.solved.items() if isinstance(k, int)}
        log.info(
            "spread of %s split: >= 1 %.1f; equal counts %s",
            self.rule.name,
            apart.bound / SCALE,
            {k: round(r.bound / SCALE, 1) for k, r in sorted(branches.items())},
        )
        return min([apart.bound, *(r.bound for r in branches.values())])

    def equal_count_plan(self) -> dict[int, int] | None:
        """Whole staff counts per counted day (Saturdays) for everybody counting the plain LP's mean, rounded (None without).

        Why: the weeks alone fix how many work each Saturday, and handing
        schedules round can only permute them: with 28 Saturday shifts among
        11 people the spread stays at least 1 (jiangdong, four weeks,
        penalty 100), where the LP's branch with everybody on 3 Saturdays
        (33 shifts) is 66 below its branch with a spread. The plain LP's day
        totals are scaled to that total and rounded to whole numbers.
        """
        k = self.start()
        totals = self.solved[None][1] if k is not None else {}
        if not totals:
            return None
        people = self.rule.people(len(self.built.instance.staff))
        total = k * len(people) - sum(self.rule.offsets.get(i, 0) for i in people)
        scale = total / max(sum(totals.values()), 1e-9)
        return _rounded({d: v * scale for d, v in totals.items()}, total)


def _solve(built: ModelFactory, time_limit: float, constrain: Constrain | None) -> tuple[LpResult, RosterBuilder]:
    """The relaxation of the whole model (no class role-block cuts) with ``constrain``'s rows added, solved."""
    started = time.perf_counter()
    b = built(CbcModel(), block_cuts=False)
    if constrain is not None:
        constrain(b)
    return relaxation_bound(b.model.problem, time_limit - (time.perf_counter() - started)), b


def _counts(b: RosterBuilder, rule: Fairness) -> list:
    return [rule.counted(b, i) + rule.offsets.get(i, 0) for i in rule.people(len(b.employees))]


def _all_count(b: RosterBuilder, rule: Fairness, k: int) -> None:
    for count in _counts(b, rule):
        b.model.Add(count == k)


def _mean_count(b: RosterBuilder, rule: Fairness) -> float:
    """The people's mean count (offsets included) in the solved LP."""
    values = [pulp.value(count) or 0.0 for count in _counts(b, rule)]
    return sum(values) / len(values)


def _counted_days(b: RosterBuilder, rule: Fairness) -> dict[int, float]:
    """Per day the rule counts (Saturdays, weekend days), its people's total in the solved LP; none for late shifts (templates, not days)."""
    people = rule.people(len(b.employees))
    return {d: sum(pulp.value(b.works[i, d]) or 0.0 for i in people) for d in _weekday_indices(b.days, rule)}


def _weekday_indices(days: list, rule: Fairness) -> list[int]:
    """The indices of ``days`` on the weekdays a day-count rule counts (:data:`FAIRNESS_WEEKDAYS`; none for late shifts)."""
    weekdays = FAIRNESS_WEEKDAYS.get(rule.aspect, ())
    return [d for d, day in enumerate(days) if day.date.weekday() in weekdays]


def _rounded(totals: dict[int, float], total: int) -> dict[int, int] | None:
    """``totals`` rounded to whole numbers that add up to ``total`` (largest remainders first), or None without days."""
    if not totals:
        return None
    floors = {d: math.floor(v + 1e-6) for d, v in totals.items()}
    extra = total - sum(floors.values())
    for d in sorted(totals, key=lambda d: totals[d] - floors[d], reverse=True)[: max(0, extra)]:
        floors[d] += 1
    return floors


def _count_range(built: ModelFactory, rule: Fairness) -> tuple[int, int]:
    """The ``k`` every person could count at all: from the largest offset to the smallest offset plus the days counted."""
    counted = len(built.days) if rule.aspect == "late" else len(_weekday_indices(built.days, rule))
    offsets = [rule.offsets.get(i, 0) for i in rule.people(len(built.instance.staff))]
    return max(offsets), min(offsets) + counted
