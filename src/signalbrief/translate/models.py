"""Argos Translate model packages (`.argosmodel`): install, list, remove, download.

Models live in one folder, one package per sub-folder (`metadata.json`, `model/`,
`sentencepiece.model`): `$SIGNALBRIEF_MODELS` if set, else `$XDG_DATA_HOME/signalbrief/models`
(`~/.local/share/signalbrief/models`). Only `models install en zh` uses the network (download.py).
"""

from __future__ import annotations

import errno
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from signalbrief.errors import OutputError, SignalbriefError, UsageError
from signalbrief.languages import written_codes
from signalbrief.writer import new_folder, remove_tree, replace_folder

if TYPE_CHECKING:
    import zipfile

MAX_PACKAGE_BYTES = 2 * 1024**3
MAX_NAME_BYTES = 255  # the longest file name most file systems take
# zipfile's ZIP_STORED, ZIP_DEFLATED, ZIP_BZIP2 and ZIP_LZMA (zipfile itself is imported to install:
# a build that only lists the installed models does not load it)
_COMPRESSIONS = {0, 8, 12, 14}
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


class ModelError(SignalbriefError):
    """A model package could not be installed, found or downloaded."""


@dataclass(frozen=True)
class ModelInfo:
    """An installed translation package."""

    name: str
    source: str
    target: str
    version: str
    path: Path

    @property
    def id(self) -> str:
        """What the translation memory records as the model of a translation."""
        return f"{self.name}@{self.version}"

    @property
    def direction(self) -> str:
        return f"{self.source}-{self.target}"


def models_dir() -> Path:
    """Where models are installed."""
    if os.environ.get("SIGNALBRIEF_MODELS"):
        return Path(os.environ["SIGNALBRIEF_MODELS"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "signalbrief" / "models"


def installed(folder: Path | None = None) -> list[ModelInfo]:
    """Every valid package in the models folder, by name."""
    folder = folder or models_dir()
    if not folder.is_dir():
        return []
    found = []
    for child in sorted(folder.iterdir()):
        info = _read_package(child)
        if info is not None:
            found.append(info)
    return found


def model_for(source: str, target: str, folder: Path | None = None) -> ModelInfo | None:
    """The installed package for a direction; the highest version wins if there are several."""
    matches = [m for m in installed(folder) if (m.source, m.target) == (source, target)]
    return max(matches, key=lambda m: (version_key(m.version), m.name)) if matches else None


def version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdecimal() and len(part) < 20 else 0 for part in version.split("."))


def _read_package(folder: Path) -> ModelInfo | None:
    if folder.name.startswith("."):
        return None  # an install, removal or download in progress, or one a kill left behind
    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(metadata, dict):
        return None
    source, target = metadata.get("from_code"), metadata.get("to_code")
    if source not in written_codes() or target not in written_codes() or source == target:
        return None
    if not (folder / "model" / "model.bin").is_file() or not (folder / "sentencepiece.model").is_file():
        return None
    return ModelInfo(folder.name, source, target, str(metadata.get("package_version", "0")), folder)


def install_file(archive: Path, folder: Path | None = None) -> ModelInfo:
    """Install a local `.argosmodel` file; an installed package of the same name is replaced.

    The package is unpacked into a hidden folder and renamed into place, so a killed install
    leaves the model absent or complete, never half there."""
    folder = folder or models_dir()
    name = _check_archive(archive)
    staging = hidden_folder(folder, "install")
    try:
        _extract(archive, staging)
        if _read_package(staging / name) is None:
            raise ModelError(
                f"{archive}: not an en/zh translation package (metadata.json, model/, sentencepiece.model)"
            )
        _move_into_place(staging / name, folder / name)
    finally:
        remove_tree(staging)
    return _read_package(folder / name)  # type: ignore[return-value]


def hidden_folder(folder: Path, purpose: str) -> Path:
    """A new hidden working folder in the models folder, named after this process; the working
    folders of processes that no longer run are removed first."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(folder)
        return Path(new_folder(str(folder), f".{purpose}-{os.getpid()}-"))
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write in the models folder: {exc.strerror or exc}") from None


def _remove_abandoned(folder: Path) -> None:
    """Remove the hidden working folders (`.install-PID-...`) that killed processes left."""
    for child in folder.iterdir():
        parts = child.name.split("-")
        if child.name.startswith(".") and len(parts) >= 3 and parts[1].isdigit() and not _running(int(parts[1])):
            if child.is_dir() and not child.is_symlink():
                remove_tree(child)
            else:
                child.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _extract(archive: Path, staging: Path) -> None:
    """Unpack an archive; a damaged one is invalid input (exit 1), a full disk a write error (exit 4)."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as package:
            for member in package.infolist():
                package.extract(member, staging)
    except OSError as exc:
        if exc.errno in _WRITE_ERRORS:
            raise OutputError(f"{archive}: cannot unpack into {staging.parent}: {exc.strerror}") from None
        raise ModelError(f"{archive}: cannot unpack the package: {exc.strerror or exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise ModelError(f"{archive}: damaged package: {exc}") from None


def _move_into_place(unpacked: Path, target: Path) -> None:
    """Rename a complete package to its name in one step; a package it replaces is left at
    `unpacked`, inside the working folder the caller removes."""
    try:
        if target.exists() or target.is_symlink():
            replace_folder(unpacked, target)
        else:
            os.replace(unpacked, target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot install the model: {exc.strerror or exc}") from None


def _check_archive(archive: Path) -> str:
    """Check a package archive before extracting anything; return its top-level folder name."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as package:
            members = package.infolist()
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise ModelError(f"{archive}: not a readable .argosmodel (zip) file: {exc}") from None
    tops, seen, total = set(), set(), 0
    for member in members:
        path = _entry_path(archive, member)
        if path.parts in seen:
            raise ModelError(f"{archive}: the entry {member.filename!r} appears twice")
        seen.add(path.parts)
        tops.add(path.parts[0])
        total += member.file_size
    if len(tops) != 1:
        raise ModelError(f"{archive}: a package holds exactly one folder (found {len(tops)})")
    if total > MAX_PACKAGE_BYTES:
        raise ModelError(f"{archive}: unpacks to {total:,} bytes; the limit is {MAX_PACKAGE_BYTES:,}")
    name = tops.pop()
    if name.startswith("."):
        raise ModelError(f"{archive}: package folder {name!r} is hidden")
    return name


def _entry_path(archive: Path, member: zipfile.ZipInfo) -> PurePosixPath:
    """The path of one archive entry, refused unless it is plain, readable and safe to unpack."""
    name = member.filename
    path = PurePosixPath(name)
    if not path.parts:
        raise ModelError(f"{archive}: refusing an entry with an empty name ({name!r})")
    if path.is_absolute() or ".." in path.parts or "\\" in name or "\0" in name:
        raise ModelError(f"{archive}: refusing a package with the path {name!r}")
    if any(len(part.encode("utf-8")) > MAX_NAME_BYTES for part in path.parts):
        raise ModelError(f"{archive}: the entry name {name[:60]!r}... is longer than {MAX_NAME_BYTES} bytes")
    if member.flag_bits & 0x1:
        raise ModelError(f"{archive}: the entry {name!r} is encrypted")
    if member.compress_type not in _COMPRESSIONS:
        raise ModelError(f"{archive}: the entry {name!r} uses an unknown compression method ({member.compress_type})")
    return path


def remove(selector: list[str], folder: Path | None = None) -> list[ModelInfo]:
    """Remove packages by name, or by direction (`en zh`)."""
    models = installed(folder)
    if len(selector) == 2 and all(code in written_codes() for code in selector):
        chosen = [m for m in models if [m.source, m.target] == selector]
    elif len(selector) == 1:
        chosen = [m for m in models if m.name == selector[0]]
    else:
        raise UsageError("name a package, or a direction such as: en zh")
    if not chosen:
        raise ModelError(f"no installed model matches {' '.join(selector)}; see `signalbrief models list`")
    for model in chosen:
        _remove_package(model.path)
    return chosen


def _remove_package(path: Path) -> None:
    """Rename a package aside before deleting it, so a killed removal never leaves half a model."""
    try:
        aside = Path(new_folder(str(path.parent), f".removed-{os.getpid()}-"))
        os.replace(path, aside / "old")
    except OSError as exc:
        raise OutputError(f"{path}: cannot remove the model: {exc.strerror or exc}") from None
    remove_tree(aside)
