"""The binding gives the same results as `classify score` on the same texts."""
import json
import subprocess

import libclassify
import texts


def cli_records(cli, model_path, docs, tmp_path, *extra):
    p = tmp_path / "in.jsonl"
    with open(p, "w", encoding="utf-8") as f:
        for i, t in enumerate(docs):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    out = subprocess.run([cli, "score", "--model", model_path, "--format", "jsonl", *extra, str(p)],
                         check=True, capture_output=True, text=True).stdout
    recs = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in recs] == [str(i) for i in range(len(docs))]
    return recs


def test_scores_equal_cli(model, model_path, cli, tmp_path):
    """Exactly the same doubles: the CLI prints shortest round-trip decimals."""
    docs = [t for t in texts.all_texts() if "\0" not in t]  # JSON readers refuse NUL
    recs = cli_records(cli, model_path, docs, tmp_path)
    mine = model.score_many(docs)
    ndiff = 0
    for d, r, m in zip(docs, recs, mine):
        assert "error" not in r, r
        assert r["model"] == model.id
        assert list(r["scores"]) == list(model.categories)
        for cat, p in r["scores"].items():
            if m["scores"][cat] != p:
                ndiff += 1
                print("differs:", r["id"], cat, repr(m["scores"][cat]), repr(p))
        assert r["flagged"] == [c for c in model.categories if c in m["flagged"]], r["id"]
        assert bool(r.get("truncated", False)) == m["truncated"]
        assert r.get("abstain") == m["abstain"]
    assert ndiff == 0
    # the comparison means something: many distinct, unrounded values
    values = {p for r in recs for p in r["scores"].values()}
    assert len(values) > 1000 and sum(len(repr(p)) > 8 for p in values) > 1000


def test_truncation_equals_cli(model_path, cli, tmp_path):
    docs = ["ب" + "ا" * 60, "صباح الخير " * 20, "الدولة" * 3]
    recs = cli_records(cli, model_path, docs, tmp_path, "--max-bytes", "100")
    with libclassify.Model(model_path, max_bytes=100) as m:
        for d, r in zip(docs, recs):
            got = m.score(d)
            assert got["scores"] == r["scores"]
            assert got["truncated"] == r.get("truncated", False)
    assert [r.get("truncated", False) for r in recs] == [True, True, False]


def test_single_score_equals_many(model):
    docs = texts.all_texts()
    many = model.score_many(docs, threads=2)
    assert [model.score(t) for t in docs] == many


def test_explain_equals_cli(model, model_path, cli, tmp_path):
    docs = texts.sample_files() + texts.FIXED[3:10]
    recs = cli_records(cli, model_path, docs, tmp_path, "--explain", "3", "--explain-all")
    for d, r in zip(docs, recs):
        e = model.explain(d, 3)
        assert e["scores"] == model.score(d)["scores"]
        assert set(r["flagged"]) == e["flagged"]
        assert set(r.get("explanation", {})) == (set() if e["abstain"] else set(model.categories))
        for cat in r.get("explanation", {}):
            ce, me = r["explanation"][cat], e["explanation"][cat]
            for view, keys in (("words", ("word", "normalized", "kind", "count", "spans")),
                               ("features", ("feature", "family", "kind"))):
                for side in ("up", "down"):
                    a, b = ce[view][side], me[view][side]
                    for k in keys:
                        assert [x[k] for x in a] == [x[k] for x in b], (r["id"], cat, view, k)
                    # the CLI prints contributions with 6 significant digits
                    assert [float("%.6g" % x["contribution"]) for x in b] == \
                        [x["contribution"] for x in a]


def test_report_only_signals(cli, tmp_path):
    """A report-only category (training.flag_by_default false) is never in "flagged": the
    binding lists it under "signals" at its threshold, as `classify score` does."""
    import random
    rng = random.Random(1)
    words = ["الماء", "البيت", "الطريق", "السوق", "المدرسة", "الكتاب", "الشمس", "الحديقة", "القهوة",
             "الصباح", "المساء", "المدينة", "الصديق", "العمل", "السيارة", "الطعام", "اليوم", "الغد"]
    with open(tmp_path / "ca.tsv", "w", encoding="utf-8") as f:
        for i in range(90):
            pos = i % 3 == 0
            text = " ".join(rng.choice(words) for _ in range(5))
            f.write(f"r{i}\t{'a' if pos else ''}\t{'سيف ' if pos else ''}{text}\n")
    recipe = {"name": "ro", "categories": ["alpha", "beta"],
              "features": {"hash_bits": 16, "min_df": 1, "char_ngram_max": 0, "stems": False},
              "training": {"folds": 3, "c_grid": [4], "flag_by_default": {"beta": False}},
              "corpora": [{"name": "ca", "train": "./ca.tsv", "annotates": ["alpha", "beta"],
                           "labels": {"a": ["alpha", "beta"]}}]}
    (tmp_path / "r.json").write_text(json.dumps(recipe), encoding="utf-8")
    path = str(tmp_path / "ro.clf")
    subprocess.run([cli, "train", "--recipe", str(tmp_path / "r.json"), "--out", path, "--quiet"],
                   check=True, capture_output=True)
    m = libclassify.Model(path)
    docs = ["سيف الماء البيت", "الماء البيت", "https://example.com"]
    mine = m.score_many(docs)
    assert mine[0]["flagged"] == {"alpha"} and mine[0]["signals"] == {"beta"}, mine[0]
    assert mine[1]["signals"] == set() and mine[2]["signals"] == set(), mine
    for d, r, x in zip(docs, cli_records(cli, path, docs, tmp_path), mine):
        assert r["signals"] == [c for c in m.categories if c in x["signals"]], (d, r, x)
        assert r["flagged"] == [c for c in m.categories if c in x["flagged"]], (d, r, x)
    assert m.score(docs[0])["signals"] == {"beta"}
    assert m.explain(docs[0], 3)["signals"] == {"beta"}
