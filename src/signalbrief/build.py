"""Build the editions: read and validate everything, gate, render, then write the site in one swap."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError
from markupsafe import Markup

from signalbrief.cache import stable_hash
from signalbrief.config import CONFIG_FILE, PUBLIC, Config
from signalbrief.errors import InvalidInput, Location, UsageError, display_path, error
from signalbrief.gating import GatedBrief, gate
from signalbrief.grading import band_for, band_ranges
from signalbrief.incremental import (
    STATE_DIR,
    BuildState,
    Fragments,
    folder_digest,
    forget_old_states,
    fragments_file,
    load_state,
    retire_state,
    save_state,
    theme_digest,
    untouched,
)
from signalbrief.loader import read_limited
from signalbrief.model import Brief, Card
from signalbrief.render import HTML_LANG, TEMPLATES_DIR, gettext_in, make_environment, marked_plain, pick, xml_chars
from signalbrief.translate import models
from signalbrief.translate.fill import (
    GLOSSARY_FILE,
    FilledStore,
    Filler,
    Fills,
    Outcome,
    Untranslated,
    apply,
    apply_to_card,
    fills_by_brief,
    needs_of,
)
from signalbrief.translate.memory import MEMORY_FILE
from signalbrief.validate import (
    BRIEFS_DIR,
    LoadedBrief,
    brief_files,
    content_digest,
    validate,
    without_gc_pauses,
)
from signalbrief.writer import OUTPUTS, Output, Tree, forget_output, locked, real_output, work_folder

VIEWS = ("en", "zh", "bi")
FORMATS = ("html", "md")


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where."""

    output: Path = Path("site")
    formats: tuple[str, ...] = FORMATS
    editions: tuple[str, ...] = ()  # empty: every edition
    views: tuple[str, ...] = VIEWS
    drafts: bool = False
    paths: tuple[Path, ...] = ()
    allow_untranslated: bool = False
    jobs: int = 0  # processes that render; 0: one per core when the build is large enough


@dataclass
class BuildReport:
    briefs: int
    files: int
    seconds: float
    output: Path
    warnings: list = field(default_factory=list)
    remembered: int = 0  # texts filled without the model
    translated: int = 0  # sentences the model translated
    pending: int = 0


Progress = Callable[[int, int], None]  # (done, total) rendering steps
# Below this many brief renderings, starting worker processes costs more than it saves.
PARALLEL_FROM = 48


def build(
    root: Path,
    options: BuildOptions,
    progress: Progress | None = None,
    translating: Callable[[int], None] | None = None,
) -> BuildReport:
    """Validate the publication, render the selected editions and swap them into the output folder.
    `progress` follows the rendering; `translating` gets the count of each batch of sentences the
    model translates (only called when a model runs)."""
    started = time.perf_counter()
    given = options.output if options.output.is_absolute() else root / options.output
    target = real_output(given)
    work = work_folder(target, root / STATE_DIR)
    with locked(work, options.output):
        report = _build(root, options, target, work, progress, translating)
    report.seconds = time.perf_counter() - started
    return report


def _build(
    root: Path,
    options: BuildOptions,
    target: Path,
    work: Path,
    progress: Progress | None,
    translating: Callable[[int], None] | None,
) -> BuildReport:
    """Build while holding the output's lock (see `build`)."""
    with without_gc_pauses():  # large JSON: many containers, no cycles
        previous = load_state(work)
    contents = _brief_digests(root, options)
    translation_context = _translation_context(root)
    inputs = _inputs_digest(root, options, contents, translation_context)
    if previous.inputs == inputs and untouched(previous, target):
        # Nothing that the output is made from has changed since it was built: leave it as it is.
        return BuildReport(previous.briefs, len(previous.live.files), 0.0, options.output)
    # Only cards are kept for every brief; full briefs are read again, one at a time, to be rendered.
    report = validate(root, list(options.paths), keep=False, digests=contents)
    if report.errors:
        raise InvalidInput(report.problems)
    config = report.config
    editions = _editions(config, options.editions)
    briefs = sorted(
        (b for b in report.briefs if options.drafts or not b.card.draft),
        key=lambda b: (-b.card.date.toordinal(), b.id),
    )
    fills, translation = _fill_languages(root, briefs, options, translation_context, translating)
    site = Site(root, config, briefs, fills, options, work)
    output = Output(target, previous.live, previous.spare, work)
    tree = _write_site(site, output, editions, progress)
    save_state(work, BuildState(inputs, len(briefs), tree), output.spared)
    _prune(root / STATE_DIR, work)
    return BuildReport(
        len(briefs),
        len(output.written),
        0.0,
        options.output,
        report.warnings,
        translation.texts_remembered,
        translation.translated,
        len(translation.missing),
    )


def _prune(cache: Path, work: Path) -> None:
    """Forget the work folders (spare, state) of outputs in the publication that are gone."""
    forget_old_states(cache)
    with contextlib.suppress(OSError):
        for other in (cache / OUTPUTS).iterdir():
            if other != work:
                forget_output(other)


def _write_site(site: Site, output: Output, editions: list[str], progress: Progress | None) -> Tree:
    """Render every file into the hidden build folder, then swap it into place."""
    output.open()
    try:
        with without_gc_pauses():
            todo = site.plan(output, editions)
        with template_errors(site.root):
            _render_briefs(site, output, todo, progress, lambda: site.edition_files(output, editions))
        retire_state(output.work, known=bool(output.live.files))
        tree = output.commit()
        site.fragments.save()
        return tree
    finally:
        output.discard()
        site.fragments.discard()


_PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
_WORK: tuple[Any, ...] = ()  # what forked workers render: (site, output, chunks)
Task = tuple[LoadedBrief, list[tuple[str, str]]]  # a brief and the (edition, step key) pairs to render


def _render_briefs(
    site: Site, output: Output, todo: list[Task], progress: Progress | None, meanwhile: Callable[[], None]
) -> None:
    """Render the briefs that changed, in worker processes (one per core) when it pays;
    `meanwhile` (the index pages, feeds and sitemaps) runs here while the workers render."""
    jobs = site.options.jobs or (os.cpu_count() or 1)
    steps = sum(len(editions) for _, editions in todo)
    if jobs <= 1 or steps < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        for done, (item, editions) in enumerate(todo, 1):
            site.brief_files(output, item, editions)
            if progress:
                progress(done, len(todo))
        meanwhile()
        return
    global _WORK
    size = max(1, len(todo) // (jobs * 8))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    _WORK = (site, output, chunks)
    try:
        done = 0
        with multiprocessing.get_context("fork").Pool(jobs, _worker_started, (os.getpid(),)) as pool:
            results = pool.imap_unordered(_render_chunk, range(len(chunks)))
            meanwhile()
            for count, written, steps_done in results:
                output.written.update(written)
                output.steps.update(steps_done)
                done += count
                if progress:
                    progress(done, len(todo))
    finally:
        _WORK = ()


def _worker_started(parent: int) -> None:
    """Die with the build: a killed build's workers must not write on into its hidden folder."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _render_chunk(index: int) -> tuple[int, set[str], dict[str, list[str]]]:
    site, output, chunks = _WORK
    output.written, output.steps = set(), {}
    with template_errors(site.root):  # tracebacks do not cross processes: locate template errors here
        for item, editions in chunks[index]:
            site.brief_files(output, item, editions)
    return len(chunks[index]), output.written, output.steps


def _inputs_digest(root: Path, options: BuildOptions, briefs: dict[str, str], translation_context: str) -> str:
    """A hash of everything a build reads: briefs, config, templates, theme, and (in the translation
    context) glossary, memory and models."""
    config = root / CONFIG_FILE
    contents = config.read_bytes() if config.is_file() else b"-"
    return stable_hash(
        theme_digest(), folder_digest(root / TEMPLATES_DIR), options, briefs, contents, translation_context
    )


def _brief_digests(root: Path, options: BuildOptions) -> dict[str, str]:
    """The content hash of every brief file a build reads, by absolute path."""
    root = root.resolve()
    files = brief_files(root / BRIEFS_DIR) if (root / BRIEFS_DIR).is_dir() else []
    files += [root / p for p in options.paths if (root / p).is_file()]
    found = {}
    for path in files:
        try:
            found[str(path)] = content_digest(read_limited(path, str(path)))
        except InvalidInput:
            found[str(path)] = "-"  # validation reports it
    return found


def _fill_languages(
    root: Path,
    briefs: list[LoadedBrief],
    options: BuildOptions,
    context: str,
    translating: Callable[[int], None] | None = None,
) -> tuple[dict[str, Fills], Outcome]:
    """Give every text both languages: as the last build filled it when nothing it depends on (the
    translation `context`) changed, else remembered or machine translation, else stop with exit 3."""
    store = FilledStore(root, context)
    fills: dict[str, Fills] = {}
    todo = []
    for item in (b for b in briefs if b.needs):
        known = store.recall(item)
        if known is None:
            todo.append(item)
        else:
            fills[item.id] = known
    outcome = _fill(root, needs_of(todo), translating)
    outcome.texts_remembered += sum(len(f) for f in fills.values())
    if outcome.missing and not options.allow_untranslated:
        raise Untranslated(outcome.missing)
    fresh = fills_by_brief(outcome)
    incomplete = {need.brief.id for need in outcome.missing}
    for item in todo:
        if item.id not in incomplete:
            store.keep(item, fresh.get(item.id, {}))
    store.save(_translation_context(root) if outcome.translated else context)
    return fills | fresh, outcome


def _fill(root: Path, needs: list, translating: Callable[[int], None] | None) -> Outcome:
    if not needs:
        return Outcome()
    filler = Filler(root)
    try:
        return filler.fill(needs, translating)
    finally:
        filler.close()


def _translation_context(root: Path) -> str:
    """What filled texts depend on besides the brief: glossary, installed models, the memory's content."""
    files = [root / GLOSSARY_FILE, root / MEMORY_FILE]
    contents = [f.read_bytes() if f.is_file() else b"-" for f in files]
    return stable_hash([m.id for m in models.installed()], *contents)


@contextmanager
def template_errors(root: Path) -> Iterator[None]:
    """Report a broken template (usually an override in templates/) at its file and line."""
    try:
        yield
    except TemplateError as exc:
        raise InvalidInput(
            [error(_template_location(exc, root), "", f"template error: {exc.message or exc}")]
        ) from None


def _template_location(exc: TemplateError, root: Path) -> Location:
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return Location(display_path(Path(exc.filename).resolve(), root.resolve()), exc.lineno or 0, 1)
    frame, found = exc.__traceback__, None
    while frame is not None:
        name = frame.tb_frame.f_code.co_filename
        if name.endswith((".html", ".md", ".xml")):
            found = Location(display_path(Path(name).resolve(), root.resolve()), frame.tb_lineno, 1)
        frame = frame.tb_next
    return found or Location(TEMPLATES_DIR)


def _editions(config: Config, selected: tuple[str, ...]) -> list[str]:
    unknown = [e for e in selected if e not in config.edition_ids]
    if unknown:
        raise UsageError(f"unknown edition {unknown[0]!r}; editions: {', '.join(config.edition_ids)}")
    return [e for e in config.edition_ids if not selected or e in selected]


@dataclass(frozen=True)
class Listed:
    """A brief as index pages and feeds list it; `brief` is its card (date, draft, signal, summary,
    type, regions, see_also), with machine translations filled in."""

    id: str
    brief: Card


class Site:
    """Renders the files of one build from validated briefs."""

    def __init__(
        self,
        root: Path,
        config: Config,
        briefs: list[LoadedBrief],
        fills: dict[str, Fills],
        options: BuildOptions,
        work: Path,
    ):
        self.root = root
        self.base_key = stable_hash(
            theme_digest(), folder_digest(root / TEMPLATES_DIR), config, replace(options, jobs=0)
        )
        self.config = config
        self.briefs = briefs
        self.fills = fills
        self.options = options
        self.html = make_environment(root)
        self.markdown = make_environment(root, markdown=True)
        self.listed = [Listed(b.id, apply_to_card(b.card, fills.get(b.id, {}))) for b in briefs]
        self.cards = {item.id: item.brief for item in self.listed}
        self._list_html: dict[str, Markup] = {}
        self._card_keys: dict[str, str] = {}
        self.fragments = Fragments(fragments_file(work), self.base_key)

    def plan(self, output: Output, editions: list[str]) -> list[Task]:
        """Take every unchanged brief page from the previous build; return what must be rendered."""
        todo = []
        for item in self.briefs:
            inputs = self._inputs_key(item)
            keys = [(edition, stable_hash(inputs, edition)) for edition in editions]
            changed = [(edition, key) for edition, key in keys if not output.reuse(key)]
            if changed:
                todo.append((item, changed))
        return todo

    def brief_files(self, output: Output, item: LoadedBrief, editions: list[tuple[str, str]]) -> None:
        """Write one brief's pages in the given editions; its file is read once for all of them."""
        brief = apply(item.brief, self.fills.get(item.id, {}))
        memo: dict = {}  # each text rendered once for all editions and views of this brief
        for edition, key in editions:
            with output.step(key):
                self._render_brief(output, edition, item.id, brief, memo)

    def _inputs_key(self, item: LoadedBrief) -> str:
        """A hash of everything a brief's pages are rendered from, but the edition."""
        fills = sorted(self.fills.get(item.id, {}).items())
        see_also = [(t, self._card_key(t)) for t in item.card.see_also if t in self.cards]
        return stable_hash(self.base_key, item.id, item.digest, fills, see_also)

    def edition_label(self, edition: str, lang: str) -> str:
        if edition == PUBLIC:
            return gettext_in(lang, "Public edition")
        tier = next(t for t in self.config.tiers if t.id == edition)
        # TRANSLATORS: the edition a page belongs to; {tier} is a member tier's name.
        return gettext_in(lang, "{tier} edition").format(tier=pick(tier.name, lang))

    def _render_brief(self, output: Output, edition: str, brief_id: str, brief: Brief, memo: dict) -> None:
        gated = gate(brief_id, brief, edition, self.config)
        for view in self.options.views:
            base = f"{edition}/{view}/{brief_id}"
            context = self._brief_context(gated, edition, view)
            context.update(memo=memo, cites_key=tuple(context["cites"]))
            if "html" in self.options.formats:
                template = "brief_bi.html" if view == "bi" else "brief.html"
                output.add(f"{base}/index.html", self.html.get_template(template).render(context))
            if "md" in self.options.formats:
                template = "brief_bi.md" if view == "bi" else "brief.md"
                output.add(f"{base}.md", _tidy(self.markdown.get_template(template).render(context)))

    def _brief_context(self, gated: GatedBrief, edition: str, view: str) -> dict[str, Any]:
        lang = "en" if view == "bi" else view
        band = band_for(gated.brief.confidence.score, self.config.grades)
        visible = list(gated.sources)
        for section in gated.sections:
            visible += list(getattr(section, "sources", ()))
        see_also = [
            {"id": target, "signal": self.cards[target].signal}
            for target in gated.brief.see_also
            if target in self.cards
        ]
        return {
            **self._page(edition, view, depth=3, page=f"{gated.id}/"),
            "lang": lang if view != "bi" else "bi",
            "page_title": marked_plain(gated.brief.signal, lang),
            "description": marked_plain(gated.brief.summary, lang),
            "g": gated,
            "band": band,
            "rows": band_ranges(self.config.grades),
            "cites": gated.citable(),
            "visible_sources": visible,
            "see_also": see_also,
            # Markdown is pasted elsewhere: link to the published pages when the base URL is known.
            "page_base": f"{self._edition_url(edition)}{view}/" if self.config.base_url else "",
        }

    def _page(self, edition: str, view: str, depth: int, page: str) -> dict[str, Any]:
        """Links and labels every page of an edition shares; `depth` is folders below the edition root."""
        up = "../" * (depth - 1)
        lang = "en" if view == "bi" else view
        names = {"en": "English", "zh": "中文", "bi": "English / 中文"}
        switch = [
            {
                "label": names[v],
                "href": f"{up}{v}/{page}",
                "hreflang": HTML_LANG[v] if v != "bi" else "en",
                "current": v == view,
            }
            for v in self.options.views
        ]
        alternates = [{"hreflang": HTML_LANG[v], "href": f"{up}{v}/{page}"} for v in self.options.views if v != "bi"]
        feed = f"{up}{view}/feed.xml" if view != "bi" and "html" in self.options.formats else ""
        return {
            "lang": view,
            "html_lang": HTML_LANG[view],
            "root": up,
            "home": f"{up}{view}/",
            "site_title": pick(self.config.title, lang),
            "edition_label": self.edition_label(edition, lang),
            "config": self.config,
            "switch": switch,
            "alternates": alternates,
            "feed": feed,
        }

    def edition_files(self, output: Output, editions: list[str]) -> None:
        """Each edition's index pages, feeds, style sheet and sitemap, and the entry page."""
        listing = stable_hash(*[(item.id, self._card_key(item.id)) for item in self.listed])
        dates = stable_hash(*[(item.id, item.brief.date) for item in self.listed])
        for edition in editions:
            key = stable_hash(self.base_key, "lists", edition, listing)
            if not output.reuse(key):
                with output.step(key):
                    self._lists(output, edition)
            key = stable_hash(self.base_key, "sitemap", edition, dates)
            if "html" in self.options.formats and not output.reuse(key):
                with output.step(key):
                    output.add(f"{edition}/sitemap.xml", self._sitemap(edition))
        key = stable_hash(self.base_key, "entry", editions)
        if not output.reuse(key):
            with output.step(key):
                self._entry_file(output, editions)

    def _lists(self, output: Output, edition: str) -> None:
        output.add(f"{edition}/assets/style.css", _asset("style.css"))
        if "html" not in self.options.formats:
            return
        for view in self.options.views:
            context = {**self._page(edition, view, depth=2, page=""), "briefs": self.listed, "page_title": ""}
            context["page_title"] = context["site_title"]
            context["brief_list"] = self._brief_list(view)
            output.add(f"{edition}/{view}/index.html", self.html.get_template("index.html").render(context))
            if view != "bi":
                output.add(f"{edition}/{view}/feed.xml", self._feed(edition, view))

    def _brief_list(self, view: str) -> Markup:
        """The list of briefs of an index page: the same in every edition, so rendered once per view."""
        if view not in self._list_html:
            rows = self._rows("brief_row.html", {"lang": view})
            html = self.html.get_template("brief_list.html").render({"lang": view, "rows": rows})
            self._list_html[view] = Markup(html.rstrip("\n"))
        return self._list_html[view]

    def _feed(self, edition: str, view: str) -> str:
        base = self._edition_url(edition)
        entry = {
            "lang": view,
            "link_prefix": f"{base}{view}/" if base else "",
            "entry_id_prefix": f"{base}{view}/" if base else f"urn:signalbrief:{edition}:{view}:",
            "entry_id_suffix": "/" if base else "",
        }
        context = {
            **self._page(edition, view, depth=2, page=""),
            **entry,
            "briefs": self.listed,
            "entries": self._rows("feed_entry.xml", entry),
            "feed_id": f"{base}{view}/" if base else f"urn:signalbrief:{edition}:{view}",
            "self_href": f"{base}{view}/feed.xml" if base else "feed.xml",
            "home_href": f"{base}{view}/" if base else "./",
            "updated": f"{self.listed[0].brief.date.isoformat()}T00:00:00Z" if self.listed else "",
        }
        return xml_chars(self.html.get_template("feed.xml").render(context))

    def _rows(self, name: str, context: dict[str, str]) -> list[Markup]:
        """One fragment per brief (a row of an index page, an entry of a feed), each taken from the
        previous build when neither the brief's card nor the fragment's context changed."""
        template = self.html.get_template(name)
        shared = stable_hash(name, sorted(context.items()))[:16]
        rows, kept, made = [], {}, 0
        for item in self.listed:
            key = f"{shared}:{item.id}:{self._card_key(item.id)}"
            html = self.fragments.take(key)
            if html is None:
                html, made = template.render({**context, "item": item}).rstrip("\n"), made + 1
            kept[key] = html = Markup(html)
            rows.append(html)
        self.fragments.keep(kept, made)
        return rows

    def _card_key(self, brief_id: str) -> str:
        """A short hash of a brief's card (with its translations), as lists and see-also show it."""
        if brief_id not in self._card_keys:
            self._card_keys[brief_id] = stable_hash(self.cards[brief_id].plain())[:16]
        return self._card_keys[brief_id]

    def _edition_url(self, edition: str) -> str:
        base = self.config.base_url
        if not base:
            return ""
        return f"{base.rstrip('/')}/{edition}/"

    def _sitemap(self, edition: str) -> str:
        base = self._edition_url(edition)
        views = self.options.views
        pages = []
        for page, lastmod in [("", "")] + [(f"{b.id}/", b.brief.date.isoformat()) for b in self.listed]:
            alternates = [{"hreflang": HTML_LANG[v], "href": f"{base}{v}/{page}"} for v in views if v != "bi"]
            for view in views:
                pages.append({"loc": f"{base}{view}/{page}", "lastmod": lastmod, "alternates": alternates})
        return xml_chars(self.html.get_template("sitemap.xml").render({"pages": pages, "lang": "en"}))

    def _entry_file(self, output: Output, editions: list[str]) -> None:
        if "html" not in self.options.formats or PUBLIC not in editions:
            return
        labels = {"en": "English", "zh": "中文", "bi": "English / 中文"}
        views = [{"id": v, "label": labels[v], "hreflang": HTML_LANG[v]} for v in self.options.views]
        context = {"title": self.config.title, "views": views, "lang": "en"}
        output.add("index.html", self.html.get_template("entry.html").render(context))


def _asset(name: str) -> bytes:
    return resources.files("signalbrief").joinpath("theme", "assets", name).read_bytes()


def _tidy(markdown: str) -> str:
    """Collapse the blank lines that template blocks leave, so the Markdown pastes cleanly."""
    lines: list[str] = []
    for line in markdown.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
