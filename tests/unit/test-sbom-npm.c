/* test-sbom-npm.c - package-lock.json v1/v2/v3 and installed package.json. */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* trivy nodejs/npm parse_testcase.go: npmV1Pkgs / npmV2Pkgs (31 packages) */
static const char *const all31 =
	"@babel/helper-string-parser@7.19.4\nasap@2.0.6\nbody-parser@1.18.3\nbytes@3.0.0\n"
	"content-type@1.0.5\ndebug@2.5.2\ndebug@2.6.9\ndepd@1.1.2\nee-first@1.1.1\n"
	"encodeurl@1.0.2\nescape-html@1.0.3\nfinalhandler@1.1.1\nhttp-errors@1.6.3\n"
	"iconv-lite@0.4.23\ninherits@2.0.3\nmedia-typer@0.3.0\nmime-db@1.52.0\n"
	"mime-types@2.1.35\nms@0.7.2\nms@1.0.0\nms@2.0.0\non-finished@2.3.0\nparseurl@1.3.3\n"
	"promise@8.3.0\nqs@6.5.2\nraw-body@2.3.3\nsafer-buffer@2.1.2\nsetprototypeof@1.1.0\n"
	"statuses@1.4.0\ntype-is@1.6.18\nunpipe@1.0.0\n";

static size_t count_dev(const struct mmr_sbom_ctx *ctx)
{
	size_t n = 0;
	for (size_t g = 0; g < ctx->groups.n; g++) {
		struct mmr_sbom_group *gr = ctx->groups.v[g];
		for (size_t i = 0; i < gr->packages.n; i++)
			n += ((struct mmr_package *)gr->packages.v[i])->dev;
	}
	return n;
}

static size_t count_rel(const struct mmr_sbom_ctx *ctx, enum mmr_dep_relation rel)
{
	size_t n = 0;
	for (size_t g = 0; g < ctx->groups.n; g++) {
		struct mmr_sbom_group *gr = ctx->groups.v[g];
		for (size_t i = 0; i < gr->packages.n; i++)
			n += ((struct mmr_package *)gr->packages.v[i])->relation == rel;
	}
	return n;
}

static bool has_dep(const struct mmr_package *p, const char *id)
{
	for (size_t i = 0; i < p->depends_on.n; i++)
		if (strcmp(p->depends_on.v[i], id) == 0)
			return true;
	return false;
}

static void test_v1(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "npm-lock", "app/package-lock.json",
					  "image/npm/package-lock_v1.json", NULL),
			 0);
	assert_int_equal(ctx.groups.n, 1);
	assert_string_equal(mmr_test_pkglist(a, &ctx), all31);
	assert_int_equal(count_dev(&ctx), 2);
	assert_true(mmr_test_find(&ctx, "debug", "2.5.2")->dev);
	assert_true(mmr_test_find(&ctx, "ms", "0.7.2")->dev);
	assert_false(mmr_test_find(&ctx, "ms", "2.0.0")->dev);
	/* requires resolve to the nested copy first, then outward */
	struct mmr_package *bp = mmr_test_find(&ctx, "body-parser", "1.18.3");
	assert_true(has_dep(bp, "debug@2.6.9"));
	assert_true(has_dep(bp, "iconv-lite@0.4.23"));
	assert_false(has_dep(bp, "debug@2.5.2"));
	struct mmr_package *dbg = mmr_test_find(&ctx, "debug", "2.5.2");
	assert_true(has_dep(dbg, "ms@0.7.2"));
	/* "asap": { ... } starts on line 13 of the fixture */
	struct mmr_package *asap = mmr_test_find(&ctx, "asap", "2.0.6");
	assert_int_equal(asap->line_start, 12);
	assert_int_equal(asap->line_end, 17);
	assert_int_equal(asap->eco, MMR_ECO_NPM);
	mmr_arena_free(a);
}

static void check_v2(const char *rel)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "npm-lock", "package-lock.json", rel, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), all31);
	assert_int_equal(count_dev(&ctx), 2);
	assert_int_equal(count_rel(&ctx, MMR_DEP_DIRECT), 6);
	assert_int_equal(count_rel(&ctx, MMR_DEP_INDIRECT), 25);
	assert_int_equal(mmr_test_find(&ctx, "body-parser", "1.18.3")->relation, MMR_DEP_DIRECT);
	assert_int_equal(mmr_test_find(&ctx, "type-is", "1.6.18")->relation, MMR_DEP_INDIRECT);
	assert_true(mmr_test_find(&ctx, "debug", "2.5.2")->dev);
	/* node_modules/body-parser/node_modules/debug -> its sibling ms */
	struct mmr_package *d = mmr_test_find(&ctx, "debug", "2.6.9");
	assert_true(has_dep(d, "ms@2.0.0"));
	assert_int_equal(d->depends_on.n, 1);
	assert_true(has_dep(mmr_test_find(&ctx, "body-parser", "1.18.3"), "iconv-lite@0.4.23"));
	assert_true(mmr_test_find(&ctx, "asap", "2.0.6")->line_start > 0);
	mmr_arena_free(a);
}

static void test_v2(void **state)
{
	check_v2("image/npm/package-lock_v2.json");
}

static void test_v3(void **state)
{
	check_v2("image/npm/package-lock_v3.json");
}

static void test_v3_workspace(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "npm-lock", "package-lock.json",
					  "image/npm/package-lock_v3_with_workspace.json", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "debug@2.5.2\ndebug@2.6.9\nfunction1@\nms@0.7.2\nms@2.0.0\nnested_func@1.0.0\n");
	struct mmr_package *f1 = mmr_test_find(&ctx, "function1", "");
	assert_int_equal(f1->relation, MMR_DEP_DIRECT);
	assert_int_equal(f1->line_start, 18);
	assert_int_equal(f1->line_end, 23);
	assert_true(has_dep(f1, "nested_func@1.0.0"));
	struct mmr_package *nf = mmr_test_find(&ctx, "nested_func", "1.0.0");
	assert_int_equal(nf->relation, MMR_DEP_DIRECT);
	assert_true(has_dep(nf, "debug@2.6.9"));
	assert_int_equal(mmr_test_find(&ctx, "debug", "2.5.2")->relation, MMR_DEP_DIRECT);
	assert_int_equal(mmr_test_find(&ctx, "debug", "2.6.9")->relation, MMR_DEP_INDIRECT);
	assert_int_equal(mmr_test_find(&ctx, "debug", "2.5.2")->line_start, 39);
	mmr_arena_free(a);
}

static int run(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const char *an, const char *txt,
	       struct mmr_error *e)
{
	return mmr_test_analyze_mem(a, ctx, an, strcmp(an, "npm-lock") ? "node_modules/x/package.json"
									: "package-lock.json",
				    txt, strlen(txt), e);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	assert_int_equal(run(a, &ctx, "npm-lock", "{\"lockfileVersion\": 3, \"packages\": 5}", &e),
			 -EBADMSG);
	assert_string_equal(e.file, "package-lock.json");
	assert_non_null(strstr(e.msg, "packages"));

	memset(&e, 0, sizeof(e));
	assert_int_equal(run(a, &ctx, "npm-lock", "{\"lockfileVersion\": 2,\n\"packages\": {\n\"node_", &e),
			 -EBADMSG);
	assert_string_equal(e.file, "package-lock.json");
	assert_int_equal(e.line, 3);

	/* wrong types inside entries: skipped, never a crash */
	assert_int_equal(run(a, &ctx, "npm-lock",
			     "{\"lockfileVersion\":2,\"packages\":{\"\":{\"dependencies\":[1]},"
			     "\"node_modules/a\":{\"version\":7,\"dependencies\":\"x\"},"
			     "\"node_modules/b\":[],\"node_modules/c\":{\"version\":\"1.0.0\","
			     "\"dev\":\"yes\",\"dependencies\":{\"a\":1,\"zz\":\"1\"}}}}",
			     NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a@\nc@1.0.0\n");
	assert_false(mmr_test_find(&ctx, "c", "1.0.0")->dev);
	assert_true(has_dep(mmr_test_find(&ctx, "c", "1.0.0"), "a"));

	/* v1 with a broken entry and no "dependencies": fine, partial */
	assert_int_equal(run(a, &ctx, "npm-lock",
			     "{\"lockfileVersion\":1,\"dependencies\":{\"a\":{\"version\":\"1\"},"
			     "\"b\":{\"requires\":5},\"c\":5}}",
			     NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a@1\n");
	assert_int_equal(run(a, &ctx, "npm-lock", "{\"lockfileVersion\":1,\"dependencies\":[]}", &e),
			 -EBADMSG);
	assert_int_equal(run(a, &ctx, "npm-lock", "[1,2]", &e), -EBADMSG);
	mmr_arena_free(a);
}

static void test_deep_v1(void **state)
{
	/* 2000 levels of nested "dependencies": refused cleanly (the JSON depth
	 * limit), never a stack overflow */
	size_t n = 2000, cap = n * 64 + 64, o = 0;
	char *s = malloc(cap);
	o += (size_t)snprintf(s + o, cap - o, "{\"lockfileVersion\":1,\"dependencies\":");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o, "{\"a\":{\"version\":\"1\",\"dependencies\":");
	o += (size_t)snprintf(s + o, cap - o, "{}");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o, "}}");
	o += (size_t)snprintf(s + o, cap - o, "}");
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	int r = mmr_test_analyze_mem(a, &ctx, "npm-lock", "package-lock.json", s, o, &e);
	assert_true(r == -E2BIG || r == -EBADMSG);
	assert_string_equal(e.file, "package-lock.json");
	free(s);
	mmr_arena_free(a);
}

static void test_limit(void **state)
{
	/* max-packages is enforced with an error naming the limit */
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_packages = 2;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE, NULL);
	const char *t = "{\"lockfileVersion\":3,\"packages\":{\"node_modules/a\":{\"version\":\"1\"},"
			"\"node_modules/b\":{\"version\":\"1\"},\"node_modules/c\":{\"version\":\"1\"}}}";
	struct mmr_sbom_file f = { "package-lock.json", (const uint8_t *)t, strlen(t), 0100644 };
	assert_int_equal(mmr_sbom_analyzer_npm.parse(&ctx, &f, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-packages"));
	assert_int_equal(mmr_test_pkgcount(&ctx), 2);
	mmr_arena_free(a);
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *l = mmr_sbom_analyzer_find("npm-lock");
	const struct mmr_sbom_analyzer *p = mmr_sbom_analyzer_find("node-pkg");
	assert_true(l->match("package-lock.json", 0100644, 10));
	assert_true(l->match("web/npm-shrinkwrap.json", 0100644, 10));
	assert_false(l->match("node_modules/.package-lock.json", 0100644, 10));
	assert_false(l->match("app/node_modules/x/package-lock.json", 0100644, 10));
	assert_false(l->match("yarn.lock", 0100644, 10));
	assert_true(l->targets == MMR_SBOM_SOURCE);
	assert_true(p->match("usr/lib/node_modules/npm/package.json", 0100644, 10));
	assert_false(p->match("usr/lib/node_modules/npm/package.json5", 0100644, 10));
	assert_true(p->targets == MMR_SBOM_INSTALLED);
	assert_string_equal(l->class, "lang-pkgs");
}

static void test_pkgjson(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(run(a, &ctx, "node-pkg",
			     "{\"name\":\"@scope/x\",\"version\":\"1.2.3\",\"license\":\"MIT\"}", NULL),
			 0);
	struct mmr_package *p = mmr_test_find(&ctx, "@scope/x", "1.2.3");
	assert_non_null(p);
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "MIT");

	assert_int_equal(run(a, &ctx, "node-pkg",
			     "{\"name\":\"y\",\"version\":\"2.0.0\",\"license\":{\"type\":\"ISC\"}}", NULL),
			 0);
	assert_string_equal(mmr_test_find(&ctx, "y", "2.0.0")->licenses.v[0], "ISC");

	assert_int_equal(run(a, &ctx, "node-pkg",
			     "{\"name\":\"z\",\"version\":\"3.0.0\",\"licenses\":[{\"type\":\"MIT\"},"
			     "\"Apache-2.0\",5]}",
			     NULL),
			 0);
	p = mmr_test_find(&ctx, "z", "3.0.0");
	assert_int_equal(p->licenses.n, 2);
	assert_string_equal(p->licenses.v[1], "Apache-2.0");

	/* no version: not a package, no group */
	assert_int_equal(run(a, &ctx, "node-pkg", "{\"name\":\"proj\"}", NULL), 0);
	assert_int_equal(ctx.groups.n, 0);
	assert_int_equal(run(a, &ctx, "node-pkg", "{\"name\":5,\"version\":[]}", NULL), 0);
	assert_int_equal(ctx.groups.n, 0);
	struct mmr_error e = { 0 };
	assert_int_equal(run(a, &ctx, "node-pkg", "{\"name\":", &e), -EBADMSG);
	assert_string_equal(e.file, "node_modules/x/package.json");
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v3),		cmocka_unit_test(test_v3_workspace),
		cmocka_unit_test(test_malformed),	cmocka_unit_test(test_deep_v1),
		cmocka_unit_test(test_match),		cmocka_unit_test(test_limit),		cmocka_unit_test(test_pkgjson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
