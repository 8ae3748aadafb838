/* image-layer.h - streaming one layer blob through the package analyzers.
 *
 * A layer blob (a tar, possibly gzip/zstd/xz/bzip2/lz4-compressed) is read
 * once, as a stream, from a callback: an outer libarchive reader with only
 * decompression filters ("raw" format) feeds an inner tar reader; the bytes
 * passing between them are hashed (the diff ID) and counted against the
 * limits max-layer-bytes, max-image-bytes, max-ratio and max-entries. The
 * compressed bytes are hashed too (the blob digest). Nothing is written to
 * disk. Every regular file some analyzer wants (mmr_sbom_wants) is read into
 * memory (at most max-file-size) and analysed into ctx; whiteouts and opaque
 * directories are recorded in ctx for mmr_sbom_merge.
 *
 * Errors: -E2BIG when a limit is hit (reterr names the layer and the limit
 * key), -EBADMSG when the blob is not a readable (compressed) tar or is
 * truncated (reterr names the layer). Problems with single entries (unsafe
 * paths, hard links to missing targets, oversized files) are warnings in
 * ctx->warnings and the layer goes on. */
#ifndef MMR_IMAGE_LAYER_H
#define MMR_IMAGE_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/core-error.h"
#include "core/core-hash.h"
#include "sbom/sbom.h"

/* Source of the blob bytes, libarchive style: set *buf and return the
 * number of bytes (0 at the end, <0 on an error). */
typedef ssize_t (*mmr_layer_read_fn)(void *ud, const void **buf);

struct mmr_layer_result {
	char digest[MMR_SHA256_HEX_LEN + 8];  /* "sha256:<hex>" of the blob bytes */
	char diff_id[MMR_SHA256_HEX_LEN + 8]; /* "sha256:<hex>" of the tar */
	uint64_t compressed, uncompressed, entries;
};

/* name: how messages call the layer (its digest). image_bytes: running
 * total over the image, checked against max-image-bytes (may be NULL). */
int mmr_layer_scan(struct mmr_sbom_ctx *ctx, const char *name, mmr_layer_read_fn rd, void *ud,
		   uint64_t *image_bytes, struct mmr_layer_result *ret, struct mmr_error *reterr);
/* Same, over bytes in memory. */
int mmr_layer_scan_mem(struct mmr_sbom_ctx *ctx, const char *name, const void *data, size_t len,
		       uint64_t *image_bytes, struct mmr_layer_result *ret,
		       struct mmr_error *reterr);
/* Same, over a file descriptor (read to its end). */
int mmr_layer_scan_fd(struct mmr_sbom_ctx *ctx, const char *name, int fd, uint64_t *image_bytes,
		      struct mmr_layer_result *ret, struct mmr_error *reterr);

/* Normalise a tar entry name into out (a relative path without "./", "//",
 * trailing "/"). Returns 0, -EINVAL for an absolute path or a ".."
 * component, -ENOENT for the root itself, -E2BIG when out is too small. */
int mmr_layer_path_normalise(const char *name, char *out, size_t outlen);

#endif
