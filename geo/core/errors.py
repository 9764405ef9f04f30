"""The project's exceptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row (or the file as a whole when ``row`` is None)."""

    message: str
    row: int | None = None
    field: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        return (", ".join(where) + ": " if where else "") + self.message


class LnmapError(Exception):
    """Base class of the project's errors."""


class DataValidationError(LnmapError):
    """Input data failed validation; ``problems`` lists each row and field at fault."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class GazetteerError(DataValidationError):
    """A place name that maps to no place, or to more than one."""


class BuildError(LnmapError):
    """A build step (boundaries, indicators) cannot run: missing source, bad input."""


class StoreError(LnmapError):
    """The observed-values store cannot be read or written (read-only, full, no permission).

    ``reason`` is ``"full"``, ``"read_only"`` or ``"other"``, so an interface can say it in the
    user's language; the message names the store and the system's error.
    """

    def __init__(self, message: str, reason: str = "other"):
        super().__init__(message)
        self.reason = reason
