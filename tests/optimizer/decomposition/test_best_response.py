"""Best responses on Curtois-style rosters: exact per employee, never worse, and scored as the referee scores them."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from staffline.curtois.check import check_curtois
from staffline.curtois.model import _rules, build_curtois_model
from staffline.optimizer.core.shift_model import SCALE
from staffline.optimizer.decomposition.best_response import BestResponseSearch
from staffline.optimizer.decomposition.column_generation import EmployeePricer, make_pricer
from staffline.optimizer.decomposition.engine import split_rules
from tests.optimizer.decomposition.test_engine import small_instances


def _search(inst, seed=0):
    """A search over ``inst`` starting from every employee's own cheapest schedule (no covers: always allowed)."""
    rules = _rules(inst)
    b = build_curtois_model(inst, rules)
    per_employee, covers = split_rules(rules, len(b.employees))
    pricers = [make_pricer(i, e, b.days, per_employee[i]) for i, e in enumerate(b.employees)]
    start = []
    for p in pricers:
        columns, _ = p.price({}, 5.0)
        start.append(columns[0].shifts)
    templates = [[tpl.id for tpl in day.templates] for day in b.days]
    return b, BestResponseSearch(pricers, covers, templates, start, seed)


def _referee(inst, b, search):
    assignment = {(b.employees[i].id, d): b.days[d].templates[t].id for (i, d), t in search.assignment().items()}
    return check_curtois(inst, assignment)


def _best_with_others_fixed(b, search, employee: int) -> float:
    """CP-SAT's optimum of the full model when everybody but ``employee`` keeps the search's schedule."""
    model = b.model.clone()
    for (i, d), options in b.x.items():
        if i == employee:
            continue
        for t, var in options.items():
            model.Add(model.get_int_var_from_proto_index(var.Index()) == int(search.schedules[i][d] == t))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.Solve(model) == cp_model.OPTIMAL
    return round(solver.ObjectiveValue()) / SCALE


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_after_a_descent_no_single_employee_can_improve_the_roster(inst):
    b, search = _search(inst)
    search.descend(time.perf_counter() + 300)  # ends long before: a tiny instance reaches its local optimum
    value = search.objective()
    check = _referee(inst, b, search)
    assert check.violations == []
    assert check.objective == value
    for i in range(len(b.employees)):
        assert _best_with_others_fixed(b, search, i) == value, f"employee {i} had a better schedule"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_forced_moves_never_leave_a_worse_or_rule_breaking_roster(inst):
    b, search = _search(inst, seed=3)
    search.descend(time.perf_counter() + 300)
    descended = search.objective()
    search.improve(time.perf_counter() + 300, max_moves=25)  # ends by the move count long before the deadline
    assert search.stats.moves == 25
    check = _referee(inst, b, search)
    assert check.violations == []
    assert check.objective == search.objective() <= descended


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_cpsat_and_dp_pricers_cost_a_schedule_alike(inst):
    """The search takes each schedule's own penalties from its pricer; CP-SAT's must agree with the DP's."""
    b, search = _search(inst)
    per_employee, _ = split_rules(_rules(inst), len(b.employees))
    for i, schedule in enumerate(search.schedules):
        exact = EmployeePricer(i, b.employees[i], b.days, per_employee[i])
        assert exact.schedule_cost(schedule) == search.pricers[i].schedule_cost(schedule)
