"""What a build can take from the previous one: content hashes of its inputs, kept in `.signalbrief/`.

Each brief's pages in each edition (and each edition's index pages, feeds and sitemap) are a step
keyed by a hash of everything they are rendered from (the brief file with its translations, the
titles of its see-also targets, the theme and templates, the config, the options). A step whose key
is unchanged, and whose files the previous output still holds exactly as written (same size and
modification time), is not rendered again. When no input at all changed, the build does nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

from signalbrief import __version__
from signalbrief.errors import OutputError
from signalbrief.writer import MARKER, Pairs, Tree, inside, same_stamp, write_json

STATE_DIR = Path(".signalbrief")


@dataclass
class BuildState:
    """The previous build of one output folder: its overall key, what the output folder holds, and
    what the spare folder beside it (the output the build before replaced) holds."""

    inputs: str = ""
    briefs: int = 0
    live: Tree = field(default_factory=Tree)
    spare: Tree = field(default_factory=Tree)


def state_file(work: Path, spare: bool = False) -> Path:
    """The state of an output's build, kept in its work folder beside the spare it describes."""
    return work / ("state.spare.json" if spare else "state.json")


def load_state(work: Path) -> BuildState:
    state = BuildState()
    data = read_cache(state_file(work))
    if data is not None:
        state = decoded(state_file(work), lambda: _state(data)) or state
    if state.live.files:
        spare = read_cache(state_file(work, spare=True))
        if spare is not None:
            state.spare = decoded(state_file(work, spare=True), lambda: _tree(spare["tree"])) or Tree()
    return state


def _state(data: dict) -> BuildState:
    inputs, briefs = data["inputs"], data["briefs"]
    if not isinstance(inputs, str) or not isinstance(briefs, int) or isinstance(briefs, bool):
        raise TypeError("inputs or briefs")
    return BuildState(inputs, briefs, _tree(data["tree"]))


def fragments_file(work: Path) -> Path:
    return work / "fragments.json"


def read_cache(path: Path) -> dict | None:
    """A cache file's content; None when it is missing, or (with a warning) damaged or written by
    another signalbrief version: caches are never trusted to be well-formed."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except OSError as exc:
        return cache_ignored(path, f"cannot be read ({exc.strerror or exc})")
    except ValueError:
        return cache_ignored(path, "damaged (not JSON)")
    return _checked_version(path, data)


def _checked_version(path: Path, data: object) -> dict | None:
    if not isinstance(data, dict):
        return cache_ignored(path, "damaged (not a JSON object)")
    if data.get("version") != __version__:
        return cache_ignored(path, "written by another signalbrief version")
    return data


def decoded(path: Path, decode: Any) -> Any:
    """What `decode()` makes of a cache file's content; None (with a warning) when it has the wrong shape."""
    try:
        return decode()
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return cache_ignored(path, DAMAGED)


class Damage:
    """Says once that a cache file holds unexpected content (called for each entry found damaged)."""

    def __init__(self, path: Path):
        self.path, self.said = path, False

    def __call__(self) -> None:
        if not self.said:
            self.said = True
            cache_ignored(self.path, DAMAGED)


DAMAGED = "damaged (unexpected content)"


def cache_ignored(path: Path, why: str) -> None:
    """Say in one line that a cache file is not used (the build then does the work it would have saved)."""
    print(f"{_shown(path)}: warning: {why}; ignored", file=sys.stderr, flush=True)


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.absolute().relative_to(Path.cwd()))
    return str(path)


class Fragments:
    """Rendered pieces of the list pages (a brief's row on an index page, its entry in a feed), kept
    between builds by a hash of what each is rendered from, so a changed title re-renders one row of
    each list, not every row. Read only when a list is rendered, written as they are used (a JSON line
    per list, so they are never all in memory); anything unreadable in the file is ignored."""

    def __init__(self, path: Path, base: str):
        self.path, self.base = path, base
        self.known: dict[str, str] | None = None
        self.made = 0  # how many this build rendered
        self._out: IO[str] | None = None
        self._temp = ""

    def take(self, key: str) -> str | None:
        """A fragment of the last build (handed over: the caller keeps it with `keep`)."""
        if self.known is None:
            self.known = self._read()
        return self.known.pop(key, None)

    def keep(self, fragments: dict[str, str], made: int) -> None:
        """Write the fragments of one list (`made` of them rendered by this build)."""
        self.made += made
        try:
            if self._out is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, self._temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
                self._out = os.fdopen(fd, "w", encoding="utf-8")
                self._out.write(json.dumps({"version": __version__, "base": self.base}) + "\n")
            self._out.write(json.dumps(fragments, ensure_ascii=False) + "\n")
        except OSError:
            self.discard()  # a cache: the next build renders the lists again

    def save(self) -> None:
        """Put the fragments this build used in place of the last build's."""
        if self._out is not None:
            try:
                self._out.close()
                os.replace(self._temp, self.path)
                self._out = None
            except OSError:
                self.discard()

    def discard(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
            Path(self._temp).unlink(missing_ok=True)

    def _read(self) -> dict[str, str]:
        try:
            with open(self.path, encoding="utf-8") as lines:
                head = _checked_version(self.path, json.loads(next(lines, "{}")))
                if head is None or head.get("base") != self.base:
                    return {}
                return decoded(self.path, lambda: _fragments(lines)) or {}
        except FileNotFoundError:
            return {}
        except OSError as exc:
            cache_ignored(self.path, f"cannot be read ({exc.strerror or exc})")
        except ValueError:
            cache_ignored(self.path, "damaged (not JSON)")
        return {}


def _fragments(lines: IO[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        fragments = json.loads(line)
        if not all(isinstance(text, str) for text in fragments.values()):
            raise TypeError("fragment")
        found.update(fragments)
    return found


def _plain(tree: Tree) -> dict:
    """A tree for JSON: each step's files with their stamps (so no path is stored twice)."""
    files = tree.files
    steps = Pairs(lambda: ((key, [[path, files[path]] for path in paths]) for key, paths in tree.steps.items()))
    return {"steps": steps, "folders": tree.folders}


def _tree(data: dict) -> Tree:
    """A tree read back; ValueError if any path in it would lead outside the output folder (the
    build removes files of the spare that it does not write: it must never be pointed elsewhere),
    TypeError where anything has the wrong type."""
    folders, steps = data["folders"], data["steps"]
    if not isinstance(folders, dict) or not isinstance(steps, dict):
        raise TypeError("folders or steps")
    tree = Tree(folders={folder: int(stamp) for folder, stamp in folders.items()})
    for key, files in steps.items():
        if not isinstance(files, list):
            raise TypeError("files")
        tree.steps[key] = [path for path, _ in files]
        tree.files.update((path, int(stamp)) for path, stamp in files)
    if not all(isinstance(path, str) and inside(path) for path in tree.files):
        raise ValueError("a path outside the output folder")
    if not all(inside(folder) for folder in tree.folders if folder):
        raise ValueError("a folder outside the output folder")
    return tree


def retire_state(work: Path, known: bool) -> None:
    """Just before the output is swapped: what the output holds is what the spare will hold, and
    nothing describes the new output until `save_state` (a build killed between the two leaves a
    state that renders everything, never one that trusts the wrong files). When the output's state
    was not `known` (missing or damaged), the spare's is unknown too."""
    try:
        if not known:
            raise FileNotFoundError
        os.replace(state_file(work), state_file(work, spare=True))
    except OSError:
        state_file(work).unlink(missing_ok=True)
        state_file(work, spare=True).unlink(missing_ok=True)


def save_state(work: Path, state: BuildState, spared: bool) -> None:
    """Record what the committed build wrote. The state is a cache: if it cannot be written, the
    next build simply renders everything."""
    data = {"version": __version__, "inputs": state.inputs, "briefs": state.briefs, "tree": _plain(state.live)}
    with contextlib.suppress(OutputError, OSError):
        if not spared:
            state_file(work, spare=True).unlink(missing_ok=True)
        write_json(state_file(work), data)


def forget_old_states(cache: Path) -> None:
    """Remove the state files older versions kept in the cache folder for every output ever built
    (now each output's state lives in its work folder, and goes with it)."""
    for old in cache.glob("build-*.json"):
        old.unlink(missing_ok=True)


def untouched(state: BuildState, target: Path) -> bool:
    """Whether the output folder still holds exactly the files the recorded build wrote."""
    if not state.live.files or not (target / MARKER).is_file():
        return False
    folder = str(target)
    return all(same_stamp(f"{folder}/{relative}", stamp) for relative, stamp in state.live.files.items())


def digest(*parts: object) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def folder_digest(folder: Path) -> str:
    """A hash of every file's name and content under a folder (templates, the theme)."""
    if not folder.is_dir():
        return ""
    return digest(*[(str(p.relative_to(folder)), p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()])


@cache
def theme_digest() -> str:
    return digest(__version__, folder_digest(Path(str(resources.files("signalbrief").joinpath("theme")))))
