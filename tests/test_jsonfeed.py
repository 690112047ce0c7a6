"""JSON Feed 1.1 (`<edition>/<view>/feed.json`, spec section 10), checked against the rules of
https://jsonfeed.org/version/1.1 written as a JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from signalbrief.build import BuildOptions, build
from tests.conftest import BETA, VALID, replace_line

ABSOLUTE = {"type": "string", "pattern": r"^https?://[^\s/]+/\S*$"}
RFC3339 = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}
AUTHOR = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "url": ABSOLUTE, "avatar": ABSOLUTE},
    "anyOf": [{"required": ["name"]}, {"required": ["url"]}, {"required": ["avatar"]}],
    "patternProperties": {"^_": {}},
    "additionalProperties": False,
}
ITEM = {
    "type": "object",
    "required": ["id"],
    "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "url": ABSOLUTE,
        "external_url": ABSOLUTE,
        "title": {"type": "string"},
        "content_html": {"type": "string"},
        "content_text": {"type": "string"},
        "summary": {"type": "string"},
        "image": ABSOLUTE,
        "banner_image": ABSOLUTE,
        "date_published": RFC3339,
        "date_modified": RFC3339,
        "authors": {"type": "array", "items": AUTHOR},
        "tags": {"type": "array", "items": {"type": "string"}},
        "language": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
        "attachments": {"type": "array"},
    },
    "patternProperties": {"^_": {}},  # extensions start with an underscore; anything else is a typo
    "additionalProperties": False,
}
FEED = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": ABSOLUTE,
        "feed_url": ABSOLUTE,
        "description": {"type": "string"},
        "user_comment": {"type": "string"},
        "next_url": ABSOLUTE,
        "icon": ABSOLUTE,
        "favicon": ABSOLUTE,
        "authors": {"type": "array", "items": AUTHOR},
        "language": ITEM["properties"]["language"],
        "expired": {"type": "boolean"},
        "hubs": {"type": "array"},
        "items": {"type": "array", "items": ITEM},
    },
    "patternProperties": {"^_": {}},
    "additionalProperties": False,
}
EDITIONS = ("public", "strategy-circle", "leadership-alliance")
BASE = "base_url: https://briefs.example.org/news/\n"


def feeds(site: Path) -> dict[str, dict]:
    """Every feed.json of a site, checked against JSON Feed 1.1 and for unique item ids."""
    found = {}
    for path in sorted(site.rglob("feed.json")):
        feed = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator(FEED).validate(feed)
        ids = [item["id"] for item in feed["items"]]
        assert len(ids) == len(set(ids))
        found[str(path.relative_to(site))] = feed
    return found


def test_the_schema_refuses_what_json_feed_forbids():
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": [{"id": "1", "content_text": "x"}]}
    Draft202012Validator(FEED).validate(good)
    bad = [
        {**good, "feed_url": "feed.json"},  # relative
        {**good, "items": [{"id": "1"}]},  # no content
        {**good, "items": [{"id": "1", "content_text": "x", "date_published": "2024-04-01"}]},  # not RFC 3339
        {**good, "item": []},  # a typo, not an extension
    ]
    assert all(not Draft202012Validator(FEED).is_valid(feed) for feed in bad)


def test_each_edition_and_language_has_a_valid_feed_with_absolute_urls(publication):
    root = publication(config=BASE)
    build(root, BuildOptions(allow_untranslated=True))
    found = feeds(root / "site")
    assert sorted(found) == sorted(f"{e}/{lang}/feed.json" for e in EDITIONS for lang in ("en", "zh"))
    feed = found["strategy-circle/zh/feed.json"]
    assert feed["home_page_url"] == "https://briefs.example.org/news/strategy-circle/zh/"
    assert feed["feed_url"] == "https://briefs.example.org/news/strategy-circle/zh/feed.json"
    assert feed["language"] == "zh-Hans"
    assert [item["id"] for item in feed["items"]] == [
        "https://briefs.example.org/news/strategy-circle/zh/beta/",
        "https://briefs.example.org/news/strategy-circle/zh/alpha/",
    ]
    alpha = feed["items"][1]
    assert alpha["url"] == alpha["id"] and alpha["date_published"] == "2024-04-01T00:00:00Z"
    assert alpha["title"] == "美英签署AI安全测试备忘录" and alpha["language"] == "zh-Hans"


def test_without_a_base_url_no_url_is_given_and_ids_match_the_atom_feed(publication):
    root = publication()
    build(root, BuildOptions(allow_untranslated=True))
    for name, feed in feeds(root / "site").items():
        assert not {"home_page_url", "feed_url"} & set(feed)
        assert not [item for item in feed["items"] if "url" in item]
        atom = (root / "site" / name).with_name("feed.xml").read_text(encoding="utf-8")
        assert [item["id"] for item in feed["items"]] == re.findall(r"<entry>\n<title>.*</title>\n<id>(.*)</id>", atom)


def test_machine_text_is_labelled_as_in_the_atom_feed(publication):
    root = publication({"alpha": replace_line(VALID, 5, "  zh: !mt 机器译文"), "beta": BETA})
    build(root, BuildOptions(allow_untranslated=True))
    feed = json.loads((root / "site/public/zh/feed.json").read_text(encoding="utf-8"))
    titles = {item["id"].rsplit(":", 1)[1]: item["title"] for item in feed["items"]}
    assert titles["alpha"] == "机器译文（机器翻译）"
    assert "<title>机器译文（机器翻译）</title>" in (root / "site/public/zh/feed.xml").read_text(encoding="utf-8")
    beta = next(item for item in feed["items"] if item["id"].endswith(":beta"))
    assert beta["summary"] == beta["content_text"] == "第二"
    english = json.loads((root / "site/public/en/feed.json").read_text(encoding="utf-8"))
    assert next(i for i in english["items"] if i["id"].endswith(":beta"))["summary"].startswith("(Translation pending) ")


def test_a_feed_with_no_briefs_is_valid(publication):
    root = publication({"beta": "draft: true\n" + BETA})
    build(root, BuildOptions(views=("en",), allow_untranslated=True))
    assert feeds(root / "site")["public/en/feed.json"]["items"] == []


@pytest.mark.parametrize(
    ("page", "href"), [("en/alpha/index.html", "../../en/feed.json"), ("zh/index.html", "../zh/feed.json")]
)
def test_pages_link_to_the_feed_of_their_language(publication, page, href):
    root = publication()
    build(root, BuildOptions(allow_untranslated=True))
    html = (root / "site/public" / page).read_text(encoding="utf-8")
    assert re.search(f'<link rel="alternate" type="application/feed\\+json" title="[^"]+" href="{href}">', html)
    bilingual = (root / "site/public/bi/alpha/index.html").read_text(encoding="utf-8")
    assert "feed+json" not in bilingual
