"""The languages texts are written and published in, as data: each is registered by a plugin
(signalbrief's own through `signalbrief.languages_builtin`) via the `signalbrief_languages` hook.

A text is keyed by language code. A *written* language is written by a person or filled by machine
translation from another written language; a *derived* language is computed from its `source`
language's text (never written in a brief, never machine translated on its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from signalbrief.errors import SignalbriefError, UsageError

WRITTEN = "written"
DERIVED = "derived"
DEFAULT = ("en", "zh")  # a publication's languages unless signalbrief.yaml says `languages:`
BI = "bi"  # the id of the bilingual view
BILINGUAL = ("en", "zh")  # what the bilingual view shows side by side, in this order

Labels = Mapping[str, str]  # words by language code: a vocabulary label, a tier's name, a title


def whole(text: str) -> list[str]:
    """A sentence splitter for a language without rules: the text is one sentence."""
    return [text] if text else []


@dataclass(frozen=True)
class Language:
    """One language: how pages name and mark it, where its views live, and how its texts are obtained."""

    code: str  # the key of a text: en, zh
    html_lang: str  # the `lang` attribute and hreflang: en, zh-Hans
    locale: str  # the Babel locale of its dates, region names and interface catalog: en, zh_Hans
    path: str  # the folder of its views: DIR/<edition>/<path>/
    labels: Labels = field(compare=False)  # its name in each interface language, by code
    obtained: str = WRITTEN  # WRITTEN or DERIVED
    source: str | None = None  # the language a derived one is computed from
    derive: Callable[[str], str] | None = None  # source text -> this language's text
    splitter: Callable[[str], list[str]] = whole  # sentences, for machine translation from it
    punctuation: Labels = field(default_factory=dict, compare=False)  # other marks -> its own
    spaced: bool = True  # words are separated by spaces (whole-word glossary matches, case folded)

    @property
    def name(self) -> str:
        """Its name in itself, as a language switch shows it."""
        return self.labels[self.code]

    def label(self, ui: str) -> str:
        """Its name in an interface language (English where the plugin gave none)."""
        return self.labels.get(ui) or self.labels.get("en") or self.code

    @property
    def written(self) -> bool:
        return self.obtained == WRITTEN


class LanguageError(SignalbriefError):
    """Registered languages that contradict each other."""


def registered() -> dict[str, Language]:
    """Every registered language by code, signalbrief's own first."""
    return _collect(_plugin_manager()())


@cache
def _plugin_manager() -> Callable[[], Any]:
    """signalbrief.plugins.plugin_manager, imported when first asked for (importing this module stays
    cheap) and only then: rendering asks for the languages once per text."""
    from signalbrief.plugins import plugin_manager

    return plugin_manager


@lru_cache(maxsize=4)
def _collect(manager: Any) -> dict[str, Language]:
    found: dict[str, Language] = {}
    # pluggy calls the last registered plugin first; the built-ins were registered first.
    for batch in reversed(manager.hook.signalbrief_languages()):
        for language in batch:
            if language.code in found:
                raise LanguageError(f"language {language.code!r} is registered twice")
            found[language.code] = language
    for language in found.values():
        source = found.get(language.source or "")
        if not language.written and (source is None or not source.written or language.derive is None):
            raise LanguageError(
                f"derived language {language.code!r} needs a derive function and a written source language"
            )
    return found


def language(code: str) -> Language:
    """The registered language of a code (KeyError for an unknown one)."""
    return registered()[code]


def written() -> list[Language]:
    """The written languages, in registry order: the keys a brief's text may have."""
    return list(_written_of(registered())[0])


def written_codes() -> list[str]:
    return list(_written_of(registered())[1])


_written: list = [None, (), ()]  # a registry, then its written languages and their codes


def _written_of(known: dict[str, Language]) -> tuple[tuple[Language, ...], tuple[str, ...]]:
    """The written languages of a registry and their codes, worked out once per registry: every text
    of every brief asks for them while it is checked."""
    if _written[0] is not known:
        languages = tuple(lang for lang in known.values() if lang.written)
        _written[:] = [known, languages, tuple(lang.code for lang in languages)]
    return _written[1], _written[2]


def for_codes(codes: Sequence[str]) -> list[Language]:
    """The languages of a publication's `languages:` list, in its order."""
    return [language(code) for code in codes]


def problems(codes: Sequence[str]) -> list[tuple[int | None, str]]:
    """What is wrong with a `languages:` list: (index or None for the whole list, message)."""
    from signalbrief.fields import suggest

    known = registered()
    found: list[tuple[int | None, str]] = []
    for index, code in enumerate(codes):
        if code not in known:
            hint = suggest(code, list(known)) or f"; languages: {', '.join(known)}"
            found.append((index, f"unknown language {code!r}{hint}"))
        elif code in codes[:index]:
            found.append((index, f"language {code!r} is listed twice"))
        elif not known[code].written and known[code].source not in codes:
            source = known[code].source
            found.append((index, f"{code} is derived from {source}: list {source} too"))
    return found


def pick(labels: Labels, lang: str) -> str | None:
    """The words of a label or text in a language: as written, derived from its source, or None."""
    words = labels.get(lang)
    if words is None:
        derived = registered().get(lang)
        if derived is not None and derived.derive is not None:
            source = pick(labels, derived.source or "")
            words = None if source is None else derived.derive(source)
    return words


def in_language(labels: Labels, lang: str) -> str:
    """The words of a label or text in a language, else in the first written language that has them."""
    words = pick(labels, lang)
    if not words:
        other = fallback(labels, lang)
        words = labels[other] if other is not None else ""
    return words


def fallback(labels: Labels, lang: str) -> str | None:
    """The language shown where a text lacks `lang`: the first written language it has."""
    return next((other.code for other in written() if other.code != lang and labels.get(other.code)), None)


def source_of(lang: str) -> str:
    """The written language whose text a language's text is (itself for a written language)."""
    found = registered().get(lang)
    return found.source or lang if found is not None and not found.written else lang


@dataclass(frozen=True)
class View:
    """A folder of pages in each edition: one language, or the bilingual view."""

    id: str  # its folder: en, zh, bi
    lang: str  # the `lang` its templates get: a language code, or BI
    html_lang: str  # its pages' `lang` attribute and hreflang
    label: str  # its name in the language switch and on the entry page
    ui: str  # the language of its interface and plain-text labels: its own, or the bilingual's first


def views(codes: Sequence[str]) -> list[View]:
    """The views of a publication in these languages: one per language, then the bilingual one
    when both of its languages are published."""
    found = [View(lang.path, lang.code, lang.html_lang, lang.name, lang.code) for lang in for_codes(codes)]
    if all(code in codes for code in BILINGUAL):
        pair = for_codes(BILINGUAL)
        found.append(View(BI, BI, pair[0].html_lang, " / ".join(lang.name for lang in pair), pair[0].code))
    return found


def selected_views(codes: Sequence[str], selected: Sequence[str]) -> list[View]:
    """The views `--lang` selects, in the publication's order (every one when none is selected)."""
    known = views(codes)
    ids = [view.id for view in known]
    unknown = [v for v in selected if v not in ids]
    if unknown:
        raise UsageError(
            f"--lang: {unknown[0]!r} is not one of {', '.join(ids)} (the views of this publication's languages)"
        )
    return [view for view in known if not selected or view.id in selected]
