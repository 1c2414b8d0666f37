"""The PuLP/CBC backend builds the very same model from the same rule objects and agrees with CP-SAT."""

import dataclasses
import json
import random
import threading

import pulp
import pytest
from ortools.sat.python import cp_model

from staffline.constraints.registry import build_rules
from staffline.model import HeadcountLimits, OpeningHours
from staffline.optimizer.core import cbc_backend
from staffline.optimizer.core.cbc_backend import CbcModel, cbc_lower_bound, solve_cbc
from staffline.optimizer.roster import build_model, build_waits, plan_days, solve_roster
from staffline.pipeline import forecast_week, plan
from tests.optimizer.branches import WEEK, person, small_branch, with_staff
from tests.optimizer.test_roster import assert_checked
from tests.optimizer.test_roster_properties import demand_of

ROLE_SETS = [["counter"], ["counter", "lobby"], ["lobby"], ["counter", "lobby"], ["counter"]]


def one_day_branch(seed: int = 3):
    """Five staff (one multi-role class of two, singletons), open on Monday only, no contract minimums."""
    inst = small_branch(5, 2, seed=seed)
    staff = [person(i, ROLE_SETS[i], cost_per_hour=50 + 5 * i) for i in range(5)]
    hours = {k: (v if k == "mon" else OpeningHours(None, None)) for k, v in inst.branch.hours.items()}
    return dataclasses.replace(with_staff(inst, staff), branch=dataclasses.replace(inst.branch, hours=hours))


def test_cbc_and_cpsat_prove_the_same_optimum_of_a_one_day_five_staff_branch():
    inst = one_day_branch()
    cpsat = plan(inst, time_limit=60, workers=2, seed=0, backend="cpsat")
    cbc = plan(inst, time_limit=60, workers=1, seed=0, backend="cbc")
    assert cpsat.result.status == "optimal" and cbc.result.status == "optimal"
    assert cbc.result.objective == pytest.approx(cpsat.result.objective, abs=0.011)
    assert cbc.kpis["backend"] == "cbc" and cbc.kpis["gap"] == 0
    for p in (cpsat, cbc):
        assert_checked(inst, p)
        assert p.kpis["hard_violations"] == []


def test_cbc_does_not_cut_off_the_optimum_of_a_three_staff_wednesday():
    """Found by the 200-week property test: CBC's preprocessing proved 1017.79 'optimal' here; CP-SAT proved 983."""
    inst = small_branch(4, 2, seed=3, headcount=HeadcountLimits(max_on_duty=1, max_staff_per_day=2))
    hours = {k: (v if k == "wed" else OpeningHours(None, None)) for k, v in inst.branch.hours.items()}
    roles = tuple(dataclasses.replace(r, min_on_duty=0) for r in inst.branch.roles)
    inst = dataclasses.replace(inst, branch=dataclasses.replace(inst.branch, hours=hours, roles=roles))
    staff = [
        person(
            i,
            certified,
            min_hours_week=0,
            max_hours_week=4,
            min_days_week=0,
            max_days_week=1,
            max_consecutive_days=1,
            cost_per_hour=50.0,
            unavailable=("wed",) if i == 2 else (),
        )
        for i, certified in enumerate([["counter"], ["counter", "lobby"], ["lobby"]])
    ]
    inst = with_staff(inst, staff)
    demand = demand_of(3)  # the property test's forecast for history seed 3
    results = {
        backend: solve_roster(inst, demand, WEEK, time_limit=30, workers=1, backend=backend, diagnose_infeasible=False)
        for backend in ("cpsat", "cbc")
    }
    assert [r.status for r in results.values()] == ["optimal", "optimal"]
    assert results["cbc"].objective == pytest.approx(results["cpsat"].objective, abs=0.011)
    assert results["cbc"].objective == pytest.approx(983.0, abs=0.011)


def test_portfolio_returns_cbcs_proven_optimum():
    inst = one_day_branch()
    p = plan(inst, time_limit=30, workers=2, seed=0, backend="portfolio")
    alone = plan(inst, time_limit=30, workers=1, seed=0, backend="cbc")
    assert p.result.status == "optimal"
    assert p.result.objective == pytest.approx(alone.result.objective)
    assert_checked(inst, p)


def test_one_worker_cbc_repeats_exactly():
    inst = one_day_branch(seed=4)
    a = plan(inst, time_limit=20, workers=1, seed=0, backend="cbc")
    b = plan(inst, time_limit=20, workers=1, seed=0, backend="cbc")
    assert a.result.status == b.result.status
    if a.result.status in ("optimal", "feasible"):
        assert a.roster.equals(b.roster)


def test_both_backends_build_the_same_variables_in_the_same_order():
    """CBC's k-th variable is CP-SAT's k-th: that is what makes CBC's roster a complete CP-SAT hint."""
    inst = small_branch(5, 3, seed=3)
    demand = forecast_week(inst, WEEK)
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, demand, days, "stationary")
    built = []
    for model in (None, CbcModel()):
        b = build_model(inst, days, waits, build_rules(inst), model=model)
        b.build_objective()
        built.append(b)
    cp, cbc = built
    proto = [list(v.domain) for v in cp.model.Proto().variables]
    assert len(proto) == len(cbc.model.variables) > 0
    assert [(d[0], d[-1]) for d in proto] == [(v.lowBound, v.upBound) for v in cbc.model.variables]


def test_an_unsatisfiable_constant_constraint_makes_the_model_infeasible():
    m = CbcModel()
    x = m.NewBoolVar("x")
    m.Add(x >= 0)
    m.Add(sum([]) >= 1)  # an empty sum: Python hands over the constant False
    m.Minimize(x)
    assert solve_cbc(m, 10).status == cp_model.INFEASIBLE


def test_a_satisfiable_model_is_solved_to_optimality():
    m = CbcModel()
    x, y = m.NewIntVar(0, 10, "x"), m.NewIntVar(0, 10, "y")
    m.Add(2 * x + 3 * y >= 12)
    m.Add(sum([]) <= 0)  # constant True: nothing to add
    m.Minimize(3 * x + 4 * y + 5)
    solution = solve_cbc(m, 10)
    assert solution.status == cp_model.OPTIMAL
    assert solution.ObjectiveValue() == pytest.approx(3 * 0 + 4 * 4 + 5)
    assert m.values() == [0, 4]


def test_non_linear_constraints_are_refused():
    m = CbcModel()
    with pytest.raises(TypeError, match="linear constraints only"):
        m.Add("x >= 1")


def test_enforcement_literals_stay_on_cpsat():
    m = CbcModel()
    x = m.NewBoolVar("x")
    with pytest.raises(NotImplementedError, match="CP-SAT"):
        m.Add(x >= 1).OnlyEnforceIf(x)


def test_lower_bound_is_read_from_cbcs_log():
    log = "Result - Stopped on time limit\n\nObjective value:    143.0\nLower bound:        139.412\nGap: 0.03\n"
    assert cbc_lower_bound(log) == pytest.approx(139.412)
    assert cbc_lower_bound("Result - Optimal solution found\n") is None


def _chained_integer_model() -> CbcModel:
    """30 integers in overlapping pairwise covers: CBC stops it at the root when given one node."""
    m = CbcModel()
    xs = [m.NewIntVar(0, 10, f"x{i}") for i in range(30)]
    for i in range(29):
        m.Add(3 * xs[i] + 5 * xs[i + 1] >= 7 + i % 4)
    m.Minimize(pulp.lpSum((i % 7 + 1) * x for i, x in enumerate(xs)) + 2)
    return m


def test_an_early_stop_reports_a_bound_below_the_objective():
    """A node limit of 1 stops CBC at the root: the bound must still be a true lower bound."""
    m = _chained_integer_model()
    solution = solve_cbc(m, 10, max_nodes=1)
    exact = solve_cbc(m, 30)
    assert exact.status == cp_model.OPTIMAL
    assert solution.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert solution.BestObjectiveBound() <= exact.ObjectiveValue() + 1e-6 <= solution.ObjectiveValue() + 1e-6


def test_an_early_stop_whose_bound_meets_the_objective_is_optimal(monkeypatch):
    """Integer objective: a bound less than 1 below the roster proves it, however CBC stopped (seen: 10 s on a timer)."""
    m = _chained_integer_model()
    early = solve_cbc(m, 10, max_nodes=1)
    if early.status == cp_model.OPTIMAL:
        pytest.skip("CBC proved this model at its root")
    assert early.ObjectiveValue() - early.BestObjectiveBound() >= 1  # a real gap stays FEASIBLE
    monkeypatch.setattr(cbc_backend, "cbc_lower_bound", lambda log: early.ObjectiveValue() - 2 - 0.5)
    proved = solve_cbc(m, 10, max_nodes=1)
    assert (proved.status, proved.BestObjectiveBound()) == (cp_model.OPTIMAL, proved.ObjectiveValue())


def test_roster_command_runs_the_cbc_backend(tmp_path):
    from click.testing import CliRunner

    from staffline.cli import main

    branch, out = tmp_path / "branch", tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(branch), "--staff", "6", "--roles", "2", "--weeks", "3", "-q"]).exit_code == 0
    result = runner.invoke(
        main, ["roster", str(branch), "--out", str(out), "--backend", "cbc", "--time-limit", "20", "--workers", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    kpis = json.loads(result.output)
    assert kpis["backend"] == "cbc" and kpis["hard_violations"] == []
    assert 0 <= kpis["roster_gap"] <= 1 and kpis["bound"] <= kpis["roster_objective"] + 1e-6
    bad = runner.invoke(main, ["roster", str(branch), "--out", str(out), "--backend", "gurobi"])
    assert bad.exit_code == 2 and "gurobi" in bad.output


def market_split(rows: int = 4, columns: int = 40, seed: int = 7) -> CbcModel:
    """Cornuejols-Dawande market split: a few dense equality rows over binaries, which branch-and-bound takes minutes on."""
    rng = random.Random(seed)
    m = CbcModel("market_split")
    x = [m.NewBoolVar() for _ in range(columns)]
    for _ in range(rows):
        a = [rng.randrange(100) for _ in range(columns)]
        m.Add(pulp.lpSum(c * v for c, v in zip(a, x)) == sum(a) // 2)
    m.Minimize(pulp.lpSum(x))
    return m


def test_a_stop_ends_cbcs_process_and_reports_no_answer():
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()  # after CBC has started on a search far longer than its 600 s limit allows
    solution = solve_cbc(market_split(), 600, stop=stop)
    assert solution.status == cp_model.UNKNOWN and solution.objective is None


def test_a_stop_that_never_comes_changes_nothing():
    m = CbcModel()
    x, y = m.NewIntVar(0, 10, "x"), m.NewIntVar(0, 10, "y")
    m.Add(2 * x + 3 * y >= 12)
    m.Minimize(3 * x + 4 * y + 5)
    solution = solve_cbc(m, 10, stop=threading.Event())
    assert solution.status == cp_model.OPTIMAL and solution.ObjectiveValue() == pytest.approx(21)
