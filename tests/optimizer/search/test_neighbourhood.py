"""The neighbourhood search: checked rosters, never worse than its start, the same roster from the same seed."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import staffline.optimizer.search.portfolio as portfolio
from staffline.optimizer.check import check_roster
from staffline.optimizer.core.shift_model import SCALE
from staffline.optimizer.roster import build_waits, extract_roster, plan_days, week_rules
from staffline.optimizer.search.neighbourhood import KINDS, choose, improve, incumbent_of, sub_model
from staffline.optimizer.search.portfolio import ModelFactory, symmetry_groups, warm_start
from staffline.pipeline import forecast_week, plan
from tests.optimizer.branches import WEEK, small_branch


def started(inst):
    """The complete model of ``inst``'s week and the warm start's roster (the search's start)."""
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, forecast_week(inst, WEEK), days, "lagged")
    b = ModelFactory(inst, days, waits, week_rules(inst, days, waits, None, None, None))()  # every rule a plan has
    _, solver = warm_start(b, symmetry_groups(b, inst), 5, 0, True, stop_at_first=True)
    return b, solver  # None: the greedy's shifts admit no roster


def test_never_worse_than_its_start_and_repeatable():
    b, start = started(small_branch(8, 3, seed=1))
    first, stats = improve(b, start, seed=4, budget=2.0, sub_seconds=0.4)
    again, _ = improve(b, start, seed=4, budget=2.0, sub_seconds=0.4)
    assert first.objective <= incumbent_of(start).objective
    assert sum(stats.tries.values()) >= len(KINDS)  # every kind of neighbourhood was tried
    assert (again.objective, again.values) == (first.objective, first.values)


def test_a_sub_model_keeps_what_is_outside_the_neighbourhood():
    """Outside the freed shifts every shift variable is fixed to the incumbent; inside, the domain stays open."""
    import random

    b, start = started(small_branch(8, 3, seed=1))
    inc = incumbent_of(start)
    free = choose(b, inc, "class", 2, random.Random(0))
    assert free
    proto = sub_model(b, inc, free).proto
    for (i, d), options in b.x.items():
        for var in options.values():
            domain = list(proto.variables[var.Index()].domain)
            if (i, d) in free:
                assert domain == list(b.model.proto.variables[var.Index()].domain)
            else:
                assert domain == [inc.values[var.Index()]] * 2


def test_the_lp_gap_neighbourhood_frees_the_class_and_days_farthest_from_the_target():
    """With a target equal to the incumbent's on-duty counts except on one (class, day), that is where it frees shifts."""
    import random

    from staffline.optimizer.search.neighbourhood import farthest_days

    b, start = started(small_branch(8, 3, seed=1))
    inc = incumbent_of(start)
    target = {(c, d, s): float(sum(inc.values[b.y[c, d, s, r].Index()] for r in c)) for (c, d, s, _r) in b.y}
    c0, d0 = max(((c, d) for (c, d, _s) in target), key=lambda k: (len(b.classes[k[0]]), -k[1]))
    for key in [k for k in target if k[:2] == (c0, d0)]:
        target[key] += 2.0
    for seed in range(5):
        c, days = farthest_days(b, inc, target, random.Random(seed))
        assert c == c0 and d0 in days
        free = choose(b, inc, "lp_gap", 3, random.Random(seed), target)
        assert free and {d for _, d in free} == set(days) and all(i in b.classes[c0] for i, _ in free)
    assert choose(b, inc, "lp_gap", 3, random.Random(0)) == choose(b, inc, "days", 3, random.Random(0))  # no target yet


def checked(inst, b, solver):
    """The independent checker's report on the roster ``solver`` holds, persons' roles assigned as in a plan."""
    roster, _, _ = extract_roster(b, solver, inst, 0, per_day_limit=1.0)
    demand = forecast_week(inst, WEEK)
    return check_roster(inst, roster, WEEK, demand.frame, demand.aht_minutes)


@settings(max_examples=2, deadline=None)
@given(n_staff=st.integers(5, 9), n_roles=st.integers(2, 4), seed=st.integers(0, 5))
def test_neighbourhood_rosters_pass_the_checker_and_never_lose(n_staff, n_roles, seed):
    inst = small_branch(n_staff, n_roles, seed=seed)
    b, start = started(inst)
    assume(start is not None)  # a generated week without a roster from the warm start: nothing to improve
    best, _ = improve(b, start, seed=seed, budget=1.2, sub_seconds=0.4)
    assert best.objective <= incumbent_of(start).objective
    report = checked(inst, b, best.solver)
    assert report.ok, [str(v) for v in report.violations]


def neighbourhood_path(monkeypatch) -> list[int]:
    """Send small branches down the big-branch path (size threshold 0); the list counts the calls that took it."""
    monkeypatch.setattr(portfolio, "LNS_MIN_SHIFT_OPTIONS", 0)
    calls: list[int] = []
    search = portfolio.search_neighbourhoods

    def counted(*args, **kwargs):
        calls.append(1)
        return search(*args, **kwargs)

    monkeypatch.setattr(portfolio, "search_neighbourhoods", counted)
    return calls


def planned_and_checked(workers: int, time_limit: float):
    """A plan of the small test branch and the independent checker's report on the roster it wrote."""
    inst = small_branch(8, 3, seed=1)
    p = plan(inst, WEEK, time_limit=time_limit, workers=workers, seed=0, model="profile")
    demand = forecast_week(inst, p.week_start)
    return p, check_roster(inst, p.roster, p.week_start, demand.frame, demand.aht_minutes)


def test_a_plan_on_the_neighbourhood_path_passes_the_checker(monkeypatch):
    """The search's wiring (warm start, relaxed bound, neighbourhoods, full model) on a small branch, its size threshold lowered to 0."""
    calls = neighbourhood_path(monkeypatch)
    p, report = planned_and_checked(workers=1, time_limit=4)
    assert calls == [1]
    assert p.status in ("optimal", "feasible"), p.result.message
    assert p.result.bound <= p.result.objective + 1e-6
    assert report.ok, [str(v) for v in report.violations]


def test_searches_sharing_an_incumbent_keep_the_best_roster_either_found():
    """Two searches in threads on one incumbent: the result is what the better of them offered, feasible, never worse than the start."""
    import threading

    from staffline.optimizer.search.neighbourhood import SharedIncumbent

    inst = small_branch(8, 3, seed=1)
    b, start = started(inst)
    seen: list[int] = []
    shared = SharedIncumbent(incumbent_of(start), lambda inc: seen.append(inc.objective))
    results = {}

    def search(worker: int) -> None:
        results[worker] = improve(b, shared, seed=worker, budget=1.2, sub_seconds=0.4)

    threads = [threading.Thread(target=search, args=(worker,)) for worker in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    best = shared.best
    assert best.objective <= incumbent_of(start).objective
    assert all(found.objective == best.objective for found, _ in results.values())  # both return the shared best
    assert seen == sorted(seen, reverse=True) and (not seen or seen[-1] == best.objective)  # every improvement reported, in order
    assert checked(inst, b, best.solver).ok


def test_a_worse_roster_offered_to_the_shared_incumbent_is_refused():
    from staffline.optimizer.search.neighbourhood import Incumbent, SharedIncumbent

    shared = SharedIncumbent(Incumbent([1, 2], 100, None))
    assert not shared.offer(Incumbent([3, 4], 100, None))  # a tie is not better
    assert not shared.offer(Incumbent([3, 4], 120, None))
    assert shared.offer(Incumbent([5, 6], 90, None))
    assert shared.best.values == [5, 6]


def test_kinds_that_gain_more_per_second_are_drawn_more_often():
    """The draw weighs each kind's objective gained per deterministic second; a kind not yet tried starts at the average."""
    import random

    from staffline.optimizer.search.neighbourhood import LEAST_SHARE, LnsStats

    stats = LnsStats()
    for _ in range(10):
        stats.count("days", True, gained=300.0, seconds=0.5)  # 600 a second
        stats.count("class", True, gained=300.0, seconds=1.0)  # 300 a second: improves as often as days
        stats.count("employees", False, seconds=1.0)
    rng = random.Random(0)
    drawn = [stats.pick(("days", "class", "employees", "lp_gap"), rng) for _ in range(4000)]
    # rates about 538, 294, 21 (floored at 5% of days': 27) and 231 (untried: the average of all kinds, 6,000 in 25 s)
    assert drawn.count("days") > 1.5 * drawn.count("class")
    assert drawn.count("class") > drawn.count("lp_gap") > 4 * drawn.count("employees")
    assert drawn.count("employees") > 0.5 * LEAST_SHARE * drawn.count("days")  # never starved


def test_a_kind_that_has_not_gained_yet_is_still_drawn():
    """Before any try every kind weighs the same."""
    import random

    from staffline.optimizer.search.neighbourhood import LnsStats

    rng = random.Random(1)
    drawn = [LnsStats().pick(("days", "class"), rng) for _ in range(2000)]
    assert 800 < drawn.count("days") < 1200


def counted_relaxations(monkeypatch) -> list[float]:
    """Record every bound of the relaxation without the rules that link people (scaled, as it returns them)."""
    values: list[float] = []
    personal_bound = portfolio.personal_bound

    def counted(*args, **kwargs):
        values.append(personal_bound(*args, **kwargs))
        return values[-1]

    monkeypatch.setattr(portfolio, "personal_bound", counted)
    return values


@pytest.mark.parametrize("workers", [2, 3])
def test_a_plan_with_several_searches_passes_the_checker(monkeypatch, workers):
    """One search per worker shares the incumbent once the staffing LP is solved; the bound is the LP's and holds.

    The relaxation without the rules that link people is not solved: the
    LP's bound is the better one, and the searches start without waiting
    for it.
    """
    calls = neighbourhood_path(monkeypatch)
    relaxations = counted_relaxations(monkeypatch)
    p, report = planned_and_checked(workers=workers, time_limit=6)
    assert calls == [1] and relaxations == []
    assert p.status == "feasible", p.result.message
    assert 0 < p.result.bound <= p.result.objective + 1e-6
    assert report.ok, [str(v) for v in report.violations]


def test_without_the_staffing_lp_the_full_model_runs_for_a_bound(monkeypatch):
    """No LP (no CBC binary, or it failed): the LP's core runs CP-SAT on the full model instead, and the run still ends with a checked roster."""
    calls = neighbourhood_path(monkeypatch)

    def no_lp(*_args, **_kwargs):
        raise OSError("no CBC here")

    full_runs = []
    solve_model = portfolio.solve_model

    def counted(*args, **kwargs):
        full_runs.append(args[1])
        return solve_model(*args, **kwargs)

    monkeypatch.setattr(portfolio, "staffing_bound", no_lp)
    monkeypatch.setattr(portfolio, "solve_model", counted)
    relaxations = counted_relaxations(monkeypatch)
    p, report = planned_and_checked(workers=2, time_limit=6)
    assert calls == [1] and len(full_runs) == 1
    assert len(relaxations) == 1  # the relaxation's bound stands in for the LP's
    assert p.status in ("optimal", "feasible"), p.result.message
    assert 0 < relaxations[0] / SCALE <= p.result.bound <= p.result.objective + 1e-6
    assert report.ok, [str(v) for v in report.violations]


def test_an_lp_that_does_not_end_in_time_leaves_time_for_the_relaxations_bound(monkeypatch):
    """The LP gets part of the search's time only; when it brings back no bound, the relaxation still proves one (never bound 0)."""
    calls = neighbourhood_path(monkeypatch)
    given_seconds: list[float] = []

    def unfinished_lp(_b, time_limit, desk_changes=False):
        given_seconds.append(time_limit)
        return portfolio.StaffingBound.none(time_limit)

    monkeypatch.setattr(portfolio, "staffing_bound", unfinished_lp)
    relaxations = counted_relaxations(monkeypatch)
    p, report = planned_and_checked(workers=2, time_limit=6)
    assert calls == [1] and len(given_seconds) == 1 and len(relaxations) == 1
    assert 0 < given_seconds[0] < 6 * portfolio.STAFFING_LP_SHARE + 1e-9
    assert 0 < relaxations[0] / SCALE <= p.result.bound <= p.result.objective + 1e-6
    assert report.ok, [str(v) for v in report.violations]
