"""Blocks of a brief page are rendered once for all its editions and views, but not an override's."""

from __future__ import annotations

import re
from importlib import resources


def _override_macro(root, name: str, own: str, blocks: str = "blocks.html") -> None:
    """Write templates/`blocks`: the theme's, with macro `name` replaced by `own` (its opening and body)."""
    (root / "templates").mkdir(exist_ok=True)
    theme = resources.files("signalbrief").joinpath("theme", "templates", blocks).read_text(encoding="utf-8")
    own += "{% endmacro %}\n"
    text = re.sub(r"{% macro " + name + r"\(.*?{% endmacro %}\n", lambda _: own, theme, count=1, flags=re.S)
    assert own in text
    (root / "templates" / blocks).write_text(text, encoding="utf-8")


def test_an_overridden_block_that_reads_the_page_shows_each_edition_its_own(publication, run):
    root = publication()
    _override_macro(root, "signal_block", "{% macro signal_block(g, lang, config) %}EDITION[{{ edition_label }}]")
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0, result.stderr
    pages = sorted((root / "site").glob("*/en/alpha/index.html"))
    assert len(pages) > 1
    labels = [re.findall(r"EDITION\[([^]]*)\]", page.read_text(encoding="utf-8")) for page in pages]
    assert all(len(found) == 1 for found in labels), labels
    assert len({found[0] for found in labels}) == len(pages), labels


def test_a_loop_that_sets_lang_gets_interface_strings_in_that_language():
    from signalbrief.render import gettext_in, make_environment

    loop = '{% for x in [1] %}{% set lang = "zh" %}{{ _("Sources") }}{% endfor %}|{{ _("Sources") }}'
    template = make_environment(None).from_string(loop)
    assert gettext_in("zh", "Sources") != "Sources"
    assert template.render(lang="en") == f"{gettext_in('zh', 'Sources')}|Sources"


def test_an_overridden_row_that_uses_the_way_up_gets_each_page_its_own(publication, run):
    root = publication()
    (root / "templates").mkdir()
    (root / "templates" / "brief_row.html").write_text("<li>UP[{{ up | length }}]</li>\n", encoding="utf-8")
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0, result.stderr
    index = (root / "site/public/en/index.html").read_text(encoding="utf-8")
    by_type = next((root / "site/public/en/type").glob("*/index.html")).read_text(encoding="utf-8")
    assert "UP[0]" in index and "UP[6]" in by_type


def test_an_overridden_grade_block_is_rendered_for_each_brief(publication, run):
    from tests.conftest import BETA, VALID

    root = publication({"alpha": VALID, "beta": BETA, "gamma": VALID.replace("id: alpha", "id: gamma", 1)})
    _override_macro(root, "confidence", "{% macro confidence(g, lang, band, rows, config) %}BRIEF[{{ g.id }}]")
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0, result.stderr
    for brief in ("alpha", "gamma"):
        for view in ("en", "bi"):
            page = (root / f"site/public/{view}/{brief}/index.html").read_text(encoding="utf-8")
            assert set(re.findall(r"BRIEF\[([^]]*)\]", page)) == {brief}, (view, brief)


def test_overridden_markdown_blocks_are_rendered_for_each_brief_and_edition(publication, run):
    from tests.conftest import BETA, VALID

    root = publication({"alpha": VALID, "beta": BETA, "gamma": VALID.replace("id: alpha", "id: gamma", 1)})
    _override_macro(root, "confidence", "{% macro confidence(l) %}BRIEF[{{ g.id }}]", "blocks.md")
    (root / "templates" / "blocks.md").write_text(
        re.sub(
            r"{% macro signal_block\(.*?{% endmacro %}\n",
            lambda _: "{% macro signal_block(l) %}EDITION[{{ edition_label }}]{% endmacro %}\n",
            (root / "templates" / "blocks.md").read_text(encoding="utf-8"),
            count=1,
            flags=re.S,
        ),
        encoding="utf-8",
    )
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0, result.stderr
    for brief in ("alpha", "gamma"):
        pages = sorted((root / "site").glob(f"*/*/{brief}.md"))
        assert len(pages) > 3
        for page in pages:
            assert set(re.findall(r"BRIEF\[([^]]*)\]", page.read_text(encoding="utf-8"))) == {brief}, page
        labels = {re.search(r"EDITION\[([^]]*)\]", page.read_text(encoding="utf-8")).group(1) for page in pages}
        assert len(labels) > 1, labels


_STRINGS = (
    '{% trans %}Published with signalbrief. 100%% {% endtrans %}|{{ _("Skip to content") }}|{{ _("a%%b") }}'
    '|{% trans n=3 %}{{ n }} x{% endtrans %}|{{ _("x %(y)s", y="<b>") }}|{{ gettext("Sources") }}'
)


def test_interface_strings_worked_out_once_read_as_jinja_newstyle_gettext():
    from signalbrief.render import gettext_in, make_environment

    html, markdown = (make_environment(None, markdown=md).from_string(_STRINGS) for md in (False, True))
    for lang in ("zh", "en", "zh", "en"):  # twice: the second time from what was worked out
        skip, sources = gettext_in(lang, "Skip to content"), gettext_in(lang, "Sources")
        assert html.render(lang=lang) == f"Published with signalbrief. 100%% |{skip}|a%b|3 x|x &lt;b&gt;|{sources}"
        assert markdown.render(lang=lang) == f"Published with signalbrief. 100%% |{skip}|a%b|3 x|x <b>|{sources}"
