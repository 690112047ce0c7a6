"""The machine's own ceiling for work split over cores the way the build splits its rendering.

Usage: python benchmarks/cpu_ceiling.py UNITS

Does UNITS units of CPU-bound Python work of the kind rendering a page is (formatting strings,
escaping text, dictionary lookups; little memory) in a pool of forked processes, one per usable core,
in chunks of eight per process, as the build's workers take chunks of briefs. The same UNITS on 1 and
on J cores give the speed-up this machine gives such work: frequency that drops as more cores run,
cores that are hyperthreads of one another, neighbours on a shared host. `build_speed.py --parts jobs`
runs it beside each core count, so the build's speed-up is read against what the machine allows.
"""

from __future__ import annotations

import html
import multiprocessing
import sys

from common import usable_cores  # the script's own folder is first on sys.path

ROWS = 400  # items of one unit: about 0.13 ms of work on a 2026 server core


def unit(seed: int) -> int:
    """One unit of work: a small page's worth of formatted, escaped rows; returns its length."""
    fields = {"title": f"Signal {seed}", "region": "EU & UK", "grade": "<b>", "note": "\"quoted\" text"}
    parts = []
    for row in range(ROWS):
        key = ("title", "region", "grade", "note")[row % 4]
        parts.append(f'<li class="{key}">{html.escape(fields[key])} {row}</li>')
    return len("".join(parts))


def chunk(bounds: tuple[int, int]) -> int:
    return sum(unit(seed) for seed in range(*bounds))


def main() -> None:
    units = int(sys.argv[1])
    jobs = usable_cores()
    size = max(1, units // (jobs * 8))
    chunks = [(start, min(units, start + size)) for start in range(0, units, size)]
    if jobs == 1:
        total = sum(map(chunk, chunks))
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            total = sum(pool.imap_unordered(chunk, chunks))
    print(total)


if __name__ == "__main__":
    main()
