"""What the search index costs: N generated briefs built with and without it, each build a whole
`signalbrief build` process, interleaved.

Usage: python benchmarks/search_cost.py [N] [--repeat R]

Two copies of one corpus: one built as signalbrief builds it, one by the same command with the
search index switched off (`SearchIndex.finish_parts` returns no part: the pages and the search box
are the same, Pagefind never runs). Each round: a full build of each (output and `.signalbrief/` removed
first), then one brief's body edited and built in each, then a build with nothing changed in each.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Run, fresh, ratios, record, run, seconds, session, spread
from incremental_speed import BUILD, edit_body
from make_corpus import make_corpus

WITHOUT_SEARCH = (
    "from signalbrief.formats.search import SearchIndex; SearchIndex.finish_parts = lambda *args: {}; "
    "from signalbrief.cli import main; main()"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    commands = {
        "with": [sys.executable, "-m", "signalbrief", *BUILD],
        "without": [sys.executable, "-c", WITHOUT_SEARCH, *BUILD],
    }
    runs: dict[str, list[Run]] = {f"{kind} {way}": [] for kind in ("full", "body", "nothing") for way in commands}
    with session() as bench:
        first = bench.path("with")
        make_corpus(first, args.count)
        shutil.copytree(first, bench.path("without"))
        target = f"brief-{args.count // 2:05d}.yaml"
        for way, command in commands.items():  # warm-up: the page cache, bytecode, compiled templates
            run(command, cwd=bench.path(way))
        for round_ in range(args.repeat):
            for way, command in commands.items():
                root = bench.path(way)
                fresh(root / "site", root / ".signalbrief")
                runs[f"full {way}"].append(run(command, cwd=root))
            for way, command in commands.items():
                edit_body(bench.path(way) / "briefs" / target, round_)
                runs[f"body {way}"].append(run(command, cwd=bench.path(way)))
            for way, command in commands.items():
                runs[f"nothing {way}"].append(run(command, cwd=bench.path(way)))
        rows = []
        for kind, name in [("full", "full build"), ("body", "one brief's body edited"), ("nothing", "nothing changed")]:
            with_, without = runs[f"{kind} with"], runs[f"{kind} without"]
            extra = [a.seconds - b.seconds for a, b in zip(with_, without, strict=True)]
            rows.append(
                [
                    name,
                    seconds(with_),
                    seconds(without),
                    f"{statistics.median(extra):+.3f}",
                    spread(ratios(with_, without)),
                    f"{statistics.median(r.cpu for r in with_):.2f} / {statistics.median(r.cpu for r in without):.2f}",
                ]
            )
        files = sum(1 for _ in (bench.path("with") / "site").rglob("pagefind/**/*") if _.is_file())
        shards = len(list((bench.path("with") / "site").glob("*/pagefind/*/pagefind-entry.json")))
        record(
            f"search index cost, {args.count} briefs ({args.repeat} interleaved rounds; every build a whole "
            "`signalbrief build` process)",
            [
                "build",
                "with search, wall s median (min–max)",
                "without",
                "extra s, median",
                "with / without, per round",
                "CPU s with / without",
            ],
            rows,
            bench,
            note=f"The three editions' indexes hold {files} files in {shards} shards.",
        )


if __name__ == "__main__":
    main()
