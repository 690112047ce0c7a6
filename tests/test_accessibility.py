"""axe-core, injected into Debian's Chromium, finds no WCAG 2.2 A/AA or best-practice issue on any page kind."""

from __future__ import annotations

import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from tests.conftest import copy_publication
from tests.golden.regenerate import build_golden
from tests.test_browser import ARGS, CHROMIUM, REQUIRED, SEED, QuietHandler

REPO = Path(__file__).resolve().parent.parent
# Installed by `npm ci` from the repository's package-lock.json (CI runs it before the tests).
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

if not REQUIRED and not AXE.exists():
    pytest.skip("axe-core is not installed: run `npm ci`", allow_module_level=True)

# One page of every kind: the entry page, index lists, a brief in each view (en, zh, bilingual,
# zh-Hant), pages with lock cards (public) and without (the top member edition); from this
# repository's publication (its base.html override) and from the golden one (the theme's own
# base.html, machine-translation and pending labels).
PAGES = [
    "index.html",
    "public/en/",
    "public/zh/",
    "public/bi/",
    "public/zh-hant/",
    f"public/en/{SEED}/",
    f"public/zh/{SEED}/",
    f"public/bi/{SEED}/",
    f"public/zh-hant/{SEED}/",
    "leadership-alliance/en/",
    f"leadership-alliance/en/{SEED}/",
    f"leadership-alliance/bi/{SEED}/",
    "public/zh/search/",
]
GOLDEN_PAGES = [
    "index.html",
    "public/en/",
    "public/zh/chip-export-rules/",
    "public/bi/grid-storage-funding/",
    "public/zh/region/",
    "public/en/type/funding/",
    "public/bi/search/",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """This repository's briefs and templates, published in en, zh and zh-Hant, and the golden
    publication under /golden/, served on 127.0.0.1."""
    publication = copy_publication(REPO, tmp_path_factory.mktemp("repo"))
    (publication / "signalbrief.yaml").write_text("languages: [en, zh, zh-Hant]\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("a11y") / "site"
    build(publication, BuildOptions(output=out, allow_untranslated=True))
    build_golden(out / "golden")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_page(viewport={"width": 1100, "height": 900})
        browser.close()


def violations(page) -> list[str]:
    """Run axe-core on the loaded page; one line per failing element: rule id, impact, target."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']} {rule['help']}"
        for rule in result["violations"]
        for node in rule["nodes"]
    ]


@pytest.mark.parametrize("path", PAGES + [f"golden/{path}" for path in GOLDEN_PAGES])
def test_page_has_no_accessibility_violation(site, page, path):
    response = page.goto(f"{site}/{path}")
    assert response is not None and response.ok, path
    found = violations(page)
    assert not found, "\n".join([path, *found])


def test_skip_link_is_the_first_focusable_element_and_shows_on_focus(site, page):
    page.goto(f"{site}/public/zh/{SEED}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.getAttribute('href'), document.activeElement.textContent]")
    assert focused == ["#content", "跳到正文"]
    box = page.locator("a[href='#content']").bounding_box()
    assert box is not None and box["width"] > 1 and box["height"] > 1 and box["y"] >= 0
    assert page.locator("main#content").count() == 1


@pytest.mark.parametrize("path", ["public/zh/search/?q=备忘录", "public/en/search/?q=nothingmatchesthis"])
def test_search_results_have_no_accessibility_violation(site, page, path):
    page.goto(f"{site}/{path}")
    page.wait_for_function("() => !/…|JavaScript/.test(document.querySelector('.search-status').textContent)")
    found = violations(page)
    assert not found, "\n".join([path, *found])
