/* test-sbom-rust.c - Cargo.lock and cargo-auditable binaries. */
#include "test-util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void test_cargo_normal(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "cargo", "Cargo.lock", "image/rust/cargo_normal.lock",
					  NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 8);
	static const char *const want[] = { "normal@0.1.0", "libc@0.2.54", "typemap@0.3.3",
					    "url@1.7.2", "percent-encoding@1.0.1", NULL };
	mmr_test_expect_has(&ctx, want);
	struct mmr_package *p = mmr_test_find(&ctx, "libc", NULL);
	assert_int_equal(p->eco, MMR_ECO_CARGO);
	mmr_arena_free(a);
}

static void test_cargo_v3(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "cargo", "Cargo.lock", "image/rust/cargo_v3.lock",
					  NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 9);
	static const char *const want[] = { "aho-corasick@0.7.20", "app@0.1.0", "memchr@1.0.2",
					    "memchr@2.5.0", "ucd-util@0.1.10", NULL };
	mmr_test_expect_has(&ctx, want);
	/* "memchr 2.5.0" style references resolve to that version */
	struct mmr_package *ac = mmr_test_find(&ctx, "aho-corasick", NULL);
	assert_int_equal(ac->depends_on.n, 1);
	assert_string_equal(ac->depends_on.v[0], "memchr@2.5.0");
	mmr_arena_free(a);
}

static void test_cargo_inline(void **state)
{
	const char txt[] = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
			   "dependencies = [\n \"b\",\n \"c 2.0.0 (registry+https://x)\",\n]\n\n"
			   "[[package]]\nname = \"b\"\nversion = \"0.1.0\"\n"
			   "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n"
			   "[[package]]\nname = \"c\"\nversion = \"2.0.0\"\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "cargo", "Cargo.lock", txt, strlen(txt), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "a@1.0.0\nb@0.1.0\nc@2.0.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "a", NULL);
	assert_int_equal(p->depends_on.n, 2);
	assert_string_equal(p->depends_on.v[0], "b@0.1.0");
	assert_string_equal(p->depends_on.v[1], "c@2.0.0");
	const char bad[] = "[[package]]\nname = \"a\"\n[package]\n";
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "cargo", "x/Cargo.lock", bad, strlen(bad), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "x/Cargo.lock");
	assert_int_equal(e.line, 3);
	mmr_arena_free(a);
}

static int rustbin(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const void *d, size_t len,
		   struct mmr_error *e)
{
	static struct mmr_limits lim;
	mmr_limits_default(&lim);
	mmr_sbom_ctx_init(ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = "usr/bin/app", .data = d, .len = len, .mode = 0100755 };
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("rust-binary");
	assert_true(an->match(f.path, f.mode, f.len));
	return an->parse(ctx, &f, e);
}

static void test_auditable(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("image/rust/cargo-auditable-test.elf"), &len);
	assert_int_equal(rustbin(a, &ctx, d, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "crate_with_features@0.1.0\nlibrary_crate@0.1.0\n");
	struct mmr_package *root = mmr_test_find(&ctx, "crate_with_features", NULL);
	assert_int_equal(root->relation, MMR_DEP_ROOT);
	assert_int_equal(root->depends_on.n, 1);
	assert_string_equal(root->depends_on.v[0], "library_crate@0.1.0");
	/* the same file is no Go binary */
	const struct mmr_sbom_analyzer *go = mmr_sbom_analyzer_find("gobinary");
	struct mmr_sbom_file f = { .path = "usr/bin/app", .data = d, .len = len, .mode = 0100755 };
	mmr_sbom_ctx_init(&ctx, a, ctx.limits, MMR_SBOM_INSTALLED, NULL);
	assert_int_equal(go->parse(&ctx, &f, NULL), 0);
	assert_int_equal(ctx.groups.n, 0);
	free(d);
	mmr_arena_free(a);
}

/* ELF64 LE with one section named ".dep-v0" holding sec. */
static uint8_t *elf_with(const uint8_t *sec, size_t seclen, size_t *ret_len)
{
	size_t shoff = 128 + seclen + (8 - seclen % 8) % 8, len = shoff + 3 * 64;
	uint8_t *o = calloc(1, len);
	memcpy(o, "\x7f" "ELF\x02\x01\x01", 7);
	o[16] = 2;
	for (int i = 0; i < 8; i++)
		o[40 + i] = (uint8_t)(shoff >> (8 * i));
	o[58] = 64;
	o[60] = 3;
	o[62] = 2;
	memcpy(o + 64, "\0.dep-v0\0.shstrtab", 18);
	memcpy(o + 128, sec, seclen);
	uint8_t *s1 = o + shoff + 64, *s2 = o + shoff + 128;
	s1[0] = 1;
	s1[4] = 1;
	s1[24] = 128;
	for (int i = 0; i < 8; i++)
		s1[32 + i] = (uint8_t)(seclen >> (8 * i));
	s2[0] = 9;
	s2[4] = 3;
	s2[24] = 64;
	s2[32] = 18;
	*ret_len = len;
	return o;
}

static void test_auditable_kinds_and_bomb(void **state)
{
	const char js[] = "{\"packages\":[{\"name\":\"bin\",\"version\":\"0.1.0\",\"source\":\"local\","
			  "\"dependencies\":[1,2,99,-1],\"root\":true},"
			  "{\"name\":\"serde\",\"version\":\"1.0.0\",\"source\":\"crates.io\"},"
			  "{\"name\":\"cc\",\"version\":\"1.0.83\",\"source\":\"crates.io\",\"kind\":\"build\"}]}";
	uint8_t z[1024];
	uLongf zl = sizeof(z);
	assert_int_equal(compress(z, &zl, (const Bytef *)js, strlen(js)), Z_OK);
	size_t len;
	uint8_t *img = elf_with(z, zl, &len);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(rustbin(a, &ctx, img, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "bin@0.1.0\nserde@1.0.0\n");
	free(img);

	/* 64 MiB of zeros compress to ~64 KiB: must stop at the cap */
	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	uLongf bl = compressBound(big);
	uint8_t *bz = malloc(bl);
	assert_int_equal(compress2(bz, &bl, zeros, big, 9), Z_OK);
	free(zeros);
	img = elf_with(bz, bl, &len);
	free(bz);
	struct mmr_error e = { 0 };
	assert_int_equal(rustbin(a, &ctx, img, len, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "16 MiB"));
	free(img);

	/* not zlib at all */
	img = elf_with((const uint8_t *)"garbage!", 8, &len);
	assert_int_equal(rustbin(a, &ctx, img, len, &e), -EBADMSG);
	free(img);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cargo_normal),
		cmocka_unit_test(test_cargo_v3),
		cmocka_unit_test(test_cargo_inline),
		cmocka_unit_test(test_auditable),
		cmocka_unit_test(test_auditable_kinds_and_bomb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
