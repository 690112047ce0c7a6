"""The common brief, checked as the loader's plain data without running pydantic.

Most briefs are valid; for them, walking the plain data with the model's own field tables (keys,
required fields, the validator functions of each field type, read from the pydantic models) costs a
fraction of pydantic's validation. Whatever this check does not accept as it is, pydantic checks
(`fields.read_model`), so every problem keeps its message and position: this check may refuse more
than the model, never less.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import MinLen
from pydantic import AfterValidator, BeforeValidator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from signalbrief.fields import Strict
from signalbrief.grading import band_for
from signalbrief.languages import written_codes
from signalbrief.model import Brief, Card, Confidence, Text
from signalbrief.values import Path_, Scalar

# Every validator of the models read here, by model: each is mirrored below (see `_model`, `_text`
# and `_Reader.grade`); a test fails when a model gains one this module does not know.
MIRRORED = {
    "Strict": {"_drop_empty"},
    "Text": {"_drop_empty", "_not_empty"},
    "Paragraph": {"_drop_empty", "_not_empty", "_one_id"},  # a list for see_also fails its text check
    "Confidence": {"_drop_empty", "_grade_agrees"},
}

Texts = list[tuple[Path_, dict[str, str]]]  # (field path, words by language) of each text, in model order
Read = Callable[["_Reader", object, Path_], Any]


class Refused(Exception):
    """Not accepted as it is: the model checks it and says why."""


def quick_read(data: object, context: dict) -> tuple[Card, Texts] | None:
    """The card and texts of a brief that the model would accept as written; None when unsure."""
    try:
        return _Reader(context).brief(data)
    except (Refused, PydanticCustomError, ValueError):
        return None


class _Reader:
    """One brief's walk: the publication's context, and the texts and paragraph links met so far."""

    def __init__(self, context: dict):
        self.info = types.SimpleNamespace(context=context)  # what validators taking `info` read
        self.codes = frozenset(written_codes())
        self.texts: Texts = []
        self.links: list[str] = []  # each paragraph's see_also, in model order

    def brief(self, data: object) -> tuple[Card, Texts]:
        fields = self.model(Brief, data, ())
        words = {name: Text.model_construct(**fields[name]) for name in ("signal", "summary")}
        links = tuple(dict.fromkeys([*fields.get("see_also", ()), *self.links]))
        card = Card(
            fields["date"],
            fields.get("draft", False),
            words["signal"],
            words["summary"],
            fields["type"],
            tuple(fields["regions"]),
            links,
            fields["market_class"],
            fields["confidence"]["score"],
        )
        return card, self.texts

    def model(self, model: type[Strict], data: object, path: Path_) -> dict:
        """The validated fields of a mapping of a model (a known key with a null is "not given", as in the model)."""
        if type(data) is not dict:
            raise Refused
        table, required = _table(model)
        texts, links = len(self.texts), len(self.links)
        fields, last = {}, -1
        for key, value in data.items():
            found = table.get(key)
            if found is None:
                raise Refused
            rank, read = found
            if rank < last:  # written out of the model's order: read again in it, so texts keep that order
                del self.texts[texts:], self.links[links:]
                return self.model(model, dict(sorted(data.items(), key=lambda item: table[item[0]][0])), path)
            last = rank
            if not (type(value) is Scalar and value.kind == "null"):
                fields[key] = read(self, value, (*path, key))
        if not required <= fields.keys():
            raise Refused
        if model is Confidence:
            self.grade(fields)
        return fields

    def grade(self, fields: dict) -> None:
        """A written grade must be the one the score earns (Confidence._grade_agrees)."""
        table = self.info.context.get("grades")
        if "grade" in fields and table is not None and band_for(fields["score"], table).grade != fields["grade"]:
            raise Refused

    def text(self, value: object, path: Path_, own: dict[str, Read]) -> dict[str, str]:
        """A text's words, as Text reads a mapping of plain strings; a paragraph's link is noted."""
        if type(value) is not dict:
            raise Refused
        words = value if value.keys() <= self.codes else self.words_beside(value, path, own)
        filled = False
        for item in words.values():
            if type(item) is not str:
                raise Refused  # tagged !mt, null or typed: the model sorts it out
            filled = filled or (item != "" and not item.isspace())
        if not filled:
            raise Refused
        self.texts.append((path, words))
        return words

    def words_beside(self, value: dict, path: Path_, own: dict[str, Read]) -> dict[str, str]:
        """The words of a text that has other keys: each must be one of its own (a paragraph's see_also)."""
        words = {}
        for key, item in value.items():
            if key in self.codes:
                words[key] = item
            elif key in own and type(item) is str:
                self.links.append(own[key](self, item, (*path, key)))
            else:
                raise Refused
        return words


@cache
def _table(model: type[Strict]) -> tuple[dict[str, tuple[int, Read]], frozenset[str]]:
    """Each key a mapping of the model may have, with its rank in declared order and its reader; the required keys."""
    fields = model.model_fields
    table = {
        info.alias or name: (rank, _reader(info.annotation, tuple(info.metadata)))
        for rank, (name, info) in enumerate(fields.items())
    }
    return table, frozenset(info.alias or name for name, info in fields.items() if info.is_required())


def _reader(annotation: Any, metadata: tuple) -> Read:
    """How to read a value of a field's type, from its annotation and the constraints beside it."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        arms = [arm for arm in get_args(annotation) if arm is not type(None)]
        if len(arms) != 1:
            raise TypeError(f"no quick reader for {annotation}")
        return _reader(arms[0], metadata)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _reader(base, (*extra, *metadata))
    if isinstance(annotation, type) and issubclass(annotation, Text):
        return _text_reader(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return lambda reader, value, path: reader.model(annotation, value, path)
    if origin is list:
        return _list_reader(_reader(get_args(annotation)[0], ()), metadata)
    return _value_reader(annotation, metadata)


def _text_reader(model: type[Text]) -> Read:
    fields = model.model_fields
    own = {key: _reader(fields[key].annotation, tuple(fields[key].metadata)) for key in model.own_keys()}
    return lambda reader, value, path: reader.text(value, path, own)


def _list_reader(item: Read, metadata: tuple) -> Read:
    least = 0
    for constraint in metadata:
        if not isinstance(constraint, MinLen):
            raise TypeError(f"no quick reader for the list constraint {constraint!r}")
        least = constraint.min_length

    def read(reader: _Reader, value: object, path: Path_) -> list:
        if type(value) is not list or len(value) < least:
            raise Refused
        return [item(reader, v, (*path, i)) for i, v in enumerate(value)]

    return read


def _value_reader(base: type, metadata: tuple) -> Read:
    """A plain value: the before validators (pydantic runs them last first), the strict type, the after ones."""
    before: list[tuple[Callable, bool]] = []
    after: list[tuple[Callable, bool]] = []
    for step in metadata:
        if isinstance(step, BeforeValidator):
            before.insert(0, (step.func, _takes_info(step.func)))
        elif isinstance(step, AfterValidator):
            after.append((step.func, _takes_info(step.func)))
        elif not (isinstance(step, FieldInfo) and not step.metadata):  # a schema note, no constraint
            raise TypeError(f"no quick reader for {step!r}")

    def read(reader: _Reader, value: object, path: Path_) -> object:
        for func, takes_info in before:
            value = func(value, reader.info) if takes_info else func(value)
        if type(value) is not base:  # strict: no subclass, no conversion
            raise Refused
        for func, takes_info in after:
            value = func(value, reader.info) if takes_info else func(value)
        return value

    return read


def _takes_info(func: Callable) -> bool:
    """Whether pydantic calls a validator with the validation info (it takes a second argument)."""
    return len(inspect.signature(func).parameters) == 2
