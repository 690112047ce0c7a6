"""Which plugins are installed, remembered between runs of the `signalbrief` program.

Finding them asks importlib.metadata, which imports the email parser and reads every installed
package's metadata (some 20 ms for a venv of 60 packages: a tenth of a build that finds nothing
changed). The answer is kept in the user's cache folder, one file per Python environment, valid
while every folder on `sys.path` holds the packages' metadata folders it held, with their time
stamps (and Python's and signalbrief's versions are the same): installing, upgrading or removing a
package adds, renames or removes its `.dist-info` folder. Folders without packages (the publication
folder `python -m` puts on the path, one for each publication) are left out. Other files in those
folders are not looked at: `python -m signalbrief` puts the folder it runs in on `sys.path`, and a
build there changes that folder (its output is swapped in) every time. A file that cannot be read,
or was written for other folders, is simply asked again and written anew.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

from signalbrief import __version__
from signalbrief.cache import SETTLED_NS, stable_hash, user_cache_file
from signalbrief.errors import OutputError
from signalbrief.plugins import from_metadata
from signalbrief.writer import write_atomic

_METADATA = (".dist-info", ".egg-info")  # what importlib.metadata reads a package's entry points from


def remembered(group: str) -> list[tuple[str, str]]:
    """The entry points of a group (see `plugins.from_metadata`), remembered while the folders hold."""
    file = _cache_file()
    if file is None:
        return from_metadata(group)
    # Only the folders that hold packages: `python -m signalbrief` puts the folder it runs in first on
    # the path, another for each publication, and one without packages changes nothing found.
    folders = [(folder, packages) for folder in sys.path if (packages := _packages(folder))]
    key = stable_hash(group, sys.version, __version__, folders)
    found = _read(file, key)
    if found is None:
        found = from_metadata(group)
        settled = time.time_ns() - SETTLED_NS
        if all(stamp < settled for _, packages in folders for _, stamp in packages):
            text = json.dumps({"key": key, "entry_points": found}, ensure_ascii=False)
            with contextlib.suppress(OutputError):  # a cache: without it, the next run asks again
                write_atomic(file, text.encode("utf-8"))
    return found


def _cache_file() -> Path | None:
    """This environment's file in the user's cache folder; None where there is no home folder."""
    return user_cache_file(f"plugins-{stable_hash(sys.prefix, sys.executable)[:16]}.json")


def _packages(folder: str) -> list[tuple[str, int]] | None:
    """The metadata folders (and files) of the packages in a folder of `sys.path`, each with its time
    stamp; a zip file's own name and time stamp; None where it is missing."""
    try:
        with os.scandir(folder or ".") as entries:
            found = [(e.name, e.stat().st_mtime_ns) for e in entries if e.name.endswith(_METADATA)]
    except NotADirectoryError:
        return [(folder, _stamp(folder))]
    except OSError:
        return None
    return sorted(found)


def _stamp(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _read(file: Path, key: str) -> list[tuple[str, str]] | None:
    """The remembered entry points, if the file holds them for this key; None otherwise."""
    try:
        data = json.loads(file.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(found := data.get("entry_points"), list):
        return None
    if not all(isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair) for pair in found):
        return None
    return [(name, value) for name, value in found]
