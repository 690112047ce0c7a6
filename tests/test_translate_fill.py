"""Filling logic with a deterministic fake engine: batching, dedupe, memory, and the missing list."""

from __future__ import annotations

from signalbrief.translate.apply import apply
from signalbrief.translate.fill import Filler, fills_by_brief, needs_of
from signalbrief.validate import validate
from tests.conftest import BETA, VALID


class FakeEngine:
    """Upper-cases en->zh and wraps zh->en; counts calls and sentences like a real model would."""

    def __init__(self, direction: str):
        self.id = f"fake-{direction}@1"
        self.direction = direction
        self.calls = 0
        self.seen: list[str] = []

    def translate(self, sentences, progress=None):
        self.calls += 1
        self.seen += sentences
        return [s.upper() if self.direction == "en-zh" else f"<{s}>" for s in sentences]


def test_one_batch_per_direction_each_sentence_once_then_remembered(publication):
    same = VALID.replace(
        "signed a memorandum [1].", "The agreement turns summit commitments into working channels [1]."
    )
    root = publication({"alpha": same, "beta": BETA})
    briefs = validate(root).briefs
    engines = {"en-zh": FakeEngine("en-zh"), "zh-en": FakeEngine("zh-en")}
    outcome = Filler(root, glossary={}, engines=engines).fill(needs_of(briefs))
    assert engines["en-zh"].calls == 1 and engines["zh-en"].calls == 1
    assert len(engines["en-zh"].seen) == len(set(engines["en-zh"].seen))  # duplicates sent once
    assert outcome.missing == []
    alpha = apply(next(b for b in briefs if b.id == "alpha").brief, fills_by_brief(outcome)["alpha"])
    assert (
        alpha.summary.zh
        == "THE UNITED STATES AND UNITED KINGDOM THE AGREEMENT TURNS SUMMIT COMMITMENTS INTO WORKING CHANNELS [1]。"
    )
    assert alpha.summary.machine == frozenset({"zh"})
    assert alpha.signal.machine == frozenset()  # written by a person in both languages

    again = {"en-zh": FakeEngine("en-zh"), "zh-en": FakeEngine("zh-en")}
    second = Filler(root, glossary={}, engines=again).fill(needs_of(briefs))
    assert again["en-zh"].calls == 0 and again["zh-en"].calls == 0
    assert second.texts == outcome.texts


def test_without_an_engine_needs_are_missing(publication):
    root = publication({"alpha": VALID, "beta": BETA})
    briefs = validate(root).briefs
    outcome = Filler(root, glossary={}, engines={}).fill(needs_of(briefs))
    assert {need.direction for need in outcome.missing} == {"en-zh", "zh-en"}
    assert outcome.texts == {}
