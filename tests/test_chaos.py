"""Faults: builds and `translate --write` killed with SIGKILL at random moments, and a full disk.

The number of kill runs is SIGNALBRIEF_CHAOS_RUNS (default 50); a long run:
`SIGNALBRIEF_CHAOS_RUNS=1000 .venv/bin/pytest tests/test_chaos.py`."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from tests.conftest import BETA, VALID

RUNS = int(os.environ.get("SIGNALBRIEF_CHAOS_RUNS", "50"))
VERSIONS = [VALID, VALID.replace("US and UK sign AI safety testing memorandum", "Second version of the signal")]


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def start(args: list[str], env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "signalbrief", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def kill_at_random(process: subprocess.Popen, rng: random.Random, longest: float) -> None:
    time.sleep(rng.uniform(0, longest))
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()


def test_killed_builds_leave_the_old_or_the_new_output(publication, tmp_path):
    root = publication({"alpha": VERSIONS[0], "beta": BETA})
    expected = []
    for number, version in enumerate(VERSIONS):
        (root / "briefs" / "alpha.yaml").write_text(version, encoding="utf-8")
        build(root, BuildOptions(output=tmp_path / f"expected{number}", allow_untranslated=True))
        expected.append(snapshot(tmp_path / f"expected{number}"))
    assert expected[0] != expected[1]
    rng = random.Random(1234)
    current = 0
    (root / "briefs" / "alpha.yaml").write_text(VERSIONS[0], encoding="utf-8")
    build(root, BuildOptions(allow_untranslated=True))
    outcomes = {"old": 0, "new": 0}
    for _ in range(RUNS):
        target = 1 - current
        (root / "briefs" / "alpha.yaml").write_text(VERSIONS[target], encoding="utf-8")
        kill_at_random(start(["-C", str(root), "build", "--allow-untranslated"]), rng, 1.5)
        now = snapshot(root / "site")
        assert now in (expected[current], expected[target])
        if now == expected[target]:
            current = target
            outcomes["new"] += 1
        else:
            outcomes["old"] += 1
        leftovers = [p for p in root.iterdir() if p.name.startswith(".site.build-")]
        assert len(leftovers) <= 1  # a killed build leaves at most its own; the next one removes it
    build(root, BuildOptions(allow_untranslated=True))
    assert not [p for p in root.iterdir() if p.name.startswith(".site.build-")]
    # Whatever state the kills left (spare folder, caches), a finished build is right.
    assert snapshot(root / "site") == expected[target]
    assert outcomes["old"] and outcomes["new"], outcomes  # the kills hit both before and after the swap


def test_killed_translate_write_leaves_each_file_old_or_new(installed_models, publication, run):
    root = publication({"alpha": VALID, "beta": BETA})
    originals = {p.name: p.read_bytes() for p in (root / "briefs").iterdir()}
    assert run(root, "translate", "--write").exit_code == 0
    translated = {p.name: p.read_bytes() for p in (root / "briefs").iterdir()}
    assert translated != originals
    rng = random.Random(99)
    env = {"SIGNALBRIEF_MODELS": str(installed_models)}
    for _ in range(RUNS):
        for name, content in originals.items():
            (root / "briefs" / name).write_bytes(content)
        shutil.rmtree(root / ".signalbrief", ignore_errors=True)
        kill_at_random(start(["-C", str(root), "translate", "--write"], env), rng, 2.0)
        for path in (root / "briefs").iterdir():
            if path.name.startswith("."):
                continue  # a temporary file of the killed write, never a brief
            assert path.read_bytes() in (originals[path.name], translated[path.name]), path.name


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {tmp_path}"],
        capture_output=True,
    )
    return probe.returncode == 0


def test_full_disk_exits_4_and_keeps_the_previous_output(publication, tmp_path):
    (tmp_path / "probe").mkdir()
    if shutil.which("unshare") is None or not _can_mount_tmpfs(tmp_path / "probe"):
        pytest.skip("cannot mount a small tmpfs here")
    root = publication({"alpha": VERSIONS[0], "beta": BETA})
    disk = tmp_path / "disk"
    disk.mkdir()
    script = f"""
set -e
mount -t tmpfs -o size=3m tmpfs {disk}
{sys.executable} -m signalbrief -C {root} build --allow-untranslated -o {disk}/site
find {disk}/site -type f -exec sha256sum {{}} + | sort > {disk}/../before.txt
head -c 2800000 /dev/zero > {disk}/filler 2>/dev/null || true
sed -i 's/US and UK sign AI safety testing memorandum/Changed/' {root}/briefs/alpha.yaml
set +e
{sys.executable} -m signalbrief -C {root} build --allow-untranslated -o {disk}/site 2> {disk}/../stderr.txt
echo $? > {disk}/../status.txt
find {disk}/site -type f -exec sha256sum {{}} + | sort > {disk}/../after.txt
ls -a {disk} > {disk}/../listing.txt
"""
    subprocess.run(["unshare", "-rm", "sh", "-c", script], check=True)
    assert (tmp_path / "status.txt").read_text().strip() == "4"
    assert "No space left on device" in (tmp_path / "stderr.txt").read_text()
    assert (tmp_path / "before.txt").read_text() == (tmp_path / "after.txt").read_text()
    assert [n for n in (tmp_path / "listing.txt").read_text().split() if n.startswith(".site.build-")] == []
