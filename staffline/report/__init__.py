"""Report stage: what planners open - report.html, roster.xlsx and calendars.

* ``write_report(folder, out=None)`` - report.html (charts embedded, opens with
  no network), roster.xlsx (summary + a sheet per day) and ``calendars/<employee>.ics``
  from a roster output folder;
* ``write_comparison(folder_a, folder_b, target)`` - two rosters side by side.
"""

from __future__ import annotations

from pathlib import Path

from staffline import atomic
from staffline.report.exports import write_calendars, write_xlsx
from staffline.report.html import render_comparison, render_report, write_html
from staffline.report.products import RunProducts, read_products


def write_report(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """Every report product of a roster folder, landing together (see :func:`atomic.staged`)."""
    run = read_products(folder)
    out = Path(out) if out is not None else Path(folder)
    with atomic.staged():
        paths = [write_html(out / "report.html", render_report(run)), write_xlsx(run.roster, run.kpis, out / "roster.xlsx")]
        paths += write_calendars(run.roster, out / "calendars")
    return paths


def write_comparison(folder_a: str | Path, folder_b: str | Path, target: str | Path) -> Path:
    return write_html(target, render_comparison(read_products(folder_a), read_products(folder_b)))


__all__ = ["RunProducts", "read_products", "write_comparison", "write_report"]
