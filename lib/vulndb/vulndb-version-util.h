/* vulndb-version-util.h - helpers shared by the version schemes
 * (vulndb-version-*.c); not part of the library's interface.
 *
 * Limits: a version longer than MMR_VERSION_MAX_LEN bytes, or a range
 * expression longer than MMR_VERSION_MAX_EXPR bytes, is -EINVAL; numeric
 * components are 64-bit and overflow is -EINVAL. Nothing here allocates:
 * versions are parsed into stack structures pointing into the input. */
#ifndef MMR_VULNDB_VERSION_UTIL_H
#define MMR_VULNDB_VERSION_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MMR_VERSION_MAX_LEN 256
#define MMR_VERSION_MAX_EXPR 4096

/* Parse ASCII digits at *s (at least one) into *ret, advancing *s.
 * -EINVAL on no digit or when the value does not fit in 64 bits. */
int mmr_version_u64(const char **s, uint64_t *ret);

/* Compare two digit strings numerically, any length, leading zeros ignored. */
int mmr_version_digits_cmp(const char *a, size_t la, const char *b, size_t lb);

/* The comparison operators of simple comparator lists. */
enum mmr_version_op {
	MMR_VOP_EQ,
	MMR_VOP_NE,
	MMR_VOP_LT,
	MMR_VOP_LE,
	MMR_VOP_GT,
	MMR_VOP_GE,
};

/* Read an operator (==, =, !=, <=, >=, <, >, and Debian's << >>) at *s,
 * advancing *s; no operator reads as MMR_VOP_EQ. */
enum mmr_version_op mmr_version_read_op(const char **s);
bool mmr_version_op_holds(enum mmr_version_op op, int c);

/* A comma-separated list of "op version" comparators, all of which must
 * hold (AND), e.g. ">= 1.0, < 2.0". Used by schemes whose ecosystems have
 * no richer range grammar (dpkg, rpm, apk, semver, go). */
int mmr_version_oplist_match(const char *expr, const char *version,
			     int (*cmp)(const char *a, const char *b, int *ret), bool *ret);

/* SemVer 2.0.0 (vulndb-version-semver.c), shared by semver, npm, go,
 * cargo: numbers up to `max`, strict (no leading zeros). pre == NULL when
 * there is no pre-release; build metadata is checked and ignored. */
struct mmr_semver {
	uint64_t n[3];
	size_t nparts; /* numeric parts read by _parse_core */
	const char *pre, *pre_end;
};
/* "N(.N){nparts-1}" at *s (before end), advancing *s */
int mmr_semver_parse_core(const char **s, const char *end, uint64_t max, size_t nparts,
			  struct mmr_semver *v);
/* "[-pre][+build]" filling [p, end) exactly */
int mmr_semver_parse_tail(const char *p, const char *end, struct mmr_semver *v);
/* a whole version "N.N.N[-pre][+build]" of [s, s+len) */
int mmr_semver_parse(const char *s, size_t len, uint64_t max, struct mmr_semver *v);
/* precedence of SemVer §11; pre-release identifiers case-folded if fold */
int mmr_semver_pre_cmp(const char *a, const char *ae, const char *b, const char *be, bool fold);
int mmr_semver_order(const struct mmr_semver *a, const struct mmr_semver *b);

static inline bool mmr_version_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

#endif
