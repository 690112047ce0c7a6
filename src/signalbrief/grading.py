"""The confidence table: which grade and label a score earns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from signalbrief.languages import Labels, in_language


@dataclass(frozen=True)
class GradeBand:
    """Scores from `lower` up to the next band's lower bound earn this grade."""

    lower: float
    grade: str
    labels: Labels  # by language code

    def label(self, lang: str) -> str:
        return in_language(self.labels, lang)


DEFAULT_GRADES: tuple[GradeBand, ...] = (
    GradeBand(0.90, "A", {"en": "High — direct sources", "zh": "高——直接来源"}),
    GradeBand(0.75, "A/B", {"en": "Strong", "zh": "强"}),
    GradeBand(0.55, "B/C", {"en": "Medium", "zh": "中等"}),
    GradeBand(0.35, "C/D", {"en": "Weak–medium", "zh": "弱至中等"}),
    GradeBand(0.10, "D", {"en": "Weak signal", "zh": "弱信号"}),
    GradeBand(0.00, "D", {"en": "Internal monitoring", "zh": "内部监测"}),
)


def band_for(score: float, table: Sequence[GradeBand] = DEFAULT_GRADES) -> GradeBand:
    """Return the band with the largest lower bound that is at most the score."""
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score {score} is outside 0.00-1.00")
    eligible = [band for band in table if band.lower <= score]
    return max(eligible, key=lambda band: band.lower)


def band_ranges(table: Sequence[GradeBand]) -> list[tuple[GradeBand, float]]:
    """Pair each band, highest first, with the upper end of its range (for printing the table)."""
    ordered = sorted(table, key=lambda band: band.lower, reverse=True)
    uppers = [1.0] + [round(band.lower - 0.01, 2) for band in ordered[:-1]]
    return list(zip(ordered, uppers, strict=True))
