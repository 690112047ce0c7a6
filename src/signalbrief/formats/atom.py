"""Atom: `<edition>/<view>/feed.xml` for each language view."""

from __future__ import annotations

from signalbrief.formats import LanguageFeed
from signalbrief.render import xml_chars


class AtomFeed(LanguageFeed):
    """`<edition>/<view>/feed.xml`: every brief's title and summary, newest first (no bilingual feed)."""

    name = "atom"
    file_name = "feed.xml"
    media_type = "application/atom+xml"

    def feed(self, edition: str, view: str) -> str:
        base = self.site.edition_url(edition)
        entry = {
            "lang": self.site.view(view).lang,
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
