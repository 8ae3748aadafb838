/* test-util.h - shared helpers for the cmocka unit tests. */
#ifndef MMR_TEST_UTIL_H
#define MMR_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the above first */
#include <cmocka.h>

#include "sbom/sbom.h"

/* Absolute path of a file under ../shared/corpora (static buffer). */
const char *mmr_test_corpus(const char *rel);
/* Read a whole file (fails the test if it cannot). Caller frees. */
uint8_t *mmr_test_read(const char *path, size_t *ret_len);

/* Run analyzer `name` on corpus file `rel`, presented to it as `vpath`
 * (the path it would have inside a target). Returns the parse result;
 * the groups are in ctx (initialised here on arena a). */
int mmr_test_analyze(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const char *name,
		     const char *vpath, const char *rel, struct mmr_error *reterr);
/* Same, on bytes given by the test. */
int mmr_test_analyze_mem(struct mmr_arena *a, struct mmr_sbom_ctx *ctx, const char *name,
			 const char *vpath, const void *data, size_t len, struct mmr_error *reterr);

/* All packages of all groups in ctx, as a sorted "\n"-joined list of
 * "name@version" (version as the package stores it, no epoch). */
char *mmr_test_pkglist(struct mmr_arena *a, const struct mmr_sbom_ctx *ctx);
size_t mmr_test_pkgcount(const struct mmr_sbom_ctx *ctx);
/* Find a package by name (and version if non-NULL) in any group. */
struct mmr_package *mmr_test_find(const struct mmr_sbom_ctx *ctx, const char *name,
				  const char *version);
/* Assert that every "name@version" in the NULL-terminated list is present. */
void mmr_test_expect_has(const struct mmr_sbom_ctx *ctx, const char *const *ids);

#endif
