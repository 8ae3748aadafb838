/* iac-hcl-json.c - the HCL JSON syntax (.tf.json, .tfvars.json) mapped to
 * the native AST.
 *
 * A small JSON reader of our own keeps the line/column of every value
 * (jansson does not). The JSON syntax needs a schema to tell blocks from
 * attributes; this file uses Terraform's: top-level block types with their
 * label counts, and inside bodies an array of objects or an object under a
 * known block name is a nested block. Strings are templates ("${var.x}"),
 * except in .tfvars.json where every value is literal. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-error.h"
#include "iac/iac-hcl.h"

enum jk { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	enum jk k;
	struct mmr_hcl_range r;
	bool b;
	double num;
	const char *s; /* string, number text */
	size_t len;
	struct mmr_vec keys; /* struct jnode * (J_STR) */
	struct mmr_vec vals; /* struct jnode * */
};

struct jp {
	struct mmr_arena *a;
	const char *s;
	size_t len, i;
	unsigned long line, col;
	const char *name;
	struct mmr_error *err;
	int rc;
	size_t depth, max_depth, nodes, max_nodes;
	const struct mmr_hcl_limits *lim;
	bool literal;
};

static int jerr(struct jp *p, int e, const char *msg)
{
	if (p->rc < 0)
		return p->rc;
	p->rc = mmr_error_set(p->err, e, p->name, p->line, p->col, "%s", msg);
	return p->rc;
}

static struct mmr_hcl_pos jhere(const struct jp *p)
{
	return (struct mmr_hcl_pos){ p->line, p->col, p->i };
}

static void jadv(struct jp *p)
{
	if (p->i >= p->len)
		return;
	unsigned char c = (unsigned char)p->s[p->i++];
	if (c == '\n') {
		p->line++;
		p->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		p->col++;
	}
}

static void jws(struct jp *p)
{
	while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
				 p->s[p->i] == '\r'))
		jadv(p);
}

static int hexv(int h)
{
	return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 :
	       h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
}

static int put_utf8(struct mmr_buf *b, unsigned long cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return mmr_buf_add(b, o, n);
}

static unsigned long read_u4(struct jp *p)
{
	unsigned long cp = 0;
	for (int k = 0; k < 4; k++) {
		int v = p->i < p->len ? hexv((unsigned char)p->s[p->i]) : -1;
		if (v < 0) {
			jerr(p, EBADMSG, "invalid \\u escape");
			return 0;
		}
		cp = cp * 16 + (unsigned long)v;
		jadv(p);
	}
	return cp;
}

static struct jnode *jvalue(struct jp *p);

static struct jnode *jnew(struct jp *p, enum jk k)
{
	if (++p->nodes > p->max_nodes) {
		jerr(p, E2BIG, "too many JSON values");
		return NULL;
	}
	struct jnode *n = mmr_arena_alloc(p->a, sizeof(*n));
	if (!n) {
		jerr(p, ENOMEM, "out of memory");
		return NULL;
	}
	n->k = k;
	n->r.start = jhere(p);
	return n;
}

static struct jnode *jstring(struct jp *p)
{
	struct jnode *n = jnew(p, J_STR);
	if (!n)
		return NULL;
	jadv(p); /* " */
	struct mmr_buf b;
	mmr_buf_init(&b, p->len + 1);
	while (p->rc >= 0) {
		if (p->i >= p->len) {
			jerr(p, EBADMSG, "unterminated string");
			break;
		}
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"') {
			jadv(p);
			break;
		}
		if (c < 0x20) {
			jerr(p, EBADMSG, "control character in a string");
			break;
		}
		if (c == '\\') {
			jadv(p);
			int e = p->i < p->len ? (unsigned char)p->s[p->i] : -1;
			jadv(p);
			switch (e) {
			case '"': mmr_buf_addc(&b, '"'); break;
			case '\\': mmr_buf_addc(&b, '\\'); break;
			case '/': mmr_buf_addc(&b, '/'); break;
			case 'b': mmr_buf_addc(&b, '\b'); break;
			case 'f': mmr_buf_addc(&b, '\f'); break;
			case 'n': mmr_buf_addc(&b, '\n'); break;
			case 'r': mmr_buf_addc(&b, '\r'); break;
			case 't': mmr_buf_addc(&b, '\t'); break;
			case 'u': {
				unsigned long cp = read_u4(p);
				if (cp >= 0xD800 && cp <= 0xDBFF && p->i + 1 < p->len &&
				    p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
					jadv(p);
					jadv(p);
					unsigned long lo = read_u4(p);
					if (lo >= 0xDC00 && lo <= 0xDFFF)
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					else
						cp = 0xFFFD;
				} else if (cp >= 0xD800 && cp <= 0xDFFF) {
					cp = 0xFFFD;
				}
				put_utf8(&b, cp);
				break;
			}
			default:
				jerr(p, EBADMSG, "invalid escape in a string");
			}
			continue;
		}
		mmr_buf_addc(&b, (char)c);
		jadv(p);
	}
	if (p->rc >= 0) {
		char *s = mmr_arena_memdup(p->a, b.p, b.len + 1);
		if (!s)
			jerr(p, ENOMEM, "out of memory");
		n->s = s;
		n->len = b.len;
	}
	mmr_buf_release(&b);
	n->r.end = jhere(p);
	return p->rc < 0 ? NULL : n;
}

static struct jnode *jvalue(struct jp *p)
{
	jws(p);
	if (p->i >= p->len) {
		jerr(p, EBADMSG, "expected a JSON value, found the end of the file");
		return NULL;
	}
	if (++p->depth > p->max_depth) {
		jerr(p, E2BIG, "JSON nested too deeply (max-json-depth)");
		return NULL;
	}
	struct jnode *n = NULL;
	char c = p->s[p->i];
	if (c == '"') {
		n = jstring(p);
	} else if (c == '{' || c == '[') {
		n = jnew(p, c == '{' ? J_OBJ : J_ARR);
		if (!n)
			goto out;
		char close = c == '{' ? '}' : ']';
		jadv(p);
		jws(p);
		if (p->i < p->len && p->s[p->i] == close) {
			jadv(p);
		} else {
			while (p->rc >= 0) {
				jws(p);
				if (c == '{') {
					if (p->i >= p->len || p->s[p->i] != '"') {
						jerr(p, EBADMSG, "expected a string key");
						break;
					}
					struct jnode *k = jstring(p);
					if (!k)
						break;
					jws(p);
					if (p->i >= p->len || p->s[p->i] != ':') {
						jerr(p, EBADMSG, "expected ':' after a key");
						break;
					}
					jadv(p);
					mmr_vec_push(p->a, &n->keys, k);
				}
				struct jnode *v = jvalue(p);
				if (!v)
					break;
				mmr_vec_push(p->a, &n->vals, v);
				jws(p);
				if (p->i < p->len && p->s[p->i] == ',') {
					jadv(p);
					continue;
				}
				if (p->i < p->len && p->s[p->i] == close) {
					jadv(p);
					break;
				}
				jerr(p, EBADMSG, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
			}
		}
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		n = jnew(p, J_NUM);
		if (!n)
			goto out;
		size_t from = p->i;
		while (p->i < p->len && strchr("+-0123456789.eE", p->s[p->i]))
			jadv(p);
		char *t = mmr_arena_strndup(p->a, p->s + from, p->i - from);
		char *end = NULL;
		n->num = t ? strtod(t, &end) : 0;
		n->s = t;
		if (!t || *end || !isfinite(n->num))
			jerr(p, EBADMSG, "invalid number");
	} else if (p->len - p->i >= 4 && !memcmp(p->s + p->i, "true", 4)) {
		n = jnew(p, J_BOOL);
		if (n)
			n->b = true;
		for (int k = 0; k < 4; k++)
			jadv(p);
	} else if (p->len - p->i >= 5 && !memcmp(p->s + p->i, "false", 5)) {
		n = jnew(p, J_BOOL);
		for (int k = 0; k < 5; k++)
			jadv(p);
	} else if (p->len - p->i >= 4 && !memcmp(p->s + p->i, "null", 4)) {
		n = jnew(p, J_NULL);
		for (int k = 0; k < 4; k++)
			jadv(p);
	} else {
		jerr(p, EBADMSG, "expected a JSON value");
	}
	if (n)
		n->r.end = jhere(p);
out:
	p->depth--;
	return p->rc < 0 ? NULL : n;
}

/* ---- JSON -> HCL AST ---------------------------------------------------- */

static struct mmr_hcl_expr *xnew(struct jp *p, enum mmr_hcl_kind k, const struct jnode *j)
{
	struct mmr_hcl_expr *e = mmr_arena_alloc(p->a, sizeof(*e));
	if (!e) {
		jerr(p, ENOMEM, "out of memory");
		return NULL;
	}
	e->kind = k;
	e->range = j->r;
	return e;
}

static struct mmr_hcl_expr *to_expr(struct jp *p, const struct jnode *j, bool tpl)
{
	if (p->rc < 0)
		return NULL;
	struct mmr_hcl_expr *e = NULL;
	switch (j->k) {
	case J_NULL:
		return xnew(p, MMR_HCL_NULL, j);
	case J_BOOL:
		e = xnew(p, MMR_HCL_BOOL, j);
		if (e)
			e->bval = j->b;
		return e;
	case J_NUM:
		e = xnew(p, MMR_HCL_NUMBER, j);
		if (e) {
			e->num = j->num;
			e->str = j->s;
		}
		return e;
	case J_STR:
		if (tpl && (memchr(j->s, '$', j->len) || memchr(j->s, '%', j->len))) {
			struct mmr_error sub = { 0 };
			struct mmr_hcl_pos at = j->r.start;
			at.col++;
			if (mmr_hcl_parse_template(p->a, j->s, j->len, p->name, at, p->lim, &e,
						   &sub) < 0) {
				p->rc = -EBADMSG;
				if (p->err)
					*p->err = sub;
				return NULL;
			}
			e->range = j->r;
			return e;
		}
		e = xnew(p, MMR_HCL_STRING, j);
		if (e) {
			e->str = j->s;
			e->len = j->len;
		}
		return e;
	case J_ARR:
		e = xnew(p, MMR_HCL_TUPLE, j);
		for (size_t i = 0; e && i < j->vals.n; i++) {
			struct mmr_hcl_expr *x = to_expr(p, j->vals.v[i], tpl);
			if (!x)
				return NULL;
			mmr_vec_push(p->a, &e->items, x);
		}
		return e;
	case J_OBJ:
		e = xnew(p, MMR_HCL_OBJECT, j);
		for (size_t i = 0; e && i < j->vals.n; i++) {
			struct mmr_hcl_expr *k = to_expr(p, j->keys.v[i], false);
			struct mmr_hcl_expr *x = to_expr(p, j->vals.v[i], tpl);
			if (!k || !x)
				return NULL;
			mmr_vec_push(p->a, &e->keys, k);
			mmr_vec_push(p->a, &e->items, x);
		}
		return e;
	}
	return NULL;
}

/* Keys inside resource-like bodies whose object value is a map attribute,
 * not a nested block. */
static bool map_attr(const char *k)
{
	static const char *const names[] = { "tags", "tags_all", "labels", "variables",
					     "parameters", "triggers", "annotations",
					     "environment_variables", "default", "value",
					     "attributes", "properties", "settings", NULL };
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(k, names[i]))
			return true;
	return false;
}

enum body_kind { B_RESOURCE, B_ATTRS, B_VARIABLE };

static struct mmr_hcl_body *to_body(struct jp *p, const struct jnode *j, enum body_kind bk);

static int add_block(struct jp *p, struct mmr_hcl_body *b, const char *type, const char **labels,
		     size_t nl, const struct jnode *j, enum body_kind bk)
{
	struct mmr_hcl_block *bl = mmr_arena_alloc(p->a, sizeof(*bl));
	if (!bl)
		return jerr(p, ENOMEM, "out of memory");
	bl->type = type;
	for (size_t i = 0; i < nl; i++)
		mmr_vec_push(p->a, &bl->labels, (void *)labels[i]);
	bl->range = j->r;
	bl->type_range = j->r;
	bl->body = to_body(p, j, bk);
	if (!bl->body)
		return p->rc < 0 ? p->rc : jerr(p, EBADMSG, "expected an object for a block body");
	return mmr_vec_push(p->a, &b->blocks, bl);
}

/* A block of `type` with `depth` more labels to read from nested objects. */
static int add_labelled(struct jp *p, struct mmr_hcl_body *b, const char *type,
			const char **labels, size_t nl, size_t more, const struct jnode *j,
			enum body_kind bk)
{
	if (p->rc < 0)
		return p->rc;
	if (j->k == J_ARR) {
		for (size_t i = 0; i < j->vals.n; i++)
			if (add_labelled(p, b, type, labels, nl, more, j->vals.v[i], bk) < 0)
				return p->rc;
		return 0;
	}
	if (j->k != J_OBJ) {
		p->line = j->r.start.line;
		p->col = j->r.start.col;
		return jerr(p, EBADMSG, "expected an object for a block");
	}
	if (more == 0)
		return add_block(p, b, type, labels, nl, j, bk);
	if (nl >= 8)
		return jerr(p, E2BIG, "too many block labels");
	const char *ls[8];
	if (nl)
		memcpy(ls, labels, nl * sizeof(*ls));
	for (size_t i = 0; i < j->vals.n; i++) {
		const struct jnode *k = j->keys.v[i];
		if (!strcmp(k->s, "//"))
			continue;
		ls[nl] = k->s;
		if (add_labelled(p, b, type, ls, nl + 1, more - 1, j->vals.v[i], bk) < 0)
			return p->rc;
	}
	return 0;
}

static bool all_objects(const struct jnode *j)
{
	if (j->k != J_ARR || j->vals.n == 0)
		return false;
	for (size_t i = 0; i < j->vals.n; i++)
		if (((const struct jnode *)j->vals.v[i])->k != J_OBJ)
			return false;
	return true;
}

static struct mmr_hcl_body *to_body(struct jp *p, const struct jnode *j, enum body_kind bk)
{
	if (j->k != J_OBJ)
		return NULL;
	struct mmr_hcl_body *b = mmr_arena_alloc(p->a, sizeof(*b));
	if (!b) {
		jerr(p, ENOMEM, "out of memory");
		return NULL;
	}
	b->range = j->r;
	for (size_t i = 0; i < j->vals.n && p->rc >= 0; i++) {
		const struct jnode *k = j->keys.v[i], *v = j->vals.v[i];
		if (!strcmp(k->s, "//"))
			continue;
		if (bk == B_RESOURCE) {
			if (!strcmp(k->s, "dynamic") || !strcmp(k->s, "provisioner")) {
				add_labelled(p, b, k->s, NULL, 0, 1, v, B_RESOURCE);
				continue;
			}
			if ((v->k == J_OBJ && !map_attr(k->s)) || all_objects(v)) {
				add_labelled(p, b, k->s, NULL, 0, 0, v, B_RESOURCE);
				continue;
			}
		}
		struct mmr_hcl_attr *at = mmr_arena_alloc(p->a, sizeof(*at));
		if (!at) {
			jerr(p, ENOMEM, "out of memory");
			break;
		}
		at->name = k->s;
		at->range.start = k->r.start;
		at->range.end = v->r.end;
		if (bk == B_VARIABLE && !strcmp(k->s, "type") && v->k == J_STR) {
			struct mmr_error sub = { 0 };
			if (mmr_hcl_parse_expr(p->a, v->s, v->len, p->name, p->lim, &at->expr, &sub) < 0)
				at->expr = to_expr(p, v, false);
		} else {
			at->expr = to_expr(p, v, !p->literal && !(bk == B_VARIABLE && !strcmp(k->s, "default")));
		}
		if (!at->expr)
			break;
		mmr_vec_push(p->a, &b->attrs, at);
	}
	return p->rc < 0 ? NULL : b;
}

static struct mmr_hcl_body *top_body(struct jp *p, const struct jnode *j)
{
	if (j->k != J_OBJ) {
		jerr(p, EBADMSG, "a Terraform JSON file must hold an object");
		return NULL;
	}
	if (p->literal)
		return to_body(p, j, B_ATTRS);
	struct mmr_hcl_body *b = mmr_arena_alloc(p->a, sizeof(*b));
	if (!b) {
		jerr(p, ENOMEM, "out of memory");
		return NULL;
	}
	b->range = j->r;
	for (size_t i = 0; i < j->vals.n && p->rc >= 0; i++) {
		const struct jnode *k = j->keys.v[i], *v = j->vals.v[i];
		const char *t = k->s;
		if (!strcmp(t, "resource") || !strcmp(t, "data"))
			add_labelled(p, b, t, NULL, 0, 2, v, B_RESOURCE);
		else if (!strcmp(t, "variable"))
			add_labelled(p, b, t, NULL, 0, 1, v, B_VARIABLE);
		else if (!strcmp(t, "module") || !strcmp(t, "output") || !strcmp(t, "provider"))
			add_labelled(p, b, t, NULL, 0, 1, v, !strcmp(t, "provider") ? B_RESOURCE : B_ATTRS);
		else if (!strcmp(t, "locals"))
			add_labelled(p, b, t, NULL, 0, 0, v, B_ATTRS);
		else if (!strcmp(t, "terraform"))
			add_labelled(p, b, t, NULL, 0, 0, v, B_RESOURCE);
		/* "//" and unknown keys are ignored */
	}
	return p->rc < 0 ? NULL : b;
}

int mmr_hcl_json_parse(struct mmr_arena *a, const void *data, size_t len, const char *name,
		       const struct mmr_hcl_limits *lim, struct mmr_hcl_file **ret,
		       struct mmr_error *reterr)
{
	struct jp p = { .a = a, .s = data, .len = len, .line = 1, .col = 1, .name = name,
			.err = reterr, .lim = lim };
	p.max_depth = lim && lim->max_depth ? lim->max_depth : 256;
	p.max_nodes = lim && lim->max_nodes ? lim->max_nodes : 4000000;
	size_t max = lim && lim->max_size ? lim->max_size : (size_t)64 << 20;
	if (len > max)
		return mmr_error_set(reterr, E2BIG, name, 0, 0, "file larger than %zu bytes", max);
	size_t nl = name ? strlen(name) : 0;
	p.literal = nl >= 12 && !strcmp(name + nl - 12, ".tfvars.json");
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		p.i = 3;
	struct jnode *root = jvalue(&p);
	if (root) {
		jws(&p);
		if (p.i < p.len)
			jerr(&p, EBADMSG, "extra characters after the JSON value");
	}
	if (p.rc < 0)
		return p.rc;
	struct mmr_hcl_file *f = mmr_arena_alloc(a, sizeof(*f));
	if (!f)
		return mmr_error_set(reterr, ENOMEM, name, 0, 0, "out of memory");
	f->name = mmr_arena_strdup(a, name);
	f->body = top_body(&p, root);
	if (p.rc < 0)
		return p.rc;
	*ret = f;
	return 0;
}
