"""test_serve.py - `classify serve` as its clients see it: Perspective's
documented request body and Coral Talk's, every request and response field,
OpenAI moderations, suggestscore records that training reads, status, and
bad input of every kind (each a clear 4xx in Google's error shape, never a
crash). Run by ctest: CLF_CLI=... CLF_SOURCE_DIR=... /usr/bin/python3 test_serve.py
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serveutil import CLF, MODEL, Server, classify_score  # noqa: E402

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
MODERATIONS = "/v1/moderations"

EXTREME = "الخلافة باقية وتتمدد"
RUDE = "يا حمار يا غبي"
NEWS = "كتاب جديد في المكتبة"


def utf16_slice(text, begin, end):
    """What JavaScript's text.slice(begin, end) returns."""
    u = text.encode("utf-16-le")
    return u[2 * begin:2 * end].decode("utf-16-le")


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="serve-test-")
        cls.feedback = os.path.join(cls.tmp, "feedback.jsonl")
        cls.log = os.path.join(cls.tmp, "access.log")
        cls.srv = Server("--threads", "2", "--feedback", cls.feedback, "--access-log", cls.log,
                         "--max-body", "64k", "--max-doc", "8k", "--max-inputs", "16",
                         "--timeout", "3")

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        assert rc == 0, "server exit status %d: %s" % (rc, cls.srv.stderr())

    def assertGoogleError(self, status, doc, code, word=None, grpc="INVALID_ARGUMENT"):
        self.assertEqual(status, code, doc)
        self.assertIsInstance(doc, dict)
        e = doc["error"]
        self.assertEqual(e["code"], code)
        self.assertEqual(e["status"], grpc)
        self.assertIsInstance(e["message"], str)
        if word:
            self.assertIn(word, e["message"])


class PerspectiveClients(Base):
    def test_documented_body(self):
        # the request exactly as Perspective's documentation shows it: English is
        # not a language of this model, so it is Perspective's language error
        body = {"comment": {"text": "What kind of idiot name is foo?"}, "languages": ["en"],
                "requestedAttributes": {"TOXICITY": {}}}
        st, _, doc = self.srv.post(ANALYZE, body)
        self.assertGoogleError(st, doc, 400, "does not support request languages: en")
        self.assertEqual(doc["error"]["details"][0]["errorType"],
                         "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
        # the same body in Arabic: the fields a Perspective client reads
        body["comment"]["text"] = RUDE
        body["languages"] = ["ar"]
        st, hdr, doc = self.srv.post(ANALYZE, body)
        self.assertEqual(st, 200, doc)
        self.assertTrue(hdr["content-type"].startswith("application/json"))
        s = doc["attributeScores"]["TOXICITY"]["summaryScore"]
        self.assertEqual(s["type"], "PROBABILITY")
        self.assertTrue(0.0 <= s["value"] <= 1.0)
        self.assertEqual(doc["languages"], ["ar"])
        self.assertEqual(doc["detectedLanguages"], ["ar"])
        self.assertNotIn("spanScores", doc["attributeScores"]["TOXICITY"])
        # the score is classify score's offensive score for the same text
        (want, _), = classify_score([RUDE])
        self.assertEqual(s["value"], want["offensive"])

    def test_coral_talk_body(self):
        # what Coral Talk's perspective service sends and reads
        body = {"comment": {"text": RUDE}, "languages": ["ar"],
                "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True}
        st, _, doc = self.srv.post(ANALYZE + "?key=anything", body)
        self.assertEqual(st, 200, doc)
        v = doc["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
        self.assertGreater(v, 0.5)  # a plain insult
        body["requestedAttributes"] = {"SEVERE_TOXICITY": {}}
        body["comment"]["text"] = NEWS
        st, _, doc = self.srv.post(ANALYZE, body)
        self.assertEqual(st, 200, doc)
        self.assertLess(doc["attributeScores"]["SEVERE_TOXICITY"]["summaryScore"]["value"], 0.5)

    def test_every_field(self):
        text = EXTREME + ". 😀 " + NEWS + "؟\n" + RUDE
        body = {"comment": {"text": text, "type": "PLAIN_TEXT"},
                "requestedAttributes": {"EXTREMISM": {"scoreType": "PROBABILITY"},
                                        "INSULT": {"scoreThreshold": 0},
                                        "IDENTITY_ATTACK": {}, "THREAT": {}, "HATE": {}},
                "spanAnnotations": True, "languages": ["ar-EG"], "doNotStore": True,
                "clientToken": "tok-42", "sessionId": "s", "communityId": "c",
                "context": {"entries": []}}
        st, hdr, doc = self.srv.post(ANALYZE, body)
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc["clientToken"], "tok-42")
        self.assertEqual(doc["languages"], ["ar-EG"])
        # answered under the names the client asked for
        self.assertEqual(set(doc["attributeScores"]),
                         {"EXTREMISM", "INSULT", "IDENTITY_ATTACK", "THREAT", "HATE"})
        x = doc["libclassify"]
        self.assertEqual(x["attributes"], {"EXTREMISM": "extremism", "INSULT": "offensive",
                                           "IDENTITY_ATTACK": "hate", "THREAT": "incitement",
                                           "HATE": "hate"})
        for name, cat in x["attributes"].items():
            self.assertEqual(doc["attributeScores"][name]["summaryScore"]["value"],
                             x["scores"][cat])
        # the model is named in the body and the headers
        self.assertEqual(x["model"]["id"], hdr["x-model-id"])
        self.assertEqual(x["model"]["checksum"], hdr["x-model-checksum"])
        self.assertEqual(len(x["model"]["checksum"]), 16)
        self.assertIn(x["model"]["name"], x["model"]["id"])
        self.assertEqual(set(x["thresholds"]), set(x["scores"]))
        # flagged = at threshold, less the report-only categories (listed as signals)
        signals = x.get("signals", [])
        self.assertEqual(sorted(x["flagged"] + signals),
                         sorted(c for c, p in x["scores"].items() if p >= x["thresholds"][c]))
        self.assertNotIn("propaganda", x["flagged"])
        # spans: UTF-16 offsets of the original text (the emoji is 2 code units)
        sentences = [EXTREME + ".", "😀 " + NEWS + "؟", RUDE]
        spans = doc["attributeScores"]["EXTREMISM"]["spanScores"]
        self.assertEqual([utf16_slice(text, s["begin"], s["end"]) for s in spans], sentences)
        raw = text.encode()
        self.assertEqual([raw[b:e].decode() for b, e in x["spanBytes"]], sentences)
        for s in spans:
            self.assertEqual(s["score"]["type"], "PROBABILITY")
        # the extremist sentence scores high, the news one low, each like classify score
        self.assertGreater(spans[0]["score"]["value"], 0.5)
        self.assertLess(spans[1]["score"]["value"], 0.5)
        want = classify_score(sentences)
        for s, (w, _) in zip(spans, want):
            self.assertEqual(s["score"]["value"], w["extremism"])

    def test_score_threshold_leaves_out_low_scores(self):
        body = {"comment": {"text": NEWS + ". " + EXTREME}, "spanAnnotations": True,
                "requestedAttributes": {"EXTREMISM": {"scoreThreshold": 0.5},
                                        "PROPAGANDA": {"scoreThreshold": 1.0}}}
        st, _, doc = self.srv.post(ANALYZE, body)
        self.assertEqual(st, 200, doc)
        self.assertNotIn("PROPAGANDA", doc["attributeScores"])
        spans = doc["attributeScores"]["EXTREMISM"]["spanScores"]
        self.assertEqual(len(spans), 1)  # the news sentence is below 0.5
        self.assertGreater(spans[0]["begin"], 0)

    def test_no_arabic_text(self):
        st, _, doc = self.srv.post(ANALYZE, {"comment": {"text": "hello there 123"},
                                             "requestedAttributes": {"TOXICITY": {}}})
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc["languages"], ["ar"])
        self.assertEqual(doc["detectedLanguages"], [])
        self.assertEqual(doc["libclassify"]["abstain"], "no_arabic_text")
        self.assertEqual(doc["libclassify"]["flagged"], [])

    def test_empty_languages_mean_detect(self):
        st, _, doc = self.srv.post(ANALYZE, {"comment": {"text": RUDE}, "languages": [],
                                             "requestedAttributes": {"TOXICITY": {}}})
        self.assertEqual(st, 200, doc)
        self.assertEqual((doc["languages"], doc["detectedLanguages"]), (["ar"], ["ar"]))

    def test_explanation_extra(self):
        st, _, doc = self.srv.post(ANALYZE, {"comment": {"text": RUDE},
                                             "requestedAttributes": {"OFFENSIVE": {}},
                                             "libclassify": {"explain": 2}})
        self.assertEqual(st, 200, doc)
        up = doc["libclassify"]["explanation"]["offensive"]["up"]
        self.assertTrue(1 <= len(up) <= 2)
        self.assertIn(up[0]["word"], RUDE)


class BadRequests(Base):
    def check(self, body, code=400, word=None, path=ANALYZE, grpc="INVALID_ARGUMENT"):
        st, _, doc = self.srv.request("POST", path, body)
        self.assertGoogleError(st, doc, code, word, grpc)
        return doc

    def test_malformed_json(self):
        for b in [b"", b"{", b"{\"comment\":", b"nul", b"[1,2]", b"\"text\"", b"{} x",
                  b"{\"comment\":{\"text\":\"a\"},\"comment\":{}}", b"\x00\x01\x02"]:
            self.check(b, 400, "Invalid JSON payload")

    def test_wrong_types(self):
        attrs = {"TOXICITY": {}}
        for body, word in [
            ({"comment": "text", "requestedAttributes": attrs}, "comment"),
            ({"comment": {"text": 5}, "requestedAttributes": attrs}, "comment.text"),
            ({"comment": {"text": None}, "requestedAttributes": attrs}, "comment.text"),
            ({"comment": {"text": RUDE}, "requestedAttributes": ["TOXICITY"]}, "requestedAttributes"),
            ({"comment": {"text": RUDE}, "requestedAttributes": {"TOXICITY": 1}}, "requestedAttributes"),
            ({"comment": {"text": RUDE}, "requestedAttributes": attrs, "languages": "ar"}, "languages"),
            ({"comment": {"text": RUDE}, "requestedAttributes": attrs, "languages": [1]}, "languages"),
            ({"comment": {"text": RUDE}, "requestedAttributes": attrs, "spanAnnotations": "yes"},
             "spanAnnotations"),
            ({"comment": {"text": RUDE}, "requestedAttributes": attrs, "doNotStore": 1}, "doNotStore"),
            ({"comment": {"text": RUDE}, "requestedAttributes": attrs, "clientToken": 7}, "clientToken"),
            ({"comment": {"text": RUDE},
              "requestedAttributes": {"TOXICITY": {"scoreThreshold": "high"}}}, "scoreThreshold"),
            ({"comment": {"text": RUDE},
              "requestedAttributes": {"TOXICITY": {"scoreThreshold": 1.5}}}, "scoreThreshold"),
            ({"comment": {"text": RUDE}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}},
             "scoreType"),
        ]:
            with self.subTest(body=body):
                self.check(body, 400, word)

    def test_missing_fields(self):
        self.check({"requestedAttributes": {"TOXICITY": {}}}, 400, "comment.text is required")
        self.check({"comment": {}, "requestedAttributes": {"TOXICITY": {}}}, 400, "comment.text")
        self.check({"comment": {"text": RUDE}}, 400, "requestedAttributes")
        self.check({"comment": {"text": RUDE}, "requestedAttributes": {}}, 400, "requestedAttributes")
        self.check({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, 400, "non-empty")

    def test_unknown_names(self):
        self.check({"comment": {"text": RUDE}, "requestedAttributes": {"FLIRTATION": {}}}, 400,
                   "Unknown attribute: FLIRTATION")
        self.check({"comment": {"text": RUDE}, "requestedAttributes": {"toxicity": {}}}, 400,
                   "Unknown attribute")
        self.check({"comment": {"text": RUDE}, "requestedAtributes": {"TOXICITY": {}}}, 400,
                   "Unknown name \"requestedAtributes\"")
        self.check({"comment": {"text": RUDE, "lang": "ar"}, "requestedAttributes": {"HATE": {}}},
                   400, "Unknown name \"lang\"")
        self.check({"comment": {"text": "<b>x</b>", "type": "HTML"},
                    "requestedAttributes": {"HATE": {}}}, 400, "PLAIN_TEXT")

    def test_invalid_utf8_and_escapes(self):
        self.check(b'{"comment":{"text":"\xff\xfe abc"},"requestedAttributes":{"HATE":{}}}', 400,
                   "Invalid JSON payload")
        self.check(b'{"comment":{"text":"\xd8"},"requestedAttributes":{"HATE":{}}}', 400)
        self.check(b'{"comment":{"text":"\\ud800"},"requestedAttributes":{"HATE":{}}}', 400)
        # an escaped NUL is text like any other (scored, not cut)
        st, _, doc = self.srv.post(ANALYZE, '{"comment":{"text":"a\\u0000' + RUDE + '"},'
                                            '"requestedAttributes":{"TOXICITY":{}}}')
        self.assertEqual(st, 200, doc)
        self.assertGreater(doc["attributeScores"]["TOXICITY"]["summaryScore"]["value"], 0.5)

    def test_size_limits(self):
        self.check({"comment": {"text": "ا" * 5000}, "requestedAttributes": {"HATE": {}}}, 400,
                   "too long")
        big = b'{"comment":{"text":"' + b"a" * 70000 + b'"}}'
        st, _, doc = self.srv.request("POST", ANALYZE, big)
        self.assertGoogleError(st, doc, 413, "--max-body")
        # a declared Content-Length above the limit is refused before the body is read
        out = self.srv.raw(b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length: 999999999\r\n\r\n{")
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:100])
        self.assertIn(b'"status":"INVALID_ARGUMENT"', out)

    def test_chunked(self):
        body = json.dumps({"comment": {"text": RUDE}, "requestedAttributes": {"TOXICITY": {}}},
                          ensure_ascii=False).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                          for i in range(0, len(body), 7)) + b"0\r\n\r\n"
        out = self.srv.raw(b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks)
        self.assertTrue(out.startswith(b"HTTP/1.1 200"), out[:200])
        self.assertIn(b'"TOXICITY":{"summaryScore"', out)
        # chunked above --max-body: 413 at the end, nothing kept
        big = b"".join(b"%x\r\n%s\r\n" % (8192, b"a" * 8192) for _ in range(10)) + b"0\r\n\r\n"
        out = self.srv.raw(b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + big)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:200])

    def test_pipelined(self):
        one = json.dumps({"comment": {"text": RUDE}, "requestedAttributes": {"TOXICITY": {}},
                          "clientToken": "%d"}, ensure_ascii=False).encode()
        reqs = b""
        for i in range(3):
            b = one.replace(b"%d", str(i).encode())
            reqs += (b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                     % len(b)) + b
        reqs += b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        out = self.srv.raw(reqs)
        self.assertEqual(out.count(b"HTTP/1.1 200"), 4, out)
        for i in range(3):
            self.assertIn(b'"clientToken":"%d"' % i, out)
        self.assertLess(out.index(b'"clientToken":"0"'), out.index(b'"clientToken":"2"'))

    def test_disconnects_and_slow_clients(self):
        # mid-body disconnects, and a client that sends half a request and waits:
        # the server drops them (timeout) and keeps serving
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", self.srv.port))
            s.sendall(b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 1000\r\n\r\n{\"comment\":")
            s.close()
        slow = socket.create_connection(("127.0.0.1", self.srv.port))
        slow.sendall(b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        st, _, doc = self.srv.post(ANALYZE, {"comment": {"text": RUDE},
                                             "requestedAttributes": {"TOXICITY": {}}})
        self.assertEqual(st, 200, doc)
        slow.settimeout(20)
        t0 = time.time()
        self.assertEqual(slow.recv(100), b"")  # closed by --timeout 3, no response
        self.assertLess(time.time() - t0, 20)
        slow.close()

    def test_routes_and_methods(self):
        st, _, doc = self.srv.request("GET", "/v1alpha1/comments:nothing")
        self.assertGoogleError(st, doc, 404, grpc="NOT_FOUND")
        st, hdr, doc = self.srv.request("GET", ANALYZE)
        self.assertGoogleError(st, doc, 405)
        self.assertEqual(hdr["allow"], "POST")
        st, hdr, doc = self.srv.request("POST", "/status", b"{}")
        self.assertGoogleError(st, doc, 405)
        self.assertEqual(hdr["allow"], "GET, HEAD")

    def test_still_alive(self):
        st, _, doc = self.srv.request("GET", "/healthz")
        self.assertEqual((st, doc), (200, {"status": "ok"}))


class Moderations(Base):
    def test_batch_matches_classify_score(self):
        texts = [EXTREME, RUDE, NEWS, "", "hello", RUDE + "\n" + EXTREME]
        st, hdr, doc = self.srv.post(MODERATIONS, {"input": texts, "model": "anything"})
        self.assertEqual(st, 200, doc)
        self.assertTrue(doc["id"].startswith("modr-"))
        self.assertEqual(doc["model"], hdr["x-model-id"])
        self.assertEqual(doc["libclassify"]["model"]["checksum"], hdr["x-model-checksum"])
        self.assertEqual(len(doc["results"]), len(texts))
        for r, (want, flagged) in zip(doc["results"], classify_score(texts)):
            self.assertEqual({c: p for c, p in r["category_scores"].items()}, want)
            self.assertEqual(sorted(c for c, f in r["categories"].items() if f), flagged)
            self.assertEqual(r["flagged"], bool(flagged))

    def test_single_and_object_inputs(self):
        st, _, a = self.srv.post(MODERATIONS, {"input": RUDE})
        self.assertEqual(st, 200, a)
        st, _, b = self.srv.post(MODERATIONS, {"input": [{"type": "text", "text": RUDE}]})
        self.assertEqual(st, 200, b)
        self.assertEqual(a["results"], b["results"])
        self.assertTrue(a["results"][0]["flagged"])

    def test_errors(self):
        for body, word in [({"input": []}, "empty"), ({"input": 3}, "input"), ({}, "input"),
                           ({"input": [RUDE, 4]}, "input[1]"), ({"input": ["a"] * 17}, "limit"),
                           ({"input": "a", "user": "x"}, "Unknown name"),
                           ({"input": [{"type": "image_url", "image_url": {}}]}, "input[0]")]:
            with self.subTest(body=body):
                st, _, doc = self.srv.post(MODERATIONS, body)
                self.assertGoogleError(st, doc, 400, word)
                self.assertEqual(doc["error"]["type"], "invalid_request_error")


class StatusEndpoints(Base):
    def test_status(self):
        self.srv.request("GET", "/healthz")
        st, hdr, doc = self.srv.request("GET", "/status")
        self.assertEqual(st, 200, doc)
        m = doc["model"]
        self.assertEqual(m["id"], hdr["x-model-id"])
        self.assertEqual(m["categories"], ["extremism", "propaganda", "hate", "offensive",
                                           "incitement"])
        self.assertEqual(m["attributes"]["TOXICITY"], "offensive")
        self.assertEqual(m["attributes"]["THREAT"], "incitement")
        self.assertEqual(m["generation"], 1)
        out = subprocess.run([CLF, "--version"], capture_output=True, text=True).stdout
        self.assertIn(doc["library"]["version"], out)
        self.assertGreaterEqual(doc["server"]["uptimeSeconds"], 0)
        self.assertGreaterEqual(doc["requests"]["total"], 2)
        self.assertGreaterEqual(doc["requests"]["status"], 1)
        st, _, doc = self.srv.request("GET", "/readyz")
        self.assertEqual((st, doc["status"]), (200, "ready"))

    def test_access_log(self):
        self.srv.request("GET", "/healthz?probe=1")
        time.sleep(0.2)
        with open(self.log) as f:
            lines = f.read().splitlines()
        self.assertTrue(any(" GET /healthz 200 " in l for l in lines), lines[-5:])
        self.assertFalse(any("probe=1" in l for l in lines))  # no query strings (API keys)


class Feedback(Base):
    def test_records_are_a_training_corpus(self):
        sugg = [(RUDE, {"TOXICITY": 0.9}), (NEWS, {"TOXICITY": 0.1, "INSULT": 0.3}),
                (EXTREME, {"EXTREMISM": 1, "THREAT": 0.2})]
        for i, (text, scores) in enumerate(sugg):
            body = {"comment": {"text": text}, "clientToken": "fb%d" % i, "communityId": "forum",
                    "attributeScores": {k: {"summaryScore": {"value": v}} for k, v in scores.items()}}
            st, hdr, doc = self.srv.post(SUGGEST, body)
            self.assertEqual(st, 200, doc)
            self.assertEqual(doc["clientToken"], "fb%d" % i)
        with open(self.feedback, encoding="utf-8") as f:
            recs = [json.loads(l) for l in f]
        self.assertEqual(len(recs), 3)
        self.assertEqual([r["text"] for r in recs], [s[0] for s in sugg])
        self.assertEqual([r["labels"] for r in recs], [["offensive"], [], ["extremism"]])
        self.assertEqual(recs[1]["suggested"], {"offensive": 0.3})
        self.assertEqual(recs[0]["model"], hdr["x-model-id"])
        self.assertEqual(recs[0]["communityId"], "forum")
        self.assertEqual(len({r["id"] for r in recs}), 3)
        # the corpus reader of training and scoring reads it as JSON Lines
        out = subprocess.run([CLF, "score", "--format", "jsonl", self.feedback],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        got = [json.loads(l) for l in out.stdout.splitlines()]
        self.assertEqual([g["id"] for g in got], [r["id"] for r in recs])
        self.assertTrue(all("scores" in g for g in got))

    def test_bad_suggestions(self):
        for body, word in [
            ({"comment": {"text": RUDE}}, "attributeScores"),
            ({"comment": {"text": RUDE}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 2}}}},
             "[0, 1]"),
            ({"comment": {"text": RUDE}, "attributeScores": {"TOXICITY": {}}}, "summaryScore"),
            ({"comment": {"text": RUDE}, "attributeScores": {"NOPE": {"summaryScore": {"value": 1}}}},
             "Unknown attribute"),
            ({"attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}, "comment.text")]:
            with self.subTest(body=body):
                st, _, doc = self.srv.post(SUGGEST, body)
                self.assertGoogleError(st, doc, 400, word)


class Operations(unittest.TestCase):
    def test_suggest_needs_feedback_file(self):
        srv = Server("--threads", "1")
        try:
            st, _, doc = srv.post(SUGGEST, {"comment": {"text": RUDE}, "attributeScores":
                                            {"TOXICITY": {"summaryScore": {"value": 1}}}})
            self.assertEqual(st, 501)
            self.assertEqual(doc["error"]["status"], "UNIMPLEMENTED")
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_partial_feedback_line_is_cut_on_restart(self):
        tmp = tempfile.mkdtemp(prefix="serve-fb-")
        fb = os.path.join(tmp, "fb.jsonl")
        good = json.dumps({"id": "x", "text": RUDE, "labels": []}, ensure_ascii=False) + "\n"
        with open(fb, "w", encoding="utf-8") as f:
            f.write(good + '{"id": "half-writ')  # a crash in the middle of a record
        srv = Server("--feedback", fb)
        try:
            st, _, doc = srv.post(SUGGEST, {"comment": {"text": NEWS}, "attributeScores":
                                            {"HATE": {"summaryScore": {"value": 0}}}})
            self.assertEqual(st, 200, doc)
        finally:
            self.assertEqual(srv.stop(), 0)
        with open(fb, encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertEqual(json.loads(lines[1])["text"], NEWS)
        self.assertIn("incomplete last record", srv.stderr())

    def test_feedback_survives_kill(self):
        # SIGKILL while suggestions are being written: every acknowledged one is in
        # the file, every line is a whole record (after the restart's repair)
        tmp = tempfile.mkdtemp(prefix="serve-kill-")
        fb = os.path.join(tmp, "fb.jsonl")
        srv = Server("--threads", "2", "--feedback", fb)
        acked, lock = [], threading.Lock()

        def client(n):
            for i in range(10000):
                tok = "k%d-%d" % (n, i)
                try:
                    st, _, doc = srv.post(SUGGEST, {"comment": {"text": RUDE + " " + tok},
                                                    "clientToken": tok, "attributeScores":
                                                    {"TOXICITY": {"summaryScore": {"value": 1}}}})
                except OSError:
                    return
                if st == 200:
                    with lock:
                        acked.append(tok)

        ts = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in ts:
            t.start()
        while len(acked) < 200:
            time.sleep(0.01)
        srv.signal(signal.SIGKILL)
        for t in ts:
            t.join()
        srv.stop()
        Server("--feedback", fb).stop()  # a restart cuts a partial last line, if any
        with open(fb, encoding="utf-8") as f:
            recs = [json.loads(l) for l in f]  # every line parses
        written = {r["clientToken"] for r in recs}
        self.assertGreaterEqual(len(acked), 200)
        self.assertEqual(set(acked) - written, set())
        self.assertEqual(len(written), len(recs))  # no record twice

    def test_bad_options_and_model(self):
        for args in [["--threads", "0"], ["--listen", "localhost:80"], ["--listen", "1.2.3.4"],
                     ["--max-body", "x"], ["--nope"]]:
            p = subprocess.run([CLF, "serve", *args], capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 2, args)
        with tempfile.NamedTemporaryFile(suffix=".clf") as f:
            f.write(b"not a model")
            f.flush()
            p = subprocess.run([CLF, "serve", "--model", f.name, "--listen", "127.0.0.1:0"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f.name, p.stderr)

    def test_sigterm_drains_in_flight_requests(self):
        srv = Server("--threads", "2", "--drain-timeout", "60")
        body = json.dumps({"comment": {"text": RUDE}, "requestedAttributes": {"TOXICITY": {}},
                           "clientToken": "last"}, ensure_ascii=False).encode()
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        s.sendall(b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                  % len(body) + body[:10])
        for _ in range(400):  # until the server has seen the request start
            if srv.request("GET", "/status")[2]["requests"]["inFlight"] >= 2:
                break
            time.sleep(0.01)
        srv.signal(signal.SIGTERM)
        time.sleep(0.5)
        self.assertIsNone(srv.p.poll(), "exited with a request in flight")
        s.sendall(body[10:])
        out = b""
        while b'"clientToken":"last"' not in out:
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
        self.assertTrue(out.startswith(b"HTTP/1.1 200"), out[:200])
        self.assertIn(b'"TOXICITY":{"summaryScore"', out)
        self.assertEqual(srv.stop(), 0, srv.stderr())
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
