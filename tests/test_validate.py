"""Every rule of the brief format, each with a brief that breaks it: exit code, position and message."""

from __future__ import annotations

import pytest

from tests.conftest import BETA, VALID, replace_line

CASES = [
    # (line to replace, replacement, expected "line:col: error: field: message")
    (
        1,
        "id: Alpha_1",
        "1:5: error: id: 'Alpha_1' is not a valid id: use lowercase letters, digits and single hyphens (like us-uk-ai-safety-testing)",
    ),
    (1, "id: " + "a" * 81, f"1:5: error: id: '{'a' * 81}' is longer than 80 characters"),
    (2, "date: 2024-02-30", "2:7: error: date: 2024-02-30 is not a real date"),
    (2, "date: 01/04/2024", "2:7: error: date: '01/04/2024' is not a date in the form YYYY-MM-DD"),
    (2, "date: 20240401", "2:7: error: date: '20240401' is not a date; write it as YYYY-MM-DD"),
    (
        (3, 5),
        "signal: US and UK sign",
        "3:9: error: signal: a text is a mapping with en and/or zh, not a bare value; write it as {en: ...} or {zh: ...}",
    ),
    (4, "  en: NO", '4:7: error: signal.en: NO would be read as true/false by YAML 1.1, not as text; quote it: "NO"'),
    (4, "  en: 012", '4:7: error: signal.en: 012 would be read as number by YAML 1.1, not as text; quote it: "012"'),
    (
        4,
        "  en: 12:30",
        '4:7: error: signal.en: 12:30 would be read as number by YAML 1.1, not as text; quote it: "12:30"',
    ),
    (4, "  en: 0.90", '4:7: error: signal.en: 0.90 would be read as number by YAML 1.1, not as text; quote it: "0.90"'),
    (4, "  en: on", '4:7: error: signal.en: on would be read as true/false by YAML 1.1, not as text; quote it: "on"'),
    (
        4,
        "  en: 2024-04-01",
        '4:7: error: signal.en: 2024-04-01 would be read as date by YAML 1.1, not as text; quote it: "2024-04-01"',
    ),
    (4, "  en: [a, b]", "4:7: error: signal.en: expected text, got a list"),
    (4, "  fr: Bonjour", "4:3: error: signal.fr: unknown key; expected one of: en, zh"),
    ((4, 5), '  en: ""\n  zh: " "', "4:3: error: signal: a text needs a non-empty en or zh"),
    (
        6,
        "type: policy-agrement",
        "6:7: error: type: 'policy-agrement' is not allowed (did you mean 'policy-agreement'?); allowed: policy-agreement, regulatory-action, legislation, market-move, funding, product-launch, research-result, incident, personnel-change",
    ),
    (7, "regions: [us]", "7:11: error: regions[0]: 'us' is not a region code (did you mean 'US' for United States?)"),
    (7, "regions: [US, UK]", "7:15: error: regions[1]: 'UK' is not a region code (did you mean 'GB' for United Kingdom?)"),
    (7, "regions: [DEU]", "7:11: error: regions[0]: 'DEU' is not a region code (did you mean 'DE' for Germany?)"),
    (7, "regions: [Germany]", "7:11: error: regions[0]: 'Germany' is not a region code (did you mean 'DE' for Germany?)"),
    (
        7,
        "regions: [United States]",
        "7:11: error: regions[0]: 'United States' is not a region code (did you mean 'US' for United States?)",
    ),
    (7, "regions: [英国]", "7:11: error: regions[0]: '英国' is not a region code (did you mean 'GB' for United Kingdom?)"),
    (7, "regions: [XX]", "7:11: error: regions[0]: 'XX' is not an ISO 3166-1 alpha-2 code or EU (like GB, US, CN)"),
    (7, "regions: []", "7:10: error: regions: needs at least one item"),
    (7, "regions: US", "7:10: error: regions: expected a list (one `- item` per line), got text 'US'"),
    (8, "market_klass: case-file", "8:1: error: market_klass: unknown key (did you mean 'market_class'?)"),
    (10, "  score: 1.3", "10:10: error: confidence.score: 1.3 is above 1.0"),
    (10, "  score: '0.9'", "10:10: error: confidence.score: '0.9' is not a plain decimal number; write it like 0.85"),
    (10, "  score: 1e3", "10:10: error: confidence.score: '1e3' is not a plain decimal number; write it like 0.85"),
    (10, "  score: 012", "10:10: error: confidence.score: '012' is not a plain decimal number; write it like 0.85"),
    (11, "  grade: B/C", "11:10: error: confidence.grade: grade 'B/C' does not agree with score 0.92, which earns 'A'"),
    (
        12,
        "  basis: direct",
        "12:10: error: confidence.basis: 'direct' is not allowed; allowed: direct-public-sources, secondary-reporting, expert-input, internal-monitoring",
    ),
    (
        14,
        "  en: Cites a missing source [7].",
        "14:30: error: summary.en: [7] cites a source that does not exist (the brief has 1)",
    ),
    (
        14,
        "  en: Cites a member source [2].",
        "14:29: error: summary.en: [2] cites a source of gated section 0, which this text cannot show",
    ),
    ((15, 16), "body: []", "15:7: error: body: needs at least one item"),
    (
        19,
        "    url: javascript:alert(1)",
        "19:10: error: sources[0].url: 'javascript:alert(1)' is not an http or https URL (spaces, quotes and <> must be %-encoded)",
    ),
    (20, "see_also: [gamma]", "20:12: error: see_also[0]: no brief has the id 'gamma'"),
    (20, "see_also: [bet]", "20:12: error: see_also[0]: no brief has the id 'bet' (did you mean 'beta'?)"),
    (20, "see_also: [alpha]", "20:12: error: see_also[0]: a brief cannot list itself"),
    (
        22,
        "  - tier: gold-circle",
        "22:11: error: sections[0].tier: 'gold-circle' is not allowed (did you mean 'strategy-circle'?); allowed: public, strategy-circle, leadership-alliance",
    ),
    (
        23,
        "    title: Deeper",
        "23:12: error: sections[0].title: a text is a mapping with en and/or zh, not a bare value; write it as {en: ...} or {zh: ...}",
    ),
    (
        25,
        "      - en: Member text [3].",
        "25:25: error: sections[0].body[0].en: [3] cites a source that does not exist (the brief has 1, this section 1)",
    ),
    (5, "  zh: 美英\ndek: A bare dek", "6:6: error: dek: a text is a mapping with en and/or zh, not a bare value; write it as {en: ...} or {zh: ...}"),
    (5, "  zh: 美英\ndek: {fr: Un}", "6:7: error: dek.fr: unknown key; expected one of: en, zh"),
    (14, "  en: Signed [1].\ntakeaway: {en: ''}", "15:11: error: takeaway: a text needs a non-empty en or zh"),
    (16, "  - en: The agreement turns summit commitments into working channels [1].\n    see_also: gamma", "17:15: error: body[0].see_also: no brief has the id 'gamma'"),
    (16, "  - en: The agreement turns summit commitments into working channels [1].\n    see_also: bet", "17:15: error: body[0].see_also: no brief has the id 'bet' (did you mean 'beta'?)"),
    (16, "  - en: The agreement turns summit commitments into working channels [1].\n    see_also: alpha", "17:15: error: body[0].see_also: a brief cannot list itself"),
    (
        16,
        "  - en: The agreement turns summit commitments into working channels [1].\n    see_also: [beta]",
        "17:15: error: body[0].see_also: a paragraph links one brief id; list more under the brief's see_also",
    ),
    (
        16,
        "  - en: The agreement turns summit commitments into working channels [1].\n    see_also: Beta",
        "17:15: error: body[0].see_also: 'Beta' is not a valid id: use lowercase letters, digits and single hyphens (like us-uk-ai-safety-testing)",
    ),
    (16, "  - en: The agreement turns summit commitments into working channels [1].\n    see_aslo: beta", "17:5: error: body[0].see_aslo: unknown key (did you mean 'see_also'?)"),
    (16, "  - see_also: beta", "16:5: error: body[0]: a text needs a non-empty en or zh"),
    (25, "      - en: Member text [2].\n        see_also: gamma", "26:19: error: sections[0].body[0].see_also: no brief has the id 'gamma'"),
    (20, "see_also: [beta]\noperating_surface: [{en: x, see_also: beta}]", "21:29: error: operating_surface[0].see_also: unknown key; expected one of: en, zh"),
    (2, "date: 2024-04-01\ndraft: no", "3:8: error: draft: no is ambiguous in YAML; write true or false"),
    (1, "id: alpha\nid: alpha", "2:1: error: id: duplicate key (first written at line 1)"),
    (9, "confidence: &c", "9:13: error: anchor &c is not allowed; write the value out"),
    (4, "\ten: x", "4:1: error: tab used for indentation; indent with spaces"),
    (
        6,
        "type: !!python/name:os.system policy-agreement",
        "6:7: error: type: tag tag:yaml.org,2002:python/name:os.system is not supported; only !mt (machine translation) is used in briefs",
    ),
]


@pytest.mark.parametrize(("line", "new", "expected"), CASES, ids=[c[2].split(": ", 2)[-1][:50] for c in CASES])
def test_each_rule_reports_position_and_message(publication, run, line, new, expected):
    root = publication({"alpha": replace_line(VALID, line, new), "beta": BETA})
    result = run(root, "validate")
    assert result.exit_code == 1
    assert f"briefs/alpha.yaml:{expected}" in result.stderr.splitlines()


def test_valid_publication_passes(publication, run):
    result = run(publication(), "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "2 briefs checked: 0 errors, 0 warnings"


def test_missing_required_field_points_at_the_mapping(publication, run):
    root = publication({"alpha": replace_line(VALID, (13, 14), "#"), "beta": BETA})
    result = run(root, "validate")
    assert "briefs/alpha.yaml:1:1: error: summary: is required" in result.stderr


def test_duplicate_ids_across_files(publication, run):
    root = publication({"alpha": VALID, "beta": BETA, "nested/other": VALID})
    result = run(root, "validate")
    assert result.exit_code == 1
    assert "briefs/nested/other.yaml:1:5: error: id: id 'alpha' is already used by briefs/alpha.yaml" in result.stderr


def test_region_no_is_norway(publication, run):
    root = publication({"alpha": replace_line(VALID, 7, "regions: [NO, SE]"), "beta": BETA})
    assert run(root, "validate").exit_code == 0


def test_the_written_out_region_codes_are_cldr_s():
    """A region is checked against a list written in the code (no locale data loaded to check one);
    it must stay what Babel's CLDR gives: a Babel upgrade that adds or drops a region fails here."""
    from signalbrief.model import REGION_CODES, cldr_region_codes

    assert cldr_region_codes() == REGION_CODES
    assert {"GB", "US", "CN", "EU", "NO"} <= REGION_CODES and not {"UK", "ZZ", "XK"} & REGION_CODES


def test_checking_a_region_loads_no_locale_data(publication, run, monkeypatch):
    from signalbrief import model

    model.territories.cache_clear()
    root = publication({"alpha": replace_line(VALID, 7, "regions: [NO, SE]"), "beta": BETA})
    assert run(root, "validate").exit_code == 0
    assert model.territories.cache_info().currsize == 0


def test_section_may_cite_the_briefs_sources_and_its_own(publication, run):
    root = publication({"alpha": replace_line(VALID, 25, "      - en: Public [1] and own [2]."), "beta": BETA})
    assert run(root, "validate").exit_code == 0


def test_markdown_links_are_not_citations(publication, run):
    text = "  en: See [3](https://example.org) and [x][3] and ![3](https://example.org/a.png) [1]."
    root = publication({"alpha": replace_line(VALID, 14, text), "beta": BETA})
    assert run(root, "validate").exit_code == 0


def test_citations_are_told_from_other_brackets_by_the_character_before_and_after():
    from signalbrief.validate import CITATION

    text = "[1] ![2] ][3] \\[4] [5](x) [6][r] [7]: a[8] [[9]] [10]"
    assert CITATION.findall(text) == ["1", "8", "9", "10"]
    assert [m.start() for m in CITATION.finditer(text)] == [0, 39, 44, 49]


def test_uncited_source_is_a_warning_that_fails_only_with_strict(publication, run):
    text = VALID.replace("signed a memorandum [1].", "signed a memorandum.").replace("channels [1].", "channels.")
    root = publication({"alpha": text, "beta": BETA})
    result = run(root, "validate")
    assert result.exit_code == 0
    assert "briefs/alpha.yaml:18:5: warning: sources[0]: source [1] is never cited" in result.stderr
    assert run(root, "validate", "--strict").exit_code == 1


def test_draft_see_also_target_is_a_warning(publication, run):
    root = publication({"alpha": VALID, "beta": "draft: true\n" + BETA})
    result = run(root, "validate")
    assert result.exit_code == 0
    assert "briefs/alpha.yaml:20:12: warning: see_also[0]: 'beta' is a draft" in result.stderr


def test_file_name_is_the_default_id(publication, run):
    root = publication({"alpha": VALID, "Beta Brief": BETA})
    result = run(root, "validate")
    assert "briefs/Beta Brief.yaml:1:1: error: id: the file name 'Beta Brief' is not a valid id" in result.stderr


def test_ten_mistakes_are_all_reported_each_at_its_line(publication, run):
    broken = VALID
    for line, new in [
        (2, "date: 2024-13-01"),
        ((3, 5), "signal: bare\n#\n#"),
        (6, "type: treaty"),
        (7, "regions: [UK]"),
        (8, "market_class: case-files"),
        (10, "  score: 2"),
        (12, "  basis: rumour"),
        (14, "  en: yes"),
        (20, "see_also: [nowhere]"),
        (22, "  - tier: gold"),
    ]:
        broken = replace_line(broken, line, new)
    root = publication({"alpha": broken, "beta": BETA})
    result = run(root, "validate")
    errors = [row for row in result.stderr.splitlines() if ": error: " in row]
    lines = sorted(int(row.split(":")[1]) for row in errors)
    assert lines == [2, 3, 6, 7, 8, 10, 12, 14, 20, 22], errors
    assert result.stderr.splitlines()[-1] == "2 briefs checked: 10 errors, 0 warnings"
    assert result.exit_code == 1


def test_validate_given_paths_only_reports_those(publication, run):
    root = publication({"alpha": VALID, "beta": BETA, "broken": "date: [\n"})
    result = run(root, "validate", "briefs/alpha.yaml")
    assert result.exit_code == 0
    assert result.stderr.strip() == "1 brief checked: 0 errors, 0 warnings"


def test_validate_missing_path_is_a_usage_error(publication, run):
    result = run(publication(), "validate", "briefs/nope.yaml")
    assert result.exit_code == 2
    assert "error: briefs/nope.yaml: no such file or folder" in result.stderr


def test_machine_text_is_marked(publication):
    from signalbrief.validate import validate

    root = publication({"alpha": replace_line(VALID, 5, "  zh: !mt 美英签署"), "beta": BETA})
    report = validate(root)
    alpha = next(b for b in report.briefs if b.id == "alpha")
    assert alpha.brief.signal.machine == frozenset({"zh"})
    assert alpha.brief.summary.machine == frozenset()


def test_unknown_key_with_empty_value_is_still_unknown(publication, run):
    # `{en: models, systems and agents}` splits at the commas into keys with empty values.
    text = replace_line(VALID, (4, 5), "  {en: models, systems and agents}")
    text = replace_line(text, 3, "signal:")
    root = publication({"alpha": text, "beta": BETA})
    result = run(root, "validate")
    assert (
        "briefs/alpha.yaml:4:16: error: signal.systems and agents: unknown key; expected one of: en, zh"
        in result.stderr
    )


@pytest.mark.parametrize("given", [[], ["briefs"], ["briefs/linked.yaml"]], ids=["all", "a-folder", "the-file"])
def test_symlink_to_a_file_outside_the_publication_is_not_read(publication, run, tmp_path, given):
    root = publication({"alpha": VALID, "beta": BETA})
    outside = tmp_path / "secret.yaml"
    outside.write_text("secret: data\n", encoding="utf-8")
    (root / "briefs" / "linked.yaml").symlink_to(outside)
    result = run(root, "validate", *given)
    assert result.exit_code == 1
    assert "briefs/linked.yaml: error: links to a file outside the publication; refusing to read it" in result.stderr
    assert "secret" not in result.stderr.replace("linked", "")


def test_symlink_inside_the_publication_is_read_under_its_own_name(publication, run):
    root = publication({"alpha": VALID, "beta": BETA})
    (root / "briefs" / "nested").mkdir()
    (root / "briefs" / "nested" / "gamma.yaml").symlink_to(root / "briefs" / "beta.yaml")
    result = run(root, "validate")
    assert result.exit_code == 0  # its id comes from the link's own name, gamma
    assert result.stderr.strip() == "3 briefs checked: 0 errors, 0 warnings"


def test_paths_outside_the_publication_are_a_usage_error(publication, run, tmp_path):
    other = tmp_path / "elsewhere.yaml"
    other.write_text(VALID, encoding="utf-8")
    result = run(publication(), "validate", str(other))
    assert result.exit_code == 2
    assert "outside the publication folder" in result.stderr


@pytest.mark.parametrize(
    ("summary", "where"),
    [
        ("  en: 'It''s cited [1] and [9], not [9][x].'", "14:28"),
        ('  en: "A \\"quote\\" \\u4e2d [1] then [9]."', "14:36"),
        ("  en: >-\n    Folded [1] text\n    that cites [9] on its second line.", "16:16"),
        ("  en: |\n    Literal [1]\n\n      [9] indented more", "17:7"),
        ("  en: Plain text\n    wrapped, then [1] and\n    [9].", "16:5"),
        ("  en: Twice [9] and again [9].", ("14:13", "14:27")),
        ("  zh: 美英签署 [1] 与 [9]。", "14:18"),
    ],
)
def test_citation_errors_point_at_the_citation(publication, run, summary, where):
    root = publication({"alpha": replace_line(VALID, 14, summary), "beta": BETA})
    result = run(root, "validate")
    found = [row.split(": error:")[0] for row in result.stderr.splitlines() if "[9] cites" in row]
    assert found == [f"briefs/alpha.yaml:{w}" for w in ((where,) if isinstance(where, str) else where)], result.stderr


@pytest.mark.parametrize(
    ("line", "new", "expected"),
    [
        ((13, 14), "sumary:\n  en: Text [1].", "13:1: error: sumary: unknown key (did you mean 'summary'?)"),
        (10, "  scor: 0.92", "10:3: error: confidence.scor: unknown key (did you mean 'score'?)"),
        (4, "  EN: US and UK sign", "4:3: error: signal.EN: unknown key (did you mean 'en'?)"),
    ],
)
def test_mistyped_key_is_reported_once_not_also_as_missing(publication, run, line, new, expected):
    root = publication({"alpha": replace_line(VALID, line, new), "beta": BETA})
    result = run(root, "validate")
    assert result.exit_code == 1
    errors = [row for row in result.stderr.splitlines() if ": error: " in row]
    assert errors == [f"briefs/alpha.yaml:{expected}"], result.stderr


@pytest.mark.parametrize(
    ("name", "broken"),
    [
        ("beta", "date: [2024\n"),  # the file name is the id
        ("second", "# Beta\nid: 'beta'  # the id\ndate: [2024\n"),  # the id is written in the file
        ("beta", b"date: 2024-04-02\nsignal: {en: caf\xe9}\n"),  # not UTF-8
    ],
)
def test_link_to_a_brief_that_cannot_be_parsed_is_not_unknown(publication, run, name, broken):
    root = publication({"alpha": VALID, name: broken})
    result = run(root, "validate")
    assert result.exit_code == 1
    assert f"briefs/{name}.yaml:" in result.stderr
    assert "see_also" not in result.stderr, result.stderr
    assert run(root, "validate", "briefs/alpha.yaml").exit_code == 0


def test_link_to_a_missing_brief_is_still_unknown_beside_a_broken_one(publication, run):
    root = publication({"alpha": replace_line(VALID, 20, "see_also: [gamma]"), "beta": "date: [\n"})
    result = run(root, "validate")
    assert "briefs/alpha.yaml:20:12: error: see_also[0]: no brief has the id 'gamma'" in result.stderr


PARAGRAPH_LINK = replace_line(
    VALID, 16, "  - en: The agreement turns summit commitments into working channels [1].\n    see_also: beta"
)


def test_paragraph_link_to_a_draft_is_a_warning(publication, run):
    root = publication({"alpha": PARAGRAPH_LINK, "beta": "draft: true\n" + BETA})
    result = run(root, "validate")
    assert result.exit_code == 0
    assert "briefs/alpha.yaml:17:15: warning: body[0].see_also: 'beta' is a draft" in result.stderr


def test_paragraph_links_are_checked_again_from_the_remembered_outcome(publication, run):
    """A file unchanged since the last run is not parsed again: its paragraph links are remembered,
    so removing the brief they name is still an error, at the link."""
    root = publication({"alpha": PARAGRAPH_LINK.replace("see_also: [beta]", "see_also: []"), "beta": BETA})
    assert run(root, "validate").exit_code == 0
    (root / "briefs" / "beta.yaml").unlink()
    result = run(root, "validate")
    assert "briefs/alpha.yaml:17:15: error: body[0].see_also: no brief has the id 'beta'" in result.stderr
