"""Roster models and solver back ends: the shift-choice core, shift templates, the branch model, CP-SAT and CBC."""
