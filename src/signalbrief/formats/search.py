"""Search: a Pagefind index of each edition's brief pages (`<edition>/pagefind/<shard>/`), made from the
edition's finished pages, and a search page in each view (`<edition>/<view>/search/`), where the
masthead's search box lands. An edition's index holds only the pages that edition shows, so it
holds no text of a higher tier."""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from signalbrief.cache import stable_hash
from signalbrief.cores import die_with_parent, usable_cores
from signalbrief.errors import OutputError
from signalbrief.formats import Files, OutputFormat, early
from signalbrief.languages import BI, BILINGUAL, for_codes
from signalbrief.render import THEME, gettext_in

if TYPE_CHECKING:
    import queue
    import subprocess

    from signalbrief.config import Config
    from signalbrief.formats.site import Site

INDEX_FOLDER = "pagefind"
ENTRY_FILE = "pagefind-entry.json"
# Pagefind's ready-made interfaces and highlighter: the search page has its own (assets/search.js).
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
# Pagefind's program: the search page loads it from the first shard only (merged shards use its WebAssembly).
PROGRAM_FILES = (".js", ".css", ".pagefind")
SHARD_SIZE = 64  # briefs per shard, on average: an edit re-indexes its brief's shard (~128 pages) in each edition
MOST_SHARDS = 16
SEARCH_FOLDER = "search"  # in each view, beside the briefs: a reserved id
SCRATCH_FOLDER = "pagefind-start"  # in the build's work folder: where Pagefind runs, empty


def pagefind_binary() -> Path | None:
    """The Pagefind executable (`PAGEFIND_BINARY_PATH`, else the one pagefind[extended] installed)."""
    try:
        from pagefind.service import get_executable  # only builds that index need the package
    except ImportError:
        return None
    return get_executable()


class SearchIndex(OutputFormat):
    """`<edition>/pagefind/<n>/`: Pagefind's index of the edition's brief pages in each language view
    (the bilingual view repeats them, so it is left out), split into shards by brief so that an edit
    remakes only its brief's shard; the first shard also holds Pagefind's scripts, which merge the others."""

    name = "search-index"

    pagefind: Pagefind | None = None  # while the build holds finishing()

    def __init__(self, site: Site):
        super().__init__(site)
        self.sorted_pages: dict[str, tuple[Mapping[str, list[str]], dict]] = {}  # by edition: its steps, its shards

    @functools.cached_property
    def binary(self) -> Path | None:
        """The Pagefind program of this build, looked up once."""
        return pagefind_binary()

    def finish_parts(self, edition: str, steps: Mapping[str, list[str]]) -> dict[str, object]:
        if not self.site.config.search:
            return {}
        count, first, program = shard_count(len(self.site.cards)), self.first(), _program(self.binary)
        made_of = {shard: sorted(keys) for shard, (keys, _) in self.pages(edition, steps).items()}
        return {shard: [keys, count, program, shard == first] for shard, keys in made_of.items()}

    def pages(self, edition: str, steps: Mapping[str, list[str]]) -> dict[str, tuple[set[str], list[str]]]:
        """Each shard of the edition: the steps that wrote its pages and the pages, in order; worked out
        once for all the edition's shards."""
        held = self.sorted_pages.get(edition)
        if held is not None and held[0] is steps:
            return held[1]
        count = shard_count(len(self.site.cards))
        found: dict[str, tuple[set[str], list[str]]] = {}
        for key, paths in steps.items():
            for path in paths:
                shard = self.shard(edition, path, count)
                if shard is not None:
                    keys, pages = found.setdefault(shard, (set(), []))
                    keys.add(key)
                    pages.append(path)
        for _, pages in found.values():
            pages.sort()
        self.sorted_pages[edition] = (steps, found)
        return found

    @classmethod
    def prepare(cls, config: Config, work: Path) -> None:
        # Pagefind takes a while to start and to load the Chinese dictionary: done while the build renders.
        # As many as an edit needs (one shard in each edition); a build with more shards starts the rest later.
        held = early()
        if config.search and held is not None:
            processes = min(usable_cores(), len(config.edition_ids))
            pagefind = held.stack.enter_context(Pagefind(pagefind_binary(), processes, work, warm_pages(config)))
            held.held[cls.name] = pagefind

    @contextlib.contextmanager
    def finishing(self, folder: Path, parts: int) -> Iterator[Pagefind]:
        # One Pagefind per core that indexes shards, not one per shard: each loads its program and the
        # Chinese dictionary once. Started in the build's own thread, so that they die with it.
        held = early()
        started = held.held.pop(self.name, None) if held is not None else None
        if isinstance(started, Pagefind) and started.binary == self.binary:  # started by prepare(): it ends the build
            started.grow(min(parts, usable_cores()))
            pagefinding: contextlib.AbstractContextManager[Pagefind] = contextlib.nullcontext(started)
        else:
            pagefinding = Pagefind(self.binary, min(parts, usable_cores()), folder.parent)
        with pagefinding as self.pagefind:
            try:
                yield self.pagefind
            finally:
                self.pagefind = None

    def finish_files(self, edition: str, part: str, folder: Path, steps: Mapping[str, list[str]]) -> Files:
        if self.pagefind is None:  # called outside a build's finishing(): a Pagefind of its own
            with self.finishing(folder, 1):
                return self.finish_files(edition, part, folder, steps)
        pages = self.pages(edition, steps).get(part, (set(), []))[1]
        where = f"{edition}/{INDEX_FOLDER}/{part}"
        # Each page at its path in the edition, in order (Pagefind numbers the pages as they come).
        made = self.pagefind.index(where, {page.partition("/")[2]: folder / page for page in pages})
        first = part == self.first()  # once, not for each of the shard's files
        shipped = sorted(name for name in made if _shipped(name, first))
        return [(f"{where}/{name}", _stable(name, made[name])) for name in shipped]

    def first(self) -> str:
        """The shard that also holds Pagefind's scripts: the first that holds a brief."""
        return str((shards(self.site.cards) or [0])[0])

    def shard(self, edition: str, path: str, count: int) -> str | None:
        """The shard (its folder name) that indexes a file of the build: a brief page of the edition
        in a language view; None for any other file."""
        if not path.endswith("/index.html"):  # most files of the build, ruled out cheaply
            return None
        parts = path.split("/")
        if (
            len(parts) == 4
            and parts[0] == edition
            and parts[1] in self.site.chosen
            and parts[1] != BI
            and parts[2] in self.site.cards
            and parts[3] == "index.html"
        ):
            return str(shard_of(parts[2], count))
        return None


def shard_count(briefs: int) -> int:
    """How many shards an edition's index has: the smallest power of two that keeps them to
    SHARD_SIZE briefs each on average, at most MOST_SHARDS."""
    count = 1
    while count * SHARD_SIZE < briefs and count < MOST_SHARDS:
        count *= 2
    return count


@functools.cache
def shard_of(brief_id: str, count: int) -> int:
    """The shard of a brief: a hash of its id, the same in every build and on every machine."""
    return int(stable_hash("search shard", brief_id), 16) % count


def shards(brief_ids: Iterable[str]) -> list[int]:
    """The shards that hold at least one of these briefs, in order."""
    ids = list(brief_ids)
    count = shard_count(len(ids))
    return sorted({shard_of(brief_id, count) for brief_id in ids})


def _shipped(name: str, first: bool) -> bool:
    """Whether a file Pagefind wrote is shipped: not its ready-made interfaces, and in the shards
    after the first only the index data (the first shard's scripts and WebAssembly search them all)."""
    return not name.startswith(UNUSED) and (first or not name.endswith(PROGRAM_FILES))


def warm_pages(config: Config) -> dict[str, str]:
    """A small page in each of the publication's languages, which Pagefind indexes as it starts (the
    first Chinese page loads its dictionary)."""
    page = '<html lang="{}"><body><p>{}</p></body></html>'
    return {
        f"{lang.code}/index.html": page.format(lang.html_lang, " ".join(lang.labels.values()))
        for lang in for_codes(config.languages)
    }


def _program(binary: Path | None) -> list[object]:
    """Which Pagefind would run (its path, size and time stamp): another version remakes the index."""
    try:
        info = binary.stat() if binary else None
    except OSError:
        info = None
    return [str(binary), info.st_size, info.st_mtime_ns] if info else [str(binary)]


def _stable(name: str, data: bytes) -> bytes:
    """A file of the index; its entry file with its keys sorted, since Pagefind lists the languages in
    any order (the same pages must give the same output, byte for byte)."""
    if name != ENTRY_FILE:
        return data
    return json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class PagefindFailed(Exception):
    """Pagefind could not index: its reason, for the error line."""


class Pagefind:
    """Pagefind's service processes for one build (`pagefind --service`), each indexing one shard
    at a time for whichever thread holds it."""

    def __init__(self, binary: Path | None, processes: int, folder: Path, warm: Mapping[str, str] | None = None):
        self.binary, self.processes, self.folder = binary, max(1, processes), folder
        self.warm = warm or {}  # pages each process indexes first, in a thread of its own, then forgets
        import queue  # here, with subprocess below: a build that indexes nothing starts no process

        self.idle: queue.SimpleQueue[Service] = queue.SimpleQueue()
        self.started: list[Service] = []
        self.warming: list[threading.Thread] = []
        self.used = self.entered = False

    def __enter__(self) -> Pagefind:
        self.grow(self.processes)
        for service in self.started:  # every process forked before the first thread starts
            if self.warm:
                self.warming.append(threading.Thread(target=self.warmed, args=(service,), daemon=True))
                self.warming[-1].start()
            else:
                self.idle.put(service)
        self.entered = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        for service in self.started:  # unused, they are warming up: no use waiting for them
            service.close(killed=exc_info[0] is not None or not self.used)
        self.settle()
        if self.started:  # the folder it started in goes with it (a killed build's stays, empty, for the next)
            with contextlib.suppress(OSError):
                (self.folder / SCRATCH_FOLDER).rmdir()

    def grow(self, processes: int) -> None:
        """Start processes up to this many, each offered to the shards as soon as it is started."""
        # A folder of its own to start in: a pagefind.yml of the person building must not change anything.
        # Not a build-* folder, which a build starting removes (Pagefind must keep the folder it started in).
        scratch = self.folder / SCRATCH_FOLDER
        if self.binary is None or not self.binary.is_file():
            return
        with contextlib.suppress(FileExistsError):
            scratch.mkdir()
        if len(self.started) < processes:
            self.settle()  # forking (Popen's preexec_fn) while a thread runs could deadlock the child
        while len(self.started) < processes:
            self.started.append(Service(self.binary, scratch))
            if self.entered:  # grown for a build with more shards: no warm-up, it is needed now
                self.idle.put(self.started[-1])

    def settle(self) -> None:
        """Wait for the warm-up threads (done by the time the build forks or needs more processes)."""
        for thread in self.warming:
            thread.join()

    def warmed(self, service: Service) -> None:
        """Index the warm-up pages, then offer the service to the shards; a failure is left for the
        first shard to report."""
        with contextlib.suppress(PagefindFailed, OSError, ValueError):
            service.index(self.warm)
        self.idle.put(service)

    def index(self, where: str, pages: Mapping[str, Path]) -> dict[str, bytes]:
        """The files of an index of these pages (path in the index: page file); a failure is one
        error line (exit 4)."""
        if not self.started:
            raise OutputError(f"{where}: cannot make the search index: the Pagefind program is missing")
        self.used = True
        service = self.idle.get()
        try:
            made = service.index(pages)
        except PagefindFailed as failed:
            raise OutputError(f"{where}: cannot make the search index: {failed}") from None
        except OSError as exc:
            raise OutputError(f"{where}: cannot make the search index: {exc.strerror or exc}") from None
        finally:
            self.idle.put(service)
        if "pagefind.js" not in made:
            raise OutputError(f"{where}: cannot make the search index: Pagefind made no pagefind.js")
        return made


class Service:
    """One `pagefind --service` process, spoken to over its stdin and stdout: base64-encoded JSON
    messages, each followed by a comma, answered one after another in the order sent."""

    def __init__(self, binary: Path, folder: Path):
        import subprocess
        import tempfile

        self.said = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close()): read back when it fails
        self.unread = bytearray()
        self.message_id = 0
        self.broken: str | None = None
        # Without PAGEFIND_ settings, which would change what is indexed.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [str(binary), "--service"],
                cwd=folder,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.said,
                preexec_fn=die_with_parent,  # a killed build's Pagefind must not write on
            )
        except OSError as exc:
            self.process, self.broken = None, exc.strerror or str(exc)

    def index(self, pages: Mapping[str, Path | str]) -> dict[str, bytes]:
        """Index the pages (path in the site: page file or text) in a new index; return its files by path."""
        (made,) = self.ask([{"type": "NewIndex", "config": None}])
        index_id = made["index_id"]
        requests: list[dict[str, object]] = [
            {"type": "AddFile", "index_id": index_id, "file_path": path, "url": None, "file_contents": _text(page)}
            for path, page in pages.items()
        ]
        requests += [{"type": "GetFiles", "index_id": index_id}, {"type": "DeleteIndex", "index_id": index_id}]
        files = self.ask(requests)[-2]["files"]
        return {Path(file["path"]).as_posix(): base64.b64decode(file["content"]) for file in files}

    def ask(self, payloads: list[dict[str, object]]) -> list[dict]:
        """Send these requests at once and return their answers (Pagefind reads while it works)."""
        if self.broken is not None:
            raise PagefindFailed(self.broken)
        assert self.process is not None and self.process.stdin is not None
        first = self.message_id + 1
        messages = []
        for payload in payloads:
            self.message_id += 1
            message = json.dumps({"message_id": self.message_id, "payload": payload}).encode()
            messages.append(base64.b64encode(message) + b",")
        try:
            self.process.stdin.write(b"".join(messages))
            self.process.stdin.flush()
            return [self.answer(message_id) for message_id in range(first, self.message_id + 1)]
        except PagefindFailed as failed:
            self.broken = str(failed)
            raise
        except (BrokenPipeError, ConnectionResetError):
            self.broken = self.ended()
            raise PagefindFailed(self.broken) from None

    def answer(self, message_id: int) -> dict:
        """The next answer, which must be to this message."""
        answer = json.loads(base64.b64decode(self.read_message()))
        payload = answer.get("payload") or {}
        if payload.get("type") == "Error":
            raise PagefindFailed(str(payload.get("message") or "Pagefind reported an error"))
        if answer.get("message_id") != message_id:
            raise PagefindFailed(f"Pagefind answered message {answer.get('message_id')}, not {message_id}")
        return payload

    def read_message(self) -> bytes:
        """The next message on Pagefind's stdout, up to its comma."""
        assert self.process is not None and self.process.stdout is not None
        out, start = self.process.stdout.fileno(), 0
        while (end := self.unread.find(b",", start)) < 0:
            start = len(self.unread)  # an answer of every file of an index comes in many reads
            chunk = os.read(out, 1 << 20)
            if not chunk:
                raise PagefindFailed(self.ended())
            self.unread += chunk
        message = bytes(self.unread[:end])
        del self.unread[: end + 1]
        return message

    def ended(self) -> str:
        """Why Pagefind stopped: the last line it wrote on stderr, else its exit status."""
        assert self.process is not None
        status = self.process.wait()
        try:
            self.said.seek(0)
            lines = self.said.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError):
            lines = []
        return lines[-1] if lines else f"Pagefind exited with status {status}"

    def close(self, killed: bool) -> None:
        """End the process: it stops at the end of its input; on a failed build, at once."""
        with contextlib.suppress(OSError):
            if self.process is not None:
                if killed:
                    self.process.kill()
                with contextlib.suppress(BrokenPipeError):
                    self.process.stdin.close()
                self.process.wait()
        self.said.close()


def _text(page: Path | str) -> str:
    """A page of the build, which is UTF-8 (or a page's text)."""
    return page if isinstance(page, str) else page.read_bytes().decode("utf-8", "replace")


class SearchPages(OutputFormat):
    """`<edition>/<view>/search/index.html`, where the search box sends a query (it explains that
    search needs JavaScript when that is off), and `<edition>/assets/search.js`, which runs it."""

    name = "search-pages"

    def edition_key(self, edition: str) -> object | None:
        return [self.site.views, self.shards()] if self.site.config.search else None

    def edition_files(self, edition: str) -> Files:
        yield f"{edition}/assets/search.js", (THEME / "assets" / "search.js").read_bytes()
        template = self.site.html.get_template("search.html")
        for view in self.site.views:
            page = self.site.page(edition, view, depth=3, page=f"{SEARCH_FOLDER}/")
            title = gettext_in(self.site.view(view).ui, "Search")
            context = {**page, "page_title": title, "languages": self.languages(view), "shards": self.shards()}
            yield f"{edition}/{view}/{SEARCH_FOLDER}/index.html", template.render(context)

    def languages(self, view: str) -> str:
        """The index languages a view's search page searches: its own, or in the bilingual view
        those of the built language views it shows."""
        shown = [view] if view != BI else [v for v in self.site.views if self.site.view(v).lang in BILINGUAL]
        return " ".join(self.site.view(v).html_lang.lower() for v in shown)

    def shards(self) -> str:
        """The index's shards that hold a brief, which the search page merges, the first one first."""
        return " ".join(str(shard) for shard in shards(self.site.cards))
