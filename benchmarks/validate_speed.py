"""Validate N generated briefs and compare with a bare `yaml.load(CSafeLoader)` of the same files.

Usage: python benchmarks/validate_speed.py [N] [--repeat R]
Prints a table and appends it to benchmarks/RESULTS.md. Ratios are measured side by side in one run;
the figure reported is the median of R repeats.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

from signalbrief.validate import brief_files, validate

HERE = Path(__file__).resolve().parent
WORDS = ["agency", "model", "testing", "policy", "market", "export"]
WORDS += ["chips", "trade", "safety", "review", "standard", "evaluation"]
ZH = ["政策", "市场", "模型", "测试", "安全", "标准", "评估", "贸易", "芯片", "出口"]


def sentence(rng: random.Random, cite: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
    return f"{words.capitalize()} [{rng.randint(1, cite)}]."


def brief_text(i: int, rng: random.Random, count: int) -> str:
    day = date(2024, 1, 1) + timedelta(days=i % 700)
    cite = rng.randint(1, 3)
    paragraphs = "".join(
        f"  - en: {sentence(rng, cite)}\n    zh: {''.join(rng.choice(ZH) for _ in range(20))} [1]。\n"
        for _ in range(rng.randint(3, 6))
    )
    sources = "".join(f"  - title: Source {n}\n    url: https://example.org/{i}/{n}\n" for n in range(1, cite + 1))
    see_also = f"[brief-{(i + 1) % count:05d}]" if count > 1 else "[]"
    section = ""
    if rng.random() < 0.6:
        section = (
            "sections:\n  - tier: strategy-circle\n    title: {en: Deeper context, zh: 深度背景}\n"
            f"    body:\n      - en: {sentence(rng, cite)}\n"
        )
    return (
        f"id: brief-{i:05d}\ndate: {day.isoformat()}\nsignal:\n  en: {sentence(rng, cite)}\n"
        "type: policy-agreement\nregions: [US, GB]\nmarket_class: trend\n"
        "confidence:\n  score: 0.62\n  basis: secondary-reporting\n"
        f"summary:\n  en: {sentence(rng, cite)}\nbody:\n{paragraphs}"
        "operating_surface:\n  - {en: Model evaluation}\n"
        "market_context:\n  statement: {en: Shared methods shape standards.}\n  relevance: medium\n"
        "  horizon: next-quarter\n"
        "watch_list:\n  - {en: Institute outputs}\n  - {zh: 公开测试结果}\n"
        f"sources:\n{sources}see_also: {see_also}\n{section}"
    )


def make_corpus(folder: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    (folder / "briefs").mkdir(parents=True)
    for i in range(count):
        (folder / "briefs" / f"brief-{i:05d}.yaml").write_text(brief_text(i, rng, count), encoding="utf-8")


def bare_parse(folder: Path) -> None:
    for path in brief_files(folder / "briefs"):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        make_corpus(folder, args.count)
        report = validate(folder)
        assert not report.errors, report.errors[:3]
        parse, check = [], []
        for _ in range(args.repeat):
            parse.append(timed(lambda: bare_parse(folder)))
            check.append(timed(lambda: validate(folder)))
    parse_s, check_s = statistics.median(parse), statistics.median(check)
    table = (
        f"\n## validate, {args.count} briefs — {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}\n\n"
        "| what | median of %d (s) | ratio |\n| --- | --- | --- |\n" % args.repeat
        + f"| bare yaml.load(CSafeLoader) | {parse_s:.3f} | 1.00× |\n"
        + f"| signalbrief validate | {check_s:.3f} | {check_s / parse_s:.2f}× |\n"
    )
    print(table)
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as out:
        out.write(table)


if __name__ == "__main__":
    main()
