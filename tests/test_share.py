"""Share metadata of brief pages: Open Graph, Twitter card, canonical URL and JSON-LD, from what the
edition shows, with absolute URLs only when the publication has a base URL."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path
from unittest.mock import patch

import pytest

from signalbrief.build import BuildOptions, build
from signalbrief.formats.share import script_json
from signalbrief.validate import RESERVED_IDS
from tests.conftest import copy_publication

GOLDEN = Path(__file__).resolve().parent / "golden" / "publication"
BASE = "https://briefs.example.org"
VOID = {"meta", "link", "br", "img", "input", "hr", "wbr", "source"}
MEMBER_ONLY = ("Member-only supplier analysis", "Member source")


class Head(HTMLParser):
    """A page's title, meta, canonical link and JSON-LD, and the classes around each lock card."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.title = ""
        self.lock_ancestors: list[set[str]] = []
        self._open: list[tuple[str, set[str]]] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "meta" and "content" in found:
            self.meta[found.get("property") or found.get("name") or ""] = found["content"]
        if tag == "link" and found.get("rel") == "canonical":
            self.canonical.append(found["href"])
        if tag == "script":
            self.scripts.append((found.get("type"), ""))
        classes = set((found.get("class") or "").split())
        if "lock-card" in classes:
            self.lock_ancestors.append({c for _, cs in self._open for c in cs})
        if tag not in VOID:
            self._open.append((tag, classes))
        self._in = tag

    def handle_endtag(self, tag):
        while self._open and self._open.pop()[0] != tag:
            pass
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        elif self._in == "title":
            self.title += data

    @property
    def json_ld(self) -> dict:
        [(kind, text)] = self.scripts
        assert kind == "application/ld+json"
        return json.loads(text)


def read(page: Path) -> Head:
    head = Head()
    head.feed(page.read_text(encoding="utf-8"))
    return head


def build_copy(root: Path, config: str) -> Path:
    """Build a copy of the golden publication with `config` as its signalbrief.yaml; return its site."""
    copy_publication(GOLDEN, root)
    (root / "signalbrief.yaml").write_text(config, encoding="utf-8")
    with patch.dict(os.environ, SIGNALBRIEF_MODELS=str(root / "no-models")):
        build(root, BuildOptions(output=Path("site"), allow_untranslated=True))
    return root / "site"


@pytest.fixture(scope="module")
def with_base(tmp_path_factory) -> Path:
    return build_copy(tmp_path_factory.mktemp("with"), (GOLDEN / "signalbrief.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def without_base(tmp_path_factory) -> Path:
    config = "title: {en: Golden Desk, zh: 金标准简报}\nlanguages: [en, zh, zh-Hant]\n"
    return build_copy(tmp_path_factory.mktemp("without"), config)


def brief_pages(site: Path) -> list[Path]:
    """Each brief's page (`<edition>/<view>/<id>/index.html`), not the browse pages beside them."""
    return sorted(p for p in site.glob("*/*/*/index.html") if p.parent.name not in RESERVED_IDS)


def test_each_tag_has_its_value_with_a_base_url(with_base):
    page = read(with_base / "public" / "en" / "chip-export-rules" / "index.html")
    url = f"{BASE}/public/en/chip-export-rules/"
    title, description = "Export rules tighten on advanced chips", "Licence requirements now reach more products."
    assert page.title == title
    assert page.meta["description"] == description  # the dek, not the summary
    assert page.canonical == [url]
    assert {k: v for k, v in page.meta.items() if k.startswith(("og:", "article:", "twitter:"))} == {
        "og:type": "article",
        "og:title": title,
        "og:description": description,
        "og:url": url,
        "og:locale": "en_US",
        "og:site_name": "Golden Desk",
        "article:published_time": "2024-05-02",
        "twitter:card": "summary",
        "twitter:title": title,
        "twitter:description": description,
    }
    data = page.json_ld
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert (data["headline"], data["description"]) == (title, description)
    assert (data["inLanguage"], data["datePublished"]) == ("en", "2024-05-02")
    assert data["url"] == url and data["mainEntityOfPage"]["@id"] == url
    assert data["publisher"] == {"@type": "Organization", "name": "Golden Desk"}


def test_machine_text_keeps_its_label_and_the_summary_stands_in_for_a_missing_dek(with_base):
    machine = read(with_base / "public" / "zh" / "chip-export-rules" / "index.html")
    assert "机器翻译" in machine.title
    assert machine.meta["og:title"] == machine.meta["twitter:title"] == machine.json_ld["headline"] == machine.title
    assert machine.meta["og:locale"] == "zh_CN" and machine.json_ld["inLanguage"] == "zh-Hans"
    pending = read(with_base / "public" / "en" / "grid-storage-funding" / "index.html")
    assert "Translation pending" in pending.title and pending.meta["og:title"] == pending.title
    assert pending.meta["og:description"] == pending.meta["description"] == pending.json_ld["description"]
    assert "欧盟为电网储能项目提供新的资金" in pending.meta["description"]  # the summary: this brief has no dek


def test_every_view_has_the_pages_language(with_base, without_base):
    bilingual = read(with_base / "public" / "bi" / "chip-export-rules" / "index.html")
    assert bilingual.json_ld["inLanguage"] == "en" and bilingual.meta["og:locale"] == "en_US"
    assert bilingual.canonical == [f"{BASE}/public/bi/chip-export-rules/"]
    traditional = read(without_base / "public" / "zh-hant" / "chip-export-rules" / "index.html")
    assert traditional.json_ld["inLanguage"] == "zh-Hant" and traditional.meta["og:locale"] == "zh_TW"
    assert traditional.meta["og:title"] == traditional.title


def test_without_a_base_url_no_url_is_given(without_base):
    pages = brief_pages(without_base)
    assert len(pages) == 3 * 4 * 2  # editions x views (en, zh, zh-hant, bi) x briefs
    for path in pages:
        page = read(path)
        assert page.canonical == [] and "og:url" not in page.meta, path
        assert "url" not in page.json_ld and "mainEntityOfPage" not in page.json_ld, path
        assert page.meta["og:title"] == page.title and page.meta["og:description"] == page.meta["description"]


def test_every_url_is_absolute_with_a_base_url(with_base):
    for path in brief_pages(with_base):
        page = read(path)
        edition, view, brief = path.relative_to(with_base).parts[:3]
        url = f"{BASE}/{edition}/{view}/{brief}/"
        assert page.canonical == [url] and page.meta["og:url"] == url and page.json_ld["url"] == url, path


def test_locked_parts_are_listed_only_on_pages_with_lock_cards(with_base, without_base):
    seen = set()
    for path in [*brief_pages(with_base), *brief_pages(without_base)]:
        page = read(path)
        data = page.json_ld
        parts = data.get("hasPart", [])
        selectors = [part["cssSelector"] for part in parts]
        assert all(part == {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": s}
                   for part, s in zip(parts, selectors, strict=True))
        # Each lock card sits in the element its selector names, and each selector names a lock card.
        wrapped = {f".{c}" for classes in page.lock_ancestors for c in classes if c.startswith("locked-part-")}
        assert set(selectors) == wrapped, path
        assert ("isAccessibleForFree" in data) == bool(page.lock_ancestors), path
        if page.lock_ancestors:
            assert data["isAccessibleForFree"] is False
        seen.add((path.parts[-4], bool(selectors)))
    # The member section is locked below its tier and open in it: both kinds of page were checked.
    assert ("public", True) in seen and ("leadership-alliance", False) in seen


def test_metadata_holds_nothing_member_only(with_base):
    for path in brief_pages(with_base):
        if path.relative_to(with_base).parts[0] == "leadership-alliance":
            continue
        page = read(path)
        shared = " ".join([*page.meta.values(), json.dumps(page.json_ld, ensure_ascii=False)])
        assert not any(words in shared for words in MEMBER_ONLY), path


HOSTILE = """\
date: 2024-04-01
signal: {en: '</script><script>alert(1)</script> <!-- & "q" </SCRIPT >'}
dek: {en: 'Dek </script><img src=x onerror=alert(2)>'}
type: funding
regions: [US]
market_class: flash
confidence: {score: 0.5, basis: expert-input}
summary: {en: Summary}
body:
  - en: Body
"""


def test_hostile_text_stays_inside_the_script(publication):
    root = publication({"hostile": HOSTILE}, config="base_url: https://briefs.example.org/\n")
    build(root, BuildOptions(output=Path("site"), views=("en",), allow_untranslated=True))
    pages = brief_pages(root / "site")
    assert len(pages) == 3
    for path in pages:
        text = path.read_text(encoding="utf-8")
        page = read(path)
        script = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
        assert "<" not in script and ">" not in script and "&" not in script
        assert text.lower().count("<script") == 1
        data = page.json_ld  # the only script, and whole: its JSON parses
        assert data["headline"] == page.title and "</script>" in data["headline"]
        assert data["description"] == page.meta["description"] and "onerror" in data["description"]


def test_script_json_escapes_what_could_end_the_element():
    value = {"a": "</script><!-- & -->", "b": "中文"}
    text = script_json(value)
    assert not set("<>&") & set(text) and "中文" in text
    assert json.loads(text) == value
