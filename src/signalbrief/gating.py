"""What one edition may show of a brief: a pure function, so the gating rule can be proven by tests.

A locked section becomes a `LockCard` holding only its title, teaser and tier; its body and sources
are not copied, so no template can print them. Sources are numbered per edition, in the order the
edition shows them: a locked section's sources take no numbers, so no number tells how many exist.
Which sections an edition shows is decided by the edition rules (`signalbrief.editions`), passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from signalbrief.config import Config, Tier
from signalbrief.editions import TIER_RANK, EditionRule
from signalbrief.model import Brief, Source, Text


@dataclass(frozen=True)
class NumberedSource:
    """A source with the number `[n]` this edition shows, and the number the brief's texts cite it by."""

    number: int
    source: Source
    cited_as: int


@dataclass(frozen=True)
class OpenSection:
    """A section this edition shows in full."""

    tier: Tier | None  # None for a public section
    title: Text
    body: tuple[Text, ...]
    sources: tuple[NumberedSource, ...]


@dataclass(frozen=True)
class LockCard:
    """A section above this edition: what it is called and how to unlock it, nothing of its content."""

    tier: Tier
    title: Text
    teaser: Text | None


@dataclass(frozen=True)
class GatedBrief:
    """A brief as one edition shows it; `brief.sections` is always empty here."""

    id: str
    edition: str
    brief: Brief
    sources: tuple[NumberedSource, ...]
    sections: tuple[OpenSection | LockCard, ...]

    def citable(self) -> dict[int, int]:
        """Every source this edition shows: the number texts cite it by, mapped to the number shown."""
        numbered = list(self.sources)
        numbered += [s for sec in self.sections if isinstance(sec, OpenSection) for s in sec.sources]
        return {s.cited_as: s.number for s in numbered}


def gate(
    brief_id: str, brief: Brief, edition: str, config: Config, rules: Sequence[EditionRule] = (TIER_RANK,)
) -> GatedBrief:
    """Return what `edition` may show of `brief`: a section every rule allows in full, else its lock card."""
    tiers = {tier.id: tier for tier in config.tiers}
    own = tuple(NumberedSource(i, source, i) for i, source in enumerate(brief.sources, 1))
    cited, shown = len(own), len(own)  # the last number texts cite by, and the last number shown
    sections: list[OpenSection | LockCard] = []
    for section in brief.sections:
        tier = tiers.get(section.tier)
        if all(rule.allows(brief_id, section, edition, config) for rule in rules):
            numbered = tuple(NumberedSource(shown + i, s, cited + i) for i, s in enumerate(section.sources, 1))
            shown += len(numbered)
            sections.append(OpenSection(tier, section.title, tuple(section.body), numbered))
        elif tier is not None:
            sections.append(LockCard(tier, section.title, section.teaser))
        # A public section another rule locks has no tier to unlock it with: it is left out.
        cited += len(section.sources)
    public_part = brief.model_copy(update={"sections": []})
    return GatedBrief(brief_id, edition, public_part, own, tuple(sections))
