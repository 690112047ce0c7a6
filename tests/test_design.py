"""The theme's editorial structure: the confidence block, tier badges, lock cards, list rows, the
front page, print styles, no fetched fonts or scripts, and the contrast of the theme's colours."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from tests.conftest import copy_publication
from tests.test_browse import SECRET, brief_yaml

REPO = Path(__file__).resolve().parent.parent
STYLE = REPO / "src" / "signalbrief" / "theme" / "assets" / "style.css"
SEED = "us-uk-ai-safety-testing-mou"
VOID = {"meta", "link", "br", "img", "input", "hr", "path"}
LATEST = 10  # briefs the front page lists


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    content: list[str | Node] = field(default_factory=list)  # text and elements, in document order

    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def all(self, tag: str = "", cls: str = "") -> list[Node]:
        """Every element below this one (depth first, in document order) of a tag and/or class."""
        found = []
        for child in self.children:
            if (not tag or child.tag == tag) and (not cls or cls in child.classes()):
                found.append(child)
            found += child.all(tag, cls)
        return found

    def one(self, tag: str = "", cls: str = "") -> Node:
        found = self.all(tag, cls)
        assert len(found) == 1, (tag, cls, len(found))
        return found[0]

    def text(self) -> str:
        return " ".join(" ".join(c if isinstance(c, str) else c.text() for c in self.content).split())


class TreeBuilder(HTMLParser):
    """Our own pages as a tree (they are well-formed: the Nu checker test sees to that)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(node)
        self.open[-1].content.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.open[-1].tag != tag:
            self.open.pop()
        self.open.pop()

    def handle_data(self, data):
        self.open[-1].content.append(data)


def parse(path: Path) -> Node:
    builder = TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    return builder.root


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory) -> Path:
    """This repository's publication, built in every edition."""
    out = tmp_path_factory.mktemp("design") / "site"
    build(copy_publication(REPO, tmp_path_factory.mktemp("repo")), BuildOptions(output=out))
    return out


@pytest.fixture(scope="module")
def many_site(tmp_path_factory) -> Path:
    """Twelve briefs, more than the front page lists."""
    root = tmp_path_factory.mktemp("many")
    (root / "briefs").mkdir()
    for index in range(LATEST + 2):
        (root / "briefs" / f"b{index:03d}.yaml").write_text(brief_yaml(index), encoding="utf-8")
    build(root, BuildOptions(output=Path("site"), views=("en", "zh"), formats=("html",)))
    return root / "site"


def test_confidence_block_shows_the_grade_and_folds_the_table(repo_site):
    page = parse(repo_site / "public" / "en" / SEED / "index.html")
    block = page.one(cls="confidence")
    assert block.one(cls="grade").text() == "A"
    assert block.one(cls="grade-label").text() == "High — direct sources"
    details = block.one("details")
    assert details.children[0].tag == "summary" and "open" not in details.attrs
    table = details.one("table", "grades")
    assert len(table.all("tr")) == 7  # the header and six grades
    current = table.one("tr", "current")
    assert current.attrs.get("aria-current") == "true" and "0.90" in current.text()
    # The block comes before the body, so the story starts on a phone's first screen.
    article = page.one("article")
    order = [child for child in article.children if child.tag in ("div", "p", "h2")]
    assert order.index(block) < order.index(article.one("p", "takeaway"))


def test_member_sections_carry_their_tier_badge_and_come_before_sources(repo_site):
    page = parse(repo_site / "leadership-alliance" / "en" / SEED / "index.html")
    sections = page.all("section", "member-section")
    assert [s.attrs["data-tier"] for s in sections] == ["strategy-circle", "leadership-alliance"]
    assert [s.one(cls="tier-badge").text() for s in sections] == ["Strategy Circle", "Leadership Alliance"]
    headings = [h.text() for h in page.one("article").all("h2")]
    assert headings.index("Member Briefing") < headings.index("Sources") < headings.index("See also")


def test_lock_card_reads_lock_title_tier_pitch_button(repo_site):
    page = parse(repo_site / "public" / "en" / SEED / "index.html")
    cards = page.all("section", "lock-card")
    assert len(cards) == 2
    for card, tier in zip(cards, ["Strategy Circle", "Leadership Alliance"], strict=True):
        heading = card.children[0]
        assert heading.tag == "h3"
        icon = heading.children[0]
        assert icon.tag == "svg" and icon.attrs.get("aria-hidden") == "true" and "lock-icon" in icon.classes()
        kinds = [
            "title" if c.tag == "h3" else next((k for k in ("tier", "pitch", "join-line") if k in c.classes()), "teaser")
            for c in card.children
        ]
        assert kinds == ["title", "teaser", "tier", "pitch", "join-line"]
        assert card.one(cls="tier-badge").text() == f"Only for {tier}"
        assert card.one("a", "join").attrs["href"]


def test_index_rows_show_date_type_regions_summary_and_grade(repo_site):
    page = parse(repo_site / "public" / "en" / "index.html")
    rows = {row.one("a", "signal").attrs["href"]: row for row in page.all("li", "brief-row")}
    row = rows[f"{SEED}/"]
    assert row.one("time").attrs["datetime"] == "2024-04-01"
    assert row.one(cls="row-type").text() == "Policy agreement"
    assert row.one(cls="row-regions").text() == "United States / United Kingdom"
    assert row.one(cls="row-summary").text().startswith("The United States and United Kingdom signed")
    assert row.one(cls="grade").text() == "A"
    assert row.one(cls="row-grade").text() == "Confidence: A High — direct sources"
    zh = parse(repo_site / "public" / "zh" / "index.html")
    assert {r.one(cls="grade").text() for r in zh.all("li", "brief-row")} == {"A", "A/B", "B/C"}
    bilingual = parse(repo_site / "public" / "bi" / "index.html").all("li", "brief-row")[0]
    assert bilingual.one(cls="row-other").attrs["lang"] == "zh-Hans"


def test_front_page_lists_the_latest_briefs_views_and_editions(many_site):
    page = parse(many_site / "index.html")
    latest = page.one("section", "front-latest")
    links = [a.attrs["href"] for a in latest.all("a", "signal")]
    assert links == [f"public/en/b{index:03d}/" for index in range(LATEST + 1, 1, -1)]
    assert all((many_site / link / "index.html").is_file() for link in links)
    first = latest.all("li", "brief-row")[0]
    assert first.one(cls="grade").text() == "C/D" and first.one(cls="row-type").text() == "Policy agreement"
    assert latest.one("p", "more").one("a").attrs["href"] == "public/en/"
    views = [a.attrs["href"] for a in page.one("ul", "view-list").all("a")]
    assert views == ["public/en/", "public/zh/"]
    editions = page.all(cls="edition-card")
    assert editions[0].one("h3").text() == "Public edition"
    assert [e.attrs.get("data-tier") for e in editions[1:]] == ["strategy-circle", "leadership-alliance"]
    assert page.one("header").one("h1").one("a").attrs["href"] == "./"
    assert SECRET not in (many_site / "index.html").read_text(encoding="utf-8")


def test_print_styles_leave_out_navigation_and_show_source_addresses():
    css = STYLE.read_text(encoding="utf-8")
    match = re.search(r"@media print \{(.*)\n\}", css, re.S)
    assert match, "no print style sheet"
    printed = match.group(1)
    hidden = re.search(r"([^{}]+)\{ display: none !important; \}", printed)
    assert hidden
    for selector in (".site-header", ".topics", ".language-switch", "form[role=\"search\"]", ".join", ".pager"):
        assert selector in hidden.group(1), selector
    assert re.search(r"ol\.sources a\[href\^=\"http\"\]::after \{ content: [^}]*attr\(href\)", printed)
    unbroken = re.search(r"([^{}]+)\{ break-inside: avoid; \}", printed)
    assert unbroken and "table.grades" in unbroken.group(1) and ".lock-card" in unbroken.group(1)


def test_no_output_fetches_a_font_or_script_from_elsewhere(repo_site, many_site):
    for site in (repo_site, many_site):
        for path in site.rglob("*"):
            if path.suffix not in (".html", ".css"):
                continue
            text = path.read_text(encoding="utf-8")
            assert "@import" not in text and "@font-face" not in text and "url(" not in text, path
            assert not re.search(r"<script[^>]* src=\"(https?:)?//", text), path  # only the theme's own
            assert not re.search(r'<link rel="stylesheet" href="(https?:)?//', text), path


def custom_properties(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[a-z-]+): (#[0-9a-f]{6});", block))


def schemes() -> dict[str, dict[str, str]]:
    """The theme's colours in light mode and with the dark-mode overrides."""
    css = STYLE.read_text(encoding="utf-8")
    light = custom_properties(re.search(r":root \{(.*?)\n\}", css, re.S).group(1))
    dark = re.search(r"@media \(prefers-color-scheme: dark\) \{\s*:root \{(.*?)\}", css, re.S)
    return {"light": light, "dark": {**light, **custom_properties(dark.group(1))}}


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted([luminance(one), luminance(other)], reverse=True)
    return (high + 0.05) / (low + 0.05)


# (foreground, background, minimum): component edges need 3:1 (WCAG 1.4.11), text 4.5:1 (1.4.3).
PAIRS = [
    ("--lock-edge", "--paper", 3), ("--lock-edge", "--lock", 3), ("--tier-edge", "--paper", 3),
    ("--tier-edge", "--tier-bg", 3), ("--tier-edge", "--lock", 3), ("--edge", "--paper", 3),
    ("--grade-bg", "--paper", 3), ("--accent", "--current", 3), ("--accent", "--lock", 3),
    ("--ink", "--paper", 4.5), ("--ink", "--current", 4.5), ("--ink", "--band", 4.5), ("--muted", "--paper", 4.5),
    ("--muted", "--band", 4.5), ("--muted", "--lock", 4.5), ("--tier", "--tier-bg", 4.5), ("--tier", "--lock", 3),
    ("--on-accent", "--accent", 4.5), ("--on-grade", "--grade-bg", 4.5), ("--accent", "--paper", 4.5),
    ("--mt", "--paper", 4.5),
]  # fmt: skip


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_colours_meet_contrast_minimums(scheme):
    colours = schemes()[scheme]
    weak = [
        f"{fg} on {bg}: {contrast(colours[fg], colours[bg]):.2f} < {least}"
        for fg, bg, least in PAIRS
        if contrast(colours[fg], colours[bg]) < least
    ]
    assert not weak, weak


def test_lock_card_and_badges_use_the_checked_colours():
    """The contrast test checks the properties these rules draw with, not other colours."""
    css = STYLE.read_text(encoding="utf-8")
    assert re.search(r"\.lock-card \{[^}]*border: 1px solid var\(--lock-edge\)", css)
    assert re.search(r"\.tier-badge \{[^}]*border: 1px solid var\(--tier-edge\)", css)
    assert re.search(r"\.grade \{[^}]*background: var\(--grade-bg\)", css)
    assert re.search(r"tr\.current td:first-child \{ box-shadow: inset 4px 0 0 var\(--accent\)", css)


DARK_PAGES = ["index.html", "public/en/", f"public/en/{SEED}/", f"public/zh/{SEED}/", f"leadership-alliance/bi/{SEED}/"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def dark_page(repo_site):
    """This repository's build served on 127.0.0.1, and a phone-sized Chromium page that prefers a
    dark colour scheme (skipped where axe-core or Chromium is missing, as the accessibility tests are)."""
    a11y = pytest.importorskip("tests.test_accessibility")
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(repo_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=a11y.CHROMIUM, args=a11y.ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme="dark")
        yield f"http://127.0.0.1:{server.server_address[1]}", page, a11y.violations
        browser.close()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", DARK_PAGES)
def test_dark_phone_pages_have_no_accessibility_violation(dark_page, path):
    site, page, violations = dark_page
    response = page.goto(f"{site}/{path}")
    assert response is not None and response.ok, path
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    found = violations(page)
    assert not found, "\n".join([path, *found])
