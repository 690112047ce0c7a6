"""What a build can take from the previous one: content hashes of its inputs, kept in `.signalbrief/`.

Each brief's pages in each edition (and each edition's index pages, feeds and sitemap) are a step
keyed by a hash of everything they are rendered from (the brief file with its translations, the
titles of its see-also targets, the theme and templates, the config, the options). A step whose key
is unchanged, and whose files the previous output still holds exactly as written (same size and
modification time), is not rendered again. When no input at all changed, the build does nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import BinaryIO

from signalbrief import __version__
from signalbrief.cache import BATCH, Cache, json_line, stable_hash
from signalbrief.writer import MARKER, Tree, files_hold, inside, new_file

STATE_DIR = Path(".signalbrief")
Sources = dict[str, tuple]  # brief file -> (size, mtime, ctime, inode, content hash)


@dataclass
class BuildState:
    """The previous build of one output folder: its overall key, the brief files it read and the files
    the output folder holds (its whole tree, and the spare's, are `load_trees`')."""

    inputs: str = ""
    briefs: int = 0
    live: Tree = field(default_factory=Tree)  # as read: only its files' stamps (see `trees`)
    sources: Sources = field(default_factory=dict)  # the brief files read, by their stamps
    # The rest of the output's tree (its steps and folders) and how the spare's differs are in the
    # trees file written with this state (this names it): read by `load_trees` once a build knows it
    # renders (one that finds nothing changed does not even read the file).
    trees: str = ""


def state_file(work: Path) -> Path:
    """The state of an output's build, kept in its work folder beside the spare it describes."""
    return work / "state.json"


def trees_file(work: Path) -> Path:
    """The rest of the state: the output's steps and folders, and how the spare's tree differs."""
    return work / "trees.json"


# Where earlier versions kept the spare's tree whole: removed by the next build.
_OLD_SPARE_STATE = "state.spare.json"


def _state_cache(work: Path) -> Cache:
    """A build's state as a cache: its inputs key, its count of briefs, the brief files' stamps, its
    tree (each file's stamp, each step's files, each folder's stamp) and how the spare's tree differs."""
    return Cache(state_file(work), "state", "")


def _trees_cache(work: Path, written_with: str) -> Cache:
    """The trees file as a cache whose context is the token of the state it was written with: a trees
    file of any other build (one killed between the two files, say) is not used."""
    return Cache(trees_file(work), "trees", written_with)


def load_state(work: Path) -> BuildState:
    """The previous build of an output: its keys, its brief files' stamps and its files' stamps (the
    rest of its tree, and the spare's, are read by `load_trees`)."""
    live = _state_cache(work)
    return live.decoded(lambda: _state(live.load())) or BuildState()


def load_trees(work: Path, state: BuildState) -> tuple[Tree, Tree]:
    """What the output that `state` describes holds, whole, and what the spare beside it holds: the
    output's tree with the differences the state recorded (an edit's build changes a few files of
    thousands). Each is empty when it is unknown."""
    if not state.live.files or not state.trees:
        return Tree(), Tree()
    trees = _trees_cache(work, state.trees)
    return trees.decoded(lambda: _trees(state.live.files, trees.load())) or (Tree(), Tree())


def _trees(files: dict[str, int], parts: dict) -> tuple[Tree, Tree]:
    """The output's tree and the spare's, from the files' stamps and the trees file as `save_state`
    wrote it (both empty where it is gone or another state's); ValueError or TypeError as `_files`'."""
    if not parts:
        return Tree(), Tree()
    steps, folders = parts["steps"], parts["folders"]
    if type(steps) is not dict or type(folders) is not dict or not _all_of(int, folders.values()):
        raise TypeError("steps or folders")
    if not _all_of(list, steps.values()) or not _all_of(str, *steps.values()):
        raise TypeError("files of a step")
    if not all_inside([folder for folder in folders if folder]):
        raise ValueError("a folder outside the output folder")
    live = Tree(steps, files, folders)  # a step's file not among the files never matches its stamp: rendered again
    return live, Tree() if parts["spare"] is None else _spare_tree(live, parts["spare"])


def _spare_tree(live: Tree, changes: object) -> Tree:
    """The tree `changes` (see `_changes`) make of the output's; ValueError or TypeError as `_files`'."""
    if type(changes) is not dict:
        raise TypeError("the spare's changes")
    files, steps = _changed(live.files, changes["files"]), _changed(live.steps, changes["steps"])
    if "folder_stamps" in changes:  # the output's folders, in its order
        stamps = changes["folder_stamps"]
        if type(stamps) is not list or len(stamps) != len(live.folders):
            raise TypeError("the spare's folders")
        folders = (dict(zip(live.folders, stamps, strict=True)), stamps, [])
    else:
        folders = _changed(live.folders, changes["folders"])
    if not _all_of(int, files[1], folders[1]) or not _all_of(list, steps[1]) or not _all_of(str, *steps[1]):
        raise TypeError("the spare's stamps or steps")
    if not all_inside(files[2]) or not all_inside([folder for folder in folders[2] if folder]):
        raise ValueError("a path outside the output folder")
    return Tree(steps[0], files[0], folders[0])


def _changed(recorded: dict, changes: object) -> tuple[dict, list, list[str]]:
    """`recorded` with `changes` made (a key's value, or None where the key is gone); the new values
    and the keys given them, to be checked."""
    if type(changes) is not dict:
        raise TypeError("the spare's changes")
    result, values, keys = dict(recorded), [], []
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
            values.append(value)
            keys.append(key)
    return result, values, keys


def _spare_record(live: Tree, spare: Tree) -> dict:
    """How the spare's tree differs from the output's (see `_changes`). The spare is another folder,
    so all its folders' stamps differ: where it has the same folders, they are given as one list in
    the order of the output's."""
    record = {part: _changes(getattr(live, part), getattr(spare, part)) for part in ("files", "steps")}
    if spare.folders.keys() == live.folders.keys():
        record["folder_stamps"] = [spare.folders[folder] for folder in live.folders]
    else:
        record["folders"] = _changes(live.folders, spare.folders)
    return record


def _changes(new: dict, old: dict) -> dict:
    """What makes `old` of `new`: each key whose value differs, with its value in `old`, or None
    where `old` has no such key (no value is ever None)."""
    if new == old:  # a spare brought up to date with the output (one comparison in C)
        return {}
    changes = {key: value for key, value in old.items() if new.get(key) != value}
    changes.update(dict.fromkeys(new.keys() - old.keys()))
    return changes


def _state(entries: dict) -> BuildState:
    if not entries:
        return BuildState()
    inputs, briefs = entries["inputs"], entries["briefs"]
    if not isinstance(inputs, str) or not isinstance(briefs, int) or isinstance(briefs, bool):
        raise TypeError("inputs or briefs")
    sources, trees = _sources(entries.get("sources", {})), entries.get("trees", "")
    if type(trees) is not str:
        raise TypeError("trees")
    return BuildState(inputs, briefs, Tree(files=_files(entries)), sources=sources, trees=trees)


def _sources(recorded: object) -> Sources:
    """The brief files' stamps read back; TypeError where one has the wrong shape."""
    if not isinstance(recorded, dict):
        raise TypeError("sources")
    sources = {}
    for path, value in recorded.items():
        if not isinstance(value, list | tuple) or len(value) != 5 or not isinstance(value[4], str):
            raise TypeError("a source's stamp")
        if not all(type(number) is int for number in value[:4]):
            raise TypeError("a source's stamp")
        sources[path] = tuple(value)
    return sources


def fragments_file(work: Path) -> Path:
    return work / "fragments.json"


@dataclass(frozen=True)
class Handed:
    """Fragments a worker process kept: lines `start`..`end` of its `file`, `made` of them rendered."""

    file: str
    start: int
    end: int
    made: int


class Fragments:
    """Rendered pieces of the list pages (a brief's row on an index page, its entry in a feed), kept
    between builds by a hash of what each is rendered from, so a changed title re-renders one row of
    each list, not every row. Read only when a list is rendered, written as they are used (so they
    are never all in memory); anything unreadable in the file is ignored."""

    def __init__(self, path: Path, base: str):
        self.cache = Cache(path, "fragments", base)
        self.made = 0  # how many this build rendered
        self.used = False
        self.kept: set[str] = set()  # the keys kept by this build (two workers may hand one over)
        self.part: BinaryIO | None = None  # in a worker process: its own file of what it kept
        self.part_file = ""
        self.handed = 0  # where in `part` the last hand-over ended

    def take(self, key: str) -> str | None:
        """A fragment of the last build (handed over: the caller keeps it with `keep`)."""
        found = self.cache.take(key)
        if found is not None and not isinstance(found, str):
            self.cache.damaged()
            return None
        return found

    def keep(self, fragments: dict[str, str], made: int) -> None:
        """Write the fragments of one list (`made` of them rendered by this build); in a worker
        process, to its own file, for `handed_over`."""
        self.made += made
        if self.part is not None:
            texts = iter(fragments.items())
            while batch := dict(itertools.islice(texts, BATCH)):
                self.part.write(json_line(batch))  # a Markup row is written as its text
            return
        self.used = True
        for key, text in fragments.items():
            if key not in self.kept:
                self.kept.add(key)
                self.cache.put(key, str(text))

    def hand_over(self, folder: Path) -> None:
        """In a worker process forked by the build: write what is kept to a file of its own in
        `folder`, never to the fragments file (the build's own process reads it with `take_over`,
        a line at a time: a list of 100,000 rows never crosses between processes whole)."""
        descriptor, self.part_file = new_file(str(folder), "fragments-", ".part")
        self.part, self.handed, self.made = os.fdopen(descriptor, "wb"), 0, 0

    def handed_over(self) -> Handed:
        """Where to read what this worker kept since its last hand-over, and how many it rendered."""
        assert self.part is not None, "hand_over() first"
        self.part.flush()
        handed = Handed(self.part_file, self.handed, self.part.tell(), self.made)
        self.handed, self.made = handed.end, 0
        return handed

    def take_over(self, handed: Handed) -> None:
        """Keep what a worker handed over (`handed_over`), one line of its file at a time."""
        self.made += handed.made
        if handed.end == handed.start:
            return
        self.used = True
        with open(handed.file, "rb") as part:
            part.seek(handed.start)
            while part.tell() < handed.end:
                for key, text in json.loads(part.readline()).items():
                    if key not in self.kept:
                        self.kept.add(key)
                        self.cache.put(key, text)

    def save(self) -> None:
        """Put the fragments this build used in place of the last build's (if it rendered any list)."""
        if self.used:
            self.cache.save()
        self.used, self.kept = False, set()

    def discard(self) -> None:
        self.cache.discard()
        self.used, self.kept = False, set()


def _files(entries: dict) -> dict[str, int]:
    """The files' stamps read back; ValueError if any path would lead outside the output folder (the
    build removes files of the spare that it does not write: it must never be pointed elsewhere),
    TypeError where anything has the wrong type."""
    files = entries["files"]
    if type(files) is not dict or not _all_of(int, files.values()):
        raise TypeError("files")
    if not all_inside(list(files)):
        raise ValueError("a path outside the output folder")
    return files


def _all_of(kind: type, *groups: Iterable[object]) -> bool:
    """Whether every value in the groups is exactly of this type (not a subclass: no bool for int)."""
    return set(map(type, itertools.chain(*groups))) <= {kind}


def all_inside(paths: list[str]) -> bool:
    """Whether every path is `inside` the output folder: one pass over their joined text (a state
    holds some 20 paths per brief, and a call per path was a tenth of an incremental build)."""
    if not all(type(path) is str for path in paths):
        return False
    joined = "\n".join(paths)
    if joined.count("\n") != max(0, len(paths) - 1):  # a path holding a line break: check each alone
        return all(inside(path) for path in paths)
    return not paths or inside(joined.replace("\n", "/"))


def retire_state(work: Path) -> None:
    """Just before the output is swapped: from then on the state describes neither the output nor
    the spare until `save_state` (a build killed between the two leaves no state, and the next build
    renders everything, never trusting the wrong files)."""
    for stale in (state_file(work), trees_file(work), work / _OLD_SPARE_STATE):
        with contextlib.suppress(OSError):
            stale.unlink(missing_ok=True)


def save_state(work: Path, state: BuildState, spare: Tree | None) -> None:
    """Record what the committed build wrote, and how the spare it kept (the output it replaced,
    whose tree is `spare`; None when it kept none, or that output's tree was unknown) differs from it.
    The state is a cache: if it cannot be written, the next build simply renders everything."""
    # The rest, which only a build that renders reads, in a file of its own (a build that finds
    # nothing changed reads a third of the bytes), first: a state names the trees file written with it.
    written_with = os.urandom(8).hex()
    trees = _trees_cache(work, written_with)
    trees.put("steps", state.live.steps)
    trees.put("folders", state.live.folders)
    trees.put("spare", _spare_record(state.live, spare) if spare is not None and spare.files else None)
    trees.save()
    out = _state_cache(work)
    out.put("inputs", state.inputs)
    out.put("briefs", state.briefs)
    out.put("sources", state.sources)
    out.put("files", state.live.files)
    out.put("trees", written_with)
    out.save()


def forget_old_states(cache: Path) -> None:
    """Remove the state files older versions kept in the cache folder for every output ever built
    (now each output's state lives in its work folder, and goes with it)."""
    for old in cache.glob("build-*.json"):
        old.unlink(missing_ok=True)


def untouched(state: BuildState, target: Path) -> bool:
    """Whether the output folder still holds exactly the files the recorded build wrote."""
    if not state.live.files or not (target / MARKER).is_file():
        return False
    return files_hold(str(target), state.live.files)


def folder_digest(folder: Path) -> str:
    """A hash of every file's name and content under a folder (templates, the theme)."""
    if not folder.is_dir():
        return ""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    return stable_hash(*[part for p in files for part in (p.relative_to(folder).as_posix(), p.read_bytes())])


@cache
def theme_digest() -> str:
    # The theme's folder beside this file (the digest walks it on disk anyway): importlib.resources'
    # readers import zipfile, and a build that finds nothing changed needs only this hash.
    return stable_hash(__version__, folder_digest(Path(__file__).parent / "theme"))
