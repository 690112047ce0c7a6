"""A real browser (Debian's Chromium driven by Playwright) reads the seed brief's public page."""

from __future__ import annotations

import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from tests.conftest import copy_publication

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SEED = "us-uk-ai-safety-testing-mou"
# CI sets this so that a missing browser fails the run instead of skipping the test.
REQUIRED = os.environ.get("SIGNALBRIEF_REQUIRE_BROWSER") == "1"

playwright_api = pytest.importorskip("playwright.sync_api") if not REQUIRED else __import__("playwright.sync_api")
if not REQUIRED and not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """This repository's build, served on 127.0.0.1 as a static host would serve it."""
    out = tmp_path_factory.mktemp("browser") / "site"
    build(copy_publication(REPO, tmp_path_factory.mktemp("repo")), BuildOptions(output=out))
    handler = partial(QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def test_public_seed_page_shows_lock_cards_and_switches_language(site, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1100, "height": 900}, java_script_enabled=False)
    page.goto(f"{site}/public/en/{SEED}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "US and UK sign AI safety testing memorandum"
    cards = page.locator(".lock-card")
    assert cards.count() == 2
    assert "Join Strategic Circle" in cards.nth(0).inner_text()
    assert "Join Leadership Alliance" in cards.nth(1).inner_text()
    page.screenshot(path=str(tmp_path / "seed-brief-en.png"), full_page=True)

    page.locator(".language-switch a[hreflang='zh-Hans']").click()
    page.wait_for_load_state()
    assert page.url == f"{site}/public/zh/{SEED}/"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "美英签署AI安全测试备忘录"
    assert page.locator(".lock-card").count() == 2
    assert "加入战略圈" in page.locator(".lock-card").nth(0).inner_text()
    page.screenshot(path=str(tmp_path / "seed-brief-zh.png"), full_page=True)
    keep_screenshots(tmp_path, "seed-brief-en.png", "seed-brief-zh.png")
    page.close()


def test_front_page_and_phone_brief_page(site, browser, tmp_path):
    """The entry page lists the latest briefs; on a phone, the story starts on the first screen."""
    page = browser.new_page(viewport={"width": 1100, "height": 900}, java_script_enabled=False)
    page.goto(f"{site}/")
    assert page.locator(".front-latest .brief-row").count() == 3
    page.screenshot(path=str(tmp_path / "front-page.png"), full_page=True)
    page.close()
    phone = browser.new_page(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    phone.goto(f"{site}/public/en/{SEED}/")
    first = phone.locator("article > p:not([class])").first.bounding_box()
    assert first is not None and first["y"] < 844
    phone.screenshot(path=str(tmp_path / "seed-brief-phone.png"))
    keep_screenshots(tmp_path, "front-page.png", "seed-brief-phone.png")
    phone.close()


def keep_screenshots(tmp_path: Path, *names: str) -> None:
    """Check the screenshots were taken; copy them where SIGNALBRIEF_SCREENSHOTS says (docs/, for the README)."""
    shots = Path(os.environ.get("SIGNALBRIEF_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    for name in names:
        if shots != tmp_path:
            shutil.copy(tmp_path / name, shots / name)
        assert (tmp_path / name).stat().st_size > 10_000


def test_preview_page_reloads_itself_after_an_edit(browser, tmp_path):
    """`signalbrief serve` live reload, under a strict Content-Security-Policy set by a template."""
    from playwright.sync_api import expect

    from signalbrief.render import TEMPLATES_DIR
    from signalbrief.serve import Preview
    from tests.conftest import BETA, VALID

    root = tmp_path / "pub"
    (root / "briefs").mkdir(parents=True)
    (root / "briefs" / "alpha.yaml").write_text(VALID, encoding="utf-8")
    (root / "briefs" / "beta.yaml").write_text(BETA, encoding="utf-8")
    theme_base = Path(__file__).resolve().parent.parent / "src" / "signalbrief" / "theme" / "templates" / "base.html"
    policy = '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
    (root / TEMPLATES_DIR).mkdir()
    (root / TEMPLATES_DIR / "base.html").write_text(
        theme_base.read_text(encoding="utf-8").replace('<meta charset="utf-8">', f'<meta charset="utf-8">\n{policy}'),
        encoding="utf-8",
    )
    preview = Preview(root, BuildOptions(allow_untranslated=True), 0, "/public/en/", lambda message: None)
    preview.start()
    page = browser.new_page()
    refused: list[str] = []  # what the policy blocked, as Chromium reports it on the console
    page.on("console", lambda message: refused.append(message.text) if "Refused" in message.text else None)
    try:
        page.goto(f"{preview.url}public/en/alpha/")
        assert policy in page.content()
        expect(page.locator("h1")).to_have_text("US and UK sign AI safety testing memorandum")
        page.wait_for_timeout(500)  # the reload poll is now waiting
        page.evaluate("window.beforeTheEdit = true")
        edited = VALID.replace("US and UK sign AI safety testing memorandum", "Edited while the page was open")
        (root / "briefs" / "alpha.yaml").write_text(edited, encoding="utf-8")
        expect(page.locator("h1")).to_have_text("Edited while the page was open", timeout=20_000)
        assert page.evaluate("window.beforeTheEdit") is None  # a new page, not a patched one
        assert page.url == f"{preview.url}public/en/alpha/"
        assert not refused, refused
    finally:
        page.close()
        preview.stop()
