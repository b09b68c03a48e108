#!/usr/bin/python3
"""sklearn_metrics.py - the independent side of tests/test_metrics.c.

Reads cases written by the C test (see read_cases), computes every metric
with scikit-learn and prints one line per value: "<case> <key> <value>",
"nan" where the metric is undefined. The C test compares its own values to
these. Exit status 3 means scikit-learn is not installed.

Undefined cases are decided here from the counts, not taken from sklearn,
because sklearn 1.2 substitutes 0 (with a warning) or raises: precision
without flags, recall and average precision without positives, ROC AUC with
one class, F1 with neither positives nor flags.
"""
import sys
import warnings

try:
    import numpy as np
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import (average_precision_score, brier_score_loss,
                                 precision_recall_curve,
                                 precision_recall_fscore_support,
                                 roc_auc_score)
except ImportError as e:  # the C side turns this into a skip or, on CI, a failure
    print("sklearn missing: %s" % e, file=sys.stderr)
    sys.exit(3)

LEVELS = (0.8, 0.9, 0.95)


def read_cases(path):
    """Format: 'case ID N WEIGHTED THRESHOLD' then N lines 'score label weight'."""
    with open(path) as f:
        lines = iter(f.read().splitlines())
    for line in lines:
        head = line.split()
        if not head:
            continue
        assert head[0] == "case", line
        cid, n, weighted, thr = head[1], int(head[2]), head[3] == "1", float(head[4])
        rows = [next(lines).split() for _ in range(n)]
        s = np.array([float(r[0]) for r in rows])
        y = np.array([int(r[1]) for r in rows])
        w = np.array([float(r[2]) for r in rows]) if weighted else None
        yield cid, s, y, w, thr


def fmt(v):
    return "nan" if v is None or np.isnan(v) else repr(float(v))


def best(values, cond, thresholds):
    """Highest value where cond holds; ties -> highest threshold."""
    idx = np.flatnonzero(cond)
    if idx.size == 0:
        return None, None
    top = values[idx].max()
    idx = idx[values[idx] == top]
    i = idx[np.argmax(thresholds[idx])]
    return values[i], thresholds[i]


def main():
    warnings.simplefilter("ignore")
    out = []
    for cid, s, y, w, thr in read_cases(sys.argv[1]):
        ww = np.ones_like(s) if w is None else w
        pos, neg = ww[y == 1].sum(), ww[y == 0].sum()
        flagged = ww[s >= thr].sum()
        p, r, f, _ = precision_recall_fscore_support(
            y, (s >= thr).astype(int), average="binary", sample_weight=w,
            zero_division=0)
        out.append((cid, "precision", p if flagged > 0 else None))
        out.append((cid, "recall", r if pos > 0 else None))
        out.append((cid, "f1", f if pos > 0 or flagged > 0 else None))
        out.append((cid, "ap", average_precision_score(y, s, sample_weight=w)
                    if pos > 0 else None))
        out.append((cid, "auc", roc_auc_score(y, s, sample_weight=w)
                    if pos > 0 and neg > 0 else None))
        out.append((cid, "brier", brier_score_loss(y, s, sample_weight=w)))
        if pos > 0:
            # The last point (precision 1, recall 0) is no threshold: drop it.
            pc, rc, tc = precision_recall_curve(y, s, sample_weight=w)
            pc, rc = pc[:-1], rc[:-1]
            for lv in LEVELS:
                v, t = best(pc, rc >= lv, tc)
                out.append((cid, "p_at_r%g" % lv, v))
                out.append((cid, "p_at_r%g_thr" % lv, t))
                v, t = best(rc, pc >= lv, tc)
                out.append((cid, "r_at_p%g" % lv, v))
                out.append((cid, "r_at_p%g_thr" % lv, t))
            # training's threshold rule: best F1, ties -> highest threshold
            with np.errstate(all="ignore"):
                f1c = np.where(pc + rc > 0, 2 * pc * rc / (pc + rc), 0.0)
            v, t = best(f1c, np.ones(f1c.shape, dtype=bool), tc)
            out.append((cid, "f1best", v))
            out.append((cid, "f1best_thr", t))
        if w is None:
            # calibration_curve gives non-empty bins only; recompute the bin
            # ids the same way (its own code) to weight them for the ECE.
            prob_true, prob_pred = calibration_curve(y, s, n_bins=10,
                                                     strategy="uniform")
            ids = np.searchsorted(np.linspace(0.0, 1.0, 11)[1:-1], s)
            counts = np.bincount(ids, minlength=10)
            counts = counts[counts > 0]
            for k, (t, pp) in enumerate(zip(prob_true, prob_pred)):
                out.append((cid, "bin%d_true" % k, t))
                out.append((cid, "bin%d_pred" % k, pp))
            out.append((cid, "ece", float(np.sum(counts / counts.sum()
                                                 * np.abs(prob_true - prob_pred)))))
    for cid, key, v in out:
        print(cid, key, fmt(v))


if __name__ == "__main__":
    main()
