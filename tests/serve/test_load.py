"""test_load.py - `classify serve` under load, on 127.0.0.1 only, bounded in
request count (and in time: a run that takes too long stops issuing and
fails): many concurrent connections with mixed valid and invalid requests;
every valid answer must equal `classify score` on the same text, every
invalid one its 4xx; no memory growth over the run (VmRSS); SIGHUP reloads
under load (between two models, and a corrupt file) fail no request and
every answer matches the model it names; SIGTERM under load exits cleanly.
The second model is trained from suggestscore feedback, which checks that
the feedback file is a corpus a recipe reads directly.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serveutil import CLF, MODEL, Server, classify_score  # noqa: E402

ANALYZE = "/v1alpha1/comments:analyze"
MODERATIONS = "/v1/moderations"
SUGGEST = "/v1alpha1/comments:suggestscore"
SANITIZED = os.environ.get("CLF_SANITIZE", "OFF") == "ON"
SCALE = 0.25 if SANITIZED else 1.0  # ASan runs 5-10x slower: fewer requests, same checks

NEUTRAL = ["البيت", "الشمس", "كتاب", "مدرسة", "سيارة", "قهوة", "صباح", "مدينة", "الطريق",
           "جميل", "اليوم", "نلعب", "الكرة", "المطر", "الأخبار", "الحكومة"]
RUDE = ["غبي", "حقير", "تافه", "وقح", "حمار", "كلب"]
EXTREME = ["الخلافة", "مجاهدين", "غزوة", "بيعة", "الدولة الإسلامية باقية"]
OTHER = ["hello", "😀", "123", "http://example.com", "@user", "ـــ", "كِتَابٌ"]


def make_texts(n, seed):
    r = random.Random(seed)
    out = []
    for i in range(n):
        words = [r.choice(NEUTRAL) for _ in range(r.randint(2, 12))]
        kind = i % 4
        if kind == 1:
            words.insert(r.randrange(len(words)), r.choice(RUDE))
        elif kind == 2:
            words.insert(r.randrange(len(words)), r.choice(EXTREME))
        if r.random() < 0.3:
            words.insert(r.randrange(len(words)), r.choice(OTHER))
        sep = r.choice([" ", " ", ". ", "\n"])
        out.append(sep.join(words))
    return out


LIMITS = ["--max-body", "64k", "--max-doc", "8k", "--max-inputs", "16"]
INVALID = [  # (body bytes, path, expected status) under LIMITS
    (b"{not json", ANALYZE, 400),
    (b'{"comment":{"text":"x"},"requestedAttributes":{"FLIRTATION":{}}}', ANALYZE, 400),
    (b'{"comment":{"text":5},"requestedAttributes":{"TOXICITY":{}}}', ANALYZE, 400),
    (b'{"comment":{"text":"\xff\xfe"},"requestedAttributes":{"TOXICITY":{}}}', ANALYZE, 400),
    (b'{"comment":{"text":"x"},"requestedAttributes":{"TOXICITY":{}},"languages":["fr"]}', ANALYZE, 400),
    (b'{"input":[]}', MODERATIONS, 400),
    (b'{"input":"' + b"a" * 9000 + b'"}', MODERATIONS, 400),
    (b'{"comment":{"text":"' + b"a" * 70000 + b'"}}', ANALYZE, 413),
    (b"{}", "/v1/nothing", 404),
]


class Load:
    """Run `count` requests from `conns` client threads; collect every failure."""

    def __init__(self, srv, texts, expected, count, conns, seed, models=None, deadline=300):
        self.srv, self.texts, self.count, self.conns = srv, texts, count, conns
        self.expected = expected      # model id -> [(scores, flagged)] per text
        self.models = models
        self.deadline = time.time() + deadline
        self.lock = threading.Lock()
        self.next = 0
        self.errors = []
        self.ok = self.invalid_ok = self.refused = 0
        self.seen_models = set()
        self.rng = random.Random(seed)
        self.stop_at = None          # set when SIGTERM is sent: failures after it are allowed
        self.during_done = True      # run(during): requests go on until `during` returns

    def take(self):
        with self.lock:
            # at least `count` requests, and none stops before `during` is done:
            # a fast run (or a slow server) must not finish before the reloads
            if (self.next >= self.count and self.during_done) or time.time() > self.deadline:
                return None
            self.next += 1
            return self.next

    def fail(self, msg):
        with self.lock:
            self.errors.append(msg)

    def check_scores(self, model_id, idx, scores):
        want = self.expected.get(model_id)
        if want is None:
            return "unexpected model %r" % model_id
        w = want[idx][0]
        got = {c: p for c, p in scores.items()}
        if got != {c: w[c] for c in got}:
            return "text %d: %r != classify score %r (model %s)" % (idx, got, w, model_id)
        return None

    def one(self, conn, r):
        kind = r.random()
        if kind < 0.15:
            body, path, status = INVALID[r.randrange(len(INVALID))]
            st, _, doc = self.srv.request("POST", path, body, conn=conn)
            if st != status or doc.get("error", {}).get("code") != status:
                return "invalid request %r: got %d %r" % (body[:40], st, doc)
            with self.lock:
                self.invalid_ok += 1
            return None
        if kind < 0.6:
            i = r.randrange(len(self.texts))
            body = {"comment": {"text": self.texts[i]}, "languages": ["ar"],
                    "requestedAttributes": {"TOXICITY": {}, "EXTREMISM": {}} if not self.models
                    else {"TOXICITY": {}}}
            st, hdr, doc = self.srv.post(ANALYZE, body, conn=conn)
            if st != 200:
                return "analyze %d: %d %r" % (i, st, doc)
            mid = hdr.get("x-model-id")
            if doc["libclassify"]["model"]["id"] != mid:
                return "model in body %r != header %r" % (doc["libclassify"]["model"]["id"], mid)
            self.seen_models.add(mid)
            err = self.check_scores(mid, i, doc["libclassify"]["scores"])
            tox = doc["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
            if err is None and tox != doc["libclassify"]["scores"]["offensive"]:
                err = "TOXICITY is not the offensive score"
            return err
        idx = [r.randrange(len(self.texts)) for _ in range(r.randint(1, 8))]
        st, hdr, doc = self.srv.post(MODERATIONS, {"input": [self.texts[i] for i in idx]}, conn=conn)
        if st != 200:
            return "moderations: %d %r" % (st, doc)
        mid = doc["model"]
        self.seen_models.add(mid)
        for i, res in zip(idx, doc["results"]):
            err = self.check_scores(mid, i, res["category_scores"])
            if err:
                return err
            if sorted(c for c, f in res["categories"].items() if f) != self.expected[mid][i][1]:
                return "text %d: flagged differs from classify score" % i
        return None

    def client(self, n):
        r = random.Random(self.rng.random())
        conn = self.srv.conn()
        while self.take() is not None:
            try:
                if r.random() < 0.1:  # some clients open a connection per request
                    conn.close()
                    conn = self.srv.conn()
                err = self.one(conn, r)
                if err:
                    self.fail(err)
                else:
                    with self.lock:
                        self.ok += 1
            except (OSError, ConnectionError, Exception) as e:  # noqa: BLE001
                if self.stop_at is not None:
                    with self.lock:
                        self.refused += 1
                    return  # the server is shutting down: expected
                self.fail("client %d: %s: %s" % (n, type(e).__name__, e))
                conn.close()
                conn = self.srv.conn()
        conn.close()

    def run(self, during=None):
        ts = [threading.Thread(target=self.client, args=(n,)) for n in range(self.conns)]
        self.during_done = during is None
        for t in ts:
            t.start()
        if during:
            try:
                during(self)
            finally:
                self.during_done = True
        for t in ts:
            t.join()
        if time.time() > self.deadline:
            self.fail("time bound hit: %d of %d requests issued" % (self.next, self.count))
        return self


class LoadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.texts = make_texts(300, 1405)
        cls.expected = classify_score(cls.texts)

    def test_mixed_load_memory_and_shutdown(self):
        srv = Server("--threads", "2", "--max-connections", "256", *LIMITS)
        st, hdr, _ = srv.request("GET", "/status")
        exp = {hdr["x-model-id"]: self.expected}
        n = int(1500 * SCALE)
        first = Load(srv, self.texts, exp, n, 32, 1).run()  # warm-up: allocator, pages, scorers
        rss = [srv.rss_kb()]
        runs = [first]
        for k in range(3):
            runs.append(Load(srv, self.texts, exp, n, 32, 2 + k).run())
            rss.append(srv.rss_kb())
        for ld in runs:
            self.assertEqual(ld.errors[:5], [])
            self.assertGreater(ld.ok, 0)
            self.assertGreater(ld.invalid_ok, 0)
        # after warm-up, 3 x n more requests must not grow the process
        grow_kb = rss[-1] - rss[0]
        print("RSS after warm-up and each later run (kB): %s" % rss, file=sys.stderr)
        self.assertLess(grow_kb, (16 if SANITIZED else 8) * 1024, rss)
        for _ in range(1000):  # a worker may still be finishing its last response
            st, _, doc = srv.request("GET", "/status")
            if doc["requests"]["inFlight"] == 1:
                break
            time.sleep(0.01)
        self.assertEqual(doc["requests"]["5xx"], 0)
        self.assertEqual(doc["requests"]["inFlight"], 1)  # this request: nothing is stuck

        # SIGTERM under load: answers before it are right, then connections close; exit 0
        def term(ld):
            time.sleep(0.5)
            ld.stop_at = time.time()
            srv.signal(signal.SIGTERM)
        ld = Load(srv, self.texts, exp, int(100000 * SCALE), 32, 9, deadline=120).run(term)
        self.assertEqual(ld.errors[:5], [])
        self.assertGreater(ld.ok, 0)
        self.assertEqual(srv.stop(), 0, srv.stderr())

    def test_reload_under_load(self):
        tmp = tempfile.mkdtemp(prefix="serve-reload-")
        fb = os.path.join(tmp, "fb.jsonl")
        live = os.path.join(tmp, "live.clf")
        shutil.copy(MODEL, live)
        srv = Server("--threads", "2", "--feedback", fb, *LIMITS, model=live)
        # moderators' feedback becomes the second model's training corpus
        r = random.Random(7)
        for i in range(120):
            rude = i % 2 == 0
            words = [r.choice(NEUTRAL) for _ in range(r.randint(3, 8))]
            if rude:
                words.insert(r.randrange(len(words)), r.choice(RUDE))
            st, _, doc = srv.post(SUGGEST, {"comment": {"text": " ".join(words)}, "attributeScores":
                                            {"TOXICITY": {"summaryScore": {"value": 1 if rude else 0}}}})
            self.assertEqual(st, 200, doc)
        with open(os.path.join(tmp, "recipe.json"), "w") as f:
            json.dump({"name": "feedback-tiny", "categories": ["offensive"],
                       "features": {"word_ngram_max": 1, "char_ngram_max": 3, "hash_bits": 12,
                                    "min_df": 1},
                       "training": {"folds": 2, "c_grid": [1, 4]},
                       "corpora": [{"name": "feedback", "train": "fb.jsonl", "format": "jsonl",
                                    "annotates": ["offensive"],
                                    "labels": {"offensive": ["offensive"]}}]}, f)
        p = subprocess.run([CLF, "train", "--recipe", "recipe.json", "--corpora", ".", "--out",
                            "tiny.clf", "--quiet"], cwd=tmp, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        tiny = os.path.join(tmp, "tiny.clf")
        models = {}
        st, hdr, _ = srv.request("GET", "/status")
        models[hdr["x-model-id"]] = classify_score(self.texts, MODEL)
        other = Server("--threads", "1", model=tiny)  # the id the tiny model will be served as
        st, hdr, doc = other.request("GET", "/status")
        self.assertEqual(other.stop(), 0)
        self.assertEqual(doc["model"]["categories"], ["offensive"])
        models[hdr["x-model-id"]] = classify_score(self.texts, tiny)
        garbage = os.path.join(tmp, "garbage.clf")
        with open(tiny, "rb") as f:
            head = f.read(100)
        with open(garbage, "wb") as f:
            f.write(head)  # a truncated model file

        def reloads(ld):
            # each reload is awaited before the next: SIGHUPs sent while one is
            # pending coalesce (one reload then reads the newest file)
            for k, src in enumerate([tiny, MODEL, tiny, garbage, MODEL, tiny]):
                time.sleep(0.2)
                shutil.copy(src, live + ".tmp")
                os.rename(live + ".tmp", live)  # how a deploy replaces the file
                srv.signal(signal.SIGHUP)
                for _ in range(2000):
                    d = srv.request("GET", "/status")[2]
                    if d["reloads"]["ok"] + d["reloads"]["failed"] == k + 1:
                        break
                    time.sleep(0.01)
                if src == garbage:  # a bad file leaves the old model serving
                    self.garbage_status = d

        ld = Load(srv, self.texts, models, int(4000 * SCALE), 16, 3, models=models).run(reloads)
        self.assertEqual(ld.errors[:5], [])
        self.assertEqual(len(models), 2)
        self.assertEqual(ld.seen_models, set(models), "both models served during the run")
        g = self.garbage_status
        self.assertEqual(g["reloads"]["failed"], 1)
        self.assertIsNotNone(g["reloads"]["lastError"])
        self.assertEqual(g["model"]["categories"], ["offensive"])  # still the tiny model
        st, _, doc = srv.request("GET", "/status")
        self.assertEqual(doc["model"]["categories"], ["offensive"])  # the last file: tiny
        self.assertEqual(doc["reloads"]["ok"], 5)
        self.assertEqual(doc["reloads"]["failed"], 1)
        self.assertIsNone(doc["reloads"]["lastError"])  # the later good reloads cleared it
        self.assertEqual(doc["model"]["generation"], 6)
        self.assertEqual(doc["requests"]["5xx"], 0)
        self.assertEqual(srv.stop(), 0, srv.stderr())
        self.assertIn("reload failed, still serving the old model", srv.stderr())


if __name__ == "__main__":
    unittest.main(verbosity=2)
