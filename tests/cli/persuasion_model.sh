#!/usr/bin/env bash
# persuasion_model.sh - the shipped second model, models/arabic-persuasion.clf
# (per-technique persuasion scores for analysts, models/arabic-persuasion.md):
# it loads, every category is report-only (nothing is ever flagged by
# default), its metadata holds the recipe training/recipes/arabic-persuasion.json
# as committed, and `classify score -m` prints it sensibly in JSONL, TSV,
# --explain and the table (many report-only categories with long names: the
# table says "all report-only" once, lines fit 80 columns, the excerpt gets
# its own line when the signals wrap). No corpora needed. Run by ctest as
#   persuasion_model.sh PATH/TO/classify SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

PM="$SRC/models/arabic-persuasion.clf"
RECIPE="$SRC/training/recipes/arabic-persuasion.json"
[ -f "$PM" ] || { bad "missing $PM"; finish persuasion-model; }

# classify info: every category says report-only
"$CLF" info "$PM" > "$T/info.txt" || bad "classify info exits 0"
"$CLF" info --metadata "$PM" > "$T/meta.json" || bad "classify info --metadata exits 0"
"$py" - "$T/info.txt" "$T/meta.json" "$RECIPE" <<'EOF' || bad "info and metadata"
import json, sys
info = open(sys.argv[1]).read().splitlines()
meta = json.load(open(sys.argv[2]))
recipe = json.load(open(sys.argv[3]))
cats = recipe["categories"]
assert meta["recipe_name"] == "arabic-persuasion", meta["recipe_name"]
# the model was trained from the recipe as committed (retrain when it changes)
assert meta["recipe"] == recipe, "metadata recipe differs from training/recipes/arabic-persuasion.json"
assert list(meta["categories"]) == cats, (list(meta["categories"]), cats)
assert len(cats) >= 5, cats
assert "propaganda" in cats, cats
for c in cats:
    m = meta["categories"][c]
    assert m["flag_by_default"] is False, c
    assert m["threshold"]["rule"] == "best_f1" and m["threshold"]["source"] == "oof", (c, m["threshold"])
    line = [l for l in info if l.strip().startswith(c + " ")]
    assert len(line) == 1 and "report-only" in line[0], (c, line)
# one corpus, the persuasion corpus, annotates every category
assert [c["name"] for c in recipe["corpora"]] == ["araieval2023-task1-persuasion"], recipe["corpora"]
assert sorted(recipe["corpora"][0]["annotates"]) == sorted(cats)
EOF

printf '%s\n' \
  'هذا النظام الفاسد وعملاؤه الخونة يكذبون على الشعب ويدمرون الوطن، فهل نصدقهم بعد اليوم؟' \
  'ارتفعت درجات الحرارة اليوم في العاصمة' \
  'https://example.com @user' > "$T/in.txt"

# JSONL: nothing flagged, ever; signals are categories at their thresholds
"$CLF" score -m "$PM" --format text --output jsonl --explain 3 "$T/in.txt" > "$T/out.jsonl" || bad "score exits 0"
THR=$("$py" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(",".join(c+"=0" for c in m["categories"]))' "$T/meta.json")
"$CLF" score -m "$PM" --format text --output jsonl -t "$THR" "$T/in.txt" > "$T/all.jsonl" || bad "score -t all=0 exits 0"
"$CLF" score -m "$PM" --format text --output jsonl -t "$THR" --flag loaded_language "$T/in.txt" > "$T/flag.jsonl" \
  || bad "score --flag exits 0"
"$py" - "$T/out.jsonl" "$T/all.jsonl" "$T/flag.jsonl" "$T/meta.json" <<'EOF' || bad "JSONL"
import json, sys
out, allz, flag = ([json.loads(l) for l in open(p)] for p in sys.argv[1:4])
meta = json.load(open(sys.argv[4]))
cats = list(meta["categories"])
for r in out + allz:
    assert r["flagged"] == [], r
    assert list(r["scores"]) == cats, r["scores"].keys()
    assert set(r["signals"]) <= set(cats), r
for c in cats:
    thr = meta["categories"][c]["threshold"]["value"]
    assert (c in out[0]["signals"]) == (out[0]["scores"][c] >= thr), (c, out[0]["scores"][c], thr)
# every signal is explained and says it is report-only
for c in out[0]["signals"]:
    assert out[0]["explanation"][c]["report_only"] is True, c
# threshold 0: every category is a signal of the scored texts; the third abstains
assert allz[0]["signals"] == cats and allz[1]["signals"] == cats, allz[0]
assert allz[2]["abstain"] == "no_arabic_text" and allz[2]["signals"] == [], allz[2]
# --flag turns one category into a flag, the rest stay signals
assert flag[0]["flagged"] == ["loaded_language"], flag[0]
assert "loaded_language" not in flag[0]["signals"], flag[0]
EOF

# TSV: one column per category, then flagged and signals
"$CLF" score -m "$PM" --format text --output tsv "$T/in.txt" > "$T/out.tsv" || bad "tsv exits 0"
"$py" - "$T/out.tsv" "$T/meta.json" <<'EOF' || bad "TSV"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
cats = list(json.load(open(sys.argv[2]))["categories"])
assert lines[0].startswith("# model: arabic-persuasion@"), lines[0]
head = lines[1].split("\t")
assert head[1:1 + len(cats)] == cats and head[1 + len(cats):3 + len(cats)] == ["flagged", "signals"], head
for l in lines[2:]:
    row = dict(zip(head, l.split("\t")))
    assert row["flagged"] == "", row
EOF

# the table, 80 columns, every category a signal (thresholds 0)
COLUMNS=80 "$CLF" score -m "$PM" --output table --color never --explain 2 -t "$THR" < "$T/in.txt" > "$T/t.out" \
  || bad "table exits 0"
"$py" - "$T/t.out" "$T/meta.json" <<'EOF' || bad "table layout: $(cat "$T/t.out")"
import json, sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
cats = list(json.load(open(sys.argv[2]))["categories"])
def cols(s):
    return sum(0 if unicodedata.category(ch) in ("Mn", "Cf") else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
# said once in the header, never after each threshold or signal
assert "(all report-only)" in lines[0], lines[0]
assert not any("(report-only)" in l for l in lines), [l for l in lines if "(report-only)" in l]
for l in lines:
    assert cols(l) <= 80, (cols(l), l)
head = [i for i, l in enumerate(lines) if l.startswith("ID ")]
assert len(head) == 1, lines
rows = lines[head[0] + 1:]
# the first record: "1", its signals (wrapped over several lines), then the
# excerpt on a line of its own, under the signals (not after the last of them)
assert rows[0].startswith("1 ") and "- " + cats[0] + " " in rows[0], rows[0]
text = [i for i, l in enumerate(rows) if "\u2068هذا النظام الفاسد" in l]
assert len(text) == 1, rows
t = rows[text[0]]
assert t.strip().startswith("\u2068"), t
sig = " ".join(rows[:text[0]])
for c in cats:
    assert " " + c + " " in sig, (c, sig)
# explanations below, one line per signal
why = [l for l in rows[text[0] + 1:] if l.strip().split(":")[0] in cats]
assert len(why) >= len(cats), rows
EOF

# eval's text report with long category names: the columns stay aligned
# (the category column is as wide as the longest name)
"$py" - "$T/lab.tsv" <<'EOF'
import sys
rows = ["id\tlabels\ttext"]
texts = ["هذا النظام الفاسد يكذب على الشعب", "ارتفعت درجات الحرارة اليوم", "الخونة دمروا الوطن ولن نسامحهم",
         "افتتح المعرض الدولي للكتاب", "هل يصدق أحد هؤلاء الكذابين بعد اليوم؟", "فاز الفريق بالمباراة"]
for i, t in enumerate(texts):
    rows.append("%d\t%s\t%s" % (i, "loaded_language,obfuscation_vagueness_confusion" if i % 2 == 0 else "", t))
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
EOF
"$CLF" eval -m "$PM" --resamples 0 "$T/lab.tsv" > "$T/eval.txt" || bad "eval on a labeled file exits 0"
"$py" - "$T/eval.txt" <<'EOF' || bad "eval table aligned: $(cat "$T/eval.txt")"
import sys
lines = open(sys.argv[1]).read().splitlines()
i = [k for k, l in enumerate(lines) if l.startswith("category ") and " pos " in l][0]
head = lines[i]
col = head.index(" n ") + 2  # the right edge of the "n" column
rows = [l for l in lines[i + 1:i + 4] if l.split() and l.split()[0] in ("loaded_language", "obfuscation_vagueness_confusion")]
assert len(rows) == 2, lines[i:i + 5]
for r in rows:
    assert r[col - 1] != " " and r[col] == " ", (head, r)
EOF

# ... and its by-corpus comparison table (eval --compare)
"$CLF" eval -m "$PM" --compare "$PM" --resamples 0 "$T/lab.tsv" > "$T/cmp.txt" || bad "eval --compare exits 0"
"$py" - "$T/cmp.txt" <<'EOF' || bad "eval --compare by-corpus table aligned: $(cat "$T/cmp.txt")"
import sys
lines = open(sys.argv[1]).read().splitlines()
i = [k for k, l in enumerate(lines) if l.startswith("corpus ") and "AP A" in l][0]
col = lines[i].index("AP A") + 4  # the right edge of the "AP A" column
rows = [l for l in lines[i + 1:i + 3]]
assert [r.split()[1] for r in rows] == ["loaded_language", "obfuscation_vagueness_confusion"], rows
for r in rows:
    assert r[col - 1] != " " and r[col] == " ", (lines[i], r)
EOF

# train's summary with long category names: aligned columns too (made-up
# rows: a positive has two words of its own among neutral ones)
"$py" - "$T/train.tsv" <<'EOF'
import itertools, sys
neutral = ["المدينة", "الطريق", "المدرسة", "السوق", "البحر", "الجبل", "الحديقة", "المكتبة", "القطار", "المطار"]
rows = ["id\tlabels\ttext"]
for i, ws in enumerate(itertools.combinations(neutral, 3)):
    lab = ["loaded_language"] if i % 3 == 0 else []
    lab += ["obfuscation_vagueness_confusion"] if i % 4 == 0 else []
    extra = (["فاسد", "خائن"] if i % 3 == 0 else []) + (["غامض", "ربما"] if i % 4 == 0 else [])
    rows.append("%d\t%s\t%s" % (i, ",".join(lab), " ".join(list(ws) + extra)))
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
EOF
"$CLF" train --input "$T/train.tsv" --out "$T/tiny.clf" --threads 1 > "$T/train.txt" 2> "$T/train.err" \
  || bad "train --input exits 0: $(cat "$T/train.err")"
"$py" - "$T/train.txt" <<'EOF' || bad "train summary aligned: $(cat "$T/train.txt")"
import sys
lines = open(sys.argv[1]).read().splitlines()
i = [k for k, l in enumerate(lines) if l.startswith("category ")][0]
col = lines[i].index(" C ") + 2  # the right edge of the C column
rows = [l for l in lines[i + 1:] if l.split() and l.split()[0] in ("loaded_language", "obfuscation_vagueness_confusion")]
assert len(rows) == 2, lines
for r in rows:
    assert r[col - 1] != " " and (len(r) == col or r[col] == " "), (lines[i], r)
EOF

finish persuasion-model
