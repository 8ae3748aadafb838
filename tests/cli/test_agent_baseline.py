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
from agent_util import (PODMAN, AgentProcess, container_name, fixtures, last_stats, need_ebpf, podman_ok,
                        podman_run, read_jsonl)

DEV = "Baseline deviation"


class Agent(AgentProcess):
    """mamori agent with alerts to a file (rules on); stop() returns the alerts."""

    def __init__(self, t, *args, duration=60):
        super().__init__(t, *args, duration=duration, prefix="alerts")

    def alerts(self):
        return read_jsonl(self.out, complete_only=True)

    def stop(self):
        err = self.wait_ok(interrupt=True)
        stats = last_stats(err)
        assert stats is not None, err
        alerts = self.alerts()
        assert stats["matches"] + stats["module_alerts"] == len(alerts), (stats, len(alerts))
        return alerts, stats, err


def run_container(t, script, *podman_args, prefix="mmr-baseline-", result=None):
    """Run script in a new busybox container; result (a dict) gets stdout/stderr."""
    name = container_name(prefix)
    r = podman_run(t, name, script, *podman_args)
    if result is not None:
        result.update(stdout=r.stdout, stderr=r.stderr)
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


DENIED = ("Permission denied", "Operation not permitted")


def exec_denials(alerts, cid):
    return [a for a in alerts if a["rule"] == "Enforcement: exec denied" and
            a["output_fields"]["container.id"] == cid[:12]]


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
    # protect denies the deny-listed /bin/cat (a symlink to the learned
    # /bin/busybox: the name the process gave counts) before it runs
    res = {}
    name2, cid2, _ = run_container(t, LEARN_SCRIPT.replace("/bin/cat /etc/os-release > /dev/null",
                                                           "/bin/cat /etc/os-release > /dev/null || echo cat=$?"),
                                   result=res)
    alerts, stats, err = a.stop()
    assert "cat=126" in res["stdout"] and any(d in res["stderr"] for d in DENIED), res
    assert not items(deviations(alerts, cid2), "exec"), [x["output"] for x in deviations(alerts, cid2)]
    den = exec_denials(alerts, cid2)
    assert [x["output_fields"]["baseline.item"] for x in den] == ["/bin/cat"], [x["output"] for x in den]
    f = den[0]["output_fields"]
    assert den[0]["priority"] == "Critical" and f["baseline.mode"] == "protect" and f["baseline.workload"] == wl
    assert f["baseline.denied"] is True and "on the baseline's deny list" in den[0]["output"], den[0]


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


def learn_busybox(t, db, *extra, prefix="mmr-baseline-"):
    """Learn LEARN_SCRIPT in a container (3 s window from its first event),
    then a second container after the window moves the workload to monitor;
    stop."""
    a = Agent(t, "--baseline-db", db, "--learn", "3s", *extra)
    need_ebpf(a)
    t0 = time.time()
    run_container(t, LEARN_SCRIPT, prefix=prefix)
    time.sleep(max(0.0, 3.3 - (time.time() - t0)))
    run_container(t, LEARN_SCRIPT, prefix=prefix)
    alerts, stats, err = a.stop()
    assert not items(deviations(alerts), "exec"), [x["output"] for x in deviations(alerts)]
    return err


PROTECT_SCRIPT = ("/bin/ls / > /dev/null && echo ls-ok; cp /bin/busybox /tmp/echo; "
                  "/tmp/echo hi; echo rc=$?; /tmp/echo again; echo rc2=$?")


def test_agent_baseline_protect_denies_exec(t):
    """learn -> protect: in a new container of the image a learned command
    runs while a copied binary fails with EACCES/EPERM (fanotify), one alert
    names the baseline (the second identical denial is counted, not raised);
    with --dry-run the binary runs and the alert says "would"."""
    podman_ok()
    db = t.path("state/bl.db")
    # a workload of this test's containers only: other busybox containers
    # on the host (other tests) stay out of protect mode
    tag = uuid.uuid4().hex[:6]
    prefix = f"mmr-baseline-p{tag}-"
    wopt = ("--workload", f"mmrprot{tag}={prefix}*")
    wl = f"workload:mmrprot{tag}"
    learn_busybox(t, db, *wopt, prefix=prefix)
    t.run("agent", "baseline", "mode", wl, "protect", "--baseline-db", db)
    row = [ln for ln in t.run("agent", "baseline", "list", "--baseline-db", db).stdout.splitlines()
           if ln.startswith(wl + " ")]
    assert row and row[0].split()[1] == "protect", row

    a = Agent(t, "--baseline-db", db, *wopt)
    assert "baseline protect: execs outside the learned baseline denied" in a.stderr(), a.stderr()
    if "(fanotify)" not in a.stderr():
        a.kill()
        raise harness.Skip("fanotify permission events unavailable: " + a.stderr()[-300:])
    res = {}
    name, cid, _ = run_container(t, PROTECT_SCRIPT, prefix=prefix, result=res)
    alerts, stats, err = a.stop()
    out = res["stdout"]
    assert "ls-ok" in out and "rc=126" in out and "rc2=126" in out and "hi" not in out.split(), res
    assert any(d in res["stderr"] for d in DENIED), res
    den = exec_denials(alerts, cid)
    assert len(den) == 1, [x["output"] for x in den]
    f = den[0]["output_fields"]
    assert f["baseline.workload"] == wl and f["baseline.mode"] == "protect" and f["baseline.item"] == "/tmp/echo", f
    assert f["fd.name"] == "/tmp/echo" and f["enforce.dry_run"] is False and f["container.name"] == name, f
    assert f["baseline.denied"] is False and den[0]["priority"] == "Critical", den[0]
    assert ": Critical Exec denied (exe=/tmp/echo" in den[0]["output"] and "not in the learned baseline of workload " \
        + wl + " (mode protect)" in den[0]["output"], den[0]["output"]
    # denied before it ran: no exec event, so no deviation; nothing killed afterwards
    assert "/tmp/echo" not in items(deviations(alerts, cid), "exec")
    assert not [x for x in alerts if x["rule"] == "Enforcement: exec outside baseline"]
    e = stats["enforce"]
    assert e["baseline_exec_denied"] == 2 and e["alerts_suppressed"] == 1 and e["killed"] == 0, e

    # dry run: the copy runs, the alert says it would have been denied
    a = Agent(t, "--baseline-db", db, "--dry-run", *wopt)
    res = {}
    name, cid, _ = run_container(t, PROTECT_SCRIPT, prefix=prefix, result=res)
    alerts, stats, err = a.stop()
    assert "hi" in res["stdout"].split() and "rc=0" in res["stdout"], res
    den = exec_denials(alerts, cid)
    assert len(den) == 1 and "Exec would be denied (exe=/tmp/echo" in den[0]["output"], \
        [x["output"] for x in den]
    assert den[0]["output_fields"]["enforce.dry_run"] is True and "dry_run" in den[0]["tags"]
    assert den[0]["output_fields"]["baseline.workload"] == wl
    # it ran: the baseline module saw the exec (one deviation for two runs)
    dev = [x for x in deviations(alerts, cid) if x["output_fields"]["baseline.item"] == "/tmp/echo"]
    assert len(dev) == 1 and dev[0]["priority"] == "Critical", [x["output"] for x in dev]
    assert not [x for x in alerts if x["rule"] == "Enforcement: exec outside baseline"]
    assert stats["baseline"]["suppressed"] >= 1 and stats["enforce"]["alerts_suppressed"] == 1, stats

    # --mode protect on a new database: nothing learned, nothing enforced
    # (it would deny every exec); the deviations are still reported
    a = Agent(t, "--baseline-db", t.path("state/empty.db"), "--mode", "protect", *wopt)
    res = {}
    name, cid, _ = run_container(t, "sleep 0.5; " + PROTECT_SCRIPT, prefix=prefix, result=res)
    alerts, stats, err = a.stop()
    assert "hi" in res["stdout"].split() and "rc=0" in res["stdout"], res
    assert not exec_denials(alerts, cid) and stats["enforce"]["baseline_exec_denied"] == 0, stats["enforce"]
    assert "/tmp/echo" in items(deviations(alerts, cid), "exec")


def test_agent_baseline_workload_glob(t):
    """--workload NAME=GLOB files matching containers under workload:NAME:
    in `baseline list` and in the deviation alert; repeated identical
    deviations are raised once (--alert-dedup), or every time with 0."""
    podman_ok()
    db = t.path("state/bl.db")
    prefix = f"mmr-baseline-web{uuid.uuid4().hex[:6]}-"
    learn_busybox(t, db, "--workload", "mmrweb=" + prefix + "*", prefix=prefix)
    rows = {ln.split()[0]: ln.split() for ln in
            t.run("agent", "baseline", "list", "--baseline-db", db).stdout.splitlines()[1:]}
    assert "workload:mmrweb" in rows and rows["workload:mmrweb"][1] == "monitor", rows
    script = "cp /bin/busybox /tmp/true; /tmp/true; /tmp/true; /tmp/true"
    for dedup, want in (("10s", 1), ("0", 3)):
        a = Agent(t, "--baseline-db", db, "--workload", "mmrweb=" + prefix + "*", "--alert-dedup", dedup)
        name, cid, _ = run_container(t, script, prefix=prefix)
        alerts, stats, err = a.stop()
        dev = [x for x in deviations(alerts, cid) if x["output_fields"]["baseline.item"] == "/tmp/true"]
        assert len(dev) == want, (dedup, [x["output"] for x in dev])
        f = dev[0]["output_fields"]
        assert f["baseline.workload"] == "workload:mmrweb" and f["baseline.mode"] == "monitor", f
        assert "breaks baseline of workload workload:mmrweb" in dev[0]["output"], dev[0]["output"]
        assert stats["baseline"]["suppressed"] == 3 - want, stats["baseline"]
    # --mode protect over the stored db: the fanotify thread files the
    # container under workload:mmrweb too, and denies the unknown binary
    a = Agent(t, "--baseline-db", db, "--workload", "mmrweb=" + prefix + "*", "--mode", "protect")
    res = {}
    name, cid, _ = run_container(t, "/bin/ls / >/dev/null && echo ls-ok; cp /bin/busybox /tmp/true; /tmp/true; "
                                 "echo rc=$?", prefix=prefix, result=res)
    alerts, stats, err = a.stop()
    assert "ls-ok" in res["stdout"] and "rc=126" in res["stdout"], res
    den = exec_denials(alerts, cid)
    assert len(den) == 1 and den[0]["output_fields"]["baseline.workload"] == "workload:mmrweb", \
        [x["output"] for x in den]
    assert "of workload workload:mmrweb (mode protect)" in den[0]["output"], den[0]["output"]
    p = t.run("agent", "--alert-dedup", "soon", expect=2)
    assert "bad --alert-dedup 'soon'" in p.stderr
