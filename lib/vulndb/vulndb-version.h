/* vulndb-version.h - version comparison, one module per scheme.
 *
 * Each scheme compares two version strings of its ecosystem exactly as the
 * ecosystem's own tools do (dpkg --compare-versions, rpmvercmp, apk
 * version -t, SemVer 2.0.0 precedence, ...). A version a scheme cannot
 * parse is -EINVAL, never a guess: matching must not invent an order.
 * The schemes are rows of vulndb-version.def. */
#ifndef MMR_VULNDB_VERSION_H
#define MMR_VULNDB_VERSION_H

#include <stdbool.h>

struct mmr_version_scheme {
	const char *name;
	/* *ret < 0, 0, > 0 as a is older, equal, newer than b. -EINVAL when
	 * either is not a version of this scheme. */
	int (*cmp)(const char *a, const char *b, int *ret);
	/* Does `version` satisfy the native range expression `expr` of this
	 * ecosystem's grammar? NULL when the scheme has no range grammar. */
	int (*range_match)(const char *expr, const char *version, bool *ret);
};

#define V(n) extern const struct mmr_version_scheme mmr_version_##n;
#include "vulndb/vulndb-version.def"
#undef V

const struct mmr_version_scheme *mmr_version_scheme_find(const char *name);
int mmr_version_cmp(const char *scheme, const char *a, const char *b, int *ret);
/* -ENOTSUP when the scheme has no range grammar, -EINVAL on a bad expr. */
int mmr_version_range_match(const char *scheme, const char *expr, const char *version, bool *ret);

#endif
