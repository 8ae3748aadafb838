"""`mamori rootfs` on real Debian root filesystems (debootstrap) and `mamori host` on this machine.

The oracle is the distribution's own tooling: dpkg-query --admindir=<root>/var/lib/dpkg for the
OS packages (full epoch:version-revision), and the METADATA / PKG-INFO files of every
*.dist-info / *.egg-info found under the root for the Python packages. The root filesystems are
built (once, cached) by tests/fixtures/fixtures.py under build-fixtures/."""
import os
import sys
import time

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "fixtures"))
import fixtures  # noqa: E402


def _rootfs(name):
    try:
        return fixtures.rootfs(name)
    except fixtures.MissingTool as e:
        raise harness.Skip(str(e))


def _diff(got, want):
    g, w = set(got), set(want)
    return f"missing {sorted(w - g)[:20]}, unexpected {sorted(g - w)[:20]}"


def check_root(t, root, report, python_min):
    # OS: what the root's own os-release says (bookworm is debian 12)
    osr = report["artifact"].get("os") or {}
    assert osr.get("family") == "debian" and osr.get("name") == "debian", osr
    assert str(osr.get("version")).split(".")[0] == "12", osr
    assert fixtures.os_release(root).get("VERSION_ID") == "12"

    # dpkg: exactly what dpkg-query says is installed, with full versions
    want = fixtures.dpkg_installed(os.path.join(root, "var/lib/dpkg"))
    assert len(want) > 80, f"suspiciously few packages in {root}: {len(want)}"
    got = fixtures.report_dpkg(report)
    assert got == want, f"dpkg packages differ: {_diff(got, want)} ({len(got)} vs {len(want)})"

    # per-package fields: class, source name, purl, no epoch inside version
    srcs = fixtures.dpkg_sources(os.path.join(root, "var/lib/dpkg"))
    n = 0
    for r, p in fixtures.report_pkgs(report, lambda r: r.get("type") == "dpkg"):
        assert r.get("class") == "os-pkgs", r.get("class")
        assert ":" not in p["version"] or p.get("epoch"), p
        src = srcs[p["name"]]
        assert p.get("srcName", p["name"]) == src, (p["name"], p.get("srcName"), src)
        assert str(p.get("purl", "")).startswith("pkg:deb/debian/"), p
        n += 1
    assert n == len(want)
    # a known multi-binary source and an epoch package, so the field checks above bite
    by = {p["name"]: p for r, p in fixtures.report_pkgs(report, lambda r: r.get("type") == "dpkg")}
    assert by["libc6"].get("srcName") == "glibc", by["libc6"]
    epoch_pkgs = [v for _, v in want if ":" in v.split("-")[0]]
    assert epoch_pkgs, "bookworm minbase always has epoch packages (e.g. zlib1g)"
    z = by.get("zlib1g")
    assert z and str(z.get("epoch")) == "1" and not z["version"].startswith("1:"), z

    # Python: every dist-info / egg-info under the root, name and version from its metadata
    want_py = fixtures.python_dists(root)
    assert len(want_py) >= python_min, want_py
    got_py = fixtures.report_python(report)
    assert got_py == want_py, f"python packages differ: {_diff(got_py, want_py)}"


def _scan(t, root):
    t0 = time.time()
    rep = t.run_json("rootfs", root, timeout=300)
    dt = time.time() - t0
    assert dt < 120, f"mamori rootfs {root} took {dt:.0f}s"
    assert rep.get("schemaVersion") == 1, rep.get("schemaVersion")
    return rep


def test_rootfs_debootstrap_minbase(t):
    root = _rootfs("minbase")
    rep = _scan(t, root)
    check_root(t, root, rep, python_min=0)
    # minbase has no Python and no Node.js: no language packages at all
    lang = fixtures.report_pkgs(rep, lambda r: r.get("class") == "lang-pkgs")
    assert lang == [], lang[:5]


def test_rootfs_debootstrap_python_nodejs(t):
    root = _rootfs("pynode")
    rep = _scan(t, root)
    check_root(t, root, rep, python_min=1)
    names = {n for n, _ in fixtures.report_dpkg(rep)}
    assert {"python3", "python3-six", "nodejs", "python3.11-minimal"} <= names
    # python3-six's metadata is what Debian shipped, not a guess
    assert any(n == "six" for n, _ in fixtures.report_python(rep)), fixtures.report_python(rep)
    # each Python package says where it was found
    for r, p in fixtures.report_pkgs(rep, lambda r: fixtures.is_python(r)):
        f = p.get("file") or r.get("target") or ""
        assert ("dist-info" in f or "egg-info" in f), (r.get("target"), p)


def test_rootfs_output_file_and_formats(t):
    root = _rootfs("minbase")
    out = t.path("rep.json")
    t.run("rootfs", root, "--format", "json", "--output", out, "-q")
    import json
    rep = json.load(open(out))
    assert fixtures.report_dpkg(rep) == fixtures.dpkg_installed(os.path.join(root, "var/lib/dpkg"))
    # the table names every package at least once
    tab = t.run("rootfs", root, "--format", "table").stdout
    for name, ver in fixtures.dpkg_installed(os.path.join(root, "var/lib/dpkg"))[:20]:
        assert name in tab, name


def test_host_dpkg_matches_dpkg_query(t):
    if not os.path.exists("/var/lib/dpkg/status"):
        raise harness.Skip("this machine has no dpkg database")
    for attempt in range(2):
        before = fixtures.dpkg_installed("/var/lib/dpkg")
        t0 = time.time()
        rep = t.run_json("host", "--scanners", "none", timeout=900)
        dt = time.time() - t0
        after = fixtures.dpkg_installed("/var/lib/dpkg")
        if before == after:  # nobody installed anything meanwhile
            break
    print(f"     (mamori host: {dt:.1f}s, {len(after)} dpkg packages)")
    assert dt < 300, f"mamori host took {dt:.0f}s"
    got = fixtures.report_dpkg(rep)
    assert got == after, f"host dpkg packages differ: {_diff(got, after)}"
    osr = rep["artifact"].get("os") or {}
    want = fixtures.os_release("/")
    assert osr.get("name") == want.get("ID"), (osr, want.get("ID"))
    assert str(osr.get("version")) == want.get("VERSION_ID"), (osr, want.get("VERSION_ID"))
