"""The extension points of signalbrief, declared with pluggy (as pytest and Datasette do).

signalbrief's own languages, output formats and edition rules are registered through these same
hooks by its default plugins (`signalbrief.plugins.DEFAULT_PLUGINS`), so the core has no special
cases; a third-party package plugs in by naming a module in the `signalbrief` entry-point group.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("signalbrief")
hookimpl = pluggy.HookimplMarker("signalbrief")


@hookspec
def signalbrief_languages() -> list[Any]:
    """Return the languages this plugin adds (`signalbrief.languages.Language` objects)."""


@hookspec
def signalbrief_output_formats() -> list[Any]:
    """Return the output formats this plugin adds (`signalbrief.formats.OutputFormat` classes)."""


@hookspec
def signalbrief_edition_rules() -> list[Any]:
    """Return the edition rules this plugin adds (`signalbrief.editions.EditionRule` objects)."""


@hookspec
def signalbrief_jinja_environment(env: Any, markdown: bool) -> None:
    """Adjust a template environment (filters, globals) before any template is rendered;
    `markdown` is true for the environment that renders Markdown (no HTML escaping)."""
