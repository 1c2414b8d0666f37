"""staffline: workforce scheduling and queue optimization for service branches.

The pipeline runs one way: load -> forecast -> requirements -> roster ->
simulate -> report. Each stage lives in its own subpackage; the names below
(from `staffline.api`) are the library's front door:

```python
import staffline as s

p = s.plan(s.load_instance("instances/jiangdong"), time_limit=20)
print(p.roster.head())
```

They load on first use, so ``import staffline`` (and the CLI's ``--help``)
stays fast and does not pull in the solvers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = [
    "Plan",
    "Replan",
    "RosterResult",
    "Simulation",
    "forecast",
    "load_instance",
    "plan",
    "replan",
    "requirements",
    "simulate",
    "solve_roster",
    "write_plan",
    "write_replan",
    "write_report",
]

if TYPE_CHECKING:
    from staffline.api import (
        Plan,
        Replan,
        RosterResult,
        Simulation,
        forecast,
        load_instance,
        plan,
        replan,
        requirements,
        simulate,
        solve_roster,
        write_plan,
        write_replan,
        write_report,
    )


def __getattr__(name: str) -> Any:
    """Load ``api`` on first use of one of its names (PEP 562)."""
    if name in __all__:
        return getattr(importlib.import_module("staffline.api"), name)
    raise AttributeError(f"module 'staffline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
