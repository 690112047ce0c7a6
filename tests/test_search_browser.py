"""Search in a real browser (Debian's Chromium driven by Playwright), on the loopback server of
test_browser: a Chinese word finds the brief; member text is found only in the editions that show it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from signalbrief.build import BuildOptions, build
from signalbrief.formats import search as search_format
from tests.test_browser import SEED, QuietHandler, browser, site  # noqa: F401 (fixtures)

NO_JS = "JavaScript"


def search(browser, site: str, start: str, words: str) -> tuple[str, list[str]]:  # noqa: F811
    """Type `words` in the masthead's search box of the page `start`; return what the results page
    says and the paths of the briefs it lists."""
    page = browser.new_page()
    try:
        page.goto(f"{site}/{start}")
        page.fill("#search-box-q", words)
        page.click(".search-box button")
        page.wait_for_url("**/search/?q=*")
        status = page.locator(".search-status")
        page.wait_for_function(
            "s => !s.textContent.includes('…') && !s.textContent.includes('JavaScript')", arg=status.element_handle()
        )
        links = [a.get_attribute("href") or "" for a in page.locator(".search-list a").all()]
        return status.inner_text(), [link.removeprefix(site) for link in links]
    finally:
        page.close()


def test_a_chinese_word_finds_the_brief_in_the_zh_view(site, browser):  # noqa: F811
    said, found = search(browser, site, f"public/zh/{SEED}/", "测试备忘录")
    assert f"/public/zh/{SEED}/" in found, said


@pytest.mark.parametrize(("words", "tier"), [("Bletchley", "strategy-circle"), ("雷蒙多", "leadership-alliance")])
def test_member_text_is_found_only_in_the_editions_that_show_it(site, browser, words, tier):  # noqa: F811
    view = "zh" if not words.isascii() else "en"
    _, public = search(browser, site, f"public/{view}/", words)
    assert f"/public/{view}/{SEED}/" not in public
    _, member = search(browser, site, f"{tier}/{view}/", words)
    assert f"/{tier}/{view}/{SEED}/" in member


def test_the_bilingual_view_searches_both_languages(site, browser):  # noqa: F811
    _, chinese = search(browser, site, "public/bi/", "备忘录")
    _, english = search(browser, site, "public/bi/", "memorandum")
    assert f"/public/zh/{SEED}/" in chinese and f"/public/en/{SEED}/" in english


def test_without_javascript_the_search_page_says_what_to_do(site, browser):  # noqa: F811
    page = browser.new_page(java_script_enabled=False)
    page.goto(f"{site}/public/en/")
    page.fill("#search-box-q", "memorandum")
    page.click(".search-box button")
    page.wait_for_load_state()
    assert page.url == f"{site}/public/en/search/?q=memorandum"
    assert NO_JS in page.locator(".search-status").inner_text()
    page.close()


HOSTILE = "<img src=x onerror=alert(1)> <script>alert(2)</script> hostile"


def test_search_results_and_the_query_stay_text(browser, tmp_path):  # noqa: F811
    """Markup in a brief or in the query reaches the results page as text: no element, no alert."""
    root = tmp_path / "pub"
    (root / "briefs").mkdir(parents=True)
    brief = small_yaml(json.dumps(HOSTILE))
    (root / "briefs" / "x.yaml").write_text(brief, encoding="utf-8")
    build(root, BuildOptions(output=Path("site"), allow_untranslated=True))
    with served(root / "site") as address:
        page = browser.new_page()
        fired: list[str] = []
        page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
        for words in ("hostile", HOSTILE):
            page.goto(f"{address}/public/en/search/?q={quote(words)}")
            page.wait_for_function("() => !/…|JavaScript/.test(document.querySelector('.search-status').textContent)")
            assert page.locator(".search-list a").count() == 1
            assert page.locator("#search-results img, #search-results script").count() == 0
            assert "<img" in page.locator(".search-list").inner_text()
        assert words in page.locator(".search-status").inner_text()
        assert fired == []
        page.close()


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve a built site on 127.0.0.1; yield its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


WORDS = ("quince", "bramble", "citron", "damson", "elderberry", "fig", "guava", "huckleberry", "jujube", "kumquat",
         "lychee", "mango")  # one in each brief


def test_the_search_page_searches_every_shard_of_the_index(browser, tmp_path, monkeypatch):  # noqa: F811
    """Twelve briefs in shards of about two (8 shards, as 1,000 briefs make): a word of every brief
    finds all twelve, a word of one brief finds it first in whichever shard it is, in both languages."""
    monkeypatch.setattr(search_format, "SHARD_SIZE", 2)
    root = tmp_path / "pub"
    (root / "briefs").mkdir(parents=True)
    for n, word in enumerate(WORDS):
        text = f"{{en: 'Shared memorandum on {word}.', zh: '共同的备忘录。'}}"
        brief = small_yaml("Shared").replace("- en: Shared", f"- {text}")
        (root / "briefs" / f"b{n:02d}.yaml").write_text(brief, encoding="utf-8")
    build(root, BuildOptions(output=Path("site"), allow_untranslated=True))
    assert len(list((root / "site" / "public" / "pagefind").iterdir())) > 2
    with served(root / "site") as address:
        _, everywhere = search(browser, address, "public/en/", "memorandum")
        assert sorted(everywhere) == [f"/public/en/b{n:02d}/" for n in range(12)]
        # Ranked together: the brief with the word comes first, wherever it is (Pagefind may add
        # partial matches of the shards without it below).
        for n, word in enumerate(WORDS):
            assert search(browser, address, "public/en/", word)[1][:1] == [f"/public/en/b{n:02d}/"], word
        _, both = search(browser, address, "public/bi/", "备忘录")
        assert sorted(both[:12]) == [f"/public/zh/b{n:02d}/" for n in range(12)]
        assert search(browser, address, "public/bi/", WORDS[5])[1][:1] == ["/public/en/b05/"]


def small_yaml(text: str) -> str:
    return f"""\
date: 2024-04-01
signal: {{en: {text}}}
type: funding
regions: [US]
market_class: flash
confidence: {{score: 0.5, basis: expert-input}}
summary: {{en: {text}}}
body:
  - en: {text}
"""
