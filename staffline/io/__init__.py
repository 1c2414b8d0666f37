"""Instance folders on disk: ``branch.toml``, ``staff.csv``, ``history.csv`` (or a database), ``appointments.csv``, ``requests.csv``.

:func:`load_instance` reads and validates a folder, reporting every problem at
once; :func:`write_instance` writes one back atomically. The parts:
:mod:`~staffline.io.cells` (typed CSV cells), :mod:`~staffline.io.staff`,
:mod:`~staffline.io.tickets` (history and appointments),
:mod:`~staffline.io.history_sql` (history from a database) and
:mod:`~staffline.io.folder` (the folder as a whole).
"""

from staffline.io.folder import load_history, load_instance, write_instance
from staffline.io.staff import parse_requests, parse_staff
from staffline.io.tickets import (
    check_history_cells,
    check_history_span,
    normalize_appointments,
    normalize_history,
    parse_appointments,
    parse_history,
)

__all__ = [
    "check_history_cells",
    "check_history_span",
    "load_history",
    "load_instance",
    "normalize_appointments",
    "normalize_history",
    "parse_appointments",
    "parse_history",
    "parse_requests",
    "parse_staff",
    "write_instance",
]
