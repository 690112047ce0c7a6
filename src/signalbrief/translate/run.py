"""`signalbrief translate`: find what needs translating, fill it, and with --write put it in the files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from signalbrief.errors import InvalidInput, Problem, warning
from signalbrief.fingerprints import fingerprint, provenance
from signalbrief.languages import fallback
from signalbrief.loader import dotted
from signalbrief.translate.fill import Filler, Need, Outcome, Untranslated, needs_of
from signalbrief.translate.inplace import Fill, write_fills
from signalbrief.validate import LoadedBrief, validate


@dataclass
class TranslateReport:
    needs: list[Need] = field(default_factory=list)
    outcome: Outcome = field(default_factory=Outcome)
    edited: list[Problem] = field(default_factory=list)  # machine texts a person changed: kept
    written: list[Path] = field(default_factory=list)
    unwritten: list[Problem] = field(default_factory=list)  # fills that cannot be written in place


def stale_machine_texts(briefs: list[LoadedBrief]) -> tuple[list[Need], list[Problem]]:
    """Machine texts whose source changed since they were written (to refresh), and machine texts
    a person edited without removing `!mt` (to keep, and to report)."""
    refresh, edited = [], []
    for item in briefs:
        for path, text in item.brief.texts():
            for lang in sorted(text.machine):
                source_lang = fallback(text.words, lang)
                stamp = provenance(item.document, (*path, lang))
                if source_lang is None or stamp is None:
                    continue
                source = text.words[source_lang] or ""
                if stamp.text != fingerprint(text.get(lang) or ""):
                    where = item.document.locate((*path, lang))
                    message = "machine text edited by a person: kept; remove !mt once it is reviewed"
                    edited.append(warning(where, dotted((*path, lang)), message))
                elif stamp.source != fingerprint(source):
                    refresh.append(Need(item, path, source_lang, lang, source))
    return refresh, edited


def translate_publication(
    root: Path, paths: list[Path], write: bool, progress: Callable[[int], None] | None = None
) -> TranslateReport:
    """Fill missing languages (and refresh out-of-date machine text) of the selected briefs."""
    checked = validate(root, paths)
    if checked.errors:
        raise InvalidInput(checked.problems)
    refresh, edited = stale_machine_texts(checked.briefs)
    report = TranslateReport(needs=needs_of(checked.briefs) + refresh, edited=edited)
    filler = Filler(root)
    try:
        report.outcome = filler.fill(report.needs, progress)
    finally:
        filler.close()
    if write:
        report.written, report.unwritten = _write(report)
    if report.outcome.missing:
        raise Untranslated(report.outcome.missing)
    return report


def _write(report: TranslateReport) -> tuple[list[Path], list[Problem]]:
    by_file: dict[Path, tuple[LoadedBrief, list[Fill]]] = {}
    for need in report.needs:
        value = report.outcome.texts.get((need.brief.id, need.path, need.target_lang))
        if value is None:
            continue
        entry = by_file.setdefault(need.brief.path, (need.brief, []))
        entry[1].append(Fill(need.path, need.target_lang, value, need.source, need.source_lang))
    written, refused = [], []
    for file, (item, fills) in sorted(by_file.items()):
        not_written = write_fills(file, item.document, fills)
        refused += not_written
        if len(not_written) < len(fills):
            written.append(file)
    return written, refused
