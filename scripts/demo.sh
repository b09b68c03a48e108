#!/bin/sh
# demo.sh - the quick start's first command: install what is missing, build,
# and score the sample documents with the shipped default model.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target classify_cli >/dev/null
echo "== classify score samples/*.txt (each file is one document)" >&2
./build/classify score --explain 3 samples/*.txt
