"""Files the check cache does not know are checked in worker processes when there are many: the
outcome (problems, briefs, cards, texts to translate, what is remembered) is the same as checking
them one after another here."""

from __future__ import annotations

import os

import pytest

import signalbrief.validate
from signalbrief.checkcache import CACHE_FILE
from signalbrief.validate import validate
from tests.cachefiles import read_cache
from tests.conftest import BETA, VALID

BRIEFS = {
    "alpha": VALID,
    "beta": BETA + "sources:\n  - title: Never cited\n",  # a warning
    "gamma": VALID.replace("id: alpha", "id: gamma").replace("2024-04-01", "2024-13-01"),  # an error
    "delta": "id: delta\ndate: [unclosed\n",  # cannot be parsed
    "epsilon": BETA.replace("Body.", "Body [7]."),  # cites a source that does not exist
    "zeta": VALID,  # its id is already alpha's
}


def outcome(root):
    report = validate(root, keep=False)
    briefs = [(b.id, b.shown, b.digest, b.card.plain(), b.needs) for b in report.briefs]
    remembered = {}  # each file's entry (the order files were checked in is no part of the outcome)
    for batch in read_cache(root / CACHE_FILE)[1:]:
        remembered.update(batch if isinstance(batch, dict) else {})
    return [str(p) for p in report.problems], briefs, remembered


@pytest.fixture
def in_workers(monkeypatch):
    """Check in workers from two unknown files on, and count the times it did."""
    calls = []
    real = signalbrief.validate._check_in_workers

    def counted(entries, *args):
        calls.append(len(entries))
        return real(entries, *args)

    monkeypatch.setattr(signalbrief.validate, "_check_in_workers", counted)
    monkeypatch.setattr(signalbrief.validate, "_spare_cores", lambda: 2)
    monkeypatch.setattr(signalbrief.validate, "PARALLEL_FROM", 2)
    monkeypatch.setattr(signalbrief.validate, "FILES_PER_WORKER", 2)  # two jobs from four files
    return calls


def test_workers_find_what_checking_here_finds(publication, in_workers, monkeypatch):
    root = publication(BRIEFS)
    parallel = outcome(root)
    assert in_workers == [len(BRIEFS)]
    (root / CACHE_FILE).unlink()
    monkeypatch.setattr(signalbrief.validate, "PARALLEL_FROM", 10**9)
    serial = outcome(root)
    assert in_workers == [len(BRIEFS)]
    assert parallel == serial
    problems = "\n".join(parallel[0])
    for expected in ("never cited", "not a real date", "invalid YAML", "[7] cites", "already used"):
        assert expected in problems


def test_remembered_files_are_not_checked_again_in_workers(publication, in_workers):
    root = publication(BRIEFS)
    first = outcome(root)
    second = outcome(root)
    assert in_workers == [len(BRIEFS)]  # the second run recalled every file it could parse
    assert first[:2] == second[:2]


@pytest.mark.parametrize(
    ("unknown", "spare", "workers"),
    [(255, 16, 1), (256, 2, 2), (256, 16, 4), (1000, 16, 15), (1000, 7, 7), (5000, 16, 16), (300, 1, 1)],
)
def test_files_are_checked_by_one_worker_per_64_from_256_on_up_to_the_idle_cores(monkeypatch, unknown, spare, workers):
    monkeypatch.setattr(signalbrief.validate, "_spare_cores", lambda: spare)
    assert signalbrief.validate._worker_count(unknown) == workers


@pytest.mark.parametrize(("running", "spare"), [(1, 4), (2, 3), (4, 1), (9, 1), (None, 4)])
def test_workers_are_only_started_on_idle_cores(monkeypatch, running, spare):
    """Processes runnable now, this one included (None: not known), against 4 usable cores."""
    monkeypatch.setattr(signalbrief.validate, "usable_cores", lambda: 4)
    monkeypatch.setattr(signalbrief.validate, "_runnable", lambda: running)
    assert signalbrief.validate._spare_cores() == spare


def test_the_runnable_processes_are_read_from_the_kernel():
    running = signalbrief.validate._runnable()
    if os.path.exists("/proc/loadavg"):
        assert running is not None and running >= 1  # this process runs while it reads
    else:
        assert running is None


def test_a_worker_killed_while_checking_briefs_ends_validation_with_one_error(publication, in_workers, monkeypatch):
    """A worker killed from outside (out of memory, say) is an error naming what it did, not a hang."""
    import multiprocessing
    import signal

    from signalbrief.cores import WorkerLost

    real = signalbrief.validate._check_file

    def killed(entry, *args, **kwargs):
        if multiprocessing.parent_process() is not None and entry.path.endswith("gamma.yaml"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(entry, *args, **kwargs)

    monkeypatch.setattr(signalbrief.validate, "_check_file", killed)
    with pytest.raises(WorkerLost, match="checking briefs") as lost:
        validate(publication(BRIEFS), keep=False)
    assert "taskset -c 0-3" in str(lost.value) and "signalbrief build" not in str(lost.value)  # any command
    assert in_workers == [len(BRIEFS)] and multiprocessing.active_children() == []
