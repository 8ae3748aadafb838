/* vulndb-version-nuget.c - NuGet package versions and version ranges
 * (learn.microsoft.com/nuget/concepts/package-versioning):
 *
 * Version: Major[.Minor[.Patch[.Revision]]][-prerelease][+metadata]; the
 * missing parts are 0 (1.0 = 1.0.0.0); each part fits a 32-bit int as in
 * NuGet. Order: the four numbers, then a release is newer than any
 * pre-release, pre-release labels compared one by one - numeric ones
 * numerically and before alphanumeric ones, alphanumeric ones
 * case-insensitively (NuGet's VersionComparer), more labels newer;
 * metadata ignored.
 *
 * Ranges: "1.0" (>= 1.0), "[1.0]" (exactly), "(1.0,)", "[1.0,2.0)",
 * "(,1.0]", ... one interval, brackets inclusive, parentheses exclusive.
 * Floating versions ("1.*") name no set of versions and are -EINVAL. */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <errno.h>
#include <string.h>

struct nv {
	uint64_t n[4];
	struct mmr_semver tail;
};

static int parse_n(const char *s, size_t len, struct nv *v)
{
	if (len > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	const char *e = s + len;
	while (s < e && mmr_version_space(*s))
		s++;
	while (e > s && mmr_version_space(e[-1]))
		e--;
	memset(v, 0, sizeof(*v));
	for (int i = 0; i < 4; i++) {
		if (i) {
			if (s == e || *s != '.')
				break;
			s++;
		}
		struct mmr_semver t;
		if (mmr_semver_parse_core(&s, e, INT32_MAX, 1, &t) < 0)
			return -EINVAL;
		v->n[i] = t.n[0];
	}
	return mmr_semver_parse_tail(s, e, &v->tail);
}

static int order(const struct nv *x, const struct nv *y)
{
	for (int i = 0; i < 4; i++)
		if (x->n[i] != y->n[i])
			return x->n[i] < y->n[i] ? -1 : 1;
	return mmr_semver_pre_cmp(x->tail.pre, x->tail.pre_end, y->tail.pre, y->tail.pre_end, true);
}

static int nuget_cmp(const char *a, const char *b, int *ret)
{
	struct nv x, y;
	if (parse_n(a, strnlen(a, MMR_VERSION_MAX_LEN + 1), &x) < 0 ||
	    parse_n(b, strnlen(b, MMR_VERSION_MAX_LEN + 1), &y) < 0)
		return -EINVAL;
	*ret = order(&x, &y);
	return 0;
}

static bool blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (!mmr_version_space(*s))
			return false;
	return true;
}

static int nuget_range_match(const char *expr, const char *version, bool *ret)
{
	struct nv v, b;
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR || parse_n(version, strnlen(version, MMR_VERSION_MAX_LEN + 1), &v) < 0)
		return -EINVAL;
	const char *s = expr, *e = expr + n;
	while (s < e && mmr_version_space(*s))
		s++;
	while (e > s && mmr_version_space(e[-1]))
		e--;
	if (s == e)
		return -EINVAL;
	if (*s != '[' && *s != '(') {
		if (parse_n(s, (size_t)(e - s), &b) < 0)
			return -EINVAL;
		*ret = order(&v, &b) >= 0;
		return 0;
	}
	bool lo_inc = *s == '[', hi_inc = e[-1] == ']';
	if (e - s < 2 || (e[-1] != ']' && e[-1] != ')'))
		return -EINVAL;
	const char *in = s + 1, *ie = e - 1;
	const char *comma = memchr(in, ',', (size_t)(ie - in));
	if (!comma) {
		if (!lo_inc || !hi_inc || parse_n(in, (size_t)(ie - in), &b) < 0)
			return -EINVAL;
		*ret = order(&v, &b) == 0;
		return 0;
	}
	if (memchr(comma + 1, ',', (size_t)(ie - comma - 1)))
		return -EINVAL;
	bool has_lo = !blank(in, comma), has_hi = !blank(comma + 1, ie), ok = true;
	if (!has_lo && !has_hi)
		return -EINVAL;
	if (has_lo) {
		if (parse_n(in, (size_t)(comma - in), &b) < 0)
			return -EINVAL;
		int c = order(&v, &b);
		ok &= lo_inc ? c >= 0 : c > 0;
	}
	if (has_hi) {
		if (parse_n(comma + 1, (size_t)(ie - comma - 1), &b) < 0)
			return -EINVAL;
		int c = order(&v, &b);
		ok &= hi_inc ? c <= 0 : c < 0;
	}
	*ret = ok;
	return 0;
}

const struct mmr_version_scheme mmr_version_nuget = { "nuget", nuget_cmp, nuget_range_match };
