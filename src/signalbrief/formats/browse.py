"""Lists of briefs, paginated at `PAGE_SIZE`: each view's index pages and its browse pages by type,
region, market class and month. They show each brief's card only, so no edition's list holds
member text."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from signalbrief.formats import Files, OutputFormat
from signalbrief.formats.site import Listed, Site
from signalbrief.grading import band_for
from signalbrief.render import BABEL_SAYS, gettext_in, region_name, term_label, ui_language

PAGE_SIZE = 50
_UP = "\x00up\x00"  # where a row's way up to the view's folder goes (briefs and config refuse control characters)


@dataclass(frozen=True)
class Facet:
    """A way to browse: its folder, its name in a language and each brief's terms."""

    folder: str
    name: Callable[[str], str]
    terms: Callable[[Listed], Sequence[str]]


FACETS = (
    Facet("type", lambda ui: gettext_in(ui, "Signal Type"), lambda item: (item.brief.type,)),
    Facet("region", lambda ui: gettext_in(ui, "Region"), lambda item: item.brief.regions),
    Facet("market-class", lambda ui: gettext_in(ui, "Market Class"), lambda item: (item.brief.market_class,)),
    # TRANSLATORS: the name of the browse pages that list briefs by the month of their date.
    Facet("month", lambda ui: gettext_in(ui, "Month"), lambda item: (item.brief.date.strftime("%Y-%m"),)),
)


def page_folder(number: int) -> str:
    """The folder of page `number` of a list, below the list's own folder."""
    return "" if number == 1 else f"page/{number}/"


class Lists:
    """Writes paginated lists of briefs in one edition, reusing the row fragments of the index."""

    def __init__(self, site: Site):
        self.site = site
        self._rows = site.list_rows  # shared by every list of the build

    def rows(self, view: str, up: str, ids: list[str]) -> list[Markup]:
        """Some listed briefs' rows in a view, for a page `up` below the view's folder."""
        if self.site.own_template("brief_row.html"):  # an override may use `up` in other ways
            return [self._view_rows(view, up)[i] for i in ids]
        # The theme's row holds `up` in its link only: rendered once per view, filled in per page (a
        # filled copy of every row for every depth would hold the whole list several times over).
        rows = self._view_rows(view, _UP)
        return [Markup(str(rows[i]).replace(_UP, up)) for i in ids]

    def _view_rows(self, view: str, up: str) -> dict[str, Markup]:
        if (view, up) not in self._rows:
            self._rows[view, up] = self._rendered(view, up)
        return self._rows[view, up]

    def _rendered(self, view: str, up: str) -> dict[str, Markup]:
        shown = {"lang": self.site.view(view).lang, "up": up}
        rows = self.site.rows("brief_row.html", shown, lambda item: brief_row(self.site, item, shown))
        return {item.id: row for item, row in zip(self.site.listed, rows, strict=True)}

    def pages(self, edition: str, view: str, folder: str, ids: list[str], context: dict[str, Any]) -> Files:
        """`<edition>/<view>/<folder>index.html` and its further pages, `PAGE_SIZE` briefs each;
        `context` adds the page's heading and title."""
        total = max(1, -(-len(ids) // PAGE_SIZE))
        template = self.site.html.get_template("index.html")
        for number in range(1, total + 1):
            here = folder + page_folder(number)
            up = "../" * here.count("/")
            page = {**self.site.page(edition, view, depth=2 + here.count("/"), page=here), **context}
            page["brief_list"] = self._list(view, up, ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
            page["pager"] = pager(number, total)
            if number > 1:
                paged = gettext_in(self.site.view(view).ui, "Page {n} of {total}").format(n=number, total=total)
                page["page_title"] = f"{page['page_title']} · {paged}"
            yield f"{edition}/{view}/{here}index.html", template.render(page)

    def _list(self, view: str, up: str, ids: list[str]) -> Markup:
        """The list of some briefs' rows on a page `up` below the view's folder."""
        context = {"lang": self.site.view(view).lang, "rows": self.rows(view, up, ids)}
        return Markup(self.site.html.get_template("brief_list.html").render(context).rstrip("\n"))


def brief_row(site: Site, item: Listed, shown: dict[str, str]) -> str:
    """A brief's row in a list (`shown`: the list's `lang` and `up`, the way to the view's folder),
    with its confidence grade."""
    band = band_for(item.brief.score, site.config.grades)
    context = {**shown, "item": item, "band": band, "config": site.config}
    return site.html.get_template("brief_row.html").render(context)


def pager(number: int, total: int) -> dict[str, Any] | None:
    """Page `number` of `total`'s links to its neighbours; None for a list of one page."""
    if total == 1:
        return None
    first = "" if number == 1 else "../../"  # from `page/<n>/` back to the list's own folder
    newer = f"{first}{page_folder(number - 1)}" if number > 1 else None
    older = f"{first}{page_folder(number + 1)}" if number < total else None
    return {"number": number, "total": total, "newer": newer, "older": older}


class BrowsePages(OutputFormat):
    """`<edition>/<view>/<facet>/index.html` (each term with its count) and
    `<edition>/<view>/<facet>/<term>/index.html` (its briefs, paginated), for every facet."""

    name = "browse-pages"

    def __init__(self, site: Site):
        super().__init__(site)
        self.lists = Lists(site)

    def edition_key(self, edition: str) -> object:
        return self.site.listing_key

    def edition_files(self, edition: str) -> Files:
        for view in self.site.views:
            for facet in FACETS:
                yield from self._facet(edition, view, facet)

    def _facet(self, edition: str, view: str, facet: Facet) -> Files:
        ui = self.site.view(view).ui
        heading = facet.name(ui)
        terms = list(self._terms(facet, ui))
        context = {**self.site.page(edition, view, depth=3, page=f"{facet.folder}/"), "page_title": heading}
        context["terms"] = [{"href": f"{term}/", "label": label, "count": len(ids)} for term, label, ids in terms]
        context["up"] = "../"
        yield f"{edition}/{view}/{facet.folder}/index.html", self.site.html.get_template("facet.html").render(context)
        for term, label, ids in terms:
            # TRANSLATORS: ": " separates a label from its value.
            title = f"{heading}{gettext_in(ui, ': ')}{label}"
            shown = {"page_title": title, "heading": label, "facet": {"href": "../", "label": heading}}
            yield from self.lists.pages(edition, view, f"{facet.folder}/{term}/", ids, shown)

    def _terms(self, facet: Facet, ui: str) -> Iterator[tuple[str, str, list[str]]]:
        """Each term of a facet that some brief has, with its label and its briefs' ids, newest first."""
        found: dict[str, list[str]] = {}
        for item in self.site.listed:
            for term in facet.terms(item):
                found.setdefault(term, []).append(item.id)
        for term in self._order(facet, list(found), ui):
            yield term, self._label(facet, term, ui), found[term]

    def _order(self, facet: Facet, terms: list[str], ui: str) -> list[str]:
        if facet.folder == "month":
            return sorted(terms, reverse=True)
        if facet.folder == "region":
            return sorted(terms, key=lambda code: region_name(code, ui))
        vocabulary = list(self.site.config.terms[_vocabulary(facet)])
        return sorted(terms, key=lambda term: vocabulary.index(term) if term in vocabulary else len(vocabulary))

    def _label(self, facet: Facet, term: str, ui: str) -> str:
        if facet.folder == "month":
            year, month = term.split("-")
            locale = ui_language(ui).locale
            return BABEL_SAYS.text(f"month {locale} {term}", lambda: _month(int(year), int(month), locale))
        if facet.folder == "region":
            return region_name(term, ui)
        return term_label(self.site.config, _vocabulary(facet), term, ui)


def _month(year: int, month: int, locale: str) -> str:
    """A month as a locale writes it on its own ("May 2025", "2025年5月")."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", datetime.date(year, month, 1), locale=locale)


def _vocabulary(facet: Facet) -> str:
    return facet.folder.replace("-", "_")
