"""One shape for every cache signalbrief keeps between runs, and one stable hash for their keys.

A cache file is a head line of JSON naming the signalbrief version, the cache's namespace, the
packing of its entries and its context key (a hash of everything its entries depend on besides
their own keys), then frames: the entries, some hundred to a frame, then an end frame with their
count. A frame is its length, a hash of its bytes and a value in Python's `marshal` packing (plain
values only: read and written some five times faster than JSON, which was a tenth of a build that
edits one brief); a frame is unpacked only once its hash matches, so damaged bytes are never given
to `marshal`. A file of another version or namespace, of the wrong shape, or cut short is ignored
with one warning line naming it; a file written for another context or packing is simply not used.
Files are written through the writer's atomic path as the entries come, and read a frame at a
time, so a large cache file is never held in memory whole.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import enum
import gc
import itertools
import json
import marshal
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path, PurePath
from typing import Any, BinaryIO, TypeVar

try:  # hashlib's own blake2b, without hashlib loading OpenSSL (4 ms of a build that finds nothing changed)
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b

from signalbrief import __version__
from signalbrief.errors import OutputError
from signalbrief.writer import AtomicFile

BATCH = 500  # entries to a frame
FRAME_BATCH = 32  # entries to a frame in a file whose unchanged frames are copied (see `Cache.save_all`)
# How entries are packed: a file of another packing (or another `marshal` version) is not used.
PACKING = f"marshal {marshal.version}"
_FRAME_HEAD = 20  # a frame's length (4 bytes, little-endian) and the hash of its bytes (16)
# A file's (or folder's) time stamp is trusted as a cache's key only once it is this old: a write within
# the same tick of the file system's clock, at the same size, would otherwise keep it.
SETTLED_NS = 2_000_000_000
_END = "end"
_NONE, _GONE = object(), object()  # no entry given, no entry read
DAMAGED = "damaged (unexpected content)"
T = TypeVar("T")


@cache
def code_stamp() -> str:
    """A hash of signalbrief's own Python files by name, size and time stamp."""
    found: list[tuple[str, int, int]] = []
    _python_files(str(Path(__file__).parent), "", found)
    return stable_hash(sorted(found))


def _python_files(folder: str, relative: str, found: list[tuple[str, int, int]]) -> None:
    """Each `.py` file under a folder, at any depth, as (its path relative to the top, its size, its
    time stamp): a walk of the folder entries (a `Path.rglob` was a millisecond more of every run)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            name = f"{relative}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                _python_files(entry.path, f"{name}/", found)
            elif entry.name.endswith(".py") and entry.is_file():
                info = entry.stat()
                found.append((name, info.st_size, info.st_mtime_ns))


def stable_hash(*parts: object) -> str:
    """A hash of plain values, the same in every process and on every machine: bytes are hashed as
    they are, anything else as canonical JSON (dates, paths, sets and dataclasses included);
    anything else, whose only text would be its `repr`, is refused with TypeError."""
    # Framed so that no two sequences of parts hash alike: each bytes part on its own, each run of
    # other parts as one JSON array.
    hasher = blake2b(digest_size=16)
    for raw, run in itertools.groupby(parts, key=_is_bytes):
        for data in run if raw else [_canonical(list(run)).encode("utf-8")]:
            hasher.update(b"%s%d:" % (b"b" if raw else b"j", len(data)))
            hasher.update(data)
    return hasher.hexdigest()


def plain_hash(value: object) -> str:
    """A hash of a plain value, the same in every process: str, int, float, bool, None, and tuples,
    lists and dicts of them (a dict's order counts; never a set, whose order differs between
    processes). Some four times faster than `stable_hash`, for the keys a build makes for every brief
    (an edit's build makes a thousand to find the one that changed). A value marshal does not pack
    (a subclass, such as a `Markup` text) is hashed by `stable_hash`."""
    # marshal's first version packs every value by its type and content alone: the later ones refer
    # back to an object seen before and mark interned strings, which differ between processes.
    try:
        return blake2b(b"m" + marshal.dumps(value, 0), digest_size=16).hexdigest()
    except ValueError:
        return stable_hash(value)


def card_key(card: list) -> str:
    """A short hash of a brief's card as plain values (`Card.plain`): what lists and other briefs'
    see-also blocks show of it, so the files showing it are rendered again when it changes."""
    return plain_hash(card)[:16]


def _is_bytes(part: object) -> bool:
    return isinstance(part, bytes)


def _plain(value: object) -> object:
    """The plain value JSON writes for an object it does not know; TypeError where there is none."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return [type(value).__qualname__, fields]
    model_fields = getattr(type(value), "model_fields", None)  # a pydantic model
    if isinstance(model_fields, dict):
        return [type(value).__qualname__, {name: getattr(value, name) for name in model_fields}]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, set | frozenset):
        return {"set": sorted(_canonical(item) for item in value)}
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot hash a {type(value).__name__}: give plain values, not objects")


_canonical = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, default=_plain
).encode


class Cache:
    """Entries by key, kept in one file between runs, valid for one namespace and one context key.

    `load` reads the file once; `put` adds an entry to the file `save` puts in place of it (entries
    are written as they come); `damaged` is for a caller that finds an entry it cannot use."""

    def __init__(self, path: Path, namespace: str, context: str, *, copies_frames: bool = False):
        self.path, self.namespace, self.context = path, namespace, context
        # With `copies_frames`, the frames read are kept, so `save_all` copies those whose entries are
        # unchanged rather than packing every entry again (an edit changes one of a thousand).
        self._frames: list[tuple[bytes, list[str]]] | None = [] if copies_frames else None
        self._entries: dict[str, Any] | None = None
        self._holds: str | None = None  # the context whose entries the file holds as loaded
        self._out: AtomicFile | None = None
        self._batch: dict[str, Any] = {}
        self._count = 0
        self._failed = False
        self._warned = False

    @property
    def context(self) -> str:
        return self._context

    @context.setter
    def context(self, context: str) -> None:
        # The code is part of every context: a cache written by other code of the same version (a
        # development checkout between releases) is not used, rather than replayed.
        self._context = stable_hash(context, code_stamp())

    def load(self) -> dict[str, Any]:
        """The entries of the file: empty when it is missing, of another context, or unusable."""
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def take(self, key: str) -> Any:
        """An entry handed over: it is no longer held here (`put` it to keep it)."""
        return self.load().pop(key, None)

    def decoded(self, decode: Callable[[], T]) -> T | None:
        """What `decode()` makes of entries; None (with the warning) where they have the wrong shape."""
        try:
            return decode()
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            self.damaged()
            return None

    def put(self, key: str, value: object) -> None:
        """Add an entry (plain JSON values) to the file the next `save` puts in place."""
        if self._failed:
            return
        self._batch[key] = value
        if len(self._batch) >= (BATCH if self._frames is None else FRAME_BATCH):
            self._flush()

    def save(self) -> None:
        """Put the entries given since the last save in place of the file. A cache: when it cannot
        be written, the old file stays or none does, and the next run does the work again."""
        if not self._failed:
            self._flush()
            self._write([_END, self._count])
        if self._out is not None:
            with contextlib.suppress(OutputError):
                self._out.commit()
        self._out, self._count, self._failed = None, 0, False
        if self._frames:
            self._frames = []  # the file's frames are now others

    def save_all(self, entries: dict[str, Any], encode: Callable[[Any], object] = lambda value: value) -> None:
        """Save exactly these entries (each `encode`d as it is written), unless they are the very
        entries loaded from a file written for the same context."""
        if self._holds_already(entries):
            return
        copied = self._copy_unchanged(entries)
        for key, value in entries.items():
            if key not in copied:
                self.put(key, encode(value))
        self.save()

    def _copy_unchanged(self, entries: dict[str, Any]) -> set[str]:
        """Write each frame read whose entries are all among `entries`, as the very objects read from
        it (so unchanged: the file was written for this context); return the keys written."""
        known = self._entries
        if self._frames is None or self._holds != self.context or known is None:
            return set()
        copied: set[str] = set()
        for packed, keys in self._frames:
            if all(entries.get(key, _NONE) is known.get(key, _GONE) for key in keys):
                self._emit(packed)
                self._count += len(keys)
                copied.update(keys)
        return copied

    def _holds_already(self, entries: dict[str, Any]) -> bool:
        known = self._entries
        if self._holds != self.context or known is None or entries.keys() != known.keys():
            return False
        return all(known[key] is value for key, value in entries.items())

    def discard(self) -> None:
        """Drop what was put since the last save; the file stays as it was."""
        if self._out is not None:
            self._out.discard()
        self._out, self._batch, self._count, self._failed = None, {}, 0, False

    def damaged(self, why: str = DAMAGED) -> None:
        """Say once that the file cannot be used (the caller does the work it would have saved)."""
        self._holds = None
        if not self._warned:
            self._warned = True
            cache_ignored(self.path, why)

    def _flush(self) -> None:
        if self._batch:
            self._write(self._batch)
            self._count += len(self._batch)
            self._batch = {}

    def _write(self, value: object) -> None:
        self._emit(frame(value))

    def _emit(self, packed: bytes) -> None:
        """Write a frame, after the file's head if it is the first."""
        if self._failed:
            return
        try:
            if self._out is None:
                self._out = AtomicFile(self.path, durable=False)  # a torn file is found and ignored
                head = {"version": __version__, "namespace": self.namespace, "packing": PACKING}
                self._out.write(json_line({**head, "context": self.context}))
            self._out.write(packed)
        except OutputError:
            self.discard()
            self._failed = True

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as file:
                try:
                    head = json.loads(file.readline() or b"null")
                except ValueError:
                    self.damaged("damaged (not JSON)")
                    return {}
                why = self._refused(head)
                if why is not None:
                    self.damaged(why)
                elif head["context"] == self.context and head.get("packing") == PACKING:
                    return self._body(file)
                return {}
        except FileNotFoundError:
            self._holds = self.context
        except OSError as exc:
            self.damaged(f"cannot be read ({exc.strerror or exc})")
        return {}

    def _refused(self, head: object) -> str | None:
        """Why a file's head rules it out; None when it is a sound head of this cache."""
        if not isinstance(head, dict):
            return "damaged (not a JSON object)"
        if head.get("version") != __version__:
            return "written by another signalbrief version"
        if head.get("namespace") != self.namespace or not isinstance(head.get("context"), str):
            return f"damaged (not a {self.namespace} cache)"
        return None

    def _body(self, file: BinaryIO) -> dict[str, Any]:
        entries: dict[str, Any] = {}
        count, ended = 0, False
        try:
            for packed, batch in frames(file, os.fstat(file.fileno()).st_size):
                if ended or not isinstance(batch, dict | list):
                    return self._unusable(DAMAGED)
                if isinstance(batch, list):
                    ended = batch == [_END, count]
                    if not ended:
                        return self._unusable(DAMAGED)
                    continue
                entries.update(batch)
                count += len(batch)
                if self._frames is not None:
                    self._frames.append((packed, list(batch)))
        except ValueError as exc:
            return self._unusable(f"damaged ({exc})")
        if not ended:
            return self._unusable("damaged (incomplete)")
        self._holds = self.context
        return entries

    def _unusable(self, why: str) -> dict[str, Any]:
        self.damaged(why)
        return {}


def frame(value: object) -> bytes:
    """A frame of a cache file: its length, the hash of its bytes and `value` packed by `marshal`.
    Values are plain (dict, list, str, int, float, bool, None); a subclass of one (a `Markup` text)
    is written as the plain value JSON would write (TypeError for anything JSON would not write)."""
    try:
        packed = marshal.dumps(value)
    except ValueError:  # an object marshal does not pack
        packed = marshal.dumps(json.loads(json.dumps(value, ensure_ascii=False)))
    return len(packed).to_bytes(4, "little") + blake2b(packed, digest_size=16).digest() + packed


def frames(file: BinaryIO, size: int) -> Iterator[tuple[bytes, object]]:
    """Each frame of a binary stream of `size` bytes, from where it stands to its end, as (its bytes,
    its value), one at a time (a large cache is never read whole); ValueError at the first frame cut
    short or whose bytes do not match their hash (those are never unpacked, nor is a length that
    would reach past the end read)."""
    left = size - file.tell()
    while head := file.read(_FRAME_HEAD):
        length = int.from_bytes(head[:4], "little")
        left -= len(head) + length
        if len(head) < _FRAME_HEAD or left < 0:
            raise ValueError("incomplete")
        packed = file.read(length)
        if len(packed) < length:
            raise ValueError("incomplete")
        if blake2b(packed, digest_size=16).digest() != head[4:]:
            raise ValueError("unexpected content")
        try:
            value = marshal.loads(packed)
        except (EOFError, ValueError, TypeError):
            raise ValueError("unexpected content") from None
        yield head + packed, value


def json_line(value: object) -> bytes:
    """A line of JSON: a cache file's head, a worker's fragments handed over."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def user_cache_file(name: str) -> Path | None:
    """A file of signalbrief's in the user's cache folder (`$XDG_CACHE_HOME/signalbrief/` if that is an
    absolute path, else `~/.cache/signalbrief/`); None where there is no home folder to keep it in."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):  # no home folder known: nothing is kept
            return None
    return Path(base) / "signalbrief" / name


def read_kept(file: Path) -> object:
    """The value a file of the user's cache holds as `keep` wrote it; None where it is missing or its
    bytes do not match their hash."""
    try:
        with open(file, "rb") as kept:
            found = next(frames(kept, os.fstat(kept.fileno()).st_size), None)
    except (OSError, ValueError):
        return None
    return None if found is None else found[1]


def keep(file: Path, value: object) -> None:
    """Put a plain value in a file of the user's cache, as one frame; where it cannot be written, the
    next run does the work again."""
    with contextlib.suppress(OutputError):
        out = AtomicFile(file, durable=False)
        out.write(frame(value))
        out.commit()


class Remembered:
    """Texts that a library makes from its own data (Babel: a date written out in a locale), kept
    between runs in one file of the user's cache folder for the library's `version` (or what a function
    of no arguments gives, asked once the file is named): a run that finds
    every text it asks for there never loads that data (Babel's locale data is some 20 ms of an edit's
    build). Texts are added as they are made; `save` writes the file where this run added any."""

    def __init__(self, name: str, version: str | Callable[[], str]):
        self.name, self.version = name, version  # a function: asked once a file is named
        self._texts: dict[str, str] | None = None
        self._added = False

    def text(self, key: str, make: Callable[[], str]) -> str:
        texts = self._known()
        found = texts.get(key)
        if found is None:
            found = texts[key] = make()
            self._added = True
        return found

    def save(self) -> None:
        if not self._added:
            return
        file = self._file()
        if file is not None:
            keep(file, self._texts)
        self._added = False

    def _known(self) -> dict[str, str]:
        if self._texts is None:
            file = self._file()
            found = read_kept(file) if file is not None else None
            whole = type(found) is dict and set(map(type, [*found, *found.values()])) <= {str}
            self._texts = found if whole else {}  # type: ignore[assignment]  # checked: text by text
        return self._texts  # type: ignore[return-value]

    def _file(self) -> Path | None:
        version = self.version() if callable(self.version) else self.version
        return user_cache_file(f"{self.name}-{stable_hash(version, code_stamp())[:24]}.json")


def cache_ignored(path: Path, why: str) -> None:
    """Say in one line that a cache file is not used (the run then does the work it would have saved)."""
    print(f"{_shown(path)}: warning: {why}; ignored", file=sys.stderr, flush=True)


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.absolute().relative_to(Path.cwd()))
    return str(path)


def json_text(value: object) -> str:
    """A string read back from a cache (TypeError for anything else)."""
    if not isinstance(value, str):
        raise TypeError("text expected")
    return value


def json_path(value: object) -> tuple[str | int, ...]:
    """A field path read back from a cache: a list of keys and indexes."""
    if type(value) is not list or not set(map(type, value)) <= _PATH_PARTS:  # one pass over the types: no bool
        raise TypeError("field path")
    return tuple(value)


_PATH_PARTS = {str, int}


@contextmanager
def without_gc_pauses() -> Iterator[None]:
    """Parsing makes many short-lived, acyclic objects; reference counting frees them all, and
    the cycle collector's passes over them cost a quarter of validation time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
