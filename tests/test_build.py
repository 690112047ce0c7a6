"""`signalbrief build`: layout, options, determinism, atomic output, safe text and template overrides."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import BETA, VALID, copy_publication, replace_line, without_json_ld

REPO = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_layout_of_a_full_build(publication, run):
    root = publication()
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0, result.stderr
    site = root / "site"
    for edition in ("public", "strategy-circle", "leadership-alliance"):
        for lang in ("en", "zh"):
            for name in ("index.html", "feed.xml", "feed.json", "alpha/index.html", "alpha.md", "beta/index.html", "beta.md"):
                assert (site / edition / lang / name).is_file(), (edition, lang, name)
        for name in ("bi/index.html", "bi/alpha/index.html", "bi/alpha.md", "sitemap.xml", "assets/style.css"):
            assert (site / edition / name).is_file(), (edition, name)
        for name in ("en/search/index.html", "bi/search/index.html", "assets/search.js", "pagefind/0/pagefind.js"):
            assert (site / edition / name).is_file(), (edition, name)
    assert (site / "index.html").is_file()
    # 184 pages, feeds, sitemaps, style sheets and scripts; 13 files of each edition's search index.
    assert result.stderr.startswith("built 2 briefs into site: 223 files in ")


def test_pages_carry_lang_hreflang_and_a_language_switch(publication, run):
    root = publication()
    run(root, "build", "--allow-untranslated")
    zh = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in zh
    assert '<link rel="alternate" hreflang="en" href="../../en/alpha/">' in zh
    assert '<a href="../../en/alpha/" hreflang="en" lang="en">English</a>' in zh
    assert "美英签署AI安全测试备忘录" in zh
    assert "信号类型" in zh and "政策协议" in zh and '美国</a> / <a href="../region/GB/">英国</a>' in zh and "2024年4月1日" in zh


def test_missing_language_is_marked_pending_and_machine_text_is_labelled(publication, run):
    root = publication({"alpha": replace_line(VALID, 5, "  zh: !mt 机器译文"), "beta": BETA})
    run(root, "build", "--allow-untranslated")
    zh = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert '<span data-mt="zh">机器译文</span><span class="mt-label">机器翻译</span>' in zh
    summary = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert '<span class="pending" data-pending="zh">翻译待完成</span>' in summary
    md = (root / "site/public/zh/alpha.md").read_text(encoding="utf-8")
    assert "# 机器译文 *(机器翻译)*" in md
    assert "*(翻译待完成)*" in md


def test_build_is_deterministic(publication, run, tmp_path):
    root = publication()
    run(root, "build", "--allow-untranslated", "-o", str(tmp_path / "one"))
    run(root, "build", "--allow-untranslated", "-o", str(tmp_path / "two"))
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_failed_build_leaves_previous_output_untouched(publication, run):
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    before = snapshot(root / "site")
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("funding", "fundng"), encoding="utf-8")
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 1
    assert "briefs/beta.yaml:3:7: error: type: 'fundng' is not allowed" in result.stderr
    assert snapshot(root / "site") == before
    assert not [p for p in root.iterdir() if p.name.startswith(".site.build-")]


def test_rebuild_replaces_output_and_leaves_no_temporary_folders(publication, run):
    root = publication()
    run(root, "build", "--allow-untranslated")
    (root / "briefs" / "beta.yaml").unlink()
    (root / "briefs" / "alpha.yaml").write_text(VALID.replace("see_also: [beta]", "see_also: []"), encoding="utf-8")
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert not (root / "site/public/en/beta").exists()
    # The replaced output is kept in .signalbrief/ as the spare the next build starts from; no temporary folders.
    assert sorted(p.name for p in root.iterdir()) == [".signalbrief", "briefs", "site"]
    assert run(root, "build", "--allow-untranslated", "--drafts").exit_code == 0
    assert sorted(p.name for p in root.iterdir()) == [".signalbrief", "briefs", "site"]
    assert (root / ".signalbrief/outputs/site/previous/public/en/alpha/index.html").is_file()


def test_refuses_to_replace_a_folder_it_did_not_write(publication, run):
    root = publication()
    (root / "mine").mkdir()
    (root / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run(root, "build", "--allow-untranslated", "-o", "mine")
    assert result.exit_code == 4
    assert "not empty and not written by signalbrief; nothing was changed" in result.stderr
    assert (root / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_options_select_views_formats_and_editions(publication, run):
    root = publication()
    result = run(root, "build", "--allow-untranslated", "--lang", "en", "--format", "html", "--edition", "public")
    assert result.exit_code == 0, result.stderr
    files = snapshot(root / "site")
    assert not [f for f in files if "/zh/" in f or "/bi/" in f or f.endswith(".md") or "circle" in f]
    page = (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")
    assert "../../zh/" not in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "fr"], "'fr' is not one of en, zh, bi"),
        (["--format", "pdf"], "'pdf' is not one of html, md"),
        (["--edition", "gold"], "unknown edition 'gold'; editions: public, strategy-circle, leadership-alliance"),
    ],
)
def test_bad_options_are_usage_errors(publication, run, args, message):
    result = run(publication(), "build", "--allow-untranslated", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_drafts_are_left_out_unless_asked(publication, run):
    root = publication({"alpha": VALID.replace("see_also: [beta]", "see_also: []"), "beta": "draft: true\n" + BETA})
    run(root, "build", "--allow-untranslated")
    assert not (root / "site/public/en/beta").exists()
    run(root, "build", "--allow-untranslated", "--drafts")
    assert (root / "site/public/en/beta/index.html").is_file()


HOSTILE = [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("{{ 7*7 }} {% raw %}", "{{ 7*7 }} {% raw %}"),
    ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
    ("[click](JaVaScRiPt:alert(1))", "[click](JaVaScRiPt:alert(1))"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](data:text/html;base64,PHNjcmlwdD4=)"),
    ('" onmouseover="alert(1)', "&#34; onmouseover=&#34;alert(1)"),
]


@pytest.mark.parametrize(("payload", "shown"), HOSTILE)
def test_hostile_text_comes_out_inert(publication, run, payload, shown):
    quoted = payload.replace("'", "''")
    root = publication({"alpha": replace_line(VALID, 14, f"  en: '{quoted}'"), "beta": BETA})
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    html = (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")
    assert shown in html
    assert '<script type="application/ld+json">' in html
    lowered = without_json_ld(html).lower()
    assert "<script" not in lowered and "onerror=" not in lowered.replace("onerror=alert", "")
    assert 'href="javascript' not in lowered and 'href="data:' not in lowered
    assert "49" not in html
    md = (root / "site/public/en/alpha.md").read_text(encoding="utf-8")
    # What a newsletter platform would make of the Markdown, raw HTML allowed: still inert.
    rendered = MarkdownIt("commonmark", {"html": True}).render(md).lower()
    assert "<script" not in rendered and "<img" not in rendered
    assert 'href="javascript' not in rendered and 'href="data:' not in rendered


def test_safe_links_and_emphasis_render(publication, run):
    text = "  en: '*Key* point, see [the report](https://example.org/r) and `code` [1].'"
    root = publication({"alpha": replace_line(VALID, 14, text), "beta": BETA})
    run(root, "build", "--allow-untranslated")
    html = (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")
    assert '<em>Key</em> point, see <a href="https://example.org/r" rel="noopener">the report</a>' in html
    assert '<code>code</code> <a class="cite" href="#source-1">[1]</a>' in html
    md = (root / "site/public/en/alpha.md").read_text(encoding="utf-8")
    assert "*Key* point, see [the report](<https://example.org/r>) and `code` \\[1\\]." in md


MARKDOWN_LABELS = {
    "grade": "*A*",
    "grade_en": "_Sure_ [x](https://e.org) <b>",
    "grade_zh": "**确定** `码`",
    "type_en": "Policy \\*pact\\* <i>",
    "type_zh": "政策_协议_",
    "class_en": "Case ![f](https://e.org/i.png)",
    "class_zh": "案例 &amp; [1]",
    "basis_en": "Direct `source`s",
    "basis_zh": "直接<u>来源</u>",
}


def test_config_labels_stay_text_in_markdown(publication, run):
    """Grade and vocabulary labels from signalbrief.yaml are escaped in Markdown like any text."""
    from html.parser import HTMLParser

    from tests.test_xss import q

    m = {key: q(value) for key, value in MARKDOWN_LABELS.items()}
    config = f"""\
grades:
  - {{from: 0.0, grade: {m["grade"]}, label: {{en: {m["grade_en"]}, zh: {m["grade_zh"]}}}}}
vocabularies:
  type: {{policy-agreement: {{en: {m["type_en"]}, zh: {m["type_zh"]}}}}}
  market_class: {{case-file: {{en: {m["class_en"]}, zh: {m["class_zh"]}}}}}
  basis: {{direct-public-sources: {{en: {m["basis_en"]}, zh: {m["basis_zh"]}}}}}
"""
    root = publication({"alpha": replace_line(VALID, 11, "  grade: '*A*'"), "beta": BETA}, config=config)
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0, result.stderr

    class Words(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.tags: set[str] = set()
            self.words: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)

        def handle_data(self, data):
            self.words.append(data)

    for lang in ("en", "zh"):
        words = Words()
        words.feed(MarkdownIt("commonmark", {"html": True}).render((root / f"site/public/{lang}/alpha.md").read_text()))
        shown = "".join(words.words)
        for key, label in MARKDOWN_LABELS.items():
            if key.endswith(("_en", "_zh")) and not key.endswith(lang):
                continue
            assert label in shown, (lang, key)
        assert not words.tags & {"b", "i", "u", "img", "code"}, words.tags


def test_template_override_extends_the_default(publication, run):
    root = publication()
    (root / "templates").mkdir()
    (root / "templates" / "base.html").write_text(
        '{% extends "default:base.html" %}{% block footer %}<footer>Desk footer</footer>{% endblock %}',
        encoding="utf-8",
    )
    run(root, "build", "--allow-untranslated")
    page = (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")
    assert "<footer>Desk footer</footer>" in page
    assert "Published with signalbrief." not in page


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% block main %}{{ oops }", "templates/brief.html:1:1: error: template error: unexpected '}'"),
        (
            '{% extends "default:base.html" %}{% block main %}{{ nothing_here }}{% endblock %}',
            "templates/brief.html:1:1: error: template error: 'nothing_here' is undefined",
        ),
    ],
)
def test_broken_override_is_a_positioned_error(publication, run, template, expected):
    root = publication()
    (root / "templates").mkdir()
    (root / "templates" / "brief.html").write_text(template, encoding="utf-8")
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 1
    assert expected in result.stderr
    assert not (root / "site").exists()


def test_repository_build_shows_the_override_banner(run, tmp_path):
    result = run(copy_publication(REPO, tmp_path / "pub"), "build", "-o", str(tmp_path / "site"))
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "site/public/en/us-uk-ai-safety-testing-mou/index.html").read_text(encoding="utf-8")
    assert 'class="sample-banner"' in page
    assert page.count('class="lock-card"') == 2


def test_wheel_ships_the_theme(tmp_path):
    """A plain `pip install .` gets the theme: it is package data inside the wheel."""
    import subprocess
    import sys
    import zipfile

    pytest.importorskip("setuptools")
    # A copy: building in place would leave build/ and *.egg-info in the repository.
    project = tmp_path / "project"
    shutil.copytree(REPO / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, project / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(project),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    names = zipfile.ZipFile(next(tmp_path.glob("signalbrief-*.whl"))).namelist()
    for needed in (
        "signalbrief/theme/templates/brief.html",
        "signalbrief/theme/templates/feed.xml",
        "signalbrief/theme/templates/brief.md",
        "signalbrief/theme/assets/style.css",
        "signalbrief/theme/locale/zh/LC_MESSAGES/messages.po",
        "signalbrief/skeletons/brief.yaml",
    ):
        assert needed in names


def test_template_linking_outside_templates_is_not_read(publication, run, tmp_path):
    root = publication()
    (root / "templates").mkdir()
    outside = tmp_path / "evil.html"
    outside.write_text("SECRET FROM OUTSIDE", encoding="utf-8")
    (root / "templates" / "brief.html").symlink_to(outside)
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 1
    assert "links outside templates/; refusing to read it" in result.stderr
    assert not (root / "site").exists()


def test_override_that_tries_to_print_a_locked_section_finds_nothing(publication, run):
    root = publication()
    (root / "templates").mkdir()
    (root / "templates" / "blocks.html").write_text(
        '{% extends "default:blocks.html" %}'
        "{% macro lock_card(card, lang) %}{{ card.body }}{{ card.sources }}{% endmacro %}",
        encoding="utf-8",
    )
    (root / "templates" / "brief.html").write_text(
        '{% extends "default:brief.html" %}{% block main %}{% for s in g.sections %}'
        "{{ s.body if s.body is defined else 'LOCKED' }}{% endfor %}{{ g.brief.sections }}{% endblock %}",
        encoding="utf-8",
    )
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0, result.stderr
    page = (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")
    assert "LOCKED" in page and "Member text" not in page and "Member source" not in page


def test_a_build_parses_each_brief_file_once(publication, run, monkeypatch):
    from signalbrief import validate

    parsed = []
    real = validate.load_bytes
    monkeypatch.setattr(validate, "load_bytes", lambda raw, shown: parsed.append(shown) or real(raw, shown))
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert sorted(parsed) == ["briefs/alpha.yaml", "briefs/beta.yaml"]  # checked, then rendered from that
    parsed.clear()
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Another body."), encoding="utf-8")
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert parsed == ["briefs/beta.yaml"]
