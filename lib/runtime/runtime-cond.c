/* runtime-cond.c - Falco filter conditions: parser, compiler, evaluator.
 *
 * Grammar (Falco's filter syntax):
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | primary
 *   primary := '(' expr ')' | FIELD OP VALUE | FIELD LISTOP '(' items ')'
 *            | FIELD 'exists' | MACRO
 * VALUE is a bare word or a '...'/"..." string; list items that name a
 * list are replaced by its items. Macros are compiled once and shared.
 * evt.type tests become bitmap nodes so rules can be indexed by type. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "runtime/runtime-internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-hash.h"

enum node_kind { K_AND, K_OR, K_NOT, K_TRUE, K_FALSE, K_CHECK, K_TYPES };

enum op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_INTERSECTS, OP_PMATCH, OP_CONTAINS,
	OP_ICONTAINS, OP_BCONTAINS, OP_STARTSWITH, OP_BSTARTSWITH, OP_ENDSWITH, OP_GLOB,
	OP_IGLOB, OP_REGEX, OP_EXISTS,
};

static const struct {
	const char *name;
	enum op op;
	bool list;
	bool unary;
} ops[] = {
	{ "=", OP_EQ, false, false },          { "==", OP_EQ, false, false },
	{ "!=", OP_NE, false, false },         { "<", OP_LT, false, false },
	{ "<=", OP_LE, false, false },         { ">", OP_GT, false, false },
	{ ">=", OP_GE, false, false },         { "in", OP_IN, true, false },
	{ "intersects", OP_INTERSECTS, true, false }, { "pmatch", OP_PMATCH, true, false },
	{ "contains", OP_CONTAINS, false, false }, { "icontains", OP_ICONTAINS, false, false },
	{ "bcontains", OP_BCONTAINS, false, false }, { "startswith", OP_STARTSWITH, false, false },
	{ "bstartswith", OP_BSTARTSWITH, false, false }, { "endswith", OP_ENDSWITH, false, false },
	{ "glob", OP_GLOB, false, false },     { "iglob", OP_IGLOB, false, false },
	{ "regex", OP_REGEX, false, false },   { "exists", OP_EXISTS, false, true },
};

struct cval {
	const char *s; /* NUL-terminated (arena) */
	size_t len;
	int64_t n;
	bool has_n;
	struct mmr_rt_addr ip;
	unsigned prefix; /* network bits; 128 = exact address */
	bool has_ip;
};

struct mmr_rt_node {
	uint8_t kind, op;
	bool negate; /* K_TYPES: != */
	uint32_t nkids;
	struct mmr_rt_node **kids;
	struct mmr_rt_fref ref;
	struct cval *vals;
	size_t nvals;
	uint32_t *hash; /* string set for in/intersects: index+1, 0 empty */
	size_t hashmask;
	pcre2_code *re;
	/* pmatch with many prefixes: prefixes without trailing '/' in a set */
	struct cval *pm;
	uint32_t *pmhash;
	size_t pmmask;
	bool pm_root; /* "/" or "" among the prefixes */
	uint32_t glob_lit; /* glob: length of the literal prefix before any wildcard */
	bool prefix_sorted; /* startswith with several values, sorted: any is a prefix */
	uint64_t types[MMR_RT_TYPE_WORDS];
	/* mmr_rt_cond_optimize(): estimated cost and probability of true */
	float cost, ptrue;
};

struct mmr_rt_optmemo {
	const struct mmr_rt_node *key;
	unsigned type;
	struct mmr_rt_node *val;
};

/* ---- env ---- */

void mmr_rt_cond_env_init(struct mmr_rt_cond_env *env, struct mmr_arena *a)
{
	memset(env, 0, sizeof(*env));
	env->arena = a;
	mmr_map_init(&env->macros_done, a);
	env->max_depth = 64;
	env->max_list_items = 65536;
	env->max_nodes = (size_t)1 << 20;
}

void mmr_rt_cond_env_release(struct mmr_rt_cond_env *env)
{
	for (size_t i = 0; i < env->regexes.n; i++)
		pcre2_code_free(env->regexes.v[i]);
	env->regexes.n = 0;
	free(env->memo);
	env->memo = NULL;
	env->memo_n = env->memo_cap = 0;
}

/* ---- parser ---- */

struct parser {
	struct mmr_rt_cond_env *env;
	const char *text, *p, *end;
	const char *file;
	unsigned long line;
	struct mmr_error *reterr;
	const char *rule; /* for messages */
};

static struct mmr_rt_node *new_node(struct mmr_rt_cond_env *env, enum node_kind k)
{
	if (env->nodes >= env->max_nodes)
		return NULL;
	struct mmr_rt_node *n = mmr_arena_alloc(env->arena, sizeof(*n));
	if (n) {
		n->kind = (uint8_t)k;
		env->nodes++;
	}
	return n;
}

static int perr(struct parser *ps, int err, const char *fmt, const char *arg)
{
	char msg[400];
	size_t off = (size_t)(ps->p - ps->text);
	snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
	const char *near = ps->p < ps->end ? ps->p : "end of condition";
	int nl = 0;
	while (nl < 40 && near[nl] && near[nl] != '\n')
		nl++;
	return mmr_error_set(ps->reterr, err, ps->file, ps->line, 0,
			     "%s (condition offset %zu, near '%.*s')", msg, off, nl, near);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool word_char(char c)
{
	return !isspace((unsigned char)c) && !strchr("(),=<>!'\"", c) && c != '\0';
}

/* A word token: bare word, possibly with [..] groups. */
static size_t word_len(const char *p, const char *end)
{
	const char *s = p;
	while (p < end && word_char(*p)) {
		if (*p == '[') {
			const char *c = memchr(p, ']', (size_t)(end - p));
			if (!c)
				return (size_t)(end - s);
			p = c + 1;
			continue;
		}
		p++;
	}
	return (size_t)(p - s);
}

static bool at_keyword(struct parser *ps, const char *kw)
{
	size_t l = strlen(kw);
	if ((size_t)(ps->end - ps->p) < l || memcmp(ps->p, kw, l) != 0)
		return false;
	return ps->p + l == ps->end || !word_char(ps->p[l]);
}

/* Read a value: quoted or bare. Returns arena string or NULL (error set). */
static char *read_value(struct parser *ps, int *err)
{
	skip_ws(ps);
	if (ps->p >= ps->end) {
		*err = perr(ps, EBADMSG, "expected a value%s", "");
		return NULL;
	}
	char q = *ps->p;
	if (q == '\'' || q == '"') {
		const char *s = ps->p + 1, *e = s;
		while (e < ps->end && *e != q)
			e += (*e == '\\' && e + 1 < ps->end) ? 2 : 1;
		struct mmr_arena *a = ps->env->arena;
		size_t cap = (size_t)(e - s) + 1, n = 0;
		char *out = mmr_arena_alloc(a, cap);
		if (!out) {
			*err = -ENOMEM;
			return NULL;
		}
		const char *p = s;
		while (p < ps->end && *p != q && n + 1 < cap) {
			if (*p == '\\' && p + 1 < ps->end && (p[1] == q || p[1] == '\\'))
				p++;
			out[n++] = *p++;
		}
		while (p < ps->end && *p != q)
			p += (*p == '\\' && p + 1 < ps->end) ? 2 : 1;
		if (p >= ps->end) {
			*err = perr(ps, EBADMSG, "unterminated string%s", "");
			return NULL;
		}
		out[n] = '\0';
		ps->p = p + 1;
		return out;
	}
	size_t l = word_len(ps->p, ps->end);
	if (l == 0) {
		*err = perr(ps, EBADMSG, "expected a value%s", "");
		return NULL;
	}
	char *out = mmr_arena_strndup(ps->env->arena, ps->p, l);
	if (!out)
		*err = -ENOMEM;
	ps->p += l;
	return out;
}

struct strvec {
	const char **v;
	size_t n, cap;
};

static int sv_push(struct mmr_rt_cond_env *env, struct strvec *sv, const char *s)
{
	if (sv->n >= env->max_list_items)
		return -E2BIG;
	if (sv->n == sv->cap) {
		size_t nc = sv->cap ? sv->cap * 2 : 16;
		const char **nv = mmr_arena_realloc(env->arena, sv->v, sv->cap * sizeof(*nv),
						    nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		sv->v = nv;
		sv->cap = nc;
	}
	sv->v[sv->n++] = s;
	return 0;
}

/* Add item, expanding list references (recursively, bounded depth). */
static int add_item(struct mmr_rt_cond_env *env, struct strvec *sv, const char *item,
		    unsigned depth)
{
	size_t n = 0;
	const char *const *items = env->list && depth < 16 ? env->list(env->ud, item, &n) : NULL;
	if (!items) {
		/* list items are substituted as text in Falco: "'x'" is x */
		size_t l = strlen(item);
		if (depth > 0 && l >= 2 && (item[0] == '"' || item[0] == '\'') && item[l - 1] == item[0]) {
			char *s = mmr_arena_strndup(env->arena, item + 1, l - 2);
			if (!s)
				return -ENOMEM;
			item = s;
		}
		return sv_push(env, sv, item);
	}
	for (size_t i = 0; i < n; i++) {
		int r = add_item(env, sv, items[i], depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct mmr_rt_node *parse_expr(struct parser *ps, int *err);

static int lookup_op(const char *p, size_t l)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].name) == l && memcmp(ops[i].name, p, l) == 0)
			return (int)i;
	return -1;
}

/* Operator token at ps->p: symbol or word; returns table index or -1. */
static int peek_op(struct parser *ps, size_t *ret_len)
{
	skip_ws(ps);
	const char *p = ps->p;
	if (p >= ps->end)
		return -1;
	if (strchr("=<>!", *p)) {
		size_t l = (p + 1 < ps->end && p[1] == '=') ? 2 : 1;
		*ret_len = l;
		return lookup_op(p, l);
	}
	size_t l = word_len(p, ps->end);
	*ret_len = l;
	return lookup_op(p, l);
}

static int build_check(struct mmr_rt_cond_env *env, const struct mmr_rt_fref *ref, int opi,
		       const char *const *vals, size_t nvals, struct mmr_rt_node **ret,
		       char *why, size_t whylen);

static struct mmr_rt_node *parse_macro(struct parser *ps, const char *name, int *err);

static struct mmr_rt_node *parse_primary(struct parser *ps, int *err)
{
	skip_ws(ps);
	if (ps->p >= ps->end) {
		*err = perr(ps, EBADMSG, "unexpected end of condition%s", "");
		return NULL;
	}
	if (*ps->p == '(') {
		ps->p++;
		struct mmr_rt_node *n = parse_expr(ps, err);
		if (!n)
			return NULL;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ')') {
			*err = perr(ps, EBADMSG, "expected ')'%s", "");
			return NULL;
		}
		ps->p++;
		return n;
	}
	const char *start = ps->p;
	size_t wl = word_len(ps->p, ps->end);
	if (wl == 0) {
		*err = perr(ps, EBADMSG, "expected a field, a macro or '('%s", "");
		return NULL;
	}
	if (wl > 6 && memcmp(start, "val(", 4) == 0) {
		*err = perr(ps, ENOTSUP, "val() is not supported%s", "");
		return NULL;
	}
	ps->p += wl;
	const char *after_word = ps->p;
	size_t ol = 0;
	int opi = peek_op(ps, &ol);
	/* transformer: tolower(field) etc. */
	if (opi < 0 && ps->p < ps->end && *ps->p == '(' && ps->p == after_word) {
		char *w = mmr_arena_strndup(ps->env->arena, start, wl);
		mmr_rt_strlcpy(ps->env->unsupported, w ? w : "", sizeof(ps->env->unsupported));
		ps->p = start;
		*err = perr(ps, ENOTSUP, "unsupported transformer %s()", w);
		return NULL;
	}
	if (opi < 0) {
		/* a macro */
		ps->p = after_word;
		char *name = mmr_arena_strndup(ps->env->arena, start, wl);
		if (!name) {
			*err = -ENOMEM;
			return NULL;
		}
		const char *save = ps->p;
		ps->p = start;
		struct mmr_rt_node *n = parse_macro(ps, name, err);
		ps->p = save;
		return n;
	}
	struct mmr_rt_fref ref;
	size_t unk = 0;
	int r = mmr_rt_field_parse(ps->env->arena, start, wl, &ref, &unk);
	if (r == 0 || (r > 0 && (size_t)r != wl)) {
		char *name = mmr_arena_strndup(ps->env->arena, start, wl);
		mmr_rt_strlcpy(ps->env->unsupported, name ? name : "", sizeof(ps->env->unsupported));
		ps->p = start;
		*err = perr(ps, ENOTSUP, "unsupported field %s", name);
		return NULL;
	}
	if (r < 0) {
		ps->p = start;
		*err = r == -ENOMEM ? -ENOMEM : perr(ps, EBADMSG, "bad field argument%s", "");
		return NULL;
	}
	ps->p += ol;
	struct strvec sv = { 0 };
	if (ops[opi].unary) {
		/* no value */
	} else if (ops[opi].list) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '(') {
			/* a single value or a list name */
			char *v = read_value(ps, err);
			if (!v)
				return NULL;
			if ((r = add_item(ps->env, &sv, v, 0)) < 0) {
				*err = r == -E2BIG ? perr(ps, E2BIG, "list too long%s", "") : r;
				return NULL;
			}
		} else {
			ps->p++;
			skip_ws(ps);
			if (ps->p < ps->end && *ps->p == ')') {
				ps->p++;
			} else {
				for (;;) {
					char *v = read_value(ps, err);
					if (!v)
						return NULL;
					if ((r = add_item(ps->env, &sv, v, 0)) < 0) {
						*err = r == -E2BIG ?
							       perr(ps, E2BIG, "list too long%s", "") : r;
						return NULL;
					}
					skip_ws(ps);
					if (ps->p < ps->end && *ps->p == ',') {
						ps->p++;
						continue;
					}
					if (ps->p < ps->end && *ps->p == ')') {
						ps->p++;
						break;
					}
					*err = perr(ps, EBADMSG, "expected ',' or ')' in list%s", "");
					return NULL;
				}
			}
		}
	} else {
		char *v = read_value(ps, err);
		if (!v)
			return NULL;
		if ((r = sv_push(ps->env, &sv, v)) < 0) {
			*err = r;
			return NULL;
		}
	}
	struct mmr_rt_node *n = NULL;
	char why[200] = "";
	r = build_check(ps->env, &ref, opi, sv.v, sv.n, &n, why, sizeof(why));
	if (r < 0) {
		ps->p = start;
		*err = r == -ENOMEM ? r : perr(ps, -r, "%s", why);
		return NULL;
	}
	return n;
}

static struct mmr_rt_node *parse_not(struct parser *ps, int *err)
{
	skip_ws(ps);
	if (at_keyword(ps, "not")) {
		ps->p += 3;
		if (ps->env->depth >= 128 + ps->env->max_depth) {
			*err = perr(ps, E2BIG, "nesting too deep%s", "");
			return NULL;
		}
		ps->env->depth++;
		struct mmr_rt_node *k = parse_not(ps, err);
		ps->env->depth--;
		if (!k)
			return NULL;
		struct mmr_rt_node *n = mmr_rt_cond_not(ps->env, k);
		if (!n)
			*err = -ENOMEM;
		return n;
	}
	return parse_primary(ps, err);
}

static struct mmr_rt_node *parse_seq(struct parser *ps, int *err, bool is_or)
{
	struct mmr_rt_node *first = is_or ? parse_seq(ps, err, false) : parse_not(ps, err);
	if (!first)
		return NULL;
	struct mmr_rt_node **kids = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		skip_ws(ps);
		if (!at_keyword(ps, is_or ? "or" : "and"))
			break;
		ps->p += is_or ? 2 : 3;
		struct mmr_rt_node *k = is_or ? parse_seq(ps, err, false) : parse_not(ps, err);
		if (!k)
			return NULL;
		if (n + 2 > cap) {
			size_t nc = cap ? cap * 2 : 4;
			struct mmr_rt_node **nk = mmr_arena_realloc(
				ps->env->arena, kids, cap * sizeof(*kids), nc * sizeof(*kids));
			if (!nk) {
				*err = -ENOMEM;
				return NULL;
			}
			kids = nk;
			cap = nc;
		}
		if (n == 0)
			kids[n++] = first;
		kids[n++] = k;
	}
	if (n == 0)
		return first;
	struct mmr_rt_node *node = new_node(ps->env, is_or ? K_OR : K_AND);
	if (!node) {
		*err = perr(ps, E2BIG, "condition too large%s", "");
		return NULL;
	}
	node->kids = kids;
	node->nkids = (uint32_t)n;
	return node;
}

/* Recursion guard: each nested '(' goes through parse_expr. */
static struct mmr_rt_node *parse_expr(struct parser *ps, int *err)
{
	if (ps->env->depth >= 128 + ps->env->max_depth) {
		*err = perr(ps, E2BIG, "nesting too deep%s", "");
		return NULL;
	}
	ps->env->depth++;
	struct mmr_rt_node *n = parse_seq(ps, err, true);
	ps->env->depth--;
	return n;
}

static int compile_text(struct mmr_rt_cond_env *env, const char *text, const char *file,
			unsigned long line, struct mmr_rt_node **ret, struct mmr_error *reterr)
{
	struct parser ps = { .env = env, .text = text, .p = text, .end = text + strlen(text),
			     .file = file, .line = line, .reterr = reterr };
	int err = 0;
	struct mmr_rt_node *n = parse_expr(&ps, &err);
	if (!n)
		return err ? err : -EBADMSG;
	skip_ws(&ps);
	if (ps.p < ps.end)
		return perr(&ps, EBADMSG, "unexpected text after the condition%s", "");
	*ret = n;
	return 0;
}

static unsigned macro_stack_depth(const struct mmr_rt_cond_env *env)
{
	unsigned d = 0;
	while (d < sizeof(env->stack) / sizeof(env->stack[0]) && env->stack[d])
		d++;
	return d;
}

static struct mmr_rt_node *parse_macro(struct parser *ps, const char *name, int *err)
{
	struct mmr_rt_cond_env *env = ps->env;
	struct mmr_rt_node *done = mmr_map_get(&env->macros_done, name);
	if (done)
		return done;
	const char *mfile = NULL;
	unsigned long mline = 0;
	const char *text = env->macro ? env->macro(env->ud, name, &mfile, &mline) : NULL;
	if (!text) {
		*err = perr(ps, ENOENT, "undefined macro or unknown field '%s'", name);
		return NULL;
	}
	unsigned d = macro_stack_depth(env);
	for (unsigned i = 0; i < d; i++)
		if (strcmp(env->stack[i], name) == 0) {
			*err = perr(ps, ELOOP, "macro cycle through '%s'", name);
			return NULL;
		}
	if (d >= env->max_depth || d + 1 >= sizeof(env->stack) / sizeof(env->stack[0])) {
		*err = perr(ps, E2BIG, "macros nested too deeply at '%s'", name);
		return NULL;
	}
	env->stack[d] = name;
	env->stack[d + 1] = NULL;
	struct mmr_rt_node *n = NULL;
	int r = compile_text(env, text, mfile ? mfile : ps->file, mfile ? mline : ps->line, &n,
			     ps->reterr);
	env->stack[d] = NULL;
	if (r < 0) {
		*err = r;
		return NULL;
	}
	if (mmr_map_put(&env->macros_done, name, n) < 0) {
		*err = -ENOMEM;
		return NULL;
	}
	return n;
}

int mmr_rt_cond_compile(struct mmr_rt_cond_env *env, const char *text, const char *file,
			unsigned long line, struct mmr_rt_node **ret, struct mmr_error *reterr)
{
	env->unsupported[0] = '\0';
	env->stack[0] = NULL;
	env->depth = 0;
	return compile_text(env, text, file, line, ret, reterr);
}

/* ---- building checks ---- */

static bool parse_i64(const char *s, int64_t *ret)
{
	if (strcmp(s, "true") == 0) {
		*ret = 1;
		return true;
	}
	if (strcmp(s, "false") == 0) {
		*ret = 0;
		return true;
	}
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (end == s || *end || errno)
		return false;
	*ret = v;
	return true;
}

static bool parse_ip(const char *s, struct cval *v)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t l = slash ? (size_t)(slash - s) : strlen(s);
	if (l >= sizeof(buf))
		return false;
	memcpy(buf, s, l);
	buf[l] = '\0';
	memset(&v->ip, 0, sizeof(v->ip));
	unsigned maxbits;
	if (inet_pton(AF_INET, buf, v->ip.ip + 12) == 1) {
		v->ip.ip[10] = v->ip.ip[11] = 0xff;
		v->ip.family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, buf, v->ip.ip) == 1) {
		v->ip.family = AF_INET6;
		maxbits = 128;
	} else {
		return false;
	}
	v->prefix = 128;
	if (slash) {
		int64_t bits;
		if (!parse_i64(slash + 1, &bits) || bits < 0 || bits > (int64_t)maxbits)
			return false;
		v->prefix = (unsigned)bits + (maxbits == 32 ? 96 : 0);
	}
	v->has_ip = true;
	return true;
}

static int hex_decode(struct mmr_arena *a, const char *s, struct cval *v)
{
	size_t l = strlen(s);
	if (l % 2)
		return -EINVAL;
	char *out = mmr_arena_alloc(a, l / 2 + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < l; i += 2) {
		int hi = isxdigit((unsigned char)s[i]) ? (isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10)) : -1;
		int lo = isxdigit((unsigned char)s[i + 1]) ? (isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0' : (tolower((unsigned char)s[i + 1]) - 'a' + 10)) : -1;
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (char)(hi * 16 + lo);
	}
	v->s = out;
	v->len = l / 2;
	return 0;
}

static int build_types(struct mmr_rt_cond_env *env, int opi, const char *const *vals,
		       size_t nvals, struct mmr_rt_node **ret)
{
	struct mmr_rt_node *n = new_node(env, K_TYPES);
	if (!n)
		return -E2BIG;
	for (size_t i = 0; i < nvals; i++) {
		enum mmr_rt_evt_type t = mmr_rt_evt_type_from_name(vals[i]);
		if (t != MMR_RT_EVT_UNKNOWN)
			n->types[t / 64] |= (uint64_t)1 << (t % 64);
	}
	n->negate = ops[opi].op == OP_NE;
	*ret = n;
	return 0;
}

/* An open-addressing set over vals[0..n) (index + 1 per slot, 0 empty). */
static uint32_t *make_set(struct mmr_rt_cond_env *env, const struct cval *vals, size_t n,
			  size_t *ret_mask)
{
	size_t cap = 8;
	while (cap < n * 2)
		cap <<= 1;
	uint32_t *set = mmr_arena_calloc(env->arena, cap, sizeof(*set));
	if (!set)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t h = mmr_hash64(vals[i].s, vals[i].len) & (cap - 1);
		while (set[h])
			h = (h + 1) & (cap - 1);
		set[h] = (uint32_t)i + 1;
	}
	*ret_mask = cap - 1;
	return set;
}

/* bytewise order, a prefix before its extensions */
static int cval_cmp(const void *pa, const void *pb)
{
	const struct cval *a = pa, *b = pb;
	size_t l = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, l);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Lists longer than this are looked up in a hash set. */
#define SET_MIN 5

/* Hash sets for long string in/intersects lists and pmatch prefix lists. */
static int build_sets(struct mmr_rt_cond_env *env, struct mmr_rt_node *n)
{
	enum op op = (enum op)n->op;
	if (n->ref.def->type != MMR_RT_FT_STR)
		return 0;
	if (op == OP_STARTSWITH) {
		/* several prefixes only come from merged alternatives */
		if (n->nvals > 1) {
			qsort(n->vals, n->nvals, sizeof(*n->vals), cval_cmp);
			n->prefix_sorted = true;
		}
		return 0;
	}
	if (n->nvals < SET_MIN)
		return 0;
	if (op == OP_IN || op == OP_INTERSECTS) {
		n->hash = make_set(env, n->vals, n->nvals, &n->hashmask);
		return n->hash ? 0 : -ENOMEM;
	}
	if (op != OP_PMATCH)
		return 0;
	n->pm = mmr_arena_calloc(env->arena, n->nvals, sizeof(*n->pm));
	if (!n->pm)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n->nvals; i++) {
		const struct cval *v = &n->vals[i];
		size_t pl = v->len;
		while (pl > 1 && v->s[pl - 1] == '/')
			pl--;
		if (pl == 0 || (pl == 1 && v->s[0] == '/')) {
			n->pm_root = true; /* matches "" (only "") or any path below / */
			if (pl == 0)
				n->pm[k++] = (struct cval){ .s = v->s, .len = 0 };
			continue;
		}
		n->pm[k++] = (struct cval){ .s = v->s, .len = pl };
	}
	n->pmhash = make_set(env, n->pm, k, &n->pmmask);
	return n->pmhash ? 0 : -ENOMEM;
}

static int build_check(struct mmr_rt_cond_env *env, const struct mmr_rt_fref *ref, int opi,
		       const char *const *vals, size_t nvals, struct mmr_rt_node **ret,
		       char *why, size_t whylen)
{
	enum op op = ops[opi].op;
	enum mmr_rt_ftype ft = ref->def->type;
	if (strcmp(ref->def->name, "evt.type") == 0 &&
	    (op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS))
		return build_types(env, opi, vals, nvals, ret);
	if (!ops[opi].unary && !ops[opi].list && nvals != 1) {
		snprintf(why, whylen, "operator %s takes one value", ops[opi].name);
		return -EBADMSG;
	}
	struct mmr_rt_node *n = new_node(env, K_CHECK);
	if (!n)
		return -E2BIG;
	n->op = (uint8_t)op;
	n->ref = *ref;
	n->nvals = nvals;
	n->vals = nvals ? mmr_arena_calloc(env->arena, nvals, sizeof(*n->vals)) : NULL;
	if (nvals && !n->vals)
		return -ENOMEM;
	bool numeric = ft == MMR_RT_FT_NUM || ft == MMR_RT_FT_BOOL;
	if ((op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE) && !numeric) {
		snprintf(why, whylen, "operator %s needs a numeric field, %s is not",
			 ops[opi].name, ref->def->name);
		return -EBADMSG;
	}
	for (size_t i = 0; i < nvals; i++) {
		struct cval *v = &n->vals[i];
		v->s = vals[i];
		v->len = strlen(vals[i]);
		if (op == OP_BCONTAINS || op == OP_BSTARTSWITH) {
			int r = hex_decode(env->arena, vals[i], v);
			if (r < 0) {
				snprintf(why, whylen, "'%s' is not a hex byte string", vals[i]);
				return r == -ENOMEM ? r : -EBADMSG;
			}
			continue;
		}
		if (op == OP_ICONTAINS) {
			char *low = mmr_arena_strdup(env->arena, vals[i]);
			if (!low)
				return -ENOMEM;
			for (char *c = low; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			v->s = low;
		}
		v->has_n = parse_i64(vals[i], &v->n);
		if (numeric && !v->has_n &&
		    (op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS || op >= OP_LT)) {
			if (op <= OP_INTERSECTS) {
				snprintf(why, whylen, "'%s' is not a number (field %s)", vals[i],
					 ref->def->name);
				return -EBADMSG;
			}
		}
		if (ft == MMR_RT_FT_IP || ft == MMR_RT_FT_NET) {
			if (!parse_ip(vals[i], v) &&
			    (op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS)) {
				snprintf(why, whylen, "'%s' is not an IP address or network", vals[i]);
				return -EBADMSG;
			}
		}
	}
	if (op == OP_REGEX) {
		int ec;
		PCRE2_SIZE eo;
		n->re = pcre2_compile((PCRE2_SPTR)vals[0], PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
		if (!n->re) {
			snprintf(why, whylen, "bad regular expression '%.100s'", vals[0]);
			return -EBADMSG;
		}
		int r = mmr_vec_push(env->arena, &env->regexes, n->re);
		if (r < 0) {
			pcre2_code_free(n->re);
			return r;
		}
	}
	if (op == OP_GLOB) {
		/* a subject must start with the pattern's literal part: test that first */
		size_t l = strcspn(vals[0], "*?[\\");
		n->glob_lit = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
	}
	int r = build_sets(env, n);
	if (r < 0)
		return r;
	*ret = n;
	return 0;
}

int mmr_rt_cond_check(struct mmr_rt_cond_env *env, const char *field, const char *op,
		      const char *const *values, size_t n, struct mmr_rt_node **ret,
		      struct mmr_error *reterr)
{
	struct mmr_rt_fref ref;
	size_t fl = strlen(field), unk;
	int r = mmr_rt_field_parse(env->arena, field, fl, &ref, &unk);
	if (r <= 0 || (size_t)r != fl) {
		mmr_rt_strlcpy(env->unsupported, field, sizeof(env->unsupported));
		return mmr_error_set(reterr, ENOTSUP, NULL, 0, 0, "unsupported field %s", field);
	}
	int opi = lookup_op(op, strlen(op));
	if (opi < 0)
		return mmr_error_set(reterr, EBADMSG, NULL, 0, 0, "unknown operator %s", op);
	struct strvec sv = { 0 };
	for (size_t i = 0; i < n; i++) {
		r = ops[opi].list ? add_item(env, &sv, values[i], 0) : sv_push(env, &sv, values[i]);
		if (r < 0)
			return r;
	}
	char why[200] = "";
	r = build_check(env, &ref, opi, sv.v, sv.n, ret, why, sizeof(why));
	if (r < 0 && r != -ENOMEM)
		return mmr_error_set(reterr, -r, NULL, 0, 0, "%s", why);
	return r;
}

struct mmr_rt_node *mmr_rt_cond_and(struct mmr_rt_cond_env *env, struct mmr_rt_node *a,
				    struct mmr_rt_node *b)
{
	struct mmr_rt_node *n = new_node(env, K_AND);
	struct mmr_rt_node **k = mmr_arena_calloc(env->arena, 2, sizeof(*k));
	if (!n || !k)
		return NULL;
	k[0] = a;
	k[1] = b;
	n->kids = k;
	n->nkids = 2;
	return n;
}

struct mmr_rt_node *mmr_rt_cond_or(struct mmr_rt_cond_env *env, struct mmr_rt_node *a,
				   struct mmr_rt_node *b)
{
	struct mmr_rt_node *n = mmr_rt_cond_and(env, a, b);
	if (n)
		n->kind = K_OR;
	return n;
}

struct mmr_rt_node *mmr_rt_cond_not(struct mmr_rt_cond_env *env, struct mmr_rt_node *a)
{
	struct mmr_rt_node *n = new_node(env, K_NOT);
	struct mmr_rt_node **k = mmr_arena_calloc(env->arena, 1, sizeof(*k));
	if (!n || !k)
		return NULL;
	k[0] = a;
	n->kids = k;
	n->nkids = 1;
	return n;
}

/* ---- evaluation ---- */

static bool mem_icontains(const char *h, size_t hl, const char *lowneedle, size_t nl)
{
	if (nl == 0)
		return true;
	if (nl > hl)
		return false;
	for (size_t i = 0; i + nl <= hl; i++) {
		size_t j = 0;
		while (j < nl && tolower((unsigned char)h[i + j]) == (unsigned char)lowneedle[j])
			j++;
		if (j == nl)
			return true;
	}
	return false;
}

static bool ip_match(const struct mmr_rt_addr *a, const struct cval *v)
{
	if (!v->has_ip)
		return false;
	unsigned bits = v->prefix;
	if (bits > 128)
		bits = 128;
	unsigned full = bits / 8, rem = bits % 8;
	if (memcmp(a->ip, v->ip.ip, full) != 0)
		return false;
	if (rem) {
		uint8_t mask = (uint8_t)(0xff << (8 - rem));
		if ((a->ip[full] & mask) != (v->ip.ip[full] & mask))
			return false;
	}
	return true;
}

static bool in_hash(const uint32_t *set, size_t mask, const struct cval *vals, const char *s,
		    size_t len);

/* Byte compares of the hot operators look at one byte inline before
 * calling memcmp: most values of a rule set differ from the subject in
 * their first (or, for endswith, last) byte, and a libc call per value
 * of every rule was a fifth of the agent's time at 200k events/s. */
static inline bool bytes_eq(const char *a, const char *b, size_t n)
{
	return n == 0 || (a[0] == b[0] && (n == 1 || memcmp(a + 1, b + 1, n - 1) == 0));
}

static bool str_eq(const struct mmr_rt_val *x, const struct cval *v)
{
	return x->len == v->len && bytes_eq(x->s, v->s, v->len);
}

static bool in_set(const struct mmr_rt_node *n, const struct mmr_rt_val *x)
{
	if (n->hash)
		return in_hash(n->hash, n->hashmask, n->vals, x->s, x->len);
	for (size_t i = 0; i < n->nvals; i++)
		if (str_eq(x, &n->vals[i]))
			return true;
	return false;
}

static bool in_hash(const uint32_t *set, size_t mask, const struct cval *vals, const char *s,
		    size_t len)
{
	size_t h = mmr_hash64(s, len) & mask;
	while (set[h]) {
		const struct cval *v = &vals[set[h] - 1];
		if (v->len == len && bytes_eq(v->s, s, len))
			return true;
		h = (h + 1) & mask;
	}
	return false;
}

/* pmatch over the prefix set: x itself or x cut before any '/' */
static bool in_pmatch(const struct mmr_rt_node *n, const struct mmr_rt_val *x)
{
	if (n->pm_root && x->len && x->s[0] == '/')
		return true;
	if (in_hash(n->pmhash, n->pmmask, n->pm, x->s, x->len))
		return true;
	for (size_t i = 1; i < x->len; i++)
		if (x->s[i] == '/' && in_hash(n->pmhash, n->pmmask, n->pm, x->s, i))
			return true;
	return false;
}

/* Is any of the sorted values a prefix of x? Binary-search the greatest
 * value <= x[0..lim); if it is not a prefix, every prefix of x that is
 * <= it is shorter than their common part, so shrink lim and repeat. */
static bool any_prefix(const struct mmr_rt_node *n, const struct mmr_rt_val *x)
{
	size_t lim = x->len;
	for (;;) {
		struct cval key = { .s = x->s, .len = lim };
		size_t lo = 0, hi = n->nvals; /* first value > key */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (cval_cmp(&n->vals[mid], &key) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
			return false;
		const struct cval *p = &n->vals[lo - 1];
		size_t l = 0, m = p->len < lim ? p->len : lim;
		while (l < m && p->s[l] == x->s[l])
			l++;
		if (l == p->len)
			return true;
		if (l >= lim)
			return false; /* cannot happen: p <= key */
		lim = l;
	}
}

static bool match_one(const struct mmr_rt_node *n, struct mmr_rt_val *x, struct mmr_rt_ectx *cx)
{
	enum mmr_rt_ftype ft = n->ref.def->type;
	enum op op = (enum op)n->op;
	char numbuf[32];
	if (op == OP_EXISTS)
		return true;
	if (ft == MMR_RT_FT_NUM || ft == MMR_RT_FT_BOOL) {
		switch (op) {
		case OP_EQ: return n->vals[0].has_n && x->n == n->vals[0].n;
		case OP_NE: return !(n->vals[0].has_n && x->n == n->vals[0].n);
		case OP_LT: return n->vals[0].has_n && x->n < n->vals[0].n;
		case OP_LE: return n->vals[0].has_n && x->n <= n->vals[0].n;
		case OP_GT: return n->vals[0].has_n && x->n > n->vals[0].n;
		case OP_GE: return n->vals[0].has_n && x->n >= n->vals[0].n;
		case OP_IN:
		case OP_INTERSECTS:
			for (size_t i = 0; i < n->nvals; i++)
				if (n->vals[i].has_n && n->vals[i].n == x->n)
					return true;
			return false;
		default: {
			/* string operators on a number: compare its decimal form */
			uint64_t u = x->n < 0 ? 0 - (uint64_t)x->n : (uint64_t)x->n;
			size_t w = sizeof(numbuf) - 1;
			numbuf[w] = '\0';
			do {
				numbuf[--w] = (char)('0' + u % 10);
				u /= 10;
			} while (u);
			if (x->n < 0)
				numbuf[--w] = '-';
			x->s = numbuf + w;
			x->len = sizeof(numbuf) - 1 - w;
			break;
		}
		}
	}
	if ((ft == MMR_RT_FT_IP || ft == MMR_RT_FT_NET) &&
	    (op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS)) {
		bool any = false;
		for (size_t i = 0; i < n->nvals && !any; i++)
			any = ip_match(&x->ip, &n->vals[i]);
		return op == OP_NE ? !any : any;
	}
	const struct cval *v = n->nvals ? &n->vals[0] : NULL;
	switch (op) {
	case OP_EQ: return str_eq(x, v);
	case OP_NE: return !str_eq(x, v);
	case OP_IN:
	case OP_INTERSECTS: return in_set(n, x);
	case OP_PMATCH:
		if (n->pmhash)
			return in_pmatch(n, x);
		for (size_t i = 0; i < n->nvals; i++) {
			const struct cval *p = &n->vals[i];
			size_t pl = p->len;
			while (pl > 1 && p->s[pl - 1] == '/')
				pl--;
			if (x->len >= pl && bytes_eq(x->s, p->s, pl) &&
			    (x->len == pl || x->s[pl] == '/' || (pl == 1 && p->s[0] == '/')))
				return true;
		}
		return false;
	case OP_CONTAINS:
	case OP_BCONTAINS: return v->len == 0 || (x->len >= v->len && memmem(x->s, x->len, v->s, v->len));
	case OP_ICONTAINS: return mem_icontains(x->s, x->len, v->s, v->len);
	case OP_STARTSWITH:
		if (n->prefix_sorted)
			return any_prefix(n, x);
		/* fall through */
	case OP_BSTARTSWITH: return x->len >= v->len && bytes_eq(x->s, v->s, v->len);
	case OP_ENDSWITH:
		return x->len >= v->len &&
		       (v->len == 0 || (x->s[x->len - 1] == v->s[v->len - 1] &&
					memcmp(x->s + x->len - v->len, v->s, v->len) == 0));
	case OP_GLOB:
		if (x->len < n->glob_lit || !bytes_eq(x->s, v->s, n->glob_lit))
			return false;
		/* fall through */
	case OP_IGLOB:
	case OP_REGEX: {
		/* needs a NUL-terminated subject */
		char tmp[MMR_RT_SCRATCH];
		const char *subj = x->s;
		if (x->s[x->len] != '\0' || memchr(x->s, '\0', x->len)) {
			size_t l = x->len < sizeof(tmp) - 1 ? x->len : sizeof(tmp) - 1;
			memcpy(tmp, x->s, l);
			tmp[l] = '\0';
			subj = tmp;
		}
		if (op == OP_REGEX) {
			pcre2_match_data *md = pcre2_match_data_create_from_pattern(n->re, NULL);
			if (!md)
				return false;
			int rc = pcre2_match(n->re, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md, NULL);
			pcre2_match_data_free(md);
			return rc >= 0;
		}
		return fnmatch(v->s, subj, op == OP_IGLOB ? FNM_CASEFOLD : 0) == 0;
	}
	default: return false;
	}
	(void)cx;
}

static bool eval_check(const struct mmr_rt_node *n, struct mmr_rt_ectx *cx)
{
	struct mmr_rt_val x;
	bool neg = n->op == OP_NE;
	unsigned idx = 0;
	bool any_value = false;
	enum mmr_rt_ftype ft = n->ref.def->type;
	cx->ip_only = (ft == MMR_RT_FT_IP || ft == MMR_RT_FT_NET) &&
		      (n->op == OP_EQ || n->op == OP_NE || n->op == OP_IN || n->op == OP_INTERSECTS ||
		       n->op == OP_EXISTS);
	for (; idx < MMR_RT_ANCESTRY_MAX + 2; idx++) {
		memset(&x, 0, sizeof(x));
		if (n->ref.def->fn(&n->ref, cx, idx, &x) <= 0)
			break;
		if (!x.s) {
			x.s = "";
			x.len = 0;
		}
		any_value = true;
		if (neg) {
			/* != holds when no value equals */
			if (!match_one(n, &x, cx))
				return false;
		} else if (match_one(n, &x, cx)) {
			return true;
		}
	}
	return neg ? any_value : false;
}

bool mmr_rt_cond_eval(const struct mmr_rt_node *n, struct mmr_rt_ectx *cx)
{
	switch (n->kind) {
	case K_AND:
		for (uint32_t i = 0; i < n->nkids; i++)
			if (!mmr_rt_cond_eval(n->kids[i], cx))
				return false;
		return true;
	case K_OR:
		for (uint32_t i = 0; i < n->nkids; i++)
			if (mmr_rt_cond_eval(n->kids[i], cx))
				return true;
		return false;
	case K_NOT:
		return !mmr_rt_cond_eval(n->kids[0], cx);
	case K_TRUE:
		return true;
	case K_FALSE:
		return false;
	case K_TYPES: {
		unsigned t = cx->ev->type;
		bool in = t < MMR_RT_EVT__COUNT && (n->types[t / 64] >> (t % 64) & 1);
		return n->negate ? !in : in;
	}
	case K_CHECK:
		return eval_check(n, cx);
	}
	return false;
}

static void set_all(uint64_t out[MMR_RT_TYPE_WORDS])
{
	for (unsigned i = 0; i < MMR_RT_TYPE_WORDS; i++)
		out[i] = ~(uint64_t)0;
}

void mmr_rt_cond_types(const struct mmr_rt_node *n, uint64_t out[MMR_RT_TYPE_WORDS])
{
	uint64_t tmp[MMR_RT_TYPE_WORDS];
	switch (n->kind) {
	case K_AND:
		set_all(out);
		for (uint32_t i = 0; i < n->nkids; i++) {
			mmr_rt_cond_types(n->kids[i], tmp);
			for (unsigned w = 0; w < MMR_RT_TYPE_WORDS; w++)
				out[w] &= tmp[w];
		}
		return;
	case K_OR:
		memset(out, 0, sizeof(tmp));
		for (uint32_t i = 0; i < n->nkids; i++) {
			mmr_rt_cond_types(n->kids[i], tmp);
			for (unsigned w = 0; w < MMR_RT_TYPE_WORDS; w++)
				out[w] |= tmp[w];
		}
		return;
	case K_NOT:
		if (n->kids[0]->kind == K_TYPES) {
			for (unsigned w = 0; w < MMR_RT_TYPE_WORDS; w++)
				out[w] = n->kids[0]->negate ? n->kids[0]->types[w] : ~n->kids[0]->types[w];
			return;
		}
		set_all(out);
		return;
	case K_TYPES:
		for (unsigned w = 0; w < MMR_RT_TYPE_WORDS; w++)
			out[w] = n->negate ? ~n->types[w] : n->types[w];
		return;
	case K_FALSE:
		memset(out, 0, sizeof(tmp));
		return;
	default:
		set_all(out);
		return;
	}
}

/* ---- optimisation ----
 * Per event type: evt.type tests become constants, and/or chains are
 * flattened and simplified, alternatives `f = a or f in (b, c)` on the same
 * string field become one set lookup (likewise `not f in A and not f in B`),
 * and operands are ordered by expected cost: for and, ascending
 * cost / P(false); for or, ascending cost / P(true) (the classic optimal
 * order for independent short-circuit tests). Boolean results are
 * unchanged: conditions are two-valued and extraction has no side effects. */

static int memo_put(struct mmr_rt_cond_env *env, const struct mmr_rt_node *k, unsigned t,
		    struct mmr_rt_node *v);

static size_t memo_slot(const struct mmr_rt_node *k, unsigned t, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)k * 0x9e3779b97f4a7c15ull ^ (uint64_t)t * 0xc2b2ae3d27d4eb4full;
	return (size_t)(x >> 17) & mask;
}

static struct mmr_rt_node *memo_get(const struct mmr_rt_cond_env *env,
				    const struct mmr_rt_node *k, unsigned t)
{
	if (!env->memo_cap)
		return NULL;
	size_t mask = env->memo_cap - 1;
	for (size_t i = memo_slot(k, t, mask);; i = (i + 1) & mask) {
		const struct mmr_rt_optmemo *m = &env->memo[i];
		if (!m->key)
			return NULL;
		if (m->key == k && m->type == t)
			return m->val;
	}
}

static int memo_put(struct mmr_rt_cond_env *env, const struct mmr_rt_node *k, unsigned t,
		    struct mmr_rt_node *v)
{
	if ((env->memo_n + 1) * 2 > env->memo_cap) {
		size_t nc = env->memo_cap ? env->memo_cap * 2 : 1024;
		struct mmr_rt_optmemo *nm = calloc(nc, sizeof(*nm));
		if (!nm)
			return -ENOMEM;
		for (size_t i = 0; i < env->memo_cap; i++) {
			const struct mmr_rt_optmemo *m = &env->memo[i];
			if (!m->key)
				continue;
			size_t j = memo_slot(m->key, m->type, nc - 1);
			while (nm[j].key)
				j = (j + 1) & (nc - 1);
			nm[j] = *m;
		}
		free(env->memo);
		env->memo = nm;
		env->memo_cap = nc;
	}
	size_t mask = env->memo_cap - 1, i = memo_slot(k, t, mask);
	while (env->memo[i].key)
		i = (i + 1) & mask;
	env->memo[i] = (struct mmr_rt_optmemo){ k, t, v };
	env->memo_n++;
	return 0;
}

/* Optimised nodes have their own budget (four times the parse budget);
 * past it the unoptimised subtree is used as is. */
static struct mmr_rt_node *opt_node(struct mmr_rt_cond_env *env, enum node_kind k)
{
	size_t max = env->max_nodes;
	env->max_nodes = max * 4;
	struct mmr_rt_node *n = new_node(env, k);
	env->max_nodes = max;
	return n;
}

static struct mmr_rt_node *opt_not(struct mmr_rt_cond_env *env, struct mmr_rt_node *k)
{
	struct mmr_rt_node *n = opt_node(env, K_NOT);
	struct mmr_rt_node **kk = mmr_arena_calloc(env->arena, 1, sizeof(*kk));
	if (!n || !kk)
		return NULL;
	kk[0] = k;
	n->kids = kk;
	n->nkids = 1;
	n->cost = k->cost;
	n->ptrue = 1 - k->ptrue;
	return n;
}

static struct mmr_rt_node *opt_const(struct mmr_rt_cond_env *env, bool v)
{
	struct mmr_rt_node *n = opt_node(env, v ? K_TRUE : K_FALSE);
	if (n) {
		n->cost = 0;
		n->ptrue = v ? 1.0f : 0.0f;
	}
	return n;
}

int mmr_rt_cond_const(const struct mmr_rt_node *n)
{
	return n->kind == K_TRUE ? 1 : n->kind == K_FALSE ? 0 : -1;
}

static bool multi_valued(const struct mmr_rt_fref *ref)
{
	return ref->def->arg == MMR_RT_FARG_INDEX_OPT && ref->index < 0;
}

/* Rough cost (in units of one cheap comparison) and selectivity. */
static void check_estimate(struct mmr_rt_node *n)
{
	const char *f = n->ref.def->name;
	float fc = 1, oc = 1, p = 0.1f;
	if (multi_valued(&n->ref))
		fc = 4;
	else if (!strcmp(f, "proc.cmdline") || !strcmp(f, "proc.args") ||
		 !strcmp(f, "proc.pcmdline") || !strcmp(f, "evt.args"))
		fc = 2.5f;
	else if (!strncmp(f, "proc.p", 6) || !strncmp(f, "proc.a", 6) || !strncmp(f, "evt.arg", 7) ||
		 !strncmp(f, "container.", 10) || !strncmp(f, "k8s.", 4) ||
		 !strncmp(f, "thread.cap", 10) || !strcmp(f, "proc.sname") || !strcmp(f, "fd.directory"))
		fc = 2;
	switch ((enum op)n->op) {
	case OP_EQ: p = n->ref.def->type == MMR_RT_FT_STR ? 0.1f : 0.3f; break;
	case OP_NE: p = 0.9f; break;
	case OP_LT: case OP_LE: case OP_GT: case OP_GE: p = 0.5f; break;
	case OP_IN: case OP_INTERSECTS:
		oc = n->hash ? 1.5f : 1 + 0.3f * (float)n->nvals;
		p = 0.2f;
		break;
	case OP_PMATCH:
		oc = n->pmhash ? 3 : 1 + 0.5f * (float)n->nvals;
		p = 0.2f;
		break;
	case OP_CONTAINS: case OP_BCONTAINS: case OP_ENDSWITH: oc = 2; break;
	case OP_STARTSWITH: case OP_BSTARTSWITH: oc = 1.2f; break;
	case OP_ICONTAINS: oc = 4; break;
	case OP_GLOB: case OP_IGLOB: oc = 6; break;
	case OP_REGEX: oc = 12; break;
	case OP_EXISTS: oc = 0.2f; p = 0.8f; break;
	}
	n->cost = fc + oc * (multi_valued(&n->ref) ? 4 : 1);
	n->ptrue = p;
}

static bool same_ref(const struct mmr_rt_fref *a, const struct mmr_rt_fref *b)
{
	return a->def == b->def && a->index == b->index &&
	       (a->arg == b->arg || (a->arg && b->arg && !strcmp(a->arg, b->arg)));
}

/* Checks whose values can be merged: 1 string set (f = x, f in (...)),
 * 2 string prefixes (f startswith x); 0 none. */
static int set_class(const struct mmr_rt_node *n)
{
	if (n->kind != K_CHECK || n->ref.def->type != MMR_RT_FT_STR)
		return 0;
	if (n->op == OP_EQ || n->op == OP_IN || n->op == OP_INTERSECTS)
		return 1;
	return n->op == OP_STARTSWITH ? 2 : 0;
}

/* For or: the check itself; for and: the check under a not. */
static const struct mmr_rt_node *set_of(const struct mmr_rt_node *n, bool is_or)
{
	if (!is_or) {
		if (n->kind != K_NOT)
			return NULL;
		n = n->kids[0];
	}
	return set_class(n) ? n : NULL;
}

static bool mergeable(const struct mmr_rt_node *a, const struct mmr_rt_node *b)
{
	return b && set_class(a) == set_class(b) && same_ref(&a->ref, &b->ref);
}

/* Merge kids[i] with every later kid testing the same field (set_of). */
static struct mmr_rt_node *merge_sets(struct mmr_rt_cond_env *env, struct mmr_rt_node **kids,
				      size_t *nkids, size_t i, bool is_or)
{
	const struct mmr_rt_node *a = set_of(kids[i], is_or);
	size_t total = a->nvals, nm = 1;
	for (size_t j = i + 1; j < *nkids; j++) {
		const struct mmr_rt_node *b = set_of(kids[j], is_or);
		if (mergeable(a, b)) {
			total += b->nvals;
			nm++;
		}
	}
	if (nm == 1)
		return kids[i];
	struct mmr_rt_node *m = opt_node(env, K_CHECK);
	struct cval *vals = mmr_arena_calloc(env->arena, total ? total : 1, sizeof(*vals));
	if (!m || !vals)
		return NULL;
	m->op = set_class(a) == 2 ? OP_STARTSWITH : OP_IN;
	m->ref = a->ref;
	m->vals = vals;
	size_t w = i + 1;
	if (a->nvals) /* in () has no values */
		memcpy(vals, a->vals, a->nvals * sizeof(*vals));
	m->nvals = a->nvals;
	for (size_t j = i + 1; j < *nkids; j++) {
		const struct mmr_rt_node *b = set_of(kids[j], is_or);
		if (mergeable(a, b)) {
			if (b->nvals)
				memcpy(vals + m->nvals, b->vals, b->nvals * sizeof(*vals));
			m->nvals += b->nvals;
		} else {
			kids[w++] = kids[j];
		}
	}
	*nkids = w;
	if (build_sets(env, m) < 0)
		return NULL;
	check_estimate(m);
	if (is_or)
		return m;
	return opt_not(env, m);
}

static float rank(const struct mmr_rt_node *n, bool is_or)
{
	float decisive = is_or ? n->ptrue : 1 - n->ptrue;
	if (decisive < 0.001f)
		decisive = 0.001f;
	return n->cost / decisive;
}

static struct mmr_rt_node *optimize(struct mmr_rt_cond_env *env, struct mmr_rt_node *n,
				    unsigned t, unsigned depth);

static struct mmr_rt_node *opt_seq(struct mmr_rt_cond_env *env, struct mmr_rt_node *n,
				   unsigned t, unsigned depth)
{
	bool is_or = n->kind == K_OR;
	size_t cap = n->nkids, nk = 0;
	struct mmr_rt_node **kids = mmr_arena_calloc(env->arena, cap ? cap : 1, sizeof(*kids));
	if (!kids)
		return NULL;
	for (uint32_t i = 0; i < n->nkids; i++) {
		struct mmr_rt_node *k = optimize(env, n->kids[i], t, depth + 1);
		if (!k)
			return NULL;
		int c = mmr_rt_cond_const(k);
		if (c >= 0) {
			if (c == (is_or ? 1 : 0))
				return opt_const(env, c == 1); /* decides the whole chain */
			continue;                           /* neutral */
		}
		/* flatten a nested chain of the same kind */
		size_t add = k->kind == n->kind ? k->nkids : 1;
		if (nk + add > cap) {
			size_t nc = (nk + add) * 2;
			struct mmr_rt_node **nv = mmr_arena_realloc(env->arena, kids,
								    cap * sizeof(*kids), nc * sizeof(*kids));
			if (!nv)
				return NULL;
			kids = nv;
			cap = nc;
		}
		if (k->kind == n->kind) {
			memcpy(kids + nk, k->kids, add * sizeof(*kids));
			nk += add;
		} else {
			kids[nk++] = k;
		}
	}
	for (size_t i = 0; i < nk; i++)
		if (set_of(kids[i], is_or) && !(kids[i] = merge_sets(env, kids, &nk, i, is_or)))
			return NULL;
	if (nk == 0)
		return opt_const(env, !is_or);
	if (nk == 1)
		return kids[0];
	/* stable insertion sort by rank */
	for (size_t i = 1; i < nk; i++) {
		struct mmr_rt_node *k = kids[i];
		float r = rank(k, is_or);
		size_t j = i;
		while (j > 0 && rank(kids[j - 1], is_or) > r) {
			kids[j] = kids[j - 1];
			j--;
		}
		kids[j] = k;
	}
	struct mmr_rt_node *o = opt_node(env, is_or ? K_OR : K_AND);
	if (!o)
		return NULL;
	o->kids = kids;
	o->nkids = (uint32_t)nk;
	float cost = 0, reach = 1;
	for (size_t i = 0; i < nk; i++) {
		cost += reach * kids[i]->cost;
		reach *= is_or ? 1 - kids[i]->ptrue : kids[i]->ptrue;
	}
	o->cost = cost;
	o->ptrue = is_or ? 1 - reach : reach;
	return o;
}

static struct mmr_rt_node *optimize(struct mmr_rt_cond_env *env, struct mmr_rt_node *n,
				    unsigned t, unsigned depth)
{
	struct mmr_rt_node *o = memo_get(env, n, t);
	if (o)
		return o;
	if (depth > 4 * (128 + env->max_depth))
		return n; /* left as parsed; still exact */
	switch (n->kind) {
	case K_TYPES: {
		bool in = t < MMR_RT_EVT__COUNT && (n->types[t / 64] >> (t % 64) & 1);
		o = opt_const(env, n->negate ? !in : in);
		break;
	}
	case K_NOT: {
		struct mmr_rt_node *k = optimize(env, n->kids[0], t, depth + 1);
		if (!k)
			return NULL;
		int c = mmr_rt_cond_const(k);
		if (c >= 0) {
			o = opt_const(env, c == 0);
		} else if (k->kind == K_NOT) {
			o = k->kids[0];
		} else {
			o = opt_not(env, k);
		}
		break;
	}
	case K_AND:
	case K_OR:
		o = opt_seq(env, n, t, depth);
		break;
	case K_CHECK:
		check_estimate(n);
		o = n;
		break;
	default:
		o = n;
		break;
	}
	if (!o)
		o = n; /* budget or memory exhausted: the unoptimised subtree is exact */
	(void)memo_put(env, n, t, o); /* without the memo we only redo work */
	return o;
}

struct mmr_rt_node *mmr_rt_cond_optimize(struct mmr_rt_cond_env *env, struct mmr_rt_node *n,
					 unsigned evt_type)
{
	return optimize(env, n, evt_type, 0);
}
