"""The loader keeps positions and refuses what a brief must not contain."""

from __future__ import annotations

import pytest

from signalbrief.errors import InvalidInput
from signalbrief.loader import MAX_FILE_BYTES, MachineText, Scalar, load_bytes


def problems_of(raw: bytes) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_bytes(raw, "b.yaml")
    return [str(p) for p in caught.value.problems]


def test_positions_of_keys_and_values():
    doc = load_bytes(b"a: 1\nb:\n  - x\n  - {c: 'd'}\n", "b.yaml")
    assert doc.data == {"a": Scalar("1", "int"), "b": ["x", {"c": "d"}]}
    assert str(doc.locate(("b", 1, "c"))) == "b.yaml:4:9"
    assert str(doc.locate(("b", 1, "c"), key=True)) == "b.yaml:4:6"
    assert str(doc.locate(("b", 7, "zz"))) == "b.yaml:3:3"


def test_yaml_11_typing_is_kept_visible_not_applied():
    doc = load_bytes(b"a: NO\nb: 012\nc: '012'\nd: 12:30\ne: 0.90\nf: !mt x\n", "b.yaml")
    assert doc.data["a"] == Scalar("NO", "bool")
    assert doc.data["b"] == Scalar("012", "int")
    assert doc.data["c"] == "012"
    assert doc.data["d"] == Scalar("12:30", "int")
    assert doc.data["e"] == Scalar("0.90", "float")
    assert isinstance(doc.data["f"], MachineText)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "b.yaml:1:1: error: file is empty; a brief is a mapping of fields"),
        (b"# only a comment\n", "b.yaml:1:1: error: file is empty; a brief is a mapping of fields"),
        (b"- a\n- b\n", "b.yaml:1:1: error: the top level must be a mapping of fields (`key: value` lines)"),
        (b"just text\n", "b.yaml:1:1: error: the top level must be a mapping of fields (`key: value` lines)"),
        (b"a: 1\na: 2\n", "b.yaml:2:1: error: a: duplicate key (first written at line 1)"),
        (b"n:\n  b: x\n  a: y\n  a: z\n", "b.yaml:4:3: error: n.a: duplicate key (first written at line 3)"),
        # The refused merge key is not the first `<<`: the first one read as a plain key is.
        (b'<<: {}\n"<<": a\n"<<": b\n', 'b.yaml:3:1: error: <<: duplicate key (first written at line 2)'),
        (b"a: &x 1\n", "b.yaml:1:4: error: anchor &x is not allowed; write the value out"),
        (b"a: [1]\nb: *x\n", "b.yaml:2:4: error: alias *x is not allowed; write the value out"),
        (b"<<: {a: 1}\n", "b.yaml:1:1: error: merge keys (<<) are not allowed; write the fields out"),
        (b"a:\n\t- 1\n", "b.yaml:2:1: error: tab used for indentation; indent with spaces"),
        (b"a: \xff\n", "b.yaml:1:4: error: file is not valid UTF-8 (byte 0xff); save it as UTF-8"),
        (b"\xff\xfea\x00:\x00", "b.yaml:1:1: error: file is UTF-16; save it as UTF-8"),
        # The parser's own words follow "invalid YAML:"; they are its, not ours, so not pinned here.
        (b"a: [b\n", "b.yaml:2:1: error: invalid YAML: "),
        (b"a: b\n---\nc: d\n", "b.yaml:2:1: error: invalid YAML: "),
        (b"? [a]\n: b\n", "b.yaml:1:3: error: a key must be a plain name, not a list or mapping"),
        (
            b"a: !!binary aGk=\n",
            "b.yaml:1:4: error: a: tag tag:yaml.org,2002:binary is not supported; only !mt (machine translation) is used in briefs",
        ),
        (
            b"a: !!set {x}\n",
            "b.yaml:1:4: error: a: tag tag:yaml.org,2002:set is not supported; only !mt (machine translation) is used in briefs",
        ),
        (b"a: \x00\n", "b.yaml:1:4: error: control character U+0000 is not allowed; remove it"),
        (b"a: b\n\x1b[2J\n", "b.yaml:2:1: error: control character U+001B is not allowed; remove it"),
        (b"a: 'x\xc2\x9by'\n", "b.yaml:1:6: error: control character U+009B is not allowed; remove it"),
        ("a: 中文\x1bx\n".encode(), "b.yaml:1:6: error: control character U+001B is not allowed; remove it"),
        ("a: 中文\n\ufffe\n".encode(), "b.yaml:2:1: error: character U+FFFE is not allowed; remove it"),
        (b"a: x\xc2\x85y\n", "b.yaml:1:5: error: control character U+0085 is not allowed; remove it"),
        (b'a: "x\\vy"\n', "b.yaml:1:6: error: a: control character U+000B is not allowed; remove it"),
        (b'a: "\\\\e \\e[1m"\n', "b.yaml:1:9: error: a: control character U+001B is not allowed; remove it"),
        (b'a:\n  - "\\x7f"\n', "b.yaml:2:6: error: a[0]: control character U+007F is not allowed; remove it"),
        (b'a: "x\\\n  y\\r"\n', "b.yaml:2:4: error: a: control character U+000D is not allowed; remove it"),
        (b'"k\\0": 1\n', "b.yaml:1:3: error: control character U+0000 is not allowed; remove it"),
    ],
)
def test_refusals_are_positioned(raw, expected):
    assert any(problem.startswith(expected) for problem in problems_of(raw)), problems_of(raw)


def test_alias_is_refused_at_its_position():
    found = problems_of(b"a: &x [1]\nb: *x\n")
    assert "b.yaml:1:4: error: anchor &x is not allowed; write the value out" in found
    assert "b.yaml:2:4: error: alias *x is not allowed; write the value out" in found


def test_alias_bomb_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    found = problems_of("\n".join(lines).encode())
    assert found[0] == "b.yaml:1:4: error: anchor &a is not allowed; write the value out"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "1:35"),
        (b"a: " + b"{a: " * 100_000 + b"}" * 100_000 + b"\n", "1:128"),
        (b"a:\n" + b"- " * 50_000 + b"x\n", "2:63"),
        (b"".join(b" " * i + b"k:\n" for i in range(1100)), "33:33"),
    ],
    ids=["flow sequences", "flow mappings", "block sequences", "block mappings"],
)
def test_deep_nesting_is_refused_by_our_limit_without_crashing(raw, where):
    # Far past any parser's own limit (libyaml stops at 1,000 levels while scanning ahead); the
    # refusal is still ours, at the first level past 32.
    assert problems_of(raw) == [f"b.yaml:{where}: error: nesting is deeper than 32 levels"]


def test_deep_block_nesting_is_refused():
    text = "".join("  " * i + "k:\n" for i in range(40)) + "  " * 40 + "v\n"
    assert "nesting is deeper than 32 levels" in problems_of(text.encode())[0]


def test_file_over_one_mebibyte_is_refused():
    raw = b"a: '" + b"x" * MAX_FILE_BYTES + b"'\n"
    assert problems_of(raw) == [f"b.yaml: error: file is {len(raw):,} bytes; the limit is 1 MiB"]


def test_tabs_and_line_breaks_in_values_are_kept():
    raw = b'a: "tab\\there\\nnext \\L"\nb: |\r\n  one\r\n  two\r\nc: "x\ty"\n'
    assert load_bytes(raw, "b.yaml").data == {"a": "tab\there\nnext \u2028", "b": "one\ntwo\n", "c": "x\ty"}


def test_utf8_bom_is_accepted():
    assert load_bytes(b"\xef\xbb\xbfa: b\n", "b.yaml").data == {"a": "b"}


def test_citation_in_a_flow_mapping_gets_a_hint():
    found = problems_of(b"summary: {en: Text [1].}\n")
    assert found[0].endswith("; inside {...} a `[` starts a list: quote the text, like {en: 'Text [1].'}")


def test_tags_are_resolved_as_the_safe_loader_resolves_them():
    """The loader's quicker tag resolution gives every node the tag PyYAML's safe loader gives it."""
    import yaml

    from signalbrief.loader import _Loader

    raw = (
        "a: NO\nb: 012\nc: '012'\nd: 12:30\ne: 0.90\nf: ~\ng: 2024-02-30\nh: .inf\ni: ''\nj:\n"
        "k: [yes, Off, 0x1F, -1_000, +.5, 1e3, 3.0e+2, <<, '<<', null, Null, x]\n"
        "l: {'': 1, 2001-12-14t21:59:43.10-05:00: t, ? q}\n"
    )

    def tags(node):
        inner = node.value if isinstance(node.value, list) else []
        return [node.tag, *(t for item in inner for part in (item if isinstance(item, tuple) else (item,)) for t in tags(part))]

    assert tags(yaml.compose(raw, Loader=_Loader)) == tags(yaml.compose(raw, Loader=yaml.SafeLoader))
