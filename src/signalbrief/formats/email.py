"""Email: `<edition>/<view>/<id>.eml`, a ready-to-send message of a brief as one edition shows it.

The message is multipart/alternative (plain text, then HTML), all 7-bit on the wire (UTF-8 in
quoted-printable or base64), with no To, Message-ID or Date of sending: `signalbrief send` adds
those per recipient. The HTML is a 600 px table layout with its CSS inlined (only the dark-mode
media queries stay in a <style>), and every link is absolute, made from the build's base URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from markupsafe import escape

from signalbrief.config import Config
from signalbrief.errors import UsageError
from signalbrief.fields import mailbox_parts
from signalbrief.formats import BriefView, Files, OutputFormat
from signalbrief.formats.markdown import tidy
from signalbrief.languages import BI, BILINGUAL, fallback
from signalbrief.markup import CITATION, Cite, inline_tokens, safe_href
from signalbrief.model import Text
from signalbrief.render import THEME, absolute_url, gettext_in, html_lang, marked_plain, region_name, term_label

if TYPE_CHECKING:  # the email package's header classes and the CSS inliner are loaded by builds that write email
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.policy import EmailPolicy

    import css_inline


@cache
def smtp_policy() -> EmailPolicy:
    """7-bit headers and bodies: a UTF-8 text goes as quoted-printable or base64, whichever is shorter,
    so no relay without 8BITMIME or SMTPUTF8 can mangle it."""
    from email.policy import SMTP

    return SMTP.clone(cte_type="7bit")


HTML_LIMIT = 102 * 1024  # Gmail clips a message whose HTML is larger
_LINK = re.compile(r'(?P<attr>href|src)="(?P<url>[^"]*)"')
# Headers that tell `send` (and a person reading the source) what the message holds.
BRIEF_HEADER, EDITION_HEADER, VIEW_HEADER = "X-Signalbrief-Brief", "X-Signalbrief-Edition", "X-Signalbrief-View"


class BriefEmail(OutputFormat):
    """`<edition>/<view>/<id>.eml`: a brief as one edition shows it, as an email. Opt-in: a build
    writes it only when `--format email` is asked for, and then needs `base_url` and `email.from`."""

    name = "brief-email"
    group = "email"
    per_brief = True
    opt_in = True

    def __init__(self, site):
        super().__init__(site)
        self.check(site.config)
        self.settings = site.config.email
        self.css = (THEME / "assets" / "email.css").read_text(encoding="utf-8")

    @classmethod
    def check(cls, config: Config) -> None:
        if not config.base_url:
            raise UsageError("--format email needs base_url in signalbrief.yaml: every link in an email is absolute")
        if config.email is None:
            raise UsageError("--format email needs email.from in signalbrief.yaml (the address briefs are sent from)")

    def brief_files(self, brief: BriefView) -> Files:
        yield f"{brief.base}.eml", self.message(brief).as_bytes()

    def message(self, brief: BriefView) -> EmailMessage:
        """The message of one gated brief in one edition and view."""
        context = self.context(brief)
        plain = self.site.markdown.get_template("email.txt").render({**context, **plain_helpers(context)})
        html = inline(self.site.html.get_template("email.html").render(context), context["page_url"])
        from email.message import EmailMessage
        from email.utils import format_datetime

        message = EmailMessage(policy=smtp_policy())
        message["Subject"] = context["subject"]
        message["From"] = mailbox(self.settings.sender)
        if self.settings.reply_to:
            message["Reply-To"] = mailbox(self.settings.reply_to)
        message["Date"] = format_datetime(datetime.combine(brief.gated.brief.date, time(0), tzinfo=UTC))
        message[BRIEF_HEADER] = brief.gated.id
        message[EDITION_HEADER] = brief.edition
        message[VIEW_HEADER] = brief.view
        message.set_content(tidy(plain), subtype="plain", charset="utf-8")
        message.add_alternative(html, subtype="html", charset="utf-8")
        # Set after the parts: set_content clears every Content-* header.
        message["Content-Language"] = ", ".join(context["html_langs"].values())
        return message

    def context(self, brief: BriefView) -> dict[str, Any]:
        """The brief's page context, with what an email adds: its languages, subject and absolute URLs."""
        langs = list(BILINGUAL) if brief.view == BI else [brief.context["lang"]]
        view_url = f"{self.site.edition_url(brief.edition)}{brief.view}/"
        subject = " / ".join(marked_plain(brief.gated.brief.signal, lang) for lang in langs)
        return {
            **brief.context,
            "langs": langs,
            "html_langs": {lang: html_lang(lang) for lang in langs},
            "edition_labels": {lang: self.site.edition_label(brief.edition, lang) for lang in langs},
            "subject": subject,
            "view_url": view_url,
            "page_url": f"{view_url}{brief.gated.id}/",
            "css": self.css,
            "absolute_url": absolute_url,
        }


@cache
def _inliner() -> css_inline.CSSInliner:
    import css_inline

    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, minify_css=True)


def mailbox(value: str) -> Address:
    """A configured mailbox (`name@example.org` or `Name <name@example.org>`) as a header value."""
    from email.headerregistry import Address

    name, address = mailbox_parts(value)
    return Address(display_name=name, addr_spec=address)


def inline(html: str, page_url: str) -> str:
    """The HTML with its CSS inlined and every link made absolute from the brief's web page (a
    citation's `#source-n` becomes that source on the page)."""
    inlined = _inliner().inline(html)
    return _LINK.sub(lambda found: _absolute(found, page_url), inlined)


def _absolute(found: re.Match, page_url: str) -> str:
    from html import unescape  # its table of entities: only for a build that writes email

    url = urljoin(page_url, unescape(found["url"]))
    return f'{found["attr"]}="{escape(url)}"'


def plain_helpers(context: dict[str, Any]) -> dict[str, Callable]:
    """`text`, `locked_text` and `line` for the plain-text part: words with citations as the numbers
    this edition shows, links as `words <URL>`, machine text labelled as on the pages."""
    cites: dict[int, int] = context["cites"]
    page_url: str = context["page_url"]

    def cite_for(locked: bool) -> Cite:
        def cite(number: int) -> tuple[str, int] | None:
            if number in cites:
                return "cited", cites[number]
            return ("", number) if locked else None

        return cite

    def text(value: Text | None, lang: str, locked: bool = False) -> str:
        if value is None:
            return ""
        return labelled_plain(value, lang, lambda words: plain_cited(words, cite_for(locked), page_url))

    return {
        "text": text,
        "locked_text": lambda value, lang: text(value, lang, locked=True),
        "line": lambda value, lang: marked_plain(value, lang),
        "term_label": term_label,
        "region_name": region_name,
    }


def labelled_plain(value: Text, lang: str, body: Callable[[str], str]) -> str:
    """A text in one language as plain words, labelled when machine translation or still missing."""
    # The same words and marks as feeds and <title> (`marked_plain`), around the text's own body.
    own = value.get(lang)
    if own is None:
        notice = gettext_in(lang, "({label}) ").format(label=gettext_in(lang, "Translation pending"))
        return notice + body(value.get(fallback(value.words, lang) or lang) or "")
    if value.is_machine(lang):
        return body(own) + gettext_in(lang, " ({label})").format(label=gettext_in(lang, "machine translation"))
    return body(own)


def plain_cited(text: str, cite: Cite, page_url: str) -> str:
    """A text's inline Markdown as plain words: citations as `[n]` (or left out), links as `words <URL>`."""
    out: list[str] = []
    link: str | None = None
    for token in inline_tokens(text):
        if token.type == "text":
            out.append(token.content if link is not None else _cited(token.content, cite))
        elif token.type == "link_open":
            link = safe_href(str(token.attrs.get("href", "")))
        elif token.type == "link_close":
            if link:
                out.append(f" <{urljoin(page_url, link)}>")
            link = None
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            out.append(token.content)
    return "".join(out)


def _cited(text: str, cite: Cite) -> str:
    out, last = [], 0
    for match in CITATION.finditer(text):
        found = cite(int(match.group(1)))
        before = text[last : match.start()]
        if found is None:
            out.append(before + match.group(0))
        elif not found[0]:
            out.append(before.rstrip())
        else:
            out.append(f"{before}[{found[1]}]")
        last = match.end()
    out.append(text[last:])
    return "".join(out)
