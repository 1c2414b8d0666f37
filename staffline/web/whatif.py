"""A plan request's changes to a branch (absences, certification what-ifs), checked against the branch.

Used twice on purpose: by the API when the request arrives, so a bad name is
a 400 before anything is queued, and by the worker when it applies them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from staffline.errors import InputError, Problem
from staffline.model import Instance


def with_absences(instance: Instance, absences: list[dict]) -> Instance:
    """The instance with each ``{"employee", "date"}`` made unavailable that day (a hard rule in the model)."""
    known = {e.id for e in instance.staff}
    problems = [
        Problem("absences", i + 1, "employee", f"unknown employee {a['employee']!r}")
        for i, a in enumerate(absences)
        if a["employee"] not in known
    ]
    if problems:
        raise InputError(problems)
    days: dict[str, list[dt.date]] = {}
    for a in absences:
        days.setdefault(a["employee"], []).append(dt.date.fromisoformat(str(a["date"])))
    staff = tuple(dataclasses.replace(e, unavailable=e.unavailable + tuple(days[e.id])) if e.id in days else e for e in instance.staff)
    return dataclasses.replace(instance, staff=staff)


def check_what_if(instance: Instance, what_if: dict) -> None:
    """Reject what-ifs naming employees or roles the branch does not have (as ``roster --certify`` does)."""
    known, roles = {e.id for e in instance.staff}, set(instance.branch.role_names)
    problems = []
    for emp, granted in (what_if.get("certify") or {}).items():
        if emp not in known:
            problems.append(Problem("what_if", None, "certify", f"unknown employee {emp!r}"))
        problems += [Problem("what_if", None, "certify", f"unknown role {r!r}") for r in granted if r not in roles]
    problems += [Problem("what_if", None, "divert", f"unknown role {r!r}") for r in (what_if.get("divert") or {}) if r not in roles]
    if problems:
        raise InputError(problems)
