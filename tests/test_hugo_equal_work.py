"""The Hugo site of the speed comparison writes what `signalbrief build --edition public --lang en
--format html` writes: the same files, and every HTML page with the same visible text. A change to
our templates that the Hugo site does not follow makes the comparison unequal work; this says so."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from build_speed import EQUAL_WORK, kinds, same_text, without_search  # noqa: E402
from hugo_site import write_site  # noqa: E402
from make_corpus import make_corpus  # noqa: E402

HUGO = shutil.which("hugo")


@pytest.mark.skipif(HUGO is None, reason="hugo is not installed")
def test_hugo_site_writes_our_pages_with_the_same_text(tmp_path: Path) -> None:
    # 120 briefs: lists and a browse facet run to a second page, some briefs share a date.
    make_corpus(tmp_path / "corpus", 120)
    folder = without_search(tmp_path / "corpus", tmp_path / "pub")
    subprocess.run(
        [sys.executable, "-m", "signalbrief", "build", "-o", str(tmp_path / "ours"), *EQUAL_WORK],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    write_site(folder, tmp_path / "site")
    subprocess.run([HUGO, "--quiet", "--source", str(tmp_path / "site"), "--destination", str(tmp_path / "hugo")], check=True)
    ours, theirs = tmp_path / "ours", tmp_path / "hugo"
    assert sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file() and not p.name.startswith(".")) == sorted(
        p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file()
    )
    assert kinds(ours) == kinds(theirs)
    same, pages = same_text(ours, theirs)
    assert pages > 120  # brief pages, lists and browse pages
    assert same == pages
