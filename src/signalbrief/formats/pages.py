"""The HTML pages: a brief's page, each view's index page, the style sheet and the entry page."""

from __future__ import annotations

from importlib import resources

from signalbrief.config import PUBLIC
from signalbrief.formats import BriefView, Files, OutputFormat
from signalbrief.formats.browse import Lists
from signalbrief.languages import BI, for_codes
from signalbrief.render import pick


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
        sheet = resources.files("signalbrief").joinpath("theme", "assets", "style.css")
        yield f"{edition}/assets/style.css", sheet.read_bytes()


class EntryPage(OutputFormat):
    """`index.html` at the top: a link to the public edition in each view."""

    name = "entry-page"

    def site_key(self, editions: list[str]) -> object:
        return editions

    def site_files(self, editions: list[str]) -> Files:
        if PUBLIC not in editions:
            return
        views = [{"id": v.id, "label": v.label, "hreflang": v.html_lang} for v in self.site.chosen.values()]
        config = self.site.config
        languages = for_codes(config.languages)
        titles = [(pick(config.title, lang.code), lang.html_lang) for lang in languages]
        context = {"titles": titles, "views": views, "lang": languages[0].code, "html_lang": languages[0].html_lang}
        yield "index.html", self.site.html.get_template("entry.html").render(context)
