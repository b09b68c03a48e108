"""One Model shared by many Python threads gives the single-thread results."""
import threading

import libclassify
import texts


def test_shared_model_many_threads(model):
    docs = texts.generated(2000, seed=3) + texts.FIXED
    expected = [model.score(t) for t in docs]
    results = {}
    errors = []

    def run(tid):
        try:
            # each thread walks the documents in its own order, mixing calls
            order = list(range(len(docs)))[tid::3] + list(range(len(docs)))[: tid * 50]
            for i in order:
                if i % 7 == 0:
                    got = model.score_many([docs[i]], threads=2)[0]
                else:
                    got = model.score(docs[i])
                if got != expected[i]:
                    errors.append((tid, i))
            results[tid] = model.score_many(docs, threads=2)
            e = model.explain(docs[tid], 2)
            if e["scores"] != expected[tid]["scores"]:
                errors.append((tid, "explain"))
        except Exception as exc:  # reported below; a thread must not die silently
            errors.append((tid, repr(exc)))

    threads = [threading.Thread(target=run, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 8
    assert all(r == expected for r in results.values())


def test_close_while_other_threads_score(model_path):
    """close() while threads score: they finish or get ValueError, never a crash."""
    docs = texts.generated(3000, seed=5)
    for _ in range(3):
        m = libclassify.Model(model_path)
        outcomes = []

        def run():
            try:
                outcomes.append(len(m.score_many(docs, threads=2)))
            except ValueError as e:
                outcomes.append(str(e))

        ts = [threading.Thread(target=run) for _ in range(4)]
        for t in ts:
            t.start()
        m.close()
        for t in ts:
            t.join()
        assert len(outcomes) == 4
        assert all(o == len(docs) or o == "the model is closed" for o in outcomes), outcomes
        assert m.closed


def test_gil_is_released(model):
    """A pure-Python thread keeps running while score_many works."""
    docs = texts.generated(20000, seed=9)
    ticks = [0]
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks[0] += 1

    t = threading.Thread(target=count)
    t.start()
    model.score_many(docs)
    done.set()
    t.join()
    # with the GIL held for the whole call, the counter would not advance
    # (beyond the switch interval before the call takes the GIL)
    assert ticks[0] > 1000
