"""Languages as data: one registry filled through the `signalbrief_languages` hook, a publication's
`languages:` list, and every view, text and label keyed by language code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signalbrief import languages, plugins
from signalbrief.build import BuildOptions, build
from signalbrief.configfile import load_config
from tests.conftest import BETA, VALID
from tests.test_plugins import install_plugin


@pytest.fixture
def fresh_plugins():
    plugins.plugin_manager.cache_clear()
    yield
    plugins.plugin_manager.cache_clear()


# A plugin language derived from English: its texts are the English ones in capitals.
SHOUT = """\
from signalbrief.hookspecs import hookimpl
from signalbrief.languages import DERIVED, Language


@hookimpl
def signalbrief_languages():
    return [
        Language(
            code="en-shout", html_lang="en-x-shout", locale="en", path="shout",
            labels={"en": "Shouted English", "en-shout": "SHOUTED"},
            obtained=DERIVED, source="en", derive=str.upper,
        )
    ]
"""


@pytest.fixture
def shout(tmp_path, monkeypatch, fresh_plugins):
    """A third-party plugin that adds a derived language, installed by its entry point."""
    folder = tmp_path / "plugin"
    folder.mkdir()
    install_plugin(folder, "sb_demo_shout", SHOUT)
    monkeypatch.syspath_prepend(str(folder))


def test_the_built_in_languages_come_from_the_default_plugin():
    assert "signalbrief.languages_builtin" in plugins.DEFAULT_PLUGINS
    found = languages.registered()
    assert list(found)[:2] == ["en", "zh"]
    assert [(found[c].html_lang, found[c].locale, found[c].path) for c in ("en", "zh")] == [
        ("en", "en", "en"),
        ("zh-Hans", "zh_Hans", "zh"),
    ]
    assert languages.written_codes()[:2] == ["en", "zh"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("languages: [en, ZH]", "signalbrief.yaml:1:17: error: languages[1]: unknown language 'ZH' (did you mean 'zh'?)"),
        ("languages: [en, fr]", "signalbrief.yaml:1:17: error: languages[1]: unknown language 'fr'; languages: en, zh"),
        ("languages: [en, en]", "signalbrief.yaml:1:17: error: languages[1]: language 'en' is listed twice"),
        ("languages: []", "signalbrief.yaml:1:12: error: languages: needs at least one item"),
    ],
)
def test_a_wrong_languages_list_is_a_positioned_error(publication, run, written, expected):
    result = run(publication(config=written + "\n"), "validate")
    assert result.exit_code == 1
    assert expected in result.output


def test_the_default_languages_are_english_and_chinese(publication):
    assert load_config(publication()).languages == ("en", "zh")
    assert [v.id for v in languages.views(("en", "zh"))] == ["en", "zh", "bi"]


def test_an_english_only_publication_builds_english_pages_and_translates_nothing_into_chinese(publication):
    english_only = VALID.replace("  zh: 美英签署AI安全测试备忘录\n", "")
    root = publication({"alpha": english_only, "beta": BETA.replace("{zh: 第二}", "{en: Second summary}")})
    (root / "signalbrief.yaml").write_text("languages: [en]\n", encoding="utf-8")
    report = build(root, BuildOptions(output=Path("site")))  # no model: anything to translate would stop it
    assert report.pending == 0
    assert sorted(p.name for p in (root / "site" / "public").iterdir()) == ["assets", "en", "pagefind", "sitemap.xml"]
    page = (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")
    assert 'hreflang="zh-Hans"' not in page and "Translation pending" not in page


def test_a_view_the_publication_does_not_have_is_a_usage_error(publication, run):
    root = publication()
    (root / "signalbrief.yaml").write_text("languages: [en]\n", encoding="utf-8")
    result = run(root, "build", "--lang", "zh", "--allow-untranslated")
    assert result.exit_code == 2
    assert "--lang: 'zh' is not one of en (the views of this publication's languages)" in result.output
    assert not (root / "site").exists()


def test_a_plugin_language_derived_from_english_gets_its_own_views(publication, shout):
    root = publication()
    (root / "signalbrief.yaml").write_text("languages: [en, zh, en-shout]\n", encoding="utf-8")
    build(root, BuildOptions(output=Path("site"), allow_untranslated=True))
    page = (root / "site/public/shout/alpha/index.html").read_text(encoding="utf-8")
    assert '<html lang="en-x-shout">' in page
    assert "US AND UK SIGN AI SAFETY TESTING MEMORANDUM" in page
    assert 'hreflang="en-x-shout" href="../../shout/alpha/"' in page
    english = (root / "site/public/en/alpha/index.html").read_text(encoding="utf-8")
    assert ">SHOUTED</a>" in english  # the language switch names each language in itself
    assert (root / "site/public/shout/feed.xml").is_file() and (root / "site/public/shout/alpha.md").is_file()
    assert "<loc>shout/alpha/</loc>" in (root / "site/public/sitemap.xml").read_text(encoding="utf-8")


def test_a_derived_language_is_never_written_in_a_brief(publication, run, shout):
    brief = VALID.replace("  zh: 美英签署AI安全测试备忘录\n", "  en-shout: HELLO\n")
    result = run(publication({"alpha": brief}), "validate")
    assert result.exit_code == 1
    assert "briefs/alpha.yaml:5:13: error: signal.en-shout: en-shout (Shouted English) is never written" in result.output
    assert "write the text under en" in result.output


def test_a_derived_language_needs_its_source_in_the_list(publication, run, shout):
    result = run(publication(config="languages: [zh, en-shout]\n"), "validate")
    assert result.exit_code == 1
    assert "languages[1]: en-shout is derived from en: list en too" in result.output


def test_the_schema_lists_the_written_languages_only(publication, run, shout):
    schema = json.loads(run(publication(), "schema").stdout)
    text = schema["$defs"]["Text"]
    assert list(text["properties"]) == ["en", "zh"] and text["additionalProperties"] is False


def test_a_language_registered_twice_is_one_clear_error(tmp_path, monkeypatch, fresh_plugins, publication, run):
    source = SHOUT.replace('code="en-shout"', 'code="en"')
    install_plugin(tmp_path, "sb_demo_clash", source)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(languages.LanguageError, match="language 'en' is registered twice"):
        languages.registered()


# Traditional Chinese: derived from the Simplified Chinese text with OpenCC (s2twp).
HANT = "languages: [en, zh, zh-Hant]\n"
MACHINE = VALID.replace("  zh: 美英签署AI安全测试备忘录\n", "  zh: !mt 美英签署AI安全测试备忘录\n")


@pytest.fixture
def hant_site(publication) -> Path:
    root = publication({"alpha": MACHINE, "beta": BETA}, config=HANT)
    build(root, BuildOptions(output=Path("site"), allow_untranslated=True))
    return root / "site"


def test_zh_hant_is_registered_by_its_own_plugin_derived_from_zh():
    assert "signalbrief.languages_zh_hant" in plugins.DEFAULT_PLUGINS
    hant = languages.language("zh-Hant")
    assert (hant.html_lang, hant.locale, hant.path, hant.source, hant.written) == (
        "zh-Hant", "zh_Hant", "zh-hant", "zh", False
    )
    assert hant.derive("软件信息网络") == "軟體資訊網路"  # s2twp: characters and Taiwan phrasing
    assert languages.written_codes() == ["en", "zh"]  # never machine translated on its own


def test_zh_hant_pages_are_traditional_and_marked_as_such(hant_site):
    page = (hant_site / "public/zh-hant/alpha/index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in page
    assert "美英簽署AI安全測試備忘錄" in page and "美英签署" not in page
    assert ">訊號<" in page and "戰略圈" in page and "美國" in page  # catalog, tier name, CLDR region
    for hreflang, href in [("en", "en"), ("zh-Hans", "zh"), ("zh-Hant", "zh-hant")]:
        assert f'<link rel="alternate" hreflang="{hreflang}" href="../../{href}/alpha/">' in page
    assert 'lang="zh-Hant" aria-current="page">繁體中文</a>' in page


def test_text_derived_from_machine_chinese_stays_labelled_as_machine_text(hant_site):
    page = (hant_site / "public/zh-hant/alpha/index.html").read_text(encoding="utf-8")
    assert '<span data-mt="zh-Hant">美英簽署AI安全測試備忘錄</span><span class="mt-label">機器翻譯</span>' in page
    assert "<title>美英簽署AI安全測試備忘錄（機器翻譯）</title>" in page
    markdown = (hant_site / "public/zh-hant/alpha.md").read_text(encoding="utf-8")
    assert "# 美英簽署AI安全測試備忘錄 *(機器翻譯)*" in markdown
    # A text with no Chinese yet shows the pending notice in Traditional Chinese, then the English.
    assert '<span class="pending" data-pending="zh-Hant">翻譯待完成</span> <span lang="en">' in page


def test_zh_hant_has_feeds_sitemap_entries_and_a_place_on_the_entry_page(hant_site):
    feed = (hant_site / "public/zh-hant/feed.xml").read_text(encoding="utf-8")
    assert 'xml:lang="zh-Hant"' in feed and "<title>美英簽署AI安全測試備忘錄（機器翻譯）</title>" in feed
    json_feed = json.loads((hant_site / "public/zh-hant/feed.json").read_text(encoding="utf-8"))
    assert json_feed["language"] == "zh-Hant"
    assert "美英簽署AI安全測試備忘錄（機器翻譯）" in [item["title"] for item in json_feed["items"]]
    sitemap = (hant_site / "public/sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>zh-hant/alpha/</loc>" in sitemap
    assert '<xhtml:link rel="alternate" hreflang="zh-Hant" href="zh-hant/alpha/"/>' in sitemap
    entry = (hant_site / "index.html").read_text(encoding="utf-8")
    assert '<a href="public/zh-hant/" hreflang="zh-Hant" lang="zh-Hant">繁體中文</a>' in entry


def test_the_bilingual_view_stays_english_and_simplified_chinese(hant_site):
    page = (hant_site / "public/bi/alpha/index.html").read_text(encoding="utf-8")
    article = page[page.index("<article") :]
    assert 'lang="zh-Hans"' in article and "美英签署AI安全测试备忘录" in article
    assert "zh-Hant" not in article and "美英簽署" not in article


def test_zh_hant_is_never_written_in_a_brief(publication, run):
    brief = VALID.replace("  zh: 美英签署AI安全测试备忘录\n", "  zh-Hant: 美英簽署\n")
    result = run(publication({"alpha": brief}, config=HANT), "validate")
    assert result.exit_code == 1
    assert "briefs/alpha.yaml:5:12: error: signal.zh-Hant: zh-Hant (Traditional Chinese) is never written" in result.output
    assert "write the text under zh" in result.output


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("languages: [en, zh-Hant]", "languages[1]: zh-Hant is derived from zh: list zh too"),
        ("languages: [en, zh, zh-hant]", "languages[2]: unknown language 'zh-hant' (did you mean 'zh-Hant'?)"),
    ],
)
def test_zh_hant_in_the_languages_list(publication, run, written, expected):
    result = run(publication(config=written + "\n"), "validate")
    assert result.exit_code == 1 and expected in result.output


def test_zh_hant_pages_only_where_the_publication_has_them(publication, run):
    root = publication()
    result = run(root, "build", "--lang", "zh-hant", "--allow-untranslated")
    assert result.exit_code == 2 and "'zh-hant' is not one of en, zh, bi" in result.output
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert not (root / "site/public/zh-hant").exists()


def test_the_preview_refuses_a_view_the_publication_does_not_have(publication, run):
    result = run(publication(), "serve", "--lang", "zh-hant", "--port", "0")
    assert result.exit_code == 2 and "'zh-hant' is not one of en, zh, bi" in result.output
