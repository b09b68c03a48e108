"""Scoring through a Dask LocalCluster of worker processes gives the
single-process results, in input order with ids kept, with one model load
per worker process. Prints docs/s for 1 and 2 workers (figures, not
checks: no timing thresholds in tests)."""
import os
import time

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import libclassify
import libclassify.dask as lcd
import texts

NDOCS = 6000
PARTITIONS = 12


def cluster(n, workdir):
    # the workers' spill directory goes in the test's own tmp_path, not $TMPDIR
    return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address="127.0.0.1:0", silence_logs=40, memory_limit="1GiB",
                        local_directory=str(workdir))


@pytest.fixture(scope="module")
def docs():
    gen = texts.generated(NDOCS - 40, seed=11)
    return texts.FIXED + texts.sample_files() + gen[: NDOCS - len(texts.FIXED) - 5]


def records(docs):
    recs = [{"id": "doc-%05d" % i, "text": t, "source": "test"} for i, t in enumerate(docs)]
    recs[17] = {"id": "no-text", "source": "test"}  # error records keep their place
    recs[18] = {"id": "bad-utf8", "text": b"\xff\xfe", "source": "test"}
    return recs


def expected(model, recs):
    out = []
    for r in recs:
        e = {"id": r["id"], "source": "test", "model": model.id}
        if "text" not in r:
            e["error"] = "missing text field 'text'"
        else:
            try:
                s = model.score(r["text"])
            except libclassify.InputError as err:
                e["error"] = err.message
            else:
                e["scores"] = s["scores"]
                e["flagged"] = [c for c in model.categories if c in s["flagged"]]
                if s["truncated"]:
                    e["truncated"] = True
                if s["abstain"]:
                    e["abstain"] = s["abstain"]
        out.append(e)
    return out


def test_score_records_in_process(model, model_path, docs):
    recs = records(docs)[:200]
    assert lcd.score_records(recs, model_path) == expected(model, recs)
    pairs = lcd.score_records([(1, "صباح الخير"), (2, None), 5], model_path)
    assert pairs[0]["id"] == 1 and "scores" in pairs[0]
    assert pairs[1]["id"] == 2 and "error" in pairs[1]
    assert pairs[2]["id"] is None and "error" in pairs[2]
    # the cache: one Model per settings, whatever the number of calls
    assert lcd.get_model(model_path) is lcd.get_model(model_path)


def test_dask_cluster_matches_single_process(model, model_path, docs, tmp_path):
    recs = records(docs)
    want = expected(model, recs)
    t0 = time.perf_counter()
    single = lcd.score_records(recs, model_path)
    t_single = time.perf_counter() - t0
    assert single == want
    rates = {}
    for n in (1, 2):
        with cluster(n, tmp_path) as c, Client(c) as client:
            bag = db.from_sequence(recs, npartitions=PARTITIONS)
            out = lcd.score_bag(bag, model_path)
            warm = db.from_sequence(recs[:n * 4], npartitions=n * 2)  # load the models
            lcd.score_bag(warm, model_path).compute()
            t0 = time.perf_counter()
            got = out.compute()
            dt = time.perf_counter() - t0
            assert got == want  # same records, same order, ids kept
            loads = client.run(lambda: __import__("libclassify.dask").dask.load_count)
            assert len(loads) == n
            assert all(v == 1 for v in loads.values()), loads  # one model per worker process
            pids = client.run(os.getpid)
            assert len(set(pids.values())) == n and os.getpid() not in pids.values()
            rates[n] = len(recs) / dt

            # a dask DataFrame column: the same probabilities, index kept
            df = dd.from_pandas(pd.DataFrame({"text": [r.get("text", "") for r in recs[:1500]]},
                                             index=["i%d" % i for i in range(1500)]),
                                npartitions=4, sort=False)
            scored = lcd.score_series(df["text"], model_path).compute()
            assert list(scored.index) == ["i%d" % i for i in range(1500)]
            for i in (0, 5, 18, 700, 1499):
                w = want[i]
                row = scored.iloc[i]
                if "scores" in w:
                    assert [row[c] for c in model.categories] == list(w["scores"].values())
                    assert list(row["flagged"]) == w["flagged"]
                else:
                    assert isinstance(row["error"], str)
    line = ("dask LocalCluster, %d docs in %d partitions: 1 worker %.0f docs/s, 2 workers "
            "%.0f docs/s (single process %.0f docs/s)"
            % (len(recs), PARTITIONS, rates[1], rates[2], len(recs) / t_single))
    print("\n" + line)
    report = os.environ.get("CLF_PY_REPORT")
    if report:
        with open(report, "a") as f:
            f.write(line + "\n")
