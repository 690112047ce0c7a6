"""Incremental builds: unchanged pages are kept (same file, not rewritten), changed ones re-rendered,
and the result is always byte-identical to a fresh build."""

from __future__ import annotations

import os
from pathlib import Path

from signalbrief.build import BuildOptions, build
from tests.conftest import BETA

OPTIONS = BuildOptions(allow_untranslated=True)


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
    for state in (root / ".signalbrief").glob("build-*.json"):
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
    for state in (root / ".signalbrief").glob("build-*.json"):
        text = state.read_text(encoding="utf-8").replace('"public/en/alpha.md"', '"../outside.txt"')
        state.write_text(text, encoding="utf-8")
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
    # One new row per list: 3 views (shared by the editions) + 2 Atom and 2 JSON feeds in each of 3 editions.
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
