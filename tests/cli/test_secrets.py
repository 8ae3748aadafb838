"""Secret scanning end to end: gitleaks' fixtures (nogit tree, archives dir)
with gitleaks' own configs, the built-in rules, redaction, --show-secrets,
inline allow comments, baselines, gating-free defaults, an image whose
secret a later layer deletes, the image config, and `mamori secret rules`."""
import hashlib
import io
import json
import os
import tarfile

import harness

AWS = "AKIALALEMEL33243OLIA"  # gitleaks' fixture value (fake)
GHP = "ghp_Zq8fT3mLx7Rv2Kp9Nw4YbH6cJd1sVg5eUa0W"  # made up


def secrets(rep):
    out = []
    for r in rep.get("results", []):
        for f in r.get("findings", []):
            if f.get("kind") == "secret":
                out.append(f)
    return out


def key(f):
    loc = f["location"]
    return (loc["file"], loc.get("startLine"), f["ruleId"])


def test_nogit_with_gitleaks_simple_config(t):
    g = t.corpus("secrets/gitleaks/testdata")
    rep = t.run_json("fs", "--scanners", "secret", "--secret-config",
                     g + "/config/simple.toml", g + "/repos/nogit")
    got = sorted(key(f) for f in secrets(rep))
    # gitleaks' simple.toml: one AWS key at line 20 of each Go file
    assert got == [("api.go", 20, "aws-access-key"), ("main.go", 20, "aws-access-key")], got


def test_nogit_builtin_rules(t):
    g = t.corpus("secrets/gitleaks/testdata")
    rep = t.run_json("fs", "--scanners", "secret", g + "/repos/nogit")
    got = sorted(key(f) for f in secrets(rep))
    assert got == [(".env.prod", 4, "generic-api-key"), ("api.go", 20, "aws-access-token"),
                   ("main.go", 20, "aws-access-token")], got
    for f in secrets(rep):
        assert f["evidence"].endswith("\u2026") and len(f["evidence"]) == 5, f
        assert AWS not in json.dumps(rep)
        assert len(f["fingerprint"]) == 64
    aws = [f for f in secrets(rep) if f["ruleId"] == "aws-access-token"]
    assert all(f["severity"] == "HIGH" for f in aws)


def test_archives_config_allowlist(t):
    # gitleaks' archives.toml: the password rule fires only on .env.prod,
    # then the global [[allowlists]] path allows it
    g = t.corpus("secrets/gitleaks/testdata")
    rep = t.run_json("fs", "--scanners", "secret", "--secret-config",
                     g + "/config/archives.toml", g + "/repos/nogit")
    got = sorted(key(f) for f in secrets(rep))
    assert got == [("api.go", 20, "aws-access-key"), ("main.go", 20, "aws-access-key")], got
    rep = t.run_json("fs", "--scanners", "secret", "--secret-config",
                     g + "/config/archives.toml", g + "/archives/files")
    got = sorted(key(f) for f in secrets(rep))
    assert ("api.go", 20, "aws-access-key") in got and ("main.go", 20, "aws-access-key") in got


def test_show_secrets_inline_allow_and_baseline(t):
    t.write("src/a.py", f'token = "{GHP}"\nother = "{GHP}"  # mamori:allow-secret\n')
    t.write("src/b.py", f'x = "{GHP}"  # gitleaks:allow\n')
    rep = t.run_json("fs", "--scanners", "secret", "--show-secrets", t.path("src"))
    s = secrets(rep)
    assert [key(f) for f in s] == [("a.py", 1, "github-pat")], [key(f) for f in s]
    assert s[0]["evidence"] == GHP
    fp = s[0]["fingerprint"]
    t.write("baseline.txt", "# accepted\n" + fp + "\n")
    rep = t.run_json("fs", "--scanners", "secret", "--secret-baseline", t.path("baseline.txt"),
                     t.path("src"))
    s = secrets(rep)
    assert len(s) == 1 and s[0].get("suppressed") is True, s
    t.write("bad.txt", "not-a-fingerprint\n")
    p = t.run("fs", "--scanners", "secret", "--secret-baseline", t.path("bad.txt"), t.path("src"),
              expect=2)
    assert "bad.txt:1" in p.stderr, p.stderr


def test_binary_and_oversized_skipped(t):
    t.write("d/bin.dat", b"\0\0\0" + f'token = "{GHP}"'.encode())
    t.write("d/big.txt", "x" * (17 << 20) + f'\ntoken = "{GHP}"\n')
    t.write("d/ok.txt", f'token = "{GHP}"\n')
    rep = t.run_json("fs", "--scanners", "secret", t.path("d"))
    assert sorted(key(f) for f in secrets(rep)) == [("ok.txt", 1, "github-pat")]


def test_scanners_none_and_secret_off(t):
    t.write("e/ok.txt", f'token = "{GHP}"\n')
    assert secrets(t.run_json("fs", "--scanners", "vuln", t.path("e"))) == []
    assert len(secrets(t.run_json("fs", t.path("e")))) == 1  # default: all scanners


def test_bad_config_exit_2(t):
    t.write("bad.toml", "[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\n")
    p = t.run("fs", "--secret-config", t.path("bad.toml"), t.path("."), expect=2)
    assert "bad.toml" in p.stderr and "rule 'x'" in p.stderr, p.stderr
    p = t.run("secret", "rules", "--check", "--secret-config", t.path("bad.toml"), expect=2)


def test_secret_rules_check(t):
    p = t.run("secret", "rules", "--check")
    assert "without a prefilter: config ok" in p.stdout
    t.write("keep-out.toml", "[[rules]]\nid = \"lb\"\nregex = '''key=\\K[a-z]{8}'''\n")
    p = t.run("secret", "rules", "--check", "--secret-config", t.path("keep-out.toml"))
    assert p.stdout.startswith("lb\tpcre2 only"), p.stdout
    p = t.run("secret", "rules")
    assert len(p.stdout.splitlines()) >= 222


def _layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def _image(t, path):
    l1 = _layer({"etc/os-release": b"ID=alpine\nVERSION_ID=3.19.0\n",
                 "app/.env": f"GITHUB_TOKEN={GHP}\n".encode()})
    l2 = _layer({"app/.wh..env": b""})
    diff = ["sha256:" + hashlib.sha256(x).hexdigest() for x in (l1, l2)]
    cfg = {
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin", "DB_URL=postgres://app:Qv7rX2mLp9@db.internal/app"],
                   "Labels": {"ci.token": GHP}},
        "rootfs": {"type": "layers", "diff_ids": diff},
        "history": [{"created_by": "ADD app /app"},
                    {"created_by": "RUN curl -u deploy:Qv7rX2mLp9 https://x.invalid/ | sh"}],
    }
    cfgb = json.dumps(cfg).encode()
    man = [{"Config": "config.json", "RepoTags": ["secret-test:1"], "Layers": ["l1.tar", "l2.tar"]}]
    with tarfile.open(path, "w") as tf:
        for name, data in (("config.json", cfgb), ("l1.tar", l1), ("l2.tar", l2),
                           ("manifest.json", json.dumps(man).encode())):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return diff


def test_image_deleted_file_and_config(t):
    path = t.path("img.tar")
    diff = _image(t, path)
    rep = t.run_json("image", "--scanners", "secret", "--no-cache", path)
    s = secrets(rep)
    files = [f for f in s if f["location"]["file"] == "app/.env"]
    assert len(files) == 1, s
    assert files[0]["location"].get("layer") == diff[0], files[0]
    cfg = sorted(f["ruleId"] for f in s if f["location"]["file"] == "image config")
    assert "connection-string-password" in cfg and "github-pat" in cfg and "curl-auth-user" in cfg, cfg
