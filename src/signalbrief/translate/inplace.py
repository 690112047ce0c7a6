"""Write machine translations into brief files as `!mt` values, changing nothing else.

Edits are made on the file's text at the positions the loader recorded, so every line that is not
filled stays byte-identical (comments, key order, quoting, wrapping). Each written value carries a
fingerprint comment, `# mt:<lang>:<source>:<text>` (the language written, and short hashes of the
source text it was translated from and of the text written), which tells later runs whether the
source has changed since and whether a person has edited the machine text (then it is theirs:
never overwritten).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from signalbrief.errors import InvalidInput, Problem, error, warning
from signalbrief.fingerprints import FINGERPRINT, end_of_line, fingerprint
from signalbrief.languages import written_codes
from signalbrief.loader import Document, MachineText, Path_, dotted, load_bytes
from signalbrief.writer import write_atomic

_PLAIN_START = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`]")


@dataclass(frozen=True)
class Fill:
    """A machine translation to put into a text: `lang` of the text at `path`, from `source`
    (the text written in `source_lang`)."""

    path: Path_
    lang: str
    value: str
    source: str
    source_lang: str


def write_fills(file: Path, document: Document, fills: list[Fill]) -> list[Problem]:
    """Apply fills to a brief file atomically, after checking the result reads back as intended;
    return a warning for each fill that cannot be written in place (the others are written)."""
    text = document.text
    edits, refused = _placed(document, fills)
    for start, end, replacement, _fill in sorted(edits, key=lambda e: e[0], reverse=True):
        text = text[:start] + replacement + text[end:]
    if not edits:
        return refused
    _check(text, document, [edit[3] for edit in edits])
    raw = file.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    write_atomic(file, bom + text.encode("utf-8"))
    return refused


def _placed(document: Document, fills: list[Fill]) -> tuple[list[tuple[int, int, str, Fill]], list[Problem]]:
    """The edit of each fill, in file order, and a warning for each fill refused: one whose edit
    would overlap an earlier one or take another text's `# mt:` comment (texts of a flow
    collection on one line share the line's one comment)."""
    edits: list[tuple[int, int, str, Fill]] = []
    refused = []
    placed = sorted(((*_edit(document, fill), fill) for fill in fills), key=lambda edit: edit[:2])
    for start, end, replacement, fill in placed:
        own = (*fill.path, fill.lang)
        if edits and start < edits[-1][1]:
            reason = "another text on this line was filled, and a line holds one `# mt:` comment"
        elif document.span(own) is None and FINGERPRINT.search(document.text[start:end]):
            reason = "this line ends with another text's `# mt:` comment"
        else:
            edits.append((start, end, replacement, fill))
            continue
        message = f"machine text not written in place: {reason}; put each text on its own line"
        refused.append(warning(document.locate(fill.path), dotted(own), message))
    return edits, refused


def _edit(document: Document, fill: Fill) -> tuple[int, int, str]:
    stamp = f"# mt:{fill.lang}:{fingerprint(fill.source)}:{fingerprint(fill.value)}"
    own = (*fill.path, fill.lang)
    flow = document.is_flow(fill.path)
    value = f"!mt {_scalar(fill.value, flow)}"
    text = document.text
    existing = document.span(own)
    if existing is not None:  # refresh an existing machine translation
        start, end = existing
        line_end = end_of_line(text, end)
        rest = FINGERPRINT.sub("", text[end:line_end])
        return start, line_end, f"{value}{rest}  {stamp}"
    if flow:
        start, end = document.span(fill.path)  # type: ignore[misc]
        close = text.rfind("}", start, end)
        line_end = end_of_line(text, close)
        rest = FINGERPRINT.sub("", text[close:line_end])
        return close, line_end, f", {fill.lang}: {value}{rest}  {stamp}"
    other = fill.source_lang
    line, column = document.key_position((*fill.path, other))  # type: ignore[misc]
    indent = " " * (column - 1)
    key_start = _index_of(text, line, column)
    newline = _newline(text, key_start)
    new_line = f"{indent}{fill.lang}: {value}  {stamp}{newline}"
    end = document.span((*fill.path, other))[1]  # type: ignore[index]
    after = end if text[end - 1 : end] == "\n" else _next_line(text, end)
    # Languages go in registry order (English before Chinese); a text after a value that ends the
    # file without a line break goes before it too, since adding one could change that value
    # (a `|` block keeps it).
    codes = written_codes()
    if codes.index(fill.lang) < codes.index(other) or after > len(text):
        line_start = text.rfind("\n", 0, key_start) + 1
        if text[line_start:key_start].strip():  # `- zh: ...` starts the list item: put this text first there
            return key_start, key_start, f"{fill.lang}: {value}  {stamp}{newline}{indent}"
        return line_start, line_start, new_line
    return after, after, new_line


def _next_line(text: str, index: int) -> int:
    """Where the line after the one holding `index` starts (past the end of a text without a final break)."""
    end = text.find("\n", index)
    return len(text) + 1 if end == -1 else end + 1


def _newline(text: str, index: int) -> str:
    """The line break of the line holding `index` (of the first line, for a last line without one)."""
    end = text.find("\n", index)
    end = text.find("\n") if end == -1 else end
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


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
    """Refuse to write a file that would not read back with exactly the filled values and every
    other value as it was."""
    expected = load_bytes(before.text.encode("utf-8"), before.path).data  # the checked data is not kept
    for fill in fills:
        _at(expected, fill.path)[fill.lang] = fill.value
    try:
        after = load_bytes(text.encode("utf-8"), before.path).data
        machine = all(isinstance(_at(after, fill.path)[fill.lang], MachineText) for fill in fills)
    except (InvalidInput, LookupError, TypeError):
        after, machine = None, False
    if not machine or after != expected:
        where = before.locate(fills[0].path)
        message = "internal error: the filled file would not read back; file left as it was"
        raise InvalidInput([error(where, "", message)])


def _at(data, path: Path_):
    for part in path:
        data = data[part]
    return data
