#!/usr/bin/env bash
# held_out.sh - the functional suite is held out: no row of the synthetic
# training files (training/synthetic/*.tsv that a recipe reads) may equal one
# of its items, as `classify eval --functional --json` expands them (C's
# expansion, not generate.py's own, so the generator's exclusion is checked
# against the other implementation). Then a planted duplicate must be found,
# so that a check which can no longer fail is caught.
#   held_out.sh PATH/TO/classify SOURCE_DIR
set -u
CLF="$1"
SRC="$2"
SUITE="$SRC/eval/functional/arabic-functional.json"
MODEL="$SRC/models/arabic-default.clf"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if ! "$CLF" eval --functional "$SUITE" -m "$MODEL" --json "$TMP/f.json" > /dev/null 2> "$TMP/f.err"; then
  cat "$TMP/f.err" >&2
  echo "FAIL: classify eval --functional did not run" >&2
  exit 1
fi
check() {
  /usr/bin/python3 - "$TMP/f.json" "$@" <<'PYEOF'
import json, sys
items = {" ".join(it["text"].split()): it["id"] for it in json.load(open(sys.argv[1]))["items"]}
found = 0
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        next(f)
        for n, line in enumerate(f, 2):
            text = " ".join(line.rstrip("\n").split("\t", 2)[-1].split())
            if text in items:
                print(f"{path}:{n}: equals functional item {items[text]}")
                found += 1
sys.exit(1 if found else 0)
PYEOF
}
FILES=()
for f in benign is-news verses threats extremist; do
  if [ ! -f "$SRC/training/synthetic/$f.tsv" ]; then
    echo "FAIL: training/synthetic/$f.tsv is missing" >&2
    exit 1
  fi
  FILES+=("$SRC/training/synthetic/$f.tsv")
done
if ! check "${FILES[@]}"; then
  echo "FAIL: training rows equal functional-suite items (regenerate: training/synthetic/generate.py)" >&2
  exit 1
fi
# a planted duplicate (the first item) must be caught
/usr/bin/python3 -c '
import json, sys
it = json.load(open(sys.argv[1]))["items"][0]["text"]
open(sys.argv[2], "w", encoding="utf-8").write("id\tlabels\ttext\nx\t\t" + it + "\n")' "$TMP/f.json" "$TMP/planted.tsv"
if check "$TMP/planted.tsv" > /dev/null; then
  echo "FAIL: a planted duplicate of a suite item was not found" >&2
  exit 1
fi
echo "ok: ${#FILES[@]} synthetic files, no row equals a functional-suite item"
