"""Is there a Curtois-Qu roster costing at most N? The exact gap search answers, and the checker re-scores what it finds.

:func:`staffline.optimizer.decomposition.gap_search.gap_search` lists every schedule whose
reduced cost at the root LP's duals fits in the gap to N and solves one MILP
over them (CBC): "found" is the cheapest roster at or below N, "none" proves
there is none, "feasible" is a roster at or below N that time left unproved
(exit 0 for all three; "unknown", out of time with nothing, exits 3). With
N = a roster's cost minus one, "none" proves that roster optimal. It is a
proof tool, not the 60 s solve: Instance7 at N = 1056 takes 2-4 minutes on
2 cores, at N = 1055 ("none") 38 s.

    python benchmarks/curtois_gap.py ../shared/benchmarks/curtois/Instance7.txt --at-most 1056
    python benchmarks/curtois_gap.py ../shared/benchmarks/curtois/Instance1.txt --at-most 606   # none: 607 is optimal
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from staffline.cli.common import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_TIME_LIMIT, report_problems
from staffline.curtois.check import check_curtois
from staffline.curtois.model import _rules, build_curtois_model, shift_ids
from staffline.curtois.reader import read_curtois
from staffline.errors import InputError
from staffline.optimizer.decomposition.gap_search import gap_search


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--at-most", type=float, required=True, help="the cost a roster may have at most")
    parser.add_argument("--time-limit", type=float, default=900.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--selection-limit",
        type=int,
        default=2000,
        help="employees with at most this many schedules in the gap pick one of them in the MILP",
    )
    args = parser.parse_args(argv)
    try:
        inst = read_curtois(args.file)
    except InputError as error:
        report_problems(error.problems, as_json=False)  # one line per problem, as the CLI prints them
        return EXIT_BAD_INPUT
    rules = _rules(inst)
    b = build_curtois_model(inst, rules)
    started = time.perf_counter()
    try:
        result = gap_search(b, rules, args.at_most, time_limit=args.time_limit, workers=args.workers, selection_limit=args.selection_limit)
    except TimeoutError as error:
        print(f"error: {args.file.name}: {error}", file=sys.stderr)
        return EXIT_TIME_LIMIT
    except ValueError as error:  # too many schedules in the gap, or rules the schedule DP does not know
        print(f"error: {args.file.name}: {error}", file=sys.stderr)
        return EXIT_INFEASIBLE
    row = {
        "instance": args.file.name,
        "at_most": args.at_most,
        "status": result.status,
        "objective": result.objective,
        "root_lp": round(result.lp, 3),
        **result.stats,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    if result.shifts is not None:
        check = check_curtois(inst, shift_ids(b, result.shifts))
        row.update(checker_objective=check.objective, feasible=not check.violations)
    print(" ".join(f"{key}={value}" for key, value in row.items()))
    return EXIT_TIME_LIMIT if result.status == "unknown" else 0


if __name__ == "__main__":
    raise SystemExit(main())
