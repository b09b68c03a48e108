#!/usr/bin/python3
"""property.py - the record invariant of `classify score`, checked on random streams.

For any input stream: one output record per input record, in input order, each with a
string id, the model id and exactly one of "scores" or "error". Streams are built from
base lines (made-up Arabic sentences, or with --corpus real corpus lines read at test
time from ../shared/corpora, never stored) and mutated byte by byte: flipped and inserted
bytes (tabs, CR, NUL, quotes, backslashes, braces, newlines, bytes that are not UTF-8, half
characters), cut lines, BOMs, JSON escapes. The expected records are derived from the final
bytes by the documented rules (docs/input-formats.md), independently of the tool.

  property.py CLASSIFY [--corpus DIR] [--rounds N] [--seed S]

With --corpus, a missing corpus directory fails under CI=true and skips (exit 77) otherwise.
"""
import argparse
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

NEUTRAL = ["البيت", "الشمس", "كتاب", "مدرسة", "سيارة", "قهوة", "صباح", "مدينة", "الطريق",
           "جميل", "اليوم", "الدولة", "الخلافة", "غبي", "🙂", "https://x.com", "@user", "#وسم"]
NASTY = [b"\t", b"\r", b"\x00", b'"', b"\\", b"{", b"}", b"\n", b"\xff", b"\xd9", b"\xc0\xaf",
         b"\xed\xa0\x80", b"\\u", b"\\ud800", b"\\u0645", b"\xef\xbb\xbf", b"id\tlabels\ttext",
         b'{"id":', b"\r\n", b" "]


def synthetic_lines(rnd, n):
    return [" ".join(rnd.choice(NEUTRAL) for _ in range(rnd.randint(0, 12))) for _ in range(n)]


def corpus_lines(root):
    files = sorted(glob.glob(os.path.join(root, "*", "train.tsv")) +
                   glob.glob(os.path.join(root, "*", "dev.tsv")))
    lines = []
    for path in files:
        with open(path, "rb") as f:
            for i, raw in enumerate(f):
                if i > 400:
                    break
                parts = raw.rstrip(b"\n").split(b"\t")
                if len(parts) == 3 and parts[2]:
                    lines.append(parts[2].decode("utf-8", "replace"))
    return lines


def mutate(rnd, data):
    """A few random byte-level edits of data (bytes)."""
    b = bytearray(data)
    for _ in range(rnd.randint(0, 3)):
        op = rnd.random()
        pos = rnd.randint(0, len(b)) if b else 0
        if op < 0.35:
            b[pos:pos] = rnd.choice(NASTY)
        elif op < 0.55 and b:
            b[min(pos, len(b) - 1)] = rnd.randrange(256)
        elif op < 0.7 and b:
            del b[pos:pos + rnd.randint(1, 4)]
        elif op < 0.8:
            b = b[:pos]
        else:
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 3)))
    return bytes(b)


def build(rnd, fmt, texts):
    """One stream in fmt: records of texts with ids L1.., mutated."""
    out = []
    if fmt == "tsv" and rnd.random() < 0.5:
        out.append(b"id\tlabels\ttext")
    for i, t in enumerate(texts):
        if fmt == "text":
            line = t.encode()
        elif fmt == "tsv":
            line = b"L%d\t%s\t%s" % (i + 1, rnd.choice([b"", b"hate", b"a,b"]), t.encode())
        else:
            line = json.dumps({"id": "L%d" % (i + 1), "text": t, "n": i}, ensure_ascii=rnd.random() < 0.3).encode()
        if rnd.random() < 0.3:
            line = mutate(rnd, line)
        out.append(line)
        if rnd.random() < 0.05:
            out.append(b"")
    data = b"\n".join(out)
    if rnd.random() < 0.7:
        data += b"\n"
    if rnd.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    return data


def expected(fmt, data):
    """[(line number, line bytes)] of the records the documented rules give."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    recs, seen = [], False
    for no, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if fmt != "text" and line == b"":
            continue
        if fmt == "tsv" and not seen and line == b"id\tlabels\ttext":
            seen = True
            continue
        seen = True
        recs.append((no, line))
    return recs


def want_id(fmt, no, line):
    """The id a success record of this line must have (None: not predicted)."""
    if fmt == "text":
        return str(no)
    if fmt == "tsv":
        first = line.split(b"\t")[0].decode("utf-8")
        return first if first else str(no)
    try:
        v = json.loads(line.decode("utf-8")).get("id")
    except (ValueError, AttributeError):
        return None
    if isinstance(v, str) and v:
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return str(no)


def check(clf, fmt, data, via_pipe, tmp):
    args = [clf, "score", "--format", fmt]
    if via_pipe:
        p = subprocess.run(args, input=data, capture_output=True, timeout=120)
    else:
        path = os.path.join(tmp, "in." + fmt)
        with open(path, "wb") as f:
            f.write(data)
        p = subprocess.run(args + [path], capture_output=True, timeout=120)
    assert p.returncode in (0, 1), ("exit %d" % p.returncode, p.stderr[-500:])
    out = p.stdout.decode("utf-8")  # never anything but UTF-8
    recs = [json.loads(l) for l in out.splitlines()]
    exp = expected(fmt, data)
    assert len(recs) == len(exp), ("%d records for %d input records" % (len(recs), len(exp)))
    errors = 0
    for r, (no, line) in zip(recs, exp):
        assert isinstance(r.get("id"), str) and r["id"], r
        assert ("scores" in r) != ("error" in r), r
        assert isinstance(r.get("model"), str) and "@" in r["model"], r
        if "error" in r:
            errors += 1
            assert r["line"] == no, ("out of order", r, no)
        else:
            w = want_id(fmt, no, line)
            assert w is None or r["id"] == w, ("out of order", r["id"], w, no)
    assert (p.returncode == 1) == (errors > 0), (p.returncode, errors)
    return len(recs), errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("classify")
    ap.add_argument("--corpus")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    if a.corpus:
        base = corpus_lines(a.corpus) if os.path.isdir(a.corpus) else []
        if not base:
            msg = "property: no corpus lines under %s" % a.corpus
            if os.environ.get("CI") == "true":
                print(msg + " (CI=true: failing)", file=sys.stderr)
                return 1
            print(msg + ": skipped", file=sys.stderr)
            return 77
    total = errs = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.rounds):
            fmt = ("text", "tsv", "jsonl")[k % 3]
            n = rnd.randint(1, 60)
            texts = rnd.sample(base, n) if a.corpus else synthetic_lines(rnd, n)
            data = build(rnd, fmt, texts)
            try:
                got, e = check(a.classify, fmt, data, via_pipe=k % 2 == 0, tmp=tmp)
            except AssertionError as ex:
                bad = os.path.join(tempfile.gettempdir(), "property-failure.%s" % fmt)
                with open(bad, "wb") as f:
                    f.write(data)
                print("property: round %d (%s) failed: %s; input kept in %s" % (k, fmt, ex, bad),
                      file=sys.stderr)
                return 1
            total += got
            errs += e
    print("property: %d rounds, %d records (%d error records), all with an id and exactly one "
          "of scores/error, in order" % (a.rounds, total, errs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
