"""Incremental rebuilds of this checkout against an earlier commit, interleaved: the same builds of two
copies of N generated briefs, each a whole `signalbrief build` process as a user meets it (startup
included), the earlier code run from a git worktree of BASE, this checkout's from its own src/.

Usage: python benchmarks/incremental_against.py BASE [N] [--rounds R] [--no-search]

Each round, for each side in turn (the side that goes first alternates): a full build (the output and
`.signalbrief/` removed first), the first change after it (no spare output yet), three body edits,
each built, then a build with nothing changed; then the brief's title edited (other briefs, lists and
feeds show it) and built, and its body edited and built again; then the site's title changed in the
config (every page rendered again, over the output of the last build) and built, and the body edited
and built once more. The table gives each side's median seconds and the
ratio this checkout / BASE of each round (median, min–max): below 1.00× this checkout is faster.
Both sides run the same console script with PYTHONPATH set to their own src/, and a home folder
(and user cache folder) of their own.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Session, fresh, record, run, session, signalbrief_command, spread
from make_corpus import make_corpus

REPO = Path(__file__).resolve().parent.parent
KINDS = [
    ("full", "full build"),
    ("first", "first change after a full build (no spare output yet)"),
    ("body", "one brief's body changed"),
    ("nothing", "nothing changed"),
    ("title", "one brief's title changed (shown in others' pages, lists, feeds)"),
    ("after title", "one brief's body changed, after a title change"),
    ("every page", "the site's title changed (every page rendered again)"),
    ("after every page", "one brief's body changed, after every page was rendered again"),
]


def edit_body(path: Path, mark: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("body:\n", f"body:\n  - {{en: 'Edited paragraph {mark}.'}}\n", 1), encoding="utf-8")


def edit_title(path: Path, mark: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = f"signal: {{en: 'Retitled signal {mark}'}}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def retitle_site(root: Path, mark: str) -> None:
    """Give the site a new title in its config: every page shows it."""
    config = root / "signalbrief.yaml"
    lines = config.read_text(encoding="utf-8").splitlines() if config.exists() else []
    kept = [line for line in lines if not line.startswith("title:")]
    config.write_text("\n".join([*kept, f"title: {{en: 'Desk {mark}', zh: '信号台 {mark}'}}"]) + "\n", encoding="utf-8")


class Side:
    """One version of the code, building its own copy of the publication with a home folder of its own:
    what the program keeps in the user's cache folder (the plugins it found, which are remembered for
    the folders Python imports from, PYTHONPATH among them) is each side's, as each user's would be."""

    def __init__(self, name: str, src: Path, root: Path, home: Path):
        self.name, self.src, self.root, self.home = name, src, root, home
        self.times: dict[str, list[float]] = {kind: [] for kind, _ in KINDS}

    def timed(self) -> float:
        """Seconds of one `signalbrief build` of this side's publication with this side's code."""
        own = [f"PYTHONPATH={self.src}", f"HOME={self.home}", f"XDG_CACHE_HOME={self.home / '.cache'}"]
        command = ["env", *own, *signalbrief_command(), "build", "--allow-untranslated"]
        return run(command, cwd=self.root).seconds

    def round(self, number: int) -> None:
        fresh(self.root / "site", self.root / ".signalbrief")
        self.times["full"].append(self.timed())
        target = self.root / "briefs" / f"brief-{number:05d}.yaml"
        edit_body(target, f"{number} first")
        self.times["first"].append(self.timed())
        bodies = []
        for step in range(3):  # the steady state an editor sees: change, build, change, build
            edit_body(target, f"{number}.{step}")
            bodies.append(self.timed())
        self.times["body"].append(statistics.median(bodies))
        self.times["nothing"].append(self.timed())
        edit_title(target, f"{number}")
        self.times["title"].append(self.timed())
        edit_body(target, f"{number} after title")
        self.times["after title"].append(self.timed())
        retitle_site(self.root, f"{number}")
        self.times["every page"].append(self.timed())
        edit_body(target, f"{number} after every page")
        self.times["after every page"].append(self.timed())


def worktree(bench: Session, base: str) -> Path:
    folder = bench.path("base")
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), base], check=True, capture_output=True
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the earlier commit")
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-search", action="store_true", help="build without the search index")
    args = parser.parse_args()
    with session() as bench:
        base = worktree(bench, args.base)
        try:
            sides = []
            for name, src in [(args.base, base / "src"), ("this checkout", REPO / "src")]:
                root = bench.path(f"pub-{len(sides)}")
                make_corpus(root, args.count)
                if args.no_search:
                    (root / "signalbrief.yaml").write_text("search: false\n", encoding="utf-8")
                home = bench.path(f"home-{len(sides)}")
                home.mkdir(parents=True, exist_ok=True)
                sides.append(Side(name, src, root, home))
            for side in sides:
                side.timed()  # warm-up: the page cache, each side's bytecode, Jinja's compiled templates
            for number in range(args.rounds):
                for side in sides if number % 2 == 0 else sides[::-1]:
                    side.round(number)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)], check=False)
        old, new = sides
        rows = []
        for kind, name in KINDS:
            ratios = [b / a for a, b in zip(old.times[kind], new.times[kind], strict=True)]
            rows.append(
                [
                    name,
                    f"{statistics.median(old.times[kind]):.3f}",
                    f"{statistics.median(new.times[kind]):.3f}",
                    spread(ratios),
                ]
            )
        record(
            f"incremental rebuilds against {args.base}, {args.count} briefs, search {'off' if args.no_search else 'on'} "
            f"({args.rounds} interleaved rounds; every build a whole `signalbrief build` process)",
            ["build", f"{args.base}, s (median)", "this checkout, s (median)", "this checkout / base, per round"],
            rows,
            bench,
        )


if __name__ == "__main__":
    main()
