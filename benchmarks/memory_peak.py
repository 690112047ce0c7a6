"""Peak memory of a full build of N generated briefs, per process: the main process and the largest
rendering worker, each one's peak resident set read from /proc while the build runs (GNU time's
figure is only the largest of them), with the build's wall and CPU seconds.

Usage: python benchmarks/memory_peak.py [N ...] [--args "--edition public --lang en --format html"]
                                        [--search] [--repeat R]

The corpus comes from make_corpus.py with `search: false` unless --search (the search index runs
Pagefind, a program of its own, whose memory is not Python's). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh, record, session, signalbrief_command
from make_corpus import make_corpus

POLL = 0.1  # seconds between two readings


def descendants(pid: int) -> list[int]:
    """A process and every process below it, as /proc lists them now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as listed:
                    todo += [int(child) for child in listed.read().split()]
        except OSError:
            continue
    return found


def resident_mb(pid: int) -> float:
    """A process's resident set now, in MB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measured(command: list[str], cwd: Path) -> tuple[float, float, float, float]:
    """Run a build; return wall s, CPU s (all its processes), main's peak MB and the largest other's."""
    before, start = os.times(), time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks: dict[int, float] = {}
    while process.poll() is None:
        for pid in descendants(process.pid):
            peaks[pid] = max(peaks.get(pid, 0.0), resident_mb(pid))
        time.sleep(POLL)
    wall, after = time.perf_counter() - start, os.times()
    if process.returncode:
        sys.exit(f"{' '.join(command)} exited {process.returncode}")
    cpu = after.children_user + after.children_system - before.children_user - before.children_system
    main = peaks.pop(process.pid, 0.0)
    return wall, cpu, main, max(peaks.values(), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("counts", nargs="*", type=int, default=[2000])
    parser.add_argument("--args", default="", help="more build options, e.g. a selection")
    parser.add_argument("--search", action="store_true", help="keep the search index on")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    command = [*signalbrief_command(), "build", "--allow-untranslated", *shlex.split(args.args)]
    rows = []
    with session() as bench:
        for count in args.counts:
            root = bench.path(f"pub-{count}")
            make_corpus(root, count)
            if not args.search:
                (root / "signalbrief.yaml").write_text("search: false\n", encoding="utf-8")
            runs = []
            for _ in range(args.repeat):
                fresh(root / "site", root / ".signalbrief")
                runs.append(measured(command, root))
            wall, cpu, main_mb, worker_mb = (statistics.median(values) for values in zip(*runs, strict=True))
            rows.append([f"{count:,}", f"{wall:.1f}", f"{cpu:.1f}", f"{main_mb:.0f}", f"{worker_mb:.0f}"])
            fresh(root)
    shown = " ".join(["build", "--allow-untranslated", *shlex.split(args.args)])
    record(
        f"peak memory of a full build per process (`signalbrief {shown}`, search {'on' if args.search else 'off'}, "
        f"median of {args.repeat})",
        ["briefs", "wall s", "CPU s (all processes)", "main process peak MB", "largest other process peak MB"],
        rows,
        bench,
    )


if __name__ == "__main__":
    main()
