"""Input errors that reach a user as one clear line each.

Loaders never stop at the first problem: they collect :class:`Problem` records
and raise one :class:`InputError` holding all of them, so a planner fixes a
file in one pass instead of one error per run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One malformed input: file name, 1-based row as a spreadsheet shows it
    (header = row 1; for TOML, the line), field and what was expected."""

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


class InputError(Exception):
    """Bad input (exit code 2). Carries every problem found."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ProblemLog:
    """Collects problems while a loader keeps going; caps floods per field.

    A corrupt 60,000-row history should not print 60,000 lines: after
    ``per_field_cap`` problems for one (file, field) the rest are summarised in
    one closing line.
    """

    def __init__(self, per_field_cap: int = 10):
        self.problems: list[Problem] = []
        self._overflow: dict[tuple[str, str | None], int] = {}
        self._counts: dict[tuple[str, str | None], int] = {}
        self._cap = per_field_cap

    def add(self, file: str, row: int | None, field: str | None, message: str) -> None:
        key = (file, field)
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._counts[key] > self._cap:
            self._overflow[key] = self._overflow.get(key, 0) + 1
            return
        self.problems.append(Problem(file, row, field, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        for (file, field), extra in self._overflow.items():
            self.problems.append(Problem(file, None, field, f"... and {extra} more problems like these"))
        raise InputError(self.problems)
