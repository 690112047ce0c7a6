"""Load the plugins: signalbrief's own (`DEFAULT_PLUGINS`), then those installed by entry point."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from functools import cache

import pluggy

from signalbrief import hookspecs
from signalbrief.errors import SignalbriefError

ENTRY_POINT_GROUP = "signalbrief"
# signalbrief's own behaviour, registered through the same hooks as any plugin.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "signalbrief.languages_builtin",
    "signalbrief.languages_zh_hant",
    "signalbrief.formats.builtin",
    "signalbrief.editions",
)


class PluginError(SignalbriefError):
    """A plugin that cannot be loaded, or registers something that clashes."""


@cache
def plugin_manager() -> pluggy.PluginManager:
    """The plugin manager of this process, with every plugin registered."""
    manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        manager.register(importlib.import_module(name), name)
    for name, value in _finder(ENTRY_POINT_GROUP):
        if manager.get_plugin(name) is None and not manager.is_blocked(name):
            manager.register(_load(name, value), name=name)
    return manager


Finder = Callable[[str], list[tuple[str, str]]]  # an entry point group -> (name, value) of each entry point


def from_metadata(group: str) -> list[tuple[str, str]]:
    """The entry points of a group, as the installed packages' metadata declares them."""
    from importlib.metadata import entry_points

    return [(entry.name, entry.value) for entry in entry_points(group=group)]


_finder: Finder = from_metadata


def find_installed_with(finder: Finder) -> None:
    """Choose how installed plugins are found (the `signalbrief` program remembers them: see
    `signalbrief.installed`); takes effect for the next `plugin_manager`."""
    global _finder
    _finder = finder
    plugin_manager.cache_clear()


# An entry point's value, as importlib.metadata reads it: `module`, `module:attribute.path`, extras.
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


def _load(name: str, value: str) -> object:
    """The object an entry point names (as `EntryPoint.load` finds it)."""
    try:
        match = _VALUE.match(value)
        if match is None:
            raise ValueError("not a module or module:attribute")
        found = importlib.import_module(match["module"])
        return functools.reduce(getattr, filter(None, (match["attr"] or "").split(".")), found)
    except Exception as exc:  # a third party's error: one line naming the plugin, never a traceback
        raise PluginError(f"plugin {name!r} ({value}) failed to load: {exc}") from exc


def hook() -> pluggy.HookRelay:
    """The hooks to call, e.g. `hook().signalbrief_output_formats()`."""
    return plugin_manager().hook


def plugin_names() -> list[str]:
    """Every registered plugin, signalbrief's own first."""
    return [name for name, _ in plugin_manager().list_name_plugin() if name is not None]
