"""Random and mutated YAML never makes the loader or validator raise: a positioned error or success."""

from __future__ import annotations

import json
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalbrief.config import Config
from signalbrief.errors import InvalidInput
from signalbrief.fields import read_model
from signalbrief.loader import load_bytes
from signalbrief.model import Brief
from signalbrief.validate import check_citations
from tests.conftest import VALID

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
        html = page.read_text(encoding="utf-8").lower()
        assert "<script" not in html and 'href="javascript' not in html
