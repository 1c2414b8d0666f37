"""`staffline batch`: every branch gets a status, failures stay local, exit code is the worst."""

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from staffline.batch import (
    BranchJob,
    exit_code,
    find_branches,
    run_branch,
    solver_workers,
)
from staffline.cli import main
from staffline.errors import InputError
from staffline.io import write_instance
from staffline.synthetic import generate_instance

STATUSES = {"ok1": "ok", "ok2": "ok", "ok3": "ok", "ok4": "ok", "bad": "bad_input", "stuck": "infeasible"}


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """Six small generated branches: four plannable, one with a bad staff file, one infeasible."""
    root = tmp_path_factory.mktemp("network")
    for name, seed in zip(STATUSES, (0, 1, 3, 4, 6, 7)):  # seed 2 books appointments no roster can cover; 5 needs > 3 s
        write_instance(generate_instance(n_staff=6, n_roles=3, weeks=2, seed=seed), root / name)
    with open(root / "bad" / "staff.csv", "a", encoding="utf-8") as fh:
        fh.write("E99,Nobody,teller\n")
    toml = (root / "stuck" / "branch.toml").read_text(encoding="utf-8")
    (root / "stuck" / "branch.toml").write_text(re.sub(r"min_on_duty = 1", "min_on_duty = 12", toml, count=1), encoding="utf-8")
    (root / "notes").mkdir()  # a folder without branch.toml is not a branch
    return root


def _run_batch(network, out, *extra):
    result = CliRunner().invoke(
        main,
        [
            "batch",
            str(network),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--time-limit",
            "3",
            "--workers",
            "1",
            "--simulate",
            "5",
            "--no-report",
            "--json",
            *extra,
        ],
    )
    return result, json.loads(result.output) if result.output.strip().startswith("{") else None


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_batch_plans_every_branch_and_reports_each_status(network, tmp_path, executor):
    if executor == "dask":
        pytest.importorskip("dask.distributed", reason="dask[distributed] not installed")
    result, payload = _run_batch(network, tmp_path / "out", "--executor", executor)
    assert result.exit_code == 2, result.output  # worst of ok (0), infeasible (1), bad input (2)
    rows = {r["branch"]: r for r in payload["branches"]}
    assert {b: r["status"] for b, r in rows.items()} == STATUSES
    assert json.loads((tmp_path / "out" / "batch.json").read_text())["branches"] == payload["branches"]
    assert "teller" in rows["bad"]["message"] and "staff.csv" in rows["bad"]["message"]
    assert "minimum on duty" in rows["stuck"]["message"]
    for name, status in STATUSES.items():
        folder = tmp_path / "out" / name
        if status == "ok":
            row = rows[name]
            assert row["expected_wait_minutes"] > 0 and row["simulated_wait_minutes"] > 0 and row["cost"] > 0
            assert 0 <= row["gap"] <= 1 and row["seconds"] > 0
            kpis = json.loads((folder / "kpis.json").read_text())
            assert kpis["hard_violations"] == []
            assert {"roster.csv", "coverage.csv", "simulation.csv"} <= {p.name for p in folder.iterdir()}
            assert not [p for p in folder.iterdir() if p.name.startswith(".")]
        else:
            assert not folder.exists()  # failed branches write nothing


def test_dry_run_validates_and_writes_nothing(network, tmp_path):
    result, payload = _run_batch(network, tmp_path / "out", "--dry-run")
    assert result.exit_code == 2
    rows = {r["branch"]: r for r in payload["branches"]}
    assert set(rows) == set(STATUSES)
    assert rows["bad"]["status"] == "bad_input" and rows["ok1"]["status"] == "ok"
    assert rows["ok1"]["staff"] == 6 and rows["ok1"]["week"]
    assert not (tmp_path / "out").exists()


def test_a_failing_branch_returns_a_row_instead_of_raising(network, tmp_path):
    bad = run_branch(BranchJob(folder=str(network / "bad"), out_dir=str(tmp_path / "bad")))
    assert bad["status"] == "bad_input" and bad["branch"] == "bad"
    missing = run_branch(BranchJob(folder=str(tmp_path / "nowhere"), out_dir=str(tmp_path / "x")))
    assert missing["status"] in ("bad_input", "error") and missing["message"]


def test_exit_code_is_the_worst_branch_code():
    rows = lambda *s: [{"status": x} for x in s]  # noqa: E731
    assert exit_code(rows("ok", "ok")) == 0
    assert exit_code(rows("ok", "infeasible")) == 1
    assert exit_code(rows("infeasible", "time_limit", "bad_input")) == 3
    assert exit_code(rows("ok", "error")) == 4


def test_solver_threads_never_oversubscribe_the_cores():
    for cores in (1, 2, 8):
        for jobs in (1, 2, 3, 16):
            assert solver_workers(jobs, cores) >= 1
            assert jobs * solver_workers(jobs, cores) <= max(cores, jobs)


def test_find_branches_needs_branch_folders(network, tmp_path):
    assert [p.name for p in find_branches(network)] == sorted(STATUSES)
    with pytest.raises(InputError, match="no branch folders"):
        find_branches(tmp_path)
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no branch folders" in result.output


@pytest.mark.slow
def test_unreachable_dask_scheduler_is_bad_input(network, tmp_path):
    pytest.importorskip("dask.distributed", reason="dask[distributed] not installed")
    import dask

    one = tmp_path / "one"
    shutil.copytree(network / "ok1", one / "ok1")
    # Dask retries a refused connection for its connect timeout (30 s by default): the answer is the same after 2 s
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result, _ = _run_batch(one, tmp_path / "out", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
