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

#include "vulndb/vulndb-version-util.h"

static int num(const char **s, const char *end, uint64_t max, uint64_t *ret)
{
	const char *p = *s;
	if (p >= end || !isdigit((unsigned char)*p) || (p[0] == '0' && p + 1 < end && isdigit((unsigned char)p[1])))
		return -EINVAL;
	uint64_t v = 0;
	for (; p < end && isdigit((unsigned char)*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*s = p;
	*ret = v;
	return 0;
}

static bool ident_ok(const char *a, const char *e, bool leading_zero_ok)
{
	if (a == e)
		return false;
	bool all_digits = true;
	for (const char *p = a; p < e; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		all_digits &= isdigit((unsigned char)*p) != 0;
	}
	return leading_zero_ok || !(all_digits && e - a > 1 && a[0] == '0');
}

/* dot-separated identifiers over [a, e) */
static bool idents_ok(const char *a, const char *e, bool leading_zero_ok)
{
	for (;;) {
		const char *d = memchr(a, '.', (size_t)(e - a));
		if (!d)
			return ident_ok(a, e, leading_zero_ok);
		if (!ident_ok(a, d, leading_zero_ok))
			return false;
		a = d + 1;
	}
}

int mmr_semver_parse_core(const char **s, const char *end, uint64_t max, size_t nparts,
			  struct mmr_semver *v)
{
	const char *p = *s;
	v->n[0] = v->n[1] = v->n[2] = 0;
	v->nparts = 0;
	for (size_t i = 0; i < nparts; i++) {
		if (num(&p, end, max, &v->n[i]) < 0)
			return -EINVAL;
		v->nparts++;
		if (i + 1 < nparts) {
			if (p >= end || *p != '.')
				return -EINVAL;
			p++;
		}
	}
	*s = p;
	return 0;
}

int mmr_semver_parse_tail(const char *p, const char *end, struct mmr_semver *v)
{
	v->pre = v->pre_end = NULL;
	if (p < end && *p == '-') {
		v->pre = ++p;
		while (p < end && *p != '+')
			p++;
		v->pre_end = p;
		if (!idents_ok(v->pre, v->pre_end, false))
			return -EINVAL;
	}
	if (p < end && *p == '+') {
		p++;
		if (!idents_ok(p, end, true))
			return -EINVAL;
		p = end;
	}
	return p == end ? 0 : -EINVAL;
}

int mmr_semver_parse(const char *s, size_t len, uint64_t max, struct mmr_semver *v)
{
	const char *end = s + len;
	if (len > MMR_VERSION_MAX_LEN || mmr_semver_parse_core(&s, end, max, 3, v) < 0)
		return -EINVAL;
	return mmr_semver_parse_tail(s, end, v);
}

static bool numeric(const char *a, const char *e)
{
	for (; a < e; a++)
		if (!isdigit((unsigned char)*a))
			return false;
	return true;
}

int mmr_semver_pre_cmp(const char *a, const char *ae, const char *b, const char *be, bool fold)
{
	if (!a || !b)
		return !a && !b ? 0 : a ? -1 : 1;
	for (;;) {
		bool aend = a > ae, bend = b > be;
		if (aend || bend)
			return aend && bend ? 0 : aend ? -1 : 1;
		const char *x = memchr(a, '.', (size_t)(ae - a));
		const char *y = memchr(b, '.', (size_t)(be - b));
		if (!x)
			x = ae;
		if (!y)
			y = be;
		bool an = numeric(a, x), bn = numeric(b, y);
		int c = 0;
		if (an && bn) {
			c = mmr_version_digits_cmp(a, (size_t)(x - a), b, (size_t)(y - b));
		} else if (an != bn) {
			c = an ? -1 : 1;
		} else {
			size_t la = (size_t)(x - a), lb = (size_t)(y - b);
			for (size_t i = 0; i < la && i < lb && !c; i++) {
				int ca = (unsigned char)a[i], cb = (unsigned char)b[i];
				if (fold)
					ca = tolower(ca), cb = tolower(cb);
				c = ca < cb ? -1 : ca > cb;
			}
			if (!c && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c;
		a = x + 1;
		b = y + 1;
	}
}

int mmr_semver_order(const struct mmr_semver *x, const struct mmr_semver *y)
{
	for (int i = 0; i < 3; i++)
		if (x->n[i] != y->n[i])
			return x->n[i] < y->n[i] ? -1 : 1;
	return mmr_semver_pre_cmp(x->pre, x->pre_end, y->pre, y->pre_end, false);
}

static int parse(const char *s, struct mmr_semver *v)
{
	if (*s == 'v')
		s++;
	return mmr_semver_parse(s, strnlen(s, MMR_VERSION_MAX_LEN + 1), UINT64_MAX, v);
}

static int semver_cmp(const char *a, const char *b, int *ret)
{
	struct mmr_semver x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	*ret = mmr_semver_order(&x, &y);
	return 0;
}

/* ">= 1.0.0, < 2.0.0": comparator lists (the GHSA "vulnerable range" form) */
static int semver_range_match(const char *expr, const char *version, bool *ret)
{
	return mmr_version_oplist_match(expr, version, semver_cmp, ret);
}

const struct mmr_version_scheme mmr_version_semver = { "semver", semver_cmp, semver_range_match };
