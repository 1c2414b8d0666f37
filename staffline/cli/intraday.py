"""`intraday`: steer the live day - update today's forecast from the tickets so far and move staff between roles.

A thin skin over :func:`staffline.intraday.steer`. Exit codes: 0 ok, 2 bad
input (a ticket from another day, after ``--now`` or with an unknown role
names the file, row and field; so does a bad ``--now``).
"""

from __future__ import annotations

from pathlib import Path

import click

from staffline.cli.common import (
    emit_json,
    handle_errors,
    history_option,
    json_option,
    model_option,
    optional_out_option,
    previous_option,
    quiet_option,
    read_roster_csv,
    roster_option,
    seed_option,
)
from staffline.io import load_instance
from staffline.model import INTRADAY_DECISIONS


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@roster_option("The published roster.csv of the week.")
@click.option(
    "--now", "now_text", required=True, metavar="YYYY-MM-DDTHH:MM", help="The moment to steer from (moves start at the next slot)."
)
@click.option(
    "--tickets",
    "tickets_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Today's tickets so far (history.csv format).",
)
@optional_out_option("Write moves.csv, roster.csv, forecast.csv, coverage.csv here.")
@click.option(
    "--time-limit", default=3.0, show_default=True, type=click.FloatRange(0.1, 600), help="Role assignment time limit (CP-SAT work units)."
)
@seed_option()
@click.option(
    "--allow-extend",
    is_flag=True,
    help="Permit overtime: today's shifts may start earlier or end later (slot grid) within contract maximums and opening hours.",
)
@click.option(
    "--decide-on",
    type=click.Choice(INTRADAY_DECISIONS),  # from the light model module: --help imports no solver
    default="simulated",
    show_default=True,
    help="How the moves are chosen: simulated from the queue at --now (a shortlist of plans), the posterior plan as it is, or at the level's mean.",
)
@click.option(
    "--reps",
    default=60,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Simulated replications of the rest of the day per plan (--decide-on simulated).",
)
@previous_option
@model_option
@history_option
@json_option
@quiet_option
@handle_errors
def intraday(
    path,
    roster_file,
    now_text,
    tickets_file,
    out_dir,
    time_limit,
    seed,
    allow_extend,
    decide_on,
    reps,
    previous_file,
    model,
    history,
    as_json,
    quiet,
) -> None:
    """Move on-duty staff between roles for the rest of today, on a forecast updated from today's tickets.

    Shifts stay as rostered unless --allow-extend permits overtime (within the
    week's contract hours, the longest shift, rest to the next shift and
    opening hours; --previous adds the rest after last week's final shift),
    each overtime hour at cost_per_hour x [replan] overtime_premium;
    certifications and the minimum role block hold.
    Prints the moves (``10:45 E07 counter -> lobby``) and the expected wait
    per role for the rest of the day without and with them.
    """
    from staffline.intraday import steer, write_intraday
    from staffline.io.today import read_today
    from staffline.optimizer.replan import parse_moment

    now = parse_moment(now_text, "--now")
    instance = load_instance(path, history)
    tickets = read_today(tickets_file, instance.branch, now)
    previous = read_roster_csv(previous_file) if previous_file is not None else None
    result = steer(
        instance,
        roster_file,
        now,
        tickets,
        model=model,
        time_limit=time_limit,
        seed=seed,
        allow_extend=allow_extend,
        previous=previous,
        decide_on=decide_on,
        reps=reps,
    )
    paths = write_intraday(result, out_dir) if out_dir is not None else []
    if as_json:
        emit_json({**result.as_dict(), "outputs": [str(p) for p in paths]})
    elif not quiet:
        click.echo(summary(result, paths))


SOURCE_TEXT = {"tickets": " (from the tickets' service times)", "simulated": " (no service times: the morning replayed, mean)"}


def summary(result, paths: list[Path]) -> str:
    """The moves, today's level per role and the expected wait for the rest of the day without and with them."""
    lines = [f"intraday at {result.now:%Y-%m-%d %H:%M}: {len(result.moves)} move(s)"]
    for m in result.moves.to_dict("records"):
        paid = f" overtime, cost {m['cost']:.2f}" if m["kind"] == "extension" else ""
        lines.append(f"  {m['time']} {m['employee']} {m['from']} -> {m['to']} (until {m['until']}){paid}")
    lines.append("  today's arrivals vs the day-ahead forecast: " + ", ".join(f"{r} x{v[0]:.2f}" for r, v in result.levels.items()))
    if result.queue:
        lines.append(
            "  queue at now: "
            + ", ".join(f"{r} {q.waiting:.1f} waiting, {q.in_service:.1f} in service" for r, q in result.queue.items())
            + SOURCE_TEXT[next(iter(result.queue.values())).source]
        )
    if result.decision:
        chosen = result.decision["chosen"]
        lines.append(
            f"  plan kept: {chosen} (simulated rest of day, customer-minutes: "
            + ", ".join(f"{k} {c['customer_minutes']:.1f}" for k, c in result.decision["candidates"].items())
            + ")"
        )
    lines.append(f"  expected wait, rest of day, min/customer {'without':>8s} {'with moves':>11s}")
    for role, before in result.waits["before"].items():
        lines.append(f"    {role:38s} {before:8.2f} {result.waits['after'][role]:11.2f}")
    if result.simulated:
        lines.append(f"  simulated from the queue at now           {'without':>8s} {'with moves':>11s}")
        for role, before in result.simulated["before"].items():
            lines.append(f"    {role:38s} {before:8.2f} {result.simulated['after'][role]:11.2f}")
    if paths:
        lines.append(f"outputs in {paths[0].parent}/: " + ", ".join(p.name for p in paths))
    return "\n".join(lines)
