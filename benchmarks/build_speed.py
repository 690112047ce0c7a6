"""Build speed on equal work, against Hugo, against `cp -r`, and across core counts.

Usage: python benchmarks/build_speed.py [N] [--repeat R] [--parts hugo,copy,jobs] [--jobs 1,2,4,8,16]
    [--jobs-search on,off] [--against SRC]

Every figure is a whole process as a user runs it (`signalbrief build ...` from the console script,
startup included), each build a full one (the output and `.signalbrief/` removed first, untimed),
after one untimed warm-up round, with the anchor run interleaved (ours, anchor, ours, ...) and the
ratio taken per round: the tables give the median with its min–max.

- hugo: the same N briefs rendered only as public English HTML, by
  `signalbrief build --edition public --lang en --format html` and by Hugo (Debian's `hugo`,
  installed here if missing) with templates showing the same blocks (see hugo_site.py), the
  publication's search index off (`search: false`: Hugo builds none). Both write the same files:
  brief pages, the list paginated at 50, the browse pages by type, region, market class and month,
  an Atom feed, a JSON Feed, a sitemap, the style sheet and the entry page; the table counts each
  side's files and how many HTML pages show the same visible text (tags and whitespace aside).
  A second Hugo site escapes texts without parsing them as Markdown: less work than signalbrief
  does, a lower bound for Hugo's time on these pages.
- copy: the full build (every edition, view and format) against `cp -r` of the output it wrote, with
  the search index (Pagefind) on and again with it off; with `--against SRC`, the same builds with the
  code in SRC (another commit's `src` folder, first on PYTHONPATH) in the same rounds, both run as
  `python -m signalbrief`.
- jobs: the full build with the process pinned to the first J usable cores, for each J of `--jobs`
  (the build's worker count follows the cores it may use); a J above the usable cores is skipped;
  `--jobs-search` runs it with the search index on (the default), off, or both.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    HERE,
    Run,
    Session,
    fresh,
    interleaved,
    no_build_yet,
    ratios,
    record,
    run,
    seconds,
    session,
    signalbrief_command,
    spread,
)
from hugo_site import write_site
from make_corpus import make_corpus

EQUAL_WORK = ["--edition", "public", "--lang", "en", "--format", "html", "--allow-untranslated"]


def ensure_hugo() -> str | None:
    found = shutil.which("hugo")
    if not found:
        subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=False, capture_output=True)
        found = shutil.which("hugo")
    return found


def our_build(folder: Path, out: Path, options: list[str], cpus: set[int] | None = None, code: Path | None = None) -> Run:
    """A full build (output and state taken away first); with `code`, the package in that folder (a
    `src` folder) is run, first on PYTHONPATH."""
    no_build_yet(out, folder)  # a full build, not an incremental one
    command = signalbrief_command()
    if code is not None:
        path = os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
        command = ["env", f"PYTHONPATH={path}", sys.executable, "-m", "signalbrief"]
    return run([*command, "build", "-o", str(out), *options], cwd=folder, cpus=cpus)


def without_search(folder: Path, into: Path) -> Path:
    """A copy of the publication at `folder` with its search index off (Hugo builds none)."""
    fresh(into)
    shutil.copytree(folder, into, ignore=shutil.ignore_patterns(".signalbrief"))
    config = into / "signalbrief.yaml"
    kept = config.read_text(encoding="utf-8") if config.is_file() else ""
    config.write_text(kept + "\nsearch: false\n", encoding="utf-8")
    return into


def hugo_build(hugo: str, site: Path, out: Path) -> Run:
    fresh(out)
    return run([hugo, "--quiet", "--source", str(site), "--destination", str(out)])


def kinds(out: Path) -> Counter:
    """Count an output's files by what they are."""
    counted: Counter = Counter()
    for path in out.rglob("*"):
        if path.is_file() and not path.name.startswith("."):  # not signalbrief's output marker
            counted[kind(path.relative_to(out).as_posix())] += 1
    return counted


def kind(name: str) -> str:
    if re.search(r"brief-\d+/index\.html$", name):
        return "brief pages"
    if name == "index.html":
        return "entry page"
    if re.search(r"/(type|region|market-class|month)/", name):
        return "browse pages"
    if name.endswith("index.html"):
        return "list pages"
    labels = {"feed.xml": "Atom feed", "feed.json": "JSON Feed", "sitemap.xml": "sitemap", "style.css": "style sheet"}
    return labels.get(name.rsplit("/", 1)[-1], f"other ({name})")


def same_text(ours: Path, theirs: Path) -> tuple[int, int]:
    """How many of our HTML pages Hugo wrote too with the same visible text, of how many."""
    pages = sorted(ours.rglob("*.html"))
    same = sum(1 for page in pages if _visible(page) == _visible(theirs / page.relative_to(ours)))
    return same, len(pages)


def _visible(path: Path) -> str | None:
    """A page's text without its tags, entities decoded, whitespace collapsed; None if there is no page."""
    if not path.is_file():
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", path.read_text(encoding="utf-8"))).split())


def cpu_ratios(top: list[Run], bottom: list[Run]) -> list[float]:
    """Each round's CPU seconds of `top` divided by those of `bottom`."""
    return [a.cpu / b.cpu for a, b in zip(top, bottom, strict=True)]


def versus_hugo(bench: Session, folder: Path, count: int, repeat: int) -> None:
    hugo = ensure_hugo()
    if not hugo:
        print("hugo is not installed and apt-get could not install it: skipping the Hugo comparison")
        return
    site, light, ours_out = bench.path("hugo"), bench.path("hugo-light"), bench.path("ours-html")
    hugo_out, light_out = bench.path("hugo-public"), bench.path("hugo-light-public")
    folder = without_search(folder, bench.path("pub-no-search"))
    write_site(folder, site)
    write_site(folder, light, markdown=False)
    runs = interleaved(
        {
            "ours": lambda: our_build(folder, ours_out, EQUAL_WORK),
            "hugo": lambda: hugo_build(hugo, site, hugo_out),
            "light": lambda: hugo_build(hugo, light, light_out),
        },
        repeat,
    )
    mine, theirs = kinds(ours_out), kinds(hugo_out)
    version = subprocess.run([hugo, "version"], capture_output=True, text=True, check=False).stdout.split()[:2]
    rows = [
        [
            "`signalbrief build " + " ".join(EQUAL_WORK) + "`",
            seconds(runs["ours"]),
            f"{sum(mine.values()):,}",
            f"{statistics.median(r.cpu for r in runs['ours']):.2f}",
            f"{max(r.peak_mb for r in runs['ours']):.0f}",
        ],
        [
            f"{' '.join(version)}, same briefs and blocks",
            seconds(runs["hugo"]),
            f"{sum(theirs.values()):,}",
            f"{statistics.median(r.cpu for r in runs['hugo']):.2f}",
            f"{max(r.peak_mb for r in runs['hugo']):.0f}",
        ],
        ["Hugo's time / ours, per round (target ≥ 1.0×)", spread(ratios(runs["hugo"], runs["ours"])), "", "", ""],
        ["Hugo's CPU s / ours, per round (less swayed by other load)", spread(cpu_ratios(runs["hugo"], runs["ours"])), "", "", ""],
        [
            "Hugo again, texts escaped but not parsed as Markdown (less work than ours)",
            seconds(runs["light"]),
            f"{sum(kinds(light_out).values()):,}",
            f"{statistics.median(r.cpu for r in runs['light']):.2f}",
            f"{max(r.peak_mb for r in runs['light']):.0f}",
        ],
        ["that Hugo's time / ours, per round", spread(ratios(runs["light"], runs["ours"])), "", "", ""],
    ]
    note = "Files written, side by side: " + "; ".join(
        f"{name} {mine.get(name, 0):,} / {theirs.get(name, 0):,}" for name in sorted(mine.keys() | theirs.keys())
    )
    same, pages = same_text(ours_out, hugo_out)
    light_same, _ = same_text(ours_out, light_out)
    note += f" (signalbrief / Hugo). Same text: {same:,} of {pages:,} pages ({light_same:,} without Markdown)."
    record(
        f"equal work against Hugo, {count} briefs, public/en/html ({repeat} interleaved rounds)",
        ["what", "wall s, median (min–max)", "files", "CPU s", "peak RSS MB"],
        rows,
        bench,
        note,
    )


def versus_copy(bench: Session, folder: Path, count: int, repeat: int, search: str, against: Path | None) -> None:
    out, copy = bench.path("site"), bench.path("copy")

    def copied() -> Run:
        fresh(copy)
        return run(["cp", "-r", str(out), str(copy)])

    work = {"build": lambda: our_build(folder, out, ["--allow-untranslated"], code=HERE.parent / "src" if against else None)}
    if against:  # the same build with other code, in the same rounds
        work["against"] = lambda: our_build(folder, out, ["--allow-untranslated"], code=against)
    runs = interleaved({**work, "cp": copied}, repeat)
    files = sum(kinds(out).values())
    rows = [_build_row(f"`signalbrief build` ({files:,} files)", runs["build"])]
    if against:
        rows.append(_build_row(f"the same build, the code in {against}", runs["against"]))
    rows += [
        ["`cp -r` of that output", seconds(runs["cp"]), f"{statistics.median(r.cpu for r in runs['cp']):.2f}", ""],
        ["build / copy, per round (target ≤ 2×)", spread(ratios(runs["build"], runs["cp"])), "", ""],
    ]
    if against:
        rows.append(["that code's build / this build, per round", spread(ratios(runs["against"], runs["build"])), "", ""])
    record(
        f"full build against `cp -r` of its output, {count} briefs, search index {search} ({repeat} interleaved rounds)",
        ["what", "wall s, median (min–max)", "CPU s", "peak RSS MB"],
        rows,
        bench,
    )


def _build_row(what: str, runs: list[Run]) -> list[str]:
    return [what, seconds(runs), f"{statistics.median(r.cpu for r in runs):.2f}", f"{max(r.peak_mb for r in runs):.0f}"]


CEILING_UNITS = 30_000  # cpu_ceiling.py's work: about 4 s on one core


def scaling(bench: Session, folder: Path, count: int, repeat: int, jobs: list[int], search: str) -> None:
    usable = sorted(os.sched_getaffinity(0))
    skipped = [j for j in jobs if j > len(usable)]
    jobs = [j for j in jobs if j <= len(usable)]
    out = bench.path("site")
    ceiling = [sys.executable, str(HERE / "cpu_ceiling.py"), str(CEILING_UNITS)]
    work: dict[str, Callable[[], Run]] = {}
    for j in jobs:
        cores = set(usable[:j])
        work[str(j)] = lambda cpus=cores: our_build(folder, out, ["--allow-untranslated"], cpus=cpus)
        work[f"ceiling {j}"] = lambda cpus=cores: run(ceiling, cpus=cpus)
    runs = interleaved(work, repeat)
    first = str(jobs[0])
    rows = [
        [
            str(j),
            seconds(runs[str(j)]),
            f"{statistics.median(r.cpu for r in runs[str(j)]):.2f} ({statistics.median(r.system for r in runs[str(j)]):.2f})",
            f"{max(r.peak_mb for r in runs[str(j)]):.0f}",
            spread(ratios(runs[first], runs[str(j)])),
            spread(ratios(runs[f"ceiling {first}"], runs[f"ceiling {j}"])),
            _of_ceiling(runs, first, str(j)),
        ]
        for j in jobs
    ]
    note = f"Skipped (more than the {len(usable)} usable cores): {', '.join(map(str, skipped))}. " if skipped else ""
    record(
        f"full build by cores, {count} briefs, search index {search} ({repeat} interleaved rounds; pinned to the first J usable cores)",
        [
            "cores (= workers)",
            "wall s, median (min–max)",
            "CPU s (of which system)",
            "peak RSS MB",
            f"speed-up over {first}, per round",
            "the machine's ceiling: the same Python work on J cores (cpu_ceiling.py), speed-up",
            "our speed-up / the ceiling's, per round",
        ],
        rows,
        bench,
        note + "Target: ≥ 8× from 1 to 16 cores. The ceiling is what this machine gives CPU-bound Python "
        "work split the build's way (frequency falling as cores fill, hyperthreads, neighbours).",
    )


def _of_ceiling(runs: dict[str, list[Run]], first: str, j: str) -> str:
    """Each round's speed-up of the build over the machine's ceiling in the same round."""
    ours = ratios(runs[first], runs[j])
    machine = ratios(runs[f"ceiling {first}"], runs[f"ceiling {j}"])
    return spread([a / b for a, b in zip(ours, machine, strict=True)], "", 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--parts", default="hugo,copy,jobs", help="Comma-separated: hugo, copy, jobs.")
    parser.add_argument("--jobs", default="1,2,4,8,16", help="Core counts for the jobs part (comma-separated).")
    parser.add_argument("--jobs-search", default="on", help="The jobs part with the search index on, off or on,off.")
    parser.add_argument(
        "--against", type=lambda p: Path(p).resolve(), help="copy part: also build with the code in this src folder (an older commit's), interleaved"
    )
    args = parser.parse_args()
    parts = {p.strip() for p in args.parts.split(",")}
    with session() as bench:
        folder = bench.path("pub")
        make_corpus(folder, args.count)
        if "hugo" in parts:
            versus_hugo(bench, folder, args.count, args.repeat)
        if "copy" in parts:
            versus_copy(bench, folder, args.count, args.repeat, "on", args.against)
            no_search = without_search(folder, bench.path("pub-no-search"))
            versus_copy(bench, no_search, args.count, args.repeat, "off", args.against)
        jobs = sorted({int(j) for j in args.jobs.split(",")})
        for search in args.jobs_search.split(",") if "jobs" in parts else []:
            built = folder if search == "on" else without_search(folder, bench.path("pub-no-search"))
            scaling(bench, built, args.count, args.repeat, jobs, search)


if __name__ == "__main__":
    main()
