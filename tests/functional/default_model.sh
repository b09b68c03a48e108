#!/usr/bin/env bash
# default_model.sh - the functional gate of the shipped model: every class of
# eval/functional/arabic-functional.json must meet its limit (benign: share
# flagged at most max_flag_rate, and abstention where the class requires it;
# positive: recall at least min_recall), as `classify eval --functional
# --gate` judges it. Then the same gate with every threshold forced to 0.001
# must FAIL, so that a gate which can no longer fail (no gated class, an
# ignored exit status) is caught. A missing suite or model is a failure,
# never a skip.
#   default_model.sh PATH/TO/classify SOURCE_DIR
set -u
CLF="$1"
SRC="$2"
SUITE="$SRC/eval/functional/arabic-functional.json"
MODEL="$SRC/models/arabic-default.clf"
PY=/usr/bin/python3
for f in "$SUITE" "$MODEL"; do
  if [ ! -f "$f" ]; then
    echo "FAIL: $f is missing" >&2
    exit 1
  fi
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$CLF" eval --functional "$SUITE" --gate -m "$MODEL" --json "$TMP/f.json" > "$TMP/f.txt" 2> "$TMP/f.err"
rc=$?
cat "$TMP/f.txt"
cat "$TMP/f.err" >&2
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the functional gate failed (classify eval exited $rc)" >&2
  exit 1
fi
# The report must agree with the exit status: every class of the suite is
# there, has a limit and met it (only class-level fields are read).
"$PY" - "$TMP/f.json" "$SUITE" <<'PYEOF' || exit 1
import json, sys
report = json.load(open(sys.argv[1]))
suite_classes = [c["name"] for c in json.load(open(sys.argv[2]))["classes"]]
classes = {c["name"]: c for c in report["classes"]}
bad = []
if not suite_classes:
    bad.append("the suite has no classes")
for name in suite_classes:
    c = classes.get(name)
    if c is None:
        bad.append(f"{name}: not in the report")
    elif not c.get("gate") or c["gate"].get("passed") is not True:
        bad.append(f"{name}: no limit, or missed it ({c['measure']} {c['value']:.4f})")
for b in bad:
    print("FAIL:", b)
print(f"functional gate: {len(suite_classes) - len(bad)} of {len(suite_classes)} classes within their limits")
sys.exit(1 if bad else 0)
PYEOF
# The gate must be able to fail: thresholds near 0 flag almost every benign item.
"$CLF" eval --functional "$SUITE" --gate -m "$MODEL" \
  -t extremism=0.001,propaganda=0.001,hate=0.001,offensive=0.001,incitement=0.001 \
  > /dev/null 2>&1
rc=$?
if [ "$rc" -ne 1 ]; then
  echo "FAIL: with every threshold at 0.001 the gate exited $rc, not 1 (it cannot fail)" >&2
  exit 1
fi
echo "functional gate: passes with the shipped thresholds, fails (as it must) with thresholds at 0.001"
