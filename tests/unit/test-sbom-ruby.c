/* test-sbom-ruby.c - Gemfile.lock and installed gemspecs. */
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

/* trivy ruby/bundler NormalPkgs: 7 */
static void test_normal(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "bundler", "Gemfile.lock",
					  "image/ruby/Gemfile_normal.lock", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "coderay@1.1.2\nconcurrent-ruby@1.1.5\ndotenv@2.7.2\nfaker@1.9.3\n"
			    "i18n@1.6.0\nmethod_source@0.9.2\npry@0.12.2\n");
	struct mmr_package *p = mmr_test_find(&ctx, "pry", "0.12.2");
	assert_int_equal(p->relation, MMR_DEP_DIRECT);
	assert_int_equal(p->eco, MMR_ECO_GEM);
	assert_true(has_dep(p, "coderay@1.1.2"));
	assert_true(has_dep(p, "method_source@0.9.2"));
	assert_int_equal(p->line_start, 12);
	assert_int_equal(mmr_test_find(&ctx, "coderay", NULL)->relation, MMR_DEP_INDIRECT);
	assert_true(has_dep(mmr_test_find(&ctx, "faker", NULL), "i18n@1.6.0"));
	mmr_arena_free(a);
}

/* Bundler2Pkgs: 8 */
static void test_bundler2(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "bundler", "Gemfile.lock",
					  "image/ruby/Gemfile_bundler2.lock", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "coderay@1.1.3\nconcurrent-ruby@1.1.10\ndotenv@2.7.6\nfaker@2.21.0\n"
			    "i18n@1.10.0\njson@2.6.2\nmethod_source@1.0.0\npry@0.14.1\n");
	assert_int_equal(mmr_test_find(&ctx, "json", NULL)->relation, MMR_DEP_DIRECT);
	assert_true(has_dep(mmr_test_find(&ctx, "i18n", NULL), "concurrent-ruby@1.1.10"));
	mmr_arena_free(a);
}

static void test_platforms(void **state)
{
	const char *t = "GIT\n  remote: https://g/x.git\n  revision: abc\n  specs:\n    gitgem (0.1.0)\n\n"
			"GEM\n  remote: https://rubygems.org/\n  specs:\n"
			"    nokogiri (1.13.6-x86_64-linux)\n      racc (~> 1.4)\n"
			"    nokogiri (1.13.6-arm64-darwin)\n      racc (~> 1.4)\n    racc (1.6.0)\n\n"
			"PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  gitgem!\n  nokogiri\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(
		mmr_test_analyze_mem(a, &ctx, "bundler", "Gemfile.lock", t, strlen(t), NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "gitgem@0.1.0\nnokogiri@1.13.6\nracc@1.6.0\n");
	assert_int_equal(mmr_test_find(&ctx, "gitgem", NULL)->relation, MMR_DEP_DIRECT);
	assert_int_equal(mmr_test_find(&ctx, "racc", NULL)->relation, MMR_DEP_INDIRECT);
	assert_int_equal(mmr_test_find(&ctx, "nokogiri", NULL)->depends_on.n, 1);
	struct mmr_error e = { 0 };
	const char *bad = "GEM\n  specs:\n    broken\n";
	assert_int_equal(
		mmr_test_analyze_mem(a, &ctx, "bundler", "Gemfile.lock", bad, strlen(bad), &e),
		-EBADMSG);
	assert_string_equal(e.file, "Gemfile.lock");
	assert_int_equal(e.line, 3);
	mmr_arena_free(a);
}

static void test_gemspec(void **state)
{
	const char *t =
		"# -*- encoding: utf-8 -*-\n# stub: rake 13.0.6 ruby lib\n\n"
		"Gem::Specification.new do |s|\n  s.name = \"rake\".freeze\n  s.version = \"13.0.6\"\n\n"
		"  s.required_rubygems_version = Gem::Requirement.new(\">= 1.3.2\") if s.respond_to? "
		":required_rubygems_version=\n"
		"  s.licenses = [\"MIT\".freeze, \"Ruby\".freeze]\n  s.rubygems_version = \"3.3.3\".freeze\nend\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	const char *path = "usr/local/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gemspec", path, t, strlen(t), NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "rake@13.0.6\n");
	struct mmr_package *p = mmr_test_find(&ctx, "rake", NULL);
	assert_int_equal(p->licenses.n, 2);
	assert_string_equal(p->licenses.v[0], "MIT");
	assert_string_equal(p->licenses.v[1], "Ruby");
	assert_int_equal(p->eco, MMR_ECO_GEM);

	const char *t2 = "Gem::Specification.new do |spec|\n  spec.name = 'x'\n  spec.version = '1.0'\n"
			 "  spec.license = 'Apache-2.0'\nend\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gemspec", path, t2, strlen(t2), NULL), 0);
	assert_string_equal(mmr_test_find(&ctx, "x", "1.0")->licenses.v[0], "Apache-2.0");

	struct mmr_error e = { 0 };
	const char *t3 = "s.name = \"only\"\ns.version = Foo::VERSION\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gemspec", path, t3, strlen(t3), &e), -EBADMSG);
	assert_string_equal(e.file, path);

	const struct mmr_sbom_analyzer *g = mmr_sbom_analyzer_find("gemspec");
	assert_true(g->match(path, 0100644, 100));
	assert_true(g->match("specifications/a-1.gemspec", 0100644, 100));
	assert_false(g->match("src/a.gemspec", 0100644, 100));
	assert_false(g->match("x/myspecifications/a.gemspec", 0100644, 100));
	assert_int_equal(g->targets, MMR_SBOM_INSTALLED);
	const struct mmr_sbom_analyzer *b = mmr_sbom_analyzer_find("bundler");
	assert_true(b->match("app/Gemfile.lock", 0100644, 100));
	assert_int_equal(b->targets, MMR_SBOM_SOURCE);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_bundler2),
		cmocka_unit_test(test_platforms),
		cmocka_unit_test(test_gemspec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
