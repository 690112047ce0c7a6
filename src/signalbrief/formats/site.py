"""What every output format renders from: the briefs, the URL scheme, shared page context and the
fragments (rows of lists, entries of feeds) kept between builds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup

from signalbrief.cache import card_key, plain_hash, stable_hash
from signalbrief.config import PUBLIC, Config
from signalbrief.editions import EditionRule
from signalbrief.formats import BriefView, HeadLink, OutputFormat
from signalbrief.formats.share import Page, lock_classes, share
from signalbrief.gating import GatedBrief, OpenSection
from signalbrief.grading import band_for, band_ranges
from signalbrief.incremental import Fragments, folder_digest, fragments_file, theme_digest
from signalbrief.languages import BI, View, selected_views
from signalbrief.model import Brief, Card, CheckedBrief, Paragraph, Text
from signalbrief.render import TEMPLATES_DIR, gettext_in, keep_what_babel_said, make_environment, marked_plain, pick
from signalbrief.translate.apply import Fills, apply, apply_to_card


@dataclass(frozen=True)
class Listed:
    """A brief as index pages and feeds list it; `brief` is its card (date, draft, signal, summary,
    type, regions, see_also), with machine translations filled in."""

    id: str
    brief: Card


class Site:
    """The shared state of one build's rendering; the formats render their files from it."""

    def __init__(
        self,
        root: Path,
        config: Config,
        briefs: list[CheckedBrief],
        fills: dict[str, Fills],
        views: tuple[str, ...],
        formats: Sequence[type[OutputFormat]],
        rules: Sequence[EditionRule],
        work: Path,
        key: str,
    ):
        """`work` is the output's work folder (its fragments are kept there); `key` is a hash of the
        build's options, formats and rules."""
        self.root = root
        self.config = config
        self.briefs = briefs
        self.fills = fills
        self.chosen = {view.id: view for view in selected_views(config.languages, views)}
        self.views = tuple(self.chosen)  # view ids (folders), in the publication's order
        self.rules = tuple(rules)
        # What every file is made of: the theme, the publication's templates, the config and `key`.
        self.base_key = stable_hash(theme_digest(), folder_digest(root / TEMPLATES_DIR), config, key)
        self.html = make_environment(root)
        self.markdown = make_environment(root, markdown=True)
        # Blocks of the theme's blocks.html are made of what their arguments give; an override's may not be.
        self.memo_blocks = not self.own_template("blocks.html")
        self.memo_md_blocks = not self.own_template("blocks.md")
        # Blocks made of what their key says, for every brief (render.alike): HTML, Markdown.
        self.alike: dict = {}
        self.alike_md: dict = {}
        self.list_rows: dict[tuple[str, str], dict[str, Markup]] = {}  # rows of lists, by view and way up
        self.listed = [Listed(b.id, apply_to_card(b.card, fills.get(b.id, {}))) for b in briefs]
        self.cards = {item.id: item.brief for item in self.listed}
        # The keys the check cache kept, for cards no translation filled in (the rest are made as asked for).
        kept = zip(briefs, self.listed, strict=True)
        self._card_keys = {b.id: b.card_key for b, listed in kept if b.card_key and listed.brief is b.card}
        self.fragments = Fragments(fragments_file(work), self.base_key)
        self.formats = [kind(self) for kind in formats]
        self.brief_formats = [fmt for fmt in self.formats if fmt.per_brief]  # what each brief's step writes

    def save(self) -> None:
        """Keep what the next build reuses: the fragments rendered, and what Babel wrote out here."""
        self.fragments.save()
        keep_what_babel_said()

    def own_template(self, name: str) -> bool:
        """Whether the publication overrides a template of the theme."""
        return (self.root / TEMPLATES_DIR / name).exists()

    def filled(self, item: CheckedBrief) -> Brief:
        """A brief with the texts the fill step translated."""
        return apply(item.brief, self.fills.get(item.id, {}))

    def brief_inputs(self, item: CheckedBrief) -> str:
        """A hash of what a brief's files are rendered from, but the edition."""
        fills = sorted(self.fills.get(item.id, {}).items())
        see_also = [(t, self.card_key(t)) for t in item.card.see_also if t in self.cards]
        return plain_hash((item.id, item.digest, fills, see_also))

    @cached_property
    def listing_key(self) -> str:
        """A hash of every listed brief's card: what lists and feeds are made of."""
        return stable_hash(*[(item.id, self.card_key(item.id)) for item in self.listed])

    @cached_property
    def dates_key(self) -> str:
        """A hash of every listed brief's id and date: what sitemaps are made of."""
        return stable_hash(*[(item.id, item.brief.date) for item in self.listed])

    def card_key(self, brief_id: str) -> str:
        """A short hash of a brief's card (with its translations), as lists and see-also show it."""
        if brief_id not in self._card_keys:
            self._card_keys[brief_id] = card_key(self.cards[brief_id].plain())
        return self._card_keys[brief_id]

    def view(self, view: str) -> View:
        """A view of this build by its id: its language, `lang` attribute and name."""
        return self.chosen[view]

    def edition_label(self, edition: str, lang: str) -> str:
        if edition == PUBLIC:
            return gettext_in(lang, "Public edition")
        tier = next(t for t in self.config.tiers if t.id == edition)
        # TRANSLATORS: the edition a page belongs to; {tier} is a member tier's name.
        return gettext_in(lang, "{tier} edition").format(tier=pick(tier.name, lang))

    def edition_url(self, edition: str) -> str:
        """The absolute URL of an edition's folder, or "" without a base URL."""
        base = self.config.base_url
        if not base:
            return ""
        return f"{base.rstrip('/')}/{edition}/"

    def page(self, edition: str, view: str, depth: int, page: str) -> dict[str, Any]:
        """Links and labels every page of an edition shares; `depth` is folders below the edition root."""
        up = "../" * (depth - 1)
        shown = self.view(view)
        chosen = self.chosen.values()
        switch = [
            {"label": v.label, "href": f"{up}{v.id}/{page}", "hreflang": v.html_lang, "current": v == shown}
            for v in chosen
        ]
        alternates = [{"hreflang": v.html_lang, "href": f"{up}{v.id}/{page}"} for v in chosen if v.id != BI]
        return {
            "lang": shown.lang,
            "html_lang": shown.html_lang,
            "root": up,
            "home": f"{up}{view}/",
            "site_title": pick(self.config.title, shown.ui),
            "edition_label": self.edition_label(edition, shown.ui),
            "config": self.config,
            "switch": switch,
            "alternates": alternates,
            "feeds": self.head_links(edition, view, up),
        }

    def head_links(self, edition: str, view: str, up: str) -> list[HeadLink]:
        """The feeds (and any other alternates) the formats of this build offer for a view."""
        return [link for fmt in self.formats for link in fmt.head_links(edition, view, up)]

    def brief_view(self, gated: GatedBrief, view: str, memo: dict) -> BriefView:
        """A gated brief in one view, with the context its templates render from; `memo` keeps each
        text rendered once for all editions and views of the brief."""
        lang = self.view(view).ui
        edition = gated.edition
        visible = list(gated.sources)
        for section in gated.sections:
            visible += list(getattr(section, "sources", ()))
        see_also = [
            {"id": target, "signal": self.cards[target].signal}
            for target in gated.brief.see_also
            if target in self.cards
        ]
        shared = self.page(edition, view, depth=3, page=f"{gated.id}/")
        title = marked_plain(gated.brief.signal, lang)
        description = marked_plain(gated.brief.dek or gated.brief.summary, lang)
        url = f"{self.edition_url(edition)}{view}/{gated.id}/" if self.config.base_url else ""
        page = Page(title, description, gated.brief.date, shared["html_lang"], shared["site_title"], url)
        context = {
            **shared,
            "page_title": title,
            "description": description,
            "share": share(page, lock_classes(gated)),
            "g": gated,
            "band": band_for(gated.brief.confidence.score, self.config.grades),
            "rows": band_ranges(self.config.grades),
            "cites": gated.citable(),
            "visible_sources": visible,
            "see_also": see_also,
            "linked": self.linked(gated),
            # Markdown is pasted elsewhere: link to the published pages when the base URL is known.
            "page_base": f"{self.edition_url(edition)}{view}/" if self.config.base_url else "",
            "memo": memo,
            "block_memo": memo if self.memo_blocks else None,
            "block_memo_md": memo.setdefault("markdown", {}) if self.memo_md_blocks else None,
            "build_memo": self.alike if self.memo_blocks else None,
            "build_memo_md": self.alike_md if self.memo_md_blocks else None,
        }
        context["cites_key"] = tuple(context["cites"])
        return BriefView(gated, edition, view, context)

    def linked(self, gated: GatedBrief) -> dict[str, Text]:
        """The title of each brief a paragraph this edition shows links to, when that brief is in the build
        (a draft or a brief left out gets no link, so none dangles)."""
        paragraphs = [*gated.brief.body, *(p for s in gated.sections if isinstance(s, OpenSection) for p in s.body)]
        targets = [p.see_also for p in paragraphs if isinstance(p, Paragraph) and p.see_also in self.cards]
        return {target: self.cards[target].signal for target in targets}

    def rows(self, kind: str, context: dict[str, str], render: Callable[[Listed], str]) -> list[Markup]:
        """One fragment per listed brief (a row of an index page, an entry of a feed), each taken from
        the previous build when neither the brief's card nor the fragment's `context` changed."""
        shared = stable_hash(kind, sorted(context.items()))[:16]
        rows, kept, made = [], {}, 0
        for item in self.listed:
            key = f"{shared}:{item.id}:{self.card_key(item.id)}"
            text = self.fragments.take(key)
            if text is None:
                text, made = render(item).rstrip("\n"), made + 1
            kept[key] = text = Markup(text)
            rows.append(text)
        self.fragments.keep(kept, made)
        return rows

    def template_rows(self, name: str, context: dict[str, str]) -> list[Markup]:
        """`rows` rendered by a template of the theme (or its override)."""
        template = self.html.get_template(name)
        return self.rows(name, context, lambda item: template.render({**context, "item": item}))
