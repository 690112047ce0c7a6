"""The one place that writes files: atomically, and never outside the folder it is given."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
