"""`mamori image` on real images built by buildah from real root filesystems.

Every image (tests/fixtures/fixtures.py) is scanned in four forms - docker-archive (podman save),
oci-archive (podman save, gzip layers), OCI layout dir (skopeo copy) and podman:NAME (local
store) - and each must give:
  * the same packages as `mamori rootfs` on the directory the image was made from, and the
    dpkg / Python oracles (dpkg-query, METADATA files) for that directory;
  * for podman:NAME the image ID `podman image inspect` gives, for an export the digest of the
    config it holds (exporting to the other format re-encodes the config, so its digest differs;
    busybox is stored in docker format, whiteout in OCI format), and the layer diff IDs of
    `podman image inspect` RootFS.Layers;
  * the same report again on a rescan from the layer cache.
The whiteout image deletes a dist-info in its second layer and replaces a directory (opaque):
the deleted packages must not be reported."""
import hashlib
import json
import os
import sys
import tarfile

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "fixtures"))
import fixtures  # noqa: E402

FORMS = ("docker-archive", "oci-archive", "oci-dir", "podman")


def _image(name):
    try:
        return fixtures.image(name)
    except fixtures.MissingTool as e:
        raise harness.Skip(str(e))


def ref(ex, form):
    if form == "oci-dir":
        return f"oci:{ex['oci-dir']}:latest"
    if form == "podman":
        return ex["podman"]
    return f"{form}:{ex[form]}"


def scan(t, ex, form, *extra):
    return t.run_json("image", ref(ex, form), *extra, timeout=600)


def pkgset(report):
    """{(result type, name, full version)} of every package of a report."""
    return sorted((r.get("type"), p["name"], fixtures.full_version(p))
                  for r, p in fixtures.report_pkgs(report, lambda r: True))


def _strip(d):
    return d.split(":", 1)[1] if isinstance(d, str) and d.startswith("sha256:") else d


def oci_manifest(layout):
    idx = json.load(open(os.path.join(layout, "index.json")))
    d = idx["manifests"][0]["digest"].split(":", 1)[1]
    return json.load(open(os.path.join(layout, "blobs", "sha256", d)))


def archive_config_digest(ex, form):
    """sha256 of the config blob each export really holds (its image ID)."""
    if form == "docker-archive":
        with tarfile.open(ex[form]) as tf:
            cfg = json.load(tf.extractfile("manifest.json"))[0]["Config"]
            return "sha256:" + hashlib.sha256(tf.extractfile(cfg).read()).hexdigest()
    if form == "oci-archive":
        with tarfile.open(ex[form]) as tf:
            idx = json.load(tf.extractfile("index.json"))
            m = json.load(tf.extractfile("blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
            return m["config"]["digest"]
    return oci_manifest(ex["oci-dir"])["config"]["digest"]


def check_identity(ex, form, report, insp, manifest):
    img = report["artifact"].get("image") or {}
    # podman store: podman's own image ID, whatever format the image is stored in; an export:
    # the digest of the config it holds (an OCI export re-encodes a docker config and vice versa)
    want_id = insp["Id"] if form == "podman" else archive_config_digest(ex, form)
    assert _strip(img.get("id")) == _strip(want_id), (form, img.get("id"), want_id)
    layers = img.get("layers") or []
    assert [lay.get("diffId") for lay in layers] == insp["RootFS"]["Layers"], \
        (form, [lay.get("diffId") for lay in layers], insp["RootFS"]["Layers"])
    if form == "oci-dir":
        assert [lay.get("digest") for lay in layers] == [m["digest"] for m in manifest["layers"]], \
            (form, layers, manifest["layers"])
    if form in ("docker-archive", "podman"):
        assert ex["ref"] in (img.get("repoTags") or []), (form, img.get("repoTags"))


def check_image_vs_rootfs(t, name):
    ex = _image(name)
    root = fixtures.rootfs(name)
    insp = fixtures.inspect(name)
    manifest = oci_manifest(ex["oci-dir"])
    base = t.run_json("rootfs", root, timeout=300)
    want_all = pkgset(base)
    want_dpkg = fixtures.dpkg_installed(os.path.join(root, "var/lib/dpkg"))
    want_py = fixtures.python_dists(root)
    assert want_dpkg and fixtures.report_dpkg(base) == want_dpkg
    for form in FORMS:
        rep = scan(t, ex, form)
        assert rep["artifact"].get("type") in ("container_image", "image", "container-image"), \
            rep["artifact"].get("type")
        osr = rep["artifact"].get("os") or {}
        assert (osr.get("family"), osr.get("name"), str(osr.get("version"))) == \
            ("debian", "debian", "12"), (form, osr)
        got_dpkg = fixtures.report_dpkg(rep)
        assert got_dpkg == want_dpkg, (form, set(got_dpkg) ^ set(want_dpkg))
        assert fixtures.report_python(rep) == want_py, (form, fixtures.report_python(rep), want_py)
        got_all = pkgset(rep)
        assert got_all == want_all, (form, sorted(set(got_all) ^ set(want_all))[:20])
        check_identity(ex, form, rep, insp, manifest)
        # single-layer images: every package comes from that layer
        diff = insp["RootFS"]["Layers"][0]
        for r, p in fixtures.report_pkgs(rep, lambda r: True):
            assert _layer_diff(p) == diff, (form, p)


def _layer_diff(p):
    lay = p.get("layer")
    if isinstance(lay, dict):
        return lay.get("diffId") or lay.get("diffID")
    return lay


def test_image_minbase_all_forms(t):
    check_image_vs_rootfs(t, "minbase")


def test_image_python_nodejs_all_forms(t):
    check_image_vs_rootfs(t, "pynode")


def test_image_busybox_all_forms(t):
    ex = _image("busybox")
    insp = fixtures.inspect("busybox")
    manifest = oci_manifest(ex["oci-dir"])
    want_py = sorted((n, v) for _, _, n, v in fixtures.BUSYBOX_DISTS)
    want_dpkg = sorted(fixtures.busybox_dpkg())
    for form in FORMS:
        rep = scan(t, ex, form)
        osr = rep["artifact"].get("os") or {}
        assert {k: str(osr.get(k)) for k in ("family", "name", "version")} == fixtures.BUSYBOX_OS, \
            (form, osr)
        assert fixtures.report_dpkg(rep) == want_dpkg, (form, fixtures.report_dpkg(rep))
        assert fixtures.report_python(rep) == want_py, (form, fixtures.report_python(rep))
        check_identity(ex, form, rep, insp, manifest)
        # the purl namespace is the distribution (ID or ID_LIKE family), never a piece of the ID
        for r, p in fixtures.report_pkgs(rep, lambda r: r.get("type") == "dpkg"):
            ns = p["purl"].split("/")[1]
            assert ns in (fixtures.BUSYBOX_OS["family"], fixtures.BUSYBOX_OS["name"]), p["purl"]


def test_image_whiteout_hides_deleted_packages(t):
    ex = _image("whiteout")
    insp = fixtures.inspect("whiteout")
    assert len(insp["RootFS"]["Layers"]) == 2, insp["RootFS"]["Layers"]
    manifest = oci_manifest(ex["oci-dir"])
    want_py = sorted((n, v) for _, _, n, v in fixtures.WHITEOUT_DISTS)
    l0, l1 = insp["RootFS"]["Layers"]
    for form in FORMS:
        rep = scan(t, ex, form)
        got_py = fixtures.report_python(rep)
        # foo (plain whiteout), qux and Old_Egg (directory replaced in layer 2) are gone
        assert got_py == want_py, (form, got_py, want_py)
        assert fixtures.report_dpkg(rep) == sorted(fixtures.busybox_dpkg()), form
        check_identity(ex, form, rep, insp, manifest)
        layer_of = {p["name"]: _layer_diff(p) for r, p in fixtures.report_pkgs(rep, fixtures.is_python)}
        assert layer_of == {"bar": l0, "baz": l1}, (form, layer_of)


def _stable(report):
    return {k: report.get(k) for k in ("artifact", "results", "warnings")}


def test_image_rescan_from_cache_identical(t):
    ex = _image("pynode")
    for form in ("docker-archive", "oci-dir"):
        first = scan(t, ex, form)
        cache = os.path.join(t.env["XDG_CACHE_HOME"], "mamori")
        assert os.path.isdir(cache) and any(os.scandir(cache)), f"no layer cache under {cache}"
        second = scan(t, ex, form)
        assert _stable(second) == _stable(first), form
        nocache = scan(t, ex, form, "--no-cache")
        assert _stable(nocache) == _stable(first), form
    # the cache is keyed by diff ID: the same layer in another format is a hit, and an explicit
    # --cache-dir is used instead of XDG's
    other = t.path("cache2")
    a = scan(t, ex, "oci-archive", "--cache-dir", other)
    assert any(os.scandir(other)), "--cache-dir not used"
    b = scan(t, ex, "podman", "--cache-dir", other)
    assert pkgset(a) == pkgset(b) == pkgset(first)


def test_image_whiteout_rescan_keeps_whiteouts(t):
    # the second layer's whiteouts must survive the round trip through the layer cache
    ex = _image("whiteout")
    want_py = sorted((n, v) for _, _, n, v in fixtures.WHITEOUT_DISTS)
    for _ in range(2):
        rep = scan(t, ex, "docker-archive")
        assert fixtures.report_python(rep) == want_py, fixtures.report_python(rep)


def test_image_quiet_is_quiet(t):
    # -q: the report on stdout and nothing else, whatever helper (podman save) runs underneath
    ex = _image("busybox")
    for form in FORMS:
        p = t.run("image", ref(ex, form), "-q", "--format", "json", "--no-cache")
        assert p.stderr == "", (form, p.stderr[-2000:])
        assert fixtures.report_dpkg(json.loads(p.stdout)) == sorted(fixtures.busybox_dpkg()), form
