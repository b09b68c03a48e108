#!/usr/bin/env bash
# spans.sh - `classify score --spans`: each sentence (or paragraph) of a
# long document with its offsets in the input in bytes, code points and
# UTF-16 units and its scores; the passage that drives the document's
# score is the top span of the table. Run by ctest as
#   spans.sh PATH/TO/classify SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

# An article: a news sentence, the obfuscated propaganda, a greeting (an
# emoji first, so UTF-16 units differ from code points).
{ printf "\xf0\x9f\x93\xb0 %s\n%s\n\n%s\n" "$(cat "$S/news.txt")" "$(cat "$S/propaganda-obfuscated.txt")" "$(cat "$S/greeting.txt")"; } > "$T/a.txt"
"$CLF" score -m "$MODEL" --output jsonl --format doc --spans "$T/a.txt" > "$T/s.jsonl" || bad "--spans exits 0"
"$CLF" score -m "$MODEL" --output jsonl --format doc --spans=paragraphs "$T/a.txt" > "$T/p.jsonl" || bad "--spans=paragraphs exits 0"
"$py" - "$T/s.jsonl" "$T/p.jsonl" "$T/a.txt" "$S/propaganda-obfuscated.txt" <<'EOF' || bad "span offsets and scores"
import json, sys
raw = open(sys.argv[3], "rb").read()
text = raw.decode()
u16 = text.encode("utf-16-le")
prop = open(sys.argv[4], "rb").read().strip()
for path, want in ((sys.argv[1], 3), (sys.argv[2], 2)):
    r = json.loads(open(path).read())
    sp = r["spans"]
    assert len(sp) == want, (path, len(sp))
    prev = 0
    for s in sp:
        b = raw[s["start"]:s["end"]].decode()
        assert b == text[s["cp_start"]:s["cp_end"]], s
        assert b == u16[2 * s["u16_start"]:2 * s["u16_end"]].decode("utf-16-le"), s
        assert b == b.strip() and b, s
        assert s["start"] >= prev
        prev = s["end"]
        assert set(s["scores"]) == set(r["scores"])
    if want == 3:
        top = max(sp, key=lambda s: s["scores"]["extremism"])
        assert raw[top["start"]:top["end"]] == prop, "the propaganda sentence drives extremism"
        assert "extremism" in top["flagged"] and "extremism" in r["flagged"]
        assert sp[0]["flagged"] == [] and sp[2]["flagged"] == []
EOF

COLUMNS=100 "$CLF" score -m "$MODEL" --output table --format doc --spans --top-spans 2 "$T/a.txt" > "$T/t.out"
"$py" - "$T/t.out" <<'EOF' || bad "table lists the top spans, best first"
import sys
lines = [l for l in open(sys.argv[1], encoding="utf-8").read().split("\n") if "span " in l]
assert len(lines) == 2, lines
assert "extremism" in lines[0] and "\u0628\u0640\u0640\u0640\u0627" in lines[0], lines[0]
EOF
"$CLF" score -m "$MODEL" --spans=words "$T/a.txt" >/dev/null 2>&1
[ $? -eq 2 ] || bad "--spans with a bad unit exits 2"

finish spans
