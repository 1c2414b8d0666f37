"""Planning commands: `requirements`, `roster` (the whole pipeline for a week) and `check`.

Thin skins over :mod:`staffline.pipeline` and :mod:`staffline.optimizer.check`:
they parse options, call the library and turn its outcome into files, a
summary and an exit code (0 ok, 1 infeasible, 2 bad input, 3 time limit).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from staffline.cli.common import (
    absent_option,
    backend_option,
    divert_option,
    emit_json,
    handle_errors,
    history_option,
    json_option,
    locked_output,
    model_option,
    out_option,
    parse_divert,
    parse_weeks,
    pin_option,
    previous_option,
    quiet_option,
    read_roster_csv,
    week_option,
    weeks_option,
)
from staffline.errors import InputError, Problem
from staffline.io import load_instance
from staffline.runlog import log_file_option


@click.command(name="requirements")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@week_option
@out_option
@divert_option
@history_option
@json_option
@quiet_option
@handle_errors
@locked_output
def requirements_cmd(path: Path, week: str | None, out_dir: Path, divert: tuple[str, ...], history, as_json: bool, quiet: bool) -> None:
    """Minimum staff per role and slot meeting each role's service-level target."""
    from staffline import atomic
    from staffline.optimizer.roster import demand_frame
    from staffline.pipeline import forecast_week, parse_week
    from staffline.queueing import queue_roles, requirements

    instance = load_instance(path, history)
    week_start = parse_week(week, instance)
    demand = forecast_week(instance, week_start, divert=parse_divert(divert))
    req = requirements(demand_frame(instance, demand), queue_roles(instance.branch.roles, demand.aht_minutes), instance.branch.slot_minutes)
    atomic.write_csv(out_dir / "requirements.csv", req, float_format="%.4g")
    hourly = req.assign(hour=req["slot_start"].str[:2] + ":00").pivot_table(
        index="hour", columns="role", values="n_required", aggfunc="max"
    )
    if as_json:
        emit_json({"week_start": week_start.isoformat(), "peak_required": hourly.max().to_dict()})
    elif not quiet:
        click.echo(f"required staff per role (maximum over the week, by hour), week of {week_start}:")
        click.echo(hourly.fillna(0).astype(int).to_string())
        click.echo(f"wrote {out_dir / 'requirements.csv'}")


def _roster_dates(roster_file: Path) -> list[dt.date]:
    """The roster's dates in order, to find its week(s); unreadable ones are left to the checker, which names them."""
    import pandas as pd

    from staffline.pipeline import roster_dates

    try:
        return roster_dates(pd.read_csv(roster_file, dtype=str), str(roster_file)) if roster_file.stat().st_size else []
    except (InputError, pd.errors.ParserError):
        return []


def _previous(instance, previous_file: Path | None, week_start: dt.date):
    """The week before's roster as the rules see it (empty when not given)."""
    from staffline.optimizer.continuity import PreviousWeek, previous_week

    return previous_week(instance, read_roster_csv(previous_file), week_start) if previous_file is not None else PreviousWeek()


def _parse_certify(values: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in values:
        emp, sep, role = v.partition("=")
        if not sep or not emp or not role:
            raise InputError(Problem("--certify", None, "certify", f"expected EMP=ROLE, got {v!r}"))
        out.setdefault(emp.strip(), []).append(role.strip())
    return out


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@week_option
@weeks_option
@out_option
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(1, 86400), help="Solver time limit in seconds.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="CP-SAT worker threads (1 = deterministic).")
@backend_option
@click.option("--seed", default=0, show_default=True, type=int, help="Solver random seed.")
@click.option("--headcount", default=None, type=click.IntRange(1, 10000), help="What-if: maximum staff on duty per slot.")
@click.option("--certify", multiple=True, metavar="EMP=ROLE", help="What-if: certify an employee for a role (repeatable).")
@click.option(
    "--simulate",
    "simulate_reps",
    is_flag=False,
    flag_value=200,
    default=0,
    type=click.IntRange(0, 100000),
    metavar="[REPS]",
    help="Replay the roster by simulation (200 replications unless given) and add simulated KPIs.",
)
@model_option
@previous_option
@divert_option
@absent_option
@log_file_option
@history_option
@json_option
@quiet_option
@handle_errors
@locked_output
def roster(
    path,
    week,
    weeks,
    out_dir,
    time_limit,
    workers,
    backend,
    seed,
    headcount,
    certify,
    simulate_reps,
    model,
    previous_file,
    divert,
    absent,
    log_file,
    history,
    as_json,
    quiet,
) -> None:
    """Plan a week (or --weeks N): forecast -> requirements -> roster; writes roster.csv, kpis.json and more.

    With one worker (``--workers 1``) the same inputs and seed give a
    byte-identical roster.csv: the solver then runs on deterministic time.
    ``--absent`` plans the week from scratch without the time away (``replan``
    repairs a published roster instead).
    """
    import sys

    from staffline.cli.common import stop_unless_roster
    from staffline.optimizer.replan import Amendment
    from staffline.pipeline import plan, write_plan
    from staffline.replanning import as_absences
    from staffline.runlog import LOGGER

    LOGGER.info("roster %s -> %s (%s, time limit %g s, %d workers, seed %d)", path, out_dir, backend, time_limit, workers, seed)
    weeks = parse_weeks(weeks)
    amend = Amendment(as_absences(absent)) if absent else None
    instance = load_instance(path, history)
    certs = _parse_certify(certify)
    for emp, roles in certs.items():
        if emp not in {e.id for e in instance.staff}:
            raise InputError(Problem("--certify", None, "certify", f"unknown employee {emp!r}"))
        for role in roles:
            if role not in instance.branch.role_names:
                raise InputError(
                    Problem("--certify", None, "certify", f"unknown role {role!r} (known: {', '.join(instance.branch.role_names)})")
                )
    show = not quiet and not as_json and sys.stderr.isatty()
    progress = (lambda s, o, b: click.echo(f"  {s:7.1f} s  objective {o:12.1f}  bound {b:12.1f}", err=True)) if show else None
    p = plan(
        instance,
        week,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        headcount=headcount,
        certify=certs,
        progress=progress,
        simulate_reps=simulate_reps,
        divert=parse_divert(divert),
        backend=backend,
        model=model,
        previous=read_roster_csv(previous_file) if previous_file is not None else None,
        amend=amend,
        weeks=weeks,
    )
    stop_unless_roster(p)
    paths = write_plan(p, instance, out_dir)
    k = p.kpis
    LOGGER.info(
        "roster %s: %s, objective %.1f, gap %.2f%%, %.1f s; wrote %s",
        path,
        k["status"],
        k["objective"],
        100 * k["gap"],
        k["solve_seconds"],
        ", ".join(x.name for x in paths),
    )
    if as_json:
        emit_json({**k, "outputs": [str(x) for x in paths]})
    elif not quiet:
        click.echo(
            f"roster for {_span(p.week_start, p.weeks)}: {k['status']}, objective {k['objective']:.1f}, bound {k['bound']:.1f}, gap {k['gap']:.2%}, {k['solve_seconds']:.1f} s"
        )
        if "roster_gap" in k:
            click.echo(f"  as written (persons' roles): objective {k['roster_objective']:.1f}, {k['roster_gap']:.2%} above the bound")
        simulated = k.get("simulated", {})
        for role, r in k["roles"].items():
            line = f"  {role:10s} expected wait {r['expected_wait_minutes']:5.2f} min/customer, service level {r['service_level']:.1%}"
            if role in simulated:
                line += (
                    f"; simulated {simulated[role]['wait_per_arrival']['mean']:5.2f} min, {simulated[role]['service_level']['mean']:.1%}"
                )
            click.echo(line)
        click.echo(f"  labour cost {k['cost']:.0f}, {k['hours']:.0f} paid hours")
        for name, f in k.get("fairness", {}).items():
            click.echo(f"  {name}: spread {f['spread']:g} (weight {f['weight']:g})")
        click.echo(f"outputs in {out_dir}/: " + ", ".join(x.name for x in paths))


def _span(week_start: dt.date, weeks: int) -> str:
    return f"the week of {week_start}" if weeks == 1 else f"the {weeks} weeks from {week_start}"


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--roster", "roster_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="roster.csv to check.")
@week_option
@click.option("--headcount", default=None, type=click.IntRange(1, 10000), help="Headcount limit the roster was made for.")
@previous_option
@absent_option
@pin_option
@click.option(
    "--published",
    "published_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The published roster.csv that --pin refers to (a re-plan's input).",
)
@click.option(
    "--weeks",
    "weeks",
    default=None,
    metavar="N",
    help="Weeks the roster covers (1-8)  [default: as many as its dates span from --week]",
)
@model_option
@divert_option
@json_option
@quiet_option
@handle_errors
def check(path, roster_file, week, headcount, previous_file, absent, pin, published_file, weeks, model, divert, as_json, quiet) -> None:
    """Re-check a roster against every rule, independently of the solver (exit 1 on violations).

    ``--absent`` adds "works during an absence" to the rules and lowers the
    absent person's contract minimums by the time away, week by week, as
    ``roster --absent`` and ``replan`` do; ``--pin`` (with ``--published``)
    that a pinned person-day is worked exactly as published.
    """
    import sys

    from staffline.optimizer.check import check_roster, check_to_dict, render_check
    from staffline.optimizer.replan import Amendment, read_pins
    from staffline.pipeline import demand_from, fit_walk_ins, parse_week
    from staffline.replanning import as_absences

    instance = load_instance(path)
    if not roster_file.is_file():
        raise InputError(Problem(str(roster_file), None, None, "roster file not found"))
    dates = _roster_dates(roster_file)
    if week is None and dates:  # the roster's own week
        week = dates[0] - dt.timedelta(days=dates[0].weekday())
    week_start = parse_week(week, instance)
    if weeks is None:  # a multi-week plan's roster.csv: every week its dates reach from week_start
        weeks = max(1, (dates[-1] - week_start).days // 7 + 1) if dates else 1
    weeks = parse_weeks(weeks)
    walk_ins, _info = fit_walk_ins(instance, week_start, model, weeks=weeks)
    demand = demand_from(instance, walk_ins, divert=parse_divert(divert))
    before = _previous(instance, previous_file, week_start)
    published = read_roster_csv(published_file) if published_file is not None else None
    amend = Amendment(as_absences(absent), published, tuple(p for value in pin for p in read_pins(value)), weeks=weeks)
    amend.validate(instance, week_start)
    instance = amend.relaxed(instance, week_start)  # time away lowers contract minimums, as plan and replan count it
    report = check_roster(
        instance,
        roster_file,
        week_start,
        demand.frame,
        demand.aht_minutes,
        previous_days=before.days,
        previous_end=before.last_end,
        headcount=headcount,
        weeks=weeks,
        **amend.check_args(instance, week_start),
    )
    if as_json:
        emit_json(check_to_dict(report))
    elif not quiet:
        click.echo(render_check(report))
    sys.exit(0 if report.ok else 1)
