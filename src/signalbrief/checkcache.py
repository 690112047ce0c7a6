"""What validation remembers between builds: each brief file's outcome, by its content hash.

A file whose bytes, publication rules (tiers, terms, grades) and signalbrief version are the same as
at the last build is not parsed again; its problems, card and untranslated texts are taken from
`.signalbrief/checked.json`. The file is a cache: anything unreadable in it is ignored, with a warning.
"""

from __future__ import annotations

import datetime
import json
import zlib
from pathlib import Path
from typing import Any

from signalbrief.cache import Cache, card_key, json_path, json_text, stable_hash
from signalbrief.errors import Location, Problem
from signalbrief.model import Card, Need_, Text

CACHE_FILE = Path(".signalbrief") / "checked.json"
SHAPE = 6  # of an entry: raised when it changes, so entries of an older shape are not read
Packed = bytes  # a brief's needs, `pack_needs`ed


class CheckCache:
    """The check outcome of every brief file of the last run, by path and content hash."""

    def __init__(self, root: Path, context: dict):
        self.cache = Cache(root / CACHE_FILE, "checked", stable_hash(context, SHAPE), copies_frames=True)
        self.known = self.cache.load()
        self.fresh: dict[str, Any] = {}  # shown path -> its entry as read back, or its newly checked entry

    def knows(self, shown: str) -> bool:
        """Whether the last run left an outcome for this file (which may be out of date)."""
        return shown in self.known

    def recall(self, entry: Any) -> bool:
        """Fill a checked file's entry from the last build, if its content is unchanged."""
        found = self.known.get(entry.shown)
        if found is None:
            return False
        if not isinstance(found, dict) or not isinstance(found.get("digest"), str):
            self.cache.damaged()
            return False
        if found["digest"] != entry.digest:
            return False
        values = self.cache.decoded(lambda: _decode(found))
        if values is None:
            return False
        for name, value in values.items():
            setattr(entry, name, value)
        self.fresh[entry.shown] = found
        return True

    def keep(self, entry: Any) -> None:
        """Remember a newly checked file (encoded only when written, so it is not held twice)."""
        self.fresh[entry.shown] = (entry, len(entry.problems))

    def save(self) -> None:
        """Write what this run checked, if anything changed (files gone since are forgotten)."""
        self.cache.save_all(self.fresh, _entry_data)


def _entry_data(found: Any) -> dict:
    if isinstance(found, dict):
        return found
    entry, problems = found
    return {"digest": entry.digest, **_encode(entry, entry.problems[:problems])}


def _encode(entry: Any, problems: list[Problem]) -> dict:
    card = None if entry.card is None else entry.card.plain()
    return {
        "id": entry.id,
        "draft": entry.draft,
        "see_also": [[list(path), target] for path, target in entry.see_also],
        "problems": [[*_location(p.location), p.severity, p.field, p.message] for p in problems],
        "card": card,
        "card_key": None if card is None else card_key(card),  # so a build never makes the plain card again
        "needs": bytes(entry.held_needs if isinstance(entry.held_needs, bytes) else pack_needs(entry.needs)),
    }


def _location(location: Location) -> list:
    return [location.path, location.line, location.col]


def _decode(data: dict) -> dict:
    card = data["card"]
    return {
        "id": _str_or_none(data["id"]),
        "draft": bool(data["draft"]),
        "see_also": tuple((json_path(path), _str_or_none(t)) for path, t in data["see_also"]),
        "problems": [_problem(*p) for p in data["problems"]],
        "card": None if card is None else _card(*card),
        "card_key": "" if card is None else json_text(data["card_key"]),
        # Kept packed as they were written: unpacked (and checked) only where a build asks for them.
        "held_needs": _packed(data["needs"]),
    }


def _card(day: str, draft: object, signal: list, summary: list, *rest: object) -> Card:
    """A card read back (`Card.plain`'s list); TypeError or ValueError where it has another shape."""
    kind, regions, see_also, market_class, score = rest
    if type(regions) is not list or type(see_also) is not list:
        raise TypeError("card")
    if not _all_text([kind, market_class, *regions, *see_also]):
        raise TypeError("card")
    texts = _untext(signal), _untext(summary)
    listed = (kind, tuple(regions), tuple(see_also), market_class, _score(score))
    return Card(datetime.date.fromisoformat(day), bool(draft), *texts, *listed)


def pack_needs(needs: tuple[Need_, ...]) -> tuple[()] | Packed:
    """A brief's needs in one small object: as tuples they hold every text lacking a language (some
    KB a brief, for the whole build); packed, compressed JSON, about a tenth. The check cache keeps
    them so (as bytes), so a remembered brief's needs are never decoded unless used."""
    if not needs:
        return ()
    data = json.dumps([[list(path), *rest] for path, *rest in needs], ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(data.encode("utf-8"), 1)


def unpack_needs(held: tuple[Need_, ...] | Packed) -> tuple[Need_, ...]:
    """Needs as a brief holds them, unpacked when `pack_needs` packed them; ValueError or TypeError
    when packed needs read back from the cache are damaged."""
    if not isinstance(held, bytes):
        return held
    try:
        data = json.loads(zlib.decompress(held))
    except zlib.error as exc:
        raise ValueError(f"packed needs: {exc}") from None
    if not isinstance(data, list):
        raise TypeError("needs")
    return tuple(
        (json_path(path), json_text(source), json_text(target), json_text(text)) for path, source, target, text in data
    )


def _packed(value: object) -> tuple[()] | Packed:
    """Packed needs read back: the bytes `pack_needs` made, b"" for none (TypeError for anything else)."""
    if type(value) is not bytes:
        raise TypeError("packed needs")
    return value or ()


def _problem(path: object, line: object, col: object, severity: object, field: object, message: object) -> Problem:
    where = Location(json_text(path), int(line), int(col))  # type: ignore[arg-type]
    return Problem(where, json_text(severity), json_text(field), json_text(message))


def _untext(value: list) -> Text:
    words, machine = value
    if type(words) is not dict or type(machine) is not list or not _all_text([*words, *words.values(), *machine]):
        raise TypeError("texts by language")
    return Text.of(words, frozenset(machine))


def _all_text(values: list) -> bool:
    """Whether every value is a str (one pass over their types: a card holds a dozen)."""
    return set(map(type, values)) <= {str}


def _score(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("a score")
    return float(value)


def _str_or_none(value: object) -> str | None:
    return None if value is None else json_text(value)
