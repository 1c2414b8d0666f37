"""From ticket history to slot counts and a week's forecast, and service times per role.

Abandoned and diverted tickets count as arrivals: they were demand. Closed
days (holidays) are absent from the counts, not zeros. The models themselves
live in :mod:`.estimators`; their backtests in :mod:`.evaluation`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from staffline.forecasting.auto import Auto
from staffline.forecasting.combination import Ensemble
from staffline.forecasting.daylevel import DayLevel
from staffline.forecasting.fit_cache import FITS
from staffline.forecasting.info import DEFAULT_FOLDS, ForecastInfo, forecast_info
from staffline.forecasting.registry import make_model
from staffline.model import Instance


def slot_counts(instance: Instance, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Ticket counts per open day, slot, role and tier (zero-filled over open slots)."""
    branch = instance.branch
    h = instance.history
    if since is not None:
        h = h[h["issued_at"] >= since]
    slot = h["issued_at"].dt.floor(f"{branch.slot_minutes}min")
    counts = (
        h.assign(date=slot.dt.date, slot_start=slot.dt.strftime("%H:%M"))
        .groupby(["date", "slot_start", "role", "tier"])
        .size()
        .rename("count")
    )
    first, last = h["issued_at"].min().date(), h["issued_at"].max().date()
    index = []
    day = first
    while day <= last:
        for t in branch.slots(day):
            for role in branch.role_names:
                for tier in ("regular", "vip"):
                    index.append((day, f"{t:%H:%M}", role, tier))
        day += dt.timedelta(days=1)
    full = pd.MultiIndex.from_tuples(index, names=["date", "slot_start", "role", "tier"])
    return counts.reindex(full, fill_value=0).reset_index()


def forecast_counts(instance: Instance, week_start: dt.date, model: str = "profile", **params) -> pd.DataFrame:
    """Forecast frame ``date, slot_start, role, tier, mean, lo80, hi80, lo95, hi95`` for the week.

    ``model`` is any of ``MODEL_NAMES`` (``auto``, ``ensemble`` and the base
    models). Fitted on the history up to its end (closed days absent, not
    zeros), for the open slots of the seven days from ``week_start``. To learn
    what ``auto`` chose and its backtest WAPE, use :func:`fit_forecast`.
    """
    frame, _ = fit_forecast(instance, week_start, model, backtest=False, **params)
    return frame


def fit_forecast(
    instance: Instance,
    week_start: dt.date,
    model: str = "auto",
    *,
    folds: int = DEFAULT_FOLDS,
    backtest: bool = True,
    days: int = 7,
    **params,
) -> tuple[pd.DataFrame, ForecastInfo]:
    """The week's forecast frame and its :class:`ForecastInfo` (model used, what ``auto`` picked, backtest WAPE).

    One fit serves both: the pipeline calls this once per plan and reuses the
    frame for every what-if. ``folds`` is the number of rolling weeks ``auto``
    and ``ensemble`` choose on (and a single model is backtested on, unless
    ``backtest`` is False); ``days`` is the horizon's length from
    ``week_start`` (a multi-week plan); ``params`` go to the model's constructor. A fit of
    the same counts with the same settings is reused (:mod:`.fit_cache`).
    """
    counts = slot_counts(instance)
    choosing = model in (Auto.name, Ensemble.name)
    params = {**calendar_params(instance, model), **params}
    backtest = backtest and not choosing

    def fit() -> tuple:
        fitted = make_model(model, **({"folds": folds} if choosing else {}), **params).fit(counts)
        return fitted, forecast_info(model, fitted, counts, folds, backtest)  # before predict: its folds calibrate it

    fitted, info = FITS.get_or_fit((model, folds, backtest, sorted(params.items())), counts, fit)
    dates = [week_start + dt.timedelta(days=k) for k in range(days)]
    slots = {d: [f"{t:%H:%M}" for t in instance.branch.slots(d)] for d in dates}
    return fitted.predict(dates, slots), info


CALENDAR_MODELS = (DayLevel.name, Auto.name, Ensemble.name)  # the models whose day-level part reads a holiday calendar


def calendar_params(instance: Instance, model: str) -> dict:
    """The branch's holiday calendar as constructor arguments of ``model``, or nothing when it does not take one.

    One place, so the plan's forecast and ``staffline forecast --backtest``
    see the same holidays (the backtest once ran the day-level model without them).
    """
    if model not in CALENDAR_MODELS:
        return {}
    return {"holiday_country": instance.branch.holiday_country, "holidays": instance.branch.holidays}


def profile_forecast(instance: Instance, week_start: dt.date, weeks: int = 8, half_life_weeks: float = 4.0) -> pd.DataFrame:
    """The weekday x slot profile forecast (see :class:`~.estimators.WeekdayProfile`)."""
    return forecast_counts(instance, week_start, "profile", weeks=weeks, half_life_weeks=half_life_weeks)


def served_durations(instance: Instance) -> pd.DataFrame:
    """``role, minutes`` of every served ticket with both service time stamps."""
    h = instance.history
    served = h[(h["outcome"] == "served") & h["service_start"].notna() & h["service_end"].notna()]
    return pd.DataFrame({"role": served["role"], "minutes": (served["service_end"] - served["service_start"]).dt.total_seconds() / 60})


def service_minutes(instance: Instance) -> dict[str, float]:
    """Mean served duration per role from history (the role's configured AHT as fallback)."""
    served = served_durations(instance)
    measured = served["minutes"].groupby(served["role"]).mean()
    return {r.name: float(measured.get(r.name, r.aht_minutes)) for r in instance.branch.roles}


def with_appointments(forecast: pd.DataFrame, appointments: pd.DataFrame, slot_minutes: int) -> pd.DataFrame:
    """The forecast plus an ``appointments`` column: booked customers starting in each slot.

    Appointments are known demand, so they sit beside the walk-in ``mean``
    rather than in it; the history's tickets are walk-ins and never include
    them, so nothing is forecast twice. Queueing treats them as advisors
    already busy (see the optimizer's appointment coverage) and the simulator
    as priority arrivals at their times.
    """
    out = forecast.copy()
    out["appointments"] = 0
    if appointments.empty or out.empty:
        return out
    slot = appointments["start"].dt.floor(f"{slot_minutes}min")
    booked = (
        appointments.assign(date=slot.dt.date, slot_start=slot.dt.strftime("%H:%M"))
        .groupby(["date", "slot_start", "role", "tier"])
        .size()
        .rename("booked")
    )
    keys = list(zip(out["date"], out["slot_start"], out["role"], out["tier"]))
    out["appointments"] = booked.reindex(pd.MultiIndex.from_tuples(keys), fill_value=0).to_numpy()
    return out
