#!/usr/bin/env bash
# Every benchmark, one after the other; each appends its table to benchmarks/RESULTS.md.
# Usage: bash benchmarks/run_all.sh   (from the repository, with .venv installed; installs Debian's hugo)
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
$py benchmarks/startup_speed.py --rounds 15
$py benchmarks/validate_speed.py 1000 --repeat 5
$py benchmarks/build_speed.py 1000 --repeat 3
$py benchmarks/incremental_speed.py 1000 --repeat 3
$py benchmarks/translate_speed.py 200 --repeat 3
$py benchmarks/build_speed.py 10000 --repeat 1 --no-hugo
