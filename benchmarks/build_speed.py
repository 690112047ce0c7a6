"""Full build of N generated briefs (all editions, en/zh/bi, HTML and Markdown) against Hugo.

Usage: python benchmarks/build_speed.py [N] [--repeat R] [--no-hugo]
Measures signalbrief's pages per second and peak RSS (each in a fresh process, median of R), and
Hugo (Debian package `hugo`, installed here if missing) building the same briefs as Markdown content
with a comparable template, in the same run. Appends the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
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

MEASURE = """
import json, resource, sys, time
from pathlib import Path
from signalbrief.build import BuildOptions, build
start = time.perf_counter()
report = build(Path(sys.argv[1]), BuildOptions(output=Path(sys.argv[2]), allow_untranslated=True))
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "files": report.files, "rss_kb": own, "worker_rss_kb": workers}))
"""


def signalbrief_run(folder: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(folder / ".signalbrief", ignore_errors=True)  # a full build, not an incremental one
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder), str(out)], check=True, capture_output=True, text=True
    )
    result = json.loads(done.stdout)
    result["wall"] = time.perf_counter() - start
    return result


def hugo_site(folder: Path, hugo: Path) -> None:
    """The same briefs as Hugo content: front matter plus the body paragraphs, watch list and sources."""
    import yaml

    (hugo / "content" / "briefs").mkdir(parents=True)
    (hugo / "layouts" / "_default").mkdir(parents=True)
    (hugo / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ntitle = "Briefs"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n',
        encoding="utf-8",
    )
    (hugo / "layouts" / "_default" / "baseof.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
        '<body><header><a href="/">{{ .Site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>',
        encoding="utf-8",
    )
    (hugo / "layouts" / "_default" / "single.html").write_text(
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>'
        '<dl><dt>Type</dt><dd>{{ .Params.kind }}</dd><dt>Regions</dt><dd>{{ delimit .Params.regions " / " }}</dd></dl>'
        "{{ .Content }}<h2>What To Watch</h2><ul>{{ range .Params.watch }}<li>{{ . }}</li>{{ end }}</ul>"
        '<h2>Sources</h2><ol>{{ range .Params.sources }}<li><a href="{{ .url }}">{{ .title }}</a></li>{{ end }}</ol>'
        "</article>{{ end }}",
        encoding="utf-8",
    )
    (hugo / "layouts" / "_default" / "list.html").write_text(
        '{{ define "main" }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}',
        encoding="utf-8",
    )
    for path in sorted((folder / "briefs").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))

        def pick(text: dict) -> str:
            return text.get("en") or text.get("zh") or ""

        front = {
            "title": pick(data["signal"]),
            "date": str(data["date"]),
            "summary": pick(data["summary"]),
            "kind": data["type"],
            "regions": data["regions"],
            "watch": [pick(t) for t in data.get("watch_list", [])],
            "sources": data.get("sources", []),
        }
        body = "\n\n".join(pick(p) for p in data["body"])
        (hugo / "content" / "briefs" / f"{path.stem}.md").write_text(
            "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n\n" + body + "\n", encoding="utf-8"
        )


def ensure_hugo() -> str | None:
    found = shutil.which("hugo")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=False, capture_output=True)
    return shutil.which("hugo")


def hugo_run(hugo_bin: str, hugo: Path) -> tuple[float, int]:
    out = hugo / "public"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([hugo_bin, "--quiet", "--source", str(hugo), "--destination", str(out)], check=True)
    seconds = time.perf_counter() - start
    return seconds, len(list(out.rglob("*.html")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-hugo", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "pub"
        make_corpus(folder, args.count)
        hugo_bin = None if args.no_hugo else ensure_hugo()
        if hugo_bin:
            hugo_site(folder, Path(temp) / "hugo")
        # Interleaved (signalbrief, hugo, signalbrief, hugo, ...): this machine's speed drifts over
        # minutes, and each pair then sees the same conditions.
        runs, hugo_runs = [], []
        for _ in range(args.repeat):
            runs.append(signalbrief_run(folder, Path(temp) / "site"))
            if hugo_bin:
                hugo_runs.append(hugo_run(hugo_bin, Path(temp) / "hugo"))
        wall = statistics.median(r["wall"] for r in runs)
        files = runs[0]["files"]
        rss = max(r["rss_kb"] for r in runs) / 1024
        worker_rss = max(r["worker_rss_kb"] for r in runs) / 1024
        rows = [
            [
                f"signalbrief build ({files:,} pages)",
                f"{wall:.2f}",
                f"{files / wall:,.0f}",
                f"{rss:.0f} / {worker_rss:.0f}",
            ]
        ]
        if hugo_runs:
            hugo_wall = statistics.median(r[0] for r in hugo_runs)
            pages = hugo_runs[0][1]
            rows.append([f"hugo ({pages:,} pages)", f"{hugo_wall:.2f}", f"{pages / hugo_wall:,.0f}", "-"])
            ratio = (files / wall) / (pages / hugo_wall)
            rows.append(["signalbrief / hugo pages per second, of the medians", "", f"{ratio:.2f}×", ""])
            pairs = sorted((r["files"] / r["wall"]) / (h[1] / h[0]) for r, h in zip(runs, hugo_runs, strict=True))
            listed = ", ".join(f"{x:.2f}×" for x in pairs)
            rows.append(["the same, median of the side-by-side pairs", "", f"{statistics.median(pairs):.2f}×", listed])
    record(
        f"full build, {args.count} briefs (median of {args.repeat}, fresh process each)",
        ["what", "wall (s)", "pages/s", "peak RSS MB (main / largest worker)"],
        rows,
    )


if __name__ == "__main__":
    main()
