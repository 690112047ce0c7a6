"""Edition rules: what decides whether an edition shows a section. signalbrief's own rule (a member
section opens from its tier up) is registered here through `signalbrief_edition_rules`, like a plugin's.

A rule only ever locks: an edition shows a section when every registered rule allows it, so a rule
added by a plugin can withhold more, never reveal what another rule locks. Rules are pure (no I/O,
no clock): whatever they need, such as today's date, is given when they are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from signalbrief.hookspecs import hookimpl
from signalbrief.plugins import hook

if TYPE_CHECKING:  # only named in annotations: registering the rules must not load pydantic
    from signalbrief.config import Config
    from signalbrief.model import Section


class EditionRule(Protocol):
    """Decides whether an edition may show a section of a brief. Its fields must tell everything it
    decides by, as plain values (a dataclass of dates, texts, numbers): they are part of the build's
    keys, so a build reuses the files of the last one only while they are unchanged."""

    def allows(self, brief_id: str, section: Section, edition: str, config: Config) -> bool: ...


@dataclass(frozen=True)
class TierRank:
    """A section is shown in the editions of its tier and above (a public section in every edition)."""

    def allows(self, brief_id: str, section: Section, edition: str, config: Config) -> bool:
        return config.rank(section.tier) <= config.rank(edition)


TIER_RANK = TierRank()


@hookimpl
def signalbrief_edition_rules() -> list[EditionRule]:
    return [TIER_RANK]


def registered() -> list[EditionRule]:
    """Every registered rule, signalbrief's own first."""
    return [rule for added in reversed(hook().signalbrief_edition_rules()) for rule in added]
