"""The gap search: its schedule lists are complete, its cover limits are right, and it finds or refutes a target exactly."""

from __future__ import annotations

import dataclasses
import importlib.util
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from staffline.curtois.check import check_curtois
from staffline.curtois.format import CurtoisInstance, Shift, ShiftRequest, Staff
from staffline.curtois.model import _rules, build_curtois_model, shift_ids
from staffline.curtois.reader import read_curtois
from staffline.optimizer.core.shift_model import SCALE
from staffline.optimizer.decomposition import gap_search as gap_search_module
from staffline.optimizer.decomposition.column_generation import CoverRow, DpPricer, EmployeePricer, make_pricer
from staffline.optimizer.decomposition.gap_search import cover_limits, gap_search, schedules_within
from tests.optimizer.decomposition.test_schedule_dp import SHIFT_IDS, pricing_inputs
from tests.paths import CURTOIS, REPO


def cpsat_schedules_within(exact: EmployeePricer, duals, budget: float) -> set[tuple[int, ...]]:
    """Every schedule whose reduced cost (penalties minus duals) is at most ``budget``, by CP-SAT's enumeration."""
    model = exact.b.model.clone()
    model.clear_objective()
    coeffs = dict(exact.penalty_coeffs)
    for d, t, k in exact.cells:
        coeffs[k] = coeffs.get(k, 0) - int(round(duals[d, exact.templates[d][t]] * SCALE))
    expression = sum(c * model.GetIntVarFromProtoIndex(k) for k, c in coeffs.items())
    model.Add(expression + int(round(exact.penalty_offset)) <= int(math.floor(budget * SCALE + 1e-9)))
    seen: set[tuple[int, ...]] = set()

    class Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            shifts = [-1] * exact.n_days
            for d, t, k in exact.cells:
                if self.Value(model.GetIntVarFromProtoIndex(k)):
                    shifts[d] = t
            seen.add(tuple(shifts))

    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    # no LP relaxation: the search is still complete (OPTIMAL or INFEASIBLE below), but a one-employee model
    # enumerates 10-25x faster without it (5,565 schedules: 0.7 s instead of 19 s, the same set)
    solver.parameters.linearization_level = 0
    assert solver.Solve(model, Collect()) in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return seen


@st.composite
def loose_employees(draw):
    """One employee whose rules leave many schedules (the schedule DP's own tests draw tighter ones), duals in quarters."""
    horizon = draw(st.sampled_from([7, 14]))
    ids = SHIFT_IDS[: draw(st.integers(1, 3))]
    shifts = {s: Shift(s, 480, frozenset(b for b in ids if draw(st.integers(0, 3)) == 0)) for s in ids}
    staff = Staff(
        "A",
        {s: draw(st.sampled_from([2, 4, horizon])) for s in ids},
        480 * horizon,
        480 * draw(st.integers(0, 3)),
        draw(st.integers(3, 6)),
        draw(st.integers(1, 2)),
        draw(st.integers(1, 2)),
        draw(st.integers(1, horizon // 7)),
        frozenset(draw(st.lists(st.integers(0, horizon - 1), max_size=2, unique=True))),
    )
    requests = draw(st.lists(st.tuples(st.integers(0, horizon - 1), st.sampled_from(ids), st.integers(1, 3), st.booleans()), max_size=4))
    on = [ShiftRequest("A", d, s, w) for d, s, w, is_on in requests if is_on]
    off = [ShiftRequest("A", d, s, w) for d, s, w, is_on in requests if not is_on]
    duals = {(d, s): draw(st.integers(-4, 12)) / 4 for d in range(horizon) for s in ids}
    return CurtoisInstance("random", horizon, shifts, [staff], on, off, []), duals


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loose_employees(), st.sampled_from([0.0, 0.5, 2.0, 5.0]))
def test_the_dp_lists_exactly_the_schedules_cpsat_enumerates_within_the_gap(case, gap):
    inst, duals = case
    employee, grid, rules = pricing_inputs(inst)
    dp = make_pricer(0, employee, grid, rules)
    assert isinstance(dp, DpPricer)
    exact = EmployeePricer(0, employee, grid, rules)
    _, cheapest = exact.price(duals, 10.0)
    if cheapest == math.inf:  # no schedule at all
        assert schedules_within(dp, duals, 0.0, gap, 20_000) == []
        return
    cheapest = round(cheapest * 4) / 4  # duals in quarters, requests whole: CP-SAT's bound carries rounding slack
    listed = schedules_within(dp, duals, cheapest, gap, 20_000)
    assume(listed is not None)  # ties at zero duals can list hundreds of thousands: CP-SAT would take minutes
    assert len(set(listed)) == len(listed)
    assert set(listed) == cpsat_schedules_within(exact, duals, cheapest + gap)


@pytest.mark.skipif(not CURTOIS.exists(), reason="the Curtois-Qu instances are not beside the repository")
def test_a_list_longer_than_its_limit_is_reported_incomplete():
    inst = read_curtois(CURTOIS / "Instance1.txt")
    b = build_curtois_model(inst)
    dp = make_pricer(0, b.employees[0], b.days, [r for r in _rules(inst) if getattr(r, "employee", None) == 0])
    no_duals: dict = {}
    _, cheapest = dp.price(no_duals, 5.0)
    assert schedules_within(dp, no_duals, cheapest, 1000.0, 3) is None
    assert len(schedules_within(dp, no_duals, cheapest, 0.0, 1000)) >= 1


def test_cover_rows_whose_slack_does_not_fit_the_gap_must_be_met():
    rows = [CoverRow(0, "D", 2, 100, 1), CoverRow(1, "D", 2, 100, 1), CoverRow(2, "D", 2, 100, 1)]
    duals = {(0, "D"): 99.5, (1, "D"): 2.0, (2, "D"): -0.5}
    # shortfall costs 0.5, 98, 100.5 above the Lagrangian value; excess 100.5, 3, 0.5
    assert cover_limits(rows, duals, gap=1.0) == {(0, "D"): (False, True), (1, "D"): (True, True), (2, "D"): (True, False)}
    with pytest.raises(ValueError, match="day 0 shift D"):
        cover_limits(rows[:1], {(0, "D"): 101.0}, gap=1.0)


@pytest.mark.skipif(not CURTOIS.exists(), reason="the Curtois-Qu instances are not beside the repository")
def test_instance1_optimum_is_found_and_one_less_is_refuted():
    inst = read_curtois(CURTOIS / "Instance1.txt")
    rules = _rules(inst)
    b = build_curtois_model(inst, rules)
    found = gap_search(b, rules, target=607, time_limit=60)
    assert found.status == "found" and found.objective == 607
    assert found.lp < 607  # the LP alone does not prove it: the search does
    check = check_curtois(inst, shift_ids(b, found.shifts))
    assert check.violations == [] and check.objective == 607
    refuted = gap_search(b, rules, target=606, time_limit=60)
    assert refuted.status == "none" and refuted.shifts is None


def _gap_benchmark():
    path = REPO / "benchmarks" / "curtois_gap.py"
    spec = importlib.util.spec_from_file_location("curtois_gap_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not CURTOIS.exists(), reason="the Curtois-Qu instances are not beside the repository")
def test_the_benchmark_script_reports_the_search_and_the_checkers_score(capsys, tmp_path):
    bench = _gap_benchmark()
    assert bench.main([str(CURTOIS / "Instance1.txt"), "--at-most", "607"]) == 0
    line = capsys.readouterr().out
    assert "status=found" in line and "objective=607.0" in line and "checker_objective=607 feasible=True" in line
    assert bench.main([str(CURTOIS / "Instance1.txt"), "--at-most", "606"]) == 0
    assert "status=none" in capsys.readouterr().out
    broken = tmp_path / "broken.txt"
    broken.write_text("SECTION_HORIZON\nfourteen\n")
    assert bench.main([str(broken), "--at-most", "1"]) == 2
    problems = capsys.readouterr().err.strip().splitlines()
    assert all("broken.txt" in line for line in problems)
    assert any("row 2, field horizon" in line for line in problems) and not any("Traceback" in line for line in problems)


@pytest.mark.skipif(not CURTOIS.exists(), reason="the Curtois-Qu instances are not beside the repository")
def test_a_roster_that_time_left_unproved_is_returned_as_feasible(monkeypatch):
    inst = read_curtois(CURTOIS / "Instance1.txt")
    rules = _rules(inst)
    b = build_curtois_model(inst, rules)
    real_solve = gap_search_module.solve_cbc

    def stopped_early(model, seconds, workers, **options):  # CBC's roster, as if its time had ended before the proof
        solved = real_solve(model, seconds, workers, **options)
        return dataclasses.replace(solved, status=cp_model.FEASIBLE)

    monkeypatch.setattr(gap_search_module, "solve_cbc", stopped_early)
    result = gap_search(b, rules, target=620, time_limit=60)
    assert result.status == "feasible" and result.objective is not None and result.objective <= 620
    check = check_curtois(inst, shift_ids(b, result.shifts))
    assert check.violations == [] and check.objective == result.objective
