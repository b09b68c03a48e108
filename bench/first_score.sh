#!/usr/bin/env bash
# bench/first_score.sh - time to the first score of a new process (issue 10:
# <= 15 ms CPU for the whole `classify score` process on one short line).
#
#   bash bench/first_score.sh [--runs N] [--cli PATH] [--base PATH] [--model M]
#
# For the `classify score` binary (default: a Release build in build-bench/),
# on one line of Arabic text, JSON Lines out:
#   - instructions of the whole process under callgrind, and where they go
#     (dynamic loading, model load, scorer/featurizer/normalizer start-up,
#     the score itself), from callgrind_annotate's inclusive counts;
#   - CPU time (user + system, getrusage of the child) and minor page
#     faults, best and median of N runs (default 15).
# --base PATH runs a second binary (say, a build of main) alternated with
# the first, in the same minutes, so that the machine's load hits both alike
# (give --model a file both can read: an older binary rejects newer formats).
# Needs valgrind. CPU time on a shared machine moves with the load; the
# instruction counts do not (page faults, which they miss, do not either).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=15
CLI=""
BASE=""
MODEL="$ROOT/models/arabic-default.clf"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --cli) CLI="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    *) echo "usage: bench/first_score.sh [--runs N] [--cli PATH] [--base PATH] [--model M]" >&2
       exit 2 ;;
  esac
done
if [ -z "$CLI" ]; then
  cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DCLF_BUILD_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" -j2 --target classify_cli >/dev/null
  CLI="$ROOT/build-bench/classify"
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf '\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\n' > "$TMP/one.txt" # "hello", 10 bytes
ARGS=(score --model "$MODEL" --format text --output jsonl "$TMP/one.txt")

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
for bin in "$CLI" $BASE; do
  valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$bin" "${ARGS[@]}" \
    >/dev/null 2>"$TMP/cg.log" || { echo "$bin failed:" >&2; tail -3 "$TMP/cg.log" >&2; exit 1; }
  callgrind_annotate --inclusive=yes --threshold=100 "$TMP/cg.out" > "$TMP/cg.txt" 2>/dev/null
  /usr/bin/python3 - "$bin" "$TMP/cg.txt" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
inc = {}
total = None
for line in open(path):
    m = re.match(r"\s*([\d,]+) .*?(\S+:)?(\S+?) \[", line)
    if "PROGRAM TOTALS" in line:
        total = int(line.split()[0].replace(",", ""))
    elif m:
        fn = m.group(3).split("'")[0]
        inc.setdefault(fn, int(m.group(1).replace(",", "")))
def get(*names):
    return sum(inc.get(n, 0) for n in names)
rows = [
    ("dynamic loading (ld.so _dl_start)", get("_dl_start")),
    ("model load (clf_model_load)", get("clf_model_load")),
    ("scorer start-up (clf_scorer_new: featurizer, normalizer, stemmer)", get("clf_scorer_new")),
    ("scoring the line (clf_score)", get("clf_score")),
]
print("\n%s: %s instructions for the whole process (callgrind)" % (name, format(total, ",")))
for label, v in rows:
    print("  %-68s %12s" % (label, format(v, ",")))
print("  %-68s %12s" % ("the rest (exit, CLI, I/O)", format(total - sum(v for _, v in rows), ",")))
PY
done

/usr/bin/python3 - "$RUNS" "$CLI" "$BASE" -- "${ARGS[@]}" <<'PY'
import resource, statistics, subprocess, sys
runs, cli, base = int(sys.argv[1]), sys.argv[2], sys.argv[3]
args = sys.argv[sys.argv.index("--") + 1:]
bins = [cli] + ([base] if base else [])
res = {b: [] for b in bins}
for _ in range(runs):
    for b in bins:  # alternated: the load of the minute hits every binary alike
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([b] + args, stdout=subprocess.DEVNULL, check=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3
        res[b].append((cpu, r1.ru_minflt - r0.ru_minflt))
print("\nCPU time of the whole process (user + system, getrusage), %d runs%s:" %
      (runs, ", alternated" if base else ""))
for b in bins:
    cpu = sorted(c for c, _ in res[b])
    flt = min(f for _, f in res[b])
    print("  %s: best %.1f ms, median %.1f ms; %d minor page faults" %
          (b, cpu[0], statistics.median(cpu), flt))
print("load average at the end: %s" % open("/proc/loadavg").read().split()[0])
PY
