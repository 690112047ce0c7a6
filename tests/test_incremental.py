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
