/* vulndb-version-npm.c - npm: SemVer 2.0.0 ordering and the node-semver
 * range grammar (docs.npmjs.com "semver", node-semver README "Ranges"),
 * with node-semver 7's semantics, which tests/cli/test_version_differential.py
 * compares us against:
 *
 *   range    := set ( "||" set )*          any set matching is enough
 *   set      := hyphen | simple ( " " simple )*   all must hold
 *   hyphen   := partial " - " partial      inclusive ("1.2 - 2" = >=1.2.0 <3.0.0-0)
 *   simple   := ( "<" | "<=" | ">" | ">=" | "=" | "~" | "~>" | "^" )? partial
 *   partial  := [v] xr ( "." xr ( "." xr [-pre] [+build] )? )?
 *   xr       := "x" | "X" | "*" | number
 *
 * Desugaring follows node-semver: ~1.2.3 = >=1.2.3 <1.3.0-0, ^0.2.3 =
 * >=0.2.3 <0.3.0-0, 1.x = >=1.0.0 <2.0.0-0, >1.2 = >=1.3.0, <=1.2 =
 * <1.3.0-0, and so on. A pre-release version only matches a set in which
 * some comparator carries a pre-release on the same MAJOR.MINOR.PATCH
 * (">1.2.3-alpha.3" admits 1.2.3-alpha.7 but not 3.4.5-alpha.9).
 *
 * Versions: node-semver's loose prefix ("=", "v", surrounding whitespace)
 * is accepted; otherwise strict SemVer 2 (no leading zeros, "-" before a
 * pre-release). Numbers are capped at 2^53-1 as in JavaScript. Input the
 * loose parser would repair further (node-semver silently drops
 * comparators it cannot parse in loose mode) is -EINVAL here. */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define JS_MAX_SAFE 9007199254740991ULL
#define MAX_COMPS 64

static bool jsspace(int c)
{
	return mmr_version_space(c);
}

static int parse_version(const char *s, struct mmr_semver *v)
{
	size_t n = strnlen(s, MMR_VERSION_MAX_LEN + 1);
	if (n > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	const char *end = s + n;
	while (s < end && jsspace(*s))
		s++;
	while (end > s && jsspace(end[-1]))
		end--;
	while (s < end && (*s == '=' || *s == 'v' || jsspace(*s)))
		s++;
	return mmr_semver_parse(s, (size_t)(end - s), JS_MAX_SAFE, v);
}

static int npm_cmp(const char *a, const char *b, int *ret)
{
	struct mmr_semver x, y;
	if (parse_version(a, &x) < 0 || parse_version(b, &y) < 0)
		return -EINVAL;
	*ret = mmr_semver_order(&x, &y);
	return 0;
}

/* ---- ranges ---- */

enum op { LT, LE, GT, GE, EQ };

struct comp {
	enum op op;
	bool any;     /* matches everything (the empty comparator) */
	bool none;    /* matches nothing (<0.0.0-0) */
	struct mmr_semver v;
};

struct set {
	struct comp c[MAX_COMPS];
	size_t n;
};

static const char zero[] = "0";

static int add(struct set *s, enum op op, uint64_t M, uint64_t m, uint64_t p, const struct mmr_semver *pre,
	       bool dash0)
{
	if (s->n == MAX_COMPS)
		return -E2BIG;
	if (M > JS_MAX_SAFE || m > JS_MAX_SAFE || p > JS_MAX_SAFE)
		return -EINVAL;
	struct comp *c = &s->c[s->n++];
	c->op = op;
	c->any = c->none = false;
	c->v.n[0] = M, c->v.n[1] = m, c->v.n[2] = p;
	c->v.pre = c->v.pre_end = NULL;
	if (pre && pre->pre) {
		c->v.pre = pre->pre;
		c->v.pre_end = pre->pre_end;
	} else if (dash0) {
		c->v.pre = zero;
		c->v.pre_end = zero + 1;
	}
	return 0;
}

static int add_any(struct set *s, bool none)
{
	if (s->n == MAX_COMPS)
		return -E2BIG;
	struct comp *c = &s->c[s->n++];
	memset(c, 0, sizeof(*c));
	c->any = !none;
	c->none = none;
	return 0;
}

/* A partial version: parts not given or x/X/'*' are wildcards. */
struct partial {
	uint64_t n[3];
	bool x[3];
	bool bad_order;    /* a number after a wildcard */
	bool plain_prefix; /* prefixed by nothing or one "v" (not "=", "vv") */
	struct mmr_semver pre; /* pre.pre set only with three numbers */
};

static bool xchar(const char *p, const char *e)
{
	return e - p == 1 && (*p == 'x' || *p == 'X' || *p == '*');
}

static int parse_partial(const char *s, const char *e, struct partial *pv)
{
	const char *st0 = s;
	while (s < e && (*s == 'v' || *s == '='))
		s++;
	memset(pv, 0, sizeof(*pv));
	pv->plain_prefix = s == st0 || (s == st0 + 1 && *st0 == 'v');
	pv->x[0] = pv->x[1] = pv->x[2] = true;
	bool seen_x = false;
	for (int i = 0; i < 3; i++) {
		const char *st = s;
		while (s < e && *s != '.' && *s != '-' && *s != '+')
			s++;
		if (xchar(st, s)) {
			pv->x[i] = true;
			seen_x = true;
		} else {
			const char *q = st;
			struct mmr_semver tmp;
			if (mmr_semver_parse_core(&q, s, JS_MAX_SAFE, 1, &tmp) < 0 || q != s)
				return -EINVAL;
			pv->bad_order |= seen_x; /* 1.x.3: only ~ ^ and hyphens accept it */
			pv->n[i] = tmp.n[0];
			pv->x[i] = false;
		}
		if (s == e)
			return 0;
		if (*s != '.') {
			if (i < 2)
				return -EINVAL;
			break;
		}
		if (i == 2)
			return -EINVAL;
		s++;
	}
	return mmr_semver_parse_tail(s, e, &pv->pre);
}

/* the pre-release counts only when no part is a wildcard */
static const struct mmr_semver *pre_of(const struct partial *v)
{
	return v->x[0] || v->x[1] || v->x[2] ? NULL : &v->pre;
}

static int tilde(struct set *s, const struct partial *v)
{
	int r;
	if (v->x[0])
		return add_any(s, false);
	if (v->x[1]) {
		if ((r = add(s, GE, v->n[0], 0, 0, NULL, false)) < 0)
			return r;
		return add(s, LT, v->n[0] + 1, 0, 0, NULL, true);
	}
	if ((r = add(s, GE, v->n[0], v->n[1], v->x[2] ? 0 : v->n[2], pre_of(v), false)) < 0)
		return r;
	return add(s, LT, v->n[0], v->n[1] + 1, 0, NULL, true);
}

static int caret(struct set *s, const struct partial *v)
{
	int r;
	uint64_t M = v->n[0], m = v->n[1], p = v->n[2];
	if (v->x[0])
		return add_any(s, false);
	if (v->x[1]) {
		if ((r = add(s, GE, M, 0, 0, NULL, false)) < 0)
			return r;
		return add(s, LT, M + 1, 0, 0, NULL, true);
	}
	if (v->x[2]) {
		if ((r = add(s, GE, M, m, 0, NULL, false)) < 0)
			return r;
		return M == 0 ? add(s, LT, M, m + 1, 0, NULL, true) : add(s, LT, M + 1, 0, 0, NULL, true);
	}
	if ((r = add(s, GE, M, m, p, &v->pre, false)) < 0)
		return r;
	if (M == 0 && m == 0)
		return add(s, LT, 0, 0, p + 1, NULL, true);
	if (M == 0)
		return add(s, LT, 0, m + 1, 0, NULL, true);
	return add(s, LT, M + 1, 0, 0, NULL, true);
}

/* A partial with an operator (or none: "=") */
static int xrange(struct set *s, const char *op, const struct partial *v)
{
	int r;
	bool xM = v->x[0], xm = xM || v->x[1], xp = xm || v->x[2];
	uint64_t M = v->n[0], m = v->n[1], p = v->n[2];
	if (v->bad_order)
		return -EINVAL;
	if (!xp) {
		if (!v->plain_prefix) /* node-semver's comparator regex allows only "v" */
			return -EINVAL;
		enum op o = !*op || !strcmp(op, "=") ? EQ : !strcmp(op, "<") ? LT : !strcmp(op, "<=") ? LE
			  : !strcmp(op, ">") ? GT : GE;
		return add(s, o, M, m, p, &v->pre, false);
	}
	if (!strcmp(op, "="))
		op = "";
	if (xM)
		return add_any(s, !strcmp(op, ">") || !strcmp(op, "<"));
	if (*op) {
		if (xm)
			m = 0;
		p = 0;
		enum op o;
		if (!strcmp(op, ">")) {
			o = GE;
			if (xm)
				M++, m = 0;
			else
				m++;
		} else if (!strcmp(op, "<=")) {
			o = LT;
			if (xm)
				M++;
			else
				m++;
		} else {
			o = !strcmp(op, "<") ? LT : GE;
		}
		return add(s, o, M, m, p, NULL, o == LT);
	}
	if (xm) {
		if ((r = add(s, GE, M, 0, 0, NULL, false)) < 0)
			return r;
		return add(s, LT, M + 1, 0, 0, NULL, true);
	}
	if ((r = add(s, GE, M, m, 0, NULL, false)) < 0)
		return r;
	return add(s, LT, M, m + 1, 0, NULL, true);
}

static int hyphen(struct set *s, const struct partial *f, const struct partial *t)
{
	int r;
	/* node-semver pastes a full bound back as written: only "v" may prefix it */
	bool f_full = pre_of(f) != NULL, t_full = pre_of(t) != NULL;
	if ((f_full && !f->plain_prefix) || (t_full && !t->pre.pre && !t->plain_prefix))
		return -EINVAL;
	if (!f->x[0]) {
		r = add(s, GE, f->n[0], f->x[1] ? 0 : f->n[1], f->x[2] ? 0 : f->n[2], pre_of(f), false);
		if (r < 0)
			return r;
	}
	if (t->x[0])
		return s->n ? 0 : add_any(s, false);
	if (t->x[1])
		return add(s, LT, t->n[0] + 1, 0, 0, NULL, true);
	if (t->x[2])
		return add(s, LT, t->n[0], t->n[1] + 1, 0, NULL, true);
	return add(s, LE, t->n[0], t->n[1], t->n[2], pre_of(t), false);
}

static bool holds(const struct comp *c, const struct mmr_semver *v)
{
	if (c->any)
		return true;
	if (c->none)
		return false;
	int o = mmr_semver_order(v, &c->v);
	switch (c->op) {
	case LT: return o < 0;
	case LE: return o <= 0;
	case GT: return o > 0;
	case GE: return o >= 0;
	case EQ: return o == 0;
	}
	return false;
}

static bool set_matches(const struct set *s, const struct mmr_semver *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!holds(&s->c[i], v))
			return false;
	if (!v->pre)
		return true;
	for (size_t i = 0; i < s->n; i++) {
		const struct comp *c = &s->c[i];
		if (!c->any && !c->none && c->v.pre && c->v.n[0] == v->n[0] && c->v.n[1] == v->n[1] &&
		    c->v.n[2] == v->n[2])
			return true;
	}
	return false;
}

/* Tokens of a set: whitespace-separated, with a lone operator joined to
 * the token after it ("> 1.2.3", "~ 1.2", "^ 1"). */
static int parse_set(const char *s, const char *e, struct set *out)
{
	out->n = 0;
	const char *tok[MAX_COMPS], *tend[MAX_COMPS];
	size_t nt = 0;
	while (s < e) {
		while (s < e && jsspace(*s))
			s++;
		if (s == e)
			break;
		if (nt == MAX_COMPS)
			return -E2BIG;
		tok[nt] = s;
		while (s < e && !jsspace(*s))
			s++;
		tend[nt++] = s;
	}
	if (nt == 0)
		return add_any(out, false);
	/* hyphen range */
	if (nt == 3 && tend[1] - tok[1] == 1 && tok[1][0] == '-') {
		struct partial f, t;
		if (parse_partial(tok[0], tend[0], &f) < 0 || parse_partial(tok[2], tend[2], &t) < 0)
			return -EINVAL;
		return hyphen(out, &f, &t);
	}
	for (size_t i = 0; i < nt; i++) {
		const char *p = tok[i], *pe = tend[i];
		char op[3] = "";
		size_t ol = 0;
		if (*p == '~') {
			op[ol++] = '~';
			p++;
			if (p < pe && *p == '>')
				p++;
			while (p < pe && (*p == '=' || *p == 'v'))
				p++;
		} else if (*p == '^') {
			op[ol++] = '^';
			p++;
			while (p < pe && (*p == '=' || *p == 'v'))
				p++;
		} else {
			if (*p == '<' || *p == '>')
				op[ol++] = *p++;
			if (p < pe && *p == '=')
				op[ol++] = *p++;
		}
		op[ol] = 0;
		if (p == pe) {
			if (!ol || i + 1 == nt)
				return -EINVAL;
			i++;
			p = tok[i];
			pe = tend[i];
			/* "> =1.x": node-semver glues it back into ">=1.x" */
			if ((op[0] == '<' || op[0] == '>') && ol == 1 && p < pe && *p == '=') {
				op[ol++] = '=';
				op[ol] = 0;
				p++;
			}
		}
		struct partial v;
		if (parse_partial(p, pe, &v) < 0)
			return -EINVAL;
		int r = op[0] == '~' ? tilde(out, &v) : op[0] == '^' ? caret(out, &v) : xrange(out, op, &v);
		if (r < 0)
			return r;
	}
	return 0;
}

static int npm_range_match(const char *expr, const char *version, bool *ret)
{
	struct mmr_semver v;
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR || parse_version(version, &v) < 0)
		return -EINVAL;
	const char *p = expr, *end = expr + n;
	bool any = false;
	for (;;) {
		const char *bar = NULL;
		for (const char *q = p; q + 1 < end; q++)
			if (q[0] == '|' && q[1] == '|') {
				bar = q;
				break;
			}
		const char *e = bar ? bar : end;
		struct set set;
		int r = parse_set(p, e, &set);
		if (r < 0)
			return r;
		any |= set_matches(&set, &v);
		if (!bar)
			break;
		p = bar + 2;
	}
	*ret = any;
	return 0;
}

const struct mmr_version_scheme mmr_version_npm = { "npm", npm_cmp, npm_range_match };
