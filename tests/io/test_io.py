"""Loader behaviour on a small hand-written instance (the bad corpus is in test_validate_bad)."""

import datetime as dt
from pathlib import Path

import pytest

from staffline.atomic import TEMP_PREFIX, write_text
from staffline.errors import InputError
from staffline.io import load_instance, write_instance

BRANCH = """
[branch]
name = "Tiny"
slot_minutes = 15
holidays = ["2026-01-01"]

[hours]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
sat = "09:30-16:00"

[roles.counter]
kind = "counter"
aht_minutes = 4.5

[roles.lobby]
kind = "lobby"
aht_minutes = 2
min_on_duty = 1
"""
HISTORY = (
    "issued_at,service_start,service_end,role,tier,outcome\n"
    "2026-01-05 09:01:00,2026-01-05 09:03:00,2026-01-05 09:08:00,counter,regular,served\n"
    "2026-01-12 10:00:00,,,lobby,vip,abandoned\n"
)


def make_instance(folder: Path, staff: str = "id,name,roles\nE1,张伟,counter;lobby\nE2,Li,counter\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "branch.toml").write_text(BRANCH, encoding="utf-8")
    (folder / "staff.csv").write_text(staff, encoding="utf-8")
    (folder / "history.csv").write_bytes(b"\xef\xbb\xbf" + HISTORY.encode())
    return folder


def test_loads_hours_roles_staff_and_history(tmp_path):
    inst = load_instance(make_instance(tmp_path / "b"))
    assert inst.branch.role_names == ("counter", "lobby")
    assert inst.staff[0].name == "张伟" and inst.staff[0].roles == ("counter", "lobby")
    assert len(inst.history) == 2
    assert inst.history["service_start"].isna().tolist() == [False, True]
    # Sunday absent from [hours] means closed; the holiday list closes New Year.
    assert inst.branch.slots(dt.date(2026, 1, 4)) == []
    assert inst.branch.slots(dt.date(2026, 1, 1)) == []
    monday = inst.branch.slots(dt.date(2026, 1, 5))
    assert monday[0] == dt.time(9, 0) and monday[-1] == dt.time(16, 45) and len(monday) == 32


def test_contract_defaults_come_from_branch(tmp_path):
    folder = make_instance(tmp_path / "b", "id,name,roles,max_hours\nE1,A,counter,30\nE2,B,lobby,\n")
    (folder / "branch.toml").write_text(BRANCH + "\n[contract]\nmax_hours = 36\ncost_per_hour = 50\n", encoding="utf-8")
    inst = load_instance(folder)
    assert inst.staff[0].contract.max_hours_week == 30
    assert inst.staff[1].contract.max_hours_week == 36
    assert inst.staff[1].contract.cost_per_hour == 50


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    folder = make_instance(tmp_path / "b", "id,name,roles\nE1,A,teler\nE1,B,\n")
    with pytest.raises(InputError) as err:
        load_instance(folder)
    fields = [(p.file, p.row, p.field) for p in err.value.problems]
    assert ("staff.csv", 2, "roles") in fields
    assert ("staff.csv", 3, "id") in fields
    assert ("staff.csv", 3, "roles") in fields


def test_write_instance_round_trips(tmp_path):
    inst = load_instance(make_instance(tmp_path / "a"))
    write_instance(inst, tmp_path / "b")
    assert load_instance(tmp_path / "b") == inst


def test_atomic_write_leaves_no_temp_file_and_keeps_old_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")

    class Boom(Exception):
        pass

    from staffline.atomic import atomic_path

    with pytest.raises(Boom):
        with atomic_path(target) as buffer:
            buffer.write(b"half")
            raise Boom
    assert target.read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize("anonymous", [True, False], ids=["O_TMPFILE", "named temp"])
def test_staged_outputs_land_together_or_not_at_all(tmp_path, monkeypatch, anonymous):
    from staffline import atomic

    if not anonymous:
        monkeypatch.delattr(atomic.os, "O_TMPFILE", raising=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.json"
    write_text(a, "old a")
    write_text(b, "old b")
    with pytest.raises(RuntimeError):
        with atomic.staged():
            write_text(a, "new a")
            assert a.read_text() == "old a"  # nothing is renamed before the block ends
            write_text(b, "new b")
            raise RuntimeError("killed")
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    with atomic.staged():
        write_text(a, "new a")
        write_text(b, "new b")
        assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.json"]
    assert oct(a.stat().st_mode & 0o777) == "0o644"


def _only_problem(folder: Path):
    with pytest.raises(InputError) as err:
        load_instance(folder)
    (problem,) = err.value.problems
    return problem


@pytest.mark.parametrize(
    "key, default, other, bad",
    [("wait_method", "lagged", "mol", "guess"), ("demand", "mean", "expected", "p90")],
)
def test_objective_choices_default_and_unknown_values_name_the_field(tmp_path, key, default, other, bad):
    folder = make_instance(tmp_path / "b")
    assert getattr(load_instance(folder).branch.objective, key) == default
    (folder / "branch.toml").write_text(BRANCH + f'\n[objective]\n{key} = "{other}"\n', encoding="utf-8")
    assert getattr(load_instance(folder).branch.objective, key) == other
    (folder / "branch.toml").write_text(BRANCH + f'\n[objective]\n{key} = "{bad}"\n', encoding="utf-8")
    problem = _only_problem(folder)
    assert (problem.file, problem.field) == ("branch.toml", f"objective.{key}")
    assert f"unknown {key} '{bad}'" in problem.message


def test_slot_minutes_takes_every_grid_that_tiles_an_hour_and_the_error_lists_them_all(tmp_path):
    folder = make_instance(tmp_path / "b")
    for minutes in (6, 12):
        (folder / "branch.toml").write_text(BRANCH.replace("slot_minutes = 15", f"slot_minutes = {minutes}"), encoding="utf-8")
        assert load_instance(folder).branch.slot_minutes == minutes
    (folder / "branch.toml").write_text(BRANCH.replace("slot_minutes = 15", "slot_minutes = 7"), encoding="utf-8")
    problem = _only_problem(folder)
    assert (problem.file, problem.field) == ("branch.toml", "branch.slot_minutes")
    assert problem.message.endswith("expected one of 5, 6, 10, 12, 15, 20, 30, 60")
