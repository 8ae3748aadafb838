/* vulndb-version-semver.c - Semantic Versioning 2.0.0 precedence (§11):
 * MAJOR.MINOR.PATCH numerically, a pre-release is older than the release,
 * pre-release identifiers compared one by one (numeric < alphanumeric,
 * numerics numerically, more identifiers newer), build metadata ignored.
 * A leading "v" is accepted (Go modules); strict otherwise: no leading
 * zeros, exactly three numeric parts. */
#include "vulndb/vulndb-version.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

struct sv {
	uint64_t n[3];
	const char *pre, *pre_end; /* pre == NULL: none */
};

static int num(const char **s, uint64_t *ret)
{
	const char *p = *s;
	uint64_t v = 0;
	if (!isdigit((unsigned char)*p) || (p[0] == '0' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*ret = v;
	return 0;
}

static bool ident_ok(const char *a, const char *e)
{
	if (a == e)
		return false;
	bool all_digits = true;
	for (const char *p = a; p < e; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		all_digits &= isdigit((unsigned char)*p) != 0;
	}
	return !(all_digits && e - a > 1 && a[0] == '0');
}

static int parse(const char *s, struct sv *v)
{
	if (*s == 'v')
		s++;
	for (int i = 0; i < 3; i++) {
		if (num(&s, &v->n[i]) < 0)
			return -EINVAL;
		if (i < 2 && *s++ != '.')
			return -EINVAL;
	}
	v->pre = NULL;
	if (*s == '-') {
		v->pre = ++s;
		while (*s && *s != '+')
			s++;
		v->pre_end = s;
		for (const char *a = v->pre; a <= v->pre_end;) {
			const char *e = memchr(a, '.', (size_t)(v->pre_end - a));
			if (!e)
				e = v->pre_end;
			if (!ident_ok(a, e))
				return -EINVAL;
			a = e + 1;
		}
	}
	if (*s == '+') {
		s++;
		if (!*s)
			return -EINVAL;
		while (*s && (isalnum((unsigned char)*s) || *s == '-' || *s == '.'))
			s++;
	}
	return *s ? -EINVAL : 0;
}

static bool numeric(const char *a, const char *e)
{
	for (; a < e; a++)
		if (!isdigit((unsigned char)*a))
			return false;
	return true;
}

static int pre_cmp(const struct sv *x, const struct sv *y)
{
	if (!x->pre || !y->pre)
		return !x->pre && !y->pre ? 0 : x->pre ? -1 : 1;
	const char *a = x->pre, *b = y->pre;
	for (;;) {
		bool aend = a > x->pre_end, bend = b > y->pre_end;
		if (aend || bend)
			return aend && bend ? 0 : aend ? -1 : 1;
		const char *ae = memchr(a, '.', (size_t)(x->pre_end - a));
		const char *be = memchr(b, '.', (size_t)(y->pre_end - b));
		if (!ae)
			ae = x->pre_end;
		if (!be)
			be = y->pre_end;
		bool an = numeric(a, ae), bn = numeric(b, be);
		int c;
		if (an && bn) {
			c = (ae - a != be - b) ? (ae - a < be - b ? -1 : 1) : memcmp(a, b, (size_t)(ae - a));
		} else if (an != bn) {
			c = an ? -1 : 1;
		} else {
			size_t la = (size_t)(ae - a), lb = (size_t)(be - b);
			c = memcmp(a, b, la < lb ? la : lb);
			if (!c && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a = ae + 1;
		b = be + 1;
	}
}

static int semver_cmp(const char *a, const char *b, int *ret)
{
	struct sv x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (x.n[i] != y.n[i]) {
			*ret = x.n[i] < y.n[i] ? -1 : 1;
			return 0;
		}
	}
	*ret = pre_cmp(&x, &y);
	return 0;
}

const struct mmr_version_scheme mmr_version_semver = { "semver", semver_cmp, NULL };
