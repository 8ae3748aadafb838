/* test-iac-scan.c - mmr_iac_scan(): dispatch by name and content (Terraform
 * modules, plan JSON, CloudFormation, files nobody claims), syntax errors as
 * diagnostics with the scan going on, findings with file/lines/address,
 * the embedded rules, the baseline round trip and the compliance view. */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-str.h"
#include "iac/iac-baseline.h"
#include "iac/iac-compliance.h"
#include "iac/iac-scan.h"
#include "policy/policy.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	char *slash = strrchr(p, '/');
	*slash = 0;
	mkdir(p, 0755);
	*slash = '/';
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char sg_tf[] = "resource \"aws_security_group\" \"web\" {\n"
			    "  description = \"web\"\n"
			    "  ingress {\n"
			    "    description = \"ssh\"\n"
			    "    from_port   = 22\n"
			    "    to_port     = 22\n"
			    "    protocol    = \"tcp\"\n"
			    "    cidr_blocks = [\"0.0.0.0/0\"]\n"
			    "  }\n"
			    "}\n";

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/mmr-iac-scan-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("tf/main.tf", sg_tf);
	put("broken/main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n}\n");
	put("cfn/stack.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
			      "  Bucket:\n    Type: AWS::S3::Bucket\n");
	put("plan/plan.json",
	    "{\"format_version\":\"1.2\",\"planned_values\":{\"root_module\":{\"resources\":["
	    "{\"address\":\"aws_kms_key.k\",\"mode\":\"managed\",\"type\":\"aws_kms_key\","
	    "\"name\":\"k\",\"values\":{\"enable_key_rotation\":false}}]}}}\n");
	put("other/notes.json", "{\"hello\": 1}\n");
	put("other/values.yaml", "replicas: 3\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static struct mmr_policy_set *rules(void)
{
	struct mmr_policy_set *s = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_iac_rules_load(NULL, 0, true, &s, &e), 0);
	assert_true(s->rules.n >= 60);
	return s;
}

static const struct mmr_finding *find(const struct mmr_report *r, const char *rule,
				      const char *file_suffix)
{
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			if (strcmp(f->rule_id, rule) == 0 && mmr_cstr_ends(f->loc.file, file_suffix))
				return f;
		}
	}
	return NULL;
}

static void test_dispatch_and_findings(void **state)
{
	(void)state;
	struct mmr_policy_set *s = rules();
	struct mmr_report *r = mmr_report_new();
	struct mmr_iac_scan_stats st;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_iac_scan(r, root, s, NULL, &st, &e), 0);
	/* Terraform, CloudFormation, plan: three files with resources + the broken one */
	assert_int_equal(st.files, 4);
	assert_int_equal(st.syntax_errors, 1);
	const struct mmr_finding *f = find(r, "MMR-AWS-EC2-005", "tf/main.tf");
	assert_non_null(f);
	assert_string_equal(f->loc.resource, "aws_security_group.web");
	assert_int_equal(f->loc.line_start, 3); /* the ingress block */
	assert_int_equal(f->loc.line_end, 9);
	assert_int_equal(f->kind, MMR_FINDING_MISCONFIGURATION);
	assert_int_equal(strlen(f->fingerprint), 64);
	assert_non_null(find(r, "MMR-AWS-KMS-001", "plan/plan.json"));
	bool cfn = false, diag = false;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		assert_string_equal(res->class, "misconfiguration");
		if (mmr_cstr_ends(res->target, "cfn/stack.yaml"))
			cfn = strcmp(res->type, "cloudformation") == 0;
		assert_false(mmr_cstr_ends(res->target, "notes.json"));
	}
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		diag |= strstr(d->message, "broken/main.tf:2:12:") != NULL;
	}
	assert_true(cfn);
	assert_true(diag);
	/* tallies: one per enabled rule, and they add up */
	size_t pass = 0, fail = 0;
	assert_int_equal(st.tallies.n, s->rules.n);
	for (size_t i = 0; i < st.tallies.n; i++) {
		const struct mmr_iac_rule_tally *t = st.tallies.v[i];
		pass += t->passed;
		fail += t->failed;
	}
	assert_int_equal(pass, st.passed);
	assert_int_equal(fail, st.failed);
	mmr_report_free(r);
	mmr_policy_set_free(s);
}

static void test_single_file_and_missing(void **state)
{
	(void)state;
	struct mmr_policy_set *s = rules();
	struct mmr_report *r = mmr_report_new();
	struct mmr_error e = { 0 };
	char p[128];
	snprintf(p, sizeof(p), "%s/cfn/stack.yaml", root);
	assert_int_equal(mmr_iac_scan(r, p, s, NULL, NULL, &e), 0);
	assert_non_null(find(r, "MMR-AWS-S3-001", "cfn/stack.yaml"));
	assert_null(find(r, "MMR-AWS-EC2-005", "tf/main.tf"));
	mmr_report_free(r);
	r = mmr_report_new();
	snprintf(p, sizeof(p), "%s/nope", root);
	assert_int_equal(mmr_iac_scan(r, p, s, NULL, NULL, &e), -ENOENT);
	assert_non_null(strstr(e.file, "nope"));
	mmr_report_free(r);
	mmr_policy_set_free(s);
}

static void test_baseline_round_trip(void **state)
{
	(void)state;
	struct mmr_policy_set *s = rules();
	struct mmr_report *r = mmr_report_new();
	struct mmr_error e = { 0 };
	char tfdir[128], base[128];
	snprintf(tfdir, sizeof(tfdir), "%s/tf", root);
	snprintf(base, sizeof(base), "%s/baseline.json", root);
	assert_int_equal(mmr_iac_scan(r, tfdir, s, NULL, NULL, &e), 0);
	size_t open_n = 0;
	for (size_t i = 0; i < r->results.n; i++)
		open_n += ((struct mmr_result *)r->results.v[i])->findings.n;
	assert_true(open_n > 0);
	assert_int_equal(mmr_iac_baseline_write(r, tfdir, base, &e), 0);
	mmr_report_free(r);
	/* same tree: everything absorbed */
	r = mmr_report_new();
	assert_int_equal(mmr_iac_scan(r, tfdir, s, NULL, NULL, &e), 0);
	assert_int_equal(mmr_iac_baseline_apply(r, tfdir, base, &e), (int)open_n);
	mmr_report_free(r);
	/* a second group in the same file: its findings stay open */
	char more[sizeof(sg_tf) * 2 + 8];
	snprintf(more, sizeof(more), "%s\n%s", sg_tf, sg_tf);
	char *second = strstr(more + sizeof(sg_tf), "\"web\"");
	memcpy(second, "\"db\" ", 5);
	put("tf/main.tf", more);
	r = mmr_report_new();
	assert_int_equal(mmr_iac_scan(r, tfdir, s, NULL, NULL, &e), 0);
	assert_int_equal(mmr_iac_baseline_apply(r, tfdir, base, &e), (int)open_n);
	const struct mmr_finding *f = NULL;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *x = res->findings.v[k];
			if (!x->suppressed) {
				assert_string_equal(x->loc.resource, "aws_security_group.db");
				f = x;
			}
		}
	}
	assert_non_null(f);
	mmr_report_free(r);
	put("tf/main.tf", sg_tf);
	/* a bad baseline names the file */
	put("bad.json", "{\"version\": 2, \"findings\": []}");
	snprintf(base, sizeof(base), "%s/bad.json", root);
	r = mmr_report_new();
	assert_int_equal(mmr_iac_baseline_apply(r, tfdir, base, &e), -EPROTO);
	assert_non_null(strstr(e.file, "bad.json"));
	mmr_report_free(r);
	mmr_policy_set_free(s);
}

static const struct mmr_iac_control *ctrl(const struct mmr_iac_compliance *c, const char *id)
{
	for (size_t i = 0; i < c->controls.n; i++) {
		const struct mmr_iac_control *x = c->controls.v[i];
		if (strcmp(x->id, id) == 0)
			return x;
	}
	return NULL;
}

static void test_compliance(void **state)
{
	(void)state;
	struct mmr_policy_set *s = rules();
	struct mmr_report *r = mmr_report_new();
	struct mmr_iac_scan_stats st;
	struct mmr_error e = { 0 };
	char tfdir[128];
	snprintf(tfdir, sizeof(tfdir), "%s/tf", root);
	assert_int_equal(mmr_iac_scan(r, tfdir, s, NULL, &st, &e), 0);
	struct mmr_iac_compliance *c = NULL;
	assert_int_equal(mmr_iac_compliance_build(r->arena, "cis-aws-1.5", s, &st, r, NULL, &c, &e), 0);
	assert_int_equal(c->controls.n, 63);
	assert_int_equal(ctrl(c, "5.2")->status, MMR_IAC_CTRL_FAIL);
	assert_int_equal(ctrl(c, "1.1")->status, MMR_IAC_CTRL_MANUAL);
	assert_int_equal(ctrl(c, "3.2")->status, MMR_IAC_CTRL_PASS);
	/* natural order: 1.9 before 1.10 */
	const struct mmr_iac_control *c9 = c->controls.v[8], *c10 = c->controls.v[9];
	assert_string_equal(c9->id, "1.9");
	assert_string_equal(c10->id, "1.10");
	/* suppressing the failures turns FAIL into PASS */
	for (size_t i = 0; i < r->results.n; i++) {
		struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->findings.n; k++)
			((struct mmr_finding *)res->findings.v[k])->suppressed = true;
	}
	assert_int_equal(mmr_iac_compliance_build(r->arena, "cis-aws-1.5", s, &st, r, NULL, &c, &e), 0);
	assert_int_equal(ctrl(c, "5.2")->status, MMR_IAC_CTRL_PASS);
	assert_int_equal(c->n[MMR_IAC_CTRL_FAIL], 0);
	assert_int_equal(mmr_iac_compliance_build(r->arena, "nope", s, &st, r, NULL, &c, &e), -EINVAL);
	mmr_report_free(r);
	mmr_policy_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_and_findings),
		cmocka_unit_test(test_single_file_and_missing),
		cmocka_unit_test(test_baseline_round_trip),
		cmocka_unit_test(test_compliance),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
