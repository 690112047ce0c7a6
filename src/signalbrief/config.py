"""The publication config (`signalbrief.yaml`): title, tiers, grade table, vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from signalbrief.errors import InvalidInput, error
from signalbrief.fields import Link, Name, Score, Slug, Strict, Url, fail, read_model
from signalbrief.grading import DEFAULT_GRADES, GradeBand
from signalbrief.languages import DEFAULT, Labels, for_codes, written_codes
from signalbrief.languages import problems as language_problems
from signalbrief.loader import Scalar, dotted, load_file
from signalbrief.model import ByLanguage, language_key_errors, missing, region_names

CONFIG_FILE = "signalbrief.yaml"
PUBLIC = "public"

# The built-in copy is written in English and Simplified Chinese.
DEFAULT_VOCABULARIES: dict[str, dict[str, Labels]] = {
    "type": {
        "policy-agreement": {"en": "Policy agreement", "zh": "政策协议"},
        "regulatory-action": {"en": "Regulatory action", "zh": "监管行动"},
        "legislation": {"en": "Legislation", "zh": "立法"},
        "market-move": {"en": "Market move", "zh": "市场动向"},
        "funding": {"en": "Funding", "zh": "融资"},
        "product-launch": {"en": "Product launch", "zh": "产品发布"},
        "research-result": {"en": "Research result", "zh": "研究成果"},
        "incident": {"en": "Incident", "zh": "事件"},
        "personnel-change": {"en": "Personnel change", "zh": "人事变动"},
    },
    "market_class": {
        "case-file": {"en": "Case File", "zh": "案例档案"},
        "trend": {"en": "Trend", "zh": "趋势"},
        "watch": {"en": "Watch", "zh": "观察"},
        "flash": {"en": "Flash", "zh": "快讯"},
    },
    "basis": {
        "direct-public-sources": {"en": "Direct public sources", "zh": "直接公开来源"},
        "secondary-reporting": {"en": "Secondary reporting", "zh": "二手报道"},
        "expert-input": {"en": "Expert input", "zh": "专家意见"},
        "internal-monitoring": {"en": "Internal monitoring", "zh": "内部监测"},
    },
    "relevance": {
        "low": {"en": "Low", "zh": "低"},
        "medium": {"en": "Medium", "zh": "中"},
        "high": {"en": "High", "zh": "高"},
    },
    "horizon": {
        "immediate": {"en": "Immediate", "zh": "即时"},
        "next-quarter": {"en": "Next quarter", "zh": "下个季度"},
        "next-year": {"en": "Next year", "zh": "明年"},
        "long-term": {"en": "Long term", "zh": "长期"},
    },
}


@dataclass(frozen=True)
class Tier:
    """A membership tier; editions are built per tier, lowest first."""

    id: str
    name: Labels
    access_title: Labels
    pitch: Labels
    join_label: Labels
    join_url: str


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(
        "strategy-circle",
        {"en": "Strategy Circle", "zh": "战略圈"},
        {"en": "Strategic Circle Access", "zh": "战略圈会员权限"},
        {
            "en": "Open to all readers. Unlock trend briefings after joining and logging in.",
            "zh": "向所有读者开放。加入并登录后即可解锁趋势简报。",
        },
        {"en": "Join Strategic Circle", "zh": "加入战略圈"},
        "/join/strategy-circle/",
    ),
    Tier(
        "leadership-alliance",
        {"en": "Leadership Alliance", "zh": "领导联盟"},
        {"en": "Leadership Alliance Access", "zh": "领导联盟会员权限"},
        {
            "en": "For operators, investors, and policy teams that need relationship evidence, "
            "failure paths, and source notes. Login required to unlock.",
            "zh": "面向需要关系证据、失败路径和来源注释的运营者、投资者和政策团队。需登录后解锁。",
        },
        {"en": "Join Leadership Alliance", "zh": "加入领导联盟"},
        "/join/leadership-alliance/",
    ),
)


@dataclass(frozen=True)
class Config:
    """Everything a publication can configure, with the built-in defaults filled in."""

    title: Labels = field(default_factory=lambda: {"en": "Signal Briefs", "zh": "信号简报"})
    base_url: str | None = None
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    grades: tuple[GradeBand, ...] = DEFAULT_GRADES
    vocabularies: dict[str, dict[str, Labels]] | None = None
    languages: tuple[str, ...] = DEFAULT  # language codes, in the order views are listed

    @property
    def terms(self) -> dict[str, dict[str, Labels]]:
        return self.vocabularies or DEFAULT_VOCABULARIES

    @property
    def written(self) -> list[str]:
        """The publication's written languages: every text is filled into each of them."""
        return [lang.code for lang in for_codes(self.languages) if lang.written]

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
            "languages": self.written,
        }

    def vocabulary_values(self) -> dict[str, list[str]]:
        """Allowed values of each controlled field, for the JSON Schema."""
        values = {name: list(terms) for name, terms in self.terms.items()}
        values["regions"] = list(region_names())
        values["tiers"] = self.edition_ids
        values["grades"] = sorted({band.grade for band in self.grades})
        return values


class Words(ByLanguage):
    """Words in every written language (en, zh), keyed by language code."""

    @model_validator(mode="before")
    @classmethod
    def _every_language(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if not (isinstance(v, Scalar) and v.kind == "null")}
            problems = language_key_errors(data)
            problems += [missing(code, data) for code in written_codes() if code not in data]
            if problems:
                raise ValidationError.from_exception_data(cls.__name__, problems)
        return data

    @property
    def labels(self) -> Labels:
        return {code: self.words[code] for code in written_codes()}


class _TierEntry(Strict):
    id: Slug = Field(description="Tier id used in briefs' `sections[].tier`.")
    name: Words = Field(description="Tier name.")
    access_title: Words = Field(description="Heading of the lock card.")
    pitch: Words = Field(description="Why to join, on the lock card.")
    join_label: Words = Field(description="Text of the join link.")
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
    label: Words = Field(description="Label of the band.")


class _Vocabularies(Strict):
    type: dict[Slug, Words] = Field(default_factory=dict)
    market_class: dict[Slug, Words] = Field(default_factory=dict)
    basis: dict[Slug, Words] = Field(default_factory=dict)
    relevance: dict[Slug, Words] = Field(default_factory=dict)
    horizon: dict[Slug, Words] = Field(default_factory=dict)


class ConfigFile(Strict):
    """The schema of `signalbrief.yaml`; every key is optional."""

    title: Words | None = None
    base_url: Url | None = None
    tiers: list[_TierEntry] | None = None
    grades: list[_GradeEntry] | None = Field(None, min_length=1)
    vocabularies: _Vocabularies | None = None
    languages: list[Name] | None = Field(None, min_length=1)


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
    for index, message in language_problems(parsed.languages or []):
        where = ("languages",) if index is None else ("languages", index)
        problems.append(error(document.locate(where), dotted(where), message))
    return problems


def _pair(text: Words) -> Labels:
    return text.labels


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
            GradeBand(row.lower, row.grade, row.label.labels)
            for row in sorted(parsed.grades, key=lambda row: -row.lower)
        )
    return Config(
        title=_pair(parsed.title) if parsed.title else config.title,
        base_url=parsed.base_url,
        tiers=tiers,
        grades=grades,
        vocabularies=vocabularies,
        languages=tuple(parsed.languages) if parsed.languages else config.languages,
    )
