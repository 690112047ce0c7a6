"""What a build can take from the previous one: content hashes of its inputs, kept in `.signalbrief/`.

Each brief's pages in each edition are keyed by a hash of everything they are rendered from (the
brief with its translations, the titles of its see-also targets, the theme and templates, the
config, the options). When the key is unchanged and the previous output still holds the files
exactly as written (same size and modification time), they are hard-linked into the new build
instead of being rendered again. When no input at all changed, the build does nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from signalbrief import __version__
from signalbrief.errors import OutputError
from signalbrief.writer import MARKER, write_atomic

STATE_DIR = Path(".signalbrief")


@dataclass
class BuildState:
    """The previous build of one output folder: its overall key, and per step the files it wrote."""

    inputs: str = ""
    steps: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[int]] = field(default_factory=dict)  # path -> [size, mtime_ns]
    briefs: int = 0


def state_file(root: Path, target: Path) -> Path:
    name = hashlib.sha256(str(target.absolute()).encode()).hexdigest()[:16]
    return root / STATE_DIR / f"build-{name}.json"


def load_state(root: Path, target: Path) -> BuildState:
    try:
        data = json.loads(state_file(root, target).read_text(encoding="utf-8"))
        return BuildState(data["inputs"], data["steps"], data["files"], data["briefs"])
    except (OSError, ValueError, KeyError, TypeError):
        return BuildState()


def save_state(root: Path, target: Path, state: BuildState, written: set[str]) -> None:
    """Record what the committed build wrote, with each file's size and modification time.

    The state is a cache: if it cannot be written, the next build simply renders everything."""
    try:
        for relative in written:
            info = os.stat(target / relative)
            state.files[relative] = [info.st_size, info.st_mtime_ns]
        data = {"inputs": state.inputs, "steps": state.steps, "files": state.files, "briefs": state.briefs}
        write_atomic(state_file(root, target), json.dumps(data, sort_keys=True).encode("utf-8"))
    except (OSError, OutputError):
        pass


def untouched(state: BuildState, target: Path) -> bool:
    """Whether the output folder still holds exactly the files the recorded build wrote."""
    if not state.files or not (target / MARKER).is_file():
        return False
    return all(_same(target / relative, stamp) for relative, stamp in state.files.items())


def _same(path: Path, stamp: list[int]) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return [info.st_size, info.st_mtime_ns] == stamp


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


def reusable(state: BuildState, target: Path, key: str) -> list[str] | None:
    """The previous output's files of a step, if its key is unchanged and the files are untouched."""
    paths = state.steps.get(key)
    if paths is None:
        return None
    if all(_same(target / relative, state.files.get(relative, [])) for relative in paths):
        return paths
    return None
