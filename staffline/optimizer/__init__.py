"""The roster optimizer: from staffing needs and rules to who works when, in which role.

The parts, each a folder (imports flow downward only):

- :mod:`~staffline.optimizer.roster` -- the stage's front door for a branch week:
  :func:`~staffline.optimizer.roster.solve_roster` builds the model, searches
  it and assigns each person's roles (:mod:`~staffline.optimizer.assign_roles`).
- :mod:`~staffline.optimizer.check` -- the independent checker: re-verifies a
  roster against every rule without the solver, and explains infeasibility.
- ``core/`` -- the models and the solver back ends: the shared shift-choice core
  (``shift_model``), shift templates, the branch model with its wait
  objective (``branch_model``), and running CP-SAT or CBC on them.
- ``search/`` -- how a branch model is searched: the greedy warm start and the
  CP-SAT / CBC portfolio.
- ``decomposition/`` -- the column-generation engine (schedule DP pricing, LP
  master, dives, best responses, the near-root neighbourhood search and
  CP-SAT polish), used today for shift-cover rosters such as Curtois.
"""
