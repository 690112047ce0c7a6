"""Search in a real browser (Debian's Chromium driven by Playwright), on the loopback server of
test_browser: a Chinese word finds the brief; member text is found only in the editions that show it."""

from __future__ import annotations

import pytest

from tests.test_browser import SEED, browser, site  # noqa: F401 (fixtures)

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
