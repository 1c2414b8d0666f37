"""The `staffline` command line: one subcommand per pipeline stage.

Cron-friendly by design: no prompts, ``--quiet`` and ``--json`` everywhere,
exit codes 0 ok / 1 infeasible / 2 bad input / 3 time limit without a roster
(see :mod:`staffline.cli.common`).
"""

from staffline.cli.app import main

__all__ = ["main"]
