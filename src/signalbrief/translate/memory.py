"""The translation memory: every machine translation, keyed by model, direction and source text.

It lives in `.signalbrief/translations.sqlite`. A rebuild looks here first, so it translates
nothing twice and needs no model when everything is remembered; committed with a publication it
lets a machine without models build the same output.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from signalbrief.errors import OutputError

MEMORY_FILE = Path(".signalbrief") / "translations.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memory (
    model TEXT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (model, direction, source)
)
"""


class Memory:
    """Remembered translations of sentences."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._db is None:
            if not self.path.exists() and not create:
                return None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path)
                self._db.execute(_SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                raise OutputError(f"{self.path}: cannot open the translation memory: {exc}") from None
        return self._db

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
            for source, target, _model in sorted(db.execute(query, params).fetchall(), key=lambda row: row[2]):
                found[source] = target
        return found

    def remember(self, model: str, direction: str, pairs: dict[str, str]) -> None:
        if not pairs:
            return
        db = self._open(create=True)
        assert db is not None
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO memory (model, direction, source, target) VALUES (?, ?, ?, ?)",
                [(model, direction, source, target) for source, target in sorted(pairs.items())],
            )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
