#!/usr/bin/python3
"""bench/python_bench.py - the Python binding's throughput beside the CLI and
the in-process C figure, in one run on the same documents.

    /usr/bin/python3 bench/python_bench.py [--docs N] [--reps R] [--build DIR]

Builds the library and `classify` (Release, in DIR, default build-bench),
installs the binding into DIR/python-venv (tests/python.sh install), then
measures on every text of $CLF_CORPORA/*/{train,dev}.tsv (default
../shared/corpora) cycled to N documents (default 100,000), with the shipped
model:

  - C in-process (bench/bench_pipeline --json): score on 1 thread (best CPU
    time of R runs) and 2 threads (best wall time);
  - `classify score --format text`, 1 and 2 threads: wall time of the whole
    process on a file of the documents (load, read, JSON out);
  - Model.score_many(docs, threads=T), T = 1 (best CPU time, as the C figure)
    and 2 (best wall time), and Model.score(doc) in a Python loop;

and prints the binding's overhead per document against the C figure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_texts(corpora, n):
    texts = []
    for d in sorted(os.listdir(corpora)):
        for split in ("train", "dev"):
            p = os.path.join(corpora, d, split + ".tsv")
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    next(f)
                    texts += [line.rstrip("\n").split("\t", 2)[2] for line in f]
    if not texts:
        sys.exit("python_bench: no texts in %s" % corpora)
    return [texts[i % len(texts)] for i in range(n)], len(texts)


def best(fn, reps, clock):
    times = []
    for _ in range(reps):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def inner(args):
    import libclassify

    docs, distinct = load_texts(args.corpora, args.docs)
    n = len(docs)
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    model_path = os.path.join(ROOT, "models", "arabic-default.clf")
    build = args.build
    print("machine: %d cores, load average %s" % (os.cpu_count(),
                                                  " ".join(open("/proc/loadavg").read().split()[:3])))
    print("documents: %d (%d distinct texts, %.0f bytes on average), best of %d runs"
          % (n, distinct, nbytes / n, args.reps))

    c = json.loads(subprocess.run(
        [os.path.join(build, "bench", "bench_pipeline"), "--corpora", args.corpora, "--model",
         model_path, "--docs", str(n), "--reps", str(args.reps), "--json"],
        check=True, capture_output=True, text=True).stdout)

    rows = [("C in-process (bench_pipeline), 1 thread, CPU time", c["score1_dps"]),
            ("C in-process (bench_pipeline), 2 threads, wall", c["score2_dps"])]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.txt")
        with open(path, "w", encoding="utf-8") as f:
            for d in docs:
                f.write(d + "\n")
        cli = os.path.join(build, "classify")
        for t in (1, 2):
            def run_cli():
                with open(os.devnull, "w") as null:
                    subprocess.run([cli, "score", "--model", model_path, "--format", "text",
                                    "--threads", str(t), path], check=True, stdout=null)
            rows.append(("classify score --threads %d (whole process, JSON out)" % t,
                         n / best(run_cli, args.reps, time.perf_counter)))

    with libclassify.Model(model_path) as model:
        model.score_many(docs[:2000], threads=2)  # warm: scorers in the pool, pages touched
        m1_cpu = n / best(lambda: model.score_many(docs, threads=1), args.reps, time.process_time)
        m1_wall = n / best(lambda: model.score_many(docs, threads=1), args.reps, time.perf_counter)
        m2 = n / best(lambda: model.score_many(docs, threads=2), args.reps, time.perf_counter)
        score = model.score
        single = n / best(lambda: [score(d) for d in docs], args.reps, time.process_time)
        # the same results as the C library's, or the comparison means nothing
        assert model.score_many(docs[:1000], threads=2) == [score(d) for d in docs[:1000]]
    rows += [("binding score_many, 1 thread, CPU time", m1_cpu),
             ("binding score_many, 1 thread, wall", m1_wall),
             ("binding score_many, 2 threads, wall", m2),
             ("binding score() per document in a Python loop, CPU time", single)]

    width = max(len(r[0]) for r in rows)
    for name, dps in rows:
        print("%-*s %9.0f docs/s" % (width, name, dps))
    c1 = c["score1_dps"]
    print("binding overhead per document vs C (1 thread, CPU time): score_many %.2f us, "
          "score() %.2f us (C scores one document in %.2f us)"
          % (1e6 / m1_cpu - 1e6 / c1, 1e6 / single - 1e6 / c1, 1e6 / c1))
    print("score_many 2 threads / 1 thread: %.2fx; C: %.2fx" % (m2 / m1_wall, c["score2_dps"] / c1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--corpora", default=os.environ.get("CLF_CORPORA")
                    or os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.inner:
        return inner(args)
    subprocess.run(["cmake", "-S", ROOT, "-B", args.build, "-DCMAKE_BUILD_TYPE=Release",
                    "-DCLF_BUILD_TESTS=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", args.build, "-j2", "--target", "libclassify",
                    "classify_cli", "bench_pipeline"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["bash", os.path.join(ROOT, "tests", "python.sh"), "install", ROOT, args.build],
                   check=True, stdout=subprocess.DEVNULL)
    py = os.path.join(args.build, "python-venv", "bin", "python")
    os.execv(py, [py, os.path.abspath(__file__), "--inner"] + sys.argv[1:])


if __name__ == "__main__":
    main()
