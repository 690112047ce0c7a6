"""JSON Feed 1.1: `<edition>/<view>/feed.json` for each language view, beside the Atom feed."""

from __future__ import annotations

import json

from signalbrief.formats import LanguageFeed
from signalbrief.formats.site import Listed
from signalbrief.render import html_lang, marked_plain

VERSION = "https://jsonfeed.org/version/1.1"


class JsonFeed(LanguageFeed):
    """`<edition>/<view>/feed.json`: every brief's title and summary, newest first, machine text
    labelled as in the Atom feed. JSON Feed wants absolute URLs: without a base URL they are left out."""

    name = "json-feed"
    file_name = "feed.json"
    media_type = "application/feed+json"

    def feed(self, edition: str, view: str) -> str:
        base = self.site.edition_url(edition)
        page = self.site.page(edition, view, depth=2, page="")
        feed = {
            "version": VERSION,
            "title": f"{page['site_title']} · {page['edition_label']}",
            "home_page_url": f"{base}{view}/",
            "feed_url": f"{base}{view}/feed.json",
            "language": self.site.view(view).html_lang,
            "authors": [{"name": page["site_title"]}],
        }
        if not base:
            del feed["home_page_url"], feed["feed_url"]
        # The same prefixes as the Atom feed's, so a brief has one id in both feeds.
        entry = {
            "lang": self.site.view(view).lang,
            "id_prefix": f"{base}{view}/" if base else f"urn:signalbrief:{edition}:{view}:",
            "id_suffix": "/" if base else "",
            "url_prefix": f"{base}{view}/" if base else "",
        }
        items = self.site.rows("feed.json", entry, lambda item: self._item(item, entry))
        return _with_items(json.dumps(feed, ensure_ascii=False, indent=2), items)

    def _item(self, item: Listed, entry: dict[str, str]) -> str:
        """One brief as a feed item, on one line (kept as a fragment between builds)."""
        lang = entry["lang"]
        summary = marked_plain(item.brief.summary, lang)
        fields = {
            "id": f"{entry['id_prefix']}{item.id}{entry['id_suffix']}",
            "url": f"{entry['url_prefix']}{item.id}/",
            "title": marked_plain(item.brief.signal, lang),
            "summary": summary,
            "content_text": summary,
            "date_published": f"{item.brief.date.isoformat()}T00:00:00Z",
            "language": html_lang(lang),
        }
        if not entry["url_prefix"]:
            del fields["url"]
        return json.dumps(fields, ensure_ascii=False)


def _with_items(head: str, items: list[str]) -> str:
    """The feed object `head` (indented JSON, ending in a line with its closing brace) with its
    `items` as the last member, one item a line."""
    if not items:
        return head.removesuffix("\n}") + ',\n  "items": []\n}\n'
    # Joined once: a large publication's feed is tens of MB, and every partial copy held as much again.
    parts = [head.removesuffix("\n}"), ',\n  "items": [\n    ']
    for item in items:
        parts += (item, ",\n    ")
    parts[-1] = "\n  ]\n}\n"
    return "".join(parts)
