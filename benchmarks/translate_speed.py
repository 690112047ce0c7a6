"""Translation on the tiny test model: signalbrief's batched engine against a loop calling
`argostranslate.translate.translate` once per text, and against one raw `translate_batch`, on the
same model and texts with the same beam size, threads and device (the ones our engine picks for
this machine); then a warm rebuild from the memory.

Each side loads its model before its clock starts and is timed in wall and CPU seconds (this
process's user + system time, every thread of CTranslate2 included: on a shared machine the CPU
seconds say more). The raw batch decodes as argostranslate asks (beam 4, length penalty 0.2,
unknown tokens replaced, CTranslate2's 256-token limit); the table says whether ours gave the same
translations as the raw batch of the same unique texts.

Usage: python benchmarks/translate_speed.py [N_TEXTS] [--repeat R]   (no network, no torch)
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import record, session, spread  # noqa: E402
from make_corpus import sentence  # noqa: E402

from tests.modelkit import build_packages  # noqa: E402  (the tiny real model the tests use)


def cpu_seconds() -> float:
    """User + system seconds of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Wall and CPU seconds of a `with` block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, cpu_seconds() - self.cpu


def texts(count: int) -> list[str]:
    rng = random.Random(3)
    made = [sentence(rng, 3).rsplit(" [", 1)[0] + "." for _ in range(count)]
    return made + made[: count // 4]  # some texts repeat, as labels and list items do in real briefs


def ours(info, sentences: list[str]) -> tuple[Clock, list[str]]:
    from signalbrief.translate.engine import ArgosModel

    model = ArgosModel(info)
    model._load()  # load outside the timing, as the other two do
    with Clock() as clock:
        unique = sorted(set(sentences))
        out = model.translate(unique)
    return clock, out


def argos_loop(packages: Path, archive: Path, sentences: list[str]) -> Clock:
    from signalbrief.translate.engine import device, thread_counts

    inter, intra = thread_counts()
    os.environ.update(
        ARGOS_PACKAGES_DIR=str(packages),
        ARGOS_INTER_THREADS=str(inter),
        ARGOS_INTRA_THREADS=str(intra),
        ARGOS_DEVICE_TYPE=device(),
    )
    import argostranslate.package as argos_package
    import argostranslate.translate as argos_translate

    argos_package.install_from_path(archive)
    language = next(lang for lang in argos_translate.get_installed_languages() if lang.code == "en")
    translation = language.get_translation(
        next(lang for lang in argos_translate.get_installed_languages() if lang.code == "zh")
    )
    underlying = getattr(translation, "underlying", translation)

    class WholeText:  # argostranslate's MiniSBD would download a model: one text is one sentence
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    underlying.sentencizer = WholeText()
    translation.translate("warm up")
    with Clock() as clock:
        for text in sentences:
            translation.translate(text)
    return clock


def raw_batch(info, sentences: list[str]) -> tuple[Clock, list[str]]:
    import ctranslate2
    import sentencepiece

    from signalbrief.translate.engine import BATCH, BEAM_SIZE, LENGTH_PENALTY, SPACE, device, thread_counts

    inter, intra = thread_counts()
    translator = ctranslate2.Translator(
        str(info.path / "model"), device=device(), inter_threads=inter, intra_threads=intra
    )
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(info.path / "sentencepiece.model"))
    with Clock() as clock:
        tokens = [tokenizer.encode(s, out_type=str) for s in sentences]
        results = translator.translate_batch(
            tokens, beam_size=BEAM_SIZE, max_batch_size=BATCH, replace_unknowns=True, length_penalty=LENGTH_PENALTY
        )
    return clock, ["".join(r.hypotheses[0]).replace(SPACE, " ").strip() for r in results]


def warm_rebuild(root: Path, info, sentences: list[str]) -> tuple[float, int]:
    from signalbrief.translate.engine import ArgosModel
    from signalbrief.translate.memory import Memory

    memory = Memory(root / "memory.sqlite")
    unique = sorted(set(sentences))
    memory.remember(info.id, "en-zh", dict(zip(unique, ArgosModel(info).translate(unique), strict=True)))
    model = ArgosModel(info)
    start = time.perf_counter()
    found = memory.recall("en-zh", sentences, info.id)
    missing = [s for s in sentences if s not in found]
    if missing:
        model.translate(missing)
    return time.perf_counter() - start, model.calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sentences = texts(args.count)
    unique = sorted(set(sentences))
    with session() as bench:
        root = bench.folder
        archives = build_packages(root)
        from signalbrief.translate.engine import device, thread_counts
        from signalbrief.translate.models import install_file

        info = install_file(archives["en-zh"], root / "models")
        runs: dict[str, list[Clock]] = {"ours": [], "loop": [], "raw": [], "raw unique": []}
        same = []
        for _ in range(args.repeat):  # interleaved: each round sees the same machine
            clock, mine = ours(info, sentences)
            runs["ours"].append(clock)
            runs["loop"].append(argos_loop(root / "argos", archives["en-zh"], sentences))
            runs["raw"].append(raw_batch(info, sentences)[0])
            clock, theirs = raw_batch(info, unique)
            runs["raw unique"].append(clock)
            same.append(sum(a == b for a, b in zip(mine, theirs, strict=True)))
        warm, calls = warm_rebuild(root, info, sentences)
        inter, intra = thread_counts()

        def versus(name: str, kind: str) -> str:
            pairs = zip(runs[name], runs["ours"], strict=True)
            return spread([getattr(base, kind) / getattr(mine, kind) for base, mine in pairs])

        def row(what: str, name: str, target: str = "") -> list[str]:
            wall = f"{statistics.median(c.wall for c in runs[name]):.3f}"
            cpu = f"{statistics.median(c.cpu for c in runs[name]):.2f}"
            if name == "ours":
                return [what, wall, cpu, "", "", target]
            return [what, wall, cpu, versus(name, "wall"), versus(name, "cpu"), target]

        record(
            f"translation, {len(sentences)} texts ({len(unique)} unique) on the tiny test model (beam 4, "
            f"{inter} inter x {intra} intra threads, {device()}, {args.repeat} interleaved rounds)",
            ["what", "wall s, median", "CPU s, median", "its wall / ours, per round", "its CPU / ours", "target"],
            [
                row("signalbrief engine (batched, deduplicated)", "ours"),
                row("argostranslate.translate loop, one call per text", "loop", "≥ 2.5×"),
                row("raw translate_batch, every text (no dedupe)", "raw"),
                row("raw translate_batch, the same unique texts", "raw unique", "≥ 0.9×"),
                ["warm rebuild from the translation memory", f"{warm:.4f}", "", f"{calls} model calls", "", ""],
            ],
            bench,
            note=f"Same translations as the raw batch of the same unique texts: {min(same)} of {len(unique)}.",
        )


if __name__ == "__main__":
    main()
