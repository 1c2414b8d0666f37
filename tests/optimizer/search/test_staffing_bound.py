"""The grouped staffing LP bound: any duals give a bound, every roster is a point of the LP, and the plan reports it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from staffline.optimizer.core.cpsat_backend import configure
from staffline.optimizer.core.templates import lunch_pairs
from staffline.optimizer.roster import build_waits, plan_days, week_rules
from staffline.optimizer.search.lp_bound import LinearRelaxation, clp_bound, dual_bound
from staffline.optimizer.search.portfolio import ModelFactory
from staffline.optimizer.search.relaxed_bound import personal_bound
from staffline.optimizer.search.staffing_bound import staffing_bound, staffing_lp
from staffline.optimizer.search.warm_start import greedy_roster
from staffline.pipeline import forecast_week
from tests.optimizer.branches import WEEK, small_branch


@st.composite
def small_lps(draw):
    """A feasible, bounded LP: boxes [0, 3], rows built around a point inside, some equalities, some two-sided."""
    n, m = draw(st.integers(2, 5)), draw(st.integers(1, 5))
    point = np.asarray(draw(st.lists(st.floats(0, 3), min_size=n, max_size=n)))
    a = np.asarray(draw(st.lists(st.integers(-3, 3), min_size=n * m, max_size=n * m)), dtype=float).reshape(m, n)
    at = a @ point
    kinds = draw(st.lists(st.sampled_from(["ge", "le", "eq", "both"]), min_size=m, max_size=m))
    slack = draw(st.floats(0, 2))
    lo = np.array([at[k] - slack if kind in ("ge", "both") else (at[k] if kind == "eq" else -np.inf) for k, kind in enumerate(kinds)])
    hi = np.array([at[k] + slack if kind in ("le", "both") else (at[k] if kind == "eq" else np.inf) for k, kind in enumerate(kinds)])
    rows, cols = np.nonzero(a)
    cost = np.asarray(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), dtype=float)
    return LinearRelaxation(np.zeros(n), np.full(n, 3.0), cost, 0.0, lo, hi, rows, cols, a[rows, cols])


@settings(max_examples=60, deadline=None)
@given(small_lps(), st.lists(st.floats(-20, 20, allow_nan=False), min_size=5, max_size=5))
def test_any_duals_give_a_bound_and_clp_reaches_the_optimum(lp, raw):
    """Random duals bound the LP's optimum from below; CLP's duals reach it (less the margin and the floor)."""
    solved = clp_bound(lp, 20.0)
    assert solved.optimal
    activity = np.bincount(lp.rows, weights=lp.vals * solved.values[lp.cols], minlength=len(lp.row_lo))
    # CLP's solution is a point of it, to the barrier's tolerance (it stops at its own optimum, tolerances 1e-4)
    assert np.all(lp.row_lo - 1e-3 <= activity) and np.all(activity <= lp.row_hi + 1e-3)
    assert lp.cost @ solved.values == pytest.approx(solved.lp_value, abs=1e-6)
    assert dual_bound(lp, np.resize(np.asarray(raw), len(lp.row_lo))) <= solved.lp_value + 1e-6
    assert solved.lp_value - 2.0 < solved.bound <= solved.lp_value + 1e-6


def small_model(inst):
    """The complete roster model of ``inst``'s week, as the search builds it."""
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, forecast_week(inst, WEEK), days, "lagged")
    return ModelFactory(inst, days, waits, week_rules(inst, days, waits, None, None, None))()


def roster_point(b, solver, built) -> np.ndarray:
    """A solved roster as a point of the staffing LP ``built``: group shift counts, class on-duty and role counts, the waits.

    With desk changes: per class, slot and role the members who start a
    shift part there (``arrive``) or end one (``leave``), and of those the
    lunches' (``back``, ``out``), as the roster model splits them, and the
    least switches and changes over lunch the LP's rows then allow (the
    model pays at least as many).
    """
    point = np.zeros(len(built.relaxation.cost))
    for (i, d), options in b.x.items():
        e = b.employees[i]
        for t, var in options.items():
            if solver.Value(var):
                point[built.X[(frozenset(e.roles), e.contract.cost_per_hour), d, t]] += 1
    for (c, d, s), col in built.O.items():
        point[col] = sum(solver.Value(b.y[c, d, s, r]) for r in c)
    for (c, d, s, r), col in built.Y.items():
        point[col] = solver.Value(b.y[c, d, s, r])
    for key, col in built.W.items():
        point[col] = solver.Value(b.wait_vars[key])
    for (r, d, s), col in built.N.items():
        point[col] = sum(solver.Value(b.y[c, d, s, r]) for c in b.classes if r in c)
    parts_of = {"arrive": (0, ("st", "bk")), "leave": (1, ("fin", "ot")), "back": (0, ("bk",)), "out": (1, ("ot",))}
    for (what, c, d, s, r), col in built.changes.items():
        if what in parts_of:
            side, names = parts_of[what]
            splits = b._role_splits(c, d)[side][s]
            point[col] = sum(solver.Value(split[r]) for name, split in splits.items() if name in names)
    value = {key: point[col] for key, col in built.changes.items()}
    for (what, c, d, s, r), col in built.changes.items():
        if what == "switch":
            rise = solver.Value(b.y[c, d, s, r]) - solver.Value(b.y[c, d, s - 1, r])
            point[col] = max(0, rise + value.get(("leave", c, d, s - 1, r), 0) - value.get(("arrive", c, d, s, r), 0))
        elif what == "over_break":
            back = lunch_pairs(b.days[d].templates)[s]
            point[col] = max(0, value[("back", c, d, back, r)] - value[("out", c, d, s, r)])
    return point


@settings(max_examples=6, deadline=None)
@given(st.integers(3, 6), st.integers(1, 3), st.integers(0, 10_000), st.booleans())
def test_every_roster_is_a_point_of_the_lp_at_no_more_than_its_objective(n_staff, n_roles, seed, desk_changes):
    """The greedy's shifts completed into a roster satisfy every LP row, and the LP prices them at most the model's objective.

    With :func:`test_any_duals_give_a_bound_and_clp_reaches_the_optimum`,
    this is the whole proof that the bound never exceeds the roster optimum;
    with ``desk_changes`` it holds for the tighter LP too.
    """
    b = small_model(small_branch(n_staff, n_roles, seed=seed))
    solver = cp_model.CpSolver()
    configure(solver, 5.0, 1, 0)
    assume(solver.Solve(b.with_shifts_fixed(greedy_roster(b))) in (cp_model.OPTIMAL, cp_model.FEASIBLE))
    built = staffing_lp(b, desk_changes)
    assert bool(built.changes) == (desk_changes and any(len(c) > 1 for c in b.classes))
    lp = built.relaxation
    point = roster_point(b, solver, built)
    assert np.all(lp.lower - 1e-9 <= point) and np.all(point <= lp.upper + 1e-9)
    activity = np.bincount(lp.rows, weights=lp.vals * point[lp.cols], minlength=len(lp.row_lo))
    assert np.all(lp.row_lo - 1e-6 <= activity) and np.all(activity <= lp.row_hi + 1e-6)
    assert lp.cost @ point <= solver.ObjectiveValue() + 1e-6
    bound = staffing_bound(b, 20.0, desk_changes).result
    assert bound.optimal and bound.bound <= solver.ObjectiveValue()


def test_desk_changes_tighten_the_lp():
    """A branch whose role split must move over the day: the LP that prices desk changes proves more than the one that does not."""
    b = small_model(small_branch(6, 3, seed=1))
    plain, tighter = (staffing_bound(b, 20.0, desk_changes).result for desk_changes in (False, True))
    assert plain.optimal and tighter.optimal
    assert tighter.bound > plain.bound
    assert any(what == "over_break" for what, *_ in staffing_lp(b, True).changes)  # lunches paired: the point test covers those rows


def test_prices_waiting_that_the_per_person_bound_cannot():
    """One staff member too few for the demand: the per-person relaxation sees labour only, the LP the waiting too."""
    b = small_model(small_branch(4, 2, seed=3))
    lp = staffing_bound(b, 20.0).result
    assert lp.optimal
    assert lp.bound > personal_bound(b, 2.0, 0) + 100  # more than a value unit above (scaled objective)


@pytest.mark.parametrize("time_ratio", [0.0, 1e9])
def test_the_plans_bound_takes_the_staffing_bounds(monkeypatch, time_ratio):
    """On the neighbourhood path (threshold lowered to 0, two workers) the plan's bound is at least the LPs', and below its roster.

    The LP with desk changes runs after the plain one only when enough time
    is left (``TIGHTER_LP_TIME_RATIO`` times the plain LP's): 0 always,
    1e9 never.
    """
    import staffline.optimizer.search.portfolio as portfolio
    from staffline.pipeline import plan

    monkeypatch.setattr(portfolio, "LNS_MIN_SHIFT_OPTIONS", 0)
    monkeypatch.setattr(portfolio, "TIGHTER_LP_TIME_RATIO", time_ratio)
    runs = {}
    solve = portfolio.staffing_bound

    # the LPs get 20 s whatever the search's time (a 4 s plan under load could end first): the wiring is what is tested
    def recorded(b, _limit, desk_changes=False):
        return runs.setdefault(desk_changes, solve(b, 20.0, desk_changes))

    monkeypatch.setattr(portfolio, "staffing_bound", recorded)
    p = plan(small_branch(6, 3, seed=1), WEEK, time_limit=4, workers=2, seed=0, model="profile")
    assert p.status in ("optimal", "feasible"), p.result.message
    assert sorted(runs) == ([False] if time_ratio else [False, True])
    best = max(run.result.bound for run in runs.values())
    assert all(run.result.optimal for run in runs.values()) and best > 0
    assert best / 100 - 1e-6 <= p.result.bound <= p.result.objective + 1e-6
    if not time_ratio:
        assert runs[True].result.bound > runs[False].result.bound  # the branch of test_desk_changes_tighten_the_lp
        assert p.result.bound >= runs[True].result.bound / 100 - 1e-6


def test_a_failing_lp_costs_the_bound_not_the_roster(monkeypatch):
    """No CBC binary (or CLP failing) on the neighbourhood path: the plan still has its roster and a bound from elsewhere."""
    import pulp

    import staffline.optimizer.search.portfolio as portfolio
    from staffline.pipeline import plan

    def broken(b, _limit, desk_changes=False):
        raise pulp.PulpSolverError("cbc: not found")

    monkeypatch.setattr(portfolio, "LNS_MIN_SHIFT_OPTIONS", 0)
    monkeypatch.setattr(portfolio, "staffing_bound", broken)
    p = plan(small_branch(4, 2, seed=3), WEEK, time_limit=4, workers=2, seed=0, model="profile")
    assert p.status in ("optimal", "feasible"), p.result.message
    assert 0 < p.result.bound <= p.result.objective + 1e-6


@settings(max_examples=30, deadline=None)
@given(small_lps(), st.floats(-50, 50, allow_nan=False), st.lists(st.booleans(), min_size=5, max_size=5))
def test_a_milps_relaxation_bound_is_its_lp_optimum(lp, offset, integer):
    """relaxation_bound on a PuLP problem (some variables integer, constants on both sides) proves what CLP finds for the same LP as arrays."""
    from staffline.optimizer.search.lp_bound import as_pulp, relaxation_bound

    lp.offset = offset
    reference = clp_bound(lp, 20.0)
    problem, columns, _ = as_pulp(lp)
    for var, whole in zip(columns, integer):
        if whole:
            var.cat = "Integer"  # dropped by the relaxation
    result = relaxation_bound(problem, 20.0)
    assert result.optimal and reference.optimal
    # clp_bound's barrier stops at its own optimum (tolerances 1e-4), relaxation_bound's goes on to a vertex
    assert result.lp_value == pytest.approx(reference.lp_value, abs=1e-3)
    assert result.lp_value - 2.0 < result.bound <= result.lp_value + 1e-6


@pytest.mark.parametrize("desk_changes", [False, True])
def test_the_barrier_stopped_at_its_optimum_proves_what_the_vertex_proves(desk_changes):
    """clp_bound stops CLP's barrier without the crossover; its duals prove within 0.01% of what a full solve's (crossover, a vertex) prove."""
    from staffline.optimizer.core.cbc_backend import solve_lp
    from staffline.optimizer.search.lp_bound import as_pulp

    b = small_model(small_branch(6, 3, seed=1))
    lp = staffing_lp(b, desk_changes).relaxation
    stopped = clp_bound(lp, 20.0)
    problem, _, made = as_pulp(lp)
    assert solve_lp(problem, 20.0, barrier_only=False)
    vertex = dual_bound(lp, np.array([sum(row.pi or 0.0 for row in rows) for rows in made]))
    assert stopped.optimal and vertex > 0
    assert abs(stopped.bound - vertex) <= 1e-4 * vertex  # both proven by their own duals (here 6 apart in 262,367)
    assert stopped.bound <= stopped.lp_value + 1e-6


def test_a_barrier_that_stops_short_of_the_optimum_is_solved_again_with_the_crossover():
    """min -x1, 0 <= x1 <= 3, x1 in no row: presolve solves it whole and CLP, without the crossover, reports 0 as optimal; clp_bound finds -3."""
    lp = LinearRelaxation(
        np.zeros(2),
        np.full(2, 3.0),
        np.array([0.0, -1.0]),
        0.0,
        np.zeros(2),
        np.full(2, np.inf),
        np.array([1]),
        np.array([0]),
        np.array([3.0]),
    )
    solved = clp_bound(lp, 20.0)
    assert solved.optimal and solved.lp_value == pytest.approx(-3.0, abs=1e-6)
    assert -5 < solved.bound <= -3
