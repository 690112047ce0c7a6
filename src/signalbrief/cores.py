"""How many cores this process may run on, and processes that die with the build that started them."""

from __future__ import annotations

import contextlib
import os
import signal

_PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies


def usable_cores() -> int:
    """The cores of this process's affinity mask, as `taskset` or a container's cpuset sets it
    (`os.cpu_count()` counts every core of the machine); the machine's count where there are no
    masks (macOS)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked here (they inherit the parent's data, never pickled)."""
    import multiprocessing  # imported when workers may start: most runs have too little work for them

    return "fork" in multiprocessing.get_all_start_methods()


def die_with_parent() -> None:
    """Ask for SIGKILL when the parent dies (Linux; elsewhere nothing): a killed build's workers and
    programs must not write on into its hidden folders after the next build has cleared them."""
    import ctypes  # here: a build that finds nothing changed starts no worker

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
