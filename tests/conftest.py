from __future__ import annotations

import glob
import os
import shutil
import site
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from signalbrief.cli import cli

# Where tests and every subprocess they start look for models, settings and caches: never the real
# home, where a person's installed translation model would change what the tests see.
HERMETIC = {
    "HOME": "home",
    "XDG_DATA_HOME": "data",
    "XDG_CACHE_HOME": "cache",
    "XDG_CONFIG_HOME": "config",
    "XDG_STATE_HOME": "state",
    "SIGNALBRIEF_MODELS": "models",
    "ARGOS_PACKAGES_DIR": "argos-packages",
    "ARGOS_TRANSLATE_PACKAGE_DIR": "argos-packages",
}
_before_run: dict[str, str] = {}  # the environment pytest started with, given back at the end
_scratch: list[Path] = []


def pytest_configure(config) -> None:
    """Point the home, the XDG folders, the models folder and Argos at one empty folder for this run."""
    _before_run.update(os.environ)
    scratch = Path(tempfile.mkdtemp(prefix="signalbrief-tests-"))
    _scratch.append(scratch)
    # A user's Argos settings (index URL, device, sentence splitter) must not reach the tests either.
    for name in [n for n in os.environ if n.startswith("ARGOS_") or n in ("SNAP", "SNAP_USER_DATA")]:
        del os.environ[name]
    # Keep packages installed with `pip install --user` importable in subprocesses.
    os.environ.setdefault("PYTHONUSERBASE", site.getuserbase())
    for name, folder in HERMETIC.items():
        os.environ[name] = str(scratch / folder)


def pytest_unconfigure(config) -> None:
    """Remove this run's folder and give the environment back."""
    os.environ.clear()
    os.environ.update(_before_run)
    for scratch in _scratch:
        shutil.rmtree(scratch, ignore_errors=True)


REPO = Path(__file__).resolve().parent.parent
PUBLICATION_INPUTS = ("signalbrief.yaml", "glossary.yaml", "briefs", "templates")


def copy_publication(source: Path, target: Path) -> Path:
    """Copy what a publication is made of (not its caches or site) into `target`; return `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PUBLICATION_INPUTS:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name)
        elif (source / name).is_file():
            shutil.copy2(source / name, target / name)
    return target


# A valid brief; tests replace single lines, so the line numbers below are part of the fixture.
VALID = """\
id: alpha
date: 2024-04-01
signal:
  en: US and UK sign AI safety testing memorandum
  zh: 美英签署AI安全测试备忘录
type: policy-agreement
regions: [US, GB]
market_class: case-file
confidence:
  score: 0.92
  grade: A
  basis: direct-public-sources
summary:
  en: The United States and United Kingdom signed a memorandum [1].
body:
  - en: The agreement turns summit commitments into working channels [1].
sources:
  - title: UK and US herald partnership agreement
    url: https://example.org/article
see_also: [beta]
sections:
  - tier: strategy-circle
    title: {en: Deeper Trend Context}
    body:
      - en: Member text [2].
    sources:
      - title: Member source
"""

BETA = """\
date: 2024-04-02
signal: {en: Second}
type: funding
regions: [EU]
market_class: flash
confidence: {score: 0.5, basis: expert-input}
summary: {zh: 第二}
body:
  - en: Body.
"""

TIER = """\
tiers:
  - id: insiders
    name: {en: Insiders, zh: 内部人士}
    access_title: {en: Insider access, zh: 内部权限}
    pitch: {en: Join us., zh: 加入我们。}
    join_label: {en: Join, zh: 加入}
    join_url: /join/
"""


def replace_line(text: str, number: int | tuple[int, int], new: str) -> str:
    """Replace line `number` (1-based), or lines `(first, last)`, of a fixture with `new`."""
    first, last = number if isinstance(number, tuple) else (number, number)
    lines = text.split("\n")
    lines[first - 1 : last] = [new]
    return "\n".join(lines)


@pytest.fixture
def publication(tmp_path: Path):
    """Return a function that writes brief files into a fresh publication and returns its folder."""

    def make(briefs: dict[str, str | bytes] | None = None, config: str | None = None) -> Path:
        root = tmp_path / "pub"
        (root / "briefs").mkdir(parents=True, exist_ok=True)
        for name, content in (briefs if briefs is not None else {"alpha": VALID, "beta": BETA}).items():
            path = root / "briefs" / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        if config is not None:
            (root / "signalbrief.yaml").write_text(config, encoding="utf-8")
        return root

    return make


@pytest.fixture
def run():
    """Run the CLI in a publication folder; return the click Result."""

    def invoke(root: Path, *args: str):
        return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def glossary_packages(tmp_path_factory) -> dict[str, Path]:
    """Tiny real .argosmodel files (en->zh, zh->en), built once per test run."""
    from tests.modelkit import build_packages

    return build_packages(tmp_path_factory.mktemp("argos"))


@pytest.fixture
def models_folder(tmp_path, monkeypatch) -> Path:
    """An empty models folder that signalbrief uses for this test."""
    folder = tmp_path / "models"
    monkeypatch.setenv("SIGNALBRIEF_MODELS", str(folder))
    return folder


@pytest.fixture
def installed_models(models_folder, glossary_packages, run, tmp_path) -> Path:
    """Both glossary models installed with `signalbrief models install --file`."""
    for archive in glossary_packages.values():
        result = run(tmp_path, "models", "install", "--file", str(archive))
        assert result.exit_code == 0, result.stderr
    return models_folder


def small_brief(**fields):
    """A valid `Brief` with the fewest fields, plus `fields` (sections, sources, ...)."""
    from signalbrief.model import Brief

    data = {
        "date": "2024-04-01",
        "signal": {"en": "S"},
        "type": "funding",
        "regions": ["US"],
        "market_class": "flash",
        "confidence": {"score": 0.5, "basis": "expert-input"},
        "summary": {"en": "x"},
        "body": [{"en": "b"}],
    }
    return Brief.model_validate({**data, **fields})


def without_json_ld(html: str) -> str:
    """The page less its JSON-LD script (a brief page has at most one), which must hold no markup
    character (tests/test_share.py), so the rest can be checked for any `<script`."""
    head, script, tail = html.partition('<script type="application/ld+json">')
    if not script:
        return html
    data, end, tail = tail.partition("</script>")
    assert end and not set("<>&") & set(data), data
    return head + tail



@pytest.fixture
def fresh_plugins():
    """The plugin manager made anew for the test, and again after it."""
    from signalbrief import plugins

    plugins.plugin_manager.cache_clear()
    yield
    plugins.plugin_manager.cache_clear()


def trash_deleted(folder: Path, timeout: float = 60.0) -> None:
    """Wait until no build's trash (`writer.delete_trash`, deleted by a process of its own after the
    build) is left under a folder, so a test can walk it without files vanishing under it."""
    deadline = time.monotonic() + timeout
    while glob.glob(f"{glob.escape(str(folder))}/**/trash-*", recursive=True, include_hidden=True):
        assert time.monotonic() < deadline, f"{folder}: builds' trash still there after {timeout} s"
        time.sleep(0.02)
