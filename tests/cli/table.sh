#!/usr/bin/env bash
# table.sh - `classify score --output table`: the default on a terminal
# (JSON Lines in a pipe), colours only on a terminal or --color always and
# never with NO_COLOR, the model and thresholds in the header, lines that
# fit the width, Arabic inside bidi isolates, input bidi controls dropped,
# explanations underneath with non-words marked. Run by ctest as
#   table.sh PATH/TO/classify SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

# In a pipe: JSON Lines.
"$CLF" score -m "$MODEL" "$S/insult.txt" | head -c1 | grep -q '{' || bad "pipe default is JSON Lines"

# On a terminal (script(1) gives the command a pty): the table, coloured.
if ! command -v script >/dev/null; then bad "script(1) is needed (util-linux)"; fi
COLUMNS=100 script -qec "'$CLF' score -m '$MODEL' '$S/insult.txt' '$S/news.txt'" /dev/null > "$T/tty.out" </dev/null
grep -q 'FLAGGED' "$T/tty.out" || bad "terminal default is the table"
grep -q $'\033\\[' "$T/tty.out" || bad "terminal table is coloured"
NO_COLOR=1 script -qec "'$CLF' score -m '$MODEL' '$S/insult.txt'" /dev/null > "$T/nc.out" </dev/null
grep -q 'FLAGGED' "$T/nc.out" || bad "NO_COLOR: still the table"
grep -q $'\033' "$T/nc.out" && bad "NO_COLOR: no escape sequences"
NO_COLOR= script -qec "'$CLF' score -m '$MODEL' '$S/insult.txt'" /dev/null > "$T/nc0.out" </dev/null
grep -q $'\033\\[' "$T/nc0.out" || bad "an empty NO_COLOR does not disable colour"
"$CLF" score -m "$MODEL" --output table --color always "$S/insult.txt" | grep -q $'\033\\[' \
  || bad "--color always colours a pipe"
"$CLF" score -m "$MODEL" --output table --color never "$S/insult.txt" | grep -q $'\033' \
  && bad "--color never"
"$CLF" score -m "$MODEL" --output table --color sometimes "$S/insult.txt" >/dev/null 2>&1
[ $? -eq 2 ] || bad "--color with a bad value exits 2"

# The table in a pipe, 80 columns.
printf '%s\n' \
  'قال "الله" 12 مرة ثم 3.5%' \
  $'نص فيه \u202eعكس\u202c الاتجاه \u2067و\u2069 عزل' \
  'شاهد الفيديو، https://example.com/v?id=3 ولا تنسوا @someone !!' \
  'hello world' \
  "$(cat "$S/propaganda-obfuscated.txt")" > "$T/in.txt"
COLUMNS=80 "$CLF" score -m "$MODEL" --output table --explain 3 --explain-all -t hate=0.05 < "$T/in.txt" > "$T/t.out"
[ $? -eq 0 ] || bad "table exits 0"
"$py" - "$T/t.out" <<'EOF' || bad "table layout"
import re, sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
assert not any("\033" in l for l in lines), "no colour in a pipe"
assert re.match(r"model arabic-default@[0-9a-f]{8}  thresholds", lines[0]), lines[0]
head = " ".join(lines[:3])
assert "hate>=0.0500" in head, "the overridden threshold is the one shown"
def width(s):
    w = 0
    for c in s:
        cat = unicodedata.category(c)
        if cat in ("Mn", "Me", "Cf") or unicodedata.combining(c):
            continue
        w += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return w
for l in lines:
    assert width(l) <= 80, (width(l), l)
FSI, PDI = "\u2068", "\u2069"
rows = [l for l in lines if not l.startswith(" ") and not l.startswith("model") and not l.startswith("ID")]
assert len(rows) == 5, rows
for l in lines:
    depth = 0
    for c in l:
        if c == FSI: depth += 1
        elif c == PDI: depth -= 1; assert depth >= 0, l
        elif "\u0600" <= c <= "\u06ff": assert depth == 1, ("Arabic outside an isolate", l)
        elif c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u200e\u200f\u061c":
            assert False, ("a bidi control of the input leaked", l)
    assert depth == 0, l
# numbers and quotes of the table stay outside the isolates
assert re.search(r"\u2069 [+-][0-9]+\.[0-9]{2}", "\n".join(lines)), "contributions after the isolate"
assert rows[3].startswith("4 ") and "abstained: no_arabic_text" in rows[3], rows[3]
assert "extremism" in rows[4] and "hate" in rows[4], rows[4]
body = "\n".join(lines)
# the shipped model has no rows for placeholders and punctuation (issue 9): never a reason
assert "(placeholder)" not in body and "(punctuation)" not in body, "source artefacts are no reason"
assert "الخـ\u200cـلافـة" in body, "the obfuscated word is shown as written"
assert "\u2026" in body, "long texts are cut with an ellipsis"
EOF

# Error records keep their row.
printf '{"id":"a","text":"مرحبا"}\n{"id":"b","text":5}\n' | "$CLF" score -m "$MODEL" --output table --format jsonl > "$T/e.out"
[ $? -eq 1 ] || bad "error record: exit 1"
grep -q '^b .*error' "$T/e.out" || bad "error record has its row"

finish table
