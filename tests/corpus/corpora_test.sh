#!/usr/bin/env bash
# shellcheck disable=SC2016 # the bash -c scripts below expand their own arguments
# corpora_test.sh - the corpus checks' shared prelude (corpora.sh) on a missing
# corpora directory: a failure (exit 1) under CI, a skip (77) elsewhere, for
# every script that sources it; and CORPORA resolved in its documented order.
#   corpora_test.sh PATH/TO/classify SOURCE_DIR
set -u
CLF="$1"
SRC="$2"
pass=0
fail=0
check() { # check WHAT WANT GOT
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: exit $3, want $2" >&2; fi
}
missing=$(mktemp -d)/none
for s in default_model persuasion_model; do
  CI=true CLF_CORPORA="$missing" bash "$SRC/tests/corpus/$s.sh" "$CLF" "$SRC" >/dev/null 2>&1
  check "$s, CI=true" 1 $?
  CI=1 CLF_CORPORA="$missing" bash "$SRC/tests/corpus/$s.sh" "$CLF" "$SRC" >/dev/null 2>&1
  check "$s, CI=1" 1 $?
  env -u CI CLF_CORPORA="$missing" bash "$SRC/tests/corpus/$s.sh" "$CLF" "$SRC" >/dev/null 2>&1
  check "$s, no CI" 77 $?
  CI=false CLF_CORPORA="$missing" bash "$SRC/tests/corpus/$s.sh" "$CLF" "$SRC" >/dev/null 2>&1
  check "$s, CI=false" 77 $?
done
rmdir "$(dirname "$missing")"
# resolution order: $CLF_CORPORA, then $CLF_CORPORA_DEFAULT, then SOURCE_DIR/../shared/corpora
got=$(env -u CLF_CORPORA CLF_CORPORA_DEFAULT=/ bash -c '. "$1/tests/corpus/corpora.sh"; find_corpora /x t; echo "$CORPORA"' _ "$SRC")
check "CLF_CORPORA_DEFAULT used" / "$got"
got=$(CLF_CORPORA=/tmp CLF_CORPORA_DEFAULT=/ bash -c '. "$1/tests/corpus/corpora.sh"; find_corpora /x t; echo "$CORPORA"' _ "$SRC")
check "CLF_CORPORA first" /tmp "$got"
T=$(mktemp -d)
mkdir -p "$T/src" "$T/shared/corpora"
got=$(env -u CLF_CORPORA -u CLF_CORPORA_DEFAULT bash -c '. "$1/tests/corpus/corpora.sh"; find_corpora "$2" t; echo "$CORPORA"' _ "$SRC" "$T/src")
check "SOURCE_DIR/../shared/corpora last" "$T/src/../shared/corpora" "$got"
rm -rf "$T"
echo "corpora-prelude: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
