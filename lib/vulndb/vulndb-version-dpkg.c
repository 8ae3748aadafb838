/* vulndb-version-dpkg.c - Debian version comparison (deb-version(7),
 * Debian Policy 5.6.12): [epoch:]upstream[-revision]; non-digit parts
 * compare with '~' before everything (even the end), letters before other
 * characters; digit parts compare numerically. */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

struct dv {
	uint64_t epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;
		while ((a < ae && !isdigit((unsigned char)*a)) || (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? order((unsigned char)*a) : 0;
			int bc = b < be ? order((unsigned char)*b) : 0;
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && isdigit((unsigned char)*a) && b < be && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

static int parse(const char *s, struct dv *v)
{
	if (strnlen(s, MMR_VERSION_MAX_LEN + 1) > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	if (n == 0)
		return -EINVAL;
	const char *end = s + n;
	const char *colon = memchr(s, ':', n);
	v->epoch = 0;
	if (colon) {
		if (colon == s)
			return -EINVAL;
		for (const char *p = s; p < colon; p++) {
			if (!isdigit((unsigned char)*p) || v->epoch > (UINT32_MAX - 9) / 10)
				return -EINVAL;
			v->epoch = v->epoch * 10 + (uint64_t)(*p - '0');
		}
		s = colon + 1;
	}
	const char *dash = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '-')
			dash = p;
	v->up = s;
	v->up_end = dash ? dash : end;
	v->rev = dash ? dash + 1 : end;
	v->rev_end = end;
	if (v->up == v->up_end || !isdigit((unsigned char)*v->up))
		return -EINVAL; /* upstream must start with a digit */
	for (const char *p = v->up; p < v->up_end; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".+~-:", *p))
			return -EINVAL;
	for (const char *p = v->rev; p < v->rev_end; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".+~", *p))
			return -EINVAL;
	return 0;
}

static int dpkg_cmp(const char *a, const char *b, int *ret)
{
	struct dv x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	int r;
	if (x.epoch != y.epoch)
		r = x.epoch < y.epoch ? -1 : 1;
	else if ((r = verrevcmp(x.up, x.up_end, y.up, y.up_end)) == 0)
		r = verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
	*ret = r < 0 ? -1 : r > 0;
	return 0;
}

/* Comparator lists ("< 1.2-3", ">= 1.0, < 2.0"): distributions mostly
 * publish a fixed version only, but some feeds write ranges this way. */
static int dpkg_range_match(const char *expr, const char *version, bool *ret)
{
	return mmr_version_oplist_match(expr, version, dpkg_cmp, ret);
}

const struct mmr_version_scheme mmr_version_dpkg = { "dpkg", dpkg_cmp, dpkg_range_match };
