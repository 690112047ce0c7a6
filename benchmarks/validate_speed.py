"""Validate N generated briefs and compare with a bare `yaml.load(CSafeLoader)` of the same files.

Usage: python benchmarks/validate_speed.py [N] [--repeat R]
Ratios are measured side by side in one run; each figure is the median of R repeats.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds, record
from make_corpus import make_corpus

from signalbrief.validate import brief_files, validate


def bare_parse(folder: Path) -> None:
    for path in brief_files(folder / "briefs"):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        make_corpus(folder, args.count)
        assert not validate(folder).errors
        parse = median_seconds(lambda: bare_parse(folder), args.repeat)
        check = median_seconds(lambda: validate(folder), args.repeat)
    record(
        f"validate, {args.count} briefs (median of {args.repeat})",
        ["what", "seconds", "ratio"],
        [
            ["bare yaml.load(CSafeLoader)", f"{parse:.3f}", "1.00×"],
            ["signalbrief validate", f"{check:.3f}", f"{check / parse:.2f}×"],
        ],
    )


if __name__ == "__main__":
    main()
