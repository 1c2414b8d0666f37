"""Diversion what-if (--divert / [branch] divert) and appointments beside the walk-in forecast."""

import dataclasses
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from staffline.cli import main
from staffline.errors import InputError
from staffline.forecasting.diversion import (
    VALUE_COLUMNS,
    apply_diversion,
    parse_divert_options,
)
from staffline.io import load_instance
from staffline.model import RoleKind
from staffline.pipeline import default_week, fit_walk_ins, forecast_week
from tests.io.test_io import BRANCH, make_instance

DEMO = "instances/jiangdong"


@pytest.fixture(scope="module")
def demo():
    instance = load_instance(DEMO)
    week = default_week(instance)
    return instance, week, forecast_week(instance, week).frame


def _totals(frame):
    return frame.groupby("role")[VALUE_COLUMNS].sum()


@settings(max_examples=25, deadline=None)
@given(share=st.floats(0, 0.99), per_diverted=st.floats(0, 1))
def test_diverted_walk_ins_leave_the_counter_and_a_part_reaches_the_lobby(demo, share, per_diverted):
    instance, _, frame = demo
    branch = dataclasses.replace(instance.branch, divert_to_lobby=per_diverted)
    after = apply_diversion(frame, branch, {"counter": share})
    before_t, after_t = _totals(frame), _totals(after)
    assert after_t.loc["counter", "mean"] == pytest.approx((1 - share) * before_t.loc["counter", "mean"])
    moved = share * before_t.loc["counter"] * per_diverted
    assert after_t.loc["lobby"].to_numpy() == pytest.approx((before_t.loc["lobby"] + moved).to_numpy())
    assert after_t.loc["advisory"].equals(before_t.loc["advisory"])
    values = after[VALUE_COLUMNS]
    assert (values.to_numpy() >= -1e-12).all()
    assert ((values["lo95"] <= values["lo80"] + 1e-9) & (values["hi80"] <= values["hi95"] + 1e-9)).all()


def test_diversion_works_slot_by_slot(demo):
    instance, _, frame = demo
    after = apply_diversion(frame, instance.branch, {"counter": 0.5})
    key = ["date", "slot_start", "tier"]
    c0 = frame[frame["role"] == "counter"].set_index(key)["mean"]
    l0, l1 = (f[f["role"] == "lobby"].set_index(key)["mean"] for f in (frame, after))
    expected = l0 + 0.5 * instance.branch.divert_to_lobby * c0.reindex(l0.index)
    assert l1.to_numpy() == pytest.approx(expected.to_numpy())
    assert frame.equals(forecast_week(instance, default_week(instance)).frame)  # the input is not modified


@pytest.mark.parametrize(
    "shares, message",
    [
        ({"teller": 0.1}, "unknown role 'teller'"),
        ({"lobby": 0.1}, "is the lobby itself"),
        ({"counter": 1.0}, "must be in [0, 1)"),
    ],
)
def test_bad_shares_are_refused_with_the_reason(demo, shares, message):
    instance, _, frame = demo
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(")", r"\)")):
        apply_diversion(frame, instance.branch, shares)


def test_a_branch_without_lobby_cannot_divert(demo):
    instance, _, frame = demo
    no_lobby = dataclasses.replace(instance.branch, roles=tuple(r for r in instance.branch.roles if r.kind is not RoleKind.LOBBY))
    with pytest.raises(ValueError, match="needs a lobby role"):
        apply_diversion(frame[frame["role"] != "lobby"], no_lobby, {"counter": 0.2})


def test_parse_divert_options():
    assert parse_divert_options(("counter=0.2", " advisory = 0.1")) == {"counter": 0.2, "advisory": 0.1}
    for bad in ("counter", "=0.2", "counter=lots"):
        with pytest.raises(ValueError, match="ROLE=SHARE"):
            parse_divert_options((bad,))


def test_branch_toml_divert_is_applied_and_round_trips(tmp_path, demo):
    folder = make_instance(tmp_path / "b")
    text = BRANCH.replace('holidays = ["2026-01-01"]', 'holidays = ["2026-01-01"]\ndivert = { counter = 0.25 }')
    (folder / "branch.toml").write_text(text, encoding="utf-8")
    branch = load_instance(folder).branch
    assert dict(branch.divert) == {"counter": 0.25}
    from staffline.branch_config import branch_to_toml, parse_branch
    from staffline.errors import ProblemLog

    assert parse_branch(branch_to_toml(branch), ProblemLog()) == branch

    instance, week, frame = demo
    configured = dataclasses.replace(instance, branch=dataclasses.replace(instance.branch, divert={"counter": 0.25}))
    assert _totals(forecast_week(configured, week).frame).loc["counter", "mean"] == pytest.approx(
        0.75 * _totals(frame).loc["counter", "mean"]
    )
    overridden = forecast_week(configured, week, divert={"counter": 0.0}).frame  # the command line wins
    assert _totals(overridden).loc["counter", "mean"] == pytest.approx(_totals(frame).loc["counter", "mean"])


@pytest.mark.parametrize(
    "line, field, message",
    [
        ("divert = { teller = 0.2 }", "branch.divert", "unknown role 'teller'"),
        ("divert = { lobby = 0.2 }", "branch.divert", "is the lobby itself"),
        ("divert = { counter = 2 }", "branch.divert", "must be a number in [0, 1)"),
        ('history = "sqlite:///t.db"', "branch.history", "exactly one of history_table or history_query"),
        ('history_table = "tickets"', "branch.history_table", "only valid when history is a database URL"),
    ],
)
def test_bad_branch_settings_name_line_and_field(tmp_path, line, field, message):
    folder = make_instance(tmp_path / "b")
    (folder / "branch.toml").write_text(BRANCH.replace("slot_minutes = 15", f"slot_minutes = 15\n{line}"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_instance(folder)
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.field) == ("branch.toml", 5, field)
    assert message in problem.message


def test_appointments_sit_beside_walk_ins_not_inside_them(demo):
    instance, week, frame = demo
    apps = instance.appointments
    in_week = apps[(apps["start"].dt.date >= week) & (apps["start"].dt.date < week + __import__("datetime").timedelta(days=7))]
    assert len(in_week) > 0
    assert frame["appointments"].sum() == len(in_week)
    booked = frame[frame["appointments"] > 0]
    assert set(booked["role"]) == set(in_week["role"])
    walk_ins, _ = fit_walk_ins(instance, week)  # the same (branch default) model the frame was made with
    assert frame["mean"].to_numpy() == pytest.approx(walk_ins["mean"].to_numpy())


def test_forecast_cli_prints_the_diversion_change_and_refuses_bad_values(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["forecast", DEMO, "--out", str(tmp_path), "--divert", "counter=0.2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    change = payload["divert_change"]
    assert change["counter"] < 0 < change["lobby"]
    assert change["lobby"] == pytest.approx(-0.3 * change["counter"], abs=0.1)
    assert payload["weekly_appointments"]["advisory"] > 0
    bad = runner.invoke(main, ["forecast", DEMO, "--out", str(tmp_path / "x"), "--divert", "lobby=0.2"])
    assert bad.exit_code == 2
    assert "is the lobby itself" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "x").exists()
