"""signalbrief's own output formats, registered like any plugin's."""

from __future__ import annotations

from signalbrief.formats import OutputFormat
from signalbrief.formats.atom import AtomFeed
from signalbrief.formats.jsonfeed import JsonFeed
from signalbrief.formats.markdown import BriefMarkdown
from signalbrief.formats.pages import BriefPage, EntryPage, IndexLists, StyleSheet
from signalbrief.formats.sitemap import Sitemap
from signalbrief.hookspecs import hookimpl


@hookimpl
def signalbrief_output_formats() -> list[type[OutputFormat]]:
    return [BriefPage, BriefMarkdown, StyleSheet, IndexLists, AtomFeed, JsonFeed, Sitemap, EntryPage]
