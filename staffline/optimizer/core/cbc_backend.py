"""The same roster model on PuLP/CBC: a cross-check of CP-SAT and an LP bound.

Why not a second model: the builders (``ShiftModel``, ``RosterBuilder``) and
every rule only ever call ``NewBoolVar``, ``NewIntVar``, ``Add`` (with linear
``<=``, ``>=``, ``==``) and ``Minimize`` on ``builder.model``, and the whole
formulation is linear (the wait curve is tangent cuts). :class:`CbcModel`
offers exactly that surface over a ``pulp.LpProblem``, so the very same rule
objects build the MILP; a rule that CP-SAT accepts but CBC cannot express
(an enforcement literal) fails loudly instead of being dropped.

:class:`CbcSolution` answers the questions the roster code asks a solved
CP-SAT model (``Value``, ``ObjectiveValue``, ``BestObjectiveBound``), so
roster extraction, penalties and KPIs are shared too.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import psutil
import pulp
from ortools.sat.python import cp_model

# CBC 2.10.3 (PuLP's bundled build) with its integer preprocessing on cut off the optimum of a one-day,
# three-staff roster: "Result - Optimal solution found" at 1017.79 where CP-SAT proved 983 and CBC itself,
# preprocessing off, found 983 too (tests/optimizer/core/test_cbc_backend.py). A wrong "optimal" ends the portfolio
# search with a wrong bound. Off, jiangdong's week was proved optimal (3308.28) in a 44 s plan() where on it was still
# 0.05% short at 60 s.
ROSTER_OPTIONS = ("preprocess off",)
OVERRUN_SECONDS = 5.0  # CBC checks its clock between nodes; this long past its limit (unless told otherwise), its process is ended


class CbcModel:
    """A ``pulp.LpProblem`` behind the part of ``cp_model.CpModel`` the builders use."""

    def __init__(self, name: str = "roster"):
        self.problem = pulp.LpProblem(name, pulp.LpMinimize)
        self.variables: list[pulp.LpVariable] = []  # in creation order, as CP-SAT numbers its own
        self._never: pulp.LpVariable | None = None

    def _new(self, lo: int, hi: int) -> pulp.LpVariable:
        # CP-SAT allows repeated and arbitrary names, LP files do not: number the variables instead
        var = self._variable(f"v{len(self.variables)}", int(lo), int(hi))
        self.variables.append(var)
        return var

    def _variable(self, name: str, lo: int, hi: int) -> pulp.LpVariable:
        """An integer variable of this problem (PuLP 3.3+ makes it through the problem; older PuLP directly)."""
        if hasattr(self.problem, "add_variable"):
            return self.problem.add_variable(name, lo, hi, cat=pulp.LpInteger)
        return pulp.LpVariable(name, lo, hi, cat=pulp.LpInteger)

    def NewBoolVar(self, name: str = "") -> pulp.LpVariable:  # noqa: N802 - CP-SAT's spelling
        return self._new(0, 1)

    def NewIntVar(self, lo: int, hi: int, name: str = "") -> pulp.LpVariable:  # noqa: N802
        return self._new(lo, hi)

    total = staticmethod(pulp.lpSum)  # a linear sum in one pass

    def values(self) -> list[int]:
        """The solution, variable by variable in creation order (a complete CP-SAT hint)."""
        return [int(round(v.varValue or 0)) for v in self.variables]

    def Add(self, constraint) -> "_Added":  # noqa: N802
        """Add a linear constraint; a constant one (``0 >= 1`` from an empty sum) is kept as such."""
        if isinstance(constraint, bool):
            if not constraint:
                self.problem += self._false() >= 1
            return _Added()
        if not isinstance(constraint, pulp.LpConstraint):
            raise TypeError(f"the CBC backend takes linear constraints only, not {type(constraint).__name__}")
        self.problem += constraint
        return _Added()

    def _false(self) -> pulp.LpVariable:
        """A variable fixed at 0: an unsatisfiable constant constraint becomes ``zero >= 1``."""
        if self._never is None:
            self._never = self._variable("never", 0, 0)
        return self._never

    def Minimize(self, objective) -> None:  # noqa: N802
        self.problem.setObjective(pulp.lpSum([objective]))

    def AddHint(self, var, value) -> None:  # noqa: N802 - hints are a CP-SAT search aid; CBC starts from scratch
        return None


class _Added:
    """What ``Add`` returns: CBC has no enforcement literals, so diagnosis stays on CP-SAT."""

    def OnlyEnforceIf(self, *literals) -> None:  # noqa: N802
        raise NotImplementedError("rule switching (diagnosis) runs on CP-SAT only")


@dataclass
class CbcSolution:
    """A solved :class:`CbcModel`, answering like a ``cp_model.CpSolver``."""

    status: int  # a cp_model status constant
    objective: float | None
    bound: float | None
    seconds: float

    def Value(self, expr) -> int:  # noqa: N802
        value = pulp.value(expr) if not isinstance(expr, (int, float)) else expr
        return int(round(value or 0))

    def ObjectiveValue(self) -> float:  # noqa: N802
        return float(self.objective)

    def BestObjectiveBound(self) -> float:  # noqa: N802
        # no bound from CBC: 0 is one, since wait, cost and penalty weights are never negative
        return float(self.bound if self.bound is not None else 0.0)


def solve_cbc(
    model: CbcModel,
    time_limit: float,
    workers: int = 1,
    max_nodes: int | None = None,
    stop: threading.Event | None = None,
    options: Sequence[str] = (),
    kill_after: float | None = None,
) -> CbcSolution:
    """Run CBC; statuses in CP-SAT's terms, and a valid lower bound whatever the outcome.

    A run stopped on time without a roster (status UNKNOWN) still carries
    the "Lower bound" CBC logged, when it logged one: the bound of its
    search tree over the same model, valid whether or not a roster was found
    (jiangdong, one week of four, 28 s under load 3: no roster, bound 3,056.5).

    The objective is integer (scaled), so an absolute gap below 1 is a proof
    of optimality. When CBC stops early with a roster, the bound is the
    "Lower bound" of CBC's own log (PuLP does not return it), or else the LP
    relaxation's optimum. ``max_nodes`` stops the search after that many
    branch-and-bound nodes (repeatable, unlike the wall clock). Setting
    ``stop`` ends CBC's process at once (status UNKNOWN): a search running
    beside another one whose answer made it moot should not hold the caller
    until its own time limit. ``options`` go to CBC's command line as they
    are (e.g. ``"preprocess off"``, see :data:`ROSTER_OPTIONS`).

    CBC's own ``timeLimit`` is checked between nodes, and its root cuts can
    run past it (under load, by seconds: then it still returns its roster).
    A run still going ``kill_after`` seconds after its start (default: the
    limit + :data:`OVERRUN_SECONDS`) is ended like a stopped one (status
    UNKNOWN, no roster), so a caller's deadline holds; callers pass the time
    they can really spare.
    """
    started = time.perf_counter()
    if time_limit <= 0:  # no time left: not even CBC's start-up fits
        return CbcSolution(cp_model.UNKNOWN, None, None, 0.0)
    problem = model.problem
    with tempfile.TemporaryDirectory(prefix="staffline-cbc-") as folder:
        log = Path(folder) / "cbc.log"
        cmd = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=max(1.0, float(time_limit)),
            threads=max(1, int(workers)),
            gapAbs=0.5,
            maxNodes=max_nodes,
            logPath=str(log),
            options=list(options),
        )
        cmd.tmpDir = folder  # CBC's command line names this folder: how a stop finds its process
        kill_at = float(time_limit) + OVERRUN_SECONDS if kill_after is None else max(float(time_limit), kill_after)
        if not _solve_guarded(problem, cmd, folder, kill_at, stop):
            return CbcSolution(cp_model.UNKNOWN, None, None, time.perf_counter() - started)
        logged_bound = cbc_lower_bound(log.read_text(errors="replace") if log.exists() else "")
    seconds = time.perf_counter() - started
    if problem.status == pulp.LpStatusInfeasible or problem.sol_status == pulp.LpSolutionInfeasible:
        return CbcSolution(cp_model.INFEASIBLE, None, None, seconds)
    constant = float(problem.objective.constant)  # CBC optimises without the objective's constant term
    if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        # no roster in time, but the bound its root cuts proved still holds (a week of a horizon counts it)
        return CbcSolution(cp_model.UNKNOWN, None, None if logged_bound is None else logged_bound + constant, seconds)
    objective = float(pulp.value(problem.objective) or 0.0)
    if problem.sol_status == pulp.LpSolutionOptimal:
        return CbcSolution(cp_model.OPTIMAL, objective, objective, seconds)
    bound = logged_bound + constant if logged_bound is not None else lp_bound(problem, max(1.0, float(time_limit) - seconds))
    if bound is not None and objective - bound < 1 - 1e-9:  # stopped on time with the proof in hand (integer objective)
        return CbcSolution(cp_model.OPTIMAL, objective, objective, seconds)
    return CbcSolution(cp_model.FEASIBLE, objective, None if bound is None else min(bound, objective), seconds)


def _solve_guarded(problem: pulp.LpProblem, cmd, folder: str, kill_at: float, stop: threading.Event | None) -> bool:
    """Solve ``problem`` with ``cmd`` (whose ``tmpDir`` is ``folder``); False when its process was ended for overrunning ``kill_at`` seconds or by ``stop``.

    Whatever PuLP read back from an ended process is not a finished run's
    answer. A ``stop`` set after CBC finished changes nothing.
    """
    finished = threading.Event()
    overrun = threading.Event()
    guard = threading.Timer(kill_at, overrun.set)
    guard.daemon = True
    guard.start()
    stops = (overrun,) if stop is None else (overrun, stop)
    threading.Thread(target=_end_when_stopped, args=(stops, finished, folder), daemon=True).start()
    try:
        problem.solve(cmd)
    except pulp.PulpSolverError:
        if not any(event.is_set() for event in stops):
            raise
        return False
    finally:
        finished.set()
        guard.cancel()
    return not overrun.is_set()


# CLP's barrier, stopped at its own optimum: no crossover to a vertex, tolerances 1e-4 (duals accurate enough for
# lp_bound.dual_bound, which proves a bound from any duals); the staffing LP with desk changes at 6 roles and 60 staff
# took 17-28 s so, against 80-300 s with the crossover or the dual simplex from the plain LP's basis (docs/design.md)
BARRIER_ONLY_OPTIONS = ("primalTolerance 1e-4", "dualTolerance 1e-4", "crossover off", "barrier")


class _NamedFilesCbc(pulp.PULP_CBC_CMD):
    """PuLP's CBC command with its files at fixed names in its ``tmpDir`` (``lp.mps``, ``lp.sol``...), so that options can name them.

    Why: PuLP appends ``-initialSolve`` after the options, which after a
    barrier without crossover solves the LP again by simplex (at 6 roles
    four times the barrier's time). Options that write the solution file
    themselves and then ``exit`` end CBC before it.
    """

    def create_tmp_files(self, name, *args):
        return (str(Path(self.tmpDir, f"lp.{extension}")) for extension in args)


def solve_lp(problem: pulp.LpProblem, time_limit: float, barrier_only: bool = False) -> bool:
    """Solve the linear program ``problem`` with CLP (CBC's LP solver): True when it ends optimal within ``time_limit`` wall seconds.

    Why the barrier: on the grouped staffing LP of a 300-staff week
    (:mod:`~staffline.optimizer.search.staffing_bound`) it is optimal in
    23 s where CLP's dual simplex took minutes and GLOP's dual simplex had
    no optimum in 120 s at 60 staff (barrier: 6.6 s). Duals are then in
    each constraint's ``pi``. ``barrier_only`` stops at the barrier's
    optimum (:data:`BARRIER_ONLY_OPTIONS`): no vertex, values and duals
    accurate to about 1e-4, for callers that prove their bound from the
    duals whatever their accuracy. The process is ended at ``time_limit``.
    """
    if time_limit <= 0:
        return False
    with tempfile.TemporaryDirectory(prefix="staffline-clp-") as folder:
        options, command = ["barrier"], pulp.PULP_CBC_CMD
        # PuLP puts a "-" before each option and splits the command line at spaces: a path goes with its option
        if barrier_only and " " not in folder:
            options, command = [*BARRIER_ONLY_OPTIONS, "printingOptions all", f"solution {Path(folder, 'lp.sol')}", "exit"], _NamedFilesCbc
        cmd = command(msg=False, mip=False, timeLimit=max(1.0, float(time_limit)), options=options)
        cmd.tmpDir = folder
        if not _solve_guarded(problem, cmd, folder, float(time_limit), None):
            return False
        return problem.status == pulp.LpStatusOptimal


def _end_when_stopped(stops: Sequence[threading.Event], finished: threading.Event, folder: str) -> None:
    """Terminate the CBC process whose command line names ``folder`` once one of ``stops`` is set (unless the solve ``finished``)."""
    while not finished.wait(0.2):
        if any(stop.is_set() for stop in stops):
            for child in psutil.Process().children(recursive=True):
                try:
                    if any(folder in part for part in child.cmdline()):
                        child.terminate()
                except psutil.Error:  # it ended meanwhile
                    pass
            return


def cbc_lower_bound(log: str) -> float | None:
    """The "Lower bound:" CBC prints when it stops early, or None."""
    found = re.findall(r"^Lower bound:\s*(-?[0-9.eE+-]+)", log, flags=re.MULTILINE)
    try:
        return float(found[-1]) if found else None
    except ValueError:
        return None


def lp_bound(problem: pulp.LpProblem, time_limit: float | None = None) -> float | None:
    """Optimum of the LP relaxation (a lower bound of the MILP), or None if CBC gives none (within ``time_limit``)."""
    values = {v.name: v.varValue for v in problem.variables()}
    relaxed = problem.copy()
    relaxed.solve(pulp.PULP_CBC_CMD(msg=False, mip=False, timeLimit=time_limit))
    for var in problem.variables():  # the relaxation shares the variables: put the roster's values back
        var.varValue = values[var.name]
    if relaxed.status != pulp.LpStatusOptimal:
        return None
    return float(pulp.value(relaxed.objective) or 0.0)
