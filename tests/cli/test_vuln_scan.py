"""Vulnerability matching end to end: a DB imported from the real feeds in
../shared/corpora/vuln, scans of real images / root filesystems written
here, and expected findings derived independently in Python (apk version
ordering implemented below from apk-tools' rules; Debian versions compared
by dpkg --compare-versions)."""
import json
import os
import re
import subprocess

from harness import Skip, need

ALPINE = ["vuln/alpine/secdb-v3.11-main.json", "vuln/alpine/secdb-v3.11-community.json"]


def import_db(t, rels, name="vuln.db"):
    db = t.path(name)
    t.run("db", "import", "--db", db, *[t.corpus(r) for r in rels])
    return db


def findings(report):
    """{(package id, rule id): finding} of a JSON report."""
    out = {}
    for r in report["results"]:
        for f in r.get("findings", []):
            if f["kind"] == "vulnerability":
                out[(f["location"]["package"], f["ruleId"])] = f
    return out


# ---- apk version ordering (apk-tools version.c rules, written independently) ----

_SUFFIX = {"alpha": 0, "beta": 1, "pre": 2, "rc": 3, "": 4, "cvs": 5, "svn": 6, "git": 7,
           "hg": 8, "p": 9}


def _apk_key(v):
    m = re.fullmatch(r"(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:-r(\d+))?", v)
    if not m:
        raise ValueError(v)
    nums = [int(x) for x in m.group(1).split(".")]
    letter = m.group(2)
    sufs = [(_SUFFIX[s], int(n) if n else 0)
            for s, n in re.findall(r"_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)", m.group(3))]
    rel = int(m.group(4) or 0)
    return nums, letter, sufs, rel


def apk_cmp(a, b):
    na, la, sa, ra = _apk_key(a)
    nb, lb, sb, rb = _apk_key(b)
    # numeric components: the first compares as a number, the next ones too
    for x, y in zip(na, nb):
        if x != y:
            return -1 if x < y else 1
    if len(na) != len(nb):
        return -1 if len(na) < len(nb) else 1
    if la != lb:
        return -1 if la < lb else 1
    for i in range(max(len(sa), len(sb))):
        x = sa[i] if i < len(sa) else (_SUFFIX[""], 0)
        y = sb[i] if i < len(sb) else (_SUFFIX[""], 0)
        if x != y:
            return -1 if x < y else 1
    return (ra > rb) - (ra < rb)


def secdb_expected(t, installed):
    """installed: {src name: version}. -> {(src, advisory id)} a secdb says affect them."""
    want = set()
    for rel in ALPINE:
        with open(t.corpus(rel)) as f:
            db = json.load(f)
        for p in db["packages"]:
            pk = p["pkg"]
            v = installed.get(pk["name"])
            if v is None:
                continue
            for fixed, ids in (pk.get("secfixes") or {}).items():
                try:
                    older = apk_cmp(v, fixed) < 0
                except ValueError:
                    continue
                if not older:
                    continue
                for entry in ids or []:
                    # "CVE-2016-6258 XSA-182": both ids; "CVE-2019-19451.patch",
                    # "CVE-2017-17434-1": the CVE they start with
                    for tok in entry.split():
                        m = re.match(r"CVE-\d{4}-\d{4,}|XSA-\d+", tok)
                        if m:
                            want.add((pk["name"], m.group(0)))
    return want


def got_pairs(report):
    """{(src name, id)} for every id (rule and aliases) of every finding."""
    src = {}
    for r in report["results"]:
        for p in r["packages"]:
            src[p["id"]] = p.get("srcName") or p["name"]
    out = set()
    for (pid, rule), f in findings(report).items():
        for i in [rule] + f.get("aliases", []):
            out.add((src[pid], i))
    return out


def check_justified(report, want):
    """Every finding is justified by a secfixes entry of its package (its
    id or one of its aliases), and every entry is covered by a finding."""
    src = {}
    for r in report["results"]:
        for p in r["packages"]:
            src[p["id"]] = p.get("srcName") or p["name"]
    covered = set()
    unjustified = []
    seen = set()
    for (pid, rule), f in findings(report).items():
        ids = {(src[pid], i) for i in [rule] + f.get("aliases", [])}
        assert (pid, rule) not in seen
        seen.add((pid, rule))
        if not ids & want:
            unjustified.append((pid, rule))
        covered |= ids & want
    assert not unjustified, unjustified[:10]
    missed = want - covered
    assert not missed, sorted(missed)[:10]


def test_alpine_image_against_secdb(t):
    db = import_db(t, ALPINE)
    rep = t.run_json("image", "--no-cache", "--db", db, "docker-archive:" +
                     t.corpus("image/images/trivy-alpine-311.docker-archive.tar.gz"))
    installed = {}
    for r in rep["results"]:
        for p in r["packages"]:
            installed[p.get("srcName") or p["name"]] = p.get("srcVersion") or p["version"]
    assert len(installed) >= 10, installed
    want = secdb_expected(t, installed)
    check_justified(rep, want)


def _apk_rootfs(t, pkgs):
    t.write("root/etc/os-release", 'ID=alpine\nVERSION_ID=3.11.5\nPRETTY_NAME="Alpine Linux v3.11"\n')
    db = "".join(f"C:Q1\nP:{n}\nV:{v}\nA:x86_64\no:{o}\nT:x\n\n" for n, v, o in pkgs)
    t.write("root/lib/apk/db/installed", db)
    return t.path("root")


def test_alpine_rootfs_old_versions_against_secdb(t):
    """Every secdb package installed at a version older than its oldest fix
    (and some in between): every finding justified, none missed."""
    pkgs = []
    for rel in ALPINE:
        with open(t.corpus(rel)) as f:
            for i, p in enumerate(json.load(f)["packages"]):
                fixes = []
                for v in (p["pkg"].get("secfixes") or {}):
                    try:
                        _apk_key(v)
                        fixes.append(v)
                    except ValueError:
                        pass
                if not fixes:
                    continue
                fixes.sort(key=lambda v: __import__("functools").cmp_to_key(apk_cmp)(v))
                # alternate: below every fix, or equal to a middle one
                ver = "0.0.1-r0" if i % 2 == 0 else fixes[len(fixes) // 2]
                pkgs.append((p["pkg"]["name"] + "-bin", ver, p["pkg"]["name"]))
    assert len(pkgs) > 150
    root = _apk_rootfs(t, pkgs)
    db = import_db(t, ALPINE)
    rep = t.run_json("rootfs", "--db", db, root)
    installed = {o: v for _, v, o in pkgs}
    want = secdb_expected(t, installed)
    assert len(want) > 500, len(want)
    check_justified(rep, want)
    # a fix is offered for every one, newer than what is installed
    for f in findings(rep).values():
        assert f["vulnerability"]["fixedVersions"], f
        assert f["vulnerability"]["status"] == "fixed"
        assert f["vulnerability"]["sources"] == ["alpine"], f


def _dpkg_rootfs(t, pkgs):
    t.write("root/etc/os-release", 'ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\n'
            'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n')
    st = "".join(f"Package: {n}\nStatus: install ok installed\nArchitecture: amd64\n"
                 f"Source: {s}\nVersion: {v}\nMaintainer: x <x@example.org>\nDescription: x\n\n"
                 for n, s, v in pkgs)
    t.write("root/var/lib/dpkg/status", st)
    return t.path("root")


DEBIAN = ["vuln/debian/security-tracker-2023-04/DSA-list",
          "vuln/debian/security-tracker-2023-04/DLA-list"]


def test_debian_dsa_xorg_server(t):
    db = import_db(t, DEBIAN)
    root = _dpkg_rootfs(t, [("xserver-common", "xorg-server", "2:1.20.11-1+deb11u5"),
                            ("xserver-xorg-core", "xorg-server", "2:1.20.11-1+deb11u6")])
    rep = t.run_json("rootfs", "--db", db, root)
    fs = findings(rep)
    old = [f for (pid, _), f in fs.items() if pid.startswith("xserver-common@")]
    new = [f for (pid, _), f in fs.items() if pid.startswith("xserver-xorg-core@")]
    ids = {i for f in old for i in [f["ruleId"]] + f.get("aliases", [])}
    assert "DSA-5380-1" in ids and "CVE-2023-1393" in ids, ids
    f = [f for f in old if "DSA-5380-1" in [f["ruleId"]] + f.get("aliases", [])][0]
    assert f["ruleId"] == "CVE-2023-1393"  # the CVE names the finding
    assert f["vulnerability"]["fixedVersions"] == ["2:1.20.11-1+deb11u6"]
    assert f["vulnerability"]["installedVersion"] == "2:1.20.11-1+deb11u5"
    assert new == [], new
    # --exit-code gates on what remains
    t.run("rootfs", "--db", db, "--exit-code", "5", root, expect=5)
    t.run("rootfs", "--db", db, "--exit-code", "5", "--severity", "LOW", root, expect=None)


def test_debian_dsa_dla_lists_against_dpkg_versions(t):
    """Every [bullseye]/[buster] line of the DSA/DLA lists whose fixed
    version is a real version, against a package one revision older and
    one at the fix: affected iff older (dpkg --compare-versions)."""
    need("dpkg")
    import random
    rnd = random.Random(7)
    entries = {}
    for rel, rel_name in ((DEBIAN[0], "bullseye"), (DEBIAN[1], "buster")):
        adv = None
        with open(t.corpus(rel), errors="replace") as f:
            for line in f:
                m = re.match(r"^\[[^\]]+\] (D[SL]A-\d+-\d+) ", line)
                if m:
                    adv = m.group(1)
                    continue
                m = re.match(r"^\s+\[(bullseye)\] - (\S+) (\S+)", line)
                if m and adv and m.group(3)[0].isdigit() and rel_name == "bullseye":
                    entries.setdefault(m.group(2), []).append((adv, m.group(3)))
    srcs = sorted(entries)
    rnd.shuffle(srcs)
    srcs = sorted(srcs[:60])
    pkgs = []
    for s in srcs:
        fixes = sorted({v for _, v in entries[s]})
        pick = rnd.choice(fixes)
        pkgs.append((s + "-x", s, pick))
    db = import_db(t, DEBIAN[:1])
    rep = t.run_json("rootfs", "--db", db, _dpkg_rootfs(t, pkgs))
    got = set()
    for (pid, rule), f in findings(rep).items():
        for i in [rule] + f.get("aliases", []):
            if i.startswith("DSA-"):
                got.add((pid.split("@")[0][:-2], i))
    want = set()
    for _, s, v in pkgs:
        for adv, fixed in entries[s]:
            if subprocess.run(["dpkg", "--compare-versions", v, "lt", fixed]).returncode == 0:
                want.add((s, adv))
    assert got == want, (sorted(got - want)[:10], sorted(want - got)[:10])


def test_kev_flags(t):
    db = import_db(t, DEBIAN[:1] + ["vuln/kev/known_exploited_vulnerabilities.json"])
    with open(t.corpus("vuln/kev/known_exploited_vulnerabilities.json")) as f:
        kev = {v["cveID"]: v for v in json.load(f)["vulnerabilities"]}
    # old versions of packages with DSAs: some of their CVEs are in KEV
    root = _dpkg_rootfs(t, [("libssl1.1", "openssl", "1.1.1a-1"), ("xserver-common", "xorg-server", "2:1.20.0-1"),
                            ("chromium", "chromium", "80.0-1"), ("linux-image", "linux", "4.0-1"),
                            ("sudo", "sudo", "1.8.0-1"), ("exim4", "exim4", "4.80-1")])
    rep = t.run_json("rootfs", "--db", db, root)
    fs = findings(rep)
    assert fs
    flagged = 0
    for f in fs.values():
        v = f["vulnerability"]
        cves = [i for i in [f["ruleId"]] + f.get("aliases", []) if i.startswith("CVE-")]
        assert v["kev"] == any(c in kev for c in cves), (f["ruleId"], cves)
        if v["kev"]:
            flagged += 1
            c = [c for c in cves if c in kev][0]
            assert v["kevDueDate"] == kev[c]["dueDate"]
    assert flagged > 0


def test_no_db_warns_and_exits_0(t):
    root = _apk_rootfs(t, [("musl", "1.1.24-r2", "musl")])
    p = t.run("rootfs", "--format", "json", root)
    assert "mamori db update" in p.stderr and "mamori db import" in p.stderr
    assert json.loads(p.stdout)["results"][0]["packages"]
    p = t.run("rootfs", "--scanners", "none", root)
    assert "db update" not in p.stderr
    t.run("rootfs", "--scanners", "bogus", root, expect=2)
    t.run("rootfs", "--severity", "SEVERE", root, expect=2)
    t.run("rootfs", "--pkg-types", "apps", root, expect=2)
    t.run("rootfs", "--exit-code", "x", root, expect=2)


def test_filters(t):
    db = import_db(t, ALPINE)
    root = _apk_rootfs(t, [("libcrypto1.1", "1.1.1a-r0", "openssl"), ("busybox", "1.27.0-r0", "busybox")])
    rep = t.run_json("rootfs", "--db", db, root)
    n = len(findings(rep))
    assert n > 5
    rep = t.run_json("rootfs", "--db", db, "--pkg-types", "library", root)
    assert findings(rep) == {}
    # alpine secdb has no ratings: severities come from nowhere -> UNKNOWN
    rep = t.run_json("rootfs", "--db", db, "--severity", "CRITICAL,HIGH", root)
    assert all(f["severity"] in ("CRITICAL", "HIGH") for f in findings(rep).values())
    t.run("rootfs", "--db", db, "--exit-code", "3", root, expect=3)
    t.run("rootfs", "--db", db, "--exit-code", "3", "--pkg-types", "library", root, expect=0)
