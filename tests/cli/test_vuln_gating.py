"""Gating end to end: --exit-code with an ignore file (YAML and .trivyignore,
expiry, purl/path limits), VEX input (OpenVEX, CycloneDX VEX, the real
Ubuntu OpenVEX and Red Hat CSAF samples), and `mamori db rescan` over the
history store (--db-store) after the database changes.

Everything is written here: OSV advisories for two npm packages, a CISA KEV
file, and a root filesystem with those packages installed under
usr/lib/node_modules. The expected findings follow from the advisories'
ranges by hand (lodash 4.17.20 < 4.17.21, minimist 1.2.5 < 1.2.6)."""
import json
import os

LODASH = {
    "id": "GHSA-35jh-r3h4-6jhm", "aliases": ["CVE-2021-23337"],
    "modified": "2024-01-01T00:00:00Z", "published": "2021-02-15T00:00:00Z",
    "summary": "Command Injection in lodash", "database_specific": {"severity": "HIGH"},
    "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                  "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}],
}
MINIMIST = {
    "id": "GHSA-xvch-5gv4-984h", "aliases": ["CVE-2021-44906"],
    "modified": "2024-01-01T00:00:00Z", "published": "2022-03-17T00:00:00Z",
    "summary": "Prototype Pollution in minimist", "database_specific": {"severity": "CRITICAL"},
    "affected": [{"package": {"ecosystem": "npm", "name": "minimist"},
                  "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.6"}]}]}],
}


def kev(cves):
    return {"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2025.01.01",
            "dateReleased": "2025-01-01T00:00:00.000Z", "count": len(cves),
            "vulnerabilities": [{"cveID": c, "vendorProject": "x", "product": "x",
                                 "vulnerabilityName": "x", "dateAdded": "2024-12-01",
                                 "shortDescription": "x", "requiredAction": "x",
                                 "dueDate": "2024-12-22", "knownRansomwareCampaignUse": "Unknown",
                                 "notes": "", "cwes": []} for c in cves]}


def make_db(t, name, advisories, kev_cves=None):
    files = []
    for i, adv in enumerate(advisories):
        files.append(t.write(f"feeds-{name}/adv{i}.json", json.dumps(adv)))
    if kev_cves:
        files.append(t.write(f"feeds-{name}/known_exploited_vulnerabilities.json",
                             json.dumps(kev(kev_cves))))
    db = t.path(name)
    t.run("db", "import", "--db", db, *files)
    return db


def make_root(t, pkgs=(("lodash", "4.17.20"), ("minimist", "1.2.5")), name="root"):
    t.write(f"{name}/etc/os-release", 'ID=debian\nVERSION_ID="12"\n')
    for n, v in pkgs:
        t.write(f"{name}/usr/lib/node_modules/{n}/package.json",
                json.dumps({"name": n, "version": v, "license": "MIT"}))
    return t.path(name)


def vulns(report):
    """{rule id: finding} of the vulnerability findings of a JSON report."""
    out = {}
    for r in report["results"]:
        for f in r.get("findings", []):
            if f["kind"] == "vulnerability":
                out[f["ruleId"]] = f
    return out


def lodash_setup(t):
    db = make_db(t, "vuln.db", [LODASH])
    root = make_root(t, pkgs=(("lodash", "4.17.20"),))
    return db, root


# ---- --exit-code and the ignore file ----

def test_exit_code_then_ignore_yaml(t):
    db, root = lodash_setup(t)
    # a finding: --exit-code decides the status
    t.run("rootfs", root, "--db", db, "--exit-code", "3", "-q", expect=3)
    t.run("rootfs", root, "--db", db, "-q", expect=0)
    rep = t.run_json("rootfs", root, "--db", db, "--exit-code", "3", expect=3)
    assert set(vulns(rep)) == {"CVE-2021-23337"}, vulns(rep).keys()
    assert not vulns(rep)["CVE-2021-23337"].get("suppressed")

    # the default ignore file in the working directory, by the GHSA alias
    t.write(".mamoriignore.yaml",
            "vulnerabilities:\n"
            "  - id: GHSA-35jh-r3h4-6jhm\n"
            "    purls: ['pkg:npm/lodash']\n"
            "    paths: ['usr/lib/node_modules/**']\n"
            "    expires: 2999-01-01\n"
            "    reason: template input is trusted\n")
    rep = t.run_json("rootfs", root, "--db", db, "--exit-code", "3", expect=0)
    f = vulns(rep)["CVE-2021-23337"]
    assert f.get("suppressed") is True, f
    assert f.get("suppressedBy") == "ignore: template input is trusted", f
    t.run("rootfs", root, "--db", db, "--exit-code", "3", "-q", expect=0)

    # an entry limited to another version or another path does not apply
    t.write(".mamoriignore.yaml",
            "- id: CVE-2021-23337\n  purls: ['pkg:npm/lodash@4.17.19']\n  reason: other version\n"
            "- id: CVE-2021-23337\n  paths: ['opt/**']\n  reason: other place\n")
    t.run("rootfs", root, "--db", db, "--exit-code", "3", "-q", expect=3)


def test_ignore_expiry(t):
    db, root = lodash_setup(t)
    ig = t.write("accepted.yaml", "- id: CVE-2021-23337\n  expires: 2020-01-31\n  reason: was fine then\n")
    p = t.run("rootfs", root, "--db", db, "--exit-code", "3", "--ignorefile", ig, expect=3)
    assert f"{ig}:1: ignore entry for CVE-2021-23337 expired on 2020-01-31" in p.stderr, p.stderr
    rep = t.run_json("rootfs", root, "--db", db, "--ignorefile", ig)
    assert not vulns(rep)["CVE-2021-23337"].get("suppressed")
    # the same entry with a date ahead suppresses
    t.write("accepted.yaml", "- id: CVE-2021-23337\n  expires: 2999-01-31\n  reason: fine\n")
    t.run("rootfs", root, "--db", db, "--exit-code", "3", "--ignorefile", ig, "-q", expect=0)


def test_trivyignore_plain(t):
    db, root = lodash_setup(t)
    ig = t.write(".trivyignore", "# lodash: internal tool\nCVE-2021-23337 exp:2999-12-31\n")
    rep = t.run_json("rootfs", root, "--db", db, "--exit-code", "4", "--ignorefile", ig)
    assert vulns(rep)["CVE-2021-23337"]["suppressedBy"] == "ignore: lodash: internal tool"
    t.write(".trivyignore", "CVE-2021-23337 exp:2000-01-01\n")
    t.run("rootfs", root, "--db", db, "--exit-code", "4", "--ignorefile", ig, "-q", expect=4)


def test_ignore_file_errors(t):
    db, root = lodash_setup(t)
    ig = t.write("bad.yaml", "vulnerabilities:\n  - id: CVE-2021-23337\n    reason: ok\n  - id: CVE-1\n")
    p = t.run("rootfs", root, "--db", db, "--ignorefile", ig, expect=2)
    assert f"{ig}:4" in p.stderr and "no reason" in p.stderr, p.stderr
    ig = t.write("bad.trivyignore", "CVE-1\nCVE-2 exp:tomorrow\n")
    p = t.run("rootfs", root, "--db", db, "--ignorefile", ig, expect=2)
    assert f"{ig}:2" in p.stderr and "not a date" in p.stderr, p.stderr
    p = t.run("rootfs", root, "--db", db, "--ignorefile", t.path("missing.yaml"), expect=2)
    assert "missing.yaml" in p.stderr, p.stderr


# ---- VEX ----

def openvex(status, product, justification=None, ts="2024-01-01T00:00:00Z"):
    st = {"vulnerability": {"name": "CVE-2021-23337"}, "products": [{"@id": product}],
          "status": status, "timestamp": ts}
    if justification:
        st["justification"] = justification
    return {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
            "author": "test", "timestamp": ts, "version": 1, "statements": [st]}


def test_vex_openvex(t):
    db, root = lodash_setup(t)
    vx = t.write("lodash.openvex.json",
                 json.dumps(openvex("not_affected", "pkg:npm/lodash@4.17.20",
                                    "vulnerable_code_not_in_execute_path")))
    rep = t.run_json("rootfs", root, "--db", db, "--exit-code", "3", "--vex", vx)
    f = vulns(rep)["CVE-2021-23337"]
    assert f.get("suppressed") is True, f
    assert f["suppressedBy"] == "vex: not_affected (vulnerable_code_not_in_execute_path)", f
    v = f["vulnerability"]
    assert v.get("vexStatus") == "not_affected", v
    assert v.get("vexJustification") == "vulnerable_code_not_in_execute_path", v
    assert v.get("vexSource") == "lodash.openvex.json (openvex)", v
    # a later statement saying affected wins: the finding gates again
    vx2 = t.write("later.openvex.json",
                  json.dumps(openvex("affected", "pkg:npm/lodash", ts="2024-06-01T00:00:00Z")))
    rep = t.run_json("rootfs", root, "--db", db, "--exit-code", "3", "--vex", vx, "--vex", vx2, expect=3)
    f = vulns(rep)["CVE-2021-23337"]
    assert not f.get("suppressed") and f["vulnerability"].get("vexStatus") == "affected", f
    # a statement about another version does not apply
    vx3 = t.write("other.openvex.json",
                  json.dumps(openvex("not_affected", "pkg:npm/lodash@4.17.19", "component_not_present")))
    t.run("rootfs", root, "--db", db, "--exit-code", "3", "--vex", vx3, "-q", expect=3)


def test_vex_cyclonedx(t):
    db, root = lodash_setup(t)
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "components": [{"type": "library", "bom-ref": "lodash-ref", "name": "lodash",
                           "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}],
           "vulnerabilities": [{"id": "GHSA-35jh-r3h4-6jhm",
                                "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                                             "detail": "template() is never called"},
                                "affects": [{"ref": "lodash-ref"}]}]}
    vx = t.write("vex.cdx.json", json.dumps(bom))
    rep = t.run_json("rootfs", root, "--db", db, "--exit-code", "3", "--vex", vx)
    f = vulns(rep)["CVE-2021-23337"]
    assert f["suppressedBy"] == "vex: not_affected (code_not_reachable)", f


def test_vex_real_samples_and_errors(t):
    db, root = lodash_setup(t)
    # the real documents load; they speak of curl, bind and python, not lodash
    p = t.run("rootfs", root, "--db", db, "--exit-code", "3", "-q",
              "--vex", t.corpus("vuln/ubuntu/openvex-CVE-2023-38545.json"),
              "--vex", t.corpus("vuln/rhel/csaf-rhsa-2025_23414.json"),
              "--vex", t.corpus("vuln/rhel/csaf-rhsa-2024_6163.json"), expect=3)
    assert p.stderr == "", p.stderr
    bad = t.write("bad.json", '{"statements": [\n  {"vulnerability": }\n]}')
    p = t.run("rootfs", root, "--db", db, "--vex", bad, expect=2)
    assert f"{bad}:2" in p.stderr, p.stderr
    other = t.write("spdx.json", '{"spdxVersion": "SPDX-2.3"}')
    p = t.run("rootfs", root, "--db", db, "--vex", other, expect=2)
    assert "not an OpenVEX" in p.stderr, p.stderr


# ---- history store and rescan ----

def test_rescan(t):
    db1 = make_db(t, "db1", [LODASH])
    root = make_root(t)
    store = t.path("history.db")
    # the scan stores SBOM and evaluation: one finding (lodash)
    rep = t.run_json("rootfs", root, "--db", db1, "--db-store", store)
    assert set(vulns(rep)) == {"CVE-2021-23337"}

    # nothing changed: no changes, exit 0 even with --exit-code
    p = t.run("db", "rescan", "--db", db1, "--db-store", store, "--exit-code", "5", expect=0)
    assert "no changes" in p.stdout and "0 new" in p.stdout, p.stdout

    # a newer DB knows minimist too: new finding, exit 5
    db2 = make_db(t, "db2", [LODASH, MINIMIST])
    p = t.run("db", "rescan", "--db", db2, "--db-store", store, "--exit-code", "5", expect=5)
    assert "NEW" in p.stdout and "CVE-2021-44906" in p.stdout and "minimist 1.2.5" in p.stdout, p.stdout
    assert "fixed in 1.2.6" in p.stdout, p.stdout
    # that evaluation was stored: the next rescan is quiet
    t.run("db", "rescan", "--db", db2, "--db-store", store, "--exit-code", "5", expect=0)

    # severity downgraded and a KEV listing: reported, KEV triggers the exit code
    mm = dict(MINIMIST, database_specific={"severity": "MODERATE"})
    db3 = make_db(t, "db3", [LODASH, mm], kev_cves=["CVE-2021-23337"])
    out = t.run_json("db", "rescan", "--db", db3, "--db-store", store, "--exit-code", "5", expect=5)
    assert out["summary"] == {"assets": 1, "new": 0, "fixed": 0, "severityChanged": 1, "kevChanged": 1}, out
    a = out["assets"][0]
    assert a["kind"] == "rootfs" and a["name"] == root and a["key"] == "rootfs:" + root, a
    ch = {c["change"]: c for c in a["changes"]}
    assert ch["severity"]["id"] == "CVE-2021-44906"
    assert ch["severity"]["previousSeverity"] == "CRITICAL" and ch["severity"]["severity"] == "MEDIUM", ch
    assert ch["kev"]["id"] == "CVE-2021-23337" and ch["kev"]["kev"] is True, ch
    assert ch["kev"]["kevDue"] == "2024-12-22", ch

    # the lodash advisory withdrawn: reported fixed; nothing new, exit 0
    db4 = make_db(t, "db4", [mm], kev_cves=["CVE-2021-23337"])
    out = t.run_json("db", "rescan", "--db", db4, "--db-store", store, "--exit-code", "5", expect=0)
    assert [(c["change"], c["id"]) for c in out["assets"][0]["changes"]] == [("fixed", "CVE-2021-23337")], out

    # --dry-run does not store: the same rescan twice reports the same change
    for _ in range(2):
        out = t.run_json("db", "rescan", "--db", db2, "--db-store", store, "--dry-run", "--exit-code", "5",
                         expect=5)
        assert [(c["change"], c["id"]) for c in out["assets"][0]["changes"]] == \
            [("new", "CVE-2021-23337"), ("severity", "CVE-2021-44906")], out


def test_rescan_ignore_and_env(t):
    db1 = make_db(t, "db1", [LODASH])
    store = t.path("hist.db")
    root = make_root(t)
    # MAMORI_DB_STORE instead of --db-store; a scan without a DB stores the SBOM only
    t.run("rootfs", root, "--scanners", "none", "-q", env={"MAMORI_DB_STORE": store})
    assert os.path.exists(store)
    # first evaluation: everything is new
    out = t.run_json("db", "rescan", "--db", db1, "--exit-code", "7", expect=7,
                     env={"MAMORI_DB_STORE": store})
    a = out["assets"][0]
    assert a["previousEvaluation"] is None, a
    assert [(c["change"], c["id"]) for c in a["changes"]] == [("new", "CVE-2021-23337")], a
    # a suppressed finding is not new
    db2 = make_db(t, "db2", [LODASH, MINIMIST])
    ig = t.write("ig.yaml", "- id: CVE-2021-44906\n  reason: minimist is only used at build time\n")
    out = t.run_json("db", "rescan", "--db", db2, "--db-store", store, "--ignorefile", ig,
                     "--exit-code", "7", expect=0)
    assert out["assets"][0]["changes"] == [] and out["assets"][0]["suppressed"] == 1, out


def test_rescan_usage(t):
    db1 = make_db(t, "db1", [LODASH])
    p = t.run("db", "rescan", "--db", db1, expect=2)
    assert "--db-store" in p.stderr, p.stderr
    p = t.run("db", "rescan", "--db", db1, "--db-store", t.path("nope.db"), expect=2)
    assert "no history store" in p.stderr, p.stderr
    p = t.run("db", "rescan", "--help")
    assert "usage: mamori db rescan" in p.stdout
    p = t.run("rootfs", "--help")
    assert "--ignorefile" in p.stdout and "--vex" in p.stdout and "--db-store" in p.stdout
