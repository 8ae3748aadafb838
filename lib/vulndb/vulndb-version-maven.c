/* vulndb-version-maven.c - Maven versions as Maven's own ComparableVersion
 * orders them (maven-artifact 3.8, "Version Order Specification" in the
 * POM reference), and Maven version ranges.
 *
 * Parsing (lowercased): '.' and '-' separate items, and a change between
 * digits and letters separates too; '-' and a digit/letter change open a
 * sub-list, and so does a qualifier after '.' when it ends the version or
 * is followed by a digit ("1.0.0.X1" is read as "1.0.0-X1"). Numbers compare numerically (any length). A one-letter
 * a/b/m followed by a digit means alpha/beta/milestone; ga, final and
 * release mean "" and cr means rc. Qualifiers order
 *   alpha < beta < milestone < rc < snapshot < "" < sp < any other
 * (others lexically). Each list drops trailing "null" items (0, "", empty
 * lists) - scanning back over sub-lists - so 1.0.0 = 1 and 1.0-ga = 1.
 * Comparing items: number > list > qualifier; a missing item compares as
 * "null" (a qualifier against "", a number against 0, a list by its
 * first item that is not null), which is what makes 1-alpha < 1 < 1-sp and 1 < 1.1.
 *
 * Ranges (VersionRange.createFromVersionSpec): "[1.0,2.0)", "(,1.0]",
 * "[1.2]" (exactly), "[1.5,)", and unions "(,1.0],[1.2,)"; a missing bound
 * is open whatever its bracket, as in Maven. A bare version
 * is Maven's soft "recommended" version, which contains everything: that
 * is never what a vulnerability record means, so it is -EINVAL here.
 *
 * Nothing is allocated: the item tree lives in a fixed array sized by the
 * 256-byte version cap. Non-ASCII input is -EINVAL (Java would case-fold
 * and digit-test it by Unicode rules). */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define MAX_NODES (2 * MMR_VERSION_MAX_LEN + 4)

enum kind { K_INT, K_STR, K_LIST };

struct node {
	enum kind kind;
	short first, last, prev, next; /* lists: children; all: siblings; -1 none */
	bool removed;
	const char *s; /* K_INT: digits without leading zeros; K_STR: qualifier */
	short len;
	signed char q; /* K_STR: index of a known qualifier, or -1 */
};

struct mv {
	char buf[MMR_VERSION_MAX_LEN + 1];
	struct node n[MAX_NODES];
	int count;
};

static const char *const quals[] = { "alpha", "beta", "milestone", "rc", "snapshot", "", "sp" };
#define Q_RELEASE 5

static int new_node(struct mv *v, enum kind k, int parent)
{
	if (v->count == MAX_NODES)
		return -E2BIG;
	int i = v->count++;
	struct node *x = &v->n[i];
	memset(x, 0, sizeof(*x));
	x->kind = k;
	x->first = x->last = x->prev = x->next = -1;
	if (parent >= 0) {
		struct node *p = &v->n[parent];
		x->prev = p->last;
		if (p->last >= 0)
			v->n[p->last].next = (short)i;
		else
			p->first = (short)i;
		p->last = (short)i;
	}
	return i;
}

static int add_item(struct mv *v, int list, bool digit, const char *s, size_t len, bool followed_by_digit)
{
	if (digit) {
		int i = new_node(v, K_INT, list);
		if (i < 0)
			return i;
		while (len > 0 && *s == '0')
			s++, len--;
		v->n[i].s = s;
		v->n[i].len = (short)len;
		return 0;
	}
	if (followed_by_digit && len == 1) {
		if (*s == 'a')
			s = "alpha", len = 5;
		else if (*s == 'b')
			s = "beta", len = 4;
		else if (*s == 'm')
			s = "milestone", len = 9;
	}
	if ((len == 2 && !memcmp(s, "ga", 2)) || (len == 5 && !memcmp(s, "final", 5)) ||
	    (len == 7 && !memcmp(s, "release", 7)))
		s = "", len = 0;
	else if (len == 2 && !memcmp(s, "cr", 2))
		s = "rc", len = 2;
	int i = new_node(v, K_STR, list);
	if (i < 0)
		return i;
	struct node *x = &v->n[i];
	x->s = s;
	x->len = (short)len;
	x->q = -1;
	for (int k = 0; k < 7; k++)
		if (strlen(quals[k]) == len && !memcmp(quals[k], s, len))
			x->q = (signed char)k;
	return 0;
}

static bool is_null(const struct mv *v, int i)
{
	const struct node *x = &v->n[i];
	switch (x->kind) {
	case K_INT: return x->len == 0;
	case K_STR: return x->len == 0;
	case K_LIST: return x->first < 0;
	}
	return false;
}

static void normalize(struct mv *v, int list)
{
	struct node *l = &v->n[list];
	for (int i = l->last; i >= 0;) {
		int prev = v->n[i].prev;
		if (is_null(v, i)) {
			/* unlink i */
			if (v->n[i].prev >= 0)
				v->n[v->n[i].prev].next = v->n[i].next;
			else
				l->first = v->n[i].next;
			if (v->n[i].next >= 0)
				v->n[v->n[i].next].prev = v->n[i].prev;
			else
				l->last = v->n[i].prev;
		} else if (v->n[i].kind != K_LIST) {
			break;
		}
		i = prev;
	}
}

static int parse(const char *in, struct mv *v)
{
	size_t n = strnlen(in, MMR_VERSION_MAX_LEN + 1);
	if (n > MMR_VERSION_MAX_LEN || n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x21 || c > 0x7e)
			return -EINVAL;
		v->buf[i] = (char)tolower(c);
	}
	v->buf[n] = 0;
	v->count = 0;
	int stack[MAX_NODES];
	int sp = 0;
	int list = new_node(v, K_LIST, -1);
	stack[sp++] = list;
	const char *s = v->buf;
	bool digit = false;
	size_t start = 0;
	int r;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.' || c == '-') {
			if (i == start)
				r = add_item(v, list, true, "0", 1, false);
			else
				r = add_item(v, list, digit, s + start, i - start, false);
			if (r < 0)
				return r;
			start = i + 1;
			if (c == '-') {
				if ((list = new_node(v, K_LIST, list)) < 0)
					return list;
				stack[sp++] = list;
			}
		} else if (isdigit((unsigned char)c)) {
			if (!digit && i > start) {
				/* ".X" is treated as "-X" for a qualifier X */
				if (v->n[list].first >= 0) {
					if ((list = new_node(v, K_LIST, list)) < 0)
						return list;
					stack[sp++] = list;
				}
				if ((r = add_item(v, list, false, s + start, i - start, true)) < 0)
					return r;
				start = i;
				if ((list = new_node(v, K_LIST, list)) < 0)
					return list;
				stack[sp++] = list;
			}
			digit = true;
		} else {
			if (digit && i > start) {
				if ((r = add_item(v, list, true, s + start, i - start, false)) < 0)
					return r;
				start = i;
				if ((list = new_node(v, K_LIST, list)) < 0)
					return list;
				stack[sp++] = list;
			}
			digit = false;
		}
	}
	if (n > start) {
		if (!digit && v->n[list].first >= 0) {
			if ((list = new_node(v, K_LIST, list)) < 0)
				return list;
			stack[sp++] = list;
		}
		if ((r = add_item(v, list, digit, s + start, n - start, false)) < 0)
			return r;
	}
	while (sp > 0)
		normalize(v, stack[--sp]);
	return 0;
}

static int sign(int c)
{
	return c < 0 ? -1 : c > 0;
}

/* Java String.compareTo on the comparable qualifier forms */
static int str_cmp(const struct node *a, const struct node *b)
{
	if (a->q >= 0 && b->q >= 0)
		return sign(a->q - b->q);
	if (a->q >= 0 || b->q >= 0)
		return a->q >= 0 ? -1 : 1; /* "0".."6" < "7-..." */
	size_t la = (size_t)a->len, lb = (size_t)b->len;
	int c = memcmp(a->s, b->s, la < lb ? la : lb);
	return c ? sign(c) : la == lb ? 0 : la < lb ? -1 : 1;
}

static int item_cmp(const struct mv *x, int a, const struct mv *y, int b, int depth);

/* a compared with "null" (a missing item) */
static int null_cmp(const struct mv *x, int a, int depth)
{
	const struct node *n = &x->n[a];
	switch (n->kind) {
	case K_INT: return n->len == 0 ? 0 : 1;
	case K_STR: return n->q >= 0 ? sign(n->q - Q_RELEASE) : 1;
	case K_LIST:
		for (int i = n->first; i >= 0; i = x->n[i].next) {
			int c = null_cmp(x, i, depth + 1);
			if (c)
				return c;
		}
		return 0;
	}
	return 0;
}

static int item_cmp(const struct mv *x, int a, const struct mv *y, int b, int depth)
{
	const struct node *p = &x->n[a], *q = &y->n[b];
	if (p->kind != q->kind) {
		/* int > list > string */
		static const int rank[] = { [K_INT] = 2, [K_LIST] = 1, [K_STR] = 0 };
		return rank[p->kind] < rank[q->kind] ? -1 : 1;
	}
	switch (p->kind) {
	case K_INT:
		return mmr_version_digits_cmp(p->s, (size_t)p->len, q->s, (size_t)q->len);
	case K_STR:
		return str_cmp(p, q);
	case K_LIST: {
		int i = p->first, j = q->first;
		while (i >= 0 || j >= 0) {
			int c;
			if (i < 0)
				c = -null_cmp(y, j, depth + 1);
			else if (j < 0)
				c = null_cmp(x, i, depth + 1);
			else
				c = item_cmp(x, i, y, j, depth + 1);
			if (c)
				return c;
			if (i >= 0)
				i = x->n[i].next;
			if (j >= 0)
				j = y->n[j].next;
		}
		return 0;
	}
	}
	return 0;
}

static int maven_cmp(const char *a, const char *b, int *ret)
{
	struct mv x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	*ret = item_cmp(&x, 0, &y, 0, 0);
	return 0;
}

/* ---- ranges ---- */

static int bound_cmp(const char *version, const char *s, const char *e, int *ret)
{
	while (s < e && mmr_version_space(*s))
		s++;
	while (e > s && mmr_version_space(e[-1]))
		e--;
	if (s == e || (size_t)(e - s) > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	char b[MMR_VERSION_MAX_LEN + 1];
	memcpy(b, s, (size_t)(e - s));
	b[e - s] = 0;
	return maven_cmp(version, b, ret);
}

static bool blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (!mmr_version_space(*s))
			return false;
	return true;
}

static int maven_range_match(const char *expr, const char *version, bool *ret)
{
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR)
		return -EINVAL;
	int c;
	if (maven_cmp(version, "0", &c) < 0)
		return -EINVAL;
	const char *p = expr, *end = expr + n;
	bool any = false;
	int count = 0;
	for (;;) {
		while (p < end && mmr_version_space(*p))
			p++;
		if (p == end)
			break;
		if (*p != '[' && *p != '(')
			return -EINVAL; /* a bare "recommended" version */
		bool lo_inc = *p == '[';
		const char *close = p + 1;
		while (close < end && *close != ']' && *close != ')')
			close++;
		if (close == end)
			return -EINVAL;
		bool hi_inc = *close == ']';
		const char *comma = memchr(p + 1, ',', (size_t)(close - p - 1));
		bool in;
		if (!comma) {
			/* [1.2]: exactly; (1.2) is invalid */
			if (!lo_inc || !hi_inc || bound_cmp(version, p + 1, close, &c) < 0)
				return -EINVAL;
			in = c == 0;
		} else {
			bool has_lo = !blank(p + 1, comma), has_hi = !blank(comma + 1, close);
			in = true;
			if (has_lo) {
				if (bound_cmp(version, p + 1, comma, &c) < 0)
					return -EINVAL;
				in &= lo_inc ? c >= 0 : c > 0;
			}
			if (has_hi) {
				if (bound_cmp(version, comma + 1, close, &c) < 0)
					return -EINVAL;
				in &= hi_inc ? c <= 0 : c < 0;
			}
		}
		any |= in;
		count++;
		p = close + 1;
		while (p < end && mmr_version_space(*p))
			p++;
		if (p == end)
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	if (!count)
		return -EINVAL;
	*ret = any;
	return 0;
}

const struct mmr_version_scheme mmr_version_maven = { "maven", maven_cmp, maven_range_match };
