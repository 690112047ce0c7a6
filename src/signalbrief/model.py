"""The brief format as frozen, typed objects (pydantic v2, strict) and the source of its JSON Schema."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import InitErrorDetails

from signalbrief.fields import (
    Flag,
    IsoDate,
    Name,
    Prose,
    Score,
    Slug,
    Strict,
    Url,
    fail,
    unknown_term,
    vocabulary_term,
)
from signalbrief.grading import band_for
from signalbrief.languages import language, pick, registered, source_of, written, written_codes
from signalbrief.values import MachineText, Scalar

# CLDR territories that are not ISO 3166-1 alpha-2 countries.
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
# CLDR's English territory list is the one every other locale's names are looked up from.
_REFERENCE_LOCALE = "en"


@cache
def territories(locale: str) -> dict[str, str]:
    """CLDR's territory names in a Babel locale."""
    from babel import Locale  # only where a name is not remembered (`render.BABEL_SAYS`) or a region is checked

    return dict(Locale.parse(locale).territories)


@cache
def region_names() -> dict[str, dict[str, str]]:
    """ISO 3166-1 alpha-2 codes plus EU, with their names in each written language from CLDR."""
    reference = territories(_REFERENCE_LOCALE)
    names = {lang.code: territories(lang.locale) for lang in written()}
    return {
        code: {lang: found.get(code, reference[code]) for lang, found in names.items()}
        for code in sorted(REGION_CODES)
    }


# ISO 3166-1 alpha-2 codes plus EU, as CLDR lists them: all a region is checked against. Written out
# so that checking a region loads no locale data (34 ms); `tests/test_validate.py` holds it equal to
# what Babel's CLDR gives.
REGION_CODES = frozenset(
    {
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA",
        "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV",
        "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU",
        "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES",
        "ET", "EU", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL",
        "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID",
        "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI",
        "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
        "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
        "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR",
        "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY",
        "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL",
        "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK",
        "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC",
        "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW"
    }
)


def cldr_region_codes() -> frozenset[str]:
    """The region codes as Babel's CLDR data gives them (what `REGION_CODES` is made from)."""
    reference = territories(_REFERENCE_LOCALE)
    return frozenset(code for code in reference if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


def region_name(code: str, lang: str) -> str:
    """A region's name in any registered language (its locale's CLDR name, else the English one)."""
    return territories(language(lang).locale).get(code) or territories(_REFERENCE_LOCALE)[code]


def _region(value: str) -> str:
    if value not in REGION_CODES:
        raise _not_a_region(value)
    return value


def _not_a_region(value: str) -> Any:
    code = _meant_region(value)
    if code is not None:
        name = region_name(code, "en")  # messages are in English
        return fail("region", f"{value!r} is not a region code (did you mean {code!r} for {name}?)")
    return fail("region", f"{value!r} is not an ISO 3166-1 alpha-2 code or EU (like GB, US, CN)")


# Names people write for a region that CLDR's English and Chinese names do not cover.
_EVERYDAY_NAMES = {
    "america": "US",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "holland": "NL",
    "europe": "EU",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "czech republic": "CZ",
    "turkey": "TR",
    "ivory coast": "CI",
    "burma": "MM",
    "korea": "KR",
    "republic of korea": "KR",
    "vatican": "VA",
    "palestine": "PS",
    "swaziland": "SZ",
    "macedonia": "MK",
    "uae": "AE",
    "el": "GR",  # the EU's own code for Greece
}


def _meant_region(value: str) -> str | None:
    """The region code a mistaken value most likely means: `us`, `UK`, `DEU`, `Germany`, `德国`."""
    codes, names = region_names(), _region_spellings()
    key = _plain_name(value)
    found = value.upper() if value.upper() in codes else names.get(key)
    if found is None and len(key) > 3:
        import difflib  # only for a value that is wrong

        close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.85)
        found = names[close[0]] if close else None
    return found


@cache
def _region_spellings() -> dict[str, str]:
    """Other codes (UK, alpha-3, numeric) and names of each region, keyed by their plain form."""
    from babel.core import get_global

    codes = region_names()
    spellings = {
        _plain_name(alias): targets[0]
        for alias, targets in get_global("territory_aliases").items()
        if len(targets) == 1 and targets[0] in codes
    }
    for code, names in codes.items():
        spellings.update({_plain_name(name): code for name in names.values()})
    spellings.update(_EVERYDAY_NAMES)
    return spellings


def _plain_name(value: str) -> str:
    plain = " ".join(value.replace("\u2019", "'").casefold().split())
    return plain.removeprefix("the ")


Region = Annotated[Name, AfterValidator(_region), Field(json_schema_extra={"x-vocabulary": "regions"})]


def _tier(value: str, info: ValidationInfo) -> str:
    tiers = (info.context or {}).get("tiers")
    if tiers is not None and value not in tiers:
        raise unknown_term(value, list(tiers))
    return value


TierId = Annotated[Name, AfterValidator(_tier)]


def _text_schema(schema: dict[str, Any]) -> None:
    """List each written language as a property (the model keeps its texts keyed by code)."""
    schema["properties"] = {
        lang.code: {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "default": None,
            "description": f"The {lang.label('en')} text.",
            "title": lang.code.title(),
        }
        for lang in written()
    }
    schema["additionalProperties"] = False
    schema["minProperties"] = 1


class ByLanguage(Strict):
    """A mapping keyed by language code: only the written languages' codes (en, zh) are accepted."""

    model_config = Strict.model_config | {"extra": "allow"}
    __pydantic_extra__: dict[str, Prose] = Field(init=False)  # type: ignore[assignment]

    @classmethod
    def keys(cls) -> list[str]:
        return written_codes()

    @property
    def words(self) -> dict[str, str | None]:
        """The words by language code, as written."""
        return self.__pydantic_extra__ or {}


class Text(ByLanguage):
    """Prose keyed by language code (en, zh); at least one language is written."""

    model_config = ByLanguage.model_config | {"json_schema_extra": _text_schema}
    # Languages whose text is unreviewed machine translation (`!mt`); set by the loader's tags only.
    machine: SkipJsonSchema[frozenset[str]] = Field(frozenset(), exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        codes = written_codes()
        if isinstance(data, str | Scalar):
            either = " or ".join(f"{{{code}: ...}}" for code in codes)
            raise fail(
                "bare_text",
                f"a text is a mapping with {' and/or '.join(codes)}, not a bare value; write it as {either}",
            )
        if not isinstance(data, dict):
            return data
        own, plain = _own_key_set(cls), True
        for key, value in data.items():
            if key not in codes and key not in own:
                wrong = [_wrong_key(k, v) for k, v in data.items() if k not in own and k not in codes]
                raise ValidationError.from_exception_data("Text", wrong)
            plain = plain and type(value) is str
        if plain:
            return data  # the common text, only plain strings: nothing to drop, nothing machine-made
        machine = frozenset(lang for lang in codes if isinstance(data.get(lang), MachineText))
        text = {k: v for k, v in data.items() if not (isinstance(v, Scalar) and v.kind == "null")}
        if machine:
            text["machine"] = machine
        return text

    @model_validator(mode="after")
    def _not_empty(self) -> Text:
        for words in self.words.values():
            if words and not words.isspace():  # what strip() removes is what isspace() matches
                return self
        raise fail("empty_text", f"a text needs a non-empty {' or '.join(written_codes())}")

    @classmethod
    def own_keys(cls) -> list[str]:
        """The keys beside the languages that a mapping of this kind of text may have."""
        return [name for name, info in cls.model_fields.items() if not info.exclude]

    def get(self, lang: str) -> str | None:
        """The text in a language: as written (or filled), derived from its source, or None."""
        return pick(self.words, lang)

    def is_machine(self, lang: str) -> bool:
        """Whether the text in a language is (or is derived from) unreviewed machine translation."""
        return source_of(lang) in self.machine

    def with_text(self, lang: str, words: str) -> Text:
        """This text with a machine translation into a language added."""
        own = {name: getattr(self, name) for name in self.own_keys()}
        return type(self).model_construct(**own, **{**self.words, lang: words}, machine=self.machine | {lang})

    @classmethod
    def of(cls, words: dict[str, str], machine: frozenset[str]) -> Text:
        """A text of words already checked (a cache's, read back): what `model_construct(**words,
        machine=machine)` makes, without its walk over the model's fields (a build reads back two
        texts of every brief's card). `tests/test_checkcache.py` holds the two alike."""
        text = cls.__new__(cls)
        object.__setattr__(text, "__dict__", {"machine": machine})
        object.__setattr__(text, "__pydantic_fields_set__", {"machine"})
        object.__setattr__(text, "__pydantic_extra__", words)
        object.__setattr__(text, "__pydantic_private__", None)
        return text

    def plain(self) -> list:
        """The text as plain values (for JSON, and for hashing into build keys)."""
        words = {code: self.words[code] for code in written_codes() if self.words.get(code) is not None}
        return [words, sorted(self.machine)]


@cache
def _own_key_set(model: type[Text]) -> frozenset[str]:
    # Asked for by every text of every brief while it is checked.
    return frozenset(model.own_keys())


def _paragraph_schema(schema: dict[str, Any]) -> None:
    """A text's schema, plus the paragraph's own keys."""
    own = {name: schema["properties"][name] for name in Paragraph.own_keys()}
    _text_schema(schema)
    schema["properties"].update(own)


class Paragraph(Text):
    """A paragraph: prose keyed by language code, and optionally one related brief linked at its end."""

    model_config = Text.model_config | {"json_schema_extra": _paragraph_schema}
    see_also: Slug | None = Field(
        None, description="Id of one related brief, linked at the end of the paragraph as 'See also: <title>'."
    )

    @field_validator("see_also", mode="before")
    @classmethod
    def _one_id(cls, value: Any) -> Any:
        if isinstance(value, list):
            raise fail("one_id", "a paragraph links one brief id; list more under the brief's see_also")
        return value

    @classmethod
    def keys(cls) -> list[str]:
        return [*written_codes(), *cls.own_keys()]


def language_key_errors(data: dict) -> list[InitErrorDetails]:
    """An error at each key of a mapping by language that is not a written language's code."""
    codes = written_codes()
    return [_wrong_key(key, value) for key, value in data.items() if key not in codes]


def missing(key: str, data: object) -> InitErrorDetails:
    """The error of a required key that is not there."""
    return InitErrorDetails(type="missing", loc=(key,), input=data)


def _wrong_key(key: object, value: object) -> InitErrorDetails:
    """An error at a key a text may not have; a derived language's says where its text comes from."""
    derived = registered().get(key) if isinstance(key, str) else None
    if derived is None or derived.written:
        return InitErrorDetails(type="extra_forbidden", loc=(str(key),), input=value)
    message = (
        f"{key} ({derived.label('en')}) is never written: it is made from the {derived.source} text "
        f"when pages are built; write the text under {derived.source}"
    )
    return InitErrorDetails(type=fail("derived_language", message), loc=(key,), input=value)


class Source(Strict):
    """A published source; `[n]` in any text cites the n-th source."""

    title: Prose = Field(description="Title of the source, in its own language.")
    publisher: Prose | None = Field(None, description="Who published it.")
    url: Url | None = Field(None, description="Where to read it (http or https).")
    published: IsoDate | None = Field(None, description="Publication date, YYYY-MM-DD.")


class Confidence(Strict):
    """How sure the desk is of the signal, as a score and the grade it earns."""

    score: Score = Field(description="0.00 to 1.00; the grade is derived from the grade table.")
    grade: Name | None = Field(
        None,
        description="Optional; if given it must agree with the score.",
        json_schema_extra={"x-vocabulary": "grades"},
    )
    basis: vocabulary_term("basis") = Field(  # type: ignore[valid-type]
        description="What the confidence rests on.", json_schema_extra={"x-vocabulary": "basis"}
    )

    @field_validator("grade")
    @classmethod
    def _grade_agrees(cls, grade: str | None, info: ValidationInfo) -> str | None:
        table = (info.context or {}).get("grades")
        score = info.data.get("score")
        if grade is None or table is None or score is None:
            return grade
        derived = band_for(score, table).grade
        if grade != derived:
            raise fail("grade", f"grade {grade!r} does not agree with score {score}, which earns {derived!r}")
        return grade


class MarketContext(Strict):
    """Why the signal matters to the market, how much and how soon."""

    statement: Text = Field(description="One or two sentences of market context.")
    relevance: vocabulary_term("relevance") = Field(  # type: ignore[valid-type]
        description="Operational relevance.", json_schema_extra={"x-vocabulary": "relevance"}
    )
    horizon: vocabulary_term("horizon") = Field(  # type: ignore[valid-type]
        description="Time horizon.", json_schema_extra={"x-vocabulary": "horizon"}
    )


class Section(Strict):
    """Gated content: shown in full from its tier up, as a lock card below it."""

    tier: TierId = Field(
        description="'public' or a tier id from the config.", json_schema_extra={"x-vocabulary": "tiers"}
    )
    title: Text = Field(description="Heading, shown on the lock card too.")
    teaser: Text | None = Field(None, description="Optional line shown on the lock card.")
    body: list[Paragraph] = Field(min_length=1, description="Paragraphs; inline Markdown.")
    sources: list[Source] = Field(
        default_factory=list, description="Sources gated with the section; numbered after the brief's."
    )


class Brief(Strict):
    """One signal brief."""

    id: Slug | None = Field(None, description="Lowercase slug, unique; defaults to the file name.")
    date: IsoDate = Field(description="Date of the brief, YYYY-MM-DD.")
    draft: Flag = Field(False, description="Drafts are left out of builds unless --drafts.")
    signal: Text = Field(description="The signal in one line.")
    dek: Text | None = Field(
        None, description="Optional standfirst under the title; also the page's description (else the summary)."
    )
    type: vocabulary_term("type") = Field(  # type: ignore[valid-type]
        description="Signal type.", json_schema_extra={"x-vocabulary": "type"}
    )
    regions: list[Region] = Field(min_length=1, description="ISO 3166-1 alpha-2 codes, or EU.")
    market_class: vocabulary_term("market_class") = Field(  # type: ignore[valid-type]
        description="Market class.", json_schema_extra={"x-vocabulary": "market_class"}
    )
    confidence: Confidence = Field(description="Confidence score, grade and basis.")
    summary: Text = Field(description="The summary paragraph.")
    takeaway: Text | None = Field(
        None, description="Optional 'why it matters' line, shown highlighted before the body."
    )
    body: list[Paragraph] = Field(min_length=1, description="Paragraphs; inline Markdown, no raw HTML.")
    operating_surface: list[Text] = Field(default_factory=list, description="Where the signal acts.")
    market_context: MarketContext | None = Field(None, description="Market context block.")
    watch_list: list[Text] = Field(default_factory=list, description="What to watch.")
    sources: list[Source] = Field(default_factory=list, description="Sources cited as [1], [2], ...")
    see_also: list[Slug] = Field(default_factory=list, description="Ids of related briefs.")
    sections: list[Section] = Field(default_factory=list, description="Gated member sections.")

    def texts(self) -> list[tuple[tuple[str | int, ...], Text]]:
        """Every text of the brief with its field path, in document order."""
        found: list[tuple[tuple[str | int, ...], Text]] = []
        _collect_texts(self, (), found)
        return found

    def links(self) -> tuple[str, ...]:
        """Every brief id this brief links to: its see_also list, then its paragraphs' (sections' too)."""
        paragraphs = [*self.body, *(p for section in self.sections for p in section.body)]
        return tuple(dict.fromkeys([*self.see_also, *(p.see_also for p in paragraphs if p.see_also)]))


def _collect_texts(value: object, path: tuple, found: list) -> None:
    if isinstance(value, Text):
        found.append((path, value))
    elif isinstance(value, Strict):
        # A model's fields are its __dict__, in declared order; only models and lists can hold texts.
        for name, item in value.__dict__.items():
            if isinstance(item, Strict | list):
                _collect_texts(item, (*path, name), found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, Strict | list):
                _collect_texts(item, (*path, i), found)


@dataclass(frozen=True, slots=True)  # one per brief, kept for the whole build: no dict each
class Card:
    """What lists show of a brief (index pages, feeds, other briefs' see also): small enough to keep
    for every brief of a large publication while the full briefs are read one at a time."""

    date: datetime.date
    draft: bool
    signal: Text
    summary: Text
    type: str
    regions: tuple[str, ...]
    see_also: tuple[str, ...]  # every brief it links to (so its pages are rebuilt when one changes)
    market_class: str  # browse pages list by it
    score: float  # the confidence score: lists show its grade

    @classmethod
    def of(cls, brief: Brief) -> Card:
        regions, see_also = tuple(brief.regions), brief.links()
        card = (brief.date, brief.draft, brief.signal, brief.summary, brief.type, regions, see_also)
        return cls(*card, brief.market_class, brief.confidence.score)

    def plain(self) -> list:
        """The card as plain values (for JSON, and for hashing into build keys)."""
        texts = [t.plain() for t in (self.signal, self.summary)]
        listed = [self.type, list(self.regions), list(self.see_also), self.market_class, self.score]
        return [self.date.isoformat(), self.draft, *texts, *listed]


class CheckedBrief(Protocol):
    """A brief that passed every check, as the output formats take it (`validate.LoadedBrief` is one)."""

    id: str
    digest: str  # a hash of the file's content
    card: Card
    card_key: str  # `cache.card_key` of the card's `plain()` values, where already known; else ""

    @property
    def brief(self) -> Brief: ...


# (field path, language written, language lacking, the written text) of a text lacking a language
Need_ = tuple[tuple[str | int, ...], str, str, str]
