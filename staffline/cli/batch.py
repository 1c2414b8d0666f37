"""`staffline batch`: plan every branch folder under DIR, for nightly cron runs over a whole network."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from staffline.cli.common import (
    emit_json,
    handle_errors,
    json_option,
    locked_output,
    model_option,
    out_option,
    parse_weeks,
    quiet_option,
    week_option,
    weeks_option,
)
from staffline.runlog import LOGGER, log_file_option

COLUMNS = ["branch", "status", "expected_wait_minutes", "simulated_wait_minutes", "cost", "gap", "seconds", "message"]
PREVIEW_COLUMNS = ["branch", "status", "staff", "roles", "week", "workers", "out_dir", "message"]


def _table(rows: list[dict], columns: list[str]) -> str:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns)
    for column in frame.columns[frame.dtypes == object]:
        frame[column] = frame[column].fillna("-")
    return frame.to_string(index=False, na_rep="-", float_format=lambda x: f"{x:.3g}")


@click.command()
@click.argument("root", type=click.Path(file_okay=False, path_type=Path))
@out_option
@click.option("--jobs", default=None, type=click.IntRange(1, 1024), help="Branches planned at once (default: the cores).")
@click.option(
    "--executor",
    default="local",
    show_default=True,
    type=click.Choice(["local", "dask"]),
    help="local = a process pool on this machine; dask = a Dask distributed cluster.",
)
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address (default: a LocalCluster of --jobs workers).")
@week_option
@weeks_option
@click.option(
    "--time-limit", default=60.0, show_default=True, type=click.FloatRange(1, 86400), help="Solver time limit per branch, seconds."
)
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="CP-SAT threads per branch (default: cores / jobs, at least 1).")
@click.option("--seed", default=0, show_default=True, type=int, help="Solver and simulation seed.")
@click.option(
    "--simulate",
    "simulate_reps",
    default=200,
    show_default=True,
    type=click.IntRange(0, 100000),
    help="Simulation replications per branch (0 = none).",
)
@click.option("--report/--no-report", default=True, help="Write report.html, roster.xlsx and calendars per branch.")
@click.option("--dry-run", is_flag=True, help="Validate every branch and print what would run; write nothing.")
@model_option
@log_file_option
@json_option
@quiet_option
@handle_errors
def batch(
    root,
    out_dir,
    jobs,
    executor,
    scheduler,
    week,
    weeks,
    time_limit,
    workers,
    seed,
    simulate_reps,
    report,
    dry_run,
    model,
    log_file,
    as_json,
    quiet,
):
    """Plan every branch folder under ROOT into OUT/<branch>/ and write OUT/batch.json.

    One branch failing never stops the others; the exit code is 0 when all
    are ok, otherwise the worst branch's (1 infeasible, 2 bad input, 3 time
    limit, 4 error).
    """
    from staffline import batch as b

    weeks = parse_weeks(weeks)
    branches = b.find_branches(root)
    jobs = jobs or os.cpu_count() or 1
    settings = dict(
        week=week,
        weeks=weeks,
        time_limit=time_limit,
        workers=workers or b.solver_workers(jobs),
        seed=seed,
        simulate_reps=simulate_reps,
        report=report,
        model=model,
    )
    todo = b.make_jobs(branches, out_dir, **settings)
    if dry_run:
        rows = b.preview(todo)
        if as_json:
            emit_json({"dry_run": True, "executor": executor, "jobs": jobs, "branches": rows})
        elif not quiet:
            click.echo(f"would plan {len(rows)} branches with {jobs} jobs on the {executor} executor:")
            click.echo(_table(rows, PREVIEW_COLUMNS))
        sys.exit(b.exit_code(rows))
    _run(b=b, todo=todo, root=root, out_dir=out_dir, jobs=jobs, executor=executor, scheduler=scheduler, as_json=as_json, quiet=quiet)


@locked_output
def _run(b, todo, root, out_dir, jobs, executor, scheduler, as_json, quiet):
    """The real run, holding OUT's lock so two batches never write the same folders."""
    from staffline import atomic

    LOGGER.info("batch %s -> %s: %d branches, %d jobs, %s executor", root, out_dir, len(todo), jobs, executor)

    def done(row: dict) -> None:
        LOGGER.info("branch %s: %s %s (%.1f s)", row["branch"], row["status"], row["message"], row["seconds"] or 0)
        if not quiet and not as_json:
            click.echo(f"  {row['branch']}: {row['status']} ({row['seconds'] or 0:.1f} s) {row['message']}", err=True)

    if executor == "dask":
        rows = b.run_dask(todo, jobs, scheduler, on_done=done)
    else:
        rows = b.run_local(todo, jobs, on_done=done)
    atomic.write_text(Path(out_dir) / "batch.json", json.dumps({"branches": rows}, indent=2, ensure_ascii=False) + "\n")
    code = b.exit_code(rows)
    LOGGER.info(
        "batch done: %s",
        ", ".join(f"{s} {sum(r['status'] == s for r in rows)}" for s in b.STATUS_CODES if any(r["status"] == s for r in rows)),
    )
    if as_json:
        emit_json({"branches": rows})
    elif not quiet:
        click.echo(_table(rows, COLUMNS))
        click.echo(f"wrote {Path(out_dir) / 'batch.json'}")
    sys.exit(code)
