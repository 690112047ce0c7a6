"""Every XML file of a build (Atom feeds, sitemaps) is well-formed, whatever the briefs hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from xml.dom import minidom

import pytest

from tests.conftest import BETA, VALID, replace_line

# Characters that need care in XML, Unicode edge cases, and (as YAML escapes) characters that XML 1.0
# forbids outright. `validate` may refuse the control characters; whatever it lets through, the XML
# outputs stay well-formed.
UNUSUAL = [
    "Fish & chips <b>bold</b> ]]> \"quoted\" 'single' &amp; &#0; &bogus;",
    "Emoji 🚀 astral 𠀋, bidi \u202eevil\u202c, zero width \u200b, BOM \ufeff, NEL \u0085, C1 \u009b, LS \u2028",
    "Non-characters \ufffe and \uffff",
    "Controls \x1b[31m \x0b \x0c \x08 \x00 \x7f",
]


def q(text: str) -> str:
    """A YAML double-quoted scalar: printable characters as they are, every other one escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}")
    return '"' + "".join(out) + '"'


def xml_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.xml"))


@pytest.mark.parametrize("text", UNUSUAL, ids=["markup", "unicode", "noncharacters", "controls"])
def test_every_xml_output_is_well_formed(publication, run, text):
    brief = replace_line(VALID, (3, 5), f"signal:\n  en: {q(text)}\n  zh: {q(text)}")
    brief = replace_line(brief, 14, f"  en: {q(text + ' [1]')}")
    config = f"title: {{en: {q(text)}, zh: {q(text)}}}\nbase_url: https://example.org/a?b=1&c=2\n"
    root = publication({"alpha": brief, "beta": BETA}, config=config)
    result = run(root, "build", "--allow-untranslated")
    if result.exit_code == 1:  # refused with a positioned error: nothing was written
        assert ": error: " in result.stderr
        assert not (root / "site").exists()
        return
    assert result.exit_code == 0, result.stderr
    files = xml_files(root / "site")
    assert len(files) == 3 * 3  # per edition: two feeds and a sitemap
    for path in files:
        data = path.read_bytes()
        ET.fromstring(data)  # raises ParseError on anything not well-formed
        minidom.parseString(data)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in ET.parse(root / "site/public/en/feed.xml").getroot()]
    assert any(t and t.startswith(text.split()[0]) for t in titles)  # the text itself is kept


def test_xml_chars_drops_exactly_what_xml_forbids():
    from signalbrief.render import xml_chars

    allowed = "\t\n\r a&<\u0085\u009b\ud7ff\ue000\ufffd\U00010000\U0010ffff"
    forbidden = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff\ud800\udfff"
    assert xml_chars(allowed + forbidden + allowed) == allowed + allowed


def test_xml_chars_keeps_every_character_of_xml_s_char_production_and_no_other():
    """XML 1.0's Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF], checked
    over every code point."""
    from signalbrief.render import xml_chars

    ranges = [(0x9, 0x9), (0xA, 0xA), (0xD, 0xD), (0x20, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
    every = "".join(map(chr, range(0x110000)))
    assert xml_chars(every) == "".join(chr(c) for low, high in ranges for c in range(low, high + 1))
