"""Rebuild the expected output of the golden publication: python tests/golden/regenerate.py

Run it after an intended change to templates or rendering, then review the diff of
tests/golden/expected/ like any other change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from signalbrief.build import BuildOptions, build

HERE = Path(__file__).resolve().parent


def main() -> None:
    expected = HERE / "expected"
    shutil.rmtree(expected, ignore_errors=True)
    report = build(HERE / "publication", BuildOptions(output=expected, allow_untranslated=True))
    print(f"wrote {report.files} files to {expected}")


if __name__ == "__main__":
    main()
