#!/usr/bin/env bash
# report_html.sh - the layout parts of `classify eval --html`: a print
# stylesheet and narrow-screen rules, a score histogram (with counts and the
# threshold) for a category without positives, reliability bars with their
# counts. Small data written here. Run by ctest as
#   report_html.sh PATH/TO/classify SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

"$py" - "$T" <<'EOF'
import random, sys
d = sys.argv[1]
random.seed(3)
bad = ["كريه", "حقير", "قذر"]
good = ["جميل", "رائع", "لطيف"]
filler = ["اليوم", "الناس", "هذا", "في", "المدينة", "الجو", "الطريق", "البيت"]
def post(lab):
    w = random.sample(filler, 4)
    if lab == "abuse": w.insert(2, random.choice(bad))
    if lab == "praise": w.insert(1, random.choice(good))
    return " ".join(w)
with open(f"{d}/train.tsv", "w") as f:
    for i in range(90):
        lab = ["abuse", "praise", "normal"][i % 3]
        f.write(f"t{i}\t{lab}\t{post(lab)}\n")
# the test file: abuse and normal only: "praise" has no positives here
with open(f"{d}/test.tsv", "w") as f:
    for i in range(37):
        lab = ["abuse", "normal"][i % 2]
        # every 9th label wrong, so that the report has lists of errors
        f.write(f"e{i}\t{['normal', 'abuse'][i % 2] if i % 9 == 4 else lab}\t{post(lab)}\n")
EOF
"$CLF" train --input "$T/train.tsv" --negative normal --out "$T/m.clf" --threads 2 --quiet || bad "train"
"$CLF" eval -m "$T/m.clf" --map abuse=abuse,normal= --annotates abuse,praise "$T/test.tsv" --html "$T/r.html" > /dev/null || bad "eval --html"
"$py" - "$T/r.html" <<'EOF' || bad "report layout"
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
assert "@media print" in h and "@page" in h, "a print stylesheet"
assert re.search(r"@media \(max-width:\s*9\d\dpx\)", h) and re.search(r"@media \(max-width:\s*6\d\dpx\)", h), "narrow-screen rules"
# print: the overview and per-corpus cards, and each category's head (title, figures,
# charts) kept on one page; error lists flow row by row with their header repeated
printcss = h[h.index("@media print"):]
avoid = re.search(r"([^{}]*)\{break-inside:avoid\}", printcss)
assert avoid and {"section.card", ".head", ".charts", "tr"} <= set(avoid.group(1).split(",")), avoid
lists = re.findall(r'(.{0,40})<h4>(Top false [^<]*)</h4>(.{0,20})', h)
assert lists and all(pre.endswith('<div class="errs">') and post.startswith("<table><thead><tr>")
                     for pre, _, post in lists), ("error lists in .errs with a thead", lists)
# one card per category; praise has no positives in this file: a histogram
cards = re.split(r'<div class="card" id=', h)[1:]
praise = [c for c in cards if c.split("</h3>")[0].find("praise") >= 0]
abuse = [c for c in cards if c.split("</h3>")[0].find("abuse") >= 0]
assert praise and abuse, "a card per category"
p, a = praise[0], abuse[0]
assert "Score histogram" in p and "Reliability" not in p, "histogram without positives"
assert "Score histogram" not in a and "Reliability" in a, "reliability with positives"
for card in (p, a):
    head = card.split('<div class="head">', 1)[1].split("</div>\n", 1)[0] if '<div class="head">' in card else ""
    assert "<h3>" in head and "<svg" in card.split('<div class="errs">')[0], "the card's head holds its title"

    counts = [int(x) for x in re.findall(r'class="bc"[^>]*>(\d+)</text>', card)]
    assert sum(counts) == 37, ("bar counts add up to the documents", counts)
    assert 'class="vline"' in card and "threshold " in card, "the threshold is drawn"
EOF
finish report_html
