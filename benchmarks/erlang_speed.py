"""Erlang speed: the full week grid (7 days x 48 slots x 3 roles x n = 0..60).

Prints the time per grid for staffline's vectorised Erlang C (mean wait and
service level), and ratios against (1) a per-cell scalar Python reference
computed in the same process and (2) pyworkforce's ErlangC when that package
is installed (optional `bench` extra). Answers are compared before timing.

    python benchmarks/erlang_speed.py
"""

from __future__ import annotations

import math
import time

import numpy as np

from staffline.queueing import mean_wait, service_level

AHT, TARGET = 4.5, 5.0


def grid(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 40, size=(7 * 48 * 3, 1)) / 15 * AHT  # offered load per cell


def vectorised(loads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.arange(61)[None, :]
    return mean_wait(loads, n, AHT), service_level(loads, n, AHT, TARGET)


def scalar_reference(loads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One (load, n) at a time, the textbook way a script would do it."""
    waits = np.empty((len(loads), 61))
    sls = np.empty((len(loads), 61))
    for i, a in enumerate(loads[:, 0]):
        for n in range(61):
            if n <= a:
                waits[i, n], sls[i, n] = math.inf, 0.0
                continue
            b = 1.0
            for k in range(1, n + 1):
                b = a * b / (k + a * b)
            c = n * b / (n - a * (1 - b))
            waits[i, n] = c * AHT / (n - a)
            sls[i, n] = 1 - c * math.exp(-(n - a) * TARGET / AHT)
    return waits, sls


def best_of(fn, *args, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return min(times)


def pyworkforce_grid(loads: np.ndarray):
    from pyworkforce.queuing import ErlangC  # optional

    out = np.empty((len(loads), 61))
    for i, a in enumerate(loads[:, 0]):
        erlang = ErlangC(transactions=a / AHT * 15, aht=AHT, asa=TARGET, interval=15)
        for n in range(61):
            out[i, n] = erlang.service_level(positions=n, scale_positions=False) if n > a else 0.0
    return out


def main() -> None:
    loads = grid()
    ours_w, ours_sl = vectorised(loads)
    ref_w, ref_sl = scalar_reference(loads)
    finite = np.isfinite(ref_w)
    assert np.allclose(ours_w[finite], ref_w[finite], rtol=1e-9) and np.allclose(ours_sl, ref_sl, atol=1e-12)
    t_ours = best_of(vectorised, loads)
    t_ref = best_of(scalar_reference, loads, repeat=1)
    print(f"week grid: {loads.size} role-slots x 61 staffing levels = {loads.size * 61} cells")
    print(f"staffline vectorised      {t_ours * 1e3:9.2f} ms per grid")
    print(f"scalar Python reference   {t_ref * 1e3:9.2f} ms per grid   ratio {t_ref / t_ours:7.1f}x")
    try:
        theirs = pyworkforce_grid(loads)
    except ImportError:
        print("pyworkforce not installed (pip install -e '.[bench]'): peer ratio not measured")
        return
    mask = ref_sl > 0
    agree = np.allclose(theirs[mask], ours_sl[mask], atol=1e-6)
    t_peer = best_of(pyworkforce_grid, loads, repeat=1)
    print(f"pyworkforce ErlangC       {t_peer * 1e3:9.2f} ms per grid   ratio {t_peer / t_ours:7.1f}x   same answers: {agree}")


if __name__ == "__main__":
    main()
