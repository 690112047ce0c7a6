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
import zipfile
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from signalbrief.config import Config
from signalbrief.writer import TRASH
from tests.conftest import BETA, VALID, trash_deleted

RUNS = int(os.environ.get("SIGNALBRIEF_CHAOS_RUNS", "50"))
VERSIONS = [VALID, VALID.replace("US and UK sign AI safety testing memorandum", "Second version of the signal")]


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def hidden_builds(folder: Path) -> list[Path]:
    """The temporary folders of builds anywhere under a folder (in work folders, or beside outputs); not
    what builds put aside in their work folder's trash, which a process of its own deletes after the
    next build that finishes (os.walk passes over folders that vanish while it walks)."""
    found = []
    for top, folders, _ in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(TRASH)]
        found += [Path(top) / name for name in folders if "build-" in name]
    return found


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
        leftovers = hidden_builds(root)
        # A killed build leaves at most its own folder, and the scratch folder of each edition it was
        # indexing for search; the next build removes them all.
        staging = [p for p in leftovers if not p.name.startswith("build-search-")]
        assert len(staging) <= 1 and len(leftovers) - len(staging) <= len(Config().edition_ids)
    build(root, BuildOptions(allow_untranslated=True))
    assert not hidden_builds(root)
    trash_deleted(root)  # what the killed builds left, put aside, is deleted after the build that finished
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


# --- Translation models and `translate --write` (the models helper's block) -------------------------


def _package_files(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as package:
        return {info.filename.split("/", 1)[1]: package.read(info) for info in package.infolist() if not info.is_dir()}


def _models_state(folder: Path, complete: dict[str, dict[str, bytes]]) -> str:
    """Which complete package the models folder shows ("none" if none); fail on anything else visible."""
    from signalbrief.translate import models

    visible = [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.exists() else []
    assert len(visible) <= 1, visible
    listed = models.installed(folder)
    if not visible:
        assert listed == []
        return "none"
    files = {str(p.relative_to(visible[0])): p.read_bytes() for p in visible[0].rglob("*") if p.is_file()}
    state = next((version for version, wanted in complete.items() if files == wanted), None)
    assert state is not None, f"a half-installed model is visible ({len(files)} files)"
    assert [m.version for m in listed] == [state]
    return state


def _padded(archive: Path, out: Path, version: str) -> Path:
    """The package with another version number and 4,000 small files more, so that unpacking and
    removing it take a while."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as package:
        name = source.namelist()[0].split("/")[0]
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/metadata.json"):
                data = data.replace(b'"package_version": "1.0"', f'"package_version": "{version}"'.encode())
            package.writestr(info, data)
        for number in range(4000):
            package.writestr(f"{name}/model/padding/{number}.bin", os.urandom(64))
    return out


def test_killed_models_install_leaves_no_model_or_a_complete_one(glossary_packages, tmp_path):
    archives = {v: _padded(glossary_packages["en-zh"], tmp_path / f"{v}.argosmodel", v) for v in ("1.0", "2.0")}
    complete = {version: _package_files(archive) for version, archive in archives.items()}
    folder = tmp_path / "models"
    env = {**os.environ, "SIGNALBRIEF_MODELS": str(folder)}
    install = [sys.executable, "-m", "signalbrief", "models", "install", "--file"]
    started = time.monotonic()
    # Python's start and the imports of `models` (`--version` imports far less since startup got lazy).
    subprocess.run([sys.executable, "-m", "signalbrief", "models", "list"], env=env, capture_output=True)
    startup = time.monotonic() - started
    assert subprocess.run([*install, str(archives["1.0"])], env=env, capture_output=True).returncode == 0
    fresh = time.monotonic() - started - startup
    started = time.monotonic()  # replacing a model also moves the old one aside and removes it
    assert subprocess.run([*install, str(archives["2.0"])], env=env, capture_output=True).returncode == 0
    assert subprocess.run([*install, str(archives["1.0"])], env=env, capture_output=True).returncode == 0
    longest = max(fresh, (time.monotonic() - started) / 2)
    rng = random.Random(7)
    seen, killed = set(), 0
    runs = max(RUNS // 2, 2)
    for run in range(runs * 3):  # more runs only while the kills have not yet hit both sides of the rename
        if run >= runs and len(seen) >= 2:
            break
        process = subprocess.Popen([*install, str(archives["2.0" if run % 2 else "1.0"])], env=env, stderr=subprocess.DEVNULL)
        if run % 4 == 3:
            # Every fourth install runs to the end: it clears what the killed ones left (thousands of
            # files each), which would otherwise make each install slower than the kill window.
            process.wait()
        else:
            time.sleep(startup * 0.8)  # kill while it installs, not while Python starts
            kill_at_random(process, rng, longest * 1.5)  # a busy machine installs more slowly
        state = _models_state(folder, complete)
        if process.returncode == -signal.SIGKILL:
            killed += 1
            seen.add(state)  # what a kill left
    assert subprocess.run([*install, str(archives["2.0"])], env=env, capture_output=True).returncode == 0
    assert _models_state(folder, complete) == "2.0"
    assert [p.name for p in folder.iterdir()] == ["translate-en_zh-glossary"]  # what kills left is cleared
    assert killed and len(seen) >= 2, (killed, seen)  # kills hit installs, on both sides of the rename


def test_killed_translate_write_leaves_tricky_files_old_or_new(installed_models, publication, run):
    from tests.test_translate_write import BRIEF, FLOW_LINE

    literal_end = BRIEF.replace("watch_list:\n  - {en: 'Report: next steps'}\n", "") + "  - en: |\n      culture\n      more"
    kinds = [BRIEF.replace("\n", "\r\n"), literal_end, FLOW_LINE, BRIEF]
    briefs = {f"b{n}": kinds[n % len(kinds)].replace("id: alpha", f"id: b{n}") for n in range(12)}
    root = publication(briefs)
    originals = {p.name: p.read_bytes() for p in (root / "briefs").iterdir()}
    assert run(root, "translate", "--write").exit_code == 0
    translated = {p.name: p.read_bytes() for p in (root / "briefs").iterdir()}
    assert all(translated[name] != originals[name] for name in originals)
    rng = random.Random(5)
    env = {"SIGNALBRIEF_MODELS": str(installed_models)}
    for _ in range(max(RUNS // 2, 1)):
        for name, content in originals.items():
            (root / "briefs" / name).write_bytes(content)
        shutil.rmtree(root / ".signalbrief", ignore_errors=True)
        kill_at_random(start(["-C", str(root), "translate", "--write"], env), rng, 2.0)
        for path in (root / "briefs").iterdir():
            if not path.name.startswith("."):  # a temporary file of the killed write is never a brief
                assert path.read_bytes() in (originals[path.name], translated[path.name]), path.name


def _in_tiny_disk(tmp_path: Path, script: str) -> None:
    (tmp_path / "probe").mkdir()
    if shutil.which("unshare") is None or not _can_mount_tmpfs(tmp_path / "probe"):
        pytest.skip("cannot mount a small tmpfs here")
    subprocess.run(["unshare", "-rm", "sh", "-c", script], check=True)


def test_full_disk_during_models_install_exits_4_and_leaves_nothing(glossary_packages, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    archive = glossary_packages["en-zh"]
    _in_tiny_disk(tmp_path, f"""
mount -t tmpfs -o size=64k tmpfs {disk}
SIGNALBRIEF_MODELS={disk}/models {sys.executable} -m signalbrief models install --file {archive} 2> {tmp_path}/stderr.txt
echo $? > {tmp_path}/status.txt
ls -a {disk}/models > {tmp_path}/listing.txt
""")
    assert (tmp_path / "status.txt").read_text().strip() == "4"
    stderr = (tmp_path / "stderr.txt").read_text()
    assert stderr.startswith(f"error: {archive}: ") and "No space left on device" in stderr
    assert len(stderr.splitlines()) == 1
    assert (tmp_path / "listing.txt").read_text().split() == [".", ".."]


def test_full_disk_while_the_memory_is_written_exits_4(installed_models, publication, tmp_path):
    root = publication({"alpha": VALID.replace("The United States and United Kingdom signed", "trade " * 3000), "beta": BETA})
    memory = root / ".signalbrief"
    memory.mkdir()
    _in_tiny_disk(tmp_path, f"""
mount -t tmpfs -o size=16k tmpfs {memory}
SIGNALBRIEF_MODELS={installed_models} {sys.executable} -m signalbrief -C {root} translate 2> {tmp_path}/stderr.txt
echo $? > {tmp_path}/status.txt
""")
    stderr = (tmp_path / "stderr.txt").read_text()
    assert (tmp_path / "status.txt").read_text().strip() == "4", stderr
    assert "translations.sqlite: cannot write the translation memory: " in stderr
    assert "Traceback" not in stderr

# --- Killed and concurrent builds: workers, locks, hidden folders (issue 15, points 8 and 12) ---

MEMBER_TEXT = b"Member text"  # only in VALID's strategy-circle section


def many_briefs(count: int, heavy: int = 0) -> dict[str, str]:
    """Enough briefs that a full build renders in forked workers (more than PARALLEL_FROM steps);
    with `heavy`, the newest (rendered first) has that many member paragraphs, so the worker that
    renders it is busy writing member pages for a while."""
    brief = VALID.replace("see_also: [beta]", "see_also: []")
    briefs = {f"b{n:03}": brief.replace("id: alpha", f"id: b{n:03}") for n in range(count)}
    if heavy:
        extra = "".join(f"      - en: Member text, paragraph {n} [2].\n" for n in range(heavy))
        briefs["heavy"] = (
            brief.replace("id: alpha", "id: heavy")
            .replace("2024-04-01", "2024-05-01")
            .replace("      - en: Member text [2].\n", "      - en: Member text [2].\n" + extra)
        )
    return briefs


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def member_text_outside_member_editions(folder: Path, root: Path) -> list[str]:
    """Files holding member text anywhere but in a member edition's folder (briefs and caches aside)."""
    from signalbrief.config import PUBLIC
    from signalbrief.configfile import load_config

    members = set(load_config(root).edition_ids) - {PUBLIC}
    found = []
    trash_deleted(folder)
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if not path.is_file() or "briefs" in parts or members & set(parts) or parts[-2:-1] == (".signalbrief",):
            continue
        if MEMBER_TEXT in path.read_bytes():
            found.append(str(path.relative_to(folder)))
    return found


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the build renders in one process on one core")
def test_a_build_killed_while_its_workers_render_leaves_no_member_pages_behind(publication, tmp_path):
    root = publication(many_briefs(24, heavy=10000))
    assert build(root, BuildOptions(allow_untranslated=True)).files > 0
    rng = random.Random(8)
    for run_number in range(max(3, RUNS // 16)):
        title = f"title: {{en: Run {run_number}, zh: 第{run_number}次}}\n"
        (root / "signalbrief.yaml").write_text(title, encoding="utf-8")  # every page is rendered again
        process = start(["-C", str(root), "build", "--allow-untranslated"])
        while process.poll() is None and not children(process.pid):
            time.sleep(0.005)
        time.sleep(rng.uniform(0.1, 0.5))
        process.send_signal(signal.SIGKILL)  # the build only: its workers are orphaned
        process.wait()
        after = start(["-C", str(root), "build", "--allow-untranslated"])
        assert after.wait(timeout=120) == 0
        assert hidden_builds(tmp_path) == []
        assert member_text_outside_member_editions(tmp_path, root) == []
    assert MEMBER_TEXT in (root / "site/strategy-circle/en/b000/index.html").read_bytes()


WORKERS = """
import multiprocessing, os, sys, time
from signalbrief.build import _worker_started

def pid(_):
    return os.getpid()

pool = multiprocessing.get_context("fork").Pool(2, _worker_started, (os.getpid(),))
pids = set()
while len(pids) < 2:
    pids.update(pool.map(pid, range(8), chunksize=1))
pool.map_async(time.sleep, [60, 60], chunksize=1)
print(*pids, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_render_workers_die_with_their_build():
    process = subprocess.Popen([sys.executable, "-c", WORKERS], stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in process.stdout.readline().split()]
    assert len(workers) == 2
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.02)
    alive = [pid for pid in workers if _alive(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == []


def test_two_builds_of_one_output_at_once_both_succeed(publication, tmp_path):
    root = publication(many_briefs(40))
    expected = {}
    for flags in ([], ["--drafts"]):
        build(root, BuildOptions(output=tmp_path / "expected", allow_untranslated=True, drafts=bool(flags)))
        expected[bool(flags)] = snapshot(tmp_path / "expected")
    for run_number in range(max(4, RUNS // 8)):
        flags = ["--drafts"] if run_number % 2 == 0 else []
        pair = [
            subprocess.Popen(
                [sys.executable, "-m", "signalbrief", "-C", str(root), "build", "--allow-untranslated", *flags],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for process in pair:
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
            assert "No such file" not in stderr
        assert snapshot(root / "site") == expected[bool(flags)]
        assert hidden_builds(tmp_path) == []


def _hold(lock: Path) -> int:
    import fcntl

    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_a_second_build_waits_for_the_first_and_then_builds(publication):
    root = publication()
    fd = _hold(root / ".signalbrief/outputs/site/lock")
    process = subprocess.Popen(
        [sys.executable, "-m", "signalbrief", "-C", str(root), "build", "--allow-untranslated"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr.readline() == "site: waiting for another build of this output to finish\n"
        assert process.poll() is None and not (root / "site").exists()
    finally:
        os.close(fd)
    assert process.wait(timeout=60) == 0
    assert (root / "site/public/en/alpha/index.html").is_file()


def test_a_build_that_waits_too_long_exits_4_and_says_why(publication, run, monkeypatch):
    import signalbrief.writer

    monkeypatch.setattr(signalbrief.writer, "PATIENCE", 0.3)
    root = publication()
    fd = _hold(root / ".signalbrief/outputs/site/lock")
    try:
        result = run(root, "build", "--allow-untranslated")
    finally:
        os.close(fd)
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "site: waiting for another build of this output to finish",
        "error: site: another build of this output is running; try again when it has finished",
    ]
    assert not (root / "site").exists()
    assert run(root, "build", "--allow-untranslated").exit_code == 0  # the lock of a finished holder is free
