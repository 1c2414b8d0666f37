"""``--log-file``: a timestamped record of an unattended run (what ran, what it decided, what failed).

Cron mails are easy to lose; a log file per run (or appended per night) lets
a planner see at 8 am which branch failed at 2 am and why. Everything goes
through the ``staffline`` logger of the standard library, which writes
nothing until a command is given ``--log-file``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

LOGGER = logging.getLogger("staffline")
LOGGER.addHandler(logging.NullHandler())  # silent without --log-file (no stderr echo of errors already printed)
FORMAT = "%(asctime)s %(levelname)s %(message)s"


def start_log_file(path: Path | None) -> None:
    """Append this run's records to ``path`` (none when ``path`` is None)."""
    for old in [h for h in LOGGER.handlers if getattr(h, "staffline_run", False)]:  # a library caller's previous run
        LOGGER.removeHandler(old)
        old.close()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.staffline_run = True
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)


log_file_option = click.option(
    "--log-file",
    "log_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append a timestamped record of the run to this file.",
)
