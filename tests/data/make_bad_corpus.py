"""Writes tests/data/bad/<case>/: a small valid base instance with ONE thing broken.

Each case folder has ``expect.json`` = {"file", "row", "field", "message"}
(message is a fragment of the expected error). Re-run after changing a case:

    python tests/data/make_bad_corpus.py
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
BASE_DIR = HERE / "base"

BRANCH = """[branch]
name = "Corpus"
slot_minutes = 15

[hours]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
sat = "09:30-16:00"
sun = "closed"

[roles.counter]
kind = "counter"
aht_minutes = 4.5

[roles.lobby]
kind = "lobby"
aht_minutes = 2
min_on_duty = 1

[roles.advisory]
kind = "advisory"
aht_minutes = 25

[contract]
max_hours = 40
"""
STAFF = """id,name,roles,max_hours,earliest_start,cost_per_hour
E1,王芳,counter;lobby,40,,60
E2,Li Wei,counter;advisory,38,09:00,65
E3,陈静,counter,40,,55
E4,Zhao,lobby;counter,40,,55
"""
HISTORY = """issued_at,service_start,service_end,role,tier,outcome
2026-11-02 09:05:00,2026-11-02 09:06:00,2026-11-02 09:10:00,counter,regular,served
2026-11-02 10:15:00,2026-11-02 10:16:30,2026-11-02 10:20:00,counter,vip,served
2026-11-03 10:30:00,,,counter,regular,abandoned
2026-11-04 11:00:00,2026-11-04 11:00:10,2026-11-04 11:02:00,lobby,regular,served
2026-11-05 15:10:00,,,counter,regular,diverted
2026-11-06 15:20:00,2026-11-06 15:25:00,2026-11-06 15:50:00,advisory,vip,served
2026-11-07 10:00:00,2026-11-07 10:02:00,2026-11-07 10:06:00,counter,regular,served
2026-11-09 10:40:00,2026-11-09 10:41:00,2026-11-09 10:45:00,counter,regular,served
2026-11-10 16:00:00,2026-11-10 16:01:00,2026-11-10 16:04:00,counter,regular,served
"""
APPOINTMENTS = """start,role,duration,tier
2026-11-11 10:00:00,advisory,45,vip
2026-11-12 14:30:00,advisory,30,regular
"""
REQUESTS = """employee,day,kind,weight,shift
E1,2026-11-13,off,5,
E2,mon,prefer_shift,2,09:00-13:00
"""
BASE = {
    "branch.toml": BRANCH,
    "staff.csv": STAFF,
    "history.csv": HISTORY,
    "appointments.csv": APPOINTMENTS,
    "requests.csv": REQUESTS,
}


def replace_line(text: str, line_no: int, new: str) -> str:
    """Replace 1-based line ``line_no`` (the header is line 1)."""
    lines = text.splitlines()
    lines[line_no - 1] = new
    return "\n".join(lines) + "\n"


def cell(text: str, row: int, column: str, value: str) -> str:
    """Set one CSV cell (row 1-based with the header as row 1)."""
    lines = text.splitlines()
    header = lines[0].split(",")
    fields = lines[row - 1].split(",")
    fields[header.index(column)] = value
    lines[row - 1] = ",".join(fields)
    return "\n".join(lines) + "\n"


def drop_column(text: str, column: str) -> str:
    lines = [line.split(",") for line in text.splitlines()]
    i = lines[0].index(column)
    return "\n".join(",".join(f for j, f in enumerate(line) if j != i) for line in lines) + "\n"


def toml_sub(old: str, new: str) -> dict:
    assert old in BRANCH, old
    return {"branch.toml": BRANCH.replace(old, new)}


def toml_line(key_text: str) -> int:
    return next(i + 1 for i, line in enumerate(BRANCH.splitlines()) if line.startswith(key_text))


# case name -> (files to overwrite (None = delete), expected file, row, field, message fragment)
CASES = {
    "missing_branch_toml": ({"branch.toml": None}, "branch.toml", None, None, "missing file"),
    "missing_staff_csv": ({"staff.csv": None}, "staff.csv", None, None, "missing file"),
    "missing_history_csv": ({"history.csv": None}, "history.csv", None, None, "missing file"),
    "staff_missing_roles_column": ({"staff.csv": drop_column(STAFF, "roles")}, "staff.csv", 1, "roles", "missing column"),
    "history_missing_outcome_column": ({"history.csv": drop_column(HISTORY, "outcome")}, "history.csv", 1, "outcome", "missing column"),
    "staff_unknown_column": ({"staff.csv": STAFF.replace("cost_per_hour", "cost_hour")}, "staff.csv", 1, "cost_hour", "unknown column"),
    "unparsable_issued_at": (
        {"history.csv": cell(HISTORY, 3, "issued_at", "2026-11-02 10h15")},
        "history.csv",
        3,
        "issued_at",
        "unparsable datetime",
    ),
    "unparsable_opening_hours": (
        toml_sub('tue = "09:00-17:00"', 'tue = "9am-5pm"'),
        "branch.toml",
        toml_line("tue"),
        "hours.tue",
        "expected a time HH:MM",
    ),
    "closing_before_opening": (
        toml_sub('wed = "09:00-17:00"', 'wed = "17:00-09:00"'),
        "branch.toml",
        toml_line("wed"),
        "hours.wed",
        "closing 09:00 is not after opening 17:00",
    ),
    "service_end_before_start": (
        {"history.csv": cell(HISTORY, 2, "service_end", "2026-11-02 09:05:30")},
        "history.csv",
        2,
        "service_end",
        "is before service_start",
    ),
    "service_start_before_issued": (
        {"history.csv": cell(HISTORY, 5, "service_start", "2026-11-04 10:59:00")},
        "history.csv",
        5,
        "service_start",
        "is before issued_at",
    ),
    "served_without_service_times": (
        {"history.csv": cell(cell(HISTORY, 8, "service_start", ""), 8, "service_end", "")},
        "history.csv",
        8,
        "service_start",
        "missing for a served ticket",
    ),
    "unknown_role_in_staff": (
        {"staff.csv": cell(STAFF, 4, "roles", "teler")},
        "staff.csv",
        4,
        "roles",
        "unknown role 'teler' (known: counter, lobby, advisory)",
    ),
    "unknown_role_in_history": ({"history.csv": cell(HISTORY, 6, "role", "vault")}, "history.csv", 6, "role", "unknown role 'vault'"),
    "duplicate_employee_id": (
        {"staff.csv": cell(STAFF, 5, "id", "E2")},
        "staff.csv",
        5,
        "id",
        "duplicate employee id 'E2' (first on row 3)",
    ),
    "absurd_max_hours": ({"staff.csv": cell(STAFF, 3, "max_hours", "500")}, "staff.csv", 3, "max_hours", "between 0 and 80"),
    "negative_cost": ({"staff.csv": cell(STAFF, 2, "cost_per_hour", "-3")}, "staff.csv", 2, "cost_per_hour", "between 0 and 10000"),
    "min_hours_above_max_hours": (
        toml_sub("max_hours = 40", "max_hours = 40\nmin_hours = 45"),
        "branch.toml",
        toml_line("[contract]") + 2,
        "contract.min_hours",
        "exceeds max_hours",
    ),
    "bad_earliest_start": (
        {"staff.csv": cell(STAFF, 3, "earliest_start", "nine")},
        "staff.csv",
        3,
        "earliest_start",
        "expected a time HH:MM",
    ),
    "slot_minutes_not_on_grid": (
        toml_sub("slot_minutes = 15", "slot_minutes = 7"),
        "branch.toml",
        toml_line("slot_minutes"),
        "branch.slot_minutes",
        "expected one of",
    ),
    "zero_aht": (
        toml_sub("aht_minutes = 4.5", "aht_minutes = 0"),
        "branch.toml",
        toml_line("aht_minutes = 4.5"),
        "roles.counter.aht_minutes",
        "between 0.1 and 480",
    ),
    "employee_without_role": ({"staff.csv": cell(STAFF, 5, "roles", "")}, "staff.csv", 5, "roles", "certified for no role"),
    "empty_history": ({"history.csv": HISTORY.splitlines()[0] + "\n"}, "history.csv", None, None, "history is empty"),
    "history_shorter_than_a_week": (
        {"history.csv": "\n".join(HISTORY.splitlines()[:5]) + "\n"},
        "history.csv",
        None,
        "issued_at",
        "at least one week",
    ),
    "toml_syntax_error": (toml_sub('name = "Corpus"', 'name = "Corpus'), "branch.toml", 2, None, "TOML syntax error"),
    "toml_unknown_key": (
        toml_sub("min_on_duty = 1", "min_on_dutty = 1"),
        "branch.toml",
        toml_line("min_on_duty"),
        "roles.lobby.min_on_dutty",
        "unknown key",
    ),
    "toml_unknown_section": (toml_sub("[contract]", "[contracts]"), "branch.toml", toml_line("[contract]"), "contracts", "unknown section"),
    "non_utf8_staff": ({"staff.csv": STAFF.encode("gbk")}, "staff.csv", 2, None, "not UTF-8"),
    "unknown_tier": ({"history.csv": cell(HISTORY, 3, "tier", "gold")}, "history.csv", 3, "tier", "unknown tier 'gold'"),
    "unknown_outcome": ({"history.csv": cell(HISTORY, 4, "outcome", "left")}, "history.csv", 4, "outcome", "unknown outcome 'left'"),
    "appointment_zero_duration": (
        {"appointments.csv": cell(APPOINTMENTS, 3, "duration", "0")},
        "appointments.csv",
        3,
        "duration",
        "between 1 and 480",
    ),
    "request_unknown_employee": (
        {"requests.csv": cell(REQUESTS, 2, "employee", "E9")},
        "requests.csv",
        2,
        "employee",
        "unknown employee 'E9'",
    ),
    "request_unknown_kind": ({"requests.csv": cell(REQUESTS, 3, "kind", "holiday")}, "requests.csv", 3, "kind", "unknown kind 'holiday'"),
    "rule_unknown_type": (
        {"branch.toml": BRANCH + '\n[[rules]]\ntype = "coverag"\nrole = "counter"\n'},
        "branch.toml",
        None,
        "rules[0].type",
        "unknown rule type 'coverag'",
    ),
    "rule_budget_without_max_cost": (
        {"branch.toml": BRANCH + '\n[[rules]]\ntype = "budget"\n'},
        "branch.toml",
        None,
        "rules[0].max_cost",
        "needs max_cost",
    ),
    "rule_min_not_a_number": (
        {"branch.toml": BRANCH + '\n[[rules]]\ntype = "coverage"\nrole = "counter"\nmin = "two"\n'},
        "branch.toml",
        None,
        "rules[0].min",
        "expected a number",
    ),
    "rule_vip_coverage_soft": (
        {"branch.toml": BRANCH + '\n[[rules]]\ntype = "vip_coverage"\nrole = "advisory"\nhard = false\n'},
        "branch.toml",
        None,
        "rules[0].hard",
        "always hard",
    ),
    "never_open": (
        {"branch.toml": BRANCH.replace('"09:00-17:00"', '"closed"').replace('"09:30-16:00"', '"closed"')},
        "branch.toml",
        toml_line("[hours]"),
        "hours",
        "never open",
    ),
}


def write_folder(folder: Path, files: dict) -> None:
    folder.mkdir(parents=True)
    for name, content in files.items():
        if content is None:
            continue
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)


def main() -> None:
    for target in (BAD, BASE_DIR):
        if target.exists():
            shutil.rmtree(target)
    write_folder(BASE_DIR, BASE)
    for name, (changes, file, row, field, message) in CASES.items():
        files = {**BASE, **changes}
        write_folder(BAD / name, {k: v for k, v in files.items() if v is not None})
        expect = {"file": file, "row": row, "field": field, "message": message}
        (BAD / name / "expect.json").write_text(json.dumps(expect, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} cases to {BAD}")


if __name__ == "__main__":
    main()
