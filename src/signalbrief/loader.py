"""Read a YAML file into plain data, keeping the position of every key and value.

PyYAML's C parser composes the node tree; this module then builds the data itself so that it can
refuse what a brief must not contain (duplicate keys, anchors, aliases, merge keys, unknown tags)
and keep YAML 1.1's implicit typing visible instead of silently applying it: a plain `NO` stays
`Scalar("NO", "bool")` and each field decides whether that is acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is missing only on unusual builds
    from yaml import SafeLoader as _Loader

from signalbrief.errors import InvalidInput, Location, Problem, error

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MT_TAG = "!mt"
_CORE = "tag:yaml.org,2002:"
_LANG_KEYS = frozenset(("en", "zh"))
_STR, _SEQ, _MAP, _MERGE = (f"{_CORE}{name}" for name in ("str", "seq", "map", "merge"))
_SCALAR_KINDS = {f"{_CORE}{kind}": kind for kind in ("bool", "int", "float", "null", "timestamp")}
# libyaml recurses while composing nested flow collections; tens of thousands of levels crash it,
# so files with many brackets have their depth checked on the event stream first.
_BRACKETS_BEFORE_DEPTH_CHECK = 1000

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


@dataclass
class Document:
    """The data of one YAML file and where each part of it was written."""

    path: str
    data: object
    # (line, column), 1-based; Locations are made only for the few positions that get reported.
    value_at: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_at: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # For texts only (mappings with an en or zh key): character spans of the mapping and of its
    # language values, and which mappings are written in flow style; `translate --write` edits by them.
    text: str = ""
    spans: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    flow: set[Path_] = field(default_factory=set)

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """Find the nearest recorded position for a field path."""
        table = self.key_at if key else self.value_at
        probe = tuple(path)
        while probe:
            if probe in table:
                return Location(self.path, *table[probe])
            if probe in self.value_at:
                return Location(self.path, *self.value_at[probe])
            probe = probe[:-1]
        return Location(self.path, *self.value_at.get((), (1, 1)))


def load_file(path: Path, shown_as: str | None = None) -> Document:
    """Read and parse one YAML file; raise InvalidInput with positioned problems."""
    shown = shown_as or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput([error(Location(shown), "", f"file is {size:,} bytes; the limit is 1 MiB")])
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput([error(Location(shown), "", f"cannot read file: {exc.strerror}")]) from None
    return load_bytes(raw, shown)


def load_bytes(raw: bytes, shown: str) -> Document:
    """Parse YAML bytes into a Document; raise InvalidInput with positioned problems."""
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidInput([error(Location(shown), "", f"file is {len(raw):,} bytes; the limit is 1 MiB")])
    text = _decode(raw, shown)
    problems = _check_text(text, shown)
    if problems:
        raise InvalidInput(problems)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InvalidInput([_yaml_problem(exc, shown, text)]) from None
    if root is None:
        raise InvalidInput([error(Location(shown, 1, 1), "", "file is empty; a brief is a mapping of fields")])
    if not isinstance(root, MappingNode):
        where = _where(shown, root)
        raise InvalidInput([error(where, "", "the top level must be a mapping of fields (`key: value` lines)")])
    builder = _Builder(shown)
    data = builder.build(root, (), 0)
    if builder.problems:
        raise InvalidInput(builder.problems)
    return Document(shown, data, builder.value_at, builder.key_at, text, builder.spans, builder.flow)


def _decode(raw: bytes, shown: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput([error(Location(shown, 1, 1), "", "file is UTF-16; save it as UTF-8")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        raise InvalidInput([error(Location(shown, line, col), "", message)]) from None
    return text.removeprefix("\ufeff")


def _check_text(text: str, shown: str) -> list[Problem]:
    """Find tab indentation, anchors, aliases and runaway nesting before composing."""
    problems = []
    if "\t" in text:
        for number, line in enumerate(text.split("\n"), 1):
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if "\t" in indent:
                col = indent.index("\t") + 1
                problems.append(error(Location(shown, number, col), "", "tab used for indentation; indent with spaces"))
    if problems:
        return problems
    brackets = text.count("[") + text.count("{")
    if "&" in text or "*" in text or brackets > _BRACKETS_BEFORE_DEPTH_CHECK:
        problems.extend(_check_events(text, shown))
    return problems


def _check_events(text: str, shown: str) -> list[Problem]:
    problems = []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            where = Location(shown, event.start_mark.line + 1, event.start_mark.column + 1)
            if isinstance(event, yaml.AliasEvent):
                problems.append(error(where, "", f"alias *{event.anchor} is not allowed; write the value out"))
            elif getattr(event, "anchor", None):
                problems.append(error(where, "", f"anchor &{event.anchor} is not allowed; write the value out"))
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    problems.append(error(where, "", f"nesting is deeper than {MAX_DEPTH} levels"))
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(exc, shown, text))
    return problems


def _yaml_problem(exc: yaml.YAMLError, shown: str, text: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        where = Location(shown, mark.line + 1, mark.column + 1)
    elif isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        where = Location(shown, before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
    else:
        where = Location(shown, 1, 1)
    return error(where, "", f"invalid YAML: {_yaml_message(exc)}")


def _yaml_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        character = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        return f"unacceptable character U+{character:04X}: {exc.reason}"
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if not context:
        return problem
    if problem.startswith("but "):
        return f"{context} {problem}"
    return f"{problem} ({context})"


def _where(shown: str, node: Node) -> Location:
    return Location(shown, *_position(node))


def _position(node: Node) -> tuple[int, int]:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Turn a node tree into plain data, recording positions and collecting problems."""

    def __init__(self, shown: str):
        self.shown = shown
        self.problems: list[Problem] = []
        self.value_at: dict[Path_, tuple[int, int]] = {}
        self.key_at: dict[Path_, tuple[int, int]] = {}
        self.spans: dict[Path_, tuple[int, int]] = {}
        self.flow: set[Path_] = set()

    def build(self, node: Node, path: Path_, depth: int) -> object:
        self.value_at[path] = _position(node)
        if depth > MAX_DEPTH:
            self._fail(_where(self.shown, node), path, f"nesting is deeper than {MAX_DEPTH} levels")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                return self._bad_tag(node, path)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if node.tag != _MAP:
            return self._bad_tag(node, path)
        return self._mapping(node, path, depth)

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict:
        data: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._fail(_where(self.shown, key_node), path, "a key must be a plain name, not a list or mapping")
                continue
            key = key_node.value
            if key_node.tag == _MERGE:
                self._fail(_where(self.shown, key_node), path, "merge keys (<<) are not allowed; write the fields out")
                continue
            if key in data:
                first_line = self.key_at[(*path, key)][0]
                message = f"duplicate key (first written at line {first_line})"
                self._fail(_where(self.shown, key_node), (*path, key), message)
                continue
            self.key_at[(*path, key)] = _position(key_node)
            data[key] = self.build(value_node, (*path, key), depth + 1)
            if key in _LANG_KEYS:
                self.spans[(*path, key)] = (value_node.start_mark.index, value_node.end_mark.index)
        if _LANG_KEYS & data.keys():
            self.spans[path] = (node.start_mark.index, node.end_mark.index)
            if node.flow_style:
                self.flow.add(path)
        return data

    def _scalar(self, node: ScalarNode, path: Path_) -> object:
        if node.tag == _STR:
            return node.value
        if node.tag == MT_TAG:
            return MachineText(node.value)
        kind = _SCALAR_KINDS.get(node.tag)
        if kind is None:
            return self._bad_tag(node, path)
        return Scalar(node.value, kind)

    def _bad_tag(self, node: Node, path: Path_) -> None:
        allowed = f"only {MT_TAG} (machine translation) is used in briefs"
        self._fail(_where(self.shown, node), path, f"tag {node.tag} is not supported; {allowed}")
        return None

    def _fail(self, where: Location, path: Path_, message: str) -> None:
        self.problems.append(error(where, dotted(path), message))


def dotted(path: Path_) -> str:
    """Write a field path the way editors read it: `sections[0].title.en`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
