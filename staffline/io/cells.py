"""CSV cells of an instance folder -> typed values, every bad cell logged with its file, row and field.

The readers of staff.csv, history.csv, appointments.csv and requests.csv (and
the database history reader) share these helpers so that one kind of mistake
gets one wording wherever it is made. Row numbers are 1-based as a spreadsheet
shows them (the header is row 1). CSV files must be UTF-8; a byte-order mark
is accepted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
import re
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from staffline.branch_config import (
    FieldError,
)
from staffline.errors import ProblemLog
from staffline.model import (
    WEEKDAYS,
)


def read_text(path: Path, log: ProblemLog) -> str | None:
    """Read a UTF-8 file (BOM allowed); log a clear problem for other encodings."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        log.add(path.name, row, None, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return None


def csv_frame(path: Path, required: Iterable[str], optional: Iterable[str], log: ProblemLog) -> pd.DataFrame | None:
    """Read a CSV as strings; check the header. None if unusable."""
    text = read_text(path, log)
    if text is None:
        return None
    if not text.strip():
        log.add(path.name, None, None, "file is empty (expected a header row)")
        return None
    try:
        frame = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as exc:
        m = re.search(r"line (\d+)", str(exc))
        log.add(path.name, int(m.group(1)) if m else None, None, f"not a valid CSV: {exc}")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    for column in missing:
        log.add(path.name, 1, column, f"missing column (header has: {', '.join(frame.columns)})")
    known = set(required) | set(optional)
    for column in frame.columns:
        if column not in known:
            log.add(path.name, 1, column, f"unknown column (expected: {', '.join(known_sorted(required, optional))})")
    if missing:
        return None
    return frame


def known_sorted(required: Iterable[str], optional: Iterable[str]) -> list[str]:
    return list(required) + list(optional)


def cell_parser(log: ProblemLog, file: str) -> Callable[[int, str, str, Callable[[str], Any]], Any]:
    """Returns ``parse(row, field, text, parser)`` that logs failures and returns None."""

    def parse(row: int, field: str, text: str, parser: Callable[[str], Any]) -> Any:
        if text is None or str(text).strip() == "":
            return None
        try:
            return parser(str(text).strip())
        except (FieldError, ValueError) as exc:
            log.add(file, row, field, str(exc))
            return None

    return parse


def bounded_number(lo: float, hi: float, integer: bool = False) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = float(text)
        except ValueError:
            raise FieldError(f"expected a number, got {text!r}") from None
        if not np.isfinite(value) or not lo <= value <= hi:
            raise FieldError(f"expected a value between {lo:g} and {hi:g}, got {text}")
        if integer:
            if value != int(value):
                raise FieldError(f"expected a whole number, got {text}")
            return int(value)
        return value

    return parse


def day_token(text: str) -> str | dt.date:
    token = text.strip().lower()
    if token in WEEKDAYS:
        return token
    try:
        return dt.date.fromisoformat(token)
    except ValueError:
        raise FieldError(f"expected a weekday ({', '.join(WEEKDAYS)}) or a date YYYY-MM-DD, got {text!r}") from None


_UTC_OFFSET = r"(?:Z|[+-]\d\d:?\d\d)$"


def parse_datetimes(frame: pd.DataFrame, column: str, file: str, log: ProblemLog, required: bool, first_row: int = 2) -> pd.Series:
    raw = frame[column].str.strip()
    zoned = raw.str.contains(_UTC_OFFSET, na=False)  # datetimes are naive local time everywhere
    for idx in np.flatnonzero(zoned.to_numpy()):
        log.add(
            file,
            int(idx) + first_row,
            column,
            f"datetime {raw.iloc[idx]!r} has a time-zone offset (expected naive local time YYYY-MM-DD HH:MM[:SS])",
        )
    values = pd.to_datetime(raw.where(~zoned, ""), format="ISO8601", errors="coerce")
    bad = values.isna() & (raw != "") & ~zoned
    if required:
        bad |= raw == ""
    for idx in np.flatnonzero(bad.to_numpy()):
        text = raw.iloc[idx]
        what = "missing" if text == "" else f"unparsable datetime {text!r}"
        log.add(file, int(idx) + first_row, column, f"{what} (expected YYYY-MM-DD HH:MM[:SS])")
    return values.astype("datetime64[ns]")


def check_choice(frame: pd.DataFrame, column: str, choices: Iterable[str], file: str, log: ProblemLog, first_row: int = 2) -> pd.Series:
    values = frame[column].str.strip()
    choices = tuple(choices)
    for idx in np.flatnonzero(~values.isin(choices).to_numpy()):
        log.add(file, int(idx) + first_row, column, f"unknown {column} {values.iloc[idx]!r} (known: {', '.join(choices)})")
    return values


def format_time(t: dt.time | None) -> str:
    """A time cell as written: HH:MM, or empty for none."""
    return "" if t is None else f"{t:%H:%M}"


def format_number(x: float | int) -> str:
    """A number cell as written: no trailing .0 (8 not 8.0)."""
    return f"{x:g}"
