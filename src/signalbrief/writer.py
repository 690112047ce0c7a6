"""The one place that writes files: atomically, and never outside the folder it is given."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from signalbrief.errors import OutputError


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old content or the new, never half of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def create_new(path: Path, text: str) -> bool:
    """Write a new file atomically; leave an existing one untouched and return False."""
    if path.exists():
        return False
    write_atomic(path, text.encode("utf-8"))
    return True


MARKER = ".signalbrief-output"
_MARKER_TEXT = b"This folder is written by signalbrief build and replaced whole by the next build.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class Output:
    """The files of one build, written into a hidden folder beside the target, then swapped in whole.

    Nothing is visible at the target until `commit()`; a failed build calls `discard()`, a killed one
    leaves its hidden folder for the next build to remove. Worker processes forked during a build
    write through the same object into the same hidden folder, each to its own paths.
    """

    def __init__(self, target: Path):
        self.target = target.absolute()
        self.written: set[str] = set()
        self.staging: Path | None = None

    def open(self) -> None:
        """Check the target may be replaced and create the hidden folder."""
        _check_replaceable(self.target)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale_builds(self.target)
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.build-", dir=self.target.parent))
            (self.staging / MARKER).write_bytes(_MARKER_TEXT)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot create the output folder: {exc.strerror or exc}") from None

    def add(self, relative: str, content: str | bytes) -> None:
        """Write a file; its path must stay inside the output folder and be written only once."""
        file = self._claim(relative)
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot write the build: {exc.strerror or exc}") from None

    def keep(self, relative: str) -> None:
        """Take an unchanged file from the current output into the new build without rewriting it."""
        file = self._claim(relative)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.target / relative, file)
            except OSError:  # another file system, or no hard links: copy, keeping the time stamps
                shutil.copy2(self.target / relative, file)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot write the build: {exc.strerror or exc}") from None

    def _claim(self, relative: str) -> Path:
        path = PurePosixPath(relative)
        parts = relative.split("/")
        if path.is_absolute() or "\\" in relative or "\0" in relative or any(p in ("", ".", "..") for p in parts):
            raise OutputError(f"{relative!r}: refusing a path outside the output folder")
        if relative in self.written:
            raise OutputError(f"{relative}: written twice in one build")
        assert self.staging is not None, "open() first"
        self.written.add(relative)
        return self.staging / relative

    def commit(self) -> None:
        """Swap the finished build into place."""
        assert self.staging is not None, "open() first"
        try:
            os.chmod(self.staging, 0o755)
            _swap_into_place(self.staging, self.target)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.target}: cannot write the build: {exc.strerror or exc}") from None
        self.staging = None

    def discard(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise OutputError(
            f"{target}: not empty and not written by signalbrief; nothing was changed "
            "(choose another -o folder, or empty this one)"
        )


def _remove_stale_builds(target: Path) -> None:
    """Remove temporary folders that killed builds left beside the output folder."""
    for stale in target.parent.glob(f".{target.name}.build-*"):
        if stale.is_dir() and (stale / MARKER).is_file():
            shutil.rmtree(stale, ignore_errors=True)


def _swap_into_place(temp: Path, target: Path) -> None:
    if not target.exists():
        os.rename(temp, target)
        return
    if not _exchange(temp, target):
        old = temp.with_name(temp.name + "-old")
        os.rename(target, old)
        os.rename(temp, target)
        temp = old
    shutil.rmtree(temp, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where that is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return result == 0
