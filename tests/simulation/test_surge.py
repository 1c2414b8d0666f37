"""simulate --surge / --date (issue 30 item 5): the window is scaled, nothing else; bad values are bad input."""

import datetime as dt

import pandas as pd
import pytest

from staffline.errors import InputError
from staffline.optimizer.roster import Demand
from staffline.simulation.surge import Surge, apply_surges, parse_surge

ROLES = ("counter", "lobby")


def test_parse_surge():
    assert parse_surge("counter=1.3@10:00-12:00", ROLES) == Surge("counter", 1.3, "10:00", "12:00")
    assert parse_surge(" lobby = 2 @ 9:00 - 9:30 ", ROLES) == Surge("lobby", 2.0, "09:00", "09:30")


@pytest.mark.parametrize("text", ["counter=1.3", "teller=1.3@10:00-12:00", "counter=1.3@12:00-10:00", "counter=x@10:00-12:00"])
def test_bad_surge_is_bad_input_naming_the_option(text):
    with pytest.raises(InputError) as err:
        parse_surge(text, ROLES)
    assert "--surge" in str(err.value)


def test_only_the_window_role_and_day_scale():
    days = [dt.date(2026, 12, 1), dt.date(2026, 12, 2)]
    rows = [(d.isoformat(), s, r, "regular", 10.0) for d in days for s in ("09:45", "10:00", "11:45", "12:00") for r in ROLES]
    demand = Demand(pd.DataFrame(rows, columns=["date", "slot_start", "role", "tier", "mean"]), {"counter": 5.0, "lobby": 3.0})
    out = apply_surges(demand, [Surge("counter", 1.3, "10:00", "12:00")], days[1]).frame
    scaled = out["mean"] != 10.0
    assert out.loc[scaled, "mean"].eq(13.0).all()
    assert set(map(tuple, out.loc[scaled, ["date", "slot_start", "role"]].to_numpy())) == {
        ("2026-12-02", "10:00", "counter"),
        ("2026-12-02", "11:45", "counter"),
    }
    assert demand.frame["mean"].eq(10.0).all()  # the input is left alone
