"""Vulnerability output formats and `mamori sbom`.

* SARIF 2.1.0, CycloneDX 1.6 (with `vulnerabilities`) and JUnit XML written from a report with
  hand-built vulnerability findings (the unit test tests/test-report-vuln dumps them when
  MMR_TEST_OUT_DIR is set) are validated offline against ../shared/corpora/schemas and parsed
  with xml.etree.
* `mamori sbom` reads back mamori's own CycloneDX and SPDX of real `mamori fs`, `mamori rootfs`
  and `mamori image` scans of the corpora fixtures and must give the same purls, names,
  versions and OS as the scan itself.
* Malformed SBOMs: exit 2 with the file and JSON line:column named."""
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import harness
from test_sbom_formats import SCHEMAS, validate_cyclonedx, _jsonschema

KEYS = ("purl", "name", "version", "epoch", "release", "srcName", "srcVersion", "srcRelease",
        "arch")


def validate_sarif(doc):
    js = _jsonschema()
    with open(os.path.join(SCHEMAS, "sarif-schema-2.1.0.json")) as f:
        schema = json.load(f)
    js.validators.validator_for(schema)(schema).validate(doc)


def _dumps(t):
    exe = os.path.join(t.build, "tests", "test-report-vuln")
    if not os.access(exe, os.X_OK):
        raise AssertionError(f"{exe} not built")
    out = t.path("dump")
    os.makedirs(out, exist_ok=True)
    p = subprocess.run([exe], capture_output=True, text=True,
                       env=dict(os.environ, MMR_TEST_OUT_DIR=out, CMOCKA_MESSAGE_OUTPUT="TAP"))
    assert p.returncode == 0, p.stdout + p.stderr
    return out


def test_vuln_sarif_schema(t):
    d = _dumps(t)
    with open(os.path.join(d, "report.sarif.json")) as f:
        doc = json.load(f)
    validate_sarif(doc)
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert len(rules) == len(run["tool"]["driver"]["rules"]), "duplicate rule ids"
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        float(rules[res["ruleId"]]["properties"]["security-severity"])
    sup = [r for r in run["results"] if "suppressions" in r]
    assert len(sup) == 2 and all(s["suppressions"][0]["kind"] == "external" for s in sup)


def test_vuln_cyclonedx_schema(t):
    d = _dumps(t)
    with open(os.path.join(d, "report.cdx.json")) as f:
        doc = json.load(f)
    validate_cyclonedx(doc)
    refs = {c["bom-ref"] for c in doc["components"]} | {doc["metadata"]["component"]["bom-ref"]}
    vrefs = [v["bom-ref"] for v in doc["vulnerabilities"]]
    assert not (set(vrefs) & refs) and len(vrefs) == len(set(vrefs))
    for v in doc["vulnerabilities"]:
        for a in v.get("affects", []):
            assert a["ref"] in refs, a["ref"]
    states = {v["id"]: v.get("analysis", {}).get("state") for v in doc["vulnerabilities"]}
    assert states["CVE-2021-23337"] == "not_affected"
    assert states["CVE-2020-8203"] is None


def test_vuln_junit_xml(t):
    d = _dumps(t)
    root = ET.parse(os.path.join(d, "report.junit.xml")).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["alpine 3.11.5", "app/package-lock.json"]
    fails = [c for s in suites for c in s.findall("testcase") if c.find("failure") is not None]
    assert len(fails) == int(root.get("failures")) == 3
    names = [c.get("name") for s in suites for c in s.findall("testcase")]
    # the hostile package name survives escaping (control bytes replaced)
    assert any(n.startswith("evil<&>\"'") for n in names), names


def _same(t, report, sbom_file, fmt):
    back = t.run_json("sbom", "--scanners", "none", sbom_file)
    def rows(rep):
        return sorted((r["target"], r["class"]) + tuple(p.get(k) for k in KEYS)
                      for r in rep["results"] for p in r["packages"])
    a, b = rows(report), rows(back)
    assert len(a) == len(b) and len(a) > 0, (fmt, len(a), len(b))
    missing = sorted(set(a) - set(b))
    assert not missing, f"{fmt}: {len(missing)} differ, e.g. {missing[:3]}\nvs {sorted(set(b) - set(a))[:3]}"
    for k in ("name", "version"):
        assert report["artifact"].get("os", {}).get(k) == back["artifact"].get("os", {}).get(k), \
            (fmt, report["artifact"], back["artifact"])
    assert report["artifact"]["type"] == back["artifact"]["type"]


def _round_trip(t, cmd, target):
    report = t.run_json(cmd, "--scanners", "none", target)
    for fmt in ("cyclonedx", "spdx"):
        out = t.path(f"{cmd}.{fmt}.json")
        t.run(cmd, "--scanners", "none", "-f", fmt, "-o", out, target)
        _same(t, report, out, fmt)
    return report


def test_sbom_round_trip_fs(t):
    src = t.path("src")
    for rel, name in (("npm/package-lock_v3.json", "web/package-lock.json"),
                      ("python/poetry_flask.lock", "py/poetry.lock"),
                      ("go/gomod_many.sum", "go/go.sum"),
                      ("php/composer_happy.lock", "php/composer.lock"),
                      ("rust/cargo_v3.lock", "rs/Cargo.lock"),
                      ("ruby/Gemfile_normal.lock", "rb/Gemfile.lock"),
                      ("dotnet/packages_lock_simple.json", "net/packages.lock.json"),
                      ("java/gradle-happy.lockfile", "jv/gradle.lockfile")):
        os.makedirs(os.path.dirname(os.path.join(src, name)), exist_ok=True)
        shutil.copy(t.corpus("image/" + rel), os.path.join(src, name))
    rep = _round_trip(t, "fs", src)
    assert sum(len(r["packages"]) for r in rep["results"]) >= 31 + 15 + 13 + 10 + 9 + 7 + 2 + 4


def test_sbom_round_trip_rootfs(t):
    for name, osr, rel, db in (
            ("ubuntu", 'ID=ubuntu\nVERSION_ID="18.04"\nID_LIKE=debian\n', "dpkg/trivy-ubuntu1804-status",
             "var/lib/dpkg/status"),
            ("alpine", "ID=alpine\nVERSION_ID=3.11.5\n", "apk/trivy-installed", "lib/apk/db/installed")):
        root = t.path(name)
        t.write(f"{name}/etc/os-release", osr)
        os.makedirs(os.path.join(root, os.path.dirname(db)))
        shutil.copy(t.corpus("image/" + rel), os.path.join(root, db))
        rep = _round_trip(t, "rootfs", root)
        n = sum(len(r["packages"]) for r in rep["results"])
        assert n == {"ubuntu": 90, "alpine": 15}[name], n


def test_sbom_round_trip_image(t):
    img = "docker-archive:" + t.corpus("image/images/trivy-alpine-311.docker-archive.tar.gz")
    rep = _round_trip(t, "image", img)
    assert sum(len(r["packages"]) for r in rep["results"]) == 14


def test_sbom_output_formats(t):
    src = t.path("src")
    os.makedirs(src)
    shutil.copy(t.corpus("image/npm/package-lock_v3.json"), os.path.join(src, "package-lock.json"))
    sb = t.path("in.cdx.json")
    t.run("fs", "--scanners", "none", "-f", "cyclonedx", "-o", sb, src)
    validate_cyclonedx(json.loads(t.run("sbom", "--scanners", "none", "-f", "cyclonedx", sb).stdout))
    validate_sarif(json.loads(t.run("sbom", "--scanners", "none", "-f", "sarif", sb).stdout))
    root = ET.fromstring(t.run("sbom", "--scanners", "none", "-f", "junit", sb).stdout)
    assert root.get("tests") == "31" and root.get("failures") == "0"
    table = t.run("sbom", "--scanners", "none", sb).stdout
    assert "Total: 31 packages" in table, table


def test_sbom_bad_input(t):
    bad = t.write("bad.json", '{\n  "bomFormat": "CycloneDX",\n  "components": [1,,]\n}\n')
    p = t.run("sbom", "--scanners", "none", bad, expect=2)
    assert f"{bad}:3:" in p.stderr, p.stderr
    p = t.run("sbom", "--scanners", "none", t.write("x.json", '{"a": 1}'), expect=2)
    assert "not an SBOM" in p.stderr, p.stderr
    p = t.run("sbom", "--scanners", "none", t.write("v.json", '{"bomFormat": "CycloneDX", "specVersion": "9.9"}'),
              expect=2)
    assert "9.9" in p.stderr
    p = t.run("sbom", "--scanners", "none", t.path("nope.json"), expect=2)
    assert "nope.json" in p.stderr
    t.run("sbom", expect=2)
    big = {"bomFormat": "CycloneDX", "specVersion": "1.6",
           "components": [{"type": "library", "name": f"p{i}", "purl": f"pkg:npm/p{i}@1.0.0"} for i in range(50)]}
    f = t.write("big.json", json.dumps(big))
    p = t.run("sbom", "--scanners", "none", "--limit", "max-packages=10", f, expect=2)
    assert "max-packages" in p.stderr, p.stderr
    # a component without a purl is a warning, not an error
    warn = t.write("w.json", json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.4",
                                        "components": [{"type": "library", "name": "x"},
                                                       {"type": "library", "name": "y", "purl": "pkg:npm/y@1"}]}))
    p = t.run("sbom", "--scanners", "none", warn, "-f", "json")
    assert "without a package URL" in p.stderr
    assert json.loads(p.stdout)["summary"]["packages"] == 1
