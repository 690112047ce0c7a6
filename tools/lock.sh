#!/usr/bin/env bash
# Regenerate requirements.lock: the exact, hash-pinned versions that CI and the README's test command
# install (the runtime dependencies and the `test` extra, for CPython 3.11 on Linux x86_64, from PyPI).
# Versions already in the lock stay while pyproject.toml allows them; to move them, pass
# `--upgrade` or `--upgrade-package NAME`. Needs the network; pyproject.toml keeps open ranges for users.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$(mktemp -d)
trap 'rm -rf "$tool"' EXIT
python3 -m venv "$tool"
"$tool/bin/pip" install -q uv==0.13.9
"$tool/bin/uv" pip compile pyproject.toml --extra test --generate-hashes \
  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
  --index-url https://pypi.org/simple --custom-compile-command tools/lock.sh \
  --quiet -o requirements.lock "$@"
