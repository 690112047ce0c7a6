"""Generate N realistic briefs, deterministic by seed: python benchmarks/make_corpus.py N OUT_DIR [--seed S]

Briefs are written in both languages or in one, with 3-6 body paragraphs, watch lists, 0-2 gated
sections, see-also links and citations; OUT_DIR becomes a publication (OUT_DIR/briefs/*.yaml).
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path

WORDS = ["agency", "model", "testing", "policy", "market", "export", "chips", "trade", "safety", "review"]
WORDS += ["standard", "evaluation", "regulator", "supply", "capacity", "institute", "framework", "access"]
ZH = ["政策", "市场", "模型", "测试", "安全", "标准", "评估", "贸易", "芯片", "出口", "监管", "供应", "能力", "框架"]
TYPES = ["policy-agreement", "regulatory-action", "legislation", "market-move", "funding", "product-launch"]
REGIONS = ["US", "GB", "CN", "EU", "JP", "DE", "FR", "IN", "KR", "SG"]


def sentence(rng: random.Random, sources: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 24)))
    return f"{words.capitalize()} [{rng.randint(1, sources)}]."


def chinese(rng: random.Random, sources: int) -> str:
    return "".join(rng.choice(ZH) for _ in range(rng.randint(12, 30))) + f" [{rng.randint(1, sources)}]。"


def text(rng: random.Random, sources: int, languages: str) -> str:
    """A YAML flow mapping with one or both languages."""
    parts = {}
    if languages in ("both", "en"):
        parts["en"] = sentence(rng, sources)
    if languages in ("both", "zh"):
        parts["zh"] = chinese(rng, sources)
    return "{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in parts.items()) + "}"


def brief(i: int, count: int, rng: random.Random) -> str:
    languages = rng.choice(["both", "both", "en", "zh"])
    sources = rng.randint(1, 4)
    day = date(2024, 1, 1) + timedelta(days=i % 900)
    lines = [
        f"id: brief-{i:05d}",
        f"date: {day.isoformat()}",
        f"signal: {text(rng, sources, languages)}",
        f"type: {rng.choice(TYPES)}",
        f"regions: [{', '.join(rng.sample(REGIONS, rng.randint(1, 3)))}]",
        f"market_class: {rng.choice(['case-file', 'trend', 'watch', 'flash'])}",
        f"confidence: {{score: {rng.randint(0, 100) / 100:.2f}, basis: secondary-reporting}}",
        f"summary: {text(rng, sources, languages)}",
        "body:",
        *[f"  - {text(rng, sources, languages)}" for _ in range(rng.randint(3, 6))],
        "operating_surface:",
        *[f"  - {text(rng, sources, languages)}" for _ in range(rng.randint(1, 4))],
        "market_context:",
        f"  statement: {text(rng, sources, languages)}",
        "  relevance: medium",
        "  horizon: next-quarter",
        "watch_list:",
        *[f"  - {text(rng, sources, languages)}" for _ in range(rng.randint(1, 4))],
        "sources:",
        *[
            f"  - {{title: Source {n} of brief {i}, publisher: Example Wire, url: 'https://example.org/{i}/{n}'}}"
            for n in range(1, sources + 1)
        ],
        f"see_also: [{', '.join(f'brief-{(i + k) % count:05d}' for k in (1, 7) if count > k)}]",
    ]
    sections = rng.randint(0, 2)
    if sections:
        lines.append("sections:")
    for number, tier in enumerate(["strategy-circle", "leadership-alliance"][:sections]):
        lines += [
            f"  - tier: {tier}",
            f"    title: {text(rng, sources, languages)}",
            f"    teaser: {text(rng, sources, languages)}",
            "    body:",
            *[f"      - {text(rng, sources, languages)}" for _ in range(2)],
        ]
        del number
    return "\n".join(lines) + "\n"


def make_corpus(folder: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    (folder / "briefs").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / "briefs" / f"brief-{i:05d}.yaml").write_text(brief(i, count, rng), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    make_corpus(args.out, args.count, args.seed)
    print(f"wrote {args.count} briefs to {args.out / 'briefs'}")


if __name__ == "__main__":
    main()
