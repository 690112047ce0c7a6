"""Rebuild the expected output of the golden publication: python tests/golden/regenerate.py

Run it after an intended change to templates or rendering, then review the diff of
tests/golden/expected/ like any other change.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from unittest.mock import patch

from signalbrief.build import BuildOptions, BuildReport, build

HERE = Path(__file__).resolve().parent
# Pagefind's files are named by content hashes and change with its version: the golden output leaves
# each edition's search index out (tests/test_search.py checks it).
SEARCH_INDEX = "pagefind"


def build_golden(output: Path) -> BuildReport:
    """Build a copy of the golden publication into `output`, with no translation model installed."""
    with tempfile.TemporaryDirectory(prefix="signalbrief-golden-") as scratch:
        # A copy, so the build's caches (`.signalbrief/`) never land in the repository and no earlier
        # run's translations reach this one.
        copy = Path(scratch) / "publication"
        shutil.copytree(HERE / "publication", copy, ignore=shutil.ignore_patterns(".signalbrief", "site"))
        with patch.dict(os.environ, SIGNALBRIEF_MODELS=str(Path(scratch) / "no-models")):
            return build(copy, BuildOptions(output=output, allow_untranslated=True))


def main() -> None:
    expected = HERE / "expected"
    with tempfile.TemporaryDirectory(prefix="signalbrief-golden-out-") as scratch:
        # Built elsewhere and copied: a build keeps its work folder beside an output outside the
        # publication, which must not land in the repository.
        report = build_golden(Path(scratch) / "site")
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(Path(scratch) / "site", expected, ignore=shutil.ignore_patterns(SEARCH_INDEX))
    print(f"wrote {report.files} files to {expected}")


if __name__ == "__main__":
    main()
