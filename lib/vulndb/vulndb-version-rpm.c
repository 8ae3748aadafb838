/* vulndb-version-rpm.c - RPM version comparison: [epoch:]version[-release],
 * each part compared with the rpmvercmp rules: alphanumeric segments,
 * numeric segments numerically and newer than alphabetic ones, '~' sorts
 * before anything (pre-releases), '^' after the end but before any further
 * segment (snapshots), other characters only separate. */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

static int seg_cmp(const char *a, const char *ae, const char *b, const char *be)
{
	if (ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0)
		return 0;
	while (a < ae || b < be) {
		while (a < ae && !isalnum((unsigned char)*a) && *a != '~' && *a != '^')
			a++;
		while (b < be && !isalnum((unsigned char)*b) && *b != '~' && *b != '^')
			b++;
		/* tilde: older than anything, even the end */
		if ((a < ae && *a == '~') || (b < be && *b == '~')) {
			if (!(a < ae && *a == '~'))
				return 1;
			if (!(b < be && *b == '~'))
				return -1;
			a++;
			b++;
			continue;
		}
		/* caret: newer than the end, older than a further segment */
		if ((a < ae && *a == '^') || (b < be && *b == '^')) {
			if (a >= ae)
				return -1;
			if (b >= be)
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (a >= ae || b >= be)
			break;
		const char *sa = a, *sb = b;
		bool num = isdigit((unsigned char)*a);
		if (num) {
			while (a < ae && isdigit((unsigned char)*a))
				a++;
			while (b < be && isdigit((unsigned char)*b))
				b++;
		} else {
			while (a < ae && isalpha((unsigned char)*a))
				a++;
			while (b < be && isalpha((unsigned char)*b))
				b++;
		}
		if (sb == b) /* segments of different kinds: numbers are newer */
			return num ? 1 : -1;
		if (num) {
			while (sa < a && *sa == '0')
				sa++;
			while (sb < b && *sb == '0')
				sb++;
			if (a - sa != b - sb)
				return a - sa > b - sb ? 1 : -1;
		}
		size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
		int c = memcmp(sa, sb, la < lb ? la : lb);
		if (c)
			return c < 0 ? -1 : 1;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	if (a >= ae && b >= be)
		return 0;
	return a < ae ? 1 : -1;
}

struct evr {
	uint64_t epoch;
	const char *v, *ve, *r, *re;
};

static int parse(const char *s, struct evr *e)
{
	if (strnlen(s, MMR_VERSION_MAX_LEN + 1) > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	size_t n = strlen(s);
	if (n == 0)
		return -EINVAL;
	const char *end = s + n, *colon = memchr(s, ':', n);
	e->epoch = 0;
	if (colon) {
		if (colon == s)
			return -EINVAL;
		for (const char *p = s; p < colon; p++) {
			if (!isdigit((unsigned char)*p) || e->epoch > (UINT32_MAX - 9) / 10)
				return -EINVAL;
			e->epoch = e->epoch * 10 + (uint64_t)(*p - '0');
		}
		s = colon + 1;
	}
	const char *dash = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '-')
			dash = p;
	e->v = s;
	e->ve = dash ? dash : end;
	e->r = dash ? dash + 1 : end;
	e->re = end;
	return e->v < e->ve ? 0 : -EINVAL;
}

static int rpm_cmp(const char *a, const char *b, int *ret)
{
	struct evr x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	int r;
	if (x.epoch != y.epoch)
		r = x.epoch < y.epoch ? -1 : 1;
	else if ((r = seg_cmp(x.v, x.ve, y.v, y.ve)) == 0 && x.r < x.re && y.r < y.re)
		r = seg_cmp(x.r, x.re, y.r, y.re); /* a missing release matches any */
	*ret = r;
	return 0;
}

/* Comparator lists ("< 1.2-3", ">= 1.0, < 2.0"): distributions mostly
 * publish a fixed version only, but some feeds write ranges this way. */
static int rpm_range_match(const char *expr, const char *version, bool *ret)
{
	return mmr_version_oplist_match(expr, version, rpm_cmp, ret);
}

const struct mmr_version_scheme mmr_version_rpm = { "rpm", rpm_cmp, rpm_range_match };
