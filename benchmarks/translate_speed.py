"""Translation on the tiny test model: signalbrief's batched engine against a loop calling
`argostranslate.translate.translate` once per text, and against one raw `translate_batch`, on the
same model and texts with the same beam size and threads; then a warm rebuild from the memory.

Usage: python benchmarks/translate_speed.py [N_TEXTS] [--repeat R]   (no network, no torch)
"""

from __future__ import annotations

import argparse
import os
import random
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

INTER, INTRA = 2, 1


def texts(count: int) -> list[str]:
    rng = random.Random(3)
    made = [sentence(rng, 3).rsplit(" [", 1)[0] + "." for _ in range(count)]
    return made + made[: count // 4]  # some texts repeat, as labels and list items do in real briefs


def ours(info, sentences: list[str]) -> float:
    from signalbrief.translate.engine import ArgosModel

    model = ArgosModel(info)
    model._load()  # load outside the timing, as the other two do
    start = time.perf_counter()
    unique = sorted(set(sentences))
    model.translate(unique)
    return time.perf_counter() - start


def argos_loop(packages: Path, archive: Path, sentences: list[str]) -> float:
    os.environ.update(ARGOS_PACKAGES_DIR=str(packages), ARGOS_INTER_THREADS=str(INTER), ARGOS_INTRA_THREADS=str(INTRA))
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
    start = time.perf_counter()
    for text in sentences:
        translation.translate(text)
    return time.perf_counter() - start


def raw_batch(info, sentences: list[str]) -> float:
    import ctranslate2
    import sentencepiece

    translator = ctranslate2.Translator(str(info.path / "model"), inter_threads=INTER, intra_threads=INTRA)
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(info.path / "sentencepiece.model"))
    start = time.perf_counter()
    tokens = [tokenizer.encode(s, out_type=str) for s in sentences]
    from signalbrief.translate.engine import BATCH, BEAM_SIZE, LENGTH_PENALTY

    translator.translate_batch(
        tokens, beam_size=BEAM_SIZE, max_batch_size=BATCH, replace_unknowns=True, length_penalty=LENGTH_PENALTY
    )
    return time.perf_counter() - start


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
        from signalbrief.translate.models import install_file

        info = install_file(archives["en-zh"], root / "models")
        runs: dict[str, list[float]] = {"ours": [], "loop": [], "raw": [], "raw unique": []}
        for _ in range(args.repeat):  # interleaved: each round sees the same machine
            runs["ours"].append(ours(info, sentences))
            runs["loop"].append(argos_loop(root / "argos", archives["en-zh"], sentences))
            runs["raw"].append(raw_batch(info, sentences))
            runs["raw unique"].append(raw_batch(info, unique))
        warm, calls = warm_rebuild(root, info, sentences)
        n = len(sentences)

        def versus(name: str) -> str:
            return spread([base / mine for base, mine in zip(runs[name], runs["ours"], strict=True)])

        def cell(name: str) -> str:
            return f"{statistics.median(runs[name]):.3f}"

        record(
            f"translation, {n} texts ({len(unique)} unique) on the tiny test model (beam 4, {INTER} inter x "
            f"{INTRA} intra threads, {args.repeat} interleaved rounds)",
            ["what", "seconds, median", "its time / ours, per round", "target"],
            [
                ["signalbrief engine (batched, deduplicated)", cell("ours"), "", ""],
                ["argostranslate.translate loop, one call per text", cell("loop"), versus("loop"), "≥ 2.5×"],
                ["raw translate_batch, every text (no dedupe)", cell("raw"), versus("raw"), ""],
                ["raw translate_batch, the same unique texts", cell("raw unique"), versus("raw unique"), "≥ 0.9×"],
                ["warm rebuild from the translation memory", f"{warm:.4f}", f"{calls} model calls", ""],
            ],
            bench,
        )


if __name__ == "__main__":
    main()
