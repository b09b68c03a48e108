#!/usr/bin/env bash
# report_only.sh - report-only categories (analyst signals): a category that
# is scored and has a threshold but is not in "flagged". Checked with the
# shipped model (propaganda is report-only by default; --flag propaganda makes
# every category flag, --report-only makes one report-only again) and with a
# model trained with training.flag_by_default
# false for one category: JSONL, TSV, table, --explain, --spans,
# --only-flagged, --flag, classify info and the functional suite count.
# Run by ctest as
#   report_only.sh PATH/TO/classify SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

printf 'بايعوا أمير المؤمنين وانصروا دولة الخلافة\nhttps://example.com\n' > "$T/in.txt"

# -t propaganda=0: every scored document reaches propaganda's threshold
"$CLF" score -m "$MODEL" --format text --output jsonl -t propaganda=0 --flag propaganda "$T/in.txt" > "$T/flag.jsonl" || bad "score exits 0"
"$CLF" score -m "$MODEL" --format text --output jsonl -t propaganda=0 "$T/in.txt" > "$T/default.jsonl" || bad "score exits 0"
"$CLF" score -m "$MODEL" --format text --output jsonl -t propaganda=0 --report-only propaganda --explain 3 --spans \
  "$T/in.txt" > "$T/ro.jsonl" || bad "score --report-only exits 0"
"$CLF" score -m "$MODEL" --format text --output jsonl -t propaganda=0 --report-only propaganda --flag propaganda \
  "$T/in.txt" > "$T/back.jsonl" || bad "score --report-only --flag exits 0"
"$py" - "$T/flag.jsonl" "$T/ro.jsonl" "$T/back.jsonl" "$T/default.jsonl" <<'EOF' || bad "JSONL signals"
import json, sys
flag, ro, back, default = ([json.loads(l) for l in open(p)] for p in sys.argv[1:5])
# the shipped model as it is: propaganda is report-only, a signal, never flagged
assert all("propaganda" not in r["flagged"] for r in default), default
assert default[0]["signals"] == ["propaganda"], default[0]
assert [r["flagged"] for r in default] == [r["flagged"] for r in ro], (default, ro)
# with --flag propaganda every category flags: no "signals" field at all
assert all("signals" not in r for r in flag), flag
assert "propaganda" in flag[0]["flagged"], flag[0]
# report-only: the same score, not flagged, listed as a signal
for a, b in zip(flag, ro):
    assert a["scores"] == b["scores"], (a, b)
assert "propaganda" not in ro[0]["flagged"] and ro[0]["signals"] == ["propaganda"], ro[0]
assert set(ro[0]["flagged"]) == set(flag[0]["flagged"]) - {"propaganda"}, (ro[0], flag[0])
# a document that abstains has no signal (and no flag)
assert ro[1]["abstain"] == "no_arabic_text" and ro[1]["signals"] == [] and ro[1]["flagged"] == [], ro[1]
# the signal is explained, and says it is report-only; flagged categories do not say so
ex = ro[0]["explanation"]
assert ex["propaganda"]["report_only"] is True, ex.keys()
assert all("report_only" not in ex[c] for c in ro[0]["flagged"]), ex
# spans: signals beside flagged
for s in ro[0]["spans"]:
    assert "propaganda" not in s["flagged"] and s["signals"] == ["propaganda"], s
# --flag after --report-only: flagged again, no report-only category left
assert back[0]["flagged"] == flag[0]["flagged"] and "signals" not in back[0], back[0]
EOF

# TSV: a signals column after flagged, only with a report-only category
"$CLF" score -m "$MODEL" --format text --output tsv -t propaganda=0 --report-only propaganda "$T/in.txt" > "$T/ro.tsv" || bad "tsv exits 0"
"$CLF" score -m "$MODEL" --format text --output tsv --flag propaganda "$T/in.txt" > "$T/plain.tsv" || bad "tsv exits 0"
"$py" - "$T/ro.tsv" "$T/plain.tsv" <<'EOF' || bad "TSV signals column"
import sys
ro = open(sys.argv[1]).read().splitlines()
plain = open(sys.argv[2]).read().splitlines()
head = ro[1].split("\t")
assert head[head.index("flagged") + 1] == "signals", head
row = dict(zip(head, ro[2].split("\t")))
assert row["signals"] == "propaganda" and "propaganda" not in row["flagged"].split(","), row
assert "signals" not in plain[1].split("\t"), plain[1]
EOF

# table: the header and the row say report-only
"$CLF" score -m "$MODEL" --format text --output table --color never -t propaganda=0 --report-only propaganda "$T/in.txt" \
  > "$T/ro.table" || bad "table exits 0"
grep -q 'propaganda>=0.0000 (report-only)' "$T/ro.table" || bad "table header marks propaganda report-only: $(head -2 "$T/ro.table")"
grep -q 'propaganda 0\.[0-9]* (report-only)\|propaganda 1-[0-9.e-]* (report-only)' "$T/ro.table" || bad "table row shows the signal: $(cat "$T/ro.table")"

# --only-flagged: a signal alone does not print a record (every other
# category's threshold is 1, propaganda's 0)
"$CLF" score -m "$MODEL" --format text --output jsonl -t extremism=1,hate=1,offensive=1,incitement=1 \
  -t propaganda=0 --report-only propaganda --only-flagged "$T/in.txt" > "$T/only.jsonl" || bad "--only-flagged exits 0"
[ ! -s "$T/only.jsonl" ] || bad "--only-flagged prints flagged records only: $(cat "$T/only.jsonl")"
"$CLF" score -m "$MODEL" --format text --output jsonl -t extremism=1,hate=1,offensive=1,incitement=1 \
  -t propaganda=0 --flag propaganda --only-flagged "$T/in.txt" > "$T/only2.jsonl" || bad "--only-flagged exits 0"
[ "$(wc -l < "$T/only2.jsonl")" -eq 1 ] || bad "--only-flagged with propaganda flagging: $(cat "$T/only2.jsonl")"

# usage errors
"$CLF" score -m "$MODEL" --report-only nope "$T/in.txt" > /dev/null 2> "$T/err"
[ $? -eq 2 ] && grep -q "no category 'nope'" "$T/err" || bad "--report-only nope: $(cat "$T/err")"
"$CLF" score -m "$MODEL" --flag "" "$T/in.txt" > /dev/null 2> "$T/err"
[ $? -eq 2 ] || bad "--flag '' is a usage error"

# A model trained with "flag_by_default": {"beta": false}
"$py" - "$T" <<'EOF' || bad "writing the corpus"
import sys, random
rng = random.Random(1)
words = ["الماء", "البيت", "الطريق", "السوق", "المدرسة", "الكتاب", "الشمس", "الحديقة", "القهوة",
         "الصباح", "المساء", "المدينة", "الصديق", "العمل", "السيارة", "الطعام", "اليوم", "الغد"]
with open(sys.argv[1] + "/ca.tsv", "w") as f:
    for i in range(90):
        pos = i % 3 == 0
        text = " ".join(rng.choice(words) for _ in range(5))
        f.write(f"r{i}\t{'a' if pos else ''}\t{'سيف ' if pos else ''}{text}\n")
EOF
cat > "$T/r.json" <<'EOF'
{"name": "ro", "categories": ["alpha", "beta"],
 "features": {"hash_bits": 16, "min_df": 1, "char_ngram_max": 0, "stems": false},
 "training": {"folds": 3, "c_grid": [4], "flag_by_default": {"beta": false}},
 "corpora": [{"name": "ca", "train": "./ca.tsv", "annotates": ["alpha", "beta"],
              "labels": {"a": ["alpha", "beta"]}}]}
EOF
"$CLF" train --recipe "$T/r.json" --out "$T/ro.clf" --quiet > /dev/null 2> "$T/train.err" || bad "train: $(cat "$T/train.err")"
"$CLF" info -m "$T/ro.clf" > "$T/info.txt" || bad "info exits 0"
grep -q '^  beta .*report-only (not flagged by default)' "$T/info.txt" || bad "info shows beta report-only: $(cat "$T/info.txt")"
grep -q '^  alpha .*report-only' "$T/info.txt" && bad "info shows alpha report-only"
"$CLF" info -m "$T/ro.clf" --metadata | "$py" -c '
import json, sys
m = json.load(sys.stdin)
assert m["categories"]["beta"]["flag_by_default"] is False, m["categories"]["beta"]
assert m["categories"]["alpha"]["flag_by_default"] is True' || bad "metadata flag_by_default"
printf 'سيف الماء البيت\n' > "$T/pos.txt"
"$CLF" score -m "$T/ro.clf" --output jsonl "$T/pos.txt" > "$T/d.jsonl" || bad "score ro.clf"
"$CLF" score -m "$T/ro.clf" --output jsonl --flag beta "$T/pos.txt" > "$T/f.jsonl" || bad "score ro.clf --flag"
"$py" - "$T/d.jsonl" "$T/f.jsonl" <<'EOF' || bad "a report-only category by default, and --flag"
import json, sys
d, f = (json.loads(open(p).read()) for p in sys.argv[1:3])
assert d["flagged"] == ["alpha"] and d["signals"] == ["beta"], d
assert f["flagged"] == ["alpha", "beta"] and "signals" not in f, f
EOF

# The functional suite counts flags only: a benign item above a report-only
# category's threshold is not flagged (and the gate passes); --flag counts it.
cat > "$T/suite.json" <<'EOF'
{"schema": "libclassify-functional/1", "name": "ro",
 "classes": [{"name": "ben", "kind": "benign", "must_not": ["beta"], "gate": {"max_flag_rate": 0.02},
              "items": ["سيف الماء البيت", "سيف الكتاب الشمس"]}]}
EOF
"$CLF" eval --functional "$T/suite.json" -m "$T/ro.clf" --gate > "$T/fd.txt" 2>&1 || bad "functional gate with beta report-only: $(cat "$T/fd.txt")"
"$CLF" eval --functional "$T/suite.json" -m "$T/ro.clf" --gate --flag beta > "$T/ff.txt" 2>&1
[ $? -eq 1 ] || bad "functional gate with --flag beta must fail: $(cat "$T/ff.txt")"

finish report_only
