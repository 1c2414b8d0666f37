"""Bundles of a plan's files for one download: the per-employee calendars as a zip.

A plan's ``calendars/<employee>.ics`` are one file per employee, which a
browser cannot fetch as a folder; the zip is built in memory from the names
the plan recorded (never a directory listing), so it holds exactly the
calendars the plan wrote.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

CALENDARS = "calendars/"


def calendar_names(files: list[str]) -> list[str]:
    """The plan's recorded calendar files (``calendars/<employee>.ics``), sorted."""
    return sorted(name for name in files if name.startswith(CALENDARS) and name.endswith(".ics"))


def calendars_zip(folder: Path, files: list[str]) -> bytes:
    """A zip of the recorded calendars, each under its own name (``E01.ics``, ...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in calendar_names(files):
            archive.write(folder / name, arcname=name.removeprefix(CALENDARS))
    return buffer.getvalue()
