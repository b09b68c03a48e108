"""recipe_data.py - a libclassify recipe's corpora read as the trainer reads them.

Shared by peers.py, per_corpus.py and throughput.py, so that the peers see the
files and labels that `classify train` sees (docs/training.md): the corpora
root, corpus paths, the corpus TSV reader and the label mapping.
"""

import os


def corpora_root(recipe, recipe_path, given, environ=os.environ):
    """The corpora root of the recipe's plain relative paths, by the rule of
    docs/training.md ("Corpus paths"): --corpora, else $CLF_CORPORA, else the
    recipe's corpora_root (relative to its folder), else its folder."""
    folder = os.path.dirname(recipe_path) or "."
    root = given or environ.get("CLF_CORPORA")
    if not root and recipe.get("corpora_root"):
        root = os.path.join(folder, recipe["corpora_root"])
    return root or folder


def corpus_file(recipe_path, corpora_dir, rel):
    """A corpus path of the recipe: absolute as written; ".", ".." and ./ or ../
    paths from the recipe's folder; any other under corpora_dir."""
    if os.path.isabs(rel):
        return rel
    if rel in (".", "..") or rel.startswith("./") or rel.startswith("../"):
        return os.path.join(os.path.dirname(recipe_path) or ".", rel)
    return os.path.join(corpora_dir, rel)


def split_file(recipe_path, corpora_dir, corpus, split):
    """The file of a corpus entry's split ("train" or "dev"), None when it has none."""
    rel = corpus.get(split)
    return corpus_file(recipe_path, corpora_dir, rel) if rel else None


def read_tsv(path):
    """[(id, [labels], text)] from a corpus TSV (header line skipped)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\r\n")
            if i == 0 and line.startswith("id\t"):
                continue
            parts = line.split("\t", 2)
            if len(parts) < 3:
                continue
            labels = [x.strip() for x in parts[1].split(",") if x.strip()]
            rows.append((parts[0], labels, parts[2]))
    return rows


def row_categories(labels, mapping):
    """The categories a row's labels mean under a corpus's "labels": each label's
    own entry, "*" for a label not listed (as clf_recipe_map_labels); a label
    with neither means nothing here (the trainer refuses it)."""
    cats = set()
    for lab in labels:
        if lab in mapping:
            cats.update(mapping[lab])
        elif "*" in mapping:
            cats.update(mapping["*"])
    return cats


def corpus_weight(corpus, category):
    """How many times each row of a corpus entry counts in the fits of category: its
    "weight", a number for every category or {category: n, "*": n} (default 1)."""
    w = corpus.get("weight", 1)
    if isinstance(w, dict):
        w = w.get(category, w.get("*", 1))
    return int(w)


def row_targets(corpus, categories, labels):
    """[(category, y)] for one row of a corpus entry, in the order of categories:
    y = 1 or 0 for the categories the corpus annotates (1 when the row's labels
    mean it), 0 for those it is a hard negative of; no entry for the others."""
    annot = corpus.get("annotates", [])
    negs = corpus.get("negatives_for", [])
    cats = row_categories(labels, corpus.get("labels", {}))
    out = []
    for c in categories:
        if c in annot:
            out.append((c, 1 if c in cats else 0))
        elif c in negs:
            out.append((c, 0))
    return out
