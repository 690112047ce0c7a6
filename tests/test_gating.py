"""The gating rule as a security property: member text never appears in a lower edition, in any file."""

from __future__ import annotations

import gzip
import json
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalbrief.build import BuildOptions, build
from signalbrief.config import Config
from signalbrief.formats import search
from signalbrief.gating import LockCard, OpenSection, gate
from tests.conftest import small_brief

EDITIONS = Config().edition_ids  # public, strategy-circle, leadership-alliance


def canary(tag: str, *parts: object) -> str:
    return "cnry" + tag + "x".join(str(p) for p in parts)


def section_yaml(brief: int, number: int, tier: str, teaser: bool) -> str:
    body_en = canary("body", brief, number, "en")
    body_zh = canary("body", brief, number, "zh")
    lines = [
        f"  - tier: {tier}",
        f"    title: {{en: Title {brief} {number}, zh: 标题}}",
    ]
    if teaser:
        lines.append(f"    teaser: {{en: Teaser {brief} {number}}}")
    lines += [
        "    body:",
        f"      - en: '*{body_en}* [{number + 2}]'",
        f"        zh: {body_zh}",
        f"        see_also: {LINKED}",  # the link is member content too
        f"      - {{en: Second {canary('para', brief, number)}}}",
        "    sources:",
        f"      - title: {canary('srctitle', brief, number)}",
        f"        publisher: {canary('srcpub', brief, number)}",
        f"        url: https://example.org/{canary('srcurl', brief, number)}",
    ]
    return "\n".join(lines)


LINKED = "linked"  # the brief every section's first paragraph links to
LINKED_BRIEF = """\
date: 2024-03-01
signal: {en: Linked brief}
type: funding
regions: [US]
market_class: flash
confidence: {score: 0.5, basis: expert-input}
summary: {en: 'Linked summary'}
body:
  - en: Linked body
"""


def brief_yaml(index: int, tiers: list[str], teasers: list[bool]) -> str:
    sections = "\n".join(
        section_yaml(index, n, tier, t) for n, (tier, t) in enumerate(zip(tiers, teasers, strict=True))
    )
    # One brief source plus one per section; the n-th section cites its own source [n + 2].
    head = f"""\
date: 2024-04-{index + 1:02d}
signal: {{en: Signal {index}, zh: 信号 {index}}}
type: policy-agreement
regions: [US]
market_class: trend
confidence: {{score: 0.5, basis: expert-input}}
summary: {{en: 'Summary {index} [1] {canary("summary", index)}'}}
dek: {{en: 'Dek {canary("dek", index)}'}}
takeaway: {{en: 'Takeaway {canary("takeaway", index)}'}}
body:
  - en: Public body {index} [1]
sources:
  - title: Public source {index}
"""
    return head + (f"sections:\n{sections}\n" if tiers else "")


def expected_canaries(index: int, tiers: list[str]) -> dict[str, list[str]]:
    """The canaries of each section, keyed by the section's tier."""
    found: dict[str, list[str]] = {}
    for number, tier in enumerate(tiers):
        found.setdefault(tier, []).extend(
            [
                canary("body", index, number, "en"),
                canary("body", index, number, "zh"),
                canary("para", index, number),
                canary("srctitle", index, number),
                canary("srcpub", index, number),
                canary("srcurl", index, number),
            ]
        )
    return found


def shown_in(word: str, views: tuple[str, ...]) -> bool:
    """Whether a canary is rendered at all with these views (a text written in both languages
    shows only the page's language; zh-Hant pages show the zh text, converted)."""
    for lang, shown_by in (("en", ("en", "bi")), ("zh", ("zh", "bi", "zh-hant"))):
        if word.endswith("x" + lang):
            return any(view in views for view in shown_by)
    return True


publications = st.lists(
    st.lists(st.tuples(st.sampled_from(EDITIONS), st.booleans()), max_size=3),
    min_size=1,
    max_size=3,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    publications,
    st.sampled_from(
        [
            ("[en, zh]", ("en", "zh", "bi")),
            ("[en, zh]", ("en",)),
            ("[en, zh]", ("zh", "bi")),
            ("[en, zh, zh-Hant]", ("en", "zh", "zh-hant", "bi")),
            ("[en, zh, zh-Hant]", ("zh-hant",)),
        ]
    ),
    st.sampled_from([("html", "md"), ("md",), ("email",)]),
)
def test_no_member_text_in_any_lower_edition(tmp_path_factory, layout, languages_and_views, formats):
    languages, views = languages_and_views
    root = tmp_path_factory.mktemp("pub")
    email = EMAIL_CONFIG if "email" in formats else ""  # a base URL and a sender: email needs them
    (root / "signalbrief.yaml").write_text(f"languages: {languages}\n{email}", encoding="utf-8")
    (root / "briefs").mkdir()
    (root / "briefs" / f"{LINKED}.yaml").write_text(LINKED_BRIEF, encoding="utf-8")
    secrets: dict[str, list[str]] = {"public": []}
    for index, sections in enumerate(layout):
        tiers = [tier for tier, _ in sections]
        teasers = [teaser for _, teaser in sections]
        (root / "briefs" / f"b{index}.yaml").write_text(brief_yaml(index, tiers, teasers), encoding="utf-8")
        for tier, words in expected_canaries(index, tiers).items():
            secrets.setdefault(tier, []).extend(words)
        secrets["public"] += [canary("dek", index), canary("takeaway", index)]  # public: in every edition
    with patch.object(search, "SHARD_SIZE", 1):  # the search index in shards, as a large archive has it
        build(root, BuildOptions(output=Path("site"), views=views, formats=formats, allow_untranslated=True))
    for rank, edition in enumerate(EDITIONS):
        text = edition_text(root / "site" / edition)
        searched = search_index_text(root / "site" / edition / "pagefind")
        if "html" in formats:
            assert_feeds_list_every_brief(root / "site" / edition, views, len(layout))
        for tier, words in secrets.items():
            for word in words:
                if EDITIONS.index(tier) > rank:
                    assert word not in text, (edition, tier, word)
                elif shown_in(word, views):
                    assert word in text, (edition, tier, word)  # the check can fail: the word is there
                    if "html" in formats and indexed(word, views):
                        assert word in searched, (edition, tier, word)  # and the index is read
        for index, sections in enumerate(layout):
            linked = f"{LINKED}/" in brief_text(root / "site" / edition, f"b{index}")
            assert linked == any(EDITIONS.index(tier) <= rank for tier, _ in sections), (edition, index)
    entry = root / "site" / "index.html"
    if entry.exists():
        text = entry.read_text(encoding="utf-8")
        assert not any(word in text for tier, words in secrets.items() if tier != "public" for word in words)


EMAIL_CONFIG = "base_url: https://example.org/\nemail: {from: briefs@example.org}\n"


def indexed(word: str, views: tuple[str, ...]) -> bool:
    """Whether a canary is in the text of the search index: the body of a brief page in a language
    view (the bilingual view is not indexed)."""
    if not word.startswith(("cnrybody", "cnrypara", "cnrydek", "cnrytakeaway")):
        return False
    return shown_in(word, tuple(view for view in views if view != "bi"))


def edition_text(folder: Path) -> str:
    """Every file of an edition as text; a JSON file (feed.json) and a page's JSON-LD also with their
    strings decoded, so an escape such as \\u0063 could hide no word, an email with its headers
    and parts decoded (quoted-printable and base64 hide words from a plain search), and the search
    index decompressed."""
    parts = [search_index_text(folder / "pagefind")]
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "pagefind" not in path.relative_to(folder).parts:
            parts.append(eml_text(path) if path.suffix == ".eml" else path.read_text(encoding="utf-8"))
            if path.suffix == ".json":
                parts += json_strings(json.loads(parts[-1]))
            if path.suffix == ".html":
                parts += [s for script in JSON_LD.findall(parts[-1]) for s in json_strings(json.loads(script))]
    return "\n".join(parts)


INDEX_DATA = (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter", ".json")


def search_index_text(folder: Path) -> str:
    """Every data file of a Pagefind index, in every shard, as text: decompressed, and the JSON ones
    (page fragments, the entry file) with their strings decoded, without the zero-width spaces Pagefind
    puts between Chinese words; the binary index chunks and metadata as UTF-8, so their words show.
    (Its scripts and WebAssembly are Pagefind's own, the same in every edition: test_search checks that.)"""
    parts = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if not path.is_file() or path.suffix not in INDEX_DATA:
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        data = data.removeprefix(b"pagefind_dcd")
        text = data.decode("utf-8", "replace")
        parts.append(text)
        if path.suffix in (".pf_fragment", ".json"):
            parts += [s.replace("\u200b", "") for s in json_strings(json.loads(text))]
    return "\n".join(parts)


JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def brief_text(folder: Path, brief_id: str) -> str:
    """A brief's own files in an edition: its page, its Markdown and its email in each view."""
    files = [*folder.glob(f"*/{brief_id}.md"), *folder.glob(f"*/{brief_id}/index.html")]
    texts = [path.read_text(encoding="utf-8") for path in sorted(files)]
    return "\n".join(texts + [eml_text(path) for path in sorted(folder.glob(f"*/{brief_id}.eml"))])


def eml_text(path: Path) -> str:
    """An email's decoded headers and the decoded text of each of its parts."""
    message = BytesParser(policy=policy.default).parse(path.open("rb"))
    headers = [f"{name}: {value}" for name, value in message.items()]
    return "\n".join(headers + [part.get_content() for part in message.walk() if not part.is_multipart()])


def test_the_email_check_finds_member_text_that_a_plain_search_misses(tmp_path, monkeypatch):
    """With the gating broken (no edition rule applied), the public email holds member text:
    `edition_text` finds it, though the encoded message hides it from a search of the file's bytes."""
    import signalbrief.build

    real_gate = signalbrief.build.gate
    broken = lambda i, b, edition, config, _rules: real_gate(i, b, edition, config, ())  # noqa: E731
    monkeypatch.setattr(signalbrief.build, "gate", broken)
    (tmp_path / "signalbrief.yaml").write_text(EMAIL_CONFIG, encoding="utf-8")
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / f"{LINKED}.yaml").write_text(LINKED_BRIEF, encoding="utf-8")
    secret = canary("body", 0, 0, "zh")
    # Mostly Chinese text: the plain-text part goes as base64, where no word can be seen.
    brief = brief_yaml(0, ["leadership-alliance"], [True]).replace(f"zh: {secret}", f"zh: {'会员内容' * 50}{secret}")
    (tmp_path / "briefs" / "b0.yaml").write_text(brief, encoding="utf-8")
    build(tmp_path, BuildOptions(output=Path("site"), formats=("email",), allow_untranslated=True))
    public = tmp_path / "site" / "public"
    assert secret in edition_text(public)
    message = BytesParser(policy=policy.default).parse((public / "zh" / "b0.eml").open("rb"))
    plain = message.get_body(("plain",))
    assert plain["Content-Transfer-Encoding"] == "base64" and secret not in plain.get_payload()


def json_strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *json_strings(item)]]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return [value] if isinstance(value, str) else []


def assert_feeds_list_every_brief(folder: Path, views: tuple[str, ...], briefs: int) -> None:
    """The feeds the gating check reads exist and hold each brief's summary (public text)."""
    for view in (v for v in views if v != "bi"):
        feed = json.loads((folder / view / "feed.json").read_text(encoding="utf-8"))
        summaries = "\n".join(item["summary"] for item in feed["items"])
        assert all(canary("summary", index) in summaries for index in range(briefs)), (folder, view)
        assert all(canary("summary", index) in (folder / view / "feed.xml").read_text(encoding="utf-8")
                   for index in range(briefs))


def test_gate_never_hands_a_locked_body_to_templates():
    brief = small_brief(
        sources=[{"title": "public"}],
        sections=[
            {
                "tier": "strategy-circle",
                "title": {"en": "T1"},
                "body": [{"en": "secret1"}],
                "sources": [{"title": "s1"}],
            },
            {
                "tier": "leadership-alliance",
                "title": {"en": "T2"},
                "teaser": {"en": "tease"},
                "body": [{"en": "secret2"}],
            },
        ],
    )
    config = Config()
    public = gate("b", brief, "public", config)
    assert public.brief.sections == []
    assert [type(s) for s in public.sections] == [LockCard, LockCard]
    assert "secret" not in repr(public) and "'s1'" not in repr(public)
    assert public.citable() == {1: 1}
    circle = gate("b", brief, "strategy-circle", config)
    assert isinstance(circle.sections[0], OpenSection) and circle.sections[0].sources[0].number == 2
    assert isinstance(circle.sections[1], LockCard) and circle.sections[1].teaser.en == "tease"
    assert circle.citable() == {1: 1, 2: 2}


NUMBERING = """\
date: 2024-04-01
signal: {en: Signal}
type: policy-agreement
regions: [US]
market_class: trend
confidence: {score: 0.5, basis: expert-input}
summary: {en: 'Summary [1].'}
body:
  - en: Body [1].
sources:
  - title: Brief source
sections:
  - tier: leadership-alliance
    title: {en: Locked one}
    teaser: {en: 'Exposure notes [2].'}
    body:
      - en: Alliance text [2].
    sources:
      - title: Alliance source A
  - tier: strategy-circle
    title: {en: Circle part}
    body:
      - en: Circle text [3].
    sources:
      - title: Circle source
  - tier: leadership-alliance
    title: {en: Locked two}
    body:
      - en: Alliance text [4].
    sources:
      - title: Alliance source B
  - tier: public
    title: {en: Open part}
    body:
      - en: Open text [5] and [1].
    sources:
      - title: Open source
"""

# Per edition: each source title the edition shows, by the number it shows.
SHOWN = {
    "public": {1: "Brief source", 2: "Open source"},
    "strategy-circle": {1: "Brief source", 2: "Circle source", 3: "Open source"},
    "leadership-alliance": {
        1: "Brief source", 2: "Alliance source A", 3: "Circle source", 4: "Alliance source B", 5: "Open source"
    },
}  # fmt: skip


def test_source_numbers_tell_nothing_about_locked_sections(tmp_path):
    """Each edition numbers the sources it shows 1, 2, 3...: a public reader cannot count locked
    sources from a gap, and a lock card's citation of a locked source is left out."""
    import re

    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "b.yaml").write_text(NUMBERING, encoding="utf-8")
    build(tmp_path, BuildOptions(output=Path("site"), views=("en", "bi"), allow_untranslated=True))
    for edition, shown in SHOWN.items():
        html = (tmp_path / "site" / edition / "en" / "b" / "index.html").read_text(encoding="utf-8")
        listed = re.findall(r'<li id="source-(\d+)" value="\1">\n(?:<a [^>]*>)?([^<\n]+)', html)
        assert {int(n): title for n, title in listed} == shown
        cites = [int(n) for n in re.findall(r'<a class="cite" href="#source-(\d+)">\[\1\]</a>', html)]
        assert max(cites) == len(shown) and set(cites) <= set(shown)
        open_number = len(shown)  # the public section's source is the last one every edition shows
        assert f'Open text <a class="cite" href="#source-{open_number}">[{open_number}]</a> and' in html
        md = (tmp_path / "site" / edition / "en" / "b.md").read_text(encoding="utf-8")
        assert f"Open text \\[{open_number}\\] and \\[1\\]." in md
        assert f"\n{open_number}. Open source" in md and f"\n{open_number + 1}. " not in md
        everything = edition_text(tmp_path / "site" / edition)
        for hidden in range(len(shown) + 1, 6):
            assert f"source-{hidden}" not in everything and f"[{hidden}]" not in everything
            assert f"\\[{hidden}\\]" not in everything and f'value="{hidden}"' not in everything
    public = (tmp_path / "site/public/en/b/index.html").read_text(encoding="utf-8")
    assert "<p>Exposure notes.</p>" in public  # the teaser's citation of its locked source is left out
    assert "> Exposure notes." in (tmp_path / "site/public/en/b.md").read_text(encoding="utf-8")
