"""Model packages: install from a local file, list, remove, download (with the index faked)."""

from __future__ import annotations

import zipfile

import pytest

from signalbrief.translate import models


def test_install_list_and_remove(installed_models, run, tmp_path):
    listing = run(tmp_path, "models", "list")
    assert listing.stdout.splitlines() == [
        "en -> zh  translate-en_zh-glossary  version 1.0",
        "zh -> en  translate-zh_en-glossary  version 1.0",
    ]
    assert listing.stderr.strip() == f"2 models in {installed_models}"
    removed = run(tmp_path, "models", "remove", "en", "zh")
    assert removed.stdout.strip() == "removed translate-en_zh-glossary"
    assert [m.name for m in models.installed()] == ["translate-zh_en-glossary"]
    again = run(tmp_path, "models", "remove", "en", "zh")
    assert again.exit_code == 1
    assert "no installed model matches en zh" in again.stderr


def test_reinstall_replaces_the_same_package(installed_models, glossary_packages, run, tmp_path):
    assert run(tmp_path, "models", "install", "--file", str(glossary_packages["en-zh"])).exit_code == 0
    assert len(models.installed()) == 2


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil/metadata.json": "{}"}, "refusing a package with the path '../evil/metadata.json'"),
        ({"a/metadata.json": "{}", "b/metadata.json": "{}"}, "a package holds exactly one folder (found 2)"),
        ({"pkg/metadata.json": '{"from_code": "en", "to_code": "fr"}'}, "not an en/zh translation package"),
    ],
)
def test_bad_packages_are_refused(models_folder, run, tmp_path, members, message):
    archive = tmp_path / "bad.argosmodel"
    with zipfile.ZipFile(archive, "w") as package:
        for name, content in members.items():
            package.writestr(name, content)
    result = run(tmp_path, "models", "install", "--file", str(archive))
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "evil").exists()
    assert models.installed() == []


def test_not_a_zip_is_refused(models_folder, run, tmp_path):
    archive = tmp_path / "x.argosmodel"
    archive.write_text("not a zip")
    result = run(tmp_path, "models", "install", "--file", str(archive))
    assert result.exit_code == 1
    assert "not a readable .argosmodel (zip) file" in result.stderr


def test_install_needs_a_direction_or_a_file(models_folder, run, tmp_path):
    assert run(tmp_path, "models", "install").exit_code == 2
    assert run(tmp_path, "models", "install", "en", "fr").exit_code == 2


def test_download_installs_what_the_index_offers(models_folder, glossary_packages, run, tmp_path, monkeypatch):
    """The network part is argostranslate's; here its index is replaced so nothing leaves the machine."""
    import argostranslate.package as argos_package

    class Offer:
        from_code, to_code = "en", "zh"

        def download(self):
            return str(glossary_packages["en-zh"])

    monkeypatch.setattr(argos_package, "update_package_index", lambda: None)
    monkeypatch.setattr(argos_package, "get_available_packages", lambda: [Offer()])
    result = run(tmp_path, "models", "install", "en", "zh")
    assert result.exit_code == 0, result.stderr
    assert "downloading the en->zh model from the Argos package index" in result.stderr
    assert [m.direction for m in models.installed()] == ["en-zh"]
    monkeypatch.setattr(argos_package, "get_available_packages", lambda: [])
    missing = run(tmp_path, "models", "install", "zh", "en")
    assert missing.exit_code == 1
    assert "the Argos package index has no zh->en package" in missing.stderr


def test_download_failure_is_a_clear_error(models_folder, run, tmp_path, monkeypatch):
    import argostranslate.package as argos_package

    def offline():
        raise OSError("network is unreachable")

    monkeypatch.setattr(argos_package, "update_package_index", offline)
    result = run(tmp_path, "models", "install", "en", "zh")
    assert result.exit_code == 1
    assert "cannot download the en->zh model: network is unreachable" in result.stderr
