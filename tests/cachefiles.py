"""Cache files as tests read and change them: a head (the JSON line) and the value of each frame."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

from signalbrief.cache import frame, frames, json_line


def parse_cache(data: bytes) -> list:
    """The head and each frame's value (the entries' batches, then the end frame)."""
    stream = BytesIO(data)
    head = json.loads(stream.readline())
    return [head, *[value for _, value in frames(stream, len(data))]]


def read_cache(path: Path) -> list:
    return parse_cache(path.read_bytes())


def cache_bytes(parts: list) -> bytes:
    """A cache file of this head and these frames' values (as `parse_cache` gives them)."""
    head, *values = parts
    return json_line(head) + b"".join(frame(value) for value in values)


def write_cache(path: Path, parts: list) -> None:
    path.write_bytes(cache_bytes(parts))


def replaced(value: object, old: str, new: str) -> object:
    """A cache's value with every text (key or value) that is `old` made `new`."""
    if isinstance(value, dict):
        return {new if key == old else key: replaced(inner, old, new) for key, inner in value.items()}
    if isinstance(value, list):
        return [replaced(inner, old, new) for inner in value]
    return new if value == old else value
