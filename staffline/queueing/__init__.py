"""Queueing stage: Erlang B/C/A and the per-slot wait curves the roster optimizes.

Public API (numpy broadcasting over every argument; ``load`` = arrival rate x
aht in Erlangs, ``n`` = servers):

* ``erlang_b(load, n)``, ``erlang_c(load, n)``, ``mean_wait(load, n, aht)``,
  ``service_level(load, n, aht, target)``, ``occupancy(load, n)``
* ``erlang_a(arrival_rate, aht, patience, n)`` -> ``p_wait``, ``p_abandon``,
  ``mean_wait``, ``service_level(target)``
* ``wait_curve``, ``min_staff``, ``requirements``, ``wait_curves_for``, ``QueueRole``
"""

from staffline.queueing.abandonment import ErlangA, erlang_a
from staffline.queueing.curves import METHODS, min_staff, wait_curve
from staffline.queueing.erlang import erlang_b, erlang_c, mean_wait, occupancy, service_level
from staffline.queueing.requirements import QueueRole, queue_roles, requirements, role_load, wait_curves_for

__all__ = [
    "ErlangA",
    "METHODS",
    "QueueRole",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "mean_wait",
    "min_staff",
    "occupancy",
    "queue_roles",
    "requirements",
    "role_load",
    "service_level",
    "wait_curve",
    "wait_curves_for",
]
