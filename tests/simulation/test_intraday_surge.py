"""benchmarks/intraday_surge.py, small: issue 30's surge check on a tiny branch, asserting only the direction.

An 8-person, 3-role generated branch with a hand-written Wednesday (so the
published roster is the same on a busy machine; contracts relaxed so one day
is a valid week): counter walk-ins +30% over 10:00-12:00, one morning of
tickets, ``intraday`` at 10:30, both rosters simulated with the same
customers (20 replications). This roster is short on the counter even
without the surge, so the test checks the protocol and the direction (the
moves cut the counter's wait, not the total's, and break no rule), not how
early a surge is seen: tests/test_intraday_forecast.py does that, and the
full-size numbers are the benchmark's (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import importlib.util

import pandas as pd
import pytest

from staffline.simulation.surge import parse_surge
from tests.optimizer.branches import WEEK, person, small_branch, with_staff
from tests.paths import REPO

WED = WEEK + dt.timedelta(days=2)
CERTIFIED = {1: ("counter",), 2: ("counter",), 3: ("counter", "advisory"), 4: ("lobby", "counter")}
CERTIFIED |= {5: ("advisory", "counter"), 6: ("lobby", "counter"), 7: ("advisory", "counter"), 8: ("advisory", "counter")}
WEDNESDAY = [
    ("E1", "09:00", "13:00", "counter"),
    ("E2", "09:00", "12:30", "counter"),
    ("E2", "13:30", "17:00", "counter"),
    ("E3", "09:00", "12:00", "advisory"),
    ("E3", "13:00", "17:00", "advisory"),
    ("E4", "09:00", "13:00", "lobby"),
    ("E5", "09:00", "13:00", "counter"),
    ("E6", "13:00", "17:00", "lobby"),
    ("E7", "13:00", "17:00", "counter"),
    ("E8", "09:00", "13:00", "advisory"),
]


def _bench():
    spec = importlib.util.spec_from_file_location("intraday_surge", REPO / "benchmarks" / "intraday_surge.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_moves_after_a_counter_surge_cut_its_simulated_wait_without_raising_the_total():
    bench = _bench()
    branch = with_staff(
        small_branch(n_staff=7, n_roles=3), [person(i, r, min_hours_week=0.0, min_days_week=0) for i, r in CERTIFIED.items()]
    )
    published = pd.DataFrame(
        [(e, WED.isoformat(), s, t, r) for e, s, t, r in WEDNESDAY], columns=["employee", "date", "start", "end", "role"]
    )
    now = dt.datetime.combine(WED, dt.time(10, 30))
    surge = parse_surge("counter=1.3@10:00-12:00", branch.branch.role_names)
    r = bench.run(branch, published, WED, now, [surge], reps=20, seed=0, ticket_seed=0, model="profile", time_limit=1.0)
    assert r["levels"]["counter"] > 1.05  # the update sees the surge
    assert any(m["to"] == "counter" and m["time"] == "10:30" for m in r["moves"])
    before, after = r["simulated"]["published"], r["simulated"]["adjusted"]
    assert before["counter"]["customers"] == after["counter"]["customers"]  # common random numbers: the same customers
    assert after["counter"]["wait_per_customer"] < 0.8 * before["counter"]["wait_per_customer"]  # the moves cut the counter's wait
    assert r["total_customer_minutes"]["adjusted"] <= r["total_customer_minutes"]["published"]  # and not up in all
    assert r["new_violations"] == []  # certifications, role blocks, shifts: the independent checker
