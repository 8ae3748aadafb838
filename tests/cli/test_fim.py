"""mamori agent fim init|check: the real binary on a tree the test builds
(never the real /etc): a clean check, then additions, content changes,
deletions, mode/owner changes and a symlink retarget found exactly, in
table and JSON, with --exit-code gating, --update, the default database
under $XDG_DATA_HOME and usage errors."""
import os


def _tree(t):
    t.write("w/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    t.write("w/etc/hosts", "127.0.0.1 localhost\n")
    t.write("w/etc/sub/a.conf", "a=1\n")
    t.write("w/etc/keep", "same\n")
    os.symlink("passwd", t.path("w/etc/link"))
    t.write("w/home/alice/.ssh/authorized_keys", "ssh-ed25519 AAAA alice\n")
    t.write("w/home/alice/.ssh/id_ed25519", "secret\n", mode=0o600)
    return t.path("w/etc") + "," + t.path("w/home/*/.ssh/authorized_keys")


def _changes(doc, tmp):
    out = []
    for res in doc["results"]:
        for f in res["findings"]:
            assert f["kind"] == "runtime"
            out.append((f["ruleId"], os.path.relpath(f["location"]["file"], tmp)))
    return sorted(out)


def test_fim_init_check(t):
    paths = _tree(t)
    db = t.path("fim.db")
    p = t.run("agent", "fim", "init", "--paths", paths, "--db", db)
    assert "baseline of 8 entries" in p.stderr, p.stderr
    # unchanged: exit 0 even with --exit-code
    p = t.run("agent", "fim", "check", "--db", db, "--exit-code", "4")
    assert "0 changes" in p.stdout
    doc = t.run_json("agent", "fim", "check", "--db", db)
    assert _changes(doc, t.tmp) == []

    t.write("w/etc/hosts", "127.0.0.1 evil\n")
    t.write("w/etc/sub/new.conf", "n\n")
    os.unlink(t.path("w/etc/sub/a.conf"))
    os.chmod(t.path("w/etc/passwd"), 0o666)
    os.unlink(t.path("w/etc/link"))
    os.symlink("hosts", t.path("w/etc/link"))
    t.write("w/home/bob/.ssh/authorized_keys", "ssh-rsa AAAA mallory\n")
    t.write("w/home/alice/.ssh/id_ed25519", "not watched\n", mode=0o600)
    os.utime(t.path("w/etc/keep"), (1, 1))  # mtime only: not a change
    want = [("fim/added", "w/etc/sub/new.conf"), ("fim/added", "w/home/bob/.ssh/authorized_keys"),
            ("fim/deleted", "w/etc/sub/a.conf"), ("fim/modified", "w/etc/hosts"),
            ("fim/modified", "w/etc/link"), ("fim/perms", "w/etc/passwd")]
    if os.geteuid() == 0:
        os.chown(t.path("w/etc/keep"), 1234, 5678)
        want.append(("fim/perms", "w/etc/keep"))
    want.sort()

    doc = t.run_json("agent", "fim", "check", "--db", db, "--exit-code", "3", expect=3)
    assert _changes(doc, t.tmp) == want, _changes(doc, t.tmp)
    ev = {os.path.relpath(f["location"]["file"], t.tmp): f["evidence"]
          for f in doc["results"][0]["findings"]}
    assert ev["w/etc/link"] == "target passwd -> hosts"
    assert ev["w/etc/passwd"] == "mode 0644 -> 0666"
    if os.geteuid() == 0:
        assert ev["w/etc/keep"] == "uid 0 -> 1234, gid 0 -> 5678"
    # table: one row per change and a summary; no --exit-code: exit 0
    p = t.run("agent", "fim", "check", "--db", db)
    assert f"File integrity: {len(want)} changes" in p.stdout, p.stdout
    assert p.stdout.count("fim/") == len(want)
    # --paths narrows the check: only that root is compared
    doc = t.run_json("agent", "fim", "check", "--db", db, "--paths", t.path("w/home/*/.ssh/authorized_keys"))
    assert _changes(doc, t.tmp) == [("fim/added", "w/home/bob/.ssh/authorized_keys")]
    # --update accepts the current state
    t.run("agent", "fim", "check", "--db", db, "--update", "--exit-code", "3", expect=3)
    doc = t.run_json("agent", "fim", "check", "--db", db, "--exit-code", "3")
    assert _changes(doc, t.tmp) == []


def test_fim_default_db_and_errors(t):
    paths = _tree(t)
    t.run("agent", "fim", "init", "--paths", paths)
    assert os.path.exists(t.path("data", "mamori", "fim.db"))
    t.write("w/etc/x", "x")
    doc = t.run_json("agent", "fim", "check", "--exit-code", "9", expect=9)
    assert _changes(doc, t.tmp) == [("fim/added", "w/etc/x")]
    # no baseline: a clear message, usage exit
    p = t.run("agent", "fim", "check", "--db", t.path("none.db"), expect=2)
    assert "fim init" in p.stderr
    p = t.run("agent", "fim", "init", "--paths", "relative/path", expect=2)
    assert "absolute" in p.stderr
    p = t.run("agent", "fim", "frob", expect=2)
    assert "init or check" in p.stderr
    t.run("agent", "fim", "check", "--format", "xml", expect=2)
    t.run("agent", "fim", "check", "--exit-code", "x", expect=2)
    # the file limit is named
    p = t.run("agent", "fim", "init", "--paths", paths, "--db", t.path("small.db"), "--max-files", "2",
              expect=2)
    assert "--max-files" in p.stderr
    p = t.run("agent", "fim", "--help")
    assert "fim/added" in p.stdout
