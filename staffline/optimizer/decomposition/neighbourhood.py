"""The LP's near neighbourhood, searched exactly on CBC beside CP-SAT's polish.

Why: a dive ends at a roster a few points above the root bound, and
CP-SAT's polish, hinted with it, closes part of that (Curtois Instance7:
dives 1066, polish 1062, best-known 1056, root bound 1054.083). The exact
gap search (:mod:`~staffline.optimizer.decomposition.gap_search`) reaches 1056 but needs
every schedule within the whole gap (532,445 of them) and 130 s. The
rosters near the LP are a far smaller set: those in which every employee's
schedule costs at most one objective step (one point on Curtois) above its
cheapest reduced cost at the root's duals, and which beat the dive's
roster. Instance7's 1056 is one of them (its largest excess is 0.75), and
the set is 78,414 schedules, 6,517 MILP columns; one CBC thread found 1056
in 19-21 s and proved it the set's cheapest in 25-36 s (three runs), where
the whole gap needed a luckier search (20 s once, no roster in 200 s with
other seeds). Employees are kept in their band through their listed
schedules only (one with a long list keeps the shift-choice model on the
cells its list uses): each band as a row as well slowed CBC (1056 after
17-82 s), and the rows instead of the cell restriction left it without a
roster in 100 s.

It runs in its own thread (CBC is a subprocess) while CP-SAT polishes, so
it costs the polish a share of the cores, not its time; once the solve has
proved its roster optimal another way, :meth:`NeighbourhoodSearch.stop`
ends CBC's process instead of waiting for it. It is skipped
where the set is too large to list (an employee with more than
:data:`MAX_SCHEDULES` schedules in its band: Curtois Instances 10, 12
and 14-18), and when one step covers the whole gap, "none" proves
the dive's roster optimal.
"""

from __future__ import annotations

import threading
from typing import Sequence

from staffline.optimizer.core.shift_model import ShiftModel
from staffline.optimizer.decomposition.column_generation import CoverRow, Deadline
from staffline.optimizer.decomposition.gap_search import GapSearchResult, RootPrices, TooManySchedules, search_below

MAX_SCHEDULES = 200_000  # per employee (Instance7's largest band at one point: 44,364; Instance12's first employee: over 300,000)


class NeighbourhoodSearch(threading.Thread):
    """:func:`~staffline.gap_search.search_below` with ``employee_gap`` one objective step, on one CBC thread."""

    def __init__(
        self,
        b: ShiftModel,
        rules: Sequence,
        covers: Sequence[CoverRow],
        root: RootPrices,
        incumbent: float,
        step: float,
        deadline: Deadline,
    ):
        super().__init__(daemon=True)
        self.args = (b, rules, covers, root, incumbent - step, deadline)
        self.step = step
        self.incumbent = incumbent
        self.result: GapSearchResult | None = None
        self.skipped: str | None = None  # why no MILP was solved
        self._stopping = threading.Event()

    def run(self) -> None:
        b, rules, covers, root, target, deadline = self.args
        try:
            self.result = search_below(
                b,
                rules,
                covers,
                root,
                target,
                deadline,
                workers=1,
                employee_gap=self.step,
                max_schedules=MAX_SCHEDULES,
                stop=self._stopping,
            )
        except TooManySchedules as error:
            self.skipped = str(error)
        except Exception as error:  # noqa: BLE001 - e.g. a rule CBC cannot express, or no CBC: the polish's roster stands
            self.skipped = f"{type(error).__name__}: {error}"

    def stop(self) -> None:
        """End the search now (its CBC process too): the solve no longer needs its answer."""
        self._stopping.set()

    def roster(self) -> tuple[dict[tuple[int, int], int], float] | None:
        """(shifts, value) of a roster cheaper than the incumbent, if the search found one."""
        if self.result is None or self.result.status not in ("found", "feasible"):
            return None
        return self.result.shifts, self.result.objective

    def proves_incumbent(self) -> bool:
        """Whether the search proved that no roster beats the incumbent (the band held the whole gap, and none was found)."""
        return self.result is not None and self.result.status == "none" and self.result.stats.get("whole_gap", False)

    def summary(self) -> dict:
        """What the run reports in its details."""
        if self.result is None:
            return {"skipped": self.skipped}
        return {
            "status": self.result.status,
            "objective": self.result.objective,
            "target": round(self.incumbent - self.step, 3),
            **self.result.stats,
        }
