"""Startup time of the command line against a bare `python -c "import click"`.

Usage: python benchmarks/startup_speed.py [--rounds N]
Each round runs, one after the other and each in a fresh process, `python -c "import click"`,
`signalbrief --version`, `signalbrief --help` and `signalbrief validate` in a generated publication
of 3 briefs. Each command's ratio is the median of its per-round ratios to the click import of the
same round, with their min–max, so a machine that slows down mid-run shifts both sides alike. HOME,
XDG_*, caches and the models folder point at empty temporary folders (common.session) so nothing in
the user's home is read. The load average before and after is part of the heading. Appends the
table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import interleaved, record, run, session, signalbrief_command
from make_corpus import make_corpus


def measure(commands: dict[str, list[str]], rounds: int, folder: Path) -> dict[str, list[float]]:
    """Run every command once to warm caches, then `rounds` interleaved rounds."""
    work = {name: (lambda command=command: run(command, cwd=folder)) for name, command in commands.items()}
    return {name: [r.seconds for r in runs] for name, runs in interleaved(work, rounds).items()}


def rows(times: dict[str, list[float]]) -> list[list[str]]:
    baseline_name, *others = times
    baseline = times[baseline_name]
    table = [[f"`{baseline_name}`", f"{statistics.median(baseline) * 1000:.0f}", "1.00×", ""]]
    for name in others:
        ratios = [mine / base for mine, base in zip(times[name], baseline, strict=True)]
        table.append(
            [
                f"`{name}`",
                f"{statistics.median(times[name]) * 1000:.0f}",
                f"{statistics.median(ratios):.2f}×",
                f"{min(ratios):.2f}–{max(ratios):.2f}×",
            ]
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--label", default="", help="Added to the heading, e.g. 'before lazy imports'.")
    args = parser.parse_args()
    prefix = signalbrief_command()
    shown = "signalbrief" if len(prefix) == 1 else "python -m signalbrief"
    commands = {
        'python -c "import click"': [sys.executable, "-c", "import click"],
        f"{shown} --version": [*prefix, "--version"],
        f"{shown} --help": [*prefix, "--help"],
        f"{shown} validate (3 briefs)": [*prefix, "validate"],
    }
    with session() as bench:
        folder = bench.path("pub")
        make_corpus(folder, 3)
        times = measure(commands, args.rounds, folder)
        label = f", {args.label}" if args.label else ""
        record(
            f"startup{label} (median of {args.rounds} interleaved rounds)",
            ["command", "median (ms)", "ratio to import click (median of rounds)", "ratio min–max"],
            rows(times),
            bench,
        )


if __name__ == "__main__":
    main()
