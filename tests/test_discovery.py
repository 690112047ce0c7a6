"""Finding the publication: from any folder inside it, -C before or after the command, and `init`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from signalbrief.cli import cli
from signalbrief.discovery import find_publication
from tests.conftest import BETA, TIER, VALID


def sb(*args: str):
    """Run the CLI in the current folder (tests move there with monkeypatch.chdir)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


@pytest.fixture
def pub(publication) -> Path:
    return publication({"alpha": VALID, "beta": BETA.replace("date:", "id: beta\ndate:", 1)})


@pytest.mark.parametrize(
    "command",
    [["build"], ["validate"], ["translate"], ["schema"], ["grade", "0.5"], ["new", "x"]],
    ids=lambda command: command[0],
)
def test_no_publication_is_a_usage_error_and_writes_nothing(tmp_path, monkeypatch, command):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_publication(empty) is None  # the test's own folders hold no publication
    monkeypatch.chdir(empty)
    result = sb(*command)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: no publication in {empty.resolve()} or any folder above it")
    assert "signalbrief init" in result.stderr and "-C DIR" in result.stderr
    assert files_under(empty) == []


def test_serve_without_a_publication_stops_before_serving(tmp_path):
    # In a process of its own: a preview that starts serving would otherwise never return.
    result = subprocess.run(
        [sys.executable, "-m", "signalbrief", "serve", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: no publication in {tmp_path.resolve()}")
    assert files_under(tmp_path) == []


def test_every_command_finds_the_publication_from_a_folder_below(pub, monkeypatch):
    deep = pub / "briefs" / "notes" / "old"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    checked = sb("validate")
    assert checked.exit_code == 0, checked.stderr
    assert checked.stderr.strip() == "2 briefs checked: 0 errors, 0 warnings"
    assert sb("grade", "0.9").exit_code == 0
    assert sb("schema").exit_code == 0
    assert sb("new", "from-below").stdout.strip() == "created ../../from-below.yaml"
    assert (pub / "briefs" / "from-below.yaml").is_file()
    built = sb("build", "--allow-untranslated")
    assert built.exit_code == 0, built.stderr
    assert "into ../../../site:" in built.stderr
    assert (pub / "site" / "index.html").is_file()
    assert files_under(deep) == []


def test_a_config_file_alone_marks_the_publication(tmp_path, monkeypatch):
    root = tmp_path / "desk"
    (root / "notes").mkdir(parents=True)
    (root / "signalbrief.yaml").write_text(TIER, encoding="utf-8")
    monkeypatch.chdir(root / "notes")
    result = sb("validate")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "0 briefs checked: 0 errors, 0 warnings"
    schema = json.loads(sb("schema").stdout)  # the config above was read
    assert schema["$defs"]["Section"]["properties"]["tier"]["enum"] == ["public", "insiders"]
    assert find_publication(root / "notes") == root.resolve()


def test_the_nearest_publication_wins(pub, monkeypatch):
    inner = pub / "archive"
    (inner / "briefs").mkdir(parents=True)
    (inner / "briefs" / "alpha.yaml").write_text(VALID.replace("see_also: [beta]\n", ""), encoding="utf-8")
    monkeypatch.chdir(inner / "briefs")
    assert sb("validate").stderr.strip() == "1 brief checked: 0 errors, 0 warnings"


def test_paths_on_the_command_line_are_relative_to_the_current_folder(pub, monkeypatch):
    monkeypatch.chdir(pub / "briefs")
    one = sb("validate", "alpha.yaml")
    assert one.exit_code == 0, one.stderr
    assert one.stderr.strip() == "1 brief checked: 0 errors, 0 warnings"
    (pub / "briefs" / "alpha.yaml").write_text(VALID.replace("type: policy-agreement", "type: treaty"), "utf-8")
    bad = sb("validate", "alpha.yaml")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("briefs/alpha.yaml:6:7: error: type:")  # named from the publication
    missing = sb("validate", "nope.yaml")
    assert missing.exit_code == 2
    assert "briefs/nope.yaml: no such file or folder" in missing.stderr


def test_build_output_is_relative_to_the_current_folder_and_default_to_the_publication(pub, monkeypatch):
    (pub / "briefs" / "alpha.yaml").write_text(VALID.replace("see_also: [beta]\n", ""), "utf-8")
    (pub / "briefs" / "beta.yaml").unlink()
    elsewhere = pub.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = sb("-C", "../pub", "build", "--allow-untranslated", "-o", "out")
    assert result.exit_code == 0, result.stderr
    assert (pub / "out" / "index.html").is_file()  # -C changes folder first, as git's does
    monkeypatch.chdir(pub / "briefs")
    result = sb("build", "--allow-untranslated", "-o", "../../elsewhere/site")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("built 1 brief into ../../elsewhere/site:")
    assert (elsewhere / "site" / "index.html").is_file()
    assert not (pub / "site").exists()


def test_c_is_accepted_after_the_command_name(pub, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["validate", "-C", "pub"], ["-C", "pub", "validate"], ["validate", "-C", str(pub)]):
        result = sb(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr.strip() == "2 briefs checked: 0 errors, 0 warnings"
    for args in (["grade", "0.9", "-C", "pub"], ["schema", "-C", "pub"], ["new", "-C", "pub", "after"]):
        assert sb(*args).exit_code == 0, args
    assert (pub / "briefs" / "after.yaml").is_file()


def test_each_c_goes_on_from_the_one_before_and_paths_follow_it(pub, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sb("-C", "pub", "validate", "-C", "briefs", "alpha.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "1 brief checked: 0 errors, 0 warnings"


def test_c_to_a_missing_folder_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["-C", "nope", "validate"], ["validate", "-C", "nope"]):
        result = sb(*args)
        assert result.exit_code == 2
        assert result.stderr.strip() == f"error: {tmp_path.resolve() / 'nope'} is not a folder"


def test_models_commands_need_no_publication(tmp_path, monkeypatch, models_folder):
    monkeypatch.chdir(tmp_path)
    result = sb("models", "list")
    assert result.exit_code == 0, result.stderr
    assert "0 models in" in result.stderr


def test_init_refuses_a_folder_inside_a_publication(pub, monkeypatch):
    before = files_under(pub)
    monkeypatch.chdir(pub / "briefs")
    for args in (["init"], ["init", "sub"], ["init", "-C", "..", "templates"]):
        result = sb(*args)
        assert result.exit_code == 2, args
        assert result.stderr.count("\n") == 1, result.stderr
        assert f"is inside the publication {pub.resolve()}; run init in a folder outside it" in result.stderr
    assert files_under(pub) == before


def test_init_in_the_publication_itself_adds_only_what_is_missing(pub, monkeypatch):
    monkeypatch.chdir(pub)
    result = sb("init")
    assert result.exit_code == 0, result.stderr
    assert "briefs/first-brief.yaml: created" in result.stdout
    assert "signalbrief.yaml: created" in result.stdout


def test_init_writes_a_gitignore_that_keeps_the_translation_memory(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    result = sb("init", "desk")
    assert result.exit_code == 0, result.stderr
    assert "desk/.gitignore: created" in result.stdout
    desk = tmp_path / "desk"
    subprocess.run(["git", "init", "-q", str(desk)], check=True)
    ignored = ["site/index.html", ".site.previous/index.html", ".site.build-x1y2/a.html", ".signalbrief/checked.json"]
    ignored += [".signalbrief/preview/public/en/index.html", ".signalbrief/build-site.json"]
    kept = [".signalbrief/translations.sqlite", "briefs/first-brief.yaml", "signalbrief.yaml", "templates/README.md"]
    kept += ["briefs/site/note.yaml"]  # only the publication's own site/ is ignored
    for name in ignored + kept:
        (desk / name).parent.mkdir(parents=True, exist_ok=True)
        (desk / name).touch()
    check = subprocess.run(
        ["git", "-C", str(desk), "check-ignore", "--no-index", "--stdin"],
        input="\n".join(ignored + kept) + "\n",
        capture_output=True,
        text=True,
    )
    assert sorted(check.stdout.split()) == sorted(ignored)
    status = subprocess.run(
        ["git", "-C", str(desk), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "?? .signalbrief/translations.sqlite" in status.stdout.splitlines()


def test_init_leaves_an_existing_gitignore_as_it_is(tmp_path, monkeypatch):
    desk = tmp_path / "desk"
    desk.mkdir()
    (desk / ".gitignore").write_text("*.pyc\n", encoding="utf-8")
    monkeypatch.chdir(desk)
    result = sb("init")
    assert result.exit_code == 0, result.stderr
    assert ".gitignore: exists, left as it is" in result.stdout.splitlines()
    assert (desk / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n"
