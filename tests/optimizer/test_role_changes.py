"""The soft rule ``role changes``: configured in branch.toml, scored alike by role assignment and the checker."""

import dataclasses

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffline.branch_config import branch_to_toml, parse_branch
from staffline.errors import ProblemLog
from staffline.model import ROLE_CHANGE_WEIGHT, ROLE_CHANGES
from staffline.optimizer.check import check_roster, role_changes
from staffline.pipeline import forecast_week, plan
from tests.optimizer.branches import person, small_branch, with_staff
from tests.optimizer.test_roster_properties import tiny_branches


def weighted(inst, weight):
    objective = dataclasses.replace(inst.branch.objective, role_change_weight=weight)
    return dataclasses.replace(inst, branch=dataclasses.replace(inst.branch, objective=objective))


def test_branch_toml_key_defaults_on_and_is_range_checked():
    branch = small_branch().branch
    assert branch.objective.role_change_weight == ROLE_CHANGE_WEIGHT > 0
    text = branch_to_toml(weighted(small_branch(), 7.5).branch)
    assert parse_branch(text, ProblemLog()).objective.role_change_weight == 7.5
    log = ProblemLog()
    assert parse_branch(text.replace("role_change_weight = 7.5", "role_change_weight = -1"), log) is None
    assert [p.field for p in log.problems] == ["objective.role_change_weight"]


def test_changes_are_counted_per_person_day_across_lunch_not_across_rows_of_one_role():
    rows = pd.DataFrame(
        [
            ("E1", "2026-11-30", "09:00", "10:00", "counter"),
            ("E1", "2026-11-30", "10:00", "11:00", "lobby"),
            ("E1", "2026-11-30", "12:00", "13:00", "counter"),  # back from lunch at another desk: a change
            ("E2", "2026-11-30", "09:00", "11:00", "counter"),
            ("E2", "2026-11-30", "12:00", "13:00", "counter"),  # same desk after lunch: none
            ("E1", "2026-12-01", "13:00", "14:00", "lobby"),
        ],
        columns=["employee", "date", "start", "end", "role"],
    )
    assert role_changes(rows.itertuples()) == {("E1", "2026-11-30"): 2, ("E2", "2026-11-30"): 0, ("E1", "2026-12-01"): 0}


def solved(inst, limit=4):
    p = plan(inst, time_limit=limit, workers=1, seed=0)
    assert p.result.status in ("optimal", "feasible"), p.result.message
    demand = forecast_week(inst, p.week_start)
    return p, check_roster(inst, p.roster, p.week_start, demand.frame, demand.aht_minutes)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tiny_branches(), st.sampled_from([0.0, 1.0, ROLE_CHANGE_WEIGHT, 40.0]))
def test_rosters_keep_every_hard_rule_and_the_checker_scores_changes_as_the_model(inst, weight):
    inst = weighted(inst, weight)
    p = plan(inst, time_limit=3, workers=1)
    if p.result.status not in ("optimal", "feasible"):
        return
    demand = forecast_week(inst, p.week_start)
    report = check_roster(inst, p.roster, p.week_start, demand.frame, demand.aht_minutes)
    assert report.ok, [str(v) for v in report.violations]
    assert report.penalties.get(ROLE_CHANGES, 0.0) == pytest.approx(p.kpis["penalties"].get(ROLE_CHANGES, 0.0))
    per_day = role_changes(p.roster.itertuples())
    assert p.kpis["role_changes_per_person_day"] == pytest.approx(sum(per_day.values()) / max(len(per_day), 1), abs=1e-3)
    # the class-level bound on changes is a lower bound: the roster as written is never below the proven bound
    assert report.objective >= p.result.bound - 0.01


def test_a_heavier_weight_never_adds_changes():
    inst = with_staff(small_branch(5, 2, seed=1), [person(i, ["counter", "lobby"], min_hours_week=16) for i in range(5)])
    free, _ = solved(weighted(inst, 0.0))
    firm, report = solved(weighted(inst, 40.0))
    assert free.kpis["role_changes_per_person_day"] > 0  # otherwise the test proves nothing
    assert firm.kpis["role_changes_per_person_day"] < free.kpis["role_changes_per_person_day"]
    assert report.penalties.get(ROLE_CHANGES, 0.0) == pytest.approx(firm.kpis["penalties"].get(ROLE_CHANGES, 0.0))
