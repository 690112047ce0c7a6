"""The translation memory's faults: a damaged file is reported and left alone, a full disk is exit 4."""

from __future__ import annotations

import sqlite3

import pytest

from signalbrief.translate import MEMORY_FILE
from signalbrief.translate import memory as memory_module
from signalbrief.translate.memory import Memory
from tests.conftest import BETA, VALID, replace_line

POLICY = replace_line(VALID, (13, 14), "summary:\n  en: The trade policy agreement [1].")


def _many_rows(path) -> None:
    """A memory of several pages, so damage can hit a page in the middle of the file."""
    memory = Memory(path)
    memory.remember("m@1", "en-zh", {f"sentence {i} " * 20: f"句子 {i}" * 20 for i in range(300)})
    memory.close()


def _garbage(path) -> None:
    path.write_bytes(b"this is not a database, whatever it was " * 200)


def _torn(path) -> None:
    _many_rows(path)
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    for at in range(4096, len(data), 13):  # everything after the first page
        data[at] = 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _torn], ids=["not a database", "torn pages"])
@pytest.mark.parametrize("command", [["translate", "--write"], ["build"]])
def test_damaged_memory_is_reported_and_left_as_it_is(installed_models, publication, run, damage, command):
    root = publication({"alpha": POLICY, "beta": BETA})
    path = root / MEMORY_FILE
    path.parent.mkdir()
    damage(path)
    before = path.read_bytes()
    briefs = {p: p.read_bytes() for p in (root / "briefs").iterdir()}
    result = run(root, *command)  # a traceback would raise here
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert "translations.sqlite: the translation memory is damaged (" in result.stderr
    assert "move it aside (mv " in result.stderr
    assert "`!mt`" in result.stderr
    assert path.read_bytes() == before  # never repaired, replaced or deleted behind the reader's back
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith("translations")) == [path.name]
    assert {p: p.read_bytes() for p in (root / "briefs").iterdir()} == briefs
    assert not (root / "site").exists()
    path.rename(path.with_name("translations.sqlite.damaged"))  # the advice works
    assert run(root, *command).exit_code == 0


def test_full_disk_while_remembering_exits_4(installed_models, publication, run, monkeypatch):
    connect = sqlite3.connect

    def small_disk(*args, **kwargs):
        db = connect(*args, **kwargs)
        db.execute("PRAGMA max_page_count = 3")  # the first write past three pages fails as on a full disk
        return db

    monkeypatch.setattr(memory_module.sqlite3, "connect", small_disk)
    long = POLICY.replace("The trade policy agreement [1].", "trade policy " * 900 + "[1].")
    root = publication({"alpha": long, "beta": BETA})
    result = run(root, "translate", "--write")
    assert result.exit_code == 4
    assert result.stderr.startswith(f"error: {root / MEMORY_FILE}: cannot write the translation memory: ")
    assert "full" in result.stderr
    assert len(result.stderr.splitlines()) == 1
