"""Cut a text into what machine translation may touch and what it must keep exactly.

A text is inline Markdown. Its prose is split into sentences for the model; Markdown markers,
`[n]` citations, inline code, link targets and glossary terms are kept out of the model's reach and
put back around the translated sentences, so they come out exactly as written (glossary terms as
the glossary says).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from signalbrief.languages import language
from signalbrief.markup import CITATION, inline_tokens, markdown_escape

_BARE_URL = re.compile(r"https?://[^\s<>\]\[)(]*[^\s<>\]\[)(.,;:!?。，；：！？]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
@dataclass(frozen=True)
class Piece:
    """Part of a text: prose for the model (`translate=True`) or Markdown kept as written."""

    text: str
    translate: bool
    marks: bool = False  # punctuation kept between citations: written in the target language's marks


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
        spaced = language(source_lang).spaced
        if spaced:
            pattern = rf"(?<![\w-]){pattern}(?![\w-])"
        for match in re.finditer(pattern, text, flags=re.IGNORECASE if spaced else 0):
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
            out.append(Piece(part, False, marks=True))
            continue
        lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
        if lead:
            out.append(Piece(lead, False))
        out.append(Piece(stripped, True))
        if trail:
            out.append(Piece(trail, False))
    return out


def convert_punctuation(text: str, target_lang: str) -> str:
    """Write punctuation kept between citations in the target language's marks."""
    marks = language(target_lang).punctuation
    return "".join(marks.get(ch, ch) for ch in text)


def split_sentences(text: str, lang: str) -> list[str]:
    """Split at sentence ends by the language's own rules (no model, no download)."""
    return language(lang).splitter(text)


def assemble(parts: list[Piece], translated: dict[str, str], target_lang: str) -> str:
    """Put a text back together from its kept parts and the translations of its sentences."""
    out: list[str] = []
    for piece in parts:
        if piece.marks:
            out.append(markdown_escape(convert_punctuation(piece.text, target_lang)))
        else:
            out.append(markdown_escape(translated[piece.text]) if piece.translate else piece.text)
    text = "".join(out)
    if not language(target_lang).spaced:
        # Spaces between words are an English habit; keep none beside Chinese characters.
        text = re.sub(rf"(?<={_CJK.pattern}) +| +(?={_CJK.pattern})", "", text)
    return " ".join(text.split(" ")).strip()
