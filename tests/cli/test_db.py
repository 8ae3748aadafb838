"""CLI tests: `mamori db import|update|info` on the real binary.

`db update` talks to a local HTTP server (a thread of this process on
127.0.0.1) that serves ../shared/corpora/vuln with ETag / If-None-Match, plus
a URL answering 500 and one serving garbage."""
import gzip
import hashlib
import http.server
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import threading
import time
import zipfile

VULN = "vuln"


def db_rows(path, sql, args=()):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def jsonl_ids(path, limit=None):
    ids = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                ids.append(json.loads(line)["id"])
                if limit and len(ids) >= limit:
                    break
    return ids


# --------------------------------------------------------------------------
# local feed server


class FeedServer:
    def __init__(self, root):
        self.root = root
        self.requests = []  # (path, If-None-Match, If-Modified-Since)
        srv = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                srv.requests.append((self.path, self.headers.get("If-None-Match"),
                                     self.headers.get("If-Modified-Since")))
                if self.path == "/fail500":
                    self.send_response(500)
                    self.send_header("Content-Length", "5")
                    self.end_headers()
                    self.wfile.write(b"oops\n")
                    return
                if self.path == "/garbage.json":
                    body = b"\x00\x01 this is not a feed {{{\n" * 100
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                p = os.path.normpath(os.path.join(srv.root, self.path.lstrip("/")))
                if not p.startswith(srv.root) or not os.path.isfile(p):
                    self.send_error(404)
                    return
                with open(p, "rb") as f:
                    body = f.read()
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, rel):
        return f"http://127.0.0.1:{self.port}/{rel}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def start_server(t):
    s = FeedServer(t.corpus(VULN))
    t.on_cleanup(s.stop)
    return s


def sources_yaml(t, srv, extra=()):
    lines = ["defaults: false", "sources:"]
    for name, rel in [("go", "osv/go-vulndb.osv.jsonl"),
                      ("alpine-v3.11-main", "alpine/secdb-v3.11-main.json"),
                      ("debian-dsa", "debian/security-tracker-2023-04/DSA-list")] + list(extra):
        url = rel if rel.startswith("http") else srv.url(rel)
        lines += [f"  - name: {name}", f"    url: {url}"]
    lines.append("  - name: epss")          # a default left disabled explicitly
    lines.append("    enabled: false")
    return t.write("sources.yaml", "\n".join(lines) + "\n")


# --------------------------------------------------------------------------
# import


def test_db_import_all_corpora(t):
    db = t.path("v.db")
    t0 = time.time()
    p = t.run("db", "import", "--db", db, t.corpus(VULN), "--format", "json")
    took = time.time() - t0
    s = json.loads(p.stdout)
    assert s["committed"] is True
    assert len(s["inputs"]) == 1
    inp = s["inputs"][0]
    for feed in ("osv", "alpine-secdb", "debian-dsa", "debian-dla"):
        assert feed in inp["feeds"].split(","), inp["feeds"]
    assert took < 30, f"import of all corpora took {took:.1f}s"
    # every Go and PyPI OSV record of the corpora is in, by id
    go_ids = set(jsonl_ids(t.corpus(VULN + "/osv/go-vulndb.osv.jsonl")))
    py_ids = set(jsonl_ids(t.corpus(VULN + "/osv/pypi-pypa.osv.jsonl")))
    have = {r[0] for r in db_rows(db, "SELECT vid FROM vulns WHERE source = 'osv'")}
    assert go_ids <= have, sorted(go_ids - have)[:5]
    assert py_ids <= have, sorted(py_ids - have)[:5]
    # package entries of each ecosystem, looked up the way the reader does
    for eco, name in [("Go", "github.com/gin-gonic/gin"), ("PyPI", "jinja2"), ("alpine:3.11", "musl")]:
        n = db_rows(db, "SELECT count(*) FROM affected a JOIN names n ON n.id = a.name"
                        " WHERE a.ecosystem = ? AND n.name = ?", (eco, name))[0][0]
        assert n > 0, (eco, name)
    # the indexes were built, and the temp file is gone
    idx = {r[0] for r in db_rows(db, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"affected_pkg", "names_name", "vulns_vid", "aliases_alias"} <= idx, idx
    assert [f for f in os.listdir(t.tmp) if ".tmp-" in f] == []
    info = t.run_json("db", "info", "--db", db)
    assert info["schema_version"] == 1
    assert info["counts"]["vulns"] == db_rows(db, "SELECT count(*) FROM vulns")[0][0]
    assert info["counts"]["vulns"] >= len(go_ids) + len(py_ids)
    assert info["size"] == os.path.getsize(db)
    assert info["open_ms"] < 50, info["open_ms"]
    assert 0 <= info["age_seconds"] < 600
    assert [s["name"] for s in info["sources"]] == [t.corpus(VULN)]
    print(f"     (import of all corpora: {took:.2f}s, {info['size'] / 1e6:.1f} MB, open {info['open_ms']:.2f} ms)")


def test_db_import_files_zip_gz_and_garbage(t):
    go = t.corpus(VULN + "/osv/go-vulndb.osv.jsonl")
    ids = jsonl_ids(go, limit=40)
    # a zip like osv.dev's all.zip: one JSON file per record
    zpath = t.path("all.zip")
    with open(go) as f, zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for i, line in enumerate(f):
            if i >= 40:
                break
            rec = json.loads(line)
            z.writestr(f"{rec['id']}.json", json.dumps(rec, indent=1))
    # a gzip'ed JSONL of PyPI records
    py = t.corpus(VULN + "/osv/pypi-pypa.osv.jsonl")
    gz = t.path("pypi.jsonl.gz")
    with open(py, "rb") as f, gzip.open(gz, "wb") as g:
        g.write(f.read())
    garbage = t.write("junk/garbage.json", "{\"not\": \"a feed\"}\n")
    # a tar.gz holding two Alpine secdb files (and a corrupt gzip beside it)
    tgz = t.path("alpine.tar.gz")
    with tarfile.open(tgz, "w:gz") as tf:
        for rel in ("alpine/secdb-v3.10-main.json", "alpine/secdb-v3.11-community.json"):
            tf.add(t.corpus(VULN + "/" + rel), arcname=os.path.basename(rel))
    badgz = t.write("bad.json.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    db = t.path("v.db")
    p = t.run("db", "import", "--db", db, zpath, gz, garbage, tgz, badgz)
    assert "bad.json.gz" in p.stdout, p.stdout
    ecos = {r[0] for r in db_rows(db, "SELECT DISTINCT ecosystem FROM affected")}
    assert {"alpine:3.10", "alpine:3.11"} <= ecos, ecos
    assert "garbage.json" in p.stdout, p.stdout  # rejected, named
    have = {r[0] for r in db_rows(db, "SELECT vid FROM vulns")}
    assert set(ids) <= have
    assert set(jsonl_ids(py)) <= have
    mtime = os.stat(db).st_mtime_ns
    s = t.run_json("db", "import", "--db", db, "--append", garbage, expect=2)
    assert s["committed"] is False  # nothing usable: DB untouched
    assert os.stat(db).st_mtime_ns == mtime
    # only garbage: exit 2, no DB written
    db2 = t.path("v2.db")
    p = t.run("db", "import", "--db", db2, garbage, expect=2)
    assert "nothing usable" in p.stderr, p.stderr
    assert "garbage.json" in p.stdout
    assert not os.path.exists(db2)
    # a missing input fails the import (the rest is not committed)
    p = t.run("db", "import", "--db", db2, zpath, t.path("nope.json"), expect=2)
    assert "nope.json" in p.stdout + p.stderr
    assert not os.path.exists(db2)
    t.run("db", "import", "--db", db2, "--allow-partial", zpath, t.path("nope.json"))
    assert len(db_rows(db2, "SELECT vid FROM vulns")) == len(ids)


def test_db_import_append_and_hint(t):
    db = t.path("v.db")
    t.run("db", "import", "--db", db, t.corpus(VULN + "/alpine/secdb-v3.11-main.json"))
    n1 = db_rows(db, "SELECT count(*) FROM affected")[0][0]
    t.run("db", "import", "--db", db, "--append", "--format-hint", "debian-dsa",
          t.corpus(VULN + "/debian/security-tracker-2023-04/DSA-list"))
    ecos = {r[0] for r in db_rows(db, "SELECT DISTINCT ecosystem FROM affected")}
    assert "alpine:3.11" in ecos and "debian:11" in ecos, ecos
    assert db_rows(db, "SELECT count(*) FROM affected WHERE ecosystem = 'alpine:3.11'")[0][0] == n1
    assert len(db_rows(db, "SELECT name FROM sources")) == 2
    # without --append the DB is rebuilt from the inputs only
    t.run("db", "import", "--db", db, t.corpus(VULN + "/debian/security-tracker-2023-04/DSA-list"))
    assert db_rows(db, "SELECT count(*) FROM affected WHERE ecosystem = 'alpine:3.11'")[0][0] == 0
    p = t.run("db", "import", "--db", db, "--format-hint", "no-such-feed", "x", expect=2)
    assert "unknown feed" in p.stderr


# --------------------------------------------------------------------------
# update


def test_db_update_local_server_and_304(t):
    srv = start_server(t)
    cfg = sources_yaml(t, srv)
    db = t.path("v.db")
    s = t.run_json("db", "update", "--db", db, "--config", cfg, "--insecure")
    assert s["committed"] is True
    names = [i["name"] for i in s["inputs"]]
    assert names == ["go", "alpine-v3.11-main", "debian-dsa"], names
    assert all(i["downloaded"] and not i["not_modified"] for i in s["inputs"])
    assert all(i["vulns"] + i["affected"] > 0 for i in s["inputs"])
    info = t.run_json("db", "info", "--db", db)
    src = {x["name"]: x for x in info["sources"]}
    assert set(src) == {"go", "alpine-v3.11-main", "debian-dsa"}
    assert src["go"]["etag"].startswith('"') and src["go"]["url"] == srv.url("osv/go-vulndb.osv.jsonl")
    assert src["go"]["last_modified"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    go_ids = set(jsonl_ids(t.corpus(VULN + "/osv/go-vulndb.osv.jsonl")))
    have = {r[0] for r in db_rows(db, "SELECT vid FROM vulns")}
    assert go_ids <= have
    first = info["counts"]
    # second run: conditional requests, 304s, the cached bodies reused
    srv.requests.clear()
    s = t.run_json("db", "update", "--db", db, "--config", cfg, "--insecure")
    assert all(i["not_modified"] for i in s["inputs"]), s["inputs"]
    assert all(r[1] and r[1].startswith('"') for r in srv.requests), srv.requests
    assert all(r[2] == "Mon, 01 Jan 2024 00:00:00 GMT" for r in srv.requests)
    assert t.run_json("db", "info", "--db", db)["counts"] == first
    # --no-cache: unconditional
    srv.requests.clear()
    s = t.run_json("db", "update", "--db", db, "--config", cfg, "--insecure", "--no-cache")
    assert not any(i["not_modified"] for i in s["inputs"])
    assert all(r[1] is None for r in srv.requests)
    # plain http without --insecure is refused, nothing changes
    p = t.run("db", "update", "--db", db, "--config", cfg, "--retries", "0", expect=2)
    assert "--insecure" in p.stdout + p.stderr


def test_db_update_failure_keeps_old(t):
    srv = start_server(t)
    db = t.path("v.db")
    t.run("db", "update", "--db", db, "--config", sources_yaml(t, srv), "--insecure")
    st = os.stat(db)
    with open(db, "rb") as f:
        before = hashlib.sha256(f.read()).hexdigest()
    for bad in (srv.url("fail500"), srv.url("garbage.json"), srv.url("missing.json"),
                "http://127.0.0.1:1/refused"):
        cfg = sources_yaml(t, srv, extra=[("bad", bad)])
        p = t.run("db", "update", "--db", db, "--config", cfg, "--insecure", "--retries", "0",
                  expect=2)
        assert "not changed" in p.stdout + p.stderr, p.stdout + p.stderr
        assert "bad" in p.stdout
        st2 = os.stat(db)
        assert (st2.st_ino, st2.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), bad
        with open(db, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == before
        assert [f for f in os.listdir(t.tmp) if ".tmp-" in f] == []
    # 500s are retried with backoff before giving up
    srv.requests.clear()
    cfg = sources_yaml(t, srv, extra=[("bad", srv.url("fail500"))])
    t.run("db", "update", "--db", db, "--config", cfg, "--insecure", "--retries", "2", expect=2)
    assert sum(1 for r in srv.requests if r[0] == "/fail500") == 3
    # --allow-partial: committed without the failing source, which is reported
    s = t.run_json("db", "update", "--db", db, "--config", cfg, "--insecure", "--retries", "0",
                   "--allow-partial")
    assert s["committed"] is True
    bad = [i for i in s["inputs"] if i["name"] == "bad"][0]
    assert "500" in bad["error"], bad
    info = t.run_json("db", "info", "--db", db)
    assert "bad" not in {x["name"] for x in info["sources"]}
    # --source NAME=URL overrides a configured URL
    s = t.run_json("db", "update", "--db", db, "--config", cfg, "--insecure", "--retries", "0",
                   "--source", "bad=" + srv.url("alpine/secdb-v3.10-main.json"))
    assert s["committed"] is True


def test_db_bad_config(t):
    db = t.path("v.db")
    for text, want in [("sources: [1, 2]\n", "sources[0]"),
                       ("sources:\n  - name: x y\n    url: https://e/x\n", "'name'"),
                       ("sources:\n  - name: x\n    url: ftp://e/x\n", "'url'"),
                       ("sources:\n  - name: x\n    url: https://e/x\n    format: nope\n", "format"),
                       ("colour: blue\n", "unknown key"),
                       ("sources:\n  - name: x\n    enabled: true\n", "no 'url'"),
                       ("sources: [\n", "sources.yaml")]:
        cfg = t.write("sources.yaml", text)
        p = t.run("db", "update", "--db", db, "--config", cfg, expect=2)
        assert want in p.stderr and "sources.yaml" in p.stderr, (text, p.stderr)
    p = t.run("db", "update", "--db", db, "--config", t.path("nope.yaml"), expect=2)
    assert "nope.yaml" in p.stderr
    # the default list, as --list-sources shows it
    p = t.run("db", "update", "--db", db, "--list-sources")
    assert "osv-PyPI" in p.stdout and "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip" in p.stdout
    assert "kev" in p.stdout and "debian-dsa" in p.stdout
    assert not os.path.exists(db)


# --------------------------------------------------------------------------
# readers, versions, missing DB


def test_db_concurrent_readers_during_update(t):
    db = t.path("v.db")
    src = t.corpus(VULN + "/osv/pypi-pypa.osv.jsonl")
    t.run("db", "import", "--db", db, src)
    # two reader processes open and query the DB in a loop while a third
    # process rebuilds and swaps it three times: no reader may ever fail
    script = ("i=0; while [ $i -lt 150 ]; do \"$0\" db info --db \"$1\" --format json >/dev/null"
              " || exit 1; i=$((i+1)); done")
    readers = [subprocess.Popen(["sh", "-c", script, t.mamori, db], env=t.env) for _ in range(2)]
    for _ in range(3):
        t.run("db", "import", "--db", db, src, t.corpus(VULN + "/alpine"))
    for r in readers:
        assert r.wait(timeout=300) == 0, "a reader failed while the DB was being replaced"


def test_db_schema_mismatch_and_missing(t):
    db = t.path("v.db")
    p = t.run("db", "info", "--db", db, expect=2)
    assert "mamori db update" in p.stderr and "mamori db import" in p.stderr
    t.run("db", "import", "--db", db, t.corpus(VULN + "/alpine/secdb-v3.11-main.json"))
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    p = t.run("db", "info", "--db", db, expect=2)
    assert "schema version 0" in p.stderr and "mamori db update" in p.stderr, p.stderr
    # a rebuild fixes it
    t.run("db", "import", "--db", db, t.corpus(VULN + "/alpine/secdb-v3.11-main.json"))
    t.run("db", "info", "--db", db)
    # the default location is under XDG_DATA_HOME
    t.run("db", "import", t.corpus(VULN + "/alpine/secdb-v3.11-main.json"))
    assert os.path.exists(os.path.join(t.env["XDG_DATA_HOME"], "mamori", "vuln.db"))
    assert "mamori/vuln.db" in t.run("db", "info").stdout
