#!/usr/bin/python3
"""stages.py - instructions per document, per stage, counted with callgrind.

    stages.py --bench BENCH_PIPELINE --cli CLASSIFY --model M --corpora DIR
              [--docs N] [--json OUT]

Wall time on a shared machine is noisy; instruction counts are not. Three
callgrind runs over the same N texts (default 3,000), spread evenly over every
text of DIR/*/{train,dev}.tsv:

  - bench_pipeline --stage floor: the floor loop (bench_pipeline.c: XXH3 of
    every n-gram, whatever the model's revision);
  - bench_pipeline --stage score: clf_score() in-process, split by function
    (inclusive costs; scan and count_chunk are kept out of line for this);
  - `classify score` on the same texts as a file (whole process: start-up,
    reading, scoring, JSON output), one thread.

Counts only what runs inside run_stage() for the first two
(--toggle-collect), everything for the process. Cold caches: N texts seen
once each, so the stem cache misses as it would on new text. The n-gram row
names the hashing of the model's feature revision (`classify info`).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def corpus_texts(root):
    """The texts in bench_pipeline's order: sorted corpora, train then dev."""
    texts = []
    for d in sorted(os.listdir(root)):
        for split in ("train", "dev"):
            p = os.path.join(root, d, split + ".tsv")
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    next(f)
                    for line in f:
                        parts = line.rstrip("\n").split("\t", 2)
                        if len(parts) == 3:
                            texts.append(parts[2])
    return texts


def callgrind(cmd, out, toggle=None, stdout=subprocess.DEVNULL):
    args = ["valgrind", "--tool=callgrind", "--branch-sim=yes", "--callgrind-out-file=" + out]
    if toggle:
        args.append("--toggle-collect=" + toggle)
    subprocess.run(args + cmd, check=True, stdout=stdout, stderr=subprocess.DEVNULL)


LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(?:\*\s+)?(.*?)\s+\[[^\]]*\]\s*$")


def inclusive(path, event="Ir"):
    """function name -> inclusive cost of event (Ir: instructions, Bcm:
    mispredicted conditional branches), and the program total."""
    txt = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                          "--show=" + event, "--sort=" + event, path],
                         check=True, capture_output=True, text=True).stdout
    costs, total = {}, 0
    for line in txt.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(2)
        name = name.split(":", 1)[1] if ":" in name else name
        if "'" in name:  # a recursive call's separate entry
            continue
        name = re.sub(r"\.(part|isra|constprop|cold)\.\d+$", "", name)
        costs[name] = max(costs.get(name, 0), int(m.group(1).replace(",", "")))
    return costs, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--json")
    a = ap.parse_args()
    n = a.docs
    texts = corpus_texts(a.corpora)
    stride = max(1, len(texts) // n)
    tmp = tempfile.mkdtemp()
    sample = os.path.join(tmp, "sample.txt")
    with open(sample, "w", encoding="utf-8") as f:
        for k in range(n):
            f.write(texts[(k * stride) % len(texts)] + "\n")

    common = ["--corpora", a.corpora, "--model", a.model, "--docs", str(n)]
    callgrind([a.bench, "--stage", "floor"] + common, tmp + "/floor.cg", "run_stage")
    callgrind([a.bench, "--stage", "score"] + common, tmp + "/score.cg", "run_stage")
    callgrind([a.cli, "score", "--model", a.model, "--format", "text", "--threads", "1",
               sample], tmp + "/cli.cg")
    # the model's feature revision decides how n-grams are hashed (docs/features.md)
    info = subprocess.run([a.cli, "info", "--model", a.model], check=True, capture_output=True,
                          text=True).stdout
    m = re.search(r"^feature deps:\s+revision (\d+)", info, re.M)
    rev = int(m.group(1)) if m else 0
    hashing = {1: "XXH3 per n-gram",
               2: "rolling hash over code points (one multiply per n-gram)"}.get(
                   rev, "hashing (feature revision %s)" % (rev or "?"))
    fl, _ = inclusive(tmp + "/floor.cg")
    sc, _ = inclusive(tmp + "/score.cg")
    cl, cl_total = inclusive(tmp + "/cli.cg")
    ir = stage_rows(fl, sc, cl, cl_total, n, hashing)
    fl, _ = inclusive(tmp + "/floor.cg", "Bcm")
    sc, _ = inclusive(tmp + "/score.cg", "Bcm")
    cl, cl_total = inclusive(tmp + "/cli.cg", "Bcm")
    bcm = stage_rows(fl, sc, cl, cl_total, n, hashing)
    floor = ir[0][1]
    print("per document (callgrind, %d texts spread over all %d, cold caches); mispredicted "
          "branches as callgrind's branch simulator counts them (each costs ~15 cycles on a "
          "real CPU: they, not instructions, were most of the counting stage's time)" %
          (n, len(texts)))
    print("| stage | instructions/doc | x floor | mispredicts/doc |")
    print("|---|---:|---:|---:|")
    for (name, v), (_, b) in zip(ir, bcm):
        print("| %s | %.1fk | %.2f | %.0f |" % (name, v / 1e3, v / floor if floor else 0, b))
    if a.json:
        d = {k: v for k, v in zip(KEYS, (v for _, v in ir))}
        d.update({"docs": n, "feature_revision": rev,
                  "mispredicts": {k: v for k, v in zip(KEYS, (b for _, b in bcm))}})
        with open(a.json, "w") as f:
            json.dump(d, f)
    return 0


# JSON keys of the rows of stage_rows(), in order
KEYS = ["floor", "normalize", "scan", "ngrams", "stem", "count", "lookup_dot", "score",
        "startup", "reading", "cli_score", "output", "process"]


def stage_rows(fl, sc, cl, cl_total, n, hashing):
    """(label, cost per document) of each stage, from the three profiles."""
    g = lambda d, k: d.get(k, 0) / n
    floor = g(fl, "run_stage")
    score = g(sc, "run_stage")
    norm = g(sc, "clf_normalize")
    scan = g(sc, "scan")
    stem = g(sc, "sb_stemmer_stem") + g(sc, "clf__stem_arabic")
    count = g(sc, "count_chunk")
    if "clf__featurize_hits" in sc:
        # the scorer's featurization ends with the row lookup from the
        # bucket table (finish_hits*): count that with the dot products
        look = max(g(sc, k) for k in ("finish_hits", "finish_hits_popcnt", "finish_hits_bitmap"))
        featc = g(sc, "clf__featurize_hits") - look
        feat = featc - norm
    else:  # before 3cda613: counts, then find_rows in score.c
        feat = g(sc, "clf__featurize_normalized")
        featc = g(sc, "clf__featurize_counts")
    startup = (cl.get("clf_model_load", 0) + cl.get("clf_scorer_new", 0)) / n
    reading = g(cl, "clf_reader_next")
    cli_score = g(cl, "clf_score")
    process = cl_total / n
    rows = [
        ("floor loop (UTF-8 decode + XXH3 of the same n-grams, 2^20 interleaved rows, 5 dot products)", floor),
        ("normalization (clf_normalize)", norm),
        ("tokenizing: code points, token kinds, word hashes (scan)", scan),
        ("n-grams: loop, %s, stem cache" % hashing, feat - scan - stem - count),
        ("stemming: stem cache misses (stem_arabic.c, libstemmer for the rest)", stem),
        ("counting distinct buckets (count_chunk)", count),
        ("row lookup (from the bucket table) + 5 dot products + calibration", score - featc),
        ("clf_score in-process, total", score),
        ("`classify score` process: start-up (model load, scorer), per document", startup),
        ("`classify score` process: reading input (clf_reader_next)", reading),
        ("`classify score` process: scoring (clf_score)", cli_score),
        ("`classify score` process: JSON output and the rest", process - startup - reading - cli_score),
        ("`classify score` process, total", process),
    ]
    return rows


if __name__ == "__main__":
    sys.exit(main())
