/* test-sbom-java.c - jar/war/ear archives: pom.properties, MANIFEST.MF,
 * file names, nesting, limits and damaged archives. */
#include "test-util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct zent {
	const char *name;
	const void *data;
	size_t len; /* 0: strlen(data) */
};

/* A zip archive in memory (malloc'ed), written with libarchive. */
static uint8_t *make_zip(const struct zent *e, size_t n, bool store, size_t *ret_len)
{
	size_t cap = 1 << 16;
	for (size_t i = 0; i < n; i++)
		cap += (e[i].len ? e[i].len : strlen(e[i].data)) + 512;
	uint8_t *buf = malloc(cap);
	size_t used = 0;
	assert_non_null(buf);
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	if (store)
		assert_int_equal(archive_write_set_options(a, "zip:compression=store"), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t len = e[i].len ? e[i].len : strlen(e[i].data);
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_size(ae, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, e[i].data, len), (la_ssize_t)len);
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*ret_len = used;
	return buf;
}

static int run(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const char *vpath, const void *d,
	       size_t len, const struct mmr_limits *lim, struct mmr_error *e)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("jar");
	assert_non_null(an);
	assert_true(an->match(vpath, 0100644, len));
	mmr_sbom_ctx_init(ctx, a, lim, MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = vpath, .data = d, .len = len, .mode = 0100644 };
	return an->parse(ctx, &f, e);
}

static bool warned(const struct mmr_sbom_ctx *ctx, const char *where, const char *needle)
{
	for (size_t i = 0; i < ctx->warnings.n; i++) {
		const struct mmr_diag *d = ctx->warnings.v[i];
		if ((!where || strcmp(d->where, where) == 0) && strstr(d->message, needle))
			return true;
	}
	return false;
}

static void dump_warnings(const struct mmr_sbom_ctx *ctx)
{
	for (size_t i = 0; i < ctx->warnings.n; i++) {
		const struct mmr_diag *d = ctx->warnings.v[i];
		print_message("warning: %s: %s\n", d->where, d->message);
	}
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("jar");
	assert_non_null(an);
	assert_true(an->match("app/x.jar", 0100644, 10));
	assert_true(an->match("opt/app.WAR", 0100644, 10));
	assert_true(an->match("a.ear", 0100644, 10));
	assert_true(an->match("a.par", 0100644, 10));
	assert_true(an->match("var/jenkins/plugins/git.hpi", 0100644, 10));
	assert_true(an->match("git.jpi", 0100644, 10));
	assert_false(an->match("x.jar.sha1", 0100644, 10));
	assert_false(an->match("jar", 0100644, 10));
	assert_false(an->match(".jar", 0100644, 10));
	assert_false(an->match("x.zip", 0100644, 10));
	assert_false(an->match("x.jar", 0100644, 0));
}

/* Trivy's wantMaven: the war's own pom.properties and the pom.properties of
 * every jar in WEB-INF/lib. */
static void test_maven_war(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "jar", "app/maven.war", "image/java/maven.war", NULL), 0);
	dump_warnings(&ctx);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "com.cronutils:cron-utils@9.1.2\n"
			    "com.example:web-app@1.0-SNAPSHOT\n"
			    "com.fasterxml.jackson.core:jackson-annotations@2.9.10\n"
			    "com.fasterxml.jackson.core:jackson-core@2.9.10\n"
			    "com.fasterxml.jackson.core:jackson-databind@2.9.10.6\n"
			    "org.apache.commons:commons-lang3@3.11\n"
			    "org.glassfish:javax.el@3.0.0\n"
			    "org.slf4j:slf4j-api@1.7.30\n");
	assert_int_equal(ctx.warnings.n, 0);
	assert_int_equal(ctx.groups.n, 1);
	struct mmr_sbom_group *g = ctx.groups.v[0];
	assert_string_equal(g->path, "app/maven.war");
	assert_string_equal(g->class, "lang-pkgs");
	struct mmr_package *p = mmr_test_find(&ctx, "com.fasterxml.jackson.core:jackson-databind", NULL);
	assert_non_null(p);
	assert_int_equal(p->eco, MMR_ECO_MAVEN);
	assert_string_equal(p->file, "app/maven.war!/WEB-INF/lib/jackson-databind-2.9.10.6.jar");
	assert_int_equal(p->licenses.n, 0);
	/* licences from the embedded pom.xml (Trivy: cron-utils "Apache 2.0") */
	p = mmr_test_find(&ctx, "com.cronutils:cron-utils", "9.1.2");
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "Apache 2.0");
	p = mmr_test_find(&ctx, "org.glassfish:javax.el", "3.0.0");
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "CDDL + GPLv2 with classpath exception");
	p = mmr_test_find(&ctx, "com.example:web-app", NULL);
	assert_string_equal(p->file, "app/maven.war");
	assert_int_equal(mmr_package_finish(a, p, NULL), 0);
	assert_string_equal(p->purl, "pkg:maven/com.example/web-app@1.0-SNAPSHOT");
	mmr_arena_free(a);
}

/* Trivy's wantNestedJar: three levels of jars in jars. */
static void test_nested_jar(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "jar", "nested.jar", "image/java/nested.jar", NULL), 0);
	dump_warnings(&ctx);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "test:nested2@0.0.2\ntest:nested3@0.0.3\ntest:nested@0.0.1\n");
	struct mmr_package *p = mmr_test_find(&ctx, "test:nested3", "0.0.3");
	assert_string_equal(p->file,
			    "nested.jar!/META-INF/jars/nested2.jar!/META-INF/jars/nested3.jar");
	assert_int_equal(ctx.warnings.n, 0);
	mmr_arena_free(a);
}

static void test_depth_limit(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_archive_depth = 1;
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("image/java/nested.jar"), &len);
	assert_int_equal(run(a, &ctx, "nested.jar", d, len, &lim, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "test:nested2@0.0.2\ntest:nested@0.0.1\n");
	assert_true(warned(&ctx, "nested.jar!/META-INF/jars/nested2.jar!/META-INF/jars/nested3.jar",
			   "max-archive-depth=1"));
	/* depth 0: only the file itself */
	mmr_arena_free(a);
	a = mmr_arena_new(0);
	lim.max_archive_depth = 0;
	assert_int_equal(run(a, &ctx, "nested.jar", d, len, &lim, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "test:nested@0.0.1\n");
	free(d);
	mmr_arena_free(a);
}

static void test_pom_properties(void **state)
{
	const char *props = "#Generated by Maven\r\n"
			    "  groupId = org.example\r\n"
			    "artifactId:demo\\\r\n"
			    "     -core\r\n"
			    "version=1.2.3\r\n";
	const struct zent e[] = {
		{ "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Title: other\r\n"
					  "Implementation-Version: 9\r\nImplementation-Vendor-Id: x.y\r\n" },
		{ "META-INF/maven/org.example/demo-core/pom.properties", props },
		{ "META-INF/maven/org.example/demo-core/pom.xml",
		  "<project><licenses><license><name>MIT</name></license>"
		  "<license><name>Apache-2.0</name></license></licenses></project>" },
		/* not <g>/<a>/pom.xml, and an entity-declaring one: ignored */
		{ "META-INF/maven/org.example/pom.xml",
		  "<project><licenses><license><name>BAD</name></license></licenses></project>" },
		{ "META-INF/maven/x/y/pom.xml",
		  "<!DOCTYPE p [<!ENTITY a \"b\">]><project><licenses><license><name>&a;</name>"
		  "</license></licenses></project>" },
	};
	size_t len;
	uint8_t *z = make_zip(e, 5, false, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "lib/demo-core-1.2.3.jar", z, len, NULL), 0);
	/* pom.properties describes the jar itself: the manifest is not used */
	assert_string_equal(mmr_test_pkglist(a, &ctx), "org.example:demo-core@1.2.3\n");
	struct mmr_package *p = mmr_test_find(&ctx, "org.example:demo-core", NULL);
	assert_string_equal(p->file, "lib/demo-core-1.2.3.jar");
	assert_int_equal(p->licenses.n, 2);
	assert_string_equal(p->licenses.v[0], "MIT");
	assert_string_equal(p->licenses.v[1], "Apache-2.0");
	mmr_arena_free(a);
	free(z);
}

/* A shaded jar: the bundled pom.properties are not the jar itself, so the
 * jar is also identified from its manifest; duplicates are dropped. */
static void test_shaded_and_dedup(void **state)
{
	const char *p1 = "groupId=com.google.guava\nartifactId=guava\nversion=31.1-jre\n";
	const struct zent e[] = {
		{ "META-INF/maven/com.google.guava/guava/pom.properties", p1 },
		{ "META-INF/maven/dup/guava/pom.properties", p1 },
		{ "META-INF/MANIFEST.MF",
		  "Manifest-Version: 1.0\nBundle-SymbolicName: org.acme.tool;singleton:=true\n"
		  "Bundle-Name: tool\nBundle-Version: 2.0.1\nImplementation-Title: Acme Tool Suite\n\n"
		  "Name: org/acme/\nImplementation-Version: 7.7\n" },
	};
	size_t len;
	uint8_t *z = make_zip(e, 3, false, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "tool.jar", z, len, NULL), 0);
	/* Implementation-Title wins over Bundle-Name but has spaces: not a
	 * coordinate, so the manifest is not used and the file name has no
	 * version either */
	assert_string_equal(mmr_test_pkglist(a, &ctx), "com.google.guava:guava@31.1-jre\n");
	mmr_arena_free(a);
	free(z);

	const struct zent e2[] = {
		{ "META-INF/maven/com.google.guava/guava/pom.properties", p1 },
		{ "META-INF/maven/com.google.guava/guava2/pom.properties", p1 },
		{ "META-INF/MANIFEST.MF",
		  "Manifest-Version: 1.0\nBundle-SymbolicName: org.acme.tool;singleton:=true\n"
		  "Bundle-Name: tool\nBundle-Version: 2.0.1\n\nName: x\nImplementation-Version: 7.7\n" },
	};
	z = make_zip(e2, 3, false, &len);
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "tool.jar", z, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "com.google.guava:guava@31.1-jre\norg.acme:tool@2.0.1\n");
	mmr_arena_free(a);
	free(z);
}

static void test_manifest_only(void **state)
{
	/* folded continuation lines, lone CR line ends, case-insensitive names,
	 * %localised values skipped */
	const char *mf = "Manifest-Version: 1.0\r"
			 "Bundle-Name: %bundle.name\r"
			 "implementation-vendor-id: org.apa\r"
			 " che.commons\r"
			 "Implementation-Title: commons-te\r\n"
			 " xt\r\n"
			 "Implementation-Version: 1.10.0\r\n";
	const struct zent e[] = { { "META-INF/MANIFEST.MF", mf }, { "org/x/A.class", "\xca\xfe" } };
	size_t len;
	uint8_t *z = make_zip(e, 2, true, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "x/app.jar", z, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "org.apache.commons:commons-text@1.10.0\n");
	mmr_arena_free(a);
	free(z);
}

static void test_filename_only(void **state)
{
	const struct zent e[] = { { "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n" },
				  { "a/B.class", "\xca\xfe\xba\xbe" } };
	size_t len;
	uint8_t *z = make_zip(e, 2, false, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "lib/spring-core-5.3.4-SNAPSHOT.jar",
					      z, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "spring-core@5.3.4-SNAPSHOT\n");
	mmr_arena_free(a);
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "lib/foo-1.0-2.jar", z, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "foo-1.0@2\n");
	mmr_arena_free(a);
	/* no version in the name, nothing in the jar: nothing */
	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "lib/app.jar", z, len, NULL), 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);
	mmr_arena_free(a);
	free(z);
}

/* An ear with a war with jars, written here. */
static void test_ear_nesting(void **state)
{
	const struct zent j[] = {
		{ "META-INF/maven/org.lib/util/pom.properties", "groupId=org.lib\nartifactId=util\nversion=4.0\n" },
	};
	size_t jl, wl, el;
	uint8_t *jar = make_zip(j, 1, false, &jl);
	const struct zent w[] = {
		{ "WEB-INF/lib/util-4.0.jar", jar, jl },
		{ "WEB-INF/lib/extra-0.9.JAR", jar, jl }, /* same g:a:v: once */
	};
	uint8_t *war = make_zip(w, 2, true, &wl);
	const struct zent e[] = { { "lib/web.war", war, wl } };
	uint8_t *ear = make_zip(e, 1, false, &el);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "srv/app.ear", ear, el, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "org.lib:util@4.0\n");
	assert_string_equal(mmr_test_find(&ctx, "org.lib:util", "4.0")->file,
			    "srv/app.ear!/lib/web.war!/WEB-INF/lib/util-4.0.jar");
	mmr_arena_free(a);
	free(jar);
	free(war);
	free(ear);
}

static void test_zip_bomb(void **state)
{
	size_t big = 24u << 20;
	char *zeros = calloc(1, big);
	assert_non_null(zeros);
	const struct zent e[] = {
		{ "META-INF/maven/a/b/pom.properties", "groupId=a\nartifactId=b\nversion=1\n" },
		{ "WEB-INF/lib/bomb.jar", zeros, big },
	};
	size_t len;
	uint8_t *z = make_zip(e, 2, false, &len);
	free(zeros);
	assert_true(len < big / 200); /* really compressible */
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "bomb.war", z, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a:b@1\n");
	assert_true(warned(&ctx, "bomb.war!/WEB-INF/lib/bomb.jar", "max-ratio"));
	mmr_arena_free(a);

	/* the per-entry cap: a nested archive over max-file-size is skipped */
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_ratio = 100000;
	lim.max_file_size = 1 << 20;
	a = mmr_arena_new(0);
	assert_int_equal(run(a, &ctx, "bomb.war", z, len, &lim, NULL), 0);
	assert_true(warned(&ctx, "bomb.war!/WEB-INF/lib/bomb.jar", "max-file-size"));
	assert_false(warned(&ctx, NULL, "max-ratio"));
	mmr_arena_free(a);
	free(z);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	/* not a zip at all */
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "jar", "x.jar", "hello world", 11, &e), -EBADMSG);
	assert_string_equal(e.file, "x.jar");
	mmr_arena_free(a);

	/* a pom.properties without a version, a huge manifest line, a bad
	 * nested jar */
	size_t hl = 3u << 19; /* 1.5 MiB, not compressible (no zip bomb) */
	char *huge = malloc(hl);
	assert_non_null(huge);
	memcpy(huge, "Implementation-Title: ", 22);
	uint32_t x = 12345;
	for (size_t i = 22; i < hl - 1; i++) {
		x = x * 1103515245u + 12345u;
		huge[i] = (char)('a' + (x >> 16) % 26);
	}
	huge[hl - 1] = 0;
	const struct zent z1[] = {
		{ "META-INF/maven/g/a/pom.properties", "groupId=g\nartifactId=a\n" },
		{ "META-INF/MANIFEST.MF", huge },
		{ "lib/broken.jar", "PK\x03\x04garbage" },
		{ "META-INF/maven/g/ok/pom.properties", "groupId=g\nartifactId=ok\nversion=1\n" },
	};
	size_t len;
	uint8_t *z = make_zip(z1, 4, false, &len);
	free(huge);
	a = mmr_arena_new(0);
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_line = 4096;
	assert_int_equal(run(a, &ctx, "app.jar", z, len, &lim, NULL), 0);
	dump_warnings(&ctx);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "g:ok@1\n");
	assert_true(warned(&ctx, "app.jar!/META-INF/maven/g/a/pom.properties", "version"));
	assert_true(warned(&ctx, "app.jar!/META-INF/MANIFEST.MF", "1048576"));
	assert_true(warned(&ctx, "app.jar!/META-INF/MANIFEST.MF", "max-line=4096"));
	assert_true(warned(&ctx, "app.jar!/lib/broken.jar", "damaged zip archive"));
	mmr_arena_free(a);

	/* truncated: every prefix is an error or a partial result, never a crash */
	for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
		a = mmr_arena_new(0);
		int r = mmr_test_analyze_mem(a, &ctx, "jar", "app.jar", z, cut, NULL);
		assert_true(r == 0 || r == -EBADMSG);
		mmr_arena_free(a);
	}
	/* the truncated archive still gives what precedes the cut */
	size_t jl;
	const struct zent z2[] = {
		{ "META-INF/maven/g/first/pom.properties", "groupId=g\nartifactId=first\nversion=1\n" },
		{ "blob.bin", "0123456789abcdef0123456789abcdef0123456789abcdef" },
	};
	uint8_t *j = make_zip(z2, 2, true, &jl);
	a = mmr_arena_new(0);
	memset(&e, 0, sizeof(e));
	const uint8_t *mid = memmem(j, jl, "0123456789abcdef", 16);
	assert_non_null(mid);
	size_t cut = (size_t)(mid - j) + 10; /* in the middle of blob.bin */
	int r = mmr_test_analyze_mem(a, &ctx, "jar", "t.jar", j, cut, &e);
	assert_int_equal(r, -EBADMSG);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "g:first@1\n");
	assert_string_equal(e.file, "t.jar");
	mmr_arena_free(a);
	free(j);
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_maven_war),
		cmocka_unit_test(test_nested_jar),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_pom_properties),
		cmocka_unit_test(test_shaded_and_dedup),
		cmocka_unit_test(test_manifest_only),
		cmocka_unit_test(test_filename_only),
		cmocka_unit_test(test_ear_nesting),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
