"""Score partitioned collections on Dask with one Model per worker process.

    import dask.bag as db
    from distributed import Client
    import libclassify.dask as lcd

    client = Client("tcp://scheduler:8786")
    bag = db.read_text("posts-*.jsonl").map(json.loads)     # {"id":..., "text":..., ...}
    out = lcd.score_bag(bag, model_path="/models/arabic-default.clf")
    out.map(json.dumps).to_textfiles("scored-*.jsonl")       # input order, ids kept

score_bag() maps each partition through score_records(); every worker
process loads the model once, on its first partition, and keeps it in a
process-wide cache (get_model()) shared by the worker's threads (a Model
is thread-safe). Only the model's path travels with the tasks, never the
model. Output records have the shape of `classify score` JSON records:
the input record's fields, then "scores" and "flagged" or "error", plus
"truncated"/"abstain" when they apply and "model" (the model id).

score_series() does the same for a text column of a Dask (or pandas)
DataFrame and returns a DataFrame with the same index.
"""
import os
import threading

from . import Model, default_model_path

__all__ = ["get_model", "score_records", "score_bag", "score_series", "score_pandas"]

_lock = threading.Lock()
_models = {}
#: number of models this process has loaded through get_model()
load_count = 0


def _key(model_path, max_bytes, thresholds):
    path = os.path.abspath(model_path if model_path is not None else default_model_path())
    return path, max_bytes, tuple(sorted((thresholds or {}).items()))


def get_model(model_path=None, max_bytes=None, thresholds=None):
    """The process-wide Model for these settings, loaded on first use."""
    global load_count
    key = _key(model_path, max_bytes, thresholds)
    with _lock:
        m = _models.get(key)
        if m is None:
            m = Model(key[0], max_bytes=max_bytes, thresholds=thresholds)
            _models[key] = m
            load_count += 1
        return m


def _record(rec, id_field, text_field):
    """(output record without scores, text or None, error message or None)"""
    if isinstance(rec, dict):
        out = dict(rec)
        out.pop(text_field, None)
        if id_field != "id":
            out["id"] = rec.get(id_field)
        text = rec.get(text_field)
        if text is None and text_field not in rec:
            return out, None, "missing text field '%s'" % text_field
    elif isinstance(rec, (tuple, list)) and len(rec) == 2:
        out, text = {"id": rec[0]}, rec[1]
    else:
        return {"id": None}, None, "a record must be a dict or an (id, text) pair, not %s" \
            % type(rec).__name__
    if "id" not in out:
        out["id"] = None
    if not isinstance(text, (str, bytes)):
        return out, None, "text field '%s' must be a string, not %s" % (text_field,
                                                                       type(text).__name__)
    return out, text, None


def score_records(records, model_path=None, *, id_field="id", text_field="text", threads=1,
                  max_bytes=None, thresholds=None):
    """Score an iterable of records (dicts with id and text fields, or
    (id, text) pairs) with this process's Model; returns a list of output
    records in input order. A bad record gives an error record in its
    place, never a lost record or an exception."""
    model = get_model(model_path, max_bytes, thresholds)
    outs, texts, where = [], [], []
    for rec in records:
        out, text, err = _record(rec, id_field, text_field)
        if err is not None:
            out["error"] = err
        else:
            where.append(len(outs))
            texts.append(text)
        out["model"] = model.id
        outs.append(out)
    cats = model.categories
    for i, r in zip(where, model.score_many(texts, threads=threads, errors="record")):
        out = outs[i]
        if "error" in r:
            out["error"] = r["error"]
            continue
        out["scores"] = r["scores"]
        out["flagged"] = [c for c in cats if c in r["flagged"]]
        if r["truncated"]:
            out["truncated"] = True
        if r["abstain"]:
            out["abstain"] = r["abstain"]
    return outs


def score_bag(bag, model_path=None, *, id_field="id", text_field="text", threads=1,
              max_bytes=None, thresholds=None):
    """A dask.bag.Bag of output records (see score_records), partition for
    partition and in input order. Nothing is computed until you ask."""
    return bag.map_partitions(_score_partition, model_path, id_field, text_field, threads,
                              max_bytes, thresholds)


def _score_partition(part, model_path, id_field, text_field, threads, max_bytes, thresholds):
    return score_records(part, model_path, id_field=id_field, text_field=text_field,
                         threads=threads, max_bytes=max_bytes, thresholds=thresholds)


def _columns(model):
    return list(model.categories) + ["flagged", "truncated", "abstain", "error", "model"]


def score_pandas(series, model_path=None, *, threads=1, max_bytes=None, thresholds=None):
    """Score a pandas Series of texts; a DataFrame with the same index and
    one probability column per category, then flagged (tuple of
    categories), truncated, abstain, error and model."""
    import pandas as pd

    model = get_model(model_path, max_bytes, thresholds)
    recs = score_records(zip(series.index, series.values), model_path, threads=threads,
                         max_bytes=max_bytes, thresholds=thresholds)
    nan = float("nan")
    rows = []
    for r in recs:
        s = r.get("scores", {})
        rows.append([s.get(c, nan) for c in model.categories]
                    + [tuple(r.get("flagged", ())), bool(r.get("truncated", False)),
                       r.get("abstain"), r.get("error"), r["model"]])
    return pd.DataFrame(rows, index=series.index, columns=_columns(model))


def score_series(series, model_path=None, *, threads=1, max_bytes=None, thresholds=None):
    """Score a text column of a dask DataFrame (a dask Series): a dask
    DataFrame with the same index and partitions (see score_pandas)."""
    import pandas as pd

    model = get_model(model_path, max_bytes, thresholds)  # for the column names only
    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in model.categories})
    for c, dt in (("flagged", "object"), ("truncated", "bool"), ("abstain", "object"),
                  ("error", "object"), ("model", "object")):
        meta[c] = pd.Series(dtype=dt)
    meta.index = meta.index.astype(series.index.dtype)
    return series.map_partitions(score_pandas, model_path, threads=threads, max_bytes=max_bytes,
                                 thresholds=thresholds, meta=meta)
