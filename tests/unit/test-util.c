/* test-util.c - shared helpers for the unit tests (see test-util.h). */
#include "test-util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mmr_test_corpus(const char *rel)
{
	static char buf[4096];
	const char *env = getenv("MMR_CORPORA");
	if (env && *env)
		snprintf(buf, sizeof(buf), "%s/%s", env, rel);
	else
		snprintf(buf, sizeof(buf), "%s/../shared/corpora/%s", MMR_SOURCE_ROOT, rel);
	return buf;
}

uint8_t *mmr_test_read(const char *path, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		print_error("cannot open %s\n", path);
		fail();
	}
	uint8_t *d = malloc((size_t)st.st_size + 1);
	assert_non_null(d);
	size_t off = 0;
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, d + off, (size_t)st.st_size - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	d[off] = 0;
	close(fd);
	*ret_len = off;
	return d;
}

int mmr_test_analyze_mem(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const char *name,
			 const char *vpath, const void *data, size_t len, struct mmr_error *reterr)
{
	static struct mmr_limits lim;
	mmr_limits_default(&lim);
	const struct mmr_sbom_analyzer *an = mmr_sbom_analyzer_find(name);
	if (!an)
		print_error("no analyzer named %s\n", name);
	assert_non_null(an);
	mmr_sbom_ctx_init(ctx, a, &lim, MMR_SBOM_SOURCE | MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = vpath, .data = data, .len = len, .mode = 0100644 };
	return an->parse(ctx, &f, reterr);
}

int mmr_test_analyze(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const char *name,
		     const char *vpath, const char *rel, struct mmr_error *reterr)
{
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus(rel), &len);
	/* the data must outlive the parse only: analyzers copy what they keep */
	int r = mmr_test_analyze_mem(a, ctx, name, vpath, d, len, reterr);
	free(d);
	return r;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t mmr_test_pkgcount(const struct mmr_sbom_ctx *ctx)
{
	size_t n = 0;
	for (size_t g = 0; g < ctx->groups.n; g++)
		n += ((struct mmr_sbom_group *)ctx->groups.v[g])->packages.n;
	return n;
}

char *mmr_test_pkglist(struct mmr_arena *a, const struct mmr_sbom_ctx *ctx)
{
	size_t n = mmr_test_pkgcount(ctx), k = 0, total = 1;
	char **ids = mmr_arena_calloc(a, n + 1, sizeof(char *));
	for (size_t g = 0; g < ctx->groups.n; g++) {
		struct mmr_sbom_group *gr = ctx->groups.v[g];
		for (size_t i = 0; i < gr->packages.n; i++) {
			struct mmr_package *p = gr->packages.v[i];
			ids[k] = mmr_arena_printf(a, "%s@%s", p->name, p->version);
			total += strlen(ids[k++]) + 1;
		}
	}
	qsort(ids, n, sizeof(char *), cmp);
	char *out = mmr_arena_alloc(a, total);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(ids[i]);
		memcpy(out + o, ids[i], l);
		o += l;
		out[o++] = '\n';
	}
	return out;
}

struct mmr_package *mmr_test_find(const struct mmr_sbom_ctx *ctx, const char *name,
				  const char *version)
{
	for (size_t g = 0; g < ctx->groups.n; g++) {
		struct mmr_sbom_group *gr = ctx->groups.v[g];
		for (size_t i = 0; i < gr->packages.n; i++) {
			struct mmr_package *p = gr->packages.v[i];
			if (strcmp(p->name, name) == 0 && (!version || strcmp(p->version, version) == 0))
				return p;
		}
	}
	return NULL;
}

void mmr_test_expect_has(const struct mmr_sbom_ctx *ctx, const char *const *ids)
{
	for (; *ids; ids++) {
		char name[512];
		const char *at = strrchr(*ids, '@');
		if (at == *ids)
			at = NULL;
		snprintf(name, sizeof(name), "%.*s", at ? (int)(at - *ids) : (int)strlen(*ids), *ids);
		if (!mmr_test_find(ctx, name, at ? at + 1 : NULL)) {
			print_error("expected package %s not found\n", *ids);
			fail();
		}
	}
}
