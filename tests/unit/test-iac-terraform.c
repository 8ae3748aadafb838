/* test-iac-terraform.c - the Terraform evaluator (lib/iac/iac-terraform.c,
 * iac-tf-funcs.c) and plan JSON (iac-tfplan.c). Each test writes a small
 * module tree into a temporary directory and checks the documents. */
#include "test-util.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "iac/iac-terraform.h"
#include "iac/iac.h"
#include "model/model.h"

static char tmpdir[256];

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	for (char *s = p + strlen(tmpdir) + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmr-tf-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

struct scan {
	struct mmr_arena *a;
	struct mmr_iac_set set;
};

static struct scan *scan_opts(const char *sub, const struct mmr_tf_options *o)
{
	struct scan *s = calloc(1, sizeof(*s));
	s->a = mmr_arena_new(0);
	mmr_iac_set_init(&s->set, s->a);
	char p[512];
	snprintf(p, sizeof(p), "%s%s%s", tmpdir, sub ? "/" : "", sub ? sub : "");
	struct mmr_error e = { 0 };
	int r = mmr_tf_scan(&s->set, p, o, &e);
	if (r < 0)
		fail_msg("scan failed: %s", e.msg);
	return s;
}

static void scan_free(struct scan *s)
{
	mmr_iac_set_release(&s->set);
	mmr_arena_free(s->a);
	free(s);
}

static struct mmr_iac_resource *res(struct scan *s, const char *addr)
{
	for (size_t i = 0; i < s->set.resources.n; i++) {
		struct mmr_iac_resource *r = s->set.resources.v[i];
		if (!strcmp(r->address, addr))
			return r;
	}
	fprintf(stderr, "have:");
	for (size_t i = 0; i < s->set.resources.n; i++)
		fprintf(stderr, " %s", ((struct mmr_iac_resource *)s->set.resources.v[i])->address);
	fprintf(stderr, "\n");
	fail_msg("no resource %s", addr);
	return NULL;
}

/* Value at a dotted path ("a.0.b") of a resource document. */
static json_t *at(struct mmr_iac_resource *r, const char *path)
{
	json_t *v = r->doc;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *tok = buf, *next; tok && v; tok = next) {
		next = strchr(tok, '.');
		if (next)
			*next++ = 0;
		if (json_is_array(v))
			v = json_array_get(v, strtoul(tok, NULL, 10));
		else
			v = json_object_get(v, tok);
	}
	return v;
}

static void expect_str(struct mmr_iac_resource *r, const char *path, const char *want)
{
	json_t *v = at(r, path);
	if (!json_is_string(v) || strcmp(json_string_value(v), want)) {
		char *d = json_dumps(v, JSON_ENCODE_ANY);
		fail_msg("%s %s: got %s, want \"%s\"", r->address, path, d ? d : "(none)", want);
	}
}

static void expect_json(struct mmr_iac_resource *r, const char *path, const char *want)
{
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
	json_t *v = at(r, path);
	if (!w || !json_equal(v, w)) {
		char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		fail_msg("%s %s: got %s, want %s", r->address, path, d ? d : "(none)", want);
	}
	json_decref(w);
}

static bool has_diag(const struct mmr_vec *v, const char *needle)
{
	for (size_t i = 0; i < v->n; i++) {
		const struct mmr_diag *d = v->v[i];
		if (strstr(d->message, needle))
			return true;
	}
	return false;
}

static void test_variables_precedence(void **state)
{
	put("v/main.tf", "variable \"a\" { default = \"def\" }\n"
			 "variable \"b\" { default = \"def\" }\n"
			 "variable \"c\" { default = \"def\" }\n"
			 "variable \"d\" { default = \"def\" }\n"
			 "variable \"e\" { default = \"def\" }\n"
			 "variable \"n\" {\n  type = number\n}\n"
			 "variable \"l\" {\n  type = list(string)\n}\n"
			 "resource \"x\" \"r\" {\n"
			 "  a = var.a\n  b = var.b\n  c = var.c\n  d = var.d\n  e = var.e\n"
			 "  n = var.n + 1\n  l = var.l\n}\n");
	put("v/terraform.tfvars", "b = \"tfvars\"\nc = \"tfvars\"\nn = \"41\"\n");
	put("v/x.auto.tfvars", "c = \"auto\"\nd = \"auto\"\n");
	put("v/y.auto.tfvars.json", "{\"d\": \"auto-json\"}\n");
	put("extra.tfvars", "e = \"varfile\"\n");
	char vf[512];
	snprintf(vf, sizeof(vf), "%s/extra.tfvars", tmpdir);
	const char *vfs[] = { vf };
	const char *vars[] = { "l=[\"p\", \"q\"]" };
	setenv("TF_VAR_a", "env", 1);
	setenv("TF_VAR_b", "env", 1);
	struct mmr_tf_options o = { .var_files = vfs, .n_var_files = 1, .vars = vars, .n_vars = 1 };
	struct scan *s = scan_opts("v", &o);
	unsetenv("TF_VAR_a");
	unsetenv("TF_VAR_b");
	struct mmr_iac_resource *r = res(s, "x.r");
	expect_str(r, "a", "env");     /* env over default */
	expect_str(r, "b", "tfvars");  /* terraform.tfvars over env */
	expect_str(r, "c", "auto");    /* *.auto.tfvars over terraform.tfvars */
	expect_str(r, "d", "auto-json"); /* later auto file wins */
	expect_str(r, "e", "varfile");
	expect_json(r, "n", "42");     /* "41" converted to number by the type */
	expect_json(r, "l", "[\"p\",\"q\"]");
	scan_free(s);
}

static void test_module_no_default_fallback(void **state)
{
	/* trivy#10926: a value passed to a module must never be replaced by the
	 * module's default, not even when it is unknown */
	put("m/main.tf", "resource \"aws_vpc\" \"v\" { cidr_block = \"10.0.0.0/16\" }\n"
			 "module \"a\" {\n  source = \"./mod\"\n  name = \"given\"\n}\n"
			 "module \"b\" {\n  source = \"./mod\"\n  name = aws_vpc.v.id\n}\n"
			 "module \"c\" {\n  source = \"./mod\"\n}\n");
	put("m/mod/main.tf", "variable \"name\" { default = \"default\" }\n"
			     "resource \"aws_s3_bucket\" \"b\" { bucket = var.name }\n"
			     "output \"arn\" { value = aws_s3_bucket.b.arn }\n"
			     "output \"bucket\" { value = aws_s3_bucket.b.bucket }\n");
	put("m/use.tf", "resource \"x\" \"use\" {\n  o = module.a.bucket\n  u = module.a.arn\n"
			"  w = { m = module.a }\n}\n");
	struct scan *s = scan_opts("m", &(struct mmr_tf_options){ .no_env = true });
	expect_str(res(s, "module.a.aws_s3_bucket.b"), "bucket", "given");
	assert_true(mmr_iac_is_unknown(at(res(s, "module.b.aws_s3_bucket.b"), "bucket")));
	expect_str(res(s, "module.c.aws_s3_bucket.b"), "bucket", "default");
	struct mmr_iac_resource *u = res(s, "x.use");
	expect_str(u, "o", "given");
	assert_true(mmr_iac_is_unknown(at(u, "u")));
	/* internal marks never reach a document */
	expect_str(u, "w.m.bucket", "given");
	assert_null(json_object_get(at(u, "w.m"), "$computed"));
	/* refs follow module outputs to the resource behind them */
	bool found = false;
	for (size_t i = 0; i < u->refs.n; i++)
		if (!strcmp(u->refs.v[i], "module.a.aws_s3_bucket.b"))
			found = true;
	assert_true(found);
	assert_non_null(strstr(res(s, "module.a.aws_s3_bucket.b")->file, "m/mod/main.tf"));
	/* the module directory is not scanned a second time as a root */
	for (size_t i = 0; i < s->set.resources.n; i++)
		assert_string_not_equal(((struct mmr_iac_resource *)s->set.resources.v[i])->address,
					"aws_s3_bucket.b");
	scan_free(s);
}

static void test_count_for_each_dynamic(void **state)
{
	put("c/main.tf",
	    "locals {\n  names = toset([\"b\", \"a\"])\n  rules = { ssh = 22, https = 443 }\n}\n"
	    "resource \"aws_instance\" \"i\" {\n  count = 2\n  tags = { Name = \"web-${count.index}\" }\n}\n"
	    "resource \"aws_s3_bucket\" \"s\" {\n  for_each = local.names\n  bucket = \"b-${each.key}\"\n}\n"
	    "resource \"aws_security_group\" \"g\" {\n"
	    "  dynamic \"ingress\" {\n    for_each = local.rules\n    iterator = r\n"
	    "    content {\n      from_port = r.value\n      description = r.key\n    }\n  }\n"
	    "  egress {\n    from_port = 0\n  }\n}\n"
	    "module \"m\" {\n  source = \"./mod\"\n  for_each = { x = 1, y = 2 }\n  v = each.value * 10\n}\n"
	    "resource \"x\" \"splat\" {\n  ids = aws_instance.i[*].tags.Name\n"
	    "  keys = keys(aws_s3_bucket.s)\n  mv = module.m[\"y\"].out\n}\n");
	put("c/mod/main.tf", "variable \"v\" {}\nresource \"y\" \"r\" { n = var.v }\n"
			     "output \"out\" { value = var.v + 1 }\n");
	struct scan *s = scan_opts("c", &(struct mmr_tf_options){ .no_env = true });
	expect_str(res(s, "aws_instance.i[0]"), "tags.Name", "web-0");
	expect_str(res(s, "aws_instance.i[1]"), "tags.Name", "web-1");
	expect_str(res(s, "aws_s3_bucket.s[\"a\"]"), "bucket", "b-a");
	expect_str(res(s, "aws_s3_bucket.s[\"b\"]"), "bucket", "b-b");
	struct mmr_iac_resource *g = res(s, "aws_security_group.g");
	assert_int_equal(json_array_size(at(g, "ingress")), 2);
	expect_json(g, "egress.0.from_port", "0");
	json_t *ing = at(g, "ingress");
	bool ssh = false;
	for (size_t i = 0; i < 2; i++)
		if (json_integer_value(json_object_get(json_array_get(ing, i), "from_port")) == 22)
			ssh = !strcmp(json_string_value(json_object_get(json_array_get(ing, i), "description")), "ssh");
	assert_true(ssh);
	expect_json(res(s, "module.m[\"x\"].y.r"), "n", "10");
	expect_json(res(s, "module.m[\"y\"].y.r"), "n", "20");
	struct mmr_iac_resource *x = res(s, "x.splat");
	expect_json(x, "ids", "[\"web-0\",\"web-1\"]");
	expect_json(x, "keys", "[\"a\",\"b\"]");
	expect_json(x, "mv", "21");
	/* positions: attributes and nested blocks */
	json_t *p = json_object_get(g->pos, "/egress/0/from_port");
	assert_non_null(p);
	assert_int_equal(json_integer_value(json_array_get(p, 0)), 23);
	p = json_object_get(g->pos, "/egress/0");
	assert_int_equal(json_integer_value(json_array_get(p, 0)), 22);
	assert_int_equal(json_integer_value(json_array_get(p, 1)), 24);
	/* a dynamic block's instances point at its content block */
	p = json_object_get(g->pos, "/ingress/1/from_port");
	assert_int_equal(json_integer_value(json_array_get(p, 0)), 18);
	assert_int_equal(g->line_start, 13);
	assert_int_equal(g->line_end, 25);
	scan_free(s);
}

static void test_references_unknown(void **state)
{
	put("r/main.tf", "resource \"aws_s3_bucket\" \"b\" { bucket = \"my-bucket\" }\n"
			 "resource \"aws_s3_bucket_public_access_block\" \"p\" {\n"
			 "  bucket = aws_s3_bucket.b.id\n  name = aws_s3_bucket.b.bucket\n"
			 "  both = \"${aws_s3_bucket.b.bucket}-${aws_s3_bucket.b.arn}\"\n}\n"
			 "data \"aws_caller_identity\" \"me\" {}\n"
			 "resource \"x\" \"d\" { account = data.aws_caller_identity.me.account_id }\n");
	struct scan *s = scan_opts("r", &(struct mmr_tf_options){ .no_env = true });
	struct mmr_iac_resource *p = res(s, "aws_s3_bucket_public_access_block.p");
	assert_true(mmr_iac_is_unknown(at(p, "bucket")));
	expect_str(p, "name", "my-bucket");
	assert_true(mmr_iac_is_unknown(at(p, "both")));
	assert_int_equal(p->refs.n, 1);
	assert_string_equal(p->refs.v[0], "aws_s3_bucket.b");
	assert_true(mmr_iac_is_unknown(at(res(s, "x.d"), "account")));
	/* everything left unknown is logged */
	assert_true(has_diag(&s->set.unresolved, "aws_s3_bucket_public_access_block.p.bucket"));
	assert_true(has_diag(&s->set.unresolved, "x.d.account"));
	/* data sources are not resources of the scan */
	for (size_t i = 0; i < s->set.resources.n; i++)
		assert_null(strstr(((struct mmr_iac_resource *)s->set.resources.v[i])->address, "data."));
	scan_free(s);
}

/* data "aws_iam_policy_document" renders .json as the AWS provider does */
static void test_iam_policy_document(void **state)
{
	put("pd/main.tf",
	    "data \"aws_caller_identity\" \"me\" {}\n"
	    "data \"aws_iam_policy_document\" \"p\" {\n"
	    "  statement {\n    sid = \"One\"\n    actions = [\"s3:GetObject\"]\n"
	    "    resources = [\"arn:aws:s3:::b/*\", \"arn:aws:s3:::c/*\"]\n"
	    "    principals {\n      type = \"Service\"\n"
	    "      identifiers = [\"ec2.amazonaws.com\"]\n    }\n"
	    "    condition {\n      test = \"StringEquals\"\n"
	    "      variable = \"aws:SourceVpc\"\n      values = [\"vpc-1\", \"vpc-2\"]\n    }\n"
	    "  }\n"
	    "  statement {\n    effect = \"Deny\"\n    not_actions = [\"iam:*\", \"sts:*\"]\n"
	    "    not_resources = [\"*\"]\n"
	    "    not_principals {\n      type = \"*\"\n      identifiers = [\"*\"]\n    }\n  }\n"
	    "}\n"
	    "data \"aws_iam_policy_document\" \"u\" {\n"
	    "  statement {\n    actions = [\"s3:*\"]\n    resources = [\"*\"]\n"
	    "    principals {\n      type = \"AWS\"\n"
	    "      identifiers = [\"arn:aws:iam::${data.aws_caller_identity.me.account_id}:root\"]\n"
	    "    }\n  }\n}\n"
	    "resource \"aws_iam_policy\" \"a\" { policy = data.aws_iam_policy_document.p.json }\n"
	    "resource \"aws_iam_policy\" \"b\" { policy = data.aws_iam_policy_document.u.json }\n");
	struct scan *s = scan_opts("pd", &(struct mmr_tf_options){ .no_env = true });
	expect_str(res(s, "aws_iam_policy.a"), "policy",
		   "{\"Version\":\"2012-10-17\",\"Statement\":["
		   "{\"Sid\":\"One\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
		   "\"Resource\":[\"arn:aws:s3:::b/*\",\"arn:aws:s3:::c/*\"],"
		   "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
		   "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":[\"vpc-1\",\"vpc-2\"]}}},"
		   "{\"Effect\":\"Deny\",\"NotAction\":[\"iam:*\",\"sts:*\"],\"NotResource\":\"*\","
		   "\"NotPrincipal\":\"*\"}]}");
	/* an account id known only after apply: the document, that leaf unknown */
	struct mmr_iac_resource *b = res(s, "aws_iam_policy.b");
	expect_str(b, "policy.Statement.0.Action", "s3:*");
	expect_str(b, "policy.Statement.0.Effect", "Allow");
	assert_true(mmr_iac_is_unknown(at(b, "policy.Statement.0.Principal.AWS.0")));
	scan_free(s);
}

static void test_functions(void **state)
{
	put("f/t.tpl", "hello ${name}%{ for x in xs ~}\n[${x}]%{ endfor ~}\n");
	put("f/data.txt", "file-content\n");
	put("f/main.tf",
	    "locals {\n  m = { a = 1, b = 2 }\n}\n"
	    "resource \"x\" \"f\" {\n"
	    "  concat = concat([1], [2, 3])\n"
	    "  merge = merge(local.m, { c = 3 })\n"
	    "  lookup = lookup(local.m, \"z\", \"dflt\")\n"
	    "  element = element([\"a\", \"b\"], 3)\n"
	    "  length = length(\"h\\u00e9llo\")\n"
	    "  format = format(\"%s-%03d-%.2f-%t-%q\", \"x\", 7, 1.5, true, \"q\")\n"
	    "  join = join(\",\", split(\"/\", \"a/b/c\"))\n"
	    "  replace = replace(\"a-b-c\", \"-\", \"_\")\n"
	    "  rreplace = replace(\"a1b22\", \"/[0-9]+/\", \"#\")\n"
	    "  case = \"${lower(\"AB\")}${upper(\"cd\")}\"\n"
	    "  conv = [tostring(1), tonumber(\"2.5\"), tobool(\"true\")]\n"
	    "  set = toset([\"b\", \"a\", \"b\"])\n"
	    "  tolist = tolist(toset([\"z\"]))\n"
	    "  json = jsonencode({ b = [1, true], a = null })\n"
	    "  dec = jsondecode(\"{\\\"k\\\": [1]}\").k\n"
	    "  cidr = cidrsubnet(\"10.0.0.0/16\", 8, 2)\n"
	    "  host = cidrhost(\"10.0.1.0/24\", 5)\n"
	    "  coalesce = coalesce(\"\", null, \"c\")\n"
	    "  try = try(local.m.nope, \"fallback\")\n"
	    "  can = [can(local.m.a), can(local.m.nope)]\n"
	    "  file = trimspace(file(\"data.txt\"))\n"
	    "  tpl = templatefile(\"${path.module}/t.tpl\", { name = \"n\", xs = [1, 2] })\n"
	    "  keys = keys(local.m)\n"
	    "  values = values(local.m)\n"
	    "  flatten = flatten([[1, [2]], 3])\n"
	    "  distinct = distinct([1, 1, 2])\n"
	    "  contains = contains([\"a\"], \"a\")\n"
	    "  zipmap = zipmap([\"k\"], [\"v\"])\n"
	    "  range = range(1, 7, 2)\n"
	    "  misc = [substr(\"hello\", 1, 3), startswith(\"ab\", \"a\"), endswith(\"ab\", \"a\"), abs(-2), max(1, 5), min(3, 2), ceil(1.2), floor(1.8)]\n"
	    "  more = [sum([1, 2]), one([4]), index([\"x\", \"y\"], \"y\"), reverse([1, 2]), sort([\"b\", \"a\"]), compact([\"a\", \"\", null])]\n"
	    "  b64 = base64decode(base64encode(\"hi\"))\n"
	    "  sha = sha256(\"abc\")\n"
	    "  regex = regex(\"([a-z]+)-([0-9]+)\", \"abc-123\")\n"
	    "  fl = formatlist(\"%s=%s\", [\"a\", \"b\"], \"v\")\n"
	    "  chunk = chunklist([1, 2, 3], 2)\n"
	    "  ops = [1 + 2 * 3, 7 % 4, 10 / 4, 2 > 1 && !false, \"a\" == \"a\", 1 != 1]\n"
	    "  cond = length(local.m) > 1 ? \"many\" : \"few\"\n"
	    "  forl = [for k, v in local.m : \"${k}${v}\" if v > 1]\n"
	    "  form = { for k, v in local.m : v => k }\n"
	    "  group = { for s in [\"ax\", \"ay\", \"bz\"] : substr(s, 0, 1) => s... }\n"
	    "  unknown = upper(timestamp())\n"
	    "  sens = [sensitive(\"s\"), nonsensitive(\"n\")]\n"
	    "  tr = transpose({ a = [\"1\", \"2\"], b = [\"2\"] })\n"
	    "  mk = matchkeys([\"i1\", \"i2\"], [\"us\", \"eu\"], [\"eu\"])\n"
	    "}\n");
	struct scan *s = scan_opts("f", &(struct mmr_tf_options){ .no_env = true });
	struct mmr_iac_resource *r = res(s, "x.f");
	expect_json(r, "concat", "[1,2,3]");
	expect_json(r, "merge", "{\"a\":1,\"b\":2,\"c\":3}");
	expect_str(r, "lookup", "dflt");
	expect_str(r, "element", "b");
	expect_json(r, "length", "5");
	expect_str(r, "format", "x-007-1.50-true-\"q\"");
	expect_str(r, "join", "a,b,c");
	expect_str(r, "replace", "a_b_c");
	expect_str(r, "rreplace", "a#b#");
	expect_str(r, "case", "abCD");
	expect_json(r, "conv", "[\"1\", 2.5, true]");
	expect_json(r, "set", "[\"a\",\"b\"]");
	expect_json(r, "tolist", "[\"z\"]");
	expect_str(r, "json", "{\"a\":null,\"b\":[1,true]}");
	expect_json(r, "dec", "[1]");
	expect_str(r, "cidr", "10.0.2.0/24");
	expect_str(r, "host", "10.0.1.5");
	expect_str(r, "coalesce", "c");
	expect_str(r, "try", "fallback");
	expect_json(r, "can", "[true,false]");
	expect_str(r, "file", "file-content");
	expect_str(r, "tpl", "hello n[1][2]");
	expect_json(r, "keys", "[\"a\",\"b\"]");
	expect_json(r, "values", "[1,2]");
	expect_json(r, "flatten", "[1,2,3]");
	expect_json(r, "distinct", "[1,2]");
	expect_json(r, "contains", "true");
	expect_json(r, "zipmap", "{\"k\":\"v\"}");
	expect_json(r, "range", "[1,3,5]");
	expect_json(r, "misc", "[\"ell\",true,false,2,5,2,2,1]");
	expect_json(r, "more", "[3,4,1,[2,1],[\"a\",\"b\"],[\"a\"]]");
	expect_str(r, "b64", "hi");
	expect_str(r, "sha", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	expect_json(r, "regex", "[\"abc\",\"123\"]");
	expect_json(r, "fl", "[\"a=v\",\"b=v\"]");
	expect_json(r, "chunk", "[[1,2],[3]]");
	expect_json(r, "ops", "[7,3,2.5,true,true,false]");
	expect_str(r, "cond", "many");
	expect_json(r, "forl", "[\"b2\"]");
	expect_json(r, "form", "{\"1\":\"a\",\"2\":\"b\"}");
	expect_json(r, "group", "{\"a\":[\"ax\",\"ay\"],\"b\":[\"bz\"]}");
	assert_true(mmr_iac_is_unknown(at(r, "unknown")));
	expect_json(r, "sens", "[\"s\",\"n\"]");
	expect_json(r, "tr", "{\"1\":[\"a\"],\"2\":[\"a\",\"b\"]}");
	expect_json(r, "mk", "[\"i2\"]");
	scan_free(s);
}

static void test_cycles_and_confinement(void **state)
{
	put("outside.txt", "secret\n");
	put("y/main.tf", "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n"
			 "resource \"x\" \"cyc\" { v = local.a }\n"
			 "resource \"x\" \"esc\" {\n  v = file(\"../outside.txt\")\n"
			 "  w = file(\"/etc/passwd\")\n}\n"
			 "resource \"x\" \"self1\" { v = x.self2.v }\n"
			 "resource \"x\" \"self2\" { v = x.self1.v }\n");
	struct scan *s = scan_opts("y", &(struct mmr_tf_options){ .no_env = true });
	assert_true(mmr_iac_is_unknown(at(res(s, "x.cyc"), "v")));
	assert_true(has_diag(&s->set.errors, "reference cycle: local.a -> local.b -> local.c -> local.a"));
	assert_true(has_diag(&s->set.errors, "reference cycle"));
	struct mmr_iac_resource *e = res(s, "x.esc");
	assert_true(mmr_iac_is_unknown(at(e, "v")));
	assert_true(mmr_iac_is_unknown(at(e, "w")));
	assert_true(has_diag(&s->set.unresolved, "outside the scanned directory"));
	res(s, "x.self1");
	res(s, "x.self2");
	scan_free(s);
}

static void test_syntax_error_goes_on(void **state)
{
	put("e/bad.tf", "resource \"x\" \"a\" {\n  v = [1,\n}\n");
	put("e/good.tf", "resource \"x\" \"b\" { v = 1 }\n");
	put("e/bad2.tf.json", "{\"resource\": }");
	struct scan *s = scan_opts("e", &(struct mmr_tf_options){ .no_env = true });
	res(s, "x.b");
	assert_int_equal(s->set.errors.n, 2);
	const struct mmr_diag *d = s->set.errors.v[0];
	assert_non_null(strstr(d->message, "e/bad.tf:3:1:"));
	d = s->set.errors.v[1];
	assert_non_null(strstr(d->message, "bad2.tf.json:1:14:"));
	scan_free(s);
}

static void test_ignores(void **state)
{
	put("i/main.tf", "# mamori:ignore:aws-s3-versioning accepted risk\n"
			 "# checkov:skip=CKV_AWS_18:logging elsewhere\n"
			 "resource \"aws_s3_bucket\" \"b\" {\n"
			 "  bucket = \"x\" # trivy:ignore:AVD-AWS-0086\n"
			 "  #tfsec:ignore:aws-s3-enable-bucket-encryption\n"
			 "}\n\n"
			 "# mamori:ignore:not-for-this-one\n\n"
			 "resource \"aws_s3_bucket\" \"c\" {}\n");
	struct scan *s = scan_opts("i", &(struct mmr_tf_options){ .no_env = true });
	struct mmr_iac_resource *b = res(s, "aws_s3_bucket.b");
	assert_int_equal(b->ignores.n, 4);
	assert_string_equal(b->ignores.v[0], "aws-s3-versioning accepted risk");
	assert_string_equal(b->ignores.v[1], "checkov:CKV_AWS_18 logging elsewhere");
	assert_string_equal(b->ignores.v[2], "trivy:AVD-AWS-0086");
	assert_string_equal(b->ignores.v[3], "tfsec:aws-s3-enable-bucket-encryption");
	/* a comment separated by a blank line does not belong to the resource */
	assert_int_equal(res(s, "aws_s3_bucket.c")->ignores.n, 0);
	scan_free(s);
}

static void test_downloaded_modules(void **state)
{
	put("d/main.tf", "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n  name = \"prod\"\n}\n"
			 "module \"gone\" {\n  source = \"git::https://example.com/x.git\"\n}\n");
	put("d/.terraform/modules/modules.json",
	    "{\"Modules\":[{\"Key\":\"\",\"Source\":\"\",\"Dir\":\".\"},"
	    "{\"Key\":\"vpc\",\"Source\":\"registry.terraform.io/terraform-aws-modules/vpc/aws\","
	    "\"Dir\":\".terraform/modules/vpc\"}]}");
	put("d/.terraform/modules/vpc/main.tf", "variable \"name\" {}\n"
						"resource \"aws_vpc\" \"this\" { tags = { Name = var.name } }\n");
	struct scan *s = scan_opts("d", &(struct mmr_tf_options){ .no_env = true });
	expect_str(res(s, "module.vpc.aws_vpc.this"), "tags.Name", "prod");
	assert_true(has_diag(&s->set.unresolved, "not downloaded"));
	scan_free(s);
}

static void test_plan_json(void **state)
{
	const char *plan =
		"{\"format_version\":\"1.2\",\"terraform_version\":\"1.6.0\",\"planned_values\":{},"
		"\"resource_changes\":[{\"address\":\"aws_s3_bucket.b\",\"mode\":\"managed\",\"type\":\"aws_s3_bucket\","
		"\"name\":\"b\",\"change\":{\"actions\":[\"create\"],\"after\":{\"bucket\":\"x\",\"tags\":{\"a\":\"b\"},"
		"\"versioning\":[{\"enabled\":true}]},\"after_unknown\":{\"arn\":true,\"id\":true,\"versioning\":[{\"mfa\":true}]}}},"
		"{\"address\":\"data.aws_caller_identity.me\",\"mode\":\"data\",\"type\":\"aws_caller_identity\",\"name\":\"me\","
		"\"change\":{\"actions\":[\"read\"],\"after\":{}}},"
		"{\"address\":\"aws_s3_bucket.gone\",\"mode\":\"managed\",\"type\":\"aws_s3_bucket\",\"name\":\"gone\","
		"\"change\":{\"actions\":[\"delete\"],\"after\":null}}]}";
	assert_true(mmr_tf_is_plan(plan, strlen(plan)));
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, a);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_tf_plan_parse(&set, plan, strlen(plan), "plan.json", NULL, &e), 0);
	assert_int_equal(set.resources.n, 1);
	struct mmr_iac_resource *r = set.resources.v[0];
	assert_string_equal(r->address, "aws_s3_bucket.b");
	assert_string_equal(r->type, "aws_s3_bucket");
	assert_true(mmr_iac_is_unknown(json_object_get(r->doc, "arn")));
	assert_true(mmr_iac_is_unknown(json_object_get(json_array_get(json_object_get(r->doc, "versioning"), 0), "mfa")));
	assert_string_equal(json_string_value(json_object_get(r->doc, "bucket")), "x");
	const char *notplan = "{\"resource\": {}}";
	assert_false(mmr_tf_is_plan(notplan, strlen(notplan)));
	assert_int_equal(mmr_tf_plan_parse(&set, notplan, strlen(notplan), "x.json", NULL, &e), -EPROTO);
	mmr_iac_set_release(&set);
	mmr_arena_free(a);
}

/* Checkov's fixtures, evaluated: nested modules with for_each and count. */
static void test_checkov_foreach_modules(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, a);
	struct mmr_error e = { 0 };
	struct mmr_tf_options o = { .no_env = true };
	char p[4096];
	snprintf(p, sizeof(p), "%s",
		 mmr_test_corpus("iac/checkov/tests/terraform/graph/variable_rendering/resources/"
				 "foreach_examples/module_foreach_module_foreach_resource_foreach"));
	assert_int_equal(mmr_tf_scan(&set, p, &o, &e), 0);
	assert_int_equal(set.resources.n, 8);
	bool found = false;
	for (size_t i = 0; i < set.resources.n; i++) {
		struct mmr_iac_resource *r = set.resources.v[i];
		if (!strcmp(r->address, "module.level1[\"green\"].module.level2[\"test2.txt\"]."
					"aws_s3_bucket_object.this_file[\"test4.txt\"]")) {
			found = true;
			assert_string_equal(json_string_value(json_object_get(r->doc, "key")), "test4.txt");
		}
	}
	assert_true(found);
	assert_int_equal(set.errors.n, 0);
	mmr_iac_set_release(&set);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_variables_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_no_default_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_for_each_dynamic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iam_policy_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles_and_confinement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error_goes_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_downloaded_modules, setup, teardown),
		cmocka_unit_test(test_plan_json),
		cmocka_unit_test(test_checkov_foreach_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
