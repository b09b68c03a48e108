#!/usr/bin/env bash
# bench/serve.sh - `classify serve` throughput and latency, beside `classify
# score` on the same texts in the same run.
#
#   bash bench/serve.sh [--texts N] [--seconds S] [--connections C]
#
# Texts: the first N (default 4000) texts of $CLF_CORPORA/*/{train,dev}.tsv
# (default ../shared/corpora), as Perspective analyze bodies (one comment
# each, TOXICITY + EXTREMISM + HATE requested) and as OpenAI moderation
# batches of 32. wrk (Debian) drives 127.0.0.1 with C connections for S
# seconds per row and reports requests/s and the latency distribution. Rows:
#   GET /healthz            HTTP only (libmicrohttpd, routing, a tiny JSON)
#   analyze, bad attribute  HTTP + reading and parsing the JSON body, no scoring
#   analyze                 one comment per request: HTTP + JSON + scoring
#   moderations x32         32 comments per request
# each with 1 and 2 worker threads; then `classify score` on the same texts
# (1 and 2 threads) as the no-network baseline. The machine has 2 cores and
# wrk runs on the same machine (1 thread), so the 2-worker rows share the
# CPU with the load generator.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=4000
SECS=8
CONNS=16
while [ $# -gt 0 ]; do
  case "$1" in
    --texts) N="$2"; shift 2 ;;
    --seconds) SECS="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    *) echo "usage: bench/serve.sh [--texts N] [--seconds S] [--connections C]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "bench/serve.sh: needs wrk (sh scripts/deps.sh --bench)" >&2; exit 2; }
CORPORA="${CLF_CORPORA:-$ROOT/../shared/corpora}"
TMP=$(mktemp -d)
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DCLF_BUILD_TESTS=OFF >/dev/null
cmake --build "$ROOT/build-bench" -j2 --target classify_cli >/dev/null
CLF="$ROOT/build-bench/classify"

/usr/bin/python3 - "$CORPORA" "$N" "$TMP" <<'PY'
import json, os, sys
root, n, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
texts = []
for d in sorted(os.listdir(root)):
    for split in ("train", "dev"):
        p = os.path.join(root, d, split + ".tsv")
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                next(f)
                texts += [l.rstrip("\n").split("\t", 2)[2] for l in f]
texts = [t for t in texts if t.strip()][:n]
attrs = {"TOXICITY": {}, "EXTREMISM": {}, "HATE": {}}
with open(tmp + "/texts.txt", "w") as f:  # cycled so that process start-up is noise
    f.write("".join(texts[i % len(texts)].replace("\n", " ") + "\n"
                    for i in range(max(len(texts), 40000))))
with open(tmp + "/analyze.txt", "w") as f:
    for t in texts:
        f.write(json.dumps({"comment": {"text": t}, "languages": ["ar"],
                            "requestedAttributes": attrs}, ensure_ascii=False) + "\n")
with open(tmp + "/bad.txt", "w") as f:
    for t in texts:
        f.write(json.dumps({"comment": {"text": t}, "requestedAttributes": {"NOPE": {}}},
                           ensure_ascii=False) + "\n")
with open(tmp + "/batch.txt", "w") as f:
    for i in range(0, len(texts) - 31, 32):
        f.write(json.dumps({"input": texts[i:i + 32]}, ensure_ascii=False) + "\n")
size = sum(len(t.encode()) for t in texts)
print("texts: %d, %.0f bytes on average" % (len(texts), size / len(texts)))
PY
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk 1 thread, $CONNS connections, ${SECS}s per row"

# CPU time (user + system, clock ticks) the server has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SRV_PID/stat"; }
TCK=$(getconf CLK_TCK)

# One wrk row: name, path, bodies file (or - for GET), docs per request.
row() {
  local name=$1 path=$2 bodies=$3 per=$4 out c0 c1
  c0=$(cpu_ticks)
  if [ "$bodies" = - ]; then
    out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$PORT$path")
  else
    out=$(BODIES="$bodies" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/serve/bodies.lua" \
          "http://127.0.0.1:$PORT$path")
  fi
  c1=$(cpu_ticks)
  local rps p50 p99 non2xx n cpu
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  # server CPU per request: robust to other load on the machine, unlike wall time
  cpu=$(awk -v t=$((c1 - c0)) -v n="$n" -v hz="$TCK" 'BEGIN {printf "%.0f", t / hz / n * 1e6}')
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf "| %-26s | %7s | %10s | %10s | %9s | %8s | %6s |\n" "$name" "$WORKERS" "$rps" \
    "$(awk -v r="$rps" -v p="$per" 'BEGIN {printf "%.0f", r * p}')" "$p50" "$p99" "$cpu"
  [ -n "$non2xx" ] && echo "    ($non2xx non-2xx responses; expected only on the bad-attribute row)"
  return 0
}

echo
echo "| request | workers | requests/s | comments/s | p50 | p99 | server CPU µs/request |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for WORKERS in 1 2; do
  "$CLF" serve --listen 127.0.0.1:0 --threads "$WORKERS" --max-inputs 64 > "$TMP/srv.out" 2> "$TMP/srv.err" &
  SRV_PID=$!
  for _ in $(seq 100); do grep -q listening "$TMP/srv.out" 2>/dev/null && break; sleep 0.05; done
  PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/srv.out")
  row "GET /healthz" /healthz - 0
  row "analyze, bad attribute" /v1alpha1/comments:analyze "$TMP/bad.txt" 0
  row "analyze (1 comment)" /v1alpha1/comments:analyze "$TMP/analyze.txt" 1
  row "moderations (32 comments)" /v1/moderations "$TMP/batch.txt" 32
  kill -TERM "$SRV_PID"; wait "$SRV_PID" || true; SRV_PID=
done

echo
echo "classify score on the same texts, cycled to $(wc -l < "$TMP/texts.txt") lines (no network; best of 3):"
LINES=$(wc -l < "$TMP/texts.txt")
for t in 1 2; do
  best=
  for _ in 1 2 3; do
    s=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$TMP/time.txt" "$CLF" score --format text --threads "$t" "$TMP/texts.txt" > /dev/null
    e=$(date +%s.%N)
    r=$(awk -v n="$LINES" -v a="$s" -v b="$e" 'BEGIN {printf "%.0f", n / (b - a)}')
    cpu=$(awk -v n="$LINES" '{printf "%.0f", ($1 + $2) / n * 1e6}' "$TMP/time.txt")
    if [ -z "$best" ] || [ "$r" -gt "$best" ]; then best=$r; bestcpu=$cpu; fi
  done
  echo "| classify score, $t thread(s) | $best comments/s | CPU $bestcpu µs/comment |"
done
