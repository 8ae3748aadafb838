"""Helpers for CLI and integration tests (run by tests/run.py).

A test is a function `test_x(t)` in tests/cli/test_*.py. `t` gives the real
mamori binary and a private temporary directory; raise Skip("why") when the
machine cannot run it (never to hide a failure)."""
import json
import os
import shutil
import subprocess
import tempfile


class Skip(Exception):
    pass


class T:
    def __init__(self, root, build, mamori, name):
        self.root = root            # repo root
        self.build = build          # build dir
        self.mamori = mamori        # path of the binary under test
        self.name = name
        self.corpora = os.path.normpath(os.path.join(root, "..", "shared", "corpora"))
        self.tmp = tempfile.mkdtemp(prefix="mamori-test-")
        # private cache so tests do not share or pollute the user's
        self.env = dict(os.environ, XDG_CACHE_HOME=os.path.join(self.tmp, "cache"),
                        XDG_DATA_HOME=os.path.join(self.tmp, "data"), NO_COLOR="1")
        self._cleanups = []

    def corpus(self, rel):
        p = os.path.join(self.corpora, rel)
        if not os.path.exists(p):
            raise AssertionError(f"corpus file missing: {p}")
        return p

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write(self, rel, data, mode=0o644):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(p, mode)
        return p

    def run(self, *args, expect=0, timeout=600, env=None):
        """Run mamori; assert the exit code (None: any). Returns CompletedProcess."""
        e = dict(self.env, **(env or {}))
        p = subprocess.run([self.mamori, *args], capture_output=True, text=True, errors="replace",
                           env=e, timeout=timeout, cwd=self.tmp)
        if expect is not None and p.returncode != expect:
            raise AssertionError(f"mamori {' '.join(args)}: exit {p.returncode}, want {expect}\n"
                                 f"stdout: {p.stdout[-3000:]}\nstderr: {p.stderr[-3000:]}")
        return p

    def run_json(self, *args, expect=0, **kw):
        p = self.run(*args, "--format", "json", expect=expect, **kw)
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise AssertionError(f"not JSON ({e}): {p.stdout[:2000]}\nstderr: {p.stderr[-2000:]}")

    def on_cleanup(self, fn):
        self._cleanups.append(fn)

    def cleanup(self):
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def packages(report):
    """All (name, version) of a mamori JSON report, across results."""
    out = []
    for r in report.get("results", []):
        for p in r.get("packages", []):
            out.append((p["name"], p.get("version", "")))
    return out


def need(*tools):
    for tl in tools:
        if not shutil.which(tl):
            raise Skip(f"{tl} not installed")


def validate(instance, schema_path, extra_schemas=()):
    """Validate a JSON document against a JSON Schema file, offline: $refs
    resolve only to the given local schema files (by their $id)."""
    import jsonschema
    with open(schema_path) as f:
        schema = json.load(f)
    store = {}
    for p in extra_schemas:
        with open(p) as f:
            s = json.load(f)
        if "$id" in s:
            store[s["$id"]] = s
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    errors = sorted(cls(schema, resolver=resolver).iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        msg = "\n".join(f"  at {'/'.join(map(str, e.path))}: {e.message[:300]}" for e in errors[:10])
        raise AssertionError(f"{len(errors)} schema errors against {os.path.basename(schema_path)}:\n{msg}")


def validate_report(t, report):
    validate(report, os.path.join(t.root, "docs", "schema", "report-v1.schema.json"))
