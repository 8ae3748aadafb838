/* test-sbom-python.c - pip, pipenv, poetry, uv and installed metadata. */
#include "test-util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mmr_sbom_pip_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, bool min_version,
		       struct mmr_error *reterr);

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

static void pip_file(const char *rel, const char *want)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "pip", "requirements.txt", rel, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), want);
	mmr_arena_free(a);
}

static void test_pip_flask(void **state)
{
	pip_file("image/python/requirements_flask.txt",
		 "Flask@2.0.0\nJinja2@3.0.0\nMarkupSafe@2.0.0\nWerkzeug@2.0.0\nclick@8.0.0\n"
		 "itsdangerous@2.0.0\n");
}

static void test_pip_operator(void **state)
{
	pip_file("image/python/requirements_operator.txt", "Django@2.3.4\nSomeProject@5.4\n");
}

static void test_pip_hash(void **state)
{
	pip_file("image/python/requirements_hash.txt", "FooProject@1.2\nJinja2@3.0.0\n");
}

static void test_pip_compatible_precise(void **state)
{
	/* without min-version mode nothing in this file is a pin */
	pip_file("image/python/requirements_compatible.txt", "");
}

static void test_pip_compatible_min(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_limits lim;
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("image/python/requirements_compatible.txt"), &len);
	mmr_limits_default(&lim);
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE, NULL);
	struct mmr_sbom_file f = { .path = "requirements.txt", .data = d, .len = len, .mode = 0100644 };
	assert_int_equal(mmr_sbom_pip_parse(&ctx, &f, true, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "Mopidy-Dirble@1.1\neventlet@0.18.2\nkeyring@4.1.1\npyjwt@1.2\n"
			    "python-gitlab@2.0.0\n");
	free(d);
	mmr_arena_free(a);
}

static void test_pip_inline(void **state)
{
	const char txt[] = "# comment\n-r other.txt\n--index-url https://x\n"
			   "requests[security,socks] == 2.31.0 ; python_version > '3.6'  # pinned\n"
			   "-e git+https://github.com/x/y.git#egg=y\n"
			   "arbitrary===1.0.post1\n"
			   "{{ templated }}==1.0\n"
			   "spaced == 1.2 \\\n    --hash=sha256:abc\n"
			   "notpinned>=1.0\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pip", "requirements-dev.txt", txt,
					      strlen(txt), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "arbitrary@1.0.post1\nrequests@2.31.0\nspaced@1.2\n");
	struct mmr_package *p = mmr_test_find(&ctx, "requests", NULL);
	assert_non_null(p);
	assert_int_equal(p->line_start, 4);
	mmr_arena_free(a);
}

static void test_pip_utf16(void **state)
{
	/* "attrs==20.3.0\n" in UTF-16LE with a BOM */
	const char src[] = "attrs==20.3.0\n";
	uint8_t buf[64];
	size_t n = 0;
	buf[n++] = 0xff;
	buf[n++] = 0xfe;
	for (size_t i = 0; src[i]; i++) {
		buf[n++] = (uint8_t)src[i];
		buf[n++] = 0;
	}
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pip", "requirements.txt", buf, n, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "attrs@20.3.0\n");
	mmr_arena_free(a);
}

static void test_pip_match(void **state)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("pip");
	assert_true(an->match("app/requirements.txt", 0100644, 10));
	assert_true(an->match("requirements-dev.txt", 0100644, 10));
	assert_false(an->match("app/requirements.in", 0100644, 10));
	assert_false(an->match("app/constraints.txt", 0100644, 10));
	assert_true(an->targets == MMR_SBOM_SOURCE);
}

static void test_pipenv(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "pipenv", "Pipfile.lock",
					  "image/python/Pipfile_many.lock", NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 24);
	static const char *const want[] = { "urllib3@1.24.2", "sqlparse@0.3.0", "jmespath@0.9.4",
					    "botocore@1.12.137", "awscli@1.16.147", NULL };
	mmr_test_expect_has(&ctx, want);
	assert_int_equal(count_dev(&ctx), 0);
	mmr_arena_free(a);
}

static void test_pipenv_dev_and_bad(void **state)
{
	const char txt[] = "{\"_meta\":{},\"default\":{\"a\":{\"version\":\"==1.0\"},"
			   "\"g\":{\"git\":\"https://x\"}},\"develop\":{\"b\":{\"version\":\"==2.0\"}}}";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pipenv", "Pipfile.lock", txt, strlen(txt),
					      NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a@1.0\nb@2.0\n");
	assert_false(mmr_test_find(&ctx, "a", NULL)->dev);
	assert_true(mmr_test_find(&ctx, "b", NULL)->dev);
	const char bad[] = "{\"default\": {\n\"a\": }";
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pipenv", "Pipfile.lock", bad, strlen(bad),
					      &e),
			 -EBADMSG);
	assert_int_equal(e.line, 2);
	mmr_arena_free(a);
}

static void poetry_file(const char *rel)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "poetry", "poetry.lock", rel, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "atomicwrites@1.4.1\nattrs@25.1.0\nclick@8.1.8\ncolorama@0.4.6\n"
			    "flask@1.0.3\nitsdangerous@2.2.0\njinja2@3.1.5\nmarkupsafe@3.0.2\n"
			    "more-itertools@10.6.0\npackaging@24.2\npluggy@0.13.1\npy@1.11.0\n"
			    "pytest@5.4.3\nwcwidth@0.2.13\nwerkzeug@3.1.3\n");
	assert_int_equal(count_dev(&ctx), 7);
	assert_true(mmr_test_find(&ctx, "pytest", NULL)->dev);
	assert_false(mmr_test_find(&ctx, "colorama", NULL)->dev);
	assert_false(mmr_test_find(&ctx, "pluggy", NULL)->dev);
	/* flask depends on click, itsdangerous, jinja2, werkzeug */
	struct mmr_package *flask = mmr_test_find(&ctx, "flask", NULL);
	assert_int_equal(flask->depends_on.n, 4);
	mmr_arena_free(a);
}

static void test_poetry_v1(void **state)
{
	poetry_file("image/python/poetry_flask.lock");
}

static void test_poetry_v2(void **state)
{
	poetry_file("image/python/poetry_v2_flask.lock");
}

static void test_poetry_bad(void **state)
{
	const char txt[] = "[[package]]\nname = \"a\"\nversion = \"1\"\nversion = \"2\"\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "poetry", "x/poetry.lock", txt, strlen(txt),
					      &e),
			 -EBADMSG);
	assert_string_equal(e.file, "x/poetry.lock");
	assert_int_equal(e.line, 4);
	mmr_arena_free(a);
}

static void test_uv(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "uv", "uv.lock", "image/python/uv_normal.lock",
					  NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 21);
	static const char *const want[] = { "normal@0.1.0", "httpx@0.28.1", "h11@0.14.0",
					    "typing-extensions@4.12.2", "urllib3@2.2.3", NULL };
	mmr_test_expect_has(&ctx, want);
	assert_int_equal(count_rel(&ctx, MMR_DEP_ROOT), 1);
	assert_int_equal(mmr_test_find(&ctx, "normal", NULL)->relation, MMR_DEP_ROOT);
	assert_int_equal(count_rel(&ctx, MMR_DEP_DIRECT), 4);
	assert_int_equal(count_rel(&ctx, MMR_DEP_INDIRECT), 16);
	assert_int_equal(count_dev(&ctx), 6);
	static const char *const dev[] = { "pytest", "colorama", "iniconfig", "packaging", "pluggy",
					   "tomli" };
	for (size_t i = 0; i < 6; i++)
		assert_true(mmr_test_find(&ctx, dev[i], NULL)->dev);
	assert_false(mmr_test_find(&ctx, "exceptiongroup", NULL)->dev);
	assert_false(mmr_test_find(&ctx, "orjson", NULL)->dev);
	assert_int_equal(mmr_test_find(&ctx, "orjson", NULL)->relation, MMR_DEP_DIRECT);
	mmr_arena_free(a);
}

static void test_metadata(void **state)
{
	const char txt[] = "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n"
			   "License: Apache 2.0\n  continued text\n"
			   "Classifier: License :: OSI Approved :: Apache Software License\n\nBody\n"
			   "Name: not-this\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "python-pkg",
					      "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
					      txt, strlen(txt), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "requests@2.31.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "requests", NULL);
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "Apache 2.0");
	assert_int_equal(p->eco, MMR_ECO_PYPI);
	mmr_arena_free(a);
}

static void test_metadata_classifiers(void **state)
{
	const char txt[] = "Name: six\nVersion: 1.16.0\nLicense: UNKNOWN\n"
			   "Classifier: License :: OSI Approved :: MIT License\n"
			   "Classifier: Programming Language :: Python\n"
			   "Classifier: License :: OSI Approved :: BSD License\n";
	const char expr[] = "Name: x\nVersion: 1\nLicense: MIT\nLicense-Expression: MIT OR Apache-2.0\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "python-pkg", "x/six.egg-info/PKG-INFO", txt,
					      strlen(txt), NULL),
			 0);
	struct mmr_package *p = mmr_test_find(&ctx, "six", "1.16.0");
	assert_int_equal(p->licenses.n, 2);
	assert_string_equal(p->licenses.v[0], "MIT License");
	assert_string_equal(p->licenses.v[1], "BSD License");
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "python-pkg", "x/EGG-INFO/PKG-INFO", expr,
					      strlen(expr), NULL),
			 0);
	p = mmr_test_find(&ctx, "x", "1");
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "MIT OR Apache-2.0");
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "python-pkg", "x.egg-info", "Name: y\n", 8,
					      &e),
			 -EBADMSG);
	mmr_arena_free(a);
}

static void test_metadata_match(void **state)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("python-pkg");
	assert_true(an->match("usr/lib/python3.11/site-packages/a-1.dist-info/METADATA", 0100644, 100));
	assert_true(an->match("usr/lib/python3/dist-packages/a-1.egg-info", 0100644, 100));
	assert_true(an->match("x/a.egg-info/PKG-INFO", 0100644, 100));
	assert_true(an->match("x/a.egg/EGG-INFO/PKG-INFO", 0100644, 100));
	assert_false(an->match("x/a.dist-info/RECORD", 0100644, 100));
	assert_true(an->targets == MMR_SBOM_INSTALLED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pip_flask),
		cmocka_unit_test(test_pip_operator),
		cmocka_unit_test(test_pip_hash),
		cmocka_unit_test(test_pip_compatible_precise),
		cmocka_unit_test(test_pip_compatible_min),
		cmocka_unit_test(test_pip_inline),
		cmocka_unit_test(test_pip_utf16),
		cmocka_unit_test(test_pip_match),
		cmocka_unit_test(test_pipenv),
		cmocka_unit_test(test_pipenv_dev_and_bad),
		cmocka_unit_test(test_poetry_v1),
		cmocka_unit_test(test_poetry_v2),
		cmocka_unit_test(test_poetry_bad),
		cmocka_unit_test(test_uv),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_metadata_classifiers),
		cmocka_unit_test(test_metadata_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
