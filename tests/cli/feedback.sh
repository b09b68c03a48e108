#!/usr/bin/env bash
# feedback.sh - the feedback loop of a data team, end to end on small data
# written here (README "Feedback loop"): train a first model from one
# labeled file (train --input), score new posts and export the flagged ones,
# moderators label them, add them as a corpus of the recipe, retrain,
# `eval --compare` the new model against the shipped one on the same dev
# data, and read the decision. Run by ctest as
#   feedback.sh PATH/TO/classify SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

# Small data: "abuse" posts carry an insult, "praise" posts a compliment,
# the rest neither. The new posts use كريه ("nasty") about the weather:
# not abuse, but the first model has only seen it as an insult.
"$py" - "$T" <<'EOF'
import random, sys
d = sys.argv[1]
random.seed(1)
bad = ["كريه", "حقير", "قذر", "منحط", "وضيع"]
good = ["جميل", "رائع", "لطيف", "كريم", "طيب"]
filler = ["اليوم", "الناس", "هذا", "في", "المدينة", "الجو", "الطريق", "البيت", "العمل", "السوق"]
def post(lab):
    w = random.sample(filler, 4)
    if lab == "abuse": w.insert(2, random.choice(bad))
    if lab == "praise": w.insert(1, random.choice(good))
    return " ".join(w)
def tsv(path, labs, prefix):
    with open(path, "w") as f:
        f.write("id\tlabels\ttext\n")
        for i, l in enumerate(labs):
            f.write(f"{prefix}{i}\t{l if l != 'none' else 'normal'}\t{post(l)}\n")
labs = ["abuse"] * 30 + ["praise"] * 30 + ["none"] * 60
random.shuffle(labs)
tsv(f"{d}/base.tsv", labs, "b")
tsv(f"{d}/base_dev.tsv", ["abuse"] * 10 + ["praise"] * 10 + ["none"] * 20, "d")
def weather(n, prefix):
    out = []
    for i in range(n):
        w = random.sample(filler, 3); w.insert(1, "كريه"); w.append("الطقس")
        out.append((f"{prefix}{i}", " ".join(w)))
    return out
with open(f"{d}/new_posts.txt", "w") as f:
    for _, t in weather(30, "n"): f.write(t + "\n")
with open(f"{d}/feedback_dev.tsv", "w") as f:
    for i, t in weather(10, "w"): f.write(f"{i}\tnormal\t{t}\n")
    for i in range(10): f.write(f"x{i}\tabuse\t{post('abuse')}\n")
EOF

# 1. A first model from one labeled file, no recipe: "normal" means none.
"$CLF" train --input "$T/base.tsv" --dev "$T/base_dev.tsv" --negative normal --name shipped \
  --out "$T/A.clf" --save-recipe "$T/A.recipe.json" --threads 2 --quiet || bad "train --input"
grep -q '"normal": \[\]' "$T/A.recipe.json" || bad "--negative maps the label to no category"

# 2. Score new posts with the shipped model; export the flagged ones.
"$CLF" score -m "$T/A.clf" --output jsonl --only-flagged < "$T/new_posts.txt" > "$T/flagged.jsonl"
n_flagged=$(wc -l < "$T/flagged.jsonl")
[ "$n_flagged" -ge 20 ] || bad "the shipped model flags the weather posts ($n_flagged of 30)"

# 3. Moderators label them (here: a rule standing in for people): talk
#    about the weather is not abuse. The labeled export is a TSV corpus.
"$py" - "$T/flagged.jsonl" "$T/new_posts.txt" "$T/feedback.tsv" <<'EOF'
import json, sys
texts = open(sys.argv[2], encoding="utf-8").read().split("\n")
with open(sys.argv[3], "w", encoding="utf-8") as out:
    out.write("id\tlabels\ttext\n")
    for line in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(line)
        text = texts[int(r["id"]) - 1]  # ids are line numbers of the input
        label = "normal" if "الطقس" in text else "abuse"
        out.write(f"fb{r['id']}\t{label}\t{text}\n")
EOF

# 4. Add them as a corpus of the recipe and retrain. Moderator feedback
#    counts more than bulk data: "weight" repeats its rows.
"$py" - "$T/A.recipe.json" "$T/B.recipe.json" "$T" <<'EOF'
import json, sys, os
r = json.load(open(sys.argv[1]))
r["name"] = "candidate"
base = r["corpora"][0]
base["train"] = "base.tsv"
base["dev"] = "base_dev.tsv"
fb = {"name": "feedback", "train": "feedback.tsv", "dev": "feedback_dev.tsv",
      "annotates": base["annotates"], "labels": base["labels"]}
if os.environ.get("CLF_TEST_WEIGHT", "1") == "1":
    fb["weight"] = 3
r["corpora"].append(fb)
json.dump(r, open(sys.argv[2], "w"), ensure_ascii=False, indent=1)
EOF
"$CLF" train --recipe "$T/B.recipe.json" --corpora "$T" --out "$T/B.clf" --threads 2 --quiet \
  || bad "retrain with the feedback corpus"

# 5. Compare on the same dev data; list the decisions that changed.
"$CLF" eval -m "$T/A.clf" --compare "$T/B.clf" --recipe "$T/B.recipe.json" --corpora "$T" \
  --json "$T/cmp.json" > "$T/cmp.txt" || bad "eval --compare exits 0"
"$py" - "$T/cmp.txt" "$T/cmp.json" <<'EOF' || bad "eval --compare: changed decisions, thresholds, verdict"
import json, re, sys
txt = open(sys.argv[1], encoding="utf-8").read()
r = json.load(open(sys.argv[2]))
assert re.search(r"thresholds \(A -> B\): abuse [0-9.]+ -> [0-9.]+", txt), "both thresholds shown"
ch = r["changed_decisions"]
assert ch["count"] >= 5 and ch["listed"] == len(ch["documents"]) == ch["count"], ch["count"]
weather = [d for d in ch["documents"] if "الطقس" in d["text"]]
assert len(weather) >= 5, "the weather posts of the feedback dev split changed"
for d in weather:
    c = [c for c in d["categories"] if c["category"] == "abuse"][0]
    assert c["b_decision"] == "cleared" and c["label"] is False and c["a"] > c["b"], c
    assert c["words"] and all(w["delta"] < 0 for w in c["words"]), c
    assert any(w["word"] in ("الطقس", "كريه") for w in c["words"]), c
assert "cleared by B (right: the label agrees with B); moved by" in txt
fb = [l for l in txt.split("== ")[1:] if l.startswith("feedback")][0]
assert "verdict: B is better on abuse" in fb, fb
EOF

# 6. A model compared with itself: a tie, said plainly, and nothing changed.
"$CLF" eval -m "$T/A.clf" --compare "$T/A.clf" --recipe "$T/B.recipe.json" --corpora "$T" > "$T/self.txt" \
  || bad "self-compare exits 0"
grep -q "verdict: the models tie" "$T/self.txt" || bad "self-compare: the models tie"
grep -q "verdict: B is better" "$T/self.txt" && bad "self-compare: no winner"
grep -q "decisions changed (A -> B): 0 of" "$T/self.txt" || bad "self-compare: no decision changed"

# Usage errors of train --input.
"$CLF" train --input "$T/new_posts.txt" --out "$T/x.clf" 2> "$T/err" ; [ $? -eq 2 ] || bad "unlabeled --input exits 2"
grep -q "no labels" "$T/err" || bad "unlabeled --input says why"
"$CLF" train --input "$T/base.tsv" --recipe "$T/B.recipe.json" --out "$T/x.clf" 2>/dev/null; [ $? -eq 2 ] || bad "--input with --recipe exits 2"
"$CLF" train --input "$T/base.tsv" --label abuse --out "$T/x.clf" 2>/dev/null; [ $? -eq 2 ] || bad "--label without = exits 2"
"$CLF" train --recipe "$T/B.recipe.json" --negative normal --out "$T/x.clf" 2>/dev/null; [ $? -eq 2 ] || bad "--negative without --input exits 2"
[ -e "$T/x.clf" ] && bad "no model written on a usage error"

finish feedback
