#!/usr/bin/python3
"""per_corpus.py - libclassify against scikit-learn and fastText, per corpus, in one run.

    /usr/bin/python3 bench/peers/per_corpus.py [-m MODEL ...] [--md FILE] [--json FILE]

For every in-domain task of the recipe (each corpus with a dev split x each
category it annotates) the peers are trained on the training data the recipe
gives that category (all its annotating and hard-negative corpora, with the
recipe's per-corpus weights and rewrites) and evaluated on that corpus's dev
split beside libclassify's model(s):

  svm       TF-IDF char_wb 2-5 + word 1-2 (sublinear_tf, min_df=2) + LinearSVC,
            class_weight balanced
  logreg    same features + LogisticRegression, class_weight balanced
  fasttext  fasttext supervised -wordNgrams 2 -minn 2 -maxn 5 -epoch 25 -lr 0.5
            -dim 50 (weights = repeated lines)

Each peer is scored at two dev-blind thresholds: its default decision
(decision > 0, P >= 0.5) and "oof": the recipe's own rule applied to the
peer's K-fold out-of-fold scores on the training data (best in-domain F1
above the floor set by the recipe's max_flag_rate caps on hard negatives).
The model is scored with `classify score` (its flags, its thresholds) and
cross-checked against `classify eval --json`. Reported: F1 and AP with 95%
bootstrap intervals, the best peer, the paired-bootstrap gap, flag rates on
the dev splits of the hard-negative corpora (terrorism news) and, on the
functional suite's items (expanded by `classify eval --functional --json`;
scored, never trained on), each class's flag rate or recall for every system.

--categories CAT,... trains peers and reports tasks, flag rates and functional
classes for those categories only, against the full model (a one-category
recipe cannot be scored against a five-category model).

Peer predictions are cached in --cache keyed by a checksum of the training
data, the peer's settings and the scored texts (every dev split and functional
item, whatever --categories says), so a rerun for a new model only scores the
model, and a --categories run shares a full run's entries. See
bench/peers/README.md.
"""

import argparse
import hashlib
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import peers as P  # noqa: E402  (features, fastText helpers)
import recipe_data as RD  # noqa: E402  (corpora root, corpus paths, TSV reader, label mapping)

NEWS = "saudinewsnet-terrorism-news"
PEERS = ("svm", "logreg", "fasttext")
VARIANTS = ("default", "oof")
# bump when the way peers are trained or scored changes: invalidates the cache
CACHE_VERSION = "1"


# ------------------------------------------------------------------ data ----

def rewrite(text, pairs):
    for a, b in pairs:
        text = text.replace(a, b)
    return text


def cut_texts(binary, model, texts, unit, tmp):
    """[[span text, ...] per text]: the sentences or paragraphs of each text by the rule of
    classify training's train_unit (clf_score_spans(), through `classify score --spans`);
    blank spans are left out, as training leaves them out."""
    path = os.path.join(tmp, "cut.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    r = run_classify(binary, ["score", "-m", model, "--spans=" + unit, "--format", "jsonl",
                              "--output", "jsonl", path])
    os.remove(path)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    if len(lines) != len(texts):
        raise RuntimeError("classify score --spans returned %d results for %d texts"
                           % (len(lines), len(texts)))
    out = []
    for t, l in zip(texts, lines):
        b = t.encode("utf-8")
        out.append([b[sp["start"]:sp["end"]].decode("utf-8") for sp in l.get("spans", [])])
    return out


def load_recipe_data(recipe, recipe_path, corpora_dir, cutter=None):
    """train[cat] = {texts, y, w, src, sel, grp}; dev[corpus] = {texts, ids, labels(cat->y),
    role}. A corpus with "train_unit" "sentences"/"paragraphs" gives one training row per span
    of each row (cutter(texts, unit) -> spans per text, cut_texts() bound to a classify binary
    and model), with the row's labels; grp is the row's whole (rewritten) text for such rows,
    None for the others, so folds keep the spans of a row, and the row when another corpus
    entry reads it whole, on one side."""
    cats = recipe["categories"]
    train = {c: {"texts": [], "y": [], "w": [], "src": [], "sel": [], "grp": []} for c in cats}
    dev = {}
    for corpus in recipe["corpora"]:
        annot = list(corpus.get("annotates", []))
        negs = list(corpus.get("negatives_for", []))
        mapping = corpus.get("labels", {})
        pairs = corpus.get("rewrite", [])
        sel = corpus.get("selection", True) is not False
        path = RD.split_file(recipe_path, corpora_dir, corpus, "train")
        if path:
            rows = [(labels, rewrite(text, pairs)) for _id, labels, text in RD.read_tsv(path)]
            unit = corpus.get("train_unit", "document")
            if unit != "document":
                if cutter is None:
                    raise ValueError("corpus %s: train_unit %r needs the classify binary to cut "
                                     "its rows" % (corpus["name"], unit))
                spans = cutter([t for _l, t in rows], unit)
                rows = [(labels, sp, whole) for (labels, whole), sps in zip(rows, spans)
                        for sp in sps]
            else:
                rows = [(labels, text, None) for labels, text in rows]
            for labels, text, whole in rows:
                for c, y in RD.row_targets(corpus, cats, labels):
                    t = train[c]
                    t["texts"].append(text)
                    t["y"].append(y)
                    t["w"].append(RD.corpus_weight(corpus, c))
                    t["src"].append(corpus["name"])
                    t["sel"].append(sel)
                    t["grp"].append(whole)
        path = RD.split_file(recipe_path, corpora_dir, corpus, "dev")
        if path and os.path.exists(path):
            rows = RD.read_tsv(path)
            # dev texts as classify eval reads them: with the corpus's rewrites (the text
            # training saw; clf_recipe_rewrite() in eval since main 41e170b)
            d = {"path": path, "texts": [rewrite(t, pairs) for _i, _l, t in rows],
                 "ids": [i for i, _l, _t in rows], "annotates": annot, "negatives_for": negs,
                 "y": {}}
            for c in annot:
                d["y"][c] = [1 if c in RD.row_categories(l, mapping) else 0
                             for _i, l, _t in rows]
            for c in negs:
                d["y"][c] = [0] * len(rows)
            dev[corpus["name"]] = d
    return train, dev


def eval_set(dev, items):
    """(texts, offsets) that every system scores: the dev split of every recipe corpus, then
    the functional items; offsets[corpus] = (lo, hi), offsets["_functional"] likewise. The
    same texts whatever --categories says, so the cache keys of a category's peers (which
    hash these texts) are those of a full run."""
    texts, offsets = [], {}
    for name, d in dev.items():
        offsets[name] = (len(texts), len(texts) + len(d["texts"]))
        texts.extend(d["texts"])
    offsets["_functional"] = (len(texts), len(texts) + len(items))
    texts.extend(it["text"] for it in items)
    return texts, offsets


def sha(obj):
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True)
                          .encode("utf-8")).hexdigest()


def train_hash(t):
    return sha([t["texts"], t["y"], t["w"], t["src"]])


# -------------------------------------------------------------- thresholds ----

def threshold_rule(recipe, cat):
    """The recipe's threshold rule for cat: "best_f1" or "precision:P" (docs/training.md)."""
    rule = recipe.get("training", {}).get("threshold", "best_f1")
    if isinstance(rule, dict):
        rule = rule.get(cat, rule.get("*", "best_f1"))
    return rule


def oof_threshold(scores, t, caps, rule="best_f1"):
    """The recipe's rule on out-of-fold scores among the thresholds (flag s >= thr) above the
    floor that the flag-rate caps of hard-negative corpora set, on the in-domain rows:
    "best_f1", or "precision:P" = highest recall at precision >= P, the higher threshold on
    ties, best F1 when no threshold reaches P."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(t["y"])
    src = np.asarray(t["src"])
    sel = np.asarray(t["sel"])
    floor = -np.inf
    floors = {}
    for name in sorted(set(t["src"])):
        m = src == name
        if y[m].any():  # annotating corpus, not a hard negative
            continue
        rate = caps.get(name, caps.get("*"))
        if rate is None:
            continue
        v = np.sort(s[m])[::-1]
        k = int(np.floor(rate * len(v) + 1e-9))
        if k < len(v):
            floors[name] = float(v[k])
            floor = max(floor, v[k])
    ind = sel & np.isin(src, [n for n in set(t["src"]) if y[src == n].any()])
    si, yi = s[ind], y[ind]
    order = np.argsort(-si, kind="mergesort")
    si, yi = si[order], yi[order]
    tp = np.cumsum(yi)
    fp = np.cumsum(1 - yi)
    npos = yi.sum()
    last = np.r_[si[1:] != si[:-1], True]  # end of each group of tied scores
    ok = last & (si > floor)
    if not ok.any() or npos == 0:
        thr = float(np.nextafter(floor, np.inf)) if np.isfinite(floor) else 0.0
        return thr, floors
    if rule.startswith("precision:"):
        want = float(rule.split(":", 1)[1])
        reach = ok & (tp / np.maximum(tp + fp, 1) >= want - 1e-12) & (tp > 0)
        if reach.any():
            i = int(np.argmax(np.where(reach, tp, -1)))  # first = highest threshold on ties
            return float(si[i]), floors
    elif rule != "best_f1":
        raise ValueError("unknown threshold rule %r" % rule)
    f1 = np.where(ok, 2 * tp / np.maximum(2 * tp + fp + (npos - tp), 1), -1)
    i = int(np.argmax(f1))
    return float(si[i]), floors


# ------------------------------------------------------------------ peers ----

def fit_sklearn(kind, X, y, w):
    clf = P.make_classifier(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y, sample_weight=np.asarray(w, dtype=float))
    return clf


def ft_fit(texts, y, w, prefix, tmp, threads, seed):
    rep_t, rep_y = [], []
    for t, yy, ww in zip(texts, y, w):
        rep_t.extend([t] * ww)
        rep_y.extend([yy] * ww)
    return P.ft_train(rep_t, rep_y, prefix, tmp, threads=threads, seed=seed)


def grouped(t):
    """Whether t has rows cut from a longer row (train_unit): its folds are then grouped."""
    return any(g is not None for g in t.get("grp", []))


def folds_for(t, k, seed):
    from sklearn.model_selection import StratifiedKFold, StratifiedGroupKFold
    strata = ["%s|%d" % (s, y) for s, y in zip(t["src"], t["y"])]
    # strata smaller than k would make StratifiedKFold warn; fold them into their label
    counts = {}
    for s in strata:
        counts[s] = counts.get(s, 0) + 1
    strata = [s if counts[s] >= k else "small|%d" % y for s, y in zip(strata, t["y"])]
    if grouped(t):
        # the spans of a row and the row itself (another corpus entry reading the same file
        # whole) share a group: never on both sides of a fold, as in classify's training
        groups = [g if g is not None else txt for g, txt in zip(t["grp"], t["texts"])]
        ids = {g: i for i, g in enumerate(dict.fromkeys(groups))}
        skf = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        return [te for _tr, te in skf.split(np.zeros(len(strata)), strata,
                                              [ids[g] for g in groups])]
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [te for _tr, te in skf.split(np.zeros(len(strata)), strata)]


class PeerRunner:
    """Trains the peers of one category (sharing TF-IDF fits between categories with the
    same training texts) and caches their scores."""

    def __init__(self, cache, tmp, folds, seed, ft_threads, log, cached_only=False):
        self.cache, self.tmp, self.folds, self.seed = cache, tmp, folds, seed
        self.cached_only = cached_only
        self.ft_threads, self.log = ft_threads, log
        self.feat = {}  # (texts hash, fold or -1) -> (features, X)

    def _cache(self, key):
        return os.path.join(self.cache, key + ".json")

    def _get(self, key):
        p = self._cache(key)
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                return json.load(f)
        return None

    def _put(self, key, val):
        os.makedirs(self.cache, exist_ok=True)
        p = self._cache(key)
        with open(p + ".tmp", "w", encoding="utf-8") as f:
            json.dump(val, f)
        os.replace(p + ".tmp", p)

    def _features(self, texts, thash, fold):
        k = (thash, fold)
        if k not in self.feat:
            if len(self.feat) > 4:
                self.feat.clear()
            feats = P.make_features()
            X = feats.fit_transform(texts)
            self.feat[k] = (feats, X)
        return self.feat[k]

    def config(self, peer):
        if peer == "fasttext":
            return {"peer": peer, "args": P.FT_ARGS, "threads": self.ft_threads, "seed": self.seed}
        return {"peer": peer, "features": "char_wb2-5+word1-2,sublinear,min_df2",
                "clf": peer, "class_weight": "balanced"}

    def full_key(self, peer, t, eval_hash):
        """The cache key of a peer trained on all of t and scored on the texts of eval_hash:
        the training data and the peer's settings, not the category's name or the others
        in the run (a --categories run shares the entries of a full one)."""
        return sha({"v": CACHE_VERSION, "kind": "full", "cfg": self.config(peer),
                    "train": train_hash(t), "eval": eval_hash})

    def oof_key(self, peer, t):
        """The cache key of a peer's out-of-fold scores on t (grouped folds, for rows cut by
        train_unit, are part of it; the keys of other training data are those of before)."""
        key = {"v": CACHE_VERSION, "kind": "oof", "cfg": self.config(peer),
               "train": train_hash(t), "folds": self.folds, "seed": self.seed,
               "tfidf": "fit on all training texts"}
        if grouped(t):
            key["groups"] = sha(t["grp"])
        return sha(key)

    def full(self, peer, cat, t, eval_texts, eval_hash):
        """Scores of the model trained on all of t on eval_texts (cached)."""
        key = self.full_key(peer, t, eval_hash)
        hit = self._get(key)
        if hit is not None or self.cached_only:
            return hit, True
        t0 = time.time()
        if peer == "fasttext":
            model = ft_fit(t["texts"], t["y"], t["w"], os.path.join(self.tmp, "ft-full"),
                           self.tmp, self.ft_threads, self.seed)
            scores = P.ft_score(model, eval_texts, self.tmp)
            os.remove(model)
        else:
            thash = sha(t["texts"])
            feats, X = self._features(t["texts"], thash, -1)
            clf = fit_sklearn(peer, X, t["y"], t["w"])
            scores = clf.decision_function(feats.transform(eval_texts)).tolist()
        val = {"scores": scores, "seconds": round(time.time() - t0, 1)}
        self._put(key, val)
        self.log("[%s] %s full model: %.0f s" % (cat, peer, val["seconds"]))
        return val, False

    def oof(self, peer, cat, t):
        """K-fold out-of-fold scores on t's rows (cached)."""
        key = self.oof_key(peer, t)
        hit = self._get(key)
        if hit is not None or self.cached_only:
            return hit, True
        t0 = time.time()
        n = len(t["y"])
        out = [0.0] * n
        thash = sha(t["texts"])
        for fi, te in enumerate(folds_for(t, self.folds, self.seed)):
            tes = set(te.tolist())
            tr = [i for i in range(n) if i not in tes]
            sub = {k: [t[k][i] for i in tr] for k in ("texts", "y", "w")}
            held = [t["texts"][i] for i in te]
            if peer == "fasttext":
                model = ft_fit(sub["texts"], sub["y"], sub["w"],
                               os.path.join(self.tmp, "ft-fold"), self.tmp,
                               self.ft_threads, self.seed)
                s = P.ft_score(model, held, self.tmp)
                os.remove(model)
            else:
                # vocabulary and IDF from all training texts (no labels: nothing crosses the
                # folds but document frequencies); refitting them per fold tripled a cold run
                _feats, X = self._features(t["texts"], thash, -1)
                tr_idx = np.asarray(tr)
                clf = fit_sklearn(peer, X[tr_idx], sub["y"], sub["w"])
                s = clf.decision_function(X[te]).tolist()
            for i, v in zip(te, s):
                out[int(i)] = float(v)
        val = {"scores": out, "seconds": round(time.time() - t0, 1)}
        self._put(key, val)
        self.log("[%s] %s out-of-fold: %.0f s" % (cat, peer, val["seconds"]))
        return val, False


def default_threshold(peer):
    return 0.5 if peer == "fasttext" else 0.0


def flags(scores, thr, peer):
    s = np.asarray(scores, dtype=float)
    # defaults as sklearn / fastText decide: decision > 0, P >= 0.5; oof thresholds: s >= thr
    return s >= thr


# ------------------------------------------------------------------ model ----

def run_classify(binary, args, **kw):
    return subprocess.run([binary] + args, check=True, stdout=subprocess.PIPE,
                          universal_newlines=True, encoding="utf-8", **kw)


def score_model(binary, model, texts, tmp):
    """(probabilities {cat: [...]}, flagged {cat: [bool]}, decided {cat: [bool]}, abstain [bool])
    from classify score: flagged = the category in "flagged" (what moderation sees); decided =
    in "flagged" or in "signals" (a report-only category at or above its threshold), the
    decision classify eval's corpus figures count."""
    path = os.path.join(tmp, "ours.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    r = run_classify(binary, ["score", "-m", model, "--format", "jsonl", "--output", "jsonl",
                              path])
    os.remove(path)
    probs, flagged, decided, abstain = {}, {}, {}, []
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    if len(lines) != len(texts):
        raise RuntimeError("classify score returned %d results for %d texts"
                           % (len(lines), len(texts)))
    cats = list(lines[0]["scores"].keys())
    for c in cats:
        probs[c] = [l["scores"][c] for l in lines]
        flagged[c] = [c in l.get("flagged", []) for l in lines]
        decided[c] = [c in l.get("flagged", []) or c in l.get("signals", []) for l in lines]
    abstain = [bool(l.get("abstain")) for l in lines]
    return probs, flagged, decided, abstain


def model_eval_json(binary, model, recipe, corpora, tmp):
    out = os.path.join(tmp, "eval.json")
    run_classify(binary, ["eval", "--recipe", recipe, "--corpora", corpora, "-m", model,
                          "--json", out, "-q", "--resamples", "0"], stderr=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def functional_report(binary, model, suite, tmp):
    out = os.path.join(tmp, "functional.json")
    r = subprocess.run([binary, "eval", "--functional", suite, "-m", model, "--json", out, "-q"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode not in (0, 1):
        raise RuntimeError("classify eval --functional failed (%d)" % r.returncode)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------- metrics ----

def ap_score(y, s):
    """Step-wise average precision, tied scores one step (sklearn's average_precision_score)."""
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    npos = y.sum()
    if npos == 0:
        return None
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[s[1:] != s[:-1], True]
    tp = np.cumsum(y)[last]
    fl = (np.arange(1, len(y) + 1))[last]
    prec = tp / fl
    rec = tp / npos
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def f1_score(y, pred):
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    tp = int(np.sum(y & pred))
    fp = int(np.sum(~y & pred))
    fn = int(np.sum(y & ~pred))
    if tp + fp + fn == 0:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def bootstrap_idx(n, resamples, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(resamples, n))


def ci(vals):
    v = np.asarray([x for x in vals if x is not None], dtype=float)
    if len(v) == 0:
        return None
    return [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]


def system_metrics(y, score, pred, idx):
    """Point values, resampled values and intervals of F1 and AP on one task."""
    y = np.asarray(y)
    score = np.asarray(score, dtype=float)
    pred = np.asarray(pred, dtype=bool)
    f1 = f1_score(y, pred)
    ap = ap_score(y, score)
    bf1 = [f1_score(y[i], pred[i]) for i in idx]
    bap = [ap_score(y[i], score[i]) for i in idx]
    tp = int(np.sum((y == 1) & pred))
    return {"f1": f1, "ap": ap, "f1_ci": ci(bf1), "ap_ci": ci(bap),
            "precision": tp / int(pred.sum()) if pred.sum() else None,
            "recall": tp / int(y.sum()) if y.sum() else None,
            "_bf1": bf1, "_bap": bap}


def gap(a, b):
    """a - b point and paired interval from resampled values."""
    d = [x - y for x, y in zip(a, b) if x is not None and y is not None]
    return ci(d)


def wilson(k, n, z=1.959964):
    if n == 0:
        return None
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return [float(max(0.0, c - h)), float(min(1.0, c + h))]


def functional_classes(items, cats, flagged_of, abstain_of=None, judged=None):
    """Per class, the suite's rule: benign = share flagged as a must_not category,
    positive = share with every must category flagged; abstained items are not flagged.
    flagged_of(i, cat) -> bool for item index i. judged (a set of categories, default all):
    an item is judged on these categories only (its must and must_not restricted to them);
    an item left with nothing to judge (a positive one without a must category in judged, a
    benign one without a must_not category in judged) is left out, and so is a class left
    without items."""
    res, order = {}, []
    for i, it in enumerate(items):
        cl = it["class"]
        must = list(it.get("must") or [])
        must_not = list(it.get("must_not") or [])
        if "*" in must_not:
            must_not = [c for c in cats if c not in must]
        if judged is not None:
            positive = bool(must)
            must = [c for c in must if c in judged]
            must_not = [c for c in must_not if c in judged]
            if (positive and not must) or (not positive and not must_not):
                continue
        if cl not in res:
            res[cl] = {"kind": None, "items": 0, "hits": 0}
            order.append(cl)
        r = res[cl]
        ab = bool(abstain_of(i)) if abstain_of else False
        r["items"] += 1
        if must:
            r["kind"] = "positive"
            r["hits"] += 0 if ab else int(all(flagged_of(i, c) for c in must))
        else:
            r["kind"] = r["kind"] or "benign"
            r["hits"] += 0 if ab else int(any(flagged_of(i, c) for c in must_not))
    for cl in order:
        r = res[cl]
        r["value"] = r["hits"] / r["items"] if r["items"] else None
        r["interval"] = wilson(r["hits"], r["items"])
    return order, res


# ------------------------------------------------------------------ table ----

def fmt(x, nd=3):
    return "n/a" if x is None else ("%.*f" % (nd, x))


def fmt_ci(c, nd=3):
    return "" if not c else " [%.*f, %.*f]" % (nd, c[0], nd, c[1])


def fmt_gap(g, c):
    if g is None:
        return "n/a"
    return "%+.3f%s" % (g, "" if not c else " [%+.3f, %+.3f]" % (c[0], c[1]))


def verdict(g, c):
    """at/above the best peer: 'yes'; below but the paired interval reaches 0: 'no (CI has 0)'."""
    if g is None:
        return "n/a"
    if g >= 0:
        return "yes"
    if c and c[1] >= 0:
        return "no (CI has 0)"
    return "no"


def best_peer(sysm, metric):
    best = None
    for name, m in sysm.items():
        if name.startswith("ours") or m.get(metric) is None:
            continue
        if best is None or m[metric] > sysm[best][metric]:
            best = name
    return best


def render_markdown(res):
    """The report as Markdown: summary per model, per-system detail, flag rates, functional."""
    L = []
    if res.get("restricted"):
        L.append("Categories: %s only (`--categories`): peers trained, tasks, flag rates and "
                 "functional classes for these; the model is the full model, scored as usual."
                 % ", ".join(res["categories"]))
        L.append("")
    for mi, mod in enumerate(res["models"]):
        tag = "ours" if len(res["models"]) == 1 else "ours%d" % mi
        L.append("### `%s` (%s) against the best peer, per corpus (dev)" % (mod["path"], mod["name"]))
        L.append("")
        L.append("F1 at each system's own decision; best peer = the highest of svm, logreg and "
                 "fastText, each at its default decision and at its out-of-fold threshold (all "
                 "dev-blind). Gaps are ours − best peer with paired bootstrap 95% intervals.")
        L.append("")
        L.append("| task (category · corpus) | n | pos | ours F1 | best peer F1 | gap F1 | F1 at/above? "
                 "| ours AP | best peer AP | gap AP | AP at/above? |")
        L.append("|---|---:|---:|---|---|---|---|---|---|---|---|")
        for t in res["tasks"]:
            sm = t["systems"]
            o = sm[tag]
            bf = t["best"][tag]["f1"]
            ba = t["best"][tag]["ap"]
            L.append("| %s · %s | %d | %d | %s%s | %s %s | %s | %s | %s | %s %s | %s | %s |" % (
                t["category"], t["corpus"], t["n"], t["positives"],
                fmt(o["f1"]), fmt_ci(o["f1_ci"]),
                fmt(sm[bf["peer"]]["f1"]) if bf["peer"] else "n/a", bf["peer"] or "",
                fmt_gap(bf["gap"], bf["gap_ci"]), verdict(bf["gap"], bf["gap_ci"]),
                fmt(o["ap"]), fmt(sm[ba["peer"]]["ap"]) if ba["peer"] else "n/a",
                (ba["peer"] or "").replace("/default", ""),
                fmt_gap(ba["gap"], ba["gap_ci"]), verdict(ba["gap"], ba["gap_ci"])))
        cnt = {}
        for metric in ("f1", "ap"):
            gaps = [t["best"][tag][metric]["gap"] for t in res["tasks"]]
            gaps = [g for g in gaps if g is not None]
            cnt[metric] = (sum(1 for g in gaps if g >= 0), len(gaps))
        L.append("")
        L.append("At or above the best peer: F1 %d of %d tasks, AP %d of %d." % (
            cnt["f1"] + cnt["ap"]))
        L.append("")
    peers = [p for p in res["peers"]]
    L.append("### Every system per task (F1 [95% CI] · AP)")
    L.append("")
    cols = ["ours" if len(res["models"]) == 1 else "ours%d" % i for i in range(len(res["models"]))]
    cols += ["%s/%s" % (p, v) for p in peers for v in VARIANTS
             if v == "default" or any(p in th for th in res["thresholds"].values())]
    L.append("| task | " + " | ".join(cols) + " |")
    L.append("|---|" + "---|" * len(cols))
    for t in res["tasks"]:
        cells = []
        for c in cols:
            m = t["systems"].get(c)
            if not m:
                cells.append("-")
                continue
            cells.append("%s%s · %s" % (fmt(m["f1"]), fmt_ci(m["f1_ci"], 2), fmt(m["ap"])))
        L.append("| %s · %s | %s |" % (t["category"], t["corpus"], " | ".join(cells)))
    L.append("")
    if res["thresholds"]:
        L.append("(AP does not depend on the threshold: the /oof column repeats the /default AP.) "
                 "Peer thresholds chosen out-of-fold (%d folds) per category: %s." % (
                 res["folds"], "; ".join(
                         "%s %s" % (c, ", ".join("%s %s" % (p, fmt(v, 3)) for p, v in th.items()))
                         for c, th in res["thresholds"].items())))
    else:
        L.append("Peers at their default decisions only (--no-oof).")
    L.append("")
    L.append("### Flag rates on the hard-negative dev splits (no positives; share flagged)")
    L.append("")
    L.append("| category · corpus | n | " + " | ".join(cols) + " |")
    L.append("|---|---:|" + "---:|" * len(cols))
    for fr in res["flag_rates"]:
        L.append("| %s · %s | %d | %s |" % (fr["category"], fr["corpus"], fr["n"], " | ".join(
            ("%.1f%%" % (100 * fr["systems"][c])) if fr["systems"].get(c) is not None else "-"
            for c in cols)))
    L.append("")
    if res.get("functional"):
        fu = res["functional"]
        L.append("### Functional suite `%s` (%d items): benign = share flagged as a must-not "
                 "category, positive = recall; the suite's rule, peers never abstain%s" % (
                     fu["suite"], fu["items"],
                     "; judged on %s only (items with nothing to judge there left out)"
                     % ", ".join(fu["categories"]) if res.get("restricted") else ""))
        L.append("")
        L.append("| class | kind | items | " + " | ".join(cols) + " |")
        L.append("|---|---|---:|" + "---:|" * len(cols))
        for cl in fu["order"]:
            row = fu["classes"][cl]
            L.append("| %s | %s | %d | %s |" % (cl, row["kind"], row["items"], " | ".join(
                ("%.1f%%" % (100 * row["systems"][c])) if row["systems"].get(c) is not None
                else "-" for c in cols)))
        L.append("")
    L.append("Reproduce: `%s`" % res["command"])
    return "\n".join(L) + "\n"


def strip_private(obj):
    if isinstance(obj, dict):
        return {k: strip_private(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [strip_private(v) for v in obj]
    return obj


# ------------------------------------------------------------------- main ----

def parse_args(argv=None):
    """(parser, options) of a command line; options.model holds the default model when no
    -m is given."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", "--model", action="append", default=[],
                    help="libclassify model (repeatable; default models/arabic-default.clf)")
    ap.add_argument("--classify", default=os.path.join(REPO, "build", "classify"))
    ap.add_argument("--corpora", default=None,
                    help="corpora root (default: $CLF_CORPORA, else the recipe's corpora_root)")
    ap.add_argument("--recipe", default=os.path.join(REPO, "training", "recipes",
                                                     "arabic-default.json"))
    ap.add_argument("--functional", default=os.path.join(REPO, "eval", "functional",
                                                         "arabic-functional.json"),
                    help="functional suite to score every system on ('' = none)")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--categories", default="",
                    help="comma list: train peers and report tasks, flag rates and functional "
                         "classes for these categories only (default: every category of the "
                         "recipe); the model is the full model, scored as usual")
    ap.add_argument("--no-oof", action="store_true",
                    help="skip the out-of-fold thresholds (default decisions only; faster)")
    ap.add_argument("--oof-peers", default="svm,logreg",
                    help="comma list: the peers that also get out-of-fold thresholds (default "
                         "svm,logreg: fastText's 3 extra fits per category took hours on the "
                         "shared machine)")
    ap.add_argument("--cached-only", action="store_true",
                    help="train nothing: peers (or thresholds) not in the cache are left out")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--ft-threads", type=int, default=2)
    ap.add_argument("--cache", default=os.path.join(REPO, "build", "peers-cache"))
    ap.add_argument("--md", default="", help="write the Markdown tables here")
    ap.add_argument("--json", default="", help="write the full results here")
    a = ap.parse_args(argv)
    a.model = a.model or [os.path.join(REPO, "models", "arabic-default.clf")]
    for p in a.peers.split(","):
        if p and p not in PEERS:
            ap.error("unknown peer %r" % p)
    return ap, a


def load_recipe(a):
    """The recipe of options a, parsed; a.corpora becomes the corpora root it resolves to."""
    with open(a.recipe, encoding="utf-8") as f:
        recipe = json.load(f)
    a.corpora = RD.corpora_root(recipe, a.recipe, a.corpora)
    return recipe


def selected_categories(ap, a, recipe):
    """The categories of --categories, in the recipe's order (all of them by default); an
    unknown name is a usage error."""
    cats = recipe["categories"]
    want = [c for c in a.categories.split(",") if c]
    for c in want:
        if c not in cats:
            ap.error("--categories: %r is not a category of %s (%s)" % (c, a.recipe,
                                                                          ", ".join(cats)))
    return [c for c in cats if c in want] if want else list(cats)


def repo_path(path):
    """path (relative to the current folder) as the repository root sees it: relative to the
    root when inside it, else absolute."""
    p = os.path.abspath(path)
    return os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else p


# (option, attribute, is a path) that the Reproduce line repeats when not at the default
REPRODUCED = (("--classify", "classify", True), ("--recipe", "recipe", True),
              ("--functional", "functional", True), ("--peers", "peers", False),
              ("--categories", "categories", False),
              ("--oof-peers", "oof_peers", False), ("--folds", "folds", False),
              ("--seed", "seed", False), ("--resamples", "resamples", False),
              ("--ft-threads", "ft_threads", False), ("--cache", "cache", True))


def reproduce_command(ap, a, recipe):
    """The shell command that reruns options a (after load_recipe) from the repository root:
    the models, every option of REPRODUCED not at its default, and --corpora unless it is
    the recipe's own corpora_root ($CLF_CORPORA is not carried into the command)."""
    args = []
    for m in a.model:
        args += ["-m", repo_path(m)]
    for opt, dest, is_path in REPRODUCED:
        v, d = getattr(a, dest), ap.get_default(dest)
        if dest == "oof_peers" and a.no_oof:
            continue
        if is_path and v and d and os.path.abspath(v) == os.path.abspath(d):
            continue
        if v != d:
            args += [opt, repo_path(v) if is_path and v else str(v)]
    if os.path.abspath(a.corpora) != \
            os.path.abspath(RD.corpora_root(recipe, a.recipe, None, environ={})):
        args += ["--corpora", repo_path(a.corpora)]
    args += (["--no-oof"] if a.no_oof else []) + (["--cached-only"] if a.cached_only else [])
    return "nice -n 10 /usr/bin/python3 bench/peers/per_corpus.py " + " ".join(
        shlex.quote(x) for x in args)


def main(argv=None):
    ap, a = parse_args(argv)
    models = a.model
    peers = [p for p in a.peers.split(",") if p]
    oof_peers = [p for p in a.oof_peers.split(",") if p]
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    recipe = load_recipe(a)
    cats = recipe["categories"]
    sel = selected_categories(ap, a, recipe)
    caps = recipe.get("training", {}).get("max_flag_rate", {})
    if not isinstance(caps, dict):
        caps = {"*": caps}
    t_start = time.time()
    tmp = tempfile.mkdtemp(prefix="clf-per-corpus-")
    try:
        train, dev = load_recipe_data(
            recipe, a.recipe, a.corpora,
            lambda texts, unit: cut_texts(a.classify, models[0], texts, unit, tmp))
        # the functional items, as the suite expands them (the model does not matter)
        items = []
        if a.functional:
            items = functional_report(a.classify, models[0], a.functional, tmp)["items"]
        eval_texts, offsets = eval_set(dev, items)
        eval_hash = sha(eval_texts)

        runner = PeerRunner(a.cache, tmp, a.folds, a.seed, a.ft_threads, log, a.cached_only)
        # scores[system][cat] = list over eval_texts; preds likewise (bool)
        # preds: decisions at each system's threshold (corpus tasks, flag rates); flags:
        # what the functional suite counts (the model's report-only categories are not flags)
        scores, preds, flags_func, thresholds = {}, {}, {}, {c: {} for c in sel}
        for mi, model in enumerate(models):
            tag = "ours" if len(models) == 1 else "ours%d" % mi
            pr, fl, dec, ab = score_model(a.classify, model, eval_texts, tmp)
            scores[tag] = {c: pr[c] for c in cats}
            preds[tag] = {c: dec[c] for c in cats}
            preds[tag]["_abstain"] = ab
            flags_func[tag] = {c: fl[c] for c in cats}
        for c in sel:
            t = train[c]
            log("[%s] train n=%d pos=%d (weighted n=%d)" % (c, len(t["y"]), sum(t["y"]),
                                                            sum(t["w"])))
            for p in peers:
                full, _ = runner.full(p, c, t, eval_texts, eval_hash)
                if full is None:  # --cached-only and not trained yet
                    log("[%s] %s: not in the cache, left out" % (c, p))
                    continue
                s = full["scores"]
                for v in VARIANTS:
                    scores.setdefault("%s/%s" % (p, v), {})[c] = s
                thr_d = default_threshold(p)
                # default decisions: sklearn decision > 0, fastText P >= 0.5
                dflt = (np.asarray(s) >= thr_d) if p == "fasttext" else (np.asarray(s) > thr_d)
                preds.setdefault("%s/default" % p, {})[c] = dflt.tolist()
                if not a.no_oof and p in oof_peers:
                    oof, _ = runner.oof(p, c, t)
                    if oof is None:
                        log("[%s] %s out-of-fold: not in the cache, left out" % (c, p))
                        continue
                    thr, _fl = oof_threshold(oof["scores"], t, caps, threshold_rule(recipe, c))
                    thresholds[c][p] = thr
                    preds.setdefault("%s/oof" % p, {})[c] = flags(s, thr, p).tolist()
        systems = [s for s in preds]

        # cross-check the model's per-corpus figures against classify eval --json
        checks = []
        for mi, model in enumerate(models):
            tag = "ours" if len(models) == 1 else "ours%d" % mi
            ej = model_eval_json(a.classify, model, a.recipe, a.corpora, tmp)
            for g in ej["groups"]:
                if g.get("pooled") or g["name"] not in offsets:
                    continue
                lo, hi = offsets[g["name"]]
                for c, cm in g["categories"].items():
                    if c not in sel:
                        continue
                    y = dev[g["name"]]["y"][c]
                    pr = np.asarray(preds[tag][c][lo:hi])
                    if cm.get("has_positives"):
                        mine = (f1_score(y, pr), ap_score(y, scores[tag][c][lo:hi]))
                        theirs = (cm["f1"]["value"], cm["average_precision"]["value"])
                    else:
                        mine = (float(pr.mean()), None)
                        theirs = (cm["flag_rate"]["value"], None)
                    ok = all((x is None and y_ is None) or
                             (x is not None and y_ is not None and abs(x - y_) < 1e-6)
                             for x, y_ in zip(mine, theirs))
                    checks.append({"model": tag, "corpus": g["name"], "category": c, "ok": ok,
                                   "score": mine, "eval": theirs})
                    if not ok:
                        log("WARNING: %s %s/%s: classify score gives %s, classify eval %s"
                            % (tag, g["name"], c, mine, theirs))

        res = {"recipe": os.path.relpath(a.recipe, REPO), "corpora": a.corpora,
               "categories": sel, "restricted": sel != cats, "models": [], "peers": peers, "folds": a.folds, "resamples": a.resamples,
               "thresholds": thresholds if not a.no_oof else {}, "tasks": [], "flag_rates": [],
               "versions": P.tool_versions(), "checks_ok": all(c["ok"] for c in checks),
               "checks": checks}
        for mi, model in enumerate(models):
            name = run_classify(a.classify, ["score", "-m", model, "--format", "text",
                                             "--output", "jsonl"], input="x\n").stdout
            res["models"].append({"path": os.path.relpath(os.path.abspath(model), REPO)
                                  if os.path.abspath(model).startswith(REPO) else model,
                                  "sha256": hashlib.sha256(open(model, "rb").read()).hexdigest(),
                                  "name": json.loads(name.splitlines()[0])["model"]})
        ours_tags = [s for s in systems if s.startswith("ours")]
        for name, d in dev.items():
            lo, hi = offsets[name]
            idx = bootstrap_idx(hi - lo, a.resamples, a.seed)
            for c in d["annotates"]:
                y = d["y"][c]
                if c not in sel or not any(y):
                    continue
                task = {"category": c, "corpus": name, "n": len(y), "positives": int(sum(y)),
                        "systems": {}, "best": {}}
                for s in systems:
                    if c in preds[s]:
                        task["systems"][s] = system_metrics(y, scores[s][c][lo:hi],
                                                            preds[s][c][lo:hi], idx)
                for o in ours_tags:
                    b = {}
                    for metric in ("f1", "ap"):
                        bp = best_peer(task["systems"], metric)
                        om = task["systems"][o]
                        g = None if bp is None or om[metric] is None else \
                            om[metric] - task["systems"][bp][metric]
                        gci = gap(om["_b" + metric], task["systems"][bp]["_b" + metric]) \
                            if bp else None
                        b[metric] = {"peer": bp, "gap": g, "gap_ci": gci}
                    task["best"][o] = b
                res["tasks"].append(task)
            for c in [c for c in d["negatives_for"] if c in sel]:
                fr = {"category": c, "corpus": name, "n": hi - lo, "systems": {}}
                for s in systems:
                    if c in preds[s]:
                        fr["systems"][s] = float(np.mean(preds[s][c][lo:hi]))
                res["flag_rates"].append(fr)
        order = {c: i for i, c in enumerate(cats)}
        res["tasks"].sort(key=lambda t: (order[t["category"]], t["corpus"]))
        res["flag_rates"].sort(key=lambda t: (t["corpus"] != NEWS, order[t["category"]],
                                              t["corpus"]))
        if items:
            lo, hi = offsets["_functional"]
            fu = {"suite": os.path.relpath(os.path.abspath(a.functional), REPO),
                  "items": len(items), "classes": {}, "order": []}
            judged = None if sel == cats else set(sel)
            fu["categories"] = sel
            for s in systems:
                if any(c not in preds[s] for c in sel):
                    continue  # a peer left out of some category (--cached-only)
                ab = preds[s].get("_abstain")
                fl_s = flags_func.get(s, preds[s])
                order_, cl = functional_classes(
                    items, cats, lambda i, c: bool(fl_s[c][lo + i]),
                    (lambda i: ab[lo + i]) if ab else None, judged)
                fu["order"] = order_
                for name, r in cl.items():
                    row = fu["classes"].setdefault(name, {"kind": r["kind"], "items": r["items"],
                                                          "systems": {}, "intervals": {}})
                    row["systems"][s] = r["value"]
                    row["intervals"][s] = r["interval"]
            # our rule on the model's own scoring must give classify eval --functional's figures
            fr_ = functional_report(a.classify, models[0], a.functional, tmp)
            tag0 = ours_tags[0]
            ab0 = preds[tag0]["_abstain"]
            _o, full_rule = functional_classes(  # on every category, as classify eval judges
                items, cats, lambda i, c: bool(flags_func[tag0][c][lo + i]), lambda i: ab0[lo + i])
            for c_ in fr_["classes"]:
                mine = full_rule[c_["name"]]["value"] if judged is not None else \
                    fu["classes"][c_["name"]]["systems"][tag0]
                if abs(mine - c_["value"]) > 1e-9:
                    res["checks_ok"] = False
                    log("WARNING: functional %s: rescored %.4f, classify eval %.4f"
                        % (c_["name"], mine, c_["value"]))
            res["functional"] = fu
        res["elapsed_seconds"] = round(time.time() - t_start, 1)
        res["command"] = reproduce_command(ap, a, recipe)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    md = render_markdown(res)
    sys.stdout.write(md)
    print("cross-checks against classify eval: %s; elapsed %.0f s"
          % ("all agree" if res["checks_ok"] else "MISMATCH (see warnings)",
             res["elapsed_seconds"]))
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(md)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(strip_private(res), f, indent=1)
            f.write("\n")
    return 0 if res["checks_ok"] else 3


if __name__ == "__main__":
    sys.exit(main())
