"""What a brief page tells link previews and search engines: Open Graph and Twitter card meta, its
canonical URL and JSON-LD. All of it is made from what the page itself shows, never member text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from signalbrief.gating import GatedBrief, LockCard

# Open Graph names locales language_TERRITORY; these are the ones link previews know for our languages.
OG_LOCALES = {"en": "en_US", "zh-Hans": "zh_CN", "zh-Hant": "zh_TW"}
# Inside <script>, these could end the element or open a comment; JSON reads the escapes as the same text.
SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@dataclass(frozen=True)
class Page:
    """What a brief page's share metadata is made of; `url` is absolute, or "" without a base URL."""

    title: str
    description: str
    published: date
    html_lang: str
    site_title: str
    url: str


def og_locale(html_lang: str) -> str:
    return OG_LOCALES.get(html_lang, html_lang.replace("-", "_"))


def lock_classes(gated: GatedBrief) -> dict[int, str]:
    """The class of the element holding each lock card, by the section's position."""
    return {n: f"locked-part-{n + 1}" for n, s in enumerate(gated.sections) if isinstance(s, LockCard)}


def share(page: Page, locked: dict[int, str]) -> dict[str, Any]:
    """The share metadata of a brief page: `og` and `twitter` as (name, content) pairs, `url`, `json_ld`
    and the `lock_classes` the page's lock cards are wrapped in (the selectors of its locked parts)."""
    og = [
        ("og:type", "article"),
        ("og:title", page.title),
        ("og:description", page.description),
        *([("og:url", page.url)] if page.url else []),
        ("og:locale", og_locale(page.html_lang)),
        ("og:site_name", page.site_title),
        ("article:published_time", page.published.isoformat()),
    ]
    twitter = [("twitter:card", "summary"), ("twitter:title", page.title), ("twitter:description", page.description)]
    json_ld = script_json(news_article(page, locked))
    return {"og": og, "twitter": twitter, "url": page.url, "json_ld": json_ld, "lock_classes": locked}


def news_article(page: Page, locked: dict[int, str]) -> dict[str, Any]:
    """A schema.org NewsArticle; a page with lock cards says it is not free and lists the locked parts."""
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title,
        "description": page.description,
        "inLanguage": page.html_lang,
        "datePublished": page.published.isoformat(),
        "publisher": {"@type": "Organization", "name": page.site_title},
    }
    if page.url:
        article["url"] = page.url
        article["mainEntityOfPage"] = {"@type": "WebPage", "@id": page.url}
    if locked:
        article["isAccessibleForFree"] = False
        article["hasPart"] = [
            {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": f".{name}"}
            for name in locked.values()
        ]
    return article


def script_json(value: object) -> Markup:
    """JSON that stays inside a <script> element whatever text it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return Markup(text)
