"""`staffline report`: turn a roster output folder into report.html, roster.xlsx and calendars."""

from __future__ import annotations

from pathlib import Path

import click

from staffline.cli.common import emit_json, handle_errors, json_option, quiet_option
from staffline.errors import InputError, Problem

folder_type = click.Path(file_okay=False, path_type=Path)


@click.command()
@click.argument("folder", required=False, type=folder_type)
@click.option("--compare", nargs=2, type=folder_type, default=None, metavar="A B", help="Compare two roster folders side by side.")
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(path_type=Path),
    help="Output folder (report; default FOLDER) or file (comparison; default comparison.html).",
)
@json_option
@quiet_option
@handle_errors
def report(folder, compare, out, as_json, quiet) -> None:
    """Report a roster folder (charts, KPIs, penalties, Gantt) or compare two with --compare A B."""
    from staffline import report as rep

    if compare:
        paths = [rep.write_comparison(compare[0], compare[1], out or Path("comparison.html"))]
    elif folder is None:
        raise InputError(Problem("staffline report", None, "FOLDER", "give a roster output folder, or --compare A B"))
    else:
        from staffline.outlock import output_lock

        with output_lock(out or folder):  # one writer: a second report (or a roster run) on the folder stops with exit 2
            paths = rep.write_report(folder, out)
    if as_json:
        emit_json({"outputs": [str(p) for p in paths]})
    elif not quiet:
        calendars = [p for p in paths if p.suffix == ".ics"]
        others = [p for p in paths if p.suffix != ".ics"]
        click.echo(
            "wrote " + ", ".join(map(str, others)) + (f" and {len(calendars)} calendars in {calendars[0].parent}" if calendars else "")
        )
