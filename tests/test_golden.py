"""Golden output: the fixture publication in tests/golden/ builds to exactly the checked-in files.

After an intended change, regenerate with `python tests/golden/regenerate.py` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

from tests.golden.regenerate import HERE as GOLDEN
from tests.golden.regenerate import SEARCH_INDEX, build_golden


def files(folder: Path) -> dict[str, bytes]:
    """Every file below a folder but the search indexes, by path."""
    found = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    return {str(p.relative_to(folder)): p.read_bytes() for p in found if SEARCH_INDEX not in p.relative_to(folder).parts}


def test_golden_publication_builds_to_the_expected_files(tmp_path):
    build_golden(tmp_path / "site")
    actual, expected = files(tmp_path / "site"), files(GOLDEN / "expected")
    assert sorted(actual) == sorted(expected)
    changed = [name for name in expected if actual[name] != expected[name]]
    assert changed == [], "output changed; if intended, run python tests/golden/regenerate.py"
