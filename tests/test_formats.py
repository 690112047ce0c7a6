"""Output formats: one registry, filled by signalbrief's own plugin; groups for --format; steps a
later build reuses; rendering in worker processes gives the same files as rendering in one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest

from signalbrief import formats, plugins
from signalbrief.build import BuildOptions, _Worker, build
from signalbrief.errors import InvalidInput, UsageError
from signalbrief.formats import OutputFormat
from signalbrief.hookspecs import hookimpl
from tests.cachefiles import read_cache
from tests.conftest import BETA, VALID

OPTIONS = BuildOptions(allow_untranslated=True)


@contextmanager
def plugged(**hooks) -> Iterator[None]:
    """Register a plugin made of the given hook functions for the duration of the block."""
    plugins.plugin_manager.cache_clear()
    plugin = SimpleNamespace(**{name: hookimpl(function) for name, function in hooks.items()})
    plugins.plugin_manager().register(plugin, name="test-plugin")
    try:
        yield
    finally:
        plugins.plugin_manager.cache_clear()


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_built_in_formats_come_from_the_default_plugin():
    names = {kind.name: kind.group for kind in formats.registered()}
    assert "signalbrief.formats.builtin" in plugins.DEFAULT_PLUGINS
    assert names == {
        "brief-page": "html",
        "brief-markdown": "md",
        "style-sheet": "html",
        "index-lists": "html",
        "browse-pages": "html",
        "search-pages": "html",
        "atom": "html",
        "json-feed": "html",
        "sitemap": "html",
        "entry-page": "html",
        "brief-email": "email",
        "search-index": "html",
    }
    assert formats.groups() == ("html", "md", "email")


@pytest.mark.parametrize(
    ("group", "kept", "left_out"),
    [(("md",), ".md", (".html", ".xml", ".json", ".css")), (("html",), ".html", (".md",))],
)
def test_a_group_builds_its_formats_only(publication, group, kept, left_out):
    root = publication()
    build(root, BuildOptions(formats=group, allow_untranslated=True))
    names = files_of(root / "site")
    assert any(name.endswith(kept) for name in names)
    assert not [name for name in names if name.endswith(left_out)]


def test_an_unknown_group_is_a_usage_error(publication):
    with pytest.raises(UsageError, match=r"unknown format 'pdf'; formats: html, md"):
        build(publication(), BuildOptions(formats=("pdf",)))


class Counts(OutputFormat):
    """A plugin's format with a per-brief and a per-edition part, counting what it renders."""

    name = "counts"
    group = "counts"
    per_brief = True
    rendered: ClassVar[list[str]] = []

    def brief_files(self, brief):
        self.rendered.append(brief.base)
        yield f"{brief.base}.count", str(len(brief.gated.sections))

    def edition_key(self, edition):
        return len(self.site.listed)

    def edition_files(self, edition):
        self.rendered.append(edition)
        yield f"{edition}/count.txt", str(len(self.site.listed))


def test_a_plugin_format_writes_its_files_and_its_steps_are_reused(publication):
    root = publication()
    Counts.rendered.clear()
    with plugged(signalbrief_output_formats=lambda: [Counts]):
        assert formats.groups() == ("html", "md", "email", "counts")
        build(root, BuildOptions(formats=("counts",), views=("en",), allow_untranslated=True))
        assert (root / "site/public/count.txt").read_text(encoding="utf-8") == "2"
        assert (root / "site/leadership-alliance/en/alpha.count").read_text(encoding="utf-8") == "1"
        assert len(Counts.rendered) == 2 * 3 + 3  # two briefs in three editions, one count per edition
        Counts.rendered.clear()
        (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "Body 2."), encoding="utf-8")
        build(root, BuildOptions(formats=("counts",), views=("en",), allow_untranslated=True))
        # Only beta's files: the edition part is made of the number of briefs, which did not change.
        assert sorted(Counts.rendered) == [f"{e}/en/beta" for e in ("leadership-alliance", "public", "strategy-circle")]


def test_two_formats_with_one_name_are_refused():
    clash = type("Clash", (OutputFormat,), {"name": "atom"})
    with plugged(signalbrief_output_formats=lambda: [clash]), pytest.raises(plugins.PluginError, match="'atom'"):
        formats.registered()


def many_briefs(count: int) -> dict[str, str]:
    return {f"b{n:02d}": VALID.replace("id: alpha", f"id: b{n:02d}").replace("see_also: [beta]", "") for n in range(count)}


def fragments_of(output: Path) -> dict[str, str]:
    """The list fragments a build kept for an output (its work folder is hidden beside it)."""
    found: dict[str, str] = {}
    for value in read_cache(output.with_name(f".{output.name}.signalbrief") / "fragments.json")[1:]:
        if isinstance(value, dict):
            found.update(value)
    return found


def test_worker_processes_write_the_same_files_as_one_process(publication, tmp_path):
    root = publication(many_briefs(20))  # 60 brief steps: enough to start workers
    build(root, BuildOptions(output=tmp_path / "one", jobs=1, allow_untranslated=True))
    build(root, BuildOptions(output=tmp_path / "two", jobs=2, allow_untranslated=True))
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    assert _Worker.build is None  # the build reached the workers through the pool, not this process
    # The workers made the lists and feeds, and handed their rows over: the same fragments are kept.
    assert len(fragments_of(tmp_path / "one")) >= 20
    assert fragments_of(tmp_path / "one") == fragments_of(tmp_path / "two")
    assert not list((tmp_path / ".two.signalbrief").glob("build-*"))  # the workers' files of fragments are gone


def test_the_rows_workers_kept_are_taken_by_the_next_build(publication, tmp_path, monkeypatch):
    from signalbrief.formats import site as site_module

    root = publication(many_briefs(20))
    options = BuildOptions(output=tmp_path / "out", jobs=2, allow_untranslated=True)
    build(root, options)
    made = []
    keep = site_module.Fragments.keep
    monkeypatch.setattr(site_module.Fragments, "keep", lambda self, kept, count: made.append(count) or keep(self, kept, count))
    changed = many_briefs(20)["b03"].replace("US and UK sign", "Canada and UK sign")
    (root / "briefs/b03.yaml").write_text(changed, encoding="utf-8")
    build(root, BuildOptions(output=tmp_path / "out", jobs=1, allow_untranslated=True))
    assert made and max(made) <= 2  # a list re-renders the changed brief's row, not all twenty


@pytest.mark.parametrize("template", ["brief.md", "brief_row.html"])  # a brief's page; a row of the lists
def test_a_template_error_in_a_worker_names_the_template(publication, tmp_path, template):
    root = publication(many_briefs(20))
    (root / "templates").mkdir()
    (root / f"templates/{template}").write_text("# Title\n\n{{ g.no_such_field.x }}\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        build(root, BuildOptions(jobs=2, allow_untranslated=True))
    assert str(raised.value.problems[0]).startswith(f"templates/{template}:3:1: error: template error:")
    assert not (root / "site").exists()
