"""Helpers shared by the `mamori agent` CLI tests (tests/cli/test_agent*.py):
the podman command line, the busybox fixture image, an agent process started
in the background and waited for until it is "ready", its JSON lines and its
stats line, and busybox containers removed when the test ends."""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "fixtures"))
import fixtures  # noqa: E402

PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]

STATS_PREFIX = "mamori agent: stats "


def podman_ok():
    """Skip unless podman and the busybox fixture image are here."""
    harness.need("podman", "buildah", "skopeo")
    try:
        return fixtures.image("busybox")
    except fixtures.MissingTool as e:
        raise harness.Skip(str(e))


def need_ebpf(agent):
    """Skip (and kill the agent) unless the agent loaded its eBPF sensor."""
    err = agent.stderr()
    if "sensor ebpf" not in err:
        agent.kill()
        why = [ln for ln in err.splitlines() if "eBPF" in ln]
        raise harness.Skip("eBPF sensor cannot load here: " + (why[0] if why else err.strip()[-200:]))


def read_jsonl(path, complete_only=False):
    """The JSON values of a JSON-lines file. complete_only: a missing file is
    empty and a last line without its newline (still being written) is left out."""
    out = []
    if complete_only and not os.path.exists(path):
        return out
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if complete_only and not line.endswith("\n"):
                continue
            try:
                out.append(json.loads(line))
            except ValueError as e:
                raise AssertionError(f"{path}:{n}: not JSON ({e}): {line[:300]}")
    return out


def last_stats(err):
    """The last "mamori agent: stats {...}" line of the agent's stderr, or None."""
    stats = None
    for line in err.splitlines():
        if line.startswith(STATS_PREFIX):
            stats = json.loads(line[len(STATS_PREFIX):])
    return stats


class AgentProcess:
    """`mamori agent --output FILE --duration N ARGS...` in the background,
    stderr to FILE.err; the constructor returns once the agent said "ready"."""

    def __init__(self, t, *args, duration, prefix="events"):
        if os.geteuid() != 0:
            raise harness.Skip("the agent needs root")
        self.t = t
        self.out = t.path(f"{prefix}-{uuid.uuid4().hex[:6]}.jsonl")
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

    def wait_ok(self, timeout=60, interrupt=False):
        """Wait for the agent to end (first SIGINT if interrupt and it still
        runs), assert it exited 0, return its stderr."""
        if interrupt and self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        rc = self.p.wait(timeout=timeout)
        self.errf.close()
        err = self.stderr()
        assert rc == 0, f"agent exit {rc}:\n{err[-3000:]}"
        return err


def container_name(prefix):
    return prefix + uuid.uuid4().hex[:8]


def podman_rm_at_cleanup(t, name):
    t.on_cleanup(lambda: subprocess.run([*PODMAN, "rm", "-f", "-t", "0", name], capture_output=True))


def podman_run(t, name, script, *podman_args):
    """`podman run --name NAME ARGS... busybox sh -c SCRIPT` (removed at cleanup);
    asserts it exits 0 and returns the CompletedProcess."""
    podman_rm_at_cleanup(t, name)
    r = subprocess.run([*PODMAN, "run", *podman_args, "--name", name, fixtures.image_ref("busybox"),
                        "sh", "-c", script], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r


def container_id(name):
    """The full (64 hex) id of a podman container."""
    cid = subprocess.run([*PODMAN, "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert len(cid) == 64, cid
    return cid
