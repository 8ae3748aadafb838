/* test-policy-lang.c - the condition language: parsing, errors with
 * positions, three-valued evaluation, paths, functions, quantifiers and
 * relations across resources. Documents are built here as JSON. */
#include "test-util.h"

#include <errno.h>
#include <string.h>

#include "policy/policy.h"

struct fx {
	struct mmr_arena *a;
	struct mmr_policy_set *ps;
	struct mmr_iac_set set;
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->a = mmr_arena_new(0);
	assert_int_equal(mmr_policy_set_new(&f->ps), 0);
	f->set.arena = f->a;
	return f;
}

static void fx_free(struct fx *f)
{
	for (size_t i = 0; i < f->set.resources.n; i++) {
		struct mmr_iac_resource *r = f->set.resources.v[i];
		json_decref(r->doc);
		json_decref(r->pos);
	}
	mmr_policy_set_free(f->ps);
	mmr_arena_free(f->a);
	free(f);
}

static struct mmr_iac_resource *add(struct fx *f, const char *type, const char *addr,
				    const char *json)
{
	struct mmr_iac_resource *r = mmr_arena_alloc(f->a, sizeof(*r));
	json_error_t je;
	r->type = r->raw_type = type;
	r->address = addr;
	r->source = "terraform";
	r->file = "main.tf";
	r->line_start = 1;
	r->line_end = 10;
	r->doc = json_loads(json, 0, &je);
	if (!r->doc)
		fail_msg("bad test JSON: %s: %s", je.text, json);
	mmr_vec_push(f->a, &f->set.resources, r);
	return r;
}

static enum mmr_policy_result ev(struct fx *f, const struct mmr_iac_resource *r, const char *cond)
{
	struct mmr_policy_expr *e = NULL;
	struct mmr_error err = { 0 };
	int rc = mmr_policy_compile(f->ps, cond, strlen(cond), "t.yaml", 1, 1, &e, &err);
	if (rc < 0)
		fail_msg("compile '%s': %s (%lu:%lu)", cond, err.msg, err.line, err.col);
	return mmr_policy_eval_expr(e, &f->set, r);
}

#define PASS MMR_POLICY_PASS
#define FAIL MMR_POLICY_FAIL
#define UNK MMR_POLICY_UNKNOWN

static void test_paths(void **state)
{
	struct fx *f = fx_new();
	struct mmr_iac_resource *r = add(
		f, "aws_s3_bucket", "aws_s3_bucket.b",
		"{\"bucket\":\"logs\",\"versioning\":[{\"enabled\":true}],"
		"\"tags\":{\"app\":\"web\",\"my-key\":\"v\"},"
		"\"ingress\":[{\"from_port\":22,\"cidr_blocks\":[\"10.0.0.0/8\"]},"
		"{\"from_port\":443,\"cidr_blocks\":[\"0.0.0.0/0\",\"1.2.3.0/24\"]}]}");
	assert_int_equal(ev(f, r, "bucket == \"logs\""), FAIL);
	assert_int_equal(ev(f, r, "bucket == 'other'"), PASS);
	assert_int_equal(ev(f, r, "self.bucket == \"logs\""), FAIL);
	/* a one-block list reads as the block */
	assert_int_equal(ev(f, r, "versioning.enabled == true"), FAIL);
	assert_int_equal(ev(f, r, "versioning[0].enabled"), FAIL);
	assert_int_equal(ev(f, r, "versioning.0.enabled"), FAIL);
	assert_int_equal(ev(f, r, "tags[\"app\"] == \"web\""), FAIL);
	assert_int_equal(ev(f, r, "tags.\"my-key\" == \"v\""), FAIL);
	assert_int_equal(ev(f, r, "tags.missing == null"), FAIL);
	assert_int_equal(ev(f, r, "nothing.deeper.still == null"), FAIL);
	/* projections flatten one level */
	assert_int_equal(ev(f, r, "\"0.0.0.0/0\" in ingress[*].cidr_blocks"), FAIL);
	assert_int_equal(ev(f, r, "len(ingress[*].cidr_blocks) == 3"), FAIL);
	assert_int_equal(ev(f, r, "ingress[*].from_port == [22, 443]"), FAIL);
	assert_int_equal(ev(f, r, "ingress[-1].from_port == 443"), FAIL);
	assert_int_equal(ev(f, r, "ingress[5].from_port == null"), FAIL);
	assert_int_equal(ev(f, r, "\"app\" in tags and not (\"x\" in tags)"), FAIL);
	assert_int_equal(ev(f, r, "\"x\" not in tags"), FAIL);
	fx_free(f);
}

static void test_compare_coerce(void **state)
{
	struct fx *f = fx_new();
	struct mmr_iac_resource *r =
		add(f, "t", "t.a", "{\"port\":\"22\",\"n\":7,\"on\":\"true\",\"s\":\"abc\"}");
	assert_int_equal(ev(f, r, "port == 22"), FAIL);
	assert_int_equal(ev(f, r, "port < 80 and port >= 22 and port <= 22"), FAIL);
	assert_int_equal(ev(f, r, "n > 7"), PASS);
	assert_int_equal(ev(f, r, "n != 7"), PASS);
	assert_int_equal(ev(f, r, "-n == -7"), FAIL);
	assert_int_equal(ev(f, r, "on == true"), FAIL);
	assert_int_equal(ev(f, r, "on"), FAIL);
	assert_int_equal(ev(f, r, "s < \"abd\""), FAIL);
	assert_int_equal(ev(f, r, "s > 5"), PASS); /* incomparable: false */
	assert_int_equal(ev(f, r, "[1, 2] == [1, 2] && !(1 == 2) || false"), FAIL);
	fx_free(f);
}

static void test_unknown(void **state)
{
	struct fx *f = fx_new();
	struct mmr_iac_resource *r =
		add(f, "t", "t.a",
		    "{\"acl\":{\"$unknown\":true},\"on\":false,\"list\":[\"a\",{\"$unknown\":true}],"
		    "\"blk\":[{\"x\":{\"$unknown\":true}}]}");
	assert_int_equal(ev(f, r, "acl == \"public-read\""), UNK);
	assert_int_equal(ev(f, r, "acl != \"public-read\""), UNK);
	assert_int_equal(ev(f, r, "not (acl == \"x\")"), UNK);
	/* Kleene: false and unknown is false, true or unknown is true */
	assert_int_equal(ev(f, r, "on and acl == \"x\""), PASS);
	assert_int_equal(ev(f, r, "acl == \"x\" and on"), PASS);
	assert_int_equal(ev(f, r, "not on or acl == \"x\""), FAIL);
	assert_int_equal(ev(f, r, "acl == \"x\" or on"), UNK);
	assert_int_equal(ev(f, r, "\"a\" in list"), FAIL);
	assert_int_equal(ev(f, r, "\"b\" in list"), UNK);
	assert_int_equal(ev(f, r, "any(x in list: x == \"b\")"), UNK);
	assert_int_equal(ev(f, r, "any(x in list: x == \"a\")"), FAIL);
	assert_int_equal(ev(f, r, "all(x in list: x == \"a\")"), UNK);
	assert_int_equal(ev(f, r, "none(x in list: x == \"a\")"), PASS);
	assert_int_equal(ev(f, r, "count(x in list: x == \"a\") > 0"), UNK);
	assert_int_equal(ev(f, r, "any(x in acl: true)"), UNK);
	assert_int_equal(ev(f, r, "starts_with(acl, \"p\")"), UNK);
	assert_int_equal(ev(f, r, "exists(acl)"), FAIL);
	assert_int_equal(ev(f, r, "is_unknown(acl)"), FAIL);
	assert_int_equal(ev(f, r, "is_empty(acl)"), UNK);
	assert_int_equal(ev(f, r, "acl.deeper == 1"), UNK);
	assert_int_equal(ev(f, r, "blk.x == 1"), UNK);
	assert_int_equal(ev(f, r, "list == [\"a\", \"b\"]"), UNK);
	assert_int_equal(ev(f, r, "list == [\"b\", \"b\"]"), PASS);
	fx_free(f);
}

static void test_functions(void **state)
{
	struct fx *f = fx_new();
	struct mmr_iac_resource *r = add(
		f, "t", "t.a",
		"{\"name\":\"Prod-Bucket\",\"img\":\"nginx:latest\",\"cidr\":\"0.0.0.0/0\","
		"\"priv\":\"10.1.0.0/16\",\"pub\":\"8.8.8.8\",\"v6\":\"::/0\","
		"\"policy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"*\\\"}]}\","
		"\"from\":0,\"to\":65535,\"empty\":\"\",\"lst\":[],\"nul\":null,\"obj\":{\"k\":1}}");
	assert_int_equal(ev(f, r, "starts_with(name, \"Prod\") and ends_with(name, \"ket\")"), FAIL);
	assert_int_equal(ev(f, r, "starts_with(name, \"prod\")"), PASS);
	assert_int_equal(ev(f, r, "starts_with(lower(name), \"prod\")"), FAIL);
	assert_int_equal(ev(f, r, "upper(name) == \"PROD-BUCKET\""), FAIL);
	assert_int_equal(ev(f, r, "contains(name, \"-\") and contains([1,2], 2)"), FAIL);
	assert_int_equal(ev(f, r, "contains(obj, \"k\") and not contains(obj, \"z\")"), FAIL);
	assert_int_equal(ev(f, r, "matches(img, \":latest$\")"), FAIL);
	assert_int_equal(ev(f, r, "matches(img, \"^alpine\")"), PASS);
	assert_int_equal(ev(f, r, "glob(img, \"nginx:*\")"), FAIL);
	assert_int_equal(ev(f, r, "glob(img, \"nginx\")"), PASS);
	assert_int_equal(ev(f, r, "cidr_is_public(cidr) and cidr_is_public(v6)"), FAIL);
	assert_int_equal(ev(f, r, "cidr_is_public(priv)"), PASS);
	assert_int_equal(ev(f, r, "cidr_is_public(pub)"), FAIL);
	assert_int_equal(ev(f, r, "cidr_is_public(\"not an ip\")"), PASS);
	assert_int_equal(ev(f, r, "cidr_contains(\"10.0.0.0/8\", priv)"), FAIL);
	assert_int_equal(ev(f, r, "cidr_contains(priv, \"10.0.0.0/8\")"), PASS);
	assert_int_equal(ev(f, r, "cidr_contains(\"10.0.0.0/9\", \"10.128.0.1\")"), PASS);
	assert_int_equal(ev(f, r, "cidr_prefix(cidr) == 0"), FAIL);
	assert_int_equal(ev(f, r, "port_in_range(22, from, to)"), FAIL);
	assert_int_equal(ev(f, r, "port_in_range(22, 80, 443)"), PASS);
	assert_int_equal(ev(f, r, "port_in_range(22, -1, -1)"), FAIL);
	assert_int_equal(ev(f, r, "json_decode(policy).Statement[0].Action == \"*\""), FAIL);
	assert_int_equal(ev(f, r, "json_decode(\"{bad\") == null"), FAIL);
	assert_int_equal(ev(f, r, "is_empty(empty) and is_empty(lst) and is_empty(nul)"), FAIL);
	assert_int_equal(ev(f, r, "is_empty(missing) and not exists(nul) and not exists(zzz)"),
			 FAIL);
	assert_int_equal(ev(f, r, "len(name) == 11 and len(lst) == 0 and len(missing) == 0"), FAIL);
	assert_int_equal(ev(f, r, "\"*\" in to_list(json_decode(policy).Statement[0].Action)"),
			 FAIL);
	assert_int_equal(ev(f, r, "keys(obj) == [\"k\"] and values(obj) == [1]"), FAIL);
	assert_int_equal(ev(f, r, "default(missing, 5) == 5 and default(from, 5) == 0"), FAIL);
	assert_int_equal(ev(f, r, "to_number(\"12\") == 12 and to_string(3) == \"3\""), FAIL);
	assert_int_equal(ev(f, r, "type_of(missing) == \"absent\" and type_of(obj) == \"object\""),
			 FAIL);
	fx_free(f);
}

static void test_quantifiers(void **state)
{
	struct fx *f = fx_new();
	struct mmr_iac_resource *r =
		add(f, "aws_security_group", "aws_security_group.web",
		    "{\"ingress\":[{\"from_port\":22,\"to_port\":22,\"cidr_blocks\":[\"10.0.0.0/8\"]},"
		    "{\"from_port\":0,\"to_port\":65535,\"cidr_blocks\":[\"0.0.0.0/0\"]}]}");
	assert_int_equal(ev(f, r,
			    "any(i in ingress: port_in_range(22, i.from_port, i.to_port) and "
			    "any(c in i.cidr_blocks: cidr_is_public(c)))"),
			 FAIL);
	assert_int_equal(ev(f, r, "all(i in ingress: i.from_port >= 0)"), FAIL);
	assert_int_equal(ev(f, r, "all(i in ingress: i.from_port > 0)"), PASS);
	assert_int_equal(ev(f, r, "none(i in ingress: i.to_port > 70000)"), FAIL);
	assert_int_equal(ev(f, r, "count(i in ingress: i.from_port == 22) == 1"), FAIL);
	assert_int_equal(ev(f, r, "count(ingress) == 2"), FAIL);
	/* quantifier over absent: empty */
	assert_int_equal(ev(f, r, "any(e in egress: true)"), PASS);
	assert_int_equal(ev(f, r, "all(e in egress: false)"), FAIL);
	/* the same name nests with shadowing */
	assert_int_equal(ev(f, r, "any(x in ingress: any(x in x.cidr_blocks: x == \"0.0.0.0/0\"))"),
			 FAIL);
	fx_free(f);
}

static void test_relations(void **state)
{
	struct fx *f = fx_new();
	struct mmr_iac_resource *b1 = add(f, "aws_s3_bucket", "aws_s3_bucket.a", "{\"bucket\":\"a\"}");
	struct mmr_iac_resource *b2 = add(f, "aws_s3_bucket", "aws_s3_bucket.b", "{\"bucket\":\"b\"}");
	struct mmr_iac_resource *b3 =
		add(f, "aws_s3_bucket", "aws_s3_bucket.c[\"x\"]", "{\"bucket\":\"c\"}");
	struct mmr_iac_resource *pab =
		add(f, "aws_s3_bucket_public_access_block", "aws_s3_bucket_public_access_block.a",
		    "{\"bucket\":{\"$unknown\":true},\"block_public_acls\":true}");
	mmr_vec_push(f->a, &pab->refs, (void *)"aws_s3_bucket.a.id");
	struct mmr_iac_resource *pab2 =
		add(f, "aws_s3_bucket_public_access_block", "aws_s3_bucket_public_access_block.c",
		    "{\"bucket\":\"b\"}");
	mmr_vec_push(f->a, &pab2->refs, (void *)"aws_s3_bucket.c");
	const char *no_pab = "len(referenced_by(\"aws_s3_bucket_public_access_block\")) == 0";
	assert_int_equal(ev(f, b1, no_pab), PASS);
	assert_int_equal(ev(f, b2, no_pab), FAIL);
	assert_int_equal(ev(f, b3, no_pab), PASS); /* instance of the referenced aws_s3_bucket.c */
	/* by name: b2's name matches pab2's literal bucket */
	const char *by_name =
		"none(p in resources(\"aws_s3_bucket_public_access_block\"): refers(p, self) or "
		"p.bucket == self.bucket)";
	assert_int_equal(ev(f, b2, by_name), PASS);
	assert_int_equal(ev(f, b1, by_name), PASS);
	assert_int_equal(ev(f, pab, "len(references(\"aws_s3_bucket\")) == 1 and "
				    "references(\"aws_s3_bucket\")[0].bucket == \"a\""),
			 FAIL);
	assert_int_equal(ev(f, pab, "address(references(\"aws_s3_bucket\")[0]) == \"aws_s3_bucket.a\""),
			 FAIL);
	assert_int_equal(ev(f, b1, "len(resources(\"aws_s3_bucket\")) == 3"), FAIL);
	assert_int_equal(ev(f, b1, "\"b\" in resources(\"aws_s3_bucket\").bucket"), FAIL);
	assert_int_equal(ev(f, b1, "type(self) == \"aws_s3_bucket\" and address(self) == \"aws_s3_bucket.a\""),
			 FAIL);
	fx_free(f);
}

static void expect_err(const char *cond, unsigned long line, unsigned long col, const char *msg)
{
	struct mmr_policy_set *ps;
	struct mmr_policy_expr *e = NULL;
	struct mmr_error err = { 0 };
	assert_int_equal(mmr_policy_set_new(&ps), 0);
	int rc = mmr_policy_compile(ps, cond, strlen(cond), "r.yaml", 10, 5, &e, &err);
	if (rc != -EBADMSG)
		fail_msg("'%s' compiled (rc %d)", cond, rc);
	assert_string_equal(err.file, "r.yaml");
	if (err.line != line || err.col != col || !strstr(err.msg, msg))
		fail_msg("'%s': got %lu:%lu %s, want %lu:%lu %s", cond, err.line, err.col, err.msg,
			 line, col, msg);
	mmr_policy_set_free(ps);
}

static void test_errors(void **state)
{
	expect_err("a ==", 10, 9, "expected a value");
	expect_err("a = 1", 10, 7, "'=' is not an operator");
	expect_err("foo(a)", 10, 5, "unknown function 'foo'");
	expect_err("x and\n  startswith(a, \"b\")", 11, 3, "unknown function 'startswith'");
	expect_err("len(a, b)", 10, 5, "len() takes 1 argument");
	expect_err("port_in_range(1)", 10, 5, "port_in_range() takes 3 to 4 arguments");
	expect_err("\"abc", 10, 5, "unterminated string");
	expect_err("matches(a, \"(\")", 10, 16, "bad regular expression");
	expect_err("a == 1 == 2", 10, 12, "comparisons do not chain");
	expect_err("(a == 1", 10, 12, "expected ')'");
	expect_err("a b", 10, 7, "unexpected identifier");
	expect_err("any(x in l x)", 10, 16, "expected ':'");
	expect_err("a @ b", 10, 7, "unexpected character '@'");
	expect_err("to_list null", 10, 13, "unexpected 'null' after the condition");
	expect_err("a + ", 10, 9, "expected a value");
	expect_err("", 10, 5, "empty condition");
	expect_err("  # only a comment\n", 10, 5, "empty condition");
	/* nesting bound */
	char deep[400];
	memset(deep, '(', 200);
	deep[200] = 'a';
	memset(deep + 201, ')', 198);
	deep[399] = 0;
	struct mmr_policy_set *ps;
	struct mmr_policy_expr *e = NULL;
	struct mmr_error err = { 0 };
	assert_int_equal(mmr_policy_set_new(&ps), 0);
	assert_int_equal(mmr_policy_compile(ps, deep, strlen(deep), "r", 1, 1, &e, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "nests too deep"));
	mmr_policy_set_free(ps);
}

static void test_budget(void **state)
{
	struct fx *f = fx_new();
	/* 300^3 = 27M iterations: the step budget stops it as UNKNOWN */
	char *big = malloc(300 * 4 + 64);
	size_t n = 0;
	n += (size_t)snprintf(big + n, 16, "{\"l\":[");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(big + n, 16, "%s%d", i ? "," : "", i);
	snprintf(big + n, 8, "]}");
	struct mmr_iac_resource *r = add(f, "t", "t.a", big);
	free(big);
	assert_int_equal(ev(f, r, "any(a in l: any(b in l: any(c in l: a == -1)))"), UNK);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),     cmocka_unit_test(test_compare_coerce),
		cmocka_unit_test(test_unknown),   cmocka_unit_test(test_functions),
		cmocka_unit_test(test_quantifiers), cmocka_unit_test(test_relations),
		cmocka_unit_test(test_errors),    cmocka_unit_test(test_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
