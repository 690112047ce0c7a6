"""The HTML pages: a brief's page, each view's index page, the style sheet and the entry page."""

from __future__ import annotations

from markupsafe import Markup

from signalbrief.config import PUBLIC
from signalbrief.formats import BriefView, Files, OutputFormat
from signalbrief.formats.browse import Lists, brief_row
from signalbrief.languages import BI, for_codes
from signalbrief.render import THEME, pick

LATEST = 10  # briefs on the entry page


class BriefPage(OutputFormat):
    """`<edition>/<view>/<id>/index.html`: a brief as one edition shows it."""

    name = "brief-page"
    per_brief = True

    def brief_files(self, brief: BriefView) -> Files:
        template = "brief_bi.html" if brief.view == BI else "brief.html"
        yield f"{brief.base}/index.html", self.site.html.get_template(template).render(brief.context)


class IndexLists(OutputFormat):
    """`<edition>/<view>/index.html` and `page/<n>/index.html`: every brief of the build, newest first."""

    name = "index-lists"

    def __init__(self, site):
        super().__init__(site)
        self.lists = Lists(site)

    def edition_key(self, edition: str) -> object:
        return self.site.listing_key

    def edition_files(self, edition: str) -> Files:
        ids = [item.id for item in self.site.listed]
        for view in self.site.views:
            title = pick(self.site.config.title, self.site.view(view).ui)
            yield from self.lists.pages(edition, view, "", ids, {"page_title": title, "heading": title})


class StyleSheet(OutputFormat):
    """`<edition>/assets/style.css`, the theme's style sheet (the base key holds the theme's hash)."""

    name = "style-sheet"

    def edition_key(self, edition: str) -> object:
        return ""

    def edition_files(self, edition: str) -> Files:
        yield f"{edition}/assets/style.css", (THEME / "assets" / "style.css").read_bytes()


class EntryPage(OutputFormat):
    """`index.html` at the top: a front page of the public edition (the latest briefs, the views,
    the editions), showing only what lists show of a brief, so it holds no member text."""

    name = "entry-page"

    def site_key(self, editions: list[str]) -> object:
        return editions, self.site.listing_key

    def site_files(self, editions: list[str]) -> Files:
        if PUBLIC not in editions:
            return
        site, config = self.site, self.site.config
        first = site.view(site.views[0])
        home = f"{PUBLIC}/{first.id}/"
        titles = [(pick(config.title, lang.code), lang.html_lang) for lang in for_codes(config.languages)]
        views = [{"id": v.id, "label": v.label, "hreflang": v.html_lang} for v in site.chosen.values()]
        shown = {"lang": first.lang, "up": home, "level": 3}
        context = {
            "lang": first.lang,
            "ui": first.ui,
            "html_lang": first.html_lang,
            "root": f"{PUBLIC}/",
            "home": home,
            "site_title": pick(config.title, first.ui),
            "page_title": " · ".join(words for words, _ in titles),
            "edition_label": site.edition_label(PUBLIC, first.ui),
            "config": config,
            "switch": [{**v, "href": f"{PUBLIC}/{v['id']}/", "current": False} for v in views],
            "alternates": [],
            "feeds": site.head_links(PUBLIC, first.id, f"{PUBLIC}/"),
            "titles": titles,
            "views": views,
            "latest": [Markup(brief_row(site, item, shown).rstrip("\n")) for item in site.listed[:LATEST]],
            "more": len(site.listed) > LATEST,
            "tiers": config.tiers,
        }
        yield "index.html", site.html.get_template("entry.html").render(context)
