"""A corpus of malformed publications, run through the real command line in a subprocess:
each gets its exit code and its positioned message, and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BETA, VALID, replace_line

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)

# name: (files to write, command, exit code, expected line of stderr, or a fragment of it)
CASES = {
    "syntax error": ({"briefs/a.yaml": "date: [2024\n"}, ["validate"], 1, "briefs/a.yaml:2:1: error: invalid YAML"),
    "unclosed quote": ({"briefs/a.yaml": "id: 'open\n"}, ["validate"], 1, "briefs/a.yaml:2:1: error: invalid YAML"),
    "bad indentation": (
        {"briefs/a.yaml": "a:\n  b: 1\n c: 2\n"},
        ["validate"],
        1,
        "briefs/a.yaml:3:2: error: invalid YAML",
    ),
    "tab indentation": (
        {"briefs/a.yaml": "a:\n\tb: 1\n"},
        ["validate"],
        1,
        "briefs/a.yaml:2:1: error: tab used for indentation",
    ),
    "list at top": (
        {"briefs/a.yaml": "- a\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:1: error: the top level must be a mapping",
    ),
    "scalar at top": (
        {"briefs/a.yaml": "42\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:1: error: the top level must be a mapping",
    ),
    "empty file": ({"briefs/a.yaml": ""}, ["validate"], 1, "briefs/a.yaml:1:1: error: file is empty"),
    "only comments": ({"briefs/a.yaml": "# nothing\n"}, ["validate"], 1, "briefs/a.yaml:1:1: error: file is empty"),
    "two documents": (
        {"briefs/a.yaml": "a: 1\n---\nb: 2\n"},
        ["validate"],
        1,
        "briefs/a.yaml:2:1: error: invalid YAML: ",
    ),
    "duplicate key": (
        {"briefs/a.yaml": VALID.replace("type:", "type: funding\ntype:")},
        ["validate"],
        1,
        "briefs/a.yaml:7:1: error: type: duplicate key",
    ),
    "anchor": ({"briefs/a.yaml": "a: &x 1\n"}, ["validate"], 1, "briefs/a.yaml:1:4: error: anchor &x is not allowed"),
    "alias bomb": (
        {"briefs/a.yaml": ALIAS_BOMB},
        ["validate"],
        1,
        "briefs/a.yaml:1:4: error: anchor &a is not allowed",
    ),
    "merge key": (
        {"briefs/a.yaml": "<<: {a: 1}\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:1: error: merge keys (<<) are not allowed",
    ),
    "python tag": (
        {"briefs/a.yaml": "a: !!python/object/apply:os.system [ls]\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:4: error: a: tag tag:yaml.org,2002:python/object/apply:os.system is not supported",
    ),
    "binary tag": ({"briefs/a.yaml": "a: !!binary aGk=\n"}, ["validate"], 1, "is not supported"),
    "deep flow nesting": (
        {"briefs/a.yaml": "a: " + "[" * 50000 + "]" * 50000 + "\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:35: error: nesting is deeper than 32 levels",
    ),
    "deep compact block nesting": (
        {"briefs/a.yaml": "a:\n" + "- " * 50000 + "x\n"},
        ["validate"],
        1,
        "briefs/a.yaml:2:63: error: nesting is deeper than 32 levels",
    ),
    "deep block nesting": (
        {"briefs/a.yaml": "".join("  " * i + "k:\n" for i in range(40)) + "  " * 40 + "v\n"},
        ["validate"],
        1,
        "nesting is deeper than 32 levels",
    ),
    "huge file": ({"briefs/a.yaml": "a: '" + "x" * (1024 * 1024) + "'\n"}, ["validate"], 1, "the limit is 1 MiB"),
    "invalid utf-8": (
        {"briefs/a.yaml": b"a: \xc3\x28\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:4: error: file is not valid UTF-8 (byte 0xc3)",
    ),
    "latin-1 text": (
        {"briefs/a.yaml": "summary: {en: caf\xe9}\n".encode("latin-1")},
        ["validate"],
        1,
        "file is not valid UTF-8",
    ),
    "utf-16 with bom": (
        {"briefs/a.yaml": "a: 1\n".encode("utf-16")},
        ["validate"],
        1,
        "briefs/a.yaml:1:1: error: file is UTF-16; save it as UTF-8",
    ),
    "binary file": ({"briefs/a.yaml": PNG}, ["validate"], 1, "briefs/a.yaml:1:1: error:"),
    "nul byte": (
        {"briefs/a.yaml": b"a: b\x00c\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:5: error: control character U+0000 is not allowed; remove it",
    ),
    "raw escape character": (
        {"briefs/a.yaml": replace_line(VALID, 4, "  en: US and UK \x1b[31msign")},
        ["validate"],
        1,
        "briefs/a.yaml:4:17: error: control character U+001B is not allowed; remove it",
    ),
    **{
        f"escaped {name}": (
            {"briefs/a.yaml": replace_line(VALID, 14, f'  en: "The memorandum{escape} [1]."'), "briefs/beta.yaml": BETA},
            ["validate"],
            1,
            f"briefs/a.yaml:14:22: error: summary.en: {'' if code == 0xFFFF else 'control '}character U+{code:04X} "
            "is not allowed; remove it",
        )
        for name, escape, code in [
            ("vertical tab", "\\v", 0x0B),
            ("escape", "\\x1b", 0x1B),
            ("nul", "\\0", 0x00),
            ("backspace", "\\b", 0x08),
            ("form feed", "\\f", 0x0C),
            ("carriage return", "\\r", 0x0D),
            ("delete", "\\x7F", 0x7F),
            ("c1 control", "\\u0090", 0x90),
            ("next line", "\\N", 0x85),
            ("noncharacter", "\\uFFFF", 0xFFFF),
        ]
    },
    "escaped control in a key": (
        {"briefs/a.yaml": VALID + '"sources\\e": []\n'},
        ["validate"],
        1,
        "briefs/a.yaml:28:9: error: control character U+001B is not allowed; remove it",
    ),
    "escaped control in the config": (
        {"signalbrief.yaml": 'title: {en: "Signal\\a", zh: 信号}\n'},
        ["validate"],
        1,
        "signalbrief.yaml:1:20: error: title.en: control character U+0007 is not allowed; remove it",
    ),
    "tab and line break in a text": (
        {"briefs/a.yaml": replace_line(VALID, 14, '  en: "The\\tmemorandum\\nwas signed [1]."'), "briefs/beta.yaml": BETA},
        ["validate"],
        0,
        "2 briefs checked: 0 errors",
    ),
    "bare text": (
        {"briefs/a.yaml": replace_line(VALID, (3, 5), "signal: text")},
        ["validate"],
        1,
        "briefs/a.yaml:3:9: error: signal: a text is a mapping",
    ),
    "yes as text": ({"briefs/a.yaml": replace_line(VALID, 4, "  en: yes")}, ["validate"], 1, 'quote it: "yes"'),
    "number as text": (
        {"briefs/a.yaml": replace_line(VALID, 4, "  en: 1e3"), "briefs/beta.yaml": BETA},
        ["validate"],
        0,
        "2 briefs checked: 0 errors",
    ),
    "score as text": (
        {"briefs/a.yaml": replace_line(VALID, 10, "  score: high")},
        ["validate"],
        1,
        "confidence.score: 'high' is not a plain decimal number",
    ),
    "list as mapping": (
        {"briefs/a.yaml": replace_line(VALID, (9, 12), "confidence: [0.9]")},
        ["validate"],
        1,
        "confidence: expected a mapping of fields, got a list",
    ),
    "mapping as list": (
        {"briefs/a.yaml": replace_line(VALID, 7, "regions: {US: 1}")},
        ["validate"],
        1,
        "regions: expected a list",
    ),
    "null everywhere": (
        {"briefs/a.yaml": "date:\nsignal:\ntype:\n"},
        ["validate"],
        1,
        "briefs/a.yaml:1:1: error: signal: is required",
    ),
    "config syntax": ({"signalbrief.yaml": "title: [\n"}, ["validate"], 1, "signalbrief.yaml:2:1: error: invalid YAML"),
    "config unknown key": (
        {"signalbrief.yaml": "tiers: []\ncolour: red\n"},
        ["validate"],
        1,
        "signalbrief.yaml:2:1: error: colour: unknown key",
    ),
    "config wrong type": (
        {"signalbrief.yaml": "tiers: strategy\n"},
        ["validate"],
        1,
        "signalbrief.yaml:1:8: error: tiers: expected a list",
    ),
    "config binary": ({"signalbrief.yaml": PNG}, ["validate"], 1, "signalbrief.yaml:1:1: error:"),
    "config top list": (
        {"signalbrief.yaml": "- a\n"},
        ["validate"],
        1,
        "signalbrief.yaml:1:1: error: the top level must be a mapping",
    ),
    "config bad grade table": (
        {"signalbrief.yaml": "grades: []\n"},
        ["validate"],
        1,
        "signalbrief.yaml:1:9: error: grades: needs at least one item",
    ),
    "glossary broken": (
        {"glossary.yaml": "terms: [{en: x}]\n", "briefs/b.yaml": BETA},
        ["build"],
        1,
        "glossary.yaml:1:9: error: terms[0].zh: is required",
    ),
    "template syntax": (
        {"templates/brief.html": "{% block %}", "briefs/b.yaml": BETA},
        ["build", "--allow-untranslated"],
        1,
        "templates/brief.html:1:1: error: template error",
    ),
    "template undefined": (
        {"templates/index.html": "{{ nope.at.all }}"},
        ["build", "--allow-untranslated"],
        1,
        "templates/index.html:1:1: error: template error: 'nope' is undefined",
    ),
    "template missing parent": (
        {"templates/brief.html": '{% extends "default:nothing.html" %}', "briefs/b.yaml": BETA},
        ["build", "--allow-untranslated"],
        1,
        "error: template error: default:nothing.html",
    ),
    "output is a file": ({"site": "not a folder"}, ["build", "--allow-untranslated"], 4, "exists and is not a folder"),
    "output not ours": (
        {"site/keep.txt": "mine"},
        ["build", "--allow-untranslated"],
        4,
        "not empty and not written by signalbrief",
    ),
    "output under a file": ({"blocker": "x"}, ["build", "--allow-untranslated", "-o", "blocker/site"], 4, "cannot"),
    "unknown command": ({}, ["publish"], 2, "No such command 'publish'"),
    "unknown option": ({}, ["validate", "--fast"], 2, "No such option '--fast'"),
    "bad edition": ({}, ["build", "--edition", "gold"], 2, "unknown edition 'gold'"),
    "missing path": ({}, ["validate", "briefs/none.yaml"], 2, "briefs/none.yaml: no such file or folder"),
    "bad grade": ({}, ["grade", "ten"], 2, "'ten' is not a score from 0.00 to 1.00"),
    "bad new id": ({}, ["new", "Not An Id"], 2, "'Not An Id' is not a valid id"),
    "missing model": ({"briefs/b.yaml": BETA}, ["build"], 3, "summary.en: needs zh->en machine translation"),
}


def materialize(root: Path, files: dict[str, str | bytes]) -> None:
    (root / "briefs").mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_input(name, tmp_path):
    files, command, code, expected = CASES[name]
    root = tmp_path / "pub"
    materialize(root, files)
    result = subprocess.run(
        [sys.executable, "-m", "signalbrief", "-C", str(root), *command],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SIGNALBRIEF_MODELS": str(tmp_path / "no-models")},
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, result.stderr
    assert expected in result.stderr, result.stderr


def test_unreadable_brief(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    root = tmp_path / "pub"
    materialize(root, {"briefs/a.yaml": VALID})
    (root / "briefs" / "a.yaml").chmod(0)
    result = subprocess.run(
        [sys.executable, "-m", "signalbrief", "-C", str(root), "validate"], capture_output=True, text=True
    )
    assert result.returncode == 1 and "cannot read file: Permission denied" in result.stderr
