"""The architecture contracts of pyproject.toml (`[tool.importlinter]`) hold, and each one catches a break."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import importlinter  # noqa: F401  (in the `test` extra: without it these tests must fail, not pass)
import pytest

from tests.conftest import REPO

# What the `lint-imports` script runs; called through this interpreter, so the venv's import-linter is used.
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess:
    """Run lint-imports with the pyproject.toml in `root` on the package in `root/src`."""
    limit = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", *limit],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_code_keeps_every_contract():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package and its pyproject.toml, to break."""
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    shutil.copytree(REPO / "src" / "signalbrief", tmp_path / "src" / "signalbrief", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize(
    ("contract", "module", "line"),
    [
        ("click", "gating", "import click"),
        ("cli", "build", "from signalbrief import cli"),
        ("gating", "gating", "from signalbrief.loader import load_file"),
        ("gating", "editions", "from signalbrief.writer import write_atomic"),  # through what gating imports
        ("rendering", "render", "from signalbrief.validate import validate"),
        ("rendering", "formats.site", "from signalbrief.translate.fill import Filler"),
        ("engine", "build", "from signalbrief.translate.engine import ArgosModel"),
        ("acyclic", "validate", "from signalbrief.translate.fill import Filler"),  # fill imports validate
    ],
)
def test_a_forbidden_import_breaks_its_contract(copy: Path, contract: str, module: str, line: str):
    source = copy / "src" / "signalbrief" / f"{module.replace('.', '/')}.py"
    source.write_text(source.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint_imports(copy, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f".{module.split('.')[0]}" in result.stdout  # the import is reported, not a setup error
