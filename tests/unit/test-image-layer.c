/* test-image-layer.c - the streaming layer reader and the layer cache format. */
#include "test-image-tar.h"

#include <errno.h>
#include <string.h>

#include "core/core-hash.h"
#include "image/image-cache.h"
#include "image/image-layer.h"

static const char OSREL[] = "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n";

static struct mmr_limits lim;

static void ctx_new(struct mmr_arena *a, struct mmr_sbom_ctx *ctx)
{
	mmr_limits_default(&lim);
	mmr_sbom_ctx_init(ctx, a, &lim, MMR_SBOM_INSTALLED, "sha256:layer");
}

static bool has_warning(const struct mmr_sbom_ctx *ctx, const char *a, const char *b)
{
	for (size_t i = 0; i < ctx->warnings.n; i++) {
		const struct mmr_diag *d = ctx->warnings.v[i];
		char all[2048];
		snprintf(all, sizeof(all), "%s %s", d->where, d->message);
		if (strstr(all, a) && (!b || strstr(all, b)))
			return true;
	}
	return false;
}

static const struct mmr_sbom_group *os_group(const struct mmr_sbom_ctx *ctx)
{
	for (size_t i = 0; i < ctx->groups.n; i++) {
		const struct mmr_sbom_group *g = ctx->groups.v[i];
		if (g->os)
			return g;
	}
	return NULL;
}

static void scan(enum tfilter f, const struct tent *ents, size_t n, struct mmr_arena *a,
		 struct mmr_sbom_ctx *ctx, int want, struct mmr_layer_result *res,
		 struct mmr_error *e)
{
	size_t len;
	uint8_t *blob = tar_build(ents, n, f, &len);
	ctx_new(a, ctx);
	assert_int_equal(mmr_layer_scan_mem(ctx, "sha256:layer", blob, len, NULL, res, e), want);
	if (want == 0 && res) {
		char hex[65];
		mmr_sha256_hex(blob, len, hex);
		assert_string_equal(res->digest + 7, hex);
		assert_int_equal(res->compressed, len);
	}
	free(blob);
}

static void test_plain_and_diffid(void **state)
{
	const struct tent ents[] = {
		{ "./etc/", NULL, T_DIR, 0 },
		{ "./etc/os-release", OSREL, T_REG, 0 },
		{ "bin/sh", "/bin/busybox", T_SYMLINK, 0 },
	};
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_layer_result res, res2;
	scan(F_NONE, ents, 3, a, &ctx, 0, &res, NULL);
	const struct mmr_sbom_group *g = os_group(&ctx);
	assert_non_null(g);
	assert_string_equal(g->path, "etc/os-release"); /* "./" stripped */
	assert_string_equal(g->os->version, "3.19.1");
	assert_string_equal(res.digest, res.diff_id); /* uncompressed: the same */
	assert_int_equal(res.entries, 3);
	/* gzip: the diff ID is of the uncompressed tar, the digest of the blob */
	scan(F_GZIP, ents, 3, a, &ctx, 0, &res2, NULL);
	assert_string_equal(res2.diff_id, res.diff_id);
	assert_string_not_equal(res2.digest, res2.diff_id);
	assert_non_null(os_group(&ctx));
	mmr_arena_free(a);
}

static void test_zstd(void **state)
{
	const struct tent ents[] = { { "etc/os-release", OSREL, T_REG, 0 } };
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_layer_result res;
	scan(F_ZSTD, ents, 1, a, &ctx, 0, &res, NULL);
	assert_non_null(os_group(&ctx));
	assert_true(res.uncompressed > res.compressed);
	mmr_arena_free(a);
}

static void test_whiteouts(void **state)
{
	const struct tent ents[] = {
		{ "etc/.wh.os-release", "", T_REG, 0 },
		{ ".wh.top", "", T_REG, 0 },
		{ "usr/lib/.wh..wh..opq", "", T_REG, 0 },
		{ ".wh..wh..opq", "", T_REG, 0 },
		{ "x/.wh..wh.plnk", "", T_REG, 0 },
	};
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	scan(F_NONE, ents, 5, a, &ctx, 0, NULL, NULL);
	assert_int_equal(ctx.whiteouts.n, 2);
	assert_string_equal(ctx.whiteouts.v[0], "etc/os-release");
	assert_string_equal(ctx.whiteouts.v[1], "top");
	assert_int_equal(ctx.opaque.n, 2);
	assert_string_equal(ctx.opaque.v[0], "usr/lib");
	assert_string_equal(ctx.opaque.v[1], "");
	mmr_arena_free(a);
}

static void test_unsafe_paths(void **state)
{
	const struct tent ents[] = {
		{ "../etc/os-release", OSREL, T_REG, 0 },
		{ "/etc/os-release", OSREL, T_REG, 0 },
		{ "usr/../../etc/os-release", OSREL, T_REG, 0 },
		{ "etc/../etc/.wh.passwd", "", T_REG, 0 },
	};
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	scan(F_NONE, ents, 4, a, &ctx, 0, NULL, NULL);
	assert_int_equal(ctx.groups.n, 0);     /* nothing analysed */
	assert_int_equal(ctx.whiteouts.n, 0);  /* nothing deleted */
	assert_int_equal(ctx.warnings.n, 4);
	assert_true(has_warning(&ctx, "sha256:layer", "../etc/os-release"));
	assert_true(has_warning(&ctx, "/etc/os-release", "unsafe path"));
	assert_true(has_warning(&ctx, "usr/../../etc/os-release", NULL));
	mmr_arena_free(a);
}

static void test_path_normalise(void **state)
{
	char out[64];
	assert_int_equal(mmr_layer_path_normalise("./a//b/./c/", out, sizeof(out)), 0);
	assert_string_equal(out, "a/b/c");
	assert_int_equal(mmr_layer_path_normalise("./", out, sizeof(out)), -ENOENT);
	assert_int_equal(mmr_layer_path_normalise("/", out, sizeof(out)), -ENOENT);
	assert_int_equal(mmr_layer_path_normalise("a/..", out, sizeof(out)), -EINVAL);
	assert_int_equal(mmr_layer_path_normalise("/etc/x", out, sizeof(out)), -EINVAL);
	assert_int_equal(mmr_layer_path_normalise("a..b/..c", out, sizeof(out)), 0);
	assert_string_equal(out, "a..b/..c");
	assert_int_equal(mmr_layer_path_normalise("aaaaaaaaaa/bbbbbbbbbb", out, 8), -E2BIG);
}

static void test_hardlinks(void **state)
{
	const struct tent ents[] = {
		{ "usr/lib/os-release", OSREL, T_REG, 0 },
		{ "etc/os-release", "usr/lib/os-release", T_LINK, 0 },
	};
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	scan(F_NONE, ents, 2, a, &ctx, 0, NULL, NULL);
	assert_int_equal(ctx.groups.n, 2);
	const struct mmr_sbom_group *g = ctx.groups.v[1];
	assert_string_equal(g->path, "etc/os-release");
	assert_string_equal(g->os->name, "alpine");
	assert_int_equal(ctx.warnings.n, 0);

	const struct tent missing[] = { { "etc/os-release", "etc/nowhere", T_LINK, 0 } };
	scan(F_NONE, missing, 1, a, &ctx, 0, NULL, NULL);
	assert_int_equal(ctx.groups.n, 0);
	assert_true(has_warning(&ctx, "etc/os-release", "etc/nowhere"));
	assert_true(has_warning(&ctx, "sha256:layer", "hard link"));
	mmr_arena_free(a);
}

static void test_gzip_bomb(void **state)
{
	const struct tent ents[] = { { "big", NULL, T_ZEROS, (size_t)64 << 20 } };
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	scan(F_GZIP, ents, 1, a, &ctx, -E2BIG, NULL, &e);
	assert_non_null(strstr(e.msg, "max-ratio"));
	assert_non_null(strstr(e.msg, "sha256:layer"));
	mmr_arena_free(a);
}

static void test_layer_bytes_limit(void **state)
{
	const struct tent ents[] = { { "big", NULL, T_ZEROS, (size_t)2 << 20 } };
	size_t len;
	uint8_t *blob = tar_build(ents, 1, F_NONE, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	ctx_new(a, &ctx);
	lim.max_layer_bytes = 1 << 20;
	assert_int_equal(mmr_layer_scan_mem(&ctx, "sha256:layer", blob, len, NULL, NULL, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-layer-bytes"));
	/* the image total */
	uint64_t total = 0;
	ctx_new(a, &ctx);
	lim.max_image_bytes = (3 << 20);
	assert_int_equal(mmr_layer_scan_mem(&ctx, "l1", blob, len, &total, NULL, NULL), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_layer_scan_mem(&ctx, "l2", blob, len, &total, NULL, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-image-bytes"));
	/* entries */
	ctx_new(a, &ctx);
	lim.max_entries = 2;
	const struct tent three[] = { { "a", "1", T_REG, 0 }, { "b", "2", T_REG, 0 },
				      { "c", "3", T_REG, 0 } };
	free(blob);
	blob = tar_build(three, 3, F_NONE, &len);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_layer_scan_mem(&ctx, "l3", blob, len, NULL, NULL, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-entries"));
	free(blob);
	mmr_arena_free(a);
}

static void test_file_size_limit(void **state)
{
	const struct tent ents[] = { { "etc/os-release", OSREL, T_REG, 0 } };
	size_t len;
	uint8_t *blob = tar_build(ents, 1, F_NONE, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	ctx_new(a, &ctx);
	lim.max_file_size = 10;
	assert_int_equal(mmr_layer_scan_mem(&ctx, "l", blob, len, NULL, NULL, NULL), 0);
	assert_int_equal(ctx.groups.n, 0);
	assert_true(has_warning(&ctx, "etc/os-release", "max-file-size"));
	assert_int_equal(ctx.touched.n, 1); /* it still replaces an older copy */
	free(blob);
	mmr_arena_free(a);
}

static void test_truncated(void **state)
{
	struct tent ents[8];
	char *big = malloc(200000);
	for (size_t i = 0; i < 199999; i++)
		big[i] = (char)('a' + (i * 7919 % 26));
	big[199999] = 0;
	for (int i = 0; i < 8; i++) {
		ents[i].name = i == 7 ? "etc/os-release" : "f";
		ents[i].data = i == 7 ? OSREL : big;
		ents[i].type = T_REG;
		ents[i].zeros = 0;
	}
	size_t len;
	uint8_t *blob = tar_build(ents, 8, F_GZIP, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	ctx_new(a, &ctx);
	assert_int_equal(mmr_layer_scan_mem(&ctx, "sha256:trunc", blob, len / 2, NULL, NULL, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "sha256:trunc"));
	/* an uncompressed tar cut in the middle of an entry */
	free(blob);
	blob = tar_build(ents, 8, F_NONE, &len);
	memset(&e, 0, sizeof(e));
	ctx_new(a, &ctx);
	assert_int_equal(mmr_layer_scan_mem(&ctx, "sha256:cut", blob, len / 2, NULL, NULL, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "sha256:cut"));
	/* garbage */
	memset(&e, 0, sizeof(e));
	ctx_new(a, &ctx);
	assert_int_equal(mmr_layer_scan_mem(&ctx, "sha256:junk", "hello world, not a tar", 22, NULL,
					    NULL, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "sha256:junk"));
	/* empty blob: an empty layer */
	ctx_new(a, &ctx);
	assert_int_equal(mmr_layer_scan_mem(&ctx, "sha256:empty", "", 0, NULL, NULL, NULL), 0);
	free(blob);
	free(big);
	mmr_arena_free(a);
}

static void test_cache_roundtrip(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx, *back = NULL;
	mmr_limits_default(&lim);
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED,
			  "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("dpkg");
	assert_non_null(an);
	struct mmr_sbom_group *g = mmr_sbom_group_new(&ctx, an, "var/lib/dpkg/status");
	struct mmr_package *p = mmr_sbom_package_new(&ctx, g, MMR_ECO_DPKG, "bash", "5.2.15");
	p->epoch = 1;
	p->has_epoch = true;
	p->release = "3";
	p->arch = "amd64";
	p->src_name = "bash-src";
	p->maintainer = "M <m@x>";
	p->relation = MMR_DEP_DIRECT;
	p->dev = true;
	p->line_start = 10;
	p->line_end = 20;
	mmr_sbom_add_license(&ctx, p, "GPL-3.0");
	mmr_sbom_add_dep(&ctx, p, "libc6@2.36");
	mmr_vec_push(a, &ctx.whiteouts, (void *)"etc/x");
	mmr_vec_push(a, &ctx.opaque, (void *)"usr/lib");
	mmr_vec_push(a, &ctx.touched, (void *)"var/lib/dpkg/status");
	mmr_sbom_warn(&ctx, "etc/y", "bad %d", 1);
	char *js = mmr_image_cache_dump(&ctx);
	assert_non_null(js);
	assert_int_equal(mmr_image_cache_parse(a, &lim, ctx.layer, js, strlen(js), &back), 0);
	char *js2 = mmr_image_cache_dump(back);
	assert_string_equal(js, js2); /* every field survives */
	struct mmr_package *q = ((struct mmr_sbom_group *)back->groups.v[0])->packages.v[0];
	assert_string_equal(q->layer, ctx.layer);
	assert_int_equal(q->epoch, 1);
	assert_true(q->dev);
	assert_string_equal(q->licenses.v[0], "GPL-3.0");
	assert_int_equal(back->files_seen, 0);
	/* wrong layer, corrupt or truncated: refused */
	assert_int_equal(mmr_image_cache_parse(a, &lim, "sha256:other", js, strlen(js), &back),
			 -EBADMSG);
	assert_int_equal(mmr_image_cache_parse(a, &lim, ctx.layer, js, strlen(js) / 2, &back),
			 -EBADMSG);
	free(js);
	free(js2);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_diffid), cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_whiteouts),	 cmocka_unit_test(test_unsafe_paths),
		cmocka_unit_test(test_path_normalise),	 cmocka_unit_test(test_hardlinks),
		cmocka_unit_test(test_gzip_bomb),	 cmocka_unit_test(test_layer_bytes_limit),
		cmocka_unit_test(test_file_size_limit),	 cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_cache_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
