"""The seed page's parts: the dek under the title, the highlighted takeaway, and a paragraph's own
"See also" link, in every view (en, zh, zh-Hant, bilingual) and format (HTML, Markdown)."""

from __future__ import annotations

from pathlib import Path

from signalbrief.config import Config
from signalbrief.schema import brief_schema
from tests.test_gating import edition_text

ALPHA = """\
id: alpha
date: 2024-04-01
signal: {en: Alpha signal, zh: 阿尔法信号}
dek: {en: The standfirst line., zh: 导语一行。}
type: policy-agreement
regions: [US]
market_class: case-file
confidence: {score: 0.92, basis: direct-public-sources}
summary: {en: The summary., zh: 摘要。}
takeaway: {en: Why it matters., zh: 为何重要。}
body:
  - en: First paragraph.
    zh: 第一段。
    see_also: beta
  - en: Second paragraph.
    zh: 第二段。
    see_also: gamma
sections:
  - tier: strategy-circle
    title: {en: Member part, zh: 会员部分}
    body:
      - en: Member paragraph.
        zh: 会员段落。
        see_also: beta
"""

BETA = """\
date: 2024-04-02
signal: {en: Beta brief, zh: 贝塔简报}
type: funding
regions: [EU]
market_class: flash
confidence: {score: 0.5, basis: expert-input}
summary: {en: Beta summary., zh: 贝塔摘要。}
body:
  - {en: Beta body., zh: 贝塔正文。}
"""

GAMMA = "draft: true\n" + BETA.replace("Beta brief", "Gamma draft")


def built(publication, run, *args: str, briefs: dict[str, str] | None = None, config: str | None = None) -> Path:
    """Build a publication of alpha, beta and the draft gamma; return its site folder."""
    root = publication(briefs or {"alpha": ALPHA, "beta": BETA, "gamma": GAMMA}, config)
    result = run(root, "build", "--allow-untranslated", *args)
    assert result.exit_code == 0, result.stderr
    return root / "site"


def read(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def test_dek_is_the_standfirst_and_the_page_description(publication, run):
    site = built(publication, run)
    en = read(site, "public/en/alpha/index.html")
    assert '<h1>Alpha signal</h1>\n<p class="dek">The standfirst line.</p>' in en
    assert '<meta name="description" content="The standfirst line.">' in en
    zh = read(site, "public/zh/alpha/index.html")
    assert '<p class="dek">导语一行。</p>' in zh and '<meta name="description" content="导语一行。">' in zh
    bi = read(site, "public/bi/alpha/index.html")
    assert '<h1>Alpha signal</h1><p class="dek">The standfirst line.</p>' in bi
    assert '<h1>阿尔法信号</h1><p class="dek">导语一行。</p>' in bi
    assert read(site, "public/en/alpha.md").startswith("# Alpha signal\n\nThe standfirst line.\n")
    assert read(site, "public/zh/alpha.md").startswith("# 阿尔法信号\n\n导语一行。\n")
    assert "# 阿尔法信号\n\nThe standfirst line.\n\n导语一行。\n" in read(site, "public/bi/alpha.md")
    # Without a dek the summary is the description, and no empty standfirst is written.
    beta = read(site, "public/en/beta/index.html")
    assert '<meta name="description" content="Beta summary.">' in beta and 'class="dek"' not in beta


def test_takeaway_is_highlighted_before_the_body(publication, run):
    site = built(publication, run)
    for view, words, first in (("en", "Why it matters.", "First paragraph."), ("zh", "为何重要。", "第一段。")):
        page = read(site, f"public/{view}/alpha/index.html")
        assert f'<p class="takeaway">{words}</p>\n<p>{first}' in page
        assert f"> {words}\n\n{first}" in read(site, f"public/{view}/alpha.md")
    bi = read(site, "public/bi/alpha/index.html")
    assert '<p class="takeaway">Why it matters.</p>' in bi and '<p class="takeaway">为何重要。</p>' in bi
    assert bi.index('class="takeaway"') < bi.index("First paragraph.")
    assert "> Why it matters.\n\n> 为何重要。\n\nFirst paragraph." in read(site, "public/bi/alpha.md")
    assert 'class="takeaway"' not in read(site, "public/en/beta/index.html")


def test_paragraph_see_also_links_the_brief_in_the_same_edition_and_view(publication, run):
    site = built(publication, run)
    en_link = '<span class="see-also">See also: <a href="../beta/">Beta brief</a></span>'
    zh_link = '<span class="see-also">另见：<a href="../beta/">贝塔简报</a></span>'
    for edition in ("public", "strategy-circle"):
        assert f"<p>First paragraph. {en_link}</p>" in read(site, f"{edition}/en/alpha/index.html")
        assert f"<p>第一段。 {zh_link}</p>" in read(site, f"{edition}/zh/alpha/index.html")
        bi = read(site, f"{edition}/bi/alpha/index.html")
        assert f"<p>First paragraph. {en_link}</p>" in bi and f"<p>第一段。 {zh_link}</p>" in bi
        assert "First paragraph. See also: [Beta brief](<beta/>)\n" in read(site, f"{edition}/en/alpha.md")
        assert "第一段。 另见：[贝塔简报](<beta/>)\n" in read(site, f"{edition}/zh/alpha.md")
        bi_md = read(site, f"{edition}/bi/alpha.md")
        assert "First paragraph. See also: [Beta brief](<beta/>)\n\n第一段。 另见：[贝塔简报](<beta/>)\n" in bi_md


def test_markdown_links_are_absolute_with_a_base_url(publication, run):
    site = built(publication, run, config="base_url: https://briefs.example.org/\n")
    md = read(site, "strategy-circle/en/alpha.md")
    assert "See also: [Beta brief](<https://briefs.example.org/strategy-circle/en/beta/>)" in md


def test_link_to_a_draft_or_a_brief_not_built_is_left_out(publication, run):
    site = built(publication, run)
    assert "<p>Second paragraph.</p>" in read(site, "public/en/alpha/index.html")
    assert "\nSecond paragraph.\n" in read(site, "public/en/alpha.md")
    everything = "\n".join(edition_text(folder) for folder in site.iterdir() if folder.is_dir())
    everything += (site / "index.html").read_text(encoding="utf-8")
    assert "gamma" not in everything and "Gamma draft" not in everything
    with_drafts = built(publication, run, "--drafts")
    page = read(with_drafts, "public/en/alpha/index.html")
    assert '<p>Second paragraph. <span class="see-also">See also: <a href="../gamma/">Gamma draft</a></span></p>' in page
    # Only some briefs built (`build PATH`): a link to one left out is left out too.
    only = built(publication, run, "briefs/alpha.yaml")
    assert "<p>First paragraph.</p>" in read(only, "public/en/alpha/index.html")


def test_a_section_paragraph_link_shows_only_where_the_section_is_open(publication, run):
    site = built(publication, run)
    public = read(site, "public/en/alpha/index.html")
    assert public.count('href="../beta/"') == 1  # the first paragraph's; the section is a lock card
    assert "Member paragraph" not in public
    member = read(site, "strategy-circle/en/alpha/index.html")
    assert '<p>Member paragraph. <span class="see-also">See also: <a href="../beta/">Beta brief</a></span></p>' in member
    assert "Member paragraph. See also: [Beta brief](<beta/>)" in read(site, "strategy-circle/en/alpha.md")
    assert "(<beta/>)" not in read(site, "public/en/alpha.md").split("## Member Briefing")[1]


def test_traditional_chinese_gets_its_own_see_also_label(publication, run):
    site = built(publication, run, config="languages: [en, zh, zh-Hant]\n")
    page = read(site, "public/zh-hant/alpha/index.html")
    assert '<span class="see-also">另見：<a href="../beta/">貝塔簡報</a></span>' in page
    assert '<p class="dek">導語一行。</p>' in page and '<p class="takeaway">為何重要。</p>' in page
    assert "第一段。 另見：[貝塔簡報](<beta/>)" in read(site, "public/zh-hant/alpha.md")


def test_machine_text_is_labelled_in_dek_takeaway_and_link_titles(publication, run):
    alpha = ALPHA.replace("dek: {en: The standfirst line., zh: 导语一行。}", "dek: {en: The standfirst line., zh: !mt 导语一行。}")
    alpha = alpha.replace("takeaway: {en: Why it matters., zh: 为何重要。}", "takeaway: {en: Why it matters.}")
    beta = BETA.replace("zh: 贝塔简报", "zh: !mt 贝塔简报")
    site = built(publication, run, briefs={"alpha": alpha, "beta": beta, "gamma": GAMMA})
    zh = read(site, "public/zh/alpha/index.html")
    label = '<span class="mt-label">机器翻译</span>'
    assert f'<p class="dek"><span data-mt="zh">导语一行。</span>{label}</p>' in zh
    assert '<meta name="description" content="导语一行。（机器翻译）">' in zh
    pending = '<span class="pending" data-pending="zh">翻译待完成</span>'
    assert f'<p class="takeaway">{pending} <span lang="en">Why it matters.</span></p>' in zh
    assert f'另见：<a href="../beta/"><span data-mt="zh">贝塔简报</span>{label}</a>' in zh
    md = read(site, "public/zh/alpha.md")
    assert "导语一行。 *(机器翻译)*" in md and "> *(翻译待完成)* Why it matters." in md
    assert "另见：[贝塔简报 *(机器翻译)*](<beta/>)" in md


def test_a_changed_link_title_rebuilds_the_page_that_links_to_it(publication, run):
    root = publication({"alpha": ALPHA, "beta": BETA, "gamma": GAMMA})
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    beta = root / "briefs" / "beta.yaml"
    beta.write_text(BETA.replace("Beta brief", "Beta renamed"), encoding="utf-8")
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert 'See also: <a href="../beta/">Beta renamed</a>' in read(root / "site", "public/en/alpha/index.html")


def test_schema_describes_dek_takeaway_and_paragraph_links():
    schema = brief_schema(Config())
    fields = schema["properties"]
    assert {"dek", "takeaway"} <= set(fields) and not {"dek", "takeaway"} & set(schema["required"])
    assert fields["body"]["items"] == {"$ref": "#/$defs/Paragraph"}
    paragraph = schema["$defs"]["Paragraph"]
    assert set(paragraph["properties"]) == {"en", "zh", "see_also"} and paragraph["additionalProperties"] is False
    assert paragraph["properties"]["see_also"]["anyOf"][0]["pattern"].startswith("^[a-z0-9]")
    section = schema["$defs"]["Section"]["properties"]["body"]
    assert section["items"] == {"$ref": "#/$defs/Paragraph"}
