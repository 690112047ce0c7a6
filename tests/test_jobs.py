"""The build's default worker count follows the cores the process may use, not the machine's."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from signalbrief import build

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_corpus import make_corpus


@pytest.fixture
def three_of_64_cores(monkeypatch):
    """A process allowed on 3 cores (`taskset -c 0-2`) of a 64-core machine."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)


def test_default_worker_count_follows_the_affinity_mask(three_of_64_cores):
    assert build.worker_count(0) == 3


def test_an_explicit_worker_count_is_kept(three_of_64_cores):
    assert build.worker_count(5) == 5


def test_without_affinity_masks_the_machine_cores_count(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert build.worker_count(0) == 6


class _PoolStarted(Exception):
    """Raised by the stand-in pool instead of starting processes."""


def test_the_render_pool_gets_one_worker_per_usable_core(three_of_64_cores, monkeypatch, tmp_path):
    started = []

    def pool(jobs, start, inherited):
        started.append(jobs)
        raise _PoolStarted

    monkeypatch.setattr(build, "forked_workers", pool)
    todo = [(None, ("public",))] * build.PARALLEL_FROM
    with pytest.raises(_PoolStarted):
        build._render_briefs(None, SimpleNamespace(work=tmp_path), (todo, []), (0, None))
    assert started == [3]


def test_the_render_pool_is_forked_with_the_parent_s_objects_frozen_until_it_is_done(monkeypatch, tmp_path):
    """Workers inherit the parent's objects frozen (their collector never walks, so never copies,
    them); the parent unfreezes them once the pool is done, also when it fails."""
    frozen_at_fork = []

    def pool(jobs, start, inherited):
        frozen_at_fork.append(gc.get_freeze_count())
        raise _PoolStarted

    monkeypatch.setattr(build, "forked_workers", pool)
    todo = [(None, ("public",))] * build.PARALLEL_FROM
    with pytest.raises(_PoolStarted):
        build._render_briefs(None, SimpleNamespace(work=tmp_path), (todo, []), (2, None))
    assert frozen_at_fork[0] > 0
    assert gc.get_freeze_count() == 0
    assert list(tmp_path.iterdir()) == []  # the folder of the workers' fragments went with the pool


class _Fragments:
    """A stand-in for the site's list fragments: nothing to hand over."""

    def hand_over(self, folder):
        pass

    def handed_over(self):
        return {}

    def take_over(self, fragments):
        pass


def _stand_in_build(folder):
    """A site and an output for `build._in_workers`, in `folder`, whose briefs render nothing of theirs."""
    return SimpleNamespace(root=folder, fragments=_Fragments()), SimpleNamespace(
        work=folder, written=set(), stamps={}, steps={}
    )


def test_after_a_task_fails_the_workers_skip_the_tasks_not_begun_and_exit(monkeypatch, tmp_path):
    """A failing task ends the build with its error once the workers have finished what they hold,
    without starting the tasks left (and without killing a worker that may be sending a result)."""
    began = tmp_path / "began"

    def broken(site, output, item, editions):
        with open(began, "a", encoding="utf-8") as log:
            log.write(f"{item}\n")
        time.sleep(0.2)  # the build's process sees the first failure while the workers are on their next task
        raise RuntimeError(f"broken {item}")

    monkeypatch.setattr(build, "_brief_files", broken)
    site, output = _stand_in_build(tmp_path)
    tasks = [[(f"b{i}", ("public",))] for i in range(16)]
    with pytest.raises(RuntimeError, match="broken b"):
        build._in_workers(site, output, tasks, (2, None))
    assert len(began.read_text(encoding="utf-8").split()) <= 4  # two tasks per worker at most, of 16
    assert multiprocessing.active_children() == []


def test_a_fork_that_fails_is_one_error_and_leaves_no_worker_waiting(monkeypatch, tmp_path):
    """A container's limit on processes fails the second fork: the worker already forked would wait
    for tasks forever, and the interpreter's exit with it."""
    import errno

    from signalbrief.errors import OutputError

    forks, real = [], os.fork

    def fork():
        forks.append(1)
        if len(forks) > 1:
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable")
        return real()

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(build, "_brief_files", lambda *args: None)
    site, output = _stand_in_build(tmp_path)
    tasks = [[(f"b{i}", ("public",))] for i in range(8)]
    with pytest.raises(OutputError, match="cannot start the worker processes rendering pages: Resource"):
        build._in_workers(site, output, tasks, (2, None))
    assert len(forks) == 2 and multiprocessing.active_children() == []


class _Made:
    """A task's result that can be watched with a weak reference."""


def _make(index):
    return _Made()


def test_the_pool_lets_go_of_each_result_once_it_is_taken():
    """A build of 100,000 briefs hands back some hundred MB of file lists: each is dropped once taken."""
    import weakref

    from signalbrief.cores import finished, forked_workers

    taken = []
    with forked_workers(2, lambda: None, ()) as pool:
        for result in finished(pool, _make, 8, "testing"):
            taken.append(weakref.ref(result))
            del result
            assert [ref() for ref in taken[:-1]] == [None] * (len(taken) - 1)
    assert len(taken) == 8


def _touch(file, index):
    Path(file).touch()
    return os.getpid()


def test_a_worker_told_to_stop_between_tasks_begins_no_other_task(tmp_path):
    """Ctrl+C reaches a worker between tasks too: the task the build hands out before it stops must
    not begin (it might run for minutes while the build waits to exit)."""
    import signal
    from functools import partial

    from signalbrief.cores import finished, forked_workers

    with forked_workers(1, lambda: None, ()) as pool:
        (worker,) = finished(pool, partial(_touch, tmp_path / "first"), 1, "testing")
        os.kill(worker, signal.SIGINT)
        time.sleep(0.5)  # the idle worker runs its handler at once: it waits in a system call
        with pytest.raises(KeyboardInterrupt):
            list(finished(pool, partial(_touch, tmp_path / "second"), 1, "testing"))
    assert (tmp_path / "first").exists() and not (tmp_path / "second").exists()


def test_translation_threads_follow_the_affinity_mask(monkeypatch):
    from signalbrief.translate import engine

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert engine.thread_counts() == (1, 1)


def test_the_stamps_of_the_files_workers_write_are_read_in_the_workers(tmp_path, monkeypatch):
    """The build's process does not read each file's size and time stamp again once all are written
    (19,333 stat calls for 1,000 briefs, in one process while 15 cores wait): the workers read them
    as they write; the tree it records holds them as they are."""
    import stat

    from signalbrief.writer import Output, stamp_of

    make_corpus(tmp_path, 20)  # 60 brief renderings: enough for worker processes
    (tmp_path / "signalbrief.yaml").write_text("search: false\n", encoding="utf-8")
    files_looked_at, trees = [], []
    surveying, real_stat = Output._survey, os.stat

    def counted(path, *args, **kwargs):
        info = real_stat(path, *args, **kwargs)
        if stat.S_ISREG(info.st_mode):
            files_looked_at.append(path)
        return info

    def survey(self, changed):
        monkeypatch.setattr(os, "stat", counted)
        try:
            trees.append(surveying(self, changed))
        finally:
            monkeypatch.setattr(os, "stat", real_stat)
        return trees[-1]

    monkeypatch.setattr(Output, "_survey", survey)
    report = build.build(tmp_path, build.BuildOptions(allow_untranslated=True, jobs=2))
    assert report.files > 300 and files_looked_at == []
    (tree,) = trees
    site = tmp_path / "site"
    assert len(tree.files) == report.files
    assert {path: stamp_of(real_stat(site / path)) for path in tree.files} == tree.files
