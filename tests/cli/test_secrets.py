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


def test_many_files_worker_pool(t):
    # thousands of files over nested directories: the walker hands them to
    # worker threads; every secret must be found exactly once, each file's
    # findings in line order, warnings kept, and two runs give one report
    want = []
    for i in range(3000):
        d = "d%02d/e%d" % (i % 37, i % 5)
        if i % 7 == 3:
            body = "x = 1\n" * (i % 11) + f'token = "{GHP}"\n' + "y\n" + f'other = "{GHP}"\n'
            n = i % 11
            want += [(f"{d}/f{i}.py", n + 1, "github-pat"), (f"{d}/f{i}.py", n + 3, "github-pat")]
        else:
            body = "plain text %d\n" % i
        t.write(f"many/{d}/f{i}.py", body)
    # a manifest both the package analyzers and the secret scanner read
    t.write("many/package.json", '{"name": "m", "version": "1.0.0",\n'
            f' "config": {{"token": "{GHP}"}}}}\n')
    want.append(("package.json", 2, "github-pat"))
    args = ("fs", "--scanners", "secret,malware", "--no-cache", t.path("many"))
    rep = t.run_json(*args)
    got = [key(f) for f in secrets(rep)]
    assert sorted(got) == sorted(want), (len(got), len(want))
    for r in rep["results"]:
        lines = [f["location"]["startLine"] for f in r.get("findings", [])]
        assert lines == sorted(lines), r["target"]
    rep2 = t.run_json(*args)
    for x in (rep, rep2):
        x.pop("createdAt", None)
    assert rep == rep2


def test_rule_starting_with_keyword(t):
    # a regex that begins with its keywords is tried only where a keyword
    # starts (anchored): every match must still be found, two on one line,
    # upper case, inside a word, one keyword right after another
    t.write("kw.toml", """
[[rules]]
id = "foo-token"
description = "foo token"
regex = '''(?i)(?:foo|bar)[ \\t]*[=:][ \\t]*([a-z0-9]{8})\\b'''
keywords = ["foo", "bar"]
""")
    t.write("kw/a.txt", "a foo=abcd1234 bar: wxyz9876\nBAR=zzzz1111\nfoo\n=notmatch\n"
            "xfoo=1234abcd foo=short\nfoofoo=aaaa2222\n")
    rep = t.run_json("fs", "--scanners", "secret", "--show-secrets", "--secret-config",
                     t.path("kw.toml"), t.path("kw"))
    got = [(f["location"]["startLine"], f["location"]["column"], f["evidence"])
           for f in secrets(rep)]
    assert got == [(1, 7, "abcd1234"), (1, 21, "wxyz9876"), (2, 5, "zzzz1111"),
                   (5, 6, "1234abcd"), (6, 8, "aaaa2222")], got


def test_compressed_text_not_taken_for_mtree(t):
    # a gzip'd changelog-shaped text: libarchive's mtree reader takes it for
    # a list of entries with no data (the secret was never scanned, or a
    # "corrupt archive" warning came out); it is one compressed member.
    # An empty .gz (Debian ships 20-byte man pages) gives no warning.
    import gzip
    lines, v = [], 66
    while len(lines) < 140:
        lines += [f"v{v}.1.1", "-------", "", "", "Misc", f"* #{3600 + v}: Minor refactorings.", "",
                  "Documentation changes", "^^^^^^^^^^^^^^^^^^^^^", f"* #{3400 + v}: Version numbers.", ""]
        v -= 1
    text = "\n".join(lines) + f'\ntoken = "{GHP}"\n'
    t.write("gz/changelog.gz", gzip.compress(text.encode(), mtime=0))
    t.write("gz/empty.1.gz", gzip.compress(b"", mtime=0))
    rep = t.run_json("fs", "--scanners", "secret", "--no-cache", t.path("gz"))
    assert [key(f) for f in secrets(rep)] == [("changelog.gz!changelog", len(lines) + 1, "github-pat")], \
        secrets(rep)
    assert not rep.get("warnings"), rep.get("warnings")


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


# ---- git history (mamori secret git): gitleaks' repos and their expected findings ----

import shutil
import subprocess

AUTHOR_ZR = "Zachary Rice <zricer@protonmail.com>"
AUTHOR_ZACH = "Zach Rice <zricer@protonmail.com>"
AUTHOR_RG = "Richard Gomez <rmgomez368@gmail.com>"


def _repo(t, name):
    """A copy of gitleaks' testdata/repos/<name> with dotGit renamed .git."""
    src = t.corpus("secrets/gitleaks/testdata/repos/" + name)
    dst = t.path("repos", name)
    shutil.copytree(src, dst, symlinks=True)
    os.rename(os.path.join(dst, "dotGit"), os.path.join(dst, ".git"))
    for root, dirs, files in os.walk(dst):  # the corpus is read-only
        for n in dirs + files:
            p = os.path.join(root, n)
            if not os.path.islink(p):
                os.chmod(p, 0o755 if os.path.isdir(p) else 0o644)
    return dst


def git_findings(rep):
    """(file, line, column, commit, rule) of every secret finding, sorted."""
    out = []
    for r in rep.get("results", []):
        for f in r.get("findings", []):
            loc = f["location"]
            res = loc.get("resource", "")
            assert res.startswith("commit ") and len(res) == 47, res
            out.append((loc["file"], loc["startLine"], loc.get("column"), res[7:], f["ruleId"]))
    return sorted(out)


def targets(rep):
    return sorted(r["target"] for r in rep.get("results", []))


SIMPLE = "secrets/gitleaks/testdata/config/simple.toml"
SMALL_ALL = [  # gitleaks detect/detect_test.go TestFromGit, repo "small", config "simple"
    ("api/ignoreCommit.go", 20, 15, "53cd7a3c6eb4937f413e3c25e4a9f39289afa69e", "aws-access-key"),
    ("api/ignoreGlobal.go", 20, 15, "53cd7a3c6eb4937f413e3c25e4a9f39289afa69e", "aws-access-key"),
    ("foo/foo.go", 9, 16, "491504d5a31946ce75e22554cc34203d8e5ff3ca", "aws-access-key"),
    ("main.go", 20, 18, "1b6da43b82b22e4eaa10bcf8ee591e91abbfc587", "aws-access-key"),
]


def test_git_small_matches_gitleaks(t):
    repo = _repo(t, "small")
    rep = t.run_json("secret", "git", "--secret-config", t.corpus(SIMPLE), repo)
    assert git_findings(rep) == SMALL_ALL, git_findings(rep)
    # commit, author, email and date are in the result target
    tg = targets(rep)
    assert "main.go @ 1b6da43b82b2 (%s, 2021-11-02T18:37:53-05:00)" % AUTHOR_ZR in tg, tg
    assert "foo/foo.go @ 491504d5a319 (%s, 2021-11-02T18:48:06-05:00)" % AUTHOR_ZACH in tg, tg
    assert "api/ignoreGlobal.go @ 53cd7a3c6eb4 (%s, 2023-04-19T12:12:39-04:00)" % AUTHOR_RG in tg, tg
    assert "AKIALALEMEL33243OLIA" not in json.dumps(rep)
    # the built-in rules find the same four (their AWS rule is aws-access-token)
    rep = t.run_json("secret", "git", repo)
    assert [g[:4] for g in git_findings(rep)] == [g[:4] for g in SMALL_ALL], git_findings(rep)
    assert {g[4] for g in git_findings(rep)} == {"aws-access-token"}


def test_git_small_range_branch_head(t):
    repo = _repo(t, "small")
    cfg = t.corpus(SIMPLE)
    # gitleaks' "--all foo..." case: everything not reachable from the merge
    # base 2e1db47 of main and foo
    rep = t.run_json("secret", "git", "--secret-config", cfg, "--since", "2e1db47", repo)
    assert git_findings(rep) == [SMALL_ALL[0], SMALL_ALL[1], SMALL_ALL[2]], git_findings(rep)
    # branch foo: its secret and the one of main it grew from
    rep = t.run_json("secret", "git", "--secret-config", cfg, "--branch", "foo", repo)
    assert git_findings(rep) == [SMALL_ALL[2], SMALL_ALL[3]], git_findings(rep)
    # HEAD (main) only: not the foo branch
    rep = t.run_json("secret", "git", "--secret-config", cfg, "--head", repo)
    assert git_findings(rep) == [SMALL_ALL[0], SMALL_ALL[1], SMALL_ALL[3]], git_findings(rep)
    # a date: only the 2023 commit
    rep = t.run_json("secret", "git", "--secret-config", cfg, "--since", "2022-01-01", repo)
    assert git_findings(rep) == [SMALL_ALL[0], SMALL_ALL[1]], git_findings(rep)
    # bad input: exit 2 with a message
    p = t.run("secret", "git", "--branch", "nope", repo, expect=2)
    assert "nope" in p.stderr, p.stderr
    p = t.run("secret", "git", "--since", "yesterday-ish", repo, expect=2)
    assert "--since" in p.stderr, p.stderr
    p = t.run("secret", "git", t.path("."), expect=2)
    assert "not a git repository" in p.stderr, p.stderr
    # --exit-code gates on the findings
    t.run("secret", "git", "--secret-config", cfg, "--exit-code", "7", repo, expect=7)


def _git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=T Tester", "-c", "user.email=t@example.invalid",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True,
                   capture_output=True)


def _own_repo(t):
    if not shutil.which("git"):
        raise harness.Skip("git is not installed")
    d = t.path("own")
    os.makedirs(d)
    _git(d, "init", "-q", "-b", "main", ".")
    t.write("own/a.txt", f'token = "{GHP}"\n')
    _git(d, "add", "a.txt")
    _git(d, "commit", "-qm", "one")
    t.write("own/b.txt", "line\n" * 5 + f'tok = "{GHP[:-1]}X"\n')
    _git(d, "add", "b.txt")
    _git(d, "commit", "-qm", "two")
    # a secret moved by a rename is not new; a secret re-added is reported again
    _git(d, "mv", "a.txt", "renamed.txt")
    t.write("own/c.txt", f'again = "{GHP}"\n')
    _git(d, "add", "c.txt")
    _git(d, "commit", "-qm", "three")
    return d


def test_git_corrupt_object_and_limits(t):
    d = _own_repo(t)
    rep = t.run_json("secret", "git", d)
    got = [(g[0], g[1], g[2]) for g in git_findings(rep)]
    assert got == [("a.txt", 1, 10), ("b.txt", 6, 8), ("c.txt", 1, 10)], got
    # corrupt the blob added by commit "two": a warning, the walk goes on
    sha = subprocess.run(["git", "rev-parse", "HEAD~1:b.txt"], cwd=d, capture_output=True,
                         text=True, check=True).stdout.strip()
    obj = os.path.join(d, ".git", "objects", sha[:2], sha[2:])
    os.chmod(obj, 0o644)
    with open(obj, "wb") as f:
        f.write(b"not zlib at all")
    p = t.run("secret", "git", "-f", "json", d)
    rep = json.loads(p.stdout)
    got = [(g[0], g[1]) for g in git_findings(rep)]
    assert got == [("a.txt", 1), ("c.txt", 1)], got
    assert "diff failed" in p.stderr, p.stderr
    # max commits: the newest first, then a warning
    p = t.run("secret", "git", "-f", "json", "--max-commits", "1", d)
    got = [(g[0], g[1]) for g in git_findings(json.loads(p.stdout))]
    assert got == [("c.txt", 1)], got
    assert "stopped after 1 commits" in p.stderr, p.stderr
    # max blob size: larger versions are skipped as binary
    rep = t.run_json("secret", "git", "--max-blob-size", "10", d)
    assert git_findings(rep) == [], git_findings(rep)


def test_fs_git_history(t):
    d = _own_repo(t)
    os.remove(os.path.join(d, "c.txt"))  # only in history now
    rep = t.run_json("fs", "--scanners", "secret", "--git-history", d)
    hist = sorted((f["location"]["file"], f["location"].get("resource", "")[:7])
                  for r in rep["results"] for f in r["findings"] if "@" in r["target"])
    assert hist == [("a.txt", "commit "), ("b.txt", "commit "), ("c.txt", "commit ")], hist
    tree = sorted(f["location"]["file"] for r in rep["results"] for f in r["findings"]
                  if "@" not in r["target"])
    assert tree == ["b.txt", "renamed.txt"], tree
    rep = t.run_json("fs", "--scanners", "secret", d)
    assert all("@" not in r["target"] for r in rep["results"])


def test_ignore_file_suppresses_secret_by_rule_and_path(t):
    t.write("ig/src/a.py", f'token = "{GHP}"\n')
    t.write("ig/lib/b.py", f'token = "{GHP}"\n')
    t.write("ignore.yaml", "- id: github-pat\n  paths: ['src/**']\n  reason: test fixture\n")
    rep = t.run_json("fs", "--scanners", "secret", "--ignorefile", t.path("ignore.yaml"),
                     t.path("ig"))
    got = sorted((f["location"]["file"], bool(f.get("suppressed"))) for f in secrets(rep))
    assert got == [("lib/b.py", False), ("src/a.py", True)], got
    sup = [f for f in secrets(rep) if f.get("suppressed")]
    assert "test fixture" in sup[0].get("suppressedBy", ""), sup[0]
    # another rule id does not suppress it
    t.write("ignore2.yaml", "- id: aws-access-token\n  paths: ['src/**']\n  reason: other\n")
    rep = t.run_json("fs", "--scanners", "secret", "--ignorefile", t.path("ignore2.yaml"),
                     t.path("ig"))
    assert not any(f.get("suppressed") for f in secrets(rep))
    # --exit-code: only the unsuppressed one gates; with both ignored, exit 0
    t.write("ignore3.yaml", "- id: github-pat\n  reason: all of them\n")
    t.run("fs", "--scanners", "secret", "--ignorefile", t.path("ignore3.yaml"), "--exit-code",
          "5", t.path("ig"), expect=0)
    t.run("fs", "--scanners", "secret", "--ignorefile", t.path("ignore.yaml"), "--exit-code",
          "5", t.path("ig"), expect=5)


# ---- archives (zip/jar/tar/7z/gz/xz/zst), gitleaks' testdata/archives ----

ARCHIVES = "secrets/gitleaks/testdata/config/archives.toml"
IN_FILES = [("api.go", 20, 15), ("main.go", 20, 15)]


def _fs_findings(rep):
    return sorted((f["location"]["file"], f["location"]["startLine"], f["location"].get("column"))
                  for f in secrets(rep))


def test_archives_match_gitleaks(t):
    # gitleaks detect_test.go TestDetectWithArchives (config "archives", depth 8):
    # 2 findings per archive of files/ (.env.prod allowed by path), 15 in nested.tar.gz
    g = t.corpus("secrets/gitleaks/testdata/archives")
    cfg = t.corpus(ARCHIVES)
    for name in ("files.7z", "files.tar", "files.tar.xz", "files.tar.zst", "files.zip"):
        d = t.path("one-" + name)
        os.makedirs(d)
        shutil.copy(os.path.join(g, name), d)
        rep = t.run_json("fs", "--scanners", "secret", "--secret-config", cfg, d)
        want = [(f"{name}!files/{f}", l, c) for f, l, c in IN_FILES]
        assert _fs_findings(rep) == want, (name, _fs_findings(rep))
    rep = t.run_json("fs", "--scanners", "secret", "--secret-config", cfg, g + "/files")
    assert _fs_findings(rep) == [("api.go", 20, 15), ("main.go", 20, 15),
                                 ("main.go.gz!main.go", 20, 15), ("main.go.xz!main.go", 20, 15),
                                 ("main.go.zst!main.go", 20, 15)], _fs_findings(rep)
    d = t.path("nested")
    os.makedirs(d)
    shutil.copy(os.path.join(g, "nested.tar.gz"), d)
    rep = t.run_json("fs", "--scanners", "secret", "--secret-config", cfg, d)
    got = _fs_findings(rep)
    inner = [f"nested.tar.gz!archives/{a}!files/{f}" for a in
             ("files.7z", "files.tar", "files.tar.xz", "files.tar.zst", "files.zip")
             for f in ("api.go", "main.go")]
    inner += [f"nested.tar.gz!archives/files/{f}" for f in
              ("api.go", "main.go", "main.go.gz!main.go", "main.go.xz!main.go", "main.go.zst!main.go")]
    assert got == sorted((p, 20, 15) for p in inner), got
    # depth: 1 opens nested.tar.gz only; 0 opens nothing
    rep = t.run_json("fs", "--scanners", "secret", "--secret-config", cfg,
                     "--limit", "max-archive-depth=1", d)
    assert _fs_findings(rep) == [("nested.tar.gz!archives/files/api.go", 20, 15),
                                 ("nested.tar.gz!archives/files/main.go", 20, 15)], _fs_findings(rep)
    rep = t.run_json("fs", "--scanners", "secret", "--secret-config", cfg,
                     "--limit", "max-archive-depth=0", d)
    assert _fs_findings(rep) == []


def test_git_archives_repo_matches_gitleaks(t):
    # gitleaks TestFromGit, repo "archives": 16 findings, 15 in nested.tar.gz
    # (commit 07d2bd7) and one in main.go.zst (commit db87897)
    repo = _repo(t, "archives")
    rep = t.run_json("secret", "git", "--secret-config", t.corpus(ARCHIVES), repo)
    got = git_findings(rep)
    assert len(got) == 16, got
    zst = [g for g in got if g[0] == "main.go.zst!main.go"]
    assert zst == [("main.go.zst!main.go", 20, 15, "db8789716fc664dbce0ed2d492570e92abf717a5",
                    "aws-access-key")], zst
    nested = [g for g in got if g[0].startswith("nested.tar.gz!")]
    assert len(nested) == 15 and all(g[1:] == (20, 15, "07d2bd71800f1abf0421abe9bc4a83a6fdca1f68",
                                               "aws-access-key") for g in nested), nested


def test_archive_bounds_bomb_corrupt_jar(t):
    import gzip
    import zipfile
    line = f'token = "{GHP}"\n'.encode()
    # a jar (zip) with a secret in a properties file
    os.makedirs(t.path("a"))
    with zipfile.ZipFile(t.path("a/app.jar"), "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        z.writestr("config/app.properties", b"x=1\n" + line)
    # a gzip bomb: 64 MiB of text then the secret; beyond the ratio budget
    with gzip.open(t.path("a/bomb.txt.gz"), "wb") as f:
        f.write(b"a" * (64 << 20))
        f.write(line)
    # a compressed binary: dropped after the first 8 KiB, no finding, no warning
    with gzip.open(t.path("a/zeros.bin.gz"), "wb") as f:
        f.write(b"\0" * (8 << 20))
        f.write(line)
    # a truncated zip: a warning, the scan goes on
    with open(t.path("a/app.jar"), "rb") as f:
        data = f.read()
    t.write("a/broken.zip", data[: len(data) // 2])
    p = t.run("fs", "--scanners", "secret", "-f", "json", t.path("a"))
    rep = json.loads(p.stdout)
    assert _fs_findings(rep) == [("app.jar!config/app.properties", 2, 10)], _fs_findings(rep)
    warns = json.dumps(rep.get("warnings", [])) + p.stderr
    assert "broken.zip" in warns, warns
    assert "bomb.txt.gz!bomb.txt" in warns and "max-ratio" in warns, warns
    assert "zeros.bin" not in warns, warns
