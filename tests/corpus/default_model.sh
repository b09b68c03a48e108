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
# shellcheck source-path=SCRIPTDIR source=corpora.sh
. "$(dirname "$0")/corpora.sh"
find_corpora "$SRC" default-model
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
# journalism: news about terrorism must not be flagged (measured on dev, models/arabic-default.md:
# extremism 0.000, propaganda 0.003, hate 0.000, offensive 0.003, incitement 0.000)
run "news flag rate <= 1% for every category" --corpus saudinewsnet-terrorism-news --max-flag-rate 0.01
# quality floors, below the measured dev figures (models/arabic-default.md: extremism F1 0.94 on
# alfifi, offensive 0.80 and hate 0.54 on osact2020, hate 0.48 and offensive 0.47 on aref2020,
# incitement 0.40 on armi; the floors are unchanged from the previous model).
# Propaganda's threshold is set by its flag-rate caps (<= 0.5% of news, <= 2% of each tweet corpus,
# out-of-fold), not by best F1: its ArAIEval dev F1 is 0.625 at precision 0.95 (AP 0.92; the
# previous model 0.67, see the card); the floor was 0.80 when the threshold was the best-F1 one
# and the news were flagged at 4.8%.
run "extremism F1 >= 0.90 on alfifi dev" --corpus alfifi-isis-eval2k --min-f1 0.90
run "propaganda F1 >= 0.60 on araieval dev (capped threshold)" --corpus araieval2023-task1-persuasion --min-f1 0.60
run "offensive/hate F1 floor on osact2020 dev" --corpus osact2020 --min-f1 0.45
run "hate/offensive F1 floor on the sectarian corpus" --corpus aref2020-sectarian-hs --min-f1 0.40
run "incitement (threats) F1 floor on armi2021 dev" --corpus armi2021-train --min-f1 0.25
# extremism does not fire on ordinary offensive, misogynist or sectarian tweets
run "extremism and propaganda flag rates <= 2% on the tweet corpora" \
    --corpus osact2020,osact2022,l-hsab,t-hsab,mlma-ar,armi2021-train,aref2020-sectarian-hs --max-flag-rate 0.02
echo "default-model: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
