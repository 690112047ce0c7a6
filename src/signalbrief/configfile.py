"""Read the publication config file, `signalbrief.yaml`, into a `Config`; every key is optional."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from signalbrief.config import CONFIG_FILE, DEFAULT_VOCABULARIES, PUBLIC, Config, EmailSettings, Tier, Words
from signalbrief.errors import InvalidInput, error
from signalbrief.fields import Flag, Link, Mailbox, Name, Score, Slug, Strict, Url, fail, read_model
from signalbrief.grading import GradeBand
from signalbrief.languages import Labels
from signalbrief.languages import problems as language_problems
from signalbrief.loader import load_file
from signalbrief.values import dotted


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


class _Smtp(Strict):
    host: Name | None = Field(None, description="SMTP server `send` hands messages to.")
    port: int | None = Field(None, description="Its port (default 587 with STARTTLS, else 25).")
    starttls: Flag = Field(True, description="Upgrade the connection with STARTTLS before logging in.")
    user: Name | None = Field(None, description="Login name; the password only from SIGNALBRIEF_SMTP_PASSWORD.")

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: object) -> object:
        raw = str(value)
        if not (raw.isdigit() and 1 <= int(raw) <= 65535):
            raise fail("port", f"{raw!r} is not a port number from 1 to 65535")
        return int(raw)


class _Email(Strict):
    sender: Mailbox = Field(alias="from", description="From: an address or `Name <address>`.")
    reply_to: Mailbox | None = Field(None, description="Reply-To, when replies go elsewhere.")
    smtp: _Smtp | None = None


class ConfigFile(Strict):
    """The schema of `signalbrief.yaml`; every key is optional."""

    title: Words | None = None
    base_url: Url | None = None
    tiers: list[_TierEntry] | None = None
    grades: list[_GradeEntry] | None = Field(None, min_length=1)
    vocabularies: _Vocabularies | None = None
    languages: list[Name] | None = Field(None, min_length=1)
    email: _Email | None = None
    search: Flag = Field(True, description="A search index per edition and a search box on every page.")


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
        email=_email(parsed.email),
        search=parsed.search,
    )


def _email(parsed: _Email | None) -> EmailSettings | None:
    if parsed is None:
        return None
    smtp = parsed.smtp or _Smtp()
    return EmailSettings(parsed.sender, parsed.reply_to, smtp.host, smtp.port, smtp.starttls, smtp.user)
