#!/usr/bin/python3
"""throughput.py - scoring speed and peak memory of the peer classifiers.

    /usr/bin/python3 bench/peers/throughput.py [--docs 200000] [--out throughput.json]

Documents: every text of <corpora>/*/{train,dev}.tsv (in sorted file order),
repeated until --docs documents (default 200,000). The same documents, one per
line (whitespace collapsed, as fastText needs), are written to a temp file that
both peers read.

  sklearn   the peers.py `svm` pipeline (char_wb 2-5 + word 1-2 tf-idf,
            LinearSVC), one per recipe category, trained beforehand (not
            timed) and pickled. A child process (same python) loads the five
            pipelines and the documents, then scores every document with all
            five (transform + decision_function, in batches of --batch docs).
            Reported: scoring time (excluding model load and reading the
            file), docs/s and MB/s for all five categories, per-category
            seconds, and the child's peak RSS (which includes the five loaded
            models and the documents held in memory).
  fasttext  one model per category (binary, trained as in peers.py), timed
            as `fasttext predict-prob MODEL DOCS 2 > out` per model, --ft-runs
            times (default 3; the run with the least CPU time is reported,
            every run's times are kept in the JSON): wall and CPU time of the
            whole process (model load included), peak RSS of that process, and
            the load time measured separately on a 1-line file.
            A fastText deployment needs one run per category, so the five
            models' times are also added up for the all-categories figure.

Peak RSS ("maximum resident set size") and CPU time (user + system) of each
measured process come from /usr/bin/time. CPU seconds are reported beside wall
seconds because the machine may be shared: docs per CPU-second is the figure
least disturbed by other load (the load average at start and end is recorded).
Everything is done in a temp directory, removed at the end.
"""

import argparse
import glob
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peers  # noqa: E402
import recipe_data  # noqa: E402


def run_measured(cmd, stdout_path=None):
    """Run cmd under /usr/bin/time; return {wall, cpu, rss_mb, rc}.

    /usr/bin/time reports the peak RSS of its own child. (os.wait4 on a child
    forked from this big python process would count the parent's pages that the
    child held between fork and exec.)"""
    stats = tempfile.NamedTemporaryFile(prefix="clf-time-", delete=False)
    stats.close()
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        rc = subprocess.call(["/usr/bin/time", "-o", stats.name, "-f", "%e %U %S %M"] + cmd,
                             stdout=out)
        wall = time.perf_counter() - t0
        with open(stats.name) as f:
            last = [ln for ln in f.read().splitlines() if ln.strip()][-1]
        e, u, s, m = last.split()
    finally:
        if stdout_path:
            out.close()
        os.remove(stats.name)
    return {"wall": wall, "cpu": float(u) + float(s), "rss_mb": int(m) / 1024.0, "rc": rc}


def load_docs(corpora, n):
    files = sorted(glob.glob(os.path.join(corpora, "*", "train.tsv")) +
                   glob.glob(os.path.join(corpora, "*", "dev.tsv")))
    texts = []
    for f in files:
        texts.extend(t for _i, _l, t in recipe_data.read_tsv(f))
    if not texts:
        raise SystemExit("no texts under " + corpora)
    docs = []
    while len(docs) < n:
        docs.extend(texts[:n - len(docs)])
    return docs, len(texts), [os.path.relpath(f, corpora) for f in files]


# ----------------------------------------------------------- sklearn child ----

def sklearn_child(models_path, docs_path, out_path, batch):
    t0 = time.perf_counter()
    with open(models_path, "rb") as f:
        models = pickle.load(f)
    t_load = time.perf_counter() - t0
    with open(docs_path, encoding="utf-8") as f:
        docs = [line.rstrip("\n") for line in f]
    per_cat = {c: 0.0 for c in models}
    flagged = {c: 0 for c in models}
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(docs), batch):
        chunk = docs[i:i + batch]
        for c, pipe in models.items():
            t1 = time.perf_counter()
            s = pipe.decision_function(chunk)
            per_cat[c] += time.perf_counter() - t1
            flagged[c] += int((s > 0).sum())
    t_score = time.perf_counter() - t0
    c_score = time.process_time() - c0
    with open(out_path, "w") as f:
        json.dump({"load_seconds": t_load, "score_seconds": t_score, "score_cpu_seconds": c_score,
                   "per_category_seconds": per_cat, "flagged": flagged, "docs": len(docs)}, f)


# -------------------------------------------------------------------- main ----

def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--_sklearn-child":
        sklearn_child(argv[1], argv[2], argv[3], int(argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=None,
                    help="corpora root (default: $CLF_CORPORA, else the recipe's corpora_root)")
    ap.add_argument("--recipe", default=os.path.join(peers.REPO, "training", "recipes",
                                                     "arabic-default.json"))
    ap.add_argument("--docs", type=int, default=200000, help="documents to score (default 200000)")
    ap.add_argument("--batch", type=int, default=10000, help="sklearn batch size (default 10000)")
    ap.add_argument("--peers", default="sklearn,fasttext")
    ap.add_argument("--ft-categories", default="",
                    help="categories whose fastText model is timed (default: all)")
    ap.add_argument("--ft-runs", type=int, default=3,
                    help="timed predict-prob runs per fastText model; the best CPU time is "
                         "reported, as for libclassify's own runs (default 3)")
    ap.add_argument("--ft-keep", default="",
                    help="directory to keep the trained fastText models in (ft-CATEGORY.bin), "
                         "so that bench/run.sh can time them again beside its own runs")
    ap.add_argument("--out", default=os.path.join(HERE, "throughput.json"))
    a = ap.parse_args(argv)
    which = set(p for p in a.peers.split(",") if p)
    if a.ft_runs < 1:
        ap.error("--ft-runs must be at least 1")

    with open(a.recipe, "rb") as f:
        raw = f.read()
    recipe = json.loads(raw.decode("utf-8"))
    a.corpora = recipe_data.corpora_root(recipe, a.recipe, a.corpora)
    cats = recipe["categories"]
    ft_cats = [c for c in a.ft_categories.split(",") if c] or cats

    docs, n_unique, files = load_docs(a.corpora, a.docs)
    tmp = tempfile.mkdtemp(prefix="clf-throughput-")
    res = {"docs": len(docs), "unique_texts": n_unique, "files": files,
           "versions": peers.tool_versions(), "cpus": os.cpu_count(),
           "loadavg_start": list(os.getloadavg()),
           "recipe_sha256": hashlib.sha256(raw).hexdigest()}
    try:
        docs_path = os.path.join(tmp, "docs.txt")
        peers.ft_write_docs(docs, docs_path)
        nbytes = os.path.getsize(docs_path)
        res["bytes"] = nbytes
        mb = nbytes / 1e6
        print("%d docs (%d distinct texts repeated), %.1f MB" % (len(docs), n_unique, mb),
              file=sys.stderr, flush=True)
        train = peers.build_sets(recipe, a.recipe, a.corpora, "train")

        if "sklearn" in which:
            t0 = time.perf_counter()
            models = {}
            for c in cats:
                pipe = peers.make_pipeline("svm")
                pipe.fit(train[c]["texts"], train[c]["y"])
                models[c] = pipe
            t_train = time.perf_counter() - t0
            models_path = os.path.join(tmp, "sk-models.pkl")
            with open(models_path, "wb") as f:
                pickle.dump(models, f, protocol=pickle.HIGHEST_PROTOCOL)
            del models
            print("sklearn: trained %d pipelines in %.0f s; scoring..." % (len(cats), t_train),
                  file=sys.stderr, flush=True)
            child_out = os.path.join(tmp, "sk-result.json")
            r = run_measured([sys.executable, os.path.abspath(__file__),
                              "--_sklearn-child", models_path, docs_path,
                              child_out, str(a.batch)])
            if r["rc"] != 0:
                raise SystemExit("sklearn child failed (%d)" % r["rc"])
            with open(child_out) as f:
                cr = json.load(f)
            res["sklearn"] = {
                "pipeline": "char_wb(2-5)+word(1-2) tf-idf + LinearSVC, one per category",
                "categories": cats, "batch": a.batch,
                "train_seconds_untimed": round(t_train, 1),
                "model_pickle_mb": round(os.path.getsize(models_path) / 1e6, 1),
                "load_seconds": round(cr["load_seconds"], 2),
                "score_seconds": round(cr["score_seconds"], 2),
                "score_cpu_seconds": round(cr["score_cpu_seconds"], 2),
                "process_wall_seconds": round(r["wall"], 2),
                "process_cpu_seconds": round(r["cpu"], 2),
                "docs_per_second": len(docs) / cr["score_seconds"],
                "docs_per_cpu_second": len(docs) / cr["score_cpu_seconds"],
                "mb_per_second": mb / cr["score_seconds"],
                "peak_rss_mb": round(r["rss_mb"], 1),
                "per_category_seconds": {c: round(v, 2) for c, v in cr["per_category_seconds"].items()},
                "per_category_docs_per_second": {c: len(docs) / v for c, v in
                                                 cr["per_category_seconds"].items()},
                "flagged": cr["flagged"],
            }

        if "fasttext" in which:
            one = os.path.join(tmp, "one.txt")
            peers.ft_write_docs([docs[0]], one)
            res["fasttext"] = {"args": ["-thread", "2", "-seed", "1"] + peers.FT_ARGS,
                               "command": "fasttext predict-prob MODEL DOCS 2 > out",
                               "models": {}}
            for c in ft_cats:
                t0 = time.perf_counter()
                model = peers.ft_train(train[c]["texts"], train[c]["y"],
                                       os.path.join(tmp, "ft-" + c), tmp)
                t_train = time.perf_counter() - t0
                print("fasttext[%s]: trained in %.0f s; scoring..." % (c, t_train),
                      file=sys.stderr, flush=True)
                pred = os.path.join(tmp, "ft-pred.txt")
                # warm the page cache once, then measure load-only and full runs
                run_measured(["fasttext", "predict-prob", model, one, "2"], pred)
                ld = run_measured(["fasttext", "predict-prob", model, one, "2"], pred)
                # best of --ft-runs by CPU time: a single run against libclassify's best
                # of 3 would favour libclassify whenever the machine is loaded
                runs = []
                for _ in range(a.ft_runs):
                    r = run_measured(["fasttext", "predict-prob", model, docs_path, "2"], pred)
                    if r["rc"] != 0:
                        raise SystemExit("fasttext predict-prob failed (%d)" % r["rc"])
                    runs.append(r)
                r = min(runs, key=lambda x: x["cpu"])
                with open(pred, encoding="utf-8") as f:
                    nlines = sum(1 for _ in f)
                if nlines != len(docs):
                    raise SystemExit("fasttext wrote %d lines for %d docs" % (nlines, len(docs)))
                res["fasttext"]["models"][c] = {
                    "train_seconds_untimed": round(t_train, 1),
                    "model_mb": round(os.path.getsize(model) / 1e6, 1),
                    "load_seconds": round(ld["wall"], 2),
                    "load_cpu_seconds": round(ld["cpu"], 2),
                    "wall_seconds": round(r["wall"], 2),
                    "cpu_seconds": round(r["cpu"], 2),
                    "docs_per_second": len(docs) / r["wall"],
                    "docs_per_cpu_second": len(docs) / max(1e-9, r["cpu"]),
                    "docs_per_second_excl_load": len(docs) / max(1e-9, r["wall"] - ld["wall"]),
                    "mb_per_second": mb / r["wall"],
                    "peak_rss_mb": round(r["rss_mb"], 1),
                    "runs": len(runs),
                    "runs_cpu_seconds": [round(x["cpu"], 2) for x in runs],
                    "runs_wall_seconds": [round(x["wall"], 2) for x in runs],
                }
                if a.ft_keep:
                    os.makedirs(a.ft_keep, exist_ok=True)
                    shutil.move(model, os.path.join(a.ft_keep, "ft-%s.bin" % c))
                else:
                    os.remove(model)
                os.remove(pred)
            ms = res["fasttext"]["models"]
            tot = sum(m["wall_seconds"] for m in ms.values())
            cpu = sum(m["cpu_seconds"] for m in ms.values())
            res["fasttext"]["all_models"] = {
                "models": len(ms), "wall_seconds": round(tot, 2), "cpu_seconds": round(cpu, 2),
                "docs_per_second": len(docs) / tot, "docs_per_cpu_second": len(docs) / cpu,
                "mb_per_second": mb / tot,
                "peak_rss_mb": max(m["peak_rss_mb"] for m in ms.values()),
            }
        res["loadavg_end"] = list(os.getloadavg())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print_report(res)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=2)
            f.write("\n")
        print("wrote " + a.out)
    return 0


def print_report(res):
    mb = res["bytes"] / 1e6
    print("%d docs, %.1f MB (%d distinct texts repeated), %s cpus, load average %s -> %s" % (
        res["docs"], mb, res["unique_texts"], res["cpus"],
        "/".join("%.1f" % x for x in res["loadavg_start"]),
        "/".join("%.1f" % x for x in res.get("loadavg_end", []))))
    hdr = "%-34s %8s %8s %9s %10s %7s %10s" % (
        "peer", "wall s", "cpu s", "docs/s", "docs/cpu-s", "MB/s", "peakRSS MB")
    print(hdr)
    print("-" * len(hdr))
    row = "%-34s %8.1f %8s %9.0f %10s %7.2f %10s"
    sk = res.get("sklearn")
    if sk:
        print(row % ("sklearn svm, all %d categories" % len(sk["categories"]), sk["score_seconds"],
                     "%.1f" % sk["score_cpu_seconds"], sk["docs_per_second"],
                     "%.0f" % sk["docs_per_cpu_second"], sk["mb_per_second"],
                     "%.0f" % sk["peak_rss_mb"]))
        for c, t in sk["per_category_seconds"].items():
            print(row % ("  sklearn svm, " + c, t, "", res["docs"] / t, "", mb / t, ""))
    ft = res.get("fasttext")
    if ft:
        for c, m in ft["models"].items():
            print(row % ("fasttext, 1 model (" + c + ")", m["wall_seconds"], "%.1f" % m["cpu_seconds"],
                         m["docs_per_second"], "%.0f" % m["docs_per_cpu_second"],
                         m["mb_per_second"], "%.0f" % m["peak_rss_mb"]))
        al = ft["all_models"]
        print(row % ("fasttext, all %d models (sum)" % al["models"], al["wall_seconds"],
                     "%.1f" % al["cpu_seconds"], al["docs_per_second"],
                     "%.0f" % al["docs_per_cpu_second"], al["mb_per_second"],
                     "%.0f" % al["peak_rss_mb"]))
    if sk:
        print("sklearn: scoring only, one process (model load %.1f s; whole process %.1f s wall, "
              "%.1f s cpu); peak RSS of that process; %d pipelines pickled = %.0f MB"
              % (sk["load_seconds"], sk["process_wall_seconds"], sk["process_cpu_seconds"],
                 len(sk["categories"]), sk["model_pickle_mb"]))
    if ft:
        print("fasttext: whole predict-prob process incl. model load; load alone (1-doc run): %s"
              % ", ".join("%s %.2f s" % (c, m["load_seconds"]) for c, m in ft["models"].items()))


if __name__ == "__main__":
    sys.exit(main())
