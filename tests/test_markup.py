"""The fast path for texts without Markdown gives what the markdown-it path gives, for every output."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from signalbrief import markup

# Characters around the syntax that matters: brackets and parentheses of citations and links,
# characters markdown-it stops its text rule at, whitespace, and what HTML escaping changes.
_ALPHABET = st.sampled_from([*"ab 1 2 [ ] ( ) ! < > \" ' : @ ~ $ % { } # + - = | \t é 中", "  ", "[1]", "[2]", "[12]"])
_SYNTAX = st.sampled_from(["*", "_", "`", "\\", "&amp;", "&", "\n", "\r", "\x00", "](", "[x](https://e.org)"])


def _cite(number: int) -> tuple[str, int] | None:
    """Source 1 shown as 3, source 2 left out, any other kept as written."""
    return {1: ("#source-3", 3), 2: ("", 2)}.get(number)


def _every_output(text: str) -> tuple[str, str, str]:
    return str(markup.inline_html(text, _cite)), markup.inline_markdown(text, _cite), markup.plain_text.__wrapped__(text)


def _parsed_outputs(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, str]:
    with monkeypatch.context() as patched:
        patched.setattr(markup, "has_syntax", lambda _text: True)
        return _every_output(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=12).map("".join))
def test_texts_without_syntax_render_as_parsed(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assume(not markup.has_syntax(text))  # `](` may still come together
        assert _every_output(text) == _parsed_outputs(text, monkeypatch)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_ALPHABET, _SYNTAX), max_size=12).map("".join))
def test_any_text_renders_as_parsed(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _every_output(text) == _parsed_outputs(text, monkeypatch)


@pytest.mark.parametrize(
    "text",
    ["Rates rose [1] and fell [2].", "a [1](https://e.org) link", "**bold** [1]", "x &amp; y", "tab\tand  spaces  ", ""],
)
def test_examples_render_as_parsed(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _every_output(text) == _parsed_outputs(text, monkeypatch)


@pytest.mark.parametrize("text", ["*a*", "_a_", "`a`", "a\\[1\\]", "&amp;", "a\nb", "[a](b)"])
def test_markdown_syntax_is_parsed(text: str) -> None:
    assert markup.has_syntax(text)


_IMPORTS = """
import sys
from signalbrief import markup
cite = lambda number: None
markup.inline_html("Plain words, a citation [1] and more", cite), markup.plain_text("no syntax [1]")
print("markdown_it" in sys.modules)
markup.inline_html("*emphasis*", cite)
print("markdown_it" in sys.modules)
"""


def test_markdown_it_is_imported_only_for_a_text_with_markdown() -> None:
    ran = subprocess.run([sys.executable, "-c", _IMPORTS], capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["False", "True"]
