"""What a build holds for every brief while it renders stays a few kilobytes: a publication of
100,000 briefs must build in about a gigabyte more than one of 10,000 (issue 14)."""

from __future__ import annotations

import gc
import shutil
import sys
import tracemalloc
from pathlib import Path

from signalbrief.formats.jsonfeed import _with_items
from signalbrief.validate import validate

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
from make_corpus import make_corpus  # noqa: E402

BRIEFS = 300


def held(make):
    """What `make()` returns, and the bytes it still holds once made (Python's own allocations)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        made = make()
        gc.collect()
        return made, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_a_build_keeps_each_checked_brief_in_a_few_kilobytes(tmp_path):
    make_corpus(tmp_path, BRIEFS)
    validate(tmp_path, [tmp_path / "briefs" / "brief-00000.yaml"], keep=False, packed=True)  # imports, caches
    shutil.rmtree(tmp_path / ".signalbrief")  # every file checked again, as in a first build
    report, size = held(lambda: validate(tmp_path, keep=False, packed=True))
    assert len(report.briefs) == BRIEFS
    assert sum(1 for b in report.briefs if b.needs) > BRIEFS // 4  # texts written in one language are kept
    # 8.5 KB a brief when the needs were kept as tuples, each LoadedBrief and Card with a dict
    assert size / BRIEFS < 6_500, f"{size / BRIEFS:.0f} bytes a brief"


def test_packed_needs_read_back_as_checked(tmp_path):
    make_corpus(tmp_path, 40)
    whole = {b.id: b.needs for b in validate(tmp_path).briefs}
    packed = {b.id: b.needs for b in validate(tmp_path, keep=False, packed=True).briefs}
    assert packed == whole
    assert any(whole.values())


def test_a_feed_is_joined_without_copies_of_its_items():
    items = [f'{{"id": "{i:05}", "title": "{"word " * 200}"}}' for i in range(2000)]
    gc.collect()
    tracemalloc.start()
    try:
        feed = _with_items('{\n  "version": "1.1"\n}', items)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert feed.endswith('"}\n  ]\n}\n') and feed.count("\n    {") == len(items)
    assert peak < 1.3 * len(feed), f"{peak / len(feed):.1f} times the feed"
