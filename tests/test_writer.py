"""The writer keeps every path inside the output folder and writes each file once."""

from __future__ import annotations

import pytest

from signalbrief.errors import OutputError
from signalbrief.writer import MARKER, Output


def opened(target):
    output = Output(target)
    output.open()
    return output


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b", "a//b", "a\\b", "./a", "a/\0b", ""])
def test_paths_outside_the_output_are_refused(bad, tmp_path):
    with pytest.raises(OutputError, match="refusing a path outside the output folder"):
        opened(tmp_path / "site").add(bad, "x")
    assert not list(tmp_path.rglob("escape.html"))


def test_a_file_is_written_once(tmp_path):
    output = opened(tmp_path / "site")
    output.add("public/en/index.html", "one")
    with pytest.raises(OutputError, match="written twice"):
        output.add("public/en/index.html", "two")


def test_nothing_is_visible_before_commit_and_discard_leaves_nothing(tmp_path):
    output = opened(tmp_path / "site")
    output.add("index.html", "x")
    assert not (tmp_path / "site").exists()
    output.discard()
    assert list(tmp_path.iterdir()) == []


def test_commit_swaps_in_the_new_folder_and_marks_it(tmp_path):
    target = tmp_path / "site"
    first = opened(target)
    first.add("a/old.html", "old")
    first.commit()
    second = opened(target)
    second.add("a/new.html", "new")
    second.commit()
    assert sorted(p.name for p in target.rglob("*") if p.is_file()) == [MARKER, "new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_commit_cleans_stale_temporary_folders_of_killed_builds(tmp_path):
    stale = tmp_path / ".site.build-abc123"
    stale.mkdir()
    (stale / MARKER).write_text("x")
    foreign = tmp_path / ".site.build-notours"
    foreign.mkdir()
    output = opened(tmp_path / "site")
    output.add("index.html", "x")
    output.commit()
    assert not stale.exists()
    assert foreign.exists()  # not ours: left alone


def test_unwritable_parent_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        opened(blocker / "site")
