"""Curtois-Qu benchmark: reader, independent referee, and the shared CP-SAT core on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.errors import InputError
from staffline.instances.curtois_check import check_curtois
from staffline.instances.curtois_format import read_curtois
from staffline.instances.curtois_model import solve_curtois

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "curtois"
needs_shared = pytest.mark.skipif(not (SHARED / "Instance1.txt").exists(), reason="shared Curtois files not present")

TINY = """\
SECTION_HORIZON
14
SECTION_SHIFTS
E,480,
L,480,E
SECTION_STAFF
A,E=14|L=2,4800,960,3,2,2,1
SECTION_DAYS_OFF
A,6
SECTION_SHIFT_ON_REQUESTS
A,0,E,3
SECTION_SHIFT_OFF_REQUESTS
A,1,E,5
SECTION_COVER
0,E,1,100,1
1,E,2,100,1
1,L,0,100,7
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "Tiny.txt"
    path.write_text(TINY)
    return read_curtois(path)


def test_reads_tiny_instance(tiny):
    assert tiny.horizon == 14
    assert tiny.shifts["L"].forbidden_next == frozenset({"E"})
    (a,) = tiny.staff
    assert (a.max_shifts, a.max_minutes, a.min_minutes, a.max_consecutive) == ({"E": 14, "L": 2}, 4800, 960, 3)
    assert (a.min_consecutive, a.min_days_off, a.max_weekends, a.days_off) == (2, 2, 1, frozenset({6}))
    assert [c.required for c in tiny.cover] == [1, 2, 0]


def test_objective_arithmetic(tiny):
    # A works E on days 0-1 and 3-4 (days 2 off alone -> but day 2 run of 1 day off is a violation)
    plan = {("A", 0): "E", ("A", 1): "E"}
    check = check_curtois(tiny, plan)
    # on-request met (0); off-request violated (5); cover day0 E ok, day1 E 1 short x100; no over
    assert check.breakdown == {"shift_on_requests": 0, "shift_off_requests": 5, "under_cover": 100, "over_cover": 0}
    assert check.objective == 105
    assert check.violations == []


@pytest.mark.parametrize(
    "plan, fragment",
    [
        ({("A", 0): "L", ("A", 1): "E"}, "L followed by E"),
        ({("A", d): "L" for d in range(3)}, "3 L shifts > 2"),
        ({("A", 0): "E"}, "minutes outside"),
        ({("A", d): "E" for d in range(4)}, "4 consecutive shifts"),
        ({("A", 0): "E", ("A", 1): "E", ("A", 4): "E", ("A", 8): "E", ("A", 9): "E"}, "1 consecutive shifts from day 4 < 2"),
        ({("A", 0): "E", ("A", 1): "E", ("A", 3): "E", ("A", 4): "E"}, "1 consecutive days off from day 2 < 2"),
        ({("A", 5): "E", ("A", 7): "E", ("A", 12): "E", ("A", 13): "E"}, "2 weekends worked > 1"),
        ({("A", 5): "E", ("A", 6): "E"}, "works on day off 6"),
    ],
)
def test_referee_reports_each_hard_rule(tiny, plan, fragment):
    assert any(fragment in v for v in check_curtois(tiny, plan).violations), check_curtois(tiny, plan).violations


def test_short_runs_touching_the_horizon_edges_are_allowed(tiny):
    plan = {("A", 0): "E", ("A", 13): "E", ("A", 3): "E", ("A", 4): "E"}  # one-day runs on days 0 and 13
    assert not [v for v in check_curtois(tiny, plan).violations if "consecutive" in v]


def test_solver_answer_passes_referee_and_matches_its_objective(tiny):
    result = solve_curtois(tiny, time_limit=10, workers=1)
    assert result.status == "optimal"
    check = check_curtois(tiny, result.assignment)
    assert check.violations == []
    assert check.objective == result.objective == result.bound


@pytest.mark.parametrize(
    "text, where",
    [
        (TINY.replace("SECTION_COVER", "SECTION_COVERS"), "unknown section SECTION_COVERS"),
        (TINY.replace("14\nSECTION_SHIFTS", "two weeks\nSECTION_SHIFTS"), "row 2, field horizon"),
        (TINY.replace("A,E=14|L=2,4800", "A,E=14|L=2,lots"), "row 7, field max_minutes"),
        (TINY.replace("1,E,2,100,1", "1,X,2,100,1"), "row 16, field shift: unknown shift 'X'"),
        (TINY.replace("A,0,E,3", "B,0,E,3"), "row 11, field employee"),
        (TINY.replace("A,6", "A,20"), "row 9, field day: day 20 outside the horizon"),
    ],
)
def test_malformed_files_name_the_line_and_field(tmp_path, text, where):
    path = tmp_path / "Bad.txt"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_curtois(path)
    assert where in str(err.value)
    assert str(err.value).startswith("Bad.txt")


@needs_shared
def test_every_shared_instance_parses():
    files = sorted(SHARED.glob("Instance*.txt"))
    assert len(files) >= 21
    for path in files:
        inst = read_curtois(path)
        assert inst.horizon % 7 == 0 and inst.staff and inst.shifts and inst.cover


@needs_shared
def test_instance1_reaches_its_known_optimum_607():
    inst = read_curtois(SHARED / "Instance1.txt")
    assert (inst.horizon, len(inst.staff), len(inst.shifts)) == (14, 8, 1)
    result = solve_curtois(inst, time_limit=30, workers=1)
    assert (result.status, result.objective, result.bound) == ("optimal", 607, 607)
    check = check_curtois(inst, result.assignment)
    assert check.violations == [] and check.objective == 607


@needs_shared
def test_bench_cli_json_and_tables(tmp_path):
    res = CliRunner().invoke(main, ["bench", "curtois", str(SHARED / "Instance1.txt"), "--time-limit", "20", "--workers", "1",
                                    "--json", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)
    assert row == {"instance": "Instance1.txt", "objective": 607, "bound": 607, "seconds": row["seconds"], "feasible": True}
    assert "| Instance1.txt | 8 | 14 | 1 | 607 | 607 | 1.0 |" in (tmp_path / "curtois.md").read_text()


def test_bench_cli_bad_file_exits_2(tmp_path):
    path = tmp_path / "Bad.txt"
    path.write_text("SECTION_HORIZON\nx\n")
    res = CliRunner().invoke(main, ["bench", "curtois", str(path)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and "Bad.txt row 2, field horizon" in res.output
