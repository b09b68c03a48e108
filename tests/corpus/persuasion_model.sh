#!/usr/bin/env bash
# persuasion_model.sh - corpus-level check of the shipped persuasion-technique
# model (models/arabic-persuasion.clf) on the dev split of ArAIEval 2023 task 1
# in ../shared/corpora (or $CLF_CORPORA): every category's dev average
# precision stays above a floor set from the measured figures in
# models/arabic-persuasion.md with a margin, and above the category's dev base
# rate (what a random ranking scores). Under CI a missing corpora directory is a
# failure, never a skip; a corpora directory without the persuasion corpus is a
# failure everywhere.
#   persuasion_model.sh PATH/TO/classify SOURCE_DIR
set -u
CLF="$1"
SRC="$2"
# shellcheck source-path=SCRIPTDIR source=corpora.sh
. "$(dirname "$0")/corpora.sh"
find_corpora "$SRC" persuasion-model
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
R="$SRC/training/recipes/arabic-persuasion.json"
M="$SRC/models/arabic-persuasion.clf"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if ! "$CLF" eval --model "$M" --recipe "$R" --corpora "$CORPORA" --resamples 0 -q --json "$T/eval.json"; then
  echo "FAIL: classify eval on the persuasion corpus's dev split" >&2
  echo "persuasion-model: 0 passed, 1 failed"
  exit 1
fi
# Floors: the dev AP measured for the shipped model (models/arabic-persuasion.md)
# minus a third of its gap to the base rate (the dev split is small: 7 to 202
# positives per category). Scores are deterministic, so only a retrained model
# can move them: retrain, measure, and move the floors with the card.
"$py" - "$T/eval.json" <<'EOF'
import json, sys
floors = {
    # category: dev AP floor = measured - (measured - base rate) / 3, rounded down
    # (models/arabic-persuasion.md: measured dev AP, dev base rate)
    "loaded_language": 0.79,                  # 0.852, base 0.680
    "name_calling_labeling": 0.58,            # 0.729, base 0.297
    "questioning_the_reputation": 0.37,       # 0.486, base 0.166
    "exaggeration_minimisation": 0.22,        # 0.280, base 0.127
    "obfuscation_vagueness_confusion": 0.25,  # 0.326, base 0.108
    "doubt": 0.21,                            # 0.287, base 0.062
    "causal_oversimplification": 0.24,        # 0.335, base 0.058
    "appeal_to_fear_prejudice": 0.14,         # 0.188, base 0.046
    "slogans": 0.27,                          # 0.398, base 0.031
    "flag_waving": 0.12,                      # 0.176, base 0.027
    "propaganda": 0.87,                       # 0.927, base 0.780
}
d = json.load(open(sys.argv[1]))
g = [g for g in d["groups"] if g["name"] == "araieval2023-task1-persuasion"]
fail = 0
if len(g) != 1:
    print("FAIL: no araieval2023-task1-persuasion group in the eval report", file=sys.stderr)
    sys.exit(1)
cats = g[0]["categories"]
if sorted(cats) != sorted(floors):
    print("FAIL: the model's categories %s are not the ones with floors %s" % (sorted(cats), sorted(floors)),
          file=sys.stderr)
    fail += 1
passed = 0
for c, floor in floors.items():
    v = cats.get(c)
    if v is None:
        continue
    ap, base = v["average_precision"]["value"], v["positives"] / v["documents"]
    if ap is None or ap < floor or ap <= base:
        print("FAIL: %s dev AP %s < floor %.2f (base rate %.3f)" % (c, ap, floor, base), file=sys.stderr)
        fail += 1
    else:
        passed += 1
print("persuasion-model: %d passed, %d failed" % (passed, fail))
sys.exit(1 if fail else 0)
EOF
