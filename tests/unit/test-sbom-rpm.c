/* test-sbom-rpm.c - rpm databases (BerkeleyDB, NDB, SQLite) and header blobs. */
#include "test-util.h"

#include "sbom/sbom-rpm.h"

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

static void test_bdb_syft(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "rpm", "var/lib/rpm/Packages",
					  "image/rpm/syft-bdb-Packages", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "dive@0.9.2\n");
	struct mmr_package *p = mmr_test_find(&ctx, "dive", NULL);
	assert_int_equal(p->eco, MMR_ECO_RPM);
	assert_string_equal(p->release, "1");
	assert_false(p->has_epoch);
	assert_string_equal(p->id, "dive@0.9.2-1");
	assert_string_equal(p->arch, "x86_64");
	assert_string_equal(p->src_name, "dive");
	assert_string_equal(p->src_version, "0.9.2");
	assert_string_equal(p->src_release, "1");
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "MIT");
	assert_null(p->vendor);
	assert_null(p->repository);
	struct mmr_sbom_group *g = ctx.groups.v[0];
	assert_string_equal(g->analyzer, "rpm");
	assert_string_equal(g->class, "os-pkgs");
	mmr_arena_free(a);
}

static void test_bdb_libuuid(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "rpm", "usr/lib/sysimage/rpm/Packages",
					  "image/rpm/gorpmdb-libuuid-bdb-Packages", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "libuuid@2.32.1\n");
	struct mmr_package *p = mmr_test_find(&ctx, "libuuid", NULL);
	assert_string_equal(p->release, "42.el8_8");
	assert_string_equal(p->src_name, "util-linux");
	assert_string_equal(p->src_version, "2.32.1");
	assert_string_equal(p->src_release, "42.el8_8");
	assert_string_equal(p->vendor, "Red Hat, Inc.");
	assert_string_equal(p->repository, "official");
	assert_string_equal(p->licenses.v[0], "BSD");
	mmr_arena_free(a);
}

static void test_ndb_sle15(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "rpm", "var/lib/rpm/Packages.db",
					  "image/rpm/gorpmdb-sle15-bci-ndb-Packages.db", NULL),
			 0);
	/* go-rpmdb SLE15WithNDB(): 35 packages */
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "bash@4.4\n"
			    "ca-certificates-mozilla-prebuilt@2.44\n"
			    "coreutils@8.32\n"
			    "file-magic@5.32\n"
			    "filesystem@15.0\n"
			    "glibc@2.31\n"
			    "libacl1@2.2.52\n"
			    "libattr1@2.4.47\n"
			    "libbz2-1@1.0.6\n"
			    "libcap2@2.26\n"
			    "libcrypt1@4.4.15\n"
			    "libdw1@0.168\n"
			    "libebl-plugins@0.168\n"
			    "libelf1@0.168\n"
			    "libgcc_s1@11.2.1+git610\n"
			    "libgcrypt20@1.8.2\n"
			    "libgmp10@6.1.2\n"
			    "libgpg-error0@1.29\n"
			    "liblua5_3-5@5.3.6\n"
			    "liblzma5@5.2.3\n"
			    "libmagic1@5.32\n"
			    "libncurses6@6.1\n"
			    "libpcre1@8.45\n"
			    "libpopt0@1.16\n"
			    "libreadline7@7.0\n"
			    "libselinux1@3.0\n"
			    "libstdc++6@11.2.1+git610\n"
			    "libz1@1.2.11\n"
			    "libzstd1@1.4.4\n"
			    "perl-base@5.26.1\n"
			    "rpm-config-SUSE@1\n"
			    "rpm-ndb@4.14.3\n"
			    "sles-release@15.3\n"
			    "system-user-root@20190513\n"
			    "terminfo-base@6.1\n");
	struct mmr_package *p = mmr_test_find(&ctx, "system-user-root", NULL);
	assert_string_equal(p->release, "3.3.1");
	assert_string_equal(p->arch, "noarch");
	p = mmr_test_find(&ctx, "filesystem", NULL);
	assert_string_equal(p->id, "filesystem@15.0-11.3.2");
	p = mmr_test_find(&ctx, "glibc", NULL);
	assert_string_equal(p->id, "glibc@2.31-9.3.2");
	assert_string_equal(p->vendor, "SUSE LLC <https://www.suse.com/>");
	assert_string_equal(p->repository, "official");
	p = mmr_test_find(&ctx, "libgcc_s1", NULL);
	assert_string_equal(p->src_name, "gcc11");
	mmr_arena_free(a);
}

static void test_sqlite_mariner(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "rpm", "var/lib/rpm/rpmdb.sqlite",
					  "image/rpm/gorpmdb-cbl-mariner-2.0-rpmdb.sqlite", NULL),
			 0);
	/* 129 rows in Packages, none of them gpg-pubkey */
	assert_int_equal(mmr_test_pkgcount(&ctx), 129);
	struct mmr_package *p = mmr_test_find(&ctx, "curl", NULL);
	assert_non_null(p);
	assert_string_equal(p->version, "7.76.0");
	assert_string_equal(p->release, "6.cm2");
	assert_string_equal(p->arch, "x86_64");
	assert_string_equal(p->licenses.v[0], "MIT");
	assert_string_equal(p->vendor, "Microsoft Corporation");
	assert_string_equal(p->src_name, "curl");
	assert_string_equal(p->src_version, "7.76.0");
	assert_string_equal(p->src_release, "6.cm2");
	/* curl needs curl-libs (libcurl.so.4), which needs zlib */
	struct mmr_package *lib = mmr_test_find(&ctx, "curl-libs", NULL);
	assert_non_null(lib);
	assert_true(has_dep(p, lib->id));
	assert_true(has_dep(lib, mmr_test_find(&ctx, "zlib", NULL)->id));
	assert_int_equal(ctx.warnings.n, 0);
	mmr_arena_free(a);
}

static void test_match(void **state)
{
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("rpm");
	assert_true(an->match("var/lib/rpm/Packages", 0100644, 1));
	assert_true(an->match("var/lib/rpm/Packages.db", 0100644, 1));
	assert_true(an->match("var/lib/rpm/rpmdb.sqlite", 0100644, 1));
	assert_true(an->match("usr/lib/sysimage/rpm/rpmdb.sqlite", 0100644, 1));
	assert_true(an->match("usr/lib/sysimage/rpm/Packages", 0100644, 1));
	assert_false(an->match("var/lib/rpm/Name", 0100644, 1));
	assert_false(an->match("var/lib/rpm/rpmdb.sqlite-shm", 0100644, 1));
	assert_false(an->match("x/var/lib/rpm/Packages", 0100644, 1));
}

/* ---- synthetic headers ---- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct tag {
	uint32_t tag, type;
	const char *s; /* strings: NUL-separated, count entries */
	uint32_t count, u32;
};

/* Build a header blob; returns its length. */
static size_t build_header(uint8_t *out, const struct tag *t, size_t n)
{
	uint8_t data[4096];
	uint32_t dl = 0;
	put32(out, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = out + 8 + i * 16;
		put32(e, t[i].tag);
		put32(e + 4, t[i].type);
		put32(e + 8, dl);
		put32(e + 12, t[i].count ? t[i].count : 1);
		if (t[i].type == MMR_RPM_INT32) {
			put32(data + dl, t[i].u32);
			dl += 4;
		} else {
			const char *s = t[i].s;
			for (uint32_t k = 0; k < (t[i].count ? t[i].count : 1); k++) {
				size_t l = strlen(s) + 1;
				memcpy(data + dl, s, l);
				dl += (uint32_t)l;
				s += l;
			}
		}
	}
	put32(out + 4, dl);
	memcpy(out + 8 + n * 16, data, dl);
	return 8 + n * 16 + dl;
}

static void test_header(void **state)
{
	uint8_t blob[8192];
	const struct tag t[] = {
		{ MMR_RPMTAG_NAME, MMR_RPM_STRING, "bash" },
		{ MMR_RPMTAG_VERSION, MMR_RPM_STRING, "5.1" },
		{ MMR_RPMTAG_EPOCH, MMR_RPM_INT32, NULL, 1, 3 },
		{ MMR_RPMTAG_PROVIDENAME, MMR_RPM_STRING_ARRAY, "bash\0/bin/sh\0config(bash)", 3 },
	};
	size_t len = build_header(blob, t, 4);
	struct mmr_rpm_header h;
	struct mmr_str s;
	uint32_t u;
	assert_int_equal(mmr_rpm_header_parse(blob, len, &h), 0);
	assert_true(mmr_rpm_header_string(&h, MMR_RPMTAG_NAME, &s));
	assert_true(mmr_str_eqc(s, "bash"));
	assert_true(mmr_rpm_header_u32(&h, MMR_RPMTAG_EPOCH, &u));
	assert_int_equal(u, 3);
	assert_false(mmr_rpm_header_u32(&h, MMR_RPMTAG_NAME, &u)); /* wrong type */
	assert_false(mmr_rpm_header_string(&h, MMR_RPMTAG_RELEASE, &s)); /* absent */
	struct mmr_rpm_strings it;
	assert_true(mmr_rpm_header_strings(&h, MMR_RPMTAG_PROVIDENAME, &it));
	int n = 0;
	while (mmr_rpm_header_strings_next(&it, &s))
		n++;
	assert_int_equal(n, 3);

	/* truncated blob: dl past the end */
	assert_int_equal(mmr_rpm_header_parse(blob, len - 1, &h), -EBADMSG);
	/* il absurd */
	uint8_t bad[16] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
	assert_int_equal(mmr_rpm_header_parse(bad, sizeof(bad), &h), -EBADMSG);
	assert_int_equal(mmr_rpm_header_parse(bad, 3, &h), -EBADMSG);

	/* offsets pointing outside the data store */
	assert_int_equal(mmr_rpm_header_parse(blob, len, &h), 0);
	put32(blob + 8 + 0 * 16 + 8, 0x7fffffff);     /* NAME offset */
	put32(blob + 8 + 2 * 16 + 8, h.dl - 2);       /* EPOCH: 4 bytes from dl-2 */
	put32(blob + 8 + 3 * 16 + 12, 0xffffffff);    /* PROVIDENAME count */
	assert_false(mmr_rpm_header_string(&h, MMR_RPMTAG_NAME, &s));
	assert_false(mmr_rpm_header_u32(&h, MMR_RPMTAG_EPOCH, &u));
	assert_true(mmr_rpm_header_strings(&h, MMR_RPMTAG_PROVIDENAME, &it));
	n = 0;
	while (mmr_rpm_header_strings_next(&it, &s))
		n++;
	assert_true(n <= 3);
	/* an unterminated string at the end of the store */
	blob[len - 1] = 'x';
	assert_true(mmr_rpm_header_strings(&h, MMR_RPMTAG_PROVIDENAME, &it));
	n = 0;
	while (mmr_rpm_header_strings_next(&it, &s))
		n++;
	assert_int_equal(n, 2);
}

/* A small NDB file holding the given blobs. */
static size_t build_ndb(uint8_t *out, size_t cap, const uint8_t *const *blobs,
			const size_t *lens, size_t n)
{
	memset(out, 0, cap);
	memcpy(out, "RpmP", 4);
	out[12] = 1; /* one slot page */
	size_t blk = 4096;
	for (size_t i = 0; i < 4096 / 16 - 2; i++) {
		uint8_t *sl = out + 32 + i * 16;
		memcpy(sl, "Slot", 4);
		if (i >= n)
			continue;
		sl[4] = (uint8_t)(i + 1);
		uint32_t off = (uint32_t)(blk / 16);
		memcpy(sl + 8, &off, 4); /* little-endian host */
		uint8_t *b = out + blk;
		memcpy(b, "BlbS", 4);
		b[4] = (uint8_t)(i + 1);
		uint32_t l = (uint32_t)lens[i];
		memcpy(b + 12, &l, 4);
		memcpy(b + 16, blobs[i], lens[i]);
		blk += (16 + lens[i] + 12 + 15) / 16 * 16;
	}
	assert_true(blk <= cap);
	return blk;
}

static void test_ndb_synthetic(void **state)
{
	uint8_t h1[1024], h2[1024], h3[1024];
	const struct tag a1[] = {
		{ MMR_RPMTAG_NAME, MMR_RPM_STRING, "app" },
		{ MMR_RPMTAG_VERSION, MMR_RPM_STRING, "1.0" },
		{ MMR_RPMTAG_RELEASE, MMR_RPM_STRING, "2" },
		{ MMR_RPMTAG_EPOCH, MMR_RPM_INT32, NULL, 1, 1 },
		{ MMR_RPMTAG_VENDOR, MMR_RPM_STRING, "Docker" },
		{ MMR_RPMTAG_SOURCERPM, MMR_RPM_STRING, "app-src-1.0-2.src.rpm" },
		{ MMR_RPMTAG_REQUIRENAME, MMR_RPM_STRING_ARRAY, "libfoo.so.1()(64bit)\0rpmlib(X)", 2 },
	};
	const struct tag a2[] = {
		{ MMR_RPMTAG_NAME, MMR_RPM_STRING, "libfoo" },
		{ MMR_RPMTAG_VERSION, MMR_RPM_STRING, "3" },
		{ MMR_RPMTAG_PROVIDENAME, MMR_RPM_STRING_ARRAY, "libfoo.so.1()(64bit)", 1 },
	};
	const struct tag a3[] = {
		{ MMR_RPMTAG_NAME, MMR_RPM_STRING, "gpg-pubkey" },
		{ MMR_RPMTAG_VERSION, MMR_RPM_STRING, "abcd" },
	};
	const uint8_t *blobs[] = { h1, h2, h3, (const uint8_t *)"\0\0\0\1\0\0\0\x10garbage!" };
	size_t lens[] = { build_header(h1, a1, 7), build_header(h2, a2, 3), build_header(h3, a3, 2),
			  16 };
	uint8_t *db = calloc(1, 64 * 1024);
	size_t len = build_ndb(db, 64 * 1024, blobs, lens, 4);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages.db", db, len,
					      NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "app@1.0\nlibfoo@3\n");
	assert_int_equal(ctx.warnings.n, 1); /* the garbage header */
	struct mmr_package *p = mmr_test_find(&ctx, "app", NULL);
	assert_string_equal(p->id, "app@1:1.0-2");
	assert_int_equal(p->src_epoch, 1);
	assert_string_equal(p->src_name, "app-src");
	assert_string_equal(p->repository, "third-party");
	assert_int_equal(p->depends_on.n, 1);
	assert_string_equal(p->depends_on.v[0], "libfoo@3");

	/* a slot pointing past the end of the file */
	uint32_t off = 0x0fffffff;
	memcpy(db + 32 + 8, &off, 4);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages.db", db, len,
					      &e),
			 -EBADMSG);
	assert_string_equal(e.file, "var/lib/rpm/Packages.db");
	assert_string_equal(mmr_test_pkglist(a, &ctx), "libfoo@3\n");
	/* a blob length past the end */
	off = 4096 / 16;
	memcpy(db + 32 + 8, &off, 4);
	uint32_t big = 0x7fffffff;
	memcpy(db + 4096 + 12, &big, 4);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages.db", db, len,
					      NULL),
			 -EBADMSG);
	assert_int_equal(mmr_test_pkgcount(&ctx), 1);
	/* slot pages claimed past EOF: partial read of what is there */
	db[12] = 200;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages.db", db, len,
					      NULL),
			 -EBADMSG);
	db[12] = 0;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages.db", db, len,
					      NULL),
			 -EBADMSG);
	/* truncated to the header */
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages.db", db, 40,
					      NULL),
			 -EBADMSG);
	mmr_arena_free(a);
	free(db);
}

static void test_bdb_damaged(void **state)
{
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("image/rpm/syft-bdb-Packages"), &len);
	uint8_t *c = malloc(len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	assert_int_equal(len, 16384);

	/* last page number far past EOF: pages that exist are still read */
	memcpy(c, d, len);
	c[32] = 0xe8;
	c[33] = 0x03;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", c, len, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "past the end"));
	assert_int_equal(mmr_test_pkgcount(&ctx), 1);

	/* the value's overflow page number past EOF */
	memcpy(c, d, len);
	c[2 * 4096 + 4079 + 4] = 0xe7;
	c[2 * 4096 + 4079 + 5] = 0x03;
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", c, len, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "overflow page 999"));
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);

	/* an overflow chain that loops on itself */
	memcpy(c, d, len);
	c[2 * 4096 + 4079 + 9] = 0x30; /* total length 0x302c: more than the chain holds */
	c[3 * 4096 + 16] = 3;          /* next page: itself */
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", c, len, NULL),
			 -EBADMSG);

	/* an item offset outside the page, a bad page size, a truncated file */
	memcpy(c, d, len);
	c[2 * 4096 + 28] = 0xff;
	c[2 * 4096 + 29] = 0xff;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", c, len, NULL),
			 -EBADMSG);
	memcpy(c, d, len);
	c[21] = 0x11;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", c, len, NULL),
			 -EBADMSG);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", d, 9000, NULL),
			 -EBADMSG);
	/* garbage */
	memset(c, 0x41, len);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", c, len, NULL),
			 -EBADMSG);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/Packages", c, 0, NULL), 0);
	mmr_arena_free(a);
	free(c);
	free(d);
}

static void test_sqlite_damaged(void **state)
{
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("image/rpm/gorpmdb-cbl-mariner-2.0-rpmdb.sqlite"),
				   &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	/* truncated: an error (or a partial list), never a crash */
	int r = mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/rpmdb.sqlite", d, 64 * 1024, &e);
	assert_true(r == -EBADMSG || r == 0);
	assert_true(mmr_test_pkgcount(&ctx) < 129);

	/* garbage after a valid magic */
	uint8_t *g = malloc(8192);
	memcpy(g, "SQLite format 3", 16);
	for (size_t i = 16; i < 8192; i++)
		g[i] = (uint8_t)(i * 131 + 7);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/rpmdb.sqlite", g, 8192,
					      &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "sqlite"));
	assert_int_equal(mmr_test_pkgcount(&ctx), 0);

	/* not sqlite, not anything */
	memset(g, 0, 8192);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "rpm", "var/lib/rpm/rpmdb.sqlite", g, 8192,
					      NULL),
			 -EBADMSG);
	free(g);
	free(d);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdb_syft),
		cmocka_unit_test(test_bdb_libuuid),
		cmocka_unit_test(test_ndb_sle15),
		cmocka_unit_test(test_sqlite_mariner),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_ndb_synthetic),
		cmocka_unit_test(test_bdb_damaged),
		cmocka_unit_test(test_sqlite_damaged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
