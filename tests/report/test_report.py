"""report.html, roster.xlsx, calendars and the comparison view, from real roster folders."""

from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
from click.testing import CliRunner
from icalendar import Calendar

from staffline.cli import main


def test_report_is_self_contained_with_every_chart(runs):
    res = CliRunner().invoke(main, ["report", str(runs / "base")])
    assert res.exit_code == 0, res.output
    page = (runs / "base" / "report.html").read_text()
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 4  # arrivals, staffing, wait, gantt
    assert "http://" not in page and "https://" not in page
    assert "Key figures" in page and "simulated wait" in page and "no violation" in page
    kpis = json.loads((runs / "base" / "kpis.json").read_text())
    assert f"<td>desk changes per person-day</td><td>{kpis['role_changes_per_person_day']:g}" in page.replace("\n", "")
    assert not [p for p in (runs / "base").iterdir() if p.name.startswith(".")]  # no temp files left behind


def test_xlsx_has_a_summary_and_one_sheet_per_day(runs):
    CliRunner().invoke(main, ["report", str(runs / "base")])
    roster = pd.read_csv(runs / "base" / "roster.csv", dtype=str)
    book = openpyxl.load_workbook(runs / "base" / "roster.xlsx")
    assert book.sheetnames == ["Summary", *sorted(roster["date"].unique())]
    first_day = sorted(roster["date"].unique())[0]
    assert book[first_day].max_row - 1 == (roster["date"] == first_day).sum()


def test_one_calendar_per_employee_with_an_event_per_block(runs):
    CliRunner().invoke(main, ["report", str(runs / "base")])
    roster = pd.read_csv(runs / "base" / "roster.csv", dtype=str)
    files = sorted((runs / "base" / "calendars").glob("*.ics"))
    assert [f.stem for f in files] == sorted(roster["employee"].unique())
    for path in files:
        events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        mine = roster[roster["employee"] == path.stem]
        assert len(events) == len(mine)
        starts = sorted(e.decoded("dtstart").strftime("%Y-%m-%d %H:%M") for e in events)
        assert starts == sorted((mine["date"] + " " + mine["start"]).tolist())


def test_comparison_puts_both_rosters_side_by_side(runs, tmp_path):
    target = tmp_path / "cmp.html"
    res = CliRunner().invoke(main, ["report", "--compare", str(runs / "base"), str(runs / "reseeded"), "--out", str(target)])
    assert res.exit_code == 0, res.output
    page = target.read_text()
    assert "base vs reseeded" in page and page.count("data:image/png") == 3
    assert "<th>base</th><th>reseeded</th>" in page


def test_folder_without_a_roster_is_bad_input(tmp_path):
    res = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert res.exit_code == 2
    assert "roster.csv: missing" in res.output and "Traceback" not in res.output


def test_report_names_the_forecast_model_the_roster_was_built_for(runs):
    import json

    kpis = json.loads((runs / "base" / "kpis.json").read_text())
    info = kpis["forecast"]
    assert info["requested"] == "auto"  # the branch default
    CliRunner().invoke(main, ["report", str(runs / "base")])
    page = (runs / "base" / "report.html").read_text()
    assert f"{info['model']} (chosen by auto)" in page or (info["model"] == "auto")
