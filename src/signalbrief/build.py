"""Build the editions: read and validate everything, gate, render, then write the site in one swap."""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signalbrief import collector
from signalbrief.cache import SETTLED_NS, plain_hash, stable_hash, without_gc_pauses
from signalbrief.cores import can_fork, die_with_parent, finished, forked_workers, usable_cores
from signalbrief.discovery import BRIEFS_DIR, CONFIG_FILE, TEMPLATES_DIR, brief_files, read_limited
from signalbrief.editions import registered as registered_rules
from signalbrief.errors import InvalidInput, Location, SignalbriefError, UsageError, display_path, error
from signalbrief.formats import Files, OutputFormat, early, groups, preparing, selected
from signalbrief.incremental import (
    STATE_DIR,
    BuildState,
    Handed,
    Sources,
    folder_digest,
    forget_old_states,
    load_state,
    load_trees,
    retire_state,
    save_state,
    theme_digest,
    untouched,
)
from signalbrief.languages import selected_views
from signalbrief.plugins import PluginError, plugin_manager
from signalbrief.translate import GLOSSARY_FILE, MEMORY_FILE, models
from signalbrief.writer import (
    OUTPUTS,
    Output,
    Tree,
    forget_output,
    locked,
    new_folder,
    real_output,
    remove_tree,
    work_folder,
)

if TYPE_CHECKING:
    from jinja2 import TemplateError

    from signalbrief.config import Config
    from signalbrief.editions import EditionRule
    from signalbrief.formats.site import Site
    from signalbrief.gating import GatedBrief
    from signalbrief.model import Brief
    from signalbrief.translate.fill import Fills, Outcome
    from signalbrief.validate import LoadedBrief

# A build that finds nothing changed reads hashes and time stamps, and nothing more: what renders,
# validates and translates (pydantic, yaml, Jinja, the formats) is imported once something has.


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where."""

    output: Path = Path("site")
    formats: tuple[str, ...] = ()  # format groups (html, md, a plugin's); empty: every group
    editions: tuple[str, ...] = ()  # empty: every edition
    views: tuple[str, ...] = ()  # view ids (en, zh, bi); empty: every view of the publication
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
Following = tuple[int, Progress | None]  # worker count (0: one per core), progress
# A task's briefs, files, the stamps of those it wrote, steps and list fragments.
Rendered = tuple[int, set[str], dict[str, int], dict[str, list[str]], Handed]
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
    with locked(work, options.output), preparing():
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
    rules = registered_rules()
    contents, sources = _brief_digests(root, options, previous.sources)
    translation_context = _translation_context(root)
    inputs = _inputs_digest(root, options, contents, translation_context, _plugins_key(rules))
    if previous.inputs == inputs and untouched(previous, target):
        # Nothing that the output is made from has changed since it was built: leave it as it is.
        return BuildReport(previous.briefs, len(previous.live.files), 0.0, options.output)
    with without_gc_pauses():
        live, spare = load_trees(work, previous)
    output = Output(target, live, spare, work)
    output.spare_check.start()  # the spare's files are checked on another core while this one validates
    try:
        read = _Read(inputs, sources, rules, contents, translation_context)
        return _build_into(root, options, output, read, (progress, translating))
    finally:
        output.spare_check.stop()


@dataclass
class _Read:
    """What a build read before it knew that it renders."""

    inputs: str  # the key of everything the output is made from
    sources: Sources  # the brief files' stamps
    rules: list[EditionRule]
    contents: dict[str, str]  # the brief files' content hashes, by path
    translation_context: str


def _build_into(
    root: Path,
    options: BuildOptions,
    output: Output,
    read: _Read,
    following: tuple[Progress | None, Callable[[int], None] | None],
) -> BuildReport:
    """Validate, render into `output` and swap it in (see `_build`)."""
    from signalbrief.formats.site import Site
    from signalbrief.validate import validate

    progress, translating = following
    formats = _formats(options.formats)
    # Only cards are kept for every brief; full briefs are unpacked or read again, one at a time, to be rendered.
    report = validate(root, list(options.paths), keep=False, packed=True, digests=read.contents)
    if report.errors:
        raise InvalidInput(report.problems)
    config = report.config
    editions = _editions(config, options.editions)
    selected_views(config.languages, options.views)  # an unknown view is a usage error before anything is translated
    for kind in formats:
        kind.check(config)
    for kind in formats:
        kind.prepare(config, output.work)
    briefs = sorted(
        (b for b in report.briefs if options.drafts or not b.card.draft),
        key=lambda b: (-b.card.date.toordinal(), b.id),
    )
    fills, translation = _fill_languages(root, briefs, options, read.translation_context, translating)
    pending = len(translation.missing) + translation.left
    translation.missing = []  # one object per text left untranslated: counted, not kept while rendering
    key = stable_hash(replace(options, jobs=0), _plugged(formats, read.rules))
    site = Site(root, config, briefs, fills, options.views, formats, read.rules, output.work, key)
    tree = _write_site(site, output, editions, progress, options.jobs)
    save_state(output.work, BuildState(read.inputs, len(briefs), tree, sources=read.sources), output.spare_kept)
    _prune(root / STATE_DIR, output.work)
    return BuildReport(
        len(briefs),
        len(output.written),
        0.0,
        options.output,
        report.warnings,
        translation.texts_remembered,
        translation.translated,
        pending,
    )


def _prune(cache: Path, work: Path) -> None:
    """Forget the work folders (spare, state) of outputs in the publication that are gone."""
    forget_old_states(cache)
    with contextlib.suppress(OSError):
        for other in (cache / OUTPUTS).iterdir():
            if other != work:
                forget_output(other)


def _write_site(site: Site, output: Output, editions: list[str], progress: Progress | None, jobs: int) -> Tree:
    """Render every file into the hidden build folder, then swap it into place."""
    output.open()
    try:
        with without_gc_pauses():
            todo = _plan(site, output, editions)
        with template_errors(site.root):
            _render_briefs(site, output, (todo, _edition_steps(site, editions)), (jobs, progress))
        site.list_rows.clear()  # every list is written: its rows (some KB a brief) go before the tree is made
        _finish_files(site, output, editions)
        retire_state(output.work)
        tree = output.commit()
        site.save()
        return tree
    finally:
        output.discard()
        site.fragments.discard()


Task = tuple["LoadedBrief", list[tuple[str, str]]]  # a brief and the (edition, step key) pairs to render


def _plan(site: Site, output: Output, editions: list[str]) -> list[Task]:
    """Take every unchanged brief's files from the previous build; return what must be rendered."""
    planned = []
    for item in site.briefs:
        inputs = site.brief_inputs(item)  # what most formats' brief_key is: hashed once, not once per format
        formats = [(fmt.name, _brief_key(fmt, item, inputs)) for fmt in site.brief_formats]
        made_of = plain_hash((site.base_key, "brief", formats))
        planned.append((item, [(edition, f"{made_of}-{edition}") for edition in editions]))  # one hash a brief
    missing = output.reuse_all([key for _, keys in planned for _, key in keys])
    todo = [(item, [(edition, key) for edition, key in keys if key in missing]) for item, keys in planned]
    return [(item, changed) for item, changed in todo if changed]


def _brief_key(fmt: OutputFormat, item: LoadedBrief, inputs: str) -> str:
    """A format's `brief_key` for a brief, given the brief's inputs (the default key), as a hash."""
    return inputs if type(fmt).brief_key is OutputFormat.brief_key else stable_hash(fmt.brief_key(item))


def _brief_files(site: Site, output: Output, item: LoadedBrief, steps: list[tuple[str, str]]) -> None:
    """Write one brief's files in the given editions; its file is read once for all of them."""
    brief = site.filled(item)
    memo: dict = {}  # each text rendered once for all editions and views of this brief
    for edition, key in steps:
        with output.step(key):
            gated = gate(item.id, brief, edition, site.config, site.rules)
            for view in site.views:
                shown = site.brief_view(gated, view, memo)
                for fmt in site.brief_formats:
                    _add(output, fmt, partial(fmt.brief_files, shown))


def gate(brief_id: str, brief: Brief, edition: str, config: Config, rules: Sequence[EditionRule]) -> GatedBrief:
    """`signalbrief.gating.gate`, imported when the first brief is rendered (not by a build that
    finds nothing changed)."""
    from signalbrief.gating import gate as gated

    return gated(brief_id, brief, edition, config, rules)


Step = tuple[str, OutputFormat, Callable[[], Files]]  # a step's key, its format and what makes its files


def _edition_steps(site: Site, editions: list[str]) -> list[Step]:
    """The steps of each edition's files (lists, feeds, style sheet, sitemap) and of the files above
    the editions."""
    steps: list[Step] = []
    for edition in editions:
        for fmt in site.formats:
            made_of = fmt.edition_key(edition)
            if made_of is not None:
                key = stable_hash(site.base_key, fmt.name, edition, made_of)
                steps.append((key, fmt, partial(fmt.edition_files, edition)))
    for fmt in site.formats:
        made_of = fmt.site_key(editions)
        if made_of is not None:
            steps.append((stable_hash(site.base_key, fmt.name, made_of), fmt, partial(fmt.site_files, editions)))
    return steps


def _finish_files(site: Site, output: Output, editions: list[str]) -> None:
    """The files made from each edition's finished output (its search index's shards), once all else
    is written; the parts that cannot be reused are made side by side (each runs a program, Pagefind)."""
    assert output.staging is not None, "open() first"
    todo, steps, parts = [], dict(output.steps), dict.fromkeys(site.formats, 0)
    for edition in editions:
        for fmt in site.formats:
            for part, made_of in fmt.finish_parts(edition, steps).items():
                key = stable_hash(site.base_key, fmt.name, "finish", edition, part, made_of)
                if not output.reuse(key):
                    todo.append((key, fmt, partial(fmt.finish_files, edition, part, output.staging, steps)))
                    parts[fmt] += 1
    if not todo:
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with contextlib.ExitStack() as held:
        for fmt, count in parts.items():
            if count:
                held.enter_context(fmt.finishing(output.staging, count))
        with ThreadPoolExecutor(min(len(todo), usable_cores())) as pool:
            made = {pool.submit(lambda step: list(_guarded(step[1], step[2])), step): step for step in todo}
            failed: dict[str, BaseException] = {}
            for done in as_completed(made):  # each part written as soon as it is made, beside the others
                key, fmt, _ = made[done]
                if (exc := done.exception()) is not None:
                    failed[key] = exc
                    continue
                with output.step(key):
                    _add(output, fmt, done.result)
    if failed:  # the first part in order that failed, whichever failed first: the same error every time
        raise next(failed[key] for key, _, _ in todo if key in failed)


def _step(output: Output, key: str, fmt: OutputFormat, files: Callable[[], Files]) -> None:
    """Take a step's files from the previous build when its key is unchanged, else render them."""
    if not output.reuse(key):
        with output.step(key):
            _add(output, fmt, files)


def _add(output: Output, fmt: OutputFormat, files: Callable[[], Files]) -> None:
    for path, content in _guarded(fmt, files):
        output.add(path, content)


def _guarded(fmt: OutputFormat, files: Callable[[], Files]) -> Files:
    """A format's files, as it makes them; a plugin's format that fails is `_plugin_failure`."""
    try:
        yield from files()
    except Exception as exc:
        if (failure := _plugin_failure(fmt, exc)) is None:
            raise
        raise failure from exc


def _plugin_failure(fmt: OutputFormat, exc: Exception) -> PluginError | None:
    """A plugin's output format that fails is one error line naming it, never a traceback; None for
    signalbrief's own errors, template errors (`template_errors` locates them) and bugs in
    signalbrief's own formats, which stay as they are."""
    kind = type(fmt)
    if isinstance(exc, SignalbriefError) or _ours(kind) or type(exc).__module__.startswith("jinja2"):
        return None
    return PluginError(f"output format {fmt.name!r} ({_qualified(kind)}) failed: {type(exc).__name__}: {exc}")


def _ours(kind: type) -> bool:
    return kind.__module__.partition(".")[0] == "signalbrief"


def _render_briefs(site: Site, output: Output, work: tuple[list[Task], list[Step]], following: Following) -> None:
    """Render the briefs that changed and the edition steps (lists, feeds, sitemaps) whose key did,
    in `jobs` worker processes (0: one per core) when it pays, else here."""
    (todo, steps), (jobs, progress) = work, following
    jobs = worker_count(jobs)
    briefs = sum(len(editions) for _, editions in todo)
    if briefs >= PARALLEL_FROM:
        collector.as_usual()  # here and in the workers forked from here
    if jobs <= 1 or briefs < PARALLEL_FROM or not can_fork():
        for done, (item, editions) in enumerate(todo, 1):
            _brief_files(site, output, item, editions)
            if progress:
                progress(done, len(todo))
        for key, fmt, files in steps:
            _step(output, key, fmt, files)
        return
    # Steps first: each is longer than a chunk of briefs, and none waits for another.
    tasks: list[Step | list[Task]] = [step for step in steps if not output.reuse(step[0])]
    size = max(1, len(todo) // (jobs * 8))
    tasks += [todo[i : i + size] for i in range(0, len(todo), size)]
    _in_workers(site, output, tasks, (jobs, progress))


def _in_workers(site: Site, output: Output, tasks: list[Step | list[Task]], following: Following) -> None:
    """Do the tasks in `jobs` forked worker processes; collect each one's files, steps and fragments."""
    (jobs, progress), briefs = following, sum(len(task) for task in tasks if isinstance(task, list))
    import multiprocessing  # only a build that renders many briefs starts workers

    held = early()
    if held is not None:
        held.settle()  # no thread of ours runs while the workers are forked
    # The workers' list fragments come through files of theirs in a folder of this build's work folder
    # (named as a build folder: the next build removes it if this one is killed).
    parts = new_folder(str(output.work), "build-fragments-")
    stopping = multiprocessing.get_context("fork").RawValue("b", 0)  # shared memory, no lock: set once, to stop
    inherited = (os.getpid(), site, output, (tasks, parts, stopping))
    try:
        with collector.inherited_left_alone(), forked_workers(jobs, _Worker.start, inherited) as pool:
            results = finished(pool, _Worker.render, len(tasks), "rendering pages", stopping)
            with contextlib.closing(results):  # on an error, closed before the pool waits for its workers
                _collect(site, output, results, briefs, progress)
    finally:
        remove_tree(parts)


def _collect(
    site: Site, output: Output, results: Iterator[Rendered], briefs: int, progress: Progress | None
) -> None:
    """Take in each task's files, steps and fragments as it finishes; tell the progress (of `briefs`)."""
    done = 0
    for count, written, stamps, steps_done, fragments in results:
        output.written.update(written)
        output.stamps.update(stamps)
        output.steps.update(steps_done)
        site.fragments.take_over(fragments)
        done += count
        if progress and count:
            progress(done, briefs)


def worker_count(jobs: int) -> int:
    """Return `jobs`, or when 0 the number of cores this process may run on."""
    return jobs or usable_cores()


class _Worker:
    """A rendering process of the pool. The pool's initializer runs in each worker, once, right after
    the fork, and hands it the build it inherited; the parent process never sets `build`, so nothing
    of one build outlives it or is shared by two builds in one process."""

    build: tuple[Site, Output, list[Step | list[Task]]] | None = None
    stopping: Any = None  # the build's flag in shared memory: set, the tasks left are skipped

    @classmethod
    def start(cls, parent: int, site: Site, output: Output, work: tuple[list[Step | list[Task]], str, Any]) -> None:
        _worker_started(parent)
        output.written, output.stamps, output.steps = set(), {}, {}
        tasks, parts, cls.stopping = work
        site.fragments.hand_over(Path(parts))  # the build's own process writes the fragments file
        cls.build = (site, output, tasks)

    @classmethod
    def render(cls, index: int) -> Rendered:
        """Do one task (an edition step, or a chunk of briefs); return its count of briefs, the files
        it wrote with their stamps, its steps and the list fragments it kept."""
        assert cls.build is not None, "only a worker started by the pool renders"
        site, output, tasks = cls.build
        output.written, output.stamps, output.steps = set(), {}, {}
        task = tasks[index]
        if cls.stopping.value:  # another task failed: the build ends without this one
            return 0, output.written, output.stamps, output.steps, {}
        with template_errors(site.root):  # tracebacks do not cross processes: locate template errors here
            if isinstance(task, tuple):
                key, fmt, files = task
                with output.step(key):
                    _add(output, fmt, files)
                count = 0
            else:
                count = 0
                for item, editions in task:
                    if cls.stopping.value:
                        break
                    _brief_files(site, output, item, editions)
                    count += 1
        return count, output.written, output.stamps, output.steps, site.fragments.handed_over()


def _worker_started(parent: int) -> None:
    """Die with the build: a killed build's workers must not write on into its hidden folder."""
    die_with_parent()
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _inputs_digest(
    root: Path, options: BuildOptions, briefs: dict[str, str], translation_context: str, plugged: str
) -> str:
    """A hash of everything a build reads: briefs, config, templates, theme, the plugins and rules
    (`_plugins_key`), and (in the translation context) glossary, memory and models."""
    config = root / CONFIG_FILE
    contents = config.read_bytes() if config.is_file() else b"-"
    return stable_hash(
        theme_digest(),
        folder_digest(root / TEMPLATES_DIR),
        options,
        briefs,
        contents,
        translation_context,
        plugged,
    )


def _formats(chosen: tuple[str, ...]) -> list[type[OutputFormat]]:
    """The registered formats of the chosen groups; an unknown group is a usage error."""
    known = groups()
    unknown = [g for g in chosen if g not in known]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r}; formats: {', '.join(known)}")
    return selected(chosen)


def _plugged(formats: Sequence[type[OutputFormat]], rules: Sequence[EditionRule]) -> str:
    """A hash naming the format classes and edition rules (a rule's fields tell what it decides by)."""
    return stable_hash([_qualified(kind) for kind in formats], [_rule_key(rule) for rule in rules])


def _plugins_key(rules: Sequence[EditionRule]) -> str:
    """A hash of the plugins (each one's name and module file, with its size and time stamp) and of
    the edition rules (their fields, which may change without any code changing, like a date), made
    without importing the format classes: a new or changed plugin changes it."""
    plugins = []
    for name, plugin in plugin_manager().list_name_plugin():
        file = getattr(plugin, "__file__", None) or _qualified(type(plugin))
        with contextlib.suppress(OSError, TypeError):
            info = os.stat(file)
            file = f"{file}:{info.st_size}:{info.st_mtime_ns}"
        plugins.append((name, file))
    return stable_hash(plugins, [_rule_key(rule) for rule in rules])


def _qualified(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _rule_key(rule: EditionRule) -> str:
    """A hash of a rule's class and fields; a rule whose fields are not plain values is its plugin's error."""
    try:
        return stable_hash(_qualified(type(rule)), rule)
    except TypeError as exc:
        raise PluginError(
            f"edition rule {_qualified(type(rule))}: cannot be part of the build's keys ({exc}); "
            "make it a dataclass whose fields are plain values"
        ) from None


def _brief_digests(root: Path, options: BuildOptions, known: Sources) -> tuple[dict[str, str], Sources]:
    """The content hash of every brief file a build reads, by absolute path; and the files' stamps
    with those hashes, to record. A file whose stamp is as recorded is not read again."""
    root = root.resolve()
    files = brief_files(root / BRIEFS_DIR) if (root / BRIEFS_DIR).is_dir() else []
    files += [str(root / p) for p in options.paths if (root / p).is_file()]
    settled = time.time_ns() - SETTLED_NS
    found, sources = {}, {}
    for path in files:
        stamp = _source_stamp(path)
        if stamp is not None and stamp == known.get(path, (None,))[:-1]:
            found[path] = known[path][-1]
        else:
            found[path] = _read_digest(path)
        if stamp is not None and max(stamp[1], stamp[2]) < settled:
            sources[path] = (*stamp, found[path])
    return found, sources


def _source_stamp(path: str) -> tuple[int, ...] | None:
    """A file's size, modification and change times and inode: any write changes one of them (the
    change time cannot be set back), so a file with the same stamp holds the same bytes."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _read_digest(path: str) -> str:
    """A brief file's content hash, as validate.content_digest makes it; "-" for a file that cannot be
    read or is over the size limit (validation reports it). Read through discovery, not the loader,
    so a build that finds nothing changed imports no YAML parser."""
    try:
        return stable_hash(read_limited(Path(path), path))
    except InvalidInput:
        return "-"


def _fill_languages(
    root: Path,
    briefs: list[LoadedBrief],
    options: BuildOptions,
    context: str,
    translating: Callable[[int], None] | None = None,
) -> tuple[dict[str, Fills], Outcome]:
    """Give every text both languages: as the last build filled it when nothing it depends on (the
    translation `context`) changed, else remembered or machine translation, else stop with exit 3."""
    from signalbrief.translate.fill import FilledStore, Untranslated, fills_by_brief, needs_of

    store = FilledStore(root, context)
    fills: dict[str, Fills] = {}
    todo, left = [], 0  # left: texts that the briefs filled as the last build did leave untranslated
    for item in (b for b in briefs if b.has_needs):
        known = store.recall(item)
        if known is None or (known[1] and not options.allow_untranslated):  # to list each one that stops the build
            todo.append(item)
        else:
            fills[item.id], untranslated = known
            left += untranslated
    outcome = _fill(root, needs_of(todo), translating)
    outcome.texts_remembered += sum(len(f) for f in fills.values())
    if outcome.missing and not options.allow_untranslated:
        raise Untranslated(outcome.missing)
    fresh = fills_by_brief(outcome)
    missing = Counter(need.brief.id for need in outcome.missing)
    for item in todo:
        store.keep(item, fresh.get(item.id, {}), missing[item.id])
    outcome.left = left
    store.save(_translation_context(root) if outcome.translated else context)
    return fills | fresh, outcome


def _fill(root: Path, needs: list, translating: Callable[[int], None] | None) -> Outcome:
    from signalbrief.translate.fill import Filler, Outcome

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
    from jinja2 import TemplateError

    try:
        yield
    except TemplateError as exc:
        raise InvalidInput(
            [error(_template_location(exc, root), "", f"template error: {exc.message or exc}")]
        ) from None


def _template_location(exc: TemplateError, root: Path) -> Location:
    from jinja2 import TemplateSyntaxError

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
