"""Steering the live day (issue 30 item 3): role moves on an updated forecast, checked independently; bad tickets exit 2.

One published roster of the small generated branch (3 s, one worker, the
profile forecast) serves every test.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.intraday import steer
from staffline.io import write_instance
from staffline.optimizer.check import check_roster
from staffline.pipeline import forecast_week
from tests.optimizer.branches import WEEK, small_branch

WED = WEEK + dt.timedelta(days=2)
NOW = dt.datetime.combine(WED, dt.time(11, 0))


@pytest.fixture(scope="module")
def branch(small_quick_plan):
    return small_quick_plan[0]


@pytest.fixture(scope="module")
def published(small_quick_plan):
    """The roster of the session's quick plan of ``branch`` (tests/conftest.py), a copy per module."""
    return small_quick_plan[1].roster.copy()


def surge_tickets(branch, role: str, factor: float, date: dt.date = WED) -> pd.DataFrame:
    """The day's tickets before 11:00: every role as forecast, ``role`` at ``factor`` times it."""
    frame = forecast_week(branch, WEEK, "profile").frame
    day = frame[(pd.to_datetime(frame["date"]).dt.date == date) & (frame["slot_start"] < "11:00")]
    rng = np.random.default_rng(0)
    issued = []
    for row in day.itertuples():
        n = rng.poisson(row.mean * (factor if row.role == role else 1.0))
        start = dt.datetime.combine(date, dt.time.fromisoformat(row.slot_start))
        issued += [(start + dt.timedelta(seconds=int(x)), row.role) for x in rng.integers(0, 60 * branch.branch.slot_minutes, n)]
    return pd.DataFrame(
        {
            "issued_at": [t for t, _ in issued],
            "service_start": pd.NaT,
            "service_end": pd.NaT,
            "role": [r for _, r in issued],
            "tier": "regular",
            "outcome": "abandoned",
        }
    )


@pytest.fixture(scope="module")
def steered(branch, published):
    # lobby (the smaller role) at 8x its forecast all morning: worth moving a counter person over in the afternoon
    role = branch.branch.roles[1].name
    return role, steer(branch, published, NOW, surge_tickets(branch, role, 8.0), model="profile", time_limit=1.0)


def test_the_surge_is_seen_and_moves_cut_its_wait(steered):
    role, r = steered
    assert r.levels[role][0] > 1.8 and 0.8 < min(v[0] for k, v in r.levels.items() if k != role) < 1.2
    assert len(r.moves) > 0 and (r.moves["time"] >= "11:00").all()
    assert (r.moves["to"] == role).any()
    assert r.waits["after"][role] < r.waits["before"][role]


def test_moves_hold_certifications_blocks_and_other_days(branch, published, steered):
    _, r = steered
    demand = forecast_week(branch, WEEK, "profile")
    report = check_roster(branch, r.roster, WEEK, demand.frame, demand.aht_minutes)
    assert report.violations == []  # every violation the checker reports is a hard one
    wed = WED.isoformat()
    assert r.roster[r.roster["date"] != wed].reset_index(drop=True).equals(published[published["date"] != wed].reset_index(drop=True))
    before = published[(published["date"] == wed) & (published["start"] < "11:00")]
    # the morning stands as it happened: every published minute before 11:00 keeps its role
    for row in before.itertuples():
        mine = r.roster[(r.roster["date"] == wed) & (r.roster["employee"] == row.employee)]
        assert ((mine["start"] <= row.start) & (mine["end"] > row.start) & (mine["role"] == row.role)).any()


def test_bad_tickets_exit_2_naming_file_row_and_field(branch, published, tmp_path):
    write_instance(branch, tmp_path / "b")
    published.to_csv(tmp_path / "roster.csv", index=False)
    role = branch.branch.roles[0].name
    (tmp_path / "today.csv").write_text(
        "issued_at,service_start,service_end,role,tier,outcome\n"
        f"{WED} 09:00:00,,,{role},regular,abandoned\n"
        f"{WED - dt.timedelta(days=1)} 09:00:00,,,{role},regular,abandoned\n"
        f"{WED} 11:30:00,,,{role},regular,abandoned\n"
        f"{WED} 09:10:00,,,greeting,regular,abandoned\n"
    )
    args = [
        "intraday",
        str(tmp_path / "b"),
        "--roster",
        str(tmp_path / "roster.csv"),
        "--now",
        f"{WED}T11:00",
        "--tickets",
        str(tmp_path / "today.csv"),
    ]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 2
    for where in ("today.csv row 3, field issued_at", "today.csv row 4, field issued_at", "today.csv row 5, field role"):
        assert where in out.output


def test_history_prior_shape_follows_how_much_days_stray():
    from staffline.intraday import history_prior_shape

    rng = np.random.default_rng(1)
    days = pd.date_range("2026-09-07", periods=70, freq="D")
    steady, wild = [], []
    for day in days:
        steady += [day + pd.Timedelta(hours=10)] * 200
        wild += [day + pd.Timedelta(hours=10)] * int(200 * rng.gamma(4.0, 0.25))
    as_history = lambda times: pd.DataFrame({"issued_at": times, "role": "counter"})  # noqa: E731
    assert history_prior_shape(as_history(steady)) > 1000  # no day-level variation: a tight prior
    assert history_prior_shape(as_history(wild)) < 10  # level sd 0.5: a wide one


@pytest.fixture(scope="module")
def late_starter(branch, published):
    """The published roster with one counter clerk's Wednesday moved to 12:00-17:00 (one block, no lunch needed).

    Overtime needs someone whose shift the surge can reach: an earlier start
    from 11:00 on. Which 3 s roster the solver publishes varies with the
    machine's load, so the test writes that person-day itself.
    """
    wed = WED.isoformat()
    counter = branch.branch.roles[0].name
    certified = {e.id for e in branch.staff if counter in e.roles}
    on_wed = published[(published["date"] == wed) & published["employee"].isin(certified)]
    hours = lambda rows: (pd.to_datetime(rows["end"], format="%H:%M") - pd.to_datetime(rows["start"], format="%H:%M")).dt.seconds.sum()  # noqa: E731
    who = min(on_wed["employee"].unique(), key=lambda e: abs(hours(on_wed[on_wed["employee"] == e]) - 5 * 3600))
    kept = published[~((published["date"] == wed) & (published["employee"] == who))]
    late = pd.DataFrame([(who, wed, "12:00", "17:00", counter)], columns=published.columns)
    return pd.concat([kept, late]).sort_values(["date", "employee", "start"], kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def counter_surge(branch):
    return surge_tickets(branch, branch.branch.roles[0].name, 3.0)


def test_allow_extend_adds_overtime_within_every_rule(branch, late_starter, counter_surge):
    published = late_starter
    # the counter at 3x all morning: worth paying overtime at the ends of shifts
    kept = steer(branch, published, NOW, counter_surge, model="profile", time_limit=1.0)
    extended = steer(branch, published, NOW, counter_surge, model="profile", time_limit=1.0, allow_extend=True)
    assert (kept.moves["kind"] == "move").all()  # without the flag shifts stay as rostered
    ext = extended.moves[extended.moves["kind"] == "extension"]
    assert len(ext) > 0 and (ext["from"] == "off").all() and (ext["time"] >= "11:00").all()
    minutes = lambda r: (pd.to_datetime(r["end"], format="%H:%M") - pd.to_datetime(r["start"], format="%H:%M")).dt.seconds.sum() // 60  # noqa: E731
    wed = WED.isoformat()
    slot = branch.branch.slot_minutes
    added = sum((pd.Timestamp(f"{wed} {m['until']}") - pd.Timestamp(f"{wed} {m['time']}")).seconds // 60 for m in ext.to_dict("records"))
    assert minutes(extended.roster[extended.roster["date"] == wed]) == minutes(published[published["date"] == wed]) + added
    assert added % slot == 0
    # each extension is priced at the overtime rate: hours x cost_per_hour x [replan] overtime_premium (1.5 by default)
    price = {e.id: e.contract.cost_per_hour * 1.5 for e in branch.staff}
    hours = lambda m: (pd.Timestamp(f"{wed} {m['until']}") - pd.Timestamp(f"{wed} {m['time']}")).seconds / 3600  # noqa: E731
    assert [m["cost"] for m in ext.to_dict("records")] == pytest.approx([hours(m) * price[m["employee"]] for m in ext.to_dict("records")])
    assert extended.as_dict()["overtime_cost"] == pytest.approx(ext["cost"].sum()) and (kept.moves["cost"] == 0).all()
    demand = forecast_week(branch, WEEK, "profile")
    assert check_roster(branch, extended.roster, WEEK, demand.frame, demand.aht_minutes).violations == []
    # the overtime hour is an extra person on duty: every role waits no longer than with moves alone, and the counter less
    counter = branch.branch.roles[0].name
    assert extended.waits["after"][counter] < kept.waits["after"][counter]
    assert all(extended.waits["after"][r] <= kept.waits["after"][r] + 1e-9 for r in kept.waits["after"])


def test_a_prohibitive_overtime_premium_leaves_shifts_as_rostered(branch, late_starter, counter_surge):
    import dataclasses

    # the same surge that buys overtime at the default premium; at 100x the labour price no hour saves that much waiting
    replan = dataclasses.replace(branch.branch.replan, overtime_premium=100.0)
    dear = dataclasses.replace(branch, branch=dataclasses.replace(branch.branch, replan=replan))
    r = steer(dear, late_starter, NOW, counter_surge, model="profile", time_limit=1.0, allow_extend=True)
    assert (r.moves["kind"] == "move").all() and r.as_dict()["overtime_cost"] == 0


def test_extensions_keep_the_rest_after_the_week_befores_last_shift():
    import dataclasses

    from staffline.intraday import extensions
    from staffline.model import OpeningHours
    from staffline.optimizer.continuity import previous_week
    from tests.optimizer.branches import person, with_staff

    base = small_branch()
    hours = {**base.branch.hours, "sun": OpeningHours(dt.time(9, 0), dt.time(21, 0))}
    rules = dataclasses.replace(base.branch.shift_rules, min_rest_hours=14.0)  # Sunday 21:00 + 14 h = Monday 11:00
    inst = dataclasses.replace(base, branch=dataclasses.replace(base.branch, hours=hours, shift_rules=rules))
    inst = with_staff(inst, [person(1, ["counter"]), person(2, ["counter"])])
    mon, sun = WEEK.isoformat(), (WEEK - dt.timedelta(days=1)).isoformat()
    cols = ["employee", "date", "start", "end", "role"]
    published = pd.DataFrame([("E1", mon, "13:00", "17:00", "counter"), ("E2", mon, "13:00", "17:00", "counter")], columns=cols)
    before = pd.DataFrame([("E1", sun, "13:00", "21:00", "counter")], columns=cols)
    alone = extensions(inst, published, WEEK, 0, 32)
    assert alone["E1"].earlier == tuple(range(15, -1, -1))  # without the week before: back to opening, Monday's rest unchecked
    ends = previous_week(inst, before, WEEK).last_end
    ext = extensions(inst, published, WEEK, 0, 32, ends)
    assert ext["E1"].earlier == tuple(range(15, 7, -1))  # 11:00-13:00: 14 h after Sunday's 21:00
    assert ext["E2"] == alone["E2"]  # nobody else's rest changes


def test_steer_with_the_week_before_keeps_mondays_rest(branch, published):
    import dataclasses

    # a counter clerk's Monday moved to 12:00-17:00 and the counter at 3x all morning: an earlier start is worth overtime.
    # The rest is 44 h (more than branch.toml allows, to reach over the closed Sunday): Saturday's 16:00 end + 44 h = Monday 12:00.
    mon, sat = WEEK.isoformat(), (WEEK - dt.timedelta(days=2)).isoformat()
    counter = branch.branch.roles[0].name
    who = sorted({e.id for e in branch.staff if counter in e.roles} & set(published.loc[published["date"] == mon, "employee"]))[0]
    kept = published[~((published["date"] == mon) & (published["employee"] == who))]
    late = pd.concat([kept, pd.DataFrame([(who, mon, "12:00", "17:00", counter)], columns=published.columns)], ignore_index=True)
    rules = dataclasses.replace(branch.branch.shift_rules, min_rest_hours=44.0)
    rested = dataclasses.replace(branch, branch=dataclasses.replace(branch.branch, shift_rules=rules))
    before = pd.DataFrame([(who, sat, "09:30", "16:00", counter)], columns=published.columns)
    now = dt.datetime.combine(WEEK, dt.time(11, 0))
    tickets = surge_tickets(branch, counter, 3.0, WEEK)
    earlier = lambda r: r.moves[(r.moves["employee"] == who) & (r.moves["kind"] == "extension") & (r.moves["time"] < "12:00")]  # noqa: E731
    alone = steer(rested, late, now, tickets, model="profile", time_limit=1.0, allow_extend=True)
    assert len(earlier(alone)) > 0  # without the week before, the clerk starts early
    rested_run = steer(rested, late, now, tickets, model="profile", time_limit=1.0, allow_extend=True, previous=before)
    assert len(earlier(rested_run)) == 0


def test_cli_previous_rows_outside_the_week_before_are_bad_input(branch, published, counter_surge, tmp_path):
    write_instance(branch, tmp_path / "b")
    published.to_csv(tmp_path / "roster.csv", index=False)
    published.to_csv(tmp_path / "previous.csv", index=False)  # this week, not the one before
    counter_surge.to_csv(tmp_path / "today.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
    args = ["intraday", str(tmp_path / "b"), "--roster", str(tmp_path / "roster.csv"), "--now", f"{WED}T11:00"]
    args += ["--tickets", str(tmp_path / "today.csv"), "--previous", str(tmp_path / "previous.csv"), "--allow-extend"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 2 and "Traceback" not in out.output, out.output
    assert "row 2" in out.output and "date" in out.output


def test_extensions_stop_at_contract_hours_shift_length_rest_and_opening():
    import dataclasses

    from staffline.intraday import extensions
    from tests.optimizer.branches import person, with_staff

    base = small_branch()
    rules = dataclasses.replace(base.branch.shift_rules, min_rest_hours=17.0)  # Wed 16:00 + 17 h = Thu 09:00
    inst = dataclasses.replace(base, branch=dataclasses.replace(base.branch, shift_rules=rules))
    inst = with_staff(
        inst, [person(1, ["counter"]), person(2, ["counter"], max_hours_week=7.0), person(3, ["counter"], latest_end=dt.time(15, 0))]
    )
    thu = (WED + dt.timedelta(days=1)).isoformat()
    wed = WED.isoformat()
    rows = [
        ("E1", wed, "09:00", "12:00", "counter"),
        ("E1", wed, "13:00", "16:00", "counter"),
        ("E1", thu, "09:00", "13:00", "counter"),
        ("E2", wed, "09:00", "12:00", "counter"),
        ("E2", wed, "13:00", "17:00", "counter"),
        ("E3", wed, "10:00", "14:00", "counter"),
    ]
    published = pd.DataFrame(rows, columns=["employee", "date", "start", "end", "role"])
    ext = extensions(inst, published, WED, 0, 32)  # from opening (09:00), 32 slots of 15 minutes
    assert "E1" not in ext or not ext["E1"].later  # rest before Thursday 09:00 ends Wednesday at 16:00
    assert "E2" not in ext  # 7 h this week already: the contract's maximum
    e3 = ext["E3"]
    assert e3.later == tuple(range(20, 24))  # 14:00-15:00: the person's latest_end
    assert e3.earlier == (3, 2, 1, 0)  # back to opening
    assert e3.most == 8  # a 4 h shift without lunch may grow to 6 h, not beyond (it would need a lunch break)


def test_cli_allow_extend_reports_extensions(branch, late_starter, counter_surge, tmp_path):
    published = late_starter
    write_instance(branch, tmp_path / "b")
    published.to_csv(tmp_path / "roster.csv", index=False)
    tickets = counter_surge.assign(issued_at=counter_surge["issued_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    tickets.to_csv(tmp_path / "today.csv", index=False)
    args = ["intraday", str(tmp_path / "b"), "--roster", str(tmp_path / "roster.csv"), "--now", f"{WED}T11:00"]
    args += ["--tickets", str(tmp_path / "today.csv"), "--model", "profile", "--time-limit", "1", "--allow-extend", "--json"]
    args += ["--out", str(tmp_path / "out")]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    import json

    moves = json.loads(out.output)["moves"]
    assert any(m["kind"] == "extension" and m["from"] == "off" for m in moves)
    written = pd.read_csv(tmp_path / "out" / "moves.csv")
    assert list(written.columns) == ["time", "employee", "from", "to", "until", "kind", "cost"] and len(written) == len(moves)
    assert all(m["cost"] > 0 for m in moves if m["kind"] == "extension")


def test_cli_decide_on_and_reps_reach_steer(branch, published, counter_surge, tmp_path):
    """--decide-on posterior skips the simulated choice (no decision in --json); a bad choice or --reps 0 exits 2."""
    import json

    write_instance(branch, tmp_path / "b")
    published.to_csv(tmp_path / "roster.csv", index=False)
    counter_surge.to_csv(tmp_path / "today.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
    args = ["intraday", str(tmp_path / "b"), "--roster", str(tmp_path / "roster.csv"), "--now", f"{WED}T11:00"]
    args += ["--tickets", str(tmp_path / "today.csv"), "--model", "profile", "--time-limit", "1", "--json"]
    posterior = CliRunner().invoke(main, [*args, "--decide-on", "posterior"])
    assert posterior.exit_code == 0, posterior.output
    assert not json.loads(posterior.output).get("decision")
    simulated = CliRunner().invoke(main, [*args, "--reps", "5"])
    assert simulated.exit_code == 0, simulated.output
    assert json.loads(simulated.output)["decision"]["chosen"]
    for bad in (["--decide-on", "guess"], ["--reps", "0"]):
        out = CliRunner().invoke(main, [*args, *bad])
        assert out.exit_code == 2 and "Traceback" not in out.output, out.output


def test_a_bad_now_is_bad_input_naming_the_option(tmp_path):
    for name in ("roster.csv", "today.csv"):
        (tmp_path / name).write_text("employee,date,start,end,role\n")
    args = ["intraday", str(tmp_path), "--roster", str(tmp_path / "roster.csv"), "--now", "noon", "--tickets", str(tmp_path / "today.csv")]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "--now" in out.output and "expected YYYY-MM-DDTHH:MM, got 'noon'" in out.output


def test_posterior_variance_squares_a_rate_sd_within_the_day_ahead_rate(branch):
    from staffline.intraday import posterior_variance, updated_walk_ins
    from staffline.pipeline import fit_walk_ins

    walk_ins, _ = fit_walk_ins(branch, WEEK, "profile")
    role = branch.branch.roles[0].name
    _, levels, spread = updated_walk_ins(walk_ins, surge_tickets(branch, role, 2.0), NOW, branch.branch.slot_minutes, 50.0)
    day_ahead = walk_ins[(pd.to_datetime(walk_ins["date"]).dt.date == WED) & (walk_ins["slot_start"] >= "11:00")]
    mine = spread[spread["role"] == role].merge(day_ahead, on=["date", "slot_start", "role", "tier"], suffixes=("", "_ahead"))
    assert len(mine) > 0 and (mine["mean"] > 0).any()
    # the recent level's sd fades into the day level's, so every slot's sd lies between the two, relative to the day-ahead rate
    relative = mine["mean"] / mine["mean_ahead"].where(mine["mean_ahead"] > 0)
    assert relative.dropna().between(0.01, 1.0).all()
    variance = posterior_variance(branch, spread).frame
    assert np.allclose(variance["mean"].to_numpy(), spread["mean"].to_numpy() ** 2)


def test_the_posterior_decision_minimises_the_posterior_averaged_wait(branch, published):
    # the counter 1.6x all morning: its level is uncertain and its queue busy, where averaging over the posterior matters
    role = branch.branch.roles[0].name
    tickets = surge_tickets(branch, role, 1.6)
    hedged = steer(branch, published, NOW, tickets, model="profile", time_limit=2.0, decide_on="posterior")
    plain = steer(branch, published, NOW, tickets, model="profile", time_limit=2.0, decide_on="mean")
    # each reports the rest-of-day waits it was decided on; averaging over the level's posterior only adds (Jensen)
    assert all(hedged.waits["before"][r] >= plain.waits["before"][r] - 1e-6 for r in plain.waits["before"])
    assert sum(hedged.waits["before"].values()) > sum(plain.waits["before"].values())
    # the hedged moves are at least as good as the plain ones on the posterior-averaged wait they minimise
    from staffline.intraday import _rest_of_day, history_prior_shape, posterior_variance, updated_walk_ins
    from staffline.pipeline import demand_from, fit_walk_ins
    from staffline.replanning import expected_waits

    walk_ins, _ = fit_walk_ins(branch, WEEK, "profile")
    walk_ins, _, spread = updated_walk_ins(walk_ins, tickets, NOW, branch.branch.slot_minutes, history_prior_shape(branch.history))
    rest = _rest_of_day(demand_from(branch, walk_ins), WED, "11:00")
    variance = posterior_variance(branch, spread)
    customers = rest.frame.groupby("role")["mean"].sum()

    def customer_minutes(roster):
        return sum(w * customers.get(r, 0.0) for r, w in expected_waits(branch, rest, WEEK, roster, variance=variance).items())

    assert customer_minutes(hedged.roster) <= customer_minutes(plain.roster) + 1e-6
    with pytest.raises(ValueError, match="decide_on"):
        steer(branch, published, NOW, tickets, model="profile", decide_on="median")
