"""The binding gives the same results as `classify score` on the same texts."""
import json
import subprocess

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


def decimals(x):
    s = repr(x)
    return len(s.split(".")[1]) if "." in s and "e" not in s else 99


def cli_rounding(recs):
    """How the CLI prints probabilities: 4 decimals (rounded half up, as
    cli/cmd_score.c does) or full precision (shortest round-trip)."""
    digits = max(decimals(p) for r in recs for p in r["scores"].values())
    return "4" if digits <= 4 else "exact"


def as_cli(p, mode):
    return float(int(p * 1e4 + 0.5)) / 1e4 if mode == "4" else p


def test_scores_equal_cli(model, model_path, cli, tmp_path):
    docs = [t for t in texts.all_texts() if "\0" not in t]  # JSON readers refuse NUL
    recs = cli_records(cli, model_path, docs, tmp_path)
    mine = model.score_many(docs)
    mode = cli_rounding(recs)
    ndiff = 0
    for d, r, m in zip(docs, recs, mine):
        assert "error" not in r, r
        assert list(r["scores"]) == list(model.categories)
        for cat, p in r["scores"].items():
            if as_cli(m["scores"][cat], mode) != p:
                ndiff += 1
                print("differs:", r["id"], cat, m["scores"][cat], p)
        assert set(r["flagged"]) == m["flagged"], r["id"]
        assert bool(r.get("truncated", False)) == m["truncated"]
        assert (r.get("abstain") or None) == m["abstain"]
    assert ndiff == 0
    print("compared %d texts x %d categories with the CLI (%s digits)"
          % (len(docs), len(model.categories), mode))


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
