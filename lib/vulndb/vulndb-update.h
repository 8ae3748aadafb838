/* vulndb-update.h - building the vulnerability database from inputs:
 * `mamori db import` (files, directories, URLs) and `mamori db update`
 * (the configured sources, downloaded with validators and cached), plus
 * the store extras `db info` and `db import --append` need.
 *
 * Flow: every input is read (gzip inflated, zip/tar members walked, each
 * file with a hard cap), its feed detected from the path and first bytes
 * (or named by a format hint), parsed into ONE new database built beside
 * the final path, and only then renamed over it (vulndb-store.c). A source
 * that fails (download error, HTTP status, unknown format, a parse error,
 * or nothing usable in it) fails the whole update unless allow_partial, so
 * an update never half-applies; the old database stays in use.
 *
 * The library never prints: progress goes to mmr_log (info/debug) and the
 * per-input results come back in a struct mmr_vulndb_summary. */
#ifndef MMR_VULNDB_UPDATE_H
#define MMR_VULNDB_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-vec.h"
#include "vulndb/vulndb.h"

/* ---- store extras (vulndb-store.c) ---- */

/* The schema this build reads and writes; meta.schema_version. A DB with
 * another value opens with -EPROTO ("run 'mamori db update'"). */
#define MMR_VULNDB_SCHEMA_VERSION 1

/* Copy every record and source row of the database at `from` into a
 * writer that has not been written to yet (db import --append). */
int mmr_vulndb_writer_copy(struct mmr_vulndb_writer *w, const char *from, struct mmr_error *reterr);

struct mmr_vulndb_source_info {
	const char *name, *url, *etag, *last_modified, *fetched_at;
	uint64_t accepted, rejected;
};

struct mmr_vulndb_info {
	const char *path;
	int schema_version;
	const char *built_at;  /* RFC 3339 UTC */
	const char *generator; /* "mamori 0.1.0" */
	uint64_t size;         /* bytes of the file */
	uint64_t vulns, affected, aliases, names, kev, epss;
	struct mmr_vulndb_source_info *sources;
	size_t n_sources;
};
/* Metadata and row counts of an open database; strings live in `a`. */
int mmr_vulndb_info(struct mmr_vulndb *db, struct mmr_arena *a, struct mmr_vulndb_info *ret);

/* ---- sources (vulndb-update.c) ---- */

struct mmr_vulndb_source {
	const char *name;   /* [A-Za-z0-9._-]+, unique; names the cache file */
	const char *url;    /* https:// (http:// only with allow_http) */
	const char *format; /* feed name, or NULL: detected */
	bool enabled;
};

/* The built-in list of official feeds (disabled ones are documented
 * there but not fetched unless a config enables them). Appends
 * struct mmr_vulndb_source * to `out`. */
int mmr_vulndb_sources_default(struct mmr_arena *a, struct mmr_vec *out);

/* Apply a sources config (YAML, docs/cli/db.md) to `list`, which holds the
 * defaults on entry:
 *
 *     defaults: true|false      # false: start from an empty list
 *     sources:
 *       - name: osv-PyPI        # an existing name: override its fields
 *         url: https://...
 *         format: osv           # optional feed name
 *         enabled: true
 *
 * -EBADMSG with file:line on malformed input, -E2BIG past 1000 sources. */
#define MMR_VULNDB_MAX_SOURCES 1000
int mmr_vulndb_sources_parse(struct mmr_arena *a, const void *data, size_t len, const char *file,
			     struct mmr_vec *list, struct mmr_error *reterr);
/* "NAME=URL" from the command line: override or add one source. */
int mmr_vulndb_sources_set(struct mmr_arena *a, struct mmr_vec *list, const char *assignment,
			   struct mmr_error *reterr);
/* $XDG_CONFIG_HOME/mamori/sources.yaml (or ~/.config/...), NULL if no home. */
const char *mmr_vulndb_sources_default_config(char *buf, unsigned long len);

/* ---- import / update ---- */

struct mmr_vulndb_update_opts {
	const char *db_path;      /* final path (required) */
	const char *format_hint;  /* feed name for every input, or NULL */
	const char *cache_dir;    /* raw downloads with validators; NULL: none */
	bool append;              /* import: keep the records of the existing DB */
	bool allow_partial;       /* commit even if some input/source failed */
	bool allow_http;          /* plain http:// URLs (tests, mirrors on loopback) */
	uint64_t max_file;        /* one file, or one inflated member (0: 1 GiB) */
	uint64_t max_download;    /* one download (0: 2 GiB) */
	uint64_t max_members;     /* members of one archive (0: 2,000,000) */
	unsigned max_retries;     /* HTTP retries (core-http backoff) */
	unsigned backoff_ms;      /* first backoff (0: core-http's default) */
};
void mmr_vulndb_update_opts_init(struct mmr_vulndb_update_opts *o, const char *db_path);

/* What happened to one input or source. */
struct mmr_vulndb_input_result {
	const char *name;      /* source name, or the input as given */
	const char *url;       /* URL or path */
	const char *feeds;     /* feed names used, comma-separated ("" if none) */
	uint64_t files;        /* files parsed */
	uint64_t bytes;        /* bytes parsed (after inflation) */
	uint64_t vulns, affected, kev, epss; /* records written */
	uint64_t rejected;     /* records and files rejected */
	char first_reject[512];
	bool not_modified;     /* 304: the cached copy was used */
	bool downloaded;
	int error;             /* < 0: this input failed as a whole */
	char errmsg[700];
};

struct mmr_vulndb_summary {
	struct mmr_vulndb_input_result *v;
	size_t n;
	uint64_t vulns, affected, kev, epss, rejected;
	int failed;            /* inputs with error < 0 */
	bool committed;        /* the new DB was swapped in */
	double seconds;
};

/* db import: inputs are files, directories or URLs. Commits when at least
 * one record was accepted and (no input failed, or allow_partial). Returns
 * 0 when committed, -ECANCELED when an input failed (nothing committed),
 * -ENODATA when nothing usable was found, another -errno when the store
 * itself failed (reterr says why). The summary is filled in every case
 * (strings in arena `a`). */
int mmr_vulndb_import(const struct mmr_vulndb_update_opts *o, const char *const *inputs,
		      size_t n_inputs, struct mmr_arena *a, struct mmr_vulndb_summary *ret,
		      struct mmr_error *reterr);

/* db update: download every enabled source (conditional GET against the
 * cache: a 304 reuses the cached file), parse all, commit. Same return
 * convention as mmr_vulndb_import. */
int mmr_vulndb_update(const struct mmr_vulndb_update_opts *o, struct mmr_vulndb_source *const *sources,
		      size_t n_sources, struct mmr_arena *a, struct mmr_vulndb_summary *ret,
		      struct mmr_error *reterr);

#endif
