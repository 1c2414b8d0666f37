"""The portfolio keeps CBC's proven bound even when CBC stopped before its first roster."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from staffline.constraints.registry import build_rules
from staffline.optimizer.core.cbc_backend import CbcSolution
from staffline.optimizer.core.shift_model import SCALE
from staffline.optimizer.roster import build_waits, plan_days
from staffline.optimizer.search import portfolio
from staffline.pipeline import forecast_week
from tests.optimizer.branches import WEEK, small_branch


def test_a_cbc_bound_without_a_roster_still_bounds_the_roster(monkeypatch):
    inst = small_branch(n_staff=5, n_roles=2, seed=3)
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, forecast_week(inst, WEEK), days, "lagged")
    built = portfolio.ModelFactory(inst, days, waits, build_rules(inst, None, None, None))
    # the true optimum (CBC proves it), then a CBC that stopped on time without a roster but with a bound just below it
    _, solver, _, status, _ = portfolio.search_cbc(built, inst, 60.0, 1, 0, None)
    assert status == cp_model.OPTIMAL
    optimum = solver.ObjectiveValue()
    cbc_bound = optimum - 1.0  # valid: below the optimum, and above what CP-SAT proves when stopped at once
    stopped = CbcSolution(cp_model.UNKNOWN, None, cbc_bound, 0.1)
    monkeypatch.setattr(portfolio, "search_cbc", lambda built, *a, **k: (built(), stopped, stopped, cp_model.UNKNOWN, 0.1))
    monkeypatch.setattr(portfolio, "CBC_MIN_SECONDS", 0.0)
    _, found, bound, status, _ = portfolio.search_portfolio(built, inst, 3.0, 2, 0, None)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert cbc_bound <= bound.BestObjectiveBound() <= found.ObjectiveValue() + 1e-6


def test_when_cbc_overran_and_cp_sat_had_no_time_the_first_roster_stands(monkeypatch):
    """CBC ran into CP-SAT's time without a roster and CP-SAT found none: the roster found beside CBC is the answer, a valid one."""
    inst = small_branch(n_staff=5, n_roles=2, seed=3)
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, forecast_week(inst, WEEK), days, "lagged")
    built = portfolio.ModelFactory(inst, days, waits, build_rules(inst, None, None, None))
    stopped = CbcSolution(cp_model.UNKNOWN, None, None, 0.1)
    monkeypatch.setattr(portfolio, "search_cbc", lambda built, *a, **k: (built(), stopped, stopped, cp_model.UNKNOWN, 0.1))
    hints = []

    def nothing_found(built, instance, time_limit, workers, seed, progress, hint=None, known_bound=None):
        hints.append(hint)
        b = built()
        return b, None, portfolio.ProvenBound(0.0), cp_model.UNKNOWN, 0.0

    monkeypatch.setattr(portfolio, "search_cpsat", nothing_found)
    shown = []
    b, found, bound, status, _ = portfolio.search_portfolio(built, inst, 10.0, 2, 0, lambda *a: shown.append(a))
    assert status == cp_model.FEASIBLE
    assert hints[0] is not None and len(hints[0]) == len(b.model.Proto().variables)  # CP-SAT was to start from it
    objective = found.ObjectiveValue()
    assert shown and shown[0][1] * SCALE == objective  # the progress callback saw it arrive
    # a roster of the model: every shift variable has a value, and fixing them to it leaves the model feasible
    fixed = b.with_shifts_fixed({(i, d): t for (i, d), options in b.x.items() for t, var in options.items() if found.Value(var)})
    check = cp_model.CpSolver()
    check.parameters.max_time_in_seconds = 10
    assert check.Solve(fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert check.ObjectiveValue() <= objective + 1e-6


def test_when_cbc_brings_back_nothing_the_neighbourhoods_go_on_from_their_roster(monkeypatch):
    """CBC ran its share without a roster: the neighbourhood search that ran beside it goes on, and CBC's bound still counts."""
    inst = small_branch(n_staff=8, n_roles=3, seed=3)
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, forecast_week(inst, WEEK), days, "lagged")
    built = portfolio.ModelFactory(inst, days, waits, build_rules(inst, None, None, None))
    stopped = CbcSolution(cp_model.UNKNOWN, None, 0.0, 4.0)  # a bound that holds for any roster of non-negative cost

    def cbc_that_finds_nothing(built, *args, **kwargs):
        time.sleep(4.0)  # the neighbourhoods search meanwhile, on the core CBC leaves them
        return built(), stopped, stopped, cp_model.UNKNOWN, 4.0

    def never(*args, **kwargs):
        raise AssertionError("CP-SAT from CBC's roster runs only when CBC has the better roster")

    monkeypatch.setattr(portfolio, "search_cbc", cbc_that_finds_nothing)
    monkeypatch.setattr(portfolio, "search_cpsat", never)
    shown = []
    b, found, bound, status, _ = portfolio.search_portfolio(built, inst, 12.0, 2, 0, lambda *a: shown.append(a))
    assert status == cp_model.FEASIBLE
    objective = found.ObjectiveValue()
    assert shown and objective <= shown[0][1] * SCALE  # never worse than the first roster
    assert 0.0 <= bound.BestObjectiveBound() <= objective + 1e-6
    fixed = b.with_shifts_fixed({(i, d): t for (i, d), options in b.x.items() for t, var in options.items() if found.Value(var)})
    check = cp_model.CpSolver()
    check.parameters.max_time_in_seconds = 10
    assert check.Solve(fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert check.ObjectiveValue() <= objective + 1e-6
