/* test-sbom-go.c - go.mod, go.sum and Go binary build information. */
#include "test-util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_gomod_normal(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "gomod", "go.mod", "image/go/normal/go.mod", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "github.com/aquasecurity/go-version@v0.0.0-20240603093900-cf8a8d29271d\n"
			    "github.com/davecgh/go-spew@v1.1.2-0.20180830191138-d8f796af33cc\n"
			    "github.com/org/repo@\n"
			    "github.com/pmezard/go-difflib@v1.0.1-0.20181226105442-5d4384ee4fb2\n"
			    "github.com/stretchr/testify@v1.9.0\n"
			    "golang.org/x/xerrors@v0.0.0-20231012003039-104605ab7028\n"
			    "stdlib@v1.22.5\n");
	struct mmr_package *root = mmr_test_find(&ctx, "github.com/org/repo", "");
	assert_int_equal(root->relation, MMR_DEP_ROOT);
	/* root -> stdlib and the one direct requirement */
	assert_int_equal(root->depends_on.n, 2);
	struct mmr_package *p = mmr_test_find(&ctx, "github.com/stretchr/testify", NULL);
	assert_true(p->indirect);
	assert_int_equal(p->relation, MMR_DEP_INDIRECT);
	assert_int_equal(p->line_start, 12);
	p = mmr_test_find(&ctx, "github.com/aquasecurity/go-version", NULL);
	assert_int_equal(p->relation, MMR_DEP_DIRECT);
	assert_int_equal(p->eco, MMR_ECO_GO);
	mmr_arena_free(a);
}

static void test_gomod_replace(void **state)
{
	const char txt[] = "module example.com/m // comment\n\ngo 1.16\n\n"
			   "require (\n\tgolang.org/x/a v1.0.0\n\tgolang.org/x/b v1.1.0\n"
			   "\tgolang.org/x/c v1.2.0 // indirect\n\t\"golang.org/x/d\" v0.1.0\n)\n"
			   "require golang.org/x/e v2.0.0+incompatible\n"
			   "replace golang.org/x/a => golang.org/x/a2 v1.0.5\n"
			   "replace (\n\tgolang.org/x/b v1.1.0 => ../b\n"
			   "\tgolang.org/x/c v9.9.9 => golang.org/x/c v1.3.0\n)\n"
			   "exclude golang.org/x/e v1.0.0\nretract [v1.0.0, v1.0.1]\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gomod", "go.mod", txt, strlen(txt), NULL), 0);
	/* go 1.16: no stdlib from the go line; b replaced by a directory is
	 * dropped; c's replace names another version and does not apply */
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "example.com/m@\ngolang.org/x/a2@v1.0.5\ngolang.org/x/c@v1.2.0\n"
			    "golang.org/x/d@v0.1.0\ngolang.org/x/e@v2.0.0+incompatible\n");
	mmr_arena_free(a);
}

static void test_gomod_go121(void **state)
{
	const char txt[] = "module m\ngo 1.21.3\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gomod", "go.mod", txt, strlen(txt), NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "m@\nstdlib@v1.21.3\n");
	mmr_arena_free(a);
}

static void test_gomod_bad(void **state)
{
	const char txt[] = "module m\n\nrequire (\n\tgolang.org/x/a\n)\n";
	const char open[] = "module m\nrequire (\n\tgolang.org/x/a v1.0.0\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gomod", "sub/go.mod", txt, strlen(txt), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "sub/go.mod");
	assert_int_equal(e.line, 4);
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "gomod", "go.mod", open, strlen(open), &e),
			 -EBADMSG);
	mmr_arena_free(a);
}

static void test_gosum_trivy(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "gosum", "go.sum", "image/go/gomod_trivy.sum",
					  NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 336);
	static const char *const want[] = { "cloud.google.com/go@v0.65.0",
					    "github.com/jtolds/gls@v4.20.0+incompatible",
					    "sigs.k8s.io/yaml@v1.1.0", NULL };
	mmr_test_expect_has(&ctx, want);
	assert_null(mmr_test_find(&ctx, "cloud.google.com/go", "v0.26.0"));
	mmr_arena_free(a);
}

static void test_gosum_many(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "gosum", "go.sum", "image/go/gomod_many.sum", NULL),
			 0);
	assert_int_equal(mmr_test_pkgcount(&ctx), 13);
	static const char *const want[] = { "github.com/BurntSushi/toml@v0.3.1",
					    "github.com/stretchr/objx@v0.1.0", "gopkg.in/yaml.v2@v2.2.2",
					    NULL };
	mmr_test_expect_has(&ctx, want);
	mmr_arena_free(a);
}

/* go.mod and go.sum of one directory in one scan: go.mod's result only,
 * whichever order they come in. */
static void test_gosum_beside_gomod(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_limits lim;
	struct mmr_sbom_ctx ctx;
	size_t ml, sl;
	uint8_t *mod = mmr_test_read(mmr_test_corpus("image/go/normal/go.mod"), &ml);
	uint8_t *sum = mmr_test_read(mmr_test_corpus("image/go/normal/go.sum"), &sl);
	mmr_limits_default(&lim);
	for (int order = 0; order < 2; order++) {
		mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE, NULL);
		struct mmr_sbom_file fm = { .path = "app/go.mod", .data = mod, .len = ml, .mode = 0100644 };
		struct mmr_sbom_file fs = { .path = "app/go.sum", .data = sum, .len = sl, .mode = 0100644 };
		struct mmr_sbom_file other = { .path = "lib/go.sum", .data = sum, .len = sl, .mode = 0100644 };
		mmr_sbom_analyze(&ctx, order ? &fs : &fm);
		mmr_sbom_analyze(&ctx, order ? &fm : &fs);
		mmr_sbom_analyze(&ctx, &other);
		assert_int_equal(ctx.groups.n, 2);
		assert_string_equal(((struct mmr_sbom_group *)ctx.groups.v[0])->path, "app/go.mod");
		assert_string_equal(((struct mmr_sbom_group *)ctx.groups.v[1])->path, "lib/go.sum");
		assert_int_equal(ctx.warnings.n, 0);
	}
	free(mod);
	free(sum);
	mmr_arena_free(a);
}

static int gobin(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const void *d, size_t len,
		 struct mmr_error *e)
{
	static struct mmr_limits lim;
	mmr_limits_default(&lim);
	mmr_sbom_ctx_init(ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = "usr/bin/app", .data = d, .len = len, .mode = 0100755 };
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("gobinary");
	assert_true(an->match(f.path, f.mode, f.len));
	return an->parse(ctx, &f, e);
}

static void test_gobinary(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("image/go/gobinary-test.elf"), &len);
	assert_int_equal(gobin(a, &ctx, d, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46\n"
			    "github.com/aquasecurity/go-version@v0.0.0-20210121072130-637058cfe492\n"
			    "github.com/aquasecurity/test@\n"
			    "golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1\n"
			    "stdlib@v1.15.2\n");
	struct mmr_package *root = mmr_test_find(&ctx, "github.com/aquasecurity/test", NULL);
	assert_int_equal(root->relation, MMR_DEP_ROOT);
	assert_int_equal(root->depends_on.n, 4);
	free(d);
	mmr_arena_free(a);
}

/* Build a minimal ELF64 LE with one section ".go.buildinfo" holding the
 * given bytes (Go >= 1.18 inline format). */
static size_t mini_elf(uint8_t *out, const char *secname, const uint8_t *sec, size_t seclen)
{
	memset(out, 0, 4096);
	memcpy(out, "\x7f" "ELF\x02\x01\x01", 7);
	out[16] = 2;  /* ET_EXEC */
	out[18] = 62; /* x86-64 */
	size_t shstr = 64, data = 128, shoff = 512;
	size_t nl = strlen(secname);
	memcpy(out + shstr + 1, secname, nl);
	memcpy(out + shstr + 2 + nl, ".shstrtab", 9);
	memcpy(out + data, sec, seclen);
	/* e_shoff, e_shentsize, e_shnum, e_shstrndx */
	out[40] = (uint8_t)shoff;
	out[41] = (uint8_t)(shoff >> 8);
	out[58] = 64;
	out[60] = 3;
	out[62] = 2;
	uint8_t *s1 = out + shoff + 64, *s2 = out + shoff + 128;
	s1[0] = 1;  /* name */
	s1[4] = 1;  /* PROGBITS */
	s1[8] = 3;  /* WRITE|ALLOC */
	s1[16] = 0; /* addr 0x10000 */
	s1[18] = 1;
	s1[24] = (uint8_t)data;
	s1[32] = (uint8_t)seclen;
	s1[33] = (uint8_t)(seclen >> 8);
	s2[0] = (uint8_t)(2 + nl);
	s2[4] = 3; /* STRTAB */
	s2[24] = (uint8_t)shstr;
	s2[32] = 60;
	return shoff + 3 * 64;
}

static void test_gobinary_inline(void **state)
{
	static const char mod[] = "0123456789abcdef"
				  "path\texample.com/cmd/x\n"
				  "mod\texample.com/cmd\tv1.2.3\th1:abc=\n"
				  "dep\tgolang.org/x/a\tv0.1.0\th1:x=\n"
				  "dep\tgolang.org/x/b\tv0.2.0\n=>\tgolang.org/x/b2\tv0.2.1\th1:y=\n"
				  "dep\tgolang.org/x/c\tv0.3.0\n=>\t../c\t\n"
				  "build\t-ldflags=-s\n"
				  "fedcba9876543210";
	uint8_t sec[512] = "\xff Go buildinf:";
	size_t n = 32;
	sec[14] = 8;
	sec[15] = 2;
	const char ver[] = "go1.22.5 X:boringcrypto";
	sec[n++] = (uint8_t)strlen(ver);
	memcpy(sec + n, ver, strlen(ver));
	n += strlen(ver);
	size_t ml = sizeof(mod) - 1;
	sec[n++] = (uint8_t)(0x80 | (ml & 0x7f));
	sec[n++] = (uint8_t)(ml >> 7);
	memcpy(sec + n, mod, ml);
	n += ml;
	uint8_t img[4096];
	size_t len = mini_elf(img, ".go.buildinfo", sec, n);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(gobin(a, &ctx, img, len, NULL), 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx),
			    "example.com/cmd@v1.2.3\ngolang.org/x/a@v0.1.0\ngolang.org/x/b2@v0.2.1\n"
			    "stdlib@v1.22.5\n");
	/* truncated varint string */
	sec[32] = 0xff;
	len = mini_elf(img, ".go.buildinfo", sec, 40);
	struct mmr_error e = { 0 };
	assert_int_equal(gobin(a, &ctx, img, len, &e), -EBADMSG);
	/* pointer format whose pointers go nowhere */
	memset(sec + 14, 0, 18);
	sec[14] = 8;
	sec[16] = 0xff;
	len = mini_elf(img, ".go.buildinfo", sec, 64);
	assert_int_equal(gobin(a, &ctx, img, len, &e), -EBADMSG);
	mmr_arena_free(a);
}

static void test_gobinary_not_go(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	const char sh[] = "#!/bin/sh\necho hi\n";
	assert_int_equal(gobin(a, &ctx, sh, strlen(sh), NULL), 0);
	assert_int_equal(ctx.groups.n, 0);
	uint8_t img[4096];
	size_t len = mini_elf(img, ".text", (const uint8_t *)"abc", 3);
	assert_int_equal(gobin(a, &ctx, img, len, NULL), 0);
	assert_int_equal(ctx.groups.n, 0);
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find("gobinary");
	assert_false(an->match("usr/share/doc/x", 0100644, 100));
	assert_false(an->match("usr/bin/empty", 0100755, 0));
	assert_true(an->targets == MMR_SBOM_INSTALLED);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gomod_normal),
		cmocka_unit_test(test_gomod_replace),
		cmocka_unit_test(test_gomod_go121),
		cmocka_unit_test(test_gomod_bad),
		cmocka_unit_test(test_gosum_trivy),
		cmocka_unit_test(test_gosum_many),
		cmocka_unit_test(test_gosum_beside_gomod),
		cmocka_unit_test(test_gobinary),
		cmocka_unit_test(test_gobinary_inline),
		cmocka_unit_test(test_gobinary_not_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
