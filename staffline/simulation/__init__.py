"""Simulation stage: replay a roster's queues by discrete-event simulation.

* ``simulate_queue(spec, reps, seed)`` / ``simulate_days(specs, reps, seed)``
  - one role's queue for a day or a sequence of days (:class:`QueueSpec`);
* ``simulate_roster(instance, demand, roster, week_start, reps, seed)`` - every
  role of a week's roster: KPIs with 95% CIs and simulated wait per hour.
"""

from staffline.simulation.queue_sim import (
    QueueSpec,
    SimResult,
    empirical_service,
    exponential_service,
    lognormal_service,
    simulate_days,
    simulate_queue,
)
from staffline.simulation.roster_sim import simulate_roster

__all__ = [
    "QueueSpec",
    "SimResult",
    "empirical_service",
    "exponential_service",
    "lognormal_service",
    "simulate_days",
    "simulate_queue",
    "simulate_roster",
]
