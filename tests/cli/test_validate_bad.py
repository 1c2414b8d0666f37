"""Bad-input corpus: every case exits 2 with file/row/field named and no traceback.

Cases live in tests/data/bad/ (written by tests/data/make_bad_corpus.py); each
folder's expect.json gives the file, row, field and a message fragment.
"""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from staffline.cli import main
from tests.paths import TEST_DATA as DATA

CASES = sorted(p for p in (DATA / "bad").iterdir() if p.is_dir())


def test_corpus_is_large_enough():
    assert len(CASES) >= 25


def test_base_instance_is_valid():
    result = CliRunner().invoke(main, ["validate", str(DATA / "base")])
    assert result.exit_code == 0, result.output


def expected_line(expect: dict) -> str:
    where = expect["file"]
    if expect["row"] is not None:
        where += f" row {expect['row']}"
    if expect["field"]:
        where += f", field {expect['field']}"
    return where + ": "


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_case_json_names_file_row_field(case):
    expect = json.loads((case / "expect.json").read_text(encoding="utf-8"))
    proc = subprocess.run([sys.executable, "-m", "staffline", "validate", str(case), "--json"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    errors = json.loads(proc.stdout)["errors"]
    matching = [e for e in errors if (e["file"], e["row"], e["field"]) == (expect["file"], expect["row"], expect["field"])]
    assert matching, errors
    assert any(expect["message"] in e["message"] for e in matching), matching


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_case_text_is_one_clear_line(case):
    expect = json.loads((case / "expect.json").read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["validate", str(case)])
    assert result.exit_code == 2
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    prefix = "error: " + expected_line(expect)
    assert any(line.startswith(prefix) and expect["message"] in line for line in lines), lines
