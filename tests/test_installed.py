"""The `signalbrief` program finds installed plugins as it last found them, while no package was
installed or removed (`signalbrief.installed`)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from signalbrief import installed, plugins
from tests.test_plugins import install_plugin

HOOK = "from signalbrief.hookspecs import hookimpl\n"
OLD = 1_600_000_000_000_000_000  # 2020: a time stamp long settled


@pytest.fixture
def asked(tmp_path, monkeypatch) -> list[str]:
    """Each group the installed packages' metadata is asked for; the user's cache folder is fresh."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    groups: list[str] = []

    def spy(group):
        groups.append(group)
        return plugins.from_metadata(group)

    monkeypatch.setattr(installed, "from_metadata", spy)
    return groups


def _settled(monkeypatch) -> None:
    """Every folder on sys.path as if nothing was installed in the last seconds."""

    def packages(folder, real=installed._packages):
        found = real(folder)
        return None if found is None else [(name, OLD) for name, _ in found]

    monkeypatch.setattr(installed, "_packages", packages)


def _age(site) -> None:
    """Make the packages installed in `site` as if installed long ago."""
    for info in site.glob("*.dist-info"):
        os.utime(info, ns=(OLD, OLD))


def test_entry_points_are_remembered_until_a_package_is_installed(tmp_path, monkeypatch, asked):
    site = tmp_path / "site-packages"
    site.mkdir()
    install_plugin(site, "sb_first", HOOK)
    monkeypatch.syspath_prepend(str(site))
    _age(site)
    assert ("sb_first", "sb_first") in installed.remembered("signalbrief")
    assert ("sb_first", "sb_first") in installed.remembered("signalbrief")
    assert asked == ["signalbrief"]  # the second time from the user's cache folder
    install_plugin(site, "sb_second", HOOK)  # a new .dist-info folder
    _age(site)
    found = installed.remembered("signalbrief")
    assert {("sb_first", "sb_first"), ("sb_second", "sb_second")} <= set(found)
    assert asked == ["signalbrief"] * 2
    (site / "sb_second-0.1.dist-info").rename(site / "sb_second-0.2.dist-info")  # an upgrade
    _age(site)
    installed.remembered("signalbrief")
    assert asked == ["signalbrief"] * 3


def test_other_changes_to_a_folder_on_the_path_keep_what_was_found(tmp_path, monkeypatch, asked):
    """`python -m signalbrief` puts the folder it runs in on sys.path, and a build there swaps its
    output in: that is no package installed."""
    here = tmp_path / "publication"
    here.mkdir()
    install_plugin(here, "sb_here", HOOK)
    _age(here)
    monkeypatch.syspath_prepend(str(here))
    first = installed.remembered("signalbrief")
    (here / "site").mkdir()
    (here / "notes.txt").write_text("a new file", encoding="utf-8")
    assert installed.remembered("signalbrief") == first
    assert asked == ["signalbrief"]


def test_running_in_one_publication_then_another_keeps_what_was_found(tmp_path, monkeypatch, asked):
    """`python -m signalbrief` run in one publication folder, then in another: neither holds a package,
    and the user's cache file (one for the environment) holds for both."""
    _settled(monkeypatch)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    monkeypatch.setattr(sys, "path", [str(first), *sys.path])
    found = installed.remembered("signalbrief")
    sys.path[0] = str(second)
    assert installed.remembered("signalbrief") == found
    sys.path[0] = str(first)
    assert installed.remembered("signalbrief") == found
    assert asked == ["signalbrief"]
    install_plugin(second, "sb_there", HOOK)  # a folder that gains a package is looked at again
    sys.path[0] = str(second)
    assert ("sb_there", "sb_there") in installed.remembered("signalbrief")
    assert asked == ["signalbrief"] * 2


def test_a_folder_changed_in_the_last_seconds_is_not_trusted(tmp_path, monkeypatch, asked):
    site = tmp_path / "site-packages"
    site.mkdir()
    install_plugin(site, "sb_fresh", HOOK)
    monkeypatch.syspath_prepend(str(site))  # written just now: within the same tick, another install could hide
    installed.remembered("signalbrief")
    installed.remembered("signalbrief")
    assert asked == ["signalbrief"] * 2


@pytest.mark.parametrize("content", [b"not json", b'{"key": 1}', b"[]", None])
def test_a_damaged_file_is_asked_again_and_written_anew(monkeypatch, asked, content):
    _settled(monkeypatch)
    first = installed.remembered("signalbrief")
    file = installed._cache_file()
    if content is None:  # the right key, entry points of the wrong shape
        content = file.read_bytes().replace(b'"entry_points": [', b'"entry_points": [7, ', 1)
    file.write_bytes(content)
    assert installed.remembered("signalbrief") == first
    assert installed.remembered("signalbrief") == first
    assert asked == ["signalbrief"] * 2


def test_without_a_writable_cache_folder_plugins_are_still_found(tmp_path, monkeypatch, asked):
    (tmp_path / "cache").write_text("a file where the cache folder would be", encoding="utf-8")
    _settled(monkeypatch)
    assert installed.remembered("signalbrief") == installed.remembered("signalbrief")
    assert asked == ["signalbrief"] * 2


def test_without_a_home_folder_nothing_is_kept(tmp_path, monkeypatch, asked):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HOME")
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # no home folder known either
    monkeypatch.chdir(tmp_path)
    _settled(monkeypatch)
    assert installed.remembered("signalbrief") == installed.remembered("signalbrief")
    assert asked == ["signalbrief"] * 2 and list(tmp_path.iterdir()) == []


def test_an_entry_point_names_a_module_or_an_object_in_it(fresh_plugins, monkeypatch):
    import json

    monkeypatch.setattr(plugins, "_finder", lambda group: [("sb_module", "json"), ("sb_object", "json : decoder")])
    assert plugins.plugin_manager().get_plugin("sb_module") is json
    assert plugins.plugin_manager().get_plugin("sb_object") is json.decoder
    monkeypatch.setattr(plugins, "_finder", lambda group: [("sb_bad", "not a value!")])
    plugins.plugin_manager.cache_clear()
    with pytest.raises(plugins.PluginError, match=r"plugin 'sb_bad' \(not a value!\) failed to load"):
        plugins.plugin_manager()


_LEAVING = """
import sys
import signalbrief.cli as cli
real = cli._leave_now
cli._leave_now = lambda: print("importlib.metadata" in sys.modules, file=sys.__stdout__) or real()
cli.main()
"""


def test_the_program_s_second_build_asks_no_package_metadata(publication, tmp_path):
    """Nor does pydantic, looking for its plugins when it first checks a brief (the program rules them
    out): a build that checks an edited brief imports no importlib.metadata either."""
    root = publication()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    here = tmp_path / "here"  # `python -c` imports from the folder it runs in: one with a settled time stamp
    here.mkdir()
    os.utime(here, ns=(OLD, OLD))
    command = [sys.executable, "-c", _LEAVING, "-C", str(root), "build", "--allow-untranslated"]
    runs = [subprocess.run(command, capture_output=True, text=True, env=env, cwd=here, check=True) for _ in range(2)]
    beta = root / "briefs/beta.yaml"
    beta.write_text(beta.read_text(encoding="utf-8").replace("Body.", "Body, edited."), encoding="utf-8")
    runs.append(subprocess.run(command, capture_output=True, text=True, env=env, cwd=here, check=True))
    assert "built 2 briefs" in runs[2].stderr and "0.0" not in runs[2].stderr.split(" in ")[-1][:3]
    assert [run.stdout for run in runs] == ["True\n", "False\n", "False\n"], runs[2].stderr


def test_the_program_validates_without_pydantic_plugins(publication, tmp_path):
    site = tmp_path / "site-packages"
    site.mkdir()
    marker = tmp_path / "loaded"
    spy = f"open({str(marker)!r}, 'w').close()\n\ndef new_schema_validator(*args, **kwargs):\n    return None, None, None\n"
    install_plugin(site, "sb_pydantic_spy", spy)
    info = site / "sb_pydantic_spy-0.1.dist-info" / "entry_points.txt"
    info.write_text("[pydantic]\nspy = sb_pydantic_spy\n", encoding="utf-8")  # a plugin of pydantic's, not ours
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    program = [sys.executable, "-c", "from signalbrief.cli import main; main()", "-C", str(publication())]
    # A build reads each brief with the models (validators are made when first used, not on import).
    subprocess.run([*program, "build", "--allow-untranslated"], capture_output=True, text=True, env=env, check=True)
    assert not marker.exists()
    check = "from signalbrief.model import Brief; Brief.model_rebuild(force=True)"  # outside the program: loaded
    subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, check=True)
    assert marker.exists()
