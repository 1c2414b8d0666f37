"""Column generation on branch rosters (``--backend columns``): valid bounds, checked rosters, the CLI choice."""

import dataclasses
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings

from staffline.cli import main
from staffline.io import write_instance
from staffline.model import OpeningHours
from staffline.optimizer.check import check_roster
from staffline.optimizer.decomposition.branch_engine import build_master
from staffline.optimizer.decomposition.column_generation import CgStats, Deadline, generate, seed_columns
from staffline.optimizer.roster import build_waits, plan_days, solve_roster, week_rules
from staffline.optimizer.search.portfolio import ModelFactory
from staffline.pipeline import default_week, forecast_week
from tests.optimizer.branches import person, small_branch, with_staff
from tests.optimizer.test_roster_properties import small_weeks


def tiny_branch():
    """Four people, two roles, a greeter, two open days: CP-SAT proves its optimum in seconds."""
    inst = small_branch(4, 2, seed=1)
    hours = {k: (v if k in ("mon", "tue") else OpeningHours(None, None)) for k, v in inst.branch.hours.items()}
    inst = dataclasses.replace(inst, branch=dataclasses.replace(inst.branch, hours=hours))
    staff = [
        person(0, ["counter", "lobby"], min_hours_week=8, max_hours_week=40, min_days_week=1),
        person(1, ["counter"], min_hours_week=4, max_hours_week=24),
        person(2, ["lobby", "counter"], min_hours_week=4, max_hours_week=40, unavailable=("tue",)),
        person(3, ["lobby"], max_hours_week=40),
    ]
    return with_staff(inst, staff)


def root(inst, demand, week):
    """The branch master's root column generation: (stats, master, pricers)."""
    days = plan_days(inst, week)
    waits, _ = build_waits(inst, demand, days, inst.branch.objective.wait_method)
    rules = week_rules(inst, days, waits)
    b = ModelFactory(inst, days, waits, rules)()
    master, pricers = build_master(b, rules)
    stats = CgStats()
    with ThreadPoolExecutor(1) as pool:
        end = Deadline(time.perf_counter() + 60)
        seed_columns(master, pricers, end, pool)
        generate(master, pricers, end, pool, stats)
    return stats, master, pricers


def test_the_root_bound_is_below_the_proven_optimum_and_meets_the_lp():
    inst = tiny_branch()
    week = default_week(inst)
    demand = forecast_week(inst, week)
    exact = solve_roster(inst, demand, week, time_limit=20, workers=1, backend="cpsat")
    assert exact.status == "optimal"
    stats, master, pricers = root(inst, demand, week)
    assert stats.converged
    assert stats.bound <= exact.objective + 1e-6
    # at convergence the Lagrangian bound is the LP's value: the duals' share is computed right
    assert stats.bound == pytest.approx(stats.lp_value, abs=0.05)  # less the pricer's integer rounding
    # and the column LP is much closer to the optimum than nothing: every personal rule is in it
    assert stats.lp_value > 0.5 * exact.objective, (stats.lp_value, exact.objective)
    # the Lagrangian bound holds at any duals, not only the LP's: perturbed ones never exceed the optimum
    rng = np.random.default_rng(0)
    duals = master.duals()
    for _ in range(3):
        noisy = duals + rng.normal(0.0, 1.0, len(duals)) * (np.abs(duals) + 0.1)
        value = master.cover_value(noisy) + sum(p.price(noisy, 5.0)[1] for p in pricers)
        assert value <= exact.objective + 1e-6


def test_columns_roster_passes_the_checker_with_an_honest_bound():
    inst = tiny_branch()
    week = default_week(inst)
    demand = forecast_week(inst, week)
    r = solve_roster(inst, demand, week, time_limit=4, workers=1, backend="columns")
    assert r.status in ("optimal", "feasible"), r.message
    report = check_roster(inst, r.roster, week, demand.frame, demand.aht_minutes)
    assert report.ok, [str(v) for v in report.violations]
    assert r.bound <= r.objective + 1e-6
    assert report.objective >= r.bound - 1e-6  # the roster as written never beats the proven bound
    assert r.kpis["backend"] == "columns"


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_weeks())
def test_every_columns_roster_passes_the_checker(case):
    """Columns never claims infeasible (no proof); every roster it returns is checked, its bound below it."""
    _, inst = case
    week = default_week(inst)
    demand = forecast_week(inst, week)
    r = solve_roster(inst, demand, week, time_limit=4, workers=1, backend="columns", diagnose_infeasible=False)
    event(f"status {r.status}")
    if r.status in ("optimal", "feasible"):
        report = check_roster(inst, r.roster, week, demand.frame, demand.aht_minutes)
        assert report.ok, [str(v) for v in report.violations]
        assert math.isfinite(r.bound) and r.bound <= r.objective + 1e-6


@pytest.mark.parametrize("backend", ["columns", "auto"])
def test_cli_backend_choice(tmp_path, backend):
    folder = write_instance(tiny_branch(), tmp_path / "branch")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["roster", str(folder), "--out", str(out), "--time-limit", "4", "--workers", "1", "--backend", backend]
    )
    assert result.exit_code == 0, result.output
    kpis = json.loads((out / "kpis.json").read_text())
    # auto on a branch this small is the portfolio; the kpis say which search ran
    assert kpis["backend"] == ("columns" if backend == "columns" else "portfolio")
