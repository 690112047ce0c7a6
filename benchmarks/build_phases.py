"""Where a full build's wall time goes, phase by phase, at each worker count: to find what keeps a
build from scaling with cores (the part that stays in one process, and the workers' CPU per brief).

Usage: python benchmarks/build_phases.py [N] [--jobs 1,2,16] [--no-search] [--unfrozen]

One full build of N generated briefs per worker count (the output and `.signalbrief/` removed first),
each in a fresh process pinned to the first J usable cores, after one untimed build. In that process
the build's own steps are wrapped with timers: the main process's phases (validate, languages filled,
plan, the render pool from its start to its last result, the lists and feeds when this process writes
them (a build on one core), the search index, the swap into place, the saved state), and in each
worker the CPU time of every task it does: the edition steps (lists, feeds, sitemaps: the workers
take them first) and the chunks of briefs, split into the chunks that were a worker's first task
(which load templates and caches) and the rest, with the page faults the workers took (a page of
the parent's memory a worker writes to is copied). The table gives seconds; a phase that does not grow smaller with more cores is
what caps the speed-up (`build_speed.py --parts jobs` gives the speed-up itself, interleaved).
`--unfrozen` builds with the parent's objects left in the collector's reach while the workers run
(`collector.inherited_left_alone` made a no-op), to measure what freezing them saves. Run it with
TMPDIR on another file system (`TMPDIR=/dev/shm`) to put the briefs and the output there.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import no_build_yet, record, run, session
from make_corpus import make_corpus

# (module, function, label): the build's steps, timed in the main process.
PHASES = [
    ("signalbrief.build", "load_state", "state read"),
    ("signalbrief.validate", "validate", "validate"),
    ("signalbrief.build", "_fill_languages", "languages filled"),
    ("signalbrief.build", "_plan", "plan"),
    ("signalbrief.build", "_render_briefs", "render (pool, start to last result)"),
    ("signalbrief.build", "_step", "lists, feeds, sitemaps (main process: when it renders alone)"),
    ("signalbrief.build", "_finish_files", "search index (finishing step)"),
    ("signalbrief.build.Output", "commit", "swap into place"),
    ("signalbrief.build", "save_state", "state saved"),
]


def measure(root: Path, out: Path, report: Path, unfrozen: bool) -> None:
    """In the measured process: time the build's steps and its workers' chunks; write them as JSON."""
    import signalbrief.build as build

    if unfrozen:
        build.collector.inherited_left_alone = contextlib.nullcontext
    spent: dict[str, float] = {}
    for owner, name, label in PHASES:
        where = _owner(owner)
        setattr(where, name, _timed(getattr(where, name), label, spent))
    chunks = report.with_suffix(".chunks")
    _time_chunks(build, chunks)
    _time_search(build, spent)
    started = time.perf_counter()
    build.build(root, build.BuildOptions(output=out, allow_untranslated=True))
    spent["whole build (in process)"] = time.perf_counter() - started
    spent.update(_workers(chunks))
    mine = os.times()
    spent["main process CPU"] = mine.user + mine.system
    spent["main process system CPU"] = mine.system
    report.write_text(json.dumps(spent))


def _workers(chunks: Path) -> dict[str, float]:
    """The workers' CPU from the chunk log (`pid first briefs cpu system faults` per chunk)."""
    rows = [line.split() for line in chunks.read_text().splitlines()] if chunks.exists() else []
    return {
        "workers": len({pid for pid, *_ in rows}),
        "worker CPU, lists, feeds, sitemaps (edition steps)": sum(float(cpu) for _, _, n, cpu, *_ in rows if n == "0"),
        "worker CPU, first chunks of briefs": sum(float(cpu) for _, f, n, cpu, *_ in rows if f == "1" and n != "0"),
        "worker CPU, other chunks of briefs": sum(float(cpu) for _, f, n, cpu, *_ in rows if f == "0" and n != "0"),
        "worker CPU in the kernel (system), all chunks": sum(float(system) for *_, system, _ in rows),
        "worker page faults (minor), all chunks": sum(int(faults) for *_, faults in rows),
        "briefs in first chunks": sum(int(n) for _, first, n, *_ in rows if first == "1"),
    }


def _time_search(build, spent: dict[str, float]) -> None:
    """The search index's step in CPU seconds: the main process's (its threads read the pages, speak to
    Pagefind, write the index) and Pagefind's processes' (read from /proc as each is closed)."""
    from signalbrief.formats import search

    close = search.Service.close

    @functools.wraps(close)
    def closing(service, killed):
        with contextlib.suppress(AttributeError, OSError, IndexError, ValueError):
            with open(f"/proc/{service.process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # its utime + stime
            for label, value in [("processes", 1), ("CPU, all processes", cpu)]:
                key = f"search index: Pagefind {label}"
                spent[key] = spent.get(key, 0) + value
        close(service, killed)

    label = "search index: main process CPU (its threads)"
    build._finish_files = _timed(build._finish_files, label, spent, time.process_time)
    search.Service.close = closing


def _owner(dotted: str) -> object:
    """A module, or a class in one (`package.module.Class`)."""
    try:
        return importlib.import_module(dotted)
    except ImportError:
        module, _, name = dotted.rpartition(".")
        return getattr(importlib.import_module(module), name)


def _timed(function, label: str, spent: dict[str, float], clock=time.perf_counter):
    """The function, adding the seconds of `clock` (wall time, or the process's CPU) each call takes."""

    @functools.wraps(function)
    def timed(*args, **kwargs):
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + clock() - started

    return timed


def _time_chunks(build, log: Path) -> None:
    """Wrap the workers' chunk rendering: each chunk appends `pid first briefs cpu system faults`."""
    render = build._Worker.render.__func__
    seen: set[int] = set()

    @functools.wraps(render)  # the pool sends the method by its name
    def timed(cls, index):
        first = os.getpid() not in seen
        seen.add(os.getpid())
        before, faults = os.times(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        result = render(cls, index)
        after, faults = os.times(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        cpu, system = after.user + after.system - before.user - before.system, after.system - before.system
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {int(first)} {result[0]} {cpu:.4f} {system:.4f} {faults}\n")
        return result

    build._Worker.render = classmethod(timed)


def one_build(root: Path, out: Path, cpus: set[int], report: Path, unfrozen: bool) -> dict[str, float]:
    no_build_yet(out, root)
    report.with_suffix(".chunks").unlink(missing_ok=True)
    command = [sys.executable, __file__, "--measure", str(root), str(out), str(report)]
    command += ["--unfrozen"] if unfrozen else []
    run(command, cpus=cpus)  # pinned; a failure ends the benchmark with its error output
    return json.loads(report.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--jobs", default="1,2,16", help="Core counts (comma-separated).")
    parser.add_argument("--no-search", action="store_true", help="build without the search index")
    parser.add_argument("--unfrozen", action="store_true", help="the parent's objects left to the collector")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*(Path(p) for p in args.measure), args.unfrozen)
        return
    usable = sorted(os.sched_getaffinity(0))
    jobs = sorted(j for j in {int(j) for j in args.jobs.split(",")} if j <= len(usable))
    files_in = tempfile.gettempdir()  # before the session pins its own temporary folder under it
    with session() as bench:
        root = bench.path("pub")
        make_corpus(root, args.count)
        if args.no_search:
            (root / "signalbrief.yaml").write_text("search: false\n", encoding="utf-8")
        out, report = bench.path("site"), bench.path("phases.json")
        one_build(root, out, set(usable[: jobs[-1]]), report, args.unfrozen)  # untimed: warms the caches
        found = {j: one_build(root, out, set(usable[:j]), report, args.unfrozen) for j in jobs}
        names = list(dict.fromkeys(name for spent in found.values() for name in spent))
        rows = [[name, *(_cell(found[j].get(name)) for j in jobs)] for name in names]
        search = "off" if args.no_search else "on"
        unfrozen = ", parent's objects not frozen" if args.unfrozen else ""
        record(
            f"where a full build's time goes, {args.count} briefs, search index {search}{unfrozen}, "
            f"files in {files_in} (one build per core count)",
            ["phase (seconds; workers: count)", *(f"{j} cores" for j in jobs)],
            rows,
            bench,
            "Phases in the main process are wall seconds (on one core the render phase holds the lists and "
            "feeds; with workers they render them); the workers' rows are CPU seconds summed over workers.",
        )


def _cell(value: float | None) -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.2f}"


if __name__ == "__main__":
    main()
