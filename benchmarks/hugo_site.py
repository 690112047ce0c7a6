"""The same briefs as a Hugo site that writes what `signalbrief build --edition public --lang en
--format html` writes, page for page: one page per brief showing the same blocks (title, summary,
confidence with the grade table, body, signal block, lists, lock cards, sources, see-also, share
metadata), the list of briefs paginated at 50, the browse pages by type, region, market class and
month (Hugo taxonomies, paginated the same way), an Atom feed, a JSON Feed, a sitemap, the style
sheet and the entry page, each at the same path as signalbrief's.

Every text is the brief's own words in English, or its Chinese with the same "Translation pending"
label where the brief has no English; Hugo renders each through its Markdown renderer (`markdownify`)
and links citations `[n]` to the sources, as signalbrief does. Labels of terms, regions, grades and
tiers come from signalbrief's defaults, so both pages say the same. The site is written for a
publication whose config turns the search index off (`search: false`): Hugo builds no search index.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

# Facets: (folder = Hugo taxonomy, front matter key, the label's vocabulary in data/terms.json or "").
FACETS = {"type": "type", "region": "", "market-class": "market_class", "month": ""}

CONFIG = """baseURL = "https://example.org/"
title = "Signal Briefs"
disableKinds = ["RSS", "404", "robotsTXT", "sitemap"]
disableHugoGeneratorInject = true
disablePathToLower = true
paginate = 50
paginatePath = "page"
[taxonomies]
type = "public/en/type"
region = "public/en/region"
market-class = "public/en/market-class"
month = "public/en/month"
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
# Lists as HTML that Hugo does not mark as HTML: it then writes no `page/1/` redirect (signalbrief writes none).
[outputFormats.Listing]
mediaType = "text/html"
baseName = "index"
isHTML = false
[outputFormats.Sitemap]
mediaType = "application/xml"
baseName = "sitemap"
path = "public"
isPlainText = true
[outputs]
home = ["HTML", "Sitemap"]
section = ["Listing", "Atom", "JSONFeed"]
page = ["HTML"]
taxonomy = ["HTML"]
term = ["Listing"]
"""

PARTIALS = {
    # A brief's text as HTML: inline Markdown, citations linked, labelled when it is not in English.
    "text.html": (
        '{{ $html := .t | markdownify | replaceRE `\\[([0-9]+)\\]` `<a class="cite" href="#source-$1">[$1]</a>` }}'
        '{{ if .pending }}<span class="pending" data-pending="en">Translation pending</span> '
        '<span lang="zh-Hans">{{ $html | safeHTML }}</span>{{ else }}{{ $html | safeHTML }}{{ end }}'
    ),
    # A summary in a list: inline Markdown, citations left as written (a list shows no sources).
    "summary.html": (
        "{{ $html := .t | markdownify }}"
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
    # A brief's confidence band: the first grade whose lower bound its score reaches.
    "band.html": (
        "{{ $score := . }}{{ $band := dict }}{{ range site.Data.grades }}{{ if and (not $band.grade) (ge $score .lower) }}"
        "{{ $band = . }}{{ end }}{{ end }}{{ return $band }}"
    ),
    # The way from a page (its URL path) up to the `public/` folder.
    "root.html": (
        '{{ $root := "public/" }}{{ with trim . "/" }}{{ $root = strings.Repeat (sub (len (split . "/")) 1) "../" }}{{ end }}'
        "{{ return $root }}"
    ),
    # One brief in a list of briefs (`p`: the page, `up`: the way to the view's folder, `level`).
    "row.html": """{{ $row := partial "row_parts.html" .p }}<li class="brief-row">
{{ $row.meta }}
<h{{ .level }} class="row-title">
<a class="signal" href="{{ .up }}{{ .p.File.ContentBaseName }}/">{{ $row.title }}</a>
</h{{ .level }}>
{{ $row.rest }}
</li>
""",
    # A brief's row but its link, made once per brief: a brief is in several lists (index, type,
    # region, market class, month). Kept in the page's Scratch, as partialCached with a variant
    # (Hugo 0.111) rendered each row again.
    "row_parts.html": """{{ $row := .Scratch.Get "row" }}{{ if not $row }}
{{- $row = dict "meta" (partial "row_meta.html" .) "title" (partial "row_title.html" .) "rest" (partial "row_rest.html" .) }}
{{- .Scratch.Set "row" $row }}{{ end }}{{ return $row }}""",
    "row_meta.html": """{{ $p := .Params }}{{ $terms := site.Data.terms }}<p class="row-meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time>
<span class="row-type">{{ index $terms.type $p.kind }}</span>
<span class="row-regions">{{ range $i, $code := $p.regions }}{{ if $i }} / {{ end }}{{ index site.Data.regions $code }}{{ end }}</span></p>""",
    "row_title.html": '{{ partial "line.html" (dict "t" .Params.signal "pending" .Params.pending) }}',
    "row_rest.html": """<p class="row-summary">{{ partial "summary.html" (dict "t" .Params.summary "pending" .Params.pending) }}</p>
{{ $band := partial "band.html" .Params.score }}<p class="row-grade"><span class="visually-hidden">Confidence: </span><span class="grade">{{ $band.grade }}</span> {{ $band.label }}</p>""",
    # The links between the pages of a long list.
    "pager.html": """{{ $pager := . }}{{ if gt $pager.TotalPages 1 }}{{ $first := cond (eq $pager.PageNumber 1) "" "../../" }}<nav class="pager" aria-label="Pages">
{{ if $pager.HasPrev }}<a rel="prev" href="{{ $first }}{{ if gt $pager.PageNumber 2 }}page/{{ sub $pager.PageNumber 1 }}/{{ end }}">Newer</a>
{{ end }}<span class="meta">Page {{ $pager.PageNumber }} of {{ $pager.TotalPages }}</span>
{{ if $pager.HasNext }}<a rel="next" href="{{ $first }}page/{{ add $pager.PageNumber 1 }}/">Older</a>
{{ end }}</nav>
{{ end }}""",
    # A list of briefs with its pager, for the view's index and each browse term.
    "list.html": """{{ $pager := .Paginator }}{{ $up := cond (eq $pager.PageNumber 1) "" "../../" }}{{ if eq .Kind "term" }}{{ $up = printf "../../%s" $up }}{{ end }}
<ul class="brief-list">
{{ range $pager.Pages }}{{ partial "row.html" (dict "p" . "up" $up "level" 2) }}{{ end }}</ul>
{{ partial "pager.html" $pager }}""",
    # What a list's later pages add to its title.
    "paged.html": (
        "{{ with .Paginator }}{{ if gt .PageNumber 1 }} · Page {{ .PageNumber }} of {{ .TotalPages }}{{ end }}{{ end }}"
    ),
    # A term's label in its facet.
    "term_label.html": """{{ $label := .term }}{{ if eq .facet "region" }}{{ $label = index site.Data.regions .term }}
{{- else if eq .facet "month" }}{{ $label = (time (printf "%s-01" .term)).Format "January 2006" }}
{{- else }}{{ $label = index site.Data.terms (replace .facet "-" "_") .term }}{{ end }}{{ return $label }}""",
}

BASEOF = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{ $path := .RelPermalink }}{{ if or (eq .Kind "section") (eq .Kind "term") }}{{ $path = .Paginator.URL }}{{ end }}
{{- $root := partial "root.html" $path }}{{ $here := strings.TrimPrefix "/public/en/" $path }}{{ $home := printf "%sen/" $root }}
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
{{ block "share" . }}{{ end }}
<link rel="stylesheet" href="{{ $root }}assets/style.css">
<link rel="alternate" hreflang="en" href="{{ $home }}{{ $here }}">
<link rel="alternate" type="application/atom+xml" title="{{ site.Title }}" href="{{ $home }}feed.xml">
<link rel="alternate" type="application/feed+json" title="{{ site.Title }}" href="{{ $home }}feed.json">
{{ if or (eq .Kind "section") (eq .Kind "term") }}{{ with .Paginator }}{{ $first := cond (eq .PageNumber 1) "" "../../" }}
{{- if .HasPrev }}<link rel="prev" href="{{ $first }}{{ if gt .PageNumber 2 }}page/{{ sub .PageNumber 1 }}/{{ end }}">
{{ end }}{{ if .HasNext }}<link rel="next" href="{{ $first }}page/{{ add .PageNumber 1 }}/">
{{ end }}{{ end }}{{ end -}}
</head>
<body>
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
<div class="masthead wrap">
<p class="masthead-title"><a class="site-title" href="{{ $home }}">{{ site.Title }}</a>
<span class="edition-name">Public edition</span></p>
<nav class="language-switch" aria-label="Language">
<ul>
<li><a href="{{ $home }}{{ $here }}" hreflang="en" lang="en" aria-current="page">English</a></li>
</ul>
</nav>
<nav class="topics" aria-label="Browse">
<ul>
<li><a href="{{ $home }}type/">Signal Type</a></li>
<li><a href="{{ $home }}region/">Region</a></li>
<li><a href="{{ $home }}market-class/">Market Class</a></li>
<li><a href="{{ $home }}month/">Month</a></li>
</ul>
</nav>
</div>
</header>
<main id="content" class="wrap">
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer">
<div class="wrap">Published with signalbrief.</div>
</footer>
</body>
</html>
"""

SINGLE = """{{ define "title" }}{{ partial "plain.html" (dict "t" .Params.signal "pending" .Params.pending) }}{{ end }}
{{ define "share" }}{{ $title := partial "plain.html" (dict "t" .Params.signal "pending" .Params.pending) }}
{{- $description := partial "plain.html" (dict "t" .Params.summary "pending" .Params.pending) }}{{ $day := .Date.Format "2006-01-02" }}
<meta name="description" content="{{ $description }}">
<meta property="og:type" content="article">
<meta property="og:title" content="{{ $title }}">
<meta property="og:description" content="{{ $description }}">
<meta property="og:locale" content="en_US">
<meta property="og:site_name" content="{{ site.Title }}">
<meta property="article:published_time" content="{{ $day }}">
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="{{ $title }}">
<meta name="twitter:description" content="{{ $description }}">
{{ $ld := printf `{"@context":"https://schema.org","@type":"NewsArticle","headline":%s,"description":%s,"inLanguage":"en","datePublished":"%s","publisher":{"@type":"Organization","name":%s}` (jsonify $title) (jsonify $description) $day (jsonify site.Title) }}
{{- with .Params.sections }}{{ $parts := slice }}{{ range $i, $s := . }}{{ $parts = $parts | append (printf `{"@type":"WebPageElement","isAccessibleForFree":false,"cssSelector":".locked-part-%d"}` (add $i 1)) }}{{ end }}
{{- $ld = printf `%s,"isAccessibleForFree":false,"hasPart":[%s]` $ld (delimit $parts ",") }}{{ end -}}
<script type="application/ld+json">{{ printf "%s}" $ld | safeJS }}</script>
{{ end }}
{{ define "main" }}{{ $p := .Params }}{{ $pending := $p.pending }}{{ $terms := site.Data.terms }}{{ $day := .Date.Format "2006-01-02" }}{{ $date := .Date.Format "January 2, 2006" }}
<article class="brief" data-pagefind-body>
<p class="meta kicker">{{ index $terms.market_class $p.market_class }} · <time datetime="{{ $day }}">{{ $date }}</time></p>
<h1>{{ partial "text.html" (dict "t" $p.signal "pending" $pending) }}</h1>
<p class="summary">{{ partial "text.html" (dict "t" $p.summary "pending" $pending) }}</p>

{{ $band := partial "band.html" $p.score }}<div class="confidence">
<h2 class="confidence-heading">Confidence</h2>
<p class="confidence-grade"><span class="grade">{{ $band.grade }}</span> <strong class="grade-label">{{ $band.label }}</strong> <span class="meta">score {{ printf "%.2f" $p.score }} · {{ index $terms.basis $p.basis }}</span></p>
<details class="grade-table">
<summary>Confidence grades</summary>
<table class="grades">
<caption class="visually-hidden">Confidence grades</caption>
<thead><tr><th scope="col">Score</th><th scope="col">Grade</th><th scope="col">Meaning</th></tr></thead>
<tbody>
{{ range site.Data.grades }}<tr{{ if eq .lower $band.lower }} class="current" aria-current="true"{{ end }}><td>{{ printf "%.2f" .lower }}–{{ printf "%.2f" .upper }}</td><td>{{ .grade }}</td><td>{{ .label }}</td></tr>
{{ end }}</tbody>
</table>
</details>
</div>

{{ range $p.body }}<p>{{ partial "text.html" (dict "t" . "pending" $pending) }}</p>
{{ end }}

<h2>Signal Brief</h2>
<dl class="facts">
<dt>Signal</dt><dd>{{ partial "text.html" (dict "t" $p.signal "pending" $pending) }}</dd>
<dt>Signal Type</dt><dd><a href="../type/{{ $p.kind }}/">{{ index $terms.type $p.kind }}</a></dd>
<dt>Region</dt><dd>{{ range $i, $code := $p.regions }}{{ if $i }} / {{ end }}<a href="../region/{{ $code }}/">{{ index site.Data.regions $code }}</a>{{ end }}</dd>
<dt>Market Class</dt><dd><a href="../market-class/{{ $p.market_class }}/">{{ index $terms.market_class $p.market_class }}</a></dd>
<dt>Date</dt><dd><a href="../month/{{ .Date.Format "2006-01" }}/"><time datetime="{{ $day }}">{{ $date }}</time></a></dd>
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

{{ with $p.sections }}<h2 class="member-heading">Member Briefing</h2>
{{ range $i, $s := . }}{{ $tier := index site.Data.tiers $s.tier }}<div class="locked-part-{{ add $i 1 }}" data-pagefind-ignore><section class="lock-card" data-locked="{{ $s.tier }}">
<h3><svg class="lock-icon" aria-hidden="true" viewBox="0 0 16 16" width="16" height="16"><path fill="currentColor" d="M4 7V5a4 4 0 0 1 8 0v2h.5A1.5 1.5 0 0 1 14 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 13.5v-5A1.5 1.5 0 0 1 3.5 7H4zm2 0h4V5a2 2 0 0 0-4 0v2z"/></svg> {{ partial "text.html" (dict "t" $s.title "pending" $pending) }}</h3>
{{ with $s.teaser }}<p>{{ partial "text.html" (dict "t" . "pending" $pending) }}</p>{{ end }}<p class="tier"><span class="tier-badge">Only for {{ $tier.name }}</span></p>
<p class="pitch"><strong>{{ $tier.access_title }}</strong> {{ $tier.pitch }}</p>
<p class="join-line"><a class="join" href="{{ $tier.join_url }}">{{ $tier.join_label }}</a></p>
</section>
</div>{{ end }}
{{ end }}

{{ with $p.sources }}<h2>Sources</h2>
<ol class="sources">
{{ range $i, $s := . }}<li id="source-{{ add $i 1 }}" value="{{ add $i 1 }}">
{{ with $s.url }}<a href="{{ . }}" rel="noopener">{{ $s.title }}</a>{{ else }}{{ $s.title }}{{ end }}{{ with $s.publisher }} — {{ . }}{{ end }}</li>
{{ end }}</ol>{{ end }}

{{ with $p.see_also }}<h2>See also</h2>
<ul>
{{ range . }}{{ with site.GetPage (printf "/public/en/%s" .) }}<li><a href="../{{ .File.ContentBaseName }}/">{{ (partial "row_parts.html" .).title }}</a></li>
{{ end }}{{ end }}</ul>{{ end }}

</article>
{{ end }}
"""

LIST = """{{ define "title" }}{{ site.Title }}{{ partial "paged.html" . }}{{ end }}
{{ define "main" }}<h1>{{ site.Title }}</h1>
{{ partial "list.html" . }}{{ end }}
"""

TAXONOMY = """{{ define "title" }}{{ index site.Data.facets (path.Base .Data.Plural) }}{{ end }}
{{ define "main" }}{{ $facet := path.Base .Data.Plural }}{{ $terms := .Data.Terms }}<h1>{{ index site.Data.facets $facet }}</h1>
<ul class="facet-terms">
{{ $order := index site.Data.order $facet }}{{ if eq $facet "month" }}{{ $order = slice }}{{ range $terms.Alphabetical.Reverse }}{{ $order = $order | append .Term }}{{ end }}{{ end }}
{{- range $order }}{{ with index $terms . }}<li><a href="{{ .Page.Data.Term }}/">{{ partial "term_label.html" (dict "facet" $facet "term" .Page.Data.Term) }}</a> <span class="meta">({{ .Count }})</span></li>
{{ end }}{{ end }}</ul>
{{ end }}
"""

TERM = """{{ define "title" }}{{ $facet := path.Base .Data.Plural }}{{ index site.Data.facets $facet }}: {{ partial "term_label.html" (dict "facet" $facet "term" .Data.Term) }}{{ partial "paged.html" . }}{{ end }}
{{ define "main" }}{{ $facet := path.Base .Data.Plural }}<p class="meta"><a href="../">{{ index site.Data.facets $facet }}</a></p>
<h1>{{ partial "term_label.html" (dict "facet" $facet "term" .Data.Term) }}</h1>
{{ partial "list.html" . }}{{ end }}
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>{{ site.Title }} · Public edition</title>
<id>urn:signalbrief:public:en</id>
{{ $pages := .Pages }}<updated>{{ (index $pages 0).Date.Format "2006-01-02T15:04:05Z" }}</updated>
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

JSON_FEED = """{{- $items := slice }}{{ range .Pages }}{{ $summary := partial "plain.html" (dict "t" .Params.summary "pending" .Params.pending) }}
{{- $items = $items | append (dict "id" (printf "urn:signalbrief:public:en:%s" .File.ContentBaseName) "title" (partial "plain.html" (dict "t" .Params.signal "pending" .Params.pending)) "summary" $summary "content_text" $summary "date_published" (.Date.Format "2006-01-02T15:04:05Z") "language" "en") }}{{ end }}
{{- dict "version" "https://jsonfeed.org/version/1.1" "title" (printf "%s · Public edition" site.Title) "language" "en" "authors" (slice (dict "name" site.Title)) "items" $items | jsonify (dict "indent" "  ") }}
"""

SITEMAP = """<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
<url>
<loc>en/</loc>
<xhtml:link rel="alternate" hreflang="en" href="en/"/>
</url>
{{ range site.RegularPages }}<url>
<loc>en/{{ .File.ContentBaseName }}/</loc>
<lastmod>{{ .Date.Format "2006-01-02" }}</lastmod>
<xhtml:link rel="alternate" hreflang="en" href="en/{{ .File.ContentBaseName }}/"/>
</url>
{{ end }}</urlset>
"""

ENTRY = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ site.Title }} · {{ site.Data.site.title_zh }}</title>
<link rel="stylesheet" href="public/assets/style.css">
<link rel="alternate" type="application/atom+xml" title="{{ site.Title }}" href="public/en/feed.xml">
<link rel="alternate" type="application/feed+json" title="{{ site.Title }}" href="public/en/feed.json">
</head>
<body>
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
<div class="masthead wrap">
<h1 class="masthead-title"><a class="site-title" href="./">{{ site.Title }} <span class="title-other" lang="zh-Hans">{{ site.Data.site.title_zh }}</span></a>
<span class="edition-name">Public edition</span></h1>
<nav class="language-switch" aria-label="Language">
<ul>
<li><a href="public/en/" hreflang="en" lang="en">English</a></li>
</ul>
</nav>
<nav class="topics" aria-label="Browse">
<ul>
<li><a href="public/en/type/">Signal Type</a></li>
<li><a href="public/en/region/">Region</a></li>
<li><a href="public/en/market-class/">Market Class</a></li>
<li><a href="public/en/month/">Month</a></li>
</ul>
</nav>
</div>
</header>
<main id="content" class="wrap">
<div class="front">
<section class="front-latest" aria-labelledby="latest-briefs">
<h2 id="latest-briefs" class="section-label">Latest briefs</h2>
<ul class="brief-list">
{{ range first 10 site.RegularPages }}{{ partial "row.html" (dict "p" . "up" "public/en/" "level" 3) }}{{ end }}</ul>
{{ if gt (len site.RegularPages) 10 }}<p class="more"><a href="public/en/">All briefs</a></p>{{ end }}</section>
<div class="front-side">
<section aria-labelledby="front-languages">
<h2 id="front-languages" class="section-label">Languages</h2>
<ul class="view-list">
<li><a href="public/en/" hreflang="en" lang="en">English</a></li>
</ul>
</section>
<section aria-labelledby="front-editions">
<h2 id="front-editions" class="section-label">Editions</h2>
<div class="edition-card">
<h3>Public edition</h3>
<p>Free to read: every brief, with member sections shown as previews.</p>
</div>
{{ range site.Data.tier_list }}<div class="edition-card member" data-tier="{{ .id }}">
<h3>{{ .access_title }}</h3>
<p><span class="tier-badge">{{ .name }}</span></p>
<p>{{ .pitch }}</p>
<p class="join-line"><a class="join" href="{{ .join_url }}">{{ .join_label }}</a></p>
</div>
{{ end }}</section>
</div>
</div>
</main>
<footer class="site-footer">
<div class="wrap">Published with signalbrief.</div>
</footer>
</body>
</html>
"""

LAYOUTS = {
    "_default/baseof.html": BASEOF,
    "_default/single.html": SINGLE,
    "_default/list.listing.html": LIST,
    "_default/taxonomy.html": TAXONOMY,
    "_default/term.listing.html": TERM,
    "_default/list.atom.xml": ATOM,
    "_default/list.jsonfeed.json": JSON_FEED,
    "index.html": ENTRY,
    "index.sitemap.xml": SITEMAP,
}

# The `public/` section only holds the view's section: it writes no page of its own.
HIDDEN = '---\n{"_build": {"render": "never", "list": "always"}}\n---\n'


def write_site(publication: Path, hugo: Path, markdown: bool = True) -> None:
    """Write the Hugo site for the briefs of `publication` into the folder `hugo`; with `markdown`
    false, texts are only escaped, not parsed as Markdown (less work than signalbrief does: the
    same pages only while no text holds Markdown, as in make_corpus.py's briefs)."""
    shutil.rmtree(hugo, ignore_errors=True)
    layouts = hugo / "layouts"
    for folder in ("content/public/en", "layouts/_default", "layouts/partials", "data", "static/public/assets"):
        (hugo / folder).mkdir(parents=True)
    (hugo / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in PARTIALS.items():
        if not markdown:
            text = text.replace(" | markdownify | plainify", "").replace("markdownify", "htmlEscape")
        (layouts / "partials" / name).write_text(text, encoding="utf-8")
    for name, text in LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    for name, data in labels(publication).items():
        (hugo / "data" / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shutil.copy(style_sheet(), hugo / "static" / "public" / "assets" / "style.css")
    (hugo / "content" / "_index.md").write_text("---\ntitle: Signal Briefs\n---\n", encoding="utf-8")
    (hugo / "content" / "public" / "_index.md").write_text(HIDDEN, encoding="utf-8")
    (hugo / "content" / "public" / "en" / "_index.md").write_text("---\ntitle: Signal Briefs\n---\n", encoding="utf-8")
    for path in sorted((publication / "briefs").glob("*.yaml")):
        data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        (hugo / "content" / "public" / "en" / f"{path.stem}.md").write_text(page(data), encoding="utf-8")


def page(data: dict) -> str:
    """One brief as Hugo content: YAML front matter with its English texts (or its Chinese, marked pending)."""
    pending = "en" not in data["signal"]

    def pick(text: dict) -> str:
        return text.get("en") or text.get("zh") or ""

    front = {
        "title": pick(data["signal"]),
        "linkTitle": data["id"],  # Hugo orders same-day pages by link title: by id, as signalbrief does
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
        "public/en/type": [data["type"]],
        "public/en/region": data["regions"],
        "public/en/market-class": [data["market_class"]],
        "public/en/month": [str(data["date"])[:7]],
    }
    return "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n"


def labels(publication: Path) -> dict[str, object]:
    """What signalbrief shows for this publication besides the briefs, in English: labels of terms,
    regions, grades and tiers, the facets' names and the order of their terms, the site's titles."""
    from signalbrief.configfile import load_config
    from signalbrief.grading import band_ranges
    from signalbrief.model import region_names

    config = load_config(publication)
    tier_fields = ("name", "access_title", "pitch", "join_label")
    tiers = [
        {"id": tier.id, **{name: english(getattr(tier, name)) for name in tier_fields}, "join_url": tier.join_url}
        for tier in config.tiers
    ]
    regions = {code: english(names) for code, names in region_names().items()}
    return {
        "terms": {kind: {term: english(label) for term, label in terms.items()} for kind, terms in config.terms.items()},
        "regions": regions,
        "grades": [
            {"lower": float(band.lower), "upper": float(upper), "grade": band.grade, "label": band.label("en")}
            for band, upper in band_ranges(config.grades)
        ],
        "tiers": {tier["id"]: tier for tier in tiers},
        "tier_list": tiers,
        "facets": {"type": "Signal Type", "region": "Region", "market-class": "Market Class", "month": "Month"},
        "order": {
            "type": list(config.terms["type"]),
            "market-class": list(config.terms["market_class"]),
            "region": sorted(regions, key=regions.__getitem__),
        },
        "site": {"title": english(config.title), "title_zh": config.title.get("zh", "")},
    }


def english(label: dict[str, str]) -> str:
    return label["en"]


def style_sheet() -> Path:
    import signalbrief

    return Path(signalbrief.__file__).parent / "theme" / "assets" / "style.css"
