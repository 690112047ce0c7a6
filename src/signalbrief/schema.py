"""The JSON Schema (draft 2020-12) of the brief format, with this publication's terms and tiers."""

from __future__ import annotations

from typing import Any

from signalbrief.config import Config
from signalbrief.model import Brief

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def brief_schema(config: Config) -> dict[str, Any]:
    """Return the schema an editor can use for completion and live checking of brief files."""
    schema = Brief.model_json_schema(mode="validation")
    _fill_vocabularies(schema, config.vocabulary_values())
    return {"$schema": DIALECT, **schema, "title": "signalbrief brief"}


def _fill_vocabularies(node: Any, values: dict[str, list[str]]) -> None:
    """Replace each `x-vocabulary` marker with the enum of that vocabulary's terms."""
    if isinstance(node, dict):
        name = node.pop("x-vocabulary", None)
        if name is not None:
            _set_enum(node, values[name])
        for child in node.values():
            _fill_vocabularies(child, values)
    elif isinstance(node, list):
        for child in node:
            _fill_vocabularies(child, values)


def _set_enum(node: dict[str, Any], values: list[str]) -> None:
    if node.get("type") == "array":
        node["items"]["enum"] = values
    elif "anyOf" in node:  # optional field: the string branch gets the enum
        for branch in node["anyOf"]:
            if branch.get("type") == "string":
                branch["enum"] = values
    else:
        node["enum"] = values
