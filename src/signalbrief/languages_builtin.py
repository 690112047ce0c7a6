"""signalbrief's own languages, registered like any plugin's: English and Simplified Chinese."""

from __future__ import annotations

import re

from signalbrief.hookspecs import hookimpl
from signalbrief.languages import Language

# English sentence ends: . ! ? (and closing quotes) followed by space and a capital, digit or quote.
_EN_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9\"“‘(])")
_ABBREVIATIONS = (
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "St.",
    "No.",
    "vs.",
    "etc.",
    "e.g.",
    "i.e.",
    "U.S.",
    "U.K.",
    "Inc.",
    "Ltd.",
    "Co.",
    "Jan.",
    "Feb.",
    "Mar.",
    "Apr.",
    "Aug.",
    "Sep.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)
_ZH_END = re.compile(r"(?<=[。！？；])[”’」』）]?")


def english_sentences(text: str) -> list[str]:
    """Split English at sentence ends, not after common abbreviations (no model, no download)."""
    return _cut(text, _EN_END, _ABBREVIATIONS)


def chinese_sentences(text: str) -> list[str]:
    """Split Chinese after its full-width sentence marks."""
    return _cut(text, _ZH_END, ())


def _cut(text: str, ends: re.Pattern[str], not_after: tuple[str, ...]) -> list[str]:
    cuts, last = [], 0
    for match in ends.finditer(text):
        if not_after and text[last : match.start()].rstrip().endswith(not_after):
            continue
        cuts.append(text[last : match.end()])
        last = match.end()
    cuts.append(text[last:])
    return [cut for cut in cuts if cut]


EN = Language(
    code="en",
    html_lang="en",
    locale="en",
    path="en",
    labels={"en": "English", "zh": "英语"},
    splitter=english_sentences,
    punctuation={"。": ". ", "，": ", ", "；": "; ", "：": ": ", "！": "! ", "？": "? ", "、": ", "},
)
ZH = Language(
    code="zh",
    html_lang="zh-Hans",
    locale="zh_Hans",
    path="zh",
    labels={"en": "Simplified Chinese", "zh": "中文"},
    splitter=chinese_sentences,
    punctuation={".": "。", ",": "，", ";": "；", ":": "：", "!": "！", "?": "？"},
    spaced=False,
)


@hookimpl
def signalbrief_languages() -> list[Language]:
    return [EN, ZH]
