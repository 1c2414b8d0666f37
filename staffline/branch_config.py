"""branch.toml -> :class:`~staffline.model.Branch`, with every problem named.

Each section is described by a table of ``key -> (parser, default)``; one
generic reader applies it, so every key gets the same treatment: unknown keys
are errors (a typo such as ``min_hour`` must not silently fall back to a
default), values are range-checked, and the TOML line is reported.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from typing import Any, Callable

import tomli_w

from staffline.errors import ProblemLog
from staffline.model import (
    ROLE_CHANGE_WEIGHT,
    ROLE_KINDS,
    WEEKDAYS,
    Branch,
    Contract,
    FairnessWeights,
    ForecastSettings,
    HeadcountLimits,
    HistorySource,
    ObjectiveWeights,
    OpeningHours,
    ReplanWeights,
    Role,
    RoleKind,
    ShiftRules,
)

FILE = "branch.toml"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class FieldError(ValueError):
    """A value does not fit its field; the message says what was expected."""


def parse_time(value: Any) -> dt.time:
    """'HH:MM' (24 h) -> time; TOML local times are accepted too."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    m = _TIME.match(str(value).strip())
    if not m:
        raise FieldError(f"expected a time HH:MM, got {value!r}")
    return dt.time(int(m.group(1)), int(m.group(2)))


def parse_time_range(value: Any) -> tuple[dt.time, dt.time]:
    """'HH:MM-HH:MM' -> (start, end) with end after start."""
    parts = str(value).split("-")
    if len(parts) != 2:
        raise FieldError(f"expected HH:MM-HH:MM, got {value!r}")
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end <= start:
        raise FieldError(f"closing {end:%H:%M} is not after opening {start:%H:%M}")
    return start, end


def toml_number(lo: float, hi: float, integer: bool = False) -> Callable[[Any], float]:
    """A parser of one TOML number in [lo, hi] (whole with ``integer``); raises FieldError naming the value."""

    def parse(value: Any):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FieldError(f"expected a number, got {value!r}")
        if integer and int(value) != value:
            raise FieldError(f"expected a whole number, got {value!r}")
        if not lo <= value <= hi:
            raise FieldError(f"expected a value between {lo:g} and {hi:g}, got {value!r}")
        return int(value) if integer else float(value)

    return parse


def _optional(parser: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value in (None, "", "none") else parser(value)


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(f"expected a non-empty text, got {value!r}")
    return value.strip()


def _kind(value: Any) -> RoleKind:
    if value not in ROLE_KINDS:
        raise FieldError(f"unknown kind {value!r} (known: {', '.join(ROLE_KINDS)})")
    return RoleKind(value)


def _forecast_model(value: Any) -> str:
    from staffline.forecasting.registry import MODEL_NAMES

    if value not in MODEL_NAMES:
        raise FieldError(f"unknown forecast model {value!r} (known: {', '.join(MODEL_NAMES)})")
    return value


def _wait_method(value: Any) -> str:
    from staffline.queueing import METHODS

    if value not in METHODS:
        raise FieldError(f"unknown wait_method {value!r} (known: {', '.join(METHODS)})")
    return value


DEMANDS = ("mean", "expected")


def _demand(value: Any) -> str:
    if value not in DEMANDS:
        raise FieldError(f"unknown demand {value!r} (known: {', '.join(DEMANDS)})")
    return value


def _dates(value: Any) -> tuple[dt.date, ...]:
    if not isinstance(value, list):
        raise FieldError("expected a list of dates YYYY-MM-DD")
    out = []
    for item in value:
        if isinstance(item, dt.date):
            out.append(item)
            continue
        try:
            out.append(dt.date.fromisoformat(str(item)))
        except ValueError:
            raise FieldError(f"expected a date YYYY-MM-DD, got {item!r}") from None
    return tuple(out)


def _shares(value: Any) -> dict[str, float]:
    """``{role = share}`` with shares in [0, 1): the part of a role's walk-ins diverted to self-service."""
    if not isinstance(value, dict):
        raise FieldError("expected a table of role = share, e.g. { counter = 0.2 }")
    out = {}
    for role, share in value.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share < 1:
            raise FieldError(f"share for {role!r} must be a number in [0, 1), got {share!r}")
        out[str(role)] = float(share)
    return out


_SQL_URL = re.compile(r"^[a-z][a-z0-9+]*://", re.IGNORECASE)


def _history_source(value: Any) -> str:
    """A CSV path relative to the instance folder or a SQLAlchemy URL (``sqlite:///tickets.db``)."""
    text = _string(value)
    if not text:
        raise FieldError("expected a file name or a database URL such as sqlite:///tickets.db")
    return text


def _country(value: Any) -> str:
    import holidays

    code = _string(value).upper()
    if code not in holidays.list_supported_countries():
        raise FieldError(f"unknown holiday country {value!r} (use an ISO code such as CN, DE, US)")
    return code


@dataclass(frozen=True)
class Spec:
    parser: Callable[[Any], Any]
    default: Any


SLOT_CHOICES = tuple(m for m in range(5, 61) if 60 % m == 0)  # the grids that tile an hour: 5, 6, 10, 12, 15, 20, 30, 60
HOURS = toml_number(0, 24)
BRANCH_SPEC = {
    "name": Spec(_string, None),
    "slot_minutes": Spec(toml_number(5, 60, integer=True), 15),
    "holiday_country": Spec(_optional(_country), None),
    "holidays": Spec(_dates, ()),
    "divert_to_lobby": Spec(toml_number(0, 1), 0.3),
    "divert": Spec(_shares, {}),
    "history": Spec(_optional(_history_source), None),
    "history_table": Spec(_optional(_string), None),
    "history_query": Spec(_optional(_string), None),
}
ROLE_SPEC = {
    "kind": Spec(_kind, None),
    "aht_minutes": Spec(toml_number(0.1, 480), None),
    "service_cv": Spec(toml_number(0, 5), 0.8),
    "wait_target_minutes": Spec(toml_number(0, 240), 5.0),
    "service_level": Spec(toml_number(0, 1), 0.8),
    "patience_minutes": Spec(_optional(toml_number(0.1, 1440)), None),
    "min_on_duty": Spec(toml_number(0, 100, integer=True), 0),
    "vip_wait_target_minutes": Spec(_optional(toml_number(0, 240)), None),
    "vip_service_level": Spec(_optional(toml_number(0, 1)), None),
}
SHIFT_SPEC = {
    "min_hours": Spec(toml_number(0.5, 16), 4.0),
    "max_hours": Spec(toml_number(0.5, 16), 8.0),
    "start_step_minutes": Spec(toml_number(5, 240, integer=True), 30),
    "lunch_minutes": Spec(toml_number(0, 120, integer=True), 60),
    "lunch_after_hours": Spec(HOURS, 6.0),
    "lunch_window": Spec(parse_time_range, (dt.time(11), dt.time(14))),
    "min_role_block_minutes": Spec(toml_number(0, 480, integer=True), 60),
    "min_rest_hours": Spec(HOURS, 11.0),
}
HEADCOUNT_SPEC = {
    "max_on_duty": Spec(_optional(toml_number(1, 10_000, integer=True)), None),
    "max_staff_per_day": Spec(_optional(toml_number(1, 10_000, integer=True)), None),
}
OBJECTIVE_SPEC = {
    "wait_per_customer_minute": Spec(toml_number(0, 1e6), 1.0),
    "cost_weight": Spec(toml_number(0, 1e6), 0.1),
    "vip_wait_multiplier": Spec(toml_number(0, 1e3), 3.0),
    "wait_method": Spec(_wait_method, "lagged"),
    "role_change_weight": Spec(toml_number(0, 1e6), ROLE_CHANGE_WEIGHT),
    "demand": Spec(_demand, "mean"),
}
CONTRACT_SPEC = {
    "min_hours": Spec(toml_number(0, 80), 0.0),
    "max_hours": Spec(toml_number(0, 80), 40.0),
    "min_days": Spec(toml_number(0, 7, integer=True), 0),
    "max_days": Spec(toml_number(0, 7, integer=True), 5),
    "max_consecutive_days": Spec(toml_number(1, 28, integer=True), 6),
    "cost_per_hour": Spec(toml_number(0, 10_000), 0.0),
    "min_hours_horizon": Spec(_optional(toml_number(0, 8 * 80)), None),
    "max_hours_horizon": Spec(_optional(toml_number(0, 8 * 80)), None),
}
FAIRNESS_SPEC = {
    "saturdays": Spec(toml_number(0, 1e6), FairnessWeights.saturdays),
    "weekend_days": Spec(toml_number(0, 1e6), FairnessWeights.weekend_days),
    "late_shifts": Spec(toml_number(0, 1e6), FairnessWeights.late_shifts),
    "hours_above_minimum": Spec(toml_number(0, 1e6), FairnessWeights.hours_above_minimum),
}
FORECAST_SPEC = {
    "model": Spec(_forecast_model, "auto"),
    "folds": Spec(toml_number(2, 52, integer=True), 8),
}
REPLAN_SPEC = {
    "shift_change_weight": Spec(toml_number(0, 1e6), 40.0),
    "role_slot_weight": Spec(toml_number(0, 1e6), 1.0),
    "overtime_premium": Spec(toml_number(1, 100), 1.5),
}
SECTIONS = ("branch", "hours", "roles", "shifts", "headcount", "objective", "forecast", "replan", "fairness", "contract", "rules")


class _TomlReader:
    """Reads sections against their specs, logging problems with line numbers."""

    def __init__(self, text: str, log: ProblemLog, file: str):
        self.lines = text.splitlines()
        self.log = log
        self.file = file

    def line_of(self, section: str, key: str | None = None) -> int | None:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(section) + r"\s*\]\]?\s*$")
        start = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
        if start is None:
            return None
        if key is None:
            return start + 1
        key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for i in range(start + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if key_re.match(self.lines[i]):
                return i + 1
        return start + 1

    def error(self, section: str, key: str | None, message: str) -> None:
        field = f"{section}.{key}" if key else section
        self.log.add(self.file, self.line_of(section, key), field, message)

    def read(self, section: str, table: Any, spec: dict[str, Spec]) -> dict[str, Any]:
        if not isinstance(table, dict):
            self.error(section, None, "expected a table")
            table = {}
        for key in table:
            if key not in spec:
                self.error(section, key, f"unknown key (known: {', '.join(spec)})")
        out: dict[str, Any] = {}
        for key, s in spec.items():
            if key not in table:
                if s.default is None and key in _REQUIRED.get(section.split(".")[0], ()):
                    self.error(section, key, "missing (required)")
                out[key] = s.default
                continue
            try:
                out[key] = s.parser(table[key])
            except FieldError as exc:
                self.error(section, key, str(exc))
                out[key] = s.default
        return out


_REQUIRED = {"branch": ("name",), "roles": ("kind", "aht_minutes")}


def parse_branch(text: str, log: ProblemLog, file: str = FILE) -> Branch | None:
    """Parse branch.toml text; returns None when it is unusable (problems logged)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        log.add(file, int(m.group(1)) if m else None, None, f"TOML syntax error: {exc}")
        return None
    reader = _TomlReader(text, log, file)
    for key in data:
        if key not in SECTIONS:
            reader.error(key, None, f"unknown section (known: {', '.join(SECTIONS)})")

    branch = reader.read("branch", data.get("branch", {}), BRANCH_SPEC)
    hours = _parse_hours(reader, data.get("hours"))
    roles = _parse_roles(reader, data.get("roles"))
    shifts = reader.read("shifts", data.get("shifts", {}), SHIFT_SPEC)
    if shifts["min_hours"] > shifts["max_hours"]:
        reader.error("shifts", "min_hours", f"min_hours {shifts['min_hours']:g} exceeds max_hours {shifts['max_hours']:g}")
    if branch["slot_minutes"] not in SLOT_CHOICES:
        reader.error("branch", "slot_minutes", f"expected one of {', '.join(map(str, SLOT_CHOICES))}")
    headcount = reader.read("headcount", data.get("headcount", {}), HEADCOUNT_SPEC)
    objective = reader.read("objective", data.get("objective", {}), OBJECTIVE_SPEC)
    forecast = reader.read("forecast", data.get("forecast", {}), FORECAST_SPEC)
    replan = reader.read("replan", data.get("replan", {}), REPLAN_SPEC)
    fairness = reader.read("fairness", data.get("fairness", {}), FAIRNESS_SPEC)
    contract = reader.read("contract", data.get("contract", {}), CONTRACT_SPEC)
    _check_contract_pair(reader, "contract", contract)
    _check_divert(reader, branch["divert"], roles)
    _check_history_source(reader, branch)
    rules = data.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) and "type" in r for r in rules):
        reader.error("rules", None, "expected [[rules]] tables, each with a 'type'")
        rules = []
    if log or not hours or not roles:
        return None
    return Branch(
        name=branch["name"],
        slot_minutes=branch["slot_minutes"],
        hours=hours,
        roles=roles,
        shift_rules=ShiftRules(
            min_shift_hours=shifts["min_hours"],
            max_shift_hours=shifts["max_hours"],
            start_step_minutes=shifts["start_step_minutes"],
            lunch_minutes=shifts["lunch_minutes"],
            lunch_after_hours=shifts["lunch_after_hours"],
            lunch_window=shifts["lunch_window"],
            min_role_block_minutes=shifts["min_role_block_minutes"],
            min_rest_hours=shifts["min_rest_hours"],
        ),
        headcount=HeadcountLimits(**headcount),
        objective=ObjectiveWeights(**objective),
        forecast=ForecastSettings(**forecast),
        replan=ReplanWeights(**replan),
        fairness=FairnessWeights(**fairness),
        default_contract=contract_from_fields(contract),
        holidays=branch["holidays"],
        holiday_country=branch["holiday_country"],
        divert_to_lobby=branch["divert_to_lobby"],
        divert=branch["divert"],
        history=HistorySource(branch["history"], branch["history_table"], branch["history_query"]) if branch["history"] else None,
        rules=tuple(rules),
    )


def _check_divert(reader: _TomlReader, shares: dict[str, float], roles: tuple[Role, ...]) -> None:
    """Diverted customers must come from a known non-lobby role and need a lobby role to assist them."""
    from staffline.forecasting.diversion import diversion_problems

    for message in diversion_problems(shares, roles) if roles else []:
        reader.error("branch", "divert", message)


def _check_history_source(reader: _TomlReader, branch: dict[str, Any]) -> None:
    """A database history names exactly one of a table or a query; a CSV names neither."""
    source, table, query = branch["history"], branch["history_table"], branch["history_query"]
    is_url = bool(source and _SQL_URL.match(source))
    if is_url and (table is None) == (query is None):
        reader.error("branch", "history", "a database history needs exactly one of history_table or history_query")
    if not is_url and (table is not None or query is not None):
        reader.error("branch", "history_table" if table is not None else "history_query", "only valid when history is a database URL")


def contract_from_fields(fields: dict[str, Any], base: Contract | None = None) -> Contract:
    """Build a Contract from file-level field names (min_hours ...), over ``base``."""
    base = base or Contract()
    get = lambda key, default: default if fields.get(key) is None else fields[key]  # noqa: E731
    return Contract(
        min_hours_week=get("min_hours", base.min_hours_week),
        max_hours_week=get("max_hours", base.max_hours_week),
        min_days_week=get("min_days", base.min_days_week),
        max_days_week=get("max_days", base.max_days_week),
        max_consecutive_days=get("max_consecutive_days", base.max_consecutive_days),
        earliest_start=get("earliest_start", base.earliest_start),
        latest_end=get("latest_end", base.latest_end),
        cost_per_hour=get("cost_per_hour", base.cost_per_hour),
        min_hours_horizon=get("min_hours_horizon", base.min_hours_horizon),
        max_hours_horizon=get("max_hours_horizon", base.max_hours_horizon),
    )


def _check_contract_pair(reader: _TomlReader, section: str, c: dict[str, Any]) -> None:
    if c["min_hours"] > c["max_hours"]:
        reader.error(section, "min_hours", f"min_hours {c['min_hours']:g} exceeds max_hours {c['max_hours']:g}")
    if c["min_days"] > c["max_days"]:
        reader.error(section, "min_days", f"min_days {c['min_days']} exceeds max_days {c['max_days']}")
    lo, hi = c["min_hours_horizon"], c["max_hours_horizon"]
    if lo is not None and hi is not None and lo > hi:
        reader.error(section, "min_hours_horizon", f"min_hours_horizon {lo:g} exceeds max_hours_horizon {hi:g}")


def _parse_hours(reader: _TomlReader, table: Any) -> dict[str, OpeningHours]:
    if not isinstance(table, dict):
        reader.error("hours", None, 'missing [hours] table with mon..sun = "HH:MM-HH:MM" or "closed"')
        return {}
    for key in table:
        if key not in WEEKDAYS:
            reader.error("hours", key, f"unknown weekday (known: {', '.join(WEEKDAYS)})")
    hours: dict[str, OpeningHours] = {}
    for day in WEEKDAYS:
        value = table.get(day, "closed")
        if str(value).strip().lower() == "closed":
            hours[day] = OpeningHours(None, None)
            continue
        try:
            hours[day] = OpeningHours(*parse_time_range(value))
        except FieldError as exc:
            reader.error("hours", day, str(exc))
    if hours and not any(h.is_open for h in hours.values()):
        reader.error("hours", None, "the branch is never open")
    return hours


def _parse_roles(reader: _TomlReader, table: Any) -> tuple[Role, ...]:
    if not isinstance(table, dict) or not table:
        reader.error("roles", None, "missing [roles.NAME] tables (e.g. [roles.counter])")
        return ()
    roles = []
    for name, body in table.items():
        fields = reader.read(f"roles.{name}", body, ROLE_SPEC)
        if fields["kind"] is None or fields["aht_minutes"] is None:
            continue
        roles.append(
            Role(
                name=name,
                kind=fields["kind"],
                aht_minutes=fields["aht_minutes"],
                service_cv=fields["service_cv"],
                wait_target_minutes=fields["wait_target_minutes"],
                service_level=fields["service_level"],
                patience_minutes=fields["patience_minutes"],
                min_on_duty=fields["min_on_duty"],
                vip_wait_target_minutes=fields["vip_wait_target_minutes"],
                vip_service_level=fields["vip_service_level"],
            )
        )
    return tuple(roles)


def _hhmm(t: dt.time) -> str:
    return f"{t:%H:%M}"


def branch_to_toml(branch: Branch) -> str:
    """Serialise a Branch back to branch.toml text (inverse of :func:`parse_branch`)."""
    sr, c = branch.shift_rules, branch.default_contract
    data: dict[str, Any] = {
        "branch": {
            "name": branch.name,
            "slot_minutes": branch.slot_minutes,
            "holidays": [d.isoformat() for d in branch.holidays],
            "divert_to_lobby": branch.divert_to_lobby,
        },
        "hours": {d: (f"{_hhmm(h.open)}-{_hhmm(h.close)}" if h.is_open else "closed") for d, h in branch.hours.items()},
        "roles": {},
        "shifts": {
            "min_hours": sr.min_shift_hours,
            "max_hours": sr.max_shift_hours,
            "start_step_minutes": sr.start_step_minutes,
            "lunch_minutes": sr.lunch_minutes,
            "lunch_after_hours": sr.lunch_after_hours,
            "lunch_window": f"{_hhmm(sr.lunch_window[0])}-{_hhmm(sr.lunch_window[1])}",
            "min_role_block_minutes": sr.min_role_block_minutes,
            "min_rest_hours": sr.min_rest_hours,
        },
        "headcount": {k: v for k, v in vars(branch.headcount).items() if v is not None},
        "objective": dict(vars(branch.objective)),
        "forecast": dict(vars(branch.forecast)),
        "replan": dict(vars(branch.replan)),
        "fairness": dict(vars(branch.fairness)),
        "contract": {
            "min_hours": c.min_hours_week,
            "max_hours": c.max_hours_week,
            "min_days": c.min_days_week,
            "max_days": c.max_days_week,
            "max_consecutive_days": c.max_consecutive_days,
            "cost_per_hour": c.cost_per_hour,
            **{k: getattr(c, k) for k in ("min_hours_horizon", "max_hours_horizon") if getattr(c, k) is not None},
        },
    }
    if branch.holiday_country:
        data["branch"]["holiday_country"] = branch.holiday_country
    if branch.divert:
        data["branch"]["divert"] = dict(branch.divert)
    if branch.history is not None:
        data["branch"]["history"] = branch.history.location
        for key, value in (("history_table", branch.history.table), ("history_query", branch.history.query)):
            if value is not None:
                data["branch"][key] = value
    for role in branch.roles:
        body = {k: v for k, v in vars(role).items() if k != "name" and v is not None}
        body["kind"] = role.kind.value
        data["roles"][role.name] = body
    if branch.rules:
        data["rules"] = [dict(r) for r in branch.rules]
    return tomli_w.dumps(data)
