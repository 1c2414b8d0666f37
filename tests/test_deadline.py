"""The run's deadline arithmetic, on a fake clock (no sleeping, no wall-clock assertions)."""

import pytest

from staffline.deadline import (
    AFTER_SEARCH_FLOOR,
    AFTER_SEARCH_SHARE,
    ROLE_DAY_MOST_SECONDS,
    ROLE_POLISH_SECONDS_PER_EMPLOYEE_DAY,
    ROLE_SECONDS_PER_EMPLOYEE_DAY,
    ROLE_SHARE,
    TAIL_SECONDS_PER_EMPLOYEE_DAY,
    Deadline,
    SharedWall,
    after_search_reserve,
    role_assignment_seconds,
    role_day_budget,
    role_day_seconds,
)


class FakeClock:
    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_remaining_counts_down_from_the_limit_and_stops_at_zero():
    clock = FakeClock()
    d = Deadline(60.0, clock)
    assert d.remaining() == 60.0 and d.elapsed() == 0.0 and not d.expired()
    clock.now += 45.5
    assert d.remaining() == pytest.approx(14.5) and d.elapsed() == pytest.approx(45.5)
    clock.now += 20.0
    assert d.remaining() == 0.0 and d.expired()


def test_budget_leaves_the_reserve_keeps_the_floor_and_the_cap():
    clock = FakeClock()
    d = Deadline(60.0, clock)
    clock.now += 10.0  # forecast and requirements took 10 s
    assert d.budget(reserve=8.0) == pytest.approx(42.0)
    assert d.budget(reserve=8.0, cap=30.0) == 30.0
    clock.now += 49.0  # 1 s left, less than the reserve
    assert d.budget(reserve=8.0) == 0.0
    assert d.budget(reserve=8.0, floor=0.5) == 0.5


def test_before_is_the_same_deadline_earlier_on_the_same_clock():
    clock = FakeClock()
    d = Deadline(60.0, clock)
    clock.now += 20.0
    early = d.before(5.0)
    assert early.remaining() == pytest.approx(35.0) and early.elapsed() == pytest.approx(20.0)
    clock.now += 36.0
    assert early.expired() and d.remaining() == pytest.approx(4.0)
    assert d.before(100.0).expired()  # a reserve longer than the limit leaves nothing, never a negative time


def test_after_search_reserve_grows_with_the_roster_and_never_takes_the_limit():
    roles, small_tail = after_search_reserve(5, 7, 60.0)
    assert roles == pytest.approx(7 * ROLE_SECONDS_PER_EMPLOYEE_DAY * 5)  # small days: under a day's budget
    assert small_tail == pytest.approx(AFTER_SEARCH_FLOOR + TAIL_SECONDS_PER_EMPLOYEE_DAY * 35)
    jiangdong_roles, tail = after_search_reserve(11, 7, 60.0, threads=2)
    assert jiangdong_roles == pytest.approx(4 * role_day_seconds(60.0)) and tail > small_tail  # four rounds of two days
    big_roles, big_tail = after_search_reserve(150, 7, 300.0)
    assert big_roles == pytest.approx(7 * role_day_seconds(300.0)) and big_tail > tail  # a day's budget caps role assignment
    assert after_search_reserve(11, 7, 60.0)[0] == pytest.approx(ROLE_SHARE * 60.0)  # one thread: 7 days' budgets, capped
    assert after_search_reserve(11, 28, 120.0, threads=2)[0] == pytest.approx(ROLE_SHARE * 120.0)  # four weeks: capped
    assert sum(after_search_reserve(300, 7, 60.0)) == pytest.approx(AFTER_SEARCH_SHARE * 60.0)  # the search keeps most
    squeezed = after_search_reserve(11, 7, 2.0, threads=2)
    assert sum(squeezed) == pytest.approx(AFTER_SEARCH_SHARE * 2.0) and squeezed[0] / squeezed[1] == pytest.approx(ROLE_SHARE * 2.0 / tail)


def test_role_day_seconds_grow_with_the_limit_between_half_a_second_and_three():
    assert role_day_seconds(1.0) == 0.5 and role_day_seconds(60.0) == pytest.approx(2.4) and role_day_seconds(600.0) == 3.0


def test_role_assignment_takes_the_time_an_early_search_leaves_within_a_cap():
    assert role_day_budget(2.4, None) == 2.4  # one worker, repeatable: never a measured amount
    assert role_day_budget(2.4, 1.0) == 2.4  # a search that used its time: the base budget
    assert role_day_budget(2.4, 9.0) == 9.0  # one that proved its optimum early: the days take what is left
    assert role_day_budget(2.4, 500.0) == ROLE_DAY_MOST_SECONDS  # within a cap


def test_shared_wall_starts_equal_and_a_job_ending_early_leaves_its_time_to_the_rest():
    clock = FakeClock()
    shares = SharedWall(Deadline(12.0, clock), threads=2, tasks=4, floor=0.5)
    assert shares.start() == pytest.approx(6.0)  # 12 s x 2 threads over 4 jobs
    assert shares.start() == pytest.approx(6.0)  # 3 waiting + 1 running
    clock.now += 1.0
    shares.done()  # the first ended after 1 s of its 6
    assert shares.start() == pytest.approx(11.0 * 2 / 3)  # 2 waiting + 1 running share the 22 thread-seconds left
    clock.now += 10.5
    shares.done()
    assert shares.start() == pytest.approx(0.5)  # 0.5 s left: never more than that, never less than the floor
    clock.now += 5.0
    assert shares.start() == 0.5  # past the deadline: the floor


def test_one_thread_one_job_gets_all_the_time_left():
    clock = FakeClock()
    shares = SharedWall(Deadline(30.0, clock), threads=1, tasks=1)
    clock.now += 4.0
    assert shares.start() == pytest.approx(26.0)


def test_a_job_may_ask_for_a_floor_of_its_own():
    """A big day's role assignment takes its own floor past the deadline; others keep the shared one."""
    from staffline.optimizer.roster import ROLE_DAY_FLOOR_MOST_SECONDS, ROLE_DAY_FLOOR_SECONDS, role_day_floor

    clock = FakeClock()
    shares = SharedWall(Deadline(1.0, clock), threads=2, tasks=3, floor=0.5)
    clock.now += 2.0  # past the deadline
    assert shares.start(floor=1.8) == 1.8
    assert shares.start() == 0.5
    assert role_day_floor(60) == pytest.approx(1.8)  # 60 people on duty: their first assignment needs about that
    assert role_day_floor(5) == ROLE_DAY_FLOOR_SECONDS
    assert role_day_floor(300) == ROLE_DAY_FLOOR_MOST_SECONDS  # capped: seven such days past the deadline broke limit + 10 s


def test_polished_days_need_less_role_assignment_time_than_solved_ones():
    """A 60-staff week whose days are only polished and kicked reserves less than with a CP-SAT model a day (four rounds of a day's budget)."""
    solved = role_assignment_seconds(60, 7, 0, 60.0, threads=2)
    polished = role_assignment_seconds(60, 0, 7, 60.0, threads=2)
    assert solved == pytest.approx(4 * role_day_seconds(60.0)) == pytest.approx(after_search_reserve(60, 7, 60.0, threads=2)[0])
    assert polished == pytest.approx(7 * 60 * ROLE_POLISH_SECONDS_PER_EMPLOYEE_DAY / 2) and polished < solved
    assert role_assignment_seconds(60, 3, 4, 60.0, threads=2) == pytest.approx(2 * role_day_seconds(60.0) + polished * 4 / 7)
    assert role_assignment_seconds(300, 0, 28, 60.0) == pytest.approx(ROLE_SHARE * 60.0)  # capped as ever
