"""Put the fill step's machine translations into a brief and its card: pure, no engine, no I/O."""

from __future__ import annotations

from dataclasses import replace

from signalbrief.model import Brief, Card, Text

Fills = dict[tuple[tuple, str], str]  # (field path, language) -> machine text, of one brief


def apply(brief: Brief, fills: Fills) -> Brief:
    """The brief with the translated languages added to its texts, marked as machine text."""
    for (path, lang), text in fills.items():
        brief = _with_text(brief, path, lang, text)
    return brief


def apply_to_card(card: Card, fills: Fills) -> Card:
    """A card with its signal and summary translated like the brief's."""
    for (path, lang), text in fills.items():
        if path in (("signal",), ("summary",)):
            name = path[0]
            card = replace(card, **{name: _with_text(getattr(card, name), (), lang, text)})
    return card


def _with_text(node, path: tuple, lang: str, value: str):
    if not path:
        assert isinstance(node, Text)
        return node.with_text(lang, value)
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(node)
        items[head] = _with_text(items[head], rest, lang, value)
        return items
    return node.model_copy(update={head: _with_text(getattr(node, head), rest, lang, value)})
