"""mamori agent learned baselines, network map and live file integrity on the
real kernel with real podman containers (runc, cgroupfs, the busybox fixture):

- learn a busybox workload for 3 s, then a new binary in a new container of the
  same image is a "Baseline deviation" naming the binary, the container and the
  workload (image + digest), while the learned commands stay quiet;
- the baseline survives in SQLite: a manual deny (YAML import) turns a learned
  item into a deviation, `baseline mode ... protect` makes it Critical;
- export -> import -> export gives the same YAML;
- `agent netmap` shows the container's connection to a 127.0.0.1 TCP server the
  test runs, in JSON and in DOT (checked with `dot -Tsvg` when graphviz is here);
- live FIM: modify / delete / chmod / add under a watched directory are alerts
  while the agent runs."""
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid

import harness
from test_agent import PODMAN, fixtures, need_ebpf, podman_ok

DEV = "Baseline deviation"


class Agent:
    """mamori agent with alerts to a file (rules on); stop() returns the alerts."""

    def __init__(self, t, *args, duration=60):
        if os.geteuid() != 0:
            raise harness.Skip("the agent needs root")
        self.t = t
        self.out = t.path(f"alerts-{uuid.uuid4().hex[:6]}.jsonl")
        self.err = self.out + ".err"
        self.errf = open(self.err, "w")
        self.p = subprocess.Popen([t.mamori, "agent", "--output", self.out, "--duration", str(duration), *args],
                                  stdout=subprocess.DEVNULL, stderr=self.errf, env=t.env)
        t.on_cleanup(self.kill)
        deadline = time.time() + 30
        while time.time() < deadline:
            if "mamori agent: ready" in self.stderr():
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"agent did not start (exit {self.p.poll()}):\n{self.stderr()}")

    def stderr(self):
        with open(self.err) as f:
            return f.read()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def alerts(self):
        out = []
        if os.path.exists(self.out):
            with open(self.out) as f:
                for line in f:
                    if line.endswith("\n"):
                        out.append(json.loads(line))
        return out

    def stop(self):
        self.p.send_signal(2)
        rc = self.p.wait(timeout=60)
        self.errf.close()
        err = self.stderr()
        assert rc == 0, f"agent exit {rc}:\n{err[-3000:]}"
        stats = None
        for line in err.splitlines():
            if line.startswith("mamori agent: stats "):
                stats = json.loads(line[len("mamori agent: stats "):])
        assert stats is not None, err
        alerts = self.alerts()
        assert stats["matches"] + stats["module_alerts"] == len(alerts), (stats, len(alerts))
        return alerts, stats, err


def run_container(t, script, *podman_args):
    name = "mmr-baseline-" + uuid.uuid4().hex[:8]
    t.on_cleanup(lambda: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True))
    r = subprocess.run([*PODMAN, "run", "--name", name, *podman_args, fixtures.image_ref("busybox"),
                        "sh", "-c", script], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, (r.stdout, r.stderr)
    info = json.loads(subprocess.run([*PODMAN, "inspect", name], capture_output=True, text=True,
                                     check=True).stdout)[0]
    return name, info["Id"], info["ImageDigest"]


def deviations(alerts, cid=None):
    out = []
    for a in alerts:
        if a["rule"] != DEV:
            continue
        assert a["source"] == "mamori" and a["priority"] in ("Warning", "Critical"), a
        if cid is None or a["output_fields"]["container.id"] == cid[:12]:
            out.append(a)
    return out


def items(devs, kind):
    return {d["item"] for a in devs for d in a["output_fields"]["baseline.deviations"] if d["kind"] == kind}


class Server:
    """A TCP server on 127.0.0.1 that accepts and closes."""

    def __init__(self, t):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.s.settimeout(0.2)
        self.port = self.s.getsockname()[1]
        self.accepted = 0
        self.done = False
        self.th = threading.Thread(target=self.loop, daemon=True)
        self.th.start()
        t.on_cleanup(self.close)

    def loop(self):
        while not self.done:
            try:
                c, _ = self.s.accept()
                self.accepted += 1
                c.close()
            except OSError:
                pass

    def close(self):
        self.done = True
        self.th.join(2)
        self.s.close()


LEARN_SCRIPT = "/bin/ls / > /dev/null; /bin/cat /etc/os-release > /dev/null; /bin/true"


def test_agent_baseline_learn_monitor_protect(t):
    podman_ok()
    db, nm = t.path("state/bl.db"), t.path("state/netmap.json")
    srv = Server(t)
    a = Agent(t, "--baseline-db", db, "--learn", "3s", "--netmap-db", nm)
    need_ebpf(a)
    assert "baselines: " + db in a.stderr()
    t0 = time.time()
    learn_ids = [run_container(t, LEARN_SCRIPT)[1] for _ in range(3)]
    time.sleep(max(0.0, 3.5 - (time.time() - t0)))
    # monitor: the learned commands again, then a copied busybox under a new
    # name and a connection to the test's server
    script = (LEARN_SCRIPT + "; mkdir /tmp/mmr; cp /bin/busybox /tmp/mmr/echo; /tmp/mmr/echo hi > /dev/null; "
              f"/bin/nc -w 1 127.0.0.1 {srv.port} < /dev/null; true")
    name, cid, digest = run_container(t, script, "--network", "host")
    alerts, stats, err = a.stop()
    assert srv.accepted >= 1
    repo = fixtures.image_ref("busybox").rsplit(":", 1)[0]
    wl = "image:" + repo
    assert digest.startswith("sha256:")

    for lid in learn_ids:
        assert not deviations(alerts, lid), "a deviation while learning"
    mine = deviations(alerts, cid)
    ex = [x for x in mine if x["output_fields"]["baseline.item"] == "/tmp/mmr/echo"]
    assert ex, [x["output"] for x in mine]
    f = ex[0]["output_fields"]
    assert f["baseline.kind"] == "exec" and f["baseline.workload"] == wl and f["baseline.digest"] == digest, f
    assert f["baseline.mode"] == "monitor" and ex[0]["priority"] == "Warning"
    assert f["proc.exepath"] == "/tmp/mmr/echo" and f["container.name"] == name, f
    out = ex[0]["output"]
    assert "exec of /tmp/mmr/echo by /bin/sh as root" in out and cid[:12] in out and wl in out and digest in out, out
    # the learned behaviour stays quiet; the new connection is a deviation
    assert not ({"/bin/ls", "/bin/cat", "/bin/true"} & items(mine, "exec")), items(mine, "exec")
    assert "127.0.0.1:%d" % srv.port in items(mine, "peer"), items(mine, "peer")
    assert stats["baseline"]["deviations"] >= 2 and stats["baseline"]["save_errors"] == 0

    # stored: list / show
    assert (os.stat(os.path.dirname(db)).st_mode & 0o777) == 0o700
    p = t.run("agent", "baseline", "list", "--baseline-db", db)
    row = [ln for ln in p.stdout.splitlines() if ln.startswith(wl + " ")]
    assert row and row[0].split()[1] == "monitor" and digest in row[0], p.stdout
    shown = t.run("agent", "baseline", "show", wl, "--baseline-db", db).stdout
    assert '"/bin/ls"' in shown and '"/tmp/mmr/echo"' not in shown, shown

    # network map: JSON and DOT
    doc = t.run_json("agent", "netmap", "--db", nm)
    edges = [e for e in doc["edges"] if e["from"] == name and srv.port in e["ports"]]
    assert edges and edges[0]["proto"] == "tcp" and edges[0]["count"] >= 1, doc
    assert {"id": name, "kind": "workload"} in doc["nodes"]
    dot = t.run("agent", "netmap", "--db", nm, "--format", "dot").stdout
    assert dot.startswith("digraph mamori_netmap {") and f'"{name}" ->' in dot and f"tcp/{srv.port}" in dot, dot
    if shutil.which("dot"):
        r = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "<svg" in r.stdout, r.stderr

    # a manual deny of a learned item, and protect mode, in a second run
    # that loads the stored baseline
    deny = t.write("deny.yaml", f'version: 1\nworkloads:\n  - key: "{wl}"\n    deny:\n      exec: ["/bin/cat"]\n')
    t.run("agent", "baseline", "import", deny, "--baseline-db", db)
    shown = t.run("agent", "baseline", "show", wl, "--baseline-db", db).stdout
    learned, denied = shown.split("    deny:")[0], shown.split("    deny:")[1]
    assert '"/bin/cat"' in denied and '"/bin/cat"' not in learned and '"/bin/ls"' in learned, shown
    p = t.run("agent", "baseline", "mode", wl, "protect", "--baseline-db", db)
    a = Agent(t, "--baseline-db", db)
    assert "1 workloads loaded" in a.stderr() or "workloads loaded" in a.stderr()
    name2, cid2, _ = run_container(t, LEARN_SCRIPT)
    alerts, stats, err = a.stop()
    mine = deviations(alerts, cid2)
    assert items(mine, "exec") == {"/bin/cat"}, [x["output"] for x in mine]
    cat = [x for x in mine if x["output_fields"]["baseline.item"] == "/bin/cat"][0]
    assert cat["priority"] == "Critical" and cat["output_fields"]["baseline.mode"] == "protect"
    assert cat["output_fields"]["baseline.denied"] is True and "on its deny list" in cat["output"], cat


def test_agent_baseline_export_import(t):
    db, db2 = t.path("a/bl.db"), t.path("b/bl.db")
    src = t.write("in.yaml", """version: 1
workloads:
  - key: "workload:web"
    digest: "sha256:1111"
    mode: monitor
    learned:
      exec: ["/usr/sbin/nginx", "/bin/sh"]
      listen: ["tcp/80"]
      peer: ["10.0.0.5:5432"]
    allow:
      exec: ["/usr/bin/curl"]
    deny:
      exec: ["/bin/sh"]
  - key: "image:docker.io/library/redis"
    mode: learn
    learned:
      user: ["redis"]
""")
    t.run("agent", "baseline", "import", src, "--baseline-db", db)
    # the deny replaced the learned /bin/sh
    p = t.run("agent", "baseline", "list", "--baseline-db", db)
    rows = {ln.split()[0]: ln.split() for ln in p.stdout.splitlines()[1:]}
    assert rows["workload:web"][1:5] == ["monitor", "3", "1", "1"], p.stdout
    assert rows["image:docker.io/library/redis"][1:5] == ["learn", "1", "0", "0"], p.stdout
    out1 = t.path("out1.yaml")
    t.run("agent", "baseline", "export", "-o", out1, "--baseline-db", db)
    t.run("agent", "baseline", "import", out1, "--baseline-db", db2)
    y1 = open(out1).read()
    y2 = t.run("agent", "baseline", "export", "--baseline-db", db2).stdout
    assert y1 == y2 and '"/usr/bin/curl"' in y1, (y1, y2)
    one = t.run("agent", "baseline", "export", "workload:web", "--baseline-db", db2).stdout
    assert "workload:web" in one and "redis" not in one
    # reset drops learned items, keeps manual ones
    t.run("agent", "baseline", "reset", "workload:web", "--baseline-db", db2)
    p = t.run("agent", "baseline", "list", "--baseline-db", db2)
    row = [ln.split() for ln in p.stdout.splitlines() if ln.startswith("workload:web ")][0]
    assert row[1:5] == ["learn", "0", "1", "1"], p.stdout
    # errors
    p = t.run("agent", "baseline", "show", "workload:nope", "--baseline-db", db2, expect=2)
    assert "no workload 'workload:nope'" in p.stderr
    bad = t.write("bad.yaml", "version: 1\nworkloads:\n  - key: x\n    learned:\n      bogus: [a]\n")
    p = t.run("agent", "baseline", "import", bad, "--baseline-db", db2, expect=2)
    assert "bad.yaml" in p.stderr and "unknown kind 'bogus'" in p.stderr
    p = t.run("agent", "baseline", "mode", "workload:web", "sleep", "--baseline-db", db2, expect=2)
    assert "bad mode 'sleep'" in p.stderr
    p = t.run("agent", "baseline", "list", "--baseline-db", t.path("none.db"), expect=2)
    assert "no baseline database" in p.stderr
    p = t.run("agent", "--learn", "soon", expect=2)
    assert "bad --learn 'soon'" in p.stderr
    p = t.run("agent", "--workload", "noglob", expect=2)
    assert "bad --workload 'noglob'" in p.stderr
    p = t.run("agent", "--help")
    assert "--baseline-db" in p.stdout and "--netmap" in p.stdout and "--fim-paths" in p.stdout


def test_agent_fim_live(t):
    if os.geteuid() != 0:
        raise harness.Skip("the agent needs root")
    for n in ("a.txt", "b.txt", "c.txt"):
        t.write(f"w/{n}", n + "\n")
    t.write("other/x.txt", "x\n")
    w, fdb = t.path("w"), t.path("fim.db")
    t.run("agent", "fim", "init", "--paths", w, "--db", fdb)
    a = Agent(t, "--fim-db", fdb, "--fim-paths", w)
    need_ebpf(a)
    assert "fim: 4 entries" in a.stderr(), a.stderr()
    with open(os.path.join(w, "a.txt"), "w") as f:
        f.write("changed\n")
    os.unlink(os.path.join(w, "b.txt"))
    os.chmod(os.path.join(w, "c.txt"), 0o600)
    with open(os.path.join(w, "new.txt"), "w") as f:
        f.write("new\n")
    with open(t.path("other/x.txt"), "w") as f:
        f.write("not watched\n")
    want = {("modified", "a.txt"), ("deleted", "b.txt"), ("perms", "c.txt"), ("added", "new.txt")}
    deadline = time.time() + 5
    got = set()
    while time.time() < deadline and not want <= got:  # reported while the agent runs
        time.sleep(0.1)
        got = {(x["output_fields"]["fim.change"], os.path.relpath(x["output_fields"]["fim.path"], w))
               for x in a.alerts() if x["rule"] == "File integrity change"}
    alerts, stats, err = a.stop()
    fim = [x for x in alerts if x["rule"] == "File integrity change"]
    got = {(x["output_fields"]["fim.change"], os.path.relpath(x["output_fields"]["fim.path"], w)) for x in fim}
    assert got == want, got
    mod = [x for x in fim if x["output_fields"]["fim.change"] == "modified"][0]
    assert "sha256" in mod["output_fields"]["fim.detail"] and mod["priority"] == "Warning", mod
    assert mod["output"].startswith(mod["time"][11:19]) and "modified " + os.path.join(w, "a.txt") in mod["output"]
    perms = [x for x in fim if x["output_fields"]["fim.change"] == "perms"][0]
    assert perms["output_fields"]["fim.old_mode"] == "0644" and perms["output_fields"]["fim.mode"] == "0600"
    assert stats["fim"]["changes"] == 4
