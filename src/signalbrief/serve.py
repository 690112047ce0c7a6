"""`signalbrief serve`: a preview on 127.0.0.1 that rebuilds when the publication changes and makes
open pages reload themselves."""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote_to_bytes

from watchfiles import DefaultFilter, watch

from signalbrief.build import BuildOptions, build
from signalbrief.config import CONFIG_FILE
from signalbrief.errors import SignalbriefError, UsageError, count_line
from signalbrief.render import TEMPLATES_DIR
from signalbrief.translate.fill import GLOSSARY_FILE
from signalbrief.validate import BRIEFS_DIR

PREVIEW_DIR = Path(".signalbrief") / "preview"
HOST = "127.0.0.1"
# Names a browser may use for this server; any other Host header may be a DNS-rebinding page.
HOST_NAMES = ("127.0.0.1", "localhost", "[::1]")
SPECIAL = "__signalbrief__"  # the server's own endpoints, outside the built site
POLL_SECONDS = 20.0  # longest wait of one reload poll: bounded so that no request holds a thread long
WATCH_TICK_MS = 250  # how often the watcher wakes without a change
WATCH_START_SECONDS = 10.0  # longest wait for the watcher to be in place
STOP_SECONDS = 10.0  # longest wait, when stopping, for a rebuild under way
MAX_TARGET = 2048  # characters of a request target; longer ones are refused with 414
WATCHED_FILES = (CONFIG_FILE, GLOSSARY_FILE)
WATCHED_FOLDERS = (BRIEFS_DIR, TEMPLATES_DIR)

PLAIN_TEXT = "text/plain; charset=utf-8"  # the server's own short answers
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": PLAIN_TEXT,
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
FEED_TYPE = "application/atom+xml; charset=utf-8"

RELOAD_SCRIPT = b"""\
// Added by `signalbrief serve` to the pages it serves (never to built files): reload the page
// when the preview has built a new version of the site.
(function () {
  var seen = document.currentScript.getAttribute("data-generation");
  var waiting = false;
  function poll() {
    if (waiting || document.visibilityState === "hidden") return;
    waiting = true;
    fetch("/__signalbrief__/reload?since=" + encodeURIComponent(seen), {cache: "no-store"})
      .then(function (response) {
        if (response.status >= 400 && response.status < 500) return null;
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        waiting = false;
        if (answer === null) return;
        if (answer.generation !== seen) location.reload();
        else poll();
      })
      .catch(function () {
        waiting = false;
        setTimeout(poll, 2000);
      });
  }
  document.addEventListener("visibilitychange", poll);
  poll();
})();
"""

WAITING_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>No build yet</title></head>
<body>
<p>The site has not been built yet: fix the errors shown in the terminal. This page reloads itself.</p>
</body>
</html>
"""


class Refusal(Exception):
    """A request the preview answers with an error status and a short text."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status
        self.text = text


def request_path(target: str) -> tuple[list[str], bool]:
    """Decode a request target into path segments and whether it ends with `/`; refuse what is not a
    plain path inside the site."""
    if len(target) > MAX_TARGET:
        raise Refusal(414, "request target too long")
    if not target.startswith("/"):
        raise Refusal(400, "the request target must be a path starting with /")
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.isascii():
        raise Refusal(400, "the path must be ASCII, percent-encoded")
    try:
        text = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "the path is not UTF-8") from None
    if "\\" in text or any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise Refusal(400, "the path holds a control character or a backslash")
    segments = [segment for segment in text.split("/") if segment]
    if any(segment in (".", "..") for segment in segments):
        raise Refusal(400, "the path leaves the site")
    return segments, text.endswith("/")


def query_value(target: str, name: str) -> str | None:
    """The first value of `name` in the request target's query, if any."""
    query = target.split("?", 1)[1] if "?" in target else ""
    values = parse_qs(query.split("#", 1)[0]).get(name)
    return values[0] if values else None


def content_type(path: Path) -> str:
    """The Content-Type of a built file, with a charset for every text format."""
    if path.name == "feed.xml":
        return FEED_TYPE
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def with_reload_script(page: bytes, generation: str) -> bytes:
    """Insert the live-reload script before the page's last `</body>` (or at its end)."""
    tag = f'<script src="/{SPECIAL}/reload.js" data-generation="{generation}"></script>\n'.encode()
    at = page.lower().rfind(b"</body>")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


class _Handler(BaseHTTPRequestHandler):
    """Answer GET and HEAD from the preview folder; refuse anything else with a short text."""

    server: _Server
    server_version = "signalbrief-preview"
    timeout = 30  # seconds a silent connection may hold a thread
    # Requests too malformed to parse still get a status line (http.server's default is HTTP/0.9:
    # a bare body) and a short text.
    default_request_version = "HTTP/1.0"
    error_content_type = PLAIN_TEXT
    error_message_format = "%(code)d %(message)s\n"

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def _not_allowed(self) -> None:
        self._send(405, b"only GET and HEAD are served\n", PLAIN_TEXT, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _answer(self) -> None:
        try:
            self._check_host()
            segments, slash = request_path(self.path)
            if segments[:1] == [SPECIAL]:
                self._special(segments[1:])
            else:
                self._file(segments, slash)
        except Refusal as refusal:
            self._send(refusal.status, f"{refusal.text}\n".encode(), PLAIN_TEXT)

    def _check_host(self) -> None:
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].strip().lower() not in self.server.preview.hosts:
            raise Refusal(400, f"this preview answers only as {self.server.preview.url}")

    def _file(self, segments: list[str], slash: bool) -> None:
        preview = self.server.preview
        if not segments:
            self._send(302, b"", PLAIN_TEXT, {"Location": preview.start_page})
            return
        generation = preview.generation  # read before the file: a build in between reloads once more
        if not preview.folder.is_dir():
            page = with_reload_script(WAITING_PAGE.encode(), generation)
            self._send(503, page, CONTENT_TYPES[".html"])
            return
        path = self._existing(segments)
        if path.is_dir():
            if not slash:
                location = "/" + "/".join(quote(segment, safe="") for segment in segments) + "/"
                self._send(301, b"", PLAIN_TEXT, {"Location": location})
                return
            path = path / "index.html"
        try:
            body = path.read_bytes()
        except OSError:
            raise Refusal(404, "not found") from None
        if path.suffix == ".html":
            body = with_reload_script(body, generation)
        self._send(200, body, content_type(path))

    def _existing(self, segments: list[str]) -> Path:
        """The file or folder the segments name inside the preview folder; 404 for anything else."""
        folder = self.server.preview.folder
        # Hidden names (the build's marker, editor litter) are not part of the site.
        if any(segment.startswith(".") for segment in segments):
            raise Refusal(404, "not found")
        try:
            path = folder.joinpath(*segments).resolve(strict=True)
            path.relative_to(folder.resolve(strict=True))
        except (OSError, ValueError):
            raise Refusal(404, "not found") from None
        return path

    def _special(self, segments: list[str]) -> None:
        if segments == ["reload.js"]:
            self._send(200, RELOAD_SCRIPT, CONTENT_TYPES[".js"])
        elif segments == ["reload"]:
            since = query_value(self.path, "since")
            if since is None or not re.fullmatch(r"[0-9a-f.]{1,40}", since):
                raise Refusal(400, "reload needs ?since=GENERATION")
            if self.command == "GET":
                generation = self.server.preview.wait_for_change(since, POLL_SECONDS)
            else:
                generation = self.server.preview.generation
            self._send(200, json.dumps({"generation": generation}).encode(), CONTENT_TYPES[".json"])
        else:
            raise Refusal(404, "not found")

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {
            "Content-Type": kind,
            "Content-Length": str(len(body)),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Connection": "close",
            **(extra or {}),
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    """A threading server that neither shares its port nor waits for open connections to close."""

    allow_reuse_port = False  # a second preview on the same port must fail, not share it
    daemon_threads = True
    block_on_close = False  # open reload polls and idle browser connections must not delay stopping
    preview: Preview

    def handle_error(self, request, client_address) -> None:
        problem = sys.exc_info()[1]
        if isinstance(problem, (ConnectionError, TimeoutError)):
            return  # the browser went away
        self.preview.echo(f"error: a request failed: {type(problem).__name__}: {problem}")


class _Inputs(DefaultFilter):
    """Changes to what a build is made from: briefs, templates, config and glossary; not editor litter."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = root.resolve()

    def __call__(self, change: object, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        try:
            relative = Path(path).resolve().relative_to(self.root)
        except ValueError:
            return False
        if any(part.startswith(".") for part in relative.parts):
            return False
        top = relative.parts[0] if relative.parts else ""
        return top in WATCHED_FOLDERS or relative.as_posix() in WATCHED_FILES


def listening_socket(port: int) -> _Server:
    """Bind the preview's port now, so that a busy port is reported before anything is built."""
    try:
        return _Server((HOST, port), _Handler)
    except OverflowError:
        raise UsageError(f"port {port} is not a port number (1 to 65535)") from None
    except OSError as exc:
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        free = free_port_near(port)
        hint = f"; try --port {free}" if free else ""
        raise UsageError(f"cannot listen on {HOST}:{port}: {reason}{hint}") from None


def free_port_near(port: int, tries: int = 20) -> int | None:
    """The first port after `port` that can be bound on 127.0.0.1, if one of the next few can."""
    first = port + 1 if port >= 1024 else 8000  # ports below 1024 need privileges
    for candidate in range(first, min(first + tries, 65536)):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, candidate))
            except OSError:
                continue
        return candidate
    return None


def folder_identity(folder: Path) -> tuple[int, int] | None:
    """What changes when a build swaps a new site into `folder` (and not when it leaves it as it is)."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return status.st_ino, status.st_ctime_ns


class Preview:
    """A preview server plus a watcher thread; `start()` returns once the first build is served."""

    def __init__(self, root: Path, options: BuildOptions, port: int, start_page: str, echo: Callable[[str], None]):
        self.root = root
        # Rendering stays in this process: forking beside the server and watcher threads is unsafe.
        self.options = replace(options, output=root / PREVIEW_DIR, jobs=1)
        self.folder = self.options.output.absolute()
        self.start_page = start_page
        self.echo = echo
        self.stop_event = threading.Event()
        self.watching = threading.Event()
        self.building = threading.Lock()
        self.changed = threading.Condition()
        # Opaque per run, so that a page from an earlier run reloads once when this one starts.
        self.session = secrets.token_hex(4)
        self.count = 0
        self.builds = 0
        self.threads: list[threading.Thread] = []
        self.serving: threading.Thread | None = None
        self.server = listening_socket(port)
        self.server.preview = self

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def hosts(self) -> set[str]:
        names = {f"{name}:{self.port}" for name in HOST_NAMES}
        return names | set(HOST_NAMES) if self.port == 80 else names

    @property
    def generation(self) -> str:
        """Names the site being served; it changes whenever a build puts a new site in place."""
        return f"{self.session}.{self.count}"

    def wait_for_change(self, since: str, seconds: float) -> str:
        """Return the generation once it differs from `since`, or after `seconds`, or on stop."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation != since or self.stop_event.is_set(), seconds)
            return self.generation

    def rebuild(self) -> None:
        with self.building:  # the first build and the watcher's must not write the folder at once
            self._build()

    def _build(self) -> None:
        before = folder_identity(self.folder)
        try:
            report = build(self.root, self.options)
        except Exception as exc:  # the preview keeps serving whatever a build raised
            self.echo(f"{describe(exc)}\nbuild failed; {self._fallback()}")
        else:
            self.echo(f"built {report.briefs} briefs: {report.files} files in {report.seconds:.2f} s")
            if folder_identity(self.folder) != before:
                with self.changed:
                    self.count += 1
                    self.changed.notify_all()
        self.builds += 1

    def _fallback(self) -> str:
        if self.folder.is_dir():
            return "still serving the last good build"
        return "the preview shows the site once a build succeeds"

    def _watch(self) -> None:
        try:
            self._rebuild_on_changes()
        except Exception as exc:  # e.g. the system's limit of watched files: keep serving, say so
            self.echo(f"error: cannot watch {self.root} for changes: {exc}; the preview no longer rebuilds")
        finally:
            self.watching.set()

    def _rebuild_on_changes(self) -> None:
        # Timeouts yield empty sets: the first yield says that the watcher is in place.
        for changes in watch(
            self.root,
            watch_filter=_Inputs(self.root),
            stop_event=self.stop_event,
            debounce=200,
            rust_timeout=WATCH_TICK_MS,
            yield_on_timeout=True,
        ):
            self.watching.set()
            if changes:
                self.rebuild()

    def start(self) -> None:
        """Watch, build, then serve: an edit made while the first build runs is not missed."""
        self._run(self._watch)
        self.watching.wait(WATCH_START_SECONDS)
        self.rebuild()
        self.serving = self._run(self.server.serve_forever)

    def _run(self, target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def stop(self) -> None:
        self.stop_event.set()
        with self.changed:
            self.changed.notify_all()
        if self.serving:  # shutdown() waits for serve_forever: only call it once that runs
            self.server.shutdown()
        self.server.server_close()
        # Let a rebuild under way finish its swap rather than leave a half-written folder behind.
        if self.building.acquire(timeout=STOP_SECONDS):
            self.building.release()


def describe(exc: Exception) -> str:
    """A failed build's errors as the command line prints them: positioned problems, or one line."""
    problems = getattr(exc, "problems", None)
    if problems:
        return f"{exc}\n{count_line(problems)}"
    if isinstance(exc, SignalbriefError):
        return f"error: {exc}"
    return f"error: {type(exc).__name__}: {exc}"
