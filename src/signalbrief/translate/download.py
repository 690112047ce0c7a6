"""`signalbrief models install en zh`: fetch the Argos package index, then the package it lists.

argostranslate's own `update_package_index` has no timeout and swallows a network error; with no
index file written, `get_available_packages` then calls it again, and again, until Python's
recursion limit (about a thousand failed lookups, one error line each). Here each address is asked
once, within a deadline, and a failure is one message that also says how to install without network.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path, PurePosixPath

from signalbrief.errors import OutputError, UsageError
from signalbrief.languages import written_codes
from signalbrief.translate.models import (
    MAX_PACKAGE_BYTES,
    ModelError,
    ModelInfo,
    hidden_folder,
    install_file,
    models_dir,
    version_key,
)

INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
INDEX_ENV = "SIGNALBRIEF_MODEL_INDEX"  # another index: a mirror, or a test's server
TIMEOUT = 10.0  # seconds to connect (name lookup included), and for each read after that
MAX_INDEX_BYTES = 16 * 1024**2
CHUNK = 1024**2


class Unreachable(Exception):
    """A request failed; the message is the short reason."""


def index_url() -> str:
    return os.environ.get(INDEX_ENV) or INDEX_URL


def download(source: str, target: str, folder: Path | None = None) -> ModelInfo:
    """Download the package for a direction from the Argos package index and install it."""
    if source not in written_codes() or target not in written_codes() or source == target:
        raise UsageError("models install takes a direction: en zh, or zh en")
    folder = folder or models_dir()
    url = index_url()
    try:
        index = _fetch(url, MAX_INDEX_BYTES)
    except Unreachable as exc:
        raise ModelError(f"cannot reach the model index {url}: {exc}\n{offline_hint(source, target)}") from None
    links = _links(index, url, source, target)
    work = hidden_folder(folder, "download")
    try:
        return install_file(_fetch_package(links, work, source, target), folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def offline_hint(source: str, target: str) -> str:
    """What to do without network, and where models come from."""
    return (
        f"without network: get the {source}->{target} .argosmodel file listed in the Argos package index "
        "(github.com/argosopentech/argospm-index) on any machine, then run "
        "`signalbrief models install --file PATH`"
    )


def _links(index: bytes, url: str, source: str, target: str) -> list[str]:
    """The download addresses of the newest package for a direction in the index."""
    try:
        entries = json.loads(index)
    except ValueError:
        raise ModelError(f"{url}: the model index is not valid JSON") from None
    if not isinstance(entries, list):
        raise ModelError(f"{url}: the model index is not a list of packages")
    offers = [
        entry
        for entry in entries
        if isinstance(entry, dict)
        and (entry.get("from_code"), entry.get("to_code")) == (source, target)
        and entry.get("type", "translate") == "translate"
    ]
    if not offers:
        raise ModelError(f"the Argos package index has no {source}->{target} package")
    best = max(offers, key=lambda entry: version_key(str(entry.get("package_version", "0"))))
    links = best.get("links")
    links = [link for link in links if isinstance(link, str)] if isinstance(links, list) else []
    links = [link for link in links if link.startswith(("https://", "http://"))]
    if not links:
        raise ModelError(f"{url}: the {source}->{target} package has no http(s) download link")
    return links


def _fetch_package(links: list[str], work: Path, source: str, target: str) -> Path:
    """Save the package from the first of its addresses that answers; each is asked once."""
    reasons = []
    for link in links:
        archive = work / _file_name(link)
        try:
            _fetch(link, MAX_PACKAGE_BYTES, archive)
            return archive
        except Unreachable as exc:
            reasons.append(f"{link}: {exc}")
    raise ModelError(
        f"cannot download the {source}->{target} model from {'; '.join(reasons)}\n{offline_hint(source, target)}"
    )


def _file_name(link: str) -> str:
    name = PurePosixPath(link.split("?")[0]).name
    return name if name.endswith(".argosmodel") and not name.startswith(".") else "package.argosmodel"


def _fetch(url: str, limit: int, into: Path | None = None) -> bytes:
    """The body at an address, or with `into` saved to that file; Unreachable on a network failure."""
    with _open(url) as response:
        if into is None:
            return b"".join(_chunks(response, limit))
        try:
            with open(into, "wb") as out:
                for chunk in _chunks(response, limit):
                    out.write(chunk)
        except OSError as exc:
            raise OutputError(f"{into}: cannot save the download: {exc.strerror or exc}") from None
        return b""


def _chunks(response, limit: int):
    import http.client

    size = 0
    while True:
        try:
            chunk = response.read(CHUNK)
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(reason(exc)) from None
        if not chunk:
            return
        size += len(chunk)
        if size > limit:
            raise Unreachable(f"larger than {limit:,} bytes")
        yield chunk


def _open(url: str):
    """Open an address within TIMEOUT seconds; urlopen's own timeout does not cover the name lookup."""
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise Unreachable("not an http(s) address")
    request = urllib.request.Request(url, headers={"User-Agent": "signalbrief"})
    result: dict = {}

    def connect() -> None:
        try:
            result["response"] = urllib.request.urlopen(request, timeout=TIMEOUT)
        except Exception as exc:  # every failure to connect is reported the same way
            result["error"] = exc

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(TIMEOUT)
    if worker.is_alive():
        raise Unreachable(f"no answer within {TIMEOUT:g} s")
    if "error" in result:
        raise Unreachable(reason(result["error"]))
    return result["response"]


def reason(exc: BaseException) -> str:
    """A network failure in a few words: `Connection refused`, `HTTP 404 Not Found`, ..."""
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        if not isinstance(exc.reason, BaseException):
            return str(exc.reason)
        exc = exc.reason
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT:g} s"
    text = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())
