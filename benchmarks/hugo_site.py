"""The same briefs as a Hugo site that writes what `signalbrief build --edition public --lang en
--format html` writes: one page per brief showing the same blocks, the list page, an Atom feed, a
JSON Feed, a sitemap, the style sheet and an entry page.

Every text is the brief's own words in English, or its Chinese with the same "Translation pending"
label where the brief has no English; Hugo renders each through its Markdown renderer (`markdownify`)
and links citations `[n]` to the sources, as signalbrief does. Labels of terms, regions, grades and
tiers come from signalbrief's defaults, so both pages say the same.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

CONFIG = """baseURL = "https://example.org/"
title = "Signal Briefs"
disableKinds = ["taxonomy", "term", "RSS", "404", "robotsTXT"]
disableHugoGeneratorInject = true
[markup.goldmark.renderer]
unsafe = false
[mediaTypes."application/atom+xml"]
suffixes = ["xml"]
[mediaTypes."application/feed+json"]
suffixes = ["json"]
[outputFormats.Atom]
mediaType = "application/atom+xml"
baseName = "feed"
isPlainText = true
[outputFormats.JSONFeed]
mediaType = "application/feed+json"
baseName = "feed"
isPlainText = true
[outputs]
home = ["HTML"]
section = ["HTML", "Atom", "JSONFeed"]
page = ["HTML"]
"""

PARTIALS = {
    # A brief's text as HTML: inline Markdown, citations linked, labelled when it is not in English.
    "text.html": (
        '{{ $html := .t | markdownify | replaceRE `\\[([0-9]+)\\]` `<a class="cite" href="#source-$1">[$1]</a>` }}'
        '{{ if .pending }}<span class="pending" data-pending="en">Translation pending</span> '
        '<span lang="zh-Hans">{{ $html | safeHTML }}</span>{{ else }}{{ $html | safeHTML }}{{ end }}'
    ),
    # A summary in the list: inline Markdown, citations left as written (the list shows no sources).
    "row.html": (
        '{{ $html := .t | markdownify }}'
        '{{ if .pending }}<span class="pending" data-pending="en">Translation pending</span> '
        '<span lang="zh-Hans">{{ $html | safeHTML }}</span>{{ else }}{{ $html | safeHTML }}{{ end }}'
    ),
    # A text as one plain line of HTML (link text), labelled like text.html.
    "line.html": (
        '{{ $plain := .t | replaceRE `\\s*\\[[0-9]+\\]` "" | markdownify | plainify }}'
        '{{ if .pending }}<span class="pending" data-pending="en">Translation pending</span> '
        '<span lang="zh-Hans">{{ $plain }}</span>{{ else }}{{ $plain }}{{ end }}'
    ),
    # A text as plain words with a short marker, for <title>, <meta> and feeds.
    "plain.html": (
        '{{ if .pending }}(Translation pending) {{ end }}'
        '{{ .t | replaceRE `\\s*\\[[0-9]+\\]` "" | markdownify | plainify | htmlUnescape }}'
    ),
}

BASEOF = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
{{ block "description" . }}{{ end }}
{{ $up := cond .IsPage "../../" "../" }}{{ $here := cond .IsPage (printf "%sen/%s/" $up .File.ContentBaseName) "../en/" }}
<link rel="stylesheet" href="{{ $up }}assets/style.css">
<link rel="alternate" hreflang="en" href="{{ $here }}">
<link rel="alternate" type="application/atom+xml" title="{{ site.Title }}" href="{{ $up }}en/feed.xml">
<link rel="alternate" type="application/feed+json" title="{{ site.Title }}" href="{{ $up }}en/feed.json">
</head>
<body>
<header class="site-header">
<div class="wrap">
<a class="site-title" href="{{ $up }}en/">{{ site.Title }}</a>
<span class="edition-name">Public edition</span>
<nav class="language-switch" aria-label="Language">
<ul>
<li><a href="{{ $here }}" hreflang="en" lang="en" aria-current="page">English</a></li>
</ul>
</nav>
</div>
</header>
<main class="wrap">
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer">
<div class="wrap">Published with signalbrief.</div>
</footer>
</body>
</html>
"""

SINGLE = """{{ define "title" }}{{ partial "plain.html" (dict "t" .Params.signal "pending" .Params.pending) }}{{ end }}
{{ define "description" }}<meta name="description" content="{{ partial "plain.html" (dict "t" .Params.summary "pending" .Params.pending) }}">{{ end }}
{{ define "main" }}{{ $p := .Params }}{{ $pending := $p.pending }}{{ $terms := site.Data.terms }}
<article class="brief">
<p class="meta">{{ index $terms.market_class $p.market_class }} · <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time></p>
<h1>{{ partial "text.html" (dict "t" $p.signal "pending" $pending) }}</h1>
<p class="summary">{{ partial "text.html" (dict "t" $p.summary "pending" $pending) }}</p>

<h2>Confidence</h2>
{{ $score := $p.score }}{{ $band := dict }}
{{ range site.Data.grades }}{{ if and (not $band.grade) (ge $score .lower) }}{{ $band = . }}{{ end }}{{ end }}
<p><span class="grade">{{ $band.grade }}</span> {{ $band.label }} · score {{ printf "%.2f" $score }} · {{ index $terms.basis $p.basis }}</p>
<table class="grades">
<caption class="meta">Confidence grades</caption>
<thead><tr><th scope="col">Score</th><th scope="col">Grade</th><th scope="col">Meaning</th></tr></thead>
<tbody>
{{ range site.Data.grades }}<tr{{ if eq .lower $band.lower }} class="current"{{ end }}><td>{{ printf "%.2f" .lower }}–{{ printf "%.2f" .upper }}</td><td>{{ .grade }}</td><td>{{ .label }}</td></tr>
{{ end }}</tbody>
</table>

{{ range $p.body }}<p>{{ partial "text.html" (dict "t" . "pending" $pending) }}</p>
{{ end }}

<h2>Signal Brief</h2>
<dl class="facts">
<dt>Signal</dt><dd>{{ partial "text.html" (dict "t" $p.signal "pending" $pending) }}</dd>
<dt>Signal Type</dt><dd>{{ index $terms.type $p.kind }}</dd>
<dt>Region</dt><dd>{{ range $i, $code := $p.regions }}{{ if $i }} / {{ end }}{{ index site.Data.regions $code }}{{ end }}</dd>
<dt>Market Class</dt><dd>{{ index $terms.market_class $p.market_class }}</dd>
<dt>Date</dt><dd><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time></dd>
</dl>

{{ with $p.operating_surface }}<h2>Operating Surface</h2>
<ul>
{{ range . }}<li>{{ partial "text.html" (dict "t" . "pending" $pending) }}</li>
{{ end }}</ul>{{ end }}

{{ with $p.market_context }}<h2>Market Context</h2>
<ul>
<li>{{ partial "text.html" (dict "t" .statement "pending" $pending) }}</li>
<li>Operational relevance: {{ index $terms.relevance .relevance }}</li>
<li>Time horizon: {{ index $terms.horizon .horizon }}</li>
</ul>{{ end }}

{{ with $p.watch }}<h2>What To Watch</h2>
<ul>
{{ range . }}<li>{{ partial "text.html" (dict "t" . "pending" $pending) }}</li>
{{ end }}</ul>{{ end }}

{{ with $p.sources }}<h2>Sources</h2>
<ol class="sources">
{{ range $i, $s := . }}<li id="source-{{ add $i 1 }}" value="{{ add $i 1 }}">
{{ with $s.url }}<a href="{{ . }}" rel="noopener">{{ $s.title }}</a>{{ else }}{{ $s.title }}{{ end }}{{ with $s.publisher }} — {{ . }}{{ end }}</li>
{{ end }}</ol>{{ end }}

{{ with $p.see_also }}<h2>See also</h2>
<ul>
{{ range . }}{{ with site.GetPage (printf "/en/%s" .) }}<li><a href="../{{ .File.ContentBaseName }}/">{{ partial "line.html" (dict "t" .Params.signal "pending" .Params.pending) }}</a></li>
{{ end }}{{ end }}</ul>{{ end }}

{{ with $p.sections }}<h2>Member Briefing</h2>
{{ range . }}{{ $tier := index site.Data.tiers .tier }}<section class="lock-card" data-locked="{{ .tier }}">
<h3>{{ partial "text.html" (dict "t" .title "pending" $pending) }}</h3>
{{ with .teaser }}<p>{{ partial "text.html" (dict "t" . "pending" $pending) }}</p>{{ end }}<p class="tier">Only for {{ $tier.name }}</p>
<p><strong>{{ $tier.access_title }}</strong></p>
<p>{{ $tier.pitch }}</p>
<a class="join" href="{{ $tier.join_url }}">{{ $tier.join_label }}</a>
</section>
{{ end }}{{ end }}
</article>
{{ end }}
"""

LIST = """{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul class="brief-list">
{{ range .Pages.ByDate.Reverse }}<li>
<time class="meta" datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time>
<a class="signal" href="{{ .File.ContentBaseName }}/">{{ partial "line.html" (dict "t" .Params.signal "pending" .Params.pending) }}</a>
<div>{{ partial "row.html" (dict "t" .Params.summary "pending" .Params.pending) }}</div>
</li>
{{ end }}</ul>
{{ end }}
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>{{ site.Title }} · Public edition</title>
<id>urn:signalbrief:public:en</id>
{{ $pages := .Pages.ByDate.Reverse }}<updated>{{ (index $pages 0).Date.Format "2006-01-02T15:04:05Z" }}</updated>
<link rel="self" href="feed.xml"/>
<link rel="alternate" type="text/html" href="./"/>
<author><name>{{ site.Title }}</name></author>
{{ range $pages }}<entry>
<title>{{ partial "plain.html" (dict "t" .Params.signal "pending" .Params.pending) | htmlEscape }}</title>
<id>urn:signalbrief:public:en:{{ .File.ContentBaseName }}</id>
<updated>{{ .Date.Format "2006-01-02T15:04:05Z" }}</updated>
<link rel="alternate" type="text/html" href="{{ .File.ContentBaseName }}/"/>
<summary>{{ partial "plain.html" (dict "t" .Params.summary "pending" .Params.pending) | htmlEscape }}</summary>
</entry>
{{ end }}</feed>
"""

JSON_FEED = """{{- $items := slice }}{{ range .Pages.ByDate.Reverse }}{{ $summary := partial "plain.html" (dict "t" .Params.summary "pending" .Params.pending) }}
{{- $items = $items | append (dict "id" (printf "urn:signalbrief:public:en:%s" .File.ContentBaseName) "title" (partial "plain.html" (dict "t" .Params.signal "pending" .Params.pending)) "summary" $summary "content_text" $summary "date_published" (.Date.Format "2006-01-02T15:04:05Z") "language" "en") }}{{ end }}
{{- dict "version" "https://jsonfeed.org/version/1.1" "title" (printf "%s · Public edition" site.Title) "language" "en" "authors" (slice (dict "name" site.Title)) "items" $items | jsonify (dict "indent" "  ") }}
"""

HOME = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ site.Title }} · 信号简报</title>
<link rel="stylesheet" href="assets/style.css">
</head>
<body>
<main class="wrap">
<h1>{{ site.Title }} <span lang="zh-Hans">信号简报</span></h1>
<ul>
<li><a href="en/" hreflang="en" lang="en">English</a></li>
</ul>
</main>
</body>
</html>
"""


def write_site(publication: Path, hugo: Path, markdown: bool = True) -> None:
    """Write the Hugo site for the briefs of `publication` into the folder `hugo`; with `markdown`
    false, texts are only escaped, not parsed as Markdown (less work than signalbrief does: the
    same pages only while no text holds Markdown, as in make_corpus.py's briefs)."""
    shutil.rmtree(hugo, ignore_errors=True)
    layouts = hugo / "layouts"
    for folder in ("content/en", "layouts/_default", "layouts/partials", "data", "static/assets"):
        (hugo / folder).mkdir(parents=True)
    (hugo / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in PARTIALS.items():
        if not markdown:
            text = text.replace(" | markdownify | plainify", "").replace("markdownify", "htmlEscape")
        (layouts / "partials" / name).write_text(text, encoding="utf-8")
    for name, text in {
        "baseof.html": BASEOF,
        "single.html": SINGLE,
        "list.html": LIST,
        "list.atom.xml": ATOM,
        "list.jsonfeed.json": JSON_FEED,
    }.items():
        (layouts / "_default" / name).write_text(text, encoding="utf-8")
    (layouts / "index.html").write_text(HOME, encoding="utf-8")
    for name, data in labels(publication).items():
        (hugo / "data" / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shutil.copy(style_sheet(), hugo / "static" / "assets" / "style.css")
    (hugo / "content" / "en" / "_index.md").write_text("---\ntitle: Signal Briefs\n---\n", encoding="utf-8")
    for path in sorted((publication / "briefs").glob("*.yaml")):
        data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        (hugo / "content" / "en" / f"{path.stem}.md").write_text(page(data), encoding="utf-8")


def page(data: dict) -> str:
    """One brief as Hugo content: YAML front matter with its English texts (or its Chinese, marked pending)."""
    pending = "en" not in data["signal"]

    def pick(text: dict) -> str:
        return text.get("en") or text.get("zh") or ""

    front = {
        "title": pick(data["signal"]),
        "date": str(data["date"]),
        "pending": pending,
        "signal": pick(data["signal"]),
        "summary": pick(data["summary"]),
        "kind": data["type"],
        "regions": data["regions"],
        "market_class": data["market_class"],
        "score": float(data["confidence"]["score"]),
        "basis": data["confidence"]["basis"],
        "body": [pick(t) for t in data["body"]],
        "operating_surface": [pick(t) for t in data.get("operating_surface", [])],
        "market_context": {**data["market_context"], "statement": pick(data["market_context"]["statement"])},
        "watch": [pick(t) for t in data.get("watch_list", [])],
        "sources": data.get("sources", []),
        "see_also": data.get("see_also", []),
        "sections": [
            {"tier": s["tier"], "title": pick(s["title"]), "teaser": pick(s.get("teaser") or {})}
            for s in data.get("sections", [])
        ],
    }
    return "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n"


def labels(publication: Path) -> dict[str, object]:
    """The English labels signalbrief shows for this publication: terms, regions, grades, tiers."""
    try:
        from signalbrief.configfile import load_config
    except ImportError:  # before the config file moved out of config.py
        from signalbrief.config import load_config
    from signalbrief.grading import band_ranges
    from signalbrief.model import region_names

    config = load_config(publication)
    tier_fields = ("name", "access_title", "pitch", "join_label")
    return {
        "terms": {kind: {term: english(label) for term, label in terms.items()} for kind, terms in config.terms.items()},
        "regions": {code: english(names) for code, names in region_names().items()},
        "grades": [
            {"lower": float(band.lower), "upper": float(upper), "grade": band.grade, "label": band.label("en")}
            for band, upper in band_ranges(config.grades)
        ],
        "tiers": {
            tier.id: {**{name: english(getattr(tier, name)) for name in tier_fields}, "join_url": tier.join_url}
            for tier in config.tiers
        },
    }


def english(label: dict[str, str] | tuple[str, str]) -> str:
    """A label's English: labels are by language code (older versions: an (en, zh) pair)."""
    return label["en"] if isinstance(label, dict) else label[0]


def style_sheet() -> Path:
    import signalbrief

    return Path(signalbrief.__file__).parent / "theme" / "assets" / "style.css"
