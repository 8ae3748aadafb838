/* test-sbom-pom.c - pom.xml: project, direct dependencies, properties,
 * dependencyManagement, and refusal of DTDs/entities. */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("pom");
	assert_non_null(an);
	assert_true(an->targets & MMR_SBOM_SOURCE);
	assert_true(an->match("pom.xml", 0100644, 10));
	assert_true(an->match("svc/api/pom.xml", 0100644, 10));
	assert_false(an->match("pom.xml.bak", 0100644, 10));
	assert_false(an->match("mypom.xml", 0100644, 10));
}

/* Trivy's java/pom "local repository" case: the root with its licence and
 * two direct dependencies; the provided one is left out. */
static void test_happy(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "pom", "pom.xml", "image/java/happy/pom.xml", NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "com.example:happy@1.0.0\n"
			    "org.example:example-api@1.7.30\n"
			    "org.example:example-runtime@1.0.0\n");
	struct mmr_package *root = mmr_test_find(&ctx, "com.example:happy", "1.0.0");
	assert_int_equal(root->relation, MMR_DEP_ROOT);
	assert_int_equal(root->licenses.n, 1);
	assert_string_equal(root->licenses.v[0], "BSD-3-Clause");
	assert_int_equal(root->depends_on.n, 2);
	assert_string_equal(root->depends_on.v[0], "org.example:example-api@1.7.30");
	assert_string_equal(root->depends_on.v[1], "org.example:example-runtime@1.0.0");
	struct mmr_package *p = mmr_test_find(&ctx, "org.example:example-api", NULL);
	assert_int_equal(p->relation, MMR_DEP_DIRECT);
	assert_int_equal(p->line_start, 32);
	assert_int_equal(p->line_end, 36);
	p = mmr_test_find(&ctx, "org.example:example-runtime", NULL);
	assert_int_equal(p->relation, MMR_DEP_DIRECT);
	assert_int_equal(p->line_start, 37);
	assert_int_equal(p->line_end, 42);
	assert_int_equal(ctx.warnings.n, 0);
	assert_int_equal(mmr_package_finish(a, p, NULL), 0);
	assert_string_equal(p->purl, "pkg:maven/org.example/example-runtime@1.0.0");
	mmr_arena_free(a);
}

static void test_properties_and_management(void **state)
{
	const char xml[] =
		"<?xml version=\"1.0\"?>\n"
		"<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n"
		"  <parent><groupId>org.parent</groupId><artifactId>p</artifactId><version>7</version></parent>\n"
		"  <artifactId>child</artifactId>\n"
		"  <properties><a>${b}.1</a><b>2</b><loop>${loop}</loop></properties>\n"
		"  <dependencyManagement><dependencies>\n"
		"    <dependency><groupId>m</groupId><artifactId>managed</artifactId><version>${a}</version></dependency>\n"
		"    <dependency><groupId>m</groupId><artifactId>tested</artifactId><version>1</version><scope>test</scope></dependency>\n"
		"  </dependencies></dependencyManagement>\n"
		"  <dependencies>\n"
		"    <dependency><groupId>m</groupId><artifactId>managed</artifactId></dependency>\n"
		"    <dependency><groupId>m</groupId><artifactId>tested</artifactId></dependency>\n"
		"    <dependency><groupId>${project.groupId}</groupId><artifactId>sib</artifactId><version>${project.version}</version></dependency>\n"
		"    <dependency><groupId>x</groupId><artifactId>y</artifactId><version>${undefined.prop}</version></dependency>\n"
		"    <dependency><groupId>x</groupId><artifactId>z</artifactId><version>${loop}</version></dependency>\n"
		"    <dependency><groupId>x</groupId><artifactId>opt</artifactId><version>3</version><optional>true</optional></dependency>\n"
		"    <dependency><artifactId>nogroup</artifactId></dependency>\n"
		"  </dependencies>\n"
		"</project>\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pom", "m/pom.xml", xml, strlen(xml), NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "m:managed@2.1\n"
			    "org.parent:child@7\n"
			    "org.parent:sib@7\n"
			    "x:opt@3\n"
			    "x:y@${undefined.prop}\n"
			    "x:z@${loop}\n");
	assert_int_equal(mmr_test_find(&ctx, "org.parent:child", NULL)->relation, MMR_DEP_ROOT);
	/* unresolved versions and the dependency without a groupId are warned */
	assert_int_equal(ctx.warnings.n, 3);
	const struct mmr_diag *d = ctx.warnings.v[0];
	assert_non_null(strstr(d->message, "m/pom.xml:14:"));
	assert_non_null(strstr(d->message, "${undefined.prop}"));
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	const char bad[] = "<project>\n  <dependencies>\n    <dependency>\n  </dependencies>\n</project>\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pom", "pom.xml", bad, strlen(bad), &e), -EBADMSG);
	assert_string_equal(e.file, "pom.xml");
	assert_int_equal(e.line, 4);
	mmr_arena_free(a);

	/* XXE and entity bombs: refused before parsing */
	const char xxe[] = "<?xml version=\"1.0\"?>\n<!DOCTYPE project [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
			   "<project><groupId>&x;</groupId><artifactId>a</artifactId></project>\n";
	a = mmr_arena_new(0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pom", "pom.xml", xxe, strlen(xxe), &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "DOCTYPE"));
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);
	mmr_arena_free(a);

	const char notpom[] = "<settings><x/></settings>";
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pom", "pom.xml", notpom, strlen(notpom), NULL), -EBADMSG);
	mmr_arena_free(a);

	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pom", "pom.xml", "", 0, NULL), -EBADMSG);
	mmr_arena_free(a);

	/* deep nesting: libxml2's depth limit, an error rather than a crash */
	static char deep[20 * 5000 + 64];
	size_t o = 0;
	o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<project>");
	for (int i = 0; i < 5000; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<a>");
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "pom", "pom.xml", deep, o, NULL), -EBADMSG);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_happy),
		cmocka_unit_test(test_properties_and_management),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
