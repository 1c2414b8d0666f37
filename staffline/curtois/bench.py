"""Run Curtois-Qu instances and tabulate them against the best-known values.

Every solution is re-scored by the independent checker
(:mod:`staffline.curtois.check`): ``feasible`` means the checker
found no hard violation, and ``objective`` is the checker's value, not the
solver's, so a modelling error cannot flatter the table.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from staffline.curtois.check import check_curtois
from staffline.curtois.model import solve_curtois
from staffline.curtois.reader import read_curtois

COLUMNS = ["instance", "employees", "days", "shift_types", "objective", "best_known", "ratio", "bound", "seconds", "feasible", "status"]
# curtois.csv also keeps each run's engine details (root LP, dives, employees without a schedule...) as JSON:
# without them a run that ended badly could not be explained afterwards (Instance24 in an --all run, stop 48)
DETAILS = "details"


def best_known(folder: Path) -> dict[str, int]:
    """``InstanceN.txt`` -> best-known objective, from ``best_known.csv`` beside the files (if any)."""
    path = folder / "best_known.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as fh:
        return {f"Instance{row['instance']}.txt": int(row["best_known"]) for row in csv.DictReader(fh)}


def instance_order(path: Path) -> tuple:
    match = re.search(r"(\d+)", path.name)
    return (int(match.group(1)) if match else 0, path.name)


def run_curtois(
    files: Iterable[Path],
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    on_row: Callable[[dict], None] | None = None,
    method: str = "columns",
) -> pd.DataFrame:
    """Solve each file with the shared shift core (``method``: see :func:`solve_curtois`); one row per instance."""
    rows = []
    known_by_folder: dict[Path, dict[str, int]] = {}
    for path in sorted(map(Path, files), key=instance_order):
        inst = read_curtois(path)
        known = known_by_folder.setdefault(path.parent, best_known(path.parent)).get(path.name)
        result = solve_curtois(inst, time_limit=time_limit, workers=workers, seed=seed, method=method)
        objective = feasible = None
        if result.assignment or result.status in ("optimal", "feasible"):
            check = check_curtois(inst, result.assignment)
            objective, feasible = check.objective, not check.violations
        row = {
            "instance": path.name,
            "employees": len(inst.staff),
            "days": inst.horizon,
            "shift_types": len(inst.shifts),
            "objective": objective,
            "best_known": known,
            "ratio": round(objective / known, 4) if objective is not None and known else None,
            "bound": result.bound,
            "seconds": round(result.seconds, 2),
            "feasible": bool(feasible),
            "status": result.status,
            DETAILS: json.dumps(result.details, sort_keys=True, default=str),
        }
        rows.append(row)
        if on_row:
            on_row(row)
    return pd.DataFrame(rows, columns=[*COLUMNS, DETAILS])


SPREAD_COLUMNS = ["instance", "best_known", "runs", "feasible_runs", "min", "median", "max", "min_ratio", "max_ratio"]


def spread(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Per instance, the objective's min / median / max over repeated runs (one table per run).

    Why: the same code and seed give rosters 5-25% apart on the larger
    instances (the dives' path and the wall clock decide), so one table
    cannot tell a change from luck. Only feasible runs (the referee found no
    hard violation) count towards the objective's spread.
    """
    runs = pd.concat(tables, ignore_index=True)
    rows = []
    for name, group in runs.groupby("instance", sort=False):
        scored = group[group["feasible"].astype(bool) & group["objective"].notna()]["objective"].astype(float)
        known = group["best_known"].iloc[0]
        known = None if pd.isna(known) else int(known)
        low, middle, high = (scored.min(), scored.median(), scored.max()) if len(scored) else (None, None, None)
        rows.append(
            {
                "instance": name,
                "best_known": known,
                "runs": len(group),
                "feasible_runs": len(scored),
                "min": low,
                "median": middle,
                "max": high,
                "min_ratio": round(low / known, 4) if known and low is not None else None,
                "max_ratio": round(high / known, 4) if known and high is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=SPREAD_COLUMNS)


def to_markdown(frame: pd.DataFrame) -> str:
    """A plain Markdown table (no tabulate dependency)."""
    cells = frame.astype(object).where(frame.notna(), "")
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join(lines) + "\n"
