/* secret.h - secret detection: gitleaks-compatible rules, one multi-pattern
 * prefilter database, PCRE2 confirmation.
 *
 * Rules come from a gitleaks TOML config (`[[rules]]`, `[[rules.allowlists]]`
 * or the older `[rules.allowlist]`, global `[allowlist]` / `[[allowlists]]`),
 * our built-in file rules/secrets/mamori.toml (embedded at build time) or a
 * user's file (--secret-config). A rule set is compiled once
 * (mmr_secret_rules_new) and shared read-only by every thread; each thread
 * scans with its own scratch (mmr_secret_scratch_new).
 *
 * Engine: the keywords of every rule (literal, caseless) and the regexes of
 * rules without keywords (Vectorscan prefilter mode) form one Vectorscan
 * database. A hit for a rule starts a PCRE2 confirmation (JIT, bounded by
 * match and depth limits) on a window around the hit: the hit's line and the
 * next one for single-line rules, up to MMR_SECRET_MULTILINE_WINDOW bytes
 * ahead for rules that span lines (private keys). A rule whose regex
 * Vectorscan rejects and that has no keywords is run by PCRE2 alone over
 * the whole buffer (mmr_secret_rule_info.prefilter = "pcre2").
 *
 * Then the secret (secretGroup, or the first non-empty group) must pass the
 * rule's entropy threshold (generic-* rules also need a digit, as gitleaks
 * does), and no allowlist (rule-level, then global; regexTarget secret,
 * match or line; regexes, paths, stopwords, commits; condition OR/AND) nor
 * an inline `mamori:allow-secret` / `gitleaks:allow` on the line may allow it.
 *
 * Errors: loading returns -EBADMSG with reterr naming file (and the rule id)
 * for a malformed config or a regex PCRE2 rejects; -E2BIG when a limit of
 * MMR_SECRET_MAX_* is hit. Scanning never fails on content. */
#ifndef MMR_SECRET_H
#define MMR_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-error.h"
#include "model/model.h"
#include "sbom/sbom.h"

#define MMR_SECRET_MAX_RULES 4096
#define MMR_SECRET_MAX_CONFIG (8u << 20)       /* bytes of one TOML config */
#define MMR_SECRET_LINE_WINDOW 4096            /* bytes each side of a hit */
#define MMR_SECRET_MULTILINE_WINDOW (64u << 10) /* bytes after a hit, multi-line rules */
#define MMR_SECRET_MATCH_LIMIT 200000          /* PCRE2 match limit per attempt */
#define MMR_SECRET_DEPTH_LIMIT 20000           /* PCRE2 backtracking depth */
#define MMR_SECRET_MAX_PER_FILE 1000           /* findings kept per file */

struct mmr_secret_rules;
struct mmr_secret_scratch;

/* Compile a gitleaks TOML config. `file` names it in messages. */
int mmr_secret_rules_new(const void *toml, size_t len, const char *file,
			 struct mmr_secret_rules **ret, struct mmr_error *reterr);
/* The built-in rule set (rules/secrets/mamori.toml, embedded). */
int mmr_secret_rules_builtin(struct mmr_secret_rules **ret, struct mmr_error *reterr);
/* Read a config file (bounded by MMR_SECRET_MAX_CONFIG) and compile it. */
int mmr_secret_rules_load(const char *path, struct mmr_secret_rules **ret,
			  struct mmr_error *reterr);
void mmr_secret_rules_free(struct mmr_secret_rules *rs);
/* The embedded built-in TOML text. */
const char *mmr_secret_builtin_toml(size_t *ret_len);

struct mmr_secret_rule_info {
	const char *id, *description;
	enum mmr_severity severity;
	const char *prefilter; /* "keywords", "vectorscan", "pcre2" (no prefilter), "path" */
	const char *note;      /* why Vectorscan could not take the regex, or NULL */
	size_t nkeywords;
	const char *const *tags; /* NULL-terminated */
};
size_t mmr_secret_rules_count(const struct mmr_secret_rules *rs);
int mmr_secret_rule_info(const struct mmr_secret_rules *rs, size_t i,
			 struct mmr_secret_rule_info *ret);
/* sha256 of the config text: part of cache keys. */
const char *mmr_secret_rules_digest(const struct mmr_secret_rules *rs);

int mmr_secret_scratch_new(const struct mmr_secret_rules *rs, struct mmr_secret_scratch **ret);
void mmr_secret_scratch_free(struct mmr_secret_scratch *s);

/* One confirmed secret. Offsets are into the scanned buffer; line and col
 * are 1-based (col counts bytes). */
struct mmr_secret_hit {
	size_t rule;            /* index for mmr_secret_rule_info */
	const char *rule_id;
	size_t match_start, match_end;
	size_t secret_start, secret_end;
	unsigned long line, col, end_line;
	double entropy;
};
/* Return < 0 from the callback to stop the scan (its value is returned). */
typedef int (*mmr_secret_hit_fn)(void *ud, const struct mmr_secret_hit *h);

/* Does the global allowlist (paths) exclude this path? */
bool mmr_secret_path_allowed(const struct mmr_secret_rules *rs, const char *path);
/* Scan one buffer; path (may be NULL) is checked against path rules and
 * path allowlists; commit (may be NULL) against commit allowlists.
 * Path-only rules give a hit with empty offsets and line 0. Returns the
 * number of hits, or the callback's negative value. */
int mmr_secret_scan(const struct mmr_secret_rules *rs, struct mmr_secret_scratch *s,
		    const char *path, const char *commit, const uint8_t *data, size_t len,
		    mmr_secret_hit_fn fn, void *ud);

double mmr_secret_entropy(const char *s, size_t n);

/* ---- the file scanner (secret-scanner.c) ---- */

struct mmr_secret_scanner_opts {
	bool show_secrets;        /* evidence holds the secret instead of "abcd…" */
	uint64_t max_file_size;   /* files larger are skipped (0: 16 MiB) */
	const char *baseline;     /* file of fingerprints to suppress, or NULL */
};
struct mmr_secret_scanner;
/* rs stays owned by the caller and must outlive the scanner. */
int mmr_secret_scanner_new(const struct mmr_secret_rules *rs,
			   const struct mmr_secret_scanner_opts *o, struct mmr_secret_scanner **ret,
			   struct mmr_error *reterr);
void mmr_secret_scanner_free(struct mmr_secret_scanner *sc);
const struct mmr_file_scanner *mmr_secret_scanner_get(const struct mmr_secret_scanner *sc);
/* Scan the image config of a report (ENV, labels, history created_by) and
 * add findings with loc.file "image config" to the report. */
int mmr_secret_scan_image_config(struct mmr_secret_scanner *sc, struct mmr_report *r);
/* Findings for one buffer into a vector (for git history and tests):
 * file/layer/commit locate them. */
int mmr_secret_scan_to_findings(struct mmr_secret_scanner *sc, struct mmr_arena *a,
				struct mmr_vec *out, const char *file, const char *layer,
				const char *commit, const uint8_t *data, size_t len);


/* ---- archives (secret-archive.c) ---- */

#define MMR_SECRET_ARCHIVE_MIN_BUDGET ((uint64_t)1 << 20) /* expansion allowed to any archive */

struct mmr_secret_archive_opts {
	uint64_t max_depth;     /* 0: archives are not opened; 1: the outer one only; ... */
	uint64_t max_file_size; /* one member */
	uint64_t max_ratio;     /* expanded bytes / archive bytes, all depths together */
	uint64_t max_entries;   /* members read, all depths together */
	const char *layer, *commit; /* locate the findings */
	/* a bound hit or a corrupt archive: `where` is the member ("a.zip!b.jar") */
	void (*warn)(void *ud, const char *where, const char *msg);
	void *warn_ud;
};
/* zip/jar, tar, 7z, gzip, xz, zstd or bzip2 by magic bytes. */
bool mmr_secret_is_archive(const uint8_t *data, size_t len);
/* Scan the members of the archive `name` (findings named "name!member")
 * into `out`. Returns the number of findings added or -ENOMEM. */
int mmr_secret_scan_archive(struct mmr_secret_scanner *sc, struct mmr_arena *a,
			    struct mmr_vec *out, const char *name, const uint8_t *data, size_t len,
			    const struct mmr_secret_archive_opts *o);

/* ---- git history (secret-git.c) ---- */

#define MMR_SECRET_GIT_MAX_COMMITS 1000000      /* commits examined per walk */
#define MMR_SECRET_GIT_MAX_BLOB ((uint64_t)16 << 20) /* larger files: skipped as binary */
#define MMR_SECRET_GIT_MAX_RATIO 200            /* archives in commits: expansion ratio */
#define MMR_SECRET_GIT_MAX_ENTRIES 100000       /* archives in commits: members */

struct mmr_secret_git_opts {
	const char *since;    /* a date (YYYY-MM-DD[THH:MM[:SS]], UTC, committer date) or a
			       * revision whose history is left out; NULL: everything */
	const char *branch;   /* walk from this branch (or revision) only; NULL: every ref */
	bool head_only;       /* walk from HEAD only (ignored with branch) */
	size_t max_commits;   /* 0: MMR_SECRET_GIT_MAX_COMMITS */
	uint64_t max_blob;    /* 0: MMR_SECRET_GIT_MAX_BLOB */
	uint64_t max_archive_depth; /* archives in commits: 0 means do not open them */
};

struct mmr_secret_git_stats {
	size_t commits;       /* examined (merges included) */
	size_t files;         /* text file changes scanned */
	size_t skipped;       /* commits or files that could not be read */
	size_t findings;
	bool truncated;       /* max_commits hit, or the walk broke */
};

/* Scan the history of the repository at `path` (a work tree or a .git
 * directory; no search upwards). Findings go to the report in one result
 * per (file, commit), target "FILE @ SHA12 (Author <email>, DATE)", with
 * loc.file the path in the commit, loc.line_* the line in the new file and
 * loc.resource "commit <sha>". Unreadable objects are diags of the report.
 * Returns 0, -ENOENT (not a repository, unknown --branch), -EINVAL (a bad
 * --since) with reterr, or -ENOMEM. */
int mmr_secret_scan_git(struct mmr_secret_scanner *sc, const char *path,
			const struct mmr_secret_git_opts *o, struct mmr_report *r,
			struct mmr_secret_git_stats *ret_stats, struct mmr_error *reterr);

#endif
