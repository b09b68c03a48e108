# shellcheck shell=bash
# corpora.sh - sourced by the corpus-level checks in tests/corpus/: finds the
# corpora directory and decides what its absence means.
#   . "$(dirname "$0")/corpora.sh"; find_corpora SOURCE_DIR SUITE_NAME
# Sets CORPORA to $CLF_CORPORA, else $CLF_CORPORA_DEFAULT (set by ctest),
# else SOURCE_DIR/../shared/corpora. If that directory is missing: under CI
# (CI set and not "false") a failure (prints "SUITE_NAME: 0 passed, 1 failed",
# exit 1), never a skip; elsewhere exit 77, which ctest reports as skipped
# (SKIP_RETURN_CODE), never as passed.
find_corpora() {
  local src="$1" suite="$2"
  CORPORA="${CLF_CORPORA:-${CLF_CORPORA_DEFAULT:-$src/../shared/corpora}}"
  if [ ! -d "$CORPORA" ]; then
    if [ -n "${CI:-}" ] && [ "${CI}" != "false" ]; then
      echo "FAIL: corpora directory $CORPORA is missing, and CI must have it" >&2
      echo "$suite: 0 passed, 1 failed"
      exit 1
    fi
    echo "SKIP: corpora directory $CORPORA missing; corpus checks not run" >&2
    exit 77
  fi
}
