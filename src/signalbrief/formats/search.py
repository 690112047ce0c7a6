"""Search: a Pagefind index of each edition's brief pages (`<edition>/pagefind/<shard>/`), made from the
edition's finished pages, and a search page in each view (`<edition>/<view>/search/`), where the
masthead's search box lands. An edition's index holds only the pages that edition shows, so it
holds no text of a higher tier."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

from signalbrief.cache import stable_hash
from signalbrief.errors import OutputError
from signalbrief.formats import Files, OutputFormat
from signalbrief.languages import BI, BILINGUAL
from signalbrief.render import gettext_in

INDEX_FOLDER = "pagefind"
ENTRY_FILE = "pagefind-entry.json"
# Pagefind's ready-made interfaces and highlighter: the search page has its own (assets/search.js).
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
# Pagefind's program: the search page loads it from the first shard only (merged shards use its WebAssembly).
PROGRAM_FILES = (".js", ".css", ".pagefind")
SHARD_SIZE = 125  # briefs per shard, on average: Pagefind indexes 250 pages (en and zh) in about 0.6 s
MOST_SHARDS = 16
SEARCH_FOLDER = "search"  # in each view, beside the briefs: a reserved id


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

    def finish_parts(self, edition: str, steps: Mapping[str, list[str]]) -> dict[str, object]:
        if not self.site.config.search:
            return {}
        count, first, program = shard_count(len(self.site.cards)), self.first(), _program()
        made_of: dict[str, list[str]] = {}
        for key, paths in sorted(steps.items()):
            for shard in sorted({self.shard(edition, path, count) for path in paths} - {None}):
                made_of.setdefault(shard, []).append(key)
        return {shard: [keys, count, program, shard == first] for shard, keys in made_of.items()}

    def finish_files(self, edition: str, part: str, folder: Path, steps: Mapping[str, list[str]]) -> Files:
        count = shard_count(len(self.site.cards))
        pages = sorted(p for paths in steps.values() for p in paths if self.shard(edition, p, count) == part)
        where = f"{edition}/{INDEX_FOLDER}/{part}"
        with tempfile.TemporaryDirectory(prefix="build-search-", dir=folder.parent) as scratch:
            # Only the shard's brief pages, in a folder of their own: the build folder may still hold
            # pages of briefs that are gone, until the build is committed.
            source, index = Path(scratch) / "site", Path(scratch) / "index"
            for page in pages:
                _link(folder / page, source / page.partition("/")[2])
            _run_pagefind(where, source, index)
            found = sorted(p for p in index.rglob("*") if p.is_file() and _shipped(p.name, part == self.first()))
            files = [(f"{where}/{p.relative_to(index).as_posix()}", _stable(p)) for p in found]
        return files

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


def _program() -> list[object]:
    """Which Pagefind would run (its path, size and time stamp): another version remakes the index."""
    binary = pagefind_binary()
    try:
        info = binary.stat() if binary else None
    except OSError:
        info = None
    return [str(binary), info.st_size, info.st_mtime_ns] if info else [str(binary)]


def _stable(path: Path) -> bytes:
    """A file of the index; its entry file with its keys sorted, since Pagefind lists the languages in
    any order (the same pages must give the same output, byte for byte)."""
    data = path.read_bytes()
    if path.name != ENTRY_FILE:
        return data
    return json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _link(page: Path, to: Path) -> None:
    to.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(page, to)
    except OSError:  # no hard links here: a copy does as well
        shutil.copyfile(page, to)


def _run_pagefind(where: str, source: Path, index: Path) -> None:
    """Index the pages in `source` into `index`; a failure is one error line (exit 4)."""
    binary = pagefind_binary()
    if binary is None or not binary.is_file():
        raise OutputError(f"{where}: cannot make the search index: the Pagefind program is missing")
    # In a folder of its own and without PAGEFIND_ settings: a pagefind.yml or variable of the
    # person building must not change what is indexed.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    command = [str(binary), "--site", str(source), "--output-path", str(index), "--silent"]
    try:
        done = subprocess.run(
            command, cwd=source.parent, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
    except OSError as exc:
        raise OutputError(f"{where}: cannot make the search index: {exc.strerror or exc}") from None
    if done.returncode != 0 or not (index / "pagefind.js").is_file():
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if said else f"Pagefind exited with status {done.returncode}"
        raise OutputError(f"{where}: cannot make the search index: {reason}")


class SearchPages(OutputFormat):
    """`<edition>/<view>/search/index.html`, where the search box sends a query (it explains that
    search needs JavaScript when that is off), and `<edition>/assets/search.js`, which runs it."""

    name = "search-pages"

    def edition_key(self, edition: str) -> object | None:
        return [self.site.views, self.shards()] if self.site.config.search else None

    def edition_files(self, edition: str) -> Files:
        script = resources.files("signalbrief").joinpath("theme", "assets", "search.js")
        yield f"{edition}/assets/search.js", script.read_bytes()
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
