"""The HCL parser and the Terraform evaluator (lib/iac/) against oracles,
through the helper tests/tools/iac-parse:

* structure: HashiCorp's own HCL parser (@cdktf/hcl2json, a WebAssembly
  build of hashicorp/hcl, installed with npm into a private temp dir;
  skipped when node/npm or the registry are not reachable) on every .tf file
  of ../shared/corpora/iac. Both outputs are hcl2json's shape; we compare
  every key, every block nesting, and every literal value (strings without
  interpolation, numbers, bools, null). Expressions are compared as "some
  expression" only: hcl2json prints them as source text, we print our AST's
  source range. A file one side rejects must be rejected by the other.
* values: Checkov's parser scenarios (parser_scenarios/*/expected.json and
  graph/variable_rendering/resources/*_expected.json). Checkov's shape wraps
  every attribute value in a one-element list and keeps nested blocks as
  lists of such objects; the comparison unwraps that (normalising in the
  test, not in the evaluator). Differences of convention are listed in
  CONVENTIONS with the reason; everything else must be equal.
"""
import json
import os
import shutil
import subprocess

import harness

H2J_JS = r"""
const h = require("@cdktf/hcl2json"); const fs = require("fs");
(async () => {
  const files = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(x => x);
  for (const f of files) {
    const out = { file: f };
    try { out.json = await h.parse(f, fs.readFileSync(f, "utf8")); }
    catch (e) { out.error = String(e).slice(0, 300); }
    console.log(JSON.stringify(out));
  }
})();
"""


def tool(t):
    exe = os.path.join(t.build, "tests", "iac-parse")
    if not os.path.exists(exe):
        raise AssertionError(f"{exe} not built")
    return exe


def norm(v):
    """Structure and literal values; any expression becomes EXPR."""
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str):
        return "EXPR" if ("${" in v or "%{" in v) else v
    if isinstance(v, float) and v == int(v):
        return int(v)
    return v


def first_diff(a, b, path=""):
    if type(a) != type(b):
        return f"{path}: {json.dumps(a)[:120]} vs {json.dumps(b)[:120]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}/{k}: only in {'theirs' if k in a else 'ours'}"
            d = first_diff(a[k], b[k], f"{path}/{k}")
            if d:
                return d
    elif isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{path}/{i}")
            if d:
                return d
    elif a != b:
        return f"{path}: {a!r} vs {b!r}"
    return None


def test_hcl2json_differential(t):
    if not shutil.which("node") or not shutil.which("npm"):
        raise harness.Skip("node/npm not installed")
    nd = t.path("npm")
    os.makedirs(nd)
    p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "@cdktf/hcl2json@0.21.0"],
                       cwd=nd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise harness.Skip(f"npm install @cdktf/hcl2json failed: {p.stderr[-300:]}")
    files = []
    for dp, dn, fn in os.walk(t.corpus("iac")):
        dn.sort()
        files += [os.path.join(dp, f) for f in sorted(fn) if f.endswith(".tf")]
    assert len(files) > 900, len(files)
    lst = t.write("files.txt", "\n".join(files) + "\n")
    with open(os.path.join(nd, "h2j.js"), "w") as f:
        f.write(H2J_JS)
    p = subprocess.run(["node", "h2j.js", lst], cwd=nd, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    theirs = {o["file"]: o for o in map(json.loads, p.stdout.splitlines())}
    ours = {}
    for i in range(0, len(files), 200):
        q = subprocess.run([tool(t)] + files[i:i + 200], capture_output=True, text=True, timeout=300)
        for line in q.stdout.splitlines():
            o = json.loads(line)
            ours[o["file"]] = o
    agree, bad = 0, []
    for f in files:
        a, b = theirs.get(f, {}), ours.get(f, {})
        if "error" in a or "error" in b:
            if "error" in a and "error" in b:
                agree += 1
            else:
                bad.append(f"{f}: theirs {a.get('error', 'ok')[:200]} / ours {b.get('error', 'ok')[:200]}")
            continue
        d = first_diff(norm(a["json"]), norm(b["json"]))
        if d:
            bad.append(f"{f}: {d}")
        else:
            agree += 1
    print(f"hcl2json agreement: {agree}/{len(files)} files ({100.0 * agree / len(files):.1f}%)")
    for b in bad[:30]:
        print("  " + b)
    assert not bad, f"{len(bad)} files differ from hcl2json"


# ---- Checkov's parser scenarios ------------------------------------------

CK = "iac/checkov/tests/terraform"

# scenario -> (reason, paths of ours to leave out of the comparison)
CONVENTIONS = {
    # The expected.json does not belong to these files (it lists a variable
    # BUCKET_NAME that main.tf/variables.tf never declare); Checkov's own
    # test does not read it.
    "default_evaluation": ("expected.json is for other files", None),
    # maze.tf line 32 nests "${...${...}...}", which HCL rejects (hcl2json
    # agrees); Checkov evaluates it with its own regexes.
    "maze_of_variables": ("invalid HCL in maze.tf", None),
    # Checkov's expected.json has no resources for cdk.tf.json although the
    # JSON declares two (its JSON loader keeps them as raw blocks).
    "json_807": ("Checkov does not render .tf.json resources here", None),
}

# Checkov gives a variable with no value the empty value of its type
# ({} or []); Terraform asks for it at plan time, so for us it is unknown.
EMPTY_FOR_MISSING = {"default_var_types"}


def looks_unresolved(v):
    if isinstance(v, list) and len(v) == 1:
        v = v[0]
    return isinstance(v, str) and ("${" in v or any(r in v for r in ("var.", "local.", "module.", "data.")))


def is_unknown(v):
    return isinstance(v, dict) and v == {"$unknown": True}


def match(ck, ours, path, errs, sc):
    if is_unknown(ours):
        # Checkov leaves what it cannot evaluate as its source text
        if looks_unresolved(ck):
            return True
        if sc in EMPTY_FOR_MISSING:
            return True
        errs.append(f"{path}: ours unknown, Checkov {json.dumps(ck)[:120]}")
        return False
    if ck == ours:
        return True
    if isinstance(ck, list) and len(ck) == 1 and match(ck[0], ours, path, [], sc):
        return True
    if isinstance(ck, list) and isinstance(ours, list) and len(ck) == len(ours):
        if all(match(a, b, f"{path}/{i}", [], sc) for i, (a, b) in enumerate(zip(ck, ours))):
            return True
    if isinstance(ck, dict) and isinstance(ours, dict):
        ok = True
        for k, v in ck.items():
            if k.startswith("__") and k.endswith("__"):
                continue
            if k in ("count", "for_each", "depends_on", "provider", "lifecycle", "provisioner",
                     "connection", "dynamic"):
                continue  # meta-arguments: not part of our documents
            if k not in ours:
                errs.append(f"{path}/{k}: missing in ours (Checkov {json.dumps(v)[:80]})")
                ok = False
            elif not match(v, ours[k], f"{path}/{k}", errs, sc):
                ok = False
        for k, v in ours.items():
            if k in ck:
                continue
            # Checkov drops a block whose arguments are all null; we keep the
            # (now empty) block, as Terraform does
            if isinstance(v, list) and all(x == {} for x in v):
                continue
            errs.append(f"{path}/{k}: only in ours")
            ok = False
        return ok
    # Checkov turns strings that look like numbers into numbers ("11" -> 11);
    # a template's value stays a string in Terraform
    if isinstance(ck, (int, float)) and not isinstance(ck, bool) and isinstance(ours, str):
        if ours == str(ck):
            return True
    errs.append(f"{path}: Checkov {json.dumps(ck)[:120]}, ours {json.dumps(ours)[:120]}")
    return False


def ck_file(key):
    try:
        fp = json.loads(key)["file_path"]
    except ValueError:
        fp = key
    fp = fp.split("[")[0].lstrip("/")
    return fp


def compare_scenario(t, sc, d, expected, extra_args=()):
    q = subprocess.run([tool(t), "--eval", d, *extra_args], capture_output=True, text=True, timeout=120)
    assert q.returncode == 0, q.stderr
    out = json.loads(q.stdout)
    ours = {}
    for r in out["resources"]:
        ours.setdefault(os.path.relpath(r["file"], d), []).append(r)
    errs, n = [], 0
    for fk, blocks in expected.items():
        fp = ck_file(fk)
        for r in blocks.get("resource", []):
            if not isinstance(r, dict):
                continue
            for typ, names in r.items():
                for nm, body in names.items():
                    n += 1
                    addr = body.get("__address__")
                    cands = [c for c in ours.get(fp, []) if
                             (c["address"] == addr if addr else
                              c["address"].split("[")[0].endswith(f"{typ}.{nm}"))]
                    if not cands:
                        errs.append(f"{fp}: {addr or typ + '.' + nm} missing in ours")
                        continue
                    hit = next((c for c in cands if match(body, c["doc"], c["address"], [], sc)), None)
                    if hit is None:
                        hit = cands[0]
                        match(body, hit["doc"], hit["address"], errs, sc)
                    if "__start_line__" in body and hit["lines"] != [body["__start_line__"], body["__end_line__"]]:
                        errs.append(f"{hit['address']}: lines {hit['lines']}, Checkov "
                                    f"{[body['__start_line__'], body['__end_line__']]}")
                    ours[fp].remove(hit)
    for fp, left in ours.items():
        for r in left:
            errs.append(f"{fp}: {r['address']} only in ours")
    return n, errs


def test_checkov_parser_scenarios(t):
    base = t.corpus(CK + "/parser/resources/parser_scenarios")
    cases = []
    for sc in sorted(os.listdir(base)):
        ex = os.path.join(base, sc, "expected.json")
        if os.path.exists(ex):
            cases.append((sc, os.path.join(base, sc), ex))
    vr = t.corpus(CK + "/graph/variable_rendering/resources")
    for f in sorted(os.listdir(vr)):
        if f.endswith("_expected.json"):
            sc = f[:-len("_expected.json")]
            cases.append((sc + " (rendered)", os.path.join(base, sc), os.path.join(vr, f)))
    assert len(cases) >= 40, len(cases)
    good, bad, skipped, resources = 0, [], 0, 0
    for sc, d, ex in cases:
        name = sc.split(" ")[0]
        if name in CONVENTIONS:
            skipped += 1
            print(f"  {sc}: not compared: {CONVENTIONS[name][0]}")
            continue
        args = []
        if name == "tfvars_outside_dir":
            # Checkov's test passes this var file from the sibling scenario
            args = ["--var-file", os.path.join(base, "tfvars", "other1.tfvars")]
        with open(ex) as f:
            expected = json.load(f)
        n, errs = compare_scenario(t, name, d, expected, args)
        resources += n
        if errs:
            bad.append((sc, errs))
        else:
            good += 1
    print(f"Checkov scenarios: {good} equal, {len(bad)} different, {skipped} not comparable; "
          f"{resources} resources compared")
    for sc, errs in bad:
        print(f"  {sc}:")
        for e in errs[:8]:
            print(f"    {e}")
    assert not bad
    assert good >= 40


def test_evaluator_corpora_smoke(t):
    """TerraGoat and CloudGoat evaluate whole: resources, no fatal error,
    syntax errors only where HashiCorp's parser has them too."""
    for rel, want in (("iac/terragoat", 100), ("iac/cloudgoat", 300)):
        q = subprocess.run([tool(t), "--eval", t.corpus(rel)], capture_output=True, text=True, timeout=120)
        assert q.returncode == 0, q.stderr
        out = json.loads(q.stdout)
        n = len(out["resources"])
        print(f"{rel}: {n} resources, {len(out['unresolved'])} unresolved, {len(out['errors'])} errors")
        assert n >= want, n
        assert not out["errors"], out["errors"][:5]
        for r in out["resources"]:
            assert r["lines"][0] >= 1 and r["lines"][1] >= r["lines"][0], r
            assert r["address"] and r["type"], r
