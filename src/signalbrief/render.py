"""The Jinja environment (publication overrides, then the built-in theme) and the page helpers."""

from __future__ import annotations

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
from signalbrief.markup import inline_html, inline_markdown, plain_text
from signalbrief.model import Text, region_names

LANGS = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-Hans", "bi": "en"}
BABEL_LOCALE = {"en": "en", "zh": "zh_Hans"}
TEMPLATES_DIR = "templates"


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
        pick=pick,
    )
    env.globals["text"] = _markdown_text if markdown else _html_text
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


@_remembered
def _html_text(context: Any, value: Text | None, lang: str) -> Markup:
    """A text as HTML in one language, labelled when it is machine translation or still missing."""
    if value is None:
        return Markup("")
    cites = context.get("cites", {})

    def cite(number: int) -> str | None:
        return f"#{cites[number]}" if number in cites else None

    own = value.get(lang)
    if own is None:
        other = "zh" if lang == "en" else "en"
        notice = escape(translate_ui("Translation pending", lang))
        body = inline_html(value.get(other) or "", cite)
        return Markup(
            f'<span class="pending" data-pending="{lang}">{notice}</span> <span lang="{HTML_LANG[other]}">{body}</span>'
        )
    body = inline_html(own, cite)
    if lang in value.machine:
        label = escape(translate_ui("machine translation", lang))
        return Markup(f'<span data-mt="{lang}">{body}</span><span class="mt-label">{label}</span>')
    return body


@_remembered
def _markdown_text(context: Any, value: Text | None, lang: str) -> str:
    """A text as clean Markdown in one language, with the same labels as the HTML."""
    if value is None:
        return ""
    cites = context.get("cites", {})

    def footnote(number: int) -> str | None:
        return str(number) if number in cites else None

    own = value.get(lang)
    if own is None:
        other = "zh" if lang == "en" else "en"
        notice = translate_ui("Translation pending", lang)
        return f"*({notice})* {inline_markdown(value.get(other) or '', footnote)}"
    body = inline_markdown(own, footnote)
    if lang in value.machine:
        body += f" *({translate_ui('machine translation', lang)})*"
    return body


def term_label(config: Config, vocabulary: str, term: str, lang: str) -> str:
    return pick(config.terms[vocabulary][term], lang)


def region_name(code: str, lang: str) -> str:
    return pick(region_names()[code], lang)


@cache
def day(value: date, lang: str) -> str:
    return format_date(value, "long", locale=BABEL_LOCALE[lang])
