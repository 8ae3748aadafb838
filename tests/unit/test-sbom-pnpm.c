/* test-sbom-pnpm.c - pnpm-lock.yaml v5, v6 and v9. */
#include "test-util.h"

#include <errno.h>
#include <string.h>

static bool has_dep(const struct mmr_package *p, const char *id)
{
	for (size_t i = 0; i < p->depends_on.n; i++)
		if (strcmp(p->depends_on.v[i], id) == 0)
			return true;
	return false;
}

static size_t count(const struct mmr_sbom_ctx *ctx, int what)
{
	size_t n = 0;
	for (size_t g = 0; g < ctx->groups.n; g++) {
		struct mmr_sbom_group *gr = ctx->groups.v[g];
		for (size_t i = 0; i < gr->packages.n; i++) {
			struct mmr_package *p = gr->packages.v[i];
			n += what ? p->relation == MMR_DEP_DIRECT : p->dev;
		}
	}
	return n;
}

static void test_normal(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "pnpm", "pnpm-lock.yaml",
					  "image/pnpm/pnpm-lock_normal.yaml", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "asap@2.0.6\njquery@3.6.0\npromise@8.1.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "promise", "8.1.0");
	assert_true(has_dep(p, "asap@2.0.6"));
	assert_int_equal(p->relation, MMR_DEP_DIRECT);
	assert_int_equal(mmr_test_find(&ctx, "asap", NULL)->relation, MMR_DEP_INDIRECT);
	/* "  /promise/8.1.0:" is line 21, "    dev: false" line 25 */
	assert_int_equal(p->line_start, 21);
	assert_int_equal(p->line_end, 25);
	mmr_arena_free(a);
}

/* pnpmMany: the 56 entries not marked dev: true, 6 direct */
static void test_many(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "pnpm", "pnpm-lock.yaml",
					  "image/pnpm/pnpm-lock_many.yaml", NULL),
			 0);
	assert_string_equal(
		mmr_test_pkglist(a, &ctx),
		"@babel/runtime@7.18.3\najv@6.12.6\nasn1@0.2.6\nassert-plus@1.0.0\nasynckit@0.4.0\n"
		"aws-sign2@0.7.0\naws4@1.11.0\nbcrypt-pbkdf@1.0.2\ncaseless@0.12.0\nchalk@5.0.1\n"
		"combined-stream@1.0.8\ncommander@9.3.0\ncore-util-is@1.0.2\ndashdash@1.14.1\n"
		"delayed-stream@1.0.0\necc-jsbn@0.1.2\nextend@3.0.2\nextsprintf@1.3.0\n"
		"fast-deep-equal@3.1.3\nfast-json-stable-stringify@2.1.0\nforever-agent@0.6.1\n"
		"form-data@2.3.3\ngetpass@0.1.7\nhar-schema@2.0.0\nhar-validator@5.1.5\n"
		"http-signature@1.2.0\nis-typedarray@1.0.0\nisstream@0.1.2\njs-tokens@4.0.0\n"
		"jsbn@0.1.1\njson-schema-traverse@0.4.1\njson-schema@0.4.0\n"
		"json-stringify-safe@5.0.1\njsprim@1.4.2\nlodash@4.17.21\nloose-envify@1.4.0\n"
		"mime-db@1.52.0\nmime-types@2.1.35\noauth-sign@0.9.0\nperformance-now@2.1.0\n"
		"psl@1.8.0\npunycode@2.1.1\nqs@6.5.3\nreact@18.1.0\nredux@4.2.0\n"
		"regenerator-runtime@0.13.9\nrequest@2.88.2\nsafe-buffer@5.2.1\nsafer-buffer@2.1.2\n"
		"sshpk@1.17.0\ntough-cookie@2.5.0\ntunnel-agent@0.6.0\ntweetnacl@0.14.5\n"
		"uri-js@4.4.1\nuuid@3.4.0\nverror@1.10.0\n");
	assert_int_equal(count(&ctx, 1), 6);
	assert_true(has_dep(mmr_test_find(&ctx, "@babel/runtime", "7.18.3"),
			    "regenerator-runtime@0.13.9"));
	assert_null(mmr_test_find(&ctx, "mocha", NULL));
	mmr_arena_free(a);
}

/* pnpmV9: 22 packages, 3 dev; non-semver keys resolved through "version:" */
static void test_v9(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "pnpm", "pnpm-lock.yaml",
					  "image/pnpm/pnpm-lock_v9.yaml", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "@babel/helper-string-parser@7.24.1\nasap@2.0.6\nasynckit@0.4.0\n"
			    "await-sleep@0.0.1\ndebug@4.3.4\ndebug@4.3.5\nee-first@1.1.1\n"
			    "encodeurl@1.0.2\nescape-html@1.0.3\nfinalhandler@1.1.1\n"
			    "is-negative@2.0.1\njquery@3.6.0\nlodash@4.17.21\nms@2.0.0\nms@2.1.2\n"
			    "on-finished@2.3.0\npackage1@\nparseurl@1.3.3\npromise@8.1.0\n"
			    "sleep-utils@1.0.3\nstatuses@1.4.0\nunpipe@1.0.0\n");
	assert_int_equal(count(&ctx, 0), 3);
	assert_true(mmr_test_find(&ctx, "jquery", "3.6.0")->dev);
	assert_true(mmr_test_find(&ctx, "lodash", "4.17.21")->dev);
	assert_true(mmr_test_find(&ctx, "await-sleep", "0.0.1")->dev);
	assert_false(mmr_test_find(&ctx, "ms", "2.0.0")->dev); /* via finalhandler */
	assert_false(mmr_test_find(&ctx, "asynckit", "0.4.0")->dev);
	/* trivy pnpmV9: 12 direct */
	assert_int_equal(count(&ctx, 1), 12);
	assert_int_equal(mmr_test_find(&ctx, "ms", "2.0.0")->relation, MMR_DEP_DIRECT);
	assert_int_equal(mmr_test_find(&ctx, "ms", "2.1.2")->relation, MMR_DEP_INDIRECT);
	/* pnpmV9Deps */
	struct mmr_package *p = mmr_test_find(&ctx, "finalhandler", "1.1.1");
	assert_int_equal(p->depends_on.n, 7);
	assert_true(has_dep(p, "debug@4.3.4"));
	assert_true(has_dep(p, "unpipe@1.0.0"));
	assert_true(has_dep(mmr_test_find(&ctx, "debug", "4.3.5"), "ms@2.1.2"));
	assert_true(has_dep(mmr_test_find(&ctx, "debug", "4.3.4"), "ms@2.0.0"));
	assert_int_equal(mmr_test_find(&ctx, "debug", "4.3.4")->depends_on.n, 1);
	assert_true(has_dep(mmr_test_find(&ctx, "package1", ""), "asynckit@0.4.0"));
	assert_true(has_dep(mmr_test_find(&ctx, "promise", "8.1.0"), "asap@2.0.6"));
	assert_int_equal(mmr_test_find(&ctx, "asap", NULL)->line_start, 60);
	mmr_arena_free(a);
}

static void test_v6_peers(void **state)
{
	const char *y = "lockfileVersion: '6.0'\n"
			"dependencies:\n  a:\n    specifier: ^1\n    version: 1.0.0(b@2.0.0)\n"
			"packages:\n"
			"  /a@1.0.0(b@2.0.0):\n    dependencies:\n      b: 2.0.0\n    dev: false\n"
			"  /@s/b@2.0.0:\n    dev: false\n"
			"  /c@file:x:\n    dev: false\n"
			"  /d@3.0.0:\n    dev: true\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pnpm", "pnpm-lock.yaml", y, strlen(y), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "@s/b@2.0.0\na@1.0.0\nc@\n");
	assert_int_equal(mmr_test_find(&ctx, "a", "1.0.0")->relation, MMR_DEP_DIRECT);
	const char *y5 = "lockfileVersion: 5.4\npackages:\n"
			 "  /@babel/core/7.21.5_react@18.0.0:\n    dependencies:\n"
			 "      x: 1.0.0_y@2\n    dev: false\n";
	assert_int_equal(
		mmr_test_analyze_mem(a, &ctx, "pnpm", "pnpm-lock.yaml", y5, strlen(y5), NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "@babel/core@7.21.5\n");
	assert_true(has_dep(mmr_test_find(&ctx, "@babel/core", NULL), "x@1.0.0"));
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	const char *t1 = "lockfileVersion: 5.4\npackages: 5\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pnpm", "pnpm-lock.yaml", t1, strlen(t1), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "pnpm-lock.yaml");
	const char *t2 = "packages: {}\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pnpm", "pnpm-lock.yaml", t2, strlen(t2), &e),
			 -EPROTO);
	const char *t3 = "lockfileVersion: '9.0'\npackages:\n  a@1: [\n";
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pnpm", "pnpm-lock.yaml", t3, strlen(t3), &e),
			 -EBADMSG);
	assert_true(e.line > 0);
	const char *t4 = "lockfileVersion: '9.0'\nimporters: 3\npackages:\n  a@1.0.0: 4\n  nover: {}\n"
			 "  b@2.0.0: {}\nsnapshots:\n  b@2.0.0:\n    dependencies: [1]\n  b@2.0.0(x): {dependencies: {b: 2.0.0, zz: [1]}}\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pnpm", "pnpm-lock.yaml", t4, strlen(t4), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "b@2.0.0\n");
	assert_int_equal(mmr_test_find(&ctx, "b", NULL)->depends_on.n, 0);
	mmr_arena_free(a);
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *p = mmr_sbom_analyzer_find("pnpm");
	assert_true(p->match("x/pnpm-lock.yaml", 0100644, 1));
	assert_false(p->match("x/pnpm-lock.yml", 0100644, 1));
	assert_false(p->match("node_modules/.pnpm/lock.yaml", 0100644, 1));
	assert_int_equal(p->targets, MMR_SBOM_SOURCE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),	  cmocka_unit_test(test_many),
		cmocka_unit_test(test_v9),	  cmocka_unit_test(test_v6_peers),
		cmocka_unit_test(test_malformed), cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
