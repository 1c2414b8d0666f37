"""The queue at ``now`` in intraday steering: read from the tickets' service times, replayed when they have none, decided on.

A hand-written Wednesday on the small generated branch (two roles, eight
people, four-hour blocks, so one day is a valid week and no plan is solved):
three people on the counter and two in the lobby all morning. The tickets
before 11:00 arrive as forecast (level about 1), so a model that starts
every slot from a stationary queue sees nothing to fix; but the counter has
called nobody since 10:00, and its hall holds the hour's customers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.intraday import steer
from staffline.intraday_queue import queue_at_now
from staffline.io import write_instance
from staffline.model import HeadcountLimits
from staffline.optimizer.check import check_roster
from staffline.optimizer.core.branch_model import plan_days
from staffline.pipeline import forecast_week
from staffline.simulation.carryover import Backlog, simulate_from, state_at
from staffline.simulation.queue_sim import QueueSpec, exponential_service
from tests.optimizer.branches import WEEK, person, small_branch, with_staff

WED = WEEK + dt.timedelta(days=2)
NOW = dt.datetime.combine(WED, dt.time(11, 0))
CERTIFIED = {1: ("counter",), 2: ("counter",), 3: ("counter", "lobby"), 4: ("lobby", "counter"), 5: ("lobby", "counter")}
CERTIFIED |= {6: ("counter",), 7: ("counter", "lobby"), 8: ("lobby", "counter")}
BLOCKS = [(1, "09:00", "13:00", "counter"), (2, "09:00", "13:00", "counter"), (3, "09:00", "13:00", "counter")]
BLOCKS += [(4, "09:00", "13:00", "lobby"), (5, "09:00", "13:00", "lobby")]
BLOCKS += [(6, "13:00", "17:00", "counter"), (7, "13:00", "17:00", "counter"), (8, "13:00", "17:00", "lobby")]


@pytest.fixture(scope="module")
def branch():
    inst = with_staff(small_branch(), [person(i, r) for i, r in CERTIFIED.items()])
    return dataclasses.replace(inst, branch=dataclasses.replace(inst.branch, headcount=HeadcountLimits()))


@pytest.fixture(scope="module")
def published():
    return pd.DataFrame(
        [(f"E{i}", WED.isoformat(), s, e, r) for i, s, e, r in BLOCKS], columns=["employee", "date", "start", "end", "role"]
    )


def as_forecast(branch, stuck_from: str | None = "10:00") -> pd.DataFrame:
    """Tickets before 11:00 at the forecast's rounded counts, spread evenly; served in 4 minutes after 30 s.

    Counter tickets issued from ``stuck_from`` on were never called (blank outcome: still waiting).
    """
    frame = forecast_week(branch, WEEK, "profile").frame
    rows = frame[(pd.to_datetime(frame["date"]).dt.date == WED) & (frame["slot_start"] < "11:00")]
    counts = rows.groupby(["slot_start", "role"])["mean"].sum().round().astype(int)
    out = []
    for (slot, role), n in counts.items():
        start = dt.datetime.combine(WED, dt.time.fromisoformat(slot))
        for k in range(n):
            issued = start + dt.timedelta(minutes=15 * (k + 0.5) / n)
            if role == "counter" and stuck_from is not None and slot >= stuck_from:
                out.append((issued, pd.NaT, pd.NaT, role, ""))
            else:
                called = issued + dt.timedelta(seconds=30)
                out.append((issued, called, called + dt.timedelta(minutes=4), role, "served"))
    tickets = pd.DataFrame(out, columns=["issued_at", "service_start", "service_end", "role", "outcome"]).assign(tier="regular")
    return tickets.sort_values("issued_at").reset_index(drop=True)


def test_the_backlog_is_read_from_the_tickets_service_times(branch, published):
    t = NOW - dt.timedelta(minutes=20)
    rows = [
        (t, t + dt.timedelta(minutes=1), t + dt.timedelta(minutes=5), "counter", "served"),  # done
        (t, pd.NaT, pd.NaT, "counter", "abandoned"),  # gone
        (t, t + dt.timedelta(minutes=15), pd.NaT, "counter", ""),  # at a desk since 10:55
        (t, pd.NaT, pd.NaT, "counter", ""),  # waiting 20 minutes
        (t + dt.timedelta(minutes=10), pd.NaT, pd.NaT, "counter", ""),  # waiting 10 minutes
        (t, pd.NaT, pd.NaT, "lobby", ""),
    ]
    tickets = pd.DataFrame(rows, columns=["issued_at", "service_start", "service_end", "role", "outcome"]).assign(tier="regular")
    demand = forecast_week(branch, WEEK, "profile")
    day = next(d for d in plan_days(branch, WEEK) if d.date == WED)
    q = queue_at_now(branch, demand, published, WEEK, day, NOW, 11 * 60, tickets, reps=5, seed=0)
    assert {r: (v.waiting, v.in_service, v.source) for r, v in q.items()} == {"counter": (2, 1, "tickets"), "lobby": (1, 0, "tickets")}
    assert sorted(q["counter"].backlogs[0].waited) == [10.0, 20.0]
    # the service at the desk has run 5 minutes: what is left is drawn from the services that last longer
    assert all(b.residual.size == 1 and b.residual[0] >= 0 for b in q["counter"].backlogs)


def test_without_service_times_the_morning_is_replayed_through_the_roster(branch, published):
    burst = [NOW - dt.timedelta(minutes=m) for m in np.linspace(1, 20, 30)]  # 30 counter customers in 20 minutes
    tickets = pd.DataFrame({"issued_at": burst, "service_start": pd.NaT, "service_end": pd.NaT, "role": "counter", "tier": "regular"})
    tickets = tickets.assign(outcome="abandoned")
    demand = forecast_week(branch, WEEK, "profile")
    day = next(d for d in plan_days(branch, WEEK) if d.date == WED)
    few = queue_at_now(branch, demand, published, WEEK, day, NOW, 11 * 60, tickets, reps=8, seed=1)
    assert few["counter"].source == "simulated" and few["counter"].in_service == 3  # all three counter desks busy
    assert 5 < few["counter"].waiting < 27  # a queue, thinned by customers who gave up
    assert few["lobby"].waiting == 0 and few["lobby"].in_service == 0
    more = published.assign(role="counter")  # everybody on the counter clears more of the burst
    many = queue_at_now(branch, demand, more, WEEK, day, NOW, 11 * 60, tickets, reps=8, seed=1)
    assert many["counter"].waiting < few["counter"].waiting
    again = queue_at_now(branch, demand, published, WEEK, day, NOW, 11 * 60, tickets, reps=8, seed=1)
    assert [b.waited.tolist() for b in again["counter"].backlogs] == [b.waited.tolist() for b in few["counter"].backlogs]


def test_the_rest_of_the_day_carries_the_backlog_and_is_seeded():
    spec = QueueSpec(15, np.full(8, 2.0), np.full(8, 2), exponential_service(4.0), patience_minutes=30.0)
    empty = simulate_from(spec, [Backlog.empty()], reps=30, seed=3)[0]
    queued = Backlog(np.full(12, 5.0), np.zeros(12, bool), np.array([2.0, 3.0]))
    loaded = simulate_from(spec, [queued], reps=30, seed=3)[0]
    assert (loaded > empty).all()  # the same new customers wait behind the backlog in every replication
    wider = simulate_from(dataclasses.replace(spec, servers=np.full(8, 3)), [queued], reps=30, seed=3)[0]
    assert wider.mean() < loaded.mean()
    assert np.array_equal(loaded, simulate_from(spec, [queued], reps=30, seed=3)[0])
    arrive = np.linspace(0, 29, 40)  # 40 customers in half an hour for two desks of 4 minutes: a queue at minute 30
    replay = state_at(spec, arrive, np.zeros(40, bool), 30.0, reps=4, seed=2)
    assert all(b.residual.size == 2 and b.waited.size > 5 for b in replay)
    assert all(np.isin(np.round(b.waited, 9), np.round(30.0 - arrive, 9)).all() for b in replay)  # waits since their own arrival


@pytest.fixture(scope="module")
def backlogged(branch, published):
    tickets = as_forecast(branch)
    return tickets, {
        rule: steer(branch, published, NOW, tickets, model="profile", time_limit=1.0, decide_on=rule) for rule in ("posterior", "simulated")
    }


def test_the_decision_clears_a_backlog_the_stationary_model_does_not_see(branch, published, backlogged):
    _tickets, r = backlogged
    assert 0.8 < r["simulated"].levels["counter"][0] < 1.25  # the counts say an ordinary morning
    assert r["simulated"].queue["counter"].waiting >= 12 and r["simulated"].queue["counter"].source == "tickets"
    assert not (r["posterior"].moves["to"] == "counter").any()  # stationary slots: nothing to fix
    moved = r["simulated"].moves
    assert ((moved["to"] == "counter") & (moved["time"] == "11:00")).any()  # a lobby person helps clear the hall at once
    scores = r["simulated"].decision["candidates"]
    chosen = r["simulated"].decision["chosen"]
    assert chosen != "published" and scores[chosen]["customer_minutes"] < scores["published"]["customer_minutes"]
    assert r["simulated"].simulated["after"]["counter"] < r["simulated"].simulated["before"]["counter"]
    demand = forecast_week(branch, WEEK, "profile")
    checked = {
        k: check_roster(branch, roster, WEEK, demand.frame, demand.aht_minutes).violations
        for k, roster in (("before", published), ("after", r["simulated"].roster))
    }
    assert [v for v in checked["after"] if v not in checked["before"]] == []  # one day is the week: the other days' gaps stand
    assert not [v for v in checked["after"] if v.date == WED.isoformat()]


def test_the_cli_reports_the_queue_at_now_and_repeats_the_librarys_decision(branch, published, backlogged, tmp_path):
    tickets, r = backlogged
    write_instance(branch, tmp_path / "b")
    published.to_csv(tmp_path / "roster.csv", index=False)
    tickets.to_csv(tmp_path / "today.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
    args = ["intraday", str(tmp_path / "b"), "--roster", str(tmp_path / "roster.csv"), "--now", f"{WED}T11:00"]
    out = CliRunner().invoke(main, [*args, "--tickets", str(tmp_path / "today.csv"), "--model", "profile", "--time-limit", "1", "--json"])
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    assert got["queue_at_now"]["counter"] == r["simulated"].queue["counter"].as_dict()
    assert got["moves"] == r["simulated"].moves.to_dict("records")  # seeded: the same decision again
    assert got["decision"] == r["simulated"].decision
