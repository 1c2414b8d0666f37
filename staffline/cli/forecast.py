"""`staffline forecast`: arrivals per role and slot for a week, with model choice and backtests."""

from __future__ import annotations

from pathlib import Path

import click

from staffline.cli.common import (
    divert_option,
    emit_json,
    handle_errors,
    history_option,
    json_option,
    locked_output,
    model_option,
    out_option,
    parse_divert,
    quiet_option,
    week_option,
)


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@week_option
@model_option
@click.option("--backtest", "run_backtest", is_flag=True, help="Also write backtest.csv (rolling weekly folds, every model).")
@click.option(
    "--folds",
    default=None,
    type=click.IntRange(2, 52),
    help="Rolling weeks that auto/ensemble choose on and --backtest scores  [default: the branch's [forecast] folds, 8]",
)
@out_option
@divert_option
@history_option
@json_option
@quiet_option
@handle_errors
@locked_output
def forecast(path: Path, week, model, run_backtest, folds, out_dir: Path, divert, history, as_json: bool, quiet: bool) -> None:
    """Forecast arrivals per role and slot for a week; writes forecast.csv (and backtest.csv)."""
    from staffline import atomic
    from staffline.forecasting import MODELS, backtest, slot_counts
    from staffline.forecasting.baseline import calendar_params
    from staffline.io import load_instance
    from staffline.pipeline import demand_from, fit_walk_ins, parse_week

    instance = load_instance(path, history)
    week_start = parse_week(week, instance)
    folds = folds or instance.branch.forecast.folds
    walk_ins, info = fit_walk_ins(instance, week_start, model, folds=folds)
    table = None
    if run_backtest:
        table = backtest(slot_counts(instance), list(MODELS), folds, params=lambda name: calendar_params(instance, name))
    shares = parse_divert(divert)
    demand = demand_from(instance, walk_ins, divert=shares)
    with atomic.staged():  # forecast.csv and backtest.csv land together or not at all
        atomic.write_csv(out_dir / "forecast.csv", demand.frame, float_format="%.4g")
        if table is not None:
            atomic.write_csv(out_dir / "backtest.csv", table)
    frame = demand.frame
    weekly = frame.groupby("role")["mean"].sum()
    totals = weekly.round(1).to_dict()
    booked = {r: int(n) for r, n in frame.groupby("role")["appointments"].sum().items() if n}
    moved = {}
    if shares:  # the what-if: weekly walk-ins per role with and without the command-line shares
        change = weekly - demand_from(instance, walk_ins).frame.groupby("role")["mean"].sum()
        moved = {r: round(float(d), 1) for r, d in change.items() if abs(d) > 1e-9}
    by_hour = frame.assign(hour=frame["slot_start"].str[:2] + ":00").groupby("hour")["mean"].sum() / frame["date"].nunique()
    busiest = [h for h in by_hour.sort_values(ascending=False).index[:3]]
    payload = {
        "week_start": week_start.isoformat(),
        "model": info.model,
        "requested": info.requested,
        "description": info.description,
        "interval_method": info.interval_method,
        "backtest_wape": info.backtest_wape,
        "backtest_folds": info.backtest_folds,
        "candidates": info.candidates,
        "weekly_arrivals": totals,
        "weekly_appointments": booked,
        "busiest_hours": busiest,
        "aht_minutes": demand.aht_minutes,
        "divert": {**instance.branch.divert, **shares},
        "divert_change": moved,
    }
    if as_json:
        emit_json(payload)
    elif not quiet:
        wape = f" (backtest WAPE {info.backtest_wape:.3f} over {info.backtest_folds} weeks)" if info.backtest_wape is not None else ""
        chosen = f" chosen by {info.requested}" if info.requested != info.model else ""
        click.echo(f"week of {week_start}, model {info.model}{chosen}{wape}")
        if info.candidates:
            click.echo("  candidates (WAPE): " + ", ".join(f"{m} {w:.3f}" for m, w in sorted(info.candidates.items(), key=lambda x: x[1])))
        click.echo("  weekly walk-ins: " + ", ".join(f"{r} {n:g}" for r, n in totals.items()))
        if booked:
            click.echo("  booked appointments (on top): " + ", ".join(f"{r} {n}" for r, n in booked.items()))
        if moved:
            click.echo("  diversion what-if: " + ", ".join(f"{r} {d:+g}" for r, d in moved.items()) + " walk-ins per week")
        click.echo("  busiest hours: " + ", ".join(busiest))
        if table is not None:
            click.echo(table[table["role"] == "all"][["model", "wape", "mase", "bias", "cover80", "cover95"]].to_string(index=False))
        click.echo(f"wrote {out_dir / 'forecast.csv'}" + (f" and {out_dir / 'backtest.csv'}" if table is not None else ""))
