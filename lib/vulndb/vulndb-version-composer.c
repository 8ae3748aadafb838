/* vulndb-version-composer.c - Composer (Packagist) versions and
 * constraints, after composer/semver's VersionParser and Comparator
 * (getcomposer.org/doc/articles/versions.md):
 *
 * Version: [v]M[.m[.p[.b]]] with an optional stability suffix
 * [._-]?(stable|beta|b|RC|alpha|a|patch|pl|p)([.-]?N)* and [.-]?dev,
 * and "+build" ignored; normalised to four numbers plus the suffix.
 * Order is PHP version_compare() on the normalised form: the numbers, then
 * dev < alpha < beta < RC < (stable) < patch, then the suffix numbers; a
 * trailing "-dev" is older than the same version without it.
 * Branches ("dev-main", "1.x-dev") and date versions (a major of more
 * than five digits) are -EINVAL: they have no order against releases.
 *
 * Constraints: "||" (or "|") separate alternatives; "," or spaces AND;
 * = == != <> < <= > >= with "<V" and ">=V" meaning V's -dev (so "<2.0"
 * excludes 2.0.0-beta1, as composer does); ~1.2 = >=1.2.0.0-dev
 * <2.0.0.0-dev, ~1.2.3 = <1.3.0.0-dev; ^1.2.3 = <2.0.0.0-dev, ^0.3 =
 * <0.4, ^0.0.3 = <0.0.4; 1.2.* = >=1.2.0.0-dev <1.3.0.0-dev; "1.0 - 2.0" =
 * >=1.0.0.0-dev <2.1.0.0-dev ("- 2.0.0" is <=2.0.0.0); "*" anything;
 * stability flags (@dev, @stable) are ignored. */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define MAX_SUF 16

enum { ST_DEV, ST_ALPHA, ST_BETA, ST_RC, ST_STABLE, ST_PATCH };
#define RANK_NUM 4 /* PHP's "#": a number among the special forms */

struct cv {
	uint64_t n[4];
	int nparts;       /* numbers given */
	int stab;         /* ST_* of the suffix, ST_STABLE when none */
	bool has_stab;    /* a stability word was written (even "stable") */
	uint64_t sn[MAX_SUF];
	int nsn;
	bool dev;
	bool hyphen_mod;  /* '-' right before the stability word or "dev" */
	bool extra_dev;   /* a second "-dev" (">=1.0.dev" is >= 1.0.0.0-dev-dev) */
};

static int ci_word(const char *p, const char *e, const char *w)
{
	size_t l = strlen(w);
	return (size_t)(e - p) >= l && strncasecmp(p, w, l) == 0 ? (int)l : 0;
}

static int parse_n(const char *s, size_t len, struct cv *v)
{
	if (len > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	const char *e = s + len;
	while (s < e && mmr_version_space(*s))
		s++;
	while (e > s && mmr_version_space(e[-1]))
		e--;
	const char *plus = memchr(s, '+', (size_t)(e - s));
	if (plus) {
		for (const char *q = plus + 1; q < e; q++)
			if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-')
				return -EINVAL;
		if (plus + 1 == e)
			return -EINVAL;
		e = plus;
	}
	memset(v, 0, sizeof(*v));
	v->stab = ST_STABLE;
	if (s < e && (*s == 'v' || *s == 'V'))
		s++;
	for (int i = 0; i < 4; i++) {
		if (i && !(s + 1 < e && *s == '.' && isdigit((unsigned char)s[1])))
			break;
		if (i)
			s++;
		const char *d = s;
		if (mmr_version_u64(&s, &v->n[i]) < 0)
			return -EINVAL;
		if (i == 0 && s - d > 5)
			return -EINVAL; /* composer reads that as a date version */
		v->nparts++;
	}
	/* stability suffix */
	const char *p = s;
	bool hy = p < e && *p == '-';
	if (p < e && (*p == '.' || *p == '_' || *p == '-'))
		p++;
	static const struct {
		const char *w;
		int st;
	} words[] = { { "stable", ST_STABLE }, { "beta", ST_BETA }, { "b", ST_BETA },  { "RC", ST_RC },
		      { "alpha", ST_ALPHA },   { "a", ST_ALPHA },   { "patch", ST_PATCH }, { "pl", ST_PATCH },
		      { "p", ST_PATCH } };
	int wl = 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && !wl; i++) {
		if ((wl = ci_word(p, e, words[i].w)) > 0) {
			v->stab = words[i].st;
			v->has_stab = true;
		}
	}
	if (wl) {
		v->hyphen_mod = hy;
		s = p + wl;
		for (;;) {
			const char *q = s;
			if (q < e && (*q == '.' || *q == '-'))
				q++;
			if (!(q < e && isdigit((unsigned char)*q)))
				break;
			if (v->nsn == MAX_SUF || mmr_version_u64(&q, &v->sn[v->nsn]) < 0)
				return -EINVAL;
			v->nsn++;
			s = q;
		}
	}
	p = s;
	hy = p < e && *p == '-';
	if (p < e && (*p == '.' || *p == '-'))
		p++;
	int dl = ci_word(p, e, "dev");
	if (dl && p + dl == e) {
		v->dev = true;
		v->hyphen_mod |= hy;
		s = e;
	}
	if (s != e)
		return -EINVAL;
	if (v->stab == ST_STABLE && v->has_stab) {
		v->nsn = 0; /* composer returns the bare version for "stable" */
		v->dev = false;
	}
	return 0;
}

static int parse(const char *s, struct cv *v)
{
	return parse_n(s, strnlen(s, MMR_VERSION_MAX_LEN + 1), v);
}

/* The suffix as PHP version_compare sees it: special forms and numbers. */
struct tok {
	bool num;
	int rank;
	uint64_t v;
};

static int tail(const struct cv *v, struct tok *t)
{
	int n = 0;
	if (v->stab != ST_STABLE) {
		static const int rank[] = { [ST_DEV] = 0, [ST_ALPHA] = 1, [ST_BETA] = 2, [ST_RC] = 3, [ST_PATCH] = 5 };
		t[n++] = (struct tok){ false, rank[v->stab], 0 };
		for (int i = 0; i < v->nsn; i++)
			t[n++] = (struct tok){ true, RANK_NUM, v->sn[i] };
	}
	if (v->dev)
		t[n++] = (struct tok){ false, 0, 0 };
	if (v->extra_dev)
		t[n++] = (struct tok){ false, 0, 0 };
	return n;
}

static int order(const struct cv *x, const struct cv *y)
{
	for (int i = 0; i < 4; i++)
		if (x->n[i] != y->n[i])
			return x->n[i] < y->n[i] ? -1 : 1;
	struct tok a[MAX_SUF + 3], b[MAX_SUF + 3];
	int na = tail(x, a), nb = tail(y, b);
	for (int i = 0; i < na || i < nb; i++) {
		if (i >= na)
			return b[i].num ? -1 : (RANK_NUM > b[i].rank ? 1 : RANK_NUM < b[i].rank ? -1 : 0);
		if (i >= nb)
			return a[i].num ? 1 : (a[i].rank > RANK_NUM ? 1 : a[i].rank < RANK_NUM ? -1 : 0);
		if (a[i].num && b[i].num) {
			if (a[i].v != b[i].v)
				return a[i].v < b[i].v ? -1 : 1;
		} else if (a[i].rank != b[i].rank) {
			return a[i].rank < b[i].rank ? -1 : 1;
		}
	}
	return 0;
}

static int composer_cmp(const char *a, const char *b, int *ret)
{
	struct cv x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	*ret = order(&x, &y);
	return 0;
}

/* ---- constraints ---- */

/* v with n[pos-1] incremented by inc and the rest zeroed; "-dev" */
static struct cv bound(const struct cv *v, int pos, uint64_t inc, bool *overflow)
{
	struct cv b;
	memset(&b, 0, sizeof(b));
	b.stab = ST_STABLE;
	for (int i = 0; i < pos; i++)
		b.n[i] = v->n[i];
	if (b.n[pos - 1] > UINT64_MAX - inc)
		*overflow = true;
	b.n[pos - 1] += inc;
	b.dev = true;
	return b;
}

static struct cv dev_of(const struct cv *v)
{
	struct cv d = *v;
	if (!d.has_stab && !d.dev)
		d.dev = true;
	return d;
}

static bool xpart(const char *p, const char *e)
{
	return e - p == 1 && (*p == 'x' || *p == 'X' || *p == '*');
}

/* "[v]N(.N)*(.x)+" or "*(.*)*": *npos numbers before the wildcards */
static int wildcard(const char *s, const char *e, struct cv *v, int *npos)
{
	if (s < e && (*s == 'v' || *s == 'V'))
		s++;
	memset(v, 0, sizeof(*v));
	v->stab = ST_STABLE;
	*npos = 0;
	bool wild = false;
	while (s < e) {
		const char *d = memchr(s, '.', (size_t)(e - s));
		if (!d)
			d = e;
		if (xpart(s, d)) {
			wild = true;
		} else {
			const char *q = s;
			if (wild || *npos == 4 || mmr_version_u64(&q, &v->n[*npos]) < 0 || q != d)
				return -EINVAL;
			(*npos)++;
		}
		s = d < e ? d + 1 : e;
		if (d + 1 == e)
			return -EINVAL;
	}
	return wild && *npos >= 1 && *npos < 4 ? 0 : -EINVAL;
}

enum op { EQ, NE, LT, LE, GT, GE };

static bool test(enum op op, const struct cv *v, const struct cv *c)
{
	int o = order(v, c);
	switch (op) {
	case EQ: return o == 0;
	case NE: return o != 0;
	case LT: return o < 0;
	case LE: return o <= 0;
	case GT: return o > 0;
	case GE: return o >= 0;
	}
	return false;
}

/* one constraint [s, e) against v */
static int single(const char *s, const char *e, const struct cv *v, bool *ret)
{
	/* stability flag */
	const char *at = memchr(s, '@', (size_t)(e - s));
	int flag = -1; /* @alpha/@beta/@RC/@dev: ST_*; @stable: -1 */
	if (at) {
		static const char *const flags[] = { "stable", "RC", "beta", "alpha", "dev" };
		static const int fst[] = { -1, ST_RC, ST_BETA, ST_ALPHA, ST_DEV };
		bool ok = false;
		for (int i = 0; i < 5 && !ok; i++) {
			ok = ci_word(at + 1, e, flags[i]) == (int)(e - at - 1) && e - at - 1 > 0;
			if (ok)
				flag = fst[i];
		}
		if (!ok)
			return -EINVAL;
		if (at == s) { /* "@dev" alone: anything */
			*ret = true;
			return 0;
		}
		e = at;
	}
	if (s == e)
		return -EINVAL;
	struct cv c, lo, hi;
	bool of = false;
	int np;
	if (*s == '~' || *s == '^') {
		bool tilde = *s == '~';
		s++;
		if (tilde && s < e && *s == '>')
			return -EINVAL; /* composer refuses Ruby's "~>" */
		if (parse_n(s, (size_t)(e - s), &c) < 0)
			return -EINVAL;
		int pos;
		if (tilde) {
			pos = c.nparts > 1 ? c.nparts - 1 : 1;
		} else {
			pos = c.n[0] != 0 || c.nparts < 2 ? 1 : c.n[1] != 0 || c.nparts < 3 ? 2 : 3;
		}
		lo = dev_of(&c);
		hi = bound(&c, pos, 1, &of);
		if (of)
			return -EINVAL;
		*ret = test(GE, v, &lo) && test(LT, v, &hi);
		return 0;
	}
	if (xpart(s, e) || (e - s >= 3 && xpart(s, s + 1) && s[1] == '.')) {
		int n2;
		if (!xpart(s, e) && wildcard(s, e, &c, &n2) < 0)
			return -EINVAL;
		*ret = true;
		return 0;
	}
	if (wildcard(s, e, &c, &np) == 0) {
		lo = bound(&c, np, 0, &of);
		hi = bound(&c, np, 1, &of);
		if (of)
			return -EINVAL;
		*ret = test(GE, v, &lo) && test(LT, v, &hi);
		return 0;
	}
	enum op op = EQ;
	if (e - s >= 2 && (!memcmp(s, "<>", 2) || !memcmp(s, "!=", 2)))
		op = NE, s += 2;
	else if (e - s >= 2 && !memcmp(s, ">=", 2))
		op = GE, s += 2;
	else if (e - s >= 2 && !memcmp(s, "<=", 2))
		op = LE, s += 2;
	else if (e - s >= 2 && !memcmp(s, "==", 2))
		s += 2;
	else if (*s == '<')
		op = LT, s++;
	else if (*s == '>')
		op = GT, s++;
	else if (*s == '=')
		s++;
	while (s < e && mmr_version_space(*s))
		s++;
	if (parse_n(s, (size_t)(e - s), &c) < 0)
		return -EINVAL;
	bool stable = c.stab == ST_STABLE && !c.dev;
	if (op != EQ && flag >= 0 && stable) {
		/* ">1.0@beta" reads as ">1.0.0.0-beta" */
		if (flag == ST_DEV)
			c.dev = true;
		else
			c.stab = flag, c.has_stab = true;
	} else if ((op == LT || op == GE) && !c.hyphen_mod) {
		/* composer appends "-dev" unless a "-stability" ends the
		 * version as written: "<2.0" is "<2.0.0.0-dev" */
		if (c.dev)
			c.extra_dev = true;
		else
			c.dev = true;
	}
	*ret = test(op, v, &c);
	return 0;
}

/* an AND group [s, e): tokens split on ',' and spaces, with operators
 * joined to their version and "A - B" hyphen ranges */
static int group(const char *s, const char *e, const struct cv *v, bool *ret)
{
	const char *tok[64], *tend[64];
	int nt = 0;
	while (s < e) {
		while (s < e && (mmr_version_space(*s) || *s == ','))
			s++;
		if (s == e)
			break;
		if (nt == 64)
			return -E2BIG;
		tok[nt] = s;
		while (s < e && !mmr_version_space(*s) && *s != ',')
			s++;
		tend[nt++] = s;
	}
	if (!nt)
		return -EINVAL;
	bool all = true;
	for (int i = 0; i < nt; i++) {
		const char *a = tok[i], *ae = tend[i];
		if (i + 2 < nt && tend[i + 1] - tok[i + 1] == 1 && tok[i + 1][0] == '-') {
			/* hyphen range */
			struct cv lo, hi;
			if (parse_n(a, (size_t)(ae - a), &lo) < 0 ||
			    parse_n(tok[i + 2], (size_t)(tend[i + 2] - tok[i + 2]), &hi) < 0)
				return -EINVAL;
			lo = dev_of(&lo);
			bool m;
			if (hi.nparts >= 3 || hi.has_stab || hi.dev) {
				m = test(LE, v, &hi);
			} else {
				bool of = false;
				struct cv h = bound(&hi, hi.nparts, 1, &of);
				if (of)
					return -EINVAL;
				m = test(LT, v, &h);
			}
			all &= m && test(GE, v, &lo);
			i += 2;
			continue;
		}
		/* a lone operator takes the next token */
		const char *op_end = a;
		while (op_end < ae && strchr("<>=!~^", *op_end))
			op_end++;
		char buf[MMR_VERSION_MAX_LEN + 8];
		if (op_end == ae) {
			if (i + 1 == nt || (size_t)(tend[i + 1] - tok[i + 1]) + (size_t)(ae - a) >= sizeof(buf))
				return -EINVAL;
			size_t l1 = (size_t)(ae - a), l2 = (size_t)(tend[i + 1] - tok[i + 1]);
			memcpy(buf, a, l1);
			memcpy(buf + l1, tok[i + 1], l2);
			a = buf;
			ae = buf + l1 + l2;
			i++;
		}
		bool m;
		int r = single(a, ae, v, &m);
		if (r < 0)
			return r;
		all &= m;
	}
	*ret = all;
	return 0;
}

static int composer_range_match(const char *expr, const char *version, bool *ret)
{
	struct cv v;
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR || parse(version, &v) < 0)
		return -EINVAL;
	const char *p = expr, *end = expr + n;
	bool any = false;
	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		const char *e = bar ? bar : end;
		bool m;
		int r = group(p, e, &v, &m);
		if (r < 0)
			return r;
		any |= m;
		if (!bar)
			break;
		p = bar + 1;
		if (p < end && *p == '|')
			p++;
	}
	*ret = any;
	return 0;
}

const struct mmr_version_scheme mmr_version_composer = { "composer", composer_cmp, composer_range_match };
