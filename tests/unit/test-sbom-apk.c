/* test-sbom-apk.c - the apk installed database. */
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

static void test_trivy_installed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "apk", "lib/apk/db/installed",
					  "image/apk/trivy-installed", NULL),
			 0);
	/* 16 P: records; invalidPackageWithoutAVersion has no V: */
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "ada-libs@2.7.4-r0\n"
			    "alpine-baselayout@3.0.3-r0\n"
			    "alpine-keys@1.1-r0\n"
			    "apk-tools@2.6.7-r0\n"
			    "busybox@1.24.2-r9\n"
			    "libc-utils@0.7-r0\n"
			    "libcrypto1.0@1.0.2h-r1\n"
			    "libssl1.0@1.0.2h-r1\n"
			    "musl-utils@1.1.14-r10\n"
			    "musl@1.1.14-r10\n"
			    "pkgconf@1.6.0-r0\n"
			    "scanelf@1.1.6-r0\n"
			    "sqlite-libs@3.26.0-r3\n"
			    "test@2.9.11_pre20061021-r2\n"
			    "zlib@1.2.8-r2\n");
	struct mmr_sbom_group *g = ctx.groups.v[0];
	assert_string_equal(g->analyzer, "apk");
	assert_string_equal(g->class, "os-pkgs");
	struct mmr_package *p = mmr_test_find(&ctx, "musl", NULL);
	assert_int_equal(p->eco, MMR_ECO_APK);
	assert_string_equal(p->id, "musl@1.1.14-r10");
	assert_string_equal(p->src_name, "musl");
	assert_string_equal(p->src_version, "1.1.14-r10");
	assert_null(p->release);
	assert_false(p->has_epoch);
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "MIT");
	assert_null(mmr_test_find(&ctx, "invalidPackageWithoutAVersion", NULL));
	mmr_arena_free(a);
}

static void expect_deps(const struct mmr_sbom_ctx *ctx, const char *name,
			const char *const *ids)
{
	struct mmr_package *p = mmr_test_find(ctx, name, NULL);
	assert_non_null(p);
	size_t n = 0;
	for (; ids[n]; n++) {
		if (!has_dep(p, ids[n])) {
			print_error("%s: missing dependency %s\n", name, ids[n]);
			fail();
		}
	}
	assert_int_equal(p->depends_on.n, n);
}

static void test_syft_dependency_tree(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "apk", "lib/apk/db/installed",
					  "image/apk/syft-multiple-2-installed", NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 14);
	const char *const samples[] = { "musl@1.2.3-r0", "busybox@1.35.0-r17", "apk-tools@2.12.9-r3",
					"zlib@1.2.12-r3", NULL };
	mmr_test_expect_has(&ctx, samples);

	/* syft TestCatalogerDependencyTree */
	expect_deps(&ctx, "alpine-baselayout",
		    (const char *const[]){ "busybox@1.35.0-r17", "alpine-baselayout-data@3.2.0-r22",
					   "musl@1.2.3-r0", NULL });
	expect_deps(&ctx, "apk-tools",
		    (const char *const[]){ "ca-certificates-bundle@20220614-r0", "musl@1.2.3-r0",
					   "libcrypto1.1@1.1.1q-r0", "libssl1.1@1.1.1q-r0",
					   "zlib@1.2.12-r3", NULL });
	expect_deps(&ctx, "libssl1.1",
		    (const char *const[]){ "musl@1.2.3-r0", "libcrypto1.1@1.1.1q-r0", NULL });
	expect_deps(&ctx, "musl-utils",
		    (const char *const[]){ "scanelf@1.3.4-r0", "musl@1.2.3-r0", NULL });
	expect_deps(&ctx, "zlib", (const char *const[]){ "musl@1.2.3-r0", NULL });
	expect_deps(&ctx, "musl", (const char *const[]){ NULL });
	expect_deps(&ctx, "libc-utils", (const char *const[]){ "musl-utils@1.2.3-r0", NULL });

	struct mmr_package *p = mmr_test_find(&ctx, "ca-certificates-bundle", NULL);
	assert_string_equal(p->src_name, "ca-certificates");
	/* an SPDX expression stays one licence */
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "MPL-2.0 AND MIT");
	p = mmr_test_find(&ctx, "musl-utils", NULL);
	/* an old-style list is split */
	assert_int_equal(p->licenses.n, 3);
	assert_string_equal(p->licenses.v[2], "GPL2+");
	assert_string_equal(p->arch, "x86_64");
	mmr_arena_free(a);
}

static void test_syft_single_base(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "apk", "lib/apk/db/installed",
					  "image/apk/syft-single", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "musl-utils@1.1.24-r2\n");
	struct mmr_package *p = mmr_test_find(&ctx, "musl-utils", NULL);
	assert_string_equal(p->src_name, "musl");
	assert_non_null(p->maintainer);
	assert_string_equal(p->maintainer, "Timo Teräs <timo.teras@iki.fi>");
	mmr_arena_free(a);

	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze(a, &ctx, "apk", "lib/apk/db/installed",
					  "image/apk/syft-base", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "alpine-baselayout@3.2.0-r6\n");
	p = mmr_test_find(&ctx, "alpine-baselayout", NULL);
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "GPL-2.0-only");
	mmr_arena_free(a);
}

static void test_constraints_and_conflicts(void **state)
{
	const char txt[] = "P:a\nV:1-r0\nD:b>=2 !c so:libx.so.1 cmd:tool pc:zz~1 missing\n\n"
			   "P:b\nV:2-r0\np:so:libx.so.1=1 cmd:tool=2-r0\n\n"
			   "P:c\nV:3-r0\n\n"
			   "P:d\nV:4-r0\np:pc:zz=1 b\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "apk", "lib/apk/db/installed", txt,
					      strlen(txt), NULL),
			 0);
	/* b is a real package: d's "provides b" does not take it over */
	expect_deps(&ctx, "a", (const char *const[]){ "b@2-r0", "d@4-r0", NULL });
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	const char t1[] = "P:ok\nV:1-r0\n\nP:cut\nV";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "apk", "lib/apk/db/installed", t1,
					      strlen(t1), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "lib/apk/db/installed");
	assert_int_equal(e.line, 5);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "ok@1-r0\n");

	memset(&e, 0, sizeof(e));
	const char t2[] = "P:x\nV:1\nP:y\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "apk", "lib/apk/db/installed", t2,
					      strlen(t2), &e),
			 -EBADMSG);
	assert_int_equal(e.line, 3);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "x@1\n");

	const char t3[] = "\xff:\x80\x00:\n\n::\nP:\nV:\n";
	assert_true(mmr_test_analyze_mem(a, &ctx, "apk", "lib/apk/db/installed", t3,
					 sizeof(t3) - 1, NULL) <= 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);

	const char t5[] = "P:b\xff" "ad\nV:1\x7f\nL:MIT \xc3\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "apk", "lib/apk/db/installed", t5,
					      strlen(t5), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "b?ad@1?\n");
	assert_string_equal(mmr_test_find(&ctx, "b?ad", NULL)->licenses.v[1], "?");

	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_packages = 1;
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	const char t4[] = "P:a\nV:1\n\nP:b\nV:1\n";
	struct mmr_sbom_file f = { .path = "lib/apk/db/installed", .data = (const uint8_t *)t4,
				   .len = strlen(t4), .mode = 0100644 };
	assert_int_equal(mmr_sbom_analyzer_apk.parse(&ctx, &f, NULL), -E2BIG);
	assert_int_equal(mmr_test_pkgcount(&ctx), 1);
	mmr_arena_free(a);
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("apk");
	assert_true(an->match("lib/apk/db/installed", 0100644, 1));
	assert_false(an->match("lib/apk/db/installed.old", 0100644, 1));
	assert_false(an->match("usr/lib/apk/db/installed", 0100644, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trivy_installed),
		cmocka_unit_test(test_syft_dependency_tree),
		cmocka_unit_test(test_syft_single_base),
		cmocka_unit_test(test_constraints_and_conflicts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
