"""A cheap proven lower bound for big rosters: the model with every rule that links employees dropped.

Why: from 60 staff on, CP-SAT's full-LP worker does not finish its root LP
within a minute, and the bound it reports (408 to 7,361 at 60 staff, under
load and idle) is below the labour cost that contract minimums alone force
(about 11,800): the roster gap then says nothing about the roster.

The relaxation keeps every variable, the whole objective, and the linear
constraints whose variables are all shift choices (``x``) or worked-day flags
(``works``): each person's contract hours and days, consecutive days, rest,
availability, the symmetry breaking between interchangeable people. Every
other constraint (on-duty counts, role split, wait cuts, headcount, soft-rule
definitions) is left out, so what links people or prices waiting is gone and
those variables sit at their cheapest domain value. It splits into one small
problem per person, which CP-SAT solves in a second or two at 60-150 staff.

Why it is valid: it has a subset of the model's constraints and the same
objective over the same variables, so every roster of the model is a
solution of it and its optimum is at most the model's; CP-SAT's
``BestObjectiveBound`` on it is at most its optimum, even when stopped early.
So ``max(full model's bound, this bound)`` is a proven bound of the roster.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from staffline.optimizer.core.branch_model import RosterBuilder
from staffline.optimizer.core.cpsat_backend import configure


def personal_model(b: RosterBuilder) -> cp_model.CpModel:
    """The model's variables and objective with only the constraints over shift choices and worked-day flags."""
    personal = {var.Index() for options in b.x.values() for var in options.values()}
    personal |= {var.Index() for var in b.works.values()}
    source = b.model.proto
    relaxed = cp_model.CpModel()
    for var in source.variables:
        relaxed.proto.variables.append(var)
    for ct in source.constraints:
        refs = list(ct.linear.vars) + list(ct.enforcement_literal)
        if len(ct.linear.vars) and all((r if r >= 0 else -r - 1) in personal for r in refs):
            relaxed.proto.constraints.append(ct)
    relaxed.proto.objective.copy_from(source.objective)
    return relaxed


def personal_bound(b: RosterBuilder, time_limit: float, seed: int, wall_limit: float | None = None) -> float:
    """A proven lower bound of ``b``'s objective (scaled units, as ``BestObjectiveBound``) from :func:`personal_model`.

    One worker (deterministic time ``time_limit``), so a one-worker search
    stays repeatable; ``wall_limit`` guards the run's deadline. The bound
    comes from the root LP, in about half a second at 60 staff (10,368;
    twenty more seconds of search found rosters of it down to 10,556 and did
    not move the bound), so a second is enough.
    """
    solver = cp_model.CpSolver()
    configure(solver, time_limit, 1, seed, wall_limit=wall_limit)
    solver.parameters.max_time_in_seconds = float("inf") if wall_limit is None else wall_limit  # the deadline only, not 4x
    status = solver.Solve(personal_model(b))
    if status == cp_model.INFEASIBLE:  # the model itself has no roster then; no bound to give from here
        return float("-inf")
    return solver.BestObjectiveBound()
