#!/usr/bin/python3
"""Run every mamori test and print one closing line: `N passed, N failed, N skipped`.

    tests/run.py --build DIR [--build DIR2 ...] [--cli-build DIR] [-k PATTERN]

* unit tests: every cmocka program DIR/tests/test-* (TAP output), per build dir;
* fuzz replays: every DIR/fuzz/replay-<t> on fuzz/corpus/<t>/, per build dir;
* CLI/integration tests: tests/cli/test_*.py, functions named test_*, run once
  against the mamori binary of --cli-build (default: the last --build).

A CLI test takes one argument `t` (tests/cli/harness.py: T) and raises
harness.Skip("reason") when something it needs cannot run on this machine.
"""
import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
import harness  # noqa: E402

counts = {"passed": 0, "failed": 0, "skipped": 0}
failures = []


def record(status, name, detail=""):
    counts[status] += 1
    tag = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}[status]
    line = f"{tag} {name}"
    if detail and status != "passed":
        line += f"  ({detail.strip().splitlines()[-1] if status == 'skipped' else 'see above'})"
    print(line, flush=True)
    if status == "failed":
        failures.append(name)


def run_unit(build, pattern):
    tdir = os.path.join(build, "tests")
    if not os.path.isdir(tdir):
        return
    label = os.path.basename(build.rstrip("/"))
    for exe in sorted(os.listdir(tdir)):
        path = os.path.join(tdir, exe)
        if not exe.startswith("test-") or not os.access(path, os.X_OK) or os.path.isdir(path):
            continue
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
        t0 = time.time()
        p = subprocess.run([path], cwd=ROOT, env=env, capture_output=True, text=True, errors="replace",
                           timeout=900)
        seen = 0
        for line in p.stdout.splitlines():
            m = re.match(r"^(not ok|ok) \d+ - (\S+)(.*)$", line)
            if not m:
                continue
            name = f"{label}:{exe}:{m.group(2)}"
            if pattern and not re.search(pattern, name):
                continue
            seen += 1
            if m.group(1) == "ok":
                record("skipped" if "# SKIP" in m.group(3) else "passed", name, m.group(3))
            else:
                sys.stdout.write(p.stdout + p.stderr)
                record("failed", name)
        if p.returncode != 0 and not any(f.startswith(f"{label}:{exe}:") for f in failures):
            sys.stdout.write(p.stdout[-4000:] + p.stderr[-8000:])
            record("failed", f"{label}:{exe}", f"exit {p.returncode}")
        elif seen == 0 and not pattern:
            record("failed", f"{label}:{exe}", "no TAP output")
        if time.time() - t0 > 60:
            print(f"     ({exe} took {time.time() - t0:.0f}s)")


def run_fuzz_replays(build, pattern):
    fdir = os.path.join(build, "fuzz")
    if not os.path.isdir(fdir):
        return
    label = os.path.basename(build.rstrip("/"))
    for exe in sorted(os.listdir(fdir)):
        if not exe.startswith("replay-") or not os.path.isfile(os.path.join(fdir, exe)):
            continue
        target = exe[len("replay-"):]
        name = f"{label}:fuzz-replay:{target}"
        if pattern and not re.search(pattern, name):
            continue
        seeds = os.path.join(ROOT, "fuzz", "corpus", target)
        if not os.path.isdir(seeds) or not os.listdir(seeds):
            record("failed", name, "no seeds in fuzz/corpus/" + target)
            continue
        p = subprocess.run([os.path.join(fdir, exe), seeds], capture_output=True, text=True,
                           errors="replace", timeout=600)
        if p.returncode == 0:
            record("passed", name)
        else:
            sys.stdout.write(p.stdout[-2000:] + p.stderr[-6000:])
            record("failed", name, f"exit {p.returncode}")


def run_cli(build, pattern):
    cdir = os.path.join(ROOT, "tests", "cli")
    mamori = os.path.join(build, "src", "mamori")
    for fn in sorted(os.listdir(cdir)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(cdir, fn))
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
        except Exception:
            traceback.print_exc()
            record("failed", f"cli:{fn}", "import error")
            continue
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            full = f"cli:{fn[:-3]}:{name}"
            if pattern and not re.search(pattern, full):
                continue
            t = harness.T(ROOT, build, mamori, full)
            t0 = time.time()
            try:
                getattr(mod, name)(t)
                record("passed", full)
            except harness.Skip as e:
                record("skipped", full, str(e))
            except Exception:
                traceback.print_exc()
                record("failed", full)
            finally:
                t.cleanup()
            if time.time() - t0 > 60:
                print(f"     ({full} took {time.time() - t0:.0f}s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True)
    ap.add_argument("--cli-build")
    ap.add_argument("-k", dest="pattern")
    ap.add_argument("--no-cli", action="store_true")
    a = ap.parse_args()
    for b in a.build:
        run_unit(os.path.abspath(b), a.pattern)
        run_fuzz_replays(os.path.abspath(b), a.pattern)
    if not a.no_cli:
        run_cli(os.path.abspath(a.cli_build or a.build[-1]), a.pattern)
    if failures:
        print("\nfailed:\n  " + "\n  ".join(failures))
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
