"""``[[rules]]`` tables: checked as bad input, and named alike by the model and the independent checker."""

import datetime as dt

import pytest

from staffline.constraints.registry import configured_rule
from staffline.errors import InputError
from staffline.optimizer.check import check_roster
from staffline.pipeline import forecast_week, plan
from tests.optimizer.branches import small_branch


def test_times_may_be_toml_times_or_unpadded_text():
    inst = small_branch()
    role = inst.branch.role_names[0]
    rule = configured_rule(0, {"type": "coverage", "role": role, "min": 1, "from": dt.time(9), "to": "9:30"}, inst)
    assert rule.name == f"{role} minimum 1 09:00-09:30"


@pytest.mark.parametrize(
    "table, field",
    [
        ({"type": "budget"}, "rules[0].max_cost"),
        ({"type": "coverage", "role": "counter", "min": -1}, "rules[0].min"),
        ({"type": "coverage", "role": "counter", "min": 3, "max": 2}, "rules[0].max"),
        ({"type": "max_weekend_days", "max": 1, "hard": "yes"}, "rules[0].hard"),
        ({"type": "fairness", "weight": "heavy"}, "rules[0].weight"),
        ({"type": "vip_coverage", "role": "nobody"}, "rules[0].role"),
    ],
)
def test_bad_values_name_the_rule_and_key(table, field):
    inst = small_branch(n_roles=3)
    table = {**table, "role": inst.branch.role_names[0]} if table.get("role") == "counter" else table
    with pytest.raises(InputError) as raised:
        configured_rule(0, table, inst)
    assert raised.value.problems[0].field == field


def test_checker_scores_a_soft_coverage_rule_under_the_models_name():
    """An unmeetable soft minimum written with a TOML time: the solver's penalty and the checker's carry one name and one value."""
    base = small_branch()
    role = base.branch.role_names[0]
    rule = {"type": "coverage", "role": role, "min": 40, "from": dt.time(10), "to": "11:00", "hard": False, "weight": 0.5}
    inst = small_branch(rules=(rule,))
    p = plan(inst, time_limit=5, workers=1)
    assert p.status in ("optimal", "feasible")
    name = f"{role} minimum 40 10:00-11:00"
    demand = forecast_week(inst, p.week_start)
    report = check_roster(inst, p.roster, p.week_start, demand.frame, demand.aht_minutes)
    assert report.violations == []
    assert report.penalties[name] > 0
    # The solver scores its class-level role counts; persons' roles may miss them by a few staff-slots
    # (kpis["role_assignment_mismatch_slots"]), each worth at most the rule's weight.
    slack = 0.5 * p.kpis["role_assignment_mismatch_slots"]
    assert abs(p.kpis["penalties"][name] - report.penalties[name]) <= slack + 1e-6
