"""What machine translation may touch: prose sentences only; Markdown, citations, code, link targets and
glossary terms come out exactly as written."""

from __future__ import annotations

import pytest

from signalbrief.translate.segments import assemble, pieces, split_sentences


def fake(text: str) -> str:
    return f"«{text.upper()}»"


def translate(text: str, source_lang: str = "en", glossary=()) -> str:
    parts = pieces(text, list(glossary), source_lang)
    known = {p.text: fake(p.text) for p in parts if p.translate}
    return assemble(parts, known, "zh" if source_lang == "en" else "en")


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("One. Two! Three? four.", "en", ["One. ", "Two! ", "Three? four."]),
        (
            "The U.S. and U.K. agreed. Then Dr. Smith spoke.",
            "en",
            ["The U.S. and U.K. agreed. ", "Then Dr. Smith spoke."],
        ),
        ("He said “Go.” Then left.", "en", ["He said “Go.” ", "Then left."]),
        ("第一句。第二句！第三句？", "zh", ["第一句。", "第二句！", "第三句？"]),
        ("没有句号", "zh", ["没有句号"]),
    ],
)
def test_sentence_rules(text, lang, expected):
    assert split_sentences(text, lang) == expected


def test_citations_code_links_and_emphasis_are_kept():
    source = "See *the* [report](https://example.org/a_b?x=1) and `run --fast` [1] [2]."
    assert translate(source) == "«SEE» *«THE»* [«REPORT»](<https://example.org/a_b?x=1>) «AND» `run --fast` [1] [2]。"


def test_sentences_are_translated_separately_and_numbers_stay_in_their_sentence():
    parts = pieces("Revenue rose 12% in 2024. Costs fell.", [], "en")
    assert [p.text for p in parts if p.translate] == ["Revenue rose 12% in 2024.", "Costs fell."]


def test_glossary_terms_come_out_exactly():
    glossary = [("AI Safety Institute", "AI安全研究所"), ("memorandum", "备忘录")]
    out = translate("The AI Safety Institute signed a Memorandum.", glossary=glossary)
    assert "AI安全研究所" in out and "备忘录" in out
    assert "SAFETY" not in out and "MEMORANDUM" not in out


def test_glossary_matches_whole_words_only():
    out = translate("Memorandums differ.", glossary=[("memorandum", "备忘录")])
    assert "备忘录" not in out


def test_zh_to_en_converts_kept_punctuation_and_spacing():
    out = translate("美英签署协议 [1]。双方同意 [2]。", source_lang="zh")
    assert out == "«美英签署协议» [1]. «双方同意» [2]."


def test_translated_text_is_escaped_as_markdown():
    parts = pieces("Plain words.", [], "en")
    assert assemble(parts, {"Plain words.": "<b>*x*</b>"}, "zh") == "\\<b\\>\\*x\\*\\</b\\>"


def test_escaped_brackets_stay_escaped_text():
    assert translate("Keep \\[3\\] here.") == "«KEEP» \\[3\\] «HERE.»"


def test_bare_urls_are_kept():
    out = translate("Read https://example.org/a_b?x=1. Then act.")
    assert "https://example.org/a\\_b?x=1" in out and "«READ»" in out and "«THEN ACT.»" in out
