"""How many cores this process may run on."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores of this process's affinity mask, as `taskset` or a container's cpuset sets it
    (`os.cpu_count()` counts every core of the machine); the machine's count where there are no
    masks (macOS)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1
