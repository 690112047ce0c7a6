"""Load the plugins: signalbrief's own (`DEFAULT_PLUGINS`), then those installed by entry point."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

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
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if manager.get_plugin(entry.name) is None and not manager.is_blocked(entry.name):
            manager.register(_load(entry), name=entry.name)
    return manager


def _load(entry) -> object:
    try:
        return entry.load()
    except Exception as exc:  # a third party's error: one line naming the plugin, never a traceback
        raise PluginError(f"plugin {entry.name!r} ({entry.value}) failed to load: {exc}") from exc


def hook() -> pluggy.HookRelay:
    """The hooks to call, e.g. `hook().signalbrief_output_formats()`."""
    return plugin_manager().hook


def plugin_names() -> list[str]:
    """Every registered plugin, signalbrief's own first."""
    return [name for name, _ in plugin_manager().list_name_plugin() if name is not None]
