/* scan.h - scanning a target into a report: the entry points the CLI calls.
 *
 *   mmr_scan_dir    a directory: `fs` (source tree), `rootfs`, `host` (lib/scan/scan-dir.c)
 *   mmr_scan_image  an image: docker-archive, OCI layout/archive, registry,
 *                   podman store (lib/image/)
 *
 * Each fills report->asset, adds results (via mmr_sbom_merge) and records
 * per-file problems as report diags. It returns -errno with reterr set when
 * the target as a whole is unusable (the CLI exits 2). */
#ifndef MMR_SCAN_H
#define MMR_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core-error.h"
#include "core/core-limits.h"
#include "model/model.h"
#include "sbom/sbom.h"

typedef void (*mmr_progress_fn)(void *ud, const char *stage, uint64_t done, uint64_t total);

struct mmr_scan_opts {
	struct mmr_limits limits;
	const char *cache_dir;   /* NULL: $XDG_CACHE_HOME/mamori (or ~/.cache/mamori) */
	bool no_cache;           /* neither read nor write the layer cache */
	const char *platform;    /* "os/arch[/variant]" for image indexes; NULL: host's */
	bool insecure;           /* plain HTTP to the registry (loopback or explicit) */
	const char *username;    /* registry credentials override (else auth files) */
	const char *password;    /* never logged */
	const char *docker_config; /* path of a docker config.json; NULL: default lookup */
	mmr_progress_fn progress;
	void *progress_ud;
	/* content scanners beside the SBOM (secrets, malware), NULL-terminated */
	const struct mmr_file_scanner *const *scanners;
};

void mmr_scan_opts_default(struct mmr_scan_opts *o);
/* The cache directory to use (creating it), or NULL when caching is off. */
const char *mmr_scan_cache_dir(const struct mmr_scan_opts *o, char *buf, unsigned long len);

int mmr_scan_dir(struct mmr_report *r, const char *root, enum mmr_asset_kind kind,
		 const struct mmr_scan_opts *o, struct mmr_error *reterr);
int mmr_scan_image(struct mmr_report *r, const char *ref, const struct mmr_scan_opts *o,
		   struct mmr_error *reterr);

#endif
