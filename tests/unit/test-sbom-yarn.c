/* test-sbom-yarn.c - yarn.lock classic (v1) and berry. */
#include "test-util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool has_dep(const struct mmr_package *p, const char *id)
{
	for (size_t i = 0; i < p->depends_on.n; i++)
		if (strcmp(p->depends_on.v[i], id) == 0)
			return true;
	return false;
}

/* trivy nodejs/yarn parse_testcase.go yarnHappy: 18 packages */
static void test_v1(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(
		mmr_test_analyze(a, &ctx, "yarn", "web/yarn.lock", "image/yarn/yarn_happy.lock", NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "@babel/helper-regex@7.4.4\nansi-regex@2.1.1\nansi-regex@3.0.0\nasap@2.0.6\n"
			    "inherits@2.0.3\nis-fullwidth-code-point@2.0.0\njquery@3.4.1\n"
			    "js-tokens@4.0.0\nlodash@4.17.11\npromise@8.0.3\nsafe-buffer@5.1.2\n"
			    "safer-buffer@2.1.2\nstatuses@1.5.0\nstring-width@2.1.1\nstrip-ansi@3.0.1\n"
			    "strip-ansi@4.0.0\nwhatwg-fetch@3.0.0\nwide-align@1.1.3\n");
	struct mmr_package *p = mmr_test_find(&ctx, "promise", "8.0.3");
	assert_true(has_dep(p, "asap@2.0.6"));
	assert_int_equal(p->depends_on.n, 1);
	assert_true(has_dep(mmr_test_find(&ctx, "@babel/helper-regex", "7.4.4"), "lodash@4.17.11"));
	/* the first entry: header on line 4, last line (lodash dep) on line 9 */
	p = mmr_test_find(&ctx, "@babel/helper-regex", "7.4.4");
	assert_int_equal(p->line_start, 4);
	assert_int_equal(p->line_end, 9);
	assert_int_equal(p->eco, MMR_ECO_NPM);
	mmr_arena_free(a);
}

/* yarnV2Happy: 16 packages; code@workspace:. and the fsevents patch skipped */
static void test_berry(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(
		mmr_test_analyze(a, &ctx, "yarn", "yarn.lock", "image/yarn/yarn_v2_happy.lock", NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "@types/color-name@1.1.1\nabbrev@1.1.1\nansi-styles@3.2.1\n"
			    "ansi-styles@4.2.1\nassert-plus@1.0.0\nasync@3.2.0\ncolor-convert@1.9.3\n"
			    "color-convert@2.0.1\ncolor-name@1.1.3\ncolor-name@1.1.4\nipaddr.js@1.9.1\n"
			    "js-tokens@4.0.0\nloose-envify@1.4.0\nnode-gyp@7.1.0\nonce@1.4.0\n"
			    "wrappy@1.0.2\n");
	struct mmr_package *p = mmr_test_find(&ctx, "ansi-styles", "4.2.1");
	assert_true(has_dep(p, "@types/color-name@1.1.1"));
	assert_true(has_dep(p, "color-convert@2.0.1"));
	assert_int_equal(p->line_start, 31);
	assert_int_equal(p->line_end, 39);
	assert_null(mmr_test_find(&ctx, "code", NULL));
	assert_null(mmr_test_find(&ctx, "fsevents", NULL));
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	const char *bad = "# yarn lockfile v1\n\nfoo@^1:\n  version \"1.0.0\"\nbar baz\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "yarn", "yarn.lock", bad, strlen(bad), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "yarn.lock");
	assert_int_equal(e.line, 5);

	const char *orphan = "  version \"1\"\n";
	assert_int_equal(
		mmr_test_analyze_mem(a, &ctx, "yarn", "yarn.lock", orphan, strlen(orphan), &e),
		-EBADMSG);

	/* no version, odd patterns, git protocol: skipped, no crash */
	const char *odd = "a@^1:\n  resolved \"x\"\n@:\n  version \"1\"\n"
			  "g@git+https://x/y.git:\n  version \"2.0.0\"\n"
			  "ok@1, ok@^1:\n  version 1.0.0\n  dependencies:\n    a \"^1\"\n    \"q\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "yarn", "yarn.lock", odd, strlen(odd), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "ok@1.0.0\n");

	const char *yml = "__metadata:\n  version: 4\n\"a@npm:1\": [1, 2]\n\"b@npm:^2\":\n"
			  "  version: 2\n  dependencies: 7\n\"c@npm:1\":\n  version: [1]\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "yarn", "yarn.lock", yml, strlen(yml), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "b@2\n");

	const char *trunc = "__metadata:\n  version: 4\n\"a@npm:1\":\n  version: \"1\n";
	memset(&e, 0, sizeof(e));
	assert_int_equal(
		mmr_test_analyze_mem(a, &ctx, "yarn", "yarn.lock", trunc, strlen(trunc), &e),
		-EBADMSG);
	assert_string_equal(e.file, "yarn.lock");
	assert_true(e.line > 0);
	/* a 2 MiB line hits max-line (default 1 MiB) with its line number */
	size_t n = 2u << 20;
	const char *pre = "a@1:\n  version \"";
	size_t pl = strlen(pre);
	char *big = malloc(n + pl + 3);
	memcpy(big, pre, pl);
	memset(big + pl, 'x', n);
	memcpy(big + pl + n, "\"\n", 3);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "yarn", "yarn.lock", big, n + pl + 2, &e), -E2BIG);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "max-line"));
	free(big);
	mmr_arena_free(a);
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *y = mmr_sbom_analyzer_find("yarn");
	assert_true(y->match("yarn.lock", 0100644, 1));
	assert_true(y->match("a/b/yarn.lock", 0100644, 1));
	assert_false(y->match("a/node_modules/x/yarn.lock", 0100644, 1));
	assert_false(y->match("yarn.lock.bak", 0100644, 1));
	assert_int_equal(y->targets, MMR_SBOM_SOURCE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_berry),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
