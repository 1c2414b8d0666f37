"""Week-to-week continuity: what last week's roster means for this week's rules.

A week planned alone forgets that someone worked Tuesday to Sunday or closed
the branch late on Sunday, and may then roster them a seventh day in a row or
open on Monday after too short a rest. The roster before the horizon (one
week or several, e.g. last month's ``--weeks 4`` roster.csv) gives the facts
the rules need: which of the preceding days each person worked
(``ConsecutiveDays.previous``; the ``[fairness]`` Saturday and weekend counts
of all of it) and when their last shift ended (``MinimumRest.previous_end``).
The checker takes the same, so it verifies the boundary independently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from staffline.model import Instance
from staffline.optimizer.check import read_roster


@dataclass(frozen=True)
class PreviousWeek:
    """Per employee: days worked in the whole weeks before, oldest first (7 flags a week, ending on the Sunday before
    the plan), and the end of their last shift."""

    days: dict[str, tuple[bool, ...]] = field(default_factory=dict)
    last_end: dict[str, dt.datetime] = field(default_factory=dict)


def previous_week(instance: Instance, roster: pd.DataFrame, week_start: dt.date) -> PreviousWeek:
    """Read the roster of the weeks just before ``week_start`` (rows validated as roster.csv rows).

    It covers whole weeks from the Monday of its first row up to the Sunday
    before ``week_start``. Rows on or after ``week_start`` are bad input
    naming the row: a roster that overlaps the plan is not the one before it.
    """
    monday = week_start - dt.timedelta(days=7)
    dates = [d for d in (_date(v) for v in roster["date"]) if d is not None] if "date" in roster.columns else []
    if dates and min(dates) < monday:
        first = min(dates)
        monday = first - dt.timedelta(days=first.weekday())
    weeks = (week_start - monday).days // 7
    blocks = read_roster(instance, roster, monday, weeks)
    before = [monday + dt.timedelta(days=k) for k in range(7 * weeks)]
    worked: dict[str, set[dt.date]] = {}
    last_end: dict[str, dt.datetime] = {}
    for b in blocks:
        worked.setdefault(b.employee, set()).add(b.date)
        end = dt.datetime.combine(b.date, dt.time()) + dt.timedelta(minutes=b.end)
        if b.employee not in last_end or end > last_end[b.employee]:
            last_end[b.employee] = end
    days = {e.id: tuple(d in worked.get(e.id, set()) for d in before) for e in instance.staff}
    return PreviousWeek(days=days, last_end=last_end)


def _date(value) -> dt.date | None:
    """A row's date, or None for one :func:`read_roster` will name as bad."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
