"""Differential tests of the version schemes (lib/vulndb/vulndb-version-*.c)
against the ecosystems' reference implementations, through the helper
tests/tools/vercmp (batch mode):

* pep440: Debian's python3-packaging 23 (Version ordering, and
  SpecifierSet(expr).contains(v, prereleases=True) for ranges);
* npm: the node-semver package (npm install semver into a private temp dir;
  skipped when node/npm or the registry are not reachable);
* maven: Maven's own ComparableVersion (maven-artifact jar from Debian's
  libmaven3-core-java, run with java), skipped when absent.

Every generated input is asked of both; the answers must agree exactly
(an input the reference rejects must be an error for us too)."""
import json
import os
import random
import shutil
import subprocess

import harness

PY = "/usr/bin/python3"


def vercmp(t, lines):
    exe = os.path.join(t.build, "tests", "vercmp")
    if not os.path.exists(exe):
        raise AssertionError(f"{exe} not built")
    p = subprocess.run([exe, "-b"], input="".join(l + "\n" for l in lines), capture_output=True,
                       text=True, timeout=300)
    out = p.stdout.splitlines()
    assert p.returncode == 0 and len(out) == len(lines), p.stderr
    return out


def compare(t, lines, theirs, what, show=25):
    ours = vercmp(t, lines)
    bad = [(l, o, th) for l, o, th in zip(lines, ours, theirs) if o != th]
    for l, o, th in bad[:show]:
        print(f"{what}: {l!r}: ours {o}, reference {th}")
    assert not bad, f"{what}: {len(bad)} of {len(lines)} disagree"
    return len(lines)


# ---------------------------------------------------------------- PEP 440

PEP440_ORACLE = r"""
import sys, json
from packaging.version import Version, InvalidVersion
from packaging.specifiers import SpecifierSet, InvalidSpecifier
out = []
for line in sys.stdin:
    k, _, a, b = line.rstrip("\n").split("\t")
    try:
        if k == "c":
            x, y = Version(a), Version(b)
            out.append(str((x > y) - (x < y)))
        else:
            out.append("1" if SpecifierSet(a).contains(b, prereleases=True) else "0")
    except (InvalidVersion, InvalidSpecifier):
        out.append("error")
print("\n".join(out))
"""


def pep440_version(r):
    v = ""
    if r.random() < 0.1:
        v += r.choice(["v", "V", " ", "\t"])
    if r.random() < 0.15:
        v += r.choice(["0!", "1!", "2!", "01!"])
    v += ".".join(r.choice(["0", "1", "2", "10", "00", "01", "3"]) for _ in range(r.randint(1, 4)))
    if r.random() < 0.4:
        v += r.choice(["", ".", "-", "_"]) + r.choice(["a", "b", "c", "rc", "alpha", "beta", "pre", "preview",
                                                       "A", "RC", "Alpha"])
        v += r.choice(["", ".", "-", "_", ""]) + r.choice(["", "0", "1", "2", "01", "10"])
    if r.random() < 0.3:
        v += r.choice(["-1", "-2", "-0", ".post", "post", "-post", "_post", ".rev", "r", ".r", "POST",
                       ".post1", "-r2", ".post.3", "post-2"])
    if r.random() < 0.3:
        v += r.choice([".dev", "dev", "-dev", ".dev0", ".dev1", "dev2", "_DEV3", ".dev-4"])
    if r.random() < 0.15:
        v += "+" + r.choice(["abc", "1", "01", "abc.1", "ABC-2", "1_x", "ubuntu.1", "a.b.c", "9.9"])
    if r.random() < 0.06:  # invalid mutations
        v = r.choice([v + "+", v + "..", v + "x", "." + v, v + "+a..b", v + " junk", v.replace(".", ",", 1),
                      v + "-", v + ".*", v + "!"])
    if r.random() < 0.05:
        v += r.choice([" ", "\n", "  "])
    return v


def pep440_spec(r, pool):
    clauses = []
    for _ in range(r.randint(1, 3)):
        op = r.choice(["==", "!=", "<=", ">=", "<", ">", "~=", "===", "== ", " >= "])
        v = r.choice(pool).strip()
        if op.strip() in ("==", "!=") and r.random() < 0.3:
            v = v.split("+")[0]
            rel = v
            for ch in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_":
                rel = rel.split(ch)[0]
            v = rel.rstrip(".") + ".*"
        if op.strip() in ("<", ">", "<=", ">=", "~=") and r.random() < 0.7:
            v = v.split("+")[0]
        clauses.append(op + v)
    s = ", ".join(clauses) if r.random() < 0.5 else ",".join(clauses)
    if r.random() < 0.03:
        s = r.choice(["", ",", ">=1.0,,<2", "=1.0", ">=1.0 <2.0", "~=1", "==1.*.2"])
    return s


def test_pep440_against_packaging(t):
    if not os.path.exists(PY) or subprocess.run([PY, "-c", "import packaging.specifiers"]).returncode:
        raise harness.Skip("Debian python3-packaging not installed")
    r = random.Random(440)
    pool = [pep440_version(r) for _ in range(600)]
    # and noise over the grammar's alphabet: validity must agree too
    alphabet = "0123456789" * 3 + ".-_+!" * 2 + "abcrdevpostliwABCRV *\x1f"
    pool += ["".join(r.choice(alphabet) for _ in range(r.randint(1, 14))) for _ in range(400)]
    lines = []
    for _ in range(8000):
        a, b = r.choice(pool), r.choice(pool)
        if "\t" in a or "\t" in b or "\n" in a or "\n" in b:
            continue
        lines.append(f"c\tpep440\t{a}\t{b}")
    for _ in range(10000):
        s, v = pep440_spec(r, pool), r.choice(pool)
        if any(c in s + v for c in "\t\n"):
            continue
        lines.append(f"r\tpep440\t{s}\t{v}")
    # spec examples (PEP 440, "Version specifiers" and packaging's docs)
    for s, v in [("~=2.2", "2.3"), ("~=2.2", "3.0"), ("~=1.4.5a4", "1.4.6"), ("~=1.4.5c1", "1.4.6"),
                 ("==1.1.*", "1.1.post1"), ("==1.1.*", "1.1a1"), ("<1.0", "1.0rc1"), (">1.7", "1.7.post2"),
                 (">1.7.post2", "1.7.post3"), (">1.7", "1.7+local"), ("==1.0", "1.0+local"),
                 ("==1.0+local", "1.0"), ("===1.0", "1.0"), ("===1.0", "1.0.0"), ("~=1.4.5.r1", "1.4.5.post2"),
                 ("==1!2.*", "1!2.0"), ("==1!2.0.*", "1!2"), ("==2.0.*", "2"), ("<=2.0", "2.0+abc")]:
        lines.append(f"r\tpep440\t{s}\t{v}")
    p = subprocess.run([PY, "-c", PEP440_ORACLE], input="".join(l + "\n" for l in lines), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    theirs = p.stdout.splitlines()
    n = compare(t, lines, theirs, "pep440")
    ok_cmp = sum(1 for l, th in zip(lines, theirs) if l[0] == "c" and th != "error")
    ok_rng = sum(1 for l, th in zip(lines, theirs) if l[0] == "r" and th != "error")
    print(f"pep440: {n} agree ({ok_cmp} valid comparisons, {ok_rng} valid specifier checks)")
    assert ok_cmp > 2000 and ok_rng > 1500


# ---------------------------------------------------------------- npm

NPM_ORACLE = r"""
const semver = require(process.argv[1] + "/node_modules/semver");
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(l => l.length);
const out = [];
const parse = (v, loose) => { try { return new semver.SemVer(v, { loose }); } catch (e) { return null; } };
for (const l of lines) {
  const [k, , a, b] = l.split('\t');
  if (k === 'c') {
    const x = parse(a, false), y = parse(b, false);
    if (x && y) { out.push(String(x.compare(y))); continue; }
    const lx = parse(a, true), ly = parse(b, true);
    out.push(lx && ly ? 'loose:' + lx.compare(ly) : 'error');
  } else {
    let r = null;
    try { r = new semver.Range(a); } catch (e) { }
    const v = parse(b, false), lv = parse(b, true);
    out.push(r && v ? (r.test(v) ? '1' : '0') : r && lv ? 'loose:' + (r.test(lv) ? '1' : '0') : 'error');
  }
}
console.log(out.join('\n'));
"""


def npm_semver(t):
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise harness.Skip("node/npm not installed")
    d = t.path("npm")
    os.makedirs(d)
    p = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", d, "semver@7"],
                       capture_output=True, text=True, timeout=300, env=dict(t.env, HOME=t.tmp))
    if p.returncode:
        raise harness.Skip(f"npm install semver failed (no registry?): {p.stderr[-300:]}")
    return node, d


def npm_version(r):
    v = r.choice(["", "", "", "v"]) + ".".join(r.choice(["0", "1", "2", "3", "10"]) for _ in range(3))
    if r.random() < 0.35:
        v += "-" + ".".join(r.choice(["alpha", "beta", "0", "1", "2", "rc", "x-y", "11", "A"])
                            for _ in range(r.randint(1, 3)))
    if r.random() < 0.1:
        v += "+" + r.choice(["build", "001", "exp.sha.5114f85"])
    if r.random() < 0.05:
        v = r.choice(["=" + v, " " + v + " ", v + ".", "01.2.3", "1.2", "1.2.3-", "1.2.3-01", "v=1.2.3"])
    return v


def npm_partial(r):
    n = r.choice([1, 2, 3, 3, 3])
    parts = [r.choice(["0", "1", "2", "3", "x", "X", "*", "10"]) for _ in range(n)]
    v = ".".join(parts)
    if n == 3 and r.random() < 0.25:
        v += "-" + r.choice(["alpha", "alpha.1", "beta.2", "0", "rc.1"])
    return r.choice(["", "", "", "v", "="]) + v if r.random() < 0.2 else v


def npm_range(r):
    sets = []
    for _ in range(r.randint(1, 3)):
        if r.random() < 0.15:
            sets.append(f"{npm_partial(r)} - {npm_partial(r)}")
            continue
        comps = []
        for _ in range(r.randint(1, 3)):
            op = r.choice(["", "^", "~", ">", ">=", "<", "<=", "=", "~>", "> ", "^ "])
            comps.append(op + npm_partial(r))
        sets.append(" ".join(comps))
    s = r.choice([" || ", "||", " ||  "]).join(sets)
    if r.random() < 0.03:
        s = r.choice(["", "*", "x", "1.2.3 |", "1.x.3", ">", "1.2.3 - ", "||", ">=1.2.3 <", "^1.2.x-beta"])
    return s


def test_npm_against_node_semver(t):
    node, d = npm_semver(t)
    r = random.Random(7)
    pool = [npm_version(r) for _ in range(400)]
    lines = [f"c\tnpm\t{r.choice(pool)}\t{r.choice(pool)}" for _ in range(4000)]
    lines += [f"r\tnpm\t{npm_range(r)}\t{r.choice(pool)}" for _ in range(8000)]
    # node-semver README "Ranges" / "Advanced Range Syntax" examples
    for s, v in [(">1.2.3-alpha.3", "1.2.3-alpha.7"), (">1.2.3-alpha.3", "3.4.5-alpha.9"),
                 (">1.2.3-alpha.3", "3.4.5"), ("1.2.3 - 2.3.4", "2.3.4"), ("1.2 - 2.3.4", "1.2.0"),
                 ("1.2.3 - 2.3", "2.3.9"), ("1.2.3 - 2", "2.9.9"), ("~1.2.3", "1.3.0"), ("~0.2", "0.2.9"),
                 ("^0.0.3", "0.0.4"), ("^0.2.3", "0.3.0"), ("^1.2.3-beta.2", "1.2.3-beta.4"),
                 ("^1.2.3-beta.2", "1.2.4-beta.2"), ("^0.0.x", "0.0.9"), ("^0.x", "0.9.0"), ("1.x || >=2.5.0 || 5.0.0 - 7.2.3", "6.0.0"),
                 ("*", "1.0.0-beta"), ("", "1.0.0"), (">=1.2.7 <1.3.0", "1.3.0")]:
        lines.append(f"r\tnpm\t{s}\t{v}")
    p = subprocess.run([node, "-e", NPM_ORACLE, d], input="".join(l + "\n" for l in lines), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    theirs = p.stdout.splitlines()
    ours = vercmp(t, lines)
    bad = []
    stricter = 0
    for l, o, th in zip(lines, ours, theirs):
        if th.startswith("loose:"):  # node accepts only in loose mode: we may refuse, else agree
            if o != "error" and o != th[6:]:
                bad.append((l, o, th))
            stricter += o == "error"
        elif o != th:
            bad.append((l, o, th))
    for l, o, th in bad[:25]:
        print(f"npm: {l!r}: ours {o}, node-semver {th}")
    assert not bad, f"npm: {len(bad)} of {len(lines)} disagree"
    valid_r = sum(1 for l, th in zip(lines, theirs) if l[0] == "r" and th != "error")
    print(f"npm: {len(lines)} agree ({valid_r} valid range checks; {stricter} loose-only versions refused)")
    assert valid_r > 3000


# ---------------------------------------------------------------- Maven

MAVEN_ORACLE = r"""
import org.apache.maven.artifact.versioning.*;
import java.io.*;
public class MavenOracle {
  public static void main(String[] a) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    StringBuilder out = new StringBuilder();
    String l;
    while ((l = r.readLine()) != null) {
      String[] f = l.split("\t", -1);
      try {
        if (f[0].equals("c")) {
          int c = new ComparableVersion(f[2]).compareTo(new ComparableVersion(f[3]));
          out.append(Integer.signum(c)).append('\n');
        } else {
          VersionRange vr = VersionRange.createFromVersionSpec(f[2]);
          out.append(vr.containsVersion(new DefaultArtifactVersion(f[3])) ? "1\n" : "0\n");
        }
      } catch (Exception e) { out.append("error\n"); }
    }
    System.out.print(out);
  }
}
"""
MAVEN_JARS = ["/usr/share/java/maven-artifact-3.x.jar", "/usr/share/java/commons-lang3.jar"]


def maven_version(r):
    items = []
    for _ in range(r.randint(1, 5)):
        items.append(r.choice(["0", "1", "2", "10", "00", "01", "alpha", "a1", "b2", "beta", "m3", "milestone",
                               "rc", "cr", "snapshot", "SNAPSHOT", "ga", "final", "release", "sp", "foo", "RC1",
                               "Final", "jre", "android", "x", "1a", "2b3", ""]))
    v = items[0]
    for it in items[1:]:
        v += r.choice([".", ".", "-", "-", ""]) + it
    return v or "1"


def test_maven_against_comparableversion(t):
    java = shutil.which("java")
    if not java or not all(os.path.exists(j) for j in MAVEN_JARS):
        raise harness.Skip("java or maven-artifact/commons-lang3 jars not installed")
    src = t.write("MavenOracle.java", MAVEN_ORACLE)
    r = random.Random(3)
    pool = [maven_version(r) for _ in range(500)]
    lines = [f"c\tmaven\t{r.choice(pool)}\t{r.choice(pool)}" for _ in range(6000)]
    # the POM reference's "Version Order Specification" examples
    for a, b in [("1", "1.1"), ("1-snapshot", "1"), ("1", "1-sp"), ("1-foo2", "1-foo10"), ("1.foo", "1-foo"),
                 ("1-foo", "1-1"), ("1-1", "1.1"), ("1.ga", "1-ga"), ("1-ga", "1-0"), ("1-0", "1.0"),
                 ("1.0", "1"), ("1-sp", "1-ga"), ("1-sp.1", "1-ga.1"), ("1-sp-1", "1-ga-1"), ("1-a1", "1-alpha-1"),
                 ("1.0-alpha1", "1.0-ALPHA1"), ("1.0-cr1", "1.0-rc1"), ("1.0.0.0.0.1", "1.0")]:
        lines.append(f"c\tmaven\t{a}\t{b}")
    plain = [v for v in pool if "," not in v and "[" not in v]
    for _ in range(3000):
        parts = []
        for _ in range(r.randint(1, 3)):
            a, b = sorted([r.choice(plain), r.choice(plain)], key=len)
            parts.append(r.choice(["[", "("]) + r.choice([a, "", a]) + "," + r.choice([b, "", b]) + r.choice(["]", ")"]))
            if r.random() < 0.1:
                parts[-1] = f"[{a}]"
        lines.append(f"r\tmaven\t{','.join(parts)}\t{r.choice(plain)}")
    p = subprocess.run([java, "-cp", ":".join(MAVEN_JARS), src], input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True, timeout=300, cwd=t.tmp)
    assert p.returncode == 0, p.stderr[-2000:]
    theirs = p.stdout.splitlines()
    ours = vercmp(t, lines)
    bad = []
    for l, o, th in zip(lines, ours, theirs):
        # Maven's VersionRange refuses unordered bounds and overlapping
        # unions, which we evaluate as plain unions
        if l[0] == "r" and th == "error":
            continue
        if o != th:
            bad.append((l, o, th))
    for l, o, th in bad[:25]:
        print(f"maven: {l!r}: ours {o}, ComparableVersion {th}")
    assert not bad, f"maven: {len(bad)} of {len(lines)} disagree"
    both = sum(1 for l, o, th in zip(lines, ours, theirs) if l[0] == "r" and o != "error" and th != "error")
    print(f"maven: {len(lines)} checked, {both} ranges valid for both")
    assert both > 400
