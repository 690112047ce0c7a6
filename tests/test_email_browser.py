"""A real browser (Debian's Chromium) shows the seed brief's email HTML at 600 px, light and dark;
with SIGNALBRIEF_SCREENSHOTS=docs the light one is kept as docs/email-seed-brief.png."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from tests.conftest import REPO, copy_publication
from tests.test_browser import ARGS, CHROMIUM
from tests.test_email_format import CONFIG, SEED, parts, read_message


@pytest.fixture(scope="module")
def email_html(tmp_path_factory) -> str:
    root = copy_publication(REPO, tmp_path_factory.mktemp("seed"))
    (root / "signalbrief.yaml").write_text(CONFIG, encoding="utf-8")
    build(root, BuildOptions(output=Path("site"), formats=("email",)))
    return parts(read_message(root / "site" / "public" / "en" / f"{SEED}.eml"))[1]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_seed_email_reads_at_600_px_in_light_and_dark(email_html, tmp_path, scheme):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 600, "height": 900}, java_script_enabled=False, color_scheme=scheme)
        page.set_content(email_html)  # an email has no external resources: nothing is fetched
        assert page.evaluate("document.documentElement.scrollWidth") <= 600  # nothing overflows sideways
        assert page.locator("h1").inner_text() == "US and UK sign AI safety testing memorandum"
        assert page.locator("[data-locked]").count() == 2
        assert page.locator("a.button").all_inner_texts() == ["Join Strategic Circle", "Join Leadership Alliance"]
        background = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(23, 27, 33)")
        shot = tmp_path / f"email-seed-brief-{scheme}.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
    shots = Path(os.environ.get("SIGNALBRIEF_SCREENSHOTS", tmp_path))
    if scheme == "light" and shots != tmp_path:
        shots.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, shots / "email-seed-brief.png")
