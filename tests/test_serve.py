"""The preview server serves the build on 127.0.0.1, rebuilds when the publication changes and makes
open pages reload themselves."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from signalbrief.build import BuildOptions
from signalbrief.serve import PREVIEW_DIR, Preview
from tests.conftest import BETA, VALID

SIGNAL = "US and UK sign AI safety testing memorandum"


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


@contextmanager
def previewing(root: Path, messages: list[str] | None = None):
    """A preview of `root` on a free port, stopped at the end."""
    preview = Preview(root, BuildOptions(allow_untranslated=True), 0, "/public/en/", (messages if messages is not None else []).append)
    preview.start()
    try:
        yield preview
    finally:
        preview.stop()


def port_of(preview: Preview) -> int:
    return int(preview.url.rstrip("/").rsplit(":", 1)[1])


def answer(preview: Preview, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET `path` with this Host header (default: the server's own); return status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port_of(preview), timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{port_of(preview)}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def generation_after(preview: Preview, since: str) -> str:
    """Ask the reload endpoint, as the injected script does, for the generation after `since`."""
    status, _, body = answer(preview, f"/__signalbrief__/reload?since={since}")
    assert status == 200
    return json.loads(body)["generation"]


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
        assert "briefs/alpha.yaml:2:1: error: " in messages[-1] and ": error: " in messages[-1]
        assert messages[-1].endswith("build failed; still serving the last good build")
        assert "Changed signal line" in fetch(preview.url + "public/en/alpha/")
    finally:
        preview.stop()


def test_serve_rejects_an_unknown_edition(publication, run):
    result = run(publication(), "serve", "--edition", "gold")
    assert result.exit_code == 2
    assert "unknown edition 'gold'; editions: public, strategy-circle, leadership-alliance" in result.stderr


def test_text_files_are_served_with_a_charset(publication):
    with previewing(publication({"alpha": VALID, "beta": BETA})) as preview:
        status, headers, body = answer(preview, "/public/zh/alpha.md")
        assert status == 200 and headers["Content-Type"] == "text/markdown; charset=utf-8"
        assert "美英签署AI安全测试备忘录" in body.decode("utf-8")
        expected = {
            "/public/zh/alpha/": "text/html; charset=utf-8",
            "/public/assets/style.css": "text/css; charset=utf-8",
            "/public/zh/feed.xml": "application/atom+xml; charset=utf-8",
            "/public/sitemap.xml": "application/xml; charset=utf-8",
        }
        for path, kind in expected.items():
            status, headers, _ = answer(preview, path)
            assert (status, headers["Content-Type"]) == (200, kind), path


def test_only_the_preview_host_names_are_answered(publication):
    with previewing(publication({"alpha": VALID, "beta": BETA})) as preview:
        port = port_of(preview)
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
            assert answer(preview, "/public/en/alpha/", host)[0] == 200, host
        # A DNS-rebinding page reaches 127.0.0.1 under its own name: it must not read the preview.
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"localhost:{port + 1}", f"[::2]:{port}"):
            status, _, body = answer(preview, "/public/en/alpha/", host)
            assert status == 400 and SIGNAL.encode() not in body and body, host


def test_served_pages_carry_the_reload_script_and_built_files_do_not(publication):
    root = publication({"alpha": VALID, "beta": BETA})
    with previewing(root) as preview:
        served = answer(preview, "/public/en/alpha/")[2].decode("utf-8")
        script = f'<script src="/__signalbrief__/reload.js" data-generation="{preview.generation}"></script>'
        assert script + "\n</body>" in served
        status, headers, body = answer(preview, "/__signalbrief__/reload.js")
        assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert b"location.reload()" in body
        assert "__signalbrief__" not in answer(preview, "/public/en/alpha.md")[2].decode("utf-8")
    built = (root / PREVIEW_DIR / "public" / "en" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert SIGNAL in built and "__signalbrief__" not in built
    assert served.replace(script + "\n", "") == built


def test_reload_endpoint_reports_a_new_generation_after_an_edit(publication):
    root = publication({"alpha": VALID, "beta": BETA})
    with previewing(root) as preview:
        first = preview.generation
        assert generation_after(preview, "0") == first  # a page from elsewhere is told at once
        answers: list[str] = []
        poll = threading.Thread(target=lambda: answers.append(generation_after(preview, first)))
        poll.start()
        time.sleep(0.5)
        assert not answers  # the poll waits for a change
        (root / "briefs" / "alpha.yaml").write_text(VALID.replace(SIGNAL, "Edited signal"), encoding="utf-8")
        poll.join(20)
        assert answers and answers[0] != first
        page = answer(preview, "/public/en/alpha/")[2].decode("utf-8")
        assert "Edited signal" in page and f'data-generation="{answers[0]}"' in page
        # Saving without a change rebuilds nothing: open pages are not reloaded for it.
        builds = preview.builds
        (root / "briefs" / "alpha.yaml").write_text(VALID.replace(SIGNAL, "Edited signal"), encoding="utf-8")
        assert wait_for(lambda: preview.builds > builds)
        assert preview.generation == answers[0]


def test_glossary_and_config_edits_rebuild(publication):
    root = publication({"alpha": VALID, "beta": BETA})
    with previewing(root) as preview:
        for name, text in (
            ("glossary.yaml", "terms:\n  - {en: memorandum, zh: 备忘录}\n"),
            ("signalbrief.yaml", "title: {en: Renamed Briefs, zh: 新名称}\n"),
        ):
            builds = preview.builds
            (root / name).write_text(text, encoding="utf-8")
            assert wait_for(lambda before=builds: preview.builds > before), name
        assert "Renamed Briefs" in answer(preview, "/public/en/alpha/")[2].decode("utf-8")


def test_editor_litter_does_not_rebuild(publication):
    root = publication({"alpha": VALID, "beta": BETA})
    with previewing(root) as preview:
        builds = preview.builds
        for name in ("briefs/.alpha.yaml.swp", "briefs/alpha.yaml~", ".signalbrief/other", "notes.txt"):
            (root / name).parent.mkdir(exist_ok=True)
            (root / name).write_text("x", encoding="utf-8")
        time.sleep(1.5)
        assert preview.builds == builds


def test_a_first_build_that_fails_shows_a_waiting_page_until_fixed(publication):
    root = publication({"alpha": "date: [\n", "beta": BETA})
    messages: list[str] = []
    with previewing(root, messages) as preview:
        assert "briefs/alpha.yaml:2:1: error: " in messages[-1]
        assert messages[-1].endswith("build failed; the preview shows the site once a build succeeds")
        status, _, body = answer(preview, "/public/en/")
        assert status == 503 and b"/__signalbrief__/reload.js" in body
        builds = preview.builds
        (root / "briefs" / "alpha.yaml").write_text(VALID, encoding="utf-8")
        assert wait_for(lambda: preview.builds > builds), messages
        assert SIGNAL in answer(preview, "/public/en/alpha/")[2].decode("utf-8")


def test_serve_refuses_a_port_out_of_range(publication, run):
    root = publication()
    for port in ("99999", "-1", "65536", "http"):
        result = run(root, "serve", "--port", port)
        assert result.exit_code == 2, (port, result.stderr)
        assert "--port" in result.stderr and "Traceback" not in result.stderr
    assert not (root / PREVIEW_DIR).exists()


def test_a_busy_port_is_reported_with_a_free_one_before_building(publication, run):
    root = publication()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(root, "serve", "--port", str(port))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use; try --port " in result.stderr
    assert not (root / PREVIEW_DIR).exists() and not result.stdout


def test_a_second_preview_cannot_share_the_port(publication):
    with previewing(publication({"alpha": VALID, "beta": BETA})) as preview:
        try:
            Preview(preview.root, BuildOptions(), port_of(preview), "/", print)
        except Exception as exc:
            assert "the port is in use" in str(exc)
        else:
            raise AssertionError("a second preview bound the same port")


def test_a_watcher_that_cannot_start_is_reported_and_the_preview_still_serves(publication, monkeypatch):
    import signalbrief.serve

    def no_watching(*args, **kwargs):
        raise OSError("OS file watch limit reached")
        yield  # a generator, like watchfiles.watch

    monkeypatch.setattr(signalbrief.serve, "watch", no_watching)
    messages: list[str] = []
    started = time.monotonic()
    with previewing(publication({"alpha": VALID, "beta": BETA}), messages) as preview:
        assert time.monotonic() - started < 5
        assert SIGNAL in answer(preview, "/public/en/alpha/")[2].decode("utf-8")
    assert any("error: cannot watch" in message and "watch limit" in message for message in messages), messages


def test_stopping_lets_a_rebuild_under_way_finish(publication, monkeypatch):
    import signalbrief.serve

    real_build = signalbrief.serve.build
    begun, finished = threading.Event(), threading.Event()
    calls = []

    def slow_build(*args, **kwargs):
        calls.append(args)
        if len(calls) != 2:  # the first build, and any after the one that is slowed down
            return real_build(*args, **kwargs)
        begun.set()
        time.sleep(1)
        report = real_build(*args, **kwargs)
        finished.set()
        return report

    monkeypatch.setattr(signalbrief.serve, "build", slow_build)
    root = publication({"alpha": VALID, "beta": BETA})
    messages: list[str] = []
    with previewing(root, messages):
        (root / "briefs" / "alpha.yaml").write_text(VALID.replace(SIGNAL, "Edited signal"), encoding="utf-8")
        assert begun.wait(15)
    assert not any("failed" in message for message in messages), messages
    assert finished.is_set()  # stop() returned only after the rebuild's swap
    assert "Edited signal" in (root / PREVIEW_DIR / "public" / "en" / "alpha" / "index.html").read_text("utf-8")
