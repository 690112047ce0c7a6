"""Edition rules: the tier rule is signalbrief's own registered rule; a plugin's rule can lock more,
never reveal what another rule locks; gate() stays a pure function of the rules it is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from signalbrief import editions, plugins
from signalbrief.build import BuildOptions, build
from signalbrief.config import Config
from signalbrief.gating import LockCard, OpenSection, gate
from signalbrief.model import Brief, Section
from tests.conftest import small_brief
from tests.test_formats import plugged
from tests.test_gating import edition_text

EMBARGOED = """\
date: 2024-04-01
signal: {en: Signal}
type: funding
regions: [US]
market_class: flash
confidence: {score: 0.5, basis: expert-input}
summary: {en: Summary}
body:
  - en: Public body.
sources:
  - title: Public source
sections:
  - tier: strategy-circle
    title: {en: 'Embargoed: results'}
    body:
      - en: EMBARGOEDTEXT [2]
    sources:
      - title: EMBARGOEDSOURCE
  - tier: strategy-circle
    title: {en: Context}
    body:
      - en: MEMBERTEXT [3]
    sources:
      - title: MEMBERSOURCE
"""


@dataclass(frozen=True)
class Embargo:
    """Sections titled "Embargoed: ..." are locked in every edition until a date (today is given)."""

    until: date
    today: date

    def allows(self, brief_id: str, section: Section, edition: str, config: Config) -> bool:
        return not (section.title.get("en") or "").startswith("Embargoed") or self.today >= self.until


def test_the_tier_rule_is_registered_by_default():
    assert "signalbrief.editions" in plugins.DEFAULT_PLUGINS
    assert editions.registered() == [editions.TIER_RANK]


def site_text(root, edition: str) -> str:
    return edition_text(root / "site" / edition)


def test_a_plugin_rule_locks_a_section_in_every_edition(publication):
    root = publication({"embargo": EMBARGOED})
    rule = Embargo(until=date(2030, 1, 1), today=date(2029, 12, 31))
    with plugged(signalbrief_edition_rules=lambda: [rule]):
        build(root, BuildOptions(views=("en",), allow_untranslated=True))
    for edition in Config().edition_ids:
        text = site_text(root, edition)
        assert "EMBARGOEDTEXT" not in text and "EMBARGOEDSOURCE" not in text, edition
    top = site_text(root, "leadership-alliance")
    assert "MEMBERTEXT" in top and "MEMBERSOURCE" in top  # the other section still opens by tier
    assert "Embargoed: results" in top  # as a lock card


def test_once_the_embargo_ends_the_tier_rule_alone_decides(publication):
    root = publication({"embargo": EMBARGOED})
    rule = Embargo(until=date(2030, 1, 1), today=date(2030, 1, 1))
    with plugged(signalbrief_edition_rules=lambda: [rule]):
        build(root, BuildOptions(views=("en",), allow_untranslated=True))
    assert "EMBARGOEDTEXT" in site_text(root, "strategy-circle")
    assert "EMBARGOEDTEXT" not in site_text(root, "public")


def test_a_rule_that_allows_everything_reveals_nothing(publication):
    root = publication({"embargo": EMBARGOED})
    with plugged(signalbrief_edition_rules=lambda: [Embargo(until=date(2000, 1, 1), today=date(2030, 1, 1))]):
        build(root, BuildOptions(views=("en",), allow_untranslated=True))
    assert "MEMBERTEXT" not in site_text(root, "public")


def brief_with_public_embargo() -> Brief:
    sections = [
        {"tier": "public", "title": {"en": "Embargoed: public"}, "body": [{"en": "x"}], "sources": [{"title": "p"}]},
        {"tier": "public", "title": {"en": "Open"}, "body": [{"en": "y"}], "sources": [{"title": "q"}]},
    ]
    return small_brief(sections=sections)


def test_gate_applies_the_rules_it_is_given_and_leaves_out_a_public_section_with_no_tier_to_unlock():
    brief, config = brief_with_public_embargo(), Config()
    embargo = Embargo(until=date(2030, 1, 1), today=date(2024, 1, 1))
    gated = gate("b", brief, "leadership-alliance", config, (editions.TIER_RANK, embargo))
    assert [type(s) for s in gated.sections] == [OpenSection]
    assert [s.number for s in gated.sections[0].sources] == [1]  # the left-out section's source takes no number
    assert not any(isinstance(s, LockCard) for s in gated.sections)
    assert len(gate("b", brief, "leadership-alliance", config).sections) == 2  # the tier rule alone
