"""Run an installed Argos package's CTranslate2 model and SentencePiece tokenizer, batched.

argostranslate translates one text at a time with its own sentence splitter (which downloads a
model on first use); here every sentence of a whole run goes through a few `translate_batch` calls,
sorted by length, with thread counts chosen for the machine and no silent truncation.

The search is argostranslate's (beam 4, length penalty 0.2, at most 256 target tokens, unknown
tokens replaced by the source piece they attend most to), so the translations are the same, but
the attention that the replacing needs is asked for only where it can matter: with
`replace_unknowns` CTranslate2 copies every hypothesis's whole attention history at each decoding
step (a fifth of the time on the test model). Sentences with a piece out of the vocabulary are
searched with it; the others without, and searched again with it in the rare case the model wrote
the unknown token anyway. A sentence whose best hypothesis reached the 256-token limit is searched
again with a longer one, so nothing is cut short silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from signalbrief.cores import usable_cores
from signalbrief.translate.models import ModelError, ModelInfo

BEAM_SIZE = 4  # argostranslate's default, so quality matches its own output
LENGTH_PENALTY = 0.2  # as argostranslate
MAX_SOURCE_TOKENS = 200  # longer sentences are cut at word starts and translated in parts
CALL = 512  # sentences per translate_batch call (the progress bar moves once per call)
BATCH = 2  # sentences per batch inside a call; measured on 2 cores, small batches decode fastest (beam 4)
SPACE = "\u2581"  # SentencePiece's word-start mark
DECODING_LIMIT = 256  # target tokens: CTranslate2's default, as argostranslate searches
LONGEST_DECODING = 1024  # the longest limit for a sentence cut short by DECODING_LIMIT


def thread_counts(cores: int | None = None) -> tuple[int, int]:
    """(inter_threads, intra_threads): measured on 2 cores, 2 x 1 beat every other split."""
    cores = cores or usable_cores()
    inter = min(cores, 4)
    return inter, max(1, cores // inter)


def device() -> str:
    """Where CTranslate2 runs the model: the GPU if it sees one."""
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


class ArgosModel:
    """One direction's model, loaded on first use."""

    def __init__(self, info: ModelInfo):
        self.info = info
        self._translator = None
        self._tokenizer = None
        self._prefix: list[str] | None = None
        self._unknown = "<unk>"
        self._unknown_id = 0
        self.calls = 0  # translate_batch calls

    def _load(self) -> None:
        if self._translator is not None:
            return
        import ctranslate2
        import sentencepiece

        inter, intra = thread_counts()
        try:
            self._translator = ctranslate2.Translator(
                str(self.info.path / "model"), device=device(), inter_threads=inter, intra_threads=intra
            )
            self._tokenizer = sentencepiece.SentencePieceProcessor(
                model_file=str(self.info.path / "sentencepiece.model")
            )
            metadata = json.loads((self.info.path / "metadata.json").read_text(encoding="utf-8"))
        except (RuntimeError, OSError, ValueError) as exc:
            raise ModelError(f"{self.info.path}: cannot load the model: {exc}") from None
        prefix = metadata.get("target_prefix") or ""
        self._prefix = [prefix] if prefix else None
        self._unknown = _unknown_token(self.info.path / "model" / "config.json")
        self._unknown_id = self._tokenizer.unk_id()

    def translate(self, sentences: list[str], progress: Callable[[int], None] | None = None) -> list[str]:
        """Translate sentences; each comes back as one string, in the same order."""
        self._load()
        assert self._tokenizer is not None
        parts: list[list[str]] = []  # token lists to translate
        owners: list[int] = []  # which sentence each part belongs to
        for index, sentence in enumerate(sentences):
            for part in _cut(self._tokenizer.encode(sentence, out_type=str)):
                parts.append(part)
                owners.append(index)
        order = sorted(range(len(parts)), key=lambda i: len(parts[i]))
        outputs: list[str] = [""] * len(parts)
        for start in range(0, len(order), CALL):
            chunk = order[start : start + CALL]
            for i, text in zip(chunk, self._translate_chunk([parts[i] for i in chunk]), strict=True):
                outputs[i] = text
            if progress:
                progress(len(chunk))
        joined: list[list[str]] = [[] for _ in sentences]
        for owner, text in zip(owners, outputs, strict=True):
            joined[owner].append(text)
        return [" ".join(pieces).strip() for pieces in joined]

    def _translate_chunk(self, batch: list[list[str]]) -> list[str]:
        """Translate one call's token lists, searching with attention only where it can matter."""
        hypotheses: list[list[str]] = [[] for _ in batch]
        marked = [self._has_unknown(tokens) for tokens in batch]
        plain = [i for i, unknown in enumerate(marked) if not unknown]
        self._search_into(batch, hypotheses, plain, DECODING_LIMIT, replace=False)
        with_unknown = [i for i, unknown in enumerate(marked) if unknown]
        self._search_into(batch, hypotheses, with_unknown, DECODING_LIMIT, replace=True)
        # The model may also write the unknown token for a piece it knows (rare): search those again.
        wrote_unknown = [i for i in plain if self._unknown in hypotheses[i] and not self._cut_short(hypotheses[i])]
        self._search_into(batch, hypotheses, wrote_unknown, DECODING_LIMIT, replace=True)
        cut_short = [i for i, tokens in enumerate(hypotheses) if self._cut_short(tokens)]
        if cut_short:
            longest = max(len(batch[i]) for i in cut_short)
            limit = max(DECODING_LIMIT, min(LONGEST_DECODING, 3 * longest + 16))
            self._search_into(batch, hypotheses, cut_short, limit, replace=True)
        return [self._decode(tokens) for tokens in hypotheses]

    def _has_unknown(self, tokens: list[str]) -> bool:
        """Whether a piece is out of the vocabulary (the model will write the unknown token for it)."""
        assert self._tokenizer is not None
        return self._unknown_id in self._tokenizer.piece_to_id(tokens)

    def _search_into(
        self, batch: list[list[str]], hypotheses: list[list[str]], which: list[int], limit: int, replace: bool
    ) -> None:
        """Search these sentences, with the attention that replaces unknown tokens if `replace`."""
        if which:
            found = self._search([batch[i] for i in which], limit, replace_unknowns=replace)
            for i, tokens in zip(which, found, strict=True):
                hypotheses[i] = tokens

    def _search(self, batch: list[list[str]], limit: int, replace_unknowns: bool) -> list[list[str]]:
        """The best hypothesis of each sentence, as argostranslate's search finds it."""
        assert self._translator is not None
        self.calls += 1
        results = self._translator.translate_batch(
            batch,
            target_prefix=[self._prefix] * len(batch) if self._prefix else None,
            max_batch_size=BATCH,
            beam_size=BEAM_SIZE,
            length_penalty=LENGTH_PENALTY,
            replace_unknowns=replace_unknowns,
            max_input_length=0,
            max_decoding_length=limit,
        )
        return [result.hypotheses[0] for result in results]

    def _cut_short(self, tokens: list[str]) -> bool:
        """Whether the search stopped at the limit rather than at the end of the sentence (one
        token early too: the target prefix may or may not count towards the limit)."""
        return len(tokens) - (1 if self._prefix else 0) >= DECODING_LIMIT - 1

    def _decode(self, tokens: list[str]) -> str:
        if self._prefix and tokens[:1] == self._prefix:
            tokens = tokens[1:]
        # Join pieces ourselves: the unknown-token replacements are source pieces the tokenizer
        # cannot decode; only the word-start mark becomes a space (never `_`).
        return "".join(tokens).replace(SPACE, " ").strip()


def _unknown_token(config: Path) -> str:
    """The model's unknown token (older CTranslate2 models have no config.json: its default)."""
    try:
        return json.loads(config.read_text(encoding="utf-8")).get("unk_token") or "<unk>"
    except (OSError, ValueError, AttributeError):
        return "<unk>"


def _cut(tokens: list[str]) -> list[list[str]]:
    """Cut a long token list at word starts so that no part exceeds MAX_SOURCE_TOKENS."""
    if len(tokens) <= MAX_SOURCE_TOKENS:
        return [tokens]
    parts, current = [], []
    for token in tokens:
        if len(current) >= MAX_SOURCE_TOKENS or (
            token.startswith(SPACE) and len(current) >= MAX_SOURCE_TOKENS * 3 // 4
        ):
            parts.append(current)
            current = []
        current.append(token)
    if current:
        parts.append(current)
    return parts
