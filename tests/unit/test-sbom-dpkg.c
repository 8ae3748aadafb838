/* test-sbom-dpkg.c - dpkg and opkg status databases. */
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

static void test_ubuntu1804(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "dpkg", "var/lib/dpkg/status",
					  "image/dpkg/trivy-ubuntu1804-status", NULL),
			 0);
	/* 91 stanzas, one "deinstall ok config-files" */
	assert_int_equal(mmr_test_pkgcount(&ctx), 90);
	assert_int_equal(ctx.groups.n, 1);
	struct mmr_sbom_group *g = ctx.groups.v[0];
	assert_string_equal(g->analyzer, "dpkg");
	assert_string_equal(g->class, "os-pkgs");

	struct mmr_package *p = mmr_test_find(&ctx, "bsdutils", NULL);
	assert_non_null(p);
	assert_int_equal(p->eco, MMR_ECO_DPKG);
	assert_true(p->has_epoch);
	assert_int_equal(p->epoch, 1);
	assert_string_equal(p->version, "2.31.1");
	assert_string_equal(p->release, "0.4ubuntu3.1");
	assert_string_equal(p->id, "bsdutils@1:2.31.1-0.4ubuntu3.1");
	assert_string_equal(p->src_name, "util-linux");
	assert_string_equal(p->src_version, "2.31.1");
	assert_string_equal(p->src_release, "0.4ubuntu3.1");
	assert_int_equal(p->src_epoch, 0);
	assert_string_equal(p->arch, "amd64");
	assert_string_equal(p->maintainer, "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>");
	assert_string_equal(p->repository, "official");
	assert_true(p->line_start > 0 && p->line_end > p->line_start);

	p = mmr_test_find(&ctx, "zlib1g", NULL);
	assert_non_null(p);
	assert_string_equal(p->id, "zlib1g@1:1.2.11.dfsg-0ubuntu2");
	assert_string_equal(p->version, "1.2.11.dfsg");
	assert_string_equal(p->release, "0ubuntu2");
	assert_string_equal(p->src_name, "zlib");
	assert_int_equal(p->src_epoch, 1);
	assert_string_equal(p->src_version, "1.2.11.dfsg");
	assert_string_equal(p->src_release, "0ubuntu2");
	/* Depends: libc6 (>= 2.14) */
	assert_true(has_dep(p, "libc6@2.27-3ubuntu1"));

	p = mmr_test_find(&ctx, "bash", "4.4.18");
	assert_non_null(p);
	assert_string_equal(p->release, "2ubuntu1");
	assert_string_equal(p->id, "bash@4.4.18-2ubuntu1");
	assert_false(p->has_epoch);

	p = mmr_test_find(&ctx, "adduser", "3.116ubuntu1");
	assert_non_null(p);
	assert_null(p->release); /* native package: no revision */
	assert_string_equal(p->src_name, "adduser");
	assert_string_equal(p->src_version, "3.116ubuntu1");
	assert_true(has_dep(p, "passwd@1:4.5-1ubuntu1"));

	p = mmr_test_find(&ctx, "apt", "1.6.3ubuntu0.1");
	assert_non_null(p);
	/* "gpgv | gpgv2 | gpgv1": whichever is installed */
	assert_true(has_dep(p, "adduser@3.116ubuntu1"));
	assert_true(has_dep(p, "libc6@2.27-3ubuntu1"));

	/* every package official, every ID unique */
	for (size_t i = 0; i < g->packages.n; i++) {
		struct mmr_package *q = g->packages.v[i];
		assert_string_equal(q->repository, "official");
		for (size_t k = i + 1; k < g->packages.n; k++)
			assert_string_not_equal(q->id, ((struct mmr_package *)g->packages.v[k])->id);
	}
	mmr_arena_free(a);
}

static void test_third_party(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "dpkg", "var/lib/dpkg/status",
					  "image/dpkg/trivy-third-party-status", NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 2);
	struct mmr_package *p = mmr_test_find(&ctx, "docker-ce", NULL);
	assert_non_null(p);
	assert_int_equal(p->epoch, 5);
	assert_string_equal(p->version, "20.10.7~3-0~debian");
	assert_string_equal(p->release, "buster");
	assert_string_equal(p->id, "docker-ce@5:20.10.7~3-0~debian-buster");
	assert_string_equal(p->repository, "third-party");
	p = mmr_test_find(&ctx, "apt", "1.6.3ubuntu0.1");
	assert_non_null(p);
	assert_string_equal(p->repository, "official");
	mmr_arena_free(a);
}

static void test_status_d(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	/* Syft counts 3 here (an empty "no-version" package included); we follow
	 * Trivy and drop stanzas without a Version, and the empty Package: one */
	assert_int_equal(mmr_test_analyze(a, &ctx, "dpkg", "var/lib/dpkg/status.d/multiple",
					  "image/dpkg/syft-status.d-multiple", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "tzdata@2020a\nutil-linux@2.33.1\n");
	assert_null(mmr_test_find(&ctx, "no-version", NULL));
	struct mmr_package *p = mmr_test_find(&ctx, "tzdata", NULL);
	assert_string_equal(p->release, "0+deb10u1");
	assert_string_equal(p->src_name, "tzdata-dev");
	assert_string_equal(p->src_version, "2020a");
	assert_string_equal(p->arch, "all");
	p = mmr_test_find(&ctx, "util-linux", NULL);
	assert_string_equal(p->release, "0.1");
	assert_string_equal(p->repository, "official"); /* lamont@debian.org */
	mmr_arena_free(a);

	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze(a, &ctx, "dpkg", "var/lib/dpkg/status.d/apt",
					  "image/dpkg/syft-status.d-single", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "apt@1.8.2\n");
	p = mmr_test_find(&ctx, "apt", NULL);
	assert_null(p->release);
	assert_string_equal(p->src_name, "apt-dev");
	mmr_arena_free(a);

	a = mmr_arena_new(0);
	assert_int_equal(mmr_test_analyze(a, &ctx, "dpkg", "var/lib/dpkg/status.d/linux",
					  "image/dpkg/syft-status.d-deinstall", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "linux-image-6.14.0-1012-aws@6.14.0\n");
	p = mmr_test_find(&ctx, "linux-image-6.14.0-1012-aws", NULL);
	assert_string_equal(p->release, "1012.12~24.04.1");
	assert_string_equal(p->src_name, "linux-signed-aws-6.14");
	mmr_arena_free(a);
}

static void test_opkg(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "opkg", "usr/lib/opkg/status",
					  "image/dpkg/syft-opkg-status", NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 3);
	const char *const ids[] = { "dropbear@2024.85", "busybox@1.36.1", "kernel-modules@6.6.0",
				    NULL };
	mmr_test_expect_has(&ctx, ids);
	struct mmr_package *p = mmr_test_find(&ctx, "dropbear", NULL);
	assert_int_equal(p->eco, MMR_ECO_OPKG);
	assert_string_equal(p->release, "r0");
	assert_string_equal(p->id, "dropbear@2024.85-r0");
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "MIT");
	assert_null(p->repository);
	p = mmr_test_find(&ctx, "busybox", NULL);
	assert_string_equal(p->id, "busybox@1.36.1-r3");
	mmr_arena_free(a);
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *d = mmr_sbom_analyzer_find("dpkg");
	const struct mmr_sbom_analyzer *o = mmr_sbom_analyzer_find("opkg");
	assert_true(d->match("var/lib/dpkg/status", 0100644, 10));
	assert_true(d->match("var/lib/dpkg/status.d/base", 0100644, 10));
	assert_false(d->match("var/lib/dpkg/status.d/base.md5sums", 0100644, 10));
	assert_false(d->match("var/lib/dpkg/status.d/sub/x", 0100644, 10));
	assert_false(d->match("var/lib/dpkg/status-old", 0100644, 10));
	assert_false(d->match("var/lib/dpkg/available", 0100644, 10));
	assert_true(o->match("usr/lib/opkg/status", 0100644, 10));
	assert_true(o->match("var/lib/opkg/status", 0100644, 10));
	assert_false(o->match("var/lib/dpkg/status", 0100644, 10));
}

static void test_third_party_patterns(void **state)
{
	const char txt[] =
		"Package: gh\nVersion: 2.40.0\nMaintainer: GitHub\n\n"
		"Package: cuda-libs\nVersion: 12.2.0-1\nMaintainer: cudatools <cudatools@nvidia.com>\n\n"
		"Package: libfoo\nVersion: 1.0-1\nMaintainer: Jane Doe <jane@example.org>\n\n"
		"Package: libbar\nVersion: 1.0-1\nMaintainer: Dev <dev@debian.org>\n\n"
		"Package: nomaint\nVersion: 1.0-1\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", txt,
					      strlen(txt), NULL),
			 0);
	assert_string_equal(mmr_test_find(&ctx, "gh", NULL)->repository, "third-party");
	assert_string_equal(mmr_test_find(&ctx, "cuda-libs", NULL)->repository, "third-party");
	assert_string_equal(mmr_test_find(&ctx, "libfoo", NULL)->repository, "official");
	assert_string_equal(mmr_test_find(&ctx, "libbar", NULL)->repository, "official");
	assert_string_equal(mmr_test_find(&ctx, "nomaint", NULL)->repository, "official");
	mmr_arena_free(a);
}

static void test_status_and_relations(void **state)
{
	const char txt[] =
		"Package: a\nStatus: install ok installed\nVersion: 1.0-1\n"
		"Depends: b (>= 1),\n c:any | d, virt\nPre-Depends: e\n\n"
		"Package: b\nStatus: hold ok installed\nVersion: 2:3.0\n\n"
		"Package: c\nStatus: install ok unpacked\nVersion: 1\n\n"
		"Package: e\nStatus: purge ok not-installed\nVersion: 1\n\n"
		"Package: f\nStatus: install ok config-files\nVersion: 1\n\n"
		"Package: g\nStatus: install ok installed\nVersion: 1\nProvides: virt (= 1)\n"
		"Source: gsrc (2:5.0-3)\n\n"
		"Package: h\nVersion: :1.0\n\n"
		"Package: i\nVersion: 1.0-\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", txt,
					      strlen(txt), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a@1.0\nb@3.0\nc@1\ng@1\n");
	struct mmr_package *p = mmr_test_find(&ctx, "a", NULL);
	assert_int_equal(p->depends_on.n, 3);
	assert_true(has_dep(p, "b@2:3.0"));
	assert_true(has_dep(p, "c@1"));
	assert_true(has_dep(p, "g@1")); /* virt */
	p = mmr_test_find(&ctx, "b", NULL);
	assert_int_equal(p->epoch, 2);
	assert_null(p->release);
	p = mmr_test_find(&ctx, "g", NULL);
	assert_string_equal(p->src_name, "gsrc");
	assert_int_equal(p->src_epoch, 2);
	assert_string_equal(p->src_version, "5.0");
	assert_string_equal(p->src_release, "3");
	/* invalid versions are warnings */
	assert_int_equal(ctx.warnings.n, 2);
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	/* a truncated file: the last stanza ends mid-field name */
	const char t1[] = "Package: ok\nVersion: 1.0\n\nPackage: cut\nVers";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", t1,
					      strlen(t1), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "var/lib/dpkg/status");
	assert_int_equal(e.line, 5);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "ok@1.0\n");

	/* a continuation line before any field */
	memset(&e, 0, sizeof(e));
	const char t2[] = " orphan\nPackage: x\nVersion: 1\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", t2,
					      strlen(t2), &e),
			 -EBADMSG);
	assert_int_equal(e.line, 1);
	assert_int_equal(mmr_test_pkgcount(&ctx), 1);

	/* missing blank line: the second Package is an error, not a rename */
	memset(&e, 0, sizeof(e));
	const char t3[] = "Package: x\nVersion: 1\nPackage: y\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", t3,
					      strlen(t3), &e),
			 -EBADMSG);
	assert_int_equal(e.line, 3);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "x@1\n");

	/* binary junk and NULs */
	const char t4[] = "\x00\x01\xff:\n\n:\n\t\n";
	assert_true(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", t4,
					 sizeof(t4) - 1, NULL) <= 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);

	/* Latin-1 and control bytes never reach the report */
	const char t5[] = "Package: lat\x01in\nVersion: 1\nMaintainer: Jos\xe9 <j@example.org>\n";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", t5,
					      strlen(t5), NULL),
			 0);
	assert_string_equal(mmr_test_find(&ctx, "lat?in", NULL)->maintainer,
			    "Jos? <j@example.org>");

	/* empty file: nothing, no error */
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dpkg", "var/lib/dpkg/status", "", 0, NULL),
			 0);
	assert_int_equal(ctx.groups.n, 0);
	mmr_arena_free(a);
}

static void test_limits(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_line = 32;
	lim.max_packages = 2;
	struct mmr_sbom_ctx ctx;
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	const char txt[] = "Package: a\nVersion: 1\nDescription: 0123456789012345678901234567890123456789\n\n"
			   "Package: b\nVersion: 1\n\nPackage: c\nVersion: 1\n";
	struct mmr_sbom_file f = { .path = "var/lib/dpkg/status", .data = (const uint8_t *)txt,
				   .len = strlen(txt), .mode = 0100644 };
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_sbom_analyzer_dpkg.parse(&ctx, &f, &e), -E2BIG);
	assert_int_equal(e.line, 3);
	assert_int_equal(mmr_test_pkgcount(&ctx), 2);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ubuntu1804),
		cmocka_unit_test(test_third_party),
		cmocka_unit_test(test_status_d),
		cmocka_unit_test(test_opkg),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_third_party_patterns),
		cmocka_unit_test(test_status_and_relations),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
