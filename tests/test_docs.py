"""Documentation keeps up with the format: every field is described in the schema and the README."""

from __future__ import annotations

from pathlib import Path

from signalbrief.config import Config
from signalbrief.schema import brief_schema

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def properties(schema: dict):
    yield from schema.get("properties", {}).items()
    for definition in schema.get("$defs", {}).values():
        yield from definition.get("properties", {}).items()


def test_every_schema_field_has_a_description():
    undocumented = [name for name, spec in properties(brief_schema(Config())) if not spec.get("description")]
    assert undocumented == []


def test_every_brief_field_is_in_the_readme_example():
    missing = [name for name, _ in properties(brief_schema(Config())) if f"{name}:" not in README]
    assert missing == []


def test_every_command_is_in_the_readme():
    from signalbrief.cli import cli

    missing = [name for name in cli.commands if f"signalbrief {name}" not in README]
    assert missing == []


def test_readme_is_for_users():
    """Short, and with no path a fresh clone does not have."""
    assert len(README.splitlines()) <= 250
    assert "../" not in README


def test_readme_links_point_at_files_in_the_repository():
    import re

    root = Path(__file__).resolve().parent.parent
    targets = re.findall(r"\]\(([^)#]+)\)", README)
    missing = [target for target in targets if not target.startswith("http") and not (root / target).exists()]
    assert targets and missing == []
