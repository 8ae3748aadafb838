/* test-policy-rules.c - rule files: every built-in rule's own examples (each
 * bad one must FAIL, each good one PASS), loading errors with file:line:col,
 * --skip / --severity-override, inline suppressions, findings with the
 * attribute's line range. */
#include "test-util.h"

#include <errno.h>
#include <string.h>

#include "policy/policy.h"

#define RULES_DIR MMR_SOURCE_ROOT "/rules/iac"

static void free_set(struct mmr_iac_set *s)
{
	for (size_t i = 0; i < s->resources.n; i++) {
		struct mmr_iac_resource *r = s->resources.v[i];
		json_decref(r->doc);
		json_decref(r->pos);
	}
}

static struct mmr_iac_resource *res_new(struct mmr_arena *a, struct mmr_iac_set *s,
					const char *type, const char *addr, json_t *doc)
{
	struct mmr_iac_resource *r = mmr_arena_alloc(a, sizeof(*r));
	r->type = r->raw_type = mmr_arena_strdup(a, type);
	r->address = mmr_arena_strdup(a, addr);
	r->source = "terraform";
	r->file = "main.tf";
	r->line_start = 1;
	r->line_end = 5;
	r->doc = json_incref(doc);
	mmr_vec_push(a, &s->resources, r);
	return r;
}

/* One example: a document of the rule's first type, or {"$resources": [...]}
 * with self first. */
static enum mmr_policy_result run_example(const struct mmr_policy_rule *rule, json_t *ex)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set = { .arena = a };
	struct mmr_iac_resource *self = NULL;
	json_t *list = json_object_get(ex, "$resources");
	if (list) {
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e) {
			const char *type = json_string_value(json_object_get(e, "type"));
			const char *addr = json_string_value(json_object_get(e, "address"));
			assert_non_null(type);
			struct mmr_iac_resource *r = res_new(a, &set, type, addr ? addr : type,
							     json_object_get(e, "doc"));
			json_t *refs = json_object_get(e, "refs"), *rf;
			size_t k;
			json_array_foreach(refs, k, rf)
				mmr_vec_push(a, &r->refs, (void *)json_string_value(rf));
			if (!self)
				self = r;
		}
	} else {
		const char *type = rule->types.v[0];
		char addr[256];
		snprintf(addr, sizeof(addr), "%s.example", type);
		self = res_new(a, &set, type, addr, ex);
	}
	enum mmr_policy_result r = mmr_policy_eval_expr(rule->cond, &set, self);
	free_set(&set);
	mmr_arena_free(a);
	return r;
}

static void test_builtin_examples(void **state)
{
	struct mmr_policy_set *ps = NULL;
	struct mmr_error err = { 0 };
	const char *dirs[] = { RULES_DIR };
	char buf[1024];
	if (mmr_policy_load(dirs, 1, &ps, &err) < 0)
		fail_msg("%s", mmr_error_format(&err, buf, sizeof(buf)));
	size_t nbad = 0, ngood = 0;
	for (size_t i = 0; i < ps->rules.n; i++) {
		const struct mmr_policy_rule *rule = ps->rules.v[i];
		json_t *bad = json_object_get(rule->examples, "bad");
		json_t *good = json_object_get(rule->examples, "good");
		if (json_array_size(bad) == 0 || json_array_size(good) == 0)
			fail_msg("%s (%s): needs bad and good examples", rule->id, rule->file);
		if (rule->controls.n == 0)
			fail_msg("%s: no compliance mappings", rule->id);
		size_t k;
		json_t *ex;
		json_array_foreach(bad, k, ex) {
			enum mmr_policy_result r = run_example(rule, ex);
			if (r != MMR_POLICY_FAIL)
				fail_msg("%s: bad example %zu gives %s, want fail", rule->id, k,
					 mmr_policy_result_name(r));
			nbad++;
		}
		json_array_foreach(good, k, ex) {
			enum mmr_policy_result r = run_example(rule, ex);
			if (r != MMR_POLICY_PASS)
				fail_msg("%s: good example %zu gives %s, want pass", rule->id, k,
					 mmr_policy_result_name(r));
			ngood++;
		}
	}
	print_message("# %zu rules, %zu bad and %zu good examples\n", ps->rules.n, nbad, ngood);
	assert_true(ps->rules.n >= 4);
	mmr_policy_set_free(ps);
}

static void expect_load_err(const char *yaml, int rc, unsigned long line, unsigned long col,
			    const char *msg)
{
	struct mmr_policy_set *ps;
	struct mmr_error err = { 0 };
	assert_int_equal(mmr_policy_set_new(&ps), 0);
	int r = mmr_policy_load_buffer(ps, yaml, strlen(yaml), "my-rules/x.yaml", &err);
	if (r != rc || err.line != line || err.col != col || !strstr(err.msg, msg))
		fail_msg("got %d %lu:%lu '%s', want %d %lu:%lu '%s'", r, err.line, err.col, err.msg,
			 rc, line, col, msg);
	assert_string_equal(err.file, "my-rules/x.yaml");
	mmr_policy_set_free(ps);
}

#define HDR "id: X-1\ntitle: t\nseverity: HIGH\nresource: aws_s3_bucket\n"

static void test_load_errors(void **state)
{
	/* the condition's token position inside the YAML file */
	expect_load_err(HDR "condition: a == \n", -EBADMSG, 5, 16, "expected a value");
	expect_load_err(HDR "condition: |\n  a == 1 and\n  bogus(x)\n", -EBADMSG, 7, 3,
			"unknown function 'bogus'");
	expect_load_err(HDR "condition: >-\n    x and\n      y ===\n", -EBADMSG, 7, 11,
			"'=' is not an operator");
	expect_load_err(HDR "condition: \"a == 'b\"\n", -EBADMSG, 5, 18, "unterminated string");
	expect_load_err(HDR "severty: LOW\ncondition: a\n", -EBADMSG, 5, 1,
			"unknown rule key 'severty'");
	expect_load_err("id: X-1\ntitle: t\nseverity: SEVERE\nresource: a\ncondition: a\n",
			-EBADMSG, 3, 11, "'SEVERE' is not one of");
	expect_load_err("id: X-1\ntitle: t\nseverity: LOW\ncondition: a\n", -EBADMSG, 1, 1,
			"names no resource types");
	expect_load_err("id: X 1\ntitle: t\nseverity: LOW\nresource: a\ncondition: a\n", -EBADMSG,
			1, 1, "is not [A-Za-z0-9._-]");
	expect_load_err(HDR "condition: a\n---\n" HDR "condition: b\n", -EEXIST, 7, 1,
			"already defined");
	expect_load_err("id: [unclosed\n", -EBADMSG, 2, 1, "invalid YAML");
	expect_load_err("rules: 5\n", -EBADMSG, 1, 8, "expected a list of rules");
	expect_load_err(HDR "condition: a\ncompliance: [x]\n", -EBADMSG, 6, 13,
			"compliance: expected a mapping");
}

static void test_skip_override(void **state)
{
	struct mmr_policy_set *ps;
	const char y[] = "rules:\n"
			 "  - {id: A-1, title: a, severity: LOW, resource: t, condition: x == 1}\n"
			 "  - {id: A-2, title: b, severity: HIGH, resource: [t, u], condition: x == 2}\n";
	assert_int_equal(mmr_policy_set_new(&ps), 0);
	assert_int_equal(mmr_policy_load_buffer(ps, y, strlen(y), "r.yaml", NULL), 0);
	assert_int_equal(ps->rules.n, 2);
	assert_int_equal(mmr_policy_skip(ps, "a-1"), 0);
	assert_true(mmr_policy_find(ps, "A-1")->disabled);
	assert_int_equal(mmr_policy_skip(ps, "A-9"), -ENOENT);
	assert_int_equal(mmr_policy_severity_override(ps, "A-2=critical"), 0);
	assert_int_equal(mmr_policy_find(ps, "A-2")->severity, MMR_SEV_CRITICAL);
	assert_int_equal(mmr_policy_find(ps, "A-2")->default_severity, MMR_SEV_HIGH);
	assert_int_equal(mmr_policy_severity_override(ps, "A-2=bogus"), -EINVAL);
	assert_int_equal(mmr_policy_severity_override(ps, "A-2"), -EINVAL);
	assert_int_equal(mmr_policy_severity_override(ps, "Z-2=LOW"), -ENOENT);

	/* evaluation skips the disabled rule */
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set = { .arena = a };
	json_t *d1 = json_pack("{s:i}", "x", 1), *d2 = json_pack("{s:i}", "x", 2);
	res_new(a, &set, "t", "t.one", d1);
	res_new(a, &set, "u", "u.two", d2);
	json_decref(d1);
	json_decref(d2);
	struct mmr_policy_stats st;
	assert_int_equal(mmr_policy_eval(ps, &set, NULL, NULL, &st), 0);
	assert_int_equal(st.evaluated, 2); /* A-2 on t.one and u.two */
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.passed, 1);
	free_set(&set);
	mmr_arena_free(a);
	mmr_policy_set_free(ps);
}

static void test_report_and_ignores(void **state)
{
	struct mmr_policy_set *ps;
	const char y[] =
		"id: MMR-T-001\ntitle: versioning off\nseverity: MEDIUM\nresource: aws_s3_bucket\n"
		"peers: [CKV_AWS_21, AVD-AWS-0090]\n"
		"condition: not (versioning.enabled == true)\n"
		"remediation: turn it on\nfix: {terraform: 'versioning { enabled = true }'}\n"
		"references: [https://example.com/v]\n"
		"compliance: {nist-800-53-r5: [CP-9, CP-10], soc2: CC6.1}\n";
	assert_int_equal(mmr_policy_set_new(&ps), 0);
	assert_int_equal(mmr_policy_load_buffer(ps, y, strlen(y), "r.yaml", NULL), 0);

	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set = { .arena = a };
	json_t *bad = json_loads("{\"versioning\":[{\"enabled\":false}]}", 0, NULL);
	json_t *unk = json_loads("{\"versioning\":[{\"enabled\":{\"$unknown\":true}}]}", 0, NULL);
	json_t *good = json_loads("{\"versioning\":[{\"enabled\":true}]}", 0, NULL);
	struct mmr_iac_resource *r1 = res_new(a, &set, "aws_s3_bucket", "aws_s3_bucket.a", bad);
	r1->pos = json_loads("{\"/versioning\":[3,5],\"/versioning/0/enabled\":[4,4]}", 0, NULL);
	r1->line_start = 2, r1->line_end = 6;
	struct mmr_iac_resource *r2 = res_new(a, &set, "aws_s3_bucket", "aws_s3_bucket.b", bad);
	mmr_vec_push(a, &r2->ignores, (void *)"checkov:skip=CKV_AWS_21:versioning not wanted");
	struct mmr_iac_resource *r3 = res_new(a, &set, "aws_s3_bucket", "aws_s3_bucket.c", bad);
	mmr_vec_push(a, &r3->ignores, (void *)"trivy:ignore:AVD-AWS-0091");
	struct mmr_iac_resource *r4 = res_new(a, &set, "aws_s3_bucket", "aws_s3_bucket.d", bad);
	mmr_vec_push(a, &r4->ignores, (void *)"mamori:ignore:mmr-t-001 lab bucket");
	res_new(a, &set, "aws_s3_bucket", "aws_s3_bucket.e", unk);
	res_new(a, &set, "aws_s3_bucket", "aws_s3_bucket.f", good);
	res_new(a, &set, "aws_s3_bucket_acl", "aws_s3_bucket_acl.x", bad); /* other type */
	json_decref(bad);
	json_decref(unk);
	json_decref(good);

	struct mmr_report *rep = mmr_report_new();
	struct mmr_policy_stats st;
	assert_int_equal(mmr_policy_eval_report(ps, &set, rep, &st), 0);
	assert_int_equal(st.evaluated, 6);
	assert_int_equal(st.failed, 4);
	assert_int_equal(st.unknown, 1);
	assert_int_equal(st.passed, 1);
	assert_int_equal(st.suppressed, 2);
	assert_int_equal(rep->results.n, 1);
	struct mmr_result *res = rep->results.v[0];
	assert_string_equal(res->class, "config");
	assert_string_equal(res->type, "terraform");
	assert_int_equal(res->findings.n, 4);
	struct mmr_finding *f = res->findings.v[0];
	assert_int_equal(f->kind, MMR_FINDING_MISCONFIGURATION);
	assert_string_equal(f->rule_id, "MMR-T-001");
	assert_string_equal(f->loc.resource, "aws_s3_bucket.a");
	assert_int_equal(f->loc.line_start, 4); /* the attribute, not the resource */
	assert_int_equal(f->loc.line_end, 4);
	assert_int_equal(f->severity, MMR_SEV_MEDIUM);
	assert_string_equal(f->fix, "versioning { enabled = true }");
	assert_string_equal(f->remediation, "turn it on");
	assert_int_equal(f->controls.n, 3);
	assert_string_equal(f->controls.v[0], "nist-800-53-r5:CP-9");
	assert_string_equal(f->controls.v[2], "soc2:CC6.1");
	assert_int_equal(f->references.n, 1);
	assert_int_equal(f->aliases.n, 2);
	assert_non_null(f->fingerprint);
	assert_false(f->suppressed);
	struct mmr_finding *f2 = res->findings.v[1];
	assert_true(f2->suppressed); /* checkov peer id */
	assert_non_null(strstr(f2->suppressed_by, "CKV_AWS_21"));
	assert_int_equal(f2->loc.line_start, 1); /* no positions: the resource */
	assert_false(((struct mmr_finding *)res->findings.v[2])->suppressed); /* other trivy id */
	assert_true(((struct mmr_finding *)res->findings.v[3])->suppressed);
	assert_string_not_equal(f->fingerprint, f2->fingerprint);
	/* the unknown one is a diagnostic, not a finding */
	assert_int_equal(rep->diags.n, 1);
	struct mmr_diag *d = rep->diags.v[0];
	assert_non_null(strstr(d->message, "MMR-T-001: unknown"));
	assert_non_null(strstr(d->where, "aws_s3_bucket.e"));

	mmr_policy_set_free(ps); /* findings own their strings */
	assert_string_equal(f->title, "versioning off");
	mmr_report_free(rep);
	free_set(&set);
	mmr_arena_free(a);
}

static void test_ignore_match(void **state)
{
	struct mmr_policy_rule r = { .id = "MMR-AWS-S3-001" };
	struct mmr_arena *a = mmr_arena_new(0);
	mmr_vec_push(a, &r.peers, (void *)"aws-s3-enable-versioning");
	assert_true(mmr_policy_ignore_matches(&r, "MMR-AWS-S3-001 reason"));
	assert_true(mmr_policy_ignore_matches(&r, "# mamori:ignore:MMR-AWS-S3-001"));
	assert_true(mmr_policy_ignore_matches(&r, "tfsec:ignore:aws-s3-enable-versioning"));
	assert_false(mmr_policy_ignore_matches(&r, "MMR-AWS-S3-0011"));
	assert_false(mmr_policy_ignore_matches(&r, "MMR-AWS-S3"));
	assert_false(mmr_policy_ignore_matches(&r, ""));
	assert_false(mmr_policy_ignore_matches(&r, "checkov:skip="));
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_examples),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_skip_override),
		cmocka_unit_test(test_report_and_ignores),
		cmocka_unit_test(test_ignore_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
