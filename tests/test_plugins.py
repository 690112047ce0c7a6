"""Plugins: signalbrief's own behaviour and third-party packages load through the same pluggy hooks."""

from __future__ import annotations

import pytest

from signalbrief import plugins


def install_plugin(folder, name: str, source: str) -> None:
    """Install a one-module plugin package into `folder` as pip would: the module and its dist-info."""
    (folder / f"{name}.py").write_text(source, encoding="utf-8")
    info = folder / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[signalbrief]\n{name} = {name}\n", encoding="utf-8")


def test_an_installed_plugin_is_found_by_its_entry_point(tmp_path, monkeypatch, fresh_plugins):
    install_plugin(
        tmp_path,
        "sb_demo_jinja",
        "from signalbrief.hookspecs import hookimpl\n\n"
        "@hookimpl\ndef signalbrief_jinja_environment(env, markdown):\n    env.globals['demo'] = 'from a plugin'\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "sb_demo_jinja" in plugins.plugin_names()
    env: dict = {}

    class Env:
        globals = env

    plugins.hook().signalbrief_jinja_environment(env=Env, markdown=False)
    assert env == {"demo": "from a plugin"}


def test_a_plugin_that_fails_to_import_is_one_clear_error(tmp_path, monkeypatch, fresh_plugins):
    install_plugin(tmp_path, "sb_demo_broken", "raise ImportError('missing dependency')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(plugins.PluginError, match=r"plugin 'sb_demo_broken' .*missing dependency"):
        plugins.plugin_manager()


def test_every_default_plugin_is_registered_first(fresh_plugins):
    names = plugins.plugin_names()
    assert names[: len(plugins.DEFAULT_PLUGINS)] == list(plugins.DEFAULT_PLUGINS)


def test_a_plugin_adds_a_template_filter_to_both_environments(tmp_path, monkeypatch, fresh_plugins):
    install_plugin(
        tmp_path,
        "sb_demo_filter",
        "from signalbrief.hookspecs import hookimpl\n\n"
        "@hookimpl\ndef signalbrief_jinja_environment(env, markdown):\n"
        "    env.filters['shout'] = lambda text: text.upper() + ('!' if markdown else '?')\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from signalbrief.render import make_environment

    assert make_environment(None).from_string("{{ 'brief' | shout }}").render() == "BRIEF?"
    assert make_environment(None, markdown=True).from_string("{{ 'brief' | shout }}").render() == "BRIEF!"


def test_a_plugin_filter_reaches_the_built_pages(tmp_path, monkeypatch, fresh_plugins, publication, run):
    install_plugin(
        tmp_path,
        "sb_demo_env",
        "from signalbrief.hookspecs import hookimpl\n\n"
        "@hookimpl\ndef signalbrief_jinja_environment(env):\n    env.globals['desk'] = 'Signal Desk 7'\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    root = publication()
    (root / "templates").mkdir()
    (root / "templates" / "brief.html").write_text(
        '{% extends "default:brief.html" %}{% block footer %}{{ desk }}{{ super() }}{% endblock %}', encoding="utf-8"
    )
    result = run(root, "build", "--allow-untranslated", "--edition", "public", "--lang", "en", "--format", "html")
    assert result.exit_code == 0, result.output
    assert "Signal Desk 7" in (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")


def test_a_failing_template_plugin_is_one_line_naming_it(tmp_path, monkeypatch, fresh_plugins, publication, run):
    install_plugin(
        tmp_path,
        "sb_demo_bad_env",
        "from signalbrief.hookspecs import hookimpl\n\n"
        "@hookimpl\ndef signalbrief_jinja_environment(env, markdown):\n    raise KeyError('no such filter')\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    root = publication()
    result = run(root, "build", "--allow-untranslated", "--edition", "public", "--lang", "en", "--format", "html")
    assert result.exit_code != 0
    assert "sb_demo_bad_env" in result.output and "Traceback" not in result.output
    assert not (root / "site/public/en/alpha/index.html").exists()


BROKEN_FORMAT = """
from signalbrief.formats import OutputFormat
from signalbrief.hookspecs import hookimpl


class Broken(OutputFormat):
    name = "broken-{where}"
    group = "broken"
    per_brief = {per_brief}

    def brief_files(self, brief):
        yield f"{{brief.base}}.broken", "ok"
        if "{where}" == "brief":
            raise ZeroDivisionError("the plugin divided by zero")

    def edition_key(self, edition):
        return "{where}" if "{where}" == "edition" else None

    def edition_files(self, edition):
        raise LookupError("no such list")


@hookimpl
def signalbrief_output_formats():
    return [Broken]
"""


@pytest.mark.parametrize("where", ["brief", "edition"])
def test_a_failing_plugin_format_is_one_line_naming_it(tmp_path, monkeypatch, fresh_plugins, publication, run, where):
    name = f"sb_demo_broken_{where}"
    install_plugin(tmp_path, name, BROKEN_FORMAT.format(where=where, per_brief=where == "brief"))
    monkeypatch.syspath_prepend(str(tmp_path))
    root = publication()
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == plugins.PluginError.exit_code, result.output
    assert f"broken-{where}" in result.output and f"{name}.Broken" in result.output
    assert "Traceback" not in result.output
    assert not (root / "site").exists()  # nothing half-written is swapped in


@pytest.mark.parametrize("where", ["brief", "edition"])
def test_a_failing_plugin_format_in_a_worker_process_is_the_same_error(
    tmp_path, monkeypatch, fresh_plugins, publication, where
):
    """The render pool's workers make the briefs' files and the edition steps: a plugin's format that
    fails there is the error the build's own process would give."""
    from pathlib import Path

    from signalbrief import build as building

    name = f"sb_demo_broken_worker_{where}"
    install_plugin(tmp_path, name, BROKEN_FORMAT.format(where=where, per_brief=where == "brief"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(building, "PARALLEL_FROM", 1)
    root = publication()
    with pytest.raises(plugins.PluginError) as raised:
        building.build(root, building.BuildOptions(output=Path("site"), jobs=2, allow_untranslated=True))
    assert f"broken-{where}" in str(raised.value) and f"{name}.Broken" in str(raised.value)
    assert not (root / "site").exists()


# A format whose brief files, made in a worker process, first do `{action}` there.
IN_A_WORKER_FORMAT = """
import multiprocessing
import os
import signal
import time

from signalbrief.formats import OutputFormat
from signalbrief.hookspecs import hookimpl


class InAWorker(OutputFormat):
    name = "in-a-worker"
    group = "in-a-worker"
    per_brief = True

    def brief_files(self, brief):
        if multiprocessing.parent_process() is not None:
            {action}
        yield f"{{brief.base}}.txt", "ok"


@hookimpl
def signalbrief_output_formats():
    return [InAWorker]
"""
KILLED = "os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would"
SLOW = 'open(os.environ["SB_TEST_BEGAN"], "a").close(); time.sleep(60)'


# The program, with every build's briefs rendered by two workers.
_IN_WORKERS = """
import signalbrief.build as building
building.PARALLEL_FROM, building.usable_cores = 1, lambda: 2
from signalbrief.cli import main
main()
"""


def test_a_killed_worker_process_ends_the_build_with_one_line_and_the_output_kept(tmp_path, publication):
    """multiprocessing's Pool waited forever for the task of a worker that died; the build now stops
    at once, says so, and leaves the last build's output as it was."""
    import os
    import subprocess
    import sys

    from signalbrief.cores import WorkerLost

    root = publication()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    program = [sys.executable, "-c", _IN_WORKERS, "-C", str(root), "build", "--allow-untranslated"]
    subprocess.run(program, capture_output=True, env=env, check=True, timeout=120)
    before = {p.relative_to(root): p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    install_plugin(plugin, "sb_demo_killed", IN_A_WORKER_FORMAT.format(action=KILLED))
    env["PYTHONPATH"] = str(plugin)
    result = subprocess.run(program, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == WorkerLost.exit_code, result.stderr
    assert "worker process" in result.stderr and "Traceback" not in result.stderr
    assert {p.relative_to(root): p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before


def test_ctrl_c_stops_a_build_whose_workers_are_busy_at_once_without_tracebacks(tmp_path, publication):
    """Ctrl+C reaches the build and its workers (one process group): the task a worker is on stops,
    the build exits 130, no process is left, the output stays as it was."""
    import os
    import signal
    import subprocess
    import sys
    import time

    root = publication()
    plugin, began = tmp_path / "plugin", tmp_path / "began"
    plugin.mkdir()
    install_plugin(plugin, "sb_demo_slow", IN_A_WORKER_FORMAT.format(action=SLOW))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(plugin), "SB_TEST_BEGAN": str(began)}
    program = [sys.executable, "-c", _IN_WORKERS, "-C", str(root), "build", "--allow-untranslated"]
    build = subprocess.Popen(program, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while not began.exists() and time.monotonic() < deadline and build.poll() is None:
        time.sleep(0.05)
    assert began.exists(), "no worker began the slow format"
    started = time.monotonic()
    os.killpg(build.pid, signal.SIGINT)  # as the terminal does
    try:
        stderr = build.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        os.killpg(build.pid, signal.SIGKILL)
        raise AssertionError("Ctrl+C did not stop the build") from None
    assert build.returncode == 130, stderr
    assert time.monotonic() - started < 10 and "Traceback" not in stderr, stderr
    assert not (root / "site").exists()
    with pytest.raises(ProcessLookupError):  # its workers are gone too
        for _ in range(50):
            os.killpg(build.pid, 0)
            time.sleep(0.1)


def test_a_plugin_s_error_crosses_from_a_worker_process():
    import pickle

    error = plugins.PluginError("output format 'x' (m.X) failed: ValueError: bad")
    assert str(pickle.loads(pickle.dumps(error))) == str(error)
