"""One cache shape and one stable hash: every cache file is written and read back the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from signalbrief import __version__
from signalbrief.cache import BATCH, LINE_BATCH, Cache, stable_hash
from signalbrief.config import Config
from signalbrief.writer import AtomicFile, replace_folder
from tests.conftest import BETA


@dataclass(frozen=True)
class Point:
    x: int
    where: Path


# --- stable_hash ---


def test_stable_hash_refuses_what_only_a_repr_could_name():
    for value in (object(), lambda: 1, [1, object()], {"key": print}):
        with pytest.raises(TypeError, match="plain values"):
            stable_hash(value)


def test_stable_hash_keeps_parts_apart():
    assert stable_hash("ab", "c") != stable_hash("a", "bc")
    assert stable_hash(b"x") != stable_hash("x")
    assert stable_hash("1") != stable_hash(1)
    assert stable_hash([1, 2]) != stable_hash(1, 2)


def test_stable_hash_of_equal_values_is_equal():
    assert stable_hash({"b": 1, "a": [1, 2]}) == stable_hash({"a": (1, 2), "b": 1})
    assert stable_hash(Point(1, Path("a/b"))) == stable_hash(Point(1, Path("a") / "b"))
    assert stable_hash(Point(1, Path("a"))) != stable_hash(Point(2, Path("a")))
    assert stable_hash(date(2024, 4, 1)) != stable_hash(date(2024, 4, 2))


def test_stable_hash_is_the_same_in_every_process():
    """Sets and dicts are hashed in a canonical order, not in the order of this process's string hashing."""
    code = (
        "from signalbrief.cache import stable_hash; from signalbrief.config import Config;"
        "print(stable_hash(frozenset('abcdefgh'), {'y': 1, 'x': 2}, Config()))"
    )
    seen = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        seen.add(done.stdout.strip())
    assert seen == {stable_hash(frozenset("abcdefgh"), {"y": 1, "x": 2}, Config())}


# --- Cache ---


def test_entries_come_back_for_the_same_namespace_and_context(tmp_path):
    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    for n in range(BATCH * 2 + 3):
        cache.put(f"k{n}", [n, "text 文"])
    cache.save()
    assert Cache(path, "demo", "ctx").load() == {f"k{n}": [n, "text 文"] for n in range(BATCH * 2 + 3)}


def test_another_context_is_not_used_and_not_warned_about(tmp_path, capsys):
    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "one")
    cache.put("k", 1)
    cache.save()
    assert Cache(path, "demo", "two").load() == {}
    assert capsys.readouterr().err == ""


def test_a_cache_written_by_other_code_is_not_used(tmp_path, monkeypatch, capsys):
    from signalbrief import cache as module

    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    cache.put("k", 1)
    cache.save()
    monkeypatch.setattr(module, "code_stamp", lambda: "other code, same version")
    assert Cache(path, "demo", "ctx").load() == {}
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda lines: lines[:-1], "damaged (incomplete)"),  # cut at a line's end
        (lambda lines: [lines[0].replace('"demo"', '"other"'), *lines[1:]], "damaged (not a demo cache)"),
        (lambda lines: [lines[0].replace(__version__, "0.0.0-old"), *lines[1:]], "written by another signalbrief"),
        (lambda lines: [*lines, lines[-1]], "damaged (unexpected content)"),  # something after the end
        (lambda lines: ["[1]", *lines[1:]], "damaged (not a JSON object)"),
        (lambda lines: [lines[0], "{", *lines[1:]], "damaged (not JSON)"),
    ],
)
def test_a_file_of_another_shape_is_ignored_with_one_warning(tmp_path, capsys, change, why):
    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    for n in range(BATCH + 1):
        cache.put(str(n), n)
    cache.save()
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")
    again = Cache(path, "demo", "ctx")
    assert again.load() == {}
    again.damaged()  # a caller finding a bad entry too: still one line
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}: warning: {why}") and err[0].endswith("; ignored")


def test_entries_are_written_as_they_come(tmp_path):
    """A large cache is never held whole: what was put is on disk (in a hidden file) before `save`."""
    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    for n in range(BATCH * 4):
        cache.put(str(n), "x" * 100)
    hidden = [p for p in tmp_path.iterdir() if p.name.startswith(".c.json.")]
    assert len(hidden) == 1 and hidden[0].stat().st_size > BATCH * 100 and not path.exists()
    cache.save()
    assert list(tmp_path.iterdir()) == [path]


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    cache = Cache(tmp_path / "file" / "c.json", "demo", "ctx")
    cache.put("k", 1)
    cache.save()  # a cache: the next run does the work again
    assert (tmp_path / "file").read_text(encoding="utf-8") == "not a folder"


def test_unchanged_entries_are_not_written_again(tmp_path):
    path = tmp_path / "c.json"
    first = Cache(path, "demo", "ctx")
    first.save_all({"a": [1], "b": [2]})
    inode = path.stat().st_ino
    second = Cache(path, "demo", "ctx")
    second.save_all(dict(second.load()))
    assert path.stat().st_ino == inode
    third = Cache(path, "demo", "ctx")
    third.save_all({"a": third.load()["a"]})
    assert path.stat().st_ino != inode and Cache(path, "demo", "ctx").load() == {"a": [1]}


def saved_with_lines(path, entries, context="ctx"):
    """A cache that copies its unchanged lines, after `save_all`: the entries it encoded."""
    encoded = []
    cache = Cache(path, "demo", context, copies_lines=True)
    cache.load()
    cache.save_all(entries(cache.load()), lambda value: encoded.append(value) or value)
    return encoded


def test_a_save_copies_the_lines_whose_entries_are_unchanged_and_encodes_the_rest(tmp_path):
    path = tmp_path / "c.json"
    many = {f"k{n}": [n] for n in range(LINE_BATCH * 4)}
    assert len(saved_with_lines(path, lambda _: many)) == len(many)
    first = path.read_bytes().splitlines()
    encoded = saved_with_lines(path, lambda known: {**known, "k5": ["changed"], "new": [0]})
    assert len(encoded) == LINE_BATCH + 1 and ["changed"] in encoded  # the changed entry's line, and the new entry
    second = path.read_bytes().splitlines()
    assert len(first) == 6 and len(set(first) & set(second)) == 4  # the head, and three lines copied as they were
    assert Cache(path, "demo", "ctx").load() == {**many, "k5": ["changed"], "new": [0]}
    forgotten = saved_with_lines(path, lambda known: {key: value for key, value in known.items() if key != "k70"})
    assert len(forgotten) == LINE_BATCH - 1  # the line that held k70 is written again without it
    assert "k70" not in Cache(path, "demo", "ctx").load()


def test_a_cache_of_another_context_copies_no_line(tmp_path):
    path = tmp_path / "c.json"
    many = {f"k{n}": [n] for n in range(LINE_BATCH * 2)}
    saved_with_lines(path, lambda _: many)
    assert saved_with_lines(path, lambda known: {**many, **known}, context="other") == list(many.values())
    assert Cache(path, "demo", "other").load() == many


def test_a_discarded_file_leaves_the_old_one(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"old")
    out = AtomicFile(path)
    out.write(b"new")
    out.discard()
    assert path.read_bytes() == b"old" and list(tmp_path.iterdir()) == [path]


def test_replace_folder_leaves_the_old_one_where_the_new_was(tmp_path):
    (tmp_path / "new").mkdir()
    (tmp_path / "new/f").write_text("new", encoding="utf-8")
    (tmp_path / "target").mkdir()
    (tmp_path / "target/f").write_text("old", encoding="utf-8")
    replace_folder(tmp_path / "new", tmp_path / "target")
    assert (tmp_path / "target/f").read_text(encoding="utf-8") == "new"
    assert (tmp_path / "new/f").read_text(encoding="utf-8") == "old"


# --- every cache of a build has the one shape ---


def test_every_cache_file_has_the_one_shape(installed_models, publication, run):
    from tests.test_incremental import CACHES, POLICY

    root = publication({"alpha": POLICY, "beta": BETA})
    assert run(root, "build").exit_code == 0
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 1."), encoding="utf-8")
    assert run(root, "build").exit_code == 0
    namespaces = set()
    for name in CACHES:
        lines = [json.loads(line) for line in (root / name).read_text(encoding="utf-8").splitlines()]
        head, *batches, end = lines
        assert set(head) == {"version", "namespace", "context"} and head["version"] == __version__
        assert end == ["end", sum(len(batch) for batch in batches)] and all(isinstance(b, dict) for b in batches)
        assert all(len(batch) <= BATCH for batch in batches)
        namespaces.add(head["namespace"])
    assert namespaces == {"checked", "filled", "state", "trees", "fragments"}



class NoFields:
    """An edition rule that is not a dataclass: nothing but its address would tell it apart."""

    def allows(self, brief_id, section, edition, config) -> bool:
        return True


def test_an_edition_rule_without_plain_fields_is_refused_naming_it(publication):
    from signalbrief.build import BuildOptions, build
    from signalbrief.plugins import PluginError
    from tests.test_formats import plugged

    root = publication()
    with plugged(signalbrief_edition_rules=lambda: [NoFields()]), pytest.raises(PluginError) as refused:
        build(root, BuildOptions(allow_untranslated=True))
    assert f"{__name__}.NoFields" in str(refused.value) and "dataclass" in str(refused.value)
    assert not (root / "site").exists()


def test_a_cache_is_put_in_place_without_a_disk_sync_and_a_person_s_file_with_one(tmp_path, monkeypatch):
    from signalbrief.writer import write_atomic

    synced = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    cache = Cache(tmp_path / "cache.json", "things", "")
    cache.put("a", 1)
    cache.save()
    assert synced == [] and Cache(tmp_path / "cache.json", "things", "").load() == {"a": 1}
    write_atomic(tmp_path / "brief.yaml", b"id: a\n")  # what a person wrote (translations written back)
    assert len(synced) == 1


@pytest.mark.parametrize("torn", [b"", b"\0" * 64, "half"])
def test_a_cache_torn_by_a_crash_is_ignored_with_a_warning(tmp_path, capsys, torn):
    cache = Cache(tmp_path / "cache.json", "things", "")
    for n in range(3 * BATCH):
        cache.put(f"key {n}", n)
    cache.save()
    whole = (tmp_path / "cache.json").read_bytes()
    (tmp_path / "cache.json").write_bytes(whole[: len(whole) // 2] if torn == "half" else torn)
    assert Cache(tmp_path / "cache.json", "things", "").load() == {}
    assert capsys.readouterr().err.count("warning") == 1
