"""A plugin package (tests/plugin_demo), installed for real with pip, adds an output format to
`signalbrief build` without any change to signalbrief; the gating rule holds in its files too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent / "plugin_demo"
EDITIONS = ("public", "strategy-circle", "leadership-alliance")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The demo package installed by pip into a folder of its own (from a copy: pip builds in place)."""
    scratch = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(DEMO, scratch / "source")
    target = scratch / "installed"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index"]
    done = subprocess.run([*pip, "--target", str(target), str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return target


def signalbrief(installed: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    paths = [str(installed), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    command = [sys.executable, "-m", "signalbrief", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env)


def test_an_installed_plugin_adds_a_format_to_every_edition(installed, publication):
    root = publication()
    done = signalbrief(installed, root, "build", "--allow-untranslated")
    assert done.returncode == 0, done.stderr
    site = root / "site"
    for edition in EDITIONS:
        for view in ("en", "zh"):
            assert (site / edition / view / "alpha.txt").is_file(), (edition, view)
        assert not (site / edition / "bi" / "alpha.txt").exists()
    public = (site / "public/en/alpha.txt").read_text(encoding="utf-8")
    assert public.startswith("US and UK sign AI safety testing memorandum\n")
    assert "Deeper Trend Context" in public and "Member text" not in public  # a lock card's title only
    assert "Member text" in (site / "strategy-circle/en/alpha.txt").read_text(encoding="utf-8")
    assert (site / "public/en/alpha/index.html").is_file()  # signalbrief's own formats are still built


def test_the_plugin_format_is_a_group_of_its_own(installed, publication):
    root = publication()
    done = signalbrief(installed, root, "build", "--allow-untranslated", "--format", "text", "--lang", "en")
    assert done.returncode == 0, done.stderr
    files = sorted(str(p.relative_to(root / "site")) for p in (root / "site").rglob("*.*"))
    assert files == [".signalbrief-output", *sorted(f"{e}/en/{b}.txt" for e in EDITIONS for b in ("alpha", "beta"))]


def test_without_the_plugin_its_group_is_unknown(publication):
    done = signalbrief(Path("/nonexistent"), publication(), "build", "--format", "text")
    assert done.returncode == 2
    assert "'text' is not one of html, md" in done.stderr
