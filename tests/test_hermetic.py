"""The tests are hermetic: a translation model in the real home changes none of them, and they write
nothing inside the repository. Both run other tests in a child pytest, as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import HERMETIC, REPO

# Set in the child run, so that it never starts a child of its own.
CHILD = "SIGNALBRIEF_HERMETIC_CHILD"
# These failed when a model was installed in the home of the person running them.
READ_THE_HOME = [
    "tests/test_golden.py",
    "tests/test_build.py::test_missing_language_is_marked_pending_and_machine_text_is_labelled",
    "tests/test_incremental.py::test_nothing_changed_leaves_the_output_alone",
]
# These build, validate or package a publication or project that lives in the repository.
USE_THE_REPOSITORY = [
    "tests/test_golden.py",
    "tests/test_build.py::test_repository_build_shows_the_override_banner",
    "tests/test_build.py::test_wheel_ships_the_theme",
    "tests/test_cli.py::test_this_repositorys_publication_is_valid_without_warnings",
]
# Written by Python, pytest, Hypothesis and ruff themselves, or not part of the project.
NOT_OURS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}

pytestmark = pytest.mark.skipif(os.environ.get(CHILD) == "1", reason="already inside a child run")


def run_pytest(tests: list[str], env: dict[str, str], basetemp: Path) -> subprocess.CompletedProcess:
    """Run `tests` in a child pytest from the repository root, as `.venv/bin/pytest` would."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(basetemp), *tests]
    return subprocess.run(
        command, cwd=REPO, env={**env, CHILD: "1"}, capture_output=True, text=True, timeout=600, check=False
    )


def person_with_home(home: Path) -> dict[str, str]:
    """The environment of someone whose home is `home`: none of this test run's own folders."""
    env = {name: value for name, value in os.environ.items() if name not in HERMETIC}
    return {**env, "HOME": str(home)}


def repository_files() -> dict[str, tuple[int, int] | None]:
    """Every file (size, modification time) and folder in the repository, except tools' own caches."""
    found: dict[str, tuple[int, int] | None] = {}
    for folder, subfolders, names in os.walk(REPO):
        subfolders[:] = [name for name in subfolders if name not in NOT_OURS]
        base = Path(folder).relative_to(REPO)
        found.update({str(base / name): None for name in subfolders})
        for name in names:
            stat = (Path(folder) / name).lstat()
            found[str(base / name)] = (stat.st_size, stat.st_mtime_ns)
    return found


def test_a_model_installed_in_the_real_home_changes_no_test(glossary_packages, tmp_path):
    home = tmp_path / "home"
    person = person_with_home(home)
    for archive in glossary_packages.values():
        install = subprocess.run(
            [sys.executable, "-m", "signalbrief", "models", "install", "--file", str(archive)],
            env=person,
            capture_output=True,
            text=True,
            check=False,
        )
        assert install.returncode == 0, install.stderr
    assert (home / ".local/share/signalbrief/models").is_dir()
    result = run_pytest(READ_THE_HOME, person, tmp_path / "child")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout


def test_the_tests_write_nothing_in_the_repository(tmp_path):
    before = repository_files()
    result = run_pytest(USE_THE_REPOSITORY, dict(os.environ), tmp_path / "child")
    assert result.returncode == 0, result.stdout + result.stderr
    after = repository_files()
    assert sorted(name for name in after if after[name] != before.get(name)) == []
    assert sorted(set(before) - set(after)) == []
