"""Positions in brief files and the problems reported against them, printed compiler-style."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Exit codes of spec section 7.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNTRANSLATED = 3
EXIT_WRITE = 4
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report a process ended by SIGINT


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based line and column in a file."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}"
        return self.path


@dataclass(frozen=True, order=True)
class Problem:
    """One error or warning, with where it is and which field it concerns."""

    location: Location
    severity: str  # "error" or "warning"
    field: str
    message: str

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"{self.location}: {self.severity}: {field}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(location: Location, field: str, message: str) -> Problem:
    return Problem(location, "error", field, message)


def warning(location: Location, field: str, message: str) -> Problem:
    return Problem(location, "warning", field, message)


def display_path(path: Path, root: Path) -> str:
    """Show a resolved path relative to the resolved publication folder when it lies inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


class SignalbriefError(Exception):
    """An error the command line turns into a message and an exit code."""

    exit_code = EXIT_INVALID


class InvalidInput(SignalbriefError):
    """Input files have errors; every problem is carried, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # Errors cross from render worker processes to the build; keep the problems intact.
        return (type(self), (self.problems,))


class UsageError(SignalbriefError):
    exit_code = EXIT_USAGE


class OutputError(SignalbriefError):
    exit_code = EXIT_WRITE


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def count_line(problems: list[Problem]) -> str:
    """Say how many errors and warnings were found."""
    errors = sum(p.is_error for p in problems)
    return f"{_plural(errors, 'error')}, {_plural(len(problems) - errors, 'warning')}"


def summary_line(problems: list[Problem], checked: int) -> str:
    """Say how many briefs were checked and how many errors and warnings were found."""
    return f"{_plural(checked, 'brief')} checked: {count_line(problems)}"
