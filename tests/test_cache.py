"""One cache shape and one stable hash: every cache file is written and read back the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest

from signalbrief import __version__
from signalbrief.cache import BATCH, FRAME_BATCH, Cache, Remembered, frame, frames, json_path, keep, stable_hash
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


def test_plain_hash_tells_plain_values_apart_by_type_content_and_order():
    from markupsafe import Markup

    from signalbrief.cache import plain_hash

    assert plain_hash(["a", 1, 1.5, None, True]) == plain_hash(["a", 1, 1.5, None, True])
    assert len({plain_hash(v) for v in (1, 1.0, "1", True, [1], (1,), {"1": 1}, {"1": 1.0})}) == 8
    assert plain_hash({"a": 1, "b": 2}) != plain_hash({"b": 2, "a": 1})  # a dict's order counts
    assert plain_hash(["ab", "c"]) != plain_hash(["a", "bc"])
    assert plain_hash(Markup("<b>x</b>")) == stable_hash(Markup("<b>x</b>"))  # not marshal's: stable_hash's


def test_plain_hash_is_the_same_in_every_process_whatever_it_interned():
    """marshal's later versions mark interned strings and refer back to objects seen twice: which
    strings a process interned, and what it holds twice, must not change the hash."""
    value = [("id", "en"), {"en": "a", "zh": "b"}, ["en", "en", 2.5, -7, None]]
    code = (
        "import sys; from signalbrief.cache import plain_hash;"
        "value = [('id', sys.intern('en')), {'en': 'a', 'zh': 'b'}, ['e' + 'n'[:1], 'en', 2.5, -7, None]];"
        "print(plain_hash(value))"
    )
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        seen.add(done.stdout.strip())
    from signalbrief.cache import plain_hash

    assert seen == {plain_hash(value)}


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


def parts_of(path):
    """A cache file's parts: its head line, then each frame's bytes."""
    data = path.read_bytes()
    start = data.index(b"\n") + 1
    stream = BytesIO(data)
    stream.seek(start)
    return [data[:start], *[packed for packed, _ in frames(stream, len(data))]]


def flipped(packed: bytes) -> bytes:
    """A frame with one byte of its value changed (its hash no longer matches)."""
    return packed[:-1] + bytes([packed[-1] ^ 1])


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda parts: parts[:-1], "damaged (incomplete)"),  # cut at a frame's end
        (lambda parts: [*parts[:-1], parts[-1][:-3]], "damaged (incomplete)"),  # cut inside a frame
        (lambda parts: [parts[0], b"\xff" * 4 + parts[1][4:], *parts[2:]], "damaged (incomplete)"),  # a 4 GB length
        (lambda parts: [parts[0].replace(b'"demo"', b'"other"'), *parts[1:]], "damaged (not a demo cache)"),
        (lambda parts: [parts[0].replace(__version__.encode(), b"0.0.0-old"), *parts[1:]], "written by another"),
        (lambda parts: [*parts, parts[-1]], "damaged (unexpected content)"),  # something after the end
        (lambda parts: [parts[0], flipped(parts[1]), *parts[2:]], "damaged (unexpected content)"),
        (lambda parts: [parts[0], frame(["k", 1]), *parts[2:]], "damaged (unexpected content)"),  # not a batch
        (lambda parts: [b"[1]\n", *parts[1:]], "damaged (not a JSON object)"),
        (lambda parts: [b"{\n", *parts[1:]], "damaged (not JSON)"),
    ],
)
def test_a_file_of_another_shape_is_ignored_with_one_warning(tmp_path, capsys, change, why):
    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    for n in range(BATCH + 1):
        cache.put(str(n), n)
    cache.save()
    path.write_bytes(b"".join(change(parts_of(path))))
    again = Cache(path, "demo", "ctx")
    assert again.load() == {}
    again.damaged()  # a caller finding a bad entry too: still one line
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}: warning: {why}") and err[0].endswith("; ignored")


def test_a_frame_whose_bytes_do_not_match_their_hash_is_never_unpacked(tmp_path, monkeypatch, capsys):
    import marshal

    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    cache.put("k", "value")
    cache.save()
    head, packed, end = parts_of(path)
    path.write_bytes(head + flipped(packed) + end)
    unpacked = []
    monkeypatch.setattr(marshal, "loads", lambda data: unpacked.append(bytes(data)))
    assert Cache(path, "demo", "ctx").load() == {} and unpacked == []
    assert "damaged (unexpected content)" in capsys.readouterr().err


def test_values_that_are_subclasses_of_plain_values_are_written_as_plain_values(tmp_path):
    from markupsafe import Markup

    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    cache.put("row", Markup("<li>a</li>"))
    cache.put("rows", [Markup("<li>b</li>")])
    cache.save()
    loaded = Cache(path, "demo", "ctx").load()
    assert loaded == {"row": "<li>a</li>", "rows": ["<li>b</li>"]} and type(loaded["row"]) is str
    with pytest.raises(TypeError):
        Cache(path, "demo", "ctx").put("thing", object()) or frame(object())


def test_a_file_of_another_packing_is_not_used_and_not_warned_about(tmp_path, capsys):
    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    cache.put("k", 1)
    cache.save()
    head, *rest = parts_of(path)
    path.write_bytes(head.replace(b'"packing":"marshal', b'"packing":"other') + b"".join(rest))
    assert Cache(path, "demo", "ctx").load() == {} and capsys.readouterr().err == ""


def test_entries_are_written_as_they_come(tmp_path):
    """A large cache is never held whole: what was put is on disk (in a hidden file) before `save`."""
    path = tmp_path / "c.json"
    cache = Cache(path, "demo", "ctx")
    for n in range(BATCH * 4):
        cache.put(str(n), f"{n:0100d}")  # each its own text: marshal packs one object seen twice once
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


def saved_with_frames(path, entries, context="ctx"):
    """A cache that copies its unchanged frames, after `save_all`: the entries it encoded."""
    encoded = []
    cache = Cache(path, "demo", context, copies_frames=True)
    cache.load()
    cache.save_all(entries(cache.load()), lambda value: encoded.append(value) or value)
    return encoded


def test_a_save_copies_the_frames_whose_entries_are_unchanged_and_encodes_the_rest(tmp_path):
    path = tmp_path / "c.json"
    many = {f"k{n}": [n] for n in range(FRAME_BATCH * 4)}
    assert len(saved_with_frames(path, lambda _: many)) == len(many)
    first = parts_of(path)
    encoded = saved_with_frames(path, lambda known: {**known, "k5": ["changed"], "new": [0]})
    assert len(encoded) == FRAME_BATCH + 1 and ["changed"] in encoded  # the changed entry's frame, and the new entry
    second = parts_of(path)
    assert len(first) == 6 and len(set(first) & set(second)) == 4  # the head, and three frames copied as they were
    assert Cache(path, "demo", "ctx").load() == {**many, "k5": ["changed"], "new": [0]}
    forgotten = saved_with_frames(path, lambda known: {key: value for key, value in known.items() if key != "k70"})
    assert len(forgotten) == FRAME_BATCH - 1  # the frame that held k70 is written again without it
    assert "k70" not in Cache(path, "demo", "ctx").load()


def test_a_cache_of_another_context_copies_no_frame(tmp_path):
    path = tmp_path / "c.json"
    many = {f"k{n}": [n] for n in range(FRAME_BATCH * 2)}
    saved_with_frames(path, lambda _: many)
    assert saved_with_frames(path, lambda known: {**many, **known}, context="other") == list(many.values())
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
        head, *packed = parts_of(root / name)
        head = json.loads(head)
        batches, end = [frame_value(part) for part in packed[:-1]], frame_value(packed[-1])
        assert set(head) == {"version", "namespace", "packing", "context"} and head["version"] == __version__
        assert end == ["end", sum(len(batch) for batch in batches)] and all(isinstance(b, dict) for b in batches)
        assert all(len(batch) <= BATCH for batch in batches)
        namespaces.add(head["namespace"])
    assert namespaces == {"checked", "filled", "state", "trees", "fragments"}



def frame_value(packed: bytes) -> object:
    return next(frames(BytesIO(packed), len(packed)))[1]


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


@pytest.mark.parametrize("value", [["body", 0, "text"], [], ["a"], [3, 4]])
def test_a_field_path_read_back_is_its_keys_and_indexes(value):
    assert json_path(value) == tuple(value)


@pytest.mark.parametrize("value", [["body", True], ["body", 1.0], [["body"]], [None], ("body", 0), "body", {"body": 0}, None])
def test_a_field_path_read_back_of_another_shape_is_refused(value):
    with pytest.raises(TypeError):
        json_path(value)


# --- texts a library makes, remembered in the user's cache folder ---


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "signalbrief"


def test_a_remembered_text_is_made_once_and_found_by_later_runs(user_cache):
    made = []
    first = Remembered("dates", "1.0")
    assert first.text("day 2025-05-15", lambda: made.append(1) or "May 15, 2025") == "May 15, 2025"
    assert first.text("day 2025-05-15", lambda: made.append(1) or "again") == "May 15, 2025"
    first.save()
    assert Remembered("dates", "1.0").text("day 2025-05-15", lambda: pytest.fail("made again")) == "May 15, 2025"
    assert made == [1]
    assert Remembered("dates", "2.0").text("day 2025-05-15", lambda: "other") == "other"  # another version's file


def test_remembered_texts_are_written_only_when_a_run_added_one(user_cache):
    Remembered("dates", "1.0").save()
    assert not user_cache.exists()
    first = Remembered("dates", "1.0")
    first.text("a", lambda: "A")
    first.save()
    (kept,) = user_cache.glob("dates-*.json")
    stamp = kept.stat().st_mtime_ns
    again = Remembered("dates", "1.0")
    again.text("a", lambda: "made")
    again.save()
    assert kept.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("kept", [b"", b"garbage", "frame of a list", "frame of numbers", "byte changed"])
def test_a_damaged_or_foreign_file_of_remembered_texts_is_made_again(user_cache, kept):
    first = Remembered("dates", "1.0")
    first.text("a", lambda: "A")
    first.save()
    (file,) = user_cache.glob("dates-*.json")
    good = file.read_bytes()
    if kept == "frame of a list":
        keep(file, ["a", "A"])
    elif kept == "frame of numbers":
        keep(file, {"a": 1})
    elif kept == "byte changed":
        file.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    else:
        file.write_bytes(kept)
    assert Remembered("dates", "1.0").text("a", lambda: "made again") == "made again"


def test_without_a_home_folder_texts_are_made_each_run(monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HOME")
    monkeypatch.setattr("os.path.expanduser", lambda path: path)
    first = Remembered("dates", "1.0")
    first.text("a", lambda: "A")
    first.save()
    assert Remembered("dates", "1.0").text("a", lambda: "made again") == "made again"
