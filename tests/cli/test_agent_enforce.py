"""mamori agent --enforce: real podman containers (runc, cgroupfs, the
busybox-static fixture image) under an enforcement policy.

Busybox applets are symlinks to /bin/busybox, so "a binary outside
allow_exec" is a copy of busybox at /tmp/echo (busybox runs the applet its name says) inside the container. Commands
run with `podman exec` in a container started with `--network host`, so a
TCP listener of the test on 127.0.0.1 is reachable from it."""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid

import harness
from test_agent import PODMAN, Agent, podman_ok

import fixtures  # noqa: E402  (test_agent put tests/fixtures on sys.path)


class Listener:
    """A TCP listener on 127.0.0.1 that records what each connection sent."""

    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.s.settimeout(0.2)
        self.port = self.s.getsockname()[1]
        self.got = []
        self.stop = False
        self.th = threading.Thread(target=self.loop, daemon=True)
        self.th.start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.s.accept()
            except OSError:
                continue
            c.settimeout(1)
            try:
                self.got.append(c.recv(100))
            except OSError:
                self.got.append(b"")
            c.close()

    def close(self):
        self.stop = True
        self.th.join(2)
        self.s.close()


def start_agent(t, policy, *extra, duration=30):
    pol = t.path(f"policy-{uuid.uuid4().hex[:6]}.yaml")
    with open(pol, "w") as f:
        f.write(policy)
    a = Agent(t, "--enforce", pol, *extra, duration=duration, events=False)
    err = a.stderr()
    if "enforce: " not in err:
        a.kill()
        raise AssertionError(err)
    return a


def finish(a):
    """Stop the agent (SIGINT), return (alerts, stats)."""
    if a.p.poll() is None:
        a.p.send_signal(signal.SIGINT)
    rc = a.p.wait(timeout=30)
    a.errf.close()
    err = a.stderr()
    assert rc == 0, f"agent exit {rc}:\n{err[-3000:]}"
    alerts = [json.loads(ln) for ln in open(a.out) if ln.strip()]
    stats = None
    for ln in err.splitlines():
        if ln.startswith("mamori agent: stats "):
            stats = json.loads(ln[len("mamori agent: stats "):])
    assert stats is not None and "enforce" in stats, err
    return alerts, stats


def container(t, prefix="mmr-enforce-"):
    podman_ok()
    name = prefix + uuid.uuid4().hex[:8]
    t.on_cleanup(lambda: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True))
    subprocess.run([*PODMAN, "run", "-d", "--network", "host", "--name", name, fixtures.image_ref("busybox"),
                    "sleep", "120"], check=True, capture_output=True, timeout=60)
    cid = subprocess.run([*PODMAN, "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    return name, cid


def pexec(name, script, timeout=30):
    return subprocess.run([*PODMAN, "exec", name, "sh", "-c", script], capture_output=True, text=True,
                          timeout=timeout)


def enforcements(alerts, rule):
    return [a for a in alerts if a["rule"] == rule]


DENIED = ("Permission denied", "Operation not permitted")


def policy(name, deny_port, kill=False):
    return (f"version: 1\n"
            f"workloads:\n"
            f"  - name: web\n"
            f"    match: {{container: \"{name}\"}}\n"
            f"    allow_exec: [/bin/busybox, /bin/sh]\n"
            f"    deny_write: [/etc/]\n"
            f"    deny_connect: [\"127.0.0.1:{deny_port}\"]\n" +
            ("    kill_on: [\"mamori: read of shadow or ssh keys\"]\n" if kill else ""))


def test_agent_enforce_policy_errors(t):
    p = t.run("agent", "--help")
    assert "--enforce FILE" in p.stdout
    bad = t.write("bad.yaml", "workloads:\n  - match: host\n    deny_connect: [10.0.0.0/8, 1.2.3.4/40]\n")
    p = t.run("agent", "--enforce", bad, expect=2)
    assert f"{bad}:3:" in p.stderr and "'1.2.3.4/40' is not" in p.stderr, p.stderr
    bad = t.write("bad2.yaml", "workloads:\n  - name: x\n    allow_exec: [/bin/sh]\n")
    p = t.run("agent", "--enforce", bad, expect=2)
    assert f"{bad}:2:" in p.stderr and "'match' is missing" in p.stderr, p.stderr
    p = t.run("agent", "--enforce", t.path("nosuch.yaml"), expect=2)
    assert "No such file" in p.stderr


def test_agent_enforce_container(t):
    """exec outside allow_exec and writes below /etc fail in the container,
    allowed ones run; a connect to a denied 127.0.0.1 port fails and to
    another port succeeds; the host is unaffected; each enforcement is an
    alert with the container id."""
    podman_ok()
    deny_l, allow_l = Listener(), Listener()
    t.on_cleanup(deny_l.close)
    t.on_cleanup(allow_l.close)
    name, cid = container(t)
    a = start_agent(t, policy(name, deny_l.port))
    r = pexec(name, "/bin/echo allowed-ok")
    assert r.returncode == 0 and r.stdout.strip() == "allowed-ok", r
    r = pexec(name, "cp /bin/busybox /tmp/echo && /tmp/echo should-not-run")
    assert r.returncode == 126 and "should-not-run" not in r.stdout, r
    assert any(d in r.stderr for d in DENIED), r.stderr
    r = pexec(name, "echo x > /etc/mmr-enforce-dropped")
    assert r.returncode != 0 and any(d in r.stderr for d in DENIED), r
    r = pexec(name, "echo y > /tmp/ok && cat /tmp/ok")
    assert r.returncode == 0 and r.stdout.strip() == "y", r
    r = pexec(name, f"echo blocked | nc -w 2 127.0.0.1 {deny_l.port}")
    assert r.returncode != 0 and any(d in r.stderr for d in DENIED), r
    r = pexec(name, f"echo passes | nc -w 2 127.0.0.1 {allow_l.port}")
    assert r.returncode == 0, r
    # the host: an exec of a copied binary and a write, both fine
    host_bin = t.path("true-copy")
    shutil.copy("/bin/true", host_bin)
    assert subprocess.run([host_bin]).returncode == 0
    with open(t.path("host-write"), "w") as f:
        f.write("x")
    s = socket.create_connection(("127.0.0.1", deny_l.port), timeout=2)
    s.sendall(b"host")
    s.close()
    time.sleep(0.5)
    alerts, stats = finish(a)

    deadline = time.time() + 3
    while time.time() < deadline and (b"passes\n" not in allow_l.got or b"host" not in deny_l.got):
        time.sleep(0.1)
    assert b"passes\n" in allow_l.got, allow_l.got
    assert b"blocked\n" not in deny_l.got and b"host" in deny_l.got, deny_l.got
    ex = enforcements(alerts, "Enforcement: exec denied")
    assert len(ex) == 1, ex
    f = ex[0]["output_fields"]
    assert f["fd.name"] == "/tmp/echo" and f["container.id"] == cid[:12] and f["enforce.workload"] == "web", f
    assert f["container.name"] == name and f["enforce.dry_run"] is False and ex[0]["priority"] == "Critical"
    wr = enforcements(alerts, "Enforcement: write denied")
    assert [w["output_fields"]["fd.name"] for w in wr] == ["/etc/mmr-enforce-dropped"], wr
    co = enforcements(alerts, "Enforcement: connect blocked")
    assert len(co) == 1 and co[0]["output_fields"]["enforce.addr"] == f"127.0.0.1:{deny_l.port}", co
    assert co[0]["output_fields"]["container.id"] == cid[:12], co
    st = stats["enforce"]
    assert st["exec_denied"] == 1 and st["write_denied"] == 1 and st["connect_blocked"] == 1, st
    assert not [x for x in alerts if x["rule"].startswith("Enforcement") and
                x["output_fields"]["container.id"] == "host"]


def test_agent_enforce_kill_on(t):
    """A process of the workload that reads /etc/shadow is SIGKILLed."""
    podman_ok()
    name, cid = container(t)
    r = pexec(name, "echo 'root:*:19000:0:99999:7:::' > /etc/shadow")
    assert r.returncode == 0, r
    a = start_agent(t, policy(name, 1, kill=True).replace("    deny_write: [/etc/]\n", ""))
    if "sensor ebpf" not in a.stderr():
        a.kill()
        raise harness.Skip("kill_on needs the eBPF sensor's open events")
    t0 = time.time()
    r = pexec(name, "exec 3</etc/shadow; sleep 8; echo survived")
    took = time.time() - t0
    assert r.returncode == 137 and "survived" not in r.stdout, r
    assert took < 6, took
    r = pexec(name, "cat /etc/hostname >/dev/null; echo fine")
    assert r.returncode == 0 and r.stdout.strip() == "fine"
    alerts, stats = finish(a)
    k = enforcements(alerts, "Enforcement: process killed")
    assert len(k) == 1, [x["rule"] for x in alerts]
    f = k[0]["output_fields"]
    assert f["enforce.trigger_rule"] == "mamori: read of shadow or ssh keys" and f["container.id"] == cid[:12], f
    assert stats["enforce"]["killed"] == 1


def test_agent_enforce_dry_run(t):
    """--dry-run: everything goes through, every enforcement is reported."""
    podman_ok()
    lis = Listener()
    t.on_cleanup(lis.close)
    name, cid = container(t)
    r = pexec(name, "echo 'root:*:19000:0:99999:7:::' > /etc/shadow; cp /bin/busybox /tmp/echo")
    assert r.returncode == 0, r
    a = start_agent(t, policy(name, lis.port, kill=True), "--dry-run")
    assert "dry run" in a.stderr()
    r = pexec(name, "/tmp/echo ran; echo x > /etc/mmr-dry; "
                    f"echo through | nc -w 2 127.0.0.1 {lis.port}; exec 3</etc/shadow; sleep 1; echo survived")
    assert r.returncode == 0 and "ran" in r.stdout and "survived" in r.stdout, r
    assert pexec(name, "cat /etc/mmr-dry").stdout.strip() == "x"
    time.sleep(0.3)
    alerts, stats = finish(a)
    assert b"through\n" in lis.got, lis.got
    rules = sorted(x["rule"] for x in alerts if x["rule"].startswith("Enforcement"))
    assert "Enforcement: exec denied" in rules and "Enforcement: write denied" in rules, rules
    assert "Enforcement: connect blocked" in rules, rules
    if "sensor ebpf" in a.stderr():
        assert "Enforcement: process killed" in rules, rules
    for x in alerts:
        if x["rule"].startswith("Enforcement"):
            assert x["output_fields"]["enforce.dry_run"] is True and "would be" in x["output"], x
            assert "dry_run" in x["tags"]
    assert stats["enforce"]["killed"] == 0


def test_agent_enforce_failsafe_agent_killed(t):
    """SIGKILL the agent: the container can exec and connect again at once."""
    podman_ok()
    lis = Listener()
    t.on_cleanup(lis.close)
    name, cid = container(t)
    r = pexec(name, "cp /bin/busybox /tmp/echo")
    assert r.returncode == 0
    a = start_agent(t, policy(name, lis.port))
    r = pexec(name, "/tmp/echo ran")
    assert r.returncode == 126, r  # enforced while the agent runs
    a.p.kill()
    a.p.wait(timeout=10)
    t0 = time.time()
    r = pexec(name, f"/tmp/echo ran; echo again | nc -w 2 127.0.0.1 {lis.port}", timeout=20)
    assert r.returncode == 0 and r.stdout.strip() == "ran", r
    assert time.time() - t0 < 10
    deadline = time.time() + 3
    while time.time() < deadline and b"again\n" not in lis.got:
        time.sleep(0.1)
    assert b"again\n" in lis.got
