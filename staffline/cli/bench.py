"""`staffline bench`: measure staffline on public benchmarks (kept apart from the branch commands)."""

from __future__ import annotations

from pathlib import Path

import click

from staffline.cli.common import emit_json, handle_errors, json_option, quiet_option


@click.group()
def bench() -> None:
    """Benchmarks on public data (Curtois-Qu rostering instances)."""


@bench.command("curtois")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(0.1, 86400), help="Seconds per instance.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="CP-SAT worker threads (1 = deterministic).")
@click.option("--seed", default=0, show_default=True, type=int, help="Solver random seed.")
@click.option(
    "--repeat",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Run the set this many times (seeds SEED, SEED+1, ...) and add the objective's min/median/max per instance.",
)
@click.option(
    "--method",
    default="columns",
    show_default=True,
    type=click.Choice(["columns", "compact"]),
    help="columns: column generation, dive and hinted CP-SAT; compact: CP-SAT on the full model alone.",
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write curtois.csv and curtois.md here (the first run), and curtois_spread.csv/.md with --repeat.",
)
@json_option
@quiet_option
@handle_errors
def curtois_cmd(files, time_limit, workers, seed, repeat, method, out_dir, as_json, quiet) -> None:
    """Solve Curtois-Qu InstanceN.txt files; objective re-scored by the independent checker."""
    from staffline import atomic
    from staffline.curtois.bench import DETAILS, run_curtois, spread, to_markdown

    def show(row: dict) -> None:
        if not (quiet or as_json):
            ratio = "" if row["ratio"] is None else f"ratio {row['ratio']:.3f}"
            click.echo(
                f"{row['instance']}: objective {row['objective']} best-known {row['best_known']} {ratio} "
                f"bound {row['bound']} {row['seconds']:.1f} s feasible={row['feasible']}"
            )

    tables = [run_curtois(files, time_limit=time_limit, workers=workers, seed=seed + k, method=method, on_row=show) for k in range(repeat)]
    table = tables[0]
    shown = table.drop(columns=[DETAILS])  # the details are for curtois.csv: JSON in a Markdown table helps nobody
    spread_table = spread(tables) if repeat > 1 else None
    if out_dir is not None:
        atomic.write_csv(out_dir / "curtois.csv", table)
        atomic.write_text(out_dir / "curtois.md", to_markdown(shown))
        if spread_table is not None:
            atomic.write_csv(out_dir / "curtois_spread.csv", spread_table)
            atomic.write_text(out_dir / "curtois_spread.md", to_markdown(spread_table))
    if as_json:
        keys = ("instance", "objective", "bound", "seconds", "feasible")
        emit_json(
            [
                {**{k: row[k] for k in keys}, **({"seed": seed + n} if repeat > 1 else {})}
                for n, run in enumerate(tables)
                for row in run.to_dict("records")
            ]
        )
    elif not quiet:
        click.echo(to_markdown(shown))
        if spread_table is not None:
            click.echo(to_markdown(spread_table))
