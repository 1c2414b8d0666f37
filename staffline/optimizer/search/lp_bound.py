"""Proven lower bounds from linear programs, whatever the accuracy of the LP solver's answer.

Why: an LP solver computes in floating point, so its objective value is not
a proof. The bound used here is the Lagrangian
dual value of the solver's row duals ``y`` (:func:`dual_bound`). For *any* ``y``
and any ``x`` in the LP, ``c x = (c - A^T y) x + y A x``; each ``y_i a_i
x`` is at least ``y_i lo_i`` (``y_i > 0``) or ``y_i hi_i`` (``y_i < 0``),
and each reduced cost term at least its value at the better end of the
variable's bounds. So that sum is a lower bound whatever the duals'
accuracy; with optimal duals it equals the LP optimum. It is computed in
float64 from the integer data and then lowered by a margin far above
float64's summation error and floored.

The LP is solved by CLP, CBC's LP solver, which PuLP already runs for the
portfolio (:func:`~staffline.optimizer.core.cbc_backend.solve_lp`). The LPs
come from :mod:`~staffline.optimizer.search.staffing_bound`, or are the
relaxation of a whole roster model built for CBC (:func:`relaxation_bound`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from staffline.optimizer.core.cbc_backend import solve_lp

BARRIER_CLOSE = 1e-4  # relative: duals of the barrier stopped at its optimum proved 2e-5 to 4e-5 below its value on the staffing LPs
MARGIN = 1e-9  # relative to the sum of the bound's absolute terms: far above float64's error on a million terms (~1e-10)


@dataclass
class LinearRelaxation:
    """``min cost x + offset`` s.t. ``row_lo <= A x <= row_hi``, ``lower <= x <= upper``; A as (rows, cols, vals) triplets."""

    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    offset: float
    row_lo: np.ndarray
    row_hi: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray


def dual_bound(lp: LinearRelaxation, duals: np.ndarray) -> float:
    """A proven lower bound of ``lp``'s optimum from any row duals (the module docstring says why), rounded down.

    A dual whose side is infinite (``y_i > 0`` on a row without a lower side)
    counts as zero, which keeps the inequality true.
    """
    y = np.where((duals > 0) & np.isfinite(lp.row_lo), duals, 0.0) + np.where((duals < 0) & np.isfinite(lp.row_hi), duals, 0.0)
    rhs = np.where(y > 0, lp.row_lo, 0.0) + np.where(y < 0, lp.row_hi, 0.0)
    row_terms = y * np.where(y != 0, rhs, 0.0)
    products = lp.vals * y[lp.rows]
    reduced = lp.cost - np.bincount(lp.cols, weights=products, minlength=len(lp.cost))
    ends = np.where(reduced > 0, lp.lower, lp.upper)
    var_terms = reduced * np.where(reduced != 0, ends, 0.0)
    if not np.all(np.isfinite(var_terms)) or not np.all(np.isfinite(row_terms)):
        return -math.inf
    value = float(row_terms.sum() + var_terms.sum() + lp.offset)
    size = np.abs(lp.cost) + np.bincount(lp.cols, weights=np.abs(products), minlength=len(lp.cost))
    scale = float(np.abs(row_terms).sum() + (size * np.maximum(np.abs(lp.lower), np.abs(lp.upper))).sum() + abs(lp.offset))
    return math.floor(value - MARGIN * scale - 1e-6)


@dataclass
class LpResult:
    """What one LP solve gave: the proven bound (the LP's units, -inf for none), the solver's own value, whether optimal, seconds."""

    bound: float
    lp_value: float | None
    optimal: bool
    seconds: float
    values: np.ndarray | None = None  # the LP's solution, column by column (when optimal)


def as_pulp(lp: LinearRelaxation) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[list[pulp.LpConstraint]]]:
    """``lp`` as a PuLP problem, its columns, and per row the constraints it became (a two-sided row is two; CLP writes duals in ``pi``).

    Column names are zero-padded so that PuLP's order (by name) is the
    columns' order in the file CLP reads.
    """
    problem = pulp.LpProblem("relaxation", pulp.LpMinimize)
    columns = [
        pulp.LpVariable(f"v{j:09d}", lowBound=None if math.isinf(lo) else lo, upBound=None if math.isinf(hi) else hi)
        for j, (lo, hi) in enumerate(zip(lp.lower.tolist(), lp.upper.tolist()))
    ]
    problem += pulp.LpAffineExpression([(columns[j], lp.cost[j]) for j in np.flatnonzero(lp.cost)]) + lp.offset
    order = np.argsort(lp.rows, kind="stable")
    cols, vals = lp.cols[order].tolist(), lp.vals[order].tolist()
    ends = np.searchsorted(lp.rows[order], np.arange(len(lp.row_lo) + 1)).tolist()
    made: list[list[pulp.LpConstraint]] = []
    for k, (lo, hi) in enumerate(zip(lp.row_lo.tolist(), lp.row_hi.tolist())):
        expr = pulp.LpAffineExpression([(columns[c], v) for c, v in zip(cols[ends[k] : ends[k + 1]], vals[ends[k] : ends[k + 1]])])
        if lo == hi:
            parts = [(expr == lo, f"e{k}")]
        else:
            parts = ([(expr >= lo, f"l{k}")] if math.isfinite(lo) else []) + ([(expr <= hi, f"u{k}")] if math.isfinite(hi) else [])
        for constraint, name in parts:
            problem += (constraint, name)
        made.append([constraint for constraint, _ in parts])
    return problem, columns, made


def objective_value(lp: LinearRelaxation, values: np.ndarray) -> float:
    """``lp``'s objective at ``values`` (its columns' values), from the arrays.

    Why not PuLP's value of the objective: an LP without columns (all its
    terms constant) came back at 0 instead of its constant, below its own
    proven bound.
    """
    return float(lp.cost @ values + lp.offset)


def clp_bound(lp: LinearRelaxation, time_limit: float) -> LpResult:
    """A proven lower bound of ``lp``'s optimum (:func:`dual_bound` of CLP's duals), within ``time_limit`` wall seconds.

    -inf when CLP does not end optimal in time: its barrier has no
    dual-feasible point before it ends. The barrier stops at its own
    optimum, without the crossover to a vertex
    (:func:`~staffline.optimizer.core.cbc_backend.solve_lp`'s
    ``barrier_only``): :func:`dual_bound` needs duals, not a vertex, and on
    the staffing LPs the bound came out the same to 0.01% (docs/design.md).
    When what its duals prove lies more than :data:`BARRIER_CLOSE`
    (relative) below its own value, CLP solves the LP again with the
    crossover in the time left:
    on a tiny LP that presolve solved whole, CLP declared the barrier's
    clean-up optimal at a point that was not.
    """
    started = time.perf_counter()
    problem, columns, made = as_pulp(lp)
    result = None
    for barrier_only in (True, False):
        if not solve_lp(problem, time_limit - (time.perf_counter() - started), barrier_only=barrier_only):
            break
        duals = np.array([sum(constraint.pi or 0.0 for constraint in row) for row in made])
        values = np.array([v.varValue or 0.0 for v in columns], dtype=float)
        value = objective_value(lp, values)
        found = LpResult(dual_bound(lp, duals), value, True, time.perf_counter() - started, values)
        if result is None or found.bound >= result.bound:  # a tie: the vertex's values are exact
            result = found
        if result.bound >= value - BARRIER_CLOSE * abs(value) - 2:  # 2: dual_bound's floor and margin
            break
    if result is None:
        return LpResult(-math.inf, None, False, time.perf_counter() - started)
    result.seconds = time.perf_counter() - started
    return result


def relaxation_of(problem: pulp.LpProblem, rows: Sequence[pulp.LpConstraint]) -> LinearRelaxation:
    """``problem``'s linear relaxation (integrality dropped) as arrays, its rows in the order of ``rows`` (its constraints).

    PuLP keeps a row as ``expression + constant (sense) 0``: ``>=`` rows get
    the lower side ``-constant``, ``<=`` rows the upper one, ``==`` both.
    """
    columns = problem.variables()
    index = {var.name: j for j, var in enumerate(columns)}
    row_ids, col_ids, values = [], [], []
    row_lo = np.full(len(rows), -np.inf)
    row_hi = np.full(len(rows), np.inf)
    for k, row in enumerate(rows):
        for var, coef in row.items():
            row_ids.append(k)
            col_ids.append(index[var.name])
            values.append(coef)
        side = -float(row.constant)
        if row.sense >= 0:  # >= or ==
            row_lo[k] = side
        if row.sense <= 0:  # <= or ==
            row_hi[k] = side
    cost = np.zeros(len(columns))
    for var, coef in problem.objective.items():
        cost[index[var.name]] = coef
    bounds = lambda value, default: default if value is None else float(value)  # noqa: E731
    return LinearRelaxation(
        lower=np.array([bounds(v.lowBound, -np.inf) for v in columns]),
        upper=np.array([bounds(v.upBound, np.inf) for v in columns]),
        cost=cost,
        offset=float(problem.objective.constant),
        row_lo=row_lo,
        row_hi=row_hi,
        rows=np.array(row_ids, dtype=np.int64),
        cols=np.array(col_ids, dtype=np.int64),
        vals=np.array(values, dtype=float),
    )


def constraints_of(problem: pulp.LpProblem) -> list[pulp.LpConstraint]:
    """``problem``'s constraints in order: PuLP 3.3 calls ``constraints`` (a list; the mapping is deprecated), older PuLP has a dict."""
    if callable(problem.constraints):
        return list(problem.constraints())
    return list(problem.constraints.values())


def relaxation_bound(problem: pulp.LpProblem, time_limit: float) -> LpResult:
    """A proven lower bound of a MILP built for CBC (a :class:`~staffline.optimizer.core.cbc_backend.CbcModel`'s problem) from its LP relaxation.

    CLP's barrier solves the relaxation in place (the variables then hold its
    values: the problem serves the bound only), and :func:`dual_bound` of its
    duals is the proof, as for the staffing LP. A relaxation CLP finds
    infeasible has the bound +inf (no roster at all), and is not optimal.
    """
    started = time.perf_counter()
    if not solve_lp(problem, time_limit):
        infeasible = problem.status == pulp.LpStatusInfeasible
        return LpResult(math.inf if infeasible else -math.inf, None, False, time.perf_counter() - started)
    rows = constraints_of(problem)
    duals = np.array([row.pi or 0.0 for row in rows])
    relaxation = relaxation_of(problem, rows)
    values = np.array([v.varValue or 0.0 for v in problem.variables()], dtype=float)
    return LpResult(dual_bound(relaxation, duals), objective_value(relaxation, values), True, time.perf_counter() - started)
