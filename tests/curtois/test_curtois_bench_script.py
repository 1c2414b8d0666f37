"""benchmarks/curtois.py: which instances it runs and where its tables go."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from tests.paths import CURTOIS, REPO

SCRIPT = REPO / "benchmarks" / "curtois.py"


def run(*args, **kwargs):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.mark.skipif(not (CURTOIS / "Instance1.txt").exists(), reason="the shared Curtois instances are not beside the clone")
def test_instances_picks_the_numbers_and_out_takes_the_tables(tmp_path):
    done = run("--instances", "1-2", "--time-limit", "5", "--workers", "1", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "curtois.csv")
    assert list(table["instance"]) == ["Instance1.txt", "Instance2.txt"]
    assert (table["feasible"]).all() and (table["objective"] >= table["bound"]).all()
    assert "details" not in (tmp_path / "curtois.md").read_text()
    details = [json.loads(text) for text in table["details"]]  # each run's engine details, for explaining it afterwards
    assert all("root_lp" in d and "root_converged" in d for d in details)


def test_a_bad_instance_choice_is_refused_in_one_line():
    done = run("--instances", "twenty")
    assert done.returncode == 2
    assert "'twenty' is neither a range like 20-24 nor a list like 13,15,19" in done.stderr.splitlines()[-1]


@pytest.mark.skipif(not CURTOIS.exists(), reason="the shared Curtois instances are not beside the clone")
def test_numbers_outside_the_set_end_with_a_message():
    done = run("--instances", "90-91")
    assert done.returncode == 1 and "among --instances" in done.stderr
