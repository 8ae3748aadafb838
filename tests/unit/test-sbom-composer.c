/* test-sbom-composer.c - composer.lock and vendor/composer/installed.json. */
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

/* trivy php/composer parse_test.go composerPkgs: 8 packages + 2 dev */
static void test_lock(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "composer-lock", "app/composer.lock",
					  "image/php/composer_happy.lock", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "guzzlehttp/guzzle@6.5.8\nguzzlehttp/promises@1.5.2\nguzzlehttp/psr7@1.9.0\n"
			    "pear/log@1.13.3\npear/pear_exception@v1.0.2\npsr/http-message@1.0.1\n"
			    "ralouphie/getallheaders@3.0.3\nsymfony/polyfill-intl-idn@v1.27.0\n"
			    "symfony/polyfill-intl-normalizer@v1.27.0\nsymfony/polyfill-php72@v1.27.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "guzzlehttp/guzzle", "6.5.8");
	assert_false(p->dev);
	assert_int_equal(p->eco, MMR_ECO_COMPOSER);
	assert_int_equal(p->line_start, 9);
	assert_int_equal(p->line_end, 123);
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "MIT");
	/* php and ext-json are not packages */
	assert_int_equal(p->depends_on.n, 3);
	assert_true(has_dep(p, "guzzlehttp/promises@1.5.2"));
	assert_true(has_dep(p, "symfony/polyfill-intl-idn@v1.27.0"));
	assert_true(mmr_test_find(&ctx, "pear/log", NULL)->dev);
	assert_true(mmr_test_find(&ctx, "pear/pear_exception", NULL)->dev);
	assert_true(has_dep(mmr_test_find(&ctx, "pear/log", NULL), "pear/pear_exception@v1.0.2"));
	assert_string_equal(mmr_test_find(&ctx, "pear/pear_exception", NULL)->licenses.v[0],
			    "BSD-2-Clause");
	mmr_arena_free(a);
}

static void test_installed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	const char *v2 = "{\n \"packages\": [\n  {\n   \"name\": \"a/b\",\n   \"version\": \"1.0.0\",\n"
			 "   \"license\": [\"MIT\", \"GPL-2.0\"],\n   \"require\": {\"c/d\": \"^2\"}\n  },\n"
			 "  {\"name\": \"c/d\", \"version\": \"v2.1.0\"},\n  {\"name\": \"x/noversion\"}\n ],\n"
			 " \"dev\": true,\n \"dev-package-names\": [\"c/d\"]\n}\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "composer-installed",
					      "var/www/vendor/composer/installed.json", v2, strlen(v2),
					      NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a/b@1.0.0\nc/d@v2.1.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "a/b", NULL);
	assert_int_equal(p->licenses.n, 2);
	assert_false(p->dev);
	assert_true(mmr_test_find(&ctx, "c/d", NULL)->dev);
	assert_true(has_dep(p, "c/d@v2.1.0"));
	assert_int_equal(p->line_start, 3);
	assert_int_equal(p->line_end, 8);

	const char *v1 = "[{\"name\": \"a/b\", \"version\": \"1.0.0\", \"license\": \"MIT\"},\n"
			 " {\"name\": \"e/f\", \"version\": \"3.0.0\"}]";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "composer-installed",
					      "vendor/composer/installed.json", v1, strlen(v1), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a/b@1.0.0\ne/f@3.0.0\n");
	assert_int_equal(mmr_test_find(&ctx, "e/f", NULL)->line_start, 2);
	assert_string_equal(mmr_test_find(&ctx, "a/b", NULL)->licenses.v[0], "MIT");
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	const char *t1 = "{\"packages\": 5}";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "composer-lock", "composer.lock", t1,
					      strlen(t1), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "composer.lock");
	assert_non_null(strstr(e.msg, "packages"));
	const char *t2 = "{\"packages\": [\n{\"name\": \"a\",";
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "composer-lock", "composer.lock", t2,
					      strlen(t2), &e),
			 -EBADMSG);
	assert_int_equal(e.line, 2);
	const char *t3 = "{\"packages\": [1, null, {\"name\": 3, \"version\": \"1\"},"
			 "{\"name\": \"ok\", \"version\": \"1\", \"license\": 5, \"require\": [1]}],"
			 "\"packages-dev\": {}}";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "composer-lock", "composer.lock", t3,
					      strlen(t3), &e),
			 -EBADMSG);
	const char *t4 = "{\"packages\": [1, null, {\"name\": 3, \"version\": \"1\"},"
			 "{\"name\": \"ok\", \"version\": \"1\", \"license\": 5, \"require\": [1]}]}";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "composer-lock", "composer.lock", t4,
					      strlen(t4), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "ok@1\n");
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "composer-installed",
					      "vendor/composer/installed.json", "5", 1, &e),
			 -EBADMSG);
	mmr_arena_free(a);
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *l = mmr_sbom_analyzer_find("composer-lock");
	const struct mmr_sbom_analyzer *i = mmr_sbom_analyzer_find("composer-installed");
	assert_true(l->match("composer.lock", 0100644, 1));
	assert_false(l->match("vendor/x/y/composer.lock", 0100644, 1));
	assert_true(i->match("srv/app/vendor/composer/installed.json", 0100644, 1));
	assert_false(i->match("srv/app/composer/installed.json", 0100644, 1));
	assert_int_equal(l->targets, MMR_SBOM_SOURCE);
	assert_int_equal(i->targets, MMR_SBOM_INSTALLED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_installed),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
