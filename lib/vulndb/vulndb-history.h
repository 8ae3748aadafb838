/* vulndb-history.h - the scan history store behind `--db-store` and
 * `mamori db rescan` (docs/cli/rescan.md).
 *
 * A SQLite file (WAL, schema migrations recorded in schema_version) that
 * keeps, per asset (kind + name: an image reference, a root filesystem
 * path, a host name), the asset's identity (image id, digests, tags, OS),
 * the SBOM of its last scan (every package with the fields matching needs:
 * name, version, epoch, release, arch, source package, ecosystem, purl,
 * file, layer) and its last vulnerability evaluation (one row per finding:
 * key, fingerprint, rule id, package, severity, KEV, fixed versions,
 * status, suppressed). Rescanning rebuilds a report from the SBOM, matches
 * it against the current database, diffs against the last evaluation and
 * stores the new one.
 *
 * A finding's key is "<rule id>\x1f<result target>\x1f<package id>": the
 * same advisory on the same package of the same file.
 *
 * Errors: -EIO (SQLite failure, message in reterr), -EPROTO (a schema newer
 * than this program), -ENOENT (no such asset), -ENOMEM. */
#ifndef MMR_VULNDB_HISTORY_H
#define MMR_VULNDB_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-vec.h"
#include "model/model.h"

#define MMR_VULNDB_HISTORY_SCHEMA 1

struct mmr_vulndb_history;

/* Open or create the store at path and bring its schema up to date. */
int mmr_vulndb_history_open(const char *path, struct mmr_vulndb_history **ret,
			    struct mmr_error *reterr);
void mmr_vulndb_history_close(struct mmr_vulndb_history *h); /* NULL is a no-op */
int mmr_vulndb_history_schema_version(struct mmr_vulndb_history *h);

/* Store r's asset and SBOM, replacing that asset's previous SBOM. With
 * `evaluated` the report's findings also become the asset's last
 * evaluation (a scan without a vulnerability DB stores the SBOM only and
 * keeps the previous evaluation). One transaction. */
int mmr_vulndb_history_put(struct mmr_vulndb_history *h, const struct mmr_report *r, bool evaluated,
			   int64_t *ret_asset_id, struct mmr_error *reterr);

struct mmr_vulndb_history_asset {
	int64_t id;
	const char *key;     /* "<kind>:<name>" */
	const char *kind, *name;
	const char *scanned_at;   /* RFC 3339, last SBOM */
	const char *evaluated_at; /* last evaluation, NULL when never */
	uint64_t packages;
};
/* Every stored asset (struct mmr_vulndb_history_asset *), by key. */
int mmr_vulndb_history_assets(struct mmr_vulndb_history *h, struct mmr_arena *a, struct mmr_vec *ret,
			      struct mmr_error *reterr);
/* A new report (caller frees) with the asset and its stored SBOM. */
int mmr_vulndb_history_load(struct mmr_vulndb_history *h, int64_t asset_id, struct mmr_report **ret,
			    struct mmr_error *reterr);

/* One finding as the history keeps it. */
struct mmr_vulndb_history_finding {
	const char *key, *fingerprint, *rule_id;
	const char *target, *pkg_id, *pkg_name, *installed;
	enum mmr_severity severity;
	bool kev;
	const char *kev_due;
	const char *fixed;   /* ", "-joined fixed versions, "" when none */
	const char *status;
	bool suppressed;
};
/* The last evaluation of an asset (struct mmr_vulndb_history_finding *);
 * *ret_had is false when the asset was never evaluated. */
int mmr_vulndb_history_last_eval(struct mmr_vulndb_history *h, struct mmr_arena *a, int64_t asset_id,
				 struct mmr_vec *ret, bool *ret_had, struct mmr_error *reterr);
/* Replace the asset's last evaluation with r's findings. */
int mmr_vulndb_history_set_eval(struct mmr_vulndb_history *h, int64_t asset_id,
				const struct mmr_report *r, struct mmr_error *reterr);
/* r's vulnerability findings as history findings (strings in a). */
int mmr_vulndb_history_snapshot(struct mmr_arena *a, const struct mmr_report *r, struct mmr_vec *ret);

enum mmr_vulndb_change_kind {
	MMR_CHANGE_NEW,      /* in cur, not in old (unsuppressed in cur) */
	MMR_CHANGE_FIXED,    /* in old, gone from cur (or suppressed now) */
	MMR_CHANGE_SEVERITY, /* in both, severity differs */
	MMR_CHANGE_KEV,      /* in both, KEV listing differs */
};
const char *mmr_vulndb_change_name(enum mmr_vulndb_change_kind k); /* "new", "fixed", ... */

struct mmr_vulndb_change {
	enum mmr_vulndb_change_kind kind;
	const struct mmr_vulndb_history_finding *old, *cur; /* NULL where absent */
};
/* Changes from old to cur (vectors of struct mmr_vulndb_history_finding *)
 * in ret (struct mmr_vulndb_change *), ordered new, fixed, severity, KEV,
 * each by key. Suppressed findings count as absent. */
int mmr_vulndb_history_diff(struct mmr_arena *a, const struct mmr_vec *old, const struct mmr_vec *cur,
			    struct mmr_vec *ret);

#endif
