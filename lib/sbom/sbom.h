/* sbom.h - package analyzers and what they produce.
 *
 * A target reader (image layer, directory walk) offers every regular file to
 * the analyzers: first by path, mode and size (`match`, cheap, no I/O), then,
 * for files some analyzer wants, the whole content (`parse`). An analyzer
 * parses one file into one group of packages in the context; it never prints
 * and never touches the filesystem itself. A bad file is the analyzer's
 * error (-EBADMSG with reterr naming the line), never a crash: the caller
 * records a warning and goes on with the rest of the scan.
 *
 * The list of analyzers is the X-macro table sbom-analyzers.def. */
#ifndef MMR_SBOM_H
#define MMR_SBOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-limits.h"
#include "core/core-vec.h"
#include "model/model.h"

/* Which scans an analyzer takes part in. */
#define MMR_SBOM_SOURCE 1u    /* lockfiles and manifests: `mamori fs` */
#define MMR_SBOM_INSTALLED 2u /* package DBs, installed metadata, binaries: image/rootfs/host */

struct mmr_sbom_file {
	const char *path; /* relative to the target root, no leading '/' */
	const uint8_t *data;
	size_t len;
	uint32_t mode; /* st_mode bits (S_IFREG | permissions) */
};

/* A content scanner beside the package analyzers (secrets, malware, ...):
 * offered every regular file of a target — in images every file of every
 * layer, including files a later layer deletes — it adds findings to
 * ctx->findings (struct mmr_finding, with loc.file and loc.layer set). Like
 * analyzers it never prints; a problem with one file is mmr_sbom_warn().
 * `key` is a digest of its configuration (rules): it is part of the layer
 * cache key, so cached layers are reused only for the same scanners. */
struct mmr_sbom_ctx;
struct mmr_file_scanner {
	const char *name; /* "secret", "malware": also the result type */
	const char *key;
	bool (*wants)(const struct mmr_file_scanner *s, const char *path, uint32_t mode,
		      uint64_t size);
	void (*scan)(const struct mmr_file_scanner *s, struct mmr_sbom_ctx *ctx,
		     const struct mmr_sbom_file *f);
	void *ud;
	/* wants and scan may run on several threads at once, each thread with
	 * its own ctx (own arena, findings, warnings): walkers may then read and
	 * scan files in a worker pool */
	bool threadsafe;
};

/* One file's worth of packages. */
struct mmr_sbom_group {
	const char *analyzer; /* analyzer name, e.g. "dpkg" */
	const char *path;     /* the file the packages came from */
	const char *class;    /* "os-pkgs" or "lang-pkgs" */
	struct mmr_vec packages; /* struct mmr_package * */
	struct mmr_os *os;       /* set by the os-release analyzer only */
};

/* What analysing one layer (or one directory tree) found. This is also the
 * unit the layer cache stores, keyed by diff ID. */
struct mmr_sbom_ctx {
	struct mmr_arena *arena;
	const struct mmr_limits *limits;
	const char *layer;       /* diff ID, or NULL outside images */
	unsigned targets;        /* MMR_SBOM_SOURCE / MMR_SBOM_INSTALLED */
	struct mmr_vec groups;   /* struct mmr_sbom_group * */
	struct mmr_vec whiteouts;/* const char *: paths this layer deletes */
	struct mmr_vec opaque;   /* const char *: dirs this layer makes opaque */
	struct mmr_vec touched;  /* const char *: files offered to analyzers */
	struct mmr_vec warnings; /* struct mmr_diag * */
	struct mmr_vec findings; /* struct mmr_finding *: from file scanners */
	const struct mmr_file_scanner *const *scanners; /* NULL-terminated, or NULL */
	uint64_t files_seen, files_parsed;
};

struct mmr_sbom_analyzer {
	const char *name;
	const char *class;       /* "os-pkgs" or "lang-pkgs" */
	unsigned targets;        /* MMR_SBOM_SOURCE and/or MMR_SBOM_INSTALLED */
	unsigned version;        /* bump when output changes (layer-cache key) */
	/* Cheap test on the path (and mode/size). Must not allocate. */
	bool (*match)(const char *path, uint32_t mode, uint64_t size);
	/* Parse one file. Return 0, or -errno with reterr set for the user. */
	int (*parse)(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		     struct mmr_error *reterr);
};

#define A(n) extern const struct mmr_sbom_analyzer mmr_sbom_analyzer_##n;
#include "sbom/sbom-analyzers.def"
#undef A

/* All analyzers, NULL-terminated, in table order. */
extern const struct mmr_sbom_analyzer *const mmr_sbom_analyzers[];
const struct mmr_sbom_analyzer *mmr_sbom_analyzer_find(const char *name);
/* Digest of the analyzer set (names + versions), part of cache keys. */
const char *mmr_sbom_analyzers_key(void);

void mmr_sbom_ctx_init(struct mmr_sbom_ctx *ctx, struct mmr_arena *a,
		       const struct mmr_limits *limits, unsigned targets, const char *layer);

/* Does any analyzer for ctx->targets, or any of ctx->scanners, want this file? */
bool mmr_sbom_wants(const struct mmr_sbom_ctx *ctx, const char *path, uint32_t mode,
		    uint64_t size);
/* Run every matching analyzer and scanner on the file; failures become warnings. */
void mmr_sbom_analyze(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f);

/* Helpers for analyzers. */
struct mmr_sbom_group *mmr_sbom_group_new(struct mmr_sbom_ctx *ctx,
					  const struct mmr_sbom_analyzer *an, const char *path);
/* A package in the group; name and version are copied into the arena.
 * file and layer are set from the group and context. NULL on OOM or when
 * max-packages is hit. */
struct mmr_package *mmr_sbom_package_new(struct mmr_sbom_ctx *ctx, struct mmr_sbom_group *g,
					 enum mmr_ecosystem eco, const char *name,
					 const char *version);
int mmr_sbom_add_license(struct mmr_sbom_ctx *ctx, struct mmr_package *p, const char *lic);
/* Add a dependency edge; duplicates and self-edges are ignored. */
int mmr_sbom_add_dep(struct mmr_sbom_ctx *ctx, struct mmr_package *p, const char *dep_id);
int mmr_sbom_warn(struct mmr_sbom_ctx *ctx, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Merge layer results in order (whiteouts and opaque dirs of layer N hide
 * groups of layers < N; a group for the same path in a later layer replaces
 * the earlier one) and add the surviving packages to the report as results:
 * OS packages in one "os-pkgs" result, each language file its own result.
 * Sets report->asset.os from os-release when found. Findings of file
 * scanners (all layers, deleted files included) become results of class
 * "secret"/"malware"/... (the scanner's name), one per file. */
int mmr_sbom_merge(struct mmr_report *r, struct mmr_sbom_ctx *const *layers, size_t n);

#endif
