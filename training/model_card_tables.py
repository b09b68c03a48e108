#!/usr/bin/python3
"""model_card_tables.py - the result tables of models/arabic-default.md, in
Markdown, from the model's training metadata (out-of-fold figures) and a
`classify eval --json` report of the dev splits (bootstrap intervals).

  classify info --model models/arabic-default.clf --metadata > meta.json
  classify eval --recipe training/recipes/arabic-default.json \
      --corpora ../shared/corpora --json dev.json -q
  /usr/bin/python3 training/model_card_tables.py meta.json dev.json

The functional table, from two `classify eval --functional SUITE --gate`
text reports (the previous model's and the new one's):

  /usr/bin/python3 training/model_card_tables.py --functional before.txt after.txt
"""
import json
import sys


def f3(x):
    return "–" if x is None else f"{x:.3f}"


def ci(m):
    v, c = m.get("value"), m.get("ci")
    if v is None:
        return "–"
    if not c or c[0] is None:
        return f"{v:.3f}"
    return f"{v:.3f} [{c[0]:.3f}, {c[1]:.3f}]"


def main():
    meta = json.load(open(sys.argv[1]))
    dev = json.load(open(sys.argv[2]))
    cats = list(meta["categories"].keys())

    print("### Selection (out-of-fold, train splits)\n")
    print("| category | C (grid tried) | in-domain OOF AP | threshold | threshold floor (caps) |")
    print("|---|---|---|---|---|")
    for k in cats:
        c = meta["categories"][k]
        grid = ", ".join(f"{e['C']:g}" for e in sorted(c["cv"], key=lambda e: e["C"]))
        print(f"| {k} | {c['C']:g} ({grid}) | {f3(c['cv_average_precision'])} | "
              f"{c['threshold']['value']:.3f} | {f3(c.get('threshold_floor'))} |")

    print("\n### Per corpus: out-of-fold (train) and dev\n")
    print("| category | corpus | OOF P / R / F1 / AP | dev docs (pos) | dev precision | dev recall | "
          "dev F1 | dev AP |")
    print("|---|---|---|---|---|---|---|---|")
    groups = {g["name"]: g for g in dev["groups"]}
    for k in cats:
        c = meta["categories"][k]
        for corpus, o in c.get("out_of_fold_by_corpus", {}).items():
            if not o["positives"]:
                continue
            oof = " / ".join(f3(o[x]) for x in ("precision", "recall", "f1", "average_precision"))
            g = groups.get(corpus, {}).get("categories", {}).get(k)
            if g and g.get("has_positives"):
                print(f"| {k} | {corpus} | {oof} | {g['documents']} ({g['positives']}) | "
                      f"{ci(g['precision'])} | {ci(g['recall'])} | {ci(g['f1'])} | "
                      f"{ci(g['average_precision'])} |")
            else:
                print(f"| {k} | {corpus} | {oof} | (no dev split) | | | | |")

    print("\n### Flag rates: out-of-fold (train) / dev\n")
    corpora = [g["name"] for g in dev["groups"] if not g["pooled"]]
    extra = []
    for k in cats:
        for corpus in meta["categories"][k].get("out_of_fold_by_corpus", {}):
            if corpus not in corpora and corpus not in extra:
                extra.append(corpus)
    print("| corpus | " + " | ".join(cats) + " |")
    print("|---|" + "---|" * len(cats))
    for corpus in corpora + extra:
        cells = []
        for k in cats:
            o = meta["categories"][k].get("out_of_fold_by_corpus", {}).get(corpus)
            g = groups.get(corpus, {}).get("categories", {}).get(k)
            star = "*" if o and o["positives"] else ""
            a = f"{o['flag_rate']:.3f}" if o else "–"
            b = f"{g['flag_rate']['value']:.3f}" if g else "–"
            cap = f" (cap {o['max_flag_rate']:g})" if o and "max_flag_rate" in o else ""
            cells.append(f"{a} / {b}{star}{cap}")
        print(f"| {corpus} | " + " | ".join(cells) + " |")


if __name__ == "__main__" and sys.argv[1:2] != ["--functional"]:
    main()


def functional_table(before_txt, after_txt):
    """The functional table of the model card from two `classify eval
    --functional SUITE --gate` text reports (previous and new model): class-level
    figures only, the suite's items are never read."""
    def parse(path):
        rows = {}
        for line in open(path, encoding="utf-8"):
            f = line.split()
            if len(f) < 9 or f[1] not in ("benign", "positive"):
                continue
            # class kind items measure value [lo, hi] abstain gate... flagged-as
            rest = line.split("  ")
            gate_at = f.index("pass") if "pass" in f else f.index("FAIL")
            j = gate_at + 1
            while j < len(f) and (f[j].startswith(("<=", ">=")) or f[j].rstrip(",").endswith("%")
                                  or f[j] == "abstain"):
                j += 1
            rows[f[0]] = {"kind": f[1], "items": f[2], "value": f[4],
                          "interval": f"{f[5]} {f[6]}", "gate": f[gate_at],
                          "limit": " ".join(f[gate_at + 1:j]), "as": " ".join(f[j:]) or "–"}
        return rows
    b, a = parse(before_txt), parse(after_txt)
    print("| class | kind | items | before | after [95% interval] | limit | after: flagged as |")
    print("|---|---|---:|---:|---|---|---|")
    for name, r in a.items():
        kind = "benign (flagged)" if r["kind"] == "benign" else "positive (recall)"
        fails = " **(fails)**" if r["gate"] == "FAIL" else ""
        before = b.get(name, {}).get("value", "–")
        print(f"| {name} | {kind} | {r['items']} | {before} | {r['value']} {r['interval']}{fails} | "
              f"{r['limit']} | {r['as']} |")
    passed = sum(1 for r in a.values() if r["gate"] == "pass")
    print(f"\nGate: {passed} of {len(a)} classes pass "
          f"(before: {sum(1 for r in b.values() if r['gate'] == 'pass')} of {len(b)}).")


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--functional":
    functional_table(sys.argv[2], sys.argv[3])
