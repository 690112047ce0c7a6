"""Validate N generated briefs and compare with a bare `yaml.load(CSafeLoader)` of the same files.

Usage: python benchmarks/validate_speed.py [N] [--repeat R]
Prints a table and appends it to benchmarks/RESULTS.md. Ratios are measured side by side in one run;
the figure reported is the median of R repeats.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from signalbrief.validate import brief_files, validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus

HERE = Path(__file__).resolve().parent


def bare_parse(folder: Path) -> None:
    for path in brief_files(folder / "briefs"):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        make_corpus(folder, args.count)
        report = validate(folder)
        assert not report.errors, report.errors[:3]
        parse, check = [], []
        for _ in range(args.repeat):
            parse.append(timed(lambda: bare_parse(folder)))
            check.append(timed(lambda: validate(folder)))
    parse_s, check_s = statistics.median(parse), statistics.median(check)
    table = (
        f"\n## validate, {args.count} briefs — {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}\n\n"
        "| what | median of %d (s) | ratio |\n| --- | --- | --- |\n"
        % args.repeat
        + f"| bare yaml.load(CSafeLoader) | {parse_s:.3f} | 1.00× |\n"
        + f"| signalbrief validate | {check_s:.3f} | {check_s / parse_s:.2f}× |\n"
    )
    print(table)
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as out:
        out.write(table)


if __name__ == "__main__":
    main()
