/* image-registry.h - pulling an image from an OCI distribution registry.
 *
 * mmr_registry_pull resolves a reference ("[registry/]repo[:tag][@digest]",
 * Docker Hub defaults for short names), fetches the manifest (following an
 * image index / manifest list to the entry for o->platform), the config blob
 * and the layer blobs the caller does not skip, verifying every blob against
 * its digest, and stores them as files: in the cache's blob store
 * (<cache>/blobs/sha256/<hex>) when caching is on, else in a private
 * temporary directory that mmr_registry_image_free removes. Blobs are kept
 * compressed; layers are never unpacked to disk.
 *
 * Auth: anonymous, then on 401 the WWW-Authenticate challenge: Basic, or
 * Bearer (token endpoint with service/scope), with credentials from
 * o->username/password, else $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
 * ~/.docker/config.json (o->docker_config overrides). Plain HTTP only with
 * o->insecure (or a loopback registry when o->insecure is set). */
#ifndef MMR_IMAGE_REGISTRY_H
#define MMR_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "scan/scan.h"

struct mmr_registry_layer {
	const char *digest;     /* "sha256:..." of the (compressed) blob */
	const char *media_type;
	uint64_t size;
	const char *path;       /* local verified blob, NULL when skipped */
};

struct mmr_registry_image {
	const char *registry;   /* "registry-1.docker.io", "127.0.0.1:5000" */
	const char *repository; /* "library/alpine" */
	const char *tag;        /* NULL when pulled by digest only */
	const char *manifest_digest; /* digest of the image manifest chosen */
	const char *index_digest;    /* digest of the index, when there was one */
	const char *config_digest;
	const char *config_path;     /* local verified config blob */
	size_t n_layers;
	struct mmr_registry_layer *layers;
	char *tmpdir;           /* private; removed by mmr_registry_image_free */
};

/* Called once the config is known, per layer: return true to skip
 * downloading it (the caller has it cached by diff ID). */
typedef bool (*mmr_registry_skip_fn)(void *ud, size_t index, const char *diff_id);

int mmr_registry_pull(struct mmr_arena *a, const char *ref, const struct mmr_scan_opts *o,
		      mmr_registry_skip_fn skip, void *ud, struct mmr_registry_image **ret,
		      struct mmr_error *reterr);
void mmr_registry_image_free(struct mmr_registry_image *img);

/* Parse a reference into its parts (arena strings). -EINVAL when malformed. */
int mmr_registry_parse_ref(struct mmr_arena *a, const char *ref, const char **ret_registry,
			   const char **ret_repository, const char **ret_tag,
			   const char **ret_digest);

#endif
