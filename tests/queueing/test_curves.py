"""Wait curves: convex and non-increasing (the optimizer's tangent cuts rely on it)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffline.queueing import METHODS, QueueRole, min_staff, requirements, wait_curve, wait_curves_for


@settings(max_examples=40, deadline=None)
@given(
    arrivals=st.lists(st.floats(0, 80), min_size=1, max_size=12),
    aht=st.floats(1, 30),
    patience=st.one_of(st.none(), st.floats(2, 60)),
    method=st.sampled_from(METHODS),
)
def test_wait_curve_is_finite_convex_non_increasing(arrivals, aht, patience, method):
    w = wait_curve(np.array(arrivals), aht, patience, n_max=25, slot_minutes=15, method=method)
    assert w.shape == (len(arrivals), 26)
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    scale = max(w.max(), 1)
    assert np.all(np.diff(w, axis=1) <= 1e-9 * scale)
    assert np.all(np.diff(w, n=2, axis=1) >= -1e-9 * scale)


def test_wait_curve_is_arrivals_times_erlang_c_wait_where_stable():
    w = wait_curve(np.array([30.0]), 4.5, None, n_max=20, slot_minutes=15)
    # 30 arrivals in 15 min at 4.5 min AHT = 9 Erlangs; n = 12 is stable.
    from staffline.queueing import mean_wait

    assert w[0, 12] == pytest.approx(30 * mean_wait(9.0, 12, 4.5))
    assert w[0, 5] > w[0, 9] > w[0, 10]  # steep finite extension below the load


def test_min_staff_meets_the_target_and_one_fewer_does_not():
    from staffline.queueing import service_level

    arrivals = np.array([10.0, 40.0])
    need = min_staff(arrivals, 4.0, 5.0, 0.8)
    for a, n in zip(arrivals, need):
        load = a / 15 * 4
        assert service_level(load, n, 4, 5) >= 0.8 > service_level(load, n - 1, 4, 5)


def test_requirements_respect_min_on_duty_and_vip_target():
    forecast = pd.DataFrame(
        {
            "date": ["2026-12-01"] * 4,
            "slot_start": ["10:00", "10:00", "13:00", "13:00"],
            "role": ["counter", "counter", "lobby", "lobby"],
            "tier": ["regular", "vip", "regular", "vip"],
            "mean": [36.0, 4.0, 0.0, 0.0],
        }
    )
    roles = {
        "counter": QueueRole("counter", 4.5, 5.0, 0.8, vip_wait_target_minutes=1.0, vip_service_level_target=0.95),
        "lobby": QueueRole("lobby", 2.0, 3.0, 0.8, min_on_duty=1),
    }
    req = requirements(forecast, roles).set_index("role")
    plain = min_staff(np.array([40.0]), 4.5, 5.0, 0.8)[0]
    assert req.loc["counter", "n_required"] >= plain
    assert req.loc["counter", "service_level"] >= 0.8
    assert req.loc["lobby", "n_required"] == 1


def test_wait_curves_for_gives_one_row_per_slot():
    forecast = pd.DataFrame(
        {
            "date": ["d1", "d1", "d2"],
            "slot_start": ["09:00", "09:15", "09:00"],
            "role": "counter",
            "tier": "regular",
            "mean": [5.0, 9.0, 4.0],
        }
    )
    index, curves = wait_curves_for(forecast, {"counter": QueueRole("counter", 4.5, 5, 0.8)}, n_max=10)["counter"]
    assert list(index["slot_start"]) == ["09:00", "09:15", "09:00"]
    assert curves.shape == (3, 11)
