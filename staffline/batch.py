"""Plan many branches in one run: one job per branch folder, on a process pool or a Dask cluster.

A bank runs 20+ branches and plans them nightly from cron. Each job runs the
whole pipeline for one branch (load -> forecast -> requirements -> roster ->
simulate -> report) in its own process and always returns a summary row, so
one branch failing (bad input, infeasible, time limit, a bug) never stops the
others. The jobs go to a standard executor - ``concurrent.futures`` locally,
``dask.distributed`` for a cluster - never a scheduler of our own.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from staffline.errors import InputError, Problem

STATUS_CODES = {"ok": 0, "infeasible": 1, "bad_input": 2, "time_limit": 3, "error": 4}
SUMMARY_FIELDS = ("branch", "status", "message", "expected_wait_minutes", "simulated_wait_minutes", "cost", "gap", "seconds")


@dataclass(frozen=True)
class BranchJob:
    """Everything a worker process needs to plan one branch (plain values: it is pickled)."""

    folder: str
    out_dir: str
    week: str | None = None
    time_limit: float = 60.0
    workers: int = 1
    seed: int = 0
    simulate_reps: int = 200
    report: bool = True
    model: str | None = None  # forecast model; None: the branch's [forecast] model
    weeks: int = 1  # the plan's length from week


def find_branches(root: str | Path) -> list[Path]:
    """Sub-folders of ``root`` that hold a ``branch.toml``, by name (``InputError`` if none)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(Problem(str(root), None, None, "not a folder of branch folders"))
    found = sorted(p for p in root.iterdir() if p.is_dir() and (p / "branch.toml").is_file())
    if not found:
        raise InputError(Problem(str(root), None, None, "no branch folders (sub-folders with a branch.toml) here"))
    return found


def solver_workers(jobs: int, cores: int | None = None) -> int:
    """CP-SAT threads per job so that jobs x threads never exceeds the cores."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, jobs))


def make_jobs(branches: Iterable[Path], out_root: str | Path, **settings) -> list[BranchJob]:
    return [BranchJob(folder=str(b), out_dir=str(Path(out_root) / b.name), **settings) for b in branches]


def _overall_wait(kpis: dict, simulated: bool) -> float | None:
    """Wait per customer over all roles, weighted by each role's expected arrivals."""
    roles = kpis.get("roles", {})
    arrivals = sum(r["arrivals"] for r in roles.values())
    if not arrivals:
        return None
    if not simulated:
        return round(sum(r["customer_minutes_waited"] for r in roles.values()) / arrivals, 3)
    sims = kpis.get("simulated")
    if not sims:
        return None
    return round(sum(roles[name]["arrivals"] * s["wait_per_arrival"]["mean"] for name, s in sims.items() if name in roles) / arrivals, 3)


def run_branch(job: BranchJob) -> dict:
    """Plan one branch and write its outputs; never raises - the summary row says what happened."""
    from staffline.io import load_instance
    from staffline.outlock import output_lock
    from staffline.pipeline import plan, write_plan

    started = time.perf_counter()
    row = dict.fromkeys(SUMMARY_FIELDS)
    row.update(branch=Path(job.folder).name, message="")
    try:
        with output_lock(job.out_dir):
            instance = load_instance(job.folder)
            p = plan(
                instance,
                job.week,
                time_limit=job.time_limit,
                workers=job.workers,
                seed=job.seed,
                simulate_reps=job.simulate_reps,
                model=job.model,
                weeks=job.weeks,
            )
            status = p.status
            if status in ("infeasible", "time_limit"):
                row.update(status=status, message=p.result.message)
            else:
                write_plan(p, instance, job.out_dir)
                if job.report:
                    from staffline.report import write_report

                    write_report(job.out_dir)
                k = p.kpis
                row.update(
                    status="ok",
                    cost=round(k["cost"], 2),
                    gap=k["gap"],
                    expected_wait_minutes=_overall_wait(k, False),
                    simulated_wait_minutes=_overall_wait(k, True),
                    message=f"{status}, {len(k.get('hard_violations', []))} hard violations",
                )
    except InputError as exc:
        row.update(status="bad_input", message="; ".join(str(p) for p in exc.problems[:3]))
    except Exception as exc:  # a bug in one branch must not stop the others; the row carries it
        row.update(status="error", message=f"{type(exc).__name__}: {exc}".splitlines()[0])
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


def run_local(jobs: list[BranchJob], processes: int, on_done: Callable[[dict], None] | None = None) -> list[dict]:
    """Run the jobs on a local process pool (spawned processes: no forked solver state)."""
    rows = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = {pool.submit(run_branch, job): job for job in jobs}
        for future in as_completed(futures):
            rows.append(_result_or_error(future, futures[future]))
            if on_done:
                on_done(rows[-1])
    return _by_branch(rows)


def run_dask(
    jobs: list[BranchJob], processes: int, scheduler: str | None = None, on_done: Callable[[dict], None] | None = None
) -> list[dict]:
    """Run the same jobs on a Dask cluster: ``scheduler`` address, or a LocalCluster of ``processes`` workers."""
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise InputError(Problem("--executor", None, "executor", "dask is not installed: pip install 'staffline[dask]'")) from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=processes, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            futures = client.map(run_branch, jobs, pure=False)
            owner = dict(zip((f.key for f in futures), jobs))
            rows = []
            for future in dask_completed(futures):
                rows.append(_result_or_error(future, owner[future.key]))
                if on_done:
                    on_done(rows[-1])
    except OSError as exc:
        raise InputError(Problem("--scheduler", None, "scheduler", f"cannot reach the Dask scheduler {scheduler}: {exc}")) from None
    finally:
        if cluster is not None:
            cluster.close()
    return _by_branch(rows)


def _result_or_error(future, job: BranchJob) -> dict:
    """The job's row, or an ``error`` row when its process died (killed, out of memory)."""
    try:
        return future.result()
    except Exception as exc:
        row = dict.fromkeys(SUMMARY_FIELDS)
        row.update(branch=Path(job.folder).name, status="error", message=f"worker failed: {type(exc).__name__}: {exc}".splitlines()[0])
        return row


def _by_branch(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["branch"])


def exit_code(rows: list[dict]) -> int:
    """0 when every branch is ok, otherwise the worst (highest) branch code."""
    return max((STATUS_CODES[r["status"]] for r in rows), default=0)


def preview(jobs: list[BranchJob]) -> list[dict]:
    """``--dry-run``: validate every branch and say what would run, writing nothing."""
    from staffline.io import load_instance
    from staffline.pipeline import parse_week

    rows = []
    for job in jobs:
        row = {
            "branch": Path(job.folder).name,
            "status": "ok",
            "message": "",
            "staff": None,
            "roles": None,
            "week": None,
            "out_dir": job.out_dir,
            "time_limit": job.time_limit,
            "workers": job.workers,
        }
        try:
            instance = load_instance(job.folder)
            row.update(
                staff=len(instance.staff),
                roles=",".join(instance.branch.role_names),
                week=parse_week(job.week, instance).isoformat(),
                message="would plan",
            )
        except InputError as exc:
            row.update(status="bad_input", message="; ".join(str(p) for p in exc.problems[:3]))
        rows.append(row)
    return rows
