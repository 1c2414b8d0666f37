"""The report's charts (matplotlib, Agg backend), each returned as PNG bytes.

PNG rather than SVG keeps report.html small with a week of 15-minute slots
and opens in any browser or mail client with no network.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from staffline.report.products import hourly  # noqa: E402

ROLE_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def role_colour(roles: list[str]) -> dict[str, str]:
    return {r: ROLE_COLOURS[i % len(ROLE_COLOURS)] for i, r in enumerate(sorted(roles))}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def arrivals_chart(forecast: pd.DataFrame) -> bytes:
    """Expected walk-ins per hour and role, averaged over the open days (the daily peaks show here).

    Booked appointments, when the forecast has them, are drawn dashed on top
    of the role's walk-ins: known demand the planner sees beside the forecast.
    """
    table = hourly(forecast, "mean", how="sum")
    booked = hourly(forecast, "appointments", how="sum") if "appointments" in forecast else None
    fig, ax = plt.subplots(figsize=(8, 3.2))
    colours = role_colour(list(table.columns))
    for role in table.columns:
        ax.plot(table.index, table[role], marker="o", label=role, color=colours[role])
        if booked is not None and booked[role].sum() > 0:
            ax.plot(
                table.index,
                table[role] + booked[role].reindex(table.index).fillna(0),
                linestyle="--",
                color=colours[role],
                label=f"{role} + appointments",
            )
    ax.set_ylabel("customers per hour")
    ax.set_title("Forecast arrivals per hour (mean over open days)")
    ax.legend()
    ax.grid(alpha=0.3)
    return _png(fig)


def _role_panels(roles: list[str]):
    fig, axes = plt.subplots(1, len(roles), figsize=(4 * len(roles), 3), squeeze=False)
    return fig, list(zip(axes[0], roles))


def _finish_panels(fig, panels, ylabel: str) -> bytes:
    for ax, role in panels:
        ax.set_title(role)
        ax.tick_params(axis="x", rotation=60)
        ax.grid(alpha=0.3)
    panels[0][0].set_ylabel(ylabel)
    panels[0][0].legend()
    return _png(fig)


def staffing_chart(
    coverage: pd.DataFrame,
    requirements: pd.DataFrame | None,
    labels: tuple[str, ...] = ("rostered",),
    others: tuple[pd.DataFrame, ...] = (),
) -> bytes:
    """Required vs rostered staff per hour, one panel per role (several rosters for a comparison)."""
    fig, panels = _role_panels(sorted(coverage["role"].unique()))
    for ax, role in panels:
        if requirements is not None:
            need = hourly(requirements[requirements["role"] == role], "n_required")
            ax.step(need.index, need[role], where="mid", color="black", label="required", linewidth=2)
        for label, frame in zip(labels, (coverage, *others)):
            got = hourly(frame[frame["role"] == role], "rostered")
            ax.plot(got.index, got[role], marker="o", label=label)
    return _finish_panels(fig, panels, "staff on duty (mean)")


def wait_chart(coverage: pd.DataFrame, simulation: pd.DataFrame | None) -> bytes:
    """Expected wait per hour (queueing formula) and simulated wait with its 95% CI band."""
    fig, panels = _role_panels(sorted(coverage["role"].unique()))
    weighted = coverage.assign(wm=coverage["expected_wait"] * coverage["arrivals"], hour=coverage["slot_start"].str[:2] + ":00")
    for ax, role in panels:
        mine = weighted[weighted["role"] == role].groupby("hour")[["wm", "arrivals"]].sum()
        ax.plot(mine.index, mine["wm"] / mine["arrivals"].where(mine["arrivals"] > 0), marker="o", label="expected")
        if simulation is not None and role in set(simulation["role"]):
            sim = simulation[simulation["role"] == role].groupby("hour")[["wait_per_arrival", "lo95", "hi95"]].mean()
            ax.plot(sim.index, sim["wait_per_arrival"], marker="s", label="simulated")
            ax.fill_between(sim.index, sim["lo95"], sim["hi95"], alpha=0.25, label="simulated 95% CI")
    return _finish_panels(fig, panels, "minutes per customer")


def gantt_chart(roster: pd.DataFrame) -> bytes:
    """One panel per day: a bar per employee per role block, coloured by role (PNG)."""
    return _png(gantt_figure(roster))


def gantt_figure(roster: pd.DataFrame):
    """:func:`gantt_chart`'s figure, on a clock-time axis spanning the roster's whole hours."""
    dates = sorted(roster["date"].unique())
    people = sorted(roster["employee"].unique())
    colours = role_colour(list(roster["role"].unique()))
    fig, axes = plt.subplots(
        1, max(len(dates), 1), figsize=(2.6 * max(len(dates), 1), 0.32 * len(people) + 1.2), sharey=True, squeeze=False
    )
    to_hours = lambda s: int(s[:2]) + int(s[3:5]) / 60  # noqa: E731
    first = math.floor(min(map(to_hours, roster["start"]), default=8))
    last = math.ceil(max(map(to_hours, roster["end"]), default=18))  # whole hours around the branch's day
    step = 2 if last - first > 6 else 1
    ticks = list(range(first, last + 1, step))
    for ax, date in zip(axes[0], dates):
        day = roster[roster["date"] == date]
        for row in day.itertuples():
            start = to_hours(row.start)
            ax.barh(people.index(row.employee), to_hours(row.end) - start, left=start, color=colours[row.role], height=0.7)
        ax.set_title(date)
        ax.set_xlim(first, last)
        ax.set_xticks(ticks, [f"{h:02d}:00" for h in ticks], rotation=60)  # clock times, not 12.5
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(range(len(people)), people)
    axes[0][0].invert_yaxis()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    fig.legend(handles, list(colours), loc="upper center", ncol=len(colours), bbox_to_anchor=(0.5, 1.05))
    return fig
