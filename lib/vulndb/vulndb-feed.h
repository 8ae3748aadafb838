/* vulndb-feed.h - the feed table (vulndb-feeds.def) and helpers the feed
 * parsers share.
 *
 * A feed parses one upstream file in its native format and emits records
 * into a struct mmr_vulndb_sink (vulndb.h). Malformed records are counted
 * with mmr_vulndb_reject and skipped; only a file that is not of the format
 * at all (or a sink error) fails the parse.
 *
 * Limits (per record; larger values are truncated or the record rejected):
 *   MMR_VULNDB_MAX_TEXT    free text (summary, details, description): cut
 *                          on a UTF-8 boundary;
 *   MMR_VULNDB_MAX_ID      ids, package names, versions, ecosystems, CPEs,
 *                          range expressions: a longer one rejects the record;
 *   MMR_VULNDB_MAX_LIST    entries of any list (aliases, references,
 *                          versions, ranges, events, affected): extra
 *                          entries are dropped (ranges/affected: rejected);
 *   MMR_VULNDB_MAX_RECORD  one JSONL line / one JSON document.
 */
#ifndef MMR_VULNDB_FEED_H
#define MMR_VULNDB_FEED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vulndb/vulndb.h"

#define MMR_VULNDB_MAX_TEXT ((size_t)64 << 10)
#define MMR_VULNDB_MAX_ID ((size_t)1024)
#define MMR_VULNDB_MAX_LIST ((size_t)65536)
#define MMR_VULNDB_MAX_RECORD ((size_t)64 << 20)

#define F(n) extern const struct mmr_vulndb_feed mmr_vulndb_feed_##n;
#include "vulndb/vulndb-feeds.def"
#undef F

/* The feed called `name` ("osv", "nvd", ...), or NULL. */
const struct mmr_vulndb_feed *mmr_vulndb_feed_find(const char *name);
/* The first feed (in .def order) whose detect() accepts the file, given its
 * path and first bytes (up to a few KiB are enough); NULL when none. */
const struct mmr_vulndb_feed *mmr_vulndb_feed_detect(const char *path, const uint8_t *head,
						     size_t len);
/* All feeds, NULL-terminated, in .def order. */
extern const struct mmr_vulndb_feed *const mmr_vulndb_feeds[];

/* Iterate the regular-file members of a zip (or any archive libarchive
 * reads: tar, tar.gz ...) at `path`: fn(ud, member_name, data, len) for
 * each, data valid only during the call. Stops at the first negative fn
 * return and returns it. Limits: more than max_members members or a member
 * larger than max_member_size gives -E2BIG (0: defaults 1,000,000 members,
 * 64 MiB). -EBADMSG on a corrupt archive; reterr names the archive. */
typedef int (*mmr_vulndb_member_fn)(void *ud, const char *name, const uint8_t *data, size_t len);
int mmr_vulndb_feed_each_zip_member(const char *path, uint64_t max_members,
				    uint64_t max_member_size, mmr_vulndb_member_fn fn, void *ud,
				    struct mmr_error *reterr);

/* ---- helpers for the parsers (vulndb-feed.c) ---- */

/* Copy s into the arena, cut to at most max bytes on a UTF-8 boundary.
 * NULL -> NULL. */
const char *mmr_vulndb_text(struct mmr_arena *a, const char *s, size_t max);
/* True when s is a usable identifier: non-empty, at most MMR_VULNDB_MAX_ID
 * bytes, no control characters. */
bool mmr_vulndb_id_ok(const char *s);
/* The string array at obj[key] as arena strings (non-strings skipped,
 * at most MMR_VULNDB_MAX_LIST, each at most MMR_VULNDB_MAX_ID long, longer
 * ones skipped). *ret_n = 0 and NULL when absent. -ENOMEM only. */
int mmr_vulndb_strlist(struct mmr_arena *a, const json_t *arr, const char *const **ret,
		       size_t *ret_n);
/* Map an OSV ecosystem name ("PyPI", "Debian:11", "Ubuntu:Pro:22.04:LTS",
 * "Alpine:v3.18", "Red Hat:...", "crates.io") to our ecosystem key and
 * version scheme. Returns false for unknown or unsupported ecosystems. */
bool mmr_vulndb_osv_ecosystem(struct mmr_arena *a, const char *osv, const char **ret_eco,
			      const char **ret_scheme);
/* Canonical package name in an ecosystem (PyPI: PEP 503 lowercase with
 * runs of "-_." as "-"; others as given). NULL on -ENOMEM. */
const char *mmr_vulndb_pkg_name(struct mmr_arena *a, const char *eco, const char *name);
/* Parse data as JSONL, or as one JSON document when it is not one record
 * per line: calls fn for each top-level JSON value with its line number.
 * Lines that do not parse are rejected into the sink (not fatal). A JSON
 * array at top level gives one call per element. */
typedef int (*mmr_vulndb_json_fn)(struct mmr_arena *a, struct mmr_vulndb_sink *s,
				  const char *path, unsigned long line, json_t *rec);
int mmr_vulndb_each_json(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			 const uint8_t *data, size_t len, mmr_vulndb_json_fn fn,
			 struct mmr_error *reterr);
/* Inflate gzip data (when it starts with the gzip magic) into a malloc'ed
 * buffer of at most max bytes (-E2BIG beyond). Not gzip: *ret = NULL, 0.
 * Caller frees *ret. */
int mmr_vulndb_gunzip(const uint8_t *data, size_t len, size_t max, uint8_t **ret,
		      size_t *ret_len, struct mmr_error *reterr, const char *path);
/* Skip ASCII whitespace and a UTF-8 BOM at the start of head: the first
 * significant byte, or 0. */
int mmr_vulndb_first_byte(const uint8_t *head, size_t len);
/* Does head (a prefix of the file) contain needle? */
bool mmr_vulndb_head_has(const uint8_t *head, size_t len, const char *needle);

#endif
