"""Find the publication a command works on: like git, the nearest folder up that holds one."""

from __future__ import annotations

from pathlib import Path

# The same names as config.CONFIG_FILE and validate.BRIEFS_DIR, kept here because importing those
# modules costs most of the command line's startup (pydantic, yaml).
CONFIG_FILE = "signalbrief.yaml"
BRIEFS_DIR = "briefs"


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
