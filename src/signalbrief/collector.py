"""How often Python's cycle collector runs: seldom while a program starts, at Python's own pace
while it renders much."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# Objects made (more than freed) before the youngest generation is collected, while starting.
STARTING_YOUNG = 100_000
_replaced: list[tuple[int, int, int]] = []  # the pace `starting` replaced, until `as_usual`


def starting() -> None:
    """While the program starts (importing its modules, reading its caches) it makes and keeps
    hundreds of thousands of objects and next to no garbage cycles; at Python's pace (a pass after
    every 700) the collector walked them ~190 times in an edit's build, some 20 ms."""
    if not _replaced:
        _replaced.append(gc.get_threshold())
        gc.set_threshold(STARTING_YOUNG, *_replaced[0][1:])


def as_usual() -> None:
    """Python's own pace again, before much rendering: Jinja makes garbage cycles at a steady rate
    (some 1.3 million in a full build of 1,000 briefs), and collected often their memory is reused
    while the CPU still holds it (a full build took ~8 % more CPU at the starting pace)."""
    if _replaced:
        gc.set_threshold(*_replaced.pop())


@contextlib.contextmanager
def inherited_left_alone() -> Iterator[None]:
    """While worker processes are forked from here: the objects they inherit are left out of every
    collection (theirs and this process's) until the workers are done. A worker's full collection
    otherwise walks every object of the parent and writes to each one's header, which copies each
    page of the parent's memory into each worker (a page fault apiece); frozen, they stay shared."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
