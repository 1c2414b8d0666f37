"""A plan request's changes to a branch (absences, pins, what-ifs), checked against the branch.

Used twice on purpose: by the API when the request arrives, so a bad name or
a date outside the week is a 400 before anything is queued, and by the
worker when it applies them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from staffline.errors import InputError, Problem
from staffline.model import Instance
from staffline.optimizer.roster import with_certifications


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


def check_replan(instance: Instance, week: str, options: dict) -> None:
    """Reject a re-plan's absences and pins naming unknown staff or days outside the week, and a ``frozen_until`` outside it."""
    monday = dt.date.fromisoformat(week)
    known, problems = {e.id for e in instance.staff}, []
    for field in ("absences", "pins"):
        for i, item in enumerate(options[field]):
            if item["employee"] not in known:
                problems.append(Problem(field, i + 1, "employee", f"unknown employee {item['employee']!r}"))
            if not 0 <= (dt.date.fromisoformat(str(item["date"])) - monday).days < 7:
                problems.append(Problem(field, i + 1, "date", f"{item['date']} is not in the plan's week of {week}"))
    away = {(a["employee"], str(a["date"])) for a in options["absences"]}
    for i, pin in enumerate(options["pins"]):
        if (pin["employee"], str(pin["date"])) in away:
            problems.append(Problem("pins", i + 1, "date", f"{pin['employee']} is absent on {pin['date']}: pin or absence, not both"))
    frozen = options.get("frozen_until")
    if frozen is not None and not 0 <= (dt.datetime.fromisoformat(frozen).date() - monday).days < 7:
        problems.append(Problem("frozen_until", None, "frozen_until", f"{frozen} is not in the plan's week of {week}"))
    if problems:
        raise InputError(problems)


def with_what_if(instance: Instance, what_if: dict) -> Instance:
    """The instance with the certification and diversion what-ifs made part of it (for a re-plan of a what-if plan).

    ``replan()`` takes a headcount and a forecast model but no extra
    certifications or diversion, yet re-planning a what-if plan must see the
    same staff and demand its roster was made for: both are facts of the
    instance (the staff's certificates; the branch's per-role divert shares,
    overridden role by role as ``plan(divert=...)`` does).
    """
    instance = with_certifications(instance, what_if.get("certify"))
    divert = what_if.get("divert")
    if not divert:
        return instance
    return dataclasses.replace(instance, branch=dataclasses.replace(instance.branch, divert={**instance.branch.divert, **divert}))
