"""The Jinja environment (publication overrides, then the built-in theme) and the page helpers."""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Callable
from datetime import date
from functools import cache, wraps
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

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

from signalbrief.cache import Remembered, keep, read_kept, stable_hash, user_cache_file
from signalbrief.config import Config
from signalbrief.discovery import TEMPLATES_DIR
from signalbrief.languages import BI, BILINGUAL, Labels, Language, fallback, for_codes, in_language, language
from signalbrief.markup import Cite, inline_html, inline_markdown, markdown_cell, markdown_escape, plain_text
from signalbrief.model import Text
from signalbrief.model import region_name as _region_name
from signalbrief.plugins import PluginError, hook

# Characters XML 1.0 does not allow anywhere, not even as character references: every character but
# tab, line feed, carriage return, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF, written as the few
# it leaves out (the negated class of the allowed ones took 7 ms to compile: a tenth of an edit's imports).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def ui_language(lang: str) -> Language:
    """The language of a page's interface: its own, or for the bilingual view its first language's."""
    return language(BILINGUAL[0] if lang == BI else lang)


def html_lang(lang: str) -> str:
    """The `lang` attribute of a language (or of the bilingual view's interface)."""
    return ui_language(lang).html_lang


def translations(lang: str) -> gettext.NullTranslations:
    """The theme's catalog for a language or view."""
    return catalog(ui_language(lang).locale)


@cache
def babel_installed() -> str:
    """The installed Babel, named without importing it (an edit's build finds every date and name it
    shows remembered, and asks Babel nothing; Babel's import was some 10 ms of it): the path, size and
    time stamp of its package's first file, which installing another version changes."""
    import importlib.util

    spec = importlib.util.find_spec("babel")
    if spec is None or spec.origin is None or not os.path.isfile(spec.origin):
        import babel

        return babel.__version__
    info = os.stat(spec.origin)
    return f"{spec.origin}:{info.st_size}:{info.st_mtime_ns}"


# What Babel wrote out (dates, region and month names, the catalogs of a locale), remembered between
# runs; a build saves it.
BABEL_SAYS = Remembered("babel", babel_installed)


def keep_what_babel_said() -> None:
    """Save what Babel wrote out in this run, for the next (see `BABEL_SAYS`)."""
    BABEL_SAYS.save()


# The theme's folder, beside this file (importlib.resources would import its readers, zipfile
# among them, for a build that renders one brief): its catalogs, style sheets and scripts.
THEME = Path(__file__).parent / "theme"
_LOCALE = THEME / "locale"


@cache
def catalog(locale: str) -> gettext.NullTranslations:
    """The theme's catalog for a Babel locale, read from its .po file (English, the source
    language, has none: its strings are the msgids)."""
    for name in catalog_names(locale):
        po = _LOCALE / name / "LC_MESSAGES" / "messages.po"
        if po.is_file():
            return _read_catalog(po)
    return gettext.NullTranslations()


def catalog_names(locale: str) -> list[str]:
    """The folders a Babel locale's catalog may be in, most specific first: `zh_Hans` is also looked
    for in `zh` (Chinese is written in Hans unless a script says otherwise); `zh_Hant` is not."""
    return BABEL_SAYS.text(f"catalogs {locale}", lambda: "\n".join(_catalog_names(locale))).split("\n")


def _catalog_names(locale: str) -> list[str]:
    from babel import Locale
    from babel.core import get_global

    parsed = Locale.parse(locale)
    likely = Locale.parse(get_global("likely_subtags").get(parsed.language, parsed.language))
    names = [str(parsed)]
    if parsed.script in (None, likely.script) and str(parsed) != parsed.language:
        names.append(parsed.language)
    return names


def _read_catalog(po: Path) -> gettext.GNUTranslations:
    """A .po catalog compiled (fuzzy and empty entries left out), so no .mo file can go stale: the
    compiled catalog is kept in the user's cache folder by a hash of the .po's bytes (compiling it
    was some 15 ms of every build that renders)."""
    source = po.read_bytes()
    file = user_cache_file(f"catalog-{stable_hash(source, babel_installed())[:24]}.mo")
    compiled = read_kept(file) if file is not None else None
    if type(compiled) is not bytes:
        compiled = _compiled_catalog(source)
        if file is not None:
            keep(file, compiled)  # a cache: without it, the next build compiles again
    return gettext.GNUTranslations(BytesIO(compiled))


def _compiled_catalog(source: bytes) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = BytesIO()
    write_mo(compiled, read_po(BytesIO(source)))
    return compiled.getvalue()


def gettext_in(lang: str, message: str) -> str:
    """An interface string in a language; templates call it where a block names its language
    (the bilingual view shows both), `_()` and `{% trans %}` elsewhere."""
    return translations(lang).gettext(message)


class _Catalogs:
    """An environment's interface strings, looked up once per (language, message): every page asks
    for the same few dozen strings, and each lookup otherwise walks the language registry. One per
    environment (one per build), so a build sees the languages registered when it started."""

    def __init__(self) -> None:
        self.said: dict[tuple[str, str], str] = {}
        self.escaped: dict[tuple[str, str], str] = {}
        self.final: dict[tuple[str, str, bool], str] = {}

    def gettext_in(self, lang: str, message: str) -> str:
        key = (lang, message)
        words = self.said.get(key)
        if words is None:
            words = self.said[key] = gettext_in(lang, message)
        return words

    @pass_context
    def gettext(self, context: Any, message: str) -> str:
        if not context.eval_ctx.autoescape:
            return self.gettext_in(context["lang"], message)
        key = (context["lang"], message)
        words = self.escaped.get(key)
        if words is None:
            words = self.escaped[key] = escape(self.gettext_in(*key))
        return words

    @pass_context
    def say(self, context: Any, message: str, **variables: Any) -> str:
        """`_()` and `{% trans %}`: what Jinja's newstyle gettext gives (the words formatted with
        `variables`, always), in one call; without variables, worked out once per string."""
        if variables:
            return self._newstyle(context, message) % variables
        key = (context["lang"], message, context.eval_ctx.autoescape)
        words = self.final.get(key)
        if words is None:
            words = self.final[key] = self._newstyle(context, message) % {}
        return words

    def _newstyle(self, context: Any, message: str) -> str:
        words = self.gettext(context, message)
        return Markup(words) if context.eval_ctx.autoescape else words


@pass_context
def _ngettext(context: Any, singular: str, plural: str, count: int) -> str:
    return _as_text(context, translations(context["lang"]).ngettext(singular, plural, count))


def _as_text(context: Any, words: str) -> str:
    """A catalog string is text, escaped in HTML like any value: Jinja's newstyle gettext would take
    it as markup, so a translation could open a tag or end an attribute."""
    return escape(words) if context.eval_ctx.autoescape else words


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
        extensions=["jinja2.ext.i18n"],
    )
    catalogs = _Catalogs()
    env.install_gettext_callables(catalogs.gettext, _ngettext, newstyle=True)
    # The same strings without Jinja's three calls per string (its `_` looks `gettext` up each time).
    env.globals.update(gettext=catalogs.say, _=catalogs.say)
    env.globals.update(
        gettext_in=catalogs.gettext_in,
        term_label=term_label,
        region_name=region_name,
        day=day,
        plain=plain,
        marked_plain=marked_plain,
        pick=pick,
        once=_once,
        alike=_alike,
        bilingual=[(lang.code, lang.html_lang) for lang in for_codes(BILINGUAL)],
    )
    if markdown:
        env.globals.update(
            text=_markdown_text,
            locked_text=_markdown_locked_text,
            line=_markdown_line,
            term_label=_escaped(term_label),
            region_name=_escaped(region_name),
            absolute_url=absolute_url,
        )
        env.filters["md_escape"] = markdown_escape
        env.filters["md_cell"] = markdown_cell
    else:
        env.globals.update(text=_html_text, locked_text=_html_locked_text, line=_html_line)
    _plugged_in(env, markdown)
    return env


def _plugged_in(env: Environment, markdown: bool) -> None:
    """Let each plugin's `signalbrief_jinja_environment` add its filters and globals, after ours so
    that it may wrap them; a plugin that fails is one line naming it, never a traceback."""
    given = {"env": env, "markdown": markdown}
    for impl in hook().signalbrief_jinja_environment.get_hookimpls():
        try:
            impl.function(*(given[name] for name in impl.argnames))
        except Exception as exc:  # a third party's error
            raise PluginError(f"plugin {impl.plugin_name!r}: signalbrief_jinja_environment failed: {exc}") from exc


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


def pick(value: Text | Labels, lang: str) -> str:
    """The plain string of a text or a label in a language, else in the first written one that has it."""
    return in_language(value.words if isinstance(value, Text) else value, lang)


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


@pass_context
def _once(context: Any, name: str, lang: str, block: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`block(*args)`, rendered once for every edition and view of a brief that shows it in `lang`
    with the same citations: only for blocks made of the brief's public part (the same in every
    edition). Without a `block_memo` in the context (a publication that overrides blocks.html, whose
    blocks may read more of the page; `block_memo_md` and blocks.md for Markdown), rendered every time."""
    memo = _memo(context, "block_memo")
    if memo is None:
        return block(*args, **kwargs)
    key = ("block", name, lang, context.get("cites_key"))
    if key not in memo:
        memo[key] = block(*args, **kwargs)
    return memo[key]


@pass_context
def _alike(context: Any, key: tuple, block: Callable[..., Any], *args: Any) -> Any:
    """`block(*args)`, rendered once per build for every page whose `key` is the same: for blocks of
    the theme's blocks.html that are made of nothing but `key` and the build's config (the grade
    table of a score). Without a `build_memo` in the context (an overridden blocks.html), every time."""
    memo = _memo(context, "build_memo")
    if memo is None:
        return block(*args)
    if key not in memo:
        memo[key] = block(*args)
    return memo[key]


def _memo(context: Any, name: str) -> dict | None:
    """A page's memo of blocks: `name` for HTML, `name_md` for Markdown (each blocks template may be
    overridden on its own, and their blocks share names)."""
    return context.get(name if context.eval_ctx.autoescape else f"{name}_md")


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


def _own(value: Text, lang: str) -> str | None:
    """`value.get(lang)`; a language the text is written in needs no look-up in the registry."""
    words = value.words.get(lang)
    return value.get(lang) if words is None else words


def _labelled_html(value: Text, lang: str, body: Callable[[str], Markup]) -> Markup:
    """A text's `body` in one language, labelled when it is machine translation or still missing."""
    own = _own(value, lang)
    if own is None:
        other = fallback(value.words, lang) or lang
        # TRANSLATORS: shown before a text that is not yet in this language (the other one follows).
        notice = escape(gettext_in(lang, "Translation pending"))
        shown = body(value.get(other) or "")
        pending = f'<span class="pending" data-pending="{lang}">{notice}</span>'
        return Markup(f'{pending} <span lang="{html_lang(other)}">{shown}</span>')
    if value.machine and value.is_machine(lang):
        # TRANSLATORS: shown after a text translated by machine.
        label = escape(gettext_in(lang, "machine translation"))
        return Markup(f'<span data-mt="{lang}">{body(own)}</span><span class="mt-label">{label}</span>')
    return body(own)


def _labelled_markdown(value: Text, lang: str, body: Callable[[str], str]) -> str:
    """A text's `body` as Markdown in one language, with the same labels as the HTML."""
    own = _own(value, lang)
    if own is None:
        notice = gettext_in(lang, "Translation pending")
        return f"*({notice})* {body(value.get(fallback(value.words, lang) or lang) or '')}"
    if value.machine and value.is_machine(lang):
        return f"{body(own)} *({gettext_in(lang, 'machine translation')})*"
    return body(own)


def _text_renderer(markdown: bool, locked: bool) -> Callable[[Any, Text | None, str], Any]:
    """`text` (or `locked_text`, for a lock card: citations of sources this edition does not show
    are left out) as HTML or clean Markdown, labelled when machine translation or still missing."""
    labelled = _labelled_markdown if markdown else _labelled_html
    inline = inline_markdown if markdown else inline_html
    target = str if markdown else _anchor  # a Markdown footnote label, or the HTML anchor

    def render(context: Any, value: Text | None, lang: str) -> Any:
        if value is None:
            return "" if markdown else Markup("")
        cite = _cite(context, target, locked=locked)
        return labelled(value, lang, lambda words: inline(words, cite))

    return _remembered(render)


_html_text = _text_renderer(markdown=False, locked=False)
_html_locked_text = _text_renderer(markdown=False, locked=True)
_markdown_text = _text_renderer(markdown=True, locked=False)
_markdown_locked_text = _text_renderer(markdown=True, locked=True)


def _html_line(value: Text, lang: str) -> Markup:
    """A text as one plain line of HTML (a link, a list entry), labelled like `text`."""
    return _labelled_html(value, lang, lambda words: escape(plain_text(words)))


def _markdown_line(value: Text, lang: str) -> str:
    """A text as one plain line of Markdown (link text), labelled like `text`."""
    return _labelled_markdown(value, lang, lambda words: markdown_escape(plain_text(words)))


def marked_plain(value: Text, lang: str) -> str:
    """A text's plain words with a short text marker when it is machine translation or missing,
    for feeds, `<title>` and `<meta>`, which hold no markup."""
    own = _own(value, lang)
    if own is None:
        notice = gettext_in(lang, "Translation pending")
        # TRANSLATORS: before an untranslated text in feeds and <title>; {label} is "Translation pending".
        return gettext_in(lang, "({label}) ").format(label=notice) + plain(value, fallback(value.words, lang) or lang)
    if value.machine and value.is_machine(lang):
        label = gettext_in(lang, "machine translation")
        # TRANSLATORS: after a machine-translated text in feeds and <title>; {label} is "machine translation".
        return plain_text(own) + gettext_in(lang, " ({label})").format(label=label)
    return plain_text(own)


def _escaped(label: Callable[..., str]) -> Callable[..., str]:
    """The same label, escaped for Markdown: config labels are text, never markup."""

    @wraps(label)
    def escaped(*args: Any) -> str:
        return markdown_escape(label(*args))

    return escaped


def absolute_url(config: Config, url: str) -> str:
    """A link made absolute from the build's base URL (a path from its origin), as a pasted copy needs;
    without a base URL, the link as written."""
    return urljoin(config.base_url, url) if config.base_url else url


def xml_chars(xml: str) -> str:
    """Drop the characters XML 1.0 forbids, so a feed or sitemap stays well-formed whatever it holds."""
    return _NOT_XML.sub("", xml)


def term_label(config: Config, vocabulary: str, term: str, lang: str) -> str:
    return pick(config.terms[vocabulary][term], lang)


def region_name(code: str, lang: str) -> str:
    ui = ui_language(lang)
    return BABEL_SAYS.text(f"region {ui.locale} {code}", lambda: _region_name(code, ui.code))


@cache
def day(value: date, lang: str) -> str:
    locale = ui_language(lang).locale
    return BABEL_SAYS.text(f"date long {locale} {value}", lambda: _long_date(value, locale))


def _long_date(value: date, locale: str) -> str:
    from babel.dates import format_date

    return format_date(value, "long", locale=locale)
