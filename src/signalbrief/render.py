"""The Jinja environment (publication overrides, then the built-in theme) and the page helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache, wraps
from importlib import resources
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.pofile import read_po
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
)
from markupsafe import Markup, escape

from signalbrief.config import Config
from signalbrief.markup import Cite, inline_html, inline_markdown, markdown_escape, plain_text
from signalbrief.model import Text, region_names

LANGS = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-Hans", "bi": "en"}
BABEL_LOCALE = {"en": "en", "zh": "zh_Hans"}
TEMPLATES_DIR = "templates"
# Characters XML 1.0 does not allow anywhere, not even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@cache
def catalog(lang: str) -> dict[str, str]:
    """The theme's interface strings for a language (English is the source language)."""
    if lang == "en":
        return {}
    po = resources.files("signalbrief").joinpath("theme", "locale", lang, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        messages = read_po(handle)
    return {str(m.id): str(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def translate_ui(message: str, lang: str) -> str:
    return catalog(lang).get(message, message)


class _Messages(dict):
    """Interface strings of one language; a string missing from the catalog stays English."""

    def __missing__(self, message: str) -> str:
        return message


@cache
def messages() -> dict[str, dict[str, str]]:
    """`T[lang][msgid]` in templates: a lookup, not a call, since pages use many labels each."""
    english = _Messages({message: message for message in catalog("zh")})
    return {"en": english, "bi": english, "zh": _Messages(catalog("zh"))}


def make_environment(root: Path | None, *, markdown: bool = False) -> Environment:
    """Build the template environment: `templates/` of the publication first, then the theme.

    `default:NAME` always names the built-in template, so an override can extend the original.
    """
    theme = PackageLoader("signalbrief", "theme/templates")
    loaders: list[Any] = []
    if root is not None and (root / TEMPLATES_DIR).is_dir():
        loaders.append(_ContainedLoader(root / TEMPLATES_DIR))
    loaders += [theme, PrefixLoader({"default": theme}, delimiter=":")]
    env = Environment(
        loader=ChoiceLoader(loaders),
        bytecode_cache=_compiled(),
        auto_reload=False,  # one environment per build: templates do not change during it
        autoescape=not markdown,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        T=messages(),
        _=_gettext,
        _in=translate_ui,
        term_label=term_label,
        region_name=region_name,
        day=day,
        plain=plain,
        marked_plain=marked_plain,
        pick=pick,
    )
    if markdown:
        env.globals.update(
            text=_markdown_text,
            locked_text=_markdown_locked_text,
            line=_markdown_line,
            term_label=_escaped(term_label),
            region_name=_escaped(region_name),
        )
        env.filters["md_escape"] = markdown_escape
    else:
        env.globals.update(text=_html_text, locked_text=_html_locked_text, line=_html_line)
    return env


@cache
def _compiled() -> FileSystemBytecodeCache:
    """Compiled templates, kept between runs in Jinja's per-user folder under the system temp folder
    (never in the publication: a cache there could be planted by whoever wrote the publication)."""
    return FileSystemBytecodeCache()


class _ContainedLoader(FileSystemLoader):
    """The publication's templates/: a template that links to a file outside it is not read."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        folder = Path(self.searchpath[0]).resolve()
        if not Path(filename).resolve().is_relative_to(folder):
            raise TemplateError(f"templates/{template} links outside templates/; refusing to read it")
        return source, filename, uptodate


@pass_context
def _gettext(context: Any, message: str) -> str:
    return translate_ui(message, "zh" if context["lang"] == "zh" else "en")


def pick(value: Text | tuple[str, str], lang: str) -> str:
    """The plain string of a text or a label pair in a language, falling back to the other one."""
    if isinstance(value, tuple):
        return value[1] if lang == "zh" else value[0]
    return value.get(lang) or value.get("zh" if lang == "en" else "en") or ""


def plain(value: Text, lang: str) -> str:
    return plain_text(pick(value, lang))


def _remembered(render: Callable[[Any, Text, str], Any]) -> Callable[[Any, Text | None, str], Any]:
    """A brief's texts render the same in every edition and view that shows them (citations keep
    their numbers): with a `memo` dict in the context (one per brief), each is rendered once."""

    @pass_context
    @wraps(render)
    def remembered(context: Any, value: Text | None, lang: str) -> Any:
        if value is None:
            return render(context, value, lang)
        memo = context.get("memo")
        if memo is None:
            return render(context, value, lang)
        key = (render, id(value), lang, context.get("cites_key"))
        if key not in memo:
            memo[key] = (value, render(context, value, lang))  # the text is kept alive with its rendering
        return memo[key][1]

    return remembered


def _other(lang: str) -> str:
    return "zh" if lang == "en" else "en"


def _cite(context: Any, target: Callable[[int], str], locked: bool) -> Cite:
    """Cite a source by the number this edition shows (`target(n)`: its link or footnote label).
    On a lock card (`locked`), a citation of a source this edition does not show is left out."""
    cites = context.get("cites", {})

    def cite(number: int) -> tuple[str, int] | None:
        if number in cites:
            return target(cites[number]), cites[number]
        return ("", number) if locked else None

    return cite


def _anchor(number: int) -> str:
    return f"#source-{number}"


def _labelled_html(value: Text, lang: str, body: Callable[[str], Markup]) -> Markup:
    """A text's `body` in one language, labelled when it is machine translation or still missing."""
    own = value.get(lang)
    if own is None:
        other = _other(lang)
        notice = escape(translate_ui("Translation pending", lang))
        shown = body(value.get(other) or "")
        pending = f'<span class="pending" data-pending="{lang}">{notice}</span>'
        return Markup(f'{pending} <span lang="{HTML_LANG[other]}">{shown}</span>')
    if lang in value.machine:
        label = escape(translate_ui("machine translation", lang))
        return Markup(f'<span data-mt="{lang}">{body(own)}</span><span class="mt-label">{label}</span>')
    return body(own)


def _labelled_markdown(value: Text, lang: str, body: Callable[[str], str]) -> str:
    """A text's `body` as Markdown in one language, with the same labels as the HTML."""
    own = value.get(lang)
    if own is None:
        notice = translate_ui("Translation pending", lang)
        return f"*({notice})* {body(value.get(_other(lang)) or '')}"
    if lang in value.machine:
        return f"{body(own)} *({translate_ui('machine translation', lang)})*"
    return body(own)


@_remembered
def _html_text(context: Any, value: Text | None, lang: str) -> Markup:
    """A text as HTML in one language, labelled when it is machine translation or still missing."""
    if value is None:
        return Markup("")
    cite = _cite(context, _anchor, locked=False)
    return _labelled_html(value, lang, lambda words: inline_html(words, cite))


@_remembered
def _html_locked_text(context: Any, value: Text | None, lang: str) -> Markup:
    """A lock card's text as HTML: like `text`, less citations of sources this edition does not show."""
    if value is None:
        return Markup("")
    cite = _cite(context, _anchor, locked=True)
    return _labelled_html(value, lang, lambda words: inline_html(words, cite))


def _html_line(value: Text, lang: str) -> Markup:
    """A text as one plain line of HTML (a link, a list entry), labelled like `text`."""
    return _labelled_html(value, lang, lambda words: escape(plain_text(words)))


@_remembered
def _markdown_text(context: Any, value: Text | None, lang: str) -> str:
    """A text as clean Markdown in one language, with the same labels as the HTML."""
    if value is None:
        return ""
    footnote = _cite(context, str, locked=False)
    return _labelled_markdown(value, lang, lambda words: inline_markdown(words, footnote))


@_remembered
def _markdown_locked_text(context: Any, value: Text | None, lang: str) -> str:
    """A lock card's text as Markdown: like `text`, less citations of sources this edition does not show."""
    if value is None:
        return ""
    footnote = _cite(context, str, locked=True)
    return _labelled_markdown(value, lang, lambda words: inline_markdown(words, footnote))


def _markdown_line(value: Text, lang: str) -> str:
    """A text as one plain line of Markdown (link text), labelled like `text`."""
    return _labelled_markdown(value, lang, lambda words: markdown_escape(plain_text(words)))


def marked_plain(value: Text, lang: str) -> str:
    """A text's plain words with a short text marker when it is machine translation or missing,
    for feeds, `<title>` and `<meta>`, which hold no markup."""
    own = value.get(lang)
    if own is None:
        notice = translate_ui("Translation pending", lang)
        return translate_ui("({label}) ", lang).format(label=notice) + plain(value, _other(lang))
    if lang in value.machine:
        label = translate_ui("machine translation", lang)
        return plain_text(own) + translate_ui(" ({label})", lang).format(label=label)
    return plain_text(own)


def _escaped(label: Callable[..., str]) -> Callable[..., str]:
    """The same label, escaped for Markdown: config labels are text, never markup."""

    @wraps(label)
    def escaped(*args: Any) -> str:
        return markdown_escape(label(*args))

    return escaped


def xml_chars(xml: str) -> str:
    """Drop the characters XML 1.0 forbids, so a feed or sitemap stays well-formed whatever it holds."""
    return _NOT_XML.sub("", xml)


def term_label(config: Config, vocabulary: str, term: str, lang: str) -> str:
    return pick(config.terms[vocabulary][term], lang)


def region_name(code: str, lang: str) -> str:
    return pick(region_names()[code], lang)


@cache
def day(value: date, lang: str) -> str:
    return format_date(value, "long", locale=BABEL_LOCALE[lang])
