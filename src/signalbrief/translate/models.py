"""Argos Translate model packages (`.argosmodel`): install, list, remove, download.

Models live in one folder, one package per sub-folder (`metadata.json`, `model/`,
`sentencepiece.model`): `$SIGNALBRIEF_MODELS` if set, else `$XDG_DATA_HOME/signalbrief/models`
(`~/.local/share/signalbrief/models`). Only `models install en zh` uses the network.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from signalbrief.errors import SignalbriefError, UsageError

LANGS = ("en", "zh")
MAX_PACKAGE_BYTES = 2 * 1024**3


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
    return max(matches, key=lambda m: (_version_key(m.version), m.name)) if matches else None


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _read_package(folder: Path) -> ModelInfo | None:
    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    source, target = metadata.get("from_code"), metadata.get("to_code")
    if not isinstance(metadata, dict) or source not in LANGS or target not in LANGS or source == target:
        return None
    if not (folder / "model" / "model.bin").is_file() or not (folder / "sentencepiece.model").is_file():
        return None
    return ModelInfo(folder.name, source, target, str(metadata.get("package_version", "0")), folder)


def install_file(archive: Path, folder: Path | None = None) -> ModelInfo:
    """Install a local `.argosmodel` file; an installed package of the same name is replaced."""
    folder = folder or models_dir()
    name = _check_archive(archive)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".install-", dir=folder))
    except OSError as exc:
        raise ModelError(f"{folder}: cannot create the models folder: {exc.strerror or exc}") from None
    try:
        with zipfile.ZipFile(archive) as package:
            package.extractall(staging)
        info = _read_package(staging / name)
        if info is None:
            raise ModelError(
                f"{archive}: not an en/zh translation package (metadata.json, model/, sentencepiece.model)"
            )
        target = folder / name
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging / name, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _read_package(target)  # type: ignore[return-value]


def _check_archive(archive: Path) -> str:
    """Check a package archive before extracting anything; return its top-level folder name."""
    try:
        with zipfile.ZipFile(archive) as package:
            members = package.infolist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{archive}: not a readable .argosmodel (zip) file: {exc}") from None
    tops = set()
    total = 0
    for member in members:
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in member.filename:
            raise ModelError(f"{archive}: refusing a package with the path {member.filename!r}")
        tops.add(path.parts[0])
        total += member.file_size
    if len(tops) != 1 or total > MAX_PACKAGE_BYTES:
        raise ModelError(f"{archive}: a package holds exactly one folder (found {len(tops)})")
    name = tops.pop()
    if name.startswith("."):
        raise ModelError(f"{archive}: package folder {name!r} is hidden")
    return name


def remove(selector: list[str], folder: Path | None = None) -> list[ModelInfo]:
    """Remove packages by name, or by direction (`en zh`)."""
    models = installed(folder)
    if len(selector) == 2 and all(code in LANGS for code in selector):
        chosen = [m for m in models if [m.source, m.target] == selector]
    elif len(selector) == 1:
        chosen = [m for m in models if m.name == selector[0]]
    else:
        raise UsageError("name a package, or a direction such as: en zh")
    if not chosen:
        raise ModelError(f"no installed model matches {' '.join(selector)}; see `signalbrief models list`")
    for model in chosen:
        shutil.rmtree(model.path)
    return chosen


def download(source: str, target: str, folder: Path | None = None) -> ModelInfo:
    """Download the package for a direction from the Argos package index and install it."""
    if source not in LANGS or target not in LANGS or source == target:
        raise UsageError("models install takes a direction: en zh, or zh en")
    try:
        import argostranslate.package as argos_package

        argos_package.update_package_index()
        offers = [p for p in argos_package.get_available_packages() if (p.from_code, p.to_code) == (source, target)]
        if not offers:
            raise ModelError(f"the Argos package index has no {source}->{target} package")
        archive = Path(offers[0].download())
    except ModelError:
        raise
    except Exception as exc:  # network and index failures surface in many types
        raise ModelError(f"cannot download the {source}->{target} model: {exc}") from None
    return install_file(archive, folder)
