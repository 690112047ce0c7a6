"""Build tiny real Argos packages for tests: a hand-weighted word-for-word glossary translator.

No torch, no download, well under a second. The CTranslate2 Transformer copies each source piece
to the output, mapping glossary words (policy -> 政策, agreement -> 协议, ...) and passing every other
character through (unknown pieces are copied back by `replace_unknowns`). Adapted from
../shared/tools/make_glossary_model.py, which explains the weights in detail.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

GLOSSARY = {
    "policy": "政策",
    "agreement": "协议",
    "trade": "贸易",
    "culture": "文化",
    "government": "政府",
    "publisher": "出版社",
    "translation": "翻译",
    "report": "报告",
}
CJK_PUNCT = "。，、；：？！“”‘’（）《》【】—…·"
MAX_POS = 1024
PERIODS = [1031.0, 257.3, 61.7, 23.1, 9.7, 5.3, 3.7, 2.9]
K = len(PERIODS)


def _sentencepiece() -> tuple[bytes, list[str]]:
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["a b c d e f g h"] * 4),
        model_writer=buf,
        vocab_size=12,
        hard_vocab_limit=False,
        normalization_rule_name="identity",
        minloglevel=2,
    )
    model = pb.ModelProto()
    model.ParseFromString(buf.getvalue())
    del model.pieces[:]
    kinds = pb.ModelProto.SentencePiece
    pieces: list[str] = []

    def add(piece: str, score: float, kind=kinds.NORMAL) -> None:
        if piece not in pieces:
            entry = model.pieces.add()
            entry.piece, entry.score, entry.type = piece, score, kind
            pieces.append(piece)

    add("<unk>", 0.0, kinds.UNKNOWN)
    add("<s>", 0.0, kinds.CONTROL)
    add("</s>", 0.0, kinds.CONTROL)
    for en, zh in GLOSSARY.items():
        add("\u2581" + en, 0.0)
        add("\u2581" + en.capitalize(), 0.0)
        add(zh, 0.0)
        add("\u2581" + zh, 0.0)
    add("\u2581", -10.0)
    for ch in [chr(i) for i in range(33, 127)] + list(CJK_PUNCT) + sorted(set("".join(GLOSSARY.values()))):
        add(ch, -10.0)
    model.trainer_spec.vocab_size = len(pieces)
    return model.SerializeToString(), pieces


def _positions(d: int, v: int) -> tuple[np.ndarray, float]:
    theta = 2 * np.pi / np.array(PERIODS)
    angles = np.arange(MAX_POS)[:, None] * theta[None, :]
    table = np.zeros((MAX_POS, d), np.float32)
    table[:, v:] = np.concatenate([np.cos(angles), np.sin(angles), -np.cos(angles), -np.sin(angles)], axis=1)
    delta = np.arange(1, MAX_POS)
    runner_up = np.cos(delta[:, None] * theta[None, :]).sum(1).max()
    return table, 2 * (K - runner_up)


def _model(folder: Path, pieces: list[str], mapping: dict[str, str]) -> None:
    from ctranslate2.specs import transformer_spec

    v = len(pieces)
    d = v + 4 * K
    index = {p: i for i, p in enumerate(pieces)}
    table, margin = _positions(d, v)
    query_scale = 40.0 / margin * np.sqrt(d) * np.sqrt(2 * K / d)
    zeros = lambda *shape: np.zeros(shape, np.float32)  # noqa: E731
    tokens = zeros(d, d)
    tokens[np.arange(v), np.arange(v)] = 1
    position = zeros(d, d)
    position[np.arange(v, d), np.arange(v, d)] = 1

    spec = transformer_spec.TransformerSpec.from_config(1, 1, no_final_norm=True)
    encoder, decoder = spec.encoder, spec.decoder
    encoder.scale_embeddings = decoder.scale_embeddings = False
    embeddings = zeros(v, d)
    embeddings[np.arange(v), np.arange(v)] = 1
    encoder.embeddings[0].weight = embeddings
    encoder.position_encodings.encodings = table
    decoder.embeddings.weight = zeros(v, d)
    decoder.position_encodings.encodings = table.copy()

    def norm(s) -> None:
        s.gamma, s.beta = np.ones(d, np.float32), zeros(d)

    def linear(s, out: int, inp: int) -> None:
        s.weight, s.bias = zeros(out, inp), zeros(out)

    for layer in (encoder.layer[0], decoder.layer[0]):
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, 4, d)
        linear(layer.ffn.linear_1, d, 4)
    attention = decoder.layer[0].attention
    norm(attention.layer_norm)
    attention.linear[0].weight, attention.linear[0].bias = (query_scale * position).astype(np.float32), zeros(d)
    attention.linear[1].weight = np.concatenate([position, tokens]).astype(np.float32)
    attention.linear[1].bias = zeros(2 * d)
    attention.linear[2].weight, attention.linear[2].bias = (40.0 * tokens).astype(np.float32), zeros(d)
    projection = zeros(v, d)
    for i, piece in enumerate(pieces):
        projection[index[mapping.get(piece, piece)], i] = 1.0
    decoder.projection.weight, decoder.projection.bias = projection, zeros(v)
    spec.config.add_source_eos = True
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    spec.validate()
    folder.mkdir(parents=True, exist_ok=True)
    spec.save(str(folder))


def build_packages(out: Path, version: str = "1.0") -> dict[str, Path]:
    """Write translate-en_zh-glossary.argosmodel and translate-zh_en-glossary.argosmodel into `out`."""
    sp_bytes, pieces = _sentencepiece()
    en_zh, zh_en = {}, {}
    for en, zh in GLOSSARY.items():
        en_zh["\u2581" + en] = en_zh["\u2581" + en.capitalize()] = zh
        zh_en[zh] = zh_en["\u2581" + zh] = "\u2581" + en
    built = {}
    for source, target, mapping in (("en", "zh", en_zh), ("zh", "en", zh_en)):
        name = f"translate-{source}_{target}-glossary"
        staging = out / f"{name}-files"
        _model(staging / "model", pieces, mapping)
        metadata = {
            "package_version": version,
            "argos_version": "1.12.1",
            "type": "translate",
            "from_code": source,
            "from_name": source,
            "to_code": target,
            "to_name": target,
            "links": [],
        }
        archive = out / f"{name}.argosmodel"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package:
            package.writestr(f"{name}/metadata.json", json.dumps(metadata))
            package.writestr(f"{name}/sentencepiece.model", sp_bytes)
            for file in sorted((staging / "model").iterdir()):
                package.write(file, f"{name}/model/{file.name}")
        built[f"{source}-{target}"] = archive
    return built
