"""Curtois-Qu benchmark: reader, independent referee, and the shared CP-SAT core on it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.curtois import reader as strict
from staffline.curtois.bench import spread
from staffline.curtois.check import CheckResult, check_curtois, roster_frame
from staffline.curtois.model import solve_curtois
from staffline.curtois.reader import read_curtois
from staffline.errors import InputError
from tests.paths import CURTOIS

needs_shared = pytest.mark.skipif(not (CURTOIS / "Instance1.txt").exists(), reason="shared Curtois files not present")
HELD_BACK = {"Instance5.txt", "Instance9.txt", "Instance11.txt"}  # evaluation only: never read here


def shared_files() -> list[Path]:
    return sorted(p for p in CURTOIS.glob("Instance*.txt") if p.name not in HELD_BACK)


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
    files = shared_files()
    assert len(files) >= 21
    for path in files:
        inst = read_curtois(path)
        assert inst.horizon % 7 == 0 and inst.staff and inst.shifts and inst.cover


@pytest.fixture(scope="module")
def instance1_solved():
    """Instance1 and solve_curtois's answer with 30 s and one worker, solved once for the tests that check it (CI time)."""
    inst = read_curtois(CURTOIS / "Instance1.txt")
    return inst, solve_curtois(inst, time_limit=30, workers=1)


@needs_shared
def test_instance1_reaches_its_known_optimum_607(instance1_solved):
    inst, result = instance1_solved
    assert (inst.horizon, len(inst.staff), len(inst.shifts)) == (14, 8, 1)
    assert (result.status, result.objective, result.bound) == ("optimal", 607, 607)
    check = check_curtois(inst, result.assignment)
    assert check.violations == [] and check.objective == 607


@needs_shared
@pytest.mark.parametrize("method", ["columns", "compact"])
def test_bench_cli_json_and_tables(tmp_path, method):
    res = CliRunner().invoke(
        main,
        [
            "bench",
            "curtois",
            str(CURTOIS / "Instance1.txt"),
            "--time-limit",
            "20",
            "--workers",
            "1",
            "--method",
            method,
            "--json",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)
    assert row == {"instance": "Instance1.txt", "objective": 607, "bound": 607, "seconds": row["seconds"], "feasible": True}
    assert "| Instance1.txt | 8 | 14 | 1 | 607 | 607 | 1.0 |" in (tmp_path / "curtois.md").read_text()


@needs_shared
def test_bench_cli_repeat_runs_each_seed_and_writes_the_spread(tmp_path):
    """--repeat's seeds and spread table; on the compact model, which proves Instance1 in well under a second a seed
    (the column engine took 10 s a seed here, and its CLI run is test_bench_cli_json_and_tables[columns])."""
    res = CliRunner().invoke(
        main,
        [
            "bench",
            "curtois",
            str(CURTOIS / "Instance1.txt"),
            "--time-limit",
            "20",
            "--workers",
            "1",
            "--seed",
            "3",
            "--repeat",
            "2",
            "--method",
            "compact",
            "--json",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [(r["seed"], r["objective"], r["feasible"]) for r in rows] == [(3, 607, True), (4, 607, True)]
    assert "| Instance1.txt | 607 | 2 | 2 | 607.0 | 607.0 | 607.0 | 1.0 | 1.0 |" in (tmp_path / "curtois_spread.md").read_text()
    assert (tmp_path / "curtois.md").exists()


def test_the_spread_counts_only_feasible_runs_and_takes_min_median_max():
    def run(objective, feasible):
        return pd.DataFrame([{"instance": "InstanceX.txt", "objective": objective, "best_known": 100, "feasible": feasible}])

    table = spread([run(110, True), run(90, False), run(104, True), run(None, False), run(101, True)])
    row = table.to_dict("records")[0]
    assert row == {
        "instance": "InstanceX.txt",
        "best_known": 100,
        "runs": 5,
        "feasible_runs": 3,
        "min": 101.0,
        "median": 104.0,
        "max": 110.0,
        "min_ratio": 1.01,
        "max_ratio": 1.1,
    }
    none = spread([run(None, False)]).to_dict("records")[0]
    assert none["feasible_runs"] == 0 and none["min"] is None and none["min_ratio"] is None


def test_bench_cli_bad_file_exits_2(tmp_path):
    path = tmp_path / "Bad.txt"
    path.write_text("SECTION_HORIZON\nx\n")
    res = CliRunner().invoke(main, ["bench", "curtois", str(path)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and "Bad.txt row 2, field horizon" in res.output


# --- strict reader (staffline.curtois.reader), referee API, roster frame -------------------------------


def _best_known_rows() -> dict[str, dict]:
    if not (CURTOIS / "best_known.csv").exists():
        return {}
    with (CURTOIS / "best_known.csv").open(newline="") as fh:
        return {f"Instance{r['instance']}.txt": r for r in csv.DictReader(fh)}


@needs_shared
@pytest.mark.parametrize("name", [p.name for p in shared_files()] if CURTOIS.exists() else [])
def test_strict_reader_parses_every_shared_instance_with_the_published_sizes(name):
    inst = strict.read_curtois(CURTOIS / name)
    row = _best_known_rows()[name]
    assert (inst.horizon, len(inst.staff), len(inst.shifts)) == (int(row["days"]), int(row["employees"]), int(row["shift_types"]))
    assert inst == read_curtois(CURTOIS / name)  # same dataclasses, same content as the lenient reader
    assert inst.name == name[:-4]
    ids = {e.id for e in inst.staff}
    assert all(r.employee in ids and r.shift in inst.shifts for r in inst.shift_on_requests + inst.shift_off_requests)
    assert all(0 <= c.day < inst.horizon and c.shift in inst.shifts for c in inst.cover)


@needs_shared
def test_instance1_contents():
    inst = strict.read_curtois(CURTOIS / "Instance1.txt")
    assert (inst.horizon, len(inst.staff), list(inst.shifts)) == (14, 8, ["D"])
    assert inst.shifts["D"].minutes == 480 and inst.shifts["D"].forbidden_next == frozenset()
    a = inst.staff[0]
    assert (a.id, a.max_shifts, a.max_minutes, a.min_minutes) == ("A", {"D": 14}, 4320, 3360)
    assert (a.max_consecutive, a.min_consecutive, a.min_days_off, a.max_weekends, a.days_off) == (5, 2, 2, 1, frozenset({0}))
    assert (len(inst.shift_on_requests), len(inst.shift_off_requests), len(inst.cover)) == (21, 5, 14)
    assert inst.shift_on_requests[0] == strict.ShiftRequest("A", 2, "D", 2)
    assert inst.cover[1] == strict.Cover(1, "D", 7, 100, 1)


def test_strict_reader_reads_tiny_like_the_lenient_one(tmp_path):
    path = tmp_path / "Tiny.txt"
    path.write_text(TINY.replace("\n", "\r\n"))  # the shared files use CRLF
    assert strict.read_curtois(path) == read_curtois(path)
    assert strict.parse_curtois(TINY, name="Tiny") == read_curtois(path)


@pytest.mark.parametrize(
    "text, where",
    [
        (
            TINY.replace("SECTION_COVER\n", "").replace("0,E,1,100,1\n1,E,2,100,1\n1,L,0,100,7\n", ""),
            "Bad.txt, field SECTION_COVER: section missing",
        ),
        (TINY.replace("SECTION_STAFF\n", "SECTION_STAF\n"), "Bad.txt row 6: unknown section SECTION_STAF"),
        (
            TINY.replace("14\nSECTION_SHIFTS", "two weeks\nSECTION_SHIFTS"),
            "Bad.txt row 2, field horizon: expected an integer, got 'two weeks'",
        ),
        (TINY.replace("14\nSECTION_SHIFTS", "0\nSECTION_SHIFTS"), "Bad.txt row 2, field horizon: must be >= 1"),
        (
            TINY.replace("14\nSECTION_SHIFTS", "14\n15\nSECTION_SHIFTS"),
            "Bad.txt row 3, field horizon: SECTION_HORIZON holds more than one value",
        ),
        (TINY.replace("E,480,", "E,8h,"), "Bad.txt row 4, field minutes: expected an integer, got '8h'"),
        (TINY.replace("L,480,E", "L,480,N"), "Bad.txt row 5, field forbidden_next: unknown shift 'N'"),
        (TINY.replace("L,480,E", "E,480,L"), "Bad.txt row 5, field id: duplicate shift 'E' (first at row 4)"),
        (TINY.replace("A,E=14|L=2,4800", "A,E=14|L=2,lots"), "Bad.txt row 7, field max_minutes: expected an integer, got 'lots'"),
        (TINY.replace("A,E=14|L=2,4800", "A,E=14|L2,4800"), "Bad.txt row 7, field max_shifts: expected SHIFT=COUNT, got 'L2'"),
        (TINY.replace("A,E=14|L=2,4800", "A,E=14|E=2,4800"), "Bad.txt row 7, field max_shifts: shift 'E' limited twice"),
        (
            TINY.replace("4800,960,3,2,2,1", "4800,960,3,2,2"),
            "Bad.txt row 7, field max_weekends: SECTION_STAFF: expected 8 comma-separated fields, got 7",
        ),
        (TINY.replace("4800,960,3,2,2,1", "4800,960,3,2,2,1,9"), "Bad.txt row 7: SECTION_STAFF: expected 8 comma-separated fields, got 9"),
        (TINY.replace("4800,960,3,2,2,1", "4800,960,3,-2,2,1"), "Bad.txt row 7, field min_consecutive: must be >= 0, got -2"),
        (
            TINY.replace("A,E=14|L=2,4800,960,3,2,2,1", "A,E=14|L=2,4800,960,3,2,2,1\nA,E=1,1,1,1,1,1,1"),
            "Bad.txt row 8, field id: duplicate employee 'A' (first at row 7)",
        ),
        (TINY.replace("A,6", "A,20"), "Bad.txt row 9, field day: day 20 outside the horizon 0..13"),
        (TINY.replace("A,6", "Z,6"), "Bad.txt row 9, field employee: unknown employee 'Z'"),
        (TINY.replace("A,0,E,3", "A,0,E,three"), "Bad.txt row 11, field weight: expected an integer, got 'three'"),
        (TINY.replace("A,1,E,5", "A,1,X,5"), "Bad.txt row 13, field shift: unknown shift 'X'"),
        (TINY.replace("1,E,2,100,1", "1,E,2,100"), "Bad.txt row 16, field over_weight"),
        (TINY.replace("1,L,0,100,7", "1,E,0,100,7"), "Bad.txt row 17, field shift: duplicate cover for day 1 shift E (first at row 16)"),
        (
            TINY.replace("SECTION_COVER\n", "SECTION_COVER\nSECTION_COVER\n"),
            "Bad.txt row 15: section SECTION_COVER repeated (first at row 14)",
        ),
        ("14\n" + TINY, "Bad.txt row 1: data before the first SECTION_ line"),
    ],
)
def test_strict_reader_names_file_line_and_field(tmp_path, text, where):
    path = tmp_path / "Bad.txt"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        strict.read_curtois(path)
    assert where in str(err.value), str(err.value)
    assert all(p.file == "Bad.txt" for p in err.value.problems)


def test_strict_reader_collects_every_problem_in_one_error(tmp_path):
    path = tmp_path / "Bad.txt"
    path.write_text(TINY.replace("E,480,", "E,x,").replace("A,0,E,3", "A,0,E,y"))
    with pytest.raises(InputError) as err:
        strict.read_curtois(path)
    assert [(p.row, p.field) for p in err.value.problems] == [(4, "minutes"), (11, "weight")]
    assert all("\n" not in str(p) for p in err.value.problems)


def test_strict_reader_unreadable_files_raise_input_error(tmp_path):
    path = tmp_path / "Binary.txt"
    path.write_bytes(b"SECTION_HORIZON\n14\n\xff\xfe\n")
    with pytest.raises(InputError, match=r"Binary.txt row 3: not UTF-8 text"):
        strict.read_curtois(path)
    with pytest.raises(InputError, match=r"Nope.txt: cannot read file"):
        strict.read_curtois(tmp_path / "Nope.txt")
    with pytest.raises(InputError, match=r"cannot read file"):
        strict.read_curtois(tmp_path)  # a directory


def test_objective_hand_computed_with_every_term(tiny):
    plan = {("A", 0): "L", ("A", 1): "L"}
    check = check_curtois(tiny, plan)
    assert isinstance(check, CheckResult) and check.violations == []
    # on-request A,0,E missed: 3; off-request A,1,E not hit: 0; day 0 E 0/1: 100; day 1 E 0/2: 200; day 1 L 1/0: 1 x 7
    assert check.breakdown == {"shift_on_requests": 3, "shift_off_requests": 0, "under_cover": 300, "over_cover": 7}
    assert check.objective == 310


def test_empty_roster_objective_and_explicit_none_is_a_day_off(tiny):
    empty = check_curtois(tiny, {})
    assert empty.objective == 3 + 100 + 200 and "A: 0 minutes outside [960, 4800]" in empty.violations
    with_none = check_curtois(tiny, {("A", d): None for d in range(14)})
    assert (with_none.objective, with_none.violations) == (empty.objective, empty.violations)


MULTI = """\
SECTION_HORIZON
14
SECTION_SHIFTS
E,300,
L,600,E|L
SECTION_STAFF
A,E=14|L=14,6000,0,14,1,1,2
B,E=14|L=14,6000,0,14,1,1,2
SECTION_COVER
0,E,1,10,2
0,L,1,20,3
"""


def test_over_cover_counts_each_extra_employee_and_successions_are_per_pair(tmp_path):
    path = tmp_path / "Multi.txt"
    path.write_text(MULTI)
    inst = strict.read_curtois(path)
    check = check_curtois(inst, {("A", 0): "E", ("B", 0): "E", ("A", 1): "E", ("B", 1): "E"})
    assert check.breakdown["over_cover"] == 1 * 2 and check.breakdown["under_cover"] == 20 and check.objective == 22
    assert check.violations == []  # E then E is allowed
    for first, then in [("L", "E"), ("L", "L")]:
        assert check_curtois(inst, {("A", 3): first, ("A", 4): then}).violations == [f"A day 3: {first} followed by {then}"]
    assert check_curtois(inst, {("A", 3): "E", ("A", 4): "L"}).violations == []
    assert check_curtois(inst, {("A", 3): "L", ("A", 5): "E"}).violations == []  # a day off in between


# A roster of TINY with no violation: E on days 0-2 and 9-10 (runs of 3 and 2, 6 days off between, 2400 minutes).
BASE = {("A", d): "E" for d in (0, 1, 2, 9, 10)}


@pytest.mark.parametrize(
    "label, plan, expected",
    [
        ("forbidden succession", {**BASE, ("A", 8): "L"}, "A day 8: L followed by E"),
        ("per-type maximum", {("A", d): "L" for d in (0, 1, 2)} | {("A", 9): "E", ("A", 10): "E"}, "A: 3 L shifts > 2"),
        ("min total minutes", {("A", 0): "E"}, "A: 480 minutes outside [960, 4800]"),
        ("max consecutive", {**BASE, ("A", 11): "E", ("A", 12): "E"}, "A: 4 consecutive shifts from day 9 > 3"),
        ("min consecutive", {**BASE, ("A", 5): "E"}, "A: 1 consecutive shifts from day 5 < 2"),
        ("min days off", {("A", d): "E" for d in (0, 1, 2, 4, 5)}, "A: 1 consecutive days off from day 3 < 2"),
        ("max weekends", {("A", d): "E" for d in (4, 5, 12, 13)}, "A: 2 weekends worked > 1"),
        ("day off", {("A", d): "E" for d in (0, 1, 5, 6)}, "A: works on day off 6"),
    ],
)
def test_each_hard_rule_violated_alone_is_reported_alone(tiny, label, plan, expected):
    assert check_curtois(tiny, BASE).violations == []
    assert check_curtois(tiny, plan).violations == [expected], label


def test_max_total_minutes_alone(tmp_path):
    path = tmp_path / "Minutes.txt"
    path.write_text(MULTI.replace("A,E=14|L=14,6000,0", "A,E=14|L=14,1200,0"))
    inst = strict.read_curtois(path)
    assert check_curtois(inst, {("A", 0): "L", ("A", 2): "L"}).violations == []  # exactly 1200 is allowed
    assert check_curtois(inst, {("A", 0): "E", ("A", 1): "L"}).violations == []  # E then L is allowed
    assert check_curtois(inst, {("A", d): "E" for d in range(5)}).violations == ["A: 1500 minutes outside [0, 1200]"]


def test_minimums_are_waived_at_both_edges_but_maximums_are_not(tiny):
    # Work runs of one day at day 0 and day 13 are legal; a one-day run inside is not (see above).
    assert check_curtois(tiny, {("A", 0): "E", ("A", 3): "E", ("A", 4): "E", ("A", 13): "E"}).violations == []
    # Day-off runs of one day touching day 0 or day 13 are legal too.
    assert check_curtois(tiny, {("A", d): "E" for d in (1, 2, 10, 11, 12)}).violations == []
    # The same one-day off run inside the horizon is reported.
    assert check_curtois(tiny, {("A", d): "E" for d in (1, 2, 4, 5)}).violations == ["A: 1 consecutive days off from day 3 < 2"]
    # Max consecutive applies at the start and at the end.
    assert check_curtois(tiny, {("A", d): "E" for d in range(4)}).violations == ["A: 4 consecutive shifts from day 0 > 3"]
    assert check_curtois(tiny, {("A", d): "E" for d in range(10, 14)}).violations == ["A: 4 consecutive shifts from day 10 > 3"]


def test_unknown_employee_shift_and_day_are_violations_not_crashes(tiny):
    violations = check_curtois(tiny, {("Z", 0): "E", ("A", 0): "X", ("A", 1): "E", ("A", 14): "E"}).violations
    assert "Z day 0: unknown employee" in violations
    assert "A day 0: unknown shift X" in violations
    assert "A day 14: outside the horizon" in violations


def test_weekend_is_saturday_or_sunday_by_day_index(tiny):
    # Days 5/6 and 12/13 are the weekends (day 0 is a Monday); Saturday and Sunday of one weekend count once.
    assert check_curtois(tiny, {("A", d): "E" for d in (11, 12, 13)}).violations == []
    assert check_curtois(tiny, {("A", d): "E" for d in (3, 4, 5)} | {("A", d): "E" for d in (11, 12)}).violations == [
        "A: 2 weekends worked > 1"
    ]
    assert check_curtois(tiny, {("A", d): "E" for d in (7, 8, 9, 10, 11)}).violations == [
        "A: 5 consecutive shifts from day 7 > 3"
    ]  # Monday-Friday: no weekend


def test_roster_frame(tiny):
    frame = roster_frame(tiny, {("A", 3): "E", ("A", 1): "L", ("A", 2): None})
    assert list(frame.columns) == ["employee", "day", "shift"]
    assert frame.to_dict("records") == [{"employee": "A", "day": 1, "shift": "L"}, {"employee": "A", "day": 3, "shift": "E"}]
    assert roster_frame(tiny, {}).empty and list(roster_frame(tiny, {}).columns) == ["employee", "day", "shift"]


@needs_shared
def test_instance1_optimum_roster_frame_round_trips_through_the_referee(instance1_solved):
    inst, result = instance1_solved
    frame = roster_frame(inst, result.assignment)
    rebuilt = {(r.employee, r.day): r.shift for r in frame.itertuples()}
    check = check_curtois(inst, rebuilt)
    assert check.violations == [] and check.objective == 607
    assert sum(check.breakdown.values()) == 607


@needs_shared
def test_objective_agrees_with_a_table_recount_on_random_rosters():
    """Cross-check the referee's loops against a pandas recount on random (mostly infeasible) rosters."""
    import random

    import pandas as pd

    inst = strict.read_curtois(CURTOIS / "Instance3.txt")
    rng = random.Random(0)
    shift_ids = [None, *inst.shifts]
    cover = pd.DataFrame([vars(c) for c in inst.cover])
    for _ in range(20):
        plan = {(e.id, d): s for e in inst.staff for d in range(inst.horizon) if (s := rng.choice(shift_ids))}
        frame = roster_frame(inst, plan)
        staffed = frame.groupby(["day", "shift"]).size().rename("n").reset_index()
        table = cover.merge(staffed, on=["day", "shift"], how="left").fillna({"n": 0})
        under = int(((table.required - table.n).clip(lower=0) * table.under_weight).sum())
        over = int(((table.n - table.required).clip(lower=0) * table.over_weight).sum())
        on = sum(r.weight for r in inst.shift_on_requests if plan.get((r.employee, r.day)) != r.shift)
        off = sum(r.weight for r in inst.shift_off_requests if plan.get((r.employee, r.day)) == r.shift)
        check = check_curtois(inst, plan)
        assert check.breakdown == {"shift_on_requests": on, "shift_off_requests": off, "under_cover": under, "over_cover": over}
        assert check.objective == on + off + under + over
