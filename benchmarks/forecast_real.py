"""Forecast backtest on real arrivals: the public bank call-centre series (5-minute counts).

Converts ../shared/data/bank_calls/bank_calls_train.csv (DateTime, Calls;
weekdays 07:00-21:00, holidays absent) to staffline's slot-count frame (one
role, 5-minute slots) and runs the same rolling-origin backtest as
`staffline forecast --backtest`: WAPE, MASE against seasonal naive, bias and
interval coverage per model, plus the wall time of each model's fits. With
statsforecast installed (optional `bench` extra) its AutoETS/MSTL-free
baseline is not run here; see the issue note.

    python benchmarks/forecast_real.py [CSV] [--folds 4]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from staffline.forecasting import MODELS, backtest, choose_model

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "bank_calls" / "bank_calls_train.csv"


def load_counts(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    when = pd.to_datetime(raw["DateTime"].str.replace("Z", "", regex=False))
    return pd.DataFrame({"date": when.dt.date, "slot_start": when.dt.strftime("%H:%M"), "role": "calls",
                         "tier": "regular", "count": raw["Calls"].astype(int)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?", default=str(DEFAULT))
    ap.add_argument("--folds", type=int, default=4)
    args = ap.parse_args()
    counts = load_counts(Path(args.csv))
    print(f"{len(counts)} five-minute intervals, {counts['date'].nunique()} days, {counts['count'].sum()} calls")
    rows = []
    for name in MODELS:
        started = time.perf_counter()
        table = backtest(counts, [name], args.folds)
        seconds = time.perf_counter() - started
        row = table[table["role"] == "all"].iloc[0].to_dict()
        rows.append({**row, "seconds": round(seconds, 2)})
    result = pd.DataFrame(rows)
    print(result.to_string(index=False))
    best, wape = choose_model(result.assign(role="all"))
    naive = float(result.loc[result["model"] == "naive", "wape"].iloc[0])
    print(f"best: {best}, WAPE {wape:.4f}, {1 - wape / naive:.1%} better than seasonal naive")


if __name__ == "__main__":
    main()
