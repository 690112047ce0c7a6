#!/usr/bin/env bash
# Every benchmark, one after the other; each appends its table to benchmarks/RESULTS.md.
# Usage: bash benchmarks/run_all.sh [N]   (from the repository, with .venv installed; installs Debian's hugo)
# JOBS=1,2 limits the scaling run's core counts (more than the usable cores are skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
n=${1:-1000}
command -v hugo >/dev/null || apt-get install -y -qq hugo || echo "no hugo: the Hugo comparison is skipped"
$py benchmarks/startup_speed.py --rounds 15
$py benchmarks/validate_speed.py "$n" --repeat 7
$py benchmarks/build_speed.py "$n" --repeat 5 --jobs "${JOBS:-1,2,4,8,16}"
$py benchmarks/incremental_speed.py "$n" --repeat 3
$py benchmarks/translate_speed.py 200 --repeat 3
if [ -n "${BIG:-}" ]; then  # BIG=1: the equal-work comparison at 10,000 briefs too
    $py benchmarks/build_speed.py 10000 --repeat 3 --parts hugo
fi
