"""Sitemaps: `<edition>/sitemap.xml`, every page of an edition with its language alternates."""

from __future__ import annotations

from signalbrief.formats import Files, OutputFormat
from signalbrief.languages import BI
from signalbrief.render import xml_chars


class Sitemap(OutputFormat):
    """`<edition>/sitemap.xml`: index and brief pages of every view, dated by the brief."""

    name = "sitemap"

    def edition_key(self, edition: str) -> object:
        return self.site.dates_key

    def edition_files(self, edition: str) -> Files:
        base = self.site.edition_url(edition)
        views = self.site.views
        pages = []
        for page, lastmod in [("", "")] + [(f"{b.id}/", b.brief.date.isoformat()) for b in self.site.listed]:
            alternates = [
                {"hreflang": self.site.view(v).html_lang, "href": f"{base}{v}/{page}"} for v in views if v != BI
            ]
            for view in views:
                pages.append({"loc": f"{base}{view}/{page}", "lastmod": lastmod, "alternates": alternates})
        sitemap = self.site.html.get_template("sitemap.xml").render({"pages": pages, "lang": "en"})
        yield f"{edition}/sitemap.xml", xml_chars(sitemap)
