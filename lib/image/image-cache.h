/* image-cache.h - the layer cache: one layer's analysis, keyed by diff ID.
 *
 * Layout: <cache_dir>/layers/<key>/<diffid-hex>.json where <key> is the
 * first 16 hex digits of mmr_sbom_analyzers_key() (a new analyzer version
 * gives a fresh directory). A file holds the whole struct mmr_sbom_ctx:
 * groups with every package field, os, whiteouts, opaque dirs, touched
 * files and warnings (JSON, "schema": 1). Files are written atomically
 * (temporary file, then rename), mode 0600. A file that does not parse is
 * ignored (-EBADMSG) and rewritten by the next scan. */
#ifndef MMR_IMAGE_CACHE_H
#define MMR_IMAGE_CACHE_H

#include <stddef.h>

#include "core/core-arena.h"
#include "core/core-limits.h"
#include "sbom/sbom.h"

#define MMR_IMAGE_CACHE_SCHEMA 1
#define MMR_IMAGE_CACHE_MAX ((size_t)256 << 20)

/* Path of the cache file for diff_id ("sha256:<hex>"); -EINVAL for a bad ID. */
int mmr_image_cache_path(const char *cache_dir, const char *diff_id, char *buf, size_t len);
/* Load: 0 and *ret (allocated on a), -ENOENT when absent, -EBADMSG when corrupt. */
int mmr_image_cache_load(struct mmr_arena *a, const struct mmr_limits *l, const char *cache_dir,
			 const char *diff_id, struct mmr_sbom_ctx **ret);
int mmr_image_cache_store(const char *cache_dir, const struct mmr_sbom_ctx *ctx);

/* The serialisation itself (malloc'ed JSON text / parse into a ctx on a). */
char *mmr_image_cache_dump(const struct mmr_sbom_ctx *ctx);
int mmr_image_cache_parse(struct mmr_arena *a, const struct mmr_limits *l, const char *diff_id,
			  const void *data, size_t len, struct mmr_sbom_ctx **ret);

#endif
