"""Search: one Pagefind index per edition of its brief pages, in shards by brief, made last, each shard kept
while its pages are unchanged."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from signalbrief import build as build_module
from signalbrief.build import BuildOptions, build
from signalbrief.config import Config
from signalbrief.errors import OutputError
from signalbrief.formats import search
from signalbrief.formats.search import ENTRY_FILE, pagefind_binary, shard_count, shard_of
from tests.conftest import BETA, VALID, copy_publication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_corpus import make_corpus

REPO = Path(__file__).resolve().parent.parent
SEED = "us-uk-ai-safety-testing-mou"
EDITIONS = Config().edition_ids

pytestmark = pytest.mark.skipif(pagefind_binary() is None, reason="pagefind[extended] is not installed")


def fragments(index: Path, shard: str = "*") -> dict[str, str]:
    """Each page an index holds in its shards (or in one), by its URL: its text, without the
    zero-width spaces between Chinese words."""
    found = {}
    for path in index.glob(f"{shard}/fragment/*.pf_fragment"):
        page = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        found[page["url"]] = page["content"].replace("\u200b", "")
    return found


def languages(index: Path) -> set[str]:
    entries = index.glob(f"*/{ENTRY_FILE}")
    return {language for entry in entries for language in json.loads(entry.read_text(encoding="utf-8"))["languages"]}


def briefs_of(root: Path) -> list[str]:
    return sorted(path.stem for path in (root / "briefs").glob("*.yaml"))


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory) -> Path:
    """This repository's briefs, published in en, zh and zh-Hant."""
    publication = copy_publication(REPO, tmp_path_factory.mktemp("repo"))
    (publication / "signalbrief.yaml").write_text("languages: [en, zh, zh-Hant]\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("search") / "site"
    build(publication, BuildOptions(output=out, allow_untranslated=True))
    return out


def test_each_edition_indexes_the_brief_pages_of_its_language_views(repo_site):
    ids = briefs_of(REPO)
    for edition in EDITIONS:
        index = repo_site / edition / "pagefind"
        assert languages(index) == {"en", "zh-hans", "zh-hant"}
        # Brief pages only: no index, browse or search page, and not the bilingual view (its pages
        # repeat the others).
        assert set(fragments(index)) == {f"/{view}/{i}/" for view in ("en", "zh", "zh-hant") for i in ids}


def test_only_the_article_is_indexed_and_lock_cards_are_left_out(repo_site):
    public = fragments(repo_site / "public" / "pagefind")
    assert "美英签署AI安全测试备忘录" in public[f"/zh/{SEED}/"]
    assert "美英簽署AI安全測試備忘錄" in public[f"/zh-hant/{SEED}/"]
    page = (repo_site / "public" / "en" / SEED / "index.html").read_text(encoding="utf-8")
    assert "Skip to content" in page and "Skip to content" not in public[f"/en/{SEED}/"]  # masthead
    assert "Join Strategic Circle" in page and "Join Strategic Circle" not in public[f"/en/{SEED}/"]  # lock card


def test_pagefinds_own_files_are_the_same_in_every_edition(repo_site):
    """Its scripts and WebAssembly (which the gating test does not read) carry nothing of an edition."""

    def own(edition: str) -> dict[str, bytes]:
        index = repo_site / edition / "pagefind" / "0"
        return {p.name: p.read_bytes() for p in index.iterdir() if p.suffix in (".js", ".css", ".pagefind")}

    assert own("public") and all(own(edition) == own("public") for edition in EDITIONS)
    # What the search page loads is there; Pagefind's ready-made interfaces (unused) are not.
    assert {"pagefind.js", "pagefind-worker.js", "wasm.en.pagefind", "wasm.unknown.pagefind"} <= set(own("public"))
    assert not [name for name in own("public") if "-ui." in name or "highlight" in name]


def test_the_search_page_of_each_view_reads_its_languages(repo_site):
    for view, searched in [("en", "en"), ("zh", "zh-hans"), ("zh-hant", "zh-hant"), ("bi", "en zh-hans")]:
        page = (repo_site / "public" / view / "search" / "index.html").read_text(encoding="utf-8")
        assert f'data-languages="{searched}"' in page
        assert 'data-bundle="../../pagefind/"' in page and 'data-shards="0"' in page  # a few briefs: one shard
    assert (repo_site / "public" / "assets" / "search.js").is_file()
    brief = (repo_site / "public" / "zh" / SEED / "index.html").read_text(encoding="utf-8")
    assert '<form class="search-box" role="search" action="../../zh/search/" method="get">' in brief


def test_a_markdown_build_makes_no_index(publication, run):
    root = publication()
    assert run(root, "build", "--allow-untranslated", "--format", "md").exit_code == 0
    assert not list((root / "site").rglob("pagefind"))
    assert not list((root / "site").rglob("search"))


# Pagefinds that fail: at once; after reading a little of what it was sent; answering with an error.
FAILING = {
    "fails": "echo 'Error: the index could not be written' >&2\nexit 3",
    "stops": "head -c 1 >/dev/null\necho 'Error: stopped midway' >&2\nexit 9",
    "answers an error": "printf '%s,' '{answer}'\nexec cat >/dev/null",
}


def failing_pagefind(folder: Path, how: str = "fails") -> Path:
    error = {"message_id": 1, "payload": {"type": "Error", "message": "Invalid config supplied"}}
    answer = base64.b64encode(json.dumps(error).encode()).decode()
    return script(folder / "pagefind-fails", FAILING[how].replace("{answer}", answer))


def script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("broken", [*FAILING, "missing", "no package"])
def test_a_pagefind_failure_is_one_error_line_and_nothing_is_swapped_in(publication, run, tmp_path, monkeypatch, broken):
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    before = snapshot(root / "site")
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("Body.", "Changed body."), encoding="utf-8")
    if broken == "no package":
        monkeypatch.setitem(sys.modules, "pagefind.service", None)  # importing it fails
    else:
        binary = failing_pagefind(tmp_path, broken) if broken in FAILING else tmp_path / "no-such-pagefind"
        monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: public/pagefind/0: cannot make the search index: "), lines
    assert snapshot(root / "site") == before
    assert not [p for p in (root / ".signalbrief").rglob("build-*")]  # no scratch folder left behind


def test_a_build_starts_one_pagefind_per_core_however_many_shards_it_indexes(publication, run, tmp_path, monkeypatch):
    """Pagefind loads its program and the Chinese dictionary once per process, not once per shard."""
    monkeypatch.setattr(search, "SHARD_SIZE", 2)  # 12 briefs: 8 shards in each edition
    monkeypatch.setattr(search, "usable_cores", lambda: 2)
    root = many_briefs(publication, 12)
    started = tmp_path / "started"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script(tmp_path / "pagefind-counted", counted(started))))
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert 1 <= len(started.read_text(encoding="utf-8").splitlines()) <= 2
    held = {str(shard_of(i, 8)) for i in briefs_of(root)}
    for edition in EDITIONS:
        index = root / "site" / edition / "pagefind"
        assert shard_folders(index) == held
        assert set(fragments(index)) == {f"/{v}/{i}/" for v in ("en", "zh") for i in briefs_of(root)}


def test_pagefind_starts_while_the_briefs_are_rendered(publication, run, tmp_path, monkeypatch):
    """Pagefind's start and its Chinese dictionary take a while: they load while the build renders."""
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    (root / "briefs" / "beta.yaml").write_text(BETA.replace("Body.", "Changed body."), encoding="utf-8")
    started = tmp_path / "started"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script(tmp_path / "pagefind-counted", counted(started))))
    seen = []
    rendering = build_module._brief_files

    def renders(*args, **kwargs):
        seen.append(soon(started.is_file, 10))
        return rendering(*args, **kwargs)

    monkeypatch.setattr(build_module, "_brief_files", renders)
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert seen and all(seen)
    assert "Changed body" in fragments(root / "site" / "public" / "pagefind")["/en/beta/"]


_FORKS: list[list[str]] | None = None  # while a test watches: the other threads at each fork
os.register_at_fork(
    before=lambda: _FORKS is not None
    and _FORKS.append([t.name for t in threading.enumerate() if t is not threading.current_thread()])
)


def test_no_warm_up_thread_runs_when_the_workers_are_forked(tmp_path, monkeypatch):
    """Pagefind warms up in threads; the render workers are forked only once those are done (a
    process forked while another thread runs may inherit a lock that thread held)."""
    global _FORKS
    make_corpus(tmp_path, 20)  # 60 brief renderings: enough for worker processes
    warming = search.Pagefind.warmed

    def slow(self, service):
        time.sleep(0.5)  # still warming when the briefs are ready to render
        warming(self, service)

    monkeypatch.setattr(search.Pagefind, "warmed", slow)
    _FORKS = []
    try:
        report = build(tmp_path, BuildOptions(allow_untranslated=True, jobs=2))
        forks = _FORKS
    finally:
        _FORKS = None
    assert report.briefs == 20 and len(forks) >= 2  # Pagefind's processes and the two workers
    assert not [names for names in forks if any(f"({slow.__name__})" in name for name in names)], forks


def test_each_shard_is_written_as_soon_as_it_is_made_while_the_others_are_indexed(publication, run, monkeypatch):
    """The index's files are written into the build folder shard by shard, as each is made, not all
    at the end: writing thousands of files then waits for no shard."""
    root = publication()
    monkeypatch.setattr(build_module, "usable_cores", lambda: len(EDITIONS))  # a thread for each edition's shard
    making, seen = search.SearchIndex.finish_files, []

    def first_waits(self, edition, part, folder, steps):
        if edition == EDITIONS[0]:  # until another edition's shard is in the build folder
            seen.append(soon(lambda: (folder / EDITIONS[1] / "pagefind" / part / "pagefind.js").is_file(), 10))
        return making(self, edition, part, folder, steps)

    monkeypatch.setattr(search.SearchIndex, "finish_files", first_waits)
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert seen == [True]
    assert (root / "site" / EDITIONS[0] / "pagefind" / "0" / "pagefind.js").is_file()


def test_where_shards_fail_the_first_in_order_is_reported_whichever_failed_first(publication, run, monkeypatch):
    root = publication()

    def failing(self, edition, part, folder, steps):
        if edition == EDITIONS[0]:
            time.sleep(0.5)  # the others have failed by now
        raise OutputError(f"{edition}/pagefind/{part}: cannot make the search index: broken")

    monkeypatch.setattr(search.SearchIndex, "finish_files", failing)
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines() == [f"error: {EDITIONS[0]}/pagefind/0: cannot make the search index: broken"]


def test_a_pagefind_started_for_nothing_is_ended(publication, run, tmp_path, monkeypatch):
    """A build that changes no brief page starts Pagefind early all the same, and ends it."""
    started = tmp_path / "started"
    pids_noted = f'echo $$ >> "{started}"\nexec "{pagefind_binary()}" "$@"'
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script(tmp_path / "pagefind-pids", pids_noted)))
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    started.unlink()
    before = stamps(root / "site" / "public" / "pagefind")
    (root / "site" / "public" / "en" / "feed.xml").unlink()  # the output changed: the build runs again
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert stamps(root / "site" / "public" / "pagefind") == before
    assert soon(started.is_file, 10)
    pids = [int(pid) for pid in started.read_text(encoding="utf-8").split()]
    assert pids and not [pid for pid in pids if alive(pid)]


def test_an_edit_starts_one_pagefind_per_edition_and_a_full_build_one_per_core(publication, run, tmp_path, monkeypatch):
    """Started early, Pagefind runs as many processes as an edit has shards (one an edition), not one per
    core; a build with more shards starts the others when it needs them."""
    monkeypatch.setattr(search, "SHARD_SIZE", 2)  # 12 briefs: 8 shards in each edition
    monkeypatch.setattr(search, "usable_cores", lambda: len(EDITIONS) + 1)
    started = tmp_path / "started"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script(tmp_path / "pagefind-counted", counted(started))))
    root = many_briefs(publication, 12)
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert len(started.read_text(encoding="utf-8").splitlines()) == len(EDITIONS) + 1
    started.unlink()
    (root / "briefs" / "b03.yaml").write_text(BETA.replace("Body.", "Changed body."), encoding="utf-8")
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert len(started.read_text(encoding="utf-8").splitlines()) == len(EDITIONS)
    assert "Changed body" in fragments(root / "site" / "public" / "pagefind")["/en/b03/"]


def counted(log: Path) -> str:
    """A Pagefind that notes each start in `log`."""
    return f'echo "$@" >> "{log}"\nexec "{pagefind_binary()}" "$@"'


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="dying with the parent is Linux's")
def test_a_killed_build_takes_its_pagefind_with_it(publication, tmp_path):
    root = publication()
    started = tmp_path / "started"
    hangs = script(tmp_path / "pagefind-hangs", f'echo $$ >> "{started}"\nexec sleep 600')
    env = {**os.environ, "PAGEFIND_BINARY_PATH": str(hangs)}
    command = [sys.executable, "-m", "signalbrief", "-C", str(root), "build", "--allow-untranslated"]
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as building:
        assert soon(lambda: started.is_file() and started.read_text(encoding="utf-8").strip(), 120)
        building.kill()
    pids = [int(pid) for pid in started.read_text(encoding="utf-8").split()]
    assert soon(lambda: not [pid for pid in pids if alive(pid)], 10)


def soon(condition, seconds: float) -> bool:
    """Whether the condition holds within so many seconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie, waiting to be reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_pages_that_did_not_change_keep_their_index(publication, run):
    """A build that renders no brief page anew does not run Pagefind: the index files stay as they were."""
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    before = stamps(root / "site" / "public" / "pagefind")
    (root / "site" / "public" / "en" / "feed.xml").unlink()  # the output changed: the build runs again
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert (root / "site" / "public" / "en" / "feed.xml").is_file()
    assert stamps(root / "site" / "public" / "pagefind") == before


def test_another_pagefind_remakes_the_index(publication, run, tmp_path, monkeypatch):
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    before = stamps(root / "site" / "public" / "pagefind")
    wrapper = tmp_path / "pagefind-wrapper"
    wrapper.write_text(f'#!/bin/sh\nexec "{pagefind_binary()}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(wrapper))
    (root / "site" / "public" / "en" / "feed.xml").unlink()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    after = stamps(root / "site" / "public" / "pagefind")
    assert set(after) == set(before) and all(after[p] != before[p] for p in before)


def stamps(index: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}


def test_the_index_follows_edits_deleted_briefs_and_changed_tiers(publication, run):
    root = publication()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    site = root / "site"
    assert "summit commitments" in fragments(site / "public" / "pagefind")["/en/alpha/"]
    assert "Member text" not in fragments(site / "public" / "pagefind")["/en/alpha/"]
    assert "Member text" in fragments(site / "strategy-circle" / "pagefind")["/en/alpha/"]

    edited = VALID.replace("summit commitments", "treaty obligations").replace("see_also: [beta]\n", "")
    edited = edited.replace("tier: strategy-circle", "tier: leadership-alliance")
    (root / "briefs" / "alpha.yaml").write_text(edited, encoding="utf-8")
    (root / "briefs" / "beta.yaml").unlink()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    for edition in EDITIONS:
        pages = fragments(site / edition / "pagefind")
        assert set(pages) == {"/en/alpha/", "/zh/alpha/"}
        assert "treaty obligations" in pages["/en/alpha/"] and "summit commitments" not in pages["/en/alpha/"]
        # The section is for the top tier now.
        assert ("Member text" in pages["/en/alpha/"]) == (edition == "leadership-alliance")
        assert len(list((site / edition / "pagefind").glob("*/fragment/*"))) == 2  # nothing left of beta


def test_a_brief_named_search_is_refused(publication, run):
    root = publication({"search": BETA})
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 1
    assert "briefs/search.yaml:1:1: error: id: " in result.stderr


def test_search_false_in_the_config_builds_no_index_no_search_page_and_no_search_box(tmp_path):
    publication = copy_publication(REPO, tmp_path / "pub")
    (publication / "signalbrief.yaml").write_text("search: false\n", encoding="utf-8")
    out = tmp_path / "site"
    build(publication, BuildOptions(output=out, allow_untranslated=True))
    made = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    assert made and not [p for p in made if "/pagefind/" in p or "/search/" in p or p.endswith("search.js")]
    pages = [p for p in out.rglob("*.html")]
    assert pages and not [p for p in pages if 'role="search"' in p.read_text(encoding="utf-8")]
    # Turned on again, the next build of the same output makes all three.
    (publication / "signalbrief.yaml").write_text("search: true\n", encoding="utf-8")
    build(publication, BuildOptions(output=out, allow_untranslated=True))
    assert (out / "public" / "pagefind" / "0" / "pagefind.js").is_file()
    assert (out / "public" / "en" / "search" / "index.html").is_file()
    assert 'role="search"' in (out / "public" / "en" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("briefs", "count"), [(0, 1), (1, 1), (64, 1), (65, 2), (128, 2), (129, 4), (513, 16), (1000, 16), (10**5, 16)]
)
def test_the_shard_count_is_the_smallest_power_of_two_for_64_briefs_a_shard_at_most_16(briefs, count):
    assert shard_count(briefs) == count


def many_briefs(publication, count: int) -> Path:
    """A publication of `count` briefs, b00, b01, …, each with a word of its own in its body."""
    return publication({f"b{n:02d}": BETA.replace("Body.", f"Body of word{n:02d}.") for n in range(count)})


def shard_folders(index: Path) -> set[str]:
    return {p.name for p in index.iterdir() if p.is_dir()}


def test_the_shards_follow_the_brief_count_and_hold_each_brief_once(publication, run, monkeypatch):
    monkeypatch.setattr(search, "SHARD_SIZE", 2)  # 12 briefs, as 1,500 would be: 8 shards
    root = many_briefs(publication, 12)
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    ids = briefs_of(root)
    held = sorted({shard_of(i, 8) for i in ids})
    for edition in EDITIONS:
        index = root / "site" / edition / "pagefind"
        assert shard_folders(index) == {str(n) for n in held}  # none for a shard without briefs
        for brief_id in ids:
            pages = {f"/{view}/{brief_id}/" for view in ("en", "zh")}
            assert [n for n in held if pages <= set(fragments(index, str(n)))] == [shard_of(brief_id, 8)]
        # Pagefind's scripts in the first shard only: the search page merges the others with them.
        scripts = {n for n in held for p in (index / str(n)).iterdir() if p.suffix in (".js", ".pagefind")}
        assert scripts == {held[0]} and (index / str(held[0]) / "pagefind.js").is_file()
        page = (root / "site" / edition / "zh" / "search" / "index.html").read_text(encoding="utf-8")
        assert f'data-shards="{" ".join(map(str, held))}"' in page
    # Fewer briefs, fewer shards: every shard is made anew, the folders of the others are gone.
    for brief_id in ids[2:]:
        (root / "briefs" / f"{brief_id}.yaml").unlink()
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert shard_folders(root / "site" / "public" / "pagefind") == {"0"}
    assert set(fragments(root / "site" / "public" / "pagefind")) == {f"/{v}/{i}/" for v in ("en", "zh") for i in ids[:2]}
    assert 'data-shards="0"' in (root / "site" / "public" / "en" / "search" / "index.html").read_text(encoding="utf-8")


def test_an_edit_remakes_only_the_shard_of_its_brief(publication, run, monkeypatch):
    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    root = many_briefs(publication, 12)
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    edited = "b03"
    mine = str(shard_of(edited, 8))
    before = {edition: files_of(root / "site" / edition / "pagefind") for edition in EDITIONS}
    path = root / "briefs" / f"{edited}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("word03", "rewritten"), encoding="utf-8")
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    for edition in EDITIONS:
        index = root / "site" / edition / "pagefind"
        after = files_of(index)
        others = {p: seen for p, seen in before[edition].items() if p.parts[0] != mine}
        assert others and {p: after.get(p) for p in others} == others  # the same files, untouched
        assert "rewritten" in fragments(index)[f"/en/{edited}/"]


def files_of(index: Path) -> dict[Path, tuple[int, int]]:
    """Each file of an index (below it) with its inode and time stamp: a file written anew changes them."""
    return {p.relative_to(index): (p.stat().st_ino, p.stat().st_mtime_ns) for p in index.rglob("*") if p.is_file()}


def test_when_no_brief_falls_in_shard_0_the_first_shard_that_holds_one_carries_the_scripts(publication, run, monkeypatch):
    monkeypatch.setattr(search, "SHARD_SIZE", 1)  # two briefs: two shards
    ids = [i for i in (f"b{n:02d}" for n in range(40)) if shard_of(i, 2) == 1][:2]
    root = publication({i: BETA for i in ids})
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    index = root / "site" / "public" / "pagefind"
    assert shard_folders(index) == {"1"} and (index / "1" / "pagefind.js").is_file()
    assert set(fragments(index)) == {f"/{view}/{i}/" for view in ("en", "zh") for i in ids}
    assert 'data-shards="1"' in (root / "site" / "public" / "en" / "search" / "index.html").read_text(encoding="utf-8")
