"""report.html: one self-contained page (charts embedded as PNG data URIs) per run, or two runs compared."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from staffline import atomic
from staffline.report import plots
from staffline.report.products import RunProducts

STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%}.bad{color:#b00}"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _forecast_label(info: dict | None) -> str | None:
    """'poisson (chosen by auto)': which model made the arrivals the roster was built for."""
    if not info:
        return None  # a roster folder written before kpis.json recorded its forecast
    chosen = f" (chosen by {info['requested']})" if info.get("requested") != info.get("model") else ""
    return f"{info.get('model')}{chosen}"


def kpi_rows(runs: list[RunProducts]) -> list[list]:
    """KPI name followed by each run's value: the numbers a planner compares first."""

    def sim(k, role, key):
        return k.get("simulated", {}).get(role, {}).get(key, {}).get("mean")

    roles = sorted({r for run in runs for r in run.kpis.get("roles", {})})
    rows = [
        ["status"] + [run.kpis.get("status") for run in runs],
        ["objective (solver)"] + [run.kpis.get("objective") for run in runs],
        ["objective (roster as written)"] + [run.kpis.get("roster_objective") for run in runs],
        ["proven gap"] + [run.kpis.get("gap") for run in runs],
        ["labour cost"] + [run.kpis.get("cost") for run in runs],
        ["paid hours"] + [run.kpis.get("hours") for run in runs],
        ["staff rostered"] + [run.roster["employee"].nunique() for run in runs],
        ["forecast model"] + [_forecast_label(run.kpis.get("forecast")) for run in runs],
        ["forecast backtest WAPE"] + [(run.kpis.get("forecast") or {}).get("backtest_wape") for run in runs],
        ["desk changes per person-day"] + [run.kpis.get("role_changes_per_person_day") for run in runs],
    ]
    for role in roles:
        per = [run.kpis.get("roles", {}).get(role, {}) for run in runs]
        rows.append([f"{role}: expected wait (min/customer)"] + [p.get("expected_wait_minutes") for p in per])
        rows.append([f"{role}: simulated wait (min/customer)"] + [sim(run.kpis, role, "wait_per_arrival") for run in runs])
        rows.append([f"{role}: expected service level"] + [p.get("service_level") for p in per])
        rows.append([f"{role}: simulated service level"] + [sim(run.kpis, role, "service_level") for run in runs])
        rows.append([f"{role}: simulated abandonment"] + [sim(run.kpis, role, "abandon_share") for run in runs])
    return rows


def fairness_section(kpis: dict) -> str:
    """The [fairness] rules of a multi-week plan: per rule the spread and weight, then each person's count.

    Empty for a plan without them (one week with no previous roster), and
    for folders written before kpis.json recorded ``fairness``.
    """
    fairness = kpis.get("fairness") or {}
    if not fairness:
        return ""
    people = sorted({p for f in fairness.values() for p in f["per_person"]})
    summary = _table(
        ["rule", "spread (most - least)", "weight", "penalty"],
        [[n, f["spread"], f["weight"], f["spread"] * f["weight"]] for n, f in fairness.items()],
    )
    rows = [[p] + [f["per_person"].get(p) for f in fairness.values()] for p in people]
    return (
        "<h2>Fairness over the plan</h2><p>Each rule compares the people it applies to (Saturdays: those available on some "
        "Saturday; hours: above the contract minimum). A dash: not compared.</p>" + summary + _table(["employee"] + list(fairness), rows)
    )


def render_report(run: RunProducts) -> str:
    k = run.kpis
    weeks = int(k.get("weeks") or 1)
    title = f"week of {k.get('week_start', '')}" if weeks == 1 else f"{weeks} weeks from {k.get('week_start', '')}"
    parts = [
        f"<h1>Roster report - {html.escape(title)}</h1>",
        f"<p>Source folder: {html.escape(str(run.folder))}</p>",
        "<h2>Key figures</h2>",
        _table(["KPI", "value"], kpi_rows([run])),
    ]
    violations = k.get("hard_violations") or []
    parts.append(
        "<h2>Hard rules</h2>"
        + (
            "<p>The independent checker found no violation.</p>"
            if not violations
            else "<ul class=bad>" + "".join(f"<li>{html.escape(v)}</li>" for v in violations) + "</ul>"
        )
    )
    penalties = k.get("penalties") or {}
    parts.append(
        "<h2>Soft rules that cost penalties</h2>"
        + (
            _table(["rule", "penalty"], sorted(([n, v] for n, v in penalties.items()), key=lambda r: -r[1]))
            if penalties
            else "<p>No soft rule was broken.</p>"
        )
    )
    parts.append(fairness_section(k))
    if run.forecast is not None:
        parts += ["<h2>Arrivals</h2>", _img(plots.arrivals_chart(run.forecast), "arrivals per hour")]
    if run.coverage is not None:
        parts += [
            "<h2>Required vs rostered staff</h2>",
            _img(plots.staffing_chart(run.coverage, run.requirements), "staffing"),
            "<h2>Waiting time per hour</h2>",
            _img(plots.wait_chart(run.coverage, run.simulation), "wait"),
            ""
            if run.simulation is not None
            else "<p>No simulation in this folder: run with <code>--simulate</code> for simulated waits.</p>",
        ]
    parts += ["<h2>Roster</h2>", _img(plots.gantt_chart(run.roster), "roster gantt")]
    return _page("staffline roster report", parts)


def render_comparison(a: RunProducts, b: RunProducts) -> str:
    parts = [
        f"<h1>Roster comparison: {html.escape(a.label)} vs {html.escape(b.label)}</h1>",
        _table(["KPI", a.label, b.label], kpi_rows([a, b])),
    ]
    if a.coverage is not None and b.coverage is not None:
        parts += [
            "<h2>Required vs rostered staff</h2>",
            _img(plots.staffing_chart(a.coverage, a.requirements, (a.label, b.label), (b.coverage,)), "staffing"),
        ]
    parts += [
        f"<h2>Roster {html.escape(a.label)}</h2>",
        _img(plots.gantt_chart(a.roster), "roster a"),
        f"<h2>Roster {html.escape(b.label)}</h2>",
        _img(plots.gantt_chart(b.roster), "roster b"),
    ]
    return _page("staffline roster comparison", parts)


def _page(title: str, parts: list[str]) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(parts) + "</body></html>\n"
    )


def write_html(target: str | Path, text: str) -> Path:
    atomic.write_text(target, text)
    return Path(target)
