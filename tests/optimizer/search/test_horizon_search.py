"""The horizon search's steps on a three-week toy branch: handing each week's schedules round fixes what weeks alone leave unfair."""

import dataclasses
import datetime as dt

from staffline.constraints.rules import FAIRNESS_ASPECTS, Fairness
from staffline.optimizer.core.branch_model import SCALE, WaitData, plan_days
from staffline.optimizer.roster import build_waits, week_rules
from staffline.optimizer.search.horizon import hand_round, schedule_price
from staffline.optimizer.search.portfolio import SEARCHES, ModelFactory, symmetry_groups, warm_start
from staffline.pipeline import demand_from, fit_walk_ins
from tests.optimizer.branches import WEEK, person
from tests.optimizer.test_horizon import NO_FAIRNESS, four_hour_branch

WEEKS = 3


def saturdays(b, solver) -> dict[int, int]:
    return {i: sum(solver.Value(b.works[i, d]) for d, day in enumerate(b.days) if day.date.weekday() == 5) for i in range(len(b.employees))}


def week_one_optimum(inst) -> dict[tuple[int, int], int]:
    """Week 1 alone, solved (CP-SAT, one worker): its shifts (employee, day) -> template."""
    days = plan_days(inst, WEEK, 1)
    walk_ins, _ = fit_walk_ins(inst, WEEK, "profile", weeks=1)
    waits, _ = build_waits(inst, demand_from(inst, walk_ins), days, inst.branch.objective.wait_method)
    first = ModelFactory(inst, days, waits, week_rules(inst, days, waits, None, None, None))
    fb, solver, _, status, _ = SEARCHES["cpsat"](first, inst, 3, 1, 0, None)
    return {(i, d): t for (i, d), options in fb.x.items() for t, var in options.items() if solver.Value(var)}


def copied_weeks(inst, week: dict[tuple[int, int], int]):
    """The whole model of WEEKS weeks and its roster with ``week`` copied to every week: (builder, solver, shifts)."""
    walk_ins, _ = fit_walk_ins(inst, WEEK, "profile", weeks=WEEKS)
    demand = demand_from(inst, walk_ins)
    days = plan_days(inst, WEEK, WEEKS)
    waits, _ = build_waits(inst, demand, days, inst.branch.objective.wait_method)
    b = ModelFactory(inst, days, waits, week_rules(inst, days, waits, None, None, None))()
    copied = {(i, 7 * w + d): t for w in range(WEEKS) for (i, d), t in week.items()}
    _, joined = warm_start(b, symmetry_groups(b, inst), 5, 0, True, chosen=copied, budget=3)
    assert joined is not None
    start = {(i, d): t for (i, d), options in b.x.items() for t, x in options.items() if joined.Value(x)}
    return b, joined, start


def test_handing_the_weeks_schedules_round_evens_saturdays_and_the_model_prices_the_spread():
    """Week 1's optimum copied to every week puts the same people on every Saturday; handed round, the spread is at most 1."""
    roles = ("counter", "lobby")
    staff = [person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)]
    inst = four_hour_branch(staff, fairness=dataclasses.replace(NO_FAIRNESS, saturdays=100.0))
    b, joined, start = copied_weeks(inst, week_one_optimum(inst))
    before = saturdays(b, joined)
    assert max(before.values()) - min(before.values()) == WEEKS  # the same people every Saturday: weeks alone know nothing else
    for rule in [Fairness(name=aspect, aspect=aspect) for aspect in FAIRNESS_ASPECTS]:  # the hand round's counts are the model's
        for i in range(len(staff)):
            assert rule.count_of(b.days, {d: t for (j, d), t in start.items() if j == i}) == joined.Value(rule.counted(b, i))
    handed = hand_round(b, joined, start, 5, 1, 0)
    assert handed is not None
    for w in range(WEEKS):  # each week's schedules are only handed round: the same multiset of shifts
        mine = lambda s: sorted(tuple(s.get((i, d), -1) for d in range(7 * w, 7 * w + 7)) for i in range(len(staff)))  # noqa: E731
        assert mine(handed) == mine(start)
    b.model.ClearHints()
    _, verified = warm_start(b, symmetry_groups(b, inst), 5, 0, True, chosen=handed, budget=3)  # the whole model checks and prices it
    assert verified is not None
    after = saturdays(b, verified)
    spread = max(after.values()) - min(after.values())
    assert spread <= 1
    assert b.penalty_values(verified).get("fair Saturdays", 0.0) == 100.0 * spread  # the rule prices what it counts
    assert verified.ObjectiveValue() <= joined.ObjectiveValue() - 100 * SCALE * (WEEKS - 1 - spread)


def test_the_hand_round_prices_staff_requests_as_the_model_does():
    """No fairness: the hand round moves a Saturday-off request's owner off the Saturday schedules only because it prices the request."""
    from staffline.constraints.rules import StaffRequest
    from staffline.model import Request

    roles = ("counter", "lobby")
    staff = [person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)]
    plain = four_hour_branch(staff, fairness=NO_FAIRNESS)
    week = week_one_optimum(plain)
    saturday = next(i for (i, d), _ in sorted(week.items()) if d == 5)  # works week 1's Saturday
    assert any((i, 5) not in week for i in range(len(staff)))  # someone to hand that schedule to
    inst = four_hour_branch(staff, requests=[Request(staff[saturday].id, "sat", "off", weight=50.0)], fairness=NO_FAIRNESS)
    b, joined, start = copied_weeks(inst, week)
    request = next(r for r in b.rules if isinstance(r, StaffRequest))
    mine = {d: t for (j, d), t in start.items() if j == saturday}
    assert request.missed(b.days, mine) == WEEKS  # the copied roster misses it every week
    assert request.missed(b.days, mine, among=range(7, 14)) == 1
    assert b.penalty_values(joined)[request.name] == 50.0 * WEEKS  # the model prices what missed counts
    weeks_plan = {d: t for d, t in mine.items() if 7 <= d < 14}
    labour = schedule_price(b, saturday, weeks_plan, range(7, 14), [])
    assert schedule_price(b, saturday, weeks_plan, range(7, 14), [request]) == labour + 50.0  # the hand round's price of it
    handed = hand_round(b, joined, start, 5, 1, 0)
    assert handed is not None
    assert request.missed(b.days, {d: t for (j, d), t in handed.items() if j == saturday}) == 0


def test_a_three_week_plan_rotates_saturdays_and_the_checker_sees_the_same_spread():
    """E4 never works Saturdays (unavailable): not compared; among the rest, Saturdays differ by at most one, as kpis and checker say."""
    import staffline
    from staffline.forecasting.baseline import service_minutes
    from staffline.optimizer.check import check_roster
    from tests.optimizer.branches import FAST

    roles = ("counter", "lobby")
    staff = [person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)]
    staff.append(person(4, roles, max_hours_week=16.0, unavailable=("sat",)))
    inst = four_hour_branch(staff, fairness=dataclasses.replace(NO_FAIRNESS, saturdays=100.0))
    p = staffline.plan(inst, WEEK, weeks=WEEKS, **{**FAST, "time_limit": 6})
    assert p.status in ("optimal", "feasible"), p.result.message
    saturdays = [d for d in sorted(set(p.roster["date"])) if WEEK.fromisoformat(d).weekday() == 5]
    worked = p.roster[p.roster["date"].isin(saturdays)].groupby("employee")["date"].nunique().to_dict()
    counts = {e: worked.get(e, 0) for e in ("E1", "E2", "E3")}
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    report = check_roster(inst, p.roster, WEEK, p.forecast, service_minutes(inst), weeks=WEEKS)
    assert report.ok, [str(v) for v in report.violations]
    assert report.fairness["fair Saturdays"]["per_person"] == counts  # E4 is not compared
    assert p.kpis["fairness"]["fair Saturdays"]["spread"] == report.fairness["fair Saturdays"]["spread"]
    assert report.penalties.get("fair Saturdays", 0.0) == 100.0 * (max(counts.values()) - min(counts.values()))


def test_a_week_without_a_roster_takes_its_neighbours_shifts_where_they_are_allowed():
    """stand_in: week 2 found nothing in its time; week 1's shifts move a week on, except on a day the person may not work."""
    from staffline.optimizer.search.horizon import stand_in

    roles = ("counter", "lobby")
    staff = [person(1, roles), person(2, roles, unavailable=(WEEK + dt.timedelta(days=8),))]  # E2 away Tuesday of week 2
    inst = four_hour_branch(staff, fairness=NO_FAIRNESS)
    days = plan_days(inst, WEEK, 2)
    waits = WaitData(curves={}, busy={})
    week2 = ModelFactory(inst, days[7:], waits, week_rules(inst, days[7:], waits, None, None, None))()
    first = {(i, d): 0 for i in (0, 1) for d in (0, 1, 2)}  # both work Monday-Wednesday of week 1
    moved = stand_in(week2, days, first, 1, donors=[0])
    assert moved == {(0, 7): 0, (0, 8): 0, (0, 9): 0, (1, 7): 0, (1, 9): 0}


def test_weeks_side_by_side_share_the_time_per_wave():
    """Four weeks two at a time get half the weeks' share each (a wave), and what is left goes to the waves still to run."""
    from staffline.optimizer.search.horizon import WEEKS_SHARE, week_budget

    assert week_budget(100, 4, 0, spent=0.0, deterministic=False, side_by_side=2) == WEEKS_SHARE * 100 / 2
    assert week_budget(100, 4, 2, spent=10.0, deterministic=False, side_by_side=2) == WEEKS_SHARE * 100 - 10  # the last wave
    assert week_budget(100, 3, 0, spent=0.0, deterministic=False, side_by_side=2) == WEEKS_SHARE * 100 / 2  # 3 weeks: 2 waves


def test_cbc_weeks_run_one_per_worker_beside_the_horizons_lp_and_cp_sat_weeks_take_every_worker():
    from staffline.optimizer.search.horizon import week_cores

    roles = ("counter", "lobby")
    inst = four_hour_branch([person(i, roles) for i in (1, 2, 3)], fairness=NO_FAIRNESS)
    week = ModelFactory(inst, plan_days(inst, WEEK, 1), WaitData(curves={}, busy={}), [])
    assert week_cores("portfolio", 2, 4, week) == (2, True)  # a CBC process a core, the LP beside them
    assert week_cores("portfolio", 8, 4, week) == (4, True)
    assert week_cores("portfolio", 1, 4, week) == (1, False)  # one worker: CP-SAT, repeatable
    assert week_cores("cpsat", 2, 4, week) == (1, False)


def test_weeks_share_their_time_and_pass_on_what_an_early_week_left():
    """Equal shares for one-worker (repeatable) plans; otherwise what earlier weeks left goes to the weeks still to run, never less."""
    from staffline.optimizer.search.horizon import WEEKS_SHARE, week_budget

    share = WEEKS_SHARE * 100 / 4
    assert week_budget(100, 4, 1, spent=1.0, deterministic=True) == share
    assert week_budget(100, 4, 0, spent=0.0, deterministic=False) == share
    assert week_budget(100, 4, 1, spent=5.0, deterministic=False) == (WEEKS_SHARE * 100 - 5) / 3  # week 1 proved early
    assert week_budget(100, 4, 3, spent=WEEKS_SHARE * 100 + 9, deterministic=False) == share  # earlier weeks overran: still a share


def test_the_horizon_search_reports_its_rosters_to_the_progress_callback():
    """The hand-round path calls progress with each roster it keeps; the last is the plan's objective, above the plan's bound."""
    import staffline
    from tests.optimizer.branches import FAST

    roles = ("counter", "lobby")
    staff = [person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)]
    inst = four_hour_branch(staff, fairness=dataclasses.replace(NO_FAIRNESS, saturdays=100.0))
    seen: list[tuple[float, float, float]] = []
    p = staffline.plan(inst, WEEK, weeks=2, progress=lambda *point: seen.append(point), **{**FAST, "time_limit": 3})
    assert p.status in ("optimal", "feasible"), p.result.message
    assert seen, "no progress on the horizon search"
    _, objective, bound = seen[-1]
    assert abs(objective - p.kpis["objective"]) < 1e-3 and bound <= objective
    assert abs(bound - p.kpis["bound"]) < 1e-3


def test_the_hand_round_leaves_its_check_the_time_the_joined_rosters_took():
    from staffline.optimizer.search.horizon import HAND_ROUND_SHARE, hand_round_budget

    assert hand_round_budget(20.0, 2.0) == HAND_ROUND_SHARE * 20.0  # plenty left: its share
    assert hand_round_budget(9.0, 6.0) == 3.0  # the completion's 6 s stay for checking the handed roster
    assert hand_round_budget(5.0, 6.0) == 1.0  # never nothing


def test_joined_completions_out_of_time_leave_the_whole_model_a_valid_search(monkeypatch):
    """Two workers: both completions of the joined weeks fail (as out of time under load, each hinting its shifts).

    The retry stops at its first roster; after it CP-SAT searches the whole model, whose hints must not repeat (twice
    is MODEL_INVALID: jiangdong, four weeks, load 6.6, ended without a roster that way).
    """
    import staffline
    from staffline.optimizer.search import horizon
    from staffline.optimizer.search.warm_start import add_hint

    calls = []

    def out_of_time(b, *args, **kwargs):
        calls.append(kwargs.get("stop_at_first", False))
        add_hint(b, {})  # what a failed completion leaves behind
        return 0.0, None

    monkeypatch.setattr(horizon, "warm_start", out_of_time)
    roles = ("counter", "lobby")
    inst = four_hour_branch([person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)], fairness=NO_FAIRNESS)
    p = staffline.plan(inst, WEEK, weeks=2, time_limit=8, workers=2, seed=0, model="profile")
    assert calls == [False, True]
    assert p.status in ("optimal", "feasible"), p.result.message


def test_weeks_not_begun_when_their_share_is_up_are_skipped_for_a_roster(monkeypatch):
    """Two workers, the weeks' share already up: no week is searched (each counts 0); greedy shifts stand in and the plan still has a roster.

    Its bound is then the whole horizon's LP relaxation, solved beside the weeks.
    """
    import staffline
    from staffline.optimizer.search import horizon

    searched = []
    monkeypatch.setattr(horizon, "WEEKS_SHARE", 0.0)
    monkeypatch.setattr(horizon, "SEARCHES", {name: lambda *args: searched.append(args) for name in horizon.SEARCHES})
    roles = ("counter", "lobby")
    inst = four_hour_branch([person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)], fairness=NO_FAIRNESS)
    p = staffline.plan(inst, WEEK, weeks=2, time_limit=8, workers=2, seed=0, model="profile")
    assert searched == []
    assert p.status in ("optimal", "feasible"), p.result.message
    assert 0 < p.kpis["bound"] <= p.kpis["objective"]  # the LP's: the skipped weeks count 0


def test_a_failing_horizon_lp_leaves_the_weeks_to_plan_alone(monkeypatch):
    """No CBC binary (or CLP failing): no Saturday plan and no LP bound, but the plan has its roster and the weeks' bound."""
    import staffline
    from staffline.optimizer.search.horizon_bound import HorizonLp

    def broken(self, key):
        raise OSError("no CBC binary")

    monkeypatch.setattr(HorizonLp, "solve", broken)
    roles = ("counter", "lobby")
    staff = [person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)]
    inst = four_hour_branch(staff, fairness=dataclasses.replace(NO_FAIRNESS, saturdays=100.0))
    p = staffline.plan(inst, WEEK, weeks=2, time_limit=8, workers=2, seed=0, model="profile")
    assert p.status in ("optimal", "feasible"), p.result.message
    assert 0 < p.kpis["bound"] <= p.kpis["objective"]
