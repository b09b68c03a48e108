#!/bin/sh
# test.sh - the quick start's second command: install what is missing, build
# everything with -Werror and run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh --test
cmake -S . -B build-test -DCLF_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
