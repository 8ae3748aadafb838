/* image.h - internals shared by the image readers (lib/image/).
 *
 * Data flow: a reader (docker-archive, OCI archive, OCI layout, registry,
 * podman) finds the image's manifest and config, then hands each layer to
 * the common pipeline below: look the layer up in the layer cache by diff
 * ID, else stream it (image-layer.c) while verifying its digests, store it
 * in the cache, and finally merge all layers into the report. */
#ifndef MMR_IMAGE_H
#define MMR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "core/core-vec.h"
#include "image/image-layer.h"
#include "model/model.h"
#include "sbom/sbom.h"
#include "scan/scan.h"

/* Largest JSON metadata document (manifest, index, config) read. */
#define MMR_IMAGE_MAX_META ((size_t)16 << 20)
/* Most metadata bytes held while reading an archive's first pass. */
#define MMR_IMAGE_META_BUDGET ((size_t)64 << 20)
/* Nested image indexes followed at most. */
#define MMR_IMAGE_MAX_INDEX_DEPTH 4

/* ---- image-config.c ---- */

/* True for "sha256:" followed by 64 lowercase hex digits. */
bool mmr_image_digest_valid(const char *d);

/* Parse an image config (docker/OCI) into cfg; diff IDs (validated, arena
 * strings "sha256:...") are appended to ret_diff_ids. -EBADMSG with reterr
 * naming `file` when malformed. */
int mmr_image_config_parse(struct mmr_arena *a, const void *data, size_t len, const char *file,
			   struct mmr_image_config *cfg, struct mmr_vec *ret_diff_ids,
			   struct mmr_error *reterr);

/* ---- image-archive.c: docker `manifest.json` ---- */

struct mmr_docker_manifest {
	const char *config;          /* entry name of the config JSON */
	struct mmr_vec repo_tags;    /* const char * */
	struct mmr_vec layers;       /* const char *: entry names */
};

/* The first image of a docker-archive manifest.json. */
int mmr_image_docker_manifest_parse(struct mmr_arena *a, const void *data, size_t len,
				    const char *file, struct mmr_docker_manifest *ret,
				    struct mmr_error *reterr);

/* ---- image-oci.c: OCI index and manifest ---- */

struct mmr_oci_desc {
	const char *media_type, *digest;
	uint64_t size;
};

struct mmr_oci_manifest {
	struct mmr_oci_desc config;
	size_t n_layers;
	struct mmr_oci_desc *layers;
};

/* Blob reader for the OCI resolver: "index.json" or "blobs/sha256/<hex>".
 * *ret_data is malloc'ed (caller frees). */
typedef int (*mmr_oci_get_fn)(void *ud, const char *name, uint8_t **ret_data, size_t *ret_len,
			      struct mmr_error *reterr);

/* From index.json follow (nested) indexes to one image manifest: by the
 * ref.name annotation when tag is set, else by platform. Verifies every
 * blob's digest. */
int mmr_oci_resolve(struct mmr_arena *a, mmr_oci_get_fn get, void *ud, const char *tag,
		    const char *platform, const char **ret_manifest_digest,
		    struct mmr_oci_manifest *ret, struct mmr_error *reterr);
int mmr_oci_manifest_parse(struct mmr_arena *a, const void *data, size_t len, const char *file,
			   struct mmr_oci_manifest *ret, struct mmr_error *reterr);

/* ---- image.c: the common pipeline ---- */

struct mmr_image_scan {
	struct mmr_report *r;
	const struct mmr_scan_opts *o;
	const char *cache_dir;      /* NULL: no cache */
	struct mmr_vec diff_ids;    /* const char *, from the config */
	size_t n;                   /* layers */
	struct mmr_sbom_ctx **ctxs; /* per layer, NULL until scanned */
	uint64_t image_bytes;
	size_t done;
	unsigned cache_hits;
};

void mmr_image_scan_init(struct mmr_image_scan *s, struct mmr_report *r,
			 const struct mmr_scan_opts *o, const char *cache_dir);
/* Set the config: asset config, image ID (config digest), diff IDs. */
int mmr_image_scan_config(struct mmr_image_scan *s, const void *data, size_t len,
			  const char *config_digest, struct mmr_error *reterr);
/* Declare n layers (must equal the diff IDs' count). */
int mmr_image_scan_layers(struct mmr_image_scan *s, size_t n, struct mmr_error *reterr);
/* Fill the asset's layer i. digest may be NULL (set later). */
int mmr_image_scan_layer_info(struct mmr_image_scan *s, size_t i, const char *digest,
			      uint64_t size, const char *media_type);
/* Load layer i from the cache; true on a hit. */
bool mmr_image_scan_cached(struct mmr_image_scan *s, size_t i);
/* Stream layer i; expect_digest (or NULL) is checked against the blob's
 * sha256, the diff ID against the config. */
int mmr_image_scan_stream(struct mmr_image_scan *s, size_t i, const char *expect_digest,
			  mmr_layer_read_fn rd, void *ud, struct mmr_error *reterr);
/* Merge all layers into the report. */
int mmr_image_scan_finish(struct mmr_image_scan *s, struct mmr_error *reterr);

/* Readers. */
int mmr_image_scan_archive(struct mmr_report *r, const char *path, const struct mmr_scan_opts *o,
			   const char *cache_dir, struct mmr_error *reterr);
int mmr_image_scan_oci_dir(struct mmr_report *r, const char *dir, const char *tag,
			   const struct mmr_scan_opts *o, const char *cache_dir,
			   struct mmr_error *reterr);
int mmr_image_scan_podman(struct mmr_report *r, const char *name, const struct mmr_scan_opts *o,
			  const char *cache_dir, struct mmr_error *reterr);

/* Host platform "linux/amd64" etc. */
const char *mmr_image_host_platform(char *buf, size_t len);

#endif
