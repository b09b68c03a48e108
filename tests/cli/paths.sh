#!/usr/bin/env bash
# paths.sh - the one rule for a recipe's corpus paths (docs/training.md
# "Corpus paths") through the CLI: an absolute path as written; "./" and
# "../" from the recipe's folder whatever --corpora says; plain paths under
# --corpora, else $CLF_CORPORA, else the recipe's corpora_root, else the
# recipe's folder; for train, eval --recipe and eval --cv, from any working
# directory; a missing file is named as resolved. Run by ctest as
#   paths.sh PATH/TO/classify SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

# A data team's folder: the recipe beside its train file, a dev file kept
# elsewhere (absolute path), news under the recipe's corpora_root, and a
# shared lexicon one folder up ("../").
mkdir -p "$T/team/data/news" "$T/elsewhere" "$T/alt" "$T/alt2/news" "$T/cwd"
"$py" - "$T" <<'EOF'
import random, sys
d = sys.argv[1]
random.seed(3)
bad = ["كريه", "حقير", "قذر", "منحط", "وضيع"]
filler = ["اليوم", "الناس", "هذا", "في", "المدينة", "الجو", "الطريق", "البيت", "العمل", "السوق"]
def rows(path, n, pos_every, prefix):
    with open(path, "w") as f:
        f.write("id\tlabels\ttext\n")
        for i in range(n):
            w = random.sample(filler, 4)
            lab = "abuse" if pos_every and i % pos_every == 0 else "normal"
            if lab == "abuse": w.insert(2, random.choice(bad))
            f.write(f"{prefix}{i}\t{lab}\t{' '.join(w)}\n")
rows(f"{d}/team/train.tsv", 60, 3, "t")
rows(f"{d}/elsewhere/dev.tsv", 30, 3, "d")
rows(f"{d}/team/data/news/train.tsv", 30, 0, "n")
rows(f"{d}/alt2/news/train.tsv", 12, 0, "m")
rows(f"{d}/lexicon.tsv", 20, 2, "l")
EOF
cat > "$T/team/recipe.json" <<EOF
{"name": "team", "categories": ["abuse"], "corpora_root": "data",
 "features": {"hash_bits": 16, "min_df": 1}, "training": {"folds": 2, "c_grid": [1]},
 "corpora": [
  {"name": "posts", "train": "./train.tsv", "dev": "$T/elsewhere/dev.tsv",
   "annotates": ["abuse"], "labels": {"abuse": ["abuse"], "normal": []}},
  {"name": "lexicon", "train": "../lexicon.tsv",
   "annotates": ["abuse"], "labels": {"abuse": ["abuse"], "normal": []}},
  {"name": "news", "train": "news/train.tsv", "negatives_for": ["abuse"], "labels": {"normal": []}}]}
EOF
R="$T/team/recipe.json"

# 1. no --corpora, another working directory: every path resolves
( cd "$T/cwd" && env -u CLF_CORPORA "$CLF" train --recipe "$R" --out "$T/m.clf" --threads 1 --quiet ) \
  || bad "train from another folder without --corpora"
"$CLF" info --model "$T/m.clf" --metadata > "$T/meta.json" 2>/dev/null || bad "info --metadata"
# the metadata keeps the paths as written (the absolute one is the recipe's own choice)
grep -q '"path": *"./train.tsv"' "$T/meta.json" || bad "metadata path ./train.tsv as written"
grep -q '"path": *"news/train.tsv"' "$T/meta.json" || bad "metadata path news/train.tsv as written"
grep -q "$T/team/data" "$T/meta.json" && bad "metadata holds a resolved path"
( cd "$T/cwd" && env -u CLF_CORPORA "$CLF" eval --model "$T/m.clf" --recipe "$R" --resamples 0 -q ) \
  || bad "eval --recipe without --corpora (absolute dev path)"
( cd "$T/cwd" && env -u CLF_CORPORA "$CLF" eval --cv 2 --recipe "$R" --resamples 0 -q ) \
  || bad "eval --cv without --corpora"
# a relative recipe path: its folder is relative to the working directory too
( cd "$T" && env -u CLF_CORPORA "$CLF" train --recipe team/recipe.json --out m2.clf --threads 1 --quiet ) \
  || bad "train --recipe team/recipe.json from its parent"
cmp -s "$T/m.clf" "$T/m2.clf" || bad "the same files give the same model from another folder"

# 2. --corpora moves the plain path only; the error names the resolved path
out=$(env -u CLF_CORPORA "$CLF" train --recipe "$R" --corpora "$T/alt" --out "$T/x.clf" --quiet 2>&1)
[ $? -eq 2 ] || bad "a missing plain path exits 2"
case "$out" in *"$T/alt/news/train.tsv: cannot open (corpus news)"*) ;;
  *) bad "missing file message names $T/alt/news/train.tsv: $out" ;; esac
case "$out" in *train.tsv*lexicon*|*lexicon.tsv*) bad "--corpora moved a ../ path: $out" ;; esac
env -u CLF_CORPORA "$CLF" train --recipe "$R" --corpora "$T/alt2" --out "$T/alt2.clf" --quiet --threads 1 \
  || bad "--corpora with the plain path present"
# $CLF_CORPORA replaces corpora_root; --corpora beats $CLF_CORPORA
CLF_CORPORA="$T/alt2" "$CLF" train --recipe "$R" --out "$T/env.clf" --quiet --threads 1 \
  || bad "CLF_CORPORA as the corpora root"
cmp -s "$T/alt2.clf" "$T/env.clf" || bad "CLF_CORPORA and --corpora give the same model"
CLF_CORPORA="$T/alt" "$CLF" train --recipe "$R" --corpora "$T/alt2" --out "$T/x.clf" --quiet --threads 1 \
  || bad "--corpora overrides CLF_CORPORA"
"$CLF" train --recipe "$R" --corpora "$T/no-such-dir" --out "$T/x.clf" --quiet 2>"$T/err"
[ $? -eq 2 ] && grep -q "corpora directory $T/no-such-dir" "$T/err" || bad "a missing --corpora dir: $(cat "$T/err")"

# 3. ./ and ../ files missing: named as resolved from the recipe's folder
mv "$T/lexicon.tsv" "$T/lexicon.bak"
out=$(env -u CLF_CORPORA "$CLF" eval --model "$T/m.clf" --recipe "$R" --split train --corpus lexicon \
      --resamples 0 -q 2>&1)
[ $? -eq 2 ] || bad "eval of a missing ../ file exits 2"
case "$out" in *"$T/team/../lexicon.tsv"*) ;; *) bad "eval names $T/team/../lexicon.tsv: $out" ;; esac
mv "$T/lexicon.bak" "$T/lexicon.tsv"

# 4. a recipe saved by train --input has absolute paths: it trains from anywhere
( cd "$T/team" && "$CLF" train --input train.tsv --negative normal --out "$T/q.clf" --quiet \
    --threads 1 --save-recipe "$T/cwd/saved.json" ) || bad "train --input --save-recipe"
grep -q "\"train\": \"$T/team/train.tsv\"" "$T/cwd/saved.json" || bad "saved recipe: absolute path"
( cd / && "$CLF" train --recipe "$T/cwd/saved.json" --out "$T/q2.clf" --quiet --threads 1 ) \
  || bad "train --recipe of the saved recipe from /"
cmp -s "$T/q.clf" "$T/q2.clf" || bad "the saved recipe gives the same model"

# 5. the old per-corpus "root" is refused, pointing at the rule
sed 's/"name": "news",/"name": "news", "root": "recipe",/' "$R" > "$T/team/old.json"
out=$("$CLF" train --recipe "$T/team/old.json" --out "$T/x.clf" 2>&1)
[ $? -eq 2 ] || bad "a recipe with \"root\" exits 2"
case "$out" in *'root: no longer exists'*'"./"'*) ;; *) bad "\"root\" message: $out" ;; esac

# 6. the shipped recipe: its synthetic rows come from training/synthetic/ whatever
#    --corpora says, its corpora from ../shared/corpora beside the source tree
M="$SRC/models/arabic-default.clf"
SR="$SRC/training/recipes/arabic-default.json"
( cd "$T/cwd" && "$CLF" eval --model "$M" --recipe "$SR" --corpora "$T/alt" --corpus synthetic-benign \
    --split train --resamples 0 -q ) || bad "shipped recipe: synthetic rows beside the recipe"
if [ -d "$SRC/../shared/corpora/osact2020" ]; then
  ( cd "$T/cwd" && env -u CLF_CORPORA "$CLF" eval --model "$M" --recipe "$SR" --corpus osact2020 \
      --resamples 0 -q ) || bad "shipped recipe: corpora_root finds ../shared/corpora"
else
  echo "note: $SRC/../shared/corpora missing: the shipped recipe's corpora_root is not exercised" >&2
fi

finish paths
