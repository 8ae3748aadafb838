"""The mamori program itself: help, version, exit codes, output, logging,
and the JSON report against its published schema."""
import json
import os

import harness


def test_version(t):
    p = t.run("version")
    assert p.stdout.startswith("mamori "), p.stdout
    assert p.stdout.split()[1][0].isdigit()


def test_help_lists_commands(t):
    p = t.run("--help")
    for cmd in ("image", "rootfs", "fs", "host", "version"):
        assert f"   {cmd} " in p.stdout, cmd
    for cmd in ("image", "rootfs", "fs", "host"):
        h = t.run(cmd, "--help").stdout
        assert h.startswith(f"usage: mamori {cmd}"), h[:80]
        assert "--format" in h and "--limit KEY=VALUE" in h
    assert t.run("help", "image").stdout == t.run("image", "--help").stdout


def test_usage_errors_exit_2(t):
    assert "not a mamori command" in t.run("frobnicate", expect=2).stderr
    assert "target is required" in t.run("rootfs", expect=2).stderr
    assert "unknown format" in t.run("fs", "-f", "xml", ".", expect=2).stderr
    assert "bad --limit" in t.run("fs", "--limit", "max-nope=1", ".", expect=2).stderr
    assert "bad --limit" in t.run("fs", "--limit", "max-file-size=12q", ".", expect=2).stderr
    t.run(expect=2)


def test_missing_target_exit_2(t):
    p = t.run("rootfs", t.path("does-not-exist"), expect=2)
    assert "does-not-exist" in p.stderr and "No such file" in p.stderr, p.stderr


def _ubuntu_root(t):
    t.write("root/var/lib/dpkg/status", open(t.corpus("image/dpkg/trivy-ubuntu1804-status")).read())
    t.write("root/etc/os-release", 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="18.04"\n')
    return t.path("root")


def test_rootfs_json_report_validates(t):
    rep = t.run_json("rootfs", _ubuntu_root(t))
    harness.validate_report(t, rep)
    assert rep["artifact"]["type"] == "rootfs"
    assert rep["artifact"]["os"] == {"family": "ubuntu", "name": "ubuntu", "version": "18.04"}
    [res] = rep["results"]
    assert res["target"] == "ubuntu 18.04" and res["class"] == "os-pkgs" and res["type"] == "dpkg"
    assert len(res["packages"]) == 90
    assert rep["summary"]["packages"] == 90
    bsd = [p for p in res["packages"] if p["name"] == "bsdutils"][0]
    assert bsd["epoch"] == 1 and bsd["version"] == "2.31.1" and bsd["release"] == "0.4ubuntu3.1"
    assert bsd["srcName"] == "util-linux"
    assert bsd["purl"] == "pkg:deb/ubuntu/bsdutils@2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04&epoch=1"


def test_output_file_and_quiet(t):
    out = t.path("report.json")
    p = t.run("rootfs", _ubuntu_root(t), "-f", "json", "-o", out, "-q")
    assert p.stdout == "" and p.stderr == ""
    with open(out) as f:
        assert json.load(f)["summary"]["packages"] == 90
    p = t.run("rootfs", t.path("root"), "-f", "json", "-o", t.path("no/such/dir/r.json"), expect=2)
    assert "cannot write" in p.stderr


def test_bad_file_is_a_warning_not_a_failure(t):
    root = _ubuntu_root(t)
    # an os-release without ID: the scan goes on, the warning names the file
    t.write("root/etc/os-release", "NAME=broken\n")
    p = t.run("rootfs", root, "-f", "json")
    rep = json.loads(p.stdout)
    assert rep["summary"]["packages"] == 90
    assert any("etc/os-release" in w["where"] for w in rep["warnings"]), rep["warnings"]
    assert "etc/os-release" in p.stderr


def test_json_log_format(t):
    t.write("root/etc/os-release", "NAME=broken\n")
    p = t.run("rootfs", t.path("root"), "-f", "json", "--log-format", "json")
    lines = [json.loads(x) for x in p.stderr.splitlines() if x.strip()]
    assert lines and all(set(x) == {"time", "level", "msg"} for x in lines), p.stderr
    assert any(x["level"] == "warn" and "os-release" in x["msg"] for x in lines)


def test_file_size_limit_is_named(t):
    root = _ubuntu_root(t)
    p = t.run("rootfs", root, "-f", "json", "--limit", "max-file-size=1k")
    rep = json.loads(p.stdout)
    assert rep["summary"]["packages"] == 0
    assert any("max-file-size" in w["message"] for w in rep["warnings"]), rep["warnings"]


def test_symlinks_not_followed(t):
    # a link out of the root must not be read as the root's package DB
    os.makedirs(t.path("root/var/lib/dpkg"))
    os.symlink(t.corpus("image/dpkg/trivy-ubuntu1804-status"), t.path("root/var/lib/dpkg/status"))
    os.symlink("/", t.path("root/escape"))
    rep = t.run_json("rootfs", t.path("root"))
    assert rep["summary"]["packages"] == 0


def test_host_scan_finds_dpkg(t):
    if not os.path.exists("/var/lib/dpkg/status"):
        raise harness.Skip("not a dpkg host")
    # the SBOM of the host; secrets and malware over all of / are their own tests
    rep = t.run_json("host", "--no-cache", "--scanners", "none", timeout=900)
    harness.validate_report(t, rep)
    assert rep["artifact"]["type"] == "host" and rep["artifact"]["hostname"]
    os_res = [r for r in rep["results"] if r["class"] == "os-pkgs"]
    assert os_res and len(os_res[0]["packages"]) > 50
