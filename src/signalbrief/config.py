"""The publication config (`signalbrief.yaml`): title, tiers, grade table, vocabularies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from signalbrief.errors import InvalidInput, error
from signalbrief.fields import Link, Name, Prose, Score, Slug, Strict, Url, fail, read_model
from signalbrief.grading import DEFAULT_GRADES, GradeBand
from signalbrief.loader import load_file
from signalbrief.model import region_names

CONFIG_FILE = "signalbrief.yaml"
PUBLIC = "public"

DEFAULT_VOCABULARIES: dict[str, dict[str, tuple[str, str]]] = {
    "type": {
        "policy-agreement": ("Policy agreement", "政策协议"),
        "regulatory-action": ("Regulatory action", "监管行动"),
        "legislation": ("Legislation", "立法"),
        "market-move": ("Market move", "市场动向"),
        "funding": ("Funding", "融资"),
        "product-launch": ("Product launch", "产品发布"),
        "research-result": ("Research result", "研究成果"),
        "incident": ("Incident", "事件"),
        "personnel-change": ("Personnel change", "人事变动"),
    },
    "market_class": {
        "case-file": ("Case File", "案例档案"),
        "trend": ("Trend", "趋势"),
        "watch": ("Watch", "观察"),
        "flash": ("Flash", "快讯"),
    },
    "basis": {
        "direct-public-sources": ("Direct public sources", "直接公开来源"),
        "secondary-reporting": ("Secondary reporting", "二手报道"),
        "expert-input": ("Expert input", "专家意见"),
        "internal-monitoring": ("Internal monitoring", "内部监测"),
    },
    "relevance": {
        "low": ("Low", "低"),
        "medium": ("Medium", "中"),
        "high": ("High", "高"),
    },
    "horizon": {
        "immediate": ("Immediate", "即时"),
        "next-quarter": ("Next quarter", "下个季度"),
        "next-year": ("Next year", "明年"),
        "long-term": ("Long term", "长期"),
    },
}


@dataclass(frozen=True)
class Tier:
    """A membership tier; editions are built per tier, lowest first."""

    id: str
    name: tuple[str, str]
    access_title: tuple[str, str]
    pitch: tuple[str, str]
    join_label: tuple[str, str]
    join_url: str


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(
        "strategy-circle",
        ("Strategy Circle", "战略圈"),
        ("Strategic Circle Access", "战略圈会员权限"),
        (
            "Open to all readers. Unlock trend briefings after joining and logging in.",
            "向所有读者开放。加入并登录后即可解锁趋势简报。",
        ),
        ("Join Strategic Circle", "加入战略圈"),
        "/join/strategy-circle/",
    ),
    Tier(
        "leadership-alliance",
        ("Leadership Alliance", "领导联盟"),
        ("Leadership Alliance Access", "领导联盟会员权限"),
        (
            "For operators, investors, and policy teams that need relationship evidence, "
            "failure paths, and source notes. Login required to unlock.",
            "面向需要关系证据、失败路径和来源注释的运营者、投资者和政策团队。需登录后解锁。",
        ),
        ("Join Leadership Alliance", "加入领导联盟"),
        "/join/leadership-alliance/",
    ),
)


@dataclass(frozen=True)
class Config:
    """Everything a publication can configure, with the built-in defaults filled in."""

    title: tuple[str, str] = ("Signal Briefs", "信号简报")
    base_url: str | None = None
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    grades: tuple[GradeBand, ...] = DEFAULT_GRADES
    vocabularies: dict[str, dict[str, tuple[str, str]]] | None = None

    @property
    def terms(self) -> dict[str, dict[str, tuple[str, str]]]:
        return self.vocabularies or DEFAULT_VOCABULARIES

    @property
    def edition_ids(self) -> list[str]:
        """Edition ids, lowest first: public, then each tier in order."""
        return [PUBLIC, *(tier.id for tier in self.tiers)]

    def rank(self, tier_id: str) -> int:
        """Position of a tier in the order; higher sees more."""
        return self.edition_ids.index(tier_id)

    def validation_context(self) -> dict:
        """What the brief validators need to know about this publication."""
        return {
            "vocabularies": {name: list(terms) for name, terms in self.terms.items()},
            "tiers": self.edition_ids,
            "grades": self.grades,
        }

    def vocabulary_values(self) -> dict[str, list[str]]:
        """Allowed values of each controlled field, for the JSON Schema."""
        values = {name: list(terms) for name, terms in self.terms.items()}
        values["regions"] = list(region_names())
        values["tiers"] = self.edition_ids
        values["grades"] = sorted({band.grade for band in self.grades})
        return values


class _BothLanguages(Strict):
    en: Prose = Field(description="English.")
    zh: Prose = Field(description="Simplified Chinese.")


class _TierEntry(Strict):
    id: Slug = Field(description="Tier id used in briefs' `sections[].tier`.")
    name: _BothLanguages = Field(description="Tier name.")
    access_title: _BothLanguages = Field(description="Heading of the lock card.")
    pitch: _BothLanguages = Field(description="Why to join, on the lock card.")
    join_label: _BothLanguages = Field(description="Text of the join link.")
    join_url: Link = Field(description="Join page: http(s) URL or a path starting with /.")

    @field_validator("id")
    @classmethod
    def _not_public(cls, value: str) -> str:
        if value == PUBLIC:
            raise fail("tier", "'public' is the built-in lowest tier; choose another id")
        return value


class _GradeEntry(Strict):
    lower: Score = Field(alias="from", description="Lowest score of the band.")
    grade: Name = Field(description="Grade letter(s), like A or B/C.")
    label: _BothLanguages = Field(description="Label of the band.")


class _Vocabularies(Strict):
    type: dict[Slug, _BothLanguages] = Field(default_factory=dict)
    market_class: dict[Slug, _BothLanguages] = Field(default_factory=dict)
    basis: dict[Slug, _BothLanguages] = Field(default_factory=dict)
    relevance: dict[Slug, _BothLanguages] = Field(default_factory=dict)
    horizon: dict[Slug, _BothLanguages] = Field(default_factory=dict)


class ConfigFile(Strict):
    """The schema of `signalbrief.yaml`; every key is optional."""

    title: _BothLanguages | None = None
    base_url: Url | None = None
    tiers: list[_TierEntry] | None = None
    grades: list[_GradeEntry] | None = Field(None, min_length=1)
    vocabularies: _Vocabularies | None = None


def load_config(root: Path) -> Config:
    """Read `signalbrief.yaml` in the publication folder, or return the defaults."""
    path = root / CONFIG_FILE
    if not path.exists():
        return Config()
    document = load_file(path, CONFIG_FILE)
    parsed, problems = read_model(ConfigFile, document, {})
    if parsed is not None:
        problems = _check_order(parsed, document)
    if problems:
        raise InvalidInput(problems)
    return _to_config(parsed)


def _check_order(parsed: ConfigFile, document) -> list:
    problems = []
    seen: set[str] = set()
    for i, tier in enumerate(parsed.tiers or []):
        if tier.id in seen:
            problems.append(error(document.locate(("tiers", i, "id")), f"tiers[{i}].id", "duplicate tier id"))
        seen.add(tier.id)
    lowers = [row.lower for row in parsed.grades or []]
    if lowers and 0.0 not in lowers:
        problems.append(error(document.locate(("grades",)), "grades", "one band must start from 0.00"))
    if len(set(lowers)) != len(lowers):
        problems.append(error(document.locate(("grades",)), "grades", "two bands start at the same score"))
    return problems


def _pair(text: _BothLanguages) -> tuple[str, str]:
    return (text.en, text.zh)


def _to_config(parsed: ConfigFile) -> Config:
    config = Config()
    vocabularies = {name: dict(terms) for name, terms in DEFAULT_VOCABULARIES.items()}
    if parsed.vocabularies:
        for name in vocabularies:
            for term, labels in getattr(parsed.vocabularies, name).items():
                vocabularies[name][term] = _pair(labels)
    tiers = config.tiers
    if parsed.tiers is not None:
        tiers = tuple(
            Tier(t.id, _pair(t.name), _pair(t.access_title), _pair(t.pitch), _pair(t.join_label), t.join_url)
            for t in parsed.tiers
        )
    grades = config.grades
    if parsed.grades is not None:
        grades = tuple(
            GradeBand(row.lower, row.grade, row.label.en, row.label.zh)
            for row in sorted(parsed.grades, key=lambda row: -row.lower)
        )
    return Config(
        title=_pair(parsed.title) if parsed.title else config.title,
        base_url=parsed.base_url,
        tiers=tiers,
        grades=grades,
        vocabularies=vocabularies,
    )
