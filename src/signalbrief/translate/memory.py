"""The translation memory: every machine translation, keyed by model, direction and source text.

It lives in `.signalbrief/translations.sqlite`. A rebuild looks here first, so it translates
nothing twice and needs no model when everything is remembered; committed with a publication it
lets a machine without models build the same output.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from signalbrief.errors import OutputError, SignalbriefError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memory (
    model TEXT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (model, direction, source)
)
"""


_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


class DamagedMemory(SignalbriefError):
    """The translation memory file is not a sound SQLite database; it is left as it is."""

    def __init__(self, path: Path, reason: str):
        super().__init__(
            f"{path}: the translation memory is damaged ({reason}); it was left as it is. "
            f"To go on, move it aside (mv {path} {path}.damaged) and run again: a new memory is made. "
            "Nothing in your briefs is lost: reviewed texts and the `!mt` texts written by "
            "`translate --write` are read from the briefs; other texts are translated again by the model."
        )


class Memory:
    """Remembered translations of sentences."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._checked = False

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._db is None:
            if not self.path.exists() and not create:
                return None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path)
                self._db.execute(_SCHEMA)
            except OSError as exc:
                raise OutputError(f"{self.path}: cannot open the translation memory: {exc.strerror or exc}") from None
            except sqlite3.Error as exc:
                self.close()
                raise self._failure(exc, "open") from None
        return self._db

    def _failure(self, exc: sqlite3.Error, doing: str) -> SignalbriefError:
        """A damaged file is the reader's to repair (exit 1); anything else is a write error (exit 4)."""
        if getattr(exc, "sqlite_errorname", "") in _DAMAGED:
            return DamagedMemory(self.path, str(exc))
        return OutputError(f"{self.path}: cannot {doing} the translation memory: {exc}")

    def recall(self, direction: str, sources: Iterable[str], model: str | None) -> dict[str, str]:
        """Remembered targets of these sources: from `model` if given, else from any model
        (the latest model name wins, so the choice is the same on every machine)."""
        db = self._open(create=False)
        wanted = list(dict.fromkeys(sources))
        if db is None or not wanted:
            return {}
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT source, target, model FROM memory WHERE direction = ? AND source IN ({marks})"
            params: list[str] = [direction, *chunk]
            if model is not None:
                query += " AND model = ?"
                params.append(model)
            try:
                rows = db.execute(query, params).fetchall()
            except sqlite3.Error as exc:
                raise self._failure(exc, "read") from None
            for source, target, _model in sorted(rows, key=lambda row: row[2]):
                found[source] = target
        return found

    def remember(self, model: str, direction: str, pairs: dict[str, str]) -> None:
        if not pairs:
            return
        db = self._open(create=True)
        assert db is not None
        try:
            self._check(db)
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO memory (model, direction, source, target) VALUES (?, ?, ?, ?)",
                    [(model, direction, source, target) for source, target in sorted(pairs.items())],
                )
        except sqlite3.Error as exc:
            raise self._failure(exc, "write") from None

    def _check(self, db: sqlite3.Connection) -> None:
        """Before the first write, make sure the file is sound: a damaged one is never written to."""
        if not self._checked:
            result = db.execute("PRAGMA quick_check").fetchall()
            if result != [("ok",)]:
                raise DamagedMemory(self.path, str(result[0][0]) if result else "quick_check failed")
            self._checked = True

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
