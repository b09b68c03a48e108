#!/usr/bin/env bash
# default_model.sh - corpus-level regression checks of the shipped model on
# the dev splits of ../shared/corpora (or $CLF_CORPORA): quality floors well
# below the measured figures in models/arabic-default.md, and ceilings on
# how much journalism about terrorism is flagged. Under CI a missing corpora
# directory is a failure, never a skip.
#   default_model.sh PATH/TO/classify SOURCE_DIR
set -u
CLF="$1"
SRC="$2"
CORPORA="${CLF_CORPORA:-${CLF_CORPORA_DEFAULT:-$SRC/../shared/corpora}}"
if [ ! -d "$CORPORA" ]; then
  if [ -n "${CI:-}" ] && [ "${CI}" != "false" ]; then
    echo "FAIL: corpora directory $CORPORA is missing, and CI must have it" >&2
    echo "default-model: 0 passed, 1 failed"
    exit 1
  fi
  echo "SKIP: corpora directory $CORPORA missing; corpus checks not run" >&2
  exit 77 # ctest: skipped (SKIP_RETURN_CODE), never counted as passed
fi
R="$SRC/training/recipes/arabic-default.json"
M="$SRC/models/arabic-default.clf"
pass=0
fail=0
run() { # run NAME ARGS...: classify eval must exit 0
  local name="$1"; shift
  if "$CLF" eval --model "$M" --recipe "$R" --corpora "$CORPORA" --resamples 0 -q "$@"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL: $name" >&2
  fi
}
# journalism: news about terrorism must not be flagged
run "news flag rate <= 2% (extremism, incitement, hate, offensive)" \
    --corpus saudinewsnet-terrorism-news --max-flag-rate 0.02 -t propaganda=1
run "news flag rate <= 10% for every category" --corpus saudinewsnet-terrorism-news --max-flag-rate 0.10
# quality floors (measured: extremism F1 0.969, propaganda 0.872, offensive 0.788)
run "extremism F1 >= 0.90 on alfifi dev" --corpus alfifi-isis-eval2k --min-f1 0.90
run "propaganda F1 >= 0.80 on araieval dev" --corpus araieval2023-task1-persuasion --min-f1 0.80
run "offensive/hate F1 floor on osact2020 dev" --corpus osact2020 --min-f1 0.45
# extremism does not fire on ordinary offensive tweets
run "extremism and propaganda flag rates <= 2% on the tweet corpora" \
    --corpus osact2020,l-hsab,t-hsab,mlma-ar --max-flag-rate 0.02
echo "default-model: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
