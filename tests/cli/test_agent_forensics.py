"""mamori agent --forensics-dir: evidence bundles from the real agent.

A busybox container (podman, runc, cgroupfs) reads /etc/shadow from a shell
whose stdio is a netcat connection and that keeps running (sleep 30): the
test's Critical rule fires and the bundle must hold that shell's command
line and ancestors/children, its environment with the secret values the
test set redacted (names kept), its descriptors with the socket resolved
from the container's /proc/net/tcp6, the container id, the recent events
of that container, and the sha256 of the shell's binary (as sha256sum in
the container computes it). A Notice rule does not make a bundle. On the
host, rate limits: one bundle per process and rule, --forensics-max."""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_util import (PODMAN, AgentProcess, fixtures, last_stats, need_ebpf, podman_ok,  # noqa: E402
                        podman_rm_at_cleanup, read_jsonl)


class Agent(AgentProcess):
    """The agent with --output/--duration; finish() returns (alerts, stats, stderr)."""

    def __init__(self, t, *args, duration=20):
        super().__init__(t, *args, duration=duration, prefix="alerts")

    def finish(self):
        err = self.wait_ok(interrupt=True)
        alerts = read_jsonl(self.out)
        stats = last_stats(err)
        assert stats is not None, err
        return alerts, stats, err


def rules_file(t, text):
    return t.write(f"rules-{uuid.uuid4().hex[:6]}.yaml", text)


def read_bundle(path):
    members = {}
    with tarfile.open(path) as tf:
        names = tf.getnames()
        for m in tf.getmembers():
            assert m.isfile() and m.mode == 0o600, (m.name, m.mode)
            members[m.name] = tf.extractfile(m).read()
    assert names[0] == "manifest.json", names
    man = json.loads(members["manifest.json"])
    # every other member is listed with its size and sha256
    listed = {f["name"]: f for f in man["files"]}
    assert set(listed) == set(members) - {"manifest.json"}, (listed.keys(), members.keys())
    for name, data in members.items():
        if name != "manifest.json":
            assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
            assert listed[name]["size"] == len(data)
    return man, {k: json.loads(v) for k, v in members.items()}, members


CONTAINER_RULES = """
- rule: mmr forensics test shadow read
  desc: a read of /etc/shadow in a container
  condition: evt.type in (open, openat, openat2) and evt.is_open_read=true and fd.name = /etc/shadow and container.name = {name}
  output: shadow read in container (command=%proc.cmdline container=%container.id)
  priority: CRITICAL
  tags: [test]
- rule: mmr forensics test notice
  desc: a notice that must not make a bundle
  condition: evt.type in (execve, execveat) and container.name = {name} and proc.args = "30"
  output: sleep in container (command=%proc.cmdline)
  priority: NOTICE
"""

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + uuid.uuid4().hex[:10]
TOKEN = "mmr-tok-" + uuid.uuid4().hex[:12]
# the child (sleep 30) exists before the read that raises the alert
INNER = "sleep 30 & sleep 0.3; exec 3</etc/shadow; wait; true"
# the client retries until the listener is up
SCRIPT = ("echo 'root:*:19000:0:99999:7:::' > /etc/shadow; "
          f"/bin/nc -l -p 4458 -e /bin/sh -c '{INNER}' & "
          "(for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.3; /bin/nc 127.0.0.1 4458 </dev/null >/dev/null && break; done) & "
          "sleep 60")


def test_agent_forensics_container_bundle(t):
    podman_ok()
    bdir = t.path("bundles")
    # only this test's container (other tests read /etc/shadow in theirs)
    name = "mmr-forensics-" + uuid.uuid4().hex[:8]
    a = Agent(t, "--no-default-rules", "--rules", rules_file(t, CONTAINER_RULES.format(name=name)),
              "--forensics-dir", bdir, "--forensics-events", "64", duration=40)
    need_ebpf(a)
    podman_rm_at_cleanup(t, name)
    r = subprocess.run([*PODMAN, "run", "-d", "--name", name, "-e", f"AWS_SECRET_ACCESS_KEY={SECRET}",
                        "-e", f"MY_TOKEN={TOKEN}", "-e", "PLAIN_VAR=plain-value",
                        fixtures.image_ref("busybox"), "sh", "-c", SCRIPT],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip().splitlines()[-1]
    assert len(cid) == 64, r.stdout
    deadline = time.time() + 20
    tars = []
    while time.time() < deadline and not tars:
        time.sleep(0.2)
        tars = [f for f in os.listdir(bdir) if f.endswith(".tar")] if os.path.isdir(bdir) else []
    assert tars, f"no bundle in {bdir}:\n{a.stderr()[-2000:]}"
    time.sleep(1.0)  # the sleep's Notice alert has happened by now
    want_exe = subprocess.run([*PODMAN, "exec", name, "sha256sum", "/bin/sh"], capture_output=True, text=True,
                              check=True).stdout.split()[0]
    alerts, stats, err = a.finish()
    subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True)

    tars = sorted(f for f in os.listdir(bdir) if f.endswith(".tar"))
    assert len(tars) == 1, tars
    assert os.stat(bdir).st_mode & 0o777 == 0o700
    path = os.path.join(bdir, tars[0])
    assert os.stat(path).st_mode & 0o777 == 0o600
    man, parts, raw = read_bundle(path)
    assert tars[0].split("-", 1)[1].startswith("mmr-forensics-test-shadow-read-"), tars[0]
    assert man["alert"]["rule"] == "mmr forensics test shadow read" and man["alert"]["priority"] == "Critical"
    assert man["container_id"] == cid and man["process_alive"] is True, man
    pid = man["pid"]
    assert tars[0].endswith(f"-{pid}.tar")

    # process tree: the shell with its command line, its parent chain, its sleep child
    tree = parts["process.json"]
    me = tree[0]
    assert me["role"] == "process" and me["pid"] == pid and me["cmdline"] == ["/bin/sh", "-c", INNER], me
    assert me["exe"] == "/bin/busybox" and me["uid"] == 0 and me["start_time"].endswith("Z")
    anc = [p for p in tree if p["role"] == "ancestor"]
    assert anc and anc[0]["pid"] == me["ppid"], tree
    assert any(p["exe"] == "/usr/bin/conmon" for p in anc), [p["exe"] for p in anc]
    kids = [p for p in tree if p["role"] == "child"]
    assert [k["cmdline"] for k in kids] == [["sleep", "30"]], kids

    # environment: names kept, secret values nowhere in the bundle
    env = {e["name"]: e for e in parts["environ.json"]}
    assert env["AWS_SECRET_ACCESS_KEY"].get("redacted") is True and "value" not in env["AWS_SECRET_ACCESS_KEY"]
    assert env["MY_TOKEN"].get("redacted") is True and env["MY_TOKEN"]["length"] == len(TOKEN)
    assert env["PLAIN_VAR"]["value"] == "plain-value"
    for data in raw.values():
        assert SECRET.encode() not in data and TOKEN.encode() not in data

    # descriptors: the shadow file and the netcat connection as stdin/stdout
    fds = {f["fd"]: f for f in parts["fds.json"]}
    assert fds[3]["target"] == "/etc/shadow", fds
    sock = fds[0].get("socket")
    assert sock and sock["proto"] in ("tcp", "tcp6") and \
        sock["local"] in ("127.0.0.1:4458", "[::ffff:127.0.0.1]:4458"), fds[0]
    assert fds[1]["target"] == fds[0]["target"]

    # container metadata, recent events of that container, exe hash
    c = parts["container.json"]
    assert c["id"] == cid and c["name"] == name and c["image"] == fixtures.image_ref("busybox"), c
    ev = parts["events.json"]
    assert 0 < len(ev) <= 64
    assert any(e["type"] in ("open", "openat") and e.get("fd") == "/etc/shadow" and e["pid"] == pid for e in ev), ev[-5:]
    assert any(e["type"] == "execve" and "4458 -e /bin/sh" in e.get("detail", "") for e in ev), ev
    assert parts["exe.json"]["sha256"] == want_exe == man["exe_sha256"], (parts["exe.json"], want_exe)
    assert parts["exe.json"]["path"] == "/bin/busybox"

    # the bundle is announced as an alert and on stderr; counters
    note = [x for x in alerts if x["rule"] == "mamori: forensics bundle written"]
    assert len(note) == 1 and note[0]["output_fields"]["forensics.path"] == path, note
    assert note[0]["priority"] == "Informational"
    assert f"forensics bundle {path}" in err
    assert [x for x in alerts if x["rule"] == "mmr forensics test notice"], "the Notice rule did not fire"
    f = stats["forensics"]
    assert f["bundles"] == 1 and f["failed"] == 0 and f["event_rings"] >= 1, f


HOST_RULES = """
- rule: mmr forensics test host write
  desc: a write to the test's trigger file
  condition: evt.type in (open, openat, openat2) and evt.is_open_write=true and fd.name startswith "{prefix}"
  output: trigger written (file=%fd.name command=%proc.cmdline)
  priority: CRITICAL
"""


def test_agent_forensics_rate_limits(t):
    """Process A writes the trigger 20 times (one bundle, 19 rate-limited), B once
    (a second bundle), C once (over --forensics-max 2: capped)."""
    prefix = t.path("trigger-")
    bdir = t.path("b")
    a = Agent(t, "--no-default-rules", "--rules", rules_file(t, HOST_RULES.format(prefix=prefix)),
              "--forensics-dir", bdir, "--forensics-max", "2", duration=20)
    need_ebpf(a)
    code = ("import sys,time\n"
            "for i in range(int(sys.argv[2])):\n"
            "    open(sys.argv[1], 'w').close()\n"
            "time.sleep(1.0)\n")
    procs = []
    for who, n in (("a", 20), ("b", 1)):
        p = subprocess.Popen([sys.executable, "-c", code, prefix + who, str(n)])
        procs.append(p)
        time.sleep(0.2)
    for p in procs:
        p.wait(timeout=30)
    c = subprocess.Popen([sys.executable, "-c", code, prefix + "c", "1"])
    c.wait(timeout=30)
    alerts, stats, err = a.finish()
    tars = sorted(f for f in os.listdir(bdir) if f.endswith(".tar"))
    pids = sorted(int(f.rsplit("-", 1)[1][:-4]) for f in tars)
    assert pids == sorted([procs[0].pid, procs[1].pid]), (tars, [p.pid for p in procs], c.pid)
    f = stats["forensics"]
    assert f["bundles"] == 2 and f["rate_limited"] == 19 and f["capped"] == 1, f
    assert stats["matches"] == 22
    man, parts, _ = read_bundle(os.path.join(bdir, tars[0]))
    assert man["container_id"] == "host" and parts["container.json"] == {"id": "host"}
    assert parts["process.json"][0]["cmdline"][:2] == [sys.executable, "-c"] or \
        os.path.basename(parts["process.json"][0]["cmdline"][0]).startswith("python"), parts["process.json"][0]


def test_agent_forensics_usage(t):
    p = t.run("agent", "--help")
    assert "--forensics-dir" in p.stdout and "--forensics-priority" in p.stdout
    p = t.run("agent", "--forensics-priority", "loud", expect=2)
    assert "unknown --forensics-priority 'loud'" in p.stderr
    p = t.run("agent", "--forensics-events", "0", expect=2)
    assert "bad --forensics-events" in p.stderr
    p = t.run("agent", "--forensics-events", "5000", expect=2)
    assert "bad --forensics-events" in p.stderr
