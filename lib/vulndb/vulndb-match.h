/* vulndb-match.h - packages of a report -> vulnerability findings.
 *
 * mmr_vulndb_match() looks every package of every result up in the
 * database under its advisory namespace (vulndb-ecosystem.c), evaluates
 * each affected record against the installed version with the record's
 * version scheme, merges the hits of one vulnerability (CVE, GHSA, PYSEC,
 * DSA/DLA, USN, RHSA ... via the alias table) into one finding per
 * (package, vulnerability), and appends the findings to the package's own
 * result. Nothing is guessed: a version the scheme cannot parse matches
 * nothing and is counted (one report diag names the count and an example).
 * There is no CPE matching for packages that have an ecosystem.
 *
 * Findings and their strings live in the report's arena; the matcher's own
 * scratch (query cache) is freed before return. */
#ifndef MMR_VULNDB_MATCH_H
#define MMR_VULNDB_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "vulndb/vulndb.h"

/* Where a package is looked up (vulndb-ecosystem.c). */
struct mmr_vuln_target {
	const char *ecosystem; /* "debian:12", "PyPI", ... */
	const char *package;   /* name as the namespace keys it (distros: source) */
	const char *version;   /* full version as the scheme compares it */
	const char *scheme;    /* "dpkg", "pep440", ... */
	bool os;               /* a distribution package */
};

/* The namespace, name, version and scheme of package p of an asset running
 * `os` (may be NULL or have a NULL family). -ENOENT when the package has
 * no ecosystem we can look up (unknown distribution, no version, opkg...).
 * Strings come from `a` or from p. */
int mmr_vulndb_pkg_target(struct mmr_arena *a, const struct mmr_os *os, const struct mmr_package *p,
			  struct mmr_vuln_target *ret);

/* PEP 503 normalised name: lowercase, runs of "-_." -> "-". */
char *mmr_vulndb_pep503(struct mmr_arena *a, const char *name);

/* A distribution or advisory rating -> severity: Debian urgency
 * (unimportant, low, medium, high), Ubuntu priority (negligible ...
 * critical), Red Hat impact (low, moderate, important, critical), GHSA /
 * OSV (LOW, MODERATE, HIGH, CRITICAL). MMR_SEV_UNKNOWN for anything else. */
enum mmr_severity mmr_vulndb_severity_from_rating(const char *rating);

enum mmr_match_pkg_types {
	MMR_MATCH_PKG_OS = 1u << 0,
	MMR_MATCH_PKG_LIBRARY = 1u << 1,
};

struct mmr_match_opts {
	bool ignore_unfixed;   /* drop findings without a fixed version */
	unsigned severities;   /* bit (1u << enum mmr_severity) kept; 0: all */
	unsigned pkg_types;    /* MMR_MATCH_PKG_*; 0: all */
};

struct mmr_match_stats {
	uint64_t packages;      /* looked up */
	uint64_t no_ecosystem;  /* skipped: no namespace for them */
	uint64_t records;       /* affected records evaluated */
	uint64_t findings;      /* added (after filters) */
	uint64_t filtered;      /* dropped by severity / unfixed filters */
	uint64_t unparsable;    /* version comparisons the scheme refused */
};

int mmr_vulndb_match(struct mmr_vulndb *db, struct mmr_report *r, const struct mmr_match_opts *o,
		     struct mmr_match_stats *ret_stats);

/* Parse a --severity style list ("CRITICAL,HIGH") into a bit set;
 * -EINVAL naming nothing on an unknown name. */
int mmr_match_severities_parse(const char *list, unsigned *ret);
/* "os,library" -> MMR_MATCH_PKG_*; -EINVAL on an unknown type. */
int mmr_match_pkg_types_parse(const char *list, unsigned *ret);

#endif
