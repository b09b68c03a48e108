# lib.sh - what every CLI test script starts with, sourced (not run) as
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
# from a script that ctest runs as SCRIPT PATH/TO/classify SOURCE_DIR. Sets
#   CLF    the classify binary ($1)      SRC  the source tree ($2)
#   MODEL  the shipped model in SRC      S    SRC/samples
#   T      a fresh temporary directory, removed when the script exits
#   py     Debian's python3 when present (its packages are the ones tested)
# and the counters pass/fail with
#   ok                   count a check that passed
#   bad WHAT...          count a failure and say what failed on stderr
#   check NAME CMD...    run CMD: ok when it succeeds, else bad NAME
#   finish NAME          print NAME's summary and exit 1 when anything failed
set -u
CLF="$1"
SRC="${2:-}"
MODEL="$SRC/models/arabic-default.clf"
S="$SRC/samples"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() {
  local name="$1"; shift
  if "$@"; then ok; else bad "$name"; fi
}
finish() {
  # scripts that count only failures say "all passed" rather than "0 passed"
  if [ "$pass" -gt 0 ]; then
    echo "$1: $pass passed, $fail failed"
  elif [ "$fail" -eq 0 ]; then
    echo "$1: all passed"
  else
    echo "$1: $fail failed"
  fi
  [ "$fail" -eq 0 ] || exit 1
  exit 0
}
