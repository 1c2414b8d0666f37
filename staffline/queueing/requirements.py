"""Forecast -> staffing requirements and wait curves per role and slot.

The forecast frame has one row per ``date, slot_start, role, tier`` with
``mean`` = expected arrivals in the slot. Tiers share one queue (the load is
their sum). The VIP target is checked on that shared queue, which is
conservative: VIP priority only shortens VIP waits further.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from staffline.queueing.abandonment import erlang_a
from staffline.queueing.curves import min_staff, wait_curve
from staffline.queueing.erlang import mean_wait, service_level


@dataclass(frozen=True)
class QueueRole:
    """What the queueing stage needs to know about a role."""

    name: str
    aht_minutes: float
    wait_target_minutes: float
    service_level_target: float
    patience_minutes: float | None = None
    min_on_duty: int = 0
    vip_wait_target_minutes: float | None = None
    vip_service_level_target: float | None = None


def queue_roles(roles: Iterable, aht_minutes: Mapping[str, float] | None = None) -> dict[str, QueueRole]:
    """Domain Roles (staffline.model.Role) -> QueueRoles, AHT optionally measured from history."""
    aht_minutes = aht_minutes or {}
    return {
        r.name: QueueRole(
            name=r.name,
            aht_minutes=float(aht_minutes.get(r.name, r.aht_minutes)),
            wait_target_minutes=r.wait_target_minutes,
            service_level_target=r.service_level,
            patience_minutes=r.patience_minutes,
            min_on_duty=r.min_on_duty,
            vip_wait_target_minutes=r.vip_wait_target_minutes,
            vip_service_level_target=r.vip_service_level,
        )
        for r in roles
    }


def role_load(forecast: pd.DataFrame, role: str) -> pd.DataFrame:
    """Total and VIP arrivals per slot of one role, ordered by date and slot."""
    rows = forecast[forecast["role"] == role]
    total = rows.groupby(["date", "slot_start"], sort=True)["mean"].sum()
    vip = rows[rows["tier"] == "vip"].groupby(["date", "slot_start"], sort=True)["mean"].sum()
    out = total.rename("arrivals").to_frame()
    out["vip_arrivals"] = vip.reindex(out.index, fill_value=0.0)
    if "rate_var" in rows:  # tiers' rates independent: variances add
        out["rate_var"] = rows.groupby(["date", "slot_start"], sort=True)["rate_var"].sum()
    return out.reset_index()


def _measures(arrivals: np.ndarray, n: np.ndarray, role: QueueRole, slot_minutes: float):
    lam = arrivals / slot_minutes
    if role.patience_minutes is None:
        load = lam * role.aht_minutes
        return mean_wait(load, n, role.aht_minutes), service_level(load, n, role.aht_minutes, role.wait_target_minutes)
    a = erlang_a(lam, role.aht_minutes, role.patience_minutes, n)
    return a.mean_wait, a.service_level(role.wait_target_minutes)


def requirements(forecast: pd.DataFrame, roles: Mapping[str, QueueRole], slot_minutes: float = 15, n_max: int = 200) -> pd.DataFrame:
    """``date, slot_start, role, n_required, expected_wait, service_level`` per role and slot.

    ``n_required`` is the least staff meeting the role's service-level target
    (and the VIP target when set), never below ``min_on_duty``;
    ``expected_wait`` (minutes per customer) and ``service_level`` are at that n.
    A ``rate_var`` column (the variance of each row's rate, added by the
    caller for ``[objective] demand = "expected"``) makes the target apply to
    the expected service level over the rate distribution; ``expected_wait``
    and ``service_level`` stay the values at the mean rate.
    """
    frames = []
    for name, role in roles.items():
        load = role_load(forecast, name)
        if load.empty:
            continue
        arrivals = load["arrivals"].to_numpy()
        var = load["rate_var"].to_numpy() if "rate_var" in load else None
        need = min_staff(
            arrivals,
            role.aht_minutes,
            role.wait_target_minutes,
            role.service_level_target,
            role.patience_minutes,
            n_max,
            slot_minutes,
            rate_variance=var,
        )
        if role.vip_wait_target_minutes is not None and role.vip_service_level_target is not None:
            vip_need = min_staff(
                arrivals,
                role.aht_minutes,
                role.vip_wait_target_minutes,
                role.vip_service_level_target,
                role.patience_minutes,
                n_max,
                slot_minutes,
                rate_variance=var,
            )
            need = np.where(load["vip_arrivals"].to_numpy() > 0, np.maximum(need, vip_need), need)
        need = np.where(arrivals > 0, need, 0)
        need = np.maximum(need, role.min_on_duty)
        wait, sl = _measures(arrivals, need, role, slot_minutes)
        frames.append(
            pd.DataFrame(
                {
                    "date": load["date"],
                    "slot_start": load["slot_start"],
                    "role": name,
                    "n_required": need.astype(int),
                    "expected_wait": np.where(arrivals > 0, wait, 0.0),
                    "service_level": np.where(arrivals > 0, sl, 1.0),
                }
            )
        )
    columns = ["date", "slot_start", "role", "n_required", "expected_wait", "service_level"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def wait_curves_for(
    forecast: pd.DataFrame, roles: Mapping[str, QueueRole], n_max: int, slot_minutes: float = 15, method: str = "stationary"
) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """Per role: the (date, slot_start) index and its wait curves [slot, n_max + 1].

    Curves are computed day by day so that the lagged and MOL corrections never
    carry load across a night.
    """
    out = {}
    for name, role in roles.items():
        load = role_load(forecast, name)
        curves = [
            wait_curve(day["arrivals"].to_numpy(), role.aht_minutes, role.patience_minutes, n_max, slot_minutes, method)
            for _, day in load.groupby("date", sort=True)
        ]
        matrix = np.vstack(curves) if curves else np.zeros((0, n_max + 1))
        out[name] = (load[["date", "slot_start"]].reset_index(drop=True), matrix)
    return out
