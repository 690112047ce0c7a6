"""Newsletter-ready Markdown: absolute links, the grade table, plain source numbers, a Sources heading."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urljoin, urlsplit

import pytest
from markdown_it import MarkdownIt

from signalbrief.build import BuildOptions, build
from signalbrief.render import gettext_in
from tests.golden.regenerate import HERE, build_golden

BASE = "https://briefs.example.org/"
_HREF = re.compile(r'href="([^"]*)"')
_CITED = re.compile(r"(?<!\\)\\\[([0-9]+)\\\]")  # a citation as written: `\[n\]`
_SOURCE_ITEM = re.compile(r"^([0-9]+)\. ", re.MULTILINE)
_GFM = MarkdownIt("commonmark").enable("table")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The golden publication (base URL https://briefs.example.org/) built once."""
    output = tmp_path_factory.mktemp("golden") / "site"
    build_golden(output)
    return output


@pytest.fixture(scope="module")
def relative_site(tmp_path_factory) -> Path:
    """The golden publication built without a base URL."""
    scratch = tmp_path_factory.mktemp("relative")
    copy = scratch / "publication"
    shutil.copytree(HERE / "publication", copy, ignore=shutil.ignore_patterns(".signalbrief", "site"))
    config = copy / "signalbrief.yaml"
    config.write_text(re.sub(r"(?m)^base_url:.*\n", "", config.read_text(encoding="utf-8")), encoding="utf-8")
    with patch.dict(os.environ, SIGNALBRIEF_MODELS=str(scratch / "no-models")):
        build(copy, BuildOptions(output=scratch / "site", allow_untranslated=True))
    return scratch / "site"


def markdown_files(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.md"))
    assert found, "the build wrote no Markdown"
    return found


def links(markdown: str) -> list[str]:
    """Every link target a CommonMark reader finds in a Markdown text (links and autolinks)."""
    return _HREF.findall(_GFM.render(markdown))


def written_urls() -> set[str]:
    """The URLs the golden briefs themselves hold (sources, links in their text)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (HERE / "publication").rglob("*.yaml"))
    return set(re.findall(r"https?://[^\s)>'\"]+", text))


def test_every_link_is_absolute_with_a_base_url(site):
    external = written_urls()
    for path in markdown_files(site):
        found = links(path.read_text(encoding="utf-8"))
        assert found, path
        for href in found:
            parts = urlsplit(href)
            assert parts.scheme in ("http", "https"), f"{path}: {href}"
            assert href.startswith(BASE) or href in external, f"{path}: {href} is neither ours nor the brief's"


def test_the_brief_links_its_own_page_and_lock_cards_their_join_page(site):
    text = (site / "public" / "en" / "chip-export-rules.md").read_text(encoding="utf-8")
    found = links(text)
    assert f"{BASE}public/en/chip-export-rules/" in found
    assert f"{BASE}join/leadership-alliance/" in found


def test_links_to_brief_pages_stay_in_the_file_s_own_edition_and_view(site):
    """The lists of a brief's public part are rendered once for all editions; the links (see also, a
    paragraph's related brief, the date) are each edition's and view's own."""
    briefs = {path.stem for path in (HERE / "publication" / "briefs").glob("*.yaml")}
    checked = 0
    for path in markdown_files(site):
        own = f"{BASE}{path.parent.relative_to(site).as_posix()}/"
        for href in links(path.read_text(encoding="utf-8")):
            brief = href.rstrip("/").rpartition("/")[2]
            if href.startswith(BASE) and brief in briefs:
                assert href == f"{own}{brief}/", f"{path}: {href}"
                checked += brief != path.stem
    assert checked, "no link to another brief was found"


def test_relative_links_resolve_without_a_base_url(relative_site):
    checked = 0
    for path in markdown_files(relative_site):
        page = path.relative_to(relative_site).as_posix()
        for href in links(path.read_text(encoding="utf-8")):
            parts = urlsplit(href)
            if parts.scheme or href.startswith("/"):  # a source's URL, or a join page outside the build
                continue
            target = relative_site / urljoin(page, href)
            assert (target / "index.html").is_file() or target.is_file(), f"{path}: {href} is broken"
            checked += 1
    assert checked


def test_the_grade_table_marks_the_brief_s_row(site):
    for path in markdown_files(site):
        html = _GFM.render(path.read_text(encoding="utf-8"))
        tables = re.findall(r"<table>.*?</table>", html, re.DOTALL)
        languages = 2 if "/bi/" in path.as_posix() else 1
        assert len(tables) == languages, path
        for table in tables:
            rows = re.findall(r"<tr>.*?</tr>", table, re.DOTALL)
            marked = [row for row in rows if "◀" in row]
            assert len(rows) == 7 and len(marked) == 1, path  # a header and six grades
            assert marked[0].count("<strong>") == 3, path


def test_each_source_is_listed_once_and_every_citation_resolves(site):
    checked = 0
    for path in markdown_files(site):
        text = path.read_text(encoding="utf-8")
        assert "[^" not in text, path
        if "chip-export-rules" not in path.name:  # the golden brief that cites sources
            continue
        body, _, sources = text.rpartition("\n## ")
        numbers = [int(n) for n in _SOURCE_ITEM.findall(sources)]
        assert numbers == list(range(1, len(numbers) + 1)), path
        cited = {int(n) for n in _CITED.findall(body)}
        assert cited and cited <= set(numbers), path
        checked += 1
        for number in cited:  # shown as plain text, never as a link or footnote
            assert f"[{number}]" in _GFM.render(body).replace("<a ", "")
    assert checked == 9


def test_repeated_citations_show_one_plain_number_with_the_footnote_plugin(site):
    footnote = pytest.importorskip("mdit_py_plugins.footnote")
    md = MarkdownIt("commonmark").use(footnote.footnote_plugin)
    for path in markdown_files(site):
        html = md.render(path.read_text(encoding="utf-8"))
        assert not re.search(r"\[[0-9]+:[0-9]+\]", html), path


@pytest.mark.parametrize("view", ["en", "zh", "bi"])
def test_a_sources_heading_in_each_language(site, view):
    heading = gettext_in("en" if view == "bi" else view, "Sources")
    for edition in ("public", "strategy-circle", "leadership-alliance"):
        text = (site / edition / view / "chip-export-rules.md").read_text(encoding="utf-8")
        assert f"\n## {heading}\n" in text, edition
    assert gettext_in("zh", "Sources") == "来源"
