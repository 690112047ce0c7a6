"""XSS: every text field and URL field fed the OWASP filter-evasion vectors and Markdown link tricks.

Every output page is parsed and checked for anything that could execute, then opened in Chromium
with `alert`, `confirm` and `prompt` hooked."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from markdown_it import MarkdownIt

from signalbrief.build import BuildOptions, build
from tests.conftest import BETA, VALID, replace_line

VECTORS = [
    line
    for line in (Path(__file__).parent / "fixtures" / "xss_vectors.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]
SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "data", "poster", "srcset"}
OUR_TAGS = {
    "html", "head", "meta", "title", "link", "body", "header", "div", "a", "span", "nav", "ul", "li", "main",
    "article", "p", "time", "h1", "h2", "h3", "h4", "table", "caption", "thead", "tr", "th", "tbody", "td",
    "dl", "dt", "dd", "ol", "section", "footer", "em", "strong", "code", "br", "details", "summary", "svg", "path",
    "form", "label", "input", "button",
}  # fmt: skip
# The one script the theme loads (search pages), by a relative path to the edition's assets; nothing else.
SEARCH_SCRIPT = re.compile(r"(\.\./)+assets/search\.js")


def q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return json.dumps(text, ensure_ascii=False)


def hostile_brief(vector: str, index: int) -> str:
    v = q(vector)
    return f"""\
id: v{index:03d}
date: 2024-04-01
signal: {{en: {v}, zh: {v}}}
type: policy-agreement
regions: [US]
market_class: trend
confidence: {{score: 0.5, basis: expert-input}}
summary: {{en: {v}, zh: {v}}}
body:
  - {{en: {v}, zh: {v}}}
operating_surface:
  - {{en: {v}, zh: {v}}}
market_context:
  statement: {{en: {v}, zh: {v}}}
  relevance: low
  horizon: immediate
watch_list:
  - {{en: {v}, zh: {v}}}
sources:
  - title: {v}
    publisher: {v}
    url: https://example.org/a?q=1
see_also: [v{(index + 1) % len(VECTORS):03d}]
sections:
  - tier: strategy-circle
    title: {{en: {v}, zh: {v}}}
    teaser: {{en: {v}, zh: {v}}}
    body:
      - {{en: {v}, zh: {v}}}
"""


# Grade and vocabulary labels come from signalbrief.yaml and reach every page and Markdown file.
LABEL_VECTORS = [
    "```x``<img src=x onerror=alert(1)>```",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "*<script>alert(1)</script>*",
    "<svg/onload=alert(1)>",
]


def hostile_config() -> str:
    pair = "{{en: {0}, zh: {0}}}"
    labels = [pair.format(q(v)) for v in LABEL_VECTORS]
    return f"""\
grades:
  - {{from: 0.0, grade: {q(LABEL_VECTORS[0])}, label: {labels[1]}}}
vocabularies:
  type: {{policy-agreement: {labels[0]}}}
  market_class: {{trend: {labels[2]}}}
  basis: {{expert-input: {labels[3]}}}
  relevance: {{low: {labels[4]}}}
  horizon: {{immediate: {labels[1]}}}
"""


MARKDOWN_TAGS = {"h1", "h2", "h3", "p", "ul", "ol", "li", "em", "strong", "code", "a", "blockquote", "hr", "br", "pre"}


class Inspector(HTMLParser):
    def __init__(self, allowed: set[str] = OUR_TAGS) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.problems: list[str] = []
        self.in_data_script = False

    def handle_starttag(self, tag, attrs):
        self.in_data_script = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if tag not in self.allowed and not self.in_data_script and not our_script(tag, attrs):
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                cleaned = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
                if urlsplit(cleaned).scheme.lower() not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")

    def handle_data(self, data):
        # JSON-LD is data, not code: it is allowed only whole (it parses) and with no markup escaping it.
        if self.in_data_script and ("<" in data or not isinstance(json.loads(data), dict)):
            self.problems.append(f"JSON-LD {data[:60]!r}")

    def handle_endtag(self, tag):
        self.in_data_script = False


def our_script(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    src = dict(attrs).get("src") or ""
    return tag == "script" and [name for name, _ in attrs] == ["type", "src"] and SEARCH_SCRIPT.fullmatch(src) is not None


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    (root / "briefs").mkdir()
    (root / "signalbrief.yaml").write_text(hostile_config(), encoding="utf-8")
    for index, vector in enumerate(VECTORS):
        (root / "briefs" / f"v{index:03d}.yaml").write_text(hostile_brief(vector, index), encoding="utf-8")
    build(root, BuildOptions(output=Path("site")))
    return root / "site"


def test_the_fixture_holds_the_vectors():
    assert len(VECTORS) >= 70


def test_no_page_holds_anything_executable(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 3 * 3 * len(VECTORS)
    found = {}
    for page in pages:
        inspector = Inspector()
        inspector.feed(page.read_text(encoding="utf-8"))
        if inspector.problems:
            found[str(page.relative_to(hostile_site))] = inspector.problems
    assert found == {}


def test_feeds_and_sitemaps_hold_no_markup(hostile_site):
    for xml in hostile_site.rglob("*.xml"):
        text = xml.read_text(encoding="utf-8").lower()
        assert "<script" not in text and "<img" not in text and "<svg" not in text, xml


def test_markdown_rendered_with_raw_html_allowed_is_still_inert(hostile_site):
    """Every Markdown file, rendered as CommonMark with raw HTML on (as many platforms do), holds
    nothing executable: code spans are fenced past the backticks they hold, labels are escaped."""
    renderer = MarkdownIt("commonmark", {"html": True})
    files = sorted(hostile_site.rglob("*.md"))
    assert len(files) == 3 * 3 * len(VECTORS)
    found = {}
    for md in files:
        inspector = Inspector(MARKDOWN_TAGS)
        inspector.feed(renderer.render(md.read_text(encoding="utf-8")))
        if inspector.problems:
            found[str(md.relative_to(hostile_site))] = inspector.problems
    assert found == {}


DANGEROUS_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "&#106;avascript:alert(1)",
    "//evil.example/x",
    'http://x" onmouseover="alert(1)',
    "http://x/<script>",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", DANGEROUS_URLS)
def test_url_fields_refuse_dangerous_urls(publication, run, url):
    line = f"    url: {q(url)}"
    root = publication({"alpha": replace_line(VALID, 19, line), "beta": BETA})
    result = run(root, "validate")
    assert result.exit_code == 1
    assert "sources[0].url:" in result.stderr and "is not an http or https URL" in result.stderr


@pytest.mark.parametrize("url", DANGEROUS_URLS)
def test_join_url_refuses_dangerous_urls(publication, run, url):
    config = f"""\
tiers:
  - id: insiders
    name: {{en: Insiders, zh: 内部人士}}
    access_title: {{en: Access, zh: 权限}}
    pitch: {{en: Join., zh: 加入。}}
    join_label: {{en: Join, zh: 加入}}
    join_url: {q(url)}
"""
    result = run(publication(config=config), "validate")
    assert result.exit_code == 1
    assert "tiers[0].join_url:" in result.stderr


CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("SIGNALBRIEF_REQUIRE_BROWSER") == "1"


@pytest.mark.skipif(not REQUIRED and not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_no_alert_fires_in_a_real_browser(hostile_site):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    fired: list[str] = []
    hook = "for (const f of ['alert','confirm','prompt']) window[f] = (m) => { window.__fired = (window.__fired||[]).concat([f + ':' + m]); };"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.add_init_script(hook)
        page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
        pages = [
            hostile_site / "public" / view / f"v{i:03d}" / "index.html"
            for i in range(len(VECTORS))
            for view in ("en", "bi")
        ]
        pages += [hostile_site / "strategy-circle" / "zh" / f"v{i:03d}" / "index.html" for i in range(len(VECTORS))]
        for path in pages:
            page.goto(path.as_uri())
            page.mouse.move(200, 200)
            page.mouse.move(400, 600)
            fired += page.evaluate("window.__fired || []")
        browser.close()
    assert fired == []


def test_the_inspector_catches_what_it_looks_for():
    """The checks above can fail: raw vectors trip the inspector."""
    caught = 0
    for vector in VECTORS:
        inspector = Inspector()
        inspector.feed(vector)
        caught += bool(inspector.problems)
    assert caught >= 40
