"""README examples must stay true: the documented files parse with the real loader."""

import re
from pathlib import Path

import pytest

from staffline.branch_config import parse_branch
from staffline.errors import ProblemLog
from staffline.io import parse_staff
from tests.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(r"```" + lang + r"\n(.*?)```", README, flags=re.S)


def test_readme_branch_toml_example_is_valid():
    (toml_text,) = blocks("toml")
    log = ProblemLog()
    branch = parse_branch(toml_text, log)
    assert not log.problems, [str(p) for p in log.problems]
    assert branch.role_names == ("counter", "lobby", "advisory")
    assert branch.role("lobby").min_on_duty == 1
    assert branch.headcount.max_on_duty == 9


def test_readme_staff_csv_example_is_valid(tmp_path):
    toml_text = blocks("toml")[0]
    log = ProblemLog()
    branch = parse_branch(toml_text, log)
    staff_csv = next(b for b in blocks("csv") if b.startswith("id,name,roles"))
    (tmp_path / "staff.csv").write_text(staff_csv, encoding="utf-8")
    staff = parse_staff(tmp_path / "staff.csv", branch, log)
    assert not log.problems, [str(p) for p in log.problems]
    assert [e.id for e in staff] == ["E01", "E02"]
    assert staff[1].unavailable == ("sat",)
    assert staff[0].contract.min_days_week == 4  # default from [contract]


@pytest.mark.slow
def test_readme_library_example_runs(tmp_path, monkeypatch):
    (code,) = blocks("python")
    code = code.replace('"out/jiangdong"', repr(str(tmp_path / "out")))
    monkeypatch.chdir(REPO)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["result"].result.status in ("optimal", "feasible")
    assert (tmp_path / "out" / "roster.csv").is_file()


@pytest.mark.slow
def test_readme_cron_example_runs(tmp_path):
    """The crontab line, minus its schedule, run from the repository with the output folder in tmp.

    Its ``--time-limit 60`` becomes 30: what this checks is that the line runs,
    stays quiet and writes every file, not how good a 60 s roster is (the
    roster tests do that); the full minute was 60 of this test's 83 s. Not
    less: at 10 s the jiangdong week had no roster yet (exit 3); 15 s found
    one on this machine, so 30 s leaves room for a slower one.
    """
    import shlex
    import subprocess
    import sys

    (block,) = [b for b in blocks("sh") if "staffline roster" in b and b.startswith("0 22")]
    line = block.strip().split(None, 5)[5]  # drop the five schedule fields
    repo = REPO
    venv_bin = Path(sys.executable).parent
    command = (
        line.replace("cd /srv/staffline", f"cd {shlex.quote(str(repo))}")
        .replace(".venv/bin/", f"{venv_bin}/")
        .replace("out/jiangdong", shlex.quote(str(tmp_path / "out")))
        .replace("--time-limit 60", "--time-limit 30")
    )
    assert "--time-limit 30" in command  # the README line still names its limit where this test expects it
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # --quiet: nothing in the cron mail unless something failed
    for name in ("roster.csv", "kpis.json", "simulation.csv", "report.html", "roster.xlsx"):
        assert (tmp_path / "out" / name).is_file(), name
