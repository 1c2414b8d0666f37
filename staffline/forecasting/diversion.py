"""Diversion what-if: send a share of a role's walk-ins to self-service machines.

The seeds' three-stage diversion (self-service machines, mobile banking,
appointments) takes customers away from the counter, but a customer at a
self-service machine still needs help now and then: the lobby assists. So a
diverted share ``s`` of role R lowers R's expected arrivals to ``(1 - s)`` of
the forecast and adds ``s * divert_to_lobby`` of them to the lobby role, slot
by slot and tier by tier. Interval bounds move the same way (the lobby's added
bounds assume diverted and lobby arrivals move together, the cautious choice).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from staffline.model import Branch, Role, RoleKind

VALUE_COLUMNS = ["mean", "lo80", "hi80", "lo95", "hi95"]
KEYS = ["date", "slot_start", "tier"]


def lobby_role(branch: Branch) -> str | None:
    """The first lobby-kind role: the one that assists self-service customers."""
    return next((r.name for r in branch.roles if r.kind is RoleKind.LOBBY), None)


def diversion_problems(shares: Mapping[str, float], roles: tuple[Role, ...]) -> list[str]:
    """Why ``shares`` cannot be applied to a branch with ``roles`` (empty when they can).

    One check for both places shares come from: ``[branch] divert`` (logged
    with its line) and ``--divert`` (raised as bad input).
    """
    kinds = {r.name: r.kind for r in roles}
    problems = []
    for role in shares:
        if role not in kinds:
            problems.append(f"unknown role {role!r} (known: {', '.join(kinds)})")
        elif kinds[role] is RoleKind.LOBBY:
            problems.append(f"role {role!r} is the lobby itself; divert counter or advisory walk-ins")
    if shares and RoleKind.LOBBY not in kinds.values():
        problems.append("diversion needs a lobby role to assist self-service customers")
    return problems


def apply_diversion(forecast: pd.DataFrame, branch: Branch, shares: Mapping[str, float]) -> pd.DataFrame:
    """The forecast after diverting ``shares[role]`` of each role's walk-ins to self-service.

    Raises ``ValueError`` for an unknown role, a lobby role, a share outside
    [0, 1) or a branch without a lobby role (callers turn it into a clear input error).
    """
    shares = {r: float(s) for r, s in shares.items() if s}
    if not shares:
        return forecast
    problems = diversion_problems(shares, branch.roles)
    problems += [f"share for {role!r} must be in [0, 1), got {share}" for role, share in shares.items() if not 0 <= share < 1]
    if problems:
        raise ValueError(problems[0])
    lobby = lobby_role(branch)
    out = forecast.copy()
    share_of_row = out["role"].map(shares).fillna(0.0)
    diverted = out[VALUE_COLUMNS].mul(share_of_row, axis=0)
    out[VALUE_COLUMNS] = out[VALUE_COLUMNS].sub(diverted)
    assist = (diverted * branch.divert_to_lobby).assign(**{k: out[k] for k in KEYS}).groupby(KEYS)[VALUE_COLUMNS].sum()
    is_lobby = out["role"] == lobby
    extra = out.loc[is_lobby, KEYS].merge(assist, left_on=KEYS, right_index=True, how="left")[VALUE_COLUMNS].fillna(0.0)
    out.loc[is_lobby, VALUE_COLUMNS] = out.loc[is_lobby, VALUE_COLUMNS].to_numpy() + extra.to_numpy()
    return out


def parse_divert_options(values: tuple[str, ...] | list[str]) -> dict[str, float]:
    """``("counter=0.2", ...)`` -> ``{"counter": 0.2}``; ``ValueError`` names the bad value."""
    out: dict[str, float] = {}
    for value in values:
        role, sep, share = value.partition("=")
        try:
            out[role.strip()] = float(share)
        except ValueError:
            sep = ""
        if not sep or not role.strip():
            raise ValueError(f"expected ROLE=SHARE such as counter=0.2, got {value!r}")
    return out
