"""Shared CLI plumbing: exit codes and turning errors into one clear line.

Exit codes (DEVELOPERS.md): 0 ok, 1 infeasible (diagnosis printed), 2 bad
input, 3 time limit reached without a roster. Bad input never shows a Python
traceback: :func:`handle_errors` catches :class:`InputError` and file-system
errors and prints each problem on its own line (or as JSON with ``--json``).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from staffline.errors import InputError, Problem
from staffline.forecasting.registry import MODEL_NAMES

if TYPE_CHECKING:
    import pandas as pd
from staffline.runlog import LOGGER, start_log_file

EXIT_OK, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_TIME_LIMIT = 0, 1, 2, 3


class Infeasible(Exception):
    """No roster exists; the message is the plain-language diagnosis (exit 1).

    ``diagnosis`` is the same as data (rules, cause, roles, employees, days,
    slots) for ``--json`` callers, so a script need not parse the sentence.
    """

    def __init__(self, message: str, diagnosis: dict | None = None):
        super().__init__(message)
        self.diagnosis = diagnosis


class TimeLimitNoRoster(Exception):
    """The solver hit its time limit before finding any roster (exit 3)."""


def stop_unless_roster(p) -> None:
    """A plan without a roster ends the command: exit 1 with the diagnosis (as data too), or exit 3."""
    if p.status == "infeasible":
        explanation = p.result.explanation
        raise Infeasible(p.result.message, explanation.as_dict() if explanation is not None else None)
    if p.status == "time_limit":
        raise TimeLimitNoRoster(p.result.message)


def emit_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def report_problems(problems: list[Problem], as_json: bool) -> None:
    if as_json:
        emit_json({"errors": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
    for problem in problems:
        LOGGER.error("bad input: %s", problem)


def _stop(status: str, message: str, as_json: bool, code: int, diagnosis: dict | None = None) -> None:
    """No roster: say why (JSON or one line on stderr) and exit with ``code``."""
    LOGGER.error("%s: %s", status, message)
    if as_json:
        emit_json({"status": status, "message": message, **({"diagnosis": diagnosis} if diagnosis else {})})
    else:
        click.echo(message, err=True)
    sys.exit(code)


def handle_errors(func: Callable) -> Callable:
    """Map domain exceptions to exit codes; reads ``as_json`` (and ``log_file``) from the command's kwargs."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        as_json = bool(kwargs.get("as_json"))
        start_log_file(kwargs.get("log_file"))
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            report_problems(exc.problems, as_json)
            sys.exit(EXIT_BAD_INPUT)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            report_problems([Problem(str(exc.filename or ""), None, None, exc.strerror or str(exc))], as_json)
            sys.exit(EXIT_BAD_INPUT)
        except Infeasible as exc:
            _stop("infeasible", str(exc), as_json, EXIT_INFEASIBLE, exc.diagnosis)
        except TimeLimitNoRoster as exc:
            _stop("time_limit", str(exc), as_json, EXIT_TIME_LIMIT)

    return wrapper


def locked_output(func: Callable) -> Callable:
    """Hold the ``out_dir`` folder's lock for the whole command (place it under :func:`handle_errors`)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from staffline.outlock import output_lock

        with output_lock(kwargs["out_dir"]):
            return func(*args, **kwargs)

    return wrapper


history_option = click.option(
    "--history",
    "history",
    default=None,
    metavar="FILE|URL",
    help="Ticket history instead of the branch's: a CSV in the instance folder or a database URL (table/query from branch.toml).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
week_option = click.option(
    "--week", default=None, help="ISO week such as 2026-W49 or its Monday (default: the first full week after the history)."
)
weeks_option = click.option(
    "--weeks",
    "weeks",
    default="1",
    show_default=True,
    metavar="N",
    help="Plan N weeks (1-8) from --week in one model: weekly contract limits hold in each week, [fairness] spreads "
    "Saturdays, late shifts and extra hours over the horizon.",
)


def parse_weeks(text: str | int) -> int:
    """``--weeks`` as a whole number 1-8; anything else is bad input (exit 2) naming the option."""
    from staffline.pipeline import check_weeks

    try:
        return check_weeks(int(str(text).strip()))
    except ValueError:
        return check_weeks(text)


divert_option = click.option(
    "--divert",
    "divert",
    multiple=True,
    metavar="ROLE=SHARE",
    help="What-if: send SHARE of ROLE's walk-ins to self-service (e.g. counter=0.2); the lobby assists a part of them.",
)
absent_option = click.option(
    "--absent",
    multiple=True,
    metavar="EMP=DATE[:DATE]|EMP=DATETHH:MM-HH:MM",
    help="An absence: a day (E05=2026-12-02), days (E05=2026-12-02:2026-12-04) or part of a day (E05=2026-12-02T12:00-17:00); repeatable.",
)
model_option = click.option(
    "--model",
    default=None,
    type=click.Choice(MODEL_NAMES),
    help="Forecast model; auto picks the one that forecast the branch's last weeks best  [default: the branch's [forecast] model, auto]",
)
backend_option = click.option(
    "--backend",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "portfolio", "columns", "cpsat", "cbc"]),
    help="auto: the portfolio (columns above a size where they are measured to do better: none yet); portfolio: CBC for "
    "a proven bound and a roster beside CP-SAT's neighbourhood search, then the better roster goes on (large branches: "
    "CP-SAT only); columns: column generation (one schedule per employee); "
    "cpsat or cbc: one solver alone (cbc = cross-check).",
)
out_option = click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
pin_option = click.option(
    "--pin", multiple=True, metavar="FILE|EMP=DATE", help="Keep a person-day exactly as published (or a CSV of employee,date); repeatable."
)
previous_option = click.option(
    "--previous",
    "previous_file",
    default=None,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The week before's roster.csv: rest hours and consecutive days then hold (and are checked) across the boundary.",
)


def roster_option(help_text: str) -> Callable:
    """``--roster FILE`` (required): the roster a command reads; the help says which."""
    return click.option("--roster", "roster_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help=help_text)


def seed_option(help_text: str = "Solver random seed.") -> Callable:
    return click.option("--seed", default=0, show_default=True, type=int, help=help_text)


def optional_out_option(help_text: str) -> Callable:
    """``--out DIR`` when writing files is optional (None: the command's default)."""
    return click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path), help=help_text)


def read_roster_csv(path: Path) -> "pd.DataFrame":
    """A roster.csv as text cells (rows are validated by the checker's reader); an empty file is bad input."""
    import pandas as pd

    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(Problem(path.name, None, None, "the roster file is empty")) from None


def parse_divert(values: tuple[str, ...]) -> dict[str, float]:
    """``--divert`` values -> shares per role; a malformed value is bad input (exit 2)."""
    from staffline.forecasting.diversion import parse_divert_options

    try:
        return parse_divert_options(values)
    except ValueError as exc:
        raise InputError(Problem("--divert", None, "divert", str(exc))) from None
