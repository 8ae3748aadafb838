"""mamori agent --webhook / --syslog-server: alerts of the real agent (host
processes exec'd with a marker the test's rules match) received by a
Python HTTP server and UDP / Unix datagram listeners on this machine.

The webhook body is Falco's alert JSON plus a "uuid" (the fields
Falcosidekick reads), with the test's extra headers; syslog lines have the
RFC 5424 shape with the facility and the severity of the Falco priority;
--min-priority filters both; a webhook endpoint that never answers does not
stall the agent (every alert still reaches the output file, the agent
stops within its grace period, failures and drops are counted) and the
header's secret is never printed."""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import harness

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_agent_forensics import Agent, rules_file  # noqa: E402
from agent_util import last_stats  # noqa: E402

RULES = """
- rule: mmr outputs test critical
  desc: exec with the critical marker
  condition: evt.type in (execve, execveat) and proc.cmdline contains "{m}-crit"
  output: critical marker seen (command=%proc.cmdline)
  priority: CRITICAL
  tags: [test, outputs]
- rule: mmr outputs test notice
  desc: exec with the notice marker
  condition: evt.type in (execve, execveat) and proc.cmdline contains "{m}-note"
  output: notice marker seen (command=%proc.cmdline)
  priority: NOTICE
"""

FALCO_FIELDS = {"uuid", "output", "output_fields", "priority", "rule", "time", "source", "tags", "hostname"}
RFC5424 = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) mamori (\d+) alert - (.*)$", re.S)


class Hook:
    """An HTTP server on 127.0.0.1 that records POSTs (path, headers, JSON body)."""

    def __init__(self, t):
        self.posts = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                outer.posts.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = HTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.th = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.th.start()
        t.on_cleanup(self.close)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def trigger(marker, kind):
    # a shell that lives a moment, so the fallback sensor can read its argv too
    subprocess.run(["/bin/sh", "-c", f"sleep 0.3; true {marker}-{kind}"], check=True)


def wait_for(cond, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_agent_outputs_webhook_and_syslog(t):
    marker = "mmr-out-" + uuid.uuid4().hex[:8]
    hook = Hook(t)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(10)
    t.on_cleanup(udp.close)
    secret = "Bearer hdr-" + uuid.uuid4().hex
    a = Agent(t, "--no-default-rules", "--rules", rules_file(t, RULES.format(m=marker)),
              "--webhook", f"http://127.0.0.1:{hook.port}/falco", "--webhook-header", f"Authorization: {secret}",
              "--webhook-header", "X-Mmr-Test: yes", "--syslog-server", f"127.0.0.1:{udp.getsockname()[1]}",
              "--min-priority", "Warning", duration=30)
    trigger(marker, "note")
    trigger(marker, "crit")
    dgram = udp.recv(65536).decode()
    assert wait_for(lambda: hook.posts), "no webhook POST"
    alerts, stats, err = a.finish()

    crit = [x for x in alerts if x["rule"] == "mmr outputs test critical"]
    note = [x for x in alerts if x["rule"] == "mmr outputs test notice"]
    assert len(crit) == 1 and len(note) == 1, [x["rule"] for x in alerts]
    # webhook: exactly the critical alert, Falcosidekick's fields, our headers
    assert len(hook.posts) == 1, [p[2]["rule"] for p in hook.posts]
    path, headers, body = hook.posts[0]
    assert path == "/falco"
    assert set(body) == FALCO_FIELDS, set(body) ^ FALCO_FIELDS
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", body["uuid"])
    assert body["rule"] == "mmr outputs test critical" and body["priority"] == "Critical"
    assert body["output"] == crit[0]["output"] and body["time"] == crit[0]["time"]
    assert body["hostname"] == socket.gethostname() and body["tags"] == ["test", "outputs"]
    assert f"{marker}-crit" in body["output_fields"]["proc.cmdline"]
    assert headers["Authorization"] == secret and headers["X-Mmr-Test"] == "yes"
    assert headers["Content-Type"] == "application/json"
    # syslog: RFC 5424, facility user (1), severity Critical (2) -> <10>
    m = RFC5424.match(dgram)
    assert m, dgram
    assert m.group(1) == "10" and m.group(3) == socket.gethostname() and m.group(5) == crit[0]["output"], dgram
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", m.group(2)), m.group(2)
    assert m.group(2)[:26] == crit[0]["time"][:26]
    udp.settimeout(0.5)
    try:
        extra = udp.recv(65536)
        raise AssertionError(f"a second syslog line (the Notice must be filtered): {extra!r}")
    except socket.timeout:
        pass
    o = stats["outputs"]
    assert o["webhook"] == {"sent": 1, "failed": 0, "dropped": 0, "retries": 0, "queued": 0}, o
    assert o["syslog"] == {"sent": 1, "failed": 0, "dropped": 0}, o
    assert o["filtered"] == 1
    assert secret not in err and "hdr-" not in err


def test_agent_outputs_syslog_unix_facility(t):
    marker = "mmr-out-" + uuid.uuid4().hex[:8]
    sock_path = t.path("log.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(10)
    t.on_cleanup(s.close)
    a = Agent(t, "--no-default-rules", "--rules", rules_file(t, RULES.format(m=marker)),
              "--syslog-server", sock_path, "--syslog-facility", "local3", duration=30)
    trigger(marker, "note")
    lines = [s.recv(65536).decode()]
    trigger(marker, "crit")
    lines.append(s.recv(65536).decode())
    alerts, stats, err = a.finish()
    pri = [int(RFC5424.match(ln).group(1)) for ln in lines]
    # local3 = 19: Notice (5) -> 157, Critical (2) -> 154
    assert pri == [19 * 8 + 5, 19 * 8 + 2], lines
    assert stats["outputs"]["syslog"]["sent"] == 2 and stats["outputs"]["filtered"] == 0


def test_agent_outputs_dead_webhook_does_not_stall(t):
    """An endpoint that accepts connections but never answers: alerts keep
    flowing to the output file, the agent stops within its grace period, and
    the webhook's failures/drops are counted."""
    marker = "mmr-out-" + uuid.uuid4().hex[:8]
    black = socket.socket()
    black.bind(("127.0.0.1", 0))
    black.listen(64)  # never accept(): connections complete, requests get no answer
    t.on_cleanup(black.close)
    n = 12
    a = Agent(t, "--no-default-rules", "--rules", rules_file(t, RULES.format(m=marker)),
              "--webhook", f"http://127.0.0.1:{black.getsockname()[1]}/x", duration=60)
    for i in range(n):
        subprocess.run(["/bin/sh", "-c", f"sleep 0.05; true {marker}-crit-{i}"], check=True, timeout=60)
    # every alert is evaluated and written while the webhook hangs (SIGUSR1 stats)
    assert wait_for(lambda: stats_now(a).get("matches", 0) >= n, timeout=15), \
        f"alerts stalled: {stats_now(a).get('matches')} of {n}\n{a.stderr()[-2000:]}"
    t0 = time.time()
    alerts, stats, err = a.finish()
    took = time.time() - t0
    assert took < 8, f"the agent took {took:.1f}s to stop"
    assert len([x for x in alerts if x["rule"] == "mmr outputs test critical"]) == n
    w = stats["outputs"]["webhook"]
    assert w["sent"] == 0 and w["queued"] == 0, w
    assert w["failed"] + w["dropped"] == n and w["dropped"] >= 1, w
    # connection refused: retried, then failed fast
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    a = Agent(t, "--no-default-rules", "--rules", rules_file(t, RULES.format(m=marker)),
              "--webhook", f"http://127.0.0.1:{port}/x", duration=30)
    trigger(marker, "crit")
    assert wait_for(lambda: stats_now(a).get("outputs", {}).get("webhook", {}).get("failed") == 1, timeout=10), \
        a.stderr()[-2000:]
    alerts, stats, err = a.finish()
    w = stats["outputs"]["webhook"]
    assert w["failed"] == 1 and w["retries"] == 3 and w["sent"] == 0, w
    assert "webhook http://127.0.0.1:" in err and "failed so far" in err


def stats_now(a):
    """SIGUSR1 and the last stats line."""
    a.p.send_signal(10)
    time.sleep(0.3)
    return last_stats(a.stderr()) or {}


def test_agent_outputs_usage(t):
    p = t.run("agent", "--help")
    for opt in ("--syslog ", "--syslog-server", "--webhook ", "--webhook-header", "--min-priority"):
        assert opt in p.stdout, opt
    p = t.run("agent", "--min-priority", "loud", expect=2)
    assert "unknown --min-priority 'loud'" in p.stderr
    p = t.run("agent", "--syslog-server", "::1:514", expect=2)
    assert "bad --syslog-server" in p.stderr
    p = t.run("agent", "--webhook", "ftp://x/", expect=2)
    assert "--webhook needs an http" in p.stderr
    p = t.run("agent", "--webhook", "https://user:pw-secret@example.com/", "--webhook-header", "Bad Header: tok-secret",
              expect=2)
    assert "bad --webhook-header 'Bad Header: ...'" in p.stderr and "tok-secret" not in p.stderr
    p = t.run("agent", "--webhook-header", "X: a\r\nY: b", expect=2)
    assert "bad --webhook-header" in p.stderr
    p = t.run("agent", "--syslog-facility", "nope", expect=2)
    assert "unknown --syslog-facility" in p.stderr
