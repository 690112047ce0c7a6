"""Random and mutated YAML never makes the loader or validator raise: a positioned error or success."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalbrief.cli import cli
from signalbrief.config import Config
from signalbrief.errors import InvalidInput
from signalbrief.fields import read_model
from signalbrief.loader import load_bytes
from signalbrief.model import Brief
from signalbrief.validate import check_citations
from tests.conftest import VALID, without_json_ld

POSITIONED = re.compile(r"^b\.yaml(:\d+:\d+)?: (error|warning): ")
CONTEXT = Config().validation_context()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

yaml_tokens = st.sampled_from(
    [
        "a",
        "en",
        "zh",
        ":",
        ": ",
        "- ",
        "\n",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        "'",
        '"',
        "&x ",
        "*x",
        "!mt ",
        "!!str ",
        "<<: ",
        "? ",
        "#",
        "---\n",
        "...",
        "|",
        ">",
        "NO",
        "012",
        "0.9",
        "2024-04-01",
        "~",
        "\\",
        "%YAML 1.1\n",
        "\x00",
        "\ufeff",
        "中文",
        "[1]",
    ]
)


def check(raw: bytes) -> None:
    try:
        document = load_bytes(raw, "b.yaml")
    except InvalidInput as exc:
        assert exc.problems
        for problem in exc.problems:
            assert POSITIONED.match(str(problem)), str(problem)
        return
    brief, problems = read_model(Brief, document, CONTEXT)
    assert (brief is None) == bool(problems)
    problems += check_citations(document)
    for problem in problems:
        assert POSITIONED.match(str(problem)), str(problem)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(raw):
    check(raw)


@FUZZ
@given(st.lists(yaml_tokens, max_size=60).map("".join))
def test_yaml_shaped_text(text):
    check(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.integers(0, len(VALID) - 1), st.integers(0, 20), st.text(max_size=12))
def test_mutated_valid_brief(start, length, insert):
    mutated = VALID[:start] + insert + VALID[start + length :]
    check(mutated.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.lists(st.tuples(st.integers(1, 26), st.sampled_from(["", "x", "NO", "[1]", "{en: a}", "[]", "~", "- a"]))))
def test_replaced_values(replacements):
    lines = VALID.split("\n")
    for number, value in replacements:
        key = lines[number - 1].split(":", 1)[0]
        lines[number - 1] = f"{key}: {value}"
    check("\n".join(lines).encode())


# The renderer: random text (Markdown, HTML, template syntax, any Unicode) in every kind of text
# field builds without a traceback, and nothing of it comes out as markup.
RENDER_FUZZ = settings(
    max_examples=int(os.environ.get("SIGNALBRIEF_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
texty = (
    st.lists(
        st.sampled_from(
            [*list("ab <>&\"'`*_[]()!{}%#\\/:;=.-\n中文。"), "javascript:", "<script>", "{{", "[1]", "](x)"]
        ),
        min_size=1,
        max_size=40,
    )
    .map("".join)
    .filter(lambda t: t.strip())
)


# The search page's own script, exactly; any other script in a page came from the brief.
OUR_SEARCH_SCRIPT = re.compile(r'<script type="module" src="(\.\./)*assets/search\.js"></script>')


@RENDER_FUZZ
@given(texty, texty, texty)
def test_renderer_never_fails_and_never_emits_markup(tmp_path_factory, summary, body, title):
    from signalbrief.build import BuildOptions, build

    root = tmp_path_factory.mktemp("fuzz")
    (root / "briefs").mkdir()
    brief = VALID.replace("see_also: [beta]", "see_also: []")
    brief = brief.replace(
        "  en: The United States and United Kingdom signed a memorandum [1].", f"  en: {json.dumps(summary)}"
    )
    brief = brief.replace(
        "  - en: The agreement turns summit commitments into working channels [1].", f"  - en: {json.dumps(body)}"
    )
    brief = brief.replace("title: {en: Deeper Trend Context}", f"title: {{en: {json.dumps(title)}}}")
    (root / "briefs" / "alpha.yaml").write_text(brief, encoding="utf-8")
    try:
        build(root, BuildOptions(output=root / "site", allow_untranslated=True))
    except InvalidInput as exc:  # e.g. a random `[7]` citing no source: a positioned error
        assert all(POSITIONED.match(str(p).replace("briefs/alpha.yaml", "b.yaml")) for p in exc.problems)
        return
    for page in (root / "site").rglob("*.html"):
        html = OUR_SEARCH_SCRIPT.sub("", without_json_ld(page.read_text(encoding="utf-8"))).lower()
        assert "<script" not in html and 'href="javascript' not in html


# Seeded random mutations of the repository's seed brief, validated as a user would: no traceback,
# exit 0 or 1, at most 10 s a case. Most run in-process; a few go through the real command line.
SEED_BRIEFS = Path(__file__).resolve().parent.parent / "briefs"
SEED = "us-uk-ai-safety-testing-mou.yaml"
MUTATED_CASES = int(os.environ.get("SIGNALBRIEF_MUTATED_CASES", "200"))
SECONDS_A_CASE = 10
POSITIONED_IN_PUBLICATION = re.compile(r"^briefs/[a-z0-9-]+\.yaml(:[0-9]+:[0-9]+)?: (error|warning): ")
SUMMARY = re.compile(r"^3 briefs checked: [0-9]+ errors?, [0-9]+ warnings?$")
SYNTAX = ["[", "]", "{", "}", ",", ":", ": ", "- ", "? ", "|", ">-", "'", '"', "#", "&a ", "*a", "!mt ", "!!str ", "---", "..."]
NOISE = ["\t", "\\v", "\\x1b", "\\0", "[99]", "NO", "~", "012", "中文", "\u2028", "\ufeff", '"\\e[2J"', "<<: {a: 1}"]


def mutate(seed: bytes, rng: random.Random) -> bytes:
    """One to three random edits of a file: lines deleted, duplicated, swapped or re-indented,
    syntax or random bytes inserted, or the file cut short (possibly inside a character)."""
    data = seed
    for _ in range(rng.randint(1, 3)):
        lines = data.split(b"\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        at = rng.randrange(len(data) + 1)
        edit = rng.randrange(8)
        if edit == 0:
            del lines[i]
        elif edit == 1:
            lines.insert(i, lines[i])
        elif edit == 2:
            lines[i], lines[j] = lines[j], lines[i]
        elif edit == 3:
            lines[i] = b" " * rng.randint(1, 6) + lines[i] if rng.random() < 0.5 else lines[i].lstrip(b" ")
        elif edit == 4:
            data = data[:at] + rng.choice(SYNTAX).encode() + data[at:]
        elif edit == 5:
            data = data[:at] + rng.choice(NOISE).encode() + data[at:]
        elif edit == 6:
            data = data[:at] + rng.randbytes(rng.randint(1, 8)) + data[at:]
        else:
            data = data[:at]
        if edit <= 3:
            data = b"\n".join(lines)
    return data


def mutated_publication(root: Path, case: int) -> bytes:
    """A copy of the seed publication whose seed brief carries mutation number `case`."""
    if not root.exists():
        shutil.copytree(SEED_BRIEFS, root / "briefs")
    raw = mutate((SEED_BRIEFS / SEED).read_bytes(), random.Random(case))
    (root / "briefs" / SEED).write_bytes(raw)
    return raw


@contextmanager
def time_limit(seconds: int):
    """Turn a case that hangs into a failure instead of a stuck test run."""

    def stop(signum, frame):
        raise TimeoutError(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_mutated_seed_brief_validates_or_is_refused_cleanly(tmp_path):
    root = tmp_path / "pub"
    exits = set()
    for case in range(MUTATED_CASES):
        raw = mutated_publication(root, case)
        started = time.monotonic()
        with time_limit(SECONDS_A_CASE):
            result = CliRunner().invoke(cli, ["-C", str(root), "validate"])
        seen = f"case {case}: {raw[:300]!r}\n{result.stderr}"
        assert isinstance(result.exception, SystemExit | None), seen + repr(result.exception)
        assert result.exit_code in (0, 1), seen
        *problems, summary = result.stderr.splitlines()
        assert all(POSITIONED_IN_PUBLICATION.match(line) for line in problems), seen
        assert SUMMARY.match(summary), seen
        assert time.monotonic() - started < SECONDS_A_CASE, seen
        exits.add(result.exit_code)
    assert exits == {0, 1} or MUTATED_CASES < 20  # the mutations are neither all harmless nor all fatal


def test_mutated_seed_brief_through_the_command_line(tmp_path):
    root = tmp_path / "pub"
    for case in range(MUTATED_CASES, MUTATED_CASES + 5):
        raw = mutated_publication(root, case)
        result = subprocess.run(
            [sys.executable, "-m", "signalbrief", "-C", str(root), "validate"],
            capture_output=True,
            text=True,
            timeout=SECONDS_A_CASE,
        )
        seen = f"case {case}: {raw[:300]!r}\n{result.stderr}"
        assert result.returncode in (0, 1), seen
        assert "Traceback" not in result.stderr, seen
        assert SUMMARY.match(result.stderr.splitlines()[-1]), seen
