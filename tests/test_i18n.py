"""Interface strings: pybabel with the repository's babel.cfg finds them all, every catalog translates
each of them and keeps none that is no longer used, and each page is rendered in its own language."""

from __future__ import annotations

import gettext
import os
import shutil
import string
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from signalbrief import render
from signalbrief.build import BuildOptions, build
from signalbrief.render import catalog_names, gettext_in, make_environment, translations

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "signalbrief" / "theme" / "locale"
POT = LOCALE / "messages.pot"
# The translator's command (docs/theme.md), run from the repository root; `-o` is replaced here.
EXTRACT = [
    "extract",
    "-F",
    "babel.cfg",
    "--add-location=file",
    "--project=signalbrief",
    "--copyright-holder=the signalbrief authors",
    "-o",
    str(POT.relative_to(ROOT)),
    ".",
]
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/messages.po"))


def extract(folder: Path, output: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Run the documented `pybabel extract` in `folder` (in-process) and return the msgids it finds."""
    args = [*EXTRACT]
    args[args.index("-o") + 1] = str(output)
    monkeypatch.chdir(folder)
    CommandLineInterface().run(["pybabel", "--quiet", *args])
    with output.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return extract(ROOT, tmp_path_factory.mktemp("pot") / "messages.pot", monkeypatch)


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def catalog_id(path: Path) -> str:
    return path.parent.parent.name


def test_there_is_a_catalog_for_chinese():
    assert "zh" in [catalog_id(path) for path in CATALOGS]


def test_the_repository_has_interface_strings(extracted):
    """Guards the comparisons below: an extraction that finds nothing would pass them for the wrong reason."""
    assert len(extracted) > 20


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_every_interface_string_is_translated(extracted, path):
    translated = {str(m.id) for m in read(path) if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - translated)
    assert missing == [], f"{path.relative_to(ROOT)} has no translation (or a fuzzy one) for these strings"


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_no_catalog_keeps_a_string_no_longer_used(extracted, path):
    unused = sorted({str(m.id) for m in read(path) if m.id} - extracted)
    assert unused == [], f"{path.relative_to(ROOT)} translates strings no template or module uses any more"


def test_the_checked_in_template_is_up_to_date(extracted):
    assert {str(m.id) for m in read(POT) if m.id} == extracted, "messages.pot is stale: run pybabel extract"


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_translations_keep_their_placeholders(path):
    """A translation that drops or misspells `{label}` would fail the build, or lose the label."""
    catalog = read(path)
    assert [(m.id, errors) for m, errors in catalog.check()] == []
    changed = [m.id for m in catalog if m.id and m.string and fields(str(m.string)) != fields(str(m.id))]
    assert changed == []


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_babel_cfg_finds_each_way_of_marking_a_string(tmp_path, monkeypatch):
    """`_()`, `{% trans %}` and `gettext_in(lang, ...)` in templates and modules, and `_()` in the
    repository's own template overrides (needs per-section keywords in babel.cfg: Babel 2.18)."""
    shutil.copy(ROOT / "babel.cfg", tmp_path)
    theme = tmp_path / "src" / "signalbrief" / "theme" / "templates"
    theme.mkdir(parents=True)
    (theme / "page.html").write_text('{{ _("One") }}\n{% trans %}Two{% endtrans %}\n{{ gettext_in(l, "Three") }}\n')
    (theme / "page.md").write_text('{{ gettext_in("zh", "Four") }}\n')
    (tmp_path / "src" / "signalbrief" / "module.py").write_text('label = gettext_in(lang, "Five")\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text('{{ _("Six") }}\n')
    found = extract(tmp_path, tmp_path / "out.pot", monkeypatch)
    assert found == {"One", "Two", "Three", "Four", "Five", "Six"}


def test_one_environment_renders_each_language_with_its_own_catalog():
    zh = translations("zh").gettext("Signal")
    assert zh != "Signal"
    template = make_environment(None).from_string(
        '{{ _("Signal") }}|{% trans %}Signal{% endtrans %}|{{ gettext_in("zh", "Signal") }}'
        '|{{ gettext_in("en", "Signal") }}'
    )
    chinese, english = f"{zh}|{zh}|{zh}|Signal", f"Signal|Signal|{zh}|Signal"
    rendered = [template.render(lang=lang) for lang in ("zh", "en", "bi", "zh")]
    assert rendered == [chinese, english, english, chinese]


def test_plurals_follow_the_count():
    source = '{% trans count=n %}{{ count }} source{% pluralize %}{{ count }} sources{% endtrans %}'
    template = make_environment(None).from_string(source + '|{{ ngettext("%(num)d note", "%(num)d notes", n) }}')
    assert [template.render(lang="en", n=n) for n in (1, 3)] == ["1 source|1 note", "3 sources|3 notes"]


def test_python_labels_use_the_catalog():
    assert gettext_in("zh", "machine translation") == translations("zh").gettext("machine translation")
    assert gettext_in("zh", "machine translation") != "machine translation"
    assert gettext_in("en", "machine translation") == "machine translation"


class _Hostile(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return '<b title="x">&'


def test_a_translation_is_text_never_markup(monkeypatch):
    """Catalogs are edited by translators: what they write is escaped in HTML, as it was before."""
    monkeypatch.setattr(render, "translations", lambda lang: _Hostile())
    source = '<p title="{{ _("Signal") }}">{% trans %}Signal{% endtrans %} {{ gettext_in("zh", "Signal") }}</p>'
    html = make_environment(None).from_string(source).render(lang="zh")
    escaped = "&lt;b title=&#34;x&#34;&gt;&amp;"
    assert html == f'<p title="{escaped}">{escaped} {escaped}</p>'
    markdown = make_environment(None, markdown=True).from_string(source).render(lang="zh")
    assert markdown == '<p title="<b title="x">&"><b title="x">& <b title="x">&</p>'


def test_a_catalog_is_looked_for_by_babel_locale():
    assert catalog_names("zh_Hans") == ["zh_Hans", "zh"]
    assert catalog_names("zh_Hant") == ["zh_Hant"]  # never Simplified Chinese for Traditional
    assert catalog_names("en") == ["en"]


def test_a_language_without_a_catalog_shows_the_english_strings():
    assert render.catalog("fr").gettext("Signal") == "Signal"


def test_every_registered_language_but_english_has_its_catalog():
    """A language added to the registry (zh-Hant) brings its interface strings with it."""
    from signalbrief.languages import registered

    found = {catalog_id(path) for path in CATALOGS}
    missing = [lang.code for lang in registered().values() if lang.locale != "en" and not found & set(catalog_names(lang.locale))]
    assert missing == []
    assert gettext_in("zh-Hant", "Signal") not in ("Signal", gettext_in("zh", "Signal"))


@pytest.fixture
def compiled(monkeypatch, tmp_path):
    """Each time a catalog is compiled from its .po file (the catalogs read here are read afresh)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made = []
    real = render._compiled_catalog
    monkeypatch.setattr(render, "_compiled_catalog", lambda source: made.append(source) or real(source))
    return made


def test_a_compiled_catalog_is_kept_in_the_user_s_cache_folder_until_its_po_file_changes(compiled, tmp_path):
    po = tmp_path / "messages.po"
    shutil.copyfile(LOCALE / "zh" / "LC_MESSAGES" / "messages.po", po)
    first = render._read_catalog(po)
    assert render._read_catalog(po).gettext("Public edition") == first.gettext("Public edition") != "Public edition"
    assert len(compiled) == 1 and len(list((tmp_path / "cache" / "signalbrief").glob("catalog-*.mo"))) == 1
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "公开版"', 'msgstr "公开版本"'), encoding="utf-8")
    assert render._read_catalog(po).gettext("Public edition") == "公开版本"  # compiled again: never stale
    assert len(compiled) == 2


@pytest.mark.parametrize("damage", ["a byte changed", "cut short", "empty"])
def test_a_damaged_compiled_catalog_is_compiled_again(compiled, tmp_path, damage):
    po = LOCALE / "zh" / "LC_MESSAGES" / "messages.po"
    expected = render._read_catalog(po).gettext("Public edition")
    (kept,) = (tmp_path / "cache" / "signalbrief").glob("catalog-*.mo")
    data = kept.read_bytes()
    changed = {"a byte changed": data[:100] + bytes([data[100] ^ 1]) + data[101:], "cut short": data[:-5], "empty": b""}
    kept.write_bytes(changed[damage])
    assert render._read_catalog(po).gettext("Public edition") == expected
    assert len(compiled) == 2
    assert render._read_catalog(po).gettext("Public edition") == expected and len(compiled) == 2  # kept anew


def test_without_a_home_folder_a_catalog_is_compiled_each_time(compiled, monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HOME")
    monkeypatch.setattr("os.path.expanduser", lambda path: path)  # no home folder known either
    po = LOCALE / "zh" / "LC_MESSAGES" / "messages.po"
    assert render._read_catalog(po).gettext("Public edition") == render._read_catalog(po).gettext("Public edition")
    assert len(compiled) == 2


@pytest.fixture
def babel_says(monkeypatch, tmp_path):
    """A user cache folder of its own, and what Babel said in this process forgotten (before and after)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(render, "BABEL_SAYS", render.Remembered("babel", render.babel_installed))
    render.day.cache_clear()
    render.catalog.cache_clear()
    yield
    render.day.cache_clear()
    render.catalog.cache_clear()


def test_a_date_and_a_locale_s_catalogs_are_taken_as_babel_last_wrote_them(babel_says, monkeypatch):
    written = render.Remembered("babel", render.babel_installed)
    written.text("date long zh_Hans 2025-05-15", lambda: "remembered day")
    written.text("catalogs zh_Hans", lambda: "zh_Hans\nzh")
    written.text("region zh_Hans FR", lambda: "remembered France")
    written.save()
    monkeypatch.setattr(render, "BABEL_SAYS", render.Remembered("babel", render.babel_installed))
    monkeypatch.setattr(render, "_long_date", lambda *args: pytest.fail("Babel asked"))
    monkeypatch.setattr(render, "_catalog_names", lambda *args: pytest.fail("Babel asked"))
    monkeypatch.setattr(render, "_region_name", lambda *args: pytest.fail("Babel asked"))
    assert render.day(date(2025, 5, 15), "zh") == "remembered day"
    assert catalog_names("zh_Hans") == ["zh_Hans", "zh"]
    assert render.region_name("FR", "zh") == "remembered France"


def test_a_build_keeps_what_babel_wrote_for_the_next(babel_says, publication):
    build(publication(), BuildOptions(allow_untranslated=True, jobs=1))
    kept = render.Remembered("babel", render.babel_installed)
    assert kept.text("date long en 2024-04-01", lambda: "not kept") == format_date(date(2024, 4, 1), "long", locale="en")
    assert kept.text("catalogs zh_Hans", lambda: "not kept") == "zh_Hans\nzh"
    assert kept.text("region en US", lambda: "not kept") == "United States"


def test_an_edit_s_build_that_finds_what_babel_said_does_not_import_babel(publication, tmp_path):
    """Dates, region and month names, a locale's catalog folders: a build that finds them all
    remembered (every build after the first) never imports Babel (some 10 ms of an edit's build)."""
    root = publication()
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-X", "importtime", "-m", "signalbrief", "-C", str(root), "build", "--allow-untranslated"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    brief = root / "briefs" / "alpha.yaml"
    brief.write_text(brief.read_text(encoding="utf-8").replace("working channels", "working groups"), encoding="utf-8")
    edit = subprocess.run(command, env=env, capture_output=True, text=True, check=True)

    def imported(run):
        return {line.rpartition("|")[2].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}

    assert "babel" in imported(first)  # the first build asked Babel
    assert "signalbrief.render" in imported(edit) and "babel" not in imported(edit)
    assert "working groups" in (root / "site" / "public" / "en" / "alpha" / "index.html").read_text(encoding="utf-8")
