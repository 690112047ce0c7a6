"""Machine text is labelled wherever a reader meets it: pages, lists, see also, Atom, JSON Feed, Markdown,
`<title>` and `<meta>`, in the reader's language; a missing language is marked as pending."""

from __future__ import annotations

import re
from pathlib import Path

# Only English is written in alpha and only Chinese in beta: the tiny glossary model fills the rest
# (trade -> 贸易, policy -> 政策, report -> 报告, government -> 政府, agreement -> 协议, culture -> 文化).
ALPHA = """\
date: 2024-04-02
signal: {en: Trade policy report}
type: policy-agreement
regions: [US]
market_class: trend
confidence: {score: 0.5, basis: expert-input}
summary: {en: Government agreement.}
body:
  - {en: Body text., zh: 正文。}
see_also: [beta]
"""

BETA = """\
date: 2024-04-01
signal: {zh: 文化政策}
type: funding
regions: [EU]
market_class: flash
confidence: {score: 0.5, basis: expert-input}
summary: {zh: 政府报告。}
body:
  - {en: Body., zh: 正文。}
see_also: [alpha]
"""

LABEL = {"en": "machine translation", "zh": "机器翻译"}
PENDING = {"en": "Translation pending", "zh": "翻译待完成"}
NEAR = 80  # characters between a text and its label, on the same line


def outputs(site: Path, views: tuple[str, ...] = ("en", "zh", "bi")) -> list[tuple[Path, str]]:
    """Every HTML, Markdown, XML and JSON file of the editions' views, with its view."""
    found = []
    for path in sorted(site.rglob("*")):
        parts = path.relative_to(site).parts
        if path.suffix in (".html", ".md", ".xml", ".json") and len(parts) > 2 and parts[1] in views:
            found.append((path, parts[1]))
    return found


def unlabelled(
    files: list[tuple[Path, str]], texts: dict[str, str], labels: dict[str, str], before: bool
) -> tuple[list, set]:
    """Every place one of `texts` (text: its language) appears without the label in the reader's
    language near it (after it, or `before` it), and the kinds of file it appeared in."""
    missing, seen = [], set()
    for path, view in files:
        content = path.read_text(encoding="utf-8")
        for text, lang in texts.items():
            label = labels[view if view in labels else lang]  # a bilingual page labels each text in its language
            for match in re.finditer(re.escape(text), content):
                seen.add(path.name if path.suffix != ".md" else ".md")
                line_start = content.rfind("\n", 0, match.start()) + 1
                line_end = content.find("\n", match.end())
                line_end = len(content) if line_end < 0 else line_end
                if before:
                    window = content[max(line_start, match.start() - NEAR) : match.start()]
                else:
                    window = content[match.end() : min(line_end, match.end() + NEAR)]
                if label not in window:
                    missing.append((str(path), text, content[line_start:line_end][:200]))
    return missing, seen


def test_machine_text_is_labelled_in_every_file_that_shows_it(installed_models, publication, run):
    root = publication({"alpha": ALPHA, "beta": BETA})
    assert run(root, "build").exit_code == 0
    site = root / "site"
    en_page = (site / "public/en/beta/index.html").read_text(encoding="utf-8")
    machine_en = re.search(r'<h1><span data-mt="en">([^<]+)</span>', en_page).group(1)
    summary_en = re.search(r'<p class="summary"><span data-mt="en">([^<]+)</span>', en_page).group(1)
    texts = {"贸易政策报告": "zh", "政府协议.": "zh", machine_en: "en", summary_en: "en"}
    missing, seen = unlabelled(outputs(site), texts, LABEL, before=False)
    assert missing == []
    assert {"index.html", "feed.xml", "feed.json", ".md"} <= seen  # the check above can fail: the texts are there
    zh_page = (site / "public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert "<title>贸易政策报告（机器翻译）</title>" in zh_page
    assert '<meta name="description" content="政府协议.（机器翻译）">' in zh_page
    # See also: alpha's page lists beta under its machine-translated English title.
    assert f"{machine_en}</span><span class=\"mt-label\">machine translation</span></a>" in (
        site / "public/en/alpha/index.html"
    ).read_text(encoding="utf-8")
    feed = (site / "public/zh/feed.xml").read_text(encoding="utf-8")
    assert "<title>贸易政策报告（机器翻译）</title>" in feed and "<summary>政府协议.（机器翻译）</summary>" in feed
    assert f"<title>{machine_en} (machine translation)</title>" in (site / "public/en/feed.xml").read_text(
        encoding="utf-8"
    )


def test_a_missing_language_is_marked_pending_in_every_file_that_shows_the_fallback(
    models_folder, publication, run
):
    root = publication({"alpha": ALPHA, "beta": BETA})
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    site = root / "site"
    # On Chinese pages alpha's English stands in for the missing Chinese, and the other way round.
    for view, texts in {"zh": {"Trade policy report": "zh", "Government agreement.": "zh"},
                        "en": {"文化政策": "en", "政府报告。": "en"}}.items():  # fmt: skip
        missing, seen = unlabelled(outputs(site, (view,)), texts, PENDING, before=True)
        assert missing == []
        assert {"index.html", "feed.xml", ".md"} <= seen
    feed = (site / "public/zh/feed.xml").read_text(encoding="utf-8")
    assert "<title>（翻译待完成）Trade policy report</title>" in feed
