"""Model packages: install from a local file, list, remove, download (from a loopback server)."""

from __future__ import annotations

import errno
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import warnings
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


PACKAGE = {"pkg/metadata.json": '{"from_code": "en", "to_code": "zh"}', "pkg/model/model.bin": "m", "pkg/sentencepiece.model": "s"}


def _zip(archive, entries: list[tuple[zipfile.ZipInfo | str, str]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(archive, "w") as package:
            for name, content in entries:
                package.writestr(name, content)


def _bad_crc(archive) -> None:
    _zip(archive, list(PACKAGE.items()))
    data = bytearray(archive.read_bytes())
    at = data.index(b"m", data.index(b"pkg/model/model.bin") + len("pkg/model/model.bin"))
    data[at] = ord("n")
    archive.write_bytes(bytes(data))


def _encrypted(archive) -> None:
    with zipfile.ZipFile(archive, "w") as package:
        for name, content in PACKAGE.items():
            package.writestr(name, content)
        package.infolist()[1].flag_bits |= 0x1  # the directory says encrypted


def _unknown_method(archive) -> None:
    with zipfile.ZipFile(archive, "w") as package:
        for name, content in PACKAGE.items():
            package.writestr(name, content)
        package.infolist()[1].compress_type = 99  # the directory says 99; the data is stored


CRAFTED = {
    "empty name": (lambda a: _zip(a, [*PACKAGE.items(), (zipfile.ZipInfo(""), "x")]), "an entry with an empty name"),
    "dot name": (lambda a: _zip(a, [*PACKAGE.items(), (".", "x")]), "an entry with an empty name ('.')"),
    "metadata not an object": (
        lambda a: _zip(a, [*PACKAGE.items(), ("pkg/metadata.json", "[1, 2]")][1:]),
        "not an en/zh translation package",
    ),
    "duplicate metadata": (
        lambda a: _zip(a, [*PACKAGE.items(), ("pkg/metadata.json", "{}")]),
        "the entry 'pkg/metadata.json' appears twice",
    ),
    "over-long folder name": (lambda a: _zip(a, [("p" * 300 + "/metadata.json", "{}")]), "longer than 255 bytes"),
    "bad CRC": (_bad_crc, "damaged package: Bad CRC-32"),
    "encrypted entry": (_encrypted, "the entry 'pkg/model/model.bin' is encrypted"),
    "unknown compression": (_unknown_method, "the entry 'pkg/model/model.bin' uses an unknown compression method (99)"),
}


@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
def test_crafted_archives_are_one_line_errors(models_folder, run, tmp_path, case):
    make, message = CRAFTED[case]
    archive = tmp_path / "crafted.argosmodel"
    make(archive)
    result = run(tmp_path, "models", "install", "--file", str(archive))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]  # one line
    assert result.stderr.startswith(f"error: {archive}: ")
    assert message in result.stderr
    assert _nothing_left(models_folder)
    assert {p.name for p in tmp_path.iterdir()} <= {"crafted.argosmodel", "models"}  # nothing written outside


def test_full_disk_while_unpacking_exits_4(models_folder, glossary_packages, run, tmp_path, monkeypatch):
    def full(source, target, *args, **kwargs):
        target.write(source.read(10))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", full)  # zipfile unpacks each entry with it
    archive = glossary_packages["en-zh"]
    result = run(tmp_path, "models", "install", "--file", str(archive))
    assert result.exit_code == 4
    assert result.stderr.strip() == f"error: {archive}: cannot unpack into {models_folder}: No space left on device"
    assert _nothing_left(models_folder)


def test_a_failed_reinstall_keeps_the_installed_model(installed_models, run, tmp_path):
    archive = tmp_path / "crafted.argosmodel"
    _bad_crc(archive)
    assert run(tmp_path, "models", "install", "--file", str(archive)).exit_code == 1
    assert len(models.installed()) == 2
    assert sorted(p.name for p in installed_models.iterdir()) == [m.name for m in models.installed()]


def test_not_a_zip_is_refused(models_folder, run, tmp_path):
    archive = tmp_path / "x.argosmodel"
    archive.write_text("not a zip")
    result = run(tmp_path, "models", "install", "--file", str(archive))
    assert result.exit_code == 1
    assert "not a readable .argosmodel (zip) file" in result.stderr


def test_install_needs_a_direction_or_a_file(models_folder, run, tmp_path):
    assert run(tmp_path, "models", "install").exit_code == 2
    assert run(tmp_path, "models", "install", "en", "fr").exit_code == 2


@pytest.fixture
def server():
    """A loopback HTTP server: `serve({path: body or status})` returns its base address."""
    served: dict[str, bytes | int] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = served.get(self.path, 404)
            if isinstance(body, int):
                self.send_error(body)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"

    def serve(files: dict[str, bytes | int]) -> str:
        served.update(files)
        return base

    yield serve
    httpd.shutdown()
    httpd.server_close()


def _entry(source: str, target: str, version: str, *links: str) -> dict:
    return {"type": "translate", "from_code": source, "to_code": target, "package_version": version, "links": list(links)}


def _nothing_left(folder) -> bool:
    return not folder.exists() or list(folder.iterdir()) == []


def test_download_installs_the_newest_package_the_index_lists(
    models_folder, glossary_packages, server, run, tmp_path, monkeypatch
):
    package = glossary_packages["en-zh"].read_bytes()
    base = server({"/pkg/en_zh.argosmodel": package, "/gone.argosmodel": 404})
    index = [
        _entry("en", "zh", "0.9", f"{base}/old.argosmodel"),
        _entry("en", "zh", "1.0", f"{base}/gone.argosmodel", f"{base}/pkg/en_zh.argosmodel"),
        _entry("en", "de", "2.0", f"{base}/other.argosmodel"),
    ]
    server({"/index.json": json.dumps(index).encode()})
    monkeypatch.setenv("SIGNALBRIEF_MODEL_INDEX", f"{base}/index.json")
    result = run(tmp_path, "models", "install", "en", "zh")
    assert result.exit_code == 0, result.stderr
    assert "downloading the en->zh model from the Argos package index" in result.stderr
    assert [m.direction for m in models.installed()] == ["en-zh"]
    assert [p.name for p in models_folder.iterdir()] == ["translate-en_zh-glossary"]  # no download left
    missing = run(tmp_path, "models", "install", "zh", "en")
    assert missing.exit_code == 1
    assert "the Argos package index has no zh->en package" in missing.stderr


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"/index.json": b"<html>"}, "the model index is not valid JSON"),
        ({"/index.json": b'{"a": 1}'}, "the model index is not a list of packages"),
        ({"/index.json": json.dumps([_entry("en", "zh", "1", "file:///etc/passwd")]).encode()}, "no http(s) download"),
        ({"/index.json": 500}, "cannot reach the model index"),
        ({"/index.json": json.dumps([_entry("en", "zh", "1", "BASE/p.argosmodel")]).encode()}, "HTTP 404"),
        (
            {"/index.json": json.dumps([_entry("en", "zh", "1", "BASE/p.argosmodel")]).encode(), "/p.argosmodel": b"x"},
            "not a readable .argosmodel (zip) file",
        ),
    ],
)
def test_bad_index_or_package_is_one_clear_error(models_folder, server, run, tmp_path, monkeypatch, files, message):
    base = server({})
    server({path: body.replace(b"BASE", base.encode()) if isinstance(body, bytes) else body for path, body in files.items()})
    monkeypatch.setenv("SIGNALBRIEF_MODEL_INDEX", f"{base}/index.json")
    result = run(tmp_path, "models", "install", "en", "zh")
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.splitlines()) <= 3
    assert _nothing_left(models_folder)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _install_offline(models_folder, tmp_path, wrapper: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        [*wrapper, sys.executable, "-m", "signalbrief", "models", "install", "en", "zh"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "SIGNALBRIEF_MODELS": str(models_folder), **env},
    )
    return result, time.monotonic() - started


def _assert_fails_fast_and_clearly(result: subprocess.CompletedProcess, took: float, models_folder) -> None:
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) <= 3, result.stderr[:2000]
    assert "Traceback" not in result.stderr
    assert lines[1].startswith("error: cannot reach the model index ")
    assert "signalbrief models install --file PATH" in lines[2]
    assert "argospm-index" in result.stderr  # where models come from
    assert took < 15
    assert _nothing_left(models_folder)


def test_install_with_the_index_refusing_fails_fast_in_three_lines(models_folder, tmp_path):
    index = f"http://127.0.0.1:{_closed_port()}/index.json"
    result, took = _install_offline(models_folder, tmp_path, [], {"SIGNALBRIEF_MODEL_INDEX": index})
    _assert_fails_fast_and_clearly(result, took, models_folder)
    assert "Connection refused" in result.stderr


def test_install_without_network_fails_fast_in_three_lines(models_folder, tmp_path):
    """The real default index, in a network namespace with no network at all."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rn", "true"]).returncode != 0:
        pytest.skip("cannot make a network namespace here")
    env = {"SIGNALBRIEF_MODEL_INDEX": ""}
    result, took = _install_offline(models_folder, tmp_path, ["unshare", "-rn"], env)
    _assert_fails_fast_and_clearly(result, took, models_folder)
    assert "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json" in result.stderr


def test_an_index_that_never_answers_times_out(models_folder, run, tmp_path, monkeypatch):
    from signalbrief.translate import download

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # connections are queued, never answered
    monkeypatch.setattr(download, "TIMEOUT", 0.5)
    monkeypatch.setenv("SIGNALBRIEF_MODEL_INDEX", f"http://127.0.0.1:{silent.getsockname()[1]}/index.json")
    started = time.monotonic()
    result = run(tmp_path, "models", "install", "en", "zh")
    silent.close()
    assert result.exit_code == 1
    assert "cannot reach the model index" in result.stderr
    assert "no answer within 0.5 s" in result.stderr
    assert time.monotonic() - started < 5
    assert _nothing_left(models_folder)


def test_network_timeout_is_at_most_10_seconds():
    from signalbrief.translate import download

    assert 0 < download.TIMEOUT <= 10


def test_the_compressions_a_package_may_use_are_zipfile_s_own():
    allowed = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
    assert allowed == models._COMPRESSIONS  # written out so that listing models imports no zipfile
