/* policy-eval.c - three-valued evaluation of compiled conditions over
 * resource documents, and the rule-set runner that turns outcomes into
 * findings.
 *
 * Values are jansson trees plus the kinds a document cannot hold: ABSENT
 * (not set), UNKNOWN ({"$unknown": true}, known only after apply) and
 * resource handles. Every comparison that touches UNKNOWN is UNKNOWN;
 * and/or/not and the quantifiers follow Kleene's strong logic, so
 * `false and unknown` is false and `true or unknown` is true. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core-hash.h"
#include "core/core-log.h"
#include "policy/policy-internal.h"

/* ---- values ---- */

bool mmr_pv_json_is_unknown(const json_t *j)
{
	if (!json_is_object(j))
		return false;
	json_t *u = json_object_get(j, "$unknown");
	return u && json_is_true(u);
}

void mmr_pv_release(struct pv *v)
{
	if (v->j)
		json_decref(v->j);
	v->j = NULL;
	v->k = PV_ABSENT;
}

struct pv mmr_pv_from_json(json_t *j, int ptr)
{
	struct pv v = { .k = PV_ABSENT, .ptr = ptr };
	if (!j)
		return v;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (mmr_pv_json_is_unknown(j)) {
			v.k = PV_UNKNOWN;
			return v;
		}
		v.k = PV_OBJ;
		v.j = json_incref(j);
		return v;
	case JSON_ARRAY:
		v.k = PV_ARR;
		v.j = json_incref(j);
		return v;
	case JSON_STRING:
		v.k = PV_STR;
		v.j = json_incref(j);
		return v;
	case JSON_INTEGER:
		v.k = PV_NUM;
		v.n = (double)json_integer_value(j);
		return v;
	case JSON_REAL:
		v.k = PV_NUM;
		v.n = json_real_value(j);
		return v;
	case JSON_TRUE:
	case JSON_FALSE:
		v.k = PV_BOOL;
		v.b = json_is_true(j);
		return v;
	case JSON_NULL:
		v.k = PV_NULL;
		return v;
	}
	return v;
}

struct pv mmr_pv_copy(const struct pv *v)
{
	struct pv c = *v;
	if (c.j)
		json_incref(c.j);
	return c;
}

struct pv mmr_pv_bool(bool b)
{
	return (struct pv){ .k = PV_BOOL, .b = b, .ptr = -1 };
}

struct pv mmr_pv_numv(double n)
{
	return (struct pv){ .k = PV_NUM, .n = n, .ptr = -1 };
}

struct pv mmr_pv_strv(const char *s)
{
	struct pv v = { .k = PV_STR, .ptr = -1 };
	v.j = json_string(s ? s : "");
	if (!v.j) /* not UTF-8 or no memory: treat as not set */
		v.k = PV_ABSENT;
	return v;
}

static struct pv pv_unknown(void)
{
	return (struct pv){ .k = PV_UNKNOWN, .ptr = -1 };
}

static struct pv pv_absent(void)
{
	return (struct pv){ .k = PV_ABSENT, .ptr = -1 };
}

static struct pv pv_tri(enum tri t)
{
	return t == T_UNK ? pv_unknown() : mmr_pv_bool(t == T_TRUE);
}

const char *mmr_pv_str(const struct pv *v)
{
	return v->k == PV_STR ? json_string_value(v->j) : NULL;
}

bool mmr_pv_num(const struct pv *v, double *ret)
{
	if (v->k == PV_NUM) {
		*ret = v->n;
		return true;
	}
	if (v->k == PV_STR) {
		const char *s = json_string_value(v->j);
		char *end = NULL;
		if (!*s || strlen(s) > 64)
			return false;
		errno = 0;
		double d = strtod(s, &end);
		if (errno || !end || *end || !isfinite(d) || s[0] == ' ')
			return false;
		*ret = d;
		return true;
	}
	return false;
}

static enum tri t_not(enum tri a)
{
	return a == T_UNK ? T_UNK : (a == T_TRUE ? T_FALSE : T_TRUE);
}

enum tri mmr_pv_truth(const struct pv *v)
{
	switch (v->k) {
	case PV_BOOL:
		return v->b ? T_TRUE : T_FALSE;
	case PV_UNKNOWN:
		return T_UNK;
	case PV_STR:
		return strcasecmp(json_string_value(v->j), "true") == 0 ? T_TRUE : T_FALSE;
	default:
		return T_FALSE;
	}
}

static json_t *pv_to_json(const struct pv *v)
{
	switch (v->k) {
	case PV_ABSENT:
		return NULL;
	case PV_UNKNOWN: {
		json_t *o = json_object();
		if (o)
			json_object_set_new(o, "$unknown", json_true());
		return o;
	}
	case PV_NULL:
		return json_null();
	case PV_BOOL:
		return json_boolean(v->b);
	case PV_NUM:
		if (v->n == floor(v->n) && fabs(v->n) < 9e15)
			return json_integer((json_int_t)v->n);
		return json_real(v->n);
	case PV_STR:
	case PV_ARR:
	case PV_OBJ:
		return json_incref(v->j);
	case PV_RES:
		return json_incref(v->res->doc);
	case PV_RESLIST: {
		json_t *a = json_array();
		for (size_t i = 0; a && i < v->rl->n; i++) {
			const struct mmr_iac_resource *r = v->rl->v[i];
			json_array_append(a, r->doc);
		}
		return a;
	}
	}
	return NULL;
}

/* Scalars as equal-comparable: numbers, numeric strings, bools, "true". */
static enum tri json_tri_equal(json_t *a, json_t *b, int depth);

static enum tri scalar_equal(const struct pv *a, const struct pv *b)
{
	double x, y;
	if (a->k == PV_STR && b->k == PV_STR)
		return strcmp(json_string_value(a->j), json_string_value(b->j)) == 0 ? T_TRUE
										      : T_FALSE;
	if ((a->k == PV_NUM || b->k == PV_NUM) && mmr_pv_num(a, &x) && mmr_pv_num(b, &y))
		return x == y ? T_TRUE : T_FALSE;
	if (a->k == PV_BOOL && b->k == PV_BOOL)
		return a->b == b->b ? T_TRUE : T_FALSE;
	if ((a->k == PV_BOOL && b->k == PV_STR) || (a->k == PV_STR && b->k == PV_BOOL)) {
		const struct pv *bo = a->k == PV_BOOL ? a : b, *st = a->k == PV_BOOL ? b : a;
		const char *s = json_string_value(st->j);
		if (strcasecmp(s, "true") == 0)
			return bo->b ? T_TRUE : T_FALSE;
		if (strcasecmp(s, "false") == 0)
			return bo->b ? T_FALSE : T_TRUE;
		return T_FALSE;
	}
	return T_FALSE;
}

static enum tri json_tri_equal(json_t *a, json_t *b, int depth)
{
	if (depth > 128)
		return T_UNK;
	if (mmr_pv_json_is_unknown(a) || mmr_pv_json_is_unknown(b))
		return T_UNK;
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return T_FALSE;
		enum tri acc = T_TRUE;
		for (size_t i = 0; i < json_array_size(a); i++) {
			enum tri t = json_tri_equal(json_array_get(a, i), json_array_get(b, i),
						    depth + 1);
			if (t == T_FALSE)
				return T_FALSE;
			if (t == T_UNK)
				acc = T_UNK;
		}
		return acc;
	}
	if (json_is_object(a) && json_is_object(b)) {
		if (json_object_size(a) != json_object_size(b))
			return T_FALSE;
		enum tri acc = T_TRUE;
		const char *k;
		json_t *va;
		json_object_foreach(a, k, va) {
			json_t *vb = json_object_get(b, k);
			if (!vb)
				return T_FALSE;
			enum tri t = json_tri_equal(va, vb, depth + 1);
			if (t == T_FALSE)
				return T_FALSE;
			if (t == T_UNK)
				acc = T_UNK;
		}
		return acc;
	}
	struct pv x = mmr_pv_from_json(a, -1), y = mmr_pv_from_json(b, -1);
	enum tri t;
	if ((x.k == PV_NULL) || (y.k == PV_NULL))
		t = x.k == y.k ? T_TRUE : T_FALSE;
	else if (x.k == PV_ARR || x.k == PV_OBJ || y.k == PV_ARR || y.k == PV_OBJ)
		t = T_FALSE;
	else
		t = scalar_equal(&x, &y);
	mmr_pv_release(&x);
	mmr_pv_release(&y);
	return t;
}

enum tri mmr_pv_equal(const struct pv *a, const struct pv *b)
{
	if (a->k == PV_UNKNOWN || b->k == PV_UNKNOWN)
		return T_UNK;
	bool an = a->k == PV_ABSENT || a->k == PV_NULL, bn = b->k == PV_ABSENT || b->k == PV_NULL;
	if (an || bn)
		return an && bn ? T_TRUE : T_FALSE;
	if (a->k == PV_RES && b->k == PV_RES)
		return a->res == b->res ? T_TRUE : T_FALSE;
	if (a->k == PV_RES || b->k == PV_RES || a->k == PV_RESLIST || b->k == PV_RESLIST)
		return T_FALSE;
	if ((a->k == PV_ARR && b->k == PV_ARR) || (a->k == PV_OBJ && b->k == PV_OBJ))
		return json_tri_equal(a->j, b->j, 0);
	if (a->k == PV_ARR || a->k == PV_OBJ || b->k == PV_ARR || b->k == PV_OBJ) {
		/* a list that holds an unknown might be anything */
		return T_FALSE;
	}
	return scalar_equal(a, b);
}

static enum tri pv_order(const struct pv *a, const struct pv *b, int cmp)
{
	double x, y;
	int c;
	if (a->k == PV_UNKNOWN || b->k == PV_UNKNOWN)
		return T_UNK;
	if (mmr_pv_num(a, &x) && mmr_pv_num(b, &y)) { /* also "22" < 80 */
		c = x < y ? -1 : (x > y ? 1 : 0);
	} else if (a->k == PV_STR && b->k == PV_STR) {
		c = strcmp(json_string_value(a->j), json_string_value(b->j));
	} else {
		return T_FALSE;
	}
	switch (cmp) {
	case CMP_LT: return c < 0 ? T_TRUE : T_FALSE;
	case CMP_LE: return c <= 0 ? T_TRUE : T_FALSE;
	case CMP_GT: return c > 0 ? T_TRUE : T_FALSE;
	default: return c >= 0 ? T_TRUE : T_FALSE;
	}
}

long mmr_pv_len(const struct pv *v)
{
	switch (v->k) {
	case PV_UNKNOWN: return -1;
	case PV_ABSENT:
	case PV_NULL: return 0;
	case PV_ARR: return (long)json_array_size(v->j);
	case PV_OBJ: return (long)json_object_size(v->j);
	case PV_RESLIST: return (long)v->rl->n;
	default: return 1;
	}
}

/* ---- JSON pointers into self, for finding locations ---- */

static int ptr_push(struct pol_ctx *c, int parent, const char *seg, long idx)
{
	if (parent < 0)
		return -1;
	int slot = c->nptrs % POL_MAX_PTRS;
	char tmp[POL_MAX_PTR_LEN];
	size_t n = strlen(c->ptrs[parent % POL_MAX_PTRS]);
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, c->ptrs[parent % POL_MAX_PTRS], n + 1);
	if (seg) {
		if (n + 1 >= sizeof(tmp))
			return -1;
		tmp[n++] = '/';
		for (const char *s = seg; *s; s++) { /* RFC 6901 escapes */
			const char *rep = *s == '~' ? "~0" : (*s == '/' ? "~1" : NULL);
			size_t rl = rep ? 2 : 1;
			if (n + rl >= sizeof(tmp))
				return -1;
			if (rep)
				memcpy(tmp + n, rep, 2);
			else
				tmp[n] = *s;
			n += rl;
		}
		tmp[n] = 0;
	} else {
		int w = snprintf(tmp + n, sizeof(tmp) - n, "/%ld", idx);
		if (w < 0 || (size_t)w >= sizeof(tmp) - n)
			return -1;
	}
	memcpy(c->ptrs[slot], tmp, strlen(tmp) + 1);
	c->nptrs++;
	return slot;
}

static int ptr_root(struct pol_ctx *c)
{
	int slot = c->nptrs % POL_MAX_PTRS;
	c->ptrs[slot][0] = 0;
	c->nptrs++;
	return slot;
}

/* ---- resources ---- */

bool mmr_pol_ref_matches(const char *ref, const char *addr)
{
	size_t rl, al;
	if (!ref || !addr)
		return false;
	rl = strlen(ref), al = strlen(addr);
	if (rl == al)
		return memcmp(ref, addr, rl) == 0;
	if (al > rl) /* aws_s3_bucket.b refers to every instance aws_s3_bucket.b["x"] */
		return memcmp(ref, addr, rl) == 0 && addr[rl] == '[';
	/* aws_s3_bucket.b.id refers to aws_s3_bucket.b */
	return memcmp(ref, addr, al) == 0 && (ref[al] == '.' || ref[al] == '[');
}

static int index_add(struct mmr_arena *a, struct mmr_map *m, const char *type,
		     const struct mmr_iac_resource *r)
{
	struct mmr_vec *v = mmr_map_get(m, type);
	if (!v) {
		v = mmr_arena_alloc(a, sizeof(*v));
		if (!v || mmr_map_put(m, type, v) < 0)
			return -ENOMEM;
	}
	return mmr_vec_push(a, v, (void *)r);
}

static int build_index(struct pol_ctx *c)
{
	c->by_type = mmr_arena_alloc(c->arena, sizeof(*c->by_type));
	if (!c->by_type)
		return -ENOMEM;
	mmr_map_init(c->by_type, c->arena);
	for (size_t i = 0; i < c->set->resources.n; i++) {
		const struct mmr_iac_resource *r = c->set->resources.v[i];
		if (r->type && index_add(c->arena, c->by_type, r->type, r) < 0)
			return -ENOMEM;
		if (r->raw_type && (!r->type || strcmp(r->raw_type, r->type) != 0) &&
		    index_add(c->arena, c->by_type, r->raw_type, r) < 0)
			return -ENOMEM;
	}
	return 0;
}

struct mmr_vec *mmr_pol_resources_of(struct pol_ctx *c, const char *type)
{
	static struct mmr_vec empty;
	if (!c->by_type && build_index(c) < 0)
		return &empty;
	struct mmr_vec *v = mmr_map_get(c->by_type, type);
	return v ? v : &empty;
}

/* ---- evaluation ---- */

static struct pv eval(struct pol_ctx *c, const struct pol_node *n);

static struct pv field_of(struct pol_ctx *c, const struct pv *v, const char *name);

static struct pv elem_of(struct pol_ctx *c, const struct pv *v, size_t i)
{
	if (v->k == PV_RESLIST) {
		struct pv r = { .k = PV_RES, .res = v->rl->v[i], .ptr = -1 };
		return r;
	}
	if (v->k == PV_ARR)
		return mmr_pv_from_json(json_array_get(v->j, i), ptr_push(c, v->ptr, NULL, (long)i));
	return pv_absent();
}

struct pv mmr_pv_elem(struct pol_ctx *c, const struct pv *v, size_t i)
{
	return elem_of(c, v, i);
}

/* Map `.name` over a list; absent results are dropped, lists spliced. */
static struct pv project(struct pol_ctx *c, const struct pv *v, const char *name)
{
	size_t n = (size_t)mmr_pv_len(v);
	json_t *out = json_array();
	if (!out)
		return pv_absent();
	for (size_t i = 0; i < n; i++) {
		struct pv e = elem_of(c, v, i);
		struct pv f = field_of(c, &e, name);
		if (f.k == PV_ARR) {
			json_array_extend(out, f.j);
		} else if (f.k != PV_ABSENT && f.k != PV_NULL) {
			json_t *j = pv_to_json(&f);
			if (j)
				json_array_append_new(out, j);
		}
		mmr_pv_release(&f);
		mmr_pv_release(&e);
		if (++c->steps > MMR_POLICY_MAX_STEPS) {
			c->budget_hit = true;
			break;
		}
	}
	struct pv r = { .k = PV_ARR, .j = out, .proj = true, .ptr = -1 };
	return r;
}

static struct pv field_of(struct pol_ctx *c, const struct pv *v, const char *name)
{
	json_t *doc;
	switch (v->k) {
	case PV_UNKNOWN:
		return pv_unknown();
	case PV_RES:
		doc = v->res->doc;
		return mmr_pv_from_json(json_object_get(doc, name),
					v->res == c->self ? ptr_push(c, ptr_root(c), name, 0) : -1);
	case PV_OBJ:
		return mmr_pv_from_json(json_object_get(v->j, name), ptr_push(c, v->ptr, name, 0));
	case PV_ARR:
		if (!v->proj && json_array_size(v->j) == 1) {
			struct pv e = elem_of(c, v, 0);
			struct pv r = field_of(c, &e, name);
			mmr_pv_release(&e);
			return r;
		}
		return project(c, v, name);
	case PV_RESLIST:
		return project(c, v, name);
	default:
		return pv_absent();
	}
}

static struct pv index_of(struct pol_ctx *c, const struct pv *v, const struct pv *ix)
{
	double d;
	if (v->k == PV_UNKNOWN || ix->k == PV_UNKNOWN)
		return pv_unknown();
	if (ix->k == PV_STR) {
		if (v->k == PV_ARR && !v->proj && json_array_size(v->j) == 1) {
			struct pv e = elem_of(c, v, 0);
			struct pv r = index_of(c, &e, ix);
			mmr_pv_release(&e);
			return r;
		}
		return field_of(c, v, json_string_value(ix->j));
	}
	if (ix->k == PV_NUM && (v->k == PV_ARR || v->k == PV_RESLIST)) {
		d = ix->n;
		long len = mmr_pv_len(v);
		if (d != floor(d))
			return pv_absent();
		if (d < 0)
			d += (double)len;
		if (d < 0 || d >= (double)len)
			return pv_absent();
		return elem_of(c, v, (size_t)d);
	}
	return pv_absent();
}

/* The elements to iterate: lists as they are, objects as their values,
 * a scalar as a one-element list, absent/null as none. */
static struct pv as_list(const struct pv *v)
{
	struct pv r = pv_absent();
	switch (v->k) {
	case PV_ARR:
	case PV_RESLIST:
		return mmr_pv_copy(v);
	case PV_ABSENT:
	case PV_NULL:
		r.k = PV_ARR;
		r.j = json_array();
		break;
	case PV_OBJ: {
		const char *k;
		json_t *x;
		r.k = PV_ARR;
		r.j = json_array();
		json_object_foreach(v->j, k, x)
			json_array_append(r.j, x);
		break;
	}
	default: {
		json_t *j = pv_to_json(v);
		r.k = PV_ARR;
		r.j = json_array();
		if (j)
			json_array_append_new(r.j, j);
		break;
	}
	}
	if (!r.j)
		r.k = PV_ABSENT;
	return r;
}

static struct pv eval_quant(struct pol_ctx *c, const struct pol_node *n)
{
	struct pv src = eval(c, n->a);
	if (src.k == PV_UNKNOWN) {
		return pv_unknown();
	}
	struct pv list = as_list(&src);
	mmr_pv_release(&src);
	long len = mmr_pv_len(&list);
	bool found_true = false, found_false = false, saw_unk = false;
	long count = 0;
	for (long i = 0; i < len && !c->budget_hit; i++) {
		struct pv e = elem_of(c, &list, (size_t)i);
		struct pv saved = c->vars[n->slot];
		c->vars[n->slot] = e;
		struct pv r = eval(c, n->b);
		enum tri t = mmr_pv_truth(&r);
		mmr_pv_release(&r);
		c->vars[n->slot] = saved;
		mmr_pv_release(&e);
		if (t == T_TRUE)
			found_true = true, count++;
		else if (t == T_FALSE)
			found_false = true;
		else
			saw_unk = true;
		if ((n->sub == Q_ANY || n->sub == Q_NONE) && found_true)
			break;
		if (n->sub == Q_ALL && found_false)
			break;
	}
	mmr_pv_release(&list);
	if (c->budget_hit)
		return pv_unknown();
	switch (n->sub) {
	case Q_ANY:
		return pv_tri(found_true ? T_TRUE : (saw_unk ? T_UNK : T_FALSE));
	case Q_NONE:
		return pv_tri(found_true ? T_FALSE : (saw_unk ? T_UNK : T_TRUE));
	case Q_ALL:
		return pv_tri(found_false ? T_FALSE : (saw_unk ? T_UNK : T_TRUE));
	default:
		return saw_unk ? pv_unknown() : mmr_pv_numv((double)count);
	}
}

static struct pv eval_in(struct pol_ctx *c, const struct pv *a, const struct pv *b)
{
	enum tri t = T_FALSE;
	switch (b->k) {
	case PV_UNKNOWN:
		t = T_UNK;
		break;
	case PV_ARR:
	case PV_RESLIST: {
		long len = mmr_pv_len(b);
		for (long i = 0; i < len; i++) {
			struct pv e = elem_of(c, b, (size_t)i);
			enum tri x = mmr_pv_equal(a, &e);
			mmr_pv_release(&e);
			if (x == T_TRUE) {
				t = T_TRUE;
				break;
			}
			if (x == T_UNK)
				t = T_UNK;
			if (++c->steps > MMR_POLICY_MAX_STEPS) {
				c->budget_hit = true;
				return pv_unknown();
			}
		}
		break;
	}
	case PV_OBJ:
		if (a->k == PV_UNKNOWN)
			t = T_UNK;
		else if (a->k == PV_STR)
			t = json_object_get(b->j, json_string_value(a->j)) ? T_TRUE : T_FALSE;
		break;
	case PV_STR:
		if (a->k == PV_UNKNOWN)
			t = T_UNK;
		else if (a->k == PV_STR)
			t = strstr(json_string_value(b->j), json_string_value(a->j)) ? T_TRUE
										   : T_FALSE;
		break;
	default:
		break;
	}
	return pv_tri(t);
}

static struct pv eval(struct pol_ctx *c, const struct pol_node *n)
{
	struct pv a, b, r;

	if (++c->steps > MMR_POLICY_MAX_STEPS || c->budget_hit) {
		c->budget_hit = true;
		return pv_unknown();
	}
	switch (n->op) {
	case POL_LIT:
		return mmr_pv_from_json(n->lit, -1);
	case POL_LIST: {
		json_t *arr = json_array();
		if (!arr)
			return pv_absent();
		for (size_t i = 0; i < n->nargs; i++) {
			a = eval(c, n->args[i]);
			json_t *j = pv_to_json(&a);
			if (j)
				json_array_append_new(arr, j);
			mmr_pv_release(&a);
		}
		return (struct pv){ .k = PV_ARR, .j = arr, .ptr = -1 };
	}
	case POL_SELF:
		return (struct pv){ .k = PV_RES, .res = c->self, .ptr = -1 };
	case POL_VAR:
		return mmr_pv_copy(&c->vars[n->slot]);
	case POL_FIELD:
		a = eval(c, n->a);
		r = field_of(c, &a, n->name);
		mmr_pv_release(&a);
		return r;
	case POL_INDEX:
		a = eval(c, n->a);
		b = eval(c, n->b);
		r = index_of(c, &a, &b);
		mmr_pv_release(&a);
		mmr_pv_release(&b);
		return r;
	case POL_SPLAT:
		a = eval(c, n->a);
		if (a.k == PV_UNKNOWN)
			return a;
		if (a.k == PV_RESLIST)
			return a;
		r = as_list(&a);
		r.proj = true;
		if (a.k == PV_ARR)
			r.ptr = a.ptr;
		mmr_pv_release(&a);
		return r;
	case POL_CALL: {
		struct pv args[8];
		size_t na = n->nargs < 8 ? n->nargs : 8;
		bool unk = false;
		for (size_t i = 0; i < na; i++) {
			args[i] = eval(c, n->args[i]);
			if (args[i].k == PV_UNKNOWN)
				unk = true;
		}
		r = pv_absent();
		if (unk && !n->fn->takes_unknown)
			r = pv_unknown();
		else if (n->fn->fn(c, n, args, na, &r) < 0)
			r = pv_absent();
		for (size_t i = 0; i < na; i++)
			mmr_pv_release(&args[i]);
		return r;
	}
	case POL_QUANT:
		return eval_quant(c, n);
	case POL_NOT: {
		a = eval(c, n->a);
		enum tri t = mmr_pv_truth(&a);
		mmr_pv_release(&a);
		return pv_tri(t_not(t));
	}
	case POL_AND:
	case POL_OR: {
		a = eval(c, n->a);
		enum tri ta = mmr_pv_truth(&a);
		mmr_pv_release(&a);
		if (n->op == POL_AND && ta == T_FALSE)
			return mmr_pv_bool(false);
		if (n->op == POL_OR && ta == T_TRUE)
			return mmr_pv_bool(true);
		b = eval(c, n->b);
		enum tri tb = mmr_pv_truth(&b);
		mmr_pv_release(&b);
		if (n->op == POL_AND)
			return pv_tri(tb == T_FALSE ? T_FALSE
						    : (ta == T_UNK || tb == T_UNK ? T_UNK : T_TRUE));
		return pv_tri(tb == T_TRUE ? T_TRUE : (ta == T_UNK || tb == T_UNK ? T_UNK : T_FALSE));
	}
	case POL_CMP: {
		a = eval(c, n->a);
		b = eval(c, n->b);
		enum tri t;
		if (n->sub == CMP_EQ)
			t = mmr_pv_equal(&a, &b);
		else if (n->sub == CMP_NE)
			t = t_not(mmr_pv_equal(&a, &b));
		else
			t = pv_order(&a, &b, n->sub);
		mmr_pv_release(&a);
		mmr_pv_release(&b);
		return pv_tri(t);
	}
	case POL_IN: {
		a = eval(c, n->a);
		b = eval(c, n->b);
		r = eval_in(c, &a, &b);
		mmr_pv_release(&a);
		mmr_pv_release(&b);
		if (n->sub)
			r = pv_tri(t_not(mmr_pv_truth(&r)));
		return r;
	}
	case POL_ADD: {
		double x, y;
		a = eval(c, n->a);
		b = eval(c, n->b);
		r = pv_absent();
		if (a.k == PV_UNKNOWN || b.k == PV_UNKNOWN) {
			r = pv_unknown();
		} else if (a.k == PV_NUM && b.k == PV_NUM) {
			r = mmr_pv_numv(n->sub ? a.n - b.n : a.n + b.n);
		} else if (n->sub) {
			if (mmr_pv_num(&a, &x) && mmr_pv_num(&b, &y))
				r = mmr_pv_numv(x - y);
		} else if (a.k == PV_STR && b.k == PV_STR) {
			const char *sa = json_string_value(a.j), *sb = json_string_value(b.j);
			size_t la = json_string_length(a.j), lb = json_string_length(b.j);
			char *cat = la + lb < MMR_POLICY_MAX_EXPR * 16 ? malloc(la + lb + 1) : NULL;
			if (cat) {
				memcpy(cat, sa, la);
				memcpy(cat + la, sb, lb);
				cat[la + lb] = 0;
				r = (struct pv){ .k = PV_STR, .ptr = -1, .j = json_stringn(cat, la + lb) };
				if (!r.j)
					r.k = PV_ABSENT;
				free(cat);
			}
		} else if (a.k == PV_ARR || b.k == PV_ARR) { /* lists; absent/null as [] */
			struct pv la = as_list(&a), lb = as_list(&b);
			json_t *out = json_array();
			if (out && la.k == PV_ARR && lb.k == PV_ARR) {
				json_array_extend(out, la.j);
				json_array_extend(out, lb.j);
				r = (struct pv){ .k = PV_ARR, .j = out, .ptr = -1 };
			} else {
				json_decref(out);
			}
			mmr_pv_release(&la);
			mmr_pv_release(&lb);
		}
		mmr_pv_release(&a);
		mmr_pv_release(&b);
		return r;
	}
	case POL_NEG: {
		double d;
		a = eval(c, n->a);
		if (a.k == PV_UNKNOWN)
			return a;
		r = mmr_pv_num(&a, &d) ? mmr_pv_numv(-d) : pv_absent();
		mmr_pv_release(&a);
		return r;
	}
	}
	return pv_absent();
}

static void ctx_reset(struct pol_ctx *c, const struct mmr_iac_resource *self)
{
	c->self = self;
	c->steps = 0;
	c->budget_hit = false;
	c->nptrs = 0;
	memset(c->vars, 0, sizeof(c->vars));
}

static enum mmr_policy_result run(struct pol_ctx *c, const struct mmr_policy_expr *e,
				  const struct mmr_iac_resource *res)
{
	ctx_reset(c, res);
	struct pv v = eval(c, e->root);
	enum tri t = mmr_pv_truth(&v);
	mmr_pv_release(&v);
	if (c->budget_hit)
		return MMR_POLICY_UNKNOWN;
	return t == T_TRUE ? MMR_POLICY_FAIL : (t == T_FALSE ? MMR_POLICY_PASS : MMR_POLICY_UNKNOWN);
}

enum mmr_policy_result mmr_policy_eval_expr(const struct mmr_policy_expr *e,
					    const struct mmr_iac_set *set,
					    const struct mmr_iac_resource *res)
{
	struct pol_ctx c = { .set = set };
	c.arena = mmr_arena_new(64 << 20);
	if (!c.arena)
		return MMR_POLICY_UNKNOWN;
	enum mmr_policy_result r = run(&c, e, res);
	mmr_arena_free(c.arena);
	return r;
}

const char *mmr_policy_result_name(enum mmr_policy_result r)
{
	switch (r) {
	case MMR_POLICY_PASS: return "pass";
	case MMR_POLICY_FAIL: return "fail";
	default: return "unknown";
	}
}

/* ---- suppressions ---- */

bool mmr_policy_ignore_matches(const struct mmr_policy_rule *rule, const char *ig)
{
	/* as written in comments, and as the front ends store them
	 * ("checkov:CKV_AWS_1 reason": the tool kept, the marker word dropped);
	 * the longer form first */
	static const char *const prefixes[] = { "mamori:ignore:", "mamori:skip=", "checkov:skip=",
						"trivy:ignore:", "tfsec:ignore:", "checkov:",
						"trivy:", "tfsec:" };
	if (!rule || !ig)
		return false;
	while (*ig == ' ' || *ig == '\t' || *ig == '#' || *ig == '/')
		ig++;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncasecmp(ig, prefixes[i], pl) == 0) {
			ig += pl;
			break;
		}
	}
	size_t n = strcspn(ig, " \t:,");
	if (n == 0)
		return false;
	if (strlen(rule->id) == n && strncasecmp(rule->id, ig, n) == 0)
		return true;
	for (size_t i = 0; i < rule->peers.n; i++) {
		const char *p = rule->peers.v[i];
		if (strlen(p) == n && strncasecmp(p, ig, n) == 0)
			return true;
	}
	return false;
}

/* ---- the runner ---- */

static void locate(struct pol_ctx *c, const struct mmr_iac_resource *res,
		   struct mmr_policy_outcome *o, const char **ret_ptr)
{
	o->line_start = res->line_start;
	o->line_end = res->line_end;
	o->file = res->file;
	*ret_ptr = NULL;
	if (!json_is_object(res->pos))
		return;
	int total = c->nptrs < POL_MAX_PTRS ? c->nptrs : POL_MAX_PTRS;
	for (int k = 0; k < total; k++) {
		int slot = (c->nptrs - 1 - k) % POL_MAX_PTRS;
		char p[POL_MAX_PTR_LEN];
		memcpy(p, c->ptrs[slot], sizeof(p));
		while (p[0]) {
			json_t *r = json_object_get(res->pos, p);
			if (json_is_array(r) && json_array_size(r) >= 2) {
				json_int_t s = json_integer_value(json_array_get(r, 0));
				json_int_t e = json_integer_value(json_array_get(r, 1));
				if (s > 0) {
					/* [start, end, "other.tf"]: a satellite's file */
					json_t *f = json_array_get(r, 2);
					o->line_start = (unsigned long)s;
					o->line_end = (unsigned long)(e >= s ? e : s);
					if (json_is_string(f) && json_string_length(f))
						o->file = json_string_value(f);
					*ret_ptr = c->ptrs[slot];
					return;
				}
			}
			char *slash = strrchr(p, '/');
			if (!slash)
				break;
			*slash = 0;
		}
	}
}

static bool rule_applies(const struct mmr_policy_rule *rule, const struct mmr_iac_resource *res)
{
	for (size_t i = 0; i < rule->types.n; i++) {
		const char *t = rule->types.v[i];
		if ((res->type && strcmp(t, res->type) == 0) ||
		    (res->raw_type && strcmp(t, res->raw_type) == 0))
			return true;
	}
	return false;
}

struct runner {
	mmr_policy_outcome_fn cb;
	void *userdata;
	struct mmr_policy_stats st;
};

static int run_all(const struct mmr_policy_set *s, const struct mmr_iac_set *set,
		   struct runner *rn)
{
	struct pol_ctx c = { .set = set };
	if (!s || !set)
		return -EINVAL;
	c.arena = mmr_arena_new(256 << 20);
	if (!c.arena)
		return -ENOMEM;
	if (build_index(&c) < 0) {
		mmr_arena_free(c.arena);
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->resources.n; i++) {
		const struct mmr_iac_resource *res = set->resources.v[i];
		for (size_t k = 0; k < s->rules.n; k++) {
			const struct mmr_policy_rule *rule = s->rules.v[k];
			if (rule->disabled || !rule->cond || !rule_applies(rule, res))
				continue;
			struct mmr_policy_outcome o = { .rule = rule, .res = res };
			const char *ptr = NULL;
			o.result = run(&c, rule->cond, res);
			if (c.budget_hit)
				o.note = "evaluation budget exceeded";
			locate(&c, res, &o, &ptr);
			for (size_t g = 0; g < res->ignores.n; g++) {
				if (mmr_policy_ignore_matches(rule, res->ignores.v[g])) {
					o.suppressed_by = res->ignores.v[g];
					break;
				}
			}
			rn->st.evaluated++;
			if (o.result == MMR_POLICY_PASS)
				rn->st.passed++;
			else if (o.result == MMR_POLICY_FAIL)
				rn->st.failed++;
			else
				rn->st.unknown++;
			if (o.suppressed_by && o.result == MMR_POLICY_FAIL)
				rn->st.suppressed++;
			if (rn->cb)
				rn->cb(&o, rn->userdata);
		}
	}
	mmr_arena_free(c.arena);
	return 0;
}

int mmr_policy_eval(const struct mmr_policy_set *s, const struct mmr_iac_set *set,
		    mmr_policy_outcome_fn cb, void *userdata, struct mmr_policy_stats *ret_stats)
{
	struct runner rn = { .cb = cb, .userdata = userdata };
	int r = run_all(s, set, &rn);
	if (r >= 0 && ret_stats)
		*ret_stats = rn.st;
	return r;
}

struct report_ud {
	struct mmr_report *r;
	int err;
};

static int copy_vec(struct mmr_arena *a, struct mmr_vec *dst, const struct mmr_vec *src,
		    const char *prefix)
{
	for (size_t i = 0; i < src->n; i++) {
		char *s = prefix ? mmr_arena_printf(a, "%s%s", prefix, (const char *)src->v[i])
				 : mmr_arena_strdup(a, src->v[i]);
		if (!s || mmr_vec_push(a, dst, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void report_outcome(const struct mmr_policy_outcome *o, void *userdata)
{
	struct report_ud *u = userdata;
	struct mmr_report *rep = u->r;
	struct mmr_arena *a = rep->arena;
	const struct mmr_policy_rule *rule = o->rule;
	const struct mmr_iac_resource *res = o->res;

	if (u->err)
		return;
	if (o->result == MMR_POLICY_PASS)
		return;
	if (o->result == MMR_POLICY_UNKNOWN) {
		char where[512];
		snprintf(where, sizeof(where), "%s:%lu %s", o->file ? o->file : "",
			 o->line_start, res->address ? res->address : "");
		if (mmr_report_diag(rep, where, "%s: unknown (%s)", rule->id,
				    o->note ? o->note
					    : "depends on values known only after apply") < 0)
			u->err = -ENOMEM;
		return;
	}
	struct mmr_result *result = mmr_report_result(rep, o->file ? o->file : "", "config",
						      res->source ? res->source : "iac");
	struct mmr_finding *f = mmr_arena_alloc(a, sizeof(*f));
	if (!result || !f) {
		u->err = -ENOMEM;
		return;
	}
	f->kind = MMR_FINDING_MISCONFIGURATION;
	f->rule_id = mmr_arena_strdup(a, rule->id);
	f->title = mmr_arena_strdup(a, rule->title);
	f->severity = rule->severity;
	f->score = -1;
	f->loc.file = mmr_arena_strdup(a, o->file);
	f->loc.line_start = o->line_start;
	f->loc.line_end = o->line_end;
	f->loc.resource = mmr_arena_strdup(a, res->address);
	f->remediation = mmr_arena_strdup(a, rule->remediation);
	for (size_t i = 0; i < rule->fixes.n; i++) {
		const struct mmr_policy_fix *fx = rule->fixes.v[i];
		if (res->source && strcmp(fx->source, res->source) == 0) {
			f->fix = mmr_arena_strdup(a, fx->snippet);
			break;
		}
	}
	f->evidence = mmr_arena_printf(a, "%s %s", res->raw_type ? res->raw_type : "",
				       res->address ? res->address : "");
	if (copy_vec(a, &f->references, &rule->references, NULL) < 0 ||
	    copy_vec(a, &f->controls, &rule->controls, NULL) < 0 ||
	    copy_vec(a, &f->aliases, &rule->peers, NULL) < 0) {
		u->err = -ENOMEM;
		return;
	}
	if (o->suppressed_by) {
		f->suppressed = true;
		f->suppressed_by = mmr_arena_printf(a, "inline: %s", o->suppressed_by);
	}
	char hex[MMR_SHA256_HEX_LEN + 1];
	char *key = mmr_arena_printf(a, "misconfiguration\n%s\n%s\n%s", rule->id,
				     res->file ? res->file : "", res->address ? res->address : "");
	if (key && mmr_sha256_hex(key, strlen(key), hex) == 0)
		f->fingerprint = mmr_arena_strdup(a, hex);
	if (mmr_vec_push(a, &result->findings, f) < 0)
		u->err = -ENOMEM;
}

int mmr_policy_eval_report(const struct mmr_policy_set *s, const struct mmr_iac_set *set,
			   struct mmr_report *r, struct mmr_policy_stats *ret_stats)
{
	struct report_ud u = { .r = r };
	struct runner rn = { .cb = report_outcome, .userdata = &u };
	if (!r)
		return -EINVAL;
	int ret = run_all(s, set, &rn);
	if (ret < 0)
		return ret;
	if (u.err)
		return u.err;
	if (ret_stats)
		*ret_stats = rn.st;
	return 0;
}
