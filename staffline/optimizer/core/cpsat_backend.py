"""Running CP-SAT on a :class:`ShiftModel`: limits, determinism, progress, assumptions."""

from __future__ import annotations

from typing import Callable

from ortools.sat.python import cp_model

from staffline.optimizer.core.shift_model import SCALE

STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
    cp_model.UNKNOWN: "time_limit",
}


GOOD_ENOUGH_GAP = 0.002  # a search whose roster is this close to a proven bound stops: role assignment needs the time more


def close_enough(objective: float, bound: float, gap: float = GOOD_ENOUGH_GAP) -> bool:
    """Whether ``objective`` is within ``gap`` (relative) of the proven ``bound``.

    Why stop there: on jiangdong the search's last 0.1% took 10-15 s of a
    60 s run, while role assignment, given those seconds, cut the roster as
    written from about 3.3% to 1.5% above the bound. At 0.1% a 2.3x slower
    machine missed the stop by a hair (CBC's roster 0.104% above its bound
    after 30 s; CP-SAT then ran 20 s and found nothing better), and role
    assignment's 9.6 s left the roster as written 1.42% above the bound;
    at 0.2% the search stopped at 30 s and the 32 s of role assignment
    wrote it 0.58% above. Role assignment's own loss there is 0.43% (desk
    changes the class counts cannot see), so the search's last 0.1% is
    worth less than its seconds.
    """
    return objective - bound <= gap * max(abs(objective), 1.0)


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each better roster; with ``known_bound`` (a bound proven elsewhere) it stops once a roster is close enough to it."""

    def __init__(self, report: Callable[[float, float, float], None] | None, known_bound: float | None = None):
        super().__init__()
        self.report = report
        self.known_bound = known_bound

    def on_solution_callback(self) -> None:
        if self.report is not None:
            self.report(self.WallTime(), self.ObjectiveValue() / SCALE, self.BestObjectiveBound() / SCALE)
        if self.known_bound is not None and close_enough(self.ObjectiveValue(), max(self.known_bound, self.BestObjectiveBound())):
            self.StopSearch()


def configure(
    solver: cp_model.CpSolver, time_limit: float, workers: int, seed: int, full_lp: bool = True, wall_limit: float | None = None
) -> None:
    """Time limit, workers and seed; one worker runs on deterministic time so results repeat.

    CP-SAT stopped by the wall clock returns whatever it had at that moment,
    which depends on machine load. With one worker the limit is CP-SAT's
    deterministic time (about a second of work per unit on an idle machine)
    and the wall clock only guards against runaways: 4x the limit, or
    ``wall_limit`` when the caller has a deadline to keep (a 3 s limit took
    7.8 s of wall time under load). A run stopped by that guard is no longer
    repeatable, but it ends in time. With more workers ``wall_limit`` caps
    the wall-clock limit too.
    """
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    if full_lp:
        strengthen_lp(solver, workers)
    guard = float("inf") if wall_limit is None else max(0.0, float(wall_limit))
    if workers == 1:
        solver.parameters.max_deterministic_time = float(time_limit)
        solver.parameters.max_time_in_seconds = min(4.0 * float(time_limit), guard)
    else:
        solver.parameters.max_time_in_seconds = min(float(time_limit), guard)


def strengthen_lp(solver: cp_model.CpSolver, workers: int) -> None:
    """Give the search CP-SAT's full LP relaxation, which proves our roster bounds.

    With 2 workers CP-SAT runs one full-problem worker, ``default_lp``
    (linearization level 1, rows added lazily). Its root bound on jiangdong
    stays at 3228 for 300 s, 1.8% below the model's own LP relaxation
    (3288.78, which is also the optimum). Putting ``max_lp`` (level 2, every
    row in the LP) first makes that worker prove the optimum in about 15 s,
    and lifts the 60-staff bound from 2 to 5,679 (docs/roster_gap_study.md).
    One worker gets the same LP through the global parameters. Not for
    diagnosis: with assumption literals the eager LP made small infeasibility
    proofs time out (3.6 s -> over 30 s on a four-staff week).
    """
    if workers == 1:
        solver.parameters.linearization_level = 2
        solver.parameters.add_lp_constraints_lazily = False
    else:
        solver.parameters.extra_subsolvers.append("max_lp")


def solve_model(
    b, time_limit: float, workers: int, seed: int, progress=None, assumptions=None, wall_limit: float | None = None, known_bound=None
):
    """Solve ``b.model``; with ``assumptions`` (rule literals) for infeasibility diagnosis; ``wall_limit`` as in :func:`configure`.

    ``known_bound`` (scaled objective units, proven by another search) stops
    the search once a roster is :func:`close_enough` to it or to CP-SAT's own bound.
    """
    solver = cp_model.CpSolver()
    configure(solver, time_limit, workers, seed, full_lp=assumptions is None, wall_limit=wall_limit)
    if assumptions is not None:
        # enforced (rule-switchable) linear constraints only reach the LP at level 2;
        # without it CP-SAT cannot see e.g. a contract-hours bound and never proves infeasibility
        solver.parameters.linearization_level = 2
        b.model.ClearAssumptions()
        b.model.AddAssumptions(assumptions)
    watch = _Progress(progress, known_bound) if progress or known_bound is not None else None
    status = solver.Solve(b.model, watch)
    return solver, status


def fix_variable(proto, index: int, value: int) -> None:
    """Variable ``index`` of a model proto (a copy) fixed to ``value``: its whole domain replaced, whatever intervals it had."""
    domain = proto.variables[index].domain
    domain.clear()
    domain.extend([int(value), int(value)])


class ProvenBound:
    """A proven lower bound answered like a solver (``BestObjectiveBound``), for a search that combines two or holds only a bound."""

    def __init__(self, value: float):
        self.value = value

    def BestObjectiveBound(self) -> float:  # noqa: N802
        return self.value
