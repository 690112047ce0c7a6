"""Field types shared by the brief format and the publication config.

Each type takes the loader's plain data (strings, `Scalar`s for values YAML 1.1 would have typed,
`MachineText` for `!mt` values) and either accepts it exactly as written or raises an error that
says how to write it. Nothing is coerced.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Annotated, Any, Protocol, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from signalbrief.errors import Location, Problem, error
from signalbrief.values import Path_, Scalar, dotted

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DECIMAL = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]+)?$|^\.[0-9]+$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
KINDS = {"bool": "true/false", "int": "number", "float": "number", "timestamp": "date", "null": "null"}


def fail(error_type: str, message: str) -> PydanticCustomError:
    """An error for pydantic to report at the field being validated, with our own message."""
    return PydanticCustomError(error_type, "{message}", {"message": message})


class Strict(BaseModel):
    """A frozen model that accepts only the keys it declares and only exact types."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", defer_build=True)

    @classmethod
    def keys(cls) -> list[str]:
        """The keys a mapping of this model may have (error messages list them)."""
        return [info.alias or name for name, info in cls.model_fields.items() if not info.exclude]

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        # `key:` with nothing after it means "not given", so defaults and "is required" apply.
        if isinstance(data, dict):
            known = _declared_keys(cls)
            return {k: v for k, v in data.items() if not (k in known and isinstance(v, Scalar) and v.kind == "null")}
        return data


@cache
def _declared_keys(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(info.alias or name for name, info in model.model_fields.items())


def _prose(value: Any) -> Any:
    if isinstance(value, Scalar):
        raise fail(
            "quote_it",
            f'{value.raw} would be read as {KINDS[value.kind]} by YAML 1.1, not as text; quote it: "{value.raw}"',
        )
    return value


def _name(value: Any) -> Any:
    """Read an identifier exactly as written: a plain `NO` is the region code NO."""
    if isinstance(value, Scalar):
        return value.raw
    return value


def _slug(value: str) -> str:
    if len(value) > 80:
        raise fail("slug", f"{value!r} is longer than 80 characters")
    if not SLUG.match(value):
        raise fail(
            "slug",
            f"{value!r} is not a valid id: use lowercase letters, digits and single hyphens "
            "(like us-uk-ai-safety-testing)",
        )
    return value


def _score(value: Any) -> Any:
    if isinstance(value, Scalar) and value.kind in ("int", "float") and DECIMAL.match(value.raw):
        return float(value.raw)
    if isinstance(value, Scalar | str):
        raise fail("score", f"{str(value)!r} is not a plain decimal number; write it like 0.85")
    return value


def _in_unit_range(value: float) -> float:
    if value > 1.0:
        raise fail("range", f"{value} is above 1.0")
    if value < 0.0:
        raise fail("range", f"{value} is below 0.0")
    return value


def _date(value: Any) -> Any:
    if (isinstance(value, Scalar) and value.kind != "timestamp") or not isinstance(value, Scalar | str):
        raise fail("date", f"{_shown(value)} is not a date; write it as YYYY-MM-DD")
    raw = str(value)
    if not ISO_DATE.match(raw):
        raise fail("date", f"{raw!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise fail("date", f"{raw} is not a real date") from None


def _shown(value: Any) -> str:
    if isinstance(value, Scalar | str):
        return repr(str(value))
    return "a list" if isinstance(value, list) else "a mapping"


def _flag(value: Any) -> Any:
    if isinstance(value, Scalar) and value.kind == "bool":
        if value.raw in ("true", "false"):
            return value.raw == "true"
        raise fail("flag", f"{value.raw} is ambiguous in YAML; write true or false")
    raise fail("flag", "write true or false")


_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")
# The common URL, an http(s) scheme and an ASCII host, which urlsplit would take: not parsed again.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][^\s\x00-\x1f\x7f<>\"'`\\]*)?")


def _url(value: str) -> str:
    if _PLAIN_URL.fullmatch(value):
        return value
    parts = urlsplit(value)
    if _URL_FORBIDDEN.search(value) or parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail("url", f"{value!r} is not an http or https URL (spaces, quotes and <> must be %-encoded)")
    return value


def _link(value: str) -> str:
    """Accept an http(s) URL or a site-relative path such as /join/."""
    if value.startswith("/") and not value.startswith("//") and not _URL_FORBIDDEN.search(value):
        return value
    return _url(value)


# An address as every mail server takes it: an ASCII dot-atom local part and a domain name with a dot.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z][A-Za-z0-9-]{{0,62}}")
_MAILBOX = re.compile(r"(?P<name>[^<>\"\\\r\n]*?)\s*<(?P<address>[^<>\s]*)>")


def address_problem(value: str) -> str | None:
    """Why a text is not a plain email address (`name@example.org`); None when it is one."""
    if len(value) > 254 or not _ADDRESS.fullmatch(value):
        return f"{value!r} is not an email address like name@example.org"
    return None


def mailbox_parts(value: str) -> tuple[str, str]:
    """A checked mailbox, `name@example.org` or `Name <name@example.org>`, as (name, address)."""
    found = _MAILBOX.fullmatch(value.strip())
    return (found["name"].strip(), found["address"]) if found else ("", value.strip())


def _mailbox(value: str) -> str:
    address = mailbox_parts(value)[1]
    if any(char in value for char in "\r\n") or address_problem(address):
        raise fail("email", f"{value!r} is not an email address like name@example.org or Name <name@example.org>")
    return value


def vocabulary_term(vocabulary: str) -> Any:
    """A field whose value must be a term of one of the publication's vocabularies."""

    def check(value: str, info: ValidationInfo) -> str:
        allowed = (info.context or {}).get("vocabularies", {}).get(vocabulary)
        if allowed is not None and value not in allowed:
            raise unknown_term(value, list(allowed))
        return value

    return Annotated[str, BeforeValidator(_name), AfterValidator(check)]


def unknown_term(value: str, allowed: list[str]) -> PydanticCustomError:
    hint = suggest(value, allowed)
    return fail("term", f"{value!r} is not allowed{hint}; allowed: {', '.join(allowed)}")


def suggest(value: str, choices: list[str]) -> str:
    """Return ` (did you mean 'x'?)` for a near miss, else an empty string."""
    found = closest(value, choices)
    return f" (did you mean {found!r}?)" if found is not None else ""


def closest(value: str, choices: list[str]) -> str | None:
    """The choice a mistyped value most likely means, if any is near enough."""
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return lowered[value.lower()]
    import difflib  # only for a value that is wrong

    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return close[0] if close else None


Prose = Annotated[str, BeforeValidator(_prose)]
Name = Annotated[str, BeforeValidator(_name)]
Slug = Annotated[
    str,
    BeforeValidator(_name),
    AfterValidator(_slug),
    Field(json_schema_extra={"pattern": SLUG.pattern, "maxLength": 80}),
]
Score = Annotated[
    float,
    BeforeValidator(_score),
    AfterValidator(_in_unit_range),
    Field(json_schema_extra={"minimum": 0, "maximum": 1}),
]
IsoDate = Annotated[date, BeforeValidator(_date)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Url = Annotated[str, BeforeValidator(_prose), AfterValidator(_url)]
Link = Annotated[str, BeforeValidator(_prose), AfterValidator(_link)]
Mailbox = Annotated[str, BeforeValidator(_prose), AfterValidator(_mailbox)]


class Located(Protocol):
    """What reading a model needs of a loaded file (the loader's `Document`): its data, and where
    each field was written."""

    data: object

    def locate(self, path: Path_, *, key: bool = False) -> Location: ...


def read_model(model: type[BaseModel], document: Located, context: dict) -> tuple[Any, list[Problem]]:
    """Validate a loaded document against a model; return the object or every problem found."""
    try:
        return model.model_validate(document.data, context=context), []
    except ValidationError as exc:
        errors = _without_misspelt(model, exc.errors(include_url=False))
        return None, [_problem(model, document, err) for err in errors]


def _without_misspelt(model: type[BaseModel], errors: list) -> list:
    """Leave out "is required" for a key whose misspelling is reported as unknown (`sumary:`)."""
    meant = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(err["loc"])
            key = closest(str(loc[-1]), list(_fields_at(model, loc[:-1])))
            meant.add((*loc[:-1], key))
    return [err for err in errors if not (err["type"] == "missing" and tuple(err["loc"]) in meant)]


def _problem(model: type[BaseModel], document: Located, err: Any) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        known = list(_fields_at(model, loc[:-1]))
        hint = suggest(str(loc[-1]), known) or f"; expected one of: {', '.join(known)}"
        return error(document.locate(loc, key=True), dotted(loc), f"unknown key{hint}")
    if kind == "missing":
        return error(document.locate(loc[:-1]), dotted(loc), "is required")
    return error(document.locate(loc), dotted(loc), _message(kind, err))


def _message(kind: str, err: Any) -> str:
    value = err.get("input")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, got {_describe(value)}"
    if kind == "list_type":
        return f"expected a list (one `- item` per line), got {_describe(value)}"
    if kind == "string_type":
        return f"expected text, got {_describe(value)}"
    if kind == "too_short":
        return "needs at least one item"
    return err["msg"]


def _describe(value: Any) -> str:
    if isinstance(value, Scalar):
        return f"{value.raw!r}" if value.raw else "nothing"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _fields_at(model: type[BaseModel], loc: tuple) -> dict:
    """The declared keys of the model found by following a location into nested models."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return {}
        current = _inner_model(fields[part].annotation)
    keys = current.keys() if isinstance(current, type) and issubclass(current, Strict) else []
    return dict.fromkeys(keys)


def _inner_model(annotation: Any) -> Any:
    """Find the model class inside `Model | None`, `list[Model]` or `dict[str, Model]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(get_args(annotation)):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
