"""The Curtois-Qu nurse-rostering benchmark: strict reader, model on the shared shift core, independent referee and runner.

Used to measure the optimizer against best-known published results
(``staffline bench curtois``); it is not part of planning a branch.
"""
