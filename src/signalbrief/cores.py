"""How many cores this process may run on, processes that die with the build that started them, and
the pools of forked workers that validate and render."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from signalbrief.errors import OutputError

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
Result = TypeVar("Result")
# The advice where workers die or cannot start: `build` and `validate` (also run by `build`) start them.
FEWER_CORES = "Fewer cores start fewer workers, which use less memory: run the command again under `taskset -c 0-3`"


class WorkerLost(OutputError):
    """A worker process ended before its task was done: killed (by the out-of-memory killer, say) or
    crashed. The build stops with the output as it was."""

    def __init__(self, doing: str):
        super().__init__(
            f"a worker process {doing} ended before its task was done (killed, perhaps for lack of memory); "
            f"nothing was changed. {FEWER_CORES}"
        )


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


def forked_workers(jobs: int, start: Callable[..., None], inherited: tuple) -> ProcessPoolExecutor:
    """A pool of `jobs` processes forked from this one, each started with `start(*inherited)`: they
    inherit what the arguments hold (never pickled). Unlike multiprocessing's Pool, it notices a worker
    that dies, where Pool waits forever for the task that worker held."""
    import multiprocessing  # imported when workers start: most runs have too little work for them
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(jobs, multiprocessing.get_context("fork"), _started, (start, inherited))


def _started(start: Callable[..., None], inherited: tuple) -> None:
    # Ctrl+C reaches every process of the terminal's group: a worker stops the task it is on, and a
    # worker between tasks, or sending a result, goes on but begins no other task (the build's process
    # stops the rest; a task it hands out in the meantime fails at once, interrupted).
    signal.signal(signal.SIGINT, _interrupted)
    start(*inherited)


_busy = False  # in a worker: whether it is doing a task
_stopped = False  # in a worker: whether Ctrl+C came while it was between tasks


def _interrupted(signum: int, frame: object) -> None:
    global _stopped
    if _busy:
        raise KeyboardInterrupt
    _stopped = True


def _doing(task: Callable[[int], Result], index: int) -> Result:
    """In a worker: do one task, interruptible by Ctrl+C while it runs; none after Ctrl+C."""
    global _busy
    _busy = True
    try:
        if _stopped:
            raise KeyboardInterrupt
        return task(index)
    finally:
        _busy = False


def finished(
    pool: ProcessPoolExecutor, task: Callable[[int], Result], count: int, doing: str, stopping: Any = None
) -> Iterator[Result]:
    """Do `task(0)` … `task(count - 1)` in the pool; yield each result as its task finishes. Close the
    iterator when the caller stops early (an error, Ctrl+C): the tasks not handed out are dropped, and
    `stopping.value` is set, if given, for the workers to skip what they have not begun; leaving the
    pool then waits for the tasks begun. A task's error is raised as it was; a worker that died
    (`doing` says what it did) raises WorkerLost."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    futures: set[Future[Result]] = set()  # those not yet taken: a result is let go once the caller has it
    try:
        futures = _hand_out(pool, task, count, doing)
        for future in as_completed(futures):
            futures.discard(future)
            yield future.result()
    except BrokenProcessPool:
        raise WorkerLost(doing) from None
    finally:
        if stopping is not None:
            stopping.value = 1
        for future in futures:
            future.cancel()


def _hand_out(
    pool: ProcessPoolExecutor, task: Callable[[int], Result], count: int, doing: str
) -> set[Future[Result]]:
    """Submit every task, in order; return their futures. The first submit forks the workers. Where a
    fork fails (a container's limit on processes, no memory), the workers already forked wait for
    tasks that never come, and the interpreter's exit would wait for them: they are killed (the
    executor has no public way to say it), and the failure is one error line."""
    try:
        return {pool.submit(_doing, task, index) for index in range(count)}
    except OSError as exc:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
            process.join()
        raise OutputError(f"cannot start the worker processes {doing}: {exc.strerror or exc}. {FEWER_CORES}") from None
