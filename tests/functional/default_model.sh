#!/usr/bin/env bash
# default_model.sh - the shipped model must pass the functional test suite's
# gate (every benign class at most its flag-rate limit, every positive class
# at least its recall): classify eval --functional --gate. A missing suite
# or model is a failure, never a skip.
#   default_model.sh PATH/TO/classify SOURCE_DIR
set -u
CLF="$1"
SRC="$2"
SUITE="$SRC/eval/functional/arabic-functional.json"
MODEL="$SRC/models/arabic-default.clf"
for f in "$SUITE" "$MODEL"; do
  if [ ! -f "$f" ]; then
    echo "FAIL: $f is missing" >&2
    exit 1
  fi
done
"$CLF" eval --functional "$SUITE" --gate -m "$MODEL"
