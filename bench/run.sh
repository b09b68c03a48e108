#!/usr/bin/env bash
# bench/run.sh - the README's benchmark table, measured in one run, side by
# side with the peers (scikit-learn and fastText) as ratios.
#
#   bash bench/run.sh [--docs N] [--no-peers] [--no-callgrind]
#
# Every text of $CLF_CORPORA/*/{train,dev}.tsv (default ../shared/corpora),
# cycled to N documents (default 200,000). For libclassify with the shipped
# default model (all five categories in one pass):
#   - instructions per document per stage, beside the floor loop
#     (bench/stages.py: callgrind over 3,000 texts spread over all of them);
#   - in-process throughput (bench_pipeline): floor loop, normalize,
#     normalize+features, clf_score on 1 and 2 threads; model load time and
#     resident memory;
#   - time to the first score of a new process (11 runs), and where the
#     instructions of a whole `classify score` process on one line go
#     (bench/first_score.sh, callgrind);
#   - the `classify score` process on a file of the N documents, JSON Lines
#     out, 1 and 2 threads, 3 runs each, alternated: CPU time (user + sys),
#     wall time and peak RSS (/usr/bin/time);
# and the same documents through bench/peers/throughput.py (scikit-learn
# TF-IDF + LinearSVC, five pipelines; fastText predict-prob, one model per
# category measured on `offensive`, best of 3). The fastText model is then
# timed 3 more times, alternated with the `classify score` runs: the ratios
# use those runs (best of 3 each, same minutes), since fastText's speed moves
# with the load more than ours (it reads a 400 MB table at random). Needs
# python3-sklearn, fasttext, time, valgrind. Then instructions per document of
# both processes (callgrind, 3,000 documents minus 1,000, start-up out): a
# ratio the load does not move, printed beside the timed ones.
#
# This machine is shared: wall time moves with other people's load, so
# one-thread figures are docs per CPU second (best of 3), instruction
# counts are given per stage, and the 2-thread speedup (wall time, best
# of 3) is only meaningful when the load average is below ~1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sh "$ROOT/scripts/deps.sh" --bench
DOCS=200000
PEERS=1
CALLGRIND=1
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) DOCS="$2"; shift 2 ;;
    --no-peers) PEERS=0; shift ;;
    --no-callgrind) CALLGRIND=0; shift ;;
    *) echo "usage: bench/run.sh [--docs N] [--no-peers] [--no-callgrind]" >&2; exit 2 ;;
  esac
done
CORPORA="${CLF_CORPORA:-$ROOT/../shared/corpora}"
MODEL="$ROOT/models/arabic-default.clf"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DCLF_BUILD_TESTS=OFF >/dev/null
cmake --build "$ROOT/build-bench" -j2 --target classify_cli bench_pipeline >/dev/null
CLF="$ROOT/build-bench/classify"
BENCH="$ROOT/build-bench/bench/bench_pipeline"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

echo '{}' > "$TMP/stages.json"
if [ "$CALLGRIND" = 1 ]; then
  echo "== instructions per document (bench/stages.py, callgrind)"
  /usr/bin/python3 "$ROOT/bench/stages.py" --bench "$BENCH" --cli "$CLF" --model "$MODEL" \
    --corpora "$CORPORA" --json "$TMP/stages.json"
fi

echo "== libclassify in-process (bench/bench_pipeline.c)"
"$BENCH" --corpora "$CORPORA" --model "$MODEL" --docs "$DOCS" --json > "$TMP/pipeline.json"

echo "== time to first score of a new process (11 runs)"
: > "$TMP/first.txt"
: > "$TMP/first_cli.txt"
printf '\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\n' > "$TMP/one.txt"
for i in $(seq 11); do
  "$BENCH" --model "$MODEL" --first-score >> "$TMP/first.txt"
done
# the whole process: wall and user/sys CPU from getrusage (microseconds;
# /usr/bin/time prints hundredths, too coarse for a 15 ms target)
/usr/bin/python3 - "$TMP/first_cli.txt" "$CLF" score --model "$MODEL" --format text \
    --output jsonl "$TMP/one.txt" <<'PY'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
with open(out, "w") as f:
    for _ in range(11):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        f.write("%.6f %.6f %.6f\n" % (t1 - t0, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))
PY

# where a new process's instructions go, and its CPU time (bench/first_score.sh)
if [ "$CALLGRIND" = 1 ]; then
  echo "== first score of a new process (bench/first_score.sh)"
  bash "$ROOT/bench/first_score.sh" --cli "$CLF" --model "$MODEL"
fi

# The same documents as a file, one per line, for the command-line runs.
/usr/bin/python3 - "$CORPORA" "$DOCS" > "$TMP/docs.txt" <<'PY'
import os, sys
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

# The peers first (training is not timed); the fastText model is kept and
# timed again below, alternated with libclassify's runs, so that the ratios
# compare best-of-3 against best-of-3 in the same minutes.
echo '{}' > "$TMP/peers.json"
if [ "$PEERS" = 1 ]; then
  echo "== peers on the same documents (bench/peers/throughput.py)"
  /usr/bin/python3 "$ROOT/bench/peers/throughput.py" --corpora "$CORPORA" --docs "$DOCS" \
    --ft-categories offensive --ft-keep "$TMP/ft" --out "$TMP/peers.json" > "$TMP/peers.log" 2>&1 || {
      cat "$TMP/peers.log"; exit 1; }
  # our documents as fastText reads them (peers.ft_write_docs: whitespace collapsed)
  /usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import peers
peers.ft_write_docs([l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8")], sys.argv[3])' \
    "$ROOT/bench/peers" "$TMP/docs.txt" "$TMP/ft-docs.txt"
fi
echo "== classify score process: $DOCS documents, $MB MB, JSON Lines out (3 runs per thread count, alternated with fastText's; load average $(cut -d" " -f1 /proc/loadavg))"
: > "$TMP/cli.txt"
: > "$TMP/ft.txt"
for rep in 1 2 3; do
  for t in 1 2; do
    /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" "$CLF" score --model "$MODEL" --format text \
      --output jsonl --threads $t "$TMP/docs.txt" > "$TMP/out$t.jsonl"
    echo "$t $(cat "$TMP/time")" >> "$TMP/cli.txt"
  done
  if [ "$PEERS" = 1 ]; then
    /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" fasttext predict-prob "$TMP/ft/ft-offensive.bin" \
      "$TMP/ft-docs.txt" 2 > "$TMP/ft-out.txt"
    [ "$(wc -l < "$TMP/ft-out.txt")" = "$DOCS" ] || { echo "fasttext: wrong line count" >&2; exit 1; }
    cat "$TMP/time" >> "$TMP/ft.txt"
  fi
done
cmp -s "$TMP/out1.jsonl" "$TMP/out2.jsonl" && echo "(1- and 2-thread outputs identical)"
# The same comparison in instructions (callgrind), which the load does not
# move: each process on the first 1,000 and 3,000 documents, the difference
# / 2,000 = instructions per document with the start-up (model load) taken
# out. Time is what the targets are about; this says whether a ratio that
# moved between runs moved because of the code or because of the machine.
echo '{}' > "$TMP/insn.json"
if [ "$PEERS" = 1 ] && [ "$CALLGRIND" = 1 ] && [ "$DOCS" -ge 3000 ]; then
  echo "== instructions per document, classify score vs fastText (callgrind, 3,000 - 1,000 documents)"
  insn() { # insn N FILE CMD... -> instructions of CMD with @IN@ = the first N lines of FILE
    local n=$1 file=$2; shift 2
    head -n "$n" "$file" > "$TMP/insn-in.txt"
    local args=("${@/#@IN@/$TMP/insn-in.txt}")
    valgrind --tool=callgrind --callgrind-out-file="$TMP/insn.cg" "${args[@]}" > /dev/null 2> "$TMP/insn.err" || {
      cat "$TMP/insn.err" >&2; exit 1; }
    sed -n 's/^summary: *//p' "$TMP/insn.cg"
  }
  ours1=$(insn 1000 "$TMP/docs.txt" "$CLF" score --model "$MODEL" --format text --output jsonl --threads 1 @IN@)
  ours3=$(insn 3000 "$TMP/docs.txt" "$CLF" score --model "$MODEL" --format text --output jsonl --threads 1 @IN@)
  ft1i=$(insn 1000 "$TMP/ft-docs.txt" fasttext predict-prob "$TMP/ft/ft-offensive.bin" @IN@ 2)
  ft3i=$(insn 3000 "$TMP/ft-docs.txt" fasttext predict-prob "$TMP/ft/ft-offensive.bin" @IN@ 2)
  printf '{"ours": [%s, %s], "fasttext": [%s, %s]}\n' "$ours1" "$ours3" "$ft1i" "$ft3i" > "$TMP/insn.json"
fi

[ "$(wc -l < "$TMP/out1.jsonl")" = "$DOCS" ] || { echo "classify score: wrong record count" >&2; exit 1; }


/usr/bin/python3 - "$TMP" "$DOCS" <<'PY'
import json, statistics, sys
tmp, docs = sys.argv[1], int(sys.argv[2])
ours = json.load(open(tmp + "/pipeline.json"))
st = json.load(open(tmp + "/stages.json"))
peers = json.load(open(tmp + "/peers.json"))
runs = {1: [], 2: []}
for line in open(tmp + "/cli.txt"):
    t, wall, user, sys_, rss = line.split()
    runs[int(t)].append((float(wall), float(user) + float(sys_), int(rss) / 1024.0))
cpu1 = min(r[1] for r in runs[1])
wall1 = min(r[0] for r in runs[1])
wall2 = min(r[0] for r in runs[2])
rss1 = max(r[2] for r in runs[1])
rss2 = max(r[2] for r in runs[2])
cli1 = docs / cpu1                     # docs per CPU second, one thread
cli2_wall = docs / wall2
first = [json.loads(l) for l in open(tmp + "/first.txt")]
first_wall = statistics.median(f["first_score_ms"] for f in first)
first_cpu = min(f["first_score_cpu_ms"] for f in first)
fc = [l.split() for l in open(tmp + "/first_cli.txt")]
first_proc_cpu = min((float(u) + float(s)) * 1e3 for _, u, s in fc)
first_proc_wall = min(float(w) * 1e3 for w, _, _ in fc)

ft1 = ft5 = sk1 = sk5 = None
if peers:
    sk = peers["sklearn"]
    ft = peers["fasttext"]["models"]["offensive"]
    sk5 = docs / sk["score_cpu_seconds"]            # five pipelines, per CPU second
    sk1 = sk5 * len(sk["categories"])
    # one model, whole process: best of the 3 runs alternated with ours
    ftr = [l.split() for l in open(tmp + "/ft.txt")]
    ft1 = docs / min(float(u) + float(s_) for _, u, s_, _ in ftr)
    ft1_own = ft["docs_per_cpu_second"]             # throughput.py's own best of 3
    ft5 = ft1 / 5.0                                 # one model per category
def ratios(v):
    if not peers:
        return " | | | |"
    return " | %.1f | %.1f | %.1f |" % (v / sk5, v / ft1, v / ft5)
print("\ndocs per CPU second (best of runs, one core) unless marked wall")
print("| system | docs/s | x scikit-learn (5 cat.) | x fastText (1 model) | x fastText (5 models) |")
print("|---|---:|---:|---:|---:|")
rows = [
  ("floor loop (bare decode + hashing, in-process)", ours["floor_dps"]),
  ("libclassify clf_score, 5 categories, 1 thread (in-process)", ours["score1_dps"]),
  ("libclassify clf_score, 2 threads (in-process, wall)", ours["score2_dps"]),
  ("`classify score`, 1 thread (whole process, JSONL out)", cli1),
  ("`classify score`, 2 threads (whole process, wall)", cli2_wall),
]
if peers:
    rows += [("scikit-learn, 1 category", sk1), ("scikit-learn, 5 categories", sk5),
             ("fastText predict-prob, 1 category (whole process)", ft1),
             ("fastText, 5 categories (5 models)", ft5)]
for name, v in rows:
    print("| %s | %.0f%s" % (name, v, ratios(v)))
cpu2 = min(r[1] for r in runs[2])
print("\n`classify score` 2 threads vs 1 (wall, best of 3): %.2fx; CPU time 2 threads / 1: %.2f"
      "  (load average now: %s)" % (wall1 / wall2, cpu2 / cpu1, open("/proc/loadavg").read().split()[0]))
print("peak RSS of `classify score`: %.1f MB (1 thread), %.1f MB (2 threads)" % (rss1, rss2))
print("model resident memory: %.1f MB as loaded; %.1f MB with one warm scorer"
      % (ours["model_rss_kb"] / 1024.0, ours["model_scorer_warm_rss_kb"] / 1024.0))
print("model load: %.2f ms (median of 21)" % ours["load_ms"])
print("first score of a new process: load + scorer + one text %.1f ms CPU (best), %.1f ms wall (median);"
      " whole `classify score` process on one line %.1f ms CPU, %.1f ms wall (best of 11)"
      % (first_cpu, first_wall, first_proc_cpu, first_proc_wall))
if peers:
    print("peers: fastText load %.2f s, scikit-learn unpickle %.2f s; peak RSS fastText %.0f MB, "
          "scikit-learn %.0f MB; load average %s -> %s"
          % (peers["fasttext"]["models"]["offensive"]["load_seconds"], peers["sklearn"]["load_seconds"],
             peers["fasttext"]["models"]["offensive"]["peak_rss_mb"], peers["sklearn"]["peak_rss_mb"],
             peers.get("loadavg_start"), peers.get("loadavg_end")))
    print("fastText, 1 model, docs per CPU second: %.0f best of the 3 runs alternated with "
          "`classify score` (runs: %s s CPU); %.0f best of throughput.py's own %d runs (%s s CPU), "
          "minutes earlier" % (ft1, ", ".join("%.2f" % (float(u) + float(s_)) for _, u, s_, _ in ftr),
                               ft1_own, ft.get("runs", 1),
                               ", ".join("%.2f" % x for x in ft.get("runs_cpu_seconds", []))))

insn = json.load(open(tmp + "/insn.json"))
if insn:
    o = (insn["ours"][1] - insn["ours"][0]) / 2000.0
    f = (insn["fasttext"][1] - insn["fasttext"][0]) / 2000.0
    print("instructions per document, start-up excluded (callgrind, documents 1-3,000 minus 1-1,000): "
          "classify score %.0f, fastText predict-prob (1 model) %.0f: fastText needs %.1fx ours for one "
          "model, %.1fx for five (a ratio the load does not move; the targets are on time)"
          % (o, f, f / o, 5 * f / o))
print("\ntargets (issue 10):")
def target(name, ok, got):
    print("  [%s] %s: %s" % ("met" if ok else "NOT met", name, got))
target(">= 100,000 docs/s per core, classify score", cli1 >= 100000, "%.0f" % cli1)
if peers:
    target(">= 12x one fastText model", cli1 >= 12 * ft1, "%.1fx" % (cli1 / ft1))
    target(">= 60x five fastText models", cli1 >= 60 * ft5, "%.1fx" % (cli1 / ft5))
target(">= 150,000 docs/s in-process clf_score", ours["score1_dps"] >= 150000, "%.0f" % ours["score1_dps"])
target("2 threads >= 1.9x one (wall)", wall1 / wall2 >= 1.9, "%.2fx" % (wall1 / wall2))
target("model <= 4 MB RAM", ours["model_rss_kb"] <= 4096, "%.1f MB" % (ours["model_rss_kb"] / 1024.0))
target("peak RSS <= 16 MB", rss1 <= 16, "%.1f MB" % rss1)
target("first score <= 15 ms (whole new process, CPU)", first_proc_cpu <= 15, "%.1f ms CPU (%.1f ms in-process: load, scorer, one text)" % (first_proc_cpu, first_cpu))
PY
