"""The HTML pages: a brief's page, each view's index page, the style sheet and the entry page."""

from __future__ import annotations

from importlib import resources

from markupsafe import Markup

from signalbrief.config import PUBLIC
from signalbrief.formats import BriefView, Files, OutputFormat
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
    """`<edition>/<view>/index.html`: every brief of the build, newest first."""

    name = "index-lists"

    def __init__(self, site):
        super().__init__(site)
        self._lists: dict[str, Markup] = {}

    def edition_key(self, edition: str) -> object:
        return self.site.listing_key

    def edition_files(self, edition: str) -> Files:
        for view in self.site.views:
            context = {**self.site.page(edition, view, depth=2, page=""), "briefs": self.site.listed}
            context["page_title"] = context["site_title"]
            context["brief_list"] = self._brief_list(view)
            yield f"{edition}/{view}/index.html", self.site.html.get_template("index.html").render(context)

    def _brief_list(self, view: str) -> Markup:
        """The list of briefs of an index page: the same in every edition, so rendered once per view."""
        if view not in self._lists:
            lang = self.site.view(view).lang
            rows = self.site.template_rows("brief_row.html", {"lang": lang})
            html = self.site.html.get_template("brief_list.html").render({"lang": lang, "rows": rows})
            self._lists[view] = Markup(html.rstrip("\n"))
        return self._lists[view]


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
