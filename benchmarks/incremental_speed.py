"""Incremental rebuilds of N generated briefs as a user meets them: each a whole `signalbrief build`
process (startup included), as a share of a full build through the same command in the same round.

Usage: python benchmarks/incremental_speed.py [N] [--repeat R] [--no-search]

Each round: a full build (the output and `.signalbrief/`, which holds the spare output folder, removed
first), then a build with nothing changed, then the first change after that full build (no spare
output yet), then three times: one brief's body edited and built, its title edited and built (other
briefs show the title in "see also", every list and feed has a row for it). Every incremental build
is divided by the full build of its round; the table gives the median of those shares with their
min–max. With --no-search the publication sets `search: false` (no search index: what the build
itself costs, apart from Pagefind's share).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Run, fresh, record, run, session, signalbrief_command, spread
from make_corpus import make_corpus

BUILD = ["build", "--allow-untranslated"]


def edit_body(path: Path, run: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("body:\n", f"body:\n  - {{en: 'Edited paragraph {run}.'}}\n", 1), encoding="utf-8")


def edit_title(path: Path, run: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = f"signal: {{en: 'Retitled signal {run}'}}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-search", action="store_true", help="build without the search index")
    args = parser.parse_args()
    shares: dict[str, list[float]] = {"body": [], "title": [], "nothing": [], "first": []}
    times: dict[str, list[float]] = {key: [] for key in shares}
    full: list[Run] = []
    with session() as bench:
        root = bench.path("pub")
        make_corpus(root, args.count)
        if args.no_search:
            (root / "signalbrief.yaml").write_text("search: false\n", encoding="utf-8")
        target = root / "briefs" / f"brief-{args.count // 2:05d}.yaml"
        other = root / "briefs" / f"brief-{args.count // 3:05d}.yaml"

        def build() -> Run:
            return run([*signalbrief_command(), *BUILD], cwd=root)

        def incremental(key: str, base: Run) -> None:
            seconds = build().seconds
            times[key].append(seconds)
            shares[key].append(100 * seconds / base.seconds)

        build()  # warm-up: the page cache, Python's bytecode and Jinja's compiled templates
        for round_ in range(args.repeat):
            fresh(root / "site", root / ".signalbrief", root / ".site.previous")
            base = build()
            full.append(base)
            incremental("nothing", base)
            edit_body(other, round_)
            incremental("first", base)
            for step in range(3):  # the steady state an editor sees: change, build, change, build
                edit_body(target, 10 * round_ + step)
                incremental("body", base)
                edit_title(target, 10 * round_ + step)
                incremental("title", base)
        base_seconds = statistics.median(r.seconds for r in full)
        rows = [["full build", f"{base_seconds:.2f}", "100 %", ""]]
        for key, name, goal in [
            ("body", "one brief's body changed", "≤ 5 %"),
            ("title", "one brief's title changed (shown in others' see also, lists, feeds)", "-"),
            ("nothing", "nothing changed", "≤ 2 %"),
            ("first", "first change after a full build (no spare output yet)", "-"),
        ]:
            rows.append([name, f"{statistics.median(times[key]):.3f}", spread(shares[key], " %", 1), goal])
        record(
            f"incremental rebuilds through the CLI, {args.count} briefs, search {'off' if args.no_search else 'on'} "
            f"({args.repeat} rounds, "
            f"{len(shares['body'])} edits; every build a whole `signalbrief build` process)",
            ["build", "seconds, median", "of its round's full build, median (min–max)", "target"],
            rows,
            bench,
        )


if __name__ == "__main__":
    main()
