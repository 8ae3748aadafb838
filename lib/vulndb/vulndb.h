/* vulndb.h - the vulnerability database: advisories in, findings out.
 *
 *   feeds (vulndb-feed-*.c)  parse one upstream source in its native format
 *                            and emit records into a sink;
 *   store (vulndb-store.c)   a sink that writes SQLite, and the read side
 *                            that matching queries;
 *   match (vulndb-match.c)   packages of a report -> vulnerability findings.
 *
 * Names in the database: `ecosystem` is the advisory namespace a package is
 * looked up in — "debian:11", "ubuntu:22.04", "alpine:3.11", "redhat:9",
 * and OSV's ecosystem names for languages ("npm", "PyPI", "Go",
 * "crates.io", "Maven", "RubyGems", "Packagist", "NuGet"). `package` is the
 * name as the ecosystem spells it; distributions key by *source* package.
 * `scheme` names the version scheme (vulndb-version.def) the ranges use.
 * docs/internals/vulndb.md has the SQLite schema. */
#ifndef MMR_VULNDB_H
#define MMR_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-error.h"

enum mmr_vuln_status {
	MMR_VULN_AFFECTED = 0,   /* affected, ranges say where */
	MMR_VULN_FIXED,          /* fixed in `fixed` (ranges carry it) */
	MMR_VULN_UNFIXED,        /* affected, no fix released yet */
	MMR_VULN_WONTFIX,        /* affected, the distribution will not fix */
	MMR_VULN_NOT_AFFECTED,   /* the distribution says not affected */
	MMR_VULN_UNDER_INVESTIGATION,
};
const char *mmr_vuln_status_name(enum mmr_vuln_status s);

/* One interval of affected versions: introduced <= v < fixed, or
 * introduced <= v <= last_affected. NULL bounds are open; introduced "0"
 * means "from the first version". */
struct mmr_vuln_range {
	const char *introduced, *fixed, *last_affected;
};

/* One package affected by one advisory, as one source says. */
struct mmr_vuln_affected {
	const char *vuln_id;   /* the advisory's own id in this source */
	const char *source;    /* feed name: "osv", "debian", "alpine", ... */
	const char *ecosystem; /* see above */
	const char *package;
	const char *scheme;    /* version scheme name */
	const struct mmr_vuln_range *ranges;
	size_t n_ranges;
	const char *const *versions; /* explicit affected versions (OSV "versions") */
	size_t n_versions;
	/* A native range expression the ranges above cannot express, in the
	 * syntax of `scheme`'s range grammar (npm "^1.2.0 || >=2.0.0 <2.1.0",
	 * RubyGems "~> 1.2", PEP 440 ">=1.0,<1.3", Maven "[1.0,2.0)" ...),
	 * evaluated by mmr_version_range_match(); NULL when none.
	 * Convention (feeds -> matcher): an expr that starts with "not:" lists
	 * requirements of `scheme`'s grammar separated by ';' after the prefix
	 * ("not:>= 0.9.1;< 0.2.0"); the version is affected when it satisfies
	 * NONE of them (RustSec: affected = not patched and not unaffected).
	 * The matcher evaluates each alternative with mmr_version_range_match. */
	const char *expr;
	enum mmr_vuln_status status;
	const char *severity;  /* the source's rating for this package, or NULL */
};

/* The advisory itself. */
struct mmr_vuln {
	const char *id;        /* preferably the CVE id; else the source's id */
	const char *source;
	const char *const *aliases;
	size_t n_aliases;
	const char *title, *description;
	const char *published, *modified; /* RFC 3339 */
	const char *severity;  /* source-level rating ("HIGH", "important", ...), or NULL */
	const char *cvss3_vector, *cvss4_vector;
	double cvss3_score, cvss4_score; /* -1 when absent */
	const char *const *references;
	size_t n_references;
	const char *const *cwes;
	size_t n_cwes;
};

/* Where feeds put what they parse. Each callback returns 0 or -errno; a
 * feed stops on a negative return. The feed counts records it rejects
 * (bad types, unknown ecosystems, absurd ranges) with mmr_vulndb_reject
 * and goes on: a malformed record never fails a whole feed. */
struct mmr_vulndb_sink {
	int (*vuln)(void *ud, const struct mmr_vuln *v);
	int (*affected)(void *ud, const struct mmr_vuln_affected *a);
	/* CISA KEV: date_added and due_date as YYYY-MM-DD. */
	int (*kev)(void *ud, const char *cve, const char *date_added, const char *due_date,
		   bool ransomware);
	/* FIRST EPSS. */
	int (*epss)(void *ud, const char *cve, double score, double percentile);
	void *ud;
	uint64_t accepted, rejected;
	/* Parsed but nothing matchable kept (OSV entries with only GIT ranges
	 * and no versions). */
	uint64_t skipped;
	char first_reject[512]; /* "file:line: why" of the first rejected record */
};
void mmr_vulndb_reject(struct mmr_vulndb_sink *s, const char *file, unsigned long line,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A feed format. detect() looks at the path and the first bytes only. */
struct mmr_vulndb_feed {
	const char *name;
	const char *description;
	bool (*detect)(const char *path, const uint8_t *head, size_t len);
	/* Parse one file (a zip is opened by the caller and each member given
	 * here). `a` is scratch for this file, freed by the caller after. */
	int (*parse)(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		     const uint8_t *data, size_t len, struct mmr_error *reterr);
};

/* ---- the store (vulndb-store.c) ---- */

/* Default DB path: $XDG_DATA_HOME/mamori/vuln.db (or ~/.local/share/...). */
const char *mmr_vulndb_default_path(char *buf, unsigned long len);

/* Writing: a new database file built beside `path` and renamed over it
 * only by commit, so readers never see a half-written DB and a failed
 * update leaves the old one in place. */
struct mmr_vulndb_writer;
int mmr_vulndb_writer_new(const char *path, struct mmr_vulndb_writer **ret, struct mmr_error *reterr);
struct mmr_vulndb_sink *mmr_vulndb_writer_sink(struct mmr_vulndb_writer *w);
/* Record where a source came from (shown by `db info`). */
int mmr_vulndb_writer_source(struct mmr_vulndb_writer *w, const char *name, const char *url,
			     const char *etag, const char *last_modified, uint64_t accepted,
			     uint64_t rejected);
int mmr_vulndb_writer_commit(struct mmr_vulndb_writer *w, struct mmr_error *reterr);
void mmr_vulndb_writer_abort(struct mmr_vulndb_writer *w); /* NULL is a no-op */

/* Reading: read-only, many concurrent readers. */
struct mmr_vulndb;
int mmr_vulndb_open(const char *path, struct mmr_vulndb **ret, struct mmr_error *reterr);
void mmr_vulndb_close(struct mmr_vulndb *db); /* NULL is a no-op */
typedef int (*mmr_vulndb_affected_fn)(void *ud, const struct mmr_vuln_affected *a);
/* Every affected record for (ecosystem, package); strings live in `a`. */
int mmr_vulndb_query(struct mmr_vulndb *db, struct mmr_arena *a, const char *ecosystem,
		     const char *package, mmr_vulndb_affected_fn fn, void *ud);
/* The advisory by any of its ids or aliases, merged over sources; -ENOENT. */
int mmr_vulndb_vuln(struct mmr_vulndb *db, struct mmr_arena *a, const char *id,
		    struct mmr_vuln **ret);
/* The ids directly aliased to `id` (one hop; the alias table holds both
 * directions of every record's aliases), at most 256; no closure. One
 * indexed query: the matcher builds its own bounded closure from this. */
int mmr_vulndb_aliases(struct mmr_vulndb *db, struct mmr_arena *a, const char *id,
		       const char *const **ret, size_t *ret_n);
/* The records stored under exactly these ids merged as mmr_vulndb_vuln()
 * merges them (aliases: the ids that are not the merged record's own id);
 * -ENOENT when none has a record. */
int mmr_vulndb_vuln_set(struct mmr_vulndb *db, struct mmr_arena *a, const char *const *ids,
			size_t n_ids, struct mmr_vuln **ret);
int mmr_vulndb_kev(struct mmr_vulndb *db, struct mmr_arena *a, const char *cve,
		   const char **ret_added, const char **ret_due); /* -ENOENT if not listed */
int mmr_vulndb_epss(struct mmr_vulndb *db, const char *cve, double *ret_score, double *ret_pct);

#endif
