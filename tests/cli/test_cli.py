"""CLI contract: validate summary/JSON keys, exit codes, init scaffolds a valid folder."""

import json
import subprocess
import sys

from tests.paths import REPO as ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "staffline", *args], capture_output=True, text=True, cwd=ROOT)


def test_validate_json_has_the_documented_keys():
    proc = run("validate", "instances/jiangdong", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["staff"] == 11
    assert summary["roles"] == {"counter": 11, "lobby": 7, "advisory": 6}
    assert {"first", "last", "tickets"} <= set(summary["history"])
    assert summary["busiest_hours"][:2] == [10, 15]


def test_validate_text_shows_busiest_hours():
    proc = run("validate", "instances/jiangdong")
    assert proc.returncode == 0
    assert "10:00-11:00" in proc.stdout and "15:00-16:00" in proc.stdout


def test_missing_folder_is_bad_input_without_traceback(tmp_path):
    proc = run("validate", str(tmp_path / "nope"), "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["errors"][0]["message"].startswith("not an instance folder")


def test_init_scaffolds_a_valid_instance_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "branch"
    proc = run("init", str(target), "--staff", "6", "--weeks", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["staff"] == 6
    assert run("validate", str(target)).returncode == 0
    again = run("init", str(target))
    assert again.returncode == 2 and "not empty" in again.stderr


def test_version_and_help():
    assert run("--version").stdout.startswith("staffline, version")
    assert "validate" in run("--help").stdout
