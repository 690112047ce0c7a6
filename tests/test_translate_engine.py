"""The batched engine on the tiny real model: the same translations as one raw `translate_batch`
with argostranslate's search, unknown pieces copied back, nothing cut short, attention only where needed."""

from __future__ import annotations

import pytest

from signalbrief.translate import engine
from signalbrief.translate.engine import ArgosModel
from signalbrief.translate.models import install_file

SENTENCES = [
    "The policy agreement on trade was signed.",
    "Culture and government report a translation.",
    "Café résumé naïve, déjà vu.",  # accented letters: not in the tiny vocabulary
    "The publisher ☃ costs 5 €.",
    "A b c d e f g h i j k l m n o p q r s t u v w x y z.",
    "Policy.",
]


@pytest.fixture(scope="module")
def info(glossary_packages, tmp_path_factory):
    return install_file(glossary_packages["en-zh"], tmp_path_factory.mktemp("models"))


class Recorder:
    """Stands in for the CTranslate2 translator and notes each translate_batch call's options."""

    def __init__(self, translator):
        self.translator = translator
        self.options: list[dict] = []

    def translate_batch(self, batch, **options):
        self.options.append({"sentences": len(batch), **options})
        return self.translator.translate_batch(batch, **options)


def loaded(info) -> ArgosModel:
    model = ArgosModel(info)
    model._load()
    return model


def raw(model: ArgosModel, sentences: list[str]) -> list[str]:
    """One translate_batch call as argostranslate makes it (CTranslate2's defaults otherwise)."""
    tokens = [model._tokenizer.encode(s, out_type=str) for s in sentences]
    results = model._translator.translate_batch(
        tokens, beam_size=4, length_penalty=0.2, replace_unknowns=True, max_batch_size=engine.BATCH
    )
    return [model._decode(result.hypotheses[0]) for result in results]


def test_the_engine_translates_as_one_raw_translate_batch(info):
    model = loaded(info)
    assert model.translate(SENTENCES) == raw(model, SENTENCES)


def test_unknown_pieces_come_back_as_written(info):
    out = loaded(info).translate(SENTENCES)
    assert "<unk>" not in "".join(out)
    assert out[2] == "Café résumé naïve, déjà vu."
    assert "☃" in out[3] and "€" in out[3]
    assert "政策" in out[0] and "协议" in out[0] and "贸易" in out[0]


def test_only_sentences_with_an_unknown_piece_are_searched_with_attention(info):
    model = loaded(info)
    recorder = model._translator = Recorder(model._translator)
    model.translate(SENTENCES)
    calls = [(o["sentences"], o["replace_unknowns"]) for o in recorder.options]
    assert calls == [(4, False), (2, True)]  # the two with é, ☃ and € are searched once, with it
    assert model.calls == 2


def test_an_unknown_token_the_model_wrote_for_a_known_piece_is_replaced_too(info, monkeypatch):
    model = loaded(info)
    expected = model.translate(SENTENCES)
    monkeypatch.setattr(ArgosModel, "_has_unknown", lambda self, tokens: False)  # as if every piece were known
    recorder = model._translator = Recorder(model._translator)
    assert model.translate(SENTENCES) == expected
    assert [(o["sentences"], o["replace_unknowns"]) for o in recorder.options] == [(6, False), (2, True)]


def test_without_unknown_tokens_one_call_and_no_attention(info):
    model = loaded(info)
    recorder = model._translator = Recorder(model._translator)
    model.translate([SENTENCES[0], SENTENCES[1]])
    assert [(o["sentences"], o["replace_unknowns"]) for o in recorder.options] == [(2, False)]


def test_a_sentence_cut_short_by_the_limit_is_searched_again_longer(info, monkeypatch):
    model = loaded(info)
    expected = model.translate(SENTENCES)
    monkeypatch.setattr(engine, "DECODING_LIMIT", 12)  # shorter than most outputs here
    recorder = model._translator = Recorder(model._translator)
    assert model.translate(SENTENCES) == expected
    limits = [o["max_decoding_length"] for o in recorder.options]
    assert limits[0] == 12 and max(limits) > 3 * 12


def test_a_model_without_config_json_uses_the_usual_unknown_token(tmp_path):
    assert engine._unknown_token(tmp_path / "config.json") == "<unk>"
    (tmp_path / "config.json").write_text('{"unk_token": "<UNK>"}', encoding="utf-8")
    assert engine._unknown_token(tmp_path / "config.json") == "<UNK>"
    (tmp_path / "config.json").write_text("[1]", encoding="utf-8")
    assert engine._unknown_token(tmp_path / "config.json") == "<unk>"
