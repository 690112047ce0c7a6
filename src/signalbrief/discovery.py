"""Find the publication a command works on: like git, the nearest folder up that holds one."""

from __future__ import annotations

import os
from pathlib import Path

from signalbrief.errors import InvalidInput, Location, error

# The same names as config.CONFIG_FILE, validate.BRIEFS_DIR and render.TEMPLATES_DIR, kept here
# because importing those modules costs most of the command line's startup (pydantic, yaml, Jinja).
CONFIG_FILE = "signalbrief.yaml"
BRIEFS_DIR = "briefs"
TEMPLATES_DIR = "templates"
MAX_FILE_BYTES = 1024 * 1024  # of a brief or config file; here so a build can hash briefs without importing yaml


def read_limited(path: Path, shown: str) -> bytes:
    """A file's bytes, within the size limit; InvalidInput when it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput([error(Location(shown), "", f"file is {size:,} bytes; the limit is 1 MiB")])
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput([error(Location(shown), "", f"cannot read file: {exc.strerror}")]) from None


def is_publication(folder: Path) -> bool:
    """Say whether a folder holds a publication: `signalbrief.yaml` or a `briefs/` folder."""
    return (folder / CONFIG_FILE).is_file() or (folder / BRIEFS_DIR).is_dir()


def find_publication(start: Path) -> Path | None:
    """Return the nearest folder, `start` or one above it, that holds a publication; None if none does."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if is_publication(folder):
            return folder
    return None


def brief_files(folder: Path, links: set[str] | None = None) -> list[str]:
    """Every brief file under a folder, at any depth, in a stable order (hidden files and folders left
    out; links to folders are not followed), as text: `folder/name` (a Path object each is some 8 µs
    a brief, twice in an edit's build). The folder entries say which are files, so a plain file costs
    no `stat` (a build that finds nothing changed stats each brief once, for its stamp). The files
    that are symbolic links are added to `links`, when given (the entries say that too)."""
    found: list[str] = []
    _walk(str(folder), found, links)
    found.sort()
    return found


def _walk(folder: str, found: list[str], links: set[str] | None) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:  # as os.walk: a folder that cannot be listed holds no briefs
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(f"{folder}/{entry.name}", found, links)
        elif entry.name.endswith((".yaml", ".yml")) and entry.is_file():
            found.append(f"{folder}/{entry.name}")
            if links is not None and entry.is_symlink():
                links.add(found[-1])
