"""`replan`: repair a published roster after absences, with few changes (a thin skin over :mod:`staffline.replanning`).

Exit codes as for ``roster``: 0 ok, 1 no roster (the diagnosis names the
absences or pins in the way), 2 bad input (a bad ``--absent``, ``--pin`` or
``--from`` names the option and value), 3 time limit without a roster.
"""

from __future__ import annotations

from pathlib import Path

import click

from staffline.cli.common import (
    absent_option,
    backend_option,
    emit_json,
    handle_errors,
    history_option,
    json_option,
    locked_output,
    model_option,
    out_option,
    parse_weeks,
    pin_option,
    previous_option,
    quiet_option,
    read_roster_csv,
    roster_option,
    seed_option,
    weeks_option,
)
from staffline.io import load_instance
from staffline.runlog import log_file_option


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@roster_option("The published roster.csv to repair.")
@out_option
@absent_option
@pin_option
@click.option("--from", "frozen_until", default=None, metavar="YYYY-MM-DDTHH:MM", help="Freeze everything before this moment.")
@weeks_option
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(1, 86400), help="Solver time limit in seconds.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="CP-SAT worker threads (1 = deterministic).")
@backend_option
@seed_option()
@previous_option
@model_option
@log_file_option
@history_option
@json_option
@quiet_option
@handle_errors
@locked_output
def replan(
    path,
    roster_file,
    out_dir,
    absent,
    pin,
    frozen_until,
    weeks,
    time_limit,
    workers,
    backend,
    seed,
    previous_file,
    model,
    log_file,
    history,
    as_json,
    quiet,
) -> None:
    """Repair a published roster: absences, pins and a frozen past, changing as little as is worth it.

    Writes roster's files plus changes.csv (employee, date, before, after,
    reason); kpis.json gains ``changes`` (person_days, role_slots, penalty).
    The change weights are branch.toml's ``[replan]``. ``--previous`` (the
    week before's roster) makes rest hours and consecutive days hold across
    the week boundary, as for ``roster``.
    """
    from staffline.cli.common import stop_unless_roster
    from staffline.optimizer.replan import parse_moment, read_pins
    from staffline.replanning import as_absences, replan, write_replan
    from staffline.runlog import LOGGER

    weeks = parse_weeks(weeks)
    absences = as_absences(absent)
    pins = [p for value in pin for p in read_pins(value)]
    frozen = parse_moment(frozen_until) if frozen_until else None
    instance = load_instance(path, history)
    p = replan(
        instance,
        roster_file,
        absences=absences,
        pins=pins,
        frozen_until=frozen,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        backend=backend,
        model=model,
        previous=read_roster_csv(previous_file) if previous_file is not None else None,
        weeks=weeks,
    )
    stop_unless_roster(p)
    paths = write_replan(p, instance, out_dir)
    k = p.kpis
    LOGGER.info(
        "replan %s (%s): %s, objective %.1f, changes %s; wrote %s", path, roster_file, k["status"], k["objective"], k["changes"], out_dir
    )
    if as_json:
        emit_json({**k, "outputs": [str(x) for x in paths]})
    elif not quiet:
        click.echo(summary(p, roster_file, out_dir, paths))


def summary(p, roster_file: Path, out_dir: Path, paths: list[Path]) -> str:
    """Who is affected and the expected wait per role: published, without re-planning, re-planned."""
    k, c = p.kpis, p.kpis["changes"]
    lines = [
        f"replan of {roster_file} (week of {p.week_start}): {k['status']}, objective {k['objective']:.1f} "
        f"(+ change penalty {c['penalty']:.1f}), gap {k['gap']:.2%}, {k['solve_seconds']:.1f} s",
        f"  changed: {c['person_days']} person-day shift(s), {c['role_slots']} role-slot(s)",
    ]
    for row in p.changes.itertuples():
        lines.append(f"    {row.employee} {row.date}: {row.before} -> {row.after} ({row.reason})")
    w = p.waits
    lines.append(f"  expected wait, min/customer   {'published':>10s} {'without replan':>15s} {'replanned':>10s}")
    for role in w["replanned"]:
        lines.append(f"    {role:26s} {w['published'][role]:10.2f} {w['without_replan'][role]:15.2f} {w['replanned'][role]:10.2f}")
    if k.get("hard_violations"):
        lines.append("  checker: " + "; ".join(k["hard_violations"]))
    lines.append(f"outputs in {out_dir}/: " + ", ".join(x.name for x in paths))
    return "\n".join(lines)
