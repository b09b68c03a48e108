#!/bin/bash
# Per-corpus comparison of libclassify with the peers, niced (the machine is shared).
#   bash bench/peers/per_corpus.sh [--append FILE] [--title TEXT] [per_corpus.py options]
# Builds build/classify if it is missing, runs bench/peers/per_corpus.py with Debian's python
# (which has scikit-learn), writes build/peers-out/per-corpus.{md,json} and, with --append,
# appends the Markdown under a dated heading to FILE (for /work/handoff notes).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
append="" title=""
while [ $# -gt 0 ]; do
    case "$1" in
        --append) append=$2; shift 2 ;;
        --title) title=$2; shift 2 ;;
        *) break ;;
    esac
done
cd "$repo"
if [ ! -x build/classify ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    nice -n 10 cmake --build build -j2 --target classify_cli >/dev/null
fi
mkdir -p build/peers-out
out=build/peers-out/per-corpus
nice -n 10 /usr/bin/python3 bench/peers/per_corpus.py --md "$out.md" --json "$out.json" "$@"
if [ -n "$append" ]; then
    {
        printf '\n## %s UTC — %s\n\n' "$(date -u '+%Y-%m-%d %H:%M')" \
            "${title:-per-corpus comparison (bench/peers/per_corpus.py, commit $(git rev-parse --short HEAD))}"
        cat "$out.md"
    } >> "$append"
    echo "appended to $append"
fi
