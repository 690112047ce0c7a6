"""`signalbrief serve`: a preview on 127.0.0.1 that rebuilds when a brief, the config or a template changes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from watchfiles import watch

from signalbrief.build import BuildOptions, build
from signalbrief.config import CONFIG_FILE
from signalbrief.errors import SignalbriefError
from signalbrief.render import TEMPLATES_DIR
from signalbrief.validate import BRIEFS_DIR

PREVIEW_DIR = Path(".signalbrief") / "preview"


class _Handler(SimpleHTTPRequestHandler):
    """Serve the preview folder; `/` goes to the chosen edition and language."""

    def __init__(self, *args, start: str, **kwargs):
        self.start = start
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.path in ("", "/"):
            self.send_response(302)
            self.send_header("Location", self.start)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


class Preview:
    """A preview server plus a watcher thread; `start()` returns once the first build is served."""

    def __init__(self, root: Path, options: BuildOptions, port: int, start_page: str, echo: Callable[[str], None]):
        self.root = root
        # Rendering stays in this process: forking beside the server and watcher threads is unsafe.
        self.options = replace(options, output=root / PREVIEW_DIR, jobs=1)
        self.echo = echo
        self.stop_event = threading.Event()
        handler = partial(_Handler, directory=str(self.options.output), start=start_page)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.builds = 0
        self.threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def rebuild(self) -> None:
        try:
            report = build(self.root, self.options)
            self.echo(f"built {report.briefs} briefs: {report.files} files in {report.seconds:.2f} s")
        except SignalbriefError as exc:
            self.echo(f"build failed; still serving the last good build:\n{exc}")
        self.builds += 1

    def _watch(self) -> None:
        for _changes in watch(self.root, watch_filter=self._relevant, stop_event=self.stop_event, debounce=200):
            self.rebuild()

    def _relevant(self, _change: object, path: str) -> bool:
        try:
            relative = Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        top = relative.parts[0] if relative.parts else ""
        return top in (BRIEFS_DIR, TEMPLATES_DIR) or relative.as_posix() == CONFIG_FILE

    def start(self) -> None:
        self.rebuild()
        for target in (self.server.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()
