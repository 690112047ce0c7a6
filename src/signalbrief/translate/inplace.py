"""Write machine translations into brief files as `!mt` values, changing nothing else.

Edits are made on the file's text at the positions the loader recorded, so every line that is not
filled stays byte-identical (comments, key order, quoting, wrapping). Each written value carries a
fingerprint comment, `# mt:<lang>:<source>:<text>` (the language written, and short hashes of the
source text it was translated from and of the text written), which tells later runs whether the
source has changed since and whether a person has edited the machine text (then it is theirs:
never overwritten).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from signalbrief.errors import InvalidInput, error
from signalbrief.loader import Document, Path_, load_bytes
from signalbrief.writer import write_atomic

FINGERPRINT = re.compile(r"[ \t]*# mt:(en|zh):([0-9a-f]{8}):([0-9a-f]{8})[ \t]*$")
_PLAIN_START = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`]")


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
    end = text.find("\n", index)
    return text[start : end if end != -1 else len(text)]


@dataclass(frozen=True)
class Fill:
    """A machine translation to put into a text: `lang` of the text at `path`, from `source`."""

    path: Path_
    lang: str
    value: str
    source: str


def write_fills(file: Path, document: Document, fills: list[Fill]) -> None:
    """Apply fills to a brief file atomically, after checking the result reads back as intended."""
    text = document.text
    edits = sorted((_edit(document, fill) for fill in fills), key=lambda e: e[0], reverse=True)
    for start, end, replacement in edits:
        text = text[:start] + replacement + text[end:]
    _check(text, document, fills)
    raw = file.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    write_atomic(file, bom + text.encode("utf-8"))


def _edit(document: Document, fill: Fill) -> tuple[int, int, str]:
    stamp = f"# mt:{fill.lang}:{fingerprint(fill.source)}:{fingerprint(fill.value)}"
    own = (*fill.path, fill.lang)
    flow = document.is_flow(fill.path)
    value = f"!mt {_scalar(fill.value, flow)}"
    text = document.text
    existing = document.span(own)
    if existing is not None:  # refresh an existing machine translation
        start, end = existing
        line_end = _line_end(text, end)
        rest = FINGERPRINT.sub("", text[end:line_end])
        return start, line_end, f"{value}{rest}  {stamp}"
    if flow:
        start, end = document.span(fill.path)  # type: ignore[misc]
        close = text.rfind("}", start, end)
        line_end = _line_end(text, close)
        rest = FINGERPRINT.sub("", text[close:line_end])
        return close, line_end, f", {fill.lang}: {value}{rest}  {stamp}"
    other = "zh" if fill.lang == "en" else "en"
    line, column = document.key_position((*fill.path, other))  # type: ignore[misc]
    indent = " " * (column - 1)
    new_line = f"{indent}{fill.lang}: {value}  {stamp}\n"
    if fill.lang == "en":  # English goes before Chinese: insert on the line of the zh key
        key_start = _index_of(text, line, column)
        line_start = text.rfind("\n", 0, key_start) + 1
        if text[line_start:key_start].strip():  # `- zh: ...` starts the list item: put en first there
            return key_start, key_start, f"{fill.lang}: {value}  {stamp}\n{indent}"
        return line_start, line_start, new_line
    end = document.span((*fill.path, other))[1]  # type: ignore[index]
    insert_at = end if text[end - 1 : end] == "\n" else _line_end(text, end) + 1
    if insert_at > len(text):
        return len(text), len(text), "\n" + new_line
    return insert_at, insert_at, new_line


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end == -1 else end


def _index_of(text: str, line: int, column: int) -> int:
    index = 0
    for _ in range(line - 1):
        index = text.index("\n", index) + 1
    return index + column - 1


def _scalar(value: str, flow: bool) -> str:
    """A YAML scalar for a value: plain where that is unambiguous, double-quoted otherwise."""
    plain = (
        value
        and value == value.strip()
        and _PLAIN_START.match(value)
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and all(ch.isprintable() for ch in value)
        and not (flow and any(ch in value for ch in ",[]{}"))
    )
    return value if plain else json.dumps(value, ensure_ascii=False)


def _check(text: str, before: Document, fills: list[Fill]) -> None:
    """Refuse to write a file that would not read back with exactly the filled values."""
    after = load_bytes(text.encode("utf-8"), before.path)
    for fill in fills:
        node = after.data
        for part in (*fill.path, fill.lang):
            node = node[part]  # type: ignore[index]
        if node != fill.value or type(node).__name__ != "MachineText":
            where = before.locate(fill.path)
            raise InvalidInput(
                [error(where, "", "internal error: the filled value would not read back; file left as it was")]
            )
