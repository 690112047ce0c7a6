"""Validation remembers each file's outcome by content hash: unchanged files are not parsed again,
and nothing that could change an outcome (the file, the publication's rules) is ever skipped."""

from __future__ import annotations

import pytest

import signalbrief.validate
from signalbrief.build import BuildOptions, build
from signalbrief.cache import card_key
from signalbrief.checkcache import CACHE_FILE
from signalbrief.configfile import load_config
from signalbrief.errors import InvalidInput
from signalbrief.formats.site import Site
from signalbrief.model import Text
from signalbrief.validate import validate
from tests.cachefiles import cache_bytes, read_cache, write_cache
from tests.conftest import BETA, TIER, VALID

OPTIONS = BuildOptions(allow_untranslated=True)


@pytest.fixture
def parsed(monkeypatch):
    """The files checked during a build, by name (rendering reads each file again; that is not counted)."""
    seen: list[str] = []
    real = signalbrief.validate.check_citations

    def spy(document):
        seen.append(document.path)
        return real(document)

    monkeypatch.setattr(signalbrief.validate, "check_citations", spy)
    return seen


def test_only_changed_files_are_parsed_again(publication, parsed):
    root = publication()
    build(root, OPTIONS)
    assert sorted(parsed) == ["briefs/alpha.yaml", "briefs/beta.yaml"]
    parsed.clear()
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    build(root, OPTIONS)
    assert parsed == ["briefs/beta.yaml"]
    assert "New body." in (root / "site/public/en/beta/index.html").read_text(encoding="utf-8")


def test_remembered_warnings_are_still_reported(publication):
    root = publication({"alpha": VALID, "beta": BETA + "sources:\n  - title: Never cited\n"})
    first = build(root, OPTIONS).warnings
    (root / "briefs/alpha.yaml").write_text(VALID.replace("2024-04-01", "2024-04-03"), encoding="utf-8")
    second = build(root, OPTIONS).warnings
    assert [str(w) for w in first] == [str(w) for w in second] != []


def test_a_change_of_rules_checks_every_file_again(publication, parsed):
    root = publication(config=TIER)
    alpha = VALID.replace("tier: strategy-circle", "tier: insiders")
    (root / "briefs/alpha.yaml").write_text(alpha, encoding="utf-8")
    build(root, OPTIONS)
    (root / "signalbrief.yaml").write_text(TIER.replace("id: insiders", "id: circle"), encoding="utf-8")
    parsed.clear()
    with pytest.raises(InvalidInput, match="tier"):
        build(root, OPTIONS)
    assert "briefs/alpha.yaml" in parsed


@pytest.mark.parametrize(
    "garbage",
    [
        b"not json",
        b'{"rules": 1}',
        b"[]",
        None,  # the right rules with wrong types inside
    ],
)
def test_a_damaged_cache_is_ignored(publication, tmp_path, garbage):
    root = publication()
    build(root, OPTIONS)
    cache = root / CACHE_FILE
    if garbage is None:
        head, *batches = read_cache(cache)
        entry = next(iter(batches[0].values()))
        entry["needs"], entry["card"] = [[7, 8, 9]], [1, *entry["card"]]
        garbage = cache_bytes([head, *batches])
    cache.write_bytes(garbage)
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    build(root, OPTIONS)
    build(root, BuildOptions(output=tmp_path / "fresh", allow_untranslated=True))
    for page in ("public/en/alpha/index.html", "public/en/beta/index.html", "public/en/index.html"):
        assert (root / "site" / page).read_bytes() == (tmp_path / "fresh" / page).read_bytes()


def test_the_validate_command_remembers_too_and_reports_the_same(publication, run, parsed):
    root = publication({"alpha": VALID, "beta": BETA + "sources:\n  - title: Never cited\n"})
    first = run(root, "validate")
    assert sorted(parsed) == ["briefs/alpha.yaml", "briefs/beta.yaml"]
    parsed.clear()
    second = run(root, "validate")
    assert parsed == [] and second.stderr == first.stderr and second.exit_code == first.exit_code == 0
    assert "never cited" in second.stderr


def test_remembered_errors_are_reported_the_same(publication, run, parsed):
    broken = BETA.replace("type: funding", "type: fundng")
    root = publication({"alpha": VALID, "beta": broken})
    first = run(root, "validate")
    parsed.clear()
    second = run(root, "validate")
    assert parsed == [] and first.exit_code == second.exit_code == 1
    assert second.stderr == first.stderr and "briefs/beta.yaml:3:7: error: type:" in second.stderr


@pytest.mark.parametrize(
    ("packed", "warned"),
    [
        (b"\x00\x00\x00", "briefs/alpha.yaml: warning: its remembered check is damaged; read again"),  # not packing
        ("not bytes", "checked.json: warning: damaged (unexpected content); ignored"),
    ],
)
def test_damaged_packed_needs_are_found_again_in_the_brief(publication, tmp_path, models_folder, capsys, packed, warned):
    root = publication()
    build(root, OPTIONS)
    cache = root / CACHE_FILE
    lines = read_cache(cache)
    alpha = next(batch["briefs/alpha.yaml"] for batch in lines[1:] if "briefs/alpha.yaml" in batch)
    assert isinstance(alpha["needs"], bytes) and alpha["needs"]  # alpha's texts lacking a language, packed
    alpha["needs"] = packed
    write_cache(cache, lines)
    (root / ".signalbrief/filled.json").unlink()  # so the build asks for every brief's needs
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    capsys.readouterr()
    build(root, OPTIONS)
    assert warned in capsys.readouterr().err
    fresh = build(root, BuildOptions(output=tmp_path / "fresh", allow_untranslated=True))
    assert fresh.pending > 0
    for page in ("public/en/alpha/index.html", "public/zh/alpha/index.html", "public/zh/beta/index.html"):
        assert (root / "site" / page).read_bytes() == (tmp_path / "fresh" / page).read_bytes()


def test_a_remembered_card_comes_back_with_the_key_of_its_plain_values(publication):
    root = publication()
    first = validate(root, keep=False, packed=True)  # checks every file: no key known yet
    assert [b.card_key for b in first.briefs] == ["", ""]
    again = validate(root, keep=False, packed=True)  # every outcome remembered
    assert [b.card_key for b in again.briefs] == [card_key(b.card.plain()) for b in first.briefs]
    assert all(b.card_key for b in again.briefs)


def test_a_card_whose_text_a_translation_filled_gets_its_own_key(publication):
    root = publication()
    validate(root, keep=False, packed=True)
    briefs = validate(root, keep=False, packed=True).briefs
    filled = {briefs[0].id: {(("summary",), "zh"): "填入的摘要。"}}
    site = Site(root, load_config(root), briefs, filled, ("en",), [], [], root / ".signalbrief", "key")
    assert site.card_key(briefs[1].id) == briefs[1].card_key  # as remembered: no translation
    assert site.card_key(briefs[0].id) == card_key(site.cards[briefs[0].id].plain()) != briefs[0].card_key


@pytest.mark.parametrize("words, machine", [({"en": "One.", "zh": "一。"}, set()), ({"en": "One."}, {"en"}), ({}, set())])
def test_a_text_read_back_is_what_the_model_constructs(words, machine):
    made, read = Text.model_construct(**words, machine=frozenset(machine)), Text.of(dict(words), frozenset(machine))
    assert type(read) is Text and read == made and read.words == made.words and read.machine == made.machine
    assert read.plain() == made.plain() and read.model_dump() == made.model_dump()
    for name in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        assert getattr(read, name) == getattr(made, name), name
    assert hash(read) == hash(made)  # frozen: texts are hashed
