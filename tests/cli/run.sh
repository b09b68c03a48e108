#!/usr/bin/env bash
# run.sh - command-line tests of the classify tool: exit codes, exact
# outputs, error records, order, streaming. Run by ctest as
#   run.sh PATH/TO/classify SOURCE_DIR
# Prints "N passed, N failed" and exits non-zero when anything failed.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

# --- usage -------------------------------------------------------------
"$CLF" --help >/dev/null; check "--help exits 0" test $? -eq 0
"$CLF" >/dev/null 2>&1; check "no command exits 2" test $? -eq 2
"$CLF" frobnicate >/dev/null 2>&1; check "unknown command exits 2" test $? -eq 2
for c in score normalize features train eval info; do
  out=$("$CLF" $c --help); rc=$?
  check "$c --help exits 0" test $rc -eq 0
  check "$c --help prints usage" grep -q "Usage: classify $c" <<<"$out"
done
"$CLF" score --no-such-option </dev/null >/dev/null 2>&1; check "bad option exits 2" test $? -eq 2
"$CLF" --version | grep -q '^classify [0-9]'; check "--version" test $? -eq 0

# --- normalize: evasions give the plain text ---------------------------
plain="الدولة الإسلامية باقية"
printf '%s\n' \
  "$plain" \
  "الـدولـــة الإسـلامـيـة بـاقـيـة" \
  "الدَّوْلَةُ الإِسْلامِيَّةُ باقِيَةٌ" \
  $'الدو\u200bلة الإسلا\u200cمية باق\u200dية' \
  "الدولة الإسلامیة باقیة" \
  "الدوووولة الإسلامية باقية" \
  > "$T/ev.txt"
"$CLF" normalize "$T/ev.txt" > "$T/ev.out"; rc=$?
check "normalize exits 0" test $rc -eq 0
check "normalize: one line per input line" test "$(wc -l < "$T/ev.out")" -eq 6
check "normalize: every evasion equals the plain text" test "$(sort -u "$T/ev.out" | wc -l)" -eq 1
check "normalize: expected form" test "$(head -1 "$T/ev.out")" = "الدوله الاسلاميه باقيه"

# CRLF and a BOM change nothing
printf '\xef\xbb\xbf%s\r\nabc\r\n' "$plain" | "$CLF" normalize > "$T/crlf.out"
check "normalize: BOM and CRLF" test "$(head -1 "$T/crlf.out")" = "الدوله الاسلاميه باقيه"
check "normalize: CRLF second line" test "$(sed -n 2p "$T/crlf.out")" = "abc"

# invalid UTF-8: an empty line in its place, an error on stderr, exit 1
printf 'one\n\xff\xfe\nthree\n' | "$CLF" normalize > "$T/bad.out" 2> "$T/bad.err"; rc=$?
check "normalize: invalid UTF-8 exits 1" test $rc -eq 1
check "normalize: keeps line count" test "$(wc -l < "$T/bad.out")" -eq 3
check "normalize: line 3 intact" test "$(sed -n 3p "$T/bad.out")" = "three"
check "normalize: error names the line" grep -q ':2:' "$T/bad.err"
"$CLF" normalize "$T/does-not-exist" >/dev/null 2>&1; check "normalize: missing file exits 2" test $? -eq 2

# --- features ----------------------------------------------------------
echo "كتاب كتاب" | "$CLF" features --no-stems --char-ngrams 0 --word-ngrams 1 > "$T/f.out"
check "features: one word feature" test "$(wc -l < "$T/f.out")" -eq 1
check "features: count 2" test "$(cut -f4 "$T/f.out")" = "2"

# --- score ---------------------------------------------------------------
if [ ! -f "$MODEL" ]; then
  bad "default model $MODEL is missing"
else
  CLF_MODEL="$MODEL" "$CLF" score "$SRC"/samples/*.txt > "$T/s.out"; rc=$?
  check "score samples exits 0" test $rc -eq 0
  check "score: one record per sample file" test "$(wc -l < "$T/s.out")" -eq "$(ls "$SRC"/samples/*.txt | wc -l)"
  $py - "$T/s.out" <<'PYEOF' ; check "score: JSON records with scores and flagged" test $? -eq 0
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    assert "id" in r and "scores" in r and "flagged" in r, r
    assert all(0.0 <= p <= 1.0 for p in r["scores"].values()), r
PYEOF
  # the obfuscated sample scores exactly like the plain one
  a=$("$CLF" score --model "$MODEL" --format doc "$SRC/samples/propaganda.txt" | sed 's/"id":"[^"]*",//')
  b=$("$CLF" score --model "$MODEL" --format doc "$SRC/samples/propaganda-obfuscated.txt" | sed 's/"id":"[^"]*",//')
  check "score: obfuscation does not change scores" test "$a" = "$b"

  # JSONL: pass-through fields, error records in place, exit 1
  printf '%s\n' '{"id":"a","text":"مرحبا بكم","lang":"ar"}' 'not json' \
    '{"id":"c","nottext":1}' '{"id":7,"text":"صباح الخير"}' > "$T/in.jsonl"
  "$CLF" score --model "$MODEL" "$T/in.jsonl" > "$T/j.out" 2>/dev/null; rc=$?
  check "score jsonl with bad records exits 1" test $rc -eq 1
  check "score jsonl: one output per input line" test "$(wc -l < "$T/j.out")" -eq 4
  $py - "$T/j.out" <<'PYEOF' ; check "score jsonl: pass-through, order, error records" test $? -eq 0
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert rs[0]["id"] == "a" and rs[0]["lang"] == "ar" and "scores" in rs[0]
assert "error" in rs[1] and rs[1]["line"] == 2
assert "error" in rs[2] and rs[2]["line"] == 3
assert rs[3]["id"] == "7" and "scores" in rs[3]  # ids are strings
PYEOF

  # TSV in, TSV out
  printf 'id\tlabels\ttext\nx1\t\tمرحبا\nx2\thate\tصباح الخير\n' > "$T/in.tsv"
  "$CLF" score --model "$MODEL" --output tsv "$T/in.tsv" > "$T/t.out"; rc=$?
  check "score tsv exits 0" test $rc -eq 0
  check "score tsv: header" grep -q $'^id\textremism' "$T/t.out"
  check "score tsv: model line" grep -q '^# model: arabic-default@' "$T/t.out"
  check "score tsv: rows in order" test "$(grep -v '^#' "$T/t.out" | cut -f1 | tr '\n' ' ')" = "id x1 x2 "

  # info names the model and what its features depend on
  "$CLF" info --model "$MODEL" > "$T/info.out" 2>&1
  check "info: model id" grep -q '^id: *arabic-default@[0-9a-f]\{8\}$' "$T/info.out"
  # (the model's revision is whichever it was trained with; the host's is the newest it computes)
  check "info: feature deps" grep -q '^feature deps: *revision [1-9][0-9]*, Unicode' "$T/info.out"
  check "info: this host" grep -q '^this host: *revision 2, Unicode [0-9]' "$T/info.out"
  # an endless non-regular model file is refused, not read forever
  timeout 20 "$CLF" info --model /dev/zero >/dev/null 2>"$T/zero.err"; rc=$?
  check "info --model /dev/zero exits 2" test $rc -eq 2
  check "info --model /dev/zero: says why" grep -q "no CLFMODEL magic" "$T/zero.err"
  timeout 20 "$CLF" info --model <(cat "$MODEL"; yes) >/dev/null 2>"$T/yes.err"; rc=$?
  check "info --model <(model; yes) exits 2" test $rc -eq 2
  check "info --model <(model; yes): trailing data" grep -q "trailing data" "$T/yes.err"
  timeout 20 "$CLF" info --model <(cat "$MODEL") >/dev/null; rc=$?
  check "info --model <(model) exits 0" test $rc -eq 0

  # abstention: no Arabic letter -> "abstain", nothing flagged, base-rate scores
  printf 'hello world 123 https://x.com @user\nمرحبا بكم\n' > "$T/ab.txt"
  "$CLF" score --model "$MODEL" --format text -t extremism=0 "$T/ab.txt" > "$T/ab.out"; rc=$?
  check "score abstain exits 0" test $rc -eq 0
  check "score abstain: named in JSONL" test "$(sed -n 1p "$T/ab.out" | grep -c '"abstain":"no_arabic_text"')" = 1
  check "score abstain: nothing flagged" grep -q '"flagged":\[\]' <(sed -n 1p "$T/ab.out")
  check "score abstain: Arabic text is scored" test "$(sed -n 2p "$T/ab.out" | grep -c abstain)" = 0
  "$CLF" score --model "$MODEL" --format text --output tsv "$T/ab.txt" > "$T/ab.tsv"
  check "score abstain: TSV column" test "$(grep -v '^#' "$T/ab.tsv" | awk -F'\t' 'NR==1{for(i=1;i<=NF;i++) if($i=="abstain") c=i} NR==2{print $c}')" = no_arabic_text

  # threads keep the order and the numbers
  for i in $(seq 1 3000); do echo "نص رقم $i عن الدولة والجهاد والأخبار $((i * 7919 % 1000))"; done > "$T/many.txt"
  "$CLF" score --model "$MODEL" --format text -j 1 "$T/many.txt" > "$T/m1.out"
  "$CLF" score --model "$MODEL" --format text -j 2 "$T/many.txt" > "$T/m2.out"
  check "score: --threads 2 equals --threads 1" cmp -s "$T/m1.out" "$T/m2.out"
  check "score: 3000 records" test "$(wc -l < "$T/m2.out")" -eq 3000
  # chunks end at ~16 KB of text: lines of 20 B to 40 KB, more chunks than
  # 8 per thread, written in order by whichever thread is writing
  awk 'BEGIN { for (i = 1; i <= 400; i++) { n = (i % 37 == 0) ? 4000 : (i * 7919 % 60) + 1
               s = ""; for (k = 0; k < n; k++) s = s "كلمة" k " "; print s } }' > "$T/long.txt"
  "$CLF" score --model "$MODEL" --format text -j 1 "$T/long.txt" > "$T/l1.out"
  "$CLF" score --model "$MODEL" --format text -j 4 "$T/long.txt" > "$T/l4.out"
  check "score: long and short lines, --threads 4 equals --threads 1" cmp -s "$T/l1.out" "$T/l4.out"
  check "score: 400 records" test "$(wc -l < "$T/l4.out")" -eq 400
  # JSON Lines with pass-through fields, from a pipe, 3 threads (the reader
  # and the writers share each record's JSON object: TSan runs this too)
  awk '{printf "{\"id\":\"d%d\",\"text\":\"%s\",\"meta\":{\"n\":[%d]}}\n", NR, $0, NR}' \
    "$T/many.txt" > "$T/many.jsonl"
  "$CLF" score --model "$MODEL" -j 1 "$T/many.jsonl" > "$T/mj1.out"
  cat "$T/many.jsonl" | "$CLF" score --model "$MODEL" -j 3 > "$T/mj3.out"
  check "score: jsonl through a pipe, --threads 3 equals --threads 1" cmp -s "$T/mj1.out" "$T/mj3.out"
  check "score: jsonl pass-through kept" test "$(grep -c '"meta":{"n":\[' "$T/mj3.out")" -eq 3000

  # thresholds and filtering
  "$CLF" score --model "$MODEL" --format text -t extremism=0 -t hate=0 --only-flagged "$T/many.txt" > "$T/f0.out"
  check "score: threshold 0 flags everything" test "$(wc -l < "$T/f0.out")" -eq 3000
  "$CLF" score --model "$MODEL" --format text -t nosuchcat=0.5 "$T/many.txt" >/dev/null 2>&1
  check "score: unknown category in --threshold exits 2" test $? -eq 2
  "$CLF" score --model "$MODEL" -t extremism=2 </dev/null >/dev/null 2>&1
  check "score: threshold out of range exits 2" test $? -eq 2

  # explanations
  "$CLF" score --model "$MODEL" --explain 2 --format doc "$SRC/samples/propaganda.txt" > "$T/e.out"
  check "score --explain adds explanations" grep -q '"explanation"' "$T/e.out"

  # bad models: missing, truncated, not a model
  "$CLF" score --model "$T/nope.clf" </dev/null >/dev/null 2>"$T/err"; rc=$?
  check "score: missing model exits 2" test $rc -eq 2
  check "score: missing model message" grep -q "nope.clf" "$T/err"
  head -c 1000 "$MODEL" > "$T/trunc.clf"
  "$CLF" score --model "$T/trunc.clf" </dev/null >/dev/null 2>"$T/err"; rc=$?
  check "score: truncated model exits 2" test $rc -eq 2
  check "score: truncated model message" grep -qi "trunc\|size" "$T/err"
  "$CLF" score --model "$SRC/README.md" </dev/null >/dev/null 2>&1
  check "score: foreign file exits 2" test $? -eq 2

  # empty input, binary file, invalid UTF-8 document
  : > "$T/empty.txt"
  "$CLF" score --model "$MODEL" --format text "$T/empty.txt" > "$T/empty.out"; rc=$?
  check "score: empty input exits 0 with no output" test $rc -eq 0 -a ! -s "$T/empty.out"
  head -c 5000 /dev/urandom > "$T/binary.bin"; printf '\xff' >> "$T/binary.bin"
  "$CLF" score --model "$MODEL" --format doc "$T/binary.bin" > "$T/bin.out" 2>/dev/null; rc=$?
  check "score: binary document gives an error record, exit 1" test $rc -eq 1
  check "score: binary error record" grep -q '"error"' "$T/bin.out"

  # a streaming filter: the first result arrives before the input ends
  coproc CL { CLF_MODEL="$MODEL" "$CLF" score --format text; }
  echo "مرحبا" >&"${CL[1]}"
  if read -r -t 20 line <&"${CL[0]}" && grep -q '"scores"' <<<"$line"; then ok; else bad "score: streaming output is flushed per record"; fi
  exec {CL[1]}>&-
  wait "$CL_PID" 2>/dev/null

  # info
  "$CLF" info --model "$MODEL" > "$T/info.out"; rc=$?
  check "info exits 0" test $rc -eq 0
  check "info lists categories" grep -q "extremism" "$T/info.out"
fi

finish "cli"
