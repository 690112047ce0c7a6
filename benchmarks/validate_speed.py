"""`signalbrief validate` of N generated briefs through the command line, against a bare loop of
`yaml.load(..., Loader=yaml.CSafeLoader)` over the same files in its own Python process.

Usage: python benchmarks/validate_speed.py [N] [--repeat R]

Each is a fresh process, interleaved (loop, cold validate, warm validate, loop, ...), after one untimed
warm-up round. Cold: `.signalbrief/` removed first, so every brief is checked (the target is on this
one); warm: the files are unchanged since the previous validate, whose outcomes are remembered.
Ratios are per round, median with min–max.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh, interleaved, ratios, record, run, seconds, session, signalbrief_command, spread
from make_corpus import make_corpus

BARE_LOOP = (
    "import pathlib, yaml\n"
    "for path in sorted(pathlib.Path('briefs').glob('*.yaml')):\n"
    "    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with session() as bench:
        root = bench.path("pub")
        make_corpus(root, args.count)
        validate = [*signalbrief_command(), "validate"]

        def cold():
            fresh(root / ".signalbrief")
            return run(validate, cwd=root)

        runs = interleaved(
            {
                "bare": lambda: run([sys.executable, "-c", BARE_LOOP], cwd=root),
                "cold": cold,
                "warm": lambda: run(validate, cwd=root),
            },
            args.repeat,
        )
        bare = runs["bare"]
        record(
            f"validate through the CLI, {args.count} briefs ({args.repeat} interleaved rounds, each a fresh process)",
            ["what", "wall s, median (min–max)", "ratio to the bare loop, per round", "CPU s, median", "CPU ratio, per round"],
            [
                ["`python -c` bare `yaml.load(CSafeLoader)` loop", seconds(bare), "1.00×", cpu_seconds(bare), "1.00×"],
                *(
                    [what, seconds(runs[name]), spread(ratios(runs[name], bare)), cpu_seconds(runs[name]), spread(cpu_ratios(runs[name], bare))]
                    for name, what in (
                        ("cold", "`signalbrief validate`, cold (target ≤ 2×)"),
                        ("warm", "`signalbrief validate`, outcomes remembered"),
                    )
                ),
            ],
            bench,
            note="CPU: user + system seconds of the process; on a loaded machine the wall ratio swings with the load, the CPU ratio much less.",
        )


def cpu_seconds(runs: list) -> str:
    """Median CPU seconds of the runs."""
    return f"{statistics.median(r.cpu for r in runs):.3f}"


def cpu_ratios(top: list, bottom: list) -> list[float]:
    """Each round's CPU seconds of `top` divided by that of `bottom`."""
    return [a.cpu / b.cpu for a, b in zip(top, bottom, strict=True)]


if __name__ == "__main__":
    main()
