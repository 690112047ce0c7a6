#!/bin/bash
# Run the benchmarks on a lent machine that has no package index (the 16-core rows of RESULTS.md).
#
#   bash benchmarks/lent_machine.sh pack FOLDER [search|hugo]   # here: a bundle in FOLDER (git-ignored)
#   bash benchmarks/lent_machine.sh run FOLDER 'command' ...    # there: unpack, then run each command
#
# pack makes, for CPython 3.12 on x86-64 Linux (the lent machine's python3): this repository's wheel and
# its locked runtime dependencies installed into one folder (Babel's locale data cut to root, en and zh),
# packed as site312.tar.xz; with `search`, Pagefind's program (pagefind.xz, about 51 MB: the lent
# machine takes 64 MiB a call, so Hugo goes in a second bundle); with `hugo`, Debian's hugo and the
# two libraries it loads. run unpacks the bundle into /tmp, points PYTHONPATH, PATH and
# PAGEFIND_BINARY_PATH at it, writes the machine's facts to $OUT/machine.txt, and after each command
# copies the tables it added to benchmarks/RESULTS.md to $OUT/device-results.md (also every 10 s, so
# a command stopped at the call's limit still returns the tables it finished).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
what=$1 folder=$2
shift 2
mkdir -p "$folder" && folder=$(cd "$folder" && pwd)

pack() {
    local kind=${1:-search} wheels site
    wheels=$(mktemp -d) site=$(mktemp -d)/site312
    grep -qx "/$(basename "$folder")/" "$here/.git/info/exclude" 2>/dev/null ||
        { mkdir -p "$here/.git/info" && echo "/$(basename "$folder")/" >> "$here/.git/info/exclude"; }
    python3 -m pip wheel -q --no-deps "$here" -w "$wheels" || exit 1
    # The runtime dependencies at their locked versions, except Argos Translate (a build never loads it),
    # watchfiles (only `serve` does) and Pagefind's program (packed on its own below).
    grep -E '^[A-Za-z0-9_.-]+==' "$here/requirements.lock" | sed 's/[ ;].*//' > "$wheels/locked.txt"
    python3 - "$here/pyproject.toml" > "$wheels/wanted.txt" <<'PY'
import re, sys, tomllib
for need in tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]:
    name = re.match(r"[A-Za-z0-9_.-]+", need).group()
    if name not in ("argos-translate-lt", "watchfiles"):
        print(name)
PY
    python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d "$wheels" -c "$wheels/locked.txt" -r "$wheels/wanted.txt" || exit 1
    python3 -m pip install -q --no-deps --no-compile --target "$site" --python-version 3.12 --implementation cp \
        --only-binary=:all: --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 "$wheels"/*.whl
    find "$site/babel/locale-data" -name '*.dat' | grep -Ev '/(root|en|zh)(_[A-Za-z0-9_]+)?\.dat$' | xargs rm -f
    tar -C "$(dirname "$site")" -cf - site312 | xz -T0 -9 > "$folder/site312.tar.xz"
    if [ "$kind" = search ]; then
        python3 -m pip download -q --no-deps --only-binary=:all: -d "$wheels/pf" \
            "pagefind-bin-extended==$(grep -oP '^pagefind-bin-extended==\K[^ ]+' "$here/requirements.lock")"
        unzip -p "$wheels"/pf/*.whl '*/pagefind_extended' | xz -T0 -9 > "$folder/pagefind.xz"
    else
        command -v hugo > /dev/null || { echo "hugo is not installed here (apt-get install hugo)" >&2; exit 1; }
        xz -T0 -9 -c "$(command -v hugo)" > "$folder/hugo.xz"
        mkdir -p "$folder/lib"
        ldd "$(command -v hugo)" | grep -oE '/[^ ]*lib(webp|sass)[^ ]*' | xargs -I{} cp -L {} "$folder/lib/"
    fi
    git -C "$here" rev-parse --short HEAD > "$folder/commit"
    rm -rf "$wheels" "$(dirname "$site")"
    du -sh "$folder"
}

run() {
    mkdir -p /tmp/bin
    tar -C /tmp -xJf "$folder/site312.tar.xz" || exit 3
    if [ -f "$folder/pagefind.xz" ]; then
        xz -dc "$folder/pagefind.xz" > /tmp/bin/pagefind_extended && chmod +x /tmp/bin/pagefind_extended
        export PAGEFIND_BINARY_PATH=/tmp/bin/pagefind_extended
    fi
    if [ -f "$folder/hugo.xz" ]; then
        xz -dc "$folder/hugo.xz" > /tmp/bin/hugo && chmod +x /tmp/bin/hugo
        export LD_LIBRARY_PATH=$folder/lib
    fi
    export PYTHONPATH=/tmp/site312 PATH=/tmp/bin:$PATH PYTHONUNBUFFERED=1
    export SIGNALBRIEF_BENCH_COMMIT="$(cat "$folder/commit")"  # the copy there has no .git
    {
        date -u; python3 --version; nproc; lscpu | grep -E 'Model name|Thread|Core|Socket|MHz'; free -g | head -2
        df -h /tmp | tail -1; cat /proc/loadavg
    } 2>&1 | tee "$OUT/machine.txt"
    python3 -c "import signalbrief, pydantic, jinja2, babel" || exit 4
    local loop
    before=$(wc -l < "$here/benchmarks/RESULTS.md")
    (while sleep 10; do tables; done) &
    loop=$!
    for command in "$@"; do
        echo "== $command"
        (cd "$here" && eval "$command") 2>&1 | tee -a "$OUT/log.txt"
        tables
    done
    kill $loop
}

tables() {  # the tables this run added to RESULTS.md, where they come back from
    tail -n +$((before + 1)) "$here/benchmarks/RESULTS.md" > "$OUT/device-results.md"
}

case $what in
pack) pack "$@" ;;
run) run "$@" ;;
*) echo "usage: lent_machine.sh pack FOLDER [search|hugo] | run FOLDER 'command' ..." >&2; exit 2 ;;
esac
