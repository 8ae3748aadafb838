/* image-cache.h - the layer cache: one layer's analysis, keyed by diff ID.
 *
 * Layout: <cache_dir>/layers/<key>/<diffid-hex>.json where <key> is the
 * first 16 hex digits of mmr_image_cache_key(): the analyzer set alone
 * (mmr_sbom_analyzers_key()) for a package-only scan, a digest of it and of
 * every content scanner's name and key when scanners are active (a new
 * analyzer version or another scanner configuration gives a fresh
 * directory). A file holds the whole struct mmr_sbom_ctx: groups with every
 * package field, os, whiteouts, opaque dirs, touched files, warnings and the
 * content scanners' findings (JSON, "schema": 2). Files are written
 * atomically (temporary file, then rename), mode 0600. A file that does not
 * parse is ignored (-EBADMSG) and rewritten by the next scan. A layer with
 * an unredacted secret in a finding (--show-secrets) is never written. */
#ifndef MMR_IMAGE_CACHE_H
#define MMR_IMAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core-arena.h"
#include "core/core-limits.h"
#include "sbom/sbom.h"

#define MMR_IMAGE_CACHE_SCHEMA 2
#define MMR_IMAGE_CACHE_MAX ((size_t)256 << 20)
/* Findings one cached layer may hold (more: the file is corrupt, -E2BIG). */
#define MMR_IMAGE_CACHE_MAX_FINDINGS ((size_t)1 << 20)
/* Content scanners taking part in one key. */
#define MMR_IMAGE_CACHE_MAX_SCANNERS 32
#define MMR_IMAGE_CACHE_KEY_LEN 64

/* The cache key (64 hex digits + NUL into buf, len >= 65) for a scan with
 * these content scanners (NULL-terminated, or NULL): without scanners
 * mmr_sbom_analyzers_key(); with them the sha256 over that key and one
 * "<name>\0<key>\0" per scanner, sorted by name then key. -EINVAL for a
 * scanner without a name or key, -E2BIG for too many. */
int mmr_image_cache_key(const struct mmr_file_scanner *const *scanners, char *buf, size_t len);

/* Path of the cache file for diff_id ("sha256:<hex>") in a scan without
 * content scanners; -EINVAL for a bad ID. */
int mmr_image_cache_path(const char *cache_dir, const char *diff_id, char *buf, size_t len);
/* The same for a scan with these content scanners. */
int mmr_image_cache_path_scanners(const char *cache_dir,
				  const struct mmr_file_scanner *const *scanners,
				  const char *diff_id, char *buf, size_t len);
/* Load the entry for diff_id made with the same analyzers and scanners: 0
 * and *ret (allocated on a; ret->scanners = scanners), -ENOENT when absent,
 * -EBADMSG when corrupt or made for another key. */
int mmr_image_cache_load(struct mmr_arena *a, const struct mmr_limits *l, const char *cache_dir,
			 const struct mmr_file_scanner *const *scanners, const char *diff_id,
			 struct mmr_sbom_ctx **ret);
/* Store ctx under ctx->layer and the key of ctx->scanners. -EPERM (nothing
 * written) when mmr_image_cache_storable() says no. */
int mmr_image_cache_store(const char *cache_dir, const struct mmr_sbom_ctx *ctx);
/* False when a finding holds a secret in clear (the secret scanner with
 * show_secrets): its evidence is neither "(file name)" nor at most 4
 * characters followed by "…". Such a layer stays out of the cache so that
 * secrets never land on disk. */
bool mmr_image_cache_storable(const struct mmr_sbom_ctx *ctx);

/* The serialisation itself (malloc'ed JSON text / parse into a ctx on a).
 * dump writes the key of ctx->scanners; parse accepts only the key of a
 * scan without scanners, parse_scanners that of `scanners`. */
char *mmr_image_cache_dump(const struct mmr_sbom_ctx *ctx);
int mmr_image_cache_parse(struct mmr_arena *a, const struct mmr_limits *l, const char *diff_id,
			  const void *data, size_t len, struct mmr_sbom_ctx **ret);
int mmr_image_cache_parse_scanners(struct mmr_arena *a, const struct mmr_limits *l,
				   const struct mmr_file_scanner *const *scanners,
				   const char *diff_id, const void *data, size_t len,
				   struct mmr_sbom_ctx **ret);

#endif
