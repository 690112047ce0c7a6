"""Search: a Pagefind index of each edition's brief pages (`<edition>/pagefind/`), made from the
edition's finished pages, and a search page in each view (`<edition>/<view>/search/`), where the
masthead's search box lands. An edition's index holds only the pages that edition shows, so it
holds no text of a higher tier."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from signalbrief.errors import OutputError
from signalbrief.formats import Files, OutputFormat
from signalbrief.languages import BI, BILINGUAL
from signalbrief.render import gettext_in

INDEX_FOLDER = "pagefind"
ENTRY_FILE = "pagefind-entry.json"
# Pagefind's ready-made interfaces and highlighter: the search page has its own (assets/search.js).
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
SEARCH_FOLDER = "search"  # in each view, beside the briefs: a reserved id


def pagefind_binary() -> Path | None:
    """The Pagefind executable (`PAGEFIND_BINARY_PATH`, else the one pagefind[extended] installed)."""
    try:
        from pagefind.service import get_executable  # only builds that index need the package
    except ImportError:
        return None
    return get_executable()


class SearchIndex(OutputFormat):
    """`<edition>/pagefind/`: Pagefind's index of the edition's brief pages in each language view
    (the bilingual view repeats them, so it is left out) and its scripts; remade only when one of
    those pages was rendered anew."""

    name = "search-index"

    def finish_key(self, edition: str, steps: Mapping[str, list[str]]) -> object | None:
        if not self.site.config.search:
            return None
        made_of = sorted(key for key, paths in steps.items() if any(self.indexed(edition, p) for p in paths))
        return [made_of, _program()] if made_of else None

    def finish_files(self, edition: str, folder: Path, steps: Mapping[str, list[str]]) -> Files:
        pages = sorted(p for paths in steps.values() for p in paths if self.indexed(edition, p))
        with tempfile.TemporaryDirectory(prefix="build-search-", dir=folder.parent) as scratch:
            # Only the edition's brief pages, in a folder of their own: the build folder may still hold
            # pages of briefs that are gone, until the build is committed.
            source, index = Path(scratch) / "site", Path(scratch) / "index"
            for page in pages:
                _link(folder / page, source / page.partition("/")[2])
            _run_pagefind(edition, source, index)
            found = sorted(p for p in index.rglob("*") if p.is_file() and not p.name.startswith(UNUSED))
            files = [(f"{edition}/{INDEX_FOLDER}/{p.relative_to(index).as_posix()}", _stable(p)) for p in found]
        return files

    def indexed(self, edition: str, path: str) -> bool:
        """Whether a file of the build is a brief page of the edition in a language view."""
        parts = path.split("/")
        return (
            len(parts) == 4
            and parts[0] == edition
            and parts[1] in self.site.chosen
            and parts[1] != BI
            and parts[2] in self.site.cards
            and parts[3] == "index.html"
        )


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


def _run_pagefind(edition: str, source: Path, index: Path) -> None:
    """Index the pages in `source` into `index`; a failure is one error line (exit 4)."""
    binary = pagefind_binary()
    if binary is None or not binary.is_file():
        raise OutputError(f"{edition}/{INDEX_FOLDER}: cannot make the search index: the Pagefind program is missing")
    # In a folder of its own and without PAGEFIND_ settings: a pagefind.yml or variable of the
    # person building must not change what is indexed.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    command = [str(binary), "--site", str(source), "--output-path", str(index), "--silent"]
    try:
        done = subprocess.run(
            command, cwd=source.parent, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
    except OSError as exc:
        raise OutputError(f"{edition}/{INDEX_FOLDER}: cannot make the search index: {exc.strerror or exc}") from None
    if done.returncode != 0 or not (index / "pagefind.js").is_file():
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if said else f"Pagefind exited with status {done.returncode}"
        raise OutputError(f"{edition}/{INDEX_FOLDER}: cannot make the search index: {reason}")


class SearchPages(OutputFormat):
    """`<edition>/<view>/search/index.html`, where the search box sends a query (it explains that
    search needs JavaScript when that is off), and `<edition>/assets/search.js`, which runs it."""

    name = "search-pages"

    def edition_key(self, edition: str) -> object | None:
        return self.site.views if self.site.config.search else None

    def edition_files(self, edition: str) -> Files:
        script = resources.files("signalbrief").joinpath("theme", "assets", "search.js")
        yield f"{edition}/assets/search.js", script.read_bytes()
        template = self.site.html.get_template("search.html")
        for view in self.site.views:
            page = self.site.page(edition, view, depth=3, page=f"{SEARCH_FOLDER}/")
            title = gettext_in(self.site.view(view).ui, "Search")
            context = {**page, "page_title": title, "languages": self.languages(view)}
            yield f"{edition}/{view}/{SEARCH_FOLDER}/index.html", template.render(context)

    def languages(self, view: str) -> str:
        """The index languages a view's search page searches: its own, or in the bilingual view
        those of the built language views it shows."""
        shown = [view] if view != BI else [v for v in self.site.views if self.site.view(v).lang in BILINGUAL]
        return " ".join(self.site.view(v).html_lang.lower() for v in shown)
