/* vulndb-version-gem.c - RubyGems versions (Gem::Version) and
 * requirements (Gem::Requirement), as rubygems implements them:
 *
 * Version: N(.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(.[0-9A-Za-z-]+)*)?, whitespace
 * around ignored; every '-' reads as ".pre.". Segments are the runs of
 * digits and of letters ("1.0.rc1" = 1, 0, "rc", 1). Canonical segments
 * drop trailing zeros from the numeric part and from the part starting at
 * the first letter segment separately (1.0.0 = 1, 1.0.a.0 = 1.a).
 * Comparison goes segment by segment, a missing segment being 0; a letter
 * segment is older than a number (1.0.a < 1.0 < 1.0.1); letters compare
 * byte-wise (case-sensitive, as Ruby's String#<=>). A version with a letter
 * is a prerelease.
 *
 * Requirements: comma-separated (AND) "op version", op one of = != > < >=
 * <= ~> (none: =). "~> 2.2.3" means >= 2.2.3 and the release part of the
 * version < 2.3 (Gem::Version#bump: drop letter segments, drop the last
 * segment unless it is the only one, increment the new last). */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define MAX_SEGS (MMR_VERSION_MAX_LEN + 1)

struct seg {
	const char *p;
	unsigned short len;
	bool num;
};

struct gv {
	struct seg s[MAX_SEGS];
	size_t n;
};

static bool rspace(int c)
{
	return mmr_version_space(c) || c == 0;
}

static int parse_n(const char *s, size_t len, struct gv *v)
{
	if (len > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	const char *end = s + len;
	while (s < end && rspace(*s))
		s++;
	while (end > s && rspace(end[-1]))
		end--;
	/* validate: N(.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(.[0-9A-Za-z-]+)*)? */
	const char *p = s;
	if (p == end || !isdigit((unsigned char)*p))
		return -EINVAL;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	while (p < end && *p == '.') {
		const char *st = ++p;
		while (p < end && isalnum((unsigned char)*p))
			p++;
		if (p == st)
			return -EINVAL;
	}
	if (p < end && *p == '-') {
		for (;;) {
			const char *st = ++p;
			while (p < end && (isalnum((unsigned char)*p) || *p == '-'))
				p++;
			if (p == st)
				return -EINVAL;
			if (p == end || *p != '.')
				break;
		}
	}
	if (p != end)
		return -EINVAL;
	/* segments */
	v->n = 0;
	for (p = s; p < end;) {
		if (*p == '.') {
			p++;
			continue;
		}
		if (v->n == MAX_SEGS)
			return -E2BIG;
		struct seg *g = &v->s[v->n++];
		if (*p == '-') {
			g->p = "pre", g->len = 3, g->num = false;
			p++;
			continue;
		}
		const char *st = p;
		bool num = isdigit((unsigned char)*p);
		while (p < end && (num ? isdigit((unsigned char)*p) : isalpha((unsigned char)*p)))
			p++;
		g->p = st, g->len = (unsigned short)(p - st), g->num = num;
	}
	return 0;
}

static int parse(const char *s, struct gv *v)
{
	return parse_n(s, strnlen(s, MMR_VERSION_MAX_LEN + 1), v);
}

static bool zero(const struct seg *g)
{
	if (!g->num)
		return false;
	for (size_t i = 0; i < g->len; i++)
		if (g->p[i] != '0')
			return false;
	return true;
}

/* canonical segments: indexes into v->s */
static size_t canonical(const struct gv *v, unsigned short *out)
{
	size_t first_str = v->n;
	for (size_t i = 0; i < v->n; i++)
		if (!v->s[i].num) {
			first_str = i;
			break;
		}
	size_t k = 0, a = first_str;
	while (a > 0 && zero(&v->s[a - 1]))
		a--;
	for (size_t i = 0; i < a; i++)
		out[k++] = (unsigned short)i;
	size_t b = v->n;
	while (b > first_str && zero(&v->s[b - 1]))
		b--;
	for (size_t i = first_str; i < b; i++)
		out[k++] = (unsigned short)i;
	return k;
}

static const struct seg ZERO = { "0", 1, true };

static int seg_cmp(const struct seg *a, const struct seg *b)
{
	if (a->num && b->num)
		return mmr_version_digits_cmp(a->p, a->len, b->p, b->len);
	if (a->num != b->num)
		return a->num ? 1 : -1;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
	if (c)
		return c < 0 ? -1 : 1;
	return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
}

static int order(const struct gv *x, const struct gv *y)
{
	unsigned short cx[MAX_SEGS], cy[MAX_SEGS];
	size_t nx = canonical(x, cx), ny = canonical(y, cy);
	size_t n = nx > ny ? nx : ny;
	for (size_t i = 0; i < n; i++) {
		const struct seg *a = i < nx ? &x->s[cx[i]] : &ZERO, *b = i < ny ? &y->s[cy[i]] : &ZERO;
		int c = seg_cmp(a, b);
		if (c)
			return c;
	}
	return 0;
}

static int gem_cmp(const char *a, const char *b, int *ret)
{
	struct gv x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	*ret = order(&x, &y);
	return 0;
}

/* ---- requirements ---- */

/* numeric segments before the first letter segment */
static size_t release_len(const struct gv *v)
{
	size_t i = 0;
	while (i < v->n && v->s[i].num)
		i++;
	return i;
}

/* r.bump into *out, digits written to buf (>= MMR_VERSION_MAX_LEN + 2) */
static void bump(const struct gv *r, struct gv *out, char *buf)
{
	size_t n = release_len(r);
	if (n > 1)
		n--;
	*out = *r;
	out->n = n;
	/* increment the last digit string */
	const struct seg *last = &r->s[n - 1];
	size_t l = last->len;
	memcpy(buf + 1, last->p, l);
	buf[0] = '0';
	size_t i = l;
	for (;;) {
		if (buf[i] == '9') {
			buf[i] = '0';
			i--;
		} else {
			buf[i]++;
			break;
		}
	}
	out->s[n - 1].p = buf;
	out->s[n - 1].len = (unsigned short)(l + 1);
}

static int gem_range_match(const char *expr, const char *version, bool *ret)
{
	struct gv v, r, b, rel;
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR || parse(version, &v) < 0)
		return -EINVAL;
	rel = v;
	rel.n = release_len(&v);
	bool all = true;
	const char *p = expr, *end = expr + n;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		while (p < e && rspace(*p))
			p++;
		int op = 0; /* 0 =, 1 !=, 2 >, 3 <, 4 >=, 5 <=, 6 ~> */
		static const char *const ops[] = { "~>", "!=", ">=", "<=", ">", "<", "=" };
		static const int opv[] = { 6, 1, 4, 5, 2, 3, 0 };
		for (int i = 0; i < 7; i++) {
			size_t l = strlen(ops[i]);
			if ((size_t)(e - p) >= l && !memcmp(p, ops[i], l)) {
				op = opv[i];
				p += l;
				break;
			}
		}
		if (parse_n(p, (size_t)(e - p), &r) < 0)
			return -EINVAL;
		int c = order(&v, &r);
		bool ok;
		switch (op) {
		case 0: ok = c == 0; break;
		case 1: ok = c != 0; break;
		case 2: ok = c > 0; break;
		case 3: ok = c < 0; break;
		case 4: ok = c >= 0; break;
		case 5: ok = c <= 0; break;
		default: {
			char buf[MMR_VERSION_MAX_LEN + 2];
			bump(&r, &b, buf);
			ok = c >= 0 && order(&rel, &b) < 0;
			break;
		}
		}
		all &= ok;
		if (!comma)
			break;
		p = comma + 1;
	}
	*ret = all;
	return 0;
}

const struct mmr_version_scheme mmr_version_gem = { "gem", gem_cmp, gem_range_match };
