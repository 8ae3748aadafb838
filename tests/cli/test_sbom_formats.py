"""CycloneDX 1.6 / SPDX 2.3 / table output of real `mamori fs` and `mamori rootfs` scans.

The fixtures are peers' files from ../shared/corpora/image (see EXPECTED.md), copied into the
test's private directory under their standard names. The SBOMs are validated offline against the
official schemas in ../shared/corpora/schemas with python3-jsonschema (refs between the CycloneDX
schemas resolved from the local copies), then checked for what schemas cannot express: unique
bom-refs / SPDXIDs, every dependency or relationship pointing at something that exists, and
package counts equal to mamori's own JSON report."""
import json
import os
import re
import shutil
import unicodedata

import harness

SCHEMAS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                        "shared", "corpora", "schemas"))
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def _jsonschema():
    try:
        import jsonschema
    except ImportError:
        raise harness.Skip("python3-jsonschema not installed")
    return jsonschema


def _load(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


def validate_cyclonedx(doc):
    js = _jsonschema()
    bom = _load("cyclonedx-bom-1.6.schema.json")
    store = {}
    for fn, alias in (("cyclonedx-spdx.schema.json", "spdx.schema.json"),
                      ("cyclonedx-jsf-0.82.schema.json", "jsf-0.82.schema.json")):
        s = _load(fn)
        store["http://cyclonedx.org/schema/" + alias] = s
        if "$id" in s:
            store[s["$id"]] = s
    store[bom["$id"]] = bom
    resolver = js.RefResolver(base_uri=bom["$id"], referrer=bom, store=store)
    js.Draft7Validator(bom, resolver=resolver).validate(doc)


def validate_spdx(doc):
    js = _jsonschema()
    schema = _load("spdx-2.3-schema.json")
    js.Draft7Validator(schema, resolver=js.RefResolver.from_schema(schema)).validate(doc)


def check_cyclonedx(doc):
    """Schema + graph integrity; returns the library components."""
    validate_cyclonedx(doc)
    assert doc["specVersion"] == "1.6" and doc["version"] == 1
    assert re.fullmatch("urn:uuid:" + UUID, doc["serialNumber"]), doc["serialNumber"]
    tools = doc["metadata"]["tools"]["components"]
    assert tools[0]["name"] == "mamori" and tools[0]["version"], tools
    refs = [doc["metadata"]["component"]["bom-ref"]] + [c["bom-ref"] for c in doc["components"]]
    assert len(refs) == len(set(refs)), "duplicate bom-refs"
    known = set(refs)
    seen = set()
    for d in doc["dependencies"]:
        assert d["ref"] in known, d["ref"]
        assert d["ref"] not in seen, f"two dependency entries for {d['ref']}"
        seen.add(d["ref"])
        for x in d.get("dependsOn", []):
            assert x in known, f"{d['ref']} depends on unknown {x}"
    assert seen == known, f"components without a dependency entry: {sorted(known - seen)[:5]}"
    return [c for c in doc["components"] if c["type"] == "library"]


def check_spdx(doc, name):
    validate_spdx(doc)
    assert doc["spdxVersion"] == "SPDX-2.3" and doc["dataLicense"] == "CC0-1.0"
    assert doc["SPDXID"] == "SPDXRef-DOCUMENT"
    assert doc["name"] == name, doc["name"]
    assert re.fullmatch(r"https://mamori\.invalid/spdx/[A-Za-z0-9.-]+-" + UUID,
                        doc["documentNamespace"]), doc["documentNamespace"]
    assert doc["creationInfo"]["creators"][0].startswith("Tool: mamori-")
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids)), "duplicate SPDXIDs"
    for i in ids:
        assert re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", i), i
    known = set(ids) | {"SPDXRef-DOCUMENT"}
    for r in doc["relationships"]:
        assert r["spdxElementId"] in known and r["relatedSpdxElement"] in known, r
    described = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert len(described) == 1 and described[0]["spdxElementId"] == "SPDXRef-DOCUMENT"
    refs = {e["licenseId"] for e in doc.get("hasExtractedLicensingInfos", [])}
    for p in doc["packages"]:
        for tok in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", p.get("licenseDeclared", "")):
            assert tok in refs, f"{tok} not in hasExtractedLicensingInfos"
    return [p for p in doc["packages"] if p.get("externalRefs")]


def _json_count(t, *args):
    rep = t.run_json(*args)
    return sorted(harness.packages(rep))


def _npm_project(t):
    t.write("proj/app/package-lock.json", open(t.corpus("image/npm/package-lock_v2.json")).read())
    t.write("proj/ws/package-lock.json",
            open(t.corpus("image/npm/package-lock_v3_with_workspace.json")).read())
    return t.path("proj")


def _need(t, cmd):
    p = t.run("--help", expect=None)
    if not re.search(r"^\s+" + cmd + r"\s", p.stdout + p.stderr, re.M):
        raise harness.Skip(f"no '{cmd}' subcommand yet")


def test_fs_cyclonedx(t):
    _need(t, "fs")
    proj = _npm_project(t)
    want = _json_count(t, "fs", proj)
    assert len(want) == 37, len(want)  # 31 + 6 (EXPECTED.md)
    doc = json.loads(t.run("fs", proj, "--format", "cyclonedx").stdout)
    libs = check_cyclonedx(doc)
    got = sorted(((c["group"] + "/" if c.get("group") else "") + c["name"], c.get("version", ""))
                 for c in libs)
    assert got == want, (got[:5], want[:5])
    mc = doc["metadata"]["component"]
    assert mc["type"] == "application" and mc["name"] == proj, mc
    by = {c["purl"]: c for c in libs}
    bp = by["pkg:npm/body-parser@1.18.3"]
    assert bp["bom-ref"] == "pkg:npm/body-parser@1.18.3"
    props = {p["name"]: p["value"] for p in bp.get("properties", [])}
    assert props["mamori:package:file"].endswith("app/package-lock.json"), props
    # ms@2.0.0 is in both lockfiles: two components, two refs
    ms = [c for c in libs if c["purl"] == "pkg:npm/ms@2.0.0"]
    assert len(ms) == 2 and ms[0]["bom-ref"] != ms[1]["bom-ref"], ms
    # each lockfile is an application component the asset depends on
    apps = [c for c in doc["components"] if c["type"] == "application"]
    assert sorted(c["name"] for c in apps) == ["app/package-lock.json", "ws/package-lock.json"]
    root = [d for d in doc["dependencies"] if d["ref"] == mc["bom-ref"]][0]
    assert sorted(root["dependsOn"]) == sorted(c["bom-ref"] for c in apps)
    # body-parser depends on something in its own lockfile (a real edge made it through)
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert deps[bp["bom-ref"]], "body-parser has dependencies in package-lock v2"


def test_fs_spdx(t):
    _need(t, "fs")
    proj = _npm_project(t)
    want = _json_count(t, "fs", proj)
    for fmt in ("spdx", "spdx-json"):
        doc = json.loads(t.run("fs", proj, "--format", fmt).stdout)
        pkgs = check_spdx(doc, proj)
        got = sorted((p["name"], p.get("versionInfo", "")) for p in pkgs)
        assert got == want, (got[:5], want[:5])
        for p in pkgs:
            ref = p["externalRefs"][0]
            assert ref["referenceCategory"] == "PACKAGE-MANAGER" and ref["referenceType"] == "purl"
            assert ref["referenceLocator"].startswith("pkg:npm/"), ref
        asset = [p for p in doc["packages"] if p["name"] == proj][0]
        assert asset["primaryPackagePurpose"] == "SOURCE"
        assert sum(r["relationshipType"] == "DEPENDS_ON" for r in doc["relationships"]) > 10


OS_RELEASE = 'NAME="Ubuntu"\nVERSION_ID="18.04"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=bionic\n'


def _ubuntu_root(t):
    t.write("root/etc/os-release", OS_RELEASE)
    t.write("root/var/lib/dpkg/status",
            open(t.corpus("image/dpkg/trivy-ubuntu1804-status"), "rb").read())
    return t.path("root")


def test_rootfs_sboms(t):
    _need(t, "rootfs")
    root = _ubuntu_root(t)
    want = _json_count(t, "rootfs", root)
    assert len(want) == 90, len(want)  # EXPECTED.md
    doc = json.loads(t.run("rootfs", root, "--format", "cyclonedx").stdout)
    libs = check_cyclonedx(doc)
    mc = doc["metadata"]["component"]
    assert mc["type"] == "operating-system" and mc["name"] == "ubuntu" and mc["version"] == "18.04", mc
    assert len(libs) == 90
    by = {c["name"]: c for c in libs}
    # full versions with epoch and revision, the source package as a property
    assert by["bsdutils"]["version"] == "1:2.31.1-0.4ubuntu3.1", by["bsdutils"]
    props = {p["name"]: p["value"] for p in by["bsdutils"]["properties"]}
    assert props["mamori:package:src_name"] == "util-linux", props
    assert by["bash"]["version"] == "4.4.18-2ubuntu1"
    assert by["bash"]["purl"].startswith("pkg:deb/ubuntu/bash@4.4.18-2ubuntu1"), by["bash"]["purl"]
    # the OS packages hang directly off the OS component
    root_dep = [d for d in doc["dependencies"] if d["ref"] == mc["bom-ref"]][0]
    assert by["bash"]["bom-ref"] in root_dep["dependsOn"] or any(
        by["bash"]["bom-ref"] in d.get("dependsOn", []) for d in doc["dependencies"])

    doc = json.loads(t.run("rootfs", root, "--format", "spdx").stdout)
    pkgs = check_spdx(doc, root)
    assert len(pkgs) == 90
    sp = {p["name"]: p for p in pkgs}
    assert sp["zlib1g"]["versionInfo"] == "1:1.2.11.dfsg-0ubuntu2", sp["zlib1g"]
    assert sp["bash"]["supplier"].startswith("Organization: "), sp["bash"]
    asset = [p for p in doc["packages"] if p["name"] == root][0]
    assert asset["primaryPackagePurpose"] == "OPERATING_SYSTEM"
    assert asset["versionInfo"] == "18.04"


def _width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def test_table(t):
    _need(t, "fs")
    proj = _npm_project(t)
    out = t.run("fs", proj, "--format", "table").stdout
    assert "\x1b" not in out, "colours although NO_COLOR is set"
    assert "app/package-lock.json (" in out and "ws/package-lock.json (" in out, out[:500]
    assert re.search(r"^Summary: 37 packages in 2 targets \(npm: 37\)$", out, re.M), out[-300:]
    rows = [ln for ln in out.splitlines() if ln[:1] and ln[0] in "┌├│└"]
    assert len(rows) >= 37 + 2 * 4
    # every table of the output has straight edges
    tables, cur = [], []
    for ln in out.splitlines():
        if ln[:1] and ln[0] in "┌├│└":
            cur.append(ln)
        elif cur:
            tables.append(cur)
            cur = []
    for tb in tables:
        assert len({_width(ln) for ln in tb}) == 1, tb[:3]
    # sorted by name within a target
    names = [ln.split("│")[1].strip() for ln in tables[0][3:-1]]
    assert names == sorted(names), names


def test_table_narrow_and_wide_chars(t):
    _need(t, "fs")
    wide = "日本語のとても長いパッケージ名" * 3  # 84 columns
    lock = {
        "name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {
            "": {"name": "x", "version": "1.0.0", "dependencies": {wide: "1.0.0"}},
            "node_modules/" + wide: {"version": "1.0.0", "license": "MIT"},
            "node_modules/plain": {"version": "2.0.0", "license": "MIT"},
        },
    }
    t.write("p/package-lock.json", json.dumps(lock, ensure_ascii=False))
    out = t.run("fs", t.path("p"), "--format", "table", env={"COLUMNS": "60", "LANG": "C.UTF-8",
                                                              "LC_ALL": "C.UTF-8"}).stdout
    rows = [ln for ln in out.splitlines() if ln[:1] and ln[0] in "┌├│└"]
    if not any("日本語" in ln for ln in rows):
        raise harness.Skip("npm analyzer did not report the hand-written lockfile")
    widths = {_width(ln) for ln in rows}
    assert len(widths) == 1 and widths.pop() <= 60, rows  # COLUMNS=60
    # the name was too long: cut on a character boundary (the output decoded) with "…"
    assert any("…" in ln for ln in rows if "日本語" in ln), rows
    assert "\ufffd" not in out, "a UTF-8 sequence was cut"
