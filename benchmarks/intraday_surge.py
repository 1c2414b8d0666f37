"""Issue 30's surge check: does ``staffline intraday`` at 10:30 cut the rest-of-day wait of a +30% counter surge?

Protocol (every random draw seeded)::

    python benchmarks/intraday_surge.py [PATH] [--roster roster.csv] [--date 2026-12-02] [--now 10:30]
        [--surge counter=1.3@10:00-12:00] [--reps 200] [--seed 0] [--ticket-seeds 0] [--decide-on simulated]
        [--no-service-times] [--json]

1. The published week: ``--roster`` or, without it, a plan of PATH (default
   instances/jiangdong) for the week of ``--date`` (one worker, ``--time-limit``).
2. The surged day: the forecast the simulator uses, with ``--surge`` applied on ``--date``.
3. The morning's tickets as a ticket machine records them: the surged morning simulated through the
   published roster (seed ``--ticket-seeds``), every walk-in issued before ``--now`` with its service
   start and end if they fell before ``--now``; outcome blank for a customer still waiting or at a
   desk (history.csv columns). ``--no-service-times`` blanks the times (steer then replays the morning).
4. ``staffline.intraday.steer`` at ``--now`` on those tickets (``--decide-on``): the queue it read, the
   plans it compared, the moves and the adjusted roster.
5. Both rosters simulated on that day with the same surge and seed (common random numbers: the same
   customers for both); the rest of the day is every walk-in arriving from ``--now`` on.
6. The adjusted week through the independent checker: no violation the published week did not have.

Printed: today's level per role as the update saw it, the moves, and per role the simulated
rest-of-day wait (minutes per customer) of the published and of the adjusted roster, with the
surged role's cut and the total customer-minutes over all roles. Several ``--ticket-seeds``
(comma-separated) repeat steps 3-6 for as many mornings. The issue's done-when: counter cut
>= 20%, total not up, checker clean.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


TICKET_STREAM = 10**6  # the mornings' replication numbers, far from the evaluation's 0..reps-1


def morning_tickets(
    instance, demand, roster, week_start, day: dt.date, now: dt.datetime, seed: int, service_times: bool = True
) -> pd.DataFrame:
    """The ticket machine's record of ``day`` up to ``now``: the morning simulated on ``demand`` (the surged forecast) and ``roster``.

    One simulated day per role (``seed``; replication ``TICKET_STREAM + role``):
    every walk-in issued before ``now``, with its service start and end when they
    happened before ``now``; ``outcome`` served, abandoned (gave up before now)
    or blank (still waiting or at a desk at ``now``). ``service_times=False``
    blanks the times (a machine that records none; abandoned and open tickets
    then both read "abandoned", as the earlier benchmark wrote them).
    """
    from staffline.simulation.carryover import day_customers
    from staffline.simulation.roster_sim import day_specs, service_sampler

    opening = dt.datetime.combine(day, instance.branch.slots(day)[0])
    at = (now - opening).total_seconds() / 60
    frames = []
    for k, role in enumerate(instance.branch.roles):
        service, _source = service_sampler(instance, role)
        specs, grid = day_specs(instance, demand, roster, week_start, role, service)
        i = next((i for i, (date, _s) in enumerate(grid) if date == day), None)
        if i is None:
            continue
        c = day_customers(specs[i], seed, TICKET_STREAM + k)
        c = c[c["walk_in"] & (c["arrive"] < at)]
        stamp = lambda minutes: [opening + dt.timedelta(minutes=float(m)) if m <= at else pd.NaT for m in minutes]  # noqa: E731
        start, end = stamp(c["start"].fillna(np.inf)), stamp(c["end"].fillna(np.inf))
        outcome = np.where(c["end"] <= at, "served", np.where(c["start"].isna() & (c["left"] <= at), "abandoned", ""))
        frames.append(
            pd.DataFrame(
                {
                    "issued_at": [opening + dt.timedelta(minutes=float(m)) for m in c["arrive"]],
                    "service_start": start,
                    "service_end": end,
                    "role": role.name,
                    "tier": np.where(c["vip"], "vip", "regular"),
                    "outcome": outcome,
                }
            )
        )
    tickets = pd.concat(frames, ignore_index=True)
    for column in ("issued_at", "service_start", "service_end"):
        tickets[column] = pd.to_datetime(tickets[column]).dt.floor("s")
    if not service_times:
        tickets = tickets.assign(service_start=pd.NaT, service_end=pd.NaT, outcome="abandoned")
    return tickets.sort_values("issued_at", kind="stable").reset_index(drop=True)


def rest_of_day_waits(instance, demand, roster, week_start, day, start_minute: int, reps: int, seed: int) -> dict:
    """Simulated walk-ins arriving from ``start_minute`` (minutes from midnight) on: per role customers, customer-minutes, min/customer."""
    from staffline.model import minutes_of
    from staffline.simulation.queue_sim import simulate_days
    from staffline.simulation.roster_sim import day_specs, service_sampler
    from staffline.simulation.surge import only_day

    inst, dem, ros = only_day(instance, demand, roster, day)
    out = {}
    for role in inst.branch.roles:
        service, _source = service_sampler(inst, role)
        specs, grid = day_specs(inst, dem, ros, week_start, role, service)
        if not specs:
            continue
        result = simulate_days(specs, reps, seed)
        slots = [t for _date, times in grid for t in times]
        later = np.array([minutes_of(t) >= start_minute for t in slots])
        per_rep_wait = result.per_slot_wait[:, later].sum(axis=1)
        per_rep_arr = result.per_slot_arrivals[:, later].sum(axis=1)
        out[role.name] = {
            "customers": float(per_rep_arr.mean()),
            "customer_minutes": float(per_rep_wait.mean()),
            "wait_per_customer": float(per_rep_wait.sum() / max(per_rep_arr.sum(), 1.0)),
        }
    return out


def violations(instance, roster, week_start, demand) -> list[str]:
    """The independent checker's (hard) violations of a week's roster: certifications, role blocks, shifts, contracts."""
    from staffline.optimizer.check import check_roster

    report = check_roster(instance, roster, week_start, demand.frame, demand.aht_minutes)
    return [f"{v.rule}: {v.employee} {v.date} {v.message}" for v in report.violations]


def run(
    instance,
    published: pd.DataFrame,
    day: dt.date,
    now: dt.datetime,
    surges: list,
    *,
    reps: int,
    seed: int,
    ticket_seed: int,
    model: str | None = None,
    time_limit: float = 3.0,
    decide_on: str = "simulated",
    service_times: bool = True,
) -> dict:
    """One morning: tickets, steer, both rosters simulated with the same customers; the done-when numbers."""
    from staffline.intraday import steer
    from staffline.model import minutes_of
    from staffline.pipeline import forecast_week, roster_week
    from staffline.simulation.surge import apply_surges

    week_start = roster_week(published, "published roster")
    demand = forecast_week(instance, week_start, model)
    surged = apply_surges(demand, surges, day)
    tickets = morning_tickets(instance, surged, published, week_start, day, now, ticket_seed, service_times)
    started = time.perf_counter()
    result = steer(instance, published, now, tickets, model=model, time_limit=time_limit, seed=seed, decide_on=decide_on)
    steer_seconds = time.perf_counter() - started
    slot = instance.branch.slot_minutes
    first = -(-minutes_of(now.time()) // slot) * slot
    before = rest_of_day_waits(instance, surged, published, week_start, day, first, reps, seed)
    after = rest_of_day_waits(instance, surged, result.roster, week_start, day, first, reps, seed)
    total_before = sum(v["customer_minutes"] for v in before.values())
    total_after = sum(v["customer_minutes"] for v in after.values())
    role = surges[0].role  # the surged role (counter in the check)
    cut = 1.0 - after[role]["wait_per_customer"] / before[role]["wait_per_customer"] if before[role]["wait_per_customer"] else 0.0
    published_violations = set(violations(instance, published, week_start, demand))
    new = [v for v in violations(instance, result.roster, week_start, demand) if v not in published_violations]
    return {
        "ticket_seed": ticket_seed,
        "tickets": {str(r): int(n) for r, n in tickets["role"].value_counts().sort_index().items()},
        "levels": {r: round(v[0], 3) for r, v in result.levels.items()},
        "level_sd": {r: round(v[1], 3) for r, v in result.levels.items()},
        "moves": result.moves.to_dict("records"),
        "queue_at_now": {r: q.as_dict() for r, q in result.queue.items()},
        "decision": result.decision,
        "steer_seconds": round(steer_seconds, 1),
        "simulated": {"published": before, "adjusted": after},
        "surged_role": role,
        "cut": cut,
        "total_customer_minutes": {"published": total_before, "adjusted": total_after},
        "new_violations": new,  # the checker's violations of the adjusted week that the published one did not have
        "met": bool(cut >= 0.2 and total_after <= total_before and not new),
    }


def report(r: dict, now: dt.datetime) -> str:
    lines = [
        f"morning {r['ticket_seed']}: tickets before {now:%H:%M} {r['tickets']}; update's level "
        + ", ".join(f"{k} x{v:.2f}" for k, v in r["levels"].items())
        + f"; {len(r['moves'])} move(s), steer {r['steer_seconds']} s"
    ]
    lines.append(
        "  queue at now: "
        + ", ".join(
            f"{k} {q['waiting']:.1f} waiting + {q['in_service']:.1f} in service ({q['source']})" for k, q in r["queue_at_now"].items()
        )
    )
    if r["decision"]:
        lines.append(
            f"  chose {r['decision']['chosen']} of "
            + ", ".join(f"{k} {c['customer_minutes']:.1f} cm/{c['moves']} moves" for k, c in r["decision"]["candidates"].items())
        )
    lines += [f"    {m['time']} {m['employee']} {m['from']} -> {m['to']} (until {m['until']})" for m in r["moves"]]
    lines.append(f"  simulated rest of day (from {now:%H:%M}), min/customer   published   adjusted")
    for role, b in r["simulated"]["published"].items():
        a = r["simulated"]["adjusted"][role]
        lines.append(
            f"    {role:10s} ({b['customers']:6.1f} customers)            {b['wait_per_customer']:8.3f} {a['wait_per_customer']:10.3f}"
        )
    t = r["total_customer_minutes"]
    lines.append(
        f"  {r['surged_role']} cut {r['cut']:.1%} (needs >= 20%), total customer-minutes {t['published']:.1f} -> {t['adjusted']:.1f} "
        f"(must not rise), checker {'clean' if not r['new_violations'] else '; '.join(r['new_violations'])}: "
        + ("MET" if r["met"] else "NOT MET")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(REPO / "instances" / "jiangdong"))
    ap.add_argument("--roster", default=None, help="the published roster.csv (default: plan the week now)")
    ap.add_argument("--date", default="2026-12-02", help="the surged day (the demo Wednesday)")
    ap.add_argument("--now", default="10:30", help="when intraday runs (HH:MM)")
    ap.add_argument("--surge", action="append", default=None, help="ROLE=FACTOR@HH:MM-HH:MM (default counter=1.3@10:00-12:00)")
    ap.add_argument("--reps", type=int, default=200, help="simulation replications")
    ap.add_argument("--seed", type=int, default=0, help="simulation (and solver) seed")
    ap.add_argument("--ticket-seeds", default="0", help="comma-separated seeds of the morning's tickets")
    ap.add_argument("--time-limit", type=float, default=20.0, help="planning time limit when no --roster")
    ap.add_argument("--model", default=None, help="forecast model (default: the branch's)")
    ap.add_argument(
        "--decide-on", default="simulated", choices=["simulated", "posterior", "mean"], help="what the moves minimise (steer's decide_on)"
    )
    ap.add_argument("--no-service-times", action="store_true", help="tickets without service times (steer then replays the morning)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import staffline
    from staffline.errors import InputError
    from staffline.io import load_instance
    from staffline.simulation.surge import parse_surge

    try:
        instance = load_instance(Path(args.path))
        day = dt.date.fromisoformat(args.date)
        now = dt.datetime.combine(day, dt.time.fromisoformat(args.now))
        surges = [parse_surge(s, instance.branch.role_names) for s in (args.surge or ["counter=1.3@10:00-12:00"])]
        seeds = [int(s) for s in args.ticket_seeds.split(",") if s.strip()]
    except (InputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.roster:
        published = pd.read_csv(args.roster, dtype=str, keep_default_na=False)
    else:
        week = day - dt.timedelta(days=day.weekday())
        p = staffline.plan(instance, week, time_limit=args.time_limit, workers=1, seed=args.seed, model=args.model)
        if p.roster is None or p.roster.empty:
            print(f"error: no published roster: {p.result.message}", file=sys.stderr)
            return 1
        published = p.roster
    results = [
        run(
            instance,
            published,
            day,
            now,
            surges,
            reps=args.reps,
            seed=args.seed,
            ticket_seed=s,
            model=args.model,
            decide_on=args.decide_on,
            service_times=not args.no_service_times,
        )
        for s in seeds
    ]
    if args.json:
        print(json.dumps({"date": args.date, "now": args.now, "surge": args.surge, "reps": args.reps, "mornings": results}, default=str))
    else:
        print(
            f"{instance.branch.name}, {day} with {', '.join(args.surge or ['counter=1.3@10:00-12:00'])}, intraday at {args.now}, {args.reps} reps"
        )
        for r in results:
            print(report(r, now))
        met = sum(r["met"] for r in results)
        cuts = [r["cut"] for r in results]
        rose = [r for r in results if r["total_customer_minutes"]["adjusted"] > r["total_customer_minutes"]["published"]]
        by = ", ".join(f"{r['total_customer_minutes']['adjusted'] - r['total_customer_minutes']['published']:.1f}" for r in rose)
        print(
            f"done-when met on {met} of {len(results)} morning(s); mean {results[0]['surged_role']} cut {np.mean(cuts):.1%}; "
            f"total wait rose on {len(rose)} (by {by or '-'} customer-minutes)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
