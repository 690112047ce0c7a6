"""requirements.lock pins, with hashes, everything pyproject.toml asks for, and CI and the README's test
command install from it (regenerate it with tools/lock.sh)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:[ \t]*\\\n[ \t]*--hash=sha256:[0-9a-f]{64})*)", re.M)


def locked() -> dict[str, tuple[str, int]]:
    """Each pinned package of the lock: its version and how many hashes it lists."""
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(m[1]): (m[2], m[3].count("--hash=")) for m in PIN.finditer(text)}


def wanted() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["test"]]


def readme_test_command() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("```sh\n", 1)[1].split("\n")[1]


def test_the_lock_pins_every_dependency_within_its_range():
    pins = locked()
    outside = [str(r) for r in wanted() if not r.specifier.contains(pins.get(canonicalize_name(r.name), ("0",))[0])]
    assert outside == []


def test_every_line_of_the_lock_is_an_exact_pin_with_hashes():
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    requirements = [line for line in text.splitlines() if line and not line[0].isspace() and line[0] != "#"]
    assert len(requirements) == len(locked())
    assert [name for name, (_, hashes) in locked().items() if hashes == 0] == []


def test_ci_runs_the_readme_test_command_which_installs_from_the_lock():
    command = readme_test_command()
    assert "--require-hashes -r requirements.lock" in command
    assert command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
