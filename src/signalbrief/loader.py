"""Read a YAML file into plain data, keeping the position of every key and value.

PyYAML's C parser composes the node tree; this module then builds the data itself so that it can
refuse what a brief must not contain (duplicate keys, anchors, aliases, merge keys, unknown tags)
and keep YAML 1.1's implicit typing visible instead of silently applying it: a plain `NO` stays
`Scalar("NO", "bool")` and each field decides whether that is acceptable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - libyaml is missing only on unusual builds
    from yaml import SafeLoader as _SafeLoader

from signalbrief.discovery import MAX_FILE_BYTES, read_limited
from signalbrief.errors import InvalidInput, Location, Problem, error
from signalbrief.values import MachineText, Path_, Scalar, dotted

MAX_DEPTH = 32
TOO_DEEP = f"nesting is deeper than {MAX_DEPTH} levels"
MT_TAG = "!mt"
_CORE = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP, _MERGE = (f"{_CORE}{name}" for name in ("str", "seq", "map", "merge"))
_SCALAR_KINDS = {f"{_CORE}{kind}": kind for kind in ("bool", "int", "float", "null", "timestamp")}
# libyaml recurses while composing nested flow collections; tens of thousands of levels crash
# versions without a nesting limit, so files with many brackets have their depth checked on the event
# stream first. (Recent versions refuse 1,000 levels of any kind themselves; see _too_deep_before.)
_BRACKETS_BEFORE_DEPTH_CHECK = 1000
# Characters no text may hold: C0 controls (tab and line breaks aside), DEL, C1 controls and the two
# noncharacters XML cannot carry; one of them would make every Atom feed unreadable. Written as they
# are, the parser refuses them (then the message is ours); escaped in a double-quoted scalar, the
# builder does. A carriage return is a line break in the file, but in a value (only a "\r" escape
# puts it there) it is not.
_CONTROL_IN_FILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROL_IN_VALUE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_NAMED_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "r": "\r", "v": "\v", "N": "\x85"}
# The safe loader's implicit resolvers by a scalar's first character (its wildcard ones appended).
_WILDCARD = tuple(_SafeLoader.yaml_implicit_resolvers.get(None, ()))
_IMPLICIT = {c: (*found, *_WILDCARD) for c, found in _SafeLoader.yaml_implicit_resolvers.items() if c is not None}


class _Loader(_SafeLoader):
    """The safe loader, resolving tags as it does in a third less time: it is asked for every node
    of every brief, and briefs add no path resolvers, so there is no path to track."""

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, pattern in _IMPLICIT.get(value[:1], _WILDCARD):  # type: ignore[index]
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

@dataclass
class Document:
    """The data of one YAML file, and its node tree, from which any position is read on demand."""

    path: str
    data: object
    root: Node | None = None
    text: str = ""
    # Every string value holding a `[`, with its path, in document order (None: not recorded); citations
    # are looked for in these, so the data is not walked again.
    bracketed: list[tuple[Path_, str]] | None = None

    def forget_nodes(self) -> None:
        """Drop the node tree (the bulk of a document's memory); positions are recomposed if asked for."""
        self.root = None

    def _nodes(self) -> Node | None:
        # Recomposed each time once forgotten (positions are asked for rarely), so never kept twice.
        if self.root is None and self.text:
            return yaml.compose(self.text, Loader=_Loader)
        return self.root

    def _walk(self, path: Path_) -> tuple[list[Node], Node | None]:
        """The value nodes along a field path as far as it exists, and the key node of the last step."""
        root = self._nodes()
        nodes: list[Node] = [] if root is None else [root]
        key_node = None
        for part in path:
            current = nodes[-1] if nodes else None
            key_node, child = None, None
            if isinstance(current, MappingNode):
                for k, v in current.value:
                    if isinstance(k, ScalarNode) and k.value == part:
                        key_node, child = k, v
                        break
            elif isinstance(current, SequenceNode) and isinstance(part, int) and 0 <= part < len(current.value):
                child = current.value[part]
            if child is None:
                return nodes, None
            nodes.append(child)
        return nodes, key_node

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """The position of a field (of its key, with `key=True`), or of the nearest enclosing one."""
        nodes, key_node = self._walk(tuple(path))
        found = key_node if key and key_node is not None and len(nodes) == len(path) + 1 else None
        found = found or (nodes[-1] if nodes else None)
        return _where(self.path, found) if found is not None else Location(self.path, 1, 1)

    def span(self, path: Path_) -> tuple[int, int] | None:
        """Character offsets of a field's value in the file text, if the field exists."""
        nodes, _ = self._walk(tuple(path))
        if len(nodes) != len(path) + 1:
            return None
        return nodes[-1].start_mark.index, nodes[-1].end_mark.index

    def position_at(self, index: int) -> Location:
        """The line and column of a character offset in the file text."""
        return location_at(self.path, self.text, index)

    def is_flow(self, path: Path_) -> bool:
        nodes, _ = self._walk(tuple(path))
        return len(nodes) == len(path) + 1 and bool(getattr(nodes[-1], "flow_style", False))

    def key_position(self, path: Path_) -> tuple[int, int] | None:
        """(line, column) of the key of a field, if it exists."""
        nodes, key_node = self._walk(tuple(path))
        if key_node is None or len(nodes) != len(path) + 1:
            return None
        return _position(key_node)


def load_file(path: Path, shown_as: str | None = None) -> Document:
    """Read and parse one YAML file; raise InvalidInput with positioned problems."""
    shown = shown_as or str(path)
    return load_bytes(read_limited(path, shown), shown)


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
    builder = _Builder(shown, text)
    data = builder.build(root, (), 0)
    if builder.problems:
        raise InvalidInput(builder.problems)
    return Document(shown, data, root, text, builder.bracketed)


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
    if "\x85" in text:  # YAML reads it as a line break, but in a file it is a mis-encoded "…"
        problems.append(error(location_at(shown, text, text.index("\x85")), "", _control_message("\x85")))
    if problems:
        return problems
    brackets = text.count("[") + text.count("{")
    if "&" in text or "*" in text or brackets > _BRACKETS_BEFORE_DEPTH_CHECK:
        problems.extend(_check_events(text, shown))
    return problems


def _check_events(text: str, shown: str) -> list[Problem]:
    problems = []
    try:
        for problem in _event_problems(text, shown):
            problems.append(problem)
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(exc, shown, text))
    return problems


def _event_problems(text: str, shown: str) -> Iterator[Problem]:
    """Anchors, aliases and the first collection nested too deep, from the event stream."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        where = Location(shown, event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, yaml.AliasEvent):
            yield error(where, "", f"alias *{event.anchor} is not allowed; write the value out")
        elif getattr(event, "anchor", None):
            yield error(where, "", f"anchor &{event.anchor} is not allowed; write the value out")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                yield error(where, "", TOO_DEEP)
                return
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _too_deep_before(exc: yaml.YAMLError, shown: str, text: str) -> Problem | None:
    """Our depth refusal, if the text before a parse error already nests too deep.

    libyaml refuses nesting at its own limit (1,000 levels in the one of PyYAML 6.0.4) while scanning
    ahead, before the events of the first levels reach us; the text up to that point holds
    fewer levels than its limit, so parsing it again finds where ours is passed."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None or not 0 < mark.index <= len(text):
        return None
    try:
        for problem in _event_problems(text[: mark.index], shown):
            if problem.message == TOO_DEEP:
                return problem
    except yaml.YAMLError:
        pass  # the cut text ends mid-document; everything before that was read
    return None


def _yaml_problem(exc: yaml.YAMLError, shown: str, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        return _character_problem(exc, shown, text)
    too_deep = _too_deep_before(exc, shown, text)
    if too_deep is not None:
        return too_deep
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = Location(shown, mark.line + 1, mark.column + 1) if mark is not None else Location(shown, 1, 1)
    return error(where, "", f"invalid YAML: {_yaml_message(exc)}{_hint(exc, text)}")


def _character_problem(exc: yaml.reader.ReaderError, shown: str, text: str) -> Problem:
    """A character that YAML does not allow in a file, written as it is."""
    character = chr(exc.character) if isinstance(exc.character, int) else (exc.character or "\0")
    # The parser stops at the first such character; its own offset counts bytes or characters
    # depending on the parser, so the character is found again in the text.
    found = text.find(character)
    where = location_at(shown, text, found) if found >= 0 else Location(shown, 1, 1)
    if _CONTROL_IN_FILE.match(character):
        return error(where, "", _control_message(character))
    return error(where, "", f"invalid YAML: unacceptable character U+{ord(character):04X}: {exc.reason}")


def _hint(exc: yaml.YAMLError, text: str) -> str:
    """The likely cause of a common mistake: `{en: text [1]}`, where `[` starts a list."""
    context, mark = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
    if "flow mapping" in context and mark is not None:
        line = text.splitlines()[mark.line] if mark.line < len(text.splitlines()) else ""
        if "[" in line:
            return "; inside {...} a `[` starts a list: quote the text, like {en: 'Text [1].'}"
    return ""


def _yaml_message(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if not context:
        return problem
    if problem.startswith("but "):
        return f"{context} {problem}"
    return f"{problem} ({context})"


def location_at(shown: str, text: str, index: int) -> Location:
    """The line and column of a character offset in a text."""
    line_start = text.rfind("\n", 0, index) + 1
    return Location(shown, text.count("\n", 0, index) + 1, index - line_start + 1)


def _control_message(character: str) -> str:
    kind = "control character" if ord(character) < 0xA0 else "character"  # else U+FFFE or U+FFFF
    return f"{kind} U+{ord(character):04X} is not allowed; remove it"


def _escape_offset(source: str) -> int:
    """Where the first escape of a control character is in a double-quoted scalar's source."""
    for match in _ESCAPE.finditer(source):
        code = match.group(1)
        character = chr(int(code[1:], 16)) if len(code) > 1 else _NAMED_ESCAPES.get(code, "")
        if character and _CONTROL_IN_VALUE.match(character):
            return match.start()
    return 0


def _first_line(node: MappingNode, key: str) -> int:
    """The line of a mapping's first key `key` (a merge key `<<` is refused, so it is not that one)."""
    first = next(k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == key and k.tag != _MERGE)
    return _position(first)[0]


def _where(shown: str, node: Node) -> Location:
    return Location(shown, *_position(node))


def _position(node: Node) -> tuple[int, int]:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Turn a node tree into plain data, recording positions and collecting problems."""

    def __init__(self, shown: str, text: str):
        self.shown, self.text = shown, text
        # Only an escape puts a control character in a double-quoted scalar: without a backslash in
        # the file, such scalars need no look.
        self.escaped = "\\" in text
        self.problems: list[Problem] = []
        self.bracketed: list[tuple[Path_, str]] = []

    def build(self, node: Node, path: Path_, depth: int) -> object:
        if depth > MAX_DEPTH:
            self._fail(_where(self.shown, node), path, TOO_DEEP)
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
        plain_depth = depth + 1 <= MAX_DEPTH
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._fail(_where(self.shown, key_node), path, "a key must be a plain name, not a list or mapping")
                continue
            key = key_node.value
            if self.escaped and key_node.style == '"' and self._has_control(key_node, path):
                continue
            if key_node.tag == _MERGE:
                self._fail(_where(self.shown, key_node), path, "merge keys (<<) are not allowed; write the fields out")
                continue
            if key in data:
                message = f"duplicate key (first written at line {_first_line(node, key)})"
                self._fail(_where(self.shown, key_node), (*path, key), message)
                continue
            plain_text = plain_depth and value_node.tag == _STR and type(value_node) is ScalarNode
            if plain_text and not (self.escaped and value_node.style == '"'):
                data[key] = value = value_node.value  # most values: text that needs no other check
                if "[" in value:
                    self.bracketed.append(((*path, key), value))
            else:
                data[key] = self.build(value_node, (*path, key), depth + 1)
        return data

    def _scalar(self, node: ScalarNode, path: Path_) -> object:
        if self.escaped and node.style == '"' and self._has_control(node, path):
            return None
        if node.tag == _STR:
            value = node.value
        elif node.tag == MT_TAG:
            value = MachineText(node.value)
        else:
            return self._typed(node, path)
        if "[" in value:
            self.bracketed.append((path, value))
        return value

    def _typed(self, node: ScalarNode, path: Path_) -> object:
        kind = _SCALAR_KINDS.get(node.tag)
        if kind is None:
            return self._bad_tag(node, path)
        return Scalar(node.value, kind)

    def _has_control(self, node: ScalarNode, path: Path_) -> bool:
        """Refuse a control character that an escape put in a double-quoted scalar, at the escape."""
        # Written as they are, control characters are refused by the parser (see _character_problem).
        found = _CONTROL_IN_VALUE.search(node.value)
        if found is None:
            return False
        start, end = node.start_mark.index, node.end_mark.index
        where = location_at(self.shown, self.text, start + _escape_offset(self.text[start:end]))
        self._fail(where, path, _control_message(found.group()))
        return True

    def _bad_tag(self, node: Node, path: Path_) -> None:
        allowed = f"only {MT_TAG} (machine translation) is used in briefs"
        self._fail(_where(self.shown, node), path, f"tag {node.tag} is not supported; {allowed}")
        return None

    def _fail(self, where: Location, path: Path_, message: str) -> None:
        self.problems.append(error(where, dotted(path), message))
