"""Incremental rebuilds of N generated briefs: after one brief changes, after a brief's title changes
(other briefs show it in "see also"), and after nothing changes; each against the full build.

Usage: python benchmarks/incremental_speed.py [N] [--repeat R]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import record
from make_corpus import make_corpus

from signalbrief.build import BuildOptions, build


def timed(root: Path, options: BuildOptions) -> float:
    start = time.perf_counter()
    build(root, options)
    return time.perf_counter() - start


def edit_body(path: Path, run: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("body:\n", f"body:\n  - {{en: 'Edited paragraph {run}.'}}\n", 1), encoding="utf-8")


def edit_title(path: Path, run: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = f"signal: {{en: 'Retitled signal {run}'}}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    full, first, body, title, nothing = [], [], [], [], []
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        make_corpus(root, args.count)
        options = BuildOptions(output=root / "site", allow_untranslated=True)
        target = root / "briefs" / f"brief-{args.count // 2:05d}.yaml"
        other = root / "briefs" / f"brief-{args.count // 3:05d}.yaml"
        for run in range(args.repeat):
            for name in (".signalbrief", "site", ".site.previous"):
                shutil.rmtree(root / name, ignore_errors=True)
            full.append(timed(root, options))
            nothing.append(timed(root, options))
            # The first change after a full build has no spare yet: it links every unchanged file.
            edit_body(other, run)
            first.append(timed(root, options))
            for step in range(3):  # then the steady state an editor sees: change, build, change, build
                edit_body(target, 10 * run + step)
                body.append(timed(root, options))
                edit_title(target, 10 * run + step)
                title.append(timed(root, options))
    base = statistics.median(full)
    rows = [["full build", f"{base:.2f}", "100 %", ""]]
    for name, runs, goal in [
        ("one brief's body changed", body, "≤ 5 %"),
        ("one brief's title changed (shown in others' see also, indexes, feeds)", title, "≤ 5 %"),
        ("nothing changed", nothing, "≤ 2 %"),
        ("first change after a full build (no spare folder yet: links every file)", first, "-"),
    ]:
        value = statistics.median(runs)
        rows.append([name, f"{value:.3f}", f"{100 * value / base:.1f} %", goal])
    record(
        f"incremental rebuilds, {args.count} briefs (median of {len(body)} edits, {args.repeat} full builds)",
        ["build", "seconds", "of full", "target"],
        rows,
    )


if __name__ == "__main__":
    main()
