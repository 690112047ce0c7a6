"""Every rule of the brief format, across all briefs of a publication; all problems, never the first."""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from signalbrief.cache import stable_hash, without_gc_pauses
from signalbrief.checkcache import CheckCache, Packed, pack_needs, unpack_needs
from signalbrief.config import Config
from signalbrief.configfile import load_config
from signalbrief.cores import can_fork, finished, forked_workers, usable_cores
from signalbrief.discovery import BRIEFS_DIR, brief_files
from signalbrief.errors import (
    InvalidInput,
    Location,
    Problem,
    UsageError,
    display_path,
    error,
    warning,
)
from signalbrief.fields import SLUG, read_model, suggest
from signalbrief.fingerprints import fingerprint, provenance
from signalbrief.languages import fallback, written_codes
from signalbrief.loader import Document, Path_, Scalar, dotted, load_bytes, load_file, read_limited
from signalbrief.model import Brief, Card, Need_
from signalbrief.quickcheck import Texts, quick_read

# `[3]` cites a source; `[text](url)`, `[3][ref]` and `![3]` are Markdown of other kinds. The character
# before the `[` is looked at after it (a lookbehind over both), so the search jumps from `[` to `[`:
# a pattern that starts with a lookbehind is tried at every character, 14 times slower.
CITATION = re.compile(r"\[(?<![\]!\\]\[)([0-9]+)\](?![(\[:])")
# Files the check cache does not know, from which checking them in worker processes pays for their start;
# then one worker per FILES_PER_WORKER of them, up to the idle cores (a worker's 64 files take ~85 ms on
# one core of the lent 16-core machine, its start some ms).
PARALLEL_FROM = 256
FILES_PER_WORKER = 64
# The folders of each view's browse pages and further index pages (formats/browse.py): no brief's.
RESERVED_IDS = ("type", "region", "market-class", "month", "page", "search")  # folders beside the briefs
# A top-level `id: some-slug` line, found in the bytes of a file that cannot be parsed.
_WRITTEN_ID = re.compile(rb"^id:[ \t]*(['\"]?)([a-z0-9]+(?:-[a-z0-9]+)*)\1[ \t]*(?:#.*)?\r?$", re.MULTILINE)


class LoadedBrief:
    """A valid brief: its file, its card, the texts that lack a language, and the full brief: kept
    whole, kept packed (see `pack`) when this run parsed the file, else read again from the file."""

    __slots__ = (
        "_brief",
        "_document",
        "_needs",
        "_packed",
        "_path",
        "card",
        "card_key",
        "context",
        "digest",
        "id",
        "shown",
    )

    def __init__(
        self,
        id: str,
        path: Path,
        shown: str,
        digest: str,
        card: Card,
        needs: tuple[Need_, ...] | Packed,  # Packed: `pack_needs`
        context: dict,
        brief: Brief | None = None,
        document: Document | None = None,
        packed: bytes | None = None,
    ):
        # The path as text: a Path object is some hundred bytes more, for every brief of the build.
        self.id, self._path, self.shown, self.digest = id, str(path), shown, digest
        self.card, self.context = card, context
        self.card_key = ""  # `cache.card_key` of the card where the check cache kept it
        self._needs = needs
        self._brief, self._document, self._packed = brief, document, packed

    @property
    def needs(self) -> tuple[Need_, ...]:
        """The texts that lack a language (see `_needs`); found again in the brief itself when the
        packed needs the check cache kept are damaged."""
        try:
            return unpack_needs(self._needs)
        except (ValueError, TypeError, KeyError):
            print(f"{self.shown}: warning: its remembered check is damaged; read again", file=sys.stderr, flush=True)
        texts = [(path, text.words) for path, text in self.brief.texts()]
        needs = tuple(_needs(texts, self.context.get("languages") or written_codes()))
        self._needs = pack_needs(needs)
        return needs

    @property
    def has_needs(self) -> bool:
        """Whether any text lacks a language, without unpacking them (packed needs are never empty)."""
        return bool(self._needs)

    @property
    def path(self) -> Path:
        return Path(self._path)

    @property
    def brief(self) -> Brief:
        if self._brief is not None:
            return self._brief
        if self._packed is not None:
            return unpack(self._packed)
        return self.load()[0]

    @property
    def document(self) -> Document:
        return self._document if self._document is not None else self.load()[1]

    def load(self) -> tuple[Brief, Document]:
        """Read the brief again; refuse if the file changed since it was checked."""
        if self._brief is not None and self._document is not None:
            return self._brief, self._document
        raw = read_limited(self.path, self.shown)
        if content_digest(raw) != self.digest:
            raise InvalidInput([error(Location(self.shown), "", "the file changed while building; build again")])
        document = load_bytes(raw, self.shown)
        brief, problems = read_model(Brief, document, self.context)
        if brief is None or any(p.is_error for p in problems):
            raise InvalidInput(problems)
        document.data = None
        document.forget_nodes()
        return brief, document


def content_digest(raw: bytes) -> str:
    return stable_hash(raw)


def pack(brief: Brief) -> bytes:
    """A checked brief in a few kilobytes (a tenth of the objects' size), so a build can keep every
    brief it parsed and render it without parsing the file again."""
    return zlib.compress(pickle.dumps(brief, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(packed: bytes) -> Brief:
    return pickle.loads(zlib.decompress(packed))  # our own bytes, made by `pack` in this build


@dataclass
class Report:
    """The outcome of checking a set of brief files."""

    config: Config
    briefs: list[LoadedBrief] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return len(self.files)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


@dataclass
class _Entry:
    path: str  # absolute, as text
    shown: str
    selected: bool
    linked: bool | None = None  # whether the file is a symbolic link, where its folder's walk said; None: unknown
    id: str | None = None
    digest: str = ""
    document: Document | None = None
    brief: Brief | None = None
    card: Card | None = None
    card_key: str = ""  # of the card, where the check cache kept it
    held_needs: tuple[Need_, ...] | Packed = ()  # see `needs`
    packed: bytes | None = None  # the brief, `pack`ed, when checked in this run without keeping it
    draft: bool = False  # as written, so cross-brief rules run even on briefs with other errors
    see_also: tuple[tuple[Path_, str | None], ...] = ()  # (where, target) of each link as written; None: not text
    guessed_id: str | None = None  # of a file that could not be parsed, so links to it are not "unknown"
    problems: list[Problem] = field(default_factory=list)

    @property
    def needs(self) -> tuple[Need_, ...]:
        """The texts that lack a language; a build holds them packed (`pack_needs`) from the moment
        they are known, so the tuples of thousands of briefs are never all in memory at once."""
        return unpack_needs(self.held_needs)

    @needs.setter
    def needs(self, needs: tuple[Need_, ...]) -> None:
        self.held_needs = needs

    def locate(self, path: Path_) -> Location:
        """Where a field is; the file is read again if its document was not kept."""
        if self.document is None:
            try:
                self.document = load_file(Path(self.path), self.shown)
            except InvalidInput:
                return Location(self.shown)
        return self.document.locate(path)


def validate(
    root: Path,
    paths: list[Path] | None = None,
    config: Config | None = None,
    *,
    keep: bool = True,
    packed: bool = False,
    digests: dict[str, str] | None = None,
) -> Report:
    """Check the selected brief files (default: all of briefs/) against the whole publication.

    With `keep=False` the full briefs are not kept in memory: each LoadedBrief reads its file again
    when asked for it, and files unchanged since the last such run are not checked again (their
    outcome is remembered in `.signalbrief/`); with `packed=True` too, each brief this run parses is
    kept packed, so it is not parsed again to be rendered. `digests` gives content hashes the caller has just
    read (by absolute path), so those files are not read again when their outcome is remembered."""
    config = config or load_config(root)
    root = root.resolve()
    links: set[str] = set()
    found = _selected_files(root, paths, links)
    selected = [_inside(p, root) for p in found] if paths else found  # found under root/briefs: inside it
    entries = {p: _Entry(p, _shown(p, str(root)), True, None if paths else p in links) for p in selected}
    briefs_dir = root / BRIEFS_DIR
    if paths and briefs_dir.is_dir():
        for p in brief_files(briefs_dir):
            if p not in entries:
                entries[p] = _Entry(p, _shown(p, str(root)), False)
    context = config.validation_context()
    remembered = CheckCache(root, context) if not keep else None
    with without_gc_pauses():
        todo = list(entries.values())
        if remembered is not None:
            unknown = [e for e in todo if not remembered.knows(e.shown)]
            jobs = _worker_count(len(unknown))
            if jobs > 1 and can_fork():
                _check_in_workers(unknown, (context, root, jobs), remembered, packed)
                todo = [e for e in todo if remembered.knows(e.shown)]
        for entry in todo:
            digest = (digests or {}).get(entry.path, "")
            _check_file(entry, context, root, (remembered, packed), digest, quick=not keep and not packed)
        if remembered is not None:
            remembered.save()
    _check_across(list(entries.values()))
    report = Report(config, files=[entries[p].shown for p in selected])
    for entry in entries.values():
        if not entry.selected:
            continue
        report.problems.extend(entry.problems)
        if entry.card is not None and entry.id is not None and not any(p.is_error for p in entry.problems):
            kept = (entry.brief, entry.document, None) if keep else (None, None, entry.packed)
            needs = pack_needs(entry.needs) if packed and not isinstance(entry.held_needs, bytes) else entry.held_needs
            item = LoadedBrief(entry.id, entry.path, entry.shown, entry.digest, entry.card, needs, context, *kept)
            item.card_key = entry.card_key
            report.briefs.append(item)
    report.problems.sort()
    return report


def _worker_count(unknown: int) -> int:
    """How many processes check `unknown` files: one (this one) below PARALLEL_FROM, else one per
    FILES_PER_WORKER files, as many as there are idle cores."""
    if unknown < PARALLEL_FROM:
        return 1
    return max(1, min(_spare_cores(), unknown // FILES_PER_WORKER))


def _spare_cores() -> int:
    """The cores this process may use that other processes leave idle: on a busy machine, workers
    would only add their own start to the same CPU time. Read from the processes runnable right now,
    not the load average: a minute's average still counts a build that has just ended, and made the
    next build's validation serial on a machine with nothing else running."""
    cores, running = usable_cores(), _runnable()
    if running is None:
        return cores
    return max(1, min(cores, cores - (running - 1)))  # this process is one of them


def _runnable() -> int | None:
    """How many processes are runnable now, this one included (the kernel's count in
    /proc/loadavg); None where it is not known."""
    try:
        with open("/proc/loadavg", encoding="ascii") as load:
            return int(load.read().split()[3].partition("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _check_in_workers(
    entries: list[_Entry], where: tuple[dict, Path, int], remembered: CheckCache, packed: bool
) -> None:
    """Check files the check cache does not know in `jobs` worker processes; each entry is filled
    in place with its outcome and remembered."""
    context, root, jobs = where
    size = -(-len(entries) // (jobs * 4))
    chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
    # Forked workers inherit the chunks (never pickled); each task is a chunk's index.
    with forked_workers(jobs, _Checker.start, (chunks, context, root, packed)) as pool:
        results = finished(pool, _Checker.check, len(chunks), "checking briefs")
        with contextlib.closing(results):  # on an error, closed before the pool waits for its workers
            for index, outcomes in results:
                _take(chunks[index], outcomes, remembered)


def _take(entries: list[_Entry], outcomes: list[tuple[_Entry, bool]], remembered: CheckCache) -> None:
    """Fill each entry in place with a worker's outcome for it; remember those whose content it checked."""
    for entry, (outcome, checked) in zip(entries, outcomes, strict=True):
        entry.__dict__.update(outcome.__dict__)
        if checked:
            remembered.keep(entry)


class _Checker:
    """A checking process of the pool, holding the chunks of entries it inherited at the fork."""

    work: tuple[list[list[_Entry]], dict, Path, bool] | None = None

    @classmethod
    def start(cls, chunks: list[list[_Entry]], context: dict, root: Path, packed: bool) -> None:
        cls.work = (chunks, context, root, packed)

    @classmethod
    def check(cls, index: int) -> tuple[int, list[tuple[_Entry, bool]]]:
        """Check one chunk; return each entry's outcome and whether its content was checked."""
        assert cls.work is not None, "only a worker started by the pool checks chunks"
        chunks, context, root, packed = cls.work
        outcomes = []
        with without_gc_pauses():
            for entry in chunks[index]:
                _check_file(entry, context, root, (None, packed), "", quick=not packed)
                checked = entry.document is not None
                _let_go(entry, packed)
                outcomes.append((entry, checked))
        return index, outcomes


def _selected_files(root: Path, paths: list[Path] | None, links: set[str]) -> list[str]:
    """The brief files to check; those of briefs/ that are symbolic links are added to `links`."""
    if not paths:
        folder = root / BRIEFS_DIR
        return brief_files(folder, links) if folder.is_dir() else []
    files: list[str] = []
    for given in paths:
        path = given if given.is_absolute() else root / given
        if path.is_dir():
            files.extend(brief_files(path))
        elif path.is_file():
            files.append(str(path))
        else:
            raise UsageError(f"{given}: no such file or folder")
    return files


def _shown(path: str, root: str) -> str:
    """`display_path` of a file under the (resolved) publication folder, from their texts."""
    if path.startswith(root + os.sep) and os.sep == "/":
        return path[len(root) + 1 :]
    return display_path(Path(path), Path(root))


def _inside(path: str, root: Path) -> str:
    """The path made absolute without following links (so files are named as the editor sees them)."""
    absolute = Path(os.path.normpath(path if os.path.isabs(path) else Path.cwd() / path))
    try:
        absolute.relative_to(root)
    except ValueError:
        raise UsageError(f"{path}: outside the publication folder {root}") from None
    return str(absolute)


def _check_file(
    entry: _Entry, context: dict, root: Path, keeping: tuple[CheckCache | None, bool], digest: str, *, quick: bool
) -> None:
    """Check one file, unless `remembered` (the check cache) knows its outcome; `packed`: keep its brief packed;
    `quick`: its full brief is not wanted, so a valid one is checked without building it."""
    remembered, packed = keeping
    if not _real_path(entry.path, entry.linked).startswith(f"{root}{os.sep}"):
        message = "links to a file outside the publication; refusing to read it"
        entry.problems.append(error(Location(entry.shown), "", message))
        return
    entry.digest = digest
    if digest and remembered is not None and remembered.recall(entry):
        return
    try:
        raw = read_limited(Path(entry.path), entry.shown)
    except InvalidInput as exc:
        entry.problems.extend(exc.problems)
        entry.guessed_id = _guessed_id(entry.path, b"")
        return
    entry.digest = content_digest(raw)
    if remembered is not None and remembered.recall(entry):
        return
    try:
        document = load_bytes(raw, entry.shown)
    except InvalidInput as exc:
        entry.problems.extend(exc.problems)
        entry.guessed_id = _guessed_id(entry.path, raw)
        return
    entry.document = document
    # Stale translations are found on the full brief; a file with `# mt:` stamps gets one.
    found = quick_read(document.data, context) if quick and "# mt:" not in document.text else None
    if found is not None:
        entry.card, texts = found
    else:
        texts = _check_model(entry, document, context)
    entry.needs = tuple(_needs(texts, context.get("languages") or written_codes()))
    entry.id = _brief_id(entry)
    entry.draft, entry.see_also = _raw_links(document.data)
    entry.problems.extend(check_citations(document))
    # Node trees are most of a document's memory; the few positions still asked for later are
    # recomposed from the text on demand. The model holds what is valid; the raw data was for checking.
    document.forget_nodes()
    document.data = None
    if packed:
        entry.held_needs = pack_needs(entry.needs)
    if remembered is not None:
        remembered.keep(entry)
        _let_go(entry, packed)


def _check_model(entry: _Entry, document: Document, context: dict) -> Texts:
    """Check a document against the model, keeping the brief and its card if it is valid; its texts."""
    entry.brief, problems = read_model(Brief, document, context)
    entry.problems.extend(problems)
    if entry.brief is None:
        return []
    entry.problems.extend(stale_translations(entry.brief, document))
    entry.card = Card.of(entry.brief)
    return [(path, text.words) for path, text in entry.brief.texts()]


def _let_go(entry: _Entry, packed: bool) -> None:
    """Drop a checked entry's brief and document, keeping the brief packed if asked and valid."""
    if packed and entry.brief is not None and not any(p.is_error for p in entry.problems):
        entry.packed = pack(entry.brief)
    entry.brief = entry.document = None


def _real_path(path: str, linked: bool | None = None) -> str:
    """The path with every link resolved; folders are resolved once (a publication has few). `linked`:
    whether the file is a link, where that is known (None: the file system is asked)."""
    folder, name = os.path.split(path)
    if linked or (linked is None and os.path.islink(path)):
        return os.path.realpath(path)
    return os.path.join(_real_folder(folder), name)


@lru_cache(maxsize=1024)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _needs(texts: Texts, targets: list[str]) -> Iterator[Need_]:
    """Every text lacking one of the publication's written languages, and the text to translate from."""
    for path, words in texts:
        for target in targets:
            source = fallback(words, target) if words.get(target) is None else None
            if source is not None:
                yield path, source, target, words[source] or ""


def _raw_links(data: object) -> tuple[bool, tuple[tuple[Path_, str | None], ...]]:
    """`draft`, and every link as written: the `see_also` list's, then each paragraph's `see_also`."""
    data = data if isinstance(data, dict) else {}
    draft = data.get("draft")
    see_also = data.get("see_also")
    links = [(("see_also", i), t) for i, t in enumerate(see_also)] if isinstance(see_also, list) else []
    for path, paragraph in _raw_paragraphs(data):
        if "see_also" in paragraph and not isinstance(paragraph["see_also"], list):
            links.append(((*path, "see_also"), paragraph["see_also"]))
    targets = tuple((path, str(t) if isinstance(t, str | Scalar) else None) for path, t in links)
    return isinstance(draft, Scalar) and draft.raw == "true", targets


def _raw_paragraphs(data: dict) -> Iterator[tuple[Path_, dict]]:
    """Each body paragraph written as a mapping, the brief's and its sections', with its path."""
    bodies = [(("body",), data.get("body"))]
    sections = data.get("sections")
    if isinstance(sections, list):
        bodies += [(("sections", i, "body"), s.get("body")) for i, s in enumerate(sections) if isinstance(s, dict)]
    for where, body in bodies:
        if isinstance(body, list):
            yield from (((*where, i), p) for i, p in enumerate(body) if isinstance(p, dict))


def stale_translations(brief: Brief, document: Document) -> list[Problem]:
    """Translations whose source text changed since they were made (per their `# mt:` comment)."""
    found: list[Problem] = []
    if "# mt:" not in document.text:
        return found
    for path, text in brief.texts():
        for lang in written_codes():
            source_lang = fallback(text.words, lang)
            source = None if source_lang is None else text.words[source_lang]
            stamp = provenance(document, (*path, lang))
            if stamp is None or source is None or stamp.source == fingerprint(source):
                continue
            where = document.locate((*path, lang))
            if lang in text.machine and stamp.text == fingerprint(text.get(lang) or ""):
                message = "machine translation of an older source text; `signalbrief translate --write` refreshes it"
            else:
                message = (
                    "possibly stale: the source text changed since this translation was made; "
                    "review it, then delete its `# mt:` comment"
                )
            found.append(warning(where, dotted((*path, lang)), message))
    return found


def _brief_id(entry: _Entry) -> str | None:
    data = entry.document.data if entry.document else None
    written = data.get("id") if isinstance(data, dict) else None
    if isinstance(written, str):
        if written in RESERVED_IDS and entry.document:
            entry.problems.append(error(entry.document.locate(("id",)), "id", _reserved(written)))
        return written if SLUG.match(written) else None
    stem = Path(entry.path).stem
    if not SLUG.match(stem) or len(stem) > 80:
        entry.problems.append(
            error(
                Location(entry.shown, 1, 1),
                "id",
                f"the file name {stem!r} is not a valid id; rename the file or add `id: some-slug`",
            )
        )
        return None
    if stem in RESERVED_IDS:
        entry.problems.append(error(Location(entry.shown, 1, 1), "id", _reserved(stem)))
    return stem


def _reserved(brief_id: str) -> str:
    return f"{brief_id!r} names a folder of the browse or search pages; rename the file or add `id: some-other-slug`"


def _guessed_id(path: str, raw: bytes) -> str | None:
    """The id of a brief that cannot be parsed: from its `id:` line if it has one, else its file name."""
    written = _WRITTEN_ID.search(raw)
    if written is not None:
        return written.group(2).decode()
    stem = Path(path).stem
    return stem if SLUG.match(stem) and len(stem) <= 80 else None


def check_citations(document: Document) -> list[Problem]:
    """Every `[n]` must cite a source this text is allowed to see."""
    data = document.data if isinstance(document.data, dict) else {}
    own = len(data.get("sources") or []) if isinstance(data.get("sources"), list) else 0
    problems = []
    ranges = _section_ranges(data, own)
    texts = _bracketed_texts(document)
    # One search over all texts: a line break between two of them starts or ends no citation.
    cited = {int(n) for n in CITATION.findall("\n".join(text for _, text in texts))}
    if cited and max(cited) > own:  # rare: only then is each text's each citation looked at
        for path, text in texts:
            problems.extend(_outside_citations(document, path, text, own, ranges))
    for n in range(1, own + 1):
        if n not in cited:
            where = document.locate(("sources", n - 1))
            problems.append(warning(where, f"sources[{n - 1}]", f"source [{n}] is never cited"))
    return problems


def _outside_citations(
    document: Document, path: Path_, text: str, own: int, ranges: dict[int, set[int]]
) -> Iterator[Problem]:
    """An error at each `[n]` of a text that cites a source the text cannot show."""
    section = path[1] if path[:1] == ("sections",) and len(path) > 1 else None
    matches = list(CITATION.finditer(text))
    for match in matches:
        number = int(match.group(1))
        if number > own and number not in ranges.get(section, ()):
            message = _citation_message(number, own, section, ranges)
            yield error(_citation_at(document, path, matches, match), dotted(path), message)


def _citation_at(document: Document, path: Path_, matches: list[re.Match], match: re.Match) -> Location:
    """Where a citation is written in the file: its `[n]`, or else the start of its text.

    `[n]` holds no character that quoting, escaping or folding changes, so the k-th `[n]` of the
    value is the k-th `[n]` of the scalar as written, in every style (plain, quoted, `|` and `>`)."""
    span = document.span(path)
    if span is None:
        return document.locate(path)
    same = [m for m in matches if m.group() == match.group()]
    written = [m for m in CITATION.finditer(document.text, *span) if m.group() == match.group()]
    if len(written) != len(same):
        return document.locate(path)
    return document.position_at(written[same.index(match)].start())


def _section_ranges(data: dict, start: int) -> dict[int, set[int]]:
    """Section sources are numbered after the brief's own, section after section."""
    ranges = {}
    sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    for i, section in enumerate(sections):
        count = 0
        if isinstance(section, dict) and isinstance(section.get("sources"), list):
            count = len(section["sources"])
        ranges[i] = set(range(start + 1, start + count + 1))
        start += count
    return ranges


def _citation_message(number: int, own: int, section: int | None, ranges: dict[int, set[int]]) -> str:
    for other, numbers in ranges.items():
        if number in numbers:
            return f"[{number}] cites a source of gated section {other}, which this text cannot show"
    if section is None:
        return f"[{number}] cites a source that does not exist (the brief has {own})"
    extra = len(ranges.get(section, ()))
    return f"[{number}] cites a source that does not exist (the brief has {own}, this section {extra})"


def _bracketed_texts(document: Document) -> list[tuple[Path_, str]]:
    """Every string of a written language outside `sources` that holds a `[`, with its path."""
    if document.bracketed is None:
        return [(path, text) for path, text in _raw_texts(document.data, ()) if "[" in text]
    codes = frozenset(written_codes())
    return [(path, text) for path, text in document.bracketed if path and path[-1] in codes and "sources" not in path]


def _raw_texts(value: object, path: Path_) -> Iterator[tuple[Path_, str]]:
    """Every string of a written language (en, zh) in the raw data (outside `sources`), with its path;
    a loop, not recursion, since this runs over every node of every brief."""
    stack: list[tuple[object, Path_]] = [(value, path)]
    codes = frozenset(written_codes())
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "sources":
                    continue
                if key in codes and isinstance(item, str):
                    yield (*where, key), item
                elif isinstance(item, dict | list):
                    stack.append((item, (*where, key)))
        elif isinstance(node, list):
            stack.extend((item, (*where, i)) for i, item in enumerate(node) if isinstance(item, dict | list))


def _check_across(entries: list[_Entry]) -> None:
    """Ids are unique in the publication and every `see_also` names one of them."""
    first: dict[str, _Entry] = {}
    for entry in entries:
        if entry.id is None:
            continue
        if entry.id in first:
            entry.problems.append(
                error(entry.locate(("id",)), "id", f"id {entry.id!r} is already used by {first[entry.id].shown}")
            )
        else:
            first[entry.id] = entry
    known = list(first)
    drafts = {e.id for e in entries if e.draft}
    unparsed = {e.guessed_id for e in entries if e.guessed_id is not None}
    for entry in entries:
        for path, target in entry.see_also:
            if target is None or not SLUG.match(target):
                continue  # the model check already reported it
            if target not in first and target in unparsed:
                continue  # the brief exists; its own errors say why it cannot be read
            found = _see_also_problem(target, entry.id, first, known, drafts)
            if found is not None:
                report, message = found
                entry.problems.append(report(entry.locate(path), dotted(path), message))


def _see_also_problem(target: str, own: str | None, first: dict, known: list[str], drafts: set) -> tuple | None:
    """(error or warning, message) for a see_also target, or None when it is fine."""
    if target not in first:
        return error, f"no brief has the id {target!r}{suggest(target, known)}"
    if target == own:
        return error, "a brief cannot list itself"
    if target in drafts and own not in drafts:
        return warning, f"{target!r} is a draft, so the link is left out of builds without --drafts"
    return None
