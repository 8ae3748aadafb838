"""Integration tests: `mamori image` against a real registry on loopback.

Starts Debian's docker-registry (distribution 2.8) with a config written
here, pushes OCI layouts built by the test (and a copy of the corpora's
trivy-test.oci) with skopeo, then pulls them with mamori. Bearer auth uses a
token server in this process that signs RS256 JWTs with a throw-away key
the registry trusts (openssl does the crypto)."""
import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import urllib.error
import urllib.request

import harness
from harness import Skip

# --------------------------------------------------------------------------
# helpers


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def need_tools():
    harness.need("docker-registry", "skopeo")


def start_registry(t, name="reg", auth=None):
    """Start docker-registry; auth: None, ("htpasswd", path) or ("token", dict).
    Returns (host:port, storage dir)."""
    need_tools()
    port = free_port()
    storage = t.path(name, "storage")
    os.makedirs(storage, exist_ok=True)
    cfg = ["version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true",
           "storage:", "  filesystem:", f"    rootdirectory: {storage}",
           "  delete:", "    enabled: true",
           "http:", f"  addr: 127.0.0.1:{port}"]
    if auth and auth[0] == "htpasswd":
        cfg += ["auth:", "  htpasswd:", "    realm: mamori-test", f"    path: {auth[1]}"]
    elif auth and auth[0] == "token":
        a = auth[1]
        cfg += ["auth:", "  token:", f"    realm: {a['realm']}", f"    service: {a['service']}",
                f"    issuer: {a['issuer']}", f"    rootcertbundle: {a['cert']}"]
    cfg_path = t.write(f"{name}/config.yml", "\n".join(cfg) + "\n")
    log = open(t.path(name, "registry.log"), "w")
    p = subprocess.Popen(["docker-registry", "serve", cfg_path], stdout=log, stderr=log)

    def stop():
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
        log.close()
    t.on_cleanup(stop)
    deadline = time.time() + 20
    while time.time() < deadline:
        if p.poll() is not None:
            raise AssertionError("docker-registry exited: " + open(t.path(name, "registry.log")).read())
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2)
            break
        except urllib.error.HTTPError:
            break  # 401: up, with auth
        except OSError:
            time.sleep(0.1)
    else:
        raise AssertionError("docker-registry did not start")
    return f"127.0.0.1:{port}", storage


def _sha(b):
    return hashlib.sha256(b).hexdigest()


def _tar_gz(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        dirs = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o755
                    ti.mtime = 1700000000
                    tf.addfile(ti)
            data = files[path].encode() if isinstance(files[path], str) else files[path]
            ti = tarfile.TarInfo(path)
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 1700000000
            tf.addfile(ti, io.BytesIO(data))
    tar = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
        g.write(tar)
    return tar, gz.getvalue()


def _put_blob(layout, data):
    d = _sha(data)
    with open(os.path.join(layout, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def apk_image(pkgs, arch="x86_64"):
    """Files of a tiny alpine-like root: os-release + apk installed db."""
    db = "".join(f"C:Q1{'A' * 27}=\nP:{n}\nV:{v}\nA:{arch}\nS:100\nI:200\nT:test\n"
                 f"U:https://example.org\nL:MIT\no:{n}\nm:test\nt:1700000000\n\n"
                 for n, v in pkgs)
    return {"etc/os-release": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n',
            "lib/apk/db/installed": db}


def add_image(layout, files, os_="linux", arch="amd64", variant=None):
    """Write config, one layer and a manifest; return the manifest descriptor."""
    tar, gz = _tar_gz(files)
    layer = _put_blob(layout, gz)
    cfg = {"architecture": arch, "os": os_, "created": "2024-01-01T00:00:00Z",
           "config": {"Env": ["PATH=/usr/bin:/bin"]},
           "rootfs": {"type": "layers", "diff_ids": ["sha256:" + _sha(tar)]},
           "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "test"}]}
    if variant:
        cfg["variant"] = variant
    cfgb = json.dumps(cfg).encode()
    cfgd = _put_blob(layout, cfgb)
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfgd,
                      "size": len(cfgb)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer,
                       "size": len(gz)}]}
    manb = json.dumps(man).encode()
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": _put_blob(layout, manb), "size": len(manb)}
    plat = {"os": os_, "architecture": arch}
    if variant:
        plat["variant"] = variant
    desc["platform"] = plat
    return desc, layer


def new_layout(t, name):
    layout = t.path(name)
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    return layout


def write_index(layout, descs, tag):
    for d in descs:
        d.setdefault("annotations", {})["org.opencontainers.image.ref.name"] = tag
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": descs}, f)


def single_layout(t, name, pkgs, tag="1"):
    layout = new_layout(t, name)
    desc, layer = add_image(layout, apk_image(pkgs))
    del desc["platform"]
    write_index(layout, [desc], tag)
    return layout, desc["digest"], layer


def multi_layout(t, name, tag="multi"):
    """An index (amd64 + arm64/v8 + an attestation-like unknown/unknown)."""
    layout = new_layout(t, name)
    amd, _ = add_image(layout, apk_image([("amdpkg", "1.0-r0")]), arch="amd64")
    arm, _ = add_image(layout, apk_image([("armpkg", "2.0-r0")], arch="aarch64"), arch="arm64",
                       variant="v8")
    idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [arm, amd]}
    idxb = json.dumps(idx).encode()
    d = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": _put_blob(layout, idxb),
         "size": len(idxb)}
    write_index(layout, [d], tag)
    return layout, d["digest"], amd["digest"], arm["digest"]


def push(t, src, dest, all_=False, creds=None):
    cmd = ["skopeo", "copy", "-q", "--dest-tls-verify=false", "--preserve-digests"]
    if all_:
        cmd.append("--all")
    if creds:
        cmd += ["--dest-creds", creds]
    cmd += [src, "docker://" + dest]
    env = dict(os.environ, XDG_RUNTIME_DIR=t.path("skopeo-run"), HOME=t.path("skopeo-home"))
    os.makedirs(env["XDG_RUNTIME_DIR"], exist_ok=True)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: {p.stderr}")


def pkgs(report):
    return sorted(f"{n}@{v}" for n, v in harness.packages(report))


def scan(t, ref, *args, expect=0, env=None):
    return t.run_json("image", "--insecure", ref, *args, expect=expect, env=env)


def fail(t, ref, *args, env=None):
    p = t.run("image", "--insecure", ref, "--format", "json", *args, expect=2, env=env)
    if p.stdout.strip():
        raise AssertionError(f"partial output on failure: {p.stdout[:500]}")
    return p.stderr


def blob_files(t):
    d = os.path.join(t.tmp, "cache", "mamori", "blobs", "sha256")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


# --------------------------------------------------------------------------
# tests


def test_pull_by_tag(t):
    reg, _ = start_registry(t)
    layout, mdig, layer = single_layout(t, "img", [("musl", "1.2.4-r2"), ("busybox", "1.36.1-r15")])
    push(t, f"oci:{layout}:1", f"{reg}/team/app:1.0")
    r = scan(t, f"{reg}/team/app:1.0")
    assert pkgs(r) == ["busybox@1.36.1-r15", "musl@1.2.4-r2"], pkgs(r)
    img = r["artifact"]["image"]
    assert img["manifestDigest"] == mdig, img
    assert [x["digest"] for x in img["layers"]] == [layer]
    # blobs are cached, verified, no temporary files left behind
    files = blob_files(t)
    assert layer[7:] in files and not [f for f in files if ".tmp" in f], files
    # second run reuses the cache and gives the same answer
    r2 = scan(t, f"{reg}/team/app:1.0")
    assert pkgs(r2) == pkgs(r)
    # an unknown tag is a clear error
    err = fail(t, f"{reg}/team/app:nope")
    assert "manifest unknown" in err and "team/app:nope" in err, err


def test_pull_by_digest(t):
    reg, _ = start_registry(t)
    layout, mdig, _ = single_layout(t, "img", [("zlib", "1.3.1-r0")])
    push(t, f"oci:{layout}:1", f"{reg}/x:tag")
    r = scan(t, f"{reg}/x@{mdig}", "--no-cache")
    assert pkgs(r) == ["zlib@1.3.1-r0"]
    assert r["artifact"]["image"]["manifestDigest"] == mdig
    assert blob_files(t) == []  # --no-cache: nothing written to the cache
    other = "sha256:" + "0" * 64
    err = fail(t, f"{reg}/x@{other}")
    assert "manifest unknown" in err, err


def test_real_oci_layout(t):
    """The corpora's trivy-test.oci, pushed unchanged: digests must survive."""
    reg, _ = start_registry(t)
    src = t.path("trivy-test.oci")
    shutil.copytree(t.corpus("image/images/trivy-test.oci"), src)
    push(t, f"oci:{src}", f"{reg}/trivy/test:latest")
    r = scan(t, f"{reg}/trivy/test")  # default tag: latest
    img = r["artifact"]["image"]
    assert img["manifestDigest"] == \
        "sha256:afb744871f99e0ff8e6f253244836ed34c5d805fdb096d3a205ffaf5e9073cab", img
    assert img["id"] == "sha256:b23a8f6569ae9ae331226205fa72f480ce5310707d0bc97e611f83fbbbde4604"
    assert [x["digest"] for x in img["layers"]] == \
        ["sha256:cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c"]


def test_multi_arch_index(t):
    reg, _ = start_registry(t)
    layout, idig, amd, arm = multi_layout(t, "multi")
    push(t, f"oci:{layout}:multi", f"{reg}/multi:1", all_=True)
    r = scan(t, f"{reg}/multi:1", "--platform", "linux/amd64")
    assert pkgs(r) == ["amdpkg@1.0-r0"], pkgs(r)
    assert r["artifact"]["image"]["manifestDigest"] == amd
    for plat in ("linux/arm64", "linux/aarch64", "linux/arm64/v8"):
        r = scan(t, f"{reg}/multi:1", "--platform", plat)
        assert pkgs(r) == ["armpkg@2.0-r0"], (plat, pkgs(r))
        assert r["artifact"]["image"]["manifestDigest"] == arm
    # by the index digest, default platform (the host's)
    import platform as pf
    if pf.machine() in ("x86_64", "AMD64"):
        r = scan(t, f"{reg}/multi@{idig}")
        assert pkgs(r) == ["amdpkg@1.0-r0"]
    err = fail(t, f"{reg}/multi:1", "--platform", "linux/s390x")
    assert "no image for platform linux/s390x" in err and "linux/arm64/v8" in err, err


def _htpasswd(t, user, pw):
    if not shutil.which("htpasswd"):
        raise Skip("htpasswd (apache2-utils) not installed")
    p = subprocess.run(["htpasswd", "-Bbn", user, pw], capture_output=True, text=True, check=True)
    return t.write("htpasswd", p.stdout)


def test_basic_auth(t):
    reg, _ = start_registry(t, auth=("htpasswd", _htpasswd(t, "alice", "s3cret!")))
    layout, mdig, _ = single_layout(t, "img", [("musl", "1.2.4-r2")])
    push(t, f"oci:{layout}:1", f"{reg}/private/app:1", creds="alice:s3cret!")
    ref = f"{reg}/private/app:1"
    empty_home = {"HOME": t.path("home"), "XDG_RUNTIME_DIR": t.path("run"),
                  "REGISTRY_AUTH_FILE": "", "DOCKER_CONFIG": ""}
    err = fail(t, ref, env=empty_home)
    assert "authentication required" in err and "no credentials" in err, err
    r = scan(t, ref, "--username", "alice", "--password", "s3cret!", env=empty_home)
    assert pkgs(r) == ["musl@1.2.4-r2"]
    err = fail(t, ref, "--username", "alice", "--password", "wrong", env=empty_home)
    assert "rejected" in err and "wrong" not in err, err
    # containers auth.json in $XDG_RUNTIME_DIR, keyed by host:port
    auth = base64.b64encode(b"alice:s3cret!").decode()
    t.write("run/containers/auth.json", json.dumps({"auths": {reg: {"auth": auth}}}))
    r = scan(t, ref, env=empty_home)
    assert pkgs(r) == ["musl@1.2.4-r2"]
    # docker config.json (with a scheme in the key), given explicitly
    cfg = t.write("docker/config.json", json.dumps({"auths": {f"http://{reg}": {"auth": auth}}}))
    r = scan(t, ref, "--docker-config", cfg, env=dict(empty_home, XDG_RUNTIME_DIR=t.path("none")))
    assert pkgs(r) == ["musl@1.2.4-r2"]


def test_corrupt_blob(t):
    reg, storage = start_registry(t)
    layout, mdig, layer = single_layout(t, "img", [("musl", "1.2.4-r2")])
    push(t, f"oci:{layout}:1", f"{reg}/c:1")
    hexd = layer[7:]
    data = os.path.join(storage, "docker", "registry", "v2", "blobs", "sha256", hexd[:2], hexd, "data")
    with open(data, "r+b") as f:
        b = bytearray(f.read())
        b[len(b) // 2] ^= 0xFF
        f.seek(0)
        f.write(b)
    err = fail(t, f"{reg}/c:1")
    assert "digest mismatch" in err and layer in err, err
    assert not [f for f in blob_files(t) if hexd in f], blob_files(t)


def test_registry_not_listening(t):
    port = free_port()
    err = fail(t, f"127.0.0.1:{port}/nothing:1")
    assert f"127.0.0.1:{port}" in err, err


def test_https_required_without_insecure(t):
    reg, _ = start_registry(t)
    p = t.run("image", f"{reg}/x:1", "--format", "json", expect=2)
    assert p.stdout.strip() == "" and reg in p.stderr, p.stderr


# ---- bearer token auth -----------------------------------------------------


def _b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class _TokenServer:
    def __init__(self, t):
        harness.need("openssl")
        self.key = t.path("token.key")
        self.cert = t.path("token.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        self.key, "-out", self.cert, "-days", "2", "-subj", "/CN=mamori-token"],
                       check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.requests = []
        self.users = {"bob": "hunter2"}
        srv = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                from urllib.parse import parse_qs, urlparse
                q = parse_qs(urlparse(self.path).query)
                user = None
                a = self.headers.get("Authorization", "")
                if a.startswith("Basic "):
                    u, _, p = base64.b64decode(a[6:]).decode().partition(":")
                    if srv.users.get(u) != p:
                        self.send_response(401)
                        self.end_headers()
                        return
                    user = u
                srv.requests.append((q, user))
                access = []
                for sc in q.get("scope", []):
                    typ, name, actions = sc.split(":")
                    access.append({"type": typ, "name": name,
                                   "actions": actions.split(",") if user else []})
                tok = srv.sign({"iss": "mamori-test-issuer", "sub": user or "",
                                "aud": q.get("service", [""])[0], "exp": int(time.time()) + 600,
                                "nbf": int(time.time()) - 10, "iat": int(time.time()),
                                "jti": os.urandom(8).hex(), "access": access})
                body = json.dumps({"token": tok}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        t.on_cleanup(self.httpd.shutdown)
        self.t = t

    def sign(self, claims):
        hdr = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        msg = (_b64u(json.dumps(hdr).encode()) + "." + _b64u(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=msg,
                             check=True, capture_output=True).stdout
        return msg.decode() + "." + _b64u(sig)


def test_bearer_token_auth(t):
    ts = _TokenServer(t)
    reg, _ = start_registry(t, auth=("token", {
        "realm": f"http://127.0.0.1:{ts.port}/token", "service": "mamori-registry",
        "issuer": "mamori-test-issuer", "cert": ts.cert}))
    layout, mdig, _ = single_layout(t, "img", [("musl", "1.2.4-r2")])
    push(t, f"oci:{layout}:1", f"{reg}/tok/app:1", creds="bob:hunter2")
    env = {"HOME": t.path("home"), "XDG_RUNTIME_DIR": t.path("run"), "REGISTRY_AUTH_FILE": ""}
    ts.requests.clear()
    # anonymous token: no pull rights -> clear error
    err = fail(t, f"{reg}/tok/app:1", env=env)
    assert "authentication" in err, err
    assert ts.requests and ts.requests[0][1] is None
    q = ts.requests[0][0]
    assert q["service"] == ["mamori-registry"] and q["scope"] == ["repository:tok/app:pull"], q
    ts.requests.clear()
    r = scan(t, f"{reg}/tok/app:1", "--username", "bob", "--password", "hunter2", env=env)
    assert pkgs(r) == ["musl@1.2.4-r2"]
    assert ts.requests and all(u == "bob" for _, u in ts.requests), ts.requests
    err = fail(t, f"{reg}/tok/app:1", "--username", "bob", "--password", "nope", env=env)
    assert "refused the credentials" in err and "nope" not in err, err


def test_corrupt_manifest(t):
    """Registry storage altered under a manifest: the bytes no longer match
    the digest the registry announces (pull by tag) or the one requested."""
    reg, storage = start_registry(t)
    layout, mdig, _ = single_layout(t, "img", [("musl", "1.2.4-r2")])
    push(t, f"oci:{layout}:1", f"{reg}/m:1")
    hexd = mdig[7:]
    data = os.path.join(storage, "docker", "registry", "v2", "blobs", "sha256", hexd[:2], hexd, "data")
    with open(data, "rb") as f:
        b = f.read()
    i = b.index(b'"size":') + len(b'"size":')
    while not b[i:i + 1].isdigit():
        i += 1
    b = b[:i] + (b"1" if b[i:i + 1] != b"1" else b"2") + b[i + 1:]  # still valid JSON
    with open(data, "wb") as f:
        f.write(b)
    for ref in (f"{reg}/m:1", f"{reg}/m@{mdig}"):
        err = fail(t, ref)
        assert "manifest digest mismatch" in err, (ref, err)
