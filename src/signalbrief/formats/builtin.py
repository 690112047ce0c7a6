"""signalbrief's own output formats, registered like any plugin's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from signalbrief.hookspecs import hookimpl

if TYPE_CHECKING:
    from signalbrief.formats import OutputFormat


@hookimpl
def signalbrief_output_formats() -> list[type[OutputFormat]]:
    # Imported when the formats are asked for: loading the plugins (as `validate` does, for the
    # languages) must not load the renderer.
    from signalbrief.formats.atom import AtomFeed
    from signalbrief.formats.browse import BrowsePages
    from signalbrief.formats.email import BriefEmail
    from signalbrief.formats.jsonfeed import JsonFeed
    from signalbrief.formats.markdown import BriefMarkdown
    from signalbrief.formats.pages import BriefPage, EntryPage, IndexLists, StyleSheet
    from signalbrief.formats.search import SearchIndex, SearchPages
    from signalbrief.formats.sitemap import Sitemap

    return [
        *(BriefPage, BriefMarkdown, StyleSheet, IndexLists, BrowsePages),
        *(AtomFeed, JsonFeed, Sitemap, EntryPage, BriefEmail),
        *(SearchPages, SearchIndex),
    ]
