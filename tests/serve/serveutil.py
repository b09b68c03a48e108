"""serveutil.py - start `classify serve` on a free loopback port and talk to
it with http.client, for the service tests (tests/serve/*.py)."""
import atexit
import http.client
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

# Every temporary file and directory of the service tests (server stderr,
# feedback files, models) goes under one directory of this process, removed
# at exit: the tests read a server's stderr after it stopped, so the files
# cannot go when the server does. CLF_TEST_KEEP_TMP=1 keeps it, as for the
# Check programs.
_TMP_ROOT = tempfile.mkdtemp(prefix="serve-tests-")
tempfile.tempdir = _TMP_ROOT
if os.environ.get("CLF_TEST_KEEP_TMP") != "1":
    atexit.register(shutil.rmtree, _TMP_ROOT, True)

CLF = os.environ.get("CLF_CLI", "classify")
SRC = os.environ.get("CLF_SOURCE_DIR", ".")
MODEL = os.path.join(SRC, "models", "arabic-default.clf")


class Server:
    """One `classify serve` process on 127.0.0.1 and a port the kernel picked."""

    def __init__(self, *args, model=MODEL):
        self.errf = tempfile.NamedTemporaryFile(prefix="serve-err-", suffix=".txt", delete=False)
        env = dict(os.environ)
        # ASan keeps freed memory in a quarantine (256 MB by default), which would
        # read as growth in the RSS checks: keep it small for the server
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4"
        self.p = subprocess.Popen([CLF, "serve", "--model", model, "--listen", "127.0.0.1:0",
                                   *args], stdout=subprocess.PIPE, stderr=self.errf, env=env)
        r, _, _ = select.select([self.p.stdout], [], [], 60)
        line = self.p.stdout.readline().decode() if r else ""
        if "listening on http://127.0.0.1:" not in line:
            self.p.kill()
            raise RuntimeError("server did not start: %r %s" % (line, self.stderr()))
        self.port = int(line.split("127.0.0.1:")[1].split()[0])

    def stderr(self):
        with open(self.errf.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def conn(self, timeout=60):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None):
        """(status, headers dict (lower-case names), parsed JSON or None)."""
        own = conn is None
        c = conn or self.conn()
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
        elif isinstance(body, str):
            body = body.encode()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if own:
            c.close()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            raise AssertionError("response is not JSON: %r" % data[:200])
        return r.status, hdrs, doc

    def post(self, path, body, **kw):
        return self.request("POST", path, body, {"Content-Type": "application/json"}, **kw)

    def raw(self, data, read_timeout=10, close_write=False):
        """Send raw bytes on a fresh socket; return everything read until close/timeout."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout)
        s.sendall(data)
        if close_write:
            s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        except socket.timeout:
            pass
        s.close()
        return out

    def rss_kb(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def signal(self, sig):
        self.p.send_signal(sig)

    def stop(self, timeout=60):
        """SIGTERM and wait; returns the exit status."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("server did not stop within %ds after SIGTERM" % timeout)
        finally:
            self.p.stdout.close()
            self.errf.close()


def classify_score(texts, model=MODEL):
    """The probabilities `classify score` gives each text, exact (it prints the
    shortest round-trip double; the server 17 digits: both read back equal)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    out = subprocess.run([CLF, "score", "--model", model, "--format", "jsonl", f.name],
                         check=True, capture_output=True).stdout.decode()
    os.unlink(f.name)
    recs = [json.loads(l) for l in out.splitlines()]
    assert len(recs) == len(texts)
    return [(r["scores"], sorted(r["flagged"])) for r in recs]


def wait_exit(p, timeout):
    t = time.time() + timeout
    while time.time() < t:
        if p.poll() is not None:
            return p.returncode
        time.sleep(0.05)
    return None
