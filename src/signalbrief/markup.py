"""Inline Markdown of brief texts (emphasis, links, code, citations) to safe HTML or clean Markdown.

Both outputs come from one token stream (markdown-it with raw HTML and images off), so a brief can
never pass raw HTML, a `javascript:`, `vbscript:` or `data:` link, or anything else executable.
A text with no Markdown syntax at all is that one text token, so it is rendered without the parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

CITATION = re.compile(r"\[([0-9]+)\]")  # in a text token: `[n]` cites source n
_SPACED_CITATION = re.compile(r"\s*\[[0-9]+\]")
_SAFE_SCHEMES = ("", "http", "https", "mailto")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&])")
_BACKTICKS = re.compile(r"`+")
# What can make markdown-it read a text as more than one text token: emphasis, code, escapes,
# entities, line breaks (and what its normaliser rewrites), inline links. Reference links need
# definitions, which inline parsing never has, so a lone `[n]` stays text.
_SYNTAX = re.compile(r"[*_`\\&\n\r\x00]|\]\(")

# `cite(n)` for the citation `[n]`: (link target, number shown), an empty target to leave the
# citation out, or None to keep `[n]` as written.
Cite = Callable[[int], tuple[str, int] | None]


def safe_href(href: str) -> str | None:
    """Return the link target if it cannot execute anything, else None."""
    cleaned = "".join(ch for ch in href if ch.isprintable() and not ch.isspace())
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    return cleaned if scheme in _SAFE_SCHEMES else None


@cache
def _parser() -> Any:
    """The inline parser, made (and markdown-it imported) when a text first has Markdown in it."""
    from markdown_it import MarkdownIt

    # `text_join` is left off so that an escaped `\[1\]` stays a `text_special` token, not a citation.
    wanted = ["emphasis", "link", "backticks", "escape", "entity", "newline"]
    return MarkdownIt("zero").enable(wanted).disable("text_join")


@lru_cache(maxsize=4096)
def inline_tokens(text: str) -> tuple:
    """The inline Markdown tokens of a text (the one parser every reader of brief text uses).

    Cached: a build renders each text in every edition and view; callers only read the tokens."""
    parsed = _parser().parseInline(text, {})
    return tuple(parsed[0].children or []) if parsed else ()


def has_syntax(text: str) -> bool:
    """Whether a text may hold inline Markdown; without any, its one token is the text itself."""
    return _SYNTAX.search(text) is not None


def inline_html(text: str, cite: Cite) -> Markup:
    """Render a text's inline Markdown as HTML; `cite(n)` says where citation `[n]` links."""
    if not has_syntax(text):  # most texts: no parse needed
        return Markup(_cited_html(text, cite))
    out: list[str] = []
    in_link = False
    for token in inline_tokens(text):
        kind = token.type
        if kind == "text":
            out.append(str(escape(token.content)) if in_link else _cited_html(token.content, cite))
        elif kind == "text_special":
            out.append(str(escape(token.content)))
        elif kind in ("em_open", "em_close", "strong_open", "strong_close"):
            out.append(f"<{'/' if kind.endswith('close') else ''}{token.tag}>")
        elif kind == "code_inline":
            out.append(f"<code>{escape(token.content)}</code>")
        elif kind == "link_open":
            href = safe_href(str(token.attrs.get("href", "")))
            in_link = href is not None
            if in_link:
                out.append(f'<a href="{escape(href)}" rel="noopener">')
        elif kind == "link_close":
            if in_link:
                out.append("</a>")
            in_link = False
        elif kind == "softbreak":
            out.append("\n")
        elif kind == "hardbreak":
            out.append("<br>")
        else:
            out.append(str(escape(token.content)))
    return Markup("".join(out))


def _cited_html(text: str, cite: Cite) -> str:
    if "[" not in text:
        return str(escape(text))
    out, last = [], 0
    for match in CITATION.finditer(text):
        found = cite(int(match.group(1)))
        before = text[last : match.start()]
        if found is None:
            out.append(str(escape(before + match.group(0))))
        elif not found[0]:
            out.append(str(escape(before.rstrip())))
        else:
            out.append(f'{escape(before)}<a class="cite" href="{escape(found[0])}">[{found[1]}]</a>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return "".join(out)


def inline_markdown(text: str, footnote: Cite) -> str:
    """Re-write a text's inline Markdown cleanly: no raw HTML, unsafe links reduced to their text,
    citations as the plain number shown, `\\[n\\]` (`footnote(n)` says which, or to leave one out)."""
    if not has_syntax(text):
        return _cited_markdown(text, footnote)
    out: list[str] = []
    link: str | None = None
    for token in inline_tokens(text):
        kind = token.type
        if kind == "text":
            out.append(markdown_escape(token.content) if link is not None else _cited_markdown(token.content, footnote))
        elif kind == "text_special":
            out.append(markdown_escape(token.content))
        elif kind in ("em_open", "em_close"):
            out.append("*")
        elif kind in ("strong_open", "strong_close"):
            out.append("**")
        elif kind == "code_inline":
            out.append(code_span(token.content))
        elif kind == "link_open":
            link = safe_href(str(token.attrs.get("href", "")))
            if link is not None:
                out.append("[")
        elif kind == "link_close":
            if link is not None:
                out.append(f"](<{link.replace('>', '%3E').replace('<', '%3C')}>)")
            link = None
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            out.append(markdown_escape(token.content))
    return "".join(out)


def code_span(content: str) -> str:
    """Write inline code so that CommonMark reads back exactly `content`, and nothing after it.

    The fence is longer than the longest backtick run inside, so no run can close it early; a space
    pads content that starts or ends with a backtick (or with a space at both ends, which CommonMark
    would otherwise strip)."""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(content)), default=0) + 1)
    edges = content[:1] + content[-1:]
    spaced = content.startswith(" ") and content.endswith(" ") and bool(content.strip(" "))
    pad = " " if "`" in edges or spaced else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _cited_markdown(text: str, footnote: Cite) -> str:
    out, last = [], 0
    for match in CITATION.finditer(text):
        found = footnote(int(match.group(1)))
        before = text[last : match.start()]
        if found is None:
            out.append(markdown_escape(before + match.group(0)))
        elif not found[0]:
            out.append(markdown_escape(before.rstrip()))
        else:
            out.append(f"{markdown_escape(before)}\\[{found[1]}\\]")
        last = match.end()
    out.append(markdown_escape(text[last:]))
    return "".join(out)


def markdown_escape(text: str) -> str:
    """Escape what Markdown would read as markup, so text stays text on any platform."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_cell(text: str) -> str:
    """Escape a text for a cell of a Markdown table (a `|` would end the cell)."""
    return markdown_escape(text).replace("|", "\\|")


@lru_cache(maxsize=65536)
def plain_text(text: str) -> str:
    """The words of a text without its Markdown or citations, for feeds, titles and link text."""
    if not has_syntax(text):
        return " ".join(_SPACED_CITATION.sub("", text).split())
    words = []
    for token in inline_tokens(text):
        if token.type == "text":
            words.append(_SPACED_CITATION.sub("", token.content))
        elif token.type in ("text_special", "code_inline"):
            words.append(token.content)
    return " ".join("".join(words).split())
