"""Startup time of the command line against a bare `python -c "import click"`.

Usage: python benchmarks/startup_speed.py [--rounds N]
Each round runs, one after the other and each in a fresh process, `python -c "import click"`,
`signalbrief --version`, `signalbrief --help` and `signalbrief validate` in a generated publication
of 3 briefs. Each command's ratio is the median of its per-round ratios to the click import of the
same round, with their min–max, so a machine that slows down mid-run shifts both sides alike. HOME
and XDG_* point at empty temporary folders so nothing in the user's home is read. The load average
before and after is part of the heading. Appends the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import record
from make_corpus import make_corpus


def signalbrief_command() -> tuple[list[str], str]:
    """The console script installed beside this Python, as a user runs it; else `python -m`."""
    script = Path(sys.executable).parent / "signalbrief"
    if script.is_file():
        return [str(script)], "signalbrief"
    return [sys.executable, "-m", "signalbrief"], "python -m signalbrief"


def hermetic_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(home / name.lower())
    env.pop("SIGNALBRIEF_MODELS", None)
    return env


def seconds(command: list[str], folder: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(commands: dict[str, list[str]], rounds: int, folder: Path, env: dict[str, str]) -> dict[str, list[float]]:
    """Run every command once to warm caches, then `rounds` interleaved rounds."""
    for command in commands.values():
        seconds(command, folder, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            times[name].append(seconds(command, folder, env))
    return times


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
    prefix, shown = signalbrief_command()
    commands = {
        'python -c "import click"': [sys.executable, "-c", "import click"],
        f"{shown} --version": [*prefix, "--version"],
        f"{shown} --help": [*prefix, "--help"],
        f"{shown} validate (3 briefs)": [*prefix, "validate"],
    }
    with tempfile.TemporaryDirectory() as temp:
        folder, home = Path(temp) / "pub", Path(temp) / "home"
        make_corpus(folder, 3)
        home.mkdir()
        load_before = os.getloadavg()[0]
        times = measure(commands, args.rounds, folder, hermetic_env(home))
        load_after = os.getloadavg()[0]
        shutil.rmtree(folder, ignore_errors=True)
    label = f", {args.label}" if args.label else ""
    record(
        f"startup{label} (median of {args.rounds} interleaved rounds, load {load_before:.2f} before, "
        f"{load_after:.2f} after)",
        ["command", "median (ms)", "ratio to import click (median of rounds)", "ratio min–max"],
        rows(times),
    )


if __name__ == "__main__":
    main()
