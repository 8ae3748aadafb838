"""mamori iac end to end: trivy-checks good/bad examples (Terraform and
CloudFormation) through the CLI, Checkov's graph-check fixtures, a KICS
sample's exact lines, TerraGoat / CloudGoat / kubernetes-goat smoke runs,
and the CLI behaviour (syntax error in one file, --skip,
--severity-override, --severity, --exit-code, --baseline, --ignorefile,
inline ignores, --compliance, SARIF regions, JUnit)."""
import json
import os
import re
import xml.etree.ElementTree as ET

import harness

TRIVY_AWS = "iac/trivy-checks/checks/cloud/aws"


def findings(rep, rule=None):
    out = []
    for r in rep.get("results", []):
        for f in r.get("findings", []):
            if f.get("kind") == "misconfiguration" and (rule is None or f["ruleId"] == rule):
                out.append(f)
    return out


def trivy_map(t):
    """(check, rule) pairs and the known divergences, from the policy
    engineer's unit oracle (one list for both tests)."""
    src = open(os.path.join(t.root, "tests", "unit", "test-policy-trivy.c")).read()
    pairs = re.findall(r'\{ "([a-z0-9_/]+\.yaml)", "(MMR-[A-Z0-9-]+)" \}', src)
    known = set(re.findall(r'"([a-z0-9_/]+\.yaml (?:bad|good) \d+)"', src))
    assert len(pairs) >= 40, pairs
    return pairs, known


# CloudFormation examples where our rule and trivy's disagree, and why
# (each a genuine disagreement, not a gap):
CFN_KNOWN = {
    # MMR-AWS-EC2-007 also wants a description on every rule (trivy's
    # add_description_to_security_group_rule); this group's egress rule has none
    "ec2/add_description_to_security_group.yaml good 0",
    # the example's PolicyDocument is empty: its Version/Statement are indented
    # to the template's top level, so the policy has no statements
    "iam/no_policy_wildcards.yaml bad 0",
}
# Terraform examples that agree in the policy unit oracle (no normalisation)
# but not through the CLI (normalised documents): reported to the owners.
TF_CLI_KNOWN = set()


def test_trivy_examples_through_cli(t):
    import yaml
    pairs, known = trivy_map(t)
    root = t.path("trivy")
    expect = {}  # dir -> (rule, bad?, key)
    for check, rule in pairs:
        doc = yaml.safe_load(open(t.corpus(f"{TRIVY_AWS}/{check}")))
        for src, fname in (("terraform", "main.tf"), ("cloudformation", "template.yaml")):
            for kind in ("bad", "good"):
                for k, ex in enumerate((doc.get(src) or {}).get(kind) or []):
                    d = f"{check[:-5].replace('/', '_')}_{rule}_{src}_{kind}_{k}"
                    t.write(f"trivy/{d}/{fname}", ex)
                    expect[d] = (rule, kind == "bad", f"{check} {kind} {k}", src)
    # one run per example: examples reuse bucket names, and resources of
    # different root modules joined by name would leak across examples
    got = {}
    for d in expect:
        rep = t.run_json("iac", os.path.join(root, d))
        got[d] = {f["ruleId"] for f in findings(rep)}
    wrong, checked, by_src = [], 0, {"terraform": 0, "cloudformation": 0}
    for d, (rule, bad, key, src) in sorted(expect.items()):
        fired = rule in got.get(d, set())
        checked += 1
        by_src[src] += 1
        if fired != bad and not (src == "terraform" and key in known) and \
                not (src == "cloudformation" and key in CFN_KNOWN):
            wrong.append(f"{src} {key} ({rule}): {'no finding' if bad else 'finding'}")
    print(f"     {checked} examples ({by_src}), {len(wrong)} wrong")
    assert by_src["terraform"] >= 130 and by_src["cloudformation"] >= 50, by_src
    for w in wrong:
        print("     " + w)
    tf_wrong = [w for w in wrong if w.startswith("terraform") and w.split(" (")[0] not in TF_CLI_KNOWN]
    cfn_wrong = [w for w in wrong if w.startswith("cloudformation")]
    cfn_stale = sorted(k for k in CFN_KNOWN
                       if not any(v[2] == k and v[3] == "cloudformation" and
                                  (v[0] in got.get(d, set())) != v[1]
                                  for d, v in expect.items()))
    assert not cfn_stale, ("agree now, drop from CFN_KNOWN", cfn_stale)
    assert not tf_wrong, "\n".join(tf_wrong)
    # CloudFormation: every disagreement is listed in CFN_KNOWN; other
    # engineers add rules and examples, so the floor is on agreements
    assert not cfn_wrong, "\n".join(cfn_wrong)
    cfn_right = by_src["cloudformation"] - len(CFN_KNOWN)
    assert cfn_right >= CFN_AGREE_FLOOR, (cfn_right, "\n".join(cfn_wrong))


# measured: 133 of 135 CloudFormation examples agree; the other 2 are listed
# in CFN_KNOWN
CFN_AGREE_FLOOR = 133


CHECKOV_GRAPH = "iac/checkov/tests/terraform/graph/checks/resources"


def checkov_expected(t, name):
    import yaml
    return yaml.safe_load(open(t.corpus(f"{CHECKOV_GRAPH}/{name}/expected.yaml")))


def failing(rep, rules):
    return {f["location"]["resource"] for f in findings(rep) if f["ruleId"] in rules}


def test_checkov_graph_public_access_block(t):
    # CKV2_AWS_6: a bucket needs a public access block that blocks public
    # ACLs and policies -> our S3-005 (block_public_acls) or S3-006
    # (block_public_policy) fails the bucket
    exp = checkov_expected(t, "S3BucketHasPublicAccessBlock")
    rep = t.run_json("iac", t.corpus(f"{CHECKOV_GRAPH}/S3BucketHasPublicAccessBlock"))
    bad = failing(rep, {"MMR-AWS-S3-005", "MMR-AWS-S3-006"})
    assert set(exp["fail"]) <= bad, (exp["fail"], bad)
    assert not (set(exp["pass"]) & bad), (exp["pass"], bad)


def test_checkov_graph_logging_and_flow_logs(t):
    for name, rule in (("S3BucketLogging", "MMR-AWS-S3-003"), ("VPCHasFlowLog", "MMR-AWS-EC2-016")):
        exp = checkov_expected(t, name)
        rep = t.run_json("iac", t.corpus(f"{CHECKOV_GRAPH}/{name}"))
        bad = failing(rep, {rule})
        assert bad == set(exp["fail"]), (name, exp, bad)


def test_kics_public_acl_lines(t):
    # KICS reports the offending attribute (line 8: block_public_acls = false)
    # and the resource when the attribute is missing (line 18). Our built-in
    # rules report the bucket; a user rule on the satellite type must give
    # KICS's exact lines.
    rules = t.write("rules/pab.yaml", """
rules:
- id: USER-PAB-001
  title: public access block does not block public ACLs
  severity: MEDIUM
  description: test rule
  resource: [aws_s3_bucket_public_access_block]
  condition: not (block_public_acls == true)
  remediation: set block_public_acls = true
""")
    kics = t.corpus("iac/kics-samples/terraform/aws/s3_bucket_allows_public_acl/test")
    exp = json.load(open(os.path.join(kics, "positive_expected_result.json")))
    rep = t.run_json("iac", "--rules", rules, kics)
    lines = sorted(f["location"]["startLine"] for f in findings(rep, "USER-PAB-001"))
    assert lines == sorted(e["line"] for e in exp), lines
    # and the built-in rule fires on the bucket those blocks belong to
    assert {f["location"]["resource"] for f in findings(rep, "MMR-AWS-S3-005")} == \
        {"aws_s3_bucket.example"}


def smoke(t, rel):
    p = t.run("iac", "-f", "json", t.corpus(rel), expect=None)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    rep = json.loads(p.stdout)
    counts = {}
    for f in findings(rep):
        counts[f["ruleId"]] = counts.get(f["ruleId"], 0) + 1
    print(f"     {rel}: {sum(counts.values())} findings, {len(counts)} rules: " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return rep, counts, p.stderr


def test_smoke_terragoat(t):
    rep, counts, err = smoke(t, "iac/terragoat")
    assert sum(counts.values()) >= 100, counts
    for rule in ("MMR-AWS-S3-001", "MMR-AWS-S3-002", "MMR-AWS-EC2-005", "MMR-AWS-RDS-001"):
        assert counts.get(rule), (rule, counts)
    for f in findings(rep):
        assert f["location"]["startLine"] >= 1 and f["location"].get("resource"), f


def test_smoke_cloudgoat(t):
    rep, counts, err = smoke(t, "iac/cloudgoat")
    assert sum(counts.values()) >= 100, counts


def test_smoke_kubernetes_goat(t):
    rep, counts, err = smoke(t, "iac/kubernetes-goat")
    # Terraform and CloudFormation parts at least; Kubernetes rules once they land
    assert "error" not in err.lower() or "syntax" in err.lower(), err


MAIN_TF = """resource "aws_s3_bucket" "a" {
  bucket = "a"
}

resource "aws_security_group" "web" {
  description = "web"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_syntax_error_goes_on(t):
    t.write("tree/good/main.tf", MAIN_TF)
    t.write("tree/broken/main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
    p = t.run("iac", "-f", "json", t.path("tree"))
    rep = json.loads(p.stdout)
    assert re.search(r"broken/main\.tf:2:12: expected an expression", p.stderr), p.stderr
    assert findings(rep, "MMR-AWS-EC2-005"), "the good file was not scanned"
    assert any("broken/main.tf" in d["where"] for d in rep.get("diagnostics", rep.get("diags", []))) \
        or "broken/main.tf" in p.stderr


def test_finding_location_and_address(t):
    t.write("m/main.tf", MAIN_TF)
    rep = t.run_json("iac", t.path("m"))
    sg = findings(rep, "MMR-AWS-EC2-005")
    assert len(sg) == 1, sg
    loc = sg[0]["location"]
    assert loc["resource"] == "aws_security_group.web", loc
    assert loc["startLine"] == 7 and loc["endLine"] == 13, loc  # the ingress block
    assert loc["file"].endswith("m/main.tf")
    res = [r for r in rep["results"] if r["target"].endswith("m/main.tf")]
    assert len(res) == 1 and res[0]["class"] == "misconfiguration" and res[0]["type"] == "terraform"


def test_satellite_finding_points_at_its_file(t):
    # the offending value comes from a satellite in another file: the
    # finding names the bucket but points at the satellite's file and lines
    t.write("sat/main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    t.write("sat/pab.tf", "\n\n" + '''resource "aws_s3_bucket_public_access_block" "p" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = false
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
''')
    rep = t.run_json("iac", t.path("sat"))
    f = findings(rep, "MMR-AWS-S3-005")
    assert len(f) == 1, f
    loc = f[0]["location"]
    assert loc["resource"] == "aws_s3_bucket.b", loc
    assert loc["file"].endswith("sat/pab.tf"), loc
    assert loc["startLine"] == 5 and loc["endLine"] == 5, loc
    assert any(r["target"].endswith("sat/pab.tf") and findings({"results": [r]}, "MMR-AWS-S3-005")
               for r in rep["results"]), rep["results"]
    # a value that came from the bucket itself stays in the bucket's file
    f = findings(rep, "MMR-AWS-S3-001")
    assert len(f) == 1 and f[0]["location"]["file"].endswith("sat/main.tf"), f


def test_table_shows_lines(t):
    t.write("m/main.tf", MAIN_TF)
    p = t.run("iac", t.path("m"))
    assert "MMR-AWS-EC2-005" in p.stdout
    assert re.search(r"^\s+12 \u2502 +cidr_blocks = \[\"0\.0\.0\.0/0\"\]", p.stdout, re.M), p.stdout
    assert "aws_security_group.web" in p.stdout


def test_skip_override_severity_exit_code(t):
    t.write("m/main.tf", MAIN_TF)
    m = t.path("m")
    rep = t.run_json("iac", "--skip", "MMR-AWS-EC2-005", m)
    assert not findings(rep, "MMR-AWS-EC2-005") and findings(rep, "MMR-AWS-S3-001")
    rep = t.run_json("iac", "--severity-override", "MMR-AWS-EC2-005=LOW", m)
    assert findings(rep, "MMR-AWS-EC2-005")[0]["severity"] == "LOW"
    rep = t.run_json("iac", "--severity", "CRITICAL", m)
    assert findings(rep) and all(f["severity"] == "CRITICAL" for f in findings(rep)), findings(rep)
    t.run("iac", "--exit-code", "7", m, expect=7)
    t.run("iac", "--exit-code", "7", "--severity", "INFO", m, expect=0)
    t.run("iac", "--skip", "NO-SUCH-RULE", m, expect=2)
    t.run("iac", "--severity-override", "MMR-AWS-EC2-005=BOGUS", m, expect=2)


def test_baseline_absorbs_only_recorded(t):
    t.write("m/main.tf", MAIN_TF)
    m = t.path("m")
    base = t.path("baseline.json")
    t.run("iac", "--write-baseline", base, "-f", "json", m)
    b = json.load(open(base))
    assert {"file": "main.tf", "resource": "aws_security_group.web",
            "rule": "MMR-AWS-EC2-005"} in b["findings"], b
    t.run("iac", "--baseline", base, "--exit-code", "4", m, expect=0)
    # a new violation of the same rule in the same file is not absorbed (checkov#7647)
    t.write("m/main.tf", MAIN_TF + MAIN_TF.split("\n\n")[1].replace('"web"', '"db"'))
    rep = t.run_json("iac", "--baseline", base, "--exit-code", "4", m, expect=4)
    open_sg = [f for f in findings(rep, "MMR-AWS-EC2-005") if not f.get("suppressed")]
    assert [f["location"]["resource"] for f in open_sg] == ["aws_security_group.db"], open_sg
    # the scan may run from another path: keys are relative to the root
    t.write("m/main.tf", MAIN_TF)
    t.run("iac", "--baseline", base, "--exit-code", "4", "./m", expect=0)


def test_ignorefile_and_inline(t):
    t.write("m/main.tf", MAIN_TF.replace(
        'resource "aws_s3_bucket" "a" {',
        '# mamori:ignore:MMR-AWS-S3-001 versioning is handled by backup\nresource "aws_s3_bucket" "a" {'))
    rep = t.run_json("iac", t.path("m"))
    s3 = findings(rep, "MMR-AWS-S3-001")
    assert s3 and all(f.get("suppressed") for f in s3), s3
    ig = t.write("ig.yaml", "- id: MMR-AWS-EC2-005\n  paths: ['**/main.tf']\n"
                 "  reason: lab network\n  expires: 2999-01-01\n")
    rep = t.run_json("iac", "--ignorefile", ig, t.path("m"))
    sg = findings(rep, "MMR-AWS-EC2-005")
    assert sg and all(f.get("suppressed") for f in sg), sg
    ig = t.write("ig2.yaml", "- id: MMR-AWS-EC2-005\n  reason: old\n  expires: 2001-01-01\n")
    p = t.run("iac", "--ignorefile", ig, "-f", "json", t.path("m"))
    assert "expired" in p.stderr
    assert not all(f.get("suppressed") for f in findings(json.loads(p.stdout), "MMR-AWS-EC2-005"))


def test_compliance_table(t):
    t.write("m/main.tf", MAIN_TF)
    p = t.run("iac", "--compliance", "cis-aws-1.5", t.path("m"))
    rows = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^(\d+(?:\.\d+)+)\s+(PASS|FAIL|MANUAL|UNKNOWN)\s", line)
        if m:
            rows[m.group(1)] = m.group(2)
    assert len(rows) == 63, len(rows)
    assert rows["5.2"] == "FAIL", rows          # SSH open to the world
    assert rows["1.1"] == "MANUAL", rows        # contact details: no check
    assert rows["3.2"] == "PASS", rows          # CloudTrail validation: ran, nothing failed
    rep = json.loads(t.run("iac", "--compliance", "cis-aws-1.5", "-f", "json", t.path("m")).stdout)
    c52 = [c for c in rep["controls"] if c["id"] == "5.2"][0]
    assert c52["status"] == "FAIL" and c52["failed"] >= 1 and c52["rules"], c52
    # a catalogue gives NIST its full control list (MANUAL where nothing maps)
    cat = t.corpus("cloud/prowler/prowler/compliance/aws/nist_800_53_revision_5_aws.json")
    rep = json.loads(t.run("iac", "--compliance", "nist-800-53-r5", "--compliance-catalogue", cat,
                           "-f", "json", t.path("m")).stdout)
    st = {c["id"]: c["status"] for c in rep["controls"]}
    assert len(st) > 200 and "MANUAL" in st.values() and "FAIL" in st.values(), len(st)
    t.run("iac", "--compliance", "nope", t.path("m"), expect=2)


def test_sarif_regions_and_junit(t):
    t.write("m/main.tf", MAIN_TF)
    sarif = json.loads(t.run("iac", "-f", "sarif", t.path("m")).stdout)
    res = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "MMR-AWS-EC2-005"]
    reg = res[0]["locations"][0]["physicalLocation"]["region"]
    assert reg["startLine"] == 7 and reg["endLine"] == 13, reg
    junit = t.run("iac", "-f", "junit", t.path("m")).stdout
    ET.fromstring(junit)
    assert "MMR-AWS-EC2-005" in junit


def test_unknown_listed_verbose(t):
    t.write("u/main.tf", 'variable "k" {}\nresource "aws_cloudtrail" "t" {\n  name = "t"\n'
            '  enable_log_file_validation = true\n  is_multi_region_trail = true\n'
            '  kms_key_id = aws_kms_key.k.arn\n}\nresource "aws_kms_key" "k" {\n'
            '  enable_key_rotation = true\n}\n')
    p = t.run("iac", "-v", "-f", "json", t.path("u"))
    assert re.search(r"unknown: MMR-AWS-\S+ on aws_cloudtrail\.t .*known only after apply", p.stderr) \
        or "checks unknown" not in p.stderr, p.stderr


def test_cloudformation_file_and_plan(t):
    cfn = t.write("c/stack.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
                  "  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: b\n")
    rep = t.run_json("iac", cfn)
    fs = findings(rep)
    assert fs and all(f["location"]["file"] == cfn for f in fs), fs
    assert {r["type"] for r in rep["results"]} == {"cloudformation"}
    plan = t.write("p/plan.json", json.dumps({
        "format_version": "1.2", "terraform_version": "1.6.0",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_security_group.p", "mode": "managed", "type": "aws_security_group",
            "name": "p", "values": {"description": "x", "ingress": [{
                "cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "to_port": 22, "protocol": "tcp",
                "description": "ssh", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                "security_groups": [], "self": False}]}}]}},
        "resource_changes": []}))
    rep = t.run_json("iac", t.path("p"))
    assert [f["location"]["resource"] for f in findings(rep, "MMR-AWS-EC2-005")] == \
        ["aws_security_group.p"], findings(rep)


def test_usage(t):
    p = t.run("iac", "--help")
    assert "--compliance" in p.stdout and "--baseline" in p.stdout
    t.run("iac", expect=2)
    t.run("iac", t.path("nope"), expect=2)
    p = t.run("config", "--help")
    assert "mamori iac" in p.stdout


def test_kics_k8s_privilege_escalation_lines(t):
    # KICS reports each container; we report the workload once, at the first
    # offending container's line: every line we give must be one of KICS's,
    # and every file KICS flags must have our finding
    kics = t.corpus("iac/kics-samples/k8s/privilege_escalation_allowed/test")
    exp = json.load(open(os.path.join(kics, "positive_expected_result.json")))
    rep = t.run_json("iac", kics)
    ours = {(os.path.basename(f["location"]["file"]), f["location"]["startLine"])
            for f in findings(rep, "MMR-K8S-014")}
    want = {(e["filename"], e["line"]) for e in exp}
    assert ours and ours <= want, (ours, want)
    assert {f for f, _ in ours} == {f for f, _ in want}, (ours, want)


def test_kubernetes_and_dockerfile_dispatch(t):
    t.write("k/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
            "spec:\n  template:\n    spec:\n      containers:\n      - name: web\n"
            "        image: nginx:latest\n        securityContext:\n"
            "          privileged: true\n")
    t.write("k/Dockerfile", "FROM ubuntu:latest\nRUN apt-get update\nUSER root\n")
    rep = t.run_json("iac", t.path("k"))
    types = {os.path.basename(r["target"]): r["type"] for r in rep["results"]}
    assert types == {"deploy.yaml": "kubernetes", "Dockerfile": "dockerfile"}, types
    by_file = {}
    for f in findings(rep):
        by_file.setdefault(os.path.basename(f["location"]["file"]), []).append(f)
    assert any(f["location"]["startLine"] == 12 for f in by_file["deploy.yaml"]), by_file
    assert by_file["Dockerfile"], by_file
