/* vulndb-version-pep440.c - Python versions (PEP 440, "Version scheme"
 * and "Version specifiers"), with the exact behaviour of the reference
 * implementation, pypa/packaging 23 (Debian's python3-packaging), which
 * tests/cli/test_version_differential.py compares us against.
 *
 * Version: [v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local], case-
 * insensitive, with the normalisations of PEP 440: alpha/beta/c/pre/preview
 * spell a/b/rc, rev/r spell post, "-N" is an implicit post-release, the
 * separators - _ . are optional around pre/post/dev labels, a missing
 * number is 0, surrounding whitespace is ignored.
 *
 * Order (packaging's _cmpkey): epoch; release with trailing zeros dropped;
 * then dev-only releases first (1.0.dev1 < 1.0a1), pre-releases a < b < rc,
 * the final release, post-releases; a dev part is older than the same
 * without it; local versions sort after the public one, segment by
 * segment, alphanumeric segments (case-folded) before numeric ones.
 *
 * Specifiers: comma-separated (AND) clauses ~= == != <= >= < > ===, with
 * ==/!= prefix matching ("==1.2.*"), local versions only with ==/!=,
 * the exclusive-ordering rules (<V excludes pre-releases of V unless V is
 * one, >V excludes post-releases and local versions of V). The candidate
 * selection rule that drops every pre-release unless a clause names one is
 * deliberately NOT applied: we answer "is this installed version in the
 * set" (packaging: SpecifierSet.contains(v, prereleases=True)), so an
 * installed 2.0b1 is inside "<2.1". */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MAX_REL (MMR_VERSION_MAX_LEN / 2 + 1)

enum { PRE_A, PRE_B, PRE_RC, PRE_NONE };

struct pv {
	uint64_t epoch;
	uint64_t rel[MAX_REL];
	size_t nrel;
	int pre; /* PRE_* */
	uint64_t pre_n;
	bool has_post, has_dev;
	uint64_t post_n, dev_n;
	const char *local, *local_end; /* local == NULL: none */
};

/* Python's str.isspace() on ASCII, which re's \s follows */
static bool pyspace(int c)
{
	return mmr_version_space(c) || (c >= 0x1c && c <= 0x1f);
}

static bool sep(int c)
{
	return c == '-' || c == '_' || c == '.';
}

/* Case-insensitive prefix match of a lowercase word. */
static size_t word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != w[i])
			return 0;
	return n;
}

/* Longest of the labels that matches at s: returns its length. */
static size_t label(const char *s, const char *const *labels, size_t nl, size_t *which)
{
	size_t best = 0;
	for (size_t i = 0; i < nl; i++) {
		size_t n = word(s, labels[i]);
		if (n > best) {
			best = n;
			*which = i;
		}
	}
	return best;
}

/* [-_.]? LABEL [-_.]? N? at *s; false (nothing consumed) when absent. */
static int suffix(const char **s, const char *const *labels, size_t nl, size_t *which, uint64_t *n)
{
	const char *p = *s;
	if (sep(*p))
		p++;
	size_t l = label(p, labels, nl, which);
	if (!l)
		return 0;
	p += l;
	if (sep(*p) && isdigit((unsigned char)p[1]))
		p++;
	else if (sep(*p)) {
		/* a separator without a number: taken unless it starts the
		 * next part in a way only it can (handled by the caller's
		 * optional leading separator, so taking it is always safe) */
		p++;
	}
	*n = 0;
	if (isdigit((unsigned char)*p) && mmr_version_u64(&p, n) < 0)
		return -EINVAL;
	*s = p;
	return 1;
}

static int parse_n(const char *s, size_t len, struct pv *v)
{
	static const char *const pre_labels[] = { "a", "b", "c", "rc", "alpha", "beta", "pre", "preview" };
	static const int pre_kind[] = { PRE_A, PRE_B, PRE_RC, PRE_RC, PRE_A, PRE_B, PRE_RC, PRE_RC };
	static const char *const post_labels[] = { "post", "rev", "r" };
	static const char *const dev_labels[] = { "dev" };
	if (len > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	const char *end = s + len;
	while (s < end && pyspace(*s))
		s++;
	while (end > s && pyspace(end[-1]))
		end--;
	/* work on [s, end): the parsers below stop at non-matching bytes, so
	 * a NUL-terminated copy is not needed as long as we check the end */
	char buf[MMR_VERSION_MAX_LEN + 1];
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = 0;
	const char *p = buf;
	memset(v, 0, offsetof(struct pv, rel));
	v->nrel = 0;
	v->pre = PRE_NONE;
	v->has_post = v->has_dev = false;
	v->local = v->local_end = NULL;
	if (*p == 'v' || *p == 'V')
		p++;
	const char *q = p;
	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '!' && q > p) {
		if (mmr_version_u64(&p, &v->epoch) < 0)
			return -EINVAL;
		p++;
	}
	for (;;) {
		if (v->nrel == MAX_REL || mmr_version_u64(&p, &v->rel[v->nrel]) < 0)
			return -EINVAL;
		v->nrel++;
		if (p[0] == '.' && isdigit((unsigned char)p[1]))
			p++;
		else
			break;
	}
	size_t which = 0;
	uint64_t n = 0;
	int r = suffix(&p, pre_labels, 8, &which, &n);
	if (r < 0)
		return r;
	if (r) {
		v->pre = pre_kind[which];
		v->pre_n = n;
	}
	if (p[0] == '-' && isdigit((unsigned char)p[1])) {
		p++;
		if (mmr_version_u64(&p, &v->post_n) < 0)
			return -EINVAL;
		v->has_post = true;
	} else {
		r = suffix(&p, post_labels, 3, &which, &n);
		if (r < 0)
			return r;
		if (r) {
			v->has_post = true;
			v->post_n = n;
		}
	}
	r = suffix(&p, dev_labels, 1, &which, &n);
	if (r < 0)
		return r;
	if (r) {
		v->has_dev = true;
		v->dev_n = n;
	}
	if (*p == '+') {
		p++;
		const char *l = p;
		for (;;) {
			const char *st = p;
			while (isalnum((unsigned char)*p))
				p++;
			if (p == st)
				return -EINVAL;
			if (sep(*p) && p[1])
				p++;
			else
				break;
		}
		v->local = s + (l - buf);
		v->local_end = s + (p - buf);
	}
	return *p ? -EINVAL : 0;
}

static int parse(const char *s, struct pv *v)
{
	size_t n = strnlen(s, MMR_VERSION_MAX_LEN + 1);
	return parse_n(s, n, v);
}

static int u64cmp(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int release_cmp(const struct pv *x, const struct pv *y)
{
	if (x->epoch != y->epoch)
		return u64cmp(x->epoch, y->epoch);
	size_t n = x->nrel > y->nrel ? x->nrel : y->nrel;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = i < x->nrel ? x->rel[i] : 0, b = i < y->nrel ? y->rel[i] : 0;
		if (a != b)
			return u64cmp(a, b);
	}
	return 0;
}

/* Next local segment at *p (before end): [start, len), advancing *p. */
static bool local_seg(const char **p, const char *end, const char **st, size_t *len)
{
	if (*p >= end)
		return false;
	const char *a = *p, *e = a;
	while (e < end && !sep(*e))
		e++;
	*st = a;
	*len = (size_t)(e - a);
	*p = e < end ? e + 1 : e;
	return true;
}

static bool all_digits(const char *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)a[i]))
			return false;
	return true;
}

static int local_cmp(const struct pv *x, const struct pv *y)
{
	if (!x->local || !y->local)
		return !x->local && !y->local ? 0 : x->local ? 1 : -1;
	const char *a = x->local, *b = y->local;
	for (;;) {
		const char *sa = NULL, *sb = NULL;
		size_t la = 0, lb = 0;
		bool ha = local_seg(&a, x->local_end, &sa, &la), hb = local_seg(&b, y->local_end, &sb, &lb);
		if (!ha || !hb)
			return ha == hb ? 0 : ha ? 1 : -1;
		bool na = all_digits(sa, la), nb = all_digits(sb, lb);
		int c;
		if (na && nb) {
			c = mmr_version_digits_cmp(sa, la, sb, lb);
		} else if (na != nb) {
			c = na ? 1 : -1;
		} else {
			c = 0;
			for (size_t i = 0; i < la && i < lb && !c; i++) {
				int ca = tolower((unsigned char)sa[i]), cb = tolower((unsigned char)sb[i]);
				c = ca < cb ? -1 : ca > cb;
			}
			if (!c && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c;
	}
}

/* Order without the local segment. */
static int public_cmp(const struct pv *x, const struct pv *y)
{
	int c = release_cmp(x, y);
	if (c)
		return c;
	/* pre key: dev-only release < any pre < none */
	int px = x->pre != PRE_NONE ? 1 : (!x->has_post && x->has_dev) ? 0 : 2;
	int py = y->pre != PRE_NONE ? 1 : (!y->has_post && y->has_dev) ? 0 : 2;
	if (px != py)
		return px < py ? -1 : 1;
	if (px == 1) {
		if (x->pre != y->pre)
			return x->pre < y->pre ? -1 : 1;
		if (x->pre_n != y->pre_n)
			return u64cmp(x->pre_n, y->pre_n);
	}
	if (x->has_post != y->has_post)
		return x->has_post ? 1 : -1;
	if (x->has_post && x->post_n != y->post_n)
		return u64cmp(x->post_n, y->post_n);
	if (x->has_dev != y->has_dev)
		return x->has_dev ? -1 : 1;
	if (x->has_dev && x->dev_n != y->dev_n)
		return u64cmp(x->dev_n, y->dev_n);
	return 0;
}

static int full_cmp(const struct pv *x, const struct pv *y)
{
	int c = public_cmp(x, y);
	return c ? c : local_cmp(x, y);
}

static int pep440_cmp(const char *a, const char *b, int *ret)
{
	struct pv x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	*ret = full_cmp(&x, &y);
	return 0;
}

/* ---- normalised string forms (str(Version), canonicalize_version) ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		b->len = b->cap - 1;
	} else {
		b->len += (size_t)n;
	}
}

/* str(Version) (with_local) or canonicalize_version(public, strip). */
static void render(const struct pv *v, bool with_local, bool strip_zeros, struct sbuf *b)
{
	static const char *const pl[] = { "a", "b", "rc" };
	if (v->epoch)
		sb_printf(b, "%llu!", (unsigned long long)v->epoch);
	size_t nrel = v->nrel;
	if (strip_zeros)
		while (nrel > 1 && v->rel[nrel - 1] == 0)
			nrel--;
	for (size_t i = 0; i < nrel; i++)
		sb_printf(b, i ? ".%llu" : "%llu", (unsigned long long)v->rel[i]);
	if (v->pre != PRE_NONE)
		sb_printf(b, "%s%llu", pl[v->pre], (unsigned long long)v->pre_n);
	if (v->has_post)
		sb_printf(b, ".post%llu", (unsigned long long)v->post_n);
	if (v->has_dev)
		sb_printf(b, ".dev%llu", (unsigned long long)v->dev_n);
	if (with_local && v->local) {
		sb_printf(b, "+");
		const char *p = v->local, *st;
		size_t l;
		bool first = true;
		while (local_seg(&p, v->local_end, &st, &l)) {
			if (!first)
				sb_printf(b, ".");
			first = false;
			if (all_digits(st, l)) {
				while (l > 1 && *st == '0')
					st++, l--;
				sb_printf(b, "%.*s", (int)l, st);
			} else {
				for (size_t i = 0; i < l; i++)
					sb_printf(b, "%c", tolower((unsigned char)st[i]));
			}
		}
	}
}

/* ---- specifiers ---- */

#define TOK_MAX (MMR_VERSION_MAX_LEN + 8)

struct toks {
	const char *t[TOK_MAX];
	size_t l[TOK_MAX];
	size_t n;
};

/* packaging's _version_split: split on '.', and split an item matching
 * ^([0-9]+)((?:a|b|c|rc)[0-9]+)$ (case-sensitive) in two. */
static int vsplit(const char *s, size_t len, struct toks *t)
{
	t->n = 0;
	const char *p = s, *end = s + len;
	for (;;) {
		const char *e = memchr(p, '.', (size_t)(end - p));
		if (!e)
			e = end;
		if (t->n + 2 > TOK_MAX)
			return -E2BIG;
		const char *d = p;
		while (d < e && isdigit((unsigned char)*d))
			d++;
		const char *l = d;
		if (d < e && (*d == 'a' || *d == 'b' || *d == 'c'))
			l = d + 1;
		else if (e - d >= 2 && d[0] == 'r' && d[1] == 'c')
			l = d + 2;
		bool split = d > p && l > d && l < e && all_digits(l, (size_t)(e - l));
		if (split) {
			t->t[t->n] = p, t->l[t->n++] = (size_t)(d - p);
			t->t[t->n] = d, t->l[t->n++] = (size_t)(e - d);
		} else {
			t->t[t->n] = p, t->l[t->n++] = (size_t)(e - p);
		}
		if (e == end)
			break;
		p = e + 1;
	}
	return 0;
}

static bool tok_digits(const char *t, size_t l)
{
	return l > 0 && all_digits(t, l);
}

/* canonicalize_version(s, strip_trailing_zero): the normal form, or the
 * string itself when it is not a version. */
static void canonicalize(const char *s, size_t len, bool strip, struct sbuf *b)
{
	struct pv v;
	if (parse_n(s, len, &v) < 0) {
		sb_printf(b, "%.*s", (int)len, s);
		return;
	}
	render(&v, false, strip, b);
}

/* packaging _compare_equal with a ".*" spec: prefix is the spec without it */
static int prefix_match(const struct pv *prospective, const char *prefix, size_t plen, bool *ret)
{
	char bp[MMR_VERSION_MAX_LEN * 3], bs[MMR_VERSION_MAX_LEN * 3];
	struct sbuf sp = { bp, 0, sizeof(bp), false }, ss = { bs, 0, sizeof(bs), false };
	render(prospective, false, true, &sp);
	canonicalize(prefix, plen, false, &ss);
	if (sp.overflow || ss.overflow)
		return -E2BIG;
	struct toks tp, ts;
	if (vsplit(bp, sp.len, &tp) < 0 || vsplit(bs, ss.len, &ts) < 0)
		return -E2BIG;
	/* _pad_version(prospective, spec): pad the leading all-digit run of
	 * the prospective with "0" up to the spec's */
	size_t rp = 0, rs = 0;
	while (rp < tp.n && tok_digits(tp.t[rp], tp.l[rp]))
		rp++;
	while (rs < ts.n && tok_digits(ts.t[rs], ts.l[rs]))
		rs++;
	size_t pad = rs > rp ? rs - rp : 0;
	size_t total = tp.n + pad;
	if (total < ts.n) {
		*ret = false;
		return 0;
	}
	for (size_t i = 0; i < ts.n; i++) {
		const char *t;
		size_t l;
		if (i < rp) {
			t = tp.t[i], l = tp.l[i];
		} else if (i < rp + pad) {
			t = "0", l = 1;
		} else {
			t = tp.t[i - pad], l = tp.l[i - pad];
		}
		if (l != ts.l[i] || memcmp(t, ts.t[i], l) != 0) {
			*ret = false;
			return 0;
		}
	}
	*ret = true;
	return 0;
}

static bool is_prerelease(const struct pv *v)
{
	return v->pre != PRE_NONE || v->has_dev;
}

static struct pv public_of(const struct pv *v)
{
	struct pv p = *v;
	p.local = p.local_end = NULL;
	return p;
}

static struct pv base_of(const struct pv *v)
{
	struct pv p = public_of(v);
	p.pre = PRE_NONE;
	p.has_post = p.has_dev = false;
	return p;
}

/* Is [s, e) "v?(N!)?N(.N)*" (what may precede ".*")? */
static bool plain_release(const char *s, const char *e)
{
	if (s < e && (*s == 'v' || *s == 'V'))
		s++;
	const char *d = s;
	while (d < e && isdigit((unsigned char)*d))
		d++;
	if (d < e && *d == '!' && d > s)
		s = d + 1;
	for (;;) {
		const char *st = s;
		while (s < e && isdigit((unsigned char)*s))
			s++;
		if (s == st)
			return false;
		if (s == e)
			return true;
		if (*s++ != '.')
			return false;
	}
}

enum sop { OP_COMPAT, OP_EQ, OP_NE, OP_LE, OP_GE, OP_LT, OP_GT, OP_ARB };

/* One clause [s, e) against the version. */
static int clause(const char *s, const char *e, const struct pv *v, bool *ret)
{
	static const struct {
		const char *t;
		enum sop op;
	} ops[] = { { "===", OP_ARB }, { "~=", OP_COMPAT }, { "==", OP_EQ }, { "!=", OP_NE },
		    { "<=", OP_LE },   { ">=", OP_GE },     { "<", OP_LT },  { ">", OP_GT } };
	enum sop op = OP_EQ;
	bool found = false;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && !found; i++) {
		size_t l = strlen(ops[i].t);
		if ((size_t)(e - s) >= l && memcmp(s, ops[i].t, l) == 0) {
			op = ops[i].op;
			s += l;
			found = true;
		}
	}
	if (!found)
		return -EINVAL;
	while (s < e && pyspace(*s))
		s++;
	if (op == OP_ARB) {
		for (const char *p = s; p < e; p++)
			if (pyspace(*p) || *p == ';' || *p == ')')
				return -EINVAL;
		char b[MMR_VERSION_MAX_LEN * 3];
		struct sbuf sb = { b, 0, sizeof(b), false };
		render(v, true, false, &sb);
		bool eq = !sb.overflow && sb.len == (size_t)(e - s);
		for (size_t i = 0; eq && i < sb.len; i++)
			eq = tolower((unsigned char)s[i]) == b[i];
		*ret = eq;
		return 0;
	}
	if ((op == OP_EQ || op == OP_NE) && e - s >= 2 && e[-1] == '*' && e[-2] == '.') {
		if (!plain_release(s, e - 2))
			return -EINVAL;
		bool m;
		int r = prefix_match(v, s, (size_t)(e - 2 - s), &m);
		if (r < 0)
			return r;
		*ret = op == OP_EQ ? m : !m;
		return 0;
	}
	struct pv spec;
	if (s == e || pyspace(e[-1]) || parse_n(s, (size_t)(e - s), &spec) < 0)
		return -EINVAL;
	if (spec.local && op != OP_EQ && op != OP_NE)
		return -EINVAL;
	struct pv pub = public_of(v);
	switch (op) {
	case OP_COMPAT: {
		if (spec.nrel < 2)
			return -EINVAL;
		/* prefix: packaging splits the spec as written, keeps the
		 * items up to the first that starts with dev/a/b/rc/post, and
		 * drops the last one */
		struct toks t;
		if (vsplit(s, (size_t)(e - s), &t) < 0)
			return -E2BIG;
		size_t keep = 0;
		static const char *const sfx[] = { "dev", "a", "b", "rc", "post" };
		for (; keep < t.n; keep++) {
			bool is_sfx = false;
			for (size_t k = 0; k < 5; k++) {
				size_t l = strlen(sfx[k]);
				if (t.l[keep] >= l && memcmp(t.t[keep], sfx[k], l) == 0)
					is_sfx = true;
			}
			if (is_sfx)
				break;
		}
		if (keep == 0) {
			/* an empty prefix ".*": not a version, matches nothing */
			*ret = false;
			return 0;
		}
		char pre[MMR_VERSION_MAX_LEN * 2];
		size_t pl = 0;
		for (size_t i = 0; i + 1 < keep; i++) {
			if (pl + t.l[i] + 2 > sizeof(pre))
				return -E2BIG;
			if (i)
				pre[pl++] = '.';
			memcpy(pre + pl, t.t[i], t.l[i]);
			pl += t.l[i];
		}
		bool m;
		int r = prefix_match(v, pre, pl, &m);
		if (r < 0)
			return r;
		*ret = m && public_cmp(&pub, &spec) >= 0;
		return 0;
	}
	case OP_EQ:
	case OP_NE: {
		bool eq = spec.local ? full_cmp(v, &spec) == 0 : public_cmp(&pub, &spec) == 0;
		*ret = op == OP_EQ ? eq : !eq;
		return 0;
	}
	case OP_LE:
		*ret = public_cmp(&pub, &spec) <= 0;
		return 0;
	case OP_GE:
		*ret = public_cmp(&pub, &spec) >= 0;
		return 0;
	case OP_LT: {
		bool r = full_cmp(v, &spec) < 0;
		if (r && !is_prerelease(&spec) && is_prerelease(v)) {
			struct pv bv = base_of(v), bs = base_of(&spec);
			if (release_cmp(&bv, &bs) == 0)
				r = false;
		}
		*ret = r;
		return 0;
	}
	case OP_GT: {
		bool r = full_cmp(v, &spec) > 0;
		struct pv bv = base_of(v), bs = base_of(&spec);
		if (r && !spec.has_post && v->has_post && release_cmp(&bv, &bs) == 0)
			r = false;
		if (r && v->local && release_cmp(&bv, &bs) == 0)
			r = false;
		*ret = r;
		return 0;
	}
	case OP_ARB:
		break;
	}
	return -EINVAL;
}

static int pep440_range_match(const char *expr, const char *version, bool *ret)
{
	struct pv v;
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR || parse(version, &v) < 0)
		return -EINVAL;
	bool all = true;
	const char *p = expr, *end = expr + n;
	for (;;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		const char *s = p;
		while (s < e && pyspace(*s))
			s++;
		while (e > s && pyspace(e[-1]))
			e--;
		if (s < e) {
			bool m;
			int r = clause(s, e, &v, &m);
			if (r < 0)
				return r;
			all &= m;
		}
		if (!c)
			break;
		p = c + 1;
	}
	*ret = all;
	return 0;
}

const struct mmr_version_scheme mmr_version_pep440 = { "pep440", pep440_cmp, pep440_range_match };
