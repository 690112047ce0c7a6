"""The values a loaded YAML file holds besides plain strings, and how a field path is written.

The loader makes them; the model and its field types read them. They live here, not in the loader,
so that the model depends on what a brief holds, not on how YAML is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

Path_ = tuple[str | int, ...]


class MachineText(str):
    """A string tagged `!mt`: machine translation that no person has reviewed yet."""

    __slots__ = ()


@dataclass(frozen=True)
class Scalar:
    """A plain scalar that YAML 1.1 would read as something other than text."""

    raw: str
    kind: str  # bool, int, float, null or timestamp

    def __str__(self) -> str:
        return self.raw


def dotted(path: Path_) -> str:
    """Write a field path the way editors read it: `sections[0].title.en`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
