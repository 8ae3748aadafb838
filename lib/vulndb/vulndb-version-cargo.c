/* vulndb-version-cargo.c - Rust crates: SemVer 2.0.0 versions (strict, as
 * the semver crate parses them) and Cargo's requirement grammar (The Cargo
 * Book, "Specifying Dependencies"; semver crate VersionReq):
 *
 *   req  := comp ( "," comp )*              all must hold
 *   comp := op? partial | "*"
 *   op   := "=" | ">" | ">=" | "<" | "<=" | "~" | "^"   (none: caret)
 *   partial := N [ "." (N|*|x|X) [ "." (N|*|x|X) [-pre] [+build] ] ]
 *
 *   ^1.2.3 := >=1.2.3, <2.0.0     ^0.2.3 := >=0.2.3, <0.3.0
 *   ^0.0.3 := >=0.0.3, <0.0.4     ^1.2   := >=1.2.0, <2.0.0
 *   ~1.2.3 := >=1.2.3, <1.3.0     ~1     := >=1.0.0, <2.0.0
 *   1.2.*  := >=1.2.0, <1.3.0     >1.2   := >=1.3.0 (missing parts are
 *   "any", compared part by part as the semver crate does)
 *
 * A pre-release version matches only if some comparator names a
 * pre-release with the same MAJOR.MINOR.PATCH (semver crate
 * pre_is_compatible). */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <errno.h>
#include <string.h>

#define MAX_COMPS 32 /* the semver crate refuses more (ExcessiveComparators) */

static int parse(const char *s, struct mmr_semver *v)
{
	size_t n = strnlen(s, MMR_VERSION_MAX_LEN + 1);
	if (n > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	const char *end = s + n;
	while (s < end && mmr_version_space(*s))
		s++;
	while (end > s && mmr_version_space(end[-1]))
		end--;
	return mmr_semver_parse(s, (size_t)(end - s), UINT64_MAX, v);
}

static int cargo_cmp(const char *a, const char *b, int *ret)
{
	struct mmr_semver x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	*ret = mmr_semver_order(&x, &y);
	return 0;
}

enum op { EXACT, GT, GE, LT, LE, TILDE, CARET };

struct comp {
	enum op op;
	struct mmr_semver v; /* v.nparts: 1..3 given (wildcards count as missing) */
};

static int pre(const struct mmr_semver *a, const struct mmr_semver *b)
{
	return mmr_semver_pre_cmp(a->pre, a->pre_end, b->pre, b->pre_end, false);
}

static bool exact(const struct comp *c, const struct mmr_semver *v)
{
	return v->n[0] == c->v.n[0] && (c->v.nparts < 2 || v->n[1] == c->v.n[1]) &&
	       (c->v.nparts < 3 || v->n[2] == c->v.n[2]) && pre(v, &c->v) == 0;
}

/* part by part; a missing part of the comparator decides "no" */
static bool greater(const struct comp *c, const struct mmr_semver *v)
{
	if (v->n[0] != c->v.n[0])
		return v->n[0] > c->v.n[0];
	for (size_t i = 1; i < 3; i++) {
		if (c->v.nparts <= i)
			return false;
		if (v->n[i] != c->v.n[i])
			return v->n[i] > c->v.n[i];
	}
	return pre(v, &c->v) > 0;
}

static bool less(const struct comp *c, const struct mmr_semver *v)
{
	if (v->n[0] != c->v.n[0])
		return v->n[0] < c->v.n[0];
	for (size_t i = 1; i < 3; i++) {
		if (c->v.nparts <= i)
			return false;
		if (v->n[i] != c->v.n[i])
			return v->n[i] < c->v.n[i];
	}
	return pre(v, &c->v) < 0;
}

static bool tilde(const struct comp *c, const struct mmr_semver *v)
{
	if (v->n[0] != c->v.n[0])
		return false;
	if (c->v.nparts >= 2 && v->n[1] != c->v.n[1])
		return false;
	if (c->v.nparts >= 3 && v->n[2] != c->v.n[2])
		return v->n[2] > c->v.n[2];
	return pre(v, &c->v) >= 0;
}

static bool caret(const struct comp *c, const struct mmr_semver *v)
{
	uint64_t M = c->v.n[0], m = c->v.n[1], p = c->v.n[2];
	if (v->n[0] != M)
		return false;
	if (c->v.nparts < 2)
		return true;
	if (c->v.nparts < 3)
		return M > 0 ? v->n[1] >= m : v->n[1] == m;
	if (M > 0) {
		if (v->n[1] != m)
			return v->n[1] > m;
		if (v->n[2] != p)
			return v->n[2] > p;
	} else if (m > 0) {
		if (v->n[1] != m)
			return false;
		if (v->n[2] != p)
			return v->n[2] > p;
	} else if (v->n[1] != m || v->n[2] != p) {
		return false;
	}
	return pre(v, &c->v) >= 0;
}

static bool holds(const struct comp *c, const struct mmr_semver *v)
{
	switch (c->op) {
	case EXACT: return exact(c, v);
	case GT: return greater(c, v);
	case GE: return exact(c, v) || greater(c, v);
	case LT: return less(c, v);
	case LE: return exact(c, v) || less(c, v);
	case TILDE: return tilde(c, v);
	case CARET: return caret(c, v);
	}
	return false;
}

static bool xpart(const char *p, const char *e)
{
	return e - p == 1 && (*p == '*' || *p == 'x' || *p == 'X');
}

/* [s, e) trimmed: one comparator; *star set for a lone "*" */
static int parse_comp(const char *s, const char *e, struct comp *c, bool *star)
{
	*star = false;
	c->op = CARET;
	const char *s0 = s;
	if (s < e && *s == '=')
		c->op = EXACT, s++;
	else if (e - s >= 2 && s[0] == '>' && s[1] == '=')
		c->op = GE, s += 2;
	else if (e - s >= 2 && s[0] == '<' && s[1] == '=')
		c->op = LE, s += 2;
	else if (s < e && *s == '>')
		c->op = GT, s++;
	else if (s < e && *s == '<')
		c->op = LT, s++;
	else if (s < e && *s == '~')
		c->op = TILDE, s++;
	else if (s < e && *s == '^')
		c->op = CARET, s++;
	bool has_op = s != s0;
	while (s < e && mmr_version_space(*s))
		s++;
	if (xpart(s, e)) {
		if (has_op)
			return -EINVAL;
		*star = true;
		return 0;
	}
	struct mmr_semver *v = &c->v;
	v->pre = v->pre_end = NULL;
	v->n[0] = v->n[1] = v->n[2] = 0;
	v->nparts = 0;
	bool wild = false;
	for (int i = 0; i < 3; i++) {
		const char *st = s;
		while (s < e && *s != '.' && *s != '-' && *s != '+')
			s++;
		if (i > 0 && xpart(st, s)) {
			wild = true;
		} else {
			const char *q = st;
			struct mmr_semver t;
			if (wild || mmr_semver_parse_core(&q, s, UINT64_MAX, 1, &t) < 0 || q != s)
				return -EINVAL;
			v->n[i] = t.n[0];
			v->nparts++;
		}
		if (s == e)
			break;
		if (*s != '.') {
			if (i < 2 || wild)
				return -EINVAL;
			return mmr_semver_parse_tail(s, e, v);
		}
		if (i == 2)
			return -EINVAL;
		s++;
		if (s == e)
			return -EINVAL;
	}
	if (wild && c->op == CARET && !has_op)
		c->op = EXACT; /* "1.2.*" is a wildcard match, not a caret */
	return 0;
}

static int cargo_range_match(const char *expr, const char *version, bool *ret)
{
	struct mmr_semver v;
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR || parse(version, &v) < 0)
		return -EINVAL;
	struct comp comps[MAX_COMPS];
	size_t nc = 0;
	bool star = false;
	const char *p = expr, *end = expr + n;
	for (;;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		while (p < e && mmr_version_space(*p))
			p++;
		while (e > p && mmr_version_space(e[-1]))
			e--;
		if (p == e || nc == MAX_COMPS)
			return -EINVAL;
		bool st;
		if (parse_comp(p, e, &comps[nc], &st) < 0)
			return -EINVAL;
		if (st)
			star = true;
		else
			nc++;
		if (!c)
			break;
		p = c + 1;
	}
	if (star && nc) /* semver: "*" must be the only comparator */
		return -EINVAL;
	bool ok = true;
	for (size_t i = 0; i < nc && ok; i++)
		ok = holds(&comps[i], &v);
	if (ok && v.pre) {
		ok = false;
		for (size_t i = 0; i < nc && !ok; i++)
			ok = comps[i].v.pre && comps[i].v.nparts == 3 && comps[i].v.n[0] == v.n[0] &&
			     comps[i].v.n[1] == v.n[1] && comps[i].v.n[2] == v.n[2];
	}
	*ret = ok;
	return 0;
}

const struct mmr_version_scheme mmr_version_cargo = { "cargo", cargo_cmp, cargo_range_match };
