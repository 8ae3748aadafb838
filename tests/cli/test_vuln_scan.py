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


def _dpkg_rootfs(t, pkgs, release=("11", "bullseye")):
    t.write("root/etc/os-release", f'ID=debian\nVERSION_ID="{release[0]}"\nVERSION_CODENAME={release[1]}\n'
            f'PRETTY_NAME="Debian GNU/Linux {release[0]} ({release[1]})"\n')
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


def test_debian_dla_buster_against_dpkg_versions(t):
    """Buster (Debian 10 LTS) from the DLA list: ~60 random sources, each
    at one of its fixed versions or just below it ("~" sorts before the
    end of a version), in a Debian 10 root filesystem; a DLA is reported
    iff dpkg --compare-versions says the installed version is older than
    that DLA's fix for buster."""
    need("dpkg")
    import random
    rnd = random.Random(10)
    entries = {}
    adv = None
    with open(t.corpus(DEBIAN[1]), errors="replace") as f:
        for line in f:
            m = re.match(r"^\[[^\]]+\] (DLA-\d+-\d+) ", line)
            if m:
                adv = m.group(1)
                continue
            m = re.match(r"^\s+\[buster\] - (\S+) (\S+)", line)
            if m and adv and m.group(2)[0].isdigit():
                entries.setdefault(m.group(1), []).append((adv, m.group(2)))
    assert len(entries) > 150, len(entries)
    srcs = sorted(entries)
    rnd.shuffle(srcs)
    pkgs = []
    for i, s in enumerate(sorted(srcs[:60])):
        fix = rnd.choice(sorted({v for _, v in entries[s]}))
        pkgs.append((s + "-x", s, fix + "~" if i % 2 == 0 else fix))
    db = import_db(t, DEBIAN[1:])
    rep = t.run_json("rootfs", "--db", db, _dpkg_rootfs(t, pkgs, ("10", "buster")))
    got = set()
    for (pid, rule), f in findings(rep).items():
        for i in [rule] + f.get("aliases", []):
            if i.startswith("DLA-"):
                got.add((pid.split("@")[0][:-2], i))
        assert f["vulnerability"]["sources"] == ["debian"], f
    want = set()
    for _, s, v in pkgs:
        for a, fixed in entries[s]:
            if subprocess.run(["dpkg", "--compare-versions", v, "lt", fixed]).returncode == 0:
                want.add((s, a))
    assert len(want) >= 30, len(want)
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


# ---- language advisories against the lockfile fixtures (oracle 3) ----
#
# The expected matches are computed here from the raw feeds, by the feeds'
# own specifications, with nothing of mamori's: PEP 440 by Debian's
# python3-packaging, Go and Cargo versions by the rules written below.

LANG_FEEDS = ["vuln/osv/pypi-pypa.osv.jsonl", "vuln/osv/go-vulndb.osv.jsonl",
              "vuln/native/rustsec.native.jsonl"]

# fixture -> (name in the source tree, packages EXPECTED.md lists)
LOCKFILES = {
    "image/python/requirements_flask.txt": ("py-flask/requirements.txt", 6),
    "image/python/requirements_operator.txt": ("py-operator/requirements.txt", 2),
    "image/python/requirements_hash.txt": ("py-hash/requirements.txt", 2),
    # ~= and >= bounds are not pins: 5 packages only in Trivy's
    # "comprehensive" mode, none in mamori's default (test-sbom-python)
    "image/python/requirements_compatible.txt": ("py-compatible/requirements.txt", None),
    "image/python/Pipfile_many.lock": ("pipenv/Pipfile.lock", 24),
    "image/python/poetry_flask.lock": ("poetry/poetry.lock", 15),
    "image/python/poetry_v2_flask.lock": ("poetry2/poetry.lock", 15),
    "image/python/uv_normal.lock": ("uv/uv.lock", 21),
    "image/go/gomod_many.sum": ("go-many/go.sum", 13),
    "image/go/gomod_trivy.sum": ("go-trivy/go.sum", 336),
    "image/go/normal/go.mod": ("go-normal/go.mod", 7),
    "image/go/normal/go.sum": ("go-normal/go.sum", None),
    "image/rust/cargo_normal.lock": ("cargo-normal/Cargo.lock", 8),
    "image/rust/cargo_v3.lock": ("cargo-v3/Cargo.lock", 9),
}


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# Go: module versions are SemVer 2.0.0 with a "v" (golang.org/x/mod/semver);
# the Go vulndb writes them without it ("1.22.0-0" for the first 1.22
# pre-release). "+incompatible" is build metadata: no part of precedence.
# Pseudo-versions (v0.0.0-20240603093900-cf8a8d29271d) are pre-releases.
_SEMVER = re.compile(r"v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?")


def semver_key(v):
    m = _SEMVER.fullmatch(v)
    if not m:
        raise ValueError(v)
    pre = m.group(4)
    # SemVer 11: numeric identifiers numerically and below alphanumeric
    # ones; a version without pre-release is above every pre-release of it
    ids = [(0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split(".")] if pre else None
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))), ids


def semver_cmp(a, b):
    (na, pa), (nb, pb) = semver_key(a), semver_key(b)
    if na != nb:
        return -1 if na < nb else 1
    if pa == pb:
        return 0
    if pa is None or pb is None:
        return 1 if pa is None else -1
    return -1 if pa < pb else 1  # list order: the shorter prefix is lower


def pep440_cmp(a, b):
    from packaging.version import Version
    x, y = Version(a), Version(b)
    return (x > y) - (x < y)


def osv_range_affects(v, events, cmp):
    """The OSV schema's evaluation: events sorted by version ("0" first),
    walked in order; introduced sets, fixed (>=) and last_affected (>)
    clear."""
    import functools

    def ver(e):
        return next(iter(e.values()))

    def order(a, b):
        va, vb = ver(a), ver(b)
        if va == vb:
            return 0
        if va == "0" and "introduced" in a:
            return -1
        if vb == "0" and "introduced" in b:
            return 1
        return cmp(va, vb)

    evs = sorted((e for e in events if len(e) == 1 and
                  next(iter(e)) in ("introduced", "fixed", "last_affected")),
                 key=functools.cmp_to_key(order))
    affected = False
    for e in evs:
        k, x = next(iter(e.items()))
        if k == "introduced" and (x == "0" or cmp(v, x) >= 0):
            affected = True
        elif k == "fixed" and cmp(v, x) >= 0:
            affected = False
        elif k == "last_affected" and cmp(v, x) > 0:
            affected = False
    return affected


def osv_expected(path, eco, pkgs, cmp, norm=lambda n: n):
    """pkgs: {package id: (name, version)} -> {(package id, OSV id)}."""
    byname = {}
    for pid, (n, v) in pkgs.items():
        byname.setdefault(norm(n), []).append((pid, v))
    want = set()
    with open(path) as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("withdrawn"):
                continue  # OSV: a withdrawn entry is no longer a vulnerability
            for a in o.get("affected", []):
                pk = a.get("package", {})
                if pk.get("ecosystem") != eco:
                    continue
                for pid, v in byname.get(norm(pk.get("name", "")), []):
                    hit = False
                    for x in a.get("versions") or []:
                        try:
                            hit = hit or x == v or cmp(v, x) == 0
                        except ValueError:
                            pass
                    for rg in a.get("ranges", []):
                        if rg.get("type") not in ("ECOSYSTEM", "SEMVER"):
                            continue  # GIT ranges: commits, not versions
                        try:
                            hit = hit or osv_range_affects(v, rg.get("events", []), cmp)
                        except ValueError:
                            pass  # a version the ecosystem cannot order
                    if hit:
                        want.add((pid, o["id"]))
    return want


# Cargo requirements (the Cargo book, "Specifying dependencies"; the semver
# crate): comparators joined by ",", all must hold; a bare version is ^.
_CARGO_CMP = re.compile(r"\s*(=|>=|<=|>|<|~|\^)?\s*(\*|\d+)(?:\.(\*|\d+))?(?:\.(\*|\d+))?"
                        r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*")


def cargo_matches(req, version):
    """Does `version` satisfy the Cargo requirement `req`?"""
    (vn, vpre) = semver_key(version)
    v = (vn, vpre)

    def key(nums, pre):
        return semver_key(".".join(str(x) for x in nums) + (f"-{pre}" if pre else ""))

    def lt(a, b):
        return (a[0], a[1] is None, a[1] or []) < (b[0], b[1] is None, b[1] or [])

    ok = True
    pre_allowed = vpre is None
    for part in req.split(","):
        m = _CARGO_CMP.fullmatch(part)
        if not m:
            raise ValueError(req)
        parts = [m.group(2), m.group(3), m.group(4)]
        # a bare version is a caret requirement; one with a wildcard
        # ("1.2.*") matches the versions that start like it
        op = m.group(1) or ("=" if "*" in parts else "^")
        n = 0
        for p in parts:
            if p is None or p == "*":
                break
            n += 1
        major, minor, patch = [int(p) if p not in (None, "*") else 0 for p in parts]
        pre = m.group(5)
        # a pre-release version only matches a comparator naming the same
        # major.minor.patch with a pre-release (semver crate)
        if vpre is not None and pre and n == 3 and vn == (major, minor, patch):
            pre_allowed = True
        lo = key((major, minor, patch), pre)
        if n == 0:  # "*"
            continue
        if op == "=":
            if n == 3:
                ok = ok and not lt(v, lo) and not lt(lo, v)
                continue
            hi = key((major + 1, 0, 0) if n == 1 else (major, minor + 1, 0), "0")
            ok = ok and not lt(v, lo) and lt(v, hi)
        elif op == ">":
            if n == 3:
                ok = ok and lt(lo, v)
            else:
                nxt = key((major + 1, 0, 0) if n == 1 else (major, minor + 1, 0), "0")
                ok = ok and not lt(v, nxt)
        elif op == ">=":
            ok = ok and not lt(v, lo)
        elif op == "<":
            ok = ok and lt(v, lo)  # "< 1.2" is "< 1.2.0"
        elif op == "<=":
            if n == 3:
                ok = ok and not lt(lo, v)
            else:
                nxt = key((major + 1, 0, 0) if n == 1 else (major, minor + 1, 0), "0")
                ok = ok and lt(v, nxt)
        elif op == "~":
            hi = key((major + 1, 0, 0) if n == 1 else (major, minor + 1, 0), "0")
            ok = ok and not lt(v, lo) and lt(v, hi)
        else:  # ^: the leftmost non-zero component may not change
            if major > 0 or n == 1:
                hi = (major + 1, 0, 0)
            elif minor > 0 or n == 2:
                hi = (0, minor + 1, 0)
            else:
                hi = (0, 0, patch + 1)
            ok = ok and not lt(v, lo) and lt(v, key(hi, "0"))
    return ok and pre_allowed


def rustsec_expected(path, pkgs):
    """RustSec native records: a version is affected unless it satisfies a
    `patched` or an `unaffected` requirement (no requirement at all: every
    version). Withdrawn advisories affect nothing; informational ones
    (unsound, unmaintained) are advisories like the others here, as
    mamori reports them (marked by severity "informational:...")."""
    byname = {}
    for pid, (n, v) in pkgs.items():
        byname.setdefault(n, []).append((pid, v))
    want = set()
    with open(path) as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            adv = o.get("advisory", {})
            if adv.get("withdrawn"):
                continue
            # advisory-db layout: crates/<name>/ are crates.io crates;
            # rust/<std|cargo|rustdoc>/ are the toolchain's own, not a
            # crate of that name in a Cargo.lock
            if o.get("_path", "").startswith("rust/"):
                continue
            vers = o.get("versions") or {}
            reqs = (vers.get("patched") or []) + (vers.get("unaffected") or [])
            for pid, v in byname.get(adv.get("package"), []):
                if not any(cargo_matches(r, v) for r in reqs):
                    want.add((pid, adv["id"]))
    return want


def test_cargo_requirement_oracle_itself(t):
    """The test's Cargo reading, on the Cargo book's own table."""
    table = [("^1.2.3", "1.2.3", True), ("^1.2.3", "1.9.0", True), ("^1.2.3", "2.0.0", False),
             ("^1.2", "1.2.0", True), ("^0.2.3", "0.2.9", True), ("^0.2.3", "0.3.0", False),
             ("^0.0.3", "0.0.4", False), ("^0.0", "0.0.9", True), ("^0.0", "0.1.0", False),
             ("^0", "0.9.9", True), ("~1.2.3", "1.2.9", True), ("~1.2.3", "1.3.0", False),
             ("~1", "1.9.0", True), ("1.*", "1.5.0", True), ("1.2.*", "1.3.0", False),
             (">= 1.2.0, < 1.5", "1.4.9", True), (">= 1.2.0, < 1.5", "1.5.0", False),
             ("= 1.2", "1.2.7", True), ("> 1.2", "1.2.9", False), ("> 1.2", "1.3.0", True),
             ("<= 1.2", "1.2.9", True), ("<= 1.2", "1.3.0", False), ("0.9.1", "0.9.5", True),
             (">= 0.9.1", "1.0.0-rc.1", False), (">= 1.0.0-rc.1", "1.0.0-rc.2", True)]
    for req, v, want in table:
        assert cargo_matches(req, v) == want, (req, v, want)
    assert semver_cmp("v0.0.0-20240603093900-cf8a8d29271d", "0.0.0") < 0
    assert semver_cmp("v4.20.0+incompatible", "4.20.0") == 0
    assert semver_cmp("1.0.0-alpha.1", "1.0.0-alpha.beta") < 0
    assert semver_cmp("1.0.0-beta.11", "1.0.0-rc.1") < 0 and semver_cmp("1.0.0-beta.2", "1.0.0-beta.11") < 0


def test_language_advisories_against_lockfiles(t):
    """Every PyPI (PyPA), Go (vulndb) and RustSec advisory against the
    corpora's Python, Go and Rust lockfiles: the findings of `mamori fs`
    are exactly the matches computed here from the raw feeds."""
    try:
        import packaging.version  # noqa: F401
    except ImportError:
        raise Skip("python3-packaging not importable (Debian's: run tests/run.py with /usr/bin/python3)")
    import shutil as sh
    src = t.path("src")
    for rel, (name, _) in LOCKFILES.items():
        dst = os.path.join(src, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        sh.copyfile(t.corpus(rel), dst)
    db = import_db(t, LANG_FEEDS)
    rep = t.run_json("fs", "--db", db, src)
    eco = {"pip": "PyPI", "pipenv": "PyPI", "poetry": "PyPI", "uv": "PyPI",
           "gosum": "Go", "gomod": "Go", "cargo": "crates.io"}
    pkgs = {"PyPI": {}, "Go": {}, "crates.io": {}}
    per_target = {}
    for r in rep["results"]:
        per_target[r["target"]] = len(r["packages"])
        e = eco.get(r["type"])
        assert e, r["type"]
        for p in r["packages"]:
            if p.get("version"):
                pkgs[e][p["id"]] = (p["name"], p["version"])
    for rel, (name, n) in LOCKFILES.items():
        if n is not None:
            assert per_target.get(name) == n, (name, per_target.get(name), n)

    # the Go toolchain line is the "stdlib" package of the Go vulndb
    want = osv_expected(t.corpus(LANG_FEEDS[0]), "PyPI", pkgs["PyPI"], pep440_cmp, pep503)
    n_py = len(want)
    want |= osv_expected(t.corpus(LANG_FEEDS[1]), "Go", pkgs["Go"], semver_cmp)
    n_go = len(want) - n_py
    want |= rustsec_expected(t.corpus(LANG_FEEDS[2]), pkgs["crates.io"])
    n_rs = len(want) - n_py - n_go
    assert n_py > 30 and n_go > 150 and n_rs >= 2, (n_py, n_go, n_rs)
    assert any(pid.startswith("stdlib@") for pid, _ in want)

    # each expected advisory is in exactly one finding of its package (by
    # its id or an alias); every finding holds at least one of them
    where = {}
    unjustified = []
    for (pid, rule), f in findings(rep).items():
        ids = [rule] + f.get("aliases", [])
        mine = [(pid, i) for i in ids if (pid, i) in want]
        if not mine:
            unjustified.append((pid, rule, ids[:6]))
        for k in mine:
            assert k not in where, ("two findings for", k, where.get(k), rule)
            where[k] = rule
        # every fix offered is newer than what is installed
        name, v = next(p[pid] for p in pkgs.values() if pid in p)
        cmp = pep440_cmp if pid in pkgs["PyPI"] else semver_cmp
        for fx in f["vulnerability"].get("fixedVersions", []):
            if pid not in pkgs["crates.io"]:
                assert cmp(v, fx) < 0, (pid, rule, fx)
    missed = sorted(want - set(where))
    assert not unjustified and not missed, (unjustified[:10], missed[:10])


def _below(nums):
    """The release just below: 1.2.5 -> 1.2.4, 1.3.0 -> 1.2.99, 1.0 -> 0.99."""
    nums = list(nums)
    for i in range(len(nums) - 1, -1, -1):
        if nums[i] > 0:
            nums[i] -= 1
            for k in range(i + 1, len(nums)):
                nums[k] = 99
            return nums
    return None


def test_language_advisories_at_range_boundaries(t):
    """The same oracle on lockfiles written here: for a seeded sample of
    advisories, their package at every bound the advisory names and just
    below each (requirements.txt per version, go.sum with many versions
    of a module, go.mod toolchain lines for stdlib, one Cargo.lock)."""
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:
        raise Skip("python3-packaging not importable (Debian's: run tests/run.py with /usr/bin/python3)")
    import random
    rnd = random.Random(440)
    cap = 10  # versions per package

    def sample(path):
        recs = []
        with open(t.corpus(path)) as f:
            for line in f:
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
        rnd.shuffle(recs)
        return recs

    # PyPI: one requirements.txt per version slot
    py = {}
    for o in sample(LANG_FEEDS[0])[:250]:
        for a in o.get("affected", []):
            name = a.get("package", {}).get("name")
            cands = set(a.get("versions") or [])
            for rg in a.get("ranges", []):
                if rg.get("type") != "ECOSYSTEM":
                    continue
                for e in rg.get("events", []):
                    for x in e.values():
                        if x == "0":
                            continue
                        cands.add(x)
                        try:
                            b = _below(Version(x).release)
                        except InvalidVersion:
                            continue
                        if b:
                            cands.add(".".join(map(str, b)))
            for x in sorted(cands):
                try:
                    Version(x)
                except InvalidVersion:
                    continue
                if len(py.setdefault(name, [])) < cap and x not in py[name]:
                    py[name].append(x)
    for slot in range(cap):
        lines = [f"{n}=={vs[slot]}\n" for n, vs in sorted(py.items()) if slot < len(vs)]
        if lines:
            t.write(f"src/py{slot}/requirements.txt", "".join(lines))

    # Go: a go.sum per version slot (a go.sum names the one version of a
    # module the build selected); stdlib releases as go.mod toolchain lines
    gomods, std = {}, set()
    for o in sample(LANG_FEEDS[1])[:400]:
        for a in o.get("affected", []):
            name = a.get("package", {}).get("name")
            cands = set()
            for rg in a.get("ranges", []):
                for e in rg.get("events", []):
                    for x in e.values():
                        if x == "0" or not _SEMVER.fullmatch(x):
                            continue
                        cands.add(x)
                        (n3, pre) = semver_key(x)
                        b = _below(n3)
                        if b and not pre:
                            cands.add(".".join(map(str, b)))
            cands = sorted(cands)[:cap]
            if name == "stdlib":
                std |= {c for c in cands if not semver_key(c)[1]}
            elif name != "toolchain":
                for c in cands:
                    if len(gomods.setdefault(name, [])) < cap and c not in gomods[name]:
                        gomods[name].append(c)
    for slot in range(cap):
        lines = [f"{n} v{vs[slot]} h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                 for n, vs in sorted(gomods.items()) if slot < len(vs)]
        if lines:
            t.write(f"src/go{slot}/go.sum", "".join(lines))
    for i, v in enumerate(sorted(std)[:40]):
        t.write(f"src/gostd{i}/go.mod", f"module example.com/m{i}\n\ngo 1.21\n\ntoolchain go{v}\n")

    # Cargo: every requirement's version, just below and just above it
    crates = set()
    for o in sample(LANG_FEEDS[2])[:300]:
        name = o.get("advisory", {}).get("package")
        vers = o.get("versions") or {}
        cands = set()
        for req in (vers.get("patched") or []) + (vers.get("unaffected") or []):
            for m in re.finditer(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", req):
                n3 = [int(x or 0) for x in m.groups()]
                cands.add(tuple(n3))
                cands.add(tuple(n3[:2] + [n3[2] + 1]))
                b = _below(n3)
                if b:
                    cands.add(tuple(b))
        if not cands:
            cands.add((0, 1, 0))
        for c in sorted(cands)[:cap]:
            crates.add((name, ".".join(map(str, c))))
    t.write("src/rust/Cargo.lock", "version = 3\n\n" + "".join(
        f'[[package]]\nname = "{n}"\nversion = "{v}"\n'
        f'source = "registry+https://github.com/rust-lang/crates.io-index"\n\n'
        for n, v in sorted(crates)))

    db = import_db(t, LANG_FEEDS)
    rep = t.run_json("fs", "--db", db, t.path("src"))
    eco = {"pip": "PyPI", "gosum": "Go", "gomod": "Go", "cargo": "crates.io"}
    pkgs = {"PyPI": {}, "Go": {}, "crates.io": {}}
    for r in rep["results"]:
        for p in r["packages"]:
            if p.get("version") and not p["name"].startswith("example.com/"):
                # ids repeat across the requirements files: key by file too
                pkgs[eco[r["type"]]][(r["target"], p["id"])] = (p["name"], p["version"])
    n_in = {"PyPI": sum(map(len, py.values())), "Go": sum(map(len, gomods.values())) + min(len(std), 40),
            "crates.io": len(crates)}
    for e, n in n_in.items():
        assert len(pkgs[e]) == n, (e, len(pkgs[e]), n)

    want = osv_expected(t.corpus(LANG_FEEDS[0]), "PyPI", pkgs["PyPI"], pep440_cmp, pep503)
    n_py = len(want)
    want |= osv_expected(t.corpus(LANG_FEEDS[1]), "Go", pkgs["Go"], semver_cmp)
    n_go = len(want) - n_py
    want |= rustsec_expected(t.corpus(LANG_FEEDS[2]), pkgs["crates.io"])
    n_rs = len(want) - n_py - n_go
    assert n_py > 300 and n_go > 300 and n_rs > 100, (n_py, n_go, n_rs)
    got = {}
    unjustified, dups = [], []
    for r in rep["results"]:
        for f in r.get("findings", []):
            key = (r["target"], f["location"]["package"])
            ids = [f["ruleId"]] + f.get("aliases", [])
            mine = [(key, i) for i in ids if (key, i) in want]
            if not mine:
                unjustified.append((key, ids[:6]))
            for k in mine:
                if k in got:
                    dups.append((k, got[k], f["ruleId"]))
                got[k] = f["ruleId"]
    missed = sorted(want - set(got))
    if os.environ.get("MMR_TEST_DUMP"):
        with open(os.environ["MMR_TEST_DUMP"], "w") as fh:
            json.dump({"report": rep, "want": sorted(map(list, want)),
                       "unjustified": unjustified, "missed": missed, "dups": dups}, fh, default=list)
    assert not unjustified and not missed and not dups, (
        len(unjustified), unjustified[:8], len(missed), missed[:8], len(dups), dups[:8])
