"""What one edition may show of a brief: a pure function, so the gating rule can be proven by tests.

A locked section becomes a `LockCard` holding only its title, teaser and tier; its body and sources
are not copied, so no template can print them.
"""

from __future__ import annotations

from dataclasses import dataclass

from signalbrief.config import Config, Tier
from signalbrief.model import Brief, Source, Text


@dataclass(frozen=True)
class NumberedSource:
    """A source with the number `[n]` that cites it."""

    number: int
    source: Source


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

    def citable(self) -> dict[int, str]:
        """Every source number this edition shows, mapped to its anchor id."""
        numbers = [s.number for s in self.sources]
        numbers += [s.number for sec in self.sections if isinstance(sec, OpenSection) for s in sec.sources]
        return {n: f"source-{n}" for n in numbers}


def gate(brief_id: str, brief: Brief, edition: str, config: Config) -> GatedBrief:
    """Return what `edition` may show of `brief`."""
    rank = config.rank(edition)
    tiers = {tier.id: tier for tier in config.tiers}
    own = tuple(NumberedSource(i, source) for i, source in enumerate(brief.sources, 1))
    next_number = len(own) + 1
    sections: list[OpenSection | LockCard] = []
    for section in brief.sections:
        numbered = tuple(NumberedSource(next_number + i, s) for i, s in enumerate(section.sources))
        next_number += len(section.sources)
        tier = tiers.get(section.tier)
        if config.rank(section.tier) <= rank:
            sections.append(OpenSection(tier, section.title, tuple(section.body), numbered))
        else:
            assert tier is not None  # public sections are never locked
            sections.append(LockCard(tier, section.title, section.teaser))
    public_part = brief.model_copy(update={"sections": []})
    return GatedBrief(brief_id, edition, public_part, own, tuple(sections))
