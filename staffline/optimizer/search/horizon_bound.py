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
bound of the plan. The LP optimum is a convex function of ``k`` (``k`` is a
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
import time
from typing import Callable

import pulp

from staffline.constraints.rules import Fairness
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
    started = time.perf_counter()
    try:
        plain, b = _solve(built, time_limit, None)
        if not plain.optimal:
            return 0.0
        bound = plain.bound
        rule = branching_rule(built.rules)
        if rule is not None:
            split = spread_split_bound(built, rule, _mean_count(b, rule), time_limit - (time.perf_counter() - started))
            if split is not None:
                bound = max(bound, split)
    except (OSError, pulp.PulpSolverError) as error:  # no CBC binary, or CLP failed: the bound is an extra
        log.warning("horizon LP bound skipped: %s", error)
        return 0.0
    log.info("horizon LP: bound %.1f (plain LP %.1f) after %.1f s", bound / SCALE, plain.bound / SCALE, time.perf_counter() - started)
    return max(0.0, bound)


def branching_rule(rules: list) -> Fairness | None:
    """The weightiest ``[fairness]`` spread of whole counts among two or more people, or None."""
    candidates = [
        r
        for r in rules
        if isinstance(r, Fairness) and r.weight > 0 and r.aspect in COUNT_ASPECTS and (r.employees is None or len(r.employees) > 1)
    ]
    return max(candidates, key=lambda r: r.weight, default=None)


def spread_split_bound(built: ModelFactory, rule: Fairness, mean: float, time_limit: float) -> float | None:
    """The least bound over the branches "spread >= 1" and "every count == k" (the module docstring), or None if not all solved."""
    started = time.perf_counter()
    left = lambda: time_limit - (time.perf_counter() - started)  # noqa: E731
    apart, _ = _solve(built, left(), lambda b: _spread_at_least_one(b, rule))
    if not apart.optimal and apart.bound != math.inf:
        return None
    lowest, highest = _count_range(built, rule)
    solved: dict[int, LpResult] = {}

    def at(k: int) -> LpResult | None:
        if k not in solved:
            if not lowest <= k <= highest:  # nobody can count that many (or that few): no roster in this branch
                solved[k] = LpResult(math.inf, None, False, 0.0)
            elif len(solved) >= MOST_BRANCH_LPS:
                return None
            else:
                solved[k], _ = _solve(built, left(), lambda b: _all_count(b, rule, k))
        result = solved[k]
        return result if result.optimal or result.bound == math.inf else None  # else: not solved in time

    start = min(max(round(mean), lowest), highest)
    first = at(start)
    if first is None or first.bound == math.inf:  # the branch nearest the LP's mean count is no guide to either side
        return None
    for step in (1, -1):
        k, before = start, first
        while True:
            k += step
            here = at(k)
            if here is None:
                return None
            if here.bound == math.inf or here.lp_value >= before.lp_value:  # convex: every k further out costs as much
                break
            before = here
    least = min([apart.bound, *(r.bound for r in solved.values())])
    log.info(
        "spread of %s split: >= 1 %.1f; equal counts %s",
        rule.name,
        apart.bound / SCALE,
        {k: round(r.bound / SCALE, 1) for k, r in sorted(solved.items())},
    )
    return least


def _solve(built: ModelFactory, time_limit: float, constrain: Constrain | None) -> tuple[LpResult, RosterBuilder]:
    """The relaxation of the whole model (no class role-block cuts) with ``constrain``'s rows added, solved."""
    started = time.perf_counter()
    b = built(CbcModel(), block_cuts=False)
    if constrain is not None:
        constrain(b)
    return relaxation_bound(b.model.problem, time_limit - (time.perf_counter() - started)), b


def _counts(b: RosterBuilder, rule: Fairness) -> list:
    people = range(len(b.employees)) if rule.employees is None else rule.employees
    return [rule.counted(b, i) + rule.offsets.get(i, 0) for i in people]


def _spread_at_least_one(b: RosterBuilder, rule: Fairness) -> None:
    most, least = b.spreads[rule.name]
    b.model.Add(most - least >= 1)


def _all_count(b: RosterBuilder, rule: Fairness, k: int) -> None:
    for count in _counts(b, rule):
        b.model.Add(count == k)


def _mean_count(b: RosterBuilder, rule: Fairness) -> float:
    """The people's mean count in the solved plain LP (where the ``k`` branches start)."""
    values = [pulp.value(count) or 0.0 for count in _counts(b, rule)]
    return sum(values) / len(values)


def _count_range(built: ModelFactory, rule: Fairness) -> tuple[int, int]:
    """The ``k`` every person could count at all: from the largest offset to the smallest offset plus the days counted."""
    days = built.days
    if rule.aspect == "late":
        counted = len(days)
    else:
        weekdays = (5, 6) if rule.aspect == "weekend" else (5,)
        counted = sum(day.date.weekday() in weekdays for day in days)
    people = range(len(built.instance.staff)) if rule.employees is None else rule.employees
    offsets = [rule.offsets.get(i, 0) for i in people]
    return max(offsets), min(offsets) + counted
