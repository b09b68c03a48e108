#!/usr/bin/python3
"""Checks of per_corpus.py's data, threshold, metric and table logic on small made-up cases
(no corpora, no training). Exit 77 (skipped) when numpy or scikit-learn is missing."""

import json
import os
import random
import shlex
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.metrics import average_precision_score
except ImportError:
    print("numpy / scikit-learn missing: skipped")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import per_corpus as PC  # noqa: E402
import recipe_data as RD  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: " + what)


def test_ap_and_f1():
    rng = random.Random(3)
    for trial in range(200):
        n = rng.randint(2, 40)
        y = [rng.randint(0, 1) for _ in range(n)]
        if not any(y):
            y[0] = 1
        s = [rng.choice([0.1, 0.2, 0.5, 0.7, 0.9]) if trial % 2 else rng.random()
             for _ in range(n)]
        want = average_precision_score(y, s)
        got = PC.ap_score(y, s)
        check(abs(got - want) < 1e-12, "AP %r vs sklearn %r (trial %d)" % (got, want, trial))
    check(PC.ap_score([0, 0], [0.1, 0.2]) is None, "AP without positives is undefined")
    # tp=2 fp=1 fn=1 -> 2*2 / (2*2 + 1 + 1)
    check(abs(PC.f1_score([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]) - 4 / 6) < 1e-12, "F1 4/6")
    check(PC.f1_score([0, 0], [0, 0]) is None, "F1 with nothing to count is undefined")
    check(PC.f1_score([1, 0], [0, 0]) == 0.0, "F1 0 when positives are all missed")


def test_oof_threshold():
    # in-domain corpus A (selection counts), synthetic S (selection false), news N (cap 2%)
    t = {"src": [], "y": [], "sel": []}
    scores = []
    a = [(0.9, 1), (0.8, 1), (0.7, 0), (0.6, 1), (0.4, 0), (0.3, 1), (0.2, 0)]
    for s, y in a:
        scores.append(s), t["src"].append("A"), t["y"].append(y), t["sel"].append(True)
    # the synthetic rows would make 0.3 the best threshold if they counted
    for _ in range(20):
        scores.append(0.35), t["src"].append("S"), t["y"].append(1), t["sel"].append(False)
    news = [0.05] * 97 + [0.65, 0.5, 0.45]
    for s in news:
        scores.append(s), t["src"].append("N"), t["y"].append(0), t["sel"].append(True)
    # cap 2% of 100 -> 2 news rows may reach the threshold: floor = 3rd highest = 0.45
    thr, floors = PC.oof_threshold(scores, t, {"*": 0.02})
    check(abs(floors["N"] - 0.45) < 1e-12, "news floor 0.45, got %r" % floors)
    # in-domain F1 above 0.45: thr 0.9 -> 2/5, 0.8 -> 4/6, 0.7 -> 4/7, 0.6 -> 6/8 (best)
    check(abs(thr - 0.6) < 1e-12, "best capped in-domain F1 at 0.6, got %r" % thr)
    # no caps: 0.3 gives tp 4 fp 2 fn 0 -> 8/10 = 0.8 > 0.75
    thr, floors = PC.oof_threshold(scores, t, {})
    check(abs(thr - 0.3) < 1e-12 and not floors, "uncapped best F1 at 0.3, got %r" % thr)
    # precision above the floor 0.45: 0.9 -> 1/1, 0.8 -> 2/2, 0.7 -> 2/3, 0.6 -> 3/4
    thr, _f = PC.oof_threshold(scores, t, {"*": 0.02}, "precision:0.75")
    check(abs(thr - 0.6) < 1e-12, "precision:0.75 at 0.6, got %r" % thr)
    # precision:1.0: 0.9 and 0.8 both reach it, 0.8 has more recall
    thr, _f = PC.oof_threshold(scores, t, {"*": 0.02}, "precision:1")
    check(abs(thr - 0.8) < 1e-12, "precision:1 at 0.8, got %r" % thr)
    check(PC.threshold_rule({"training": {"threshold": {"hate": "precision:0.5", "*": "best_f1"}}},
                            "hate") == "precision:0.5", "per-category threshold rule")
    check(PC.threshold_rule({"training": {"threshold": {"hate": "precision:0.5", "*": "best_f1"}}},
                            "offensive") == "best_f1", "\"*\" threshold rule")
    # a per-corpus cap overrides "*": 5% of 100 -> floor = 6th highest = 0.05
    thr, floors = PC.oof_threshold(scores, t, {"*": 0.02, "N": 0.05})
    check(abs(floors["N"] - 0.05) < 1e-12, "news floor with its own cap")


def test_verdict_and_best():
    check(PC.verdict(0.0, [-0.1, 0.1]) == "yes", "a tie is at the best peer")
    check(PC.verdict(-0.02, [-0.05, 0.01]) == "no (CI has 0)", "below, interval reaches 0")
    check(PC.verdict(-0.02, [-0.05, -0.01]) == "no", "below, interval below 0")
    sm = {"ours": {"f1": 0.99}, "svm/default": {"f1": 0.5}, "svm/oof": {"f1": 0.7},
          "fasttext/default": {"f1": None}}
    check(PC.best_peer(sm, "f1") == "svm/oof", "best peer ignores ours and undefined values")


def test_functional_rule():
    cats = ["extremism", "hate"]
    items = [
        {"class": "b", "must": [], "must_not": ["*"]},
        {"class": "b", "must": [], "must_not": ["extremism"]},
        {"class": "b", "must": [], "must_not": ["extremism"]},
        {"class": "p", "must": ["extremism", "hate"], "must_not": []},
        {"class": "p", "must": ["extremism"], "must_not": []},
    ]
    flagged = {0: {"hate"}, 1: {"hate"}, 2: {"extremism"}, 3: {"extremism"}, 4: {"extremism"}}
    order, res = PC.functional_classes(items, cats, lambda i, c: c in flagged[i])
    check(order == ["b", "p"], "class order")
    # item 0 flagged hate, must_not "*" -> counts; item 1 hate not in its must_not; item 2 counts
    check(res["b"]["kind"] == "benign" and res["b"]["hits"] == 2, "benign: 2 of 3 flagged")
    # item 3 misses hate; item 4 has every must
    check(res["p"]["kind"] == "positive" and res["p"]["hits"] == 1, "positive: 1 of 2 recalled")
    # an abstained item is never flagged, whatever its scores
    _o, res = PC.functional_classes(items, cats, lambda i, c: c in flagged[i],
                                    lambda i: i in (0, 4))
    check(res["b"]["hits"] == 1 and res["p"]["hits"] == 0, "abstained items count as not flagged")
    # judged on hate only: item 2 (must_not extremism) and item 4 (must extremism) have
    # nothing left to judge; item 0 counts (hate flagged, "*"), item 1 not (hate not in its
    # must_not); item 3 is judged on hate alone, which it misses
    order, res = PC.functional_classes(items, cats, lambda i, c: c in flagged[i],
                                       judged={"hate"})
    check(order == ["b", "p"] and res["b"]["items"] == 1 and res["b"]["hits"] == 1,
          "benign judged on hate only: 1 of 1 item, flagged: %r" % res.get("b"))
    check(res["p"]["items"] == 1 and res["p"]["hits"] == 0,
          "positive judged on hate only: 1 item, missed: %r" % res.get("p"))
    order, res = PC.functional_classes(items[3:], cats, lambda i, c: c in flagged[i + 3],
                                       judged={"extremism"})
    check(order == ["p"] and res["p"]["items"] == 2 and res["p"]["hits"] == 2,
          "a class without items to judge is left out: %r" % order)
    lo, hi = PC.wilson(0, 10)
    check(lo == 0.0 and 0.27 < hi < 0.28, "Wilson interval of 0/10 is [0, 0.278]")


def test_recipe_data():
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "corpora", "c1"))
        os.makedirs(os.path.join(d, "recipes"))
        os.makedirs(os.path.join(d, "synthetic"))

        def tsv(path, rows):
            with open(path, "w", encoding="utf-8") as f:
                f.write("id\tlabels\ttext\n")
                for r in rows:
                    f.write("\t".join(r) + "\n")
        tsv(os.path.join(d, "corpora", "c1", "train.tsv"),
            [("1", "x", "a @M b"), ("2", "", "c"), ("3", "y,x", "d")])
        tsv(os.path.join(d, "corpora", "c1", "dev.tsv"), [("4", "x", "e @M"), ("5", "", "f")])
        tsv(os.path.join(d, "synthetic", "neg.tsv"), [("6", "", "g")])
        recipe = {"categories": ["hate", "extremism"], "corpora": [
            {"name": "c1", "train": "c1/train.tsv", "dev": "c1/dev.tsv", "annotates": ["hate"],
             "negatives_for": ["extremism"], "labels": {"x": ["hate"], "*": []},
             "rewrite": [["@M", "<user>"]]},
            {"name": "syn", "train": "../synthetic/neg.tsv",
             "negatives_for": ["hate"], "weight": 3, "selection": False}]}
        # per-category weights: {"hate": 2, "*": 5} for c1 (extremism takes "*")
        recipe["corpora"][0]["weight"] = {"hate": 2, "*": 5}
        rp = os.path.join(d, "recipes", "r.json")
        with open(rp, "w") as f:
            json.dump(recipe, f)
        train, dev = PC.load_recipe_data(recipe, rp, os.path.join(d, "corpora"))
        h = train["hate"]
        check(h["texts"] == ["a <user> b", "c", "d", "g"], "train texts rewritten, synthetic "
              "read relative to the recipe: %r" % h["texts"])
        check(h["y"] == [1, 0, 1, 0] and h["w"] == [2, 2, 2, 3], "labels and weights %r %r"
              % (h["y"], h["w"]))
        check(train["extremism"]["w"] == [5, 5, 5], "\"*\" weight %r" % train["extremism"]["w"])
        check(h["sel"] == [True, True, True, False], "selection false kept per row")
        check(train["extremism"]["y"] == [0, 0, 0] and train["extremism"]["src"] == ["c1"] * 3,
              "negatives_for rows are negatives, only for their categories")
        check(list(dev) == ["c1"] and dev["c1"]["texts"] == ["e <user>", "f"],
              "dev rewritten, as classify eval reads it: %r" % dev["c1"]["texts"])
        check(dev["c1"]["y"] == {"hate": [1, 0], "extremism": [0, 0]}, "dev labels")
        # peers.py reads the same rows through the same module (without the rewrites)
        ps = PC.P.build_sets(recipe, rp, os.path.join(d, "corpora"), "train")
        check(ps["hate"]["texts"] == ["a @M b", "c", "d", "g"] and ps["hate"]["y"] == h["y"]
              and ps["extremism"]["src"] == ["c1"] * 3, "peers.py's sets: %r" % ps)
    # "*" stands for the labels not listed, as the trainer maps them
    m = {"x": ["hate"], "*": ["offensive"]}
    check(RD.row_categories(["x"], m) == {"hate"}, "a listed label does not take \"*\"")
    check(RD.row_categories(["z", "x"], m) == {"hate", "offensive"}, "\"*\" for an unlisted one")
    check(RD.corpus_file("r/x.json", "C", "./a.tsv") == "r/./a.tsv" and
          RD.corpus_file("x.json", "C", "../s/a.tsv") == "./../s/a.tsv" and
          RD.corpus_file("r/x.json", "C", "c/a.tsv") == "C/c/a.tsv" and
          RD.corpus_file("r/x.json", "C", "/abs.tsv") == "/abs.tsv", "corpus path rule")


def settings(a):
    """What decides a run's results, with paths made absolute from the current folder."""
    out = {}
    for _opt, dest, is_path in PC.REPRODUCED:
        v = getattr(a, dest)
        out[dest] = os.path.abspath(v) if is_path and v else v
    out["model"] = [os.path.abspath(m) for m in a.model]
    out["corpora"] = os.path.abspath(a.corpora)
    out["flags"] = (a.no_oof, a.cached_only)
    if a.no_oof:
        del out["oof_peers"]
    return out


def reproduced(argv, env_corpora=None):
    """(settings of argv here, settings of its Reproduce line run from the repository root,
    the line)."""
    old = os.environ.pop("CLF_CORPORA", None)
    if env_corpora:
        os.environ["CLF_CORPORA"] = env_corpora
    try:
        ap, a = PC.parse_args(argv)
        recipe = PC.load_recipe(a)
        want = settings(a)
        cmd = PC.reproduce_command(ap, a, recipe)
        os.environ.pop("CLF_CORPORA", None)  # the line must not need the environment
        here = os.getcwd()
        os.chdir(PC.REPO)
        try:
            words = shlex.split(cmd)
            _ap, b = PC.parse_args(words[5:])
            PC.load_recipe(b)
            got = settings(b)
        except SystemExit:
            got = "argparse refused %r" % words[5:]
        finally:
            os.chdir(here)
    finally:
        os.environ.pop("CLF_CORPORA", None)
        if old is not None:
            os.environ["CLF_CORPORA"] = old
    check(words[:5] == ["nice", "-n", "10", "/usr/bin/python3", "bench/peers/per_corpus.py"],
          "the Reproduce line runs the script from the root: %s" % cmd)
    return want, got, cmd


def test_reproduce():
    root = PC.REPO
    default = "nice -n 10 /usr/bin/python3 bench/peers/per_corpus.py -m models/arabic-default.clf"
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        try:
            want, got, cmd = reproduced([])
            check(cmd == default, "defaults: %s" % cmd)
            check(want == got, "defaults reproduced: %r vs %r" % (want, got))
            # relative paths from another folder, a space in a name, every option changed
            os.makedirs(os.path.join(d, "my corpora"))
            with open(os.path.join(root, "training", "recipes", "arabic-default.json")) as f:
                recipe = json.load(f)
            with open(os.path.join(d, "r.json"), "w") as f:
                json.dump(recipe, f)
            model = os.path.relpath(os.path.join(root, "models", "arabic-default.clf"), d)
            argv = ["-m", model, "-m", "other model.clf", "--recipe", "r.json",
                    "--corpora", "my corpora", "--functional", "", "--peers", "svm,logreg",
                    "--oof-peers", "svm", "--folds", "5", "--seed", "7", "--resamples", "50",
                    "--ft-threads", "1", "--cache", "c", "--cached-only",
                    "--categories", "hate,offensive",
                    "--classify", os.path.relpath(os.path.join(root, "build", "classify"), d)]
            want, got, cmd = reproduced(argv)
            check(want == got, "options reproduced from the root: %s\n%r\n%r" % (cmd, want, got))
            check("-m models/arabic-default.clf" in cmd and "--classify" not in cmd,
                  "paths inside the repository are relative to it, defaults left out: %s" % cmd)
            # the corpora from $CLF_CORPORA: the line names them
            want, got, cmd = reproduced([], env_corpora=os.path.join(d, "my corpora"))
            check(want == got and "--corpora" in cmd, "$CLF_CORPORA carried as --corpora: %s"
                  % cmd)
            want, got, cmd = reproduced(["--no-oof", "--oof-peers", "svm"])
            check(want == got and "--oof-peers" not in cmd, "--no-oof: %s" % cmd)
        finally:
            os.chdir(here)
    # and the line starts from the repository root (interpreter, script, options)
    _w, _g, cmd = reproduced(["--folds", "5", "--functional", ""])
    r = subprocess.run(shlex.split(cmd) + ["--help"], cwd=root, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(r.returncode == 0, "%s --help from the root: %s" % (cmd, r.stderr))


def test_sklearn_oof_and_cache():
    # a word that decides the label: out-of-fold svm scores must separate the classes, and
    # a second call must come from the cache (same data, same settings)
    rng = random.Random(5)
    t = {"texts": [], "y": [], "w": [], "src": [], "sel": []}
    for i in range(60):
        y = i % 3 == 0
        words = ["w%d" % rng.randint(0, 30) for _ in range(6)] + (["bad"] if y else [])
        t["texts"].append(" ".join(words)), t["y"].append(int(y)), t["w"].append(1 + (i % 2))
        t["src"].append("A" if i < 45 else "B"), t["sel"].append(True)
    with tempfile.TemporaryDirectory() as d:
        r = PC.PeerRunner(os.path.join(d, "cache"), d, 3, 1, 1, lambda s: None)
        oof, hit = r.oof("svm", "hate", t)
        check(not hit and len(oof["scores"]) == 60, "out-of-fold scores for every row")
        pos = [s for s, y in zip(oof["scores"], t["y"]) if y]
        neg = [s for s, y in zip(oof["scores"], t["y"]) if not y]
        check(min(pos) > max(neg), "the deciding word separates out-of-fold scores")
        oof2, hit = r.oof("svm", "hate", t)
        check(hit and oof2["scores"] == oof["scores"], "second call from the cache")
        t["y"][1] = 1
        _o, hit = r.oof("svm", "hate", t)
        check(not hit, "changed labels miss the cache")
        none, hit = PC.PeerRunner(os.path.join(d, "cache"), d, 3, 1, 1, lambda s: None,
                                  cached_only=True).full("svm", "hate", t, ["x"], "h")
        check(none is None, "--cached-only trains nothing")


def test_markdown():
    sysm = lambda f1, ap: {"f1": f1, "ap": ap, "f1_ci": [f1 - 0.1, f1 + 0.1],  # noqa: E731
                           "ap_ci": None}
    res = {"models": [{"path": "m.clf", "name": "m@1"}], "peers": ["svm"], "folds": 3,
           "thresholds": {"hate": {"svm": 0.25}}, "command": "cmd",
           "tasks": [{"category": "hate", "corpus": "c1", "n": 10, "positives": 4,
                      "systems": {"ours": sysm(0.5, 0.6), "svm/default": sysm(0.6, 0.55),
                                  "svm/oof": sysm(0.55, 0.55)},
                      "best": {"ours": {"f1": {"peer": "svm/default", "gap": -0.1,
                                               "gap_ci": [-0.2, 0.05]},
                                        "ap": {"peer": "svm/default", "gap": 0.05,
                                               "gap_ci": [0.01, 0.09]}}}}],
           "flag_rates": [{"category": "hate", "corpus": "news", "n": 5,
                           "systems": {"ours": 0.0, "svm/default": 0.2, "svm/oof": 0.4}}]}
    md = PC.render_markdown(res)
    row = [l for l in md.splitlines() if l.startswith("| hate · c1 | 10 |")]
    check(len(row) == 1, "one summary row")
    if row:
        check("| 0.600 svm/default | -0.100 [-0.200, +0.050] | no (CI has 0) |" in row[0],
              "F1 summary cells: %s" % row[0])
        check("| 0.550 svm | +0.050 [+0.010, +0.090] | yes |" in row[0], "AP summary cells")
    check("| hate · news | 5 | 0.0% | 20.0% | 40.0% |" in md, "flag-rate row")
    check("At or above the best peer: F1 0 of 1 tasks, AP 1 of 1." in md, "summary count")


def arabic_word(rng):
    return "".join(rng.choice("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") for _ in range(rng.randint(3, 6)))


def test_categories_run(classify):
    """--categories: peers and tasks of the selected categories only, with the cache entries
    a full run makes (the keys do not depend on the selection), the same figures as the full
    run, the functional classes judged on the selected categories; an unknown name refused.
    The model's figures agree with classify eval's with b report-only (decisions at its
    threshold count in corpus figures, not in the functional suite) and c1 spelling b's word
    as a rewrite rule undoes (dev texts rewritten as classify eval rewrites them)."""
    if not classify or not os.access(classify, os.X_OK):
        print("no classify binary given: --categories run not checked")
        return
    import contextlib
    import io
    rng = random.Random(11)
    vocab = [arabic_word(rng) for _ in range(150)]

    def text(extra):
        return " ".join([rng.choice(vocab) for _ in range(7)] + extra)

    with tempfile.TemporaryDirectory() as d:
        for sub in ("c1", "news"):
            os.makedirs(os.path.join(d, "corpora", sub))

        def tsv(path, rows):
            with open(path, "w", encoding="utf-8") as f:
                f.write("id\tlabels\ttext\n")
                for i, (lab, txt) in enumerate(rows):
                    f.write("%d\t%s\t%s\n" % (i, lab, txt))

        def c1_rows(n):
            rows = []
            for i in range(n):
                lab = ("xa", "xb", "")[i % 3]
                rows.append((lab, text({"xa": ["قنبلة"], "xb": ["كلبب"], "": []}[lab])))
            return rows
        tsv(os.path.join(d, "corpora", "c1", "train.tsv"), c1_rows(90))
        tsv(os.path.join(d, "corpora", "c1", "dev.tsv"), c1_rows(30))
        news_train = [("", text([]) + ". " + text([]) + ".") for _ in range(40)]
        tsv(os.path.join(d, "corpora", "news", "train.tsv"), news_train)
        tsv(os.path.join(d, "corpora", "news", "dev.tsv"), [("", text([])) for _ in range(12)])
        recipe = {"name": "tiny", "categories": ["a", "b"], "corpora_root": "corpora",
                  "features": {"hash_bits": 16, "min_df": 1},
                  "training": {"folds": 3, "c_grid": [1, 4], "max_flag_rate": {"*": 0.1},
                               "flag_by_default": {"b": False, "*": True}},
                  "corpora": [
                      {"name": "c1", "train": "c1/train.tsv", "dev": "c1/dev.tsv",
                       "annotates": ["a", "b"], "labels": {"xa": ["a"], "xb": ["b"]},
                       "rewrite": [["كلبب", "غبي"]]},
                      {"name": "news", "train": "news/train.tsv", "dev": "news/dev.tsv",
                       "negatives_for": ["a", "b"]},
                      # the news again, cut into sentences, for a only (train_unit)
                      {"name": "news-s", "train": "news/train.tsv", "train_unit": "sentences",
                       "negatives_for": ["a"]}]}
        rp = os.path.join(d, "r.json")
        with open(rp, "w") as f:
            json.dump(recipe, f)
        suite = os.path.join(d, "suite.json")
        with open(suite, "w", encoding="utf-8") as f:
            json.dump({"schema": "libclassify-functional/1", "name": "tiny", "classes": [
                {"name": "ben", "kind": "benign", "must_not": ["*"],
                 "items": [text([]) for _ in range(6)]},
                {"name": "pos-a", "kind": "positive", "must": ["a"],
                 "items": [text(["قنبلة"]) for _ in range(4)]},
                {"name": "pos-b", "kind": "positive", "must": ["b"],
                 "items": [text(["غبي"]) for _ in range(4)]}]}, f, ensure_ascii=False)
        model = os.path.join(d, "m.clf")
        r = subprocess.run([classify, "train", "--recipe", rp, "--out", model, "--threads", "1",
                            "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        check(r.returncode == 0, "classify train of the tiny recipe: %s" % r.stdout)
        if r.returncode != 0:
            return
        cache = os.path.join(d, "cache")
        # train_unit: the news-s rows are the sentences of the news rows, grouped with them
        train, _dev = PC.load_recipe_data(
            recipe, rp, os.path.join(d, "corpora"),
            lambda texts, unit: PC.cut_texts(classify, model, texts, unit, d))
        ta = train["a"]
        cut = [(t, g) for t, g, s_ in zip(ta["texts"], ta["grp"], ta["src"]) if s_ == "news-s"]
        wholes = [t for _l, t in news_train]
        check(len(cut) == 80 and all(g in wholes and t in g and len(t) < len(g) for t, g in cut),
              "train_unit sentences: 2 spans per news row, each inside its row: %d" % len(cut))
        check(not PC.grouped(train["b"]) and PC.grouped(ta), "only a's data is grouped")
        fold_of = {}
        for fi, te in enumerate(PC.folds_for(ta, 3, 1)):
            for i in te:
                g = ta["grp"][i] if ta["grp"][i] is not None else ta["texts"][i]
                fold_of.setdefault(g, set()).add(fi)
        check(all(len(v) == 1 for v in fold_of.values()) and
              all(len(fold_of[w]) == 1 for w in wholes),
              "a news row and its sentences share one fold")

        def run(extra, out):
            argv = ["-m", model, "--classify", classify, "--recipe", rp, "--functional", suite,
                    "--peers", "svm,logreg", "--resamples", "20", "--cache", cache,
                    "--json", out] + extra
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                rc = PC.main(argv)
            with open(out, encoding="utf-8") as f:
                return rc, json.load(f)

        def entries():
            return set(os.listdir(cache)) if os.path.isdir(cache) else set()
        rc, only_b = run(["--categories", "b"], os.path.join(d, "b.json"))
        after_b = entries()
        check(rc == 0 and only_b["checks_ok"], "--categories b: checks against classify eval")
        check(only_b["categories"] == ["b"] and only_b["restricted"], "categories recorded")
        check(sorted({t["category"] for t in only_b["tasks"]}) == ["b"] and
              sorted({f["category"] for f in only_b["flag_rates"]}) == ["b"] and
              list(only_b["thresholds"]) == ["b"], "--categories b: tasks, flag rates and peer "
              "thresholds of b only: %r" % [(t["category"], t["corpus"]) for t in only_b["tasks"]])
        check(len(after_b) == 4, "two peers x (full, out-of-fold) for b: %d entries" % len(after_b))
        fu = only_b.get("functional", {})
        check(fu.get("order") == ["ben", "pos-b"] and fu["classes"]["ben"]["items"] == 6,
              "functional classes judged on b: %r" % fu.get("order"))
        rc, full = run([], os.path.join(d, "full.json"))
        after_full = entries()
        check(rc == 0 and full["checks_ok"] and not full["restricted"], "full run")
        check(after_b <= after_full and len(after_full - after_b) == 4,
              "the full run reuses b's cache entries and adds a's: %d new"
              % len(after_full - after_b))
        tb = {(t["corpus"], s): (m["f1"], m["ap"]) for t in only_b["tasks"]
              for s, m in t["systems"].items()}
        tf = {(t["corpus"], s): (m["f1"], m["ap"]) for t in full["tasks"] if t["category"] == "b"
              for s, m in t["systems"].items()}
        check(tb == tf and len(tb) >= 5, "b's figures are the full run's: %r vs %r" % (tb, tf))
        check(only_b["thresholds"]["b"] == full["thresholds"]["b"], "same peer thresholds")
        check(full["functional"]["order"] == ["ben", "pos-a", "pos-b"], "full functional classes")
        # b is report-only: its corpus F1 counts decisions at its threshold, the suite flags only
        ob = [t["systems"]["ours"]["f1"] for t in full["tasks"] if t["category"] == "b"]
        check(len(ob) == 1 and ob[0] > 0.5, "report-only b: ours F1 at its threshold %r" % ob)
        fb = full["functional"]["classes"]["pos-b"]["systems"]
        check(fb["ours"] == 0.0 and fb.get("svm/default", 0) > 0.5,
              "report-only b flags nothing in the suite (peers do): %r" % fb)
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                run(["--categories", "b,zz"], os.path.join(d, "zz.json"))
            check(False, "an unknown category must be refused")
        except SystemExit as e:
            check(e.code == 2, "an unknown category is a usage error (exit %r)" % e.code)


if __name__ == "__main__":
    # argument: the classify binary (ctest passes it) for the --categories run
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(PC.REPO, "build", "classify")
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn(binary) if name == "test_categories_run" else fn()
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")
