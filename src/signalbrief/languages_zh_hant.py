"""Traditional Chinese (zh-Hant), a built-in plugin: derived from the Simplified Chinese text with
OpenCC's `s2twp` conversion (Taiwan standard characters and phrases), never machine translated
on its own and never written in a brief."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from signalbrief.hookspecs import hookimpl
from signalbrief.languages import DERIVED, Language, LanguageError
from signalbrief.languages_builtin import chinese_sentences

OPENCC_CONFIG = "s2twp"


@cache
def _converter() -> Any:
    """OpenCC with its bundled dictionaries (no network); loaded on the first conversion."""
    try:
        import opencc
    except ImportError as exc:
        raise LanguageError(f"zh-Hant needs the opencc package (pip install opencc): {exc}") from None
    return opencc.OpenCC(OPENCC_CONFIG)


@lru_cache(maxsize=65536)
def traditional(text: str) -> str:
    """Simplified Chinese text in Traditional Chinese characters and Taiwan phrasing."""
    return _converter().convert(text)


ZH_HANT = Language(
    code="zh-Hant",
    html_lang="zh-Hant",
    locale="zh_Hant",
    path="zh-hant",
    labels={"en": "Traditional Chinese", "zh": "繁体中文", "zh-Hant": "繁體中文"},
    obtained=DERIVED,
    source="zh",
    derive=traditional,
    splitter=chinese_sentences,
    spaced=False,
)


@hookimpl
def signalbrief_languages() -> list[Language]:
    return [ZH_HANT]
