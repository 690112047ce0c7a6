"""`signalbrief.yaml` is validated with the same positioned errors as briefs."""

from __future__ import annotations

import pytest

from signalbrief.config import DEFAULT_TIERS
from signalbrief.configfile import load_config
from tests.conftest import TIER


def test_defaults_without_a_config_file(tmp_path):
    config = load_config(tmp_path)
    assert config.edition_ids == ["public", "strategy-circle", "leadership-alliance"]
    assert config.tiers == DEFAULT_TIERS
    assert config.grades[0].grade == "A"


def test_custom_grade_table(tmp_path):
    (tmp_path / "signalbrief.yaml").write_text(
        "grades:\n  - {from: 0.0, grade: Low, label: {en: Low, zh: 低}}\n"
        "  - {from: 0.5, grade: High, label: {en: High, zh: 高}}\n",
        encoding="utf-8",
    )
    grades = load_config(tmp_path).grades
    assert [band.grade for band in grades] == ["High", "Low"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("titel: {en: A, zh: B}\n", "signalbrief.yaml:1:1: error: titel: unknown key (did you mean 'title'?)"),
        ("title: {en: A}\n", "signalbrief.yaml:1:8: error: title.zh: is required"),
        (
            "base_url: ftp://x\n",
            "signalbrief.yaml:1:11: error: base_url: 'ftp://x' is not an http or https URL (spaces, quotes and <> must be %-encoded)",
        ),
        (
            TIER.replace("id: insiders", "id: public"),
            "signalbrief.yaml:2:9: error: tiers[0].id: 'public' is the built-in lowest tier; choose another id",
        ),
        (TIER + TIER[7:], "signalbrief.yaml:8:9: error: tiers[1].id: duplicate tier id"),
        (
            TIER.replace("join_url: /join/", "join_url: javascript:x"),
            "signalbrief.yaml:7:15: error: tiers[0].join_url: 'javascript:x' is not an http or https URL (spaces, quotes and <> must be %-encoded)",
        ),
        (
            "grades:\n  - {from: 0.5, grade: A, label: {en: A, zh: A}}\n",
            "signalbrief.yaml:2:3: error: grades: one band must start from 0.00",
        ),
        (
            "vocabularies:\n  colour:\n    red: {en: Red, zh: 红}\n",
            "signalbrief.yaml:2:3: error: vocabularies.colour: unknown key; expected one of: type, market_class, basis, relevance, horizon",
        ),
        (
            "title: [\n",
            "signalbrief.yaml:2:1: error: invalid YAML: ",  # our position and prefix; the rest is the parser's
        ),
    ],
)
def test_config_errors_are_positioned(publication, run, text, expected):
    result = run(publication(config=text), "validate")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert expected in lines or (expected.endswith("invalid YAML: ") and any(line.startswith(expected) for line in lines))
