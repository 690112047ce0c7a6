"""Shared by the benchmark scripts: timing, medians, and appending tables to RESULTS.md."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def record(title: str, header: list[str], rows: list[list[str]]) -> None:
    """Print a table and append it to RESULTS.md with the machine's cores and Python version."""
    heading = (
        f"\n## {title} — {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {platform.python_version()}\n\n"
    )
    table = "| " + " | ".join(header) + " |\n|" + " --- |" * len(header) + "\n"
    table += "".join("| " + " | ".join(row) + " |\n" for row in rows)
    print(heading + table)
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as out:
        out.write(heading + table)
