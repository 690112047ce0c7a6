"""Cut a text into what machine translation may touch and what it must keep exactly.

A text is inline Markdown. Its prose is split into sentences for the model; Markdown markers,
`[n]` citations, inline code, link targets and glossary terms are kept out of the model's reach and
put back around the translated sentences, so they come out exactly as written (glossary terms as
the glossary says).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from signalbrief.markup import CITATION, inline_tokens, markdown_escape

_BARE_URL = re.compile(r"https?://[^\s<>\]\[)(]*[^\s<>\]\[)(.,;:!?。，；：！？]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# English sentence ends: . ! ? (and closing quotes) followed by space and a capital, digit or quote.
_EN_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9\"“‘(])")
_ABBREVIATIONS = (
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "St.",
    "No.",
    "vs.",
    "etc.",
    "e.g.",
    "i.e.",
    "U.S.",
    "U.K.",
    "Inc.",
    "Ltd.",
    "Co.",
    "Jan.",
    "Feb.",
    "Mar.",
    "Apr.",
    "Aug.",
    "Sep.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)
_ZH_END = re.compile(r"(?<=[。！？；])[”’」』）]?")


@dataclass(frozen=True)
class Piece:
    """Part of a text: prose for the model (`translate=True`) or Markdown kept as written."""

    text: str
    translate: bool


Glossary = list[tuple[str, str]]  # (source term, target term), longest first


def pieces(text: str, glossary: Glossary, source_lang: str) -> list[Piece]:
    """Split a text's inline Markdown into prose to translate and parts to keep."""
    out: list[Piece] = []
    link_target: str | None = None
    for token in inline_tokens(text):
        kind = token.type
        if kind == "text":
            out += _prose(token.content, glossary, source_lang)
        elif kind == "text_special":
            out.append(Piece(markdown_escape(token.content), False))
        elif kind in ("em_open", "em_close"):
            out.append(Piece("*", False))
        elif kind in ("strong_open", "strong_close"):
            out.append(Piece("**", False))
        elif kind == "code_inline":
            fence = "``" if "`" in token.content else "`"
            out.append(Piece(f"{fence}{token.content}{fence}", False))
        elif kind == "link_open":
            link_target = str(token.attrs.get("href", ""))
            out.append(Piece("[", False))
        elif kind == "link_close":
            out.append(Piece(f"](<{link_target}>)", False))
        elif kind in ("softbreak", "hardbreak"):
            out.append(Piece(" ", False))
        else:
            out.append(Piece(markdown_escape(token.content), False))
    return out


def _prose(text: str, glossary: Glossary, source_lang: str) -> list[Piece]:
    """Cut plain text at citations and glossary terms; what remains is prose."""
    out: list[Piece] = []
    last = 0
    for start, end, kept in _kept_spans(text, glossary, source_lang):
        out += _sentences(text[last:start], source_lang)
        out.append(Piece(kept, False))
        last = end
    out += _sentences(text[last:], source_lang)
    return out


def _kept_spans(text: str, glossary: Glossary, source_lang: str) -> list[tuple[int, int, str]]:
    spans = [(m.start(), m.end(), m.group(0)) for m in CITATION.finditer(text)]
    spans += [(m.start(), m.end(), markdown_escape(m.group(0))) for m in _BARE_URL.finditer(text)]
    for source, target in glossary:
        pattern = re.escape(source)
        if source_lang == "en":
            pattern = rf"(?<![\w-]){pattern}(?![\w-])"
        for match in re.finditer(pattern, text, flags=re.IGNORECASE if source_lang == "en" else 0):
            if not any(s < match.end() and match.start() < e for s, e, _ in spans):
                spans.append((match.start(), match.end(), markdown_escape(target)))
    return sorted(spans)


def _sentences(text: str, source_lang: str) -> list[Piece]:
    """Sentences with letters go to the model; whitespace and punctuation between them are kept."""
    if not text:
        return []
    parts = split_sentences(text, source_lang)
    out = []
    for part in parts:
        stripped = part.strip()
        if not _LETTER.search(stripped):
            out.append(Piece(markdown_escape(convert_punctuation(part, source_lang)), False))
            continue
        lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
        if lead:
            out.append(Piece(lead, False))
        out.append(Piece(stripped, True))
        if trail:
            out.append(Piece(trail, False))
    return out


_TO_ZH = {".": "。", ",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_TO_EN = {"。": ". ", "，": ", ", "；": "; ", "：": ": ", "！": "! ", "？": "? ", "、": ", "}


def convert_punctuation(text: str, source_lang: str) -> str:
    """Turn punctuation kept between citations into the other language's marks."""
    if source_lang == "en":
        return "".join(_TO_ZH.get(ch, ch) for ch in text)
    return "".join(_TO_EN.get(ch, ch) for ch in text)


def split_sentences(text: str, lang: str) -> list[str]:
    """Split at sentence ends by simple rules for English and Chinese (no model, no download)."""
    pattern = _ZH_END if lang == "zh" else _EN_END
    cuts, last = [], 0
    for match in pattern.finditer(text):
        if lang == "en" and text[last : match.start()].rstrip().endswith(_ABBREVIATIONS):
            continue
        cuts.append(text[last : match.end()])
        last = match.end()
    cuts.append(text[last:])
    return [cut for cut in cuts if cut]


def assemble(parts: list[Piece], translated: dict[str, str], target_lang: str) -> str:
    """Put a text back together from its kept parts and the translations of its sentences."""
    out: list[str] = []
    for piece in parts:
        out.append(markdown_escape(translated[piece.text]) if piece.translate else piece.text)
    text = "".join(out)
    if target_lang == "zh":
        # Spaces between words are an English habit; keep none beside Chinese characters.
        text = re.sub(rf"(?<={_CJK.pattern}) +| +(?={_CJK.pattern})", "", text)
    return " ".join(text.split(" ")).strip()
