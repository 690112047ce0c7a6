"""The publication config: title, tiers, grade table, vocabularies, with the built-in defaults.

Plain values only: reading `signalbrief.yaml` into a `Config` is `signalbrief.configfile`'s work, so
what gates and renders a brief can take a `Config` without depending on the YAML loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError, model_validator

from signalbrief.grading import DEFAULT_GRADES, GradeBand
from signalbrief.languages import DEFAULT, Labels, for_codes, written_codes
from signalbrief.model import ByLanguage, language_key_errors, missing, region_names
from signalbrief.values import Scalar

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
class EmailSettings:
    """Who a brief's email is from, and the SMTP server `send` hands it to (the password is never
    here: it is read from the environment when sending)."""

    sender: str  # the From header: an address, or `Name <address>`
    reply_to: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    starttls: bool = True
    smtp_user: str | None = None


@dataclass(frozen=True)
class Config:
    """Everything a publication can configure, with the built-in defaults filled in."""

    title: Labels = field(default_factory=lambda: {"en": "Signal Briefs", "zh": "信号简报"})
    base_url: str | None = None
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    grades: tuple[GradeBand, ...] = DEFAULT_GRADES
    vocabularies: dict[str, dict[str, Labels]] | None = None
    languages: tuple[str, ...] = DEFAULT  # language codes, in the order views are listed
    email: EmailSettings | None = None
    search: bool = True  # a search index per edition and a search box on every page

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
