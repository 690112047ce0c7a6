"""Atom: `<edition>/<view>/feed.xml` for each language view."""

from __future__ import annotations

from signalbrief.formats import Files, HeadLink, OutputFormat
from signalbrief.render import xml_chars


class AtomFeed(OutputFormat):
    """`<edition>/<view>/feed.xml`: every brief's title and summary, newest first (no bilingual feed)."""

    name = "atom"

    def edition_key(self, edition: str) -> object:
        return self.site.listing_key

    def edition_files(self, edition: str) -> Files:
        for view in self.site.views:
            if view != "bi":
                yield f"{edition}/{view}/feed.xml", self._feed(edition, view)

    def head_links(self, edition: str, view: str, up: str) -> list[HeadLink]:
        return [HeadLink("application/atom+xml", f"{up}{view}/feed.xml")] if view != "bi" else []

    def _feed(self, edition: str, view: str) -> str:
        base = self.site.edition_url(edition)
        entry = {
            "lang": view,
            "link_prefix": f"{base}{view}/" if base else "",
            "entry_id_prefix": f"{base}{view}/" if base else f"urn:signalbrief:{edition}:{view}:",
            "entry_id_suffix": "/" if base else "",
        }
        listed = self.site.listed
        context = {
            **self.site.page(edition, view, depth=2, page=""),
            **entry,
            "briefs": listed,
            "entries": self.site.template_rows("feed_entry.xml", entry),
            "feed_id": f"{base}{view}/" if base else f"urn:signalbrief:{edition}:{view}",
            "self_href": f"{base}{view}/feed.xml" if base else "feed.xml",
            "home_href": f"{base}{view}/" if base else "./",
            "updated": f"{listed[0].brief.date.isoformat()}T00:00:00Z" if listed else "",
        }
        return xml_chars(self.site.html.get_template("feed.xml").render(context))
