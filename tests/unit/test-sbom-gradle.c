/* test-sbom-gradle.c - gradle.lockfile parsing. */
#include "test-util.h"

#include <errno.h>
#include <string.h>

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("gradle-lock");
	assert_non_null(an);
	assert_true(an->targets & MMR_SBOM_SOURCE);
	assert_true(an->match("gradle.lockfile", 0100644, 10));
	assert_true(an->match("app/sub/gradle.lockfile", 0100644, 10));
	assert_true(an->match("app/buildscript-gradle.lockfile", 0100644, 10));
	assert_true(an->match("app/gradle/dependency-locks/compileClasspath.lockfile", 0100644, 10));
	assert_false(an->match("gradle/dependency-locks/.lockfile", 0100644, 10));
	assert_false(an->match("app/other.lockfile", 0100644, 10));
	assert_false(an->match("gradle.lockfile.bak", 0100644, 10));
	assert_false(an->match("build.gradle", 0100644, 10));
}

/* Trivy's gradle/lockfile happy test: 4 packages, comments (also indented
 * ones) and the "empty=" line skipped. */
static void test_happy(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "gradle-lock", "gradle.lockfile",
					   "image/java/gradle-happy.lockfile", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "cglib:cglib-nodep@2.1.2\n"
			    "junit:junit@4.13.2\n"
			    "org.springframework:spring-asm@3.1.3.RELEASE\n"
			    "org.springframework:spring-beans@5.0.5.RELEASE\n");
	assert_int_equal(ctx.warnings.n, 0);
	struct mmr_package *p = mmr_test_find(&ctx, "junit:junit", "4.13.2");
	assert_true(p->dev); /* test configurations only */
	assert_int_equal(p->line_start, 5);
	assert_int_equal(p->line_end, 5);
	assert_int_equal(p->eco, MMR_ECO_MAVEN);
	p = mmr_test_find(&ctx, "cglib:cglib-nodep", NULL);
	assert_false(p->dev); /* classpath is not a test configuration */
	assert_int_equal(p->line_start, 4);
	p = mmr_test_find(&ctx, "org.springframework:spring-beans", NULL);
	assert_false(p->dev);
	assert_int_equal(p->line_start, 7);
	assert_int_equal(mmr_package_finish(a, p, NULL), 0);
	assert_string_equal(p->purl, "pkg:maven/org.springframework/spring-beans@5.0.5.RELEASE");
	struct mmr_sbom_group *g = ctx.groups.v[0];
	assert_string_equal(g->class, "lang-pkgs");
	assert_string_equal(g->analyzer, "gradle-lock");
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	const char txt[] = "# comment\r\n"
			   "a:b:1.0=compileClasspath\r\n"
			   "a:b:1.0=runtimeClasspath\r\n"  /* duplicate: once */
			   "just-garbage\r\n"              /* line 4: warned */
			   "a:b=x\r\n"                     /* line 5: two parts */
			   "a:b:c:d=x\r\n"                 /* line 6: four parts */
			   "a: b:1=x\r\n"                  /* line 7: space in a coordinate */
			   "g:old-style:2.0\r\n"           /* no configurations (Gradle < 6) */
			   "t:t:1=testCompileClasspath, testRuntimeClasspath\r\n"
			   "empty=annotationProcessor\r\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gradle-lock", "gradle.lockfile", txt,
					      strlen(txt), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a:b@1.0\ng:old-style@2.0\nt:t@1\n");
	assert_int_equal(ctx.warnings.n, 4);
	const struct mmr_diag *d = ctx.warnings.v[0];
	assert_non_null(strstr(d->message, "gradle.lockfile:4:"));
	d = ctx.warnings.v[3];
	assert_non_null(strstr(d->message, "gradle.lockfile:7:"));
	assert_true(mmr_test_find(&ctx, "t:t", "1")->dev);
	assert_false(mmr_test_find(&ctx, "g:old-style", "2.0")->dev);
	mmr_arena_free(a);

	/* a line over max-line is an error naming the line */
	static char big[(1 << 20) + 64];
	memcpy(big, "a:b:1=x\n", 8);
	memset(big + 8, 'x', sizeof(big) - 9);
	struct mmr_error e = { 0 };
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gradle-lock", "gradle.lockfile", big,
					      sizeof(big) - 1, &e),
			 -E2BIG);
	assert_string_equal(e.file, "gradle.lockfile");
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "max-line"));
	mmr_arena_free(a);

	/* empty and binary input: no packages, no crash */
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gradle-lock", "gradle.lockfile", "", 0, NULL), 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);
	mmr_arena_free(a);
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gradle-lock", "gradle.lockfile", "\0:\0:\0=\xff", 8, NULL), 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_happy),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
