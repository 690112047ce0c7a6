"""The small commands, global options and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from signalbrief import __version__
from signalbrief.cli import cli
from signalbrief.loader import Scalar, load_file
from tests.conftest import TIER, VALID, copy_publication

REPO = Path(__file__).resolve().parent.parent
CUSTOM_CONFIG = TIER + "vocabularies:\n  type:\n    export-control: {en: Export control, zh: 出口管制}\n"


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"signalbrief, version {__version__}"


def test_unknown_command_is_a_usage_error():
    assert CliRunner().invoke(cli, ["publish"]).exit_code == 2


def test_missing_publication_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["-C", str(tmp_path / "nope"), "validate"])
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("0.92", "0.92: A — High — direct sources / 高——直接来源"),
        ("0.90", "0.90: A"),
        ("0.89", "0.89: A/B"),
        ("0.55", "0.55: B/C — Medium / 中等"),
        ("0.1", "0.1: D — Weak signal"),
        ("0", "0: D — Internal monitoring"),
        ("1", "1: A"),
    ],
)
def test_grade_bands(publication, run, score, expected):
    result = run(publication(), "grade", score)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(expected)


def test_grade_prints_the_table_with_the_band_marked(publication, run):
    lines = run(publication(), "grade", "0.6").stdout.splitlines()
    assert lines[1:] == [
        "  0.90–1.00  A    High — direct sources / 高——直接来源",
        "  0.75–0.89  A/B  Strong / 强",
        "* 0.55–0.74  B/C  Medium / 中等",
        "  0.35–0.54  C/D  Weak–medium / 弱至中等",
        "  0.10–0.34  D    Weak signal / 弱信号",
        "  0.00–0.09  D    Internal monitoring / 内部监测",
    ]


@pytest.mark.parametrize("score", ["1.3", "1.01", "abc", "1e-1", "012"])
def test_grade_rejects_bad_scores(publication, run, score):
    result = run(publication(), "grade", score)
    assert result.exit_code == 2
    assert f"error: '{score}' is not a score from 0.00 to 1.00" in result.stderr


def test_init_creates_a_valid_publication_and_keeps_existing_files(tmp_path, run):
    target = tmp_path / "desk"
    result = run(tmp_path, "init", "desk")
    assert result.exit_code == 0
    assert (target / "signalbrief.yaml").is_file()
    assert run(target, "validate").exit_code == 0
    (target / "signalbrief.yaml").write_text("title: {en: Mine, zh: 我的}\n", encoding="utf-8")
    again = run(tmp_path, "init", "desk")
    assert "signalbrief.yaml: exists, left as it is" in again.stdout
    assert (target / "signalbrief.yaml").read_text(encoding="utf-8") == "title: {en: Mine, zh: 我的}\n"


def test_new_creates_a_valid_draft_and_never_overwrites(publication, run):
    root = publication()
    result = run(root, "new", "eu-chips-act-review")
    assert result.exit_code == 0
    path = root / "briefs" / "eu-chips-act-review.yaml"
    text = path.read_text(encoding="utf-8")
    assert f"date: {date.today().isoformat()}" in text
    assert "draft: true" in text
    assert run(root, "validate").exit_code == 0
    path.write_text(text + "# my edit\n", encoding="utf-8")
    second = run(root, "new", "eu-chips-act-review")
    assert second.exit_code == 2  # a usage error: the id is taken, no input is invalid
    assert "error: briefs/eu-chips-act-review.yaml already exists; nothing was changed" in second.stderr
    assert path.read_text(encoding="utf-8").endswith("# my edit\n")


def test_new_rejects_a_bad_id(publication, run):
    result = run(publication(), "new", "../escape")
    assert result.exit_code == 2
    assert not (Path(publication()) / "escape.yaml").exists()


def json_view(value):
    """What a YAML 1.2 editor (the VS Code YAML extension) sees for loader data."""
    if isinstance(value, dict):
        return {k: json_view(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_view(v) for v in value]
    if isinstance(value, Scalar):
        if value.kind in ("int", "float"):
            return float(value.raw)
        if value.kind == "bool":
            return value.raw == "true"
        return None if value.kind == "null" else value.raw
    return str(value)


def test_schema_is_valid_2020_12_and_accepts_every_example_brief(run):
    result = run(REPO, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    briefs = sorted((REPO / "briefs").rglob("*.yaml"))
    assert len(briefs) >= 3
    for path in briefs:
        errors = list(validator.iter_errors(json_view(load_file(path).data)))
        assert errors == [], (path, errors)


def test_schema_rejects_what_the_validator_rejects(run, publication):
    schema = json.loads(run(publication(), "schema").stdout)
    validator = jsonschema.Draft202012Validator(schema)
    data = json_view(load_file(publication() / "briefs" / "alpha.yaml").data)
    assert not list(validator.iter_errors(data))
    for field, bad in [("type", "treaty"), ("regions", ["XX"]), ("signal", "bare"), ("sumary", {"en": "x"})]:
        assert list(validator.iter_errors({**data, field: bad})), field


def test_schema_reflects_the_publications_tiers_and_terms(publication, run):
    schema = json.loads(run(publication(config=CUSTOM_CONFIG), "schema").stdout)
    assert schema["$defs"]["Section"]["properties"]["tier"]["enum"] == ["public", "insiders"]
    assert "export-control" in schema["properties"]["type"]["enum"]


def test_brief_with_custom_tier_and_term_validates(publication, run):
    brief = VALID.replace("tier: strategy-circle", "tier: insiders").replace("policy-agreement", "export-control")
    beta = brief.replace("id: alpha", "id: beta").replace("[beta]", "[alpha]")
    root = publication({"alpha": brief, "beta": beta}, CUSTOM_CONFIG)
    result = run(root, "validate")
    assert result.exit_code == 0, result.stderr
    old_tier = run(
        publication({"alpha": VALID, "beta": brief.replace("id: alpha", "id: beta")}, CUSTOM_CONFIG), "validate"
    )
    assert "'strategy-circle' is not allowed" in old_tier.stderr


def test_this_repositorys_publication_is_valid_without_warnings(run, tmp_path):
    result = run(copy_publication(REPO, tmp_path / "pub"), "validate", "--strict")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "3 briefs checked: 0 errors, 0 warnings"


def test_quiet_and_verbose(publication, run):
    text = VALID.replace("signed a memorandum [1].", "signed a memorandum.").replace("channels [1].", "channels.")
    root = publication({"alpha": text, "beta": VALID.replace("id: alpha", "id: beta").replace("[beta]", "[alpha]")})
    assert run(root, "-q", "validate").stderr == ""
    verbose = run(root, "-v", "validate").stderr.splitlines()
    assert "briefs/alpha.yaml: see above" in verbose
    assert "briefs/beta.yaml: ok" in verbose


# Loads the command line as the console script does, runs it, and writes the modules it loaded.
LOADED_MODULES = """
import sys
from signalbrief import cli
from signalbrief.cli import main
cli._leave_now = lambda: None  # a finished build leaves without the teardown: the listing is written after
out, sys.argv = sys.argv[1], ["signalbrief", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
with open(out, "w", encoding="utf-8") as listing:
    listing.write("\\n".join(sys.modules))
"""
HEAVY = {"jinja2", "markupsafe", "markdown_it", "argostranslate", "ctranslate2", "sentencepiece", "watchfiles"}
HEAVY |= {"numpy", "sqlite3", "signalbrief.build", "signalbrief.serve", "signalbrief.render"}
# What `validate` needs; `--version` and `--help` need none of it.
VALIDATING = {"pydantic", "yaml", "babel", "signalbrief.config", "signalbrief.validate"}


def loaded_modules(tmp_path: Path, *args: str) -> set[str]:
    listing = tmp_path / "modules.txt"
    subprocess.run([sys.executable, "-c", LOADED_MODULES, str(listing), *args], cwd=tmp_path, check=False)
    return set(listing.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["validate", "--help"], ["build", "--help"]])
def test_version_and_help_load_nothing_heavy(tmp_path, args):
    loaded = loaded_modules(tmp_path, *args)
    assert "click" in loaded
    assert {name.split(".")[0] for name in loaded} & (HEAVY | VALIDATING) == set()
    assert loaded & (HEAVY | VALIDATING) == set()


def test_validate_loads_no_renderer_translator_or_server(tmp_path, publication):
    loaded = loaded_modules(publication(), "validate")
    assert "signalbrief.validate" in loaded
    assert {name.split(".")[0] for name in loaded} & HEAVY == set()
    assert loaded & HEAVY == set()


def test_a_build_without_email_loads_no_email_headers_or_css_inliner(publication):
    root = publication()
    loaded = loaded_modules(root, "build", "--allow-untranslated")
    assert "signalbrief.formats.email" in loaded and (root / "site/public/en/alpha/index.html").is_file()
    assert loaded & {"email.headerregistry", "email.policy", "css_inline"} == set()


_WITH_TEARDOWN = "import atexit; atexit.register(print, 'teardown'); from signalbrief.cli import main; main()"


def test_a_finished_build_leaves_without_the_interpreter_s_teardown(publication):
    root = publication()
    command = [sys.executable, "-c", _WITH_TEARDOWN, "-C", str(root)]
    built = subprocess.run([*command, "build", "--allow-untranslated"], capture_output=True, text=True)
    assert built.returncode == 0 and "teardown" not in built.stdout
    assert "built 2 briefs into site" in built.stderr  # everything it printed came out
    assert (root / "site/public/en/alpha/index.html").is_file()
    failed = subprocess.run([*command, "build", "--edition", "nope"], capture_output=True, text=True)
    assert failed.returncode == 2 and failed.stdout == "teardown\n"  # any other exit is Python's own
    checked = subprocess.run([*command, "validate"], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.endswith("teardown\n")


def test_the_program_collects_garbage_cycles_later_than_python_s_default_but_still_collects_them(publication):
    script = (
        "import atexit, gc; from signalbrief.cli import main; from signalbrief.collector import STARTING_YOUNG\n"
        "def report():\n"
        "    class Cycle: pass\n"
        "    before = gc.get_count()[0]\n"
        "    for _ in range(2 * STARTING_YOUNG):\n"
        "        first, second = Cycle(), Cycle(); first.other, second.other = second, first\n"
        "    print(gc.get_threshold()[0] == STARTING_YOUNG > 700, gc.isenabled(), gc.get_count()[0] < STARTING_YOUNG)\n"
        "atexit.register(report); main()"
    )
    checked = subprocess.run([sys.executable, "-c", script, "-C", str(publication()), "validate"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines()[-1] == "True True True"  # 400,000 objects in cycles made: collected on the way


def test_a_finished_build_leaves_quietly_with_stdout_closed(publication):
    root = publication()
    script = (
        "import sys; sys.stdout = None; from signalbrief.cli import main; main()"  # as Python starts with fd 1 closed
    )
    built = subprocess.run(
        [sys.executable, "-c", script, "-C", str(root), "build", "--allow-untranslated"], capture_output=True, text=True
    )
    assert built.returncode == 0 and "Traceback" not in built.stderr, built.stderr
    assert "built 2 briefs into site" in built.stderr
