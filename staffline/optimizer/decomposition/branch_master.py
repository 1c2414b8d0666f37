"""The master LP of a branch roster, read from the compact model's own rows (Dantzig-Wolfe over every coupling rule).

Why read the model instead of writing the rows again: a branch roster ties
its staff together through many rules (on-duty capacity per certification
class and slot, the role split, the wait epigraph of tangent rows, minimum
and maximum staff, appointments in progress, headcount per slot and day,
budget, fairness, re-planning's kept shifts, the desk-change lower bound,
the role-block cuts). :class:`~staffline.optimizer.core.branch_model.RosterBuilder`
already writes each of them as linear rows over ``x[e, d, t]`` and its own
variables. Built with every rule *except* the personal ones (those with an
``employee``: they are priced, see :class:`BranchPricer`), its CP-SAT model
is the coupling problem; substituting ``x[e, d, t] = sum of e's schedules
working t on d`` gives the master: each schedule a column, every other
variable a continuous one within its domain. Any rule the builder knows is
in the master as the compact model has it, so no rule is dropped and no
second copy of the rows can drift from the first.

The LP bound is valid for the person-level roster: the master relaxes the
compact model (integers to reals, each employee's schedules to their convex
hull), whose optimum is at most the roster's value. :meth:`BranchMaster.cover_value`
with the employees' pricing bounds is the Lagrangian bound at any duals
(Wentges' smoothed ones too): rows at the bound their dual's sign selects,
static variables at the end of their domain their reduced cost selects.

Hard rows get artificial slack columns at :data:`ROW_BIG` a unit, so the
first LP (only each employee's cheapest schedule) is feasible; the bound
stays valid (a relaxation with the slacks).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from typing import Sequence

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat import cp_model_pb2

from staffline.optimizer.core.shift_model import SCALE, ShiftModel
from staffline.optimizer.decomposition.column_generation import Column, ColumnMaster, EmployeePricer, MasterLpError

ROW_BIG = 1e4  # value units per unit of a hard row's violation in the master LP (a relaxation: the bound stays valid)
INFINITE = 2**62  # CP-SAT's domain ends at or beyond this are infinite


def personal(rule) -> bool:
    """Whether the rule belongs to one employee (priced in that employee's schedules, not a master row)."""
    return hasattr(rule, "employee")


def read_proto(model) -> cp_model_pb2.CpModelProto:
    """The CP-SAT model as a protobuf message (upb reads its rows about 4x faster than the model's own wrapper)."""
    handle, path = tempfile.mkstemp(suffix=".pb")
    os.close(handle)
    try:
        model.export_to_file(path)
        proto = cp_model_pb2.CpModelProto()
        with open(path, "rb") as f:
            proto.ParseFromString(f.read())
    finally:
        os.unlink(path)
    return proto


def _end(value: int) -> float:
    return math.inf if value >= INFINITE else -math.inf if value <= -INFINITE else float(value)


class BranchMaster(ColumnMaster):
    """The restricted master of a branch roster: the coupling model's rows with x replaced by schedules (GLOP)."""

    def __init__(self, coupling: ShiftModel, solver: str = "GLOP"):
        n = len(coupling.employees)
        super().__init__(n, solver)
        proto = read_proto(coupling.model)
        self.n_days = len(coupling.days)
        owner = {}  # proto variable -> (employee, day, template)
        for (i, d), options in coupling.x.items():
            for t, var in options.items():
                owner[var.Index()] = (i, d, t)
        n_vars = len(proto.variables)
        is_x = np.zeros(n_vars, dtype=bool)
        is_x[list(owner)] = True
        objective = np.zeros(n_vars)
        scale = (proto.objective.scaling_factor or 1.0) / SCALE
        for ref, coef in zip(proto.objective.vars, proto.objective.coeffs):
            var, sign = (ref, 1) if ref >= 0 else (-ref - 1, -1)
            objective[var] += sign * coef * scale
        self.offset = proto.objective.offset * scale
        # rows: lo <= sum coef * var <= hi, negated literals folded into the bounds
        row_of, var_of, coef_of, lo, hi = [], [], [], [], []
        dropped = 0
        for c in proto.constraints:
            if not c.HasField("linear") or len(c.enforcement_literal):
                dropped += 1  # a relaxation without it: the bound stays valid, the completion enforces it
                continue
            lin = c.linear
            refs = np.fromiter(lin.vars, dtype=np.int64, count=len(lin.vars))
            coefs = np.fromiter(lin.coeffs, dtype=np.float64, count=len(lin.coeffs))
            shift = 0.0
            negated = refs < 0
            if negated.any():
                shift = float(coefs[negated].sum())
                refs = np.where(negated, -refs - 1, refs)
                coefs = np.where(negated, -coefs, coefs)
            r = len(lo)
            row_of.append(np.full(len(refs), r))
            var_of.append(refs)
            coef_of.append(coefs)
            lo.append(_end(lin.domain[0]) - shift)
            hi.append(_end(lin.domain[-1]) - shift)
        self.dropped_constraints = dropped
        rows = np.concatenate(row_of) if row_of else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(var_of) if var_of else np.zeros(0, dtype=np.int64)
        vals = np.concatenate(coef_of) if coef_of else np.zeros(0)
        self.lo, self.hi = np.array(lo), np.array(hi)
        n_rows = len(lo)
        lp = self.lp
        inf = lp.infinity()
        self.row_constraints = [lp.Constraint(-inf if math.isinf(a) else a, inf if math.isinf(b) else b) for a, b in zip(lo, hi)]
        # static (non-x) variables: continuous within their domain's hull
        static = ~is_x[cols]
        self.static_index = np.flatnonzero(~is_x)
        position = np.full(n_vars, -1)
        position[self.static_index] = np.arange(len(self.static_index))
        self.static_lo = np.array([_end(proto.variables[v].domain[0]) for v in self.static_index])
        self.static_hi = np.array([_end(proto.variables[v].domain[-1]) for v in self.static_index])
        self.static_cost = objective[self.static_index]
        static_vars = [
            lp.NumVar(-inf if math.isinf(a) else a, inf if math.isinf(b) else b, "") for a, b in zip(self.static_lo, self.static_hi)
        ]
        for var, cost in zip(static_vars, self.static_cost):
            if cost:
                self.objective.SetCoefficient(var, float(cost))
        self.s_rows, self.s_cols, self.s_vals = rows[static], position[cols[static]], vals[static]
        for r, j, v in zip(self.s_rows.tolist(), self.s_cols.tolist(), self.s_vals.tolist()):
            self.row_constraints[r].SetCoefficient(static_vars[j], self.row_constraints[r].GetCoefficient(static_vars[j]) + v)
        # artificial slacks of the rows that hold x, so the LP is feasible from the first column on
        holds_x = np.zeros(n_rows, dtype=bool)
        holds_x[rows[is_x[cols]]] = True
        self.slack_lo, self.slack_hi = np.isfinite(self.lo) & holds_x, np.isfinite(self.hi) & holds_x
        self.slacks: list[pywraplp.Variable] = []
        for r in np.flatnonzero(holds_x).tolist():
            for side, sign in ((self.slack_lo[r], 1.0), (self.slack_hi[r], -1.0)):
                if side:
                    slack = lp.NumVar(0, inf, "")
                    self.row_constraints[r].SetCoefficient(slack, sign)
                    self.objective.SetCoefficient(slack, ROW_BIG)
                    self.slacks.append(slack)
        self.slacks_on = True
        self.end_at: float | None = None  # perf_counter() time after which no LP solve may run (see solve)
        # x entries per employee: (x variable, row, coefficient), and each employee's x cost
        x_rows, x_cols, x_vals = rows[~static], cols[~static], vals[~static]
        self.cell_of: dict[int, tuple[int, int, int]] = owner
        self.x_cost = objective
        by_employee: dict[int, list[int]] = {i: [] for i in range(n)}
        for k, (i, _, _) in owner.items():
            by_employee[i].append(k)
        order = np.argsort(x_cols, kind="stable")
        x_rows, x_cols, x_vals = x_rows[order], x_cols[order], x_vals[order]
        starts = np.searchsorted(x_cols, np.arange(n_vars))
        ends = np.searchsorted(x_cols, np.arange(n_vars), side="right")
        self._entries = (x_rows, x_vals, starts, ends)
        self.x_index = {(i, d, t): k for k, (i, d, t) in owner.items()}
        self.n_rows = n_rows

    # ----- columns -----------------------------------------------------------
    def _column_entries(self, column: Column) -> tuple[np.ndarray, np.ndarray, float]:
        """(rows, coefficients, objective) of a schedule: the sum of its x variables' entries."""
        x_rows, x_vals, starts, ends = self._entries
        ks = [self.x_index[column.employee, d, t] for d, t in enumerate(column.shifts) if t >= 0]
        if not ks:
            return np.zeros(0, dtype=np.int64), np.zeros(0), column.cost
        pieces = [np.arange(starts[k], ends[k]) for k in ks]
        idx = np.concatenate(pieces)
        rows, inverse = np.unique(x_rows[idx], return_inverse=True)
        coefs = np.bincount(inverse, weights=x_vals[idx], minlength=len(rows))
        return rows, coefs, column.cost + float(self.x_cost[ks].sum())

    def _attach(self, column: Column, var: pywraplp.Variable) -> None:
        rows, coefs, cost = self._column_entries(column)
        for r, v in zip(rows.tolist(), coefs.tolist()):
            if v:
                self.row_constraints[r].SetCoefficient(var, v)
        self.objective.SetCoefficient(var, cost)

    def cell_prices(self, employee: int, cells: Sequence[tuple[int, int, int]], duals: np.ndarray) -> np.ndarray:
        """Per (day, template, _) cell of the employee: its x cost minus the duals of the rows it enters."""
        x_rows, x_vals, starts, ends = self._entries
        out = np.empty(len(cells))
        for n, (d, t, _) in enumerate(cells):
            k = self.x_index[employee, d, t]
            a, b = starts[k], ends[k]
            out[n] = self.x_cost[k] - float(x_vals[a:b] @ duals[x_rows[a:b]])
        return out

    # ----- what generate() and the dives ask --------------------------------
    def _switch_slacks(self, on: bool) -> None:
        self.slacks_on = on
        for slack in self.slacks:
            slack.SetBounds(0.0, self.lp.infinity() if on else 0.0)

    def solve(self) -> float:
        """The LP's optimum, with the artificial slacks switched off once a solution needs none.

        Why off: a slack left basic at zero (a degenerate vertex) fixes its
        row's dual at :data:`ROW_BIG`, which wrecks pricing and the bound
        (jiangdong: a Lagrangian bound of -800,000 with an LP of 4,400). A
        dive fixing that leaves no solution without them switches them back on.
        """
        if self.end_at is not None:  # GLOP stops there (MasterLpError): the engine goes on with the rosters it has
            self.lp.SetTimeLimit(max(100, int(1000 * (self.end_at - time.perf_counter()))))
        try:
            value = super().solve()
        except MasterLpError:
            if self.slacks_on or (self.end_at is not None and time.perf_counter() >= self.end_at):
                raise
            self._switch_slacks(True)
            return super().solve()
        if self.slacks_on and all(slack.solution_value() < 1e-9 for slack in self.slacks):
            self._switch_slacks(False)
            try:
                value = super().solve()
            except MasterLpError:
                self._switch_slacks(True)
                value = super().solve()
        return value

    def duals(self) -> np.ndarray:
        return np.array([row.dual_value() for row in self.row_constraints])

    def reduced_cost(self, column: Column, duals: np.ndarray) -> float:
        rows, coefs, cost = self._column_entries(column)
        return cost - float(coefs @ duals[rows])

    def cover_value(self, duals: np.ndarray) -> float:
        """The duals' share of the Lagrangian bound: rows at the bound their sign selects, static variables at their best end.

        Artificial slacks count as static variables of cost :data:`ROW_BIG`;
        a dual beyond it (never at an LP optimum) makes the value -inf, so
        the bound is never overstated.
        """
        tol = 1e-9
        up, down = duals > tol, duals < -tol
        if (up & ~np.isfinite(self.lo)).any() or (down & ~np.isfinite(self.hi)).any():
            return -math.inf  # a dual pushing on a side the row does not have
        value = self.offset + float(duals[up] @ self.lo[up] + duals[down] @ self.hi[down])
        reduced = self.static_cost - np.bincount(self.s_cols, weights=self.s_vals * duals[self.s_rows], minlength=len(self.static_cost))
        low, high = reduced > tol, reduced < -tol
        if (low & ~np.isfinite(self.static_lo)).any() or (high & ~np.isfinite(self.static_hi)).any():
            return -math.inf
        value += float(reduced[low] @ self.static_lo[low] + reduced[high] @ self.static_hi[high])
        # slacks: reduced cost ROW_BIG - dual (lower side) or ROW_BIG + dual (upper side), each at least 0 at a feasible dual
        if not self.slacks_on:  # fixed at zero: no condition on the duals
            return value
        if (self.slack_lo & (duals > ROW_BIG + 1e-6)).any() or (self.slack_hi & (-duals > ROW_BIG + 1e-6)).any():
            return -math.inf
        return value

    def roster_cost(self, columns: Sequence[Column]) -> float:
        """The master LP's value with exactly these schedules (role counts still continuous): how dives compare rosters."""
        saved = {}
        chosen = {(c.employee, c.shifts) for c in columns}
        for i, (cols, variables) in enumerate(zip(self.columns, self.variables)):
            for column, var in zip(cols, variables):
                saved[var] = (var.lb(), var.ub())
                value = 1.0 if (i, column.shifts) in chosen else 0.0
                var.SetBounds(value, value)
        try:
            return self.solve()
        finally:
            for var, (a, b) in saved.items():
                var.SetBounds(a, b)


class BranchPricer(EmployeePricer):
    """One employee's pricing on a one-employee CP-SAT model of its own rules, against the branch master's duals.

    Exact for every personal rule (the same rule objects as the compact
    model); only how duals become cell prices differs from the cover case.
    """

    def __init__(self, employee_index: int, employee, days, rules: Sequence, master: BranchMaster):
        super().__init__(employee_index, employee, days, rules)
        self.master = master

    def cell_prices(self, duals) -> list[float]:
        if isinstance(duals, dict) and not duals:  # seeding: every dual zero
            duals = np.zeros(self.master.n_rows)
        return self.master.cell_prices(self.employee, self.cells, duals).tolist()
