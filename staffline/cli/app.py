"""The `staffline` command group: ``main``, plus the commands about instance folders.

Each command group lives in its own module of :mod:`staffline.cli` and is
registered here; `validate` and `init` (read and scaffold an instance folder)
are small enough to live beside the group.
"""

from __future__ import annotations

from pathlib import Path

import click

from staffline import __version__
from staffline.cli.batch import batch
from staffline.cli.bench import bench
from staffline.cli.common import (
    emit_json,
    handle_errors,
    history_option,
    json_option,
    quiet_option,
)
from staffline.cli.forecast import forecast
from staffline.cli.intraday import intraday
from staffline.cli.plan import check, requirements_cmd, roster
from staffline.cli.replan import replan
from staffline.cli.report import report
from staffline.cli.serve import serve
from staffline.cli.simulate import simulate
from staffline.errors import InputError, Problem
from staffline.io import load_instance
from staffline.summary import instance_summary, render_summary


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="staffline")
def main() -> None:
    """Workforce scheduling and queue optimization for service branches.

    Typical run: `staffline roster instances/jiangdong --out out/` (load ->
    forecast -> requirements -> roster). Exit codes: 0 ok, 1 infeasible,
    2 bad input, 3 time limit reached without a roster.
    """


@main.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@history_option
@json_option
@quiet_option
@handle_errors
def validate(path: Path, history, as_json: bool, quiet: bool) -> None:
    """Check an instance folder and print its summary (or every error found)."""
    instance = load_instance(path, history)
    summary = instance_summary(instance)
    if as_json:
        emit_json(summary)
    elif not quiet:
        click.echo(render_summary(summary))


@main.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--staff", "n_staff", default=11, show_default=True, type=click.IntRange(1, 500), help="Number of staff.")
@click.option("--roles", "n_roles", default=3, show_default=True, type=click.IntRange(1, 6), help="Number of roles.")
@click.option("--weeks", default=8, show_default=True, type=click.IntRange(1, 104), help="Weeks of synthetic history.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed of the synthetic history.")
@click.option("--synthetic/--template", default=True, help="Generated history (default) or a tiny template history.")
@json_option
@quiet_option
@handle_errors
def init(path: Path, n_staff: int, n_roles: int, weeks: int, seed: int, synthetic: bool, as_json: bool, quiet: bool) -> None:
    """Scaffold a valid instance folder a planner can edit.

    Refuses to write into a folder that already has files, so an existing
    branch is never overwritten.
    """
    from staffline.io import write_instance
    from staffline.synthetic import generate_instance

    if path.exists() and any(path.iterdir()):
        raise InputError(Problem(str(path), None, None, "folder is not empty; choose a new folder for `init`"))
    instance = generate_instance(n_staff=n_staff, n_roles=n_roles, weeks=weeks if synthetic else 1, seed=seed)
    write_instance(instance, path)
    summary = instance_summary(load_instance(path))
    if as_json:
        emit_json({"path": str(path), **summary})
    elif not quiet:
        click.echo(f"wrote {path}/ (branch.toml, staff.csv, history.csv); edit them, then run `staffline validate {path}`")


main.add_command(requirements_cmd)
main.add_command(roster)
main.add_command(replan)
main.add_command(intraday)
main.add_command(check)
main.add_command(batch)
main.add_command(bench)
main.add_command(simulate)
main.add_command(report)
main.add_command(forecast)
main.add_command(serve)


def run() -> None:  # pragma: no cover - console entry for tools that want a plain function
    main(standalone_mode=True)
