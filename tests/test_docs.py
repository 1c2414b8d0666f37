"""README and docs must stay true: their examples run, their files parse, their references match the code.

The docs site itself is built with ``mkdocs build --strict`` by ``make test``
(broken links and references fail there); these tests check what a strict
build cannot: that the examples work and that the branch.toml reference lists
every key the parser accepts, with the default the parser applies.
"""

import datetime as dt
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from staffline.branch_config import (
    BRANCH_SPEC,
    CONTRACT_SPEC,
    FAIRNESS_SPEC,
    FORECAST_SPEC,
    HEADCOUNT_SPEC,
    OBJECTIVE_SPEC,
    REPLAN_SPEC,
    ROLE_SPEC,
    SECTIONS,
    SHIFT_SPEC,
    parse_branch,
)
from staffline.errors import ProblemLog
from staffline.io import parse_staff
from tests.library_guide import LIBRARY_GUIDE, blocks
from tests.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = REPO / "docs"
CONFIGURATION = (DOCS / "guide" / "configuration.md").read_text(encoding="utf-8")
INSTANCE_FORMAT = (DOCS / "guide" / "instance-format.md").read_text(encoding="utf-8")
VENV_BIN = Path(sys.executable).parent


def section(text: str, heading: str) -> str:
    """The text under a ``## heading`` up to the next heading of the same level."""
    start = text.index(f"## {heading}\n")
    following = text.find("\n## ", start + 1)
    return text[start : following if following >= 0 else len(text)]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty folder that sees the repository's instances/, as a user's checkout would."""
    (tmp_path / "instances").symlink_to(REPO / "instances")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# README --------------------------------------------------------------------------------------------


def test_readme_is_a_short_guide_without_a_changelog():
    assert len(README.splitlines()) <= 250
    headings = re.findall(r"^#+ (.*)$", README, flags=re.M)
    assert not [h for h in headings if re.search(r"changed|changelog|history", h, flags=re.I)], headings


def test_readme_links_point_at_files_that_exist():
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert targets
    for target in targets:
        if not target.startswith(("http://", "https://")):
            assert (REPO / target).is_file(), target


def test_readme_library_example_is_the_library_guides_first_block():
    """The README's library lines are the guide's first example verbatim, so running the guide runs them (once: CI time)."""
    (code,) = blocks(README, "python")
    assert blocks(LIBRARY_GUIDE, "python")[0] == code


@pytest.mark.slow
def test_readme_cli_quick_start_runs(workdir):
    """The five lines, in order, from an empty folder (the roster's minute shortened to 20 s, 200 reps to 20)."""
    (block,) = [b for b in blocks(README, "sh") if b.startswith("staffline init")]
    lines = [line.split("  #")[0].strip() for line in block.strip().splitlines()]
    assert len(lines) == 5
    for line in lines:
        command = line.replace("--time-limit 60", "--time-limit 20").replace("--simulate 200", "--simulate 20")
        done = subprocess.run([str(VENV_BIN / "staffline"), *shlex.split(command)[1:]], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (line, done.stdout, done.stderr)
    assert (workdir / "out" / "north" / "report.html").is_file()


@pytest.mark.slow
def test_readme_cron_example_runs(tmp_path):
    """The crontab line, minus its schedule, run from the repository with the output folder in tmp.

    Its ``--time-limit 60`` becomes 20: what this checks is that the line runs,
    stays quiet and writes every file, not how good a 60 s roster is (the
    roster tests do that). Not less: at 10 s the jiangdong week once had no
    roster yet (exit 3). Since CP-SAT's first roster comes beside CBC (about
    1 s idle), a 20 s plan under load has one; 20 s leaves CBC its root cuts.
    """
    (block,) = [b for b in blocks(README, "sh") if "staffline roster" in b and b.startswith("0 22")]
    line = block.strip().split(None, 5)[5]  # drop the five schedule fields
    command = (
        line.replace("cd /srv/staffline", f"cd {shlex.quote(str(REPO))}")
        .replace(".venv/bin/", f"{VENV_BIN}/")
        .replace("out/jiangdong", shlex.quote(str(tmp_path / "out")))
        .replace("--time-limit 60", "--time-limit 20")
    )
    assert "--time-limit 20" in command  # the README line still names its limit where this test expects it
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # --quiet: nothing in the cron mail unless something failed
    for name in ("roster.csv", "kpis.json", "simulation.csv", "report.html", "roster.xlsx"):
        assert (tmp_path / "out" / name).is_file(), name


# docs ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_library_guide_examples_run(library_guide_first_block, monkeypatch):
    """Every block of docs/guide/library.md in one namespace, from an empty folder; the first is README's and writes out/ only.

    The first block ran once for the session (tests/library_guide.py): the
    jiangdong roster test checks the same plan.
    """
    first = library_guide_first_block
    codes = blocks(LIBRARY_GUIDE, "python")
    assert first.code == codes[0]
    namespace = dict(first.namespace)
    plan = namespace["p"]
    assert plan.status in ("optimal", "feasible")
    assert list(plan.roster.columns) == ["employee", "date", "start", "end", "role"]
    assert {"roster.csv", "kpis.json", "report.html", "roster.xlsx"} <= set(first.written)
    assert first.top_level == ["instances", "out"]
    monkeypatch.chdir(first.folder)
    for number, code in enumerate(codes[1:], start=1):
        exec(compile(code, f"docs/guide/library.md block {number}", "exec"), namespace)
    assert namespace["result"].status in ("optimal", "feasible")
    assert namespace["sim"].kpis["counter"]["wait_per_arrival"]["mean"] >= 0
    assert namespace["new"].status in ("optimal", "feasible") and namespace["new"].kpis["hard_violations"] == []


def test_configuration_example_branch_toml_is_valid():
    (toml_text,) = blocks(section(CONFIGURATION, "Annotated example"), "toml")
    log = ProblemLog()
    branch = parse_branch(toml_text, log)
    assert not log.problems, [str(p) for p in log.problems]
    assert set(branch.role_names) >= {"counter", "lobby", "advisory"}


def _documented_default(cell: str, default) -> bool:
    """Does a table's default cell say what the parser applies?"""
    text = cell.strip().strip("`").strip()
    if default is None:
        return text.startswith(("required", "none", "off"))
    if isinstance(default, bool):
        return text.lower() == str(default).lower()
    if isinstance(default, (int, float)):
        return bool(re.fullmatch(r"-?[\d.]+", text)) and float(text) == default
    if isinstance(default, str):
        return text.strip('"') == default
    if isinstance(default, tuple) and default and isinstance(default[0], dt.time):
        return text.strip('"') == "-".join(t.strftime("%H:%M") for t in default)
    if not default:  # empty tuple / dict
        return text in ("[]", "{}")
    raise AssertionError(f"no rule for default {default!r}")


@pytest.mark.parametrize(
    "heading, spec",
    [
        ("`[branch]`", BRANCH_SPEC),
        ("`[roles.NAME]`", ROLE_SPEC),
        ("`[shifts]`", SHIFT_SPEC),
        ("`[headcount]`", HEADCOUNT_SPEC),
        ("`[objective]`", OBJECTIVE_SPEC),
        ("`[forecast]`", FORECAST_SPEC),
        ("`[replan]`", REPLAN_SPEC),
        ("`[fairness]`", FAIRNESS_SPEC),
        ("`[contract]`", CONTRACT_SPEC),
    ],
)
def test_configuration_page_lists_every_key_with_the_parsers_default(heading, spec):
    rows = {}
    for line in section(CONFIGURATION, heading).splitlines():
        match = re.match(r"\|\s*`([a-z_]+)`\s*\|([^|]*)\|([^|]*)\|", line)
        if match:
            rows[match.group(1)] = match.group(3)
    assert set(spec) == set(rows), f"{heading}: missing {sorted(set(spec) - set(rows))}, unknown {sorted(set(rows) - set(spec))}"
    wrong = {key: rows[key].strip() for key, s in spec.items() if not _documented_default(rows[key], s.default)}
    assert not wrong, f"{heading}: documented defaults differ from the parser's: {wrong}"


def test_configuration_page_has_a_section_per_branch_toml_section():
    headings = set(re.findall(r"^## `\[+([a-z]+)", CONFIGURATION, flags=re.M))
    assert set(SECTIONS) <= headings, sorted(set(SECTIONS) - headings)


def test_instance_format_staff_csv_example_is_valid(tmp_path):
    branch = parse_branch(blocks(section(CONFIGURATION, "Annotated example"), "toml")[0], ProblemLog())
    staff_csv = next(b for b in blocks(INSTANCE_FORMAT, "csv") if b.startswith("id,name,roles"))
    (tmp_path / "staff.csv").write_text(staff_csv, encoding="utf-8")
    log = ProblemLog()
    staff = parse_staff(tmp_path / "staff.csv", branch, log)
    assert not log.problems, [str(p) for p in log.problems]
    assert staff


def test_docs_site_builds_strictly(tmp_path):
    """The same build `make docs` runs; here so a plain pytest run catches a broken page too."""
    pytest.importorskip("mkdocs", reason="docs tools are in the dev extras")
    done = subprocess.run(
        [str(VENV_BIN / "mkdocs"), "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").is_file()
