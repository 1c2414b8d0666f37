"""Branch rosters by column generation: the decomposition engine on a branch's coupling rows (``--backend columns``).

Why: the compact model's LP knows nothing of each person's week (contract
hours and days, rest, runs), so its bound is weak and CP-SAT searches
blind on big branches (60 staff at 60 s: gap 31%). Here each column is
one employee's schedule for the whole horizon, priced exactly on a
one-employee CP-SAT model of that employee's own rules
(:class:`~staffline.optimizer.decomposition.branch_master.BranchPricer`), and
the master holds every other rule as the compact model writes it
(:class:`~staffline.optimizer.decomposition.branch_master.BranchMaster`).
The phases are :func:`~staffline.optimizer.decomposition.engine.solve_decomposed`'s:
root column generation beside a short CP-SAT search, dives, a CP-SAT
polish hinted with the best roster; persons get their roles afterwards as
with every backend (``optimizer.roster.extract_roster``).

Before the first round each employee gets two columns: its cheapest
schedule at zero prices and its schedule in the greedy warm start
(``start``: :func:`~staffline.optimizer.search.warm_start.greedy_roster`), so the first
LP already has a roster-shaped solution instead of artificial slacks, and
the greedy roster, completed into the full model, is the incumbent from the
start (a roster whatever the LP manages in the time).
"""

from __future__ import annotations

import math
import time
from typing import Callable

from ortools.sat.python import cp_model

from staffline.optimizer.core.branch_model import SCALE, RosterBuilder
from staffline.optimizer.core.cpsat_backend import ProvenBound, fix_variable
from staffline.optimizer.decomposition.branch_master import BranchMaster, BranchPricer, personal
from staffline.optimizer.decomposition.column_generation import Column
from staffline.optimizer.decomposition.engine import _complete, solve_decomposed

START_SHARE, START_SECONDS = 0.15, 10.0  # completing the greedy start may take this share of the limit, at most these seconds
LP_SHARE = 0.85  # of the time left after the start: no master LP solve runs past it (the polish and completion keep the rest)


class CouplingBuilder(RosterBuilder):
    """The compact model without the multi-person role-block cuts: valid cuts, not rules.

    Why without: they are a third of the rows and made each GLOP solve of
    the master 3x slower (jiangdong: 0.7 s against 2.3 s); a relaxation
    without them still bounds the roster, and the completion and the polish
    run on the full model, which has them.
    """

    def _class_role_blocks(self) -> None:
        return None


def build_master(b: RosterBuilder, rules) -> tuple[BranchMaster, list[BranchPricer]]:
    """The branch master (coupling rules) and one pricer per employee (its personal rules)."""
    coupling = CouplingBuilder(b.instance, b.days, b.waits)
    coupling.add_rules([rule for rule in rules if not personal(rule)])
    coupling.build_objective()
    master = BranchMaster(coupling)
    master.lp.SetSolverSpecificParametersAsString("use_dual_simplex: true")
    per_employee: dict[int, list] = {i: [] for i in range(len(b.employees))}
    for rule in rules:
        if personal(rule):
            per_employee[rule.employee].append(rule)
    pricers = [BranchPricer(i, e, b.days, per_employee[i], master) for i, e in enumerate(b.employees)]
    return master, pricers


def seed_greedy(b: RosterBuilder, master: BranchMaster, pricers: list[BranchPricer], chosen: dict[tuple[int, int], int]) -> int:
    """Each employee's schedule in the greedy warm start as a column (those breaking a personal rule are left out)."""
    added = 0
    for p in pricers:
        shifts = tuple(chosen.get((p.employee, d), -1) for d in range(len(b.days)))
        try:
            added += master.add(Column(p.employee, shifts, p.schedule_cost(shifts)))
        except ValueError:
            continue
    return added


class SolutionView:
    """A CP-SAT solver holding one complete solution of ``b.model``: what ``solve_roster`` reads a roster from."""

    def __init__(self, b: RosterBuilder, solution: list[int], seconds: float):
        fixed = b.model.clone()
        for k, value in enumerate(solution):
            fix_variable(fixed.proto, k, value)
        self.solver = cp_model.CpSolver()
        self.solver.parameters.num_workers = 1
        self.solver.parameters.max_time_in_seconds = max(5.0, seconds)
        self.status = self.solver.Solve(fixed)

    def __getattr__(self, name):
        return getattr(self.solver, name)


def search_columns(built, instance, time_limit: float, workers: int, seed: int, progress, *, start: Callable[[RosterBuilder], dict]):
    """Column generation on the branch: (model, solver with the roster, solver with the bound, status, seconds).

    ``start`` makes the starting roster ((employee, day) -> template), the
    greedy warm start in ``optimizer.roster`` (decomposition does not import
    the compact search's modules).
    """
    started = time.perf_counter()
    # the full model without the compact search's symmetry breaking (interchangeable staff in decreasing hours):
    # a dive's roster need not order them so, and completing it would then fail
    b = RosterBuilder(built.instance, built.days, built.waits)
    b.add_rules(built.rules)
    b.build_objective()
    master, pricers = build_master(b, built.rules)
    greedy = start(b)
    seed_greedy(b, master, pricers, greedy)
    # the greedy roster completed into the full model: a first roster at once, whatever the LP does
    first = _complete(b, greedy, min(START_SHARE * time_limit, START_SECONDS), seed)
    left = max(1.0, time_limit - (time.perf_counter() - started))
    master.end_at = time.perf_counter() + LP_SHARE * left
    if first is not None and progress is not None:
        progress(time.perf_counter() - started, first[1] / SCALE, 0.0)
    result = solve_decomposed(b, built.rules, left, workers, seed, progress, setup=(master, pricers), incumbent=first)
    b.decomposition = result.stats  # type: ignore[attr-defined]
    seconds = time.perf_counter() - started
    bound = ProvenBound(result.bound * SCALE if math.isfinite(result.bound) else -math.inf)
    if result.solution is None:
        status = cp_model.INFEASIBLE if result.bound == math.inf else cp_model.UNKNOWN
        return b, None, bound, status, seconds
    view = SolutionView(b, result.solution, 5.0)
    if view.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return b, None, bound, cp_model.UNKNOWN, seconds
    optimal = result.objective is not None and result.objective <= math.ceil(result.bound * SCALE - 1e-6)
    b.decomposition = result.stats  # type: ignore[attr-defined]
    return b, view, bound, cp_model.OPTIMAL if optimal else cp_model.FEASIBLE, seconds
