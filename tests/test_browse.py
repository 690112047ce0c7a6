"""Browse pages (by type, region, market class and month) and the pagination of every list."""

from __future__ import annotations

import datetime
import posixpath
import re
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from signalbrief.formats.browse import FACETS, Lists
from signalbrief.formats.search import SEARCH_FOLDER
from signalbrief.validate import RESERVED_IDS

BRIEFS = 120
FIRST_DAY = datetime.date(2024, 1, 1)
SECRET = "cnrybrowsesecret"
LINK = re.compile(r'<a[^>]* href="([^"]+)"')
ROW = re.compile(r'<a class="signal" href="([^"]+)"')


def brief_yaml(index: int) -> str:
    """Brief `index`: a day after the one before; funding on even numbers, CN beside US on every third."""
    day = FIRST_DAY + datetime.timedelta(days=index)
    kind = "funding" if index % 2 == 0 else "policy-agreement"
    regions = "[US, CN]" if index % 3 == 0 else "[US]"
    market = "flash" if index % 4 == 0 else "trend"
    return f"""\
date: {day.isoformat()}
signal: {{en: Signal {index}, zh: 信号 {index}}}
type: {kind}
regions: {regions}
market_class: {market}
confidence: {{score: 0.5, basis: expert-input}}
summary: {{en: Summary {index}, zh: 摘要 {index}}}
body:
  - {{en: Body {index}, zh: 正文 {index}}}
sections:
  - tier: strategy-circle
    title: {{en: Member notes, zh: 会员笔记}}
    body:
      - {{en: {SECRET} {index}, zh: {SECRET} {index}}}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A build of 120 briefs in English and Chinese."""
    root = tmp_path_factory.mktemp("browse")
    (root / "briefs").mkdir()
    for index in range(BRIEFS):
        (root / "briefs" / f"b{index:03d}.yaml").write_text(brief_yaml(index), encoding="utf-8")
    build(root, BuildOptions(output=Path("site"), views=("en", "zh"), formats=("html",)))
    return root / "site"


def rows(page: Path) -> list[str]:
    """The ids of the briefs a list page shows, in order, checking each row's link leads to the brief."""
    found = []
    for href in ROW.findall(page.read_text(encoding="utf-8")):
        assert target(page, href).is_file(), (page, href)
        found.append(posixpath.basename(href.rstrip("/")))
    return found


def target(page: Path, href: str) -> Path:
    """The file a relative link of a page leads to."""
    return Path(posixpath.normpath(posixpath.join(str(page.parent), href))) / "index.html"


def rel(page: Path, kind: str) -> Path | None:
    """Where a page's `rel` link of a kind leads (checking the head and the pager agree), or None."""
    text = page.read_text(encoding="utf-8")
    head = re.findall(rf'<link rel="{kind}" href="([^"]+)">', text)
    body = re.findall(rf'<a rel="{kind}" href="([^"]+)">', text)
    assert head == body, (page, kind)
    return target(page, body[0]) if body else None


def newest_first(ids: list[int]) -> list[str]:
    return [f"b{index:03d}" for index in sorted(ids, reverse=True)]


def test_an_index_of_120_briefs_has_pages_of_50_50_and_20_linked_in_order(site):
    first = site / "public" / "en" / "index.html"
    second = site / "public" / "en" / "page" / "2" / "index.html"
    third = site / "public" / "en" / "page" / "3" / "index.html"
    assert [len(rows(page)) for page in (first, second, third)] == [50, 50, 20]
    assert rows(first) + rows(second) + rows(third) == newest_first(list(range(BRIEFS)))
    assert not (site / "public" / "en" / "page" / "4").exists()
    assert (rel(first, "prev"), rel(first, "next")) == (None, second)
    assert (rel(second, "prev"), rel(second, "next")) == (first, third)
    assert (rel(third, "prev"), rel(third, "next")) == (second, None)
    assert "Page 2 of 3" in second.read_text(encoding="utf-8")
    assert "第 3 页，共 3 页" in (site / "public" / "zh" / "page" / "3" / "index.html").read_text(encoding="utf-8")
    for page in (first, second, third):
        assert page.stat().st_size < 64_000, page


def test_every_edition_is_paginated_alike(site):
    for edition in ("public", "strategy-circle", "leadership-alliance"):
        assert len(rows(site / edition / "zh" / "page" / "3" / "index.html")) == 20, edition


def test_a_browse_page_lists_its_term_s_briefs_in_pages_of_50(site):
    folder = site / "public" / "en" / "type" / "funding"
    first, second = folder / "index.html", folder / "page" / "2" / "index.html"
    assert rows(first) + rows(second) == newest_first([i for i in range(BRIEFS) if i % 2 == 0])
    assert [len(rows(first)), len(rows(second))] == [50, 10]
    assert (rel(first, "next"), rel(second, "prev"), rel(second, "next")) == (second, first, None)
    january = site / "public" / "en" / "month" / "2024-01" / "index.html"
    assert rows(january) == newest_first(list(range(31)))
    assert "January 2024" in january.read_text(encoding="utf-8")
    china = site / "public" / "en" / "region" / "CN" / "index.html"
    assert rows(china) == newest_first([i for i in range(BRIEFS) if i % 3 == 0])
    flash = site / "public" / "en" / "market-class" / "flash" / "index.html"
    assert rows(flash) == newest_first([i for i in range(BRIEFS) if i % 4 == 0])


def test_a_facet_overview_lists_each_term_with_its_count_in_the_view_s_language(site):
    overview = (site / "public" / "zh" / "region" / "index.html").read_text(encoding="utf-8")
    assert "<h1>地区</h1>" in overview
    assert '<a href="CN/">中国</a> <span class="meta">(40)</span>' in overview
    assert '<a href="US/">美国</a> <span class="meta">(120)</span>' in overview
    months = (site / "public" / "en" / "month" / "index.html").read_text(encoding="utf-8")
    terms = months.split('<ul class="facet-terms">')[1].split("</ul>")[0]
    assert re.findall(r'<a href="([^"]+)">', terms) == ["2024-04/", "2024-03/", "2024-02/", "2024-01/"]
    assert '<a href="2024-02/">February 2024</a> <span class="meta">(29)</span>' in months
    types = (site / "public" / "en" / "type" / "index.html").read_text(encoding="utf-8")
    assert '<a href="funding/">Funding</a> <span class="meta">(60)</span>' in types


def test_a_brief_page_links_its_type_regions_market_class_and_month_to_browse_pages(site):
    page = site / "public" / "en" / "b003" / "index.html"
    facts = page.read_text(encoding="utf-8").split('<dl class="facts">')[1].split("</dl>")[0]
    links = LINK.findall(facts)
    assert links == ["../type/policy-agreement/", "../region/US/", "../region/CN/", "../market-class/trend/", "../month/2024-01/"]
    for href in links:
        assert target(page, href).is_file(), href


@pytest.mark.parametrize("page", ["index.html", "page/2/index.html", "b003/index.html", "type/index.html", "month/2024-01/index.html"])
def test_every_page_s_masthead_links_the_four_browse_overviews(site, page):
    path = site / "public" / "zh" / page
    nav = path.read_text(encoding="utf-8").split('<nav class="topics"')[1].split("</nav>")[0]
    links = LINK.findall(nav)
    assert [target(path, href).parent.name for href in links] == ["type", "region", "market-class", "month"]
    assert all(target(path, href).is_file() for href in links)
    assert "信号类型" in nav and "月份" in nav


def test_no_browse_or_index_page_of_a_lower_edition_holds_member_text(site):
    for edition, shown in (("public", False), ("strategy-circle", True)):
        lists = [p for p in (site / edition).rglob("index.html") if not re.fullmatch(r"b[0-9]{3}", p.parent.name)]
        assert len(lists) > 20  # the overviews, the term pages and their further pages
        assert not any(SECRET in p.read_text(encoding="utf-8") for p in lists), edition
        brief = (site / edition / "en" / "b000" / "index.html").read_text(encoding="utf-8")
        assert (SECRET in brief) == shown, edition  # the check can fail: the member edition shows it


def test_an_incremental_build_moves_a_changed_brief_between_browse_pages(tmp_path):
    root = tmp_path / "pub"
    (root / "briefs").mkdir(parents=True)
    for index in range(3):
        (root / "briefs" / f"b{index:03d}.yaml").write_text(brief_yaml(index), encoding="utf-8")
    options = BuildOptions(output=Path("site"), views=("en",), formats=("html",))
    build(root, options)
    funding = root / "site" / "public" / "en" / "type" / "funding" / "index.html"
    assert rows(funding) == ["b002", "b000"]
    changed = brief_yaml(2).replace("type: funding", "type: policy-agreement")
    (root / "briefs" / "b002.yaml").write_text(changed, encoding="utf-8")
    build(root, options)
    assert rows(funding) == ["b000"]
    agreements = root / "site" / "public" / "en" / "type" / "policy-agreement" / "index.html"
    assert rows(agreements) == ["b002", "b001"]
    changed = brief_yaml(1).replace("market_class: trend", "market_class: flash")
    (root / "briefs" / "b001.yaml").write_text(changed, encoding="utf-8")
    build(root, options)
    assert rows(root / "site" / "public" / "en" / "market-class" / "flash" / "index.html") == ["b001", "b000"]


class _Rows(dict):
    """The site's list rows, with the most it held at once."""

    most = 0

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.most = max(self.most, len(self))


def test_the_list_rows_are_held_once_per_view_and_let_go_once_the_lists_are_written(tmp_path, monkeypatch):
    """Memory: each list row is kept once per view (its way up filled in per page), not again for every
    depth a list page sits at (index, page 2, a browse term, its page 2), and not after the lists."""
    root = tmp_path / "pub"
    (root / "briefs").mkdir(parents=True)
    for index in range(60):
        (root / "briefs" / f"b{index:03d}.yaml").write_text(brief_yaml(index), encoding="utf-8")
    sites = []
    started = Lists.__init__

    def spied(self, site):
        if type(site.list_rows) is not _Rows:
            site.list_rows = _Rows()
            sites.append(site)
        started(self, site)

    monkeypatch.setattr(Lists, "__init__", spied)
    build(root, BuildOptions(output=Path("site"), views=("en", "zh"), formats=("html",), jobs=1))
    assert sites[0].list_rows.most == 2  # one per view
    assert not sites[0].list_rows
    assert rows(root / "site" / "public" / "en" / "type" / "funding" / "index.html")[0] == "b058"


def test_the_browse_folders_are_reserved_ids():
    assert set(RESERVED_IDS) == {facet.folder for facet in FACETS} | {"page", SEARCH_FOLDER}


@pytest.mark.parametrize(
    ("name", "head", "where"),
    [("type", "", "briefs/type.yaml:1:1"), ("other", "id: month\n", "briefs/other.yaml:1:5")],
)
def test_a_brief_whose_id_names_a_browse_folder_is_refused(publication, run, name, head, where):
    root = publication({name: head + brief_yaml(1)})
    result = run(root, "build")
    assert result.exit_code == 1
    assert f"{where}: error: id: " in result.stderr
    assert not (root / "site").exists()
