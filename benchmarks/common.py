"""Shared by the benchmark scripts: a pinned environment, the machine's load, interleaved timing of
commands in fresh processes, ratios with their spread, and appending tables to RESULTS.md.

Every benchmark runs inside `Session`: HOME, XDG_*, TMPDIR (Jinja's compiled templates),
SIGNALBRIEF_MODELS, ARGOS_PACKAGES_DIR and HUGO_CACHEDIR point into its own temporary folder, so
nothing installed or cached in the user's home changes what is measured (a model installed there
once turned a 17 s build into 123 s of CPU). The load average and usable cores are read when the
session starts and again when its table is recorded, and both go into the table's heading.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PINNED = ("HOME", "TMPDIR", "SIGNALBRIEF_MODELS", "ARGOS_PACKAGES_DIR", "HUGO_CACHEDIR")
XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask), as the build counts them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def machine() -> str:
    """Load average (1, 5, 15 min) and cores, for a table's heading."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f}, {usable_cores()} of {os.cpu_count()} cores usable"


class Session:
    """A benchmark's private folder and pinned environment, and the machine's state when it began."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.started = machine()

    def path(self, name: str) -> Path:
        return self.folder / name


_trash: list[Path] = []  # the session's folder for what `fresh` takes away


@contextmanager
def session() -> Iterator[Session]:
    """Pin every variable that points at a cache, a model or a home to a fresh temporary folder,
    for this process and each process it starts; restore them afterwards. Python writes its
    bytecode caches, as in an installation (with PYTHONDONTWRITEBYTECODE set, a worktree of another
    commit would compile every module on every run)."""
    saved = {name: os.environ.get(name) for name in (*PINNED, *XDG, "PYTHONDONTWRITEBYTECODE")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="signalbrief-bench-") as temp:
        folder = Path(temp)
        pins = {name: folder / "env" / name.lower() for name in (*PINNED, *XDG)}
        for name, place in pins.items():
            place.mkdir(parents=True)
            os.environ[name] = str(place)
        tempfile.tempdir = None  # re-read TMPDIR
        _trash.append(folder / "trash")
        _trash[-1].mkdir()
        try:
            yield Session(folder)
        finally:
            _trash.pop()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            tempfile.tempdir = None


def signalbrief_command() -> list[str]:
    """The console script installed beside this Python, as a user runs it; else `python -m`."""
    script = Path(sys.executable).parent / "signalbrief"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "signalbrief"]


@dataclass
class Run:
    """One finished process: wall seconds, CPU seconds (user + system, its children included)
    and the peak resident memory of its largest process."""

    seconds: float
    cpu: float
    peak_mb: float
    system: float = 0.0  # the kernel's share of `cpu` (file system work, page faults, locks)


def run(command: list[str], cwd: Path | None = None, cpus: set[int] | None = None) -> Run:
    """Run a command to completion in a fresh process (on `cpus` if given) and time it."""

    def pin() -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)

    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=pin if cpus else None
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"{' '.join(command)} exited {process.returncode}:\n{errors.decode(errors='replace')}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, usage.ru_stime)


def interleaved(work: dict[str, Callable[[], Run]], rounds: int, warmup: int = 1) -> dict[str, list[Run]]:
    """Run each piece of work once per round, in turn (a, b, a, b, ...), after `warmup` untimed rounds:
    this machine's speed drifts over minutes, and each round then sees the same conditions."""
    for _ in range(warmup):
        for job in work.values():
            job()
    runs: dict[str, list[Run]] = {name: [] for name in work}
    for _ in range(rounds):
        for name, job in work.items():
            runs[name].append(job())
    return runs


def seconds(runs: list[Run]) -> str:
    """Median wall seconds with the range: `4.00 (3.91–4.22)`."""
    values = [r.seconds for r in runs]
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def ratios(top: list[Run], bottom: list[Run]) -> list[float]:
    """Each round's wall time of `top` divided by that of `bottom`."""
    return [a.seconds / b.seconds for a, b in zip(top, bottom, strict=True)]


def spread(values: list[float], unit: str = "×", digits: int = 2) -> str:
    """Median of per-round values with their min–max: `0.13× (0.11–0.15×)`."""
    middle = statistics.median(values)
    return f"{middle:.{digits}f}{unit} ({min(values):.{digits}f}–{max(values):.{digits}f}{unit})"


def fresh(*folders: Path) -> None:
    """Take the folders away, then flush the file system's pending writes (untimed): a timed run must
    not pay for the writeback of the run before it (on the lent 16-core machine the same build took
    6.7 s after a `cp -r` and 10.1 s after another build). Inside a session they are moved to its
    trash, removed when the session ends: ext4 without a journal (these machines' disks) skips
    each inode deleted in the last minute (five, while its table block is unwritten) when it makes a
    file, by a scan that grows with every file deleted, so a build right after the removal of the
    last one's 30,000 files and folders spent up to 35 of its 50 CPU seconds in the kernel."""
    for folder in folders:
        if _trash and folder.exists():
            try:
                folder.rename(_trash[-1] / str(len(list(_trash[-1].iterdir()))))
                continue
            except OSError:  # another file system
                pass
        shutil.rmtree(folder, ignore_errors=True)
    if hasattr(os, "sync"):
        os.sync()


def no_build_yet(out: Path, publication: Path) -> None:
    """`fresh` for a full build: the output, its work folder (its state and spare, hidden beside an
    output kept outside the publication) and the publication's own cache folder."""
    fresh(out, out.with_name(f".{out.name}.signalbrief"), publication / ".signalbrief")


def commit() -> str:
    """The checked-out commit of this repository, for the heading: `SIGNALBRIEF_BENCH_COMMIT` where the
    copy has no git (a lent machine gets the working tree without `.git`), else `unknown` outside git."""
    given = os.environ.get("SIGNALBRIEF_BENCH_COMMIT")
    if given:
        return given
    try:
        found = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
        dirty = subprocess.run(["git", "-C", str(HERE), "diff", "--quiet", "HEAD", "--", str(HERE.parent / "src")], check=False).returncode
    except OSError:  # no git program
        return "unknown"
    return (found.stdout.strip() or "unknown") + ("+changes" if dirty else "")


def record(title: str, header: list[str], rows: list[list[str]], bench: Session | None = None, note: str = "") -> None:
    """Print a table and append it to RESULTS.md, headed with the date, commit, Python version,
    cores and the load when the benchmark began and now."""
    where = f"{platform.python_version()}, commit {commit()}"
    state = f"at start {bench.started}; at end {machine()}" if bench else machine()
    heading = f"\n## {title} — {time.strftime('%Y-%m-%d %H:%M')}, Python {where}\n\n{state}.\n\n"
    table = "| " + " | ".join(header) + " |\n|" + " --- |" * len(header) + "\n"
    table += "".join("| " + " | ".join(row) + " |\n" for row in rows)
    text = heading + table + (f"\n{note}\n" if note else "")
    print(text)
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as out:
        out.write(text)
