"""The seeded generator reproduces the seed facts and makes branches of any size."""

import datetime as dt

import pytest

from staffline.io import load_instance, write_instance
from staffline.synthetic import generate_instance, jiangdong
from tests.paths import REPO as ROOT


@pytest.fixture(scope="module")
def demo():
    return jiangdong()


def weekday_counter_per_hour(instance):
    h = instance.history
    wk = h[(h["issued_at"].dt.day_of_week < 5) & (h["role"] == "counter")]
    days = wk["issued_at"].dt.normalize().nunique()
    return wk.groupby(wk["issued_at"].dt.hour).size() / days


def test_two_daily_peaks_with_more_than_35_counter_tickets_per_hour(demo):
    per_hour = weekday_counter_per_hour(demo)
    assert sorted(per_hour.nlargest(2).index) == [10, 15]
    assert per_hour[10] > 35 and per_hour[15] > 35
    assert per_hour[13] < per_hour[10] / 2


def test_demo_branch_matches_seed_facts(demo):
    assert len(demo.staff) == 11
    assert sum(e.roles[0] == "counter" for e in demo.staff) == 8  # pre-transformation mix 8/1/2
    assert sum(e.roles[0] == "lobby" for e in demo.staff) == 1
    assert sum(e.roles[0] == "advisory" for e in demo.staff) == 2
    assert sum(len(e.roles) >= 2 for e in demo.staff) >= 9  # multi-certified after it
    weeks = (demo.history["issued_at"].max() - demo.history["issued_at"].min()).days / 7
    assert weeks >= 25.5
    assert set(demo.history["outcome"]) == {"served", "abandoned", "diverted"}
    assert 0.05 < (demo.history["tier"] == "vip").mean() < 0.15


def test_public_holidays_and_sundays_are_closed(demo):
    days = set(demo.history["issued_at"].dt.date)
    assert dt.date(2026, 10, 1) not in days  # National Day
    assert not any(d.weekday() == 6 for d in days)


def test_month_end_surge(demo):
    h = demo.history[demo.history["issued_at"].dt.day_of_week < 5]
    per_day = h.groupby(h["issued_at"].dt.date).size()
    month_end = [n for d, n in per_day.items() if (d + dt.timedelta(days=3)).month != d.month]
    other = [n for d, n in per_day.items() if (d + dt.timedelta(days=3)).month == d.month]
    assert sum(month_end) / len(month_end) > 1.15 * sum(other) / len(other)


def test_same_seed_same_branch_other_seed_other_history():
    a, b, c = (generate_instance(6, 2, weeks=2, seed=s) for s in (4, 4, 5))
    assert a == b
    assert not a.history.equals(c.history)


@pytest.mark.parametrize("n_staff,n_roles", [(5, 1), (40, 4), (120, 6)])
def test_any_size_writes_and_loads_back_equal(tmp_path, n_staff, n_roles):
    instance = generate_instance(n_staff, n_roles, weeks=2, seed=1)
    assert len(instance.staff) == n_staff and len(instance.branch.roles) == n_roles
    for role in instance.branch.role_names:
        assert len(instance.certified(role)) >= min(3, n_staff)
    assert load_instance(write_instance(instance, tmp_path / "b")) == instance


@pytest.mark.slow
def test_two_hundred_staff_branch(tmp_path):
    instance = generate_instance(200, 6, weeks=4, seed=2)
    assert len(instance.staff) == 200
    assert load_instance(write_instance(instance, tmp_path / "b")) == instance


def test_committed_demo_folder_is_what_the_generator_makes(demo):
    assert load_instance(ROOT / "instances" / "jiangdong") == demo
