"""The fingerprint comment on a machine-written value, `# mt:<lang>:<source>:<text>`: short hashes
of the source text it was translated from and of the text written (see `signalbrief.translate.inplace`).

Checking a brief reads these comments and writing machine text writes them, so they live outside
`signalbrief.translate`: validating a brief needs no part of machine translation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from signalbrief.loader import Document
from signalbrief.values import Path_

FINGERPRINT = re.compile(r"[ \t]*# mt:([A-Za-z]+(?:-[A-Za-z]+)*):([0-9a-f]{8}):([0-9a-f]{8})[ \t]*$")


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Provenance:
    """What the fingerprint comment on a language value says."""

    source: str
    text: str


def provenance(document: Document, path: Path_) -> Provenance | None:
    """Read the fingerprint comment at the end of the line where a language value ends."""
    span = document.span(path)
    if span is None:
        return None
    line = _line_around(document.text, max(span[1] - 1, span[0]))
    match = FINGERPRINT.search(line)
    if match is None or match.group(1) != path[-1]:
        return None
    return Provenance(match.group(2), match.group(3))


def _line_around(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    return text[start : end_of_line(text, index)]


def end_of_line(text: str, index: int) -> int:
    """Where the line holding `index` ends, before its line break (`\n` or `\r\n`)."""
    end = text.find("\n", index)
    if end == -1:
        return len(text)
    return end - 1 if end > index and text[end - 1] == "\r" else end
