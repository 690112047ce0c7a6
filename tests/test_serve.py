"""The preview server serves the build on 127.0.0.1 and rebuilds when a brief changes."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from signalbrief.build import BuildOptions
from signalbrief.serve import Preview
from tests.conftest import BETA, VALID


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_preview_serves_and_rebuilds_on_change(publication):
    root: Path = publication({"alpha": VALID, "beta": BETA})
    messages: list[str] = []
    preview = Preview(root, BuildOptions(allow_untranslated=True), 0, "/public/zh/", messages.append)
    preview.start()
    try:
        assert preview.url.startswith("http://127.0.0.1:")
        index = fetch(preview.url)  # `/` redirects to the chosen edition and view
        assert '<html lang="zh-Hans">' in index
        assert "US and UK sign AI safety testing memorandum" in fetch(preview.url + "public/en/alpha/")
        builds = preview.builds
        changed = VALID.replace("US and UK sign AI safety testing memorandum", "Changed signal line")
        (root / "briefs" / "alpha.yaml").write_text(changed, encoding="utf-8")
        assert wait_for(lambda: preview.builds > builds), messages
        assert "Changed signal line" in fetch(preview.url + "public/en/alpha/")
        builds = preview.builds
        (root / "briefs" / "alpha.yaml").write_text("date: [\n", encoding="utf-8")
        assert wait_for(lambda: preview.builds > builds), messages
        assert "build failed; still serving the last good build" in messages[-1]
        assert "Changed signal line" in fetch(preview.url + "public/en/alpha/")
    finally:
        preview.stop()


def test_serve_rejects_an_unknown_edition(publication, run):
    result = run(publication(), "serve", "--edition", "gold")
    assert result.exit_code == 2
    assert "unknown edition 'gold'; editions: public, strategy-circle, leadership-alliance" in result.stderr


def test_serve_reports_a_port_in_use(publication, run):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(publication(), "serve", "--port", str(port))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
