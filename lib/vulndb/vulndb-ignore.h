/* vulndb-ignore.h - the ignore file: findings a user accepted, with a reason.
 *
 * Two formats (docs/cli/ignore-and-vex.md):
 *   YAML (.mamoriignore.yaml; also trivy's .trivyignore.yaml layout): a
 *     list of entries, bare or under `vulnerabilities:`, each
 *       id:      vulnerability id or any alias (required)
 *       purls:   [purl...]  only these packages (qualifiers ignored; a purl
 *                           without version matches every version)
 *       paths:   [glob...]  only packages found in these files ('*' within a
 *                           path segment, '**' across segments, '?')
 *       expires: YYYY-MM-DD the entry applies up to and including that day
 *       reason:  text       required, shown (trivy's `statement` accepted)
 *   plain (.trivyignore): one id per line, `#` comments, an optional
 *     `exp:YYYY-MM-DD` token; the reason is the comment on the line or the
 *     comment lines just above it.
 * The format is chosen by the file name (.yaml/.yml) and, failing that, by
 * the content.
 *
 * Applying keeps findings but marks them suppressed ("ignore: <reason>"),
 * so reports can still show them; suppressed findings do not gate.
 *
 * Ownership: everything lives in the arena given to the loader.
 * Errors: -EBADMSG with reterr naming file:line, -E2BIG past the limits
 * below, -ENOENT/-EIO for the file, -ENOMEM. */
#ifndef MMR_VULNDB_IGNORE_H
#define MMR_VULNDB_IGNORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-vec.h"
#include "model/model.h"

#define MMR_VULNDB_IGNORE_MAX_FILE ((size_t)16 << 20) /* bytes of one ignore file */
#define MMR_VULNDB_IGNORE_MAX_ENTRIES 100000
#define MMR_VULNDB_IGNORE_MAX_FIELD 4096 /* one id, purl, glob or reason */

struct mmr_vulndb_ignore_entry {
	const char *id;
	const char *const *purls;
	size_t n_purls;
	const char *const *paths;
	size_t n_paths;
	const char *expires;  /* "YYYY-MM-DD" as written, or NULL */
	int64_t expires_day;  /* days since 1970-01-01 of `expires`; -1 when none */
	const char *reason;
	const char *file;     /* where the entry is written */
	unsigned long line;
	/* set by mmr_vulndb_ignore_apply() */
	bool expired;
	unsigned long hits;
};

struct mmr_vulndb_ignore {
	struct mmr_vec entries; /* struct mmr_vulndb_ignore_entry * */
};

/* Parse an ignore file's bytes (`file` names it in messages and picks the
 * format). Entries are appended to *ig, which the caller zero-initialises;
 * several files may be loaded into one. */
int mmr_vulndb_ignore_parse(struct mmr_arena *a, struct mmr_vulndb_ignore *ig, const char *file,
			    const void *data, size_t len, struct mmr_error *reterr);
/* Read and parse a file (at most MMR_VULNDB_IGNORE_MAX_FILE bytes). */
int mmr_vulndb_ignore_load(struct mmr_arena *a, struct mmr_vulndb_ignore *ig, const char *path,
			   struct mmr_error *reterr);

/* Mark the vulnerability findings of r that an entry covers as suppressed.
 * `now` decides expiry (0: the current time); expired entries are flagged
 * (entry->expired) and each adds a report diagnostic. Returns the number of
 * findings newly suppressed, or -ENOMEM. */
int mmr_vulndb_ignore_apply(struct mmr_report *r, struct mmr_vulndb_ignore *ig, time_t now);

/* ---- helpers shared with VEX matching ---- */

/* A purl split into its parts (percent-decoded, arena strings). version
 * is without epoch; epoch from an "epoch" qualifier or a "N:" version
 * prefix (has_epoch). */
struct mmr_vulndb_purl {
	const char *type, *ns, *name, *version, *arch;
	uint32_t epoch;
	bool has_epoch;
};
/* -EINVAL when s is not a purl. */
int mmr_vulndb_purl_parse(struct mmr_arena *a, const char *s, struct mmr_vulndb_purl *ret);
/* Does pattern (a parsed purl) name package p? type, namespace and name
 * must agree (PyPI names compared normalised, npm/others exactly);
 * qualifiers other than the epoch are ignored; a pattern without version
 * matches every version. When the pattern's arch is "source"/"src" it
 * names the source package (p->src_name, p->src_version) instead. */
bool mmr_vulndb_purl_match(struct mmr_arena *a, const struct mmr_vulndb_purl *pattern,
			   const struct mmr_package *p);
/* Glob match ('*', '**', '?'); leading "/" and "./" are ignored on both. */
bool mmr_vulndb_glob_match(const char *pattern, const char *path);
/* "YYYY-MM-DD" -> days since 1970-01-01; -1 when malformed. */
int64_t mmr_vulndb_parse_day(const char *s, size_t len);
/* Does finding f carry this vulnerability id (rule id or alias)? ASCII
 * case-insensitive. */
bool mmr_vulndb_finding_has_id(const struct mmr_finding *f, const char *id);
/* Index the packages of a result by id (into m, on arena a); then
 * mmr_map_get(m, f->loc.package) is the package a finding is about. */
int mmr_vulndb_index_packages(struct mmr_arena *a, const struct mmr_result *res,
			      struct mmr_map *m);
/* Read a whole regular file of at most max bytes into the arena
 * (NUL-terminated). -ENOENT, -E2BIG, -EIO with reterr naming the file. */
int mmr_vulndb_read_file(struct mmr_arena *a, const char *path, size_t max, uint8_t **ret,
			 size_t *ret_len, struct mmr_error *reterr);

#endif
