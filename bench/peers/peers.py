#!/usr/bin/python3
"""peers.py - accuracy of two standard peer classifiers on the libclassify recipe.

Run with Debian's python (/usr/bin/python3: python3-sklearn 1.2, numpy, scipy)
and Debian's `fasttext` CLI (0.9.2):

    /usr/bin/python3 bench/peers/peers.py [--corpora DIR] [--recipe FILE] [--out results.json]

For each category of the recipe (training/recipes/arabic-default.json) the
train and dev sets are built exactly as the recipe says: a corpus contributes
to a category only if the category is in its "annotates" list (row positive
when one of its labels maps to the category through "labels", "*" = any
label not listed; otherwise negative) or in its "negatives_for" list (every
row negative). Then, per category:

  svm       FeatureUnion(TfidfVectorizer(char_wb, 2-5, sublinear_tf, min_df=2),
                         TfidfVectorizer(word, 1-2, sublinear_tf, min_df=2))
            + LinearSVC(class_weight='balanced'); score = decision_function,
            natural threshold 0
  logreg    same features + LogisticRegression(class_weight='balanced',
            max_iter=2000); natural threshold decision 0 (= probability 0.5)
  fasttext  fasttext supervised -wordNgrams 2 -minn 2 -maxn 5 -epoch 25 -lr 0.5
            -dim 50 -thread 2 -seed 1 on __label__pos/__label__neg lines
            (training lines shuffled with a fixed seed); score = P(pos) from
            `fasttext predict-prob model.bin FILE 2`, natural threshold 0.5

Reported on each category's dev set: n, positives, precision, recall, F1 at
the natural threshold, average precision (sklearn average_precision_score of
the continuous score); the same on an obfuscated copy of dev made with
bench/obfuscate.py --mode mixed --seed 1405 --rate 0.5 (labels unchanged);
and the share of saudinewsnet-terrorism-news dev rows (news about terrorism,
never to be flagged) that each category model flags, clean and obfuscated.
That news flag rate matters most for the categories whose recipe entry
lists the news corpus in "negatives_for" (marked * in the table); for the
others the news is out of domain. The peers see the raw text: no Arabic normalization,
which is how they are usually deployed.

Everything runs in a temporary directory that is removed at the end (the
fastText .bin files are ~400 MB each with the default 2M buckets). A full run
takes about 10 minutes on 2 cores (longer when the machine is shared).
"""

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import recipe_data as RD  # noqa: E402  (corpora root, corpus paths, TSV reader, label mapping)

OBFUSCATE = os.path.join(REPO, "bench", "obfuscate.py")
NEWS = "saudinewsnet-terrorism-news"
PEERS = ("svm", "logreg", "fasttext")

FT_ARGS = ["-wordNgrams", "2", "-minn", "2", "-maxn", "5", "-epoch", "25",
           "-lr", "0.5", "-dim", "50"]


# ------------------------------------------------------------------ data ----

def build_sets(recipe, recipe_path, corpora_dir, split, paths=None):
    """{category: {"texts": [...], "y": [0/1...], "src": [corpus...]}}.

    paths optionally maps corpus name -> file to read instead of the recipe's
    file for this split (used for the obfuscated dev copies)."""
    out = {c: {"texts": [], "y": [], "src": []} for c in recipe["categories"]}
    for corpus in recipe["corpora"]:
        if not (corpus.get("annotates") or corpus.get("negatives_for")) or not corpus.get(split):
            continue
        path = (paths or {}).get(corpus["name"]) or \
            RD.split_file(recipe_path, corpora_dir, corpus, split)
        for _id, labels, text in RD.read_tsv(path):
            for c, y in RD.row_targets(corpus, recipe["categories"], labels):
                out[c]["texts"].append(text)
                out[c]["y"].append(y)
                out[c]["src"].append(corpus["name"])
    return out


def corpus_path(recipe, recipe_path, corpora_dir, name, split):
    for corpus in recipe["corpora"]:
        if corpus["name"] == name:
            if not corpus.get(split):
                return os.path.join(corpora_dir, name, "no-" + split)  # does not exist
            return RD.split_file(recipe_path, corpora_dir, corpus, split)
    return os.path.join(corpora_dir, name, split + ".tsv")


def obfuscate_files(recipe, recipe_path, corpora_dir, tmp, seed, rate, mode="mixed"):
    """Obfuscated copies of every dev file (and the news dev): name -> path."""
    out = {}
    names = [c["name"] for c in recipe["corpora"]]
    if NEWS not in names:
        names.append(NEWS)
    for name in names:
        src = corpus_path(recipe, recipe_path, corpora_dir, name, "dev")
        if not os.path.exists(src):
            continue
        dst = os.path.join(tmp, "obf-" + name + ".tsv")
        subprocess.run([sys.executable, OBFUSCATE, "--mode", mode, "--seed", str(seed),
                        "--rate", str(rate), "--out", dst, src], check=True)
        out[name] = dst
    return out


# ---------------------------------------------------------------- models ----

def make_features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion
    return FeatureUnion([
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                 sublinear_tf=True, min_df=2)),
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2),
                                 sublinear_tf=True, min_df=2)),
    ])


def make_classifier(kind):
    if kind == "svm":
        from sklearn.svm import LinearSVC
        return LinearSVC(class_weight="balanced", random_state=0)
    if kind == "logreg":
        from sklearn.linear_model import LogisticRegression
        return LogisticRegression(class_weight="balanced", max_iter=2000)
    raise ValueError(kind)


def make_pipeline(kind):
    from sklearn.pipeline import Pipeline
    return Pipeline([("features", make_features()), ("clf", make_classifier(kind))])


def ft_clean(text):
    # fastText splits on whitespace and treats __label__ tokens as labels
    return " ".join(text.replace("__label__", "__lbl__").split())


def ft_train(texts, y, model_prefix, tmp, threads=2, seed=1, extra=None):
    train_file = os.path.join(tmp, "ft-train.txt")
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    with open(train_file, "w", encoding="utf-8") as f:
        for i in order:
            f.write("__label__%s %s\n" % ("pos" if y[i] else "neg", ft_clean(texts[i])))
    cmd = ["fasttext", "supervised", "-input", train_file, "-output", model_prefix,
           "-thread", str(threads), "-seed", str(seed), "-verbose", "0"] + FT_ARGS + (extra or [])
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    os.remove(train_file)
    vec = model_prefix + ".vec"
    if os.path.exists(vec):
        os.remove(vec)
    return model_prefix + ".bin"


def ft_write_docs(texts, path):
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(ft_clean(t) + "\n")


def ft_parse(stdout):
    probs = []
    for line in stdout.splitlines():
        toks = line.split()
        p = None
        for j in range(0, len(toks) - 1, 2):
            if toks[j] == "__label__pos":
                p = float(toks[j + 1])
        if p is None:  # only neg listed (k=1) or nothing
            p = 0.0
            for j in range(0, len(toks) - 1, 2):
                if toks[j] == "__label__neg":
                    p = 1.0 - float(toks[j + 1])
        probs.append(min(1.0, max(0.0, p)))
    return probs


def ft_score(model_bin, texts, tmp):
    path = os.path.join(tmp, "ft-docs.txt")
    ft_write_docs(texts, path)
    r = subprocess.run(["fasttext", "predict-prob", model_bin, path, "2"], check=True,
                       stdout=subprocess.PIPE, universal_newlines=True, encoding="utf-8")
    os.remove(path)
    probs = ft_parse(r.stdout)
    if len(probs) != len(texts):
        raise RuntimeError("fasttext returned %d lines for %d docs" % (len(probs), len(texts)))
    return probs


# --------------------------------------------------------------- metrics ----

def metrics(y, score, threshold, strict=True):
    from sklearn.metrics import average_precision_score, precision_recall_fscore_support
    pred = [1 if (s > threshold if strict else s >= threshold) else 0 for s in score]
    pos = int(sum(y))
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", pos_label=1,
                                                 zero_division=0)
    ap = float(average_precision_score(y, score)) if 0 < pos < len(y) else None
    return {"n": len(y), "positives": pos, "flagged": int(sum(pred)),
            "precision": float(p), "recall": float(r), "f1": float(f), "ap": ap}


def flag_rate(score, threshold, strict=True):
    if not score:
        return None
    flagged = sum(1 for s in score if (s > threshold if strict else s >= threshold))
    return flagged / len(score)


# ------------------------------------------------------------------ main ----

def fmt(x, w=6):
    if x is None:
        return "-".rjust(w)
    return ("%.3f" % x).rjust(w)


def print_table(res, file=sys.stdout):
    hdr = ("%-11s %-8s %5s %4s | %6s %6s %6s %6s | %6s %6s %6s %6s | %6s %6s"
           % ("category", "peer", "n", "pos", "P", "R", "F1", "AP",
              "oP", "oR", "oF1", "oAP", "news", "oNews"))
    print("dev = clean dev split; o* = obfuscated dev (obfuscate.py --mode mixed); "
          "news/oNews = share of %s dev flagged" % NEWS, file=file)
    print("(* after the category: the recipe trains it with the news as negatives, and its dev "
          "set includes the news dev rows)", file=file)
    print(hdr, file=file)
    print("-" * len(hdr), file=file)
    for cat, cr in res["categories"].items():
        for peer, pr in cr["peers"].items():
            d, o = pr["dev"], pr["obfuscated_dev"]
            print("%-11s %-8s %5d %4d | %s %s %s %s | %s %s %s %s | %s %s"
                  % (cat + ("*" if cr.get("news_in_training") else ""), peer, d["n"], d["positives"],
                     fmt(d["precision"]), fmt(d["recall"]), fmt(d["f1"]), fmt(d["ap"]),
                     fmt(o["precision"]), fmt(o["recall"]), fmt(o["f1"]), fmt(o["ap"]),
                     fmt(pr["news_flag_rate"]), fmt(pr["news_flag_rate_obfuscated"])),
                  file=file)
    print(file=file)
    print("train sizes and times (s): " + "; ".join(
        "%s n=%d pos=%d [%s]" % (cat, cr["train"]["n"], cr["train"]["positives"],
                                 ", ".join("%s %.0f" % (p, pr["train_seconds"])
                                           for p, pr in cr["peers"].items()))
        for cat, cr in res["categories"].items()), file=file)


def tool_versions():
    v = {"python": platform.python_version()}
    try:
        import sklearn
        v["sklearn"] = sklearn.__version__
    except ImportError:
        pass
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "fasttext"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           universal_newlines=True)
        if r.returncode == 0:
            v["fasttext"] = r.stdout.strip()
    except OSError:
        pass
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=None,
                    help="corpora root of the recipe's plain paths (default $CLF_CORPORA, "
                         "else the recipe's corpora_root, else its folder)")
    ap.add_argument("--recipe", default=os.path.join(REPO, "training", "recipes",
                                                     "arabic-default.json"))
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--peers", default=",".join(PEERS),
                    help="comma list of svm,logreg,fasttext (default all)")
    ap.add_argument("--categories", default="", help="comma list (default: the recipe's)")
    ap.add_argument("--obf-seed", type=int, default=1405)
    ap.add_argument("--obf-rate", type=float, default=0.5)
    ap.add_argument("--ft-threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep-temp", action="store_true")
    a = ap.parse_args(argv)

    peers = [p for p in a.peers.split(",") if p]
    for p in peers:
        if p not in PEERS:
            ap.error("unknown peer %r" % p)
    with open(a.recipe, "rb") as f:
        raw = f.read()
    recipe = json.loads(raw.decode("utf-8"))
    a.corpora = RD.corpora_root(recipe, a.recipe, a.corpora)
    cats = [c for c in a.categories.split(",") if c] or recipe["categories"]

    t_start = time.time()
    tmp = tempfile.mkdtemp(prefix="clf-peers-")
    try:
        train = build_sets(recipe, a.recipe, a.corpora, "train")
        dev = build_sets(recipe, a.recipe, a.corpora, "dev")
        obf_paths = obfuscate_files(recipe, a.recipe, a.corpora, tmp, a.obf_seed, a.obf_rate)
        obf = build_sets(recipe, a.recipe, a.corpora, "dev", paths=obf_paths)
        news = [t for _i, _l, t in RD.read_tsv(corpus_path(recipe, a.recipe, a.corpora, NEWS,
                                                           "dev"))]
        news_obf = [t for _i, _l, t in RD.read_tsv(obf_paths[NEWS])] if NEWS in obf_paths else []

        res = {"recipe": os.path.relpath(a.recipe, REPO) if a.recipe.startswith(REPO) else a.recipe,
               "recipe_sha256": hashlib.sha256(raw).hexdigest(),
               "obfuscation": {"mode": "mixed", "seed": a.obf_seed, "rate": a.obf_rate},
               "thresholds": {"svm": "decision > 0", "logreg": "decision > 0 (p > 0.5)",
                              "fasttext": "P(pos) >= 0.5"},
               "news_corpus": NEWS, "news_dev_n": len(news),
               "versions": tool_versions(), "categories": {}}
        feat_cache = {}  # identical training texts -> fitted features (hate/offensive share)
        for cat in cats:
            tr, dv, ob = train[cat], dev[cat], obf[cat]
            cr = {"train": {"n": len(tr["y"]), "positives": int(sum(tr["y"])),
                            "corpora": sorted(set(tr["src"]))},
                  "news_in_training": NEWS in set(tr["src"]),
                  "dev": {"n": len(dv["y"]), "positives": int(sum(dv["y"]))},
                  "peers": {}}
            res["categories"][cat] = cr
            print("[%s] train n=%d pos=%d, dev n=%d pos=%d" % (
                cat, cr["train"]["n"], cr["train"]["positives"], cr["dev"]["n"],
                cr["dev"]["positives"]), file=sys.stderr, flush=True)
            sk = [p for p in peers if p in ("svm", "logreg")]
            if sk:
                key = tuple(sorted(set(tr["src"]))) + (len(tr["texts"]),)
                # hate and offensive train on the same texts: fit the features once
                # and report the original fit time for both
                if key in feat_cache:
                    feats, Xtr, t_feat = feat_cache[key]
                else:
                    t0 = time.time()
                    feats = make_features()
                    Xtr = feats.fit_transform(tr["texts"])
                    t_feat = time.time() - t0
                    feat_cache.clear()
                    feat_cache[key] = (feats, Xtr, t_feat)
                Xdv, Xob = feats.transform(dv["texts"]), feats.transform(ob["texts"])
                Xnw = feats.transform(news)
                Xnwo = feats.transform(news_obf) if news_obf else None
                for kind in sk:
                    t0 = time.time()
                    clf = make_classifier(kind)
                    with warnings.catch_warnings(record=True) as wlist:
                        warnings.simplefilter("always")
                        clf.fit(Xtr, tr["y"])
                    t_fit = time.time() - t0
                    s_dv = clf.decision_function(Xdv).tolist()
                    s_ob = clf.decision_function(Xob).tolist()
                    s_nw = clf.decision_function(Xnw).tolist()
                    s_nwo = clf.decision_function(Xnwo).tolist() if Xnwo is not None else []
                    cr["peers"][kind] = {
                        "dev": metrics(dv["y"], s_dv, 0.0),
                        "obfuscated_dev": metrics(ob["y"], s_ob, 0.0),
                        "news_flag_rate": flag_rate(s_nw, 0.0),
                        "news_flag_rate_obfuscated": flag_rate(s_nwo, 0.0),
                        "features": Xtr.shape[1],
                        "train_seconds": round(t_feat + t_fit, 1),
                        "vectorize_seconds": round(t_feat, 1),
                        "warnings": sorted({str(w.category.__name__) for w in wlist}),
                    }
                    print("[%s] %s done (%.0fs)" % (cat, kind, t_feat + t_fit),
                          file=sys.stderr, flush=True)
            if "fasttext" in peers:
                t0 = time.time()
                model = ft_train(tr["texts"], tr["y"], os.path.join(tmp, "ft-" + cat), tmp,
                                 threads=a.ft_threads, seed=a.seed)
                t_fit = time.time() - t0
                s_dv = ft_score(model, dv["texts"], tmp)
                s_ob = ft_score(model, ob["texts"], tmp)
                s_nw = ft_score(model, news, tmp)
                s_nwo = ft_score(model, news_obf, tmp) if news_obf else []
                cr["peers"]["fasttext"] = {
                    "dev": metrics(dv["y"], s_dv, 0.5, strict=False),
                    "obfuscated_dev": metrics(ob["y"], s_ob, 0.5, strict=False),
                    "news_flag_rate": flag_rate(s_nw, 0.5, strict=False),
                    "news_flag_rate_obfuscated": flag_rate(s_nwo, 0.5, strict=False),
                    "model_mb": round(os.path.getsize(model) / 1e6, 1),
                    "train_seconds": round(t_fit, 1),
                    "args": ["-thread", str(a.ft_threads), "-seed", str(a.seed)] + FT_ARGS,
                }
                os.remove(model)
                print("[%s] fasttext done (%.0fs)" % (cat, t_fit), file=sys.stderr, flush=True)
        res["elapsed_seconds"] = round(time.time() - t_start, 1)
    finally:
        if a.keep_temp:
            print("temp kept: " + tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print_table(res)
    print("elapsed %.0f s" % res["elapsed_seconds"])
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=2)
            f.write("\n")
        print("wrote " + a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
