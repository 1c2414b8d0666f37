"""benchmarks/roster_scale.py end to end on jiangdong with a tiny limit: one child run, the table and the JSON."""

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.paths import REPO

BENCH = REPO / "benchmarks" / "roster_scale.py"


@pytest.mark.slow
def test_roster_scale_runs_jiangdong_in_a_child_and_reports_every_column(tmp_path):
    out = tmp_path / "runs.json"
    command = [sys.executable, str(BENCH), "--sizes", "jiangdong", "--limits", "4", "--workers", "2", "--model", "profile"]
    table = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, check=True, timeout=300).stdout
    header, rule, row = table.strip().splitlines()
    assert header.startswith("| branch | staff | limit s | backend |") and "peak RSS MB" in header and "roster objective" in header
    assert row.startswith("| jiangdong | 11 | 4 | portfolio |")
    (run,) = json.loads(out.read_text())
    assert run["branch"] == "jiangdong" and run["staff"] == 11 and run["backend"] == "portfolio"
    assert run["status"] in ("optimal", "feasible", "time_limit")
    assert run["solve_s"] <= 4 and run["peak_rss_mb"] > 0 and run["wall_s"] > 0
    assert {"forecast", "requirements", "roster"} <= set(run["stages_s"])
    if run["status"] != "time_limit":
        assert run["bound"] <= run["objective"] + 1e-6 and 0 <= run["roster_gap"] <= 1 and run["first_roster_s"] > 0


def _bench_module():
    spec = importlib.util.spec_from_file_location("roster_scale_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_other_branch_shapes_are_generated_from_their_own_seed_and_labelled(tmp_path):
    bench = _bench_module()
    five = bench.branch_folder("6", tmp_path, 3, 5)
    six = bench.branch_folder("6", tmp_path, 3, 6)
    assert five.name == "generic-6-r3-s5" and six.name == "generic-6-r3-s6"
    assert (five / "staff.csv").read_text() != (six / "staff.csv").read_text()  # another seed, other staff
    assert bench.branch_label("60", 4, 0) == "60" and bench.branch_label("jiangdong", 3, 5) == "jiangdong"
    assert bench.branch_label("60", 3, 5) == "60 r3 s5" and bench.branch_label("150", 4, 7) == "150 r4 s7"
