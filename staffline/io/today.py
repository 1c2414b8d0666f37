"""Today's tickets so far (``staffline intraday --tickets``): history.csv rows of one day, all before now.

The cells go through the same checks as history.csv (:func:`check_history_cells`:
times, roles, tiers, outcomes); on top, every ticket must be issued on the
day being steered and not after ``now``. A ticket from another day or from
the future means the wrong file was given, so it is an input error naming
file, row and field rather than something to drop silently. A blank
``outcome`` is a ticket still in the hall at ``now`` (waiting, or in
service when it has a ``service_start``): it is checked like an abandoned
one (service times optional) and kept with an empty outcome.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from staffline.errors import ProblemLog
from staffline.io.cells import csv_frame
from staffline.io.tickets import check_history_cells, normalize_history
from staffline.model import HISTORY_COLUMNS, Branch


def read_today(path: Path, branch: Branch, now: dt.datetime) -> pd.DataFrame:
    """The tickets of ``now``'s day issued up to ``now`` (history.csv columns); bad rows raise one InputError."""
    log = ProblemLog()
    frame = csv_frame(Path(path), HISTORY_COLUMNS, (), log)
    log.raise_if_any()
    assert frame is not None
    open_ticket = (frame["outcome"].str.strip() == "").to_numpy()
    out = check_history_cells(frame.assign(outcome=frame["outcome"].mask(open_ticket, "abandoned")), Path(path).name, branch, log)
    out["outcome"] = out["outcome"].mask(open_ticket, "")
    issued = out["issued_at"]
    for idx in np.flatnonzero((issued.dt.date != now.date()).to_numpy() & issued.notna().to_numpy()):
        log.add(Path(path).name, int(idx) + 2, "issued_at", f"{issued.iloc[idx]} is not on {now.date()} (the day of --now)")
    for idx in np.flatnonzero((issued > pd.Timestamp(now)).to_numpy()):
        log.add(Path(path).name, int(idx) + 2, "issued_at", f"{issued.iloc[idx]} is after --now {now:%Y-%m-%dT%H:%M}")
    log.raise_if_any()
    return normalize_history(out)
