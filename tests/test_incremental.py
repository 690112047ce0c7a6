"""Incremental builds: unchanged pages are kept (same file, not rewritten), changed ones re-rendered,
and the result is always byte-identical to a fresh build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from tests.cachefiles import cache_bytes, parse_cache, read_cache, replaced, write_cache
from tests.conftest import BETA, VALID, replace_line

OPTIONS = BuildOptions(allow_untranslated=True)
POLICY = replace_line(VALID, (13, 14), "summary:\n  en: The trade policy agreement [1].")  # the tiny model fills it
STATE = Path(".signalbrief/outputs/site")  # the work folder of site/: its spare and state


def inodes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): os.stat(p).st_ino for p in folder.rglob("*") if p.is_file()}


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_nothing_changed_leaves_the_output_alone(publication):
    root = publication()
    build(root, OPTIONS)
    before = {p: os.stat(root / "site" / p).st_mtime_ns for p in inodes(root / "site")}
    build(root, OPTIONS)
    assert {p: os.stat(root / "site" / p).st_mtime_ns for p in before} == before


def test_one_changed_brief_rerenders_only_its_pages(publication, tmp_path):
    root = publication()
    build(root, OPTIONS)
    first = inodes(root / "site")
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    build(root, OPTIONS)
    second = inodes(root / "site")
    changed = {p for p in second if second[p] != first.get(p)}
    assert "public/en/beta/index.html" in changed and "public/en/beta.md" in changed
    assert "public/en/alpha.md" not in changed and "strategy-circle/zh/alpha/index.html" not in changed
    build(root, BuildOptions(output=tmp_path / "fresh", allow_untranslated=True))
    assert contents(root / "site") == contents(tmp_path / "fresh")


def test_a_see_also_title_change_rerenders_the_briefs_that_show_it(publication):
    root = publication()
    build(root, OPTIONS)
    first = inodes(root / "site")
    (root / "briefs" / "beta.yaml").write_text(
        BETA.replace("signal: {en: Second}", "signal: {en: Renamed}"), encoding="utf-8"
    )
    build(root, OPTIONS)
    second = inodes(root / "site")
    assert second["public/en/alpha/index.html"] != first["public/en/alpha/index.html"]  # alpha links to beta
    assert "Renamed" in (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")


def test_a_template_change_rerenders_everything(publication):
    root = publication()
    build(root, OPTIONS)
    first = inodes(root / "site")
    (root / "templates").mkdir()
    (root / "templates" / "base.html").write_text(
        '{% extends "default:base.html" %}{% block footer %}<footer>New</footer>{% endblock %}', encoding="utf-8"
    )
    build(root, OPTIONS)
    second = inodes(root / "site")
    assert all(second[p] != first[p] for p in second if p.endswith("index.html"))


def test_a_hand_edited_output_file_is_rendered_again(publication):
    root = publication()
    build(root, OPTIONS)
    page = root / "site/public/en/alpha/index.html"
    original = page.read_bytes()
    page.write_bytes(b"edited by hand")
    build(root, OPTIONS)
    assert page.read_bytes() == original


def test_deleting_the_state_only_costs_time(publication, tmp_path):
    root = publication()
    build(root, OPTIONS)
    for state in (root / STATE).glob("state*.json"):
        state.unlink()
    build(root, OPTIONS)
    build(root, BuildOptions(output=tmp_path / "fresh", allow_untranslated=True))
    assert contents(root / "site") == contents(tmp_path / "fresh")


EDITS = [
    ("beta.yaml", lambda text, n: text.replace("Body.", f"Body {n}.")),
    ("beta.yaml", lambda text, n: text.replace("signal: {en: ", f"signal: {{en: T{n} ", 1)),
    ("gamma.yaml", lambda text, n: BETA.replace("Second", f"Third {n}")),  # a new brief
    ("gamma.yaml", None),  # deleted
    ("beta.yaml", lambda text, n: text.replace("draft: true\n", "").replace("date:", "draft: true\ndate:", 1)),
    ("beta.yaml", lambda text, n: text.replace("draft: true\n", "")),
]


def test_any_sequence_of_edits_gives_the_output_of_a_fresh_build(publication, tmp_path):
    """The spare folder is one build behind; whatever the edits in between, every build's output is
    byte-identical to a fresh build of the same briefs, and the files of unchanged briefs are kept."""
    import random

    root = publication()
    alpha = root / "briefs" / "alpha.yaml"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("see_also: [beta]", "see_also: []"), encoding="utf-8")
    chance = random.Random(7)
    build(root, OPTIONS)
    kept = inodes(root / "site")["public/en/alpha.md"]
    for n in range(16):
        name, edit = chance.choice(EDITS)
        path = root / "briefs" / name
        if edit is None:
            path.unlink(missing_ok=True)
        elif path.exists() or name == "gamma.yaml":
            path.write_text(edit(path.read_text(encoding="utf-8") if path.exists() else "", n), encoding="utf-8")
        build(root, OPTIONS)
        fresh = tmp_path / f"fresh-{n}"
        build(root, BuildOptions(output=fresh, allow_untranslated=True))
        assert contents(root / "site") == contents(fresh), f"after edit {n} ({name})"
        assert inodes(root / "site")["public/en/alpha.md"] == kept  # alpha never changed: never rewritten
        assert set(_trees(root)["folders"]) == _folders_of(_state_lines(root)[1]["files"]), f"after edit {n}"


@pytest.mark.parametrize("search", ["true", "false"])  # without an index, an edit rewrites the spare's very paths
def test_the_recorded_folders_are_those_of_the_recorded_files_as_briefs_come_and_go(publication, search):
    root = publication(config=f"search: {search}\n")
    gamma, beta = root / "briefs" / "gamma.yaml", root / "briefs" / "beta.yaml"
    build(root, OPTIONS)
    gamma.write_text(BETA.replace("Second", "Third"), encoding="utf-8")
    build(root, OPTIONS)  # the first output is now the spare: it has no gamma
    beta.write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    build(root, OPTIONS)  # from the spare, adding gamma's files
    gamma.unlink()
    build(root, OPTIONS)  # from the spare that has gamma: its folders go
    beta.write_text(BETA.replace("Body.", "Newer body."), encoding="utf-8")
    for step in ("gone", "edited"):
        files = _state_lines(root)[1]["files"]
        assert set(_trees(root)["folders"]) == _folders_of(files), step
        assert not any("gamma" in path for path in _trees(root)["folders"]), step
        build(root, OPTIONS)  # the same paths as the spare's: an edit's build


def _folders_of(files: dict) -> set[str]:
    """Every folder holding one of the files, at any depth ("" the output folder itself)."""
    found = {""}
    for path in files:
        parts = path.split("/")[:-1]
        found.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return found


def test_files_put_into_the_output_by_hand_are_gone_after_the_next_builds(publication):
    root = publication()
    build(root, OPTIONS)
    (root / "site/public/en/notes.txt").write_text("mine", encoding="utf-8")
    (root / "site/public/stray").mkdir()
    for n in range(3):  # the hand-edited folder becomes the spare, then the output again
        (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", f"Body {n}."), encoding="utf-8")
        build(root, OPTIONS)
        assert not (root / "site/public/en/notes.txt").exists() and not (root / "site/public/stray").exists()


def test_a_tampered_state_cannot_point_the_build_outside_its_folders(publication, tmp_path):
    root = publication()
    build(root, OPTIONS)
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 1."), encoding="utf-8")
    build(root, OPTIONS)  # now there is a spare and a state for it
    outside = root / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    for state in (root / STATE).glob("state*.json"):
        write_cache(state, [replaced(part, "public/en/alpha.md", "../outside.txt") for part in read_cache(state)])
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 2."), encoding="utf-8")
    build(root, OPTIONS)
    assert outside.read_text(encoding="utf-8") == "keep"
    build(root, BuildOptions(output=tmp_path / "fresh", allow_untranslated=True))
    assert contents(root / "site") == contents(tmp_path / "fresh")


def test_a_hand_edit_reaching_the_spare_is_rendered_again(publication):
    """Unchanged files are shared (hard links) by the output and the spare: an edit made in place in
    the output shows in both, and the build that starts from the spare must not keep it."""
    root = publication()
    build(root, OPTIONS)
    page = root / "site/public/en/alpha.md"
    original = page.read_bytes()
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 1."), encoding="utf-8")
    build(root, OPTIONS)
    with open(page, "r+b") as out:  # in place: the same file (inode) as the spare's copy
        out.write(b"EDITED")
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 2."), encoding="utf-8")
    build(root, OPTIONS)
    assert page.read_bytes() == original


def test_a_title_change_renders_one_row_of_each_list(publication, monkeypatch):
    """Rows of index pages and feed entries are kept between builds by what they are made from."""
    from signalbrief.formats.site import Site

    root = publication()
    build(root, OPTIONS)
    rendered: list[str] = []
    real = Site.rows

    def spy(self, kind, context, render):
        made = self.fragments.made
        rows = real(self, kind, context, render)
        rendered.append(self.fragments.made - made)
        return rows

    monkeypatch.setattr(Site, "rows", spy)
    (root / "briefs/beta.yaml").write_text(BETA.replace("{en: Second}", "{en: Renamed}"), encoding="utf-8")
    build(root, OPTIONS)
    # One new row per list: one per view (shared by every depth, index and browse page, and by the
    # editions) + 2 Atom and 2 JSON feeds in each of 3 editions.
    assert sum(rendered) == 3 + 2 * 3 + 2 * 3
    assert "Renamed" in (root / "site/public/en/index.html").read_text(encoding="utf-8")
    assert "Renamed" in (root / "site/strategy-circle/en/feed.xml").read_text(encoding="utf-8")


def test_a_row_template_override_reaches_every_list(publication):
    root = publication()
    build(root, OPTIONS)
    (root / "templates").mkdir()
    (root / "templates/brief_row.html").write_text("<li>ROW {{ item.id }}</li>\n", encoding="utf-8")
    build(root, OPTIONS)
    page = (root / "site/public/en/index.html").read_text(encoding="utf-8")
    assert "<li>ROW alpha</li>" in page and "<li>ROW beta</li>" in page


# --- Every cache file read back damaged (issue 15, point 14) ---

CACHES = [
    ".signalbrief/checked.json",
    ".signalbrief/filled.json",
    ".signalbrief/outputs/site/state.json",
    ".signalbrief/outputs/site/trees.json",
    ".signalbrief/outputs/site/fragments.json",
]


def _wrong(value):
    """The same data with every value of another type (lists become objects, texts numbers, ...)."""
    if isinstance(value, dict):
        return {key: _wrong(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return {str(n): _wrong(inner) for n, inner in enumerate(value)}
    if isinstance(value, str):
        return 7
    return [value] if value is None or isinstance(value, bool) else str(value)


def _wrong_shape(data: bytes) -> bytes:
    """Keep each file's own keys (version, rules, context, base), give everything else the wrong type."""
    head, *values = parse_cache(data)
    head = {key: value if isinstance(value, str) else _wrong(value) for key, value in head.items()}
    return cache_bytes([head, *map(_wrong, values)])


def _other_version(data: bytes) -> bytes:
    head, *values = parse_cache(data)
    return cache_bytes([{**head, "version": "0.0.1-other"}, *values])


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "garbage": lambda data: b"\x00\xff\x89PNG not a cache \xe4\xb8",
    "wrong-shape": _wrong_shape,
    "other-version": _other_version,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("cache", CACHES)
def test_a_damaged_cache_file_is_ignored_with_a_warning(installed_models, publication, run, tmp_path, cache, damage):
    root = publication({"alpha": POLICY, "beta": BETA})
    assert run(root, "build").exit_code == 0
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 1."), encoding="utf-8")
    assert run(root, "build").exit_code == 0  # now there is a spare, and a state for it
    kept = {str(p.relative_to(root)) for p in (root / ".signalbrief").rglob("*") if p.is_file()}
    ours = {p for p in kept if "/previous/" not in p and not p.endswith(("/lock", "translations.sqlite"))}
    assert ours == set(CACHES)  # every cache file is in this test
    path = root / cache
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    (root / "briefs/beta.yaml").write_text(BETA.replace("{en: Second}", "{en: Renamed}"), encoding="utf-8")
    result = run(root, "build")
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    warned = [line for line in result.stderr.splitlines() if "warning" in line]
    why = "written by another signalbrief version" if damage == "other-version" else "damaged ("
    assert len(warned) == 1 and warned[0].startswith(f"{path}: warning: {why}"), result.stderr
    assert warned[0].endswith("; ignored")
    assert run(root, "build", "-o", str(tmp_path / "fresh")).exit_code == 0
    assert contents(root / "site") == contents(tmp_path / "fresh")
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 2."), encoding="utf-8")
    again = run(root, "build")
    assert again.exit_code == 0 and "warning" not in again.stderr  # the cache was written anew


HEAVY = ("pydantic", "jinja2", "signalbrief.validate", "signalbrief.render", "signalbrief.formats.site", "signalbrief.translate.fill")
_IMPORTS_OF_A_BUILD = """
import sys
from signalbrief.cli import cli
try:
    cli(prog_name="signalbrief")  # not main(): a finished build leaves without running this `finally`
finally:
    print(sorted(name for name in sys.modules if name in HEAVY), file=sys.__stdout__)
"""


def test_a_build_that_finds_nothing_changed_loads_no_validator_renderer_or_translator(publication):
    root = publication()
    command = [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{_IMPORTS_OF_A_BUILD}", "-C", str(root), "build", "--allow-untranslated"]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert first.stdout.strip() == str(sorted(HEAVY))  # this one built
    again = subprocess.run(command, capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "[]", again.stderr


@pytest.mark.parametrize(
    "paths",
    [
        ["public/en/a/index.html", "../escape.html"],
        ["public/en/a/index.html", "/etc/passwd"],
        ["a/../../b"],
        ["a", ""],
        ["a/", "b"],
        ["a", "./b"],
        ["a\\b"],
        ["a/\0b"],
        ["a", "b\n..", "c"],  # a line break inside a path must not hide its `..`
        ["a", "b\n", "c"],
        ["a.", ".b", "..c"],
        [],
    ],
)
def test_a_state_s_paths_are_checked_together_as_each_alone(paths):
    from signalbrief.incremental import all_inside
    from signalbrief.writer import inside

    assert all_inside(paths) == all(inside(p) for p in paths)


def test_a_brief_whose_stamp_is_as_recorded_is_not_read_again(publication, monkeypatch):
    import signalbrief.build as building

    monkeypatch.setattr(building, "SETTLED_NS", -(10**18))  # trust the stamps of files written just now
    root = publication()
    build(root, OPTIONS)
    read = []
    monkeypatch.setattr(building, "_read_digest", lambda path: read.append(path))
    build(root, OPTIONS)
    assert read == []


def test_a_rewrite_that_keeps_size_and_modification_time_is_still_seen(publication, monkeypatch, tmp_path):
    import signalbrief.build as building

    monkeypatch.setattr(building, "SETTLED_NS", -(10**18))
    root = publication()
    build(root, OPTIONS)
    beta = root / "briefs" / "beta.yaml"
    before = os.stat(beta)
    beta.write_text(BETA.replace("Body.", "Bodx."), encoding="utf-8")  # same size
    os.utime(beta, ns=(before.st_atime_ns, before.st_mtime_ns))  # same modification time: only ctime tells
    assert os.stat(beta).st_size == before.st_size
    build(root, OPTIONS)
    assert "Bodx." in (root / "site/public/en/beta/index.html").read_text(encoding="utf-8")
    build(root, BuildOptions(output=tmp_path / "fresh", allow_untranslated=True))
    assert contents(root / "site") == contents(tmp_path / "fresh")


def test_a_brief_written_just_now_is_read_again_even_with_its_stamp_recorded(publication, monkeypatch):
    import signalbrief.build as building

    root = publication()
    build(root, OPTIONS)
    read = []
    monkeypatch.setattr(building, "_read_digest", lambda path: read.append(path) or "-")
    build(root, OPTIONS)  # files written within SETTLED_NS: a same-size write in the same clock tick could hide
    assert len(read) == 2


def _state_lines(root: Path, name: str = "state.json") -> list:
    """A state file's head, then the value of each of its frames."""
    return read_cache(root / STATE / name)


def _trees(root: Path) -> dict:
    """The rest of the state, from its trees file: the output's steps and folders, the spare's record."""
    return {key: value for line in _state_lines(root, "trees.json")[1:-1] for key, value in line.items()}


def _spare_record(root: Path, value: object) -> None:
    """Replace how the state records the spare's differences from the output."""
    lines = _state_lines(root, "trees.json")
    holding = [line for line in lines[1:-1] if "spare" in line]
    assert len(holding) == 1 and holding[0]["spare"] is not None
    holding[0]["spare"] = value
    write_cache(root / STATE / "trees.json", lines)


def test_the_state_records_the_spare_as_its_few_differences_from_the_output(publication):
    root = publication()
    build(root, OPTIONS)
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    build(root, OPTIONS)  # now there is a spare: the output before this edit
    state = _state_lines(root)[1]
    record = _trees(root)["spare"]
    changed = record["files"]
    assert changed and all("beta" in path or "/pagefind/" in path for path in changed)  # beta's pages, its index
    assert len(record["folder_stamps"]) == len(_trees(root)["folders"])  # the same folders, in order
    assert len(changed) < len(state["files"]) / 2
    assert not (root / STATE / "state.spare.json").exists()


@pytest.mark.parametrize(
    "damage",
    [
        7,
        {"files": {"../victim": 1}, "steps": {}, "folders": {}},
        {"files": []},
        {"files": {}, "steps": {}, "folder_stamps": [1]},  # not one stamp for each of the output's folders
        {"files": {}, "steps": {}, "folder_stamps": "1"},
        "trees",
    ],
)
def test_a_damaged_record_of_the_spare_is_read_only_by_a_build_that_renders(publication, capsys, tmp_path, damage):
    root = publication()
    build(root, OPTIONS)
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    build(root, OPTIONS)  # now there is a spare, and a record of it
    if damage == "trees":  # the whole rest of the tree, not JSON
        trees = root / STATE / "trees.json"
        trees.write_bytes(trees.read_bytes()[:-30] + b"\n")
    else:
        _spare_record(root, damage)
    (root / STATE / "victim").write_text("not the build's", encoding="utf-8")  # beside the spare, outside it
    capsys.readouterr()
    build(root, OPTIONS)
    assert capsys.readouterr().err == ""  # a build that renders would warn that it is damaged
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("Body.", "Newer body."), encoding="utf-8")
    build(root, OPTIONS)
    warned = capsys.readouterr().err.splitlines()
    assert len(warned) == 1 and "trees.json: warning: damaged" in warned[0] and warned[0].endswith("; ignored")
    build(root, BuildOptions(output=tmp_path / "fresh", allow_untranslated=True))
    assert contents(root / "site") == contents(tmp_path / "fresh")
    assert (root / STATE / "victim").read_text(encoding="utf-8") == "not the build's"


def test_a_build_that_finds_nothing_changed_just_after_an_edit_loads_no_yaml_parser(publication):
    root = publication()
    command = [sys.executable, "-c", f"HEAVY = ('yaml',)\n{_IMPORTS_OF_A_BUILD}", "-C", str(root), "build", "--allow-untranslated"]
    subprocess.run(command, capture_output=True, text=True, check=True)
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    subprocess.run(command, capture_output=True, text=True, check=True)  # beta is too new to be known by its stamp
    again = subprocess.run(command, capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "[]", again.stderr
