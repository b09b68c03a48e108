#!/usr/bin/env bash
# exports.sh - every symbol the shared library exports carries the public
# prefix clf_, and every function declared CLF_API in include/ is exported
# (hidden visibility keeps everything else private).
#   exports.sh PATH/TO/libclassify.so SOURCE_DIR
set -u
LIB="$1"
SRC="$2"
fail=0
exported=$(nm -D --defined-only "$LIB" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u)
bad=$(grep -v '^clf_' <<<"$exported")
if [ -n "$bad" ]; then echo "FAIL: exported without the clf_ prefix: $bad" >&2; fail=$((fail + 1)); fi
declared=$(grep -ho '^CLF_API [^(]*(' "$SRC"/include/classify/*.h | sed 's/($//; s/.*[ *]//' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then echo "FAIL: declared but not exported: $missing" >&2; fail=$((fail + 1)); fi
n=$(wc -l <<<"$exported")
echo "exports: $n symbols; $((2 - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
