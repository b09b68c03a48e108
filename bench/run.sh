#!/usr/bin/env bash
# bench/run.sh - the README's benchmark table, measured in one run, side by
# side with the peers (scikit-learn and fastText) as ratios.
#
#   bash bench/run.sh [--docs N] [--no-peers]
#
# Every text of $CLF_CORPORA/*/{train,dev}.tsv (default ../shared/corpora),
# cycled to N documents (default 200,000). Measures, for libclassify with the
# shipped default model (all five categories in one pass):
#   - in-process throughput (bench_pipeline): normalize, normalize+features,
#     score on 1 and 2 threads, model load time;
#   - the `classify score` process on a file of the N documents, 1 and 2
#     threads: wall time and peak RSS (/usr/bin/time);
# and the same documents through bench/peers/throughput.py (scikit-learn
# TF-IDF + LinearSVC, five pipelines; fastText predict-prob, one model per
# category measured on `offensive`). Needs python3-sklearn, fasttext, time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sh "$ROOT/scripts/deps.sh" --bench
DOCS=200000
PEERS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) DOCS="$2"; shift 2 ;;
    --no-peers) PEERS=0; shift ;;
    *) echo "usage: bench/run.sh [--docs N] [--no-peers]" >&2; exit 2 ;;
  esac
done
CORPORA="${CLF_CORPORA:-$ROOT/../shared/corpora}"
MODEL="$ROOT/models/arabic-default.clf"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DCLF_BUILD_TESTS=OFF >/dev/null
cmake --build "$ROOT/build-bench" -j"$(nproc)" --target classify_cli bench_pipeline >/dev/null
CLF="$ROOT/build-bench/classify"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== libclassify in-process (bench/bench_pipeline.c)"
"$ROOT/build-bench/bench/bench_pipeline" --corpora "$CORPORA" --model "$MODEL" --docs "$DOCS" \
  | tee "$TMP/pipeline.txt"
"$ROOT/build-bench/bench/bench_pipeline" --corpora "$CORPORA" --model "$MODEL" --docs "$DOCS" \
  --json > "$TMP/pipeline.json"

# The same documents as a file, one per line, for the command-line runs.
/usr/bin/python3 - "$CORPORA" "$DOCS" > "$TMP/docs.txt" <<'PY'
import glob, os, sys
root, n = sys.argv[1], int(sys.argv[2])
texts = []
for d in sorted(os.listdir(root)):
    for split in ("train", "dev"):
        p = os.path.join(root, d, split + ".tsv")
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                next(f)
                texts += [line.rstrip("\n").split("\t", 2)[2] for line in f]
out = sys.stdout
for i in range(n):
    out.write(texts[i % len(texts)] + "\n")
PY
MB=$(du -m "$TMP/docs.txt" | cut -f1)
echo "== classify score process: $DOCS documents, $MB MB"
for t in 1 2; do
  /usr/bin/time -f "%e %M" -o "$TMP/time$t" "$CLF" score --model "$MODEL" --format text \
    --threads $t "$TMP/docs.txt" > "$TMP/out$t.jsonl"
  read -r wall rss < "$TMP/time$t"
  echo "threads $t: $wall s wall, $(awk -v d="$DOCS" -v w="$wall" 'BEGIN{printf "%.0f", d/w}') docs/s, peak RSS $((rss / 1024)) MB"
  echo "$wall $rss" > "$TMP/cli$t"
done
cmp -s "$TMP/out1.jsonl" "$TMP/out2.jsonl" && echo "(1- and 2-thread outputs identical)"

if [ "$PEERS" = 1 ]; then
  echo "== peers on the same documents (bench/peers/throughput.py)"
  /usr/bin/python3 "$ROOT/bench/peers/throughput.py" --corpora "$CORPORA" --docs "$DOCS" \
    --ft-categories offensive --out "$TMP/peers.json" > "$TMP/peers.log" 2>&1 || {
      cat "$TMP/peers.log"; exit 1; }
  /usr/bin/python3 - "$TMP" "$DOCS" <<'PY'
import json, sys
tmp, docs = sys.argv[1], int(sys.argv[2])
ours = json.load(open(tmp + "/pipeline.json"))
peers = json.load(open(tmp + "/peers.json"))
cli1 = [float(x) for x in open(tmp + "/cli1").read().split()]
cli2 = [float(x) for x in open(tmp + "/cli2").read().split()]
sk = peers["sklearn"]
ft = peers["fasttext"]["models"]["offensive"]
sk_all = sk["docs_per_second"]                      # five pipelines
sk_one = docs / (sk["score_seconds"] / len(sk["categories"]))
ft_one = ft["docs_per_second"]
ft_all = ft_one / 5.0                               # one model per category
rows = [
  ("libclassify, 5 categories, 1 thread (in-process)", ours["score1_dps"], None),
  ("libclassify, 5 categories, 2 threads (in-process)", ours["score2_dps"], None),
  ("libclassify `classify score`, 1 thread", docs / cli1[0], cli1[1] / 1024),
  ("libclassify `classify score`, 2 threads", docs / cli2[0], cli2[1] / 1024),
  ("scikit-learn, 1 category (avg of 5 pipelines)", sk_one, None),
  ("scikit-learn, 5 categories", sk_all, sk["peak_rss_mb"]),
  ("fastText predict-prob, 1 category", ft_one, ft["peak_rss_mb"]),
  ("fastText, 5 categories (5 models)", ft_all, None),
]
print("\n| system | docs/s | x scikit-learn (5 cat.) | x fastText (5 cat.) | peak RSS |")
print("|---|---:|---:|---:|---:|")
for name, dps, rss in rows:
    print("| %s | %.0f | %.1f | %.1f | %s |" % (name, dps, dps / sk_all, dps / ft_all,
          "%.0f MB" % rss if rss else ""))
print("\nmodel load: libclassify %.2f ms (median of 21); fastText %.2f s; scikit-learn %.2f s (unpickle)"
      % (ours["load_ms"], ft["load_seconds"], sk["load_seconds"]))
print("load average during the peers: %s -> %s" % (peers.get("loadavg_start"), peers.get("loadavg_end")))
PY
fi
