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

/* ---- helpers (image-registry.c, image-auth.c), public for tests and fuzzing ---- */

/* Most bytes of a manifest or index (the distribution spec's 4 MiB). */
#define MMR_REGISTRY_MAX_MANIFEST ((size_t)4 << 20)

struct mmr_registry_desc {
	const char *media_type, *digest;
	uint64_t size;
	const char *os, *arch, *variant; /* index entries only (NULL when absent) */
};

struct mmr_registry_manifest {
	bool is_index;
	const char *media_type;
	struct mmr_registry_desc config; /* image manifests */
	size_t n;                        /* layers, or index entries */
	struct mmr_registry_desc *descs;
};

/* Parse an OCI/Docker v2 image manifest or index. content_type (may be NULL)
 * is the response's Content-Type. -ENOTSUP for schema 1 and for media types
 * that are not images, -EBADMSG when malformed (reterr names file). */
int mmr_registry_parse_manifest(struct mmr_arena *a, const void *data, size_t len,
				const char *content_type, const char *file,
				struct mmr_registry_manifest **ret, struct mmr_error *reterr);
/* Index entry for platform "os/arch[/variant]" (NULL: the host's), with
 * normalisation (x86_64 -> amd64, aarch64 -> arm64, arm64 variant v8...).
 * -ENOENT (reterr lists the platforms present) when none matches. */
int mmr_registry_select_platform(const struct mmr_registry_manifest *idx, const char *platform,
				 size_t *ret_index, struct mmr_error *reterr);
/* "linux/amd64", "linux/arm64/v8", ... for the running build. */
const char *mmr_registry_host_platform(void);
/* rootfs.diff_ids of an image config (validated "sha256:<hex>"). */
int mmr_registry_parse_config(struct mmr_arena *a, const void *data, size_t len, const char *file,
			      const char ***ret_diff_ids, size_t *ret_n, struct mmr_error *reterr);

/* WWW-Authenticate (RFC 9110 11.6.1): challenges with auth-params. */
#define MMR_AUTH_MAX_CHALLENGES 16
#define MMR_AUTH_MAX_PARAMS 32

struct mmr_auth_param {
	const char *name, *value;
};

struct mmr_auth_challenge {
	const char *scheme;  /* as sent; compare case-insensitively */
	const char *token68; /* the token68 form, else NULL */
	size_t n_params;
	struct mmr_auth_param *params;
};

/* -EBADMSG when the header does not follow the grammar, -E2BIG over the caps. */
int mmr_auth_parse_challenges(struct mmr_arena *a, const char *hdr, size_t len,
			      struct mmr_auth_challenge **ret, size_t *ret_n);
/* Value of param `name` (case-insensitive), NULL when absent. */
const char *mmr_auth_param(const struct mmr_auth_challenge *c, const char *name);

struct mmr_auth_cred {
	const char *username, *password; /* never logged */
	const char *source;              /* "command line" or the auth file's path */
};

/* Credentials for registry/repository in one auth file (containers
 * auth.json or docker config.json): 1 found, 0 none, -EBADMSG malformed,
 * -E2BIG when too large. The most specific "auths" key wins
 * ("host/namespace" over "host"); docker.io aliases are equivalent. */
#define MMR_AUTH_MAX_FILE ((size_t)1 << 20)
int mmr_auth_file_lookup(struct mmr_arena *a, const void *data, size_t len, const char *file,
			 const char *registry, const char *repository, struct mmr_auth_cred *ret,
			 struct mmr_error *reterr);
/* o->username/password; else only o->docker_config when it is set; else
 * $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, then
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json (first match wins).
 * 1 found, 0 none. Unreadable or malformed files are skipped with a warning. */
int mmr_auth_find(struct mmr_arena *a, const struct mmr_scan_opts *o, const char *registry,
		  const char *repository, struct mmr_auth_cred *ret);

#endif
