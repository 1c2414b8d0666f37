"""`staffline simulate`: replay an existing roster by discrete-event simulation."""

from __future__ import annotations

import json
from pathlib import Path

import click

from staffline.cli.common import (
    divert_option,
    emit_json,
    handle_errors,
    json_option,
    model_option,
    optional_out_option,
    parse_divert,
    quiet_option,
    read_roster_csv,
    roster_option,
    seed_option,
)


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@roster_option("roster.csv to replay.")
@click.option("--reps", default=200, show_default=True, type=click.IntRange(1, 100000), help="Replications.")
@seed_option("Random seed (common random numbers across rosters).")
@click.option(
    "--drawn-rates",
    is_flag=True,
    help="Draw each replication's day rates from the forecast distribution (its calibrated intervals) instead of taking the mean as the truth.",
)
@optional_out_option("Write simulation.json and simulation.csv here (default: beside the roster).")
@click.option(
    "--surge",
    multiple=True,
    metavar="ROLE=FACTOR@HH:MM-HH:MM",
    help="Scale a role's walk-ins over a window, e.g. counter=1.3@10:00-12:00; repeatable.",
)
@click.option("--date", "day_text", default=None, metavar="YYYY-MM-DD", help="Simulate that day only (same JSON shape).")
@model_option
@divert_option
@json_option
@quiet_option
@handle_errors
def simulate(path, roster_file, reps, seed, drawn_rates, out_dir, surge, day_text, model, divert, as_json, quiet) -> None:
    """Simulate a roster's queues (walk-ins, appointments, patience, lunch) with 95% CIs."""

    from staffline import atomic
    from staffline.io import load_instance
    from staffline.optimizer.check import read_roster
    from staffline.pipeline import forecast_week, roster_week
    from staffline.simulation import simulate_roster
    from staffline.simulation.surge import apply_surges, only_day, parse_surge

    instance = load_instance(path)
    roster = read_roster_csv(roster_file)
    week_start = roster_week(roster, roster_file.name)
    read_roster(instance, roster, week_start)  # validates rows; bad ones exit 2 naming row and field
    demand = forecast_week(instance, week_start, model, divert=parse_divert(divert))
    day = _day(day_text, week_start)
    demand = apply_surges(demand, [parse_surge(t, instance.branch.role_names) for t in surge], day)
    if day is not None:
        instance, demand, roster = only_day(instance, demand, roster, day)
    kpis, hourly = simulate_roster(instance, demand, roster, week_start, reps=reps, seed=seed, drawn=drawn_rates)
    out = Path(out_dir) if out_dir is not None else roster_file.parent
    payload = {"week_start": week_start.isoformat(), "reps": reps, "seed": seed, "drawn_rates": drawn_rates, "roles": kpis}
    if day is not None or surge:
        payload.update({"date": day.isoformat() if day else None, "surge": list(surge)})
    with atomic.staged():
        atomic.write_text(out / "simulation.json", json.dumps(payload, indent=2) + "\n")
        atomic.write_csv(out / "simulation.csv", hourly, float_format="%.4g")
    if as_json:
        emit_json(payload)
    elif not quiet:
        what = f"{day}" if day is not None else f"the week of {week_start}"
        click.echo(f"simulated {what}{' with ' + ', '.join(surge) if surge else ''}, {reps} replications (mean [95% CI]):")
        for role, k in kpis.items():
            w, sl, ab = k["wait_per_arrival"], k["service_level"], k["abandon_share"]
            click.echo(
                f"  {role:10s} wait {w['mean']:5.2f} [{w['lo95']:.2f}, {w['hi95']:.2f}] min/customer, "
                f"service level {sl['mean']:.1%}, abandoned {ab['mean']:.1%}, p90 wait {k['p90_wait']['mean']:.1f} min"
            )
        click.echo(f"wrote {out / 'simulation.json'} and {out / 'simulation.csv'}")


def _day(text: str | None, week_start):
    """``--date`` as a date of the roster's week, or None."""
    import datetime as dt

    from staffline.errors import InputError, Problem

    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(Problem("--date", None, "date", f"expected YYYY-MM-DD, got {text!r}")) from None
    if not 0 <= (day - week_start).days < 7:
        raise InputError(Problem("--date", None, "date", f"{day} is not in the roster's week of {week_start}"))
    return day
