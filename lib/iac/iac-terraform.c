/* iac-terraform.c - Terraform module loading and lazy evaluation.
 *
 * Values are jansson trees; an unknown value is {"$unknown": true}. eval()
 * returns a new reference, or NULL for an evaluation error (ev->ctx->msg).
 * Named values (variables, locals, outputs, resources, data sources, module
 * calls) are memoised per module instance; state IN_PROGRESS on entry means
 * a reference cycle. */
#include "iac/iac-terraform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "iac/iac-hcl.h"
#include "model/model.h"

/* ---- structures --------------------------------------------------------- */

struct tf_file {
	const char *rel;  /* relative to the scan root */
	const char *disp; /* as shown to users */
	struct mmr_hcl_file *hcl;
	const char *src;
	size_t len;
};

enum item_kind { IT_VAR, IT_LOCAL, IT_OUTPUT, IT_RES, IT_DATA, IT_MOD };

struct tf_item {
	enum item_kind kind;
	const char *name; /* "x" or "aws_s3_bucket.b" */
	const char *type, *rname;
	struct mmr_hcl_block *block;
	struct mmr_hcl_attr *attr;
	struct tf_file *file;
};

struct tf_module {
	const char *abs, *rel;
	struct mmr_vec files;
	struct mmr_map vars, locals, outputs, res, data, calls;
	struct mmr_vec items; /* resources and data in source order */
	struct mmr_vec call_order;
	bool called; /* some other module calls it */
	bool parsed;
	bool freed;  /* a root module whose syntax trees were released */
	struct mmr_arena *arena; /* its files, syntax trees and index */
};

enum { ST_NONE, ST_BUSY, ST_DONE };

struct tf_memo {
	int state;
	json_t *v;
	struct mmr_vec refs; /* const char *: resource addresses behind the value */
};

struct tf_res_inst {
	const char *addr;
	json_t *doc, *pos;
	struct mmr_vec refs;
};

struct tf_res {
	int state;
	json_t *value;      /* object (single), array (count), object (for_each) */
	struct mmr_vec insts; /* struct tf_res_inst * */
};

struct tf_inst;

struct tf_calls {
	int state;
	struct mmr_vec insts; /* struct tf_inst * */
	json_t *keys;         /* NULL (single), array of counts, or object */
	bool unknown;
};

struct tf_inst {
	struct tf_module *mod;
	struct tf_inst *parent;
	struct tf_item *call;
	const char *addr;     /* "" or "module.a" / module.a["k"] */
	const char *modkey;   /* modules.json key: "a.b" */
	json_t *each_key, *each_value, *count_index; /* of the call instance */
	struct mmr_map memo;  /* "var.x" ... -> struct tf_memo */
	struct mmr_map resm;  /* "aws_x.y" / "data.aws_x.y" -> struct tf_res */
	struct mmr_map calls; /* call name -> struct tf_calls */
	int depth;
};

struct tf_scope {
	const char *name;
	json_t *val;
	struct tf_scope *next;
};

/* Arenas: set->arena holds what outlives the scan (emitted resources,
 * diagnostics); la the scan's own bookkeeping (modules, the evaluation
 * stack); each module's files and syntax trees live in module->arena; and a
 * is the scratch of the root module being evaluated (instances, memoised
 * values, addresses), freed once its resources are emitted. A root module
 * nothing calls has its syntax trees freed with it too, so the peak holds
 * one root's evaluation, not the whole tree's. */
struct tf_ctx {
	struct mmr_iac_set *set;
	struct mmr_arena *a;  /* scratch: the current root's, else la */
	struct mmr_arena *la; /* lives as long as mmr_tf_scan() */
	struct mmr_map interned; /* strings copied into set->arena (types, file names) */
	bool quiet;           /* re-parsing a released module: its errors were reported */
	const struct mmr_tf_options *o;
	struct mmr_limits lim;
	struct mmr_hcl_limits hlim;
	const char *root_abs;  /* resolved */
	const char *root_disp; /* as given */
	struct mmr_map modules; /* abs dir -> struct tf_module */
	struct mmr_vec module_order;
	json_t *modules_json;   /* .terraform/modules/modules.json of the current root */
	const char *cur_root_abs, *cur_root_rel; /* the root module being evaluated */
	json_t *root_vars;      /* values given for the current root */
	size_t ninst;
	int depth;
	char msg[512];
	struct mmr_vec stack;   /* const char *: names being evaluated (cycle report) */
	struct mmr_map reported;
	struct mmr_vec insts; /* struct tf_inst *: released at the end */
};

struct tf_ev {
	struct tf_ctx *ctx;
	struct tf_inst *inst;
	struct tf_scope *scope;
	struct mmr_vec *refs;
	struct tf_file *file;
};

static json_t *eval(struct tf_ev *ev, const struct mmr_hcl_expr *e);

static json_t *unknown(void)
{
	return mmr_iac_unknown();
}

static bool is_unk(const json_t *v)
{
	return mmr_iac_is_unknown(v);
}

static json_t *fail(struct tf_ev *ev, const struct mmr_hcl_expr *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static json_t *fail(struct tf_ev *ev, const struct mmr_hcl_expr *e, const char *fmt, ...)
{
	char m[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (e && ev->file)
		snprintf(ev->ctx->msg, sizeof(ev->ctx->msg), "%s:%lu:%lu: %s", ev->file->disp,
			 e->range.start.line, e->range.start.col, m);
	else
		snprintf(ev->ctx->msg, sizeof(ev->ctx->msg), "%s", m);
	return NULL;
}

static void diag(struct tf_ctx *c, struct mmr_vec *v, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void diag(struct tf_ctx *c, struct mmr_vec *v, const char *where, const char *fmt, ...)
{
	struct mmr_arena *sa = c->set->arena;
	struct mmr_diag *d = mmr_arena_alloc(sa, sizeof(*d));
	if (!d)
		return;
	va_list ap;
	va_start(ap, fmt);
	d->message = mmr_arena_vprintf(sa, fmt, ap);
	va_end(ap);
	d->where = mmr_arena_strdup(sa, where);
	mmr_vec_push(sa, v, d);
}

static void add_ref(struct tf_ev *ev, const char *addr)
{
	if (!ev->refs || !addr)
		return;
	for (size_t i = 0; i < ev->refs->n; i++)
		if (!strcmp(ev->refs->v[i], addr))
			return;
	if (ev->refs->n < 4096)
		mmr_vec_push(ev->ctx->a, ev->refs, (void *)addr);
}

static void add_refs(struct tf_ev *ev, const struct mmr_vec *from)
{
	for (size_t i = 0; i < from->n; i++)
		add_ref(ev, from->v[i]);
}

/* ---- value helpers ------------------------------------------------------ */

static json_t *str_new(const char *s)
{
	json_t *r = json_string(s);
	return r ? r : json_stringn_nocheck(s, strlen(s));
}

static bool is_collection(const json_t *v)
{
	return (json_is_array(v) || json_is_object(v)) && !is_unk(v);
}

/* A value with resource attributes: missing keys are unknown, not errors. */
static bool is_computed_obj(const json_t *v)
{
	return json_is_object(v) && json_object_get(v, "$computed") != NULL;
}

static bool has_mark(const json_t *v, int depth)
{
	if (depth > 64)
		return false;
	if (json_is_object(v)) {
		if (json_object_get(v, "$computed"))
			return true;
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			if (has_mark(x, depth + 1))
				return true;
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach((json_t *)v, i, x)
			if (has_mark(x, depth + 1))
				return true;
	}
	return false;
}

static void del_marks(json_t *v, int depth)
{
	if (depth > 64)
		return;
	if (json_is_object(v)) {
		json_object_del(v, "$computed");
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			del_marks(x, depth + 1);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			del_marks(x, depth + 1);
	}
}

/* The internal $computed marks never reach a document. */
static json_t *strip_marks(json_t *v)
{
	if (!has_mark(v, 0))
		return v;
	json_t *c = json_deep_copy(v);
	json_decref(v);
	del_marks(c, 0);
	return c;
}

/* ---- traversal resolution ----------------------------------------------- */

static json_t *get_var(struct tf_ev *ev, struct tf_inst *in, const char *name,
		       const struct mmr_hcl_expr *at);
static json_t *get_local(struct tf_ev *ev, struct tf_inst *in, const char *name,
			 const struct mmr_hcl_expr *at);
static json_t *get_res(struct tf_ev *ev, struct tf_inst *in, const char *key,
		       const struct mmr_hcl_expr *at);
static json_t *get_module(struct tf_ev *ev, struct tf_inst *in, const char *name,
			  const struct mmr_hcl_expr *at);
static json_t *convert_type(struct tf_ev *ev, json_t *v, const struct mmr_hcl_expr *type);

static json_t *scope_get(struct tf_scope *s, const char *name)
{
	for (; s; s = s->next)
		if (!strcmp(s->name, name))
			return s->val;
	return NULL;
}

static json_t *index_value(struct tf_ev *ev, const struct mmr_hcl_expr *e, json_t *coll,
			   json_t *key)
{
	if (is_unk(coll) || is_unk(key))
		return unknown();
	if (json_is_array(coll)) {
		double d;
		if (!mmr_tf_numval(key, &d) || d != floor(d))
			return fail(ev, e, "a list index must be a whole number");
		if (d < 0 || d >= (double)json_array_size(coll))
			return fail(ev, e, "index %.0f out of range (list of %zu)", d,
				    json_array_size(coll));
		return json_incref(json_array_get(coll, (size_t)d));
	}
	if (json_is_object(coll)) {
		char *k = mmr_tf_strval(key);
		if (!k)
			return fail(ev, e, "a map key must be a string");
		json_t *v = json_object_get(coll, k);
		bool comp = is_computed_obj(coll);
		free(k);
		if (v)
			return json_incref(v);
		if (comp)
			return unknown();
		return fail(ev, e, "no element with this key");
	}
	if (json_is_null(coll))
		return fail(ev, e, "cannot index a null value");
	return fail(ev, e, "cannot index this value");
}

static json_t *getattr_value(struct tf_ev *ev, const struct mmr_hcl_expr *e, json_t *obj,
			     const char *name)
{
	if (is_unk(obj))
		return unknown();
	if (json_is_object(obj)) {
		json_t *v = json_object_get(obj, name);
		if (v)
			return json_incref(v);
		if (is_computed_obj(obj))
			return unknown();
		return fail(ev, e, "unsupported attribute \"%s\"", name);
	}
	if (json_is_array(obj) && json_array_size(obj) > 0 &&
	    is_computed_obj(json_array_get(obj, 0)))
		return fail(ev, e, "\"%s\": the resource has count or for_each; index it first",
			    name);
	if (json_is_null(obj))
		return fail(ev, e, "attribute \"%s\" of a null value", name);
	return fail(ev, e, "attribute \"%s\" of a value that is not an object", name);
}

static json_t *eval_root_step(struct tf_ev *ev, const struct mmr_hcl_expr *e, bool *handled)
{
	/* e is GETATTR(VAR root, a1) or GETATTR(GETATTR(VAR data, T), N) */
	*handled = false;
	if (e->kind != MMR_HCL_GETATTR || !e->a)
		return NULL;
	struct tf_inst *in = ev->inst;
	if (e->a->kind == MMR_HCL_VAR) {
		const char *root = e->a->name, *a1 = e->name;
		if (scope_get(ev->scope, root))
			return NULL;
		*handled = true;
		if (!in) /* tfvars, -var, TF_VAR_: constants only */
			return fail(ev, e, "references are not allowed here (%s.%s)", root, a1);
		if (!strcmp(root, "var"))
			return get_var(ev, in, a1, e);
		if (!strcmp(root, "local"))
			return get_local(ev, in, a1, e);
		if (!strcmp(root, "module"))
			return get_module(ev, in, a1, e);
		if (!strcmp(root, "path")) {
			if (!strcmp(a1, "module")) {
				/* relative to the root module, as Terraform gives it */
				const char *mr = in->mod->rel, *rr = ev->ctx->cur_root_rel;
				size_t rl = rr ? strlen(rr) : 0;
				if (!strcmp(mr, rr ? rr : ""))
					return str_new(".");
				if (rl == 0)
					return str_new(mr);
				if (!strncmp(mr, rr, rl) && mr[rl] == '/')
					return str_new(mr + rl + 1);
				return str_new(in->mod->abs);
			}
			if (!strcmp(a1, "root") || !strcmp(a1, "cwd"))
				return str_new(".");
			return fail(ev, e, "unknown path attribute \"%s\"", a1);
		}
		if (!strcmp(root, "terraform")) {
			if (!strcmp(a1, "workspace"))
				return str_new("default");
			return unknown();
		}
		if (!strcmp(root, "count")) {
			return fail(ev, e, "count.%s used where count is not set", a1);
		}
		if (!strcmp(root, "each")) {
			return fail(ev, e, "each.%s used where for_each is not set", a1);
		}
		if (!strcmp(root, "self"))
			return unknown();
		if (!strcmp(root, "data")) {
			*handled = false;
			return NULL;
		}
		/* a resource: type.name (a lookup key: no copy kept) */
		char key[512];
		int kn = snprintf(key, sizeof(key), "%s.%s", root, a1);
		if (kn < 0 || (size_t)kn >= sizeof(key))
			return fail(ev, e, "reference too long");
		return get_res(ev, in, key, e);
	}
	if (e->a->kind == MMR_HCL_GETATTR && e->a->a && e->a->a->kind == MMR_HCL_VAR &&
	    !strcmp(e->a->a->name, "data") && !scope_get(ev->scope, "data")) {
		*handled = true;
		if (!in)
			return fail(ev, e, "references are not allowed here (data.%s)", e->a->name);
		char key[512];
		int kn = snprintf(key, sizeof(key), "data.%s.%s", e->a->name, e->name);
		if (kn < 0 || (size_t)kn >= sizeof(key))
			return fail(ev, e, "reference too long");
		return get_res(ev, in, key, e);
	}
	return NULL;
}

/* ---- expressions -------------------------------------------------------- */

static int num_cmp(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static json_t *eval_binary(struct tf_ev *ev, const struct mmr_hcl_expr *e)
{
	json_t *l = eval(ev, e->a);
	if (!l)
		return NULL;
	/* short circuit where the left side decides */
	if ((e->op == MMR_HCL_OP_AND || e->op == MMR_HCL_OP_OR) && !is_unk(l)) {
		bool lb;
		if (!mmr_tf_boolval(l, &lb)) {
			json_decref(l);
			return fail(ev, e, "the operands of %s must be bool",
				    e->op == MMR_HCL_OP_AND ? "&&" : "||");
		}
		if ((e->op == MMR_HCL_OP_AND && !lb) || (e->op == MMR_HCL_OP_OR && lb)) {
			json_decref(l);
			return json_boolean(lb);
		}
	}
	json_t *r = eval(ev, e->b);
	if (!r) {
		json_decref(l);
		return NULL;
	}
	json_t *res = NULL;
	if (is_unk(l) || is_unk(r)) {
		res = unknown();
		goto out;
	}
	switch (e->op) {
	case MMR_HCL_OP_AND:
	case MMR_HCL_OP_OR: {
		bool rb;
		if (!mmr_tf_boolval(r, &rb)) {
			fail(ev, e, "the operands of %s must be bool",
			     e->op == MMR_HCL_OP_AND ? "&&" : "||");
			goto out;
		}
		res = json_boolean(rb);
		goto out;
	}
	case MMR_HCL_OP_EQ:
	case MMR_HCL_OP_NE: {
		if (mmr_tf_has_unknown(l) || mmr_tf_has_unknown(r)) {
			res = unknown();
			goto out;
		}
		bool eq = json_equal(l, r);
		res = json_boolean(e->op == MMR_HCL_OP_EQ ? eq : !eq);
		goto out;
	}
	default:
		break;
	}
	double a, b;
	if (!mmr_tf_numval(l, &a) || !mmr_tf_numval(r, &b)) {
		fail(ev, e, "the operands of an arithmetic or comparison operator must be numbers");
		goto out;
	}
	switch (e->op) {
	case MMR_HCL_OP_LT: res = json_boolean(num_cmp(a, b) < 0); break;
	case MMR_HCL_OP_LE: res = json_boolean(num_cmp(a, b) <= 0); break;
	case MMR_HCL_OP_GT: res = json_boolean(num_cmp(a, b) > 0); break;
	case MMR_HCL_OP_GE: res = json_boolean(num_cmp(a, b) >= 0); break;
	case MMR_HCL_OP_ADD: res = mmr_tf_number(a + b); break;
	case MMR_HCL_OP_SUB: res = mmr_tf_number(a - b); break;
	case MMR_HCL_OP_MUL: res = mmr_tf_number(a * b); break;
	case MMR_HCL_OP_DIV:
		if (b == 0) {
			fail(ev, e, "division by zero");
			break;
		}
		res = mmr_tf_number(a / b);
		break;
	case MMR_HCL_OP_MOD:
		if (b == 0) {
			fail(ev, e, "modulo by zero");
			break;
		}
		res = mmr_tf_number(fmod(a, b));
		break;
	default:
		fail(ev, e, "unknown operator");
	}
	if (res && json_is_real(res) && !isfinite(json_real_value(res))) {
		json_decref(res);
		res = fail(ev, e, "arithmetic overflow");
	}
out:
	json_decref(l);
	json_decref(r);
	return res;
}

static int tpl_append(struct tf_ev *ev, struct mmr_buf *b, const struct mmr_hcl_expr *e,
		      bool *unk);

static int tpl_part(struct tf_ev *ev, struct mmr_buf *b, const struct mmr_hcl_expr *p, bool *unk)
{
	if (p->kind == MMR_HCL_STRING)
		return mmr_buf_add(b, p->str, p->len);
	if (p->kind == MMR_HCL_TPL_IF) {
		json_t *c = eval(ev, p->a);
		if (!c)
			return -1;
		if (is_unk(c)) {
			json_decref(c);
			*unk = true;
			return 0;
		}
		bool cb;
		bool ok = mmr_tf_boolval(c, &cb);
		json_decref(c);
		if (!ok) {
			fail(ev, p->a, "a %%{if} condition must be bool");
			return -1;
		}
		const struct mmr_hcl_expr *t = cb ? p->b : p->c;
		return t ? tpl_append(ev, b, t, unk) : 0;
	}
	if (p->kind == MMR_HCL_TPL_FOR) {
		json_t *coll = eval(ev, p->a);
		if (!coll)
			return -1;
		if (is_unk(coll)) {
			json_decref(coll);
			*unk = true;
			return 0;
		}
		if (!is_collection(coll)) {
			json_decref(coll);
			fail(ev, p->a, "%%{for} needs a list, set, map or object");
			return -1;
		}
		int rc = 0;
		struct tf_scope sk = { .name = p->kvar, .next = ev->scope };
		struct tf_scope sv = { .name = p->vvar, .next = p->kvar ? &sk : ev->scope };
		struct tf_scope *saved = ev->scope;
		if (json_is_array(coll)) {
			size_t i;
			json_t *v;
			json_array_foreach(coll, i, v) {
				json_t *k = json_integer((json_int_t)i);
				sk.val = k;
				sv.val = v;
				ev->scope = &sv;
				rc = tpl_append(ev, b, p->b, unk);
				json_decref(k);
				if (rc < 0)
					break;
			}
		} else {
			const char *key;
			json_t *v;
			json_object_foreach(coll, key, v) {
				json_t *k = str_new(key);
				sk.val = k;
				sv.val = v;
				ev->scope = &sv;
				rc = tpl_append(ev, b, p->b, unk);
				json_decref(k);
				if (rc < 0)
					break;
			}
		}
		ev->scope = saved;
		json_decref(coll);
		return rc;
	}
	json_t *v = eval(ev, p);
	if (!v)
		return -1;
	if (is_unk(v) || mmr_tf_has_unknown(v)) {
		json_decref(v);
		*unk = true;
		return 0;
	}
	char *s = mmr_tf_strval(v);
	bool isnull = json_is_null(v);
	json_decref(v);
	if (!s) {
		fail(ev, p, isnull ? "cannot interpolate a null value"
				   : "cannot interpolate a list, map or object into a string");
		return -1;
	}
	int rc = mmr_buf_adds(b, s);
	free(s);
	if (rc < 0)
		fail(ev, p, "string too long");
	return rc;
}

static int tpl_append(struct tf_ev *ev, struct mmr_buf *b, const struct mmr_hcl_expr *e, bool *unk)
{
	if (e->kind == MMR_HCL_TEMPLATE) {
		for (size_t i = 0; i < e->items.n; i++)
			if (tpl_part(ev, b, e->items.v[i], unk) < 0)
				return -1;
		return 0;
	}
	if (e->kind == MMR_HCL_TEMPLATE_WRAP)
		return tpl_part(ev, b, e->a, unk);
	return tpl_part(ev, b, e, unk);
}

static json_t *eval_template(struct tf_ev *ev, const struct mmr_hcl_expr *e)
{
	struct mmr_buf b;
	mmr_buf_init(&b, 16u << 20);
	bool unk = false;
	json_t *r = NULL;
	if (tpl_append(ev, &b, e, &unk) == 0)
		r = unk ? unknown() : json_stringn_nocheck(b.p, b.len);
	mmr_buf_release(&b);
	return r;
}

static json_t *eval_for(struct tf_ev *ev, const struct mmr_hcl_expr *e)
{
	json_t *coll = eval(ev, e->a);
	if (!coll)
		return NULL;
	if (is_unk(coll)) {
		json_decref(coll);
		return unknown();
	}
	if (!is_collection(coll)) {
		json_decref(coll);
		return fail(ev, e->a, "a for expression needs a list, set, map or object");
	}
	json_t *out = e->is_object ? json_object() : json_array();
	struct tf_scope sk = { .name = e->kvar, .next = ev->scope };
	struct tf_scope sv = { .name = e->vvar, .next = e->kvar ? &sk : ev->scope };
	struct tf_scope *saved = ev->scope;
	bool unk = false, err = false;
	size_t n = json_is_array(coll) ? json_array_size(coll) : json_object_size(coll);
	void *it = json_is_object(coll) ? json_object_iter(coll) : NULL;
	for (size_t i = 0; i < n && !err && !unk; i++) {
		json_t *k, *v;
		if (json_is_array(coll)) {
			k = json_integer((json_int_t)i);
			v = json_array_get(coll, i);
		} else {
			k = str_new(json_object_iter_key(it));
			v = json_object_iter_value(it);
			it = json_object_iter_next(coll, it);
		}
		sk.val = k;
		sv.val = v;
		ev->scope = &sv;
		if (e->d) {
			json_t *c = eval(ev, e->d);
			bool cb = false;
			if (!c) {
				err = true;
			} else if (is_unk(c)) {
				unk = true;
			} else if (!mmr_tf_boolval(c, &cb)) {
				fail(ev, e->d, "a for condition must be bool");
				err = true;
			}
			json_decref(c);
			if (err || unk || !cb) {
				json_decref(k);
				continue;
			}
		}
		json_t *val = eval(ev, e->c);
		if (!val) {
			err = true;
		} else if (e->is_object) {
			json_t *kv = eval(ev, e->b);
			char *ks = kv ? mmr_tf_strval(kv) : NULL;
			if (!kv) {
				err = true;
			} else if (is_unk(kv)) {
				unk = true;
			} else if (!ks) {
				fail(ev, e->b, "a for key must be a string");
				err = true;
			} else if (e->group) {
				json_t *g = json_object_get(out, ks);
				if (!g) {
					g = json_array();
					json_object_set_new(out, ks, g);
				}
				json_array_append(g, val);
			} else if (json_object_get(out, ks)) {
				fail(ev, e->b, "duplicate key \"%s\" in a for expression (use ...)", ks);
				err = true;
			} else {
				json_object_set(out, ks, val);
			}
			free(ks);
			json_decref(kv);
		} else {
			json_array_append(out, val);
		}
		json_decref(val);
		json_decref(k);
	}
	ev->scope = saved;
	json_decref(coll);
	if (err) {
		json_decref(out);
		return NULL;
	}
	if (unk) {
		json_decref(out);
		return unknown();
	}
	return out;
}

static json_t *eval_splat(struct tf_ev *ev, const struct mmr_hcl_expr *e)
{
	json_t *src = eval(ev, e->a);
	if (!src)
		return NULL;
	if (is_unk(src))
		return src;
	json_t *list;
	if (json_is_null(src)) {
		json_decref(src);
		return json_array();
	}
	if (json_is_array(src)) {
		list = src;
	} else {
		list = json_array();
		json_array_append_new(list, src);
	}
	json_t *out = json_array();
	struct tf_scope s = { .name = "\x01splat", .next = ev->scope };
	struct tf_scope *saved = ev->scope;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		s.val = v;
		ev->scope = &s;
		json_t *r = eval(ev, e->b);
		ev->scope = saved;
		if (!r) {
			json_decref(out);
			json_decref(list);
			return NULL;
		}
		json_array_append_new(out, r);
	}
	json_decref(list);
	return out;
}

static json_t *eval_templatefile(struct tf_ev *ev, const struct mmr_hcl_expr *e,
				 struct mmr_tf_fnctx *fc, json_t **args, size_t n)
{
	if (n != 2)
		return fail(ev, e, "templatefile() needs a path and a map of variables");
	if (is_unk(args[0]) || is_unk(args[1]))
		return unknown();
	if (!json_is_object(args[1]) && !json_is_null(args[1]))
		return fail(ev, e, "templatefile(): the variables must be a map or object");
	char *path = mmr_tf_strval(args[0]);
	if (!path)
		return fail(ev, e, "templatefile(): the path must be a string");
	char *data;
	size_t len;
	int r = mmr_tf_read_confined(fc, path, &data, &len);
	free(path);
	if (r < 0)
		return fail(ev, e, "templatefile(): %s", fc->err);
	struct mmr_hcl_expr *t;
	struct mmr_error err = { 0 };
	struct mmr_hcl_pos at = { 1, 1, 0 };
	r = mmr_hcl_parse_template(ev->ctx->a, data, len, "template", at, &ev->ctx->hlim, &t, &err);
	free(data);
	if (r < 0)
		return fail(ev, e, "templatefile(): %lu:%lu: %s", err.line, err.col, err.msg);
	/* only the given variables are visible inside the template */
	size_t nv = json_is_object(args[1]) ? json_object_size(args[1]) : 0;
	struct tf_scope *sc = calloc(nv + 1, sizeof(*sc));
	if (!sc)
		return fail(ev, e, "out of memory");
	size_t i = 0;
	const char *k;
	json_t *v;
	if (nv)
		json_object_foreach(args[1], k, v) {
			sc[i].name = k;
			sc[i].val = v;
			sc[i].next = i ? &sc[i - 1] : NULL;
			i++;
		}
	struct tf_ev tev = *ev;
	tev.scope = nv ? &sc[nv - 1] : NULL;
	tev.file = NULL;
	json_t *res = eval(&tev, t);
	free(sc);
	if (res && !json_is_string(res) && !is_unk(res)) {
		char *s = mmr_tf_strval(res);
		json_decref(res);
		res = s ? str_new(s) : fail(ev, e, "templatefile(): the result is not a string");
		free(s);
	}
	return res;
}

static json_t *eval_call(struct tf_ev *ev, const struct mmr_hcl_expr *e)
{
	const char *name = e->name;
	if (!strncmp(name, "provider::", 10))
		return unknown();
	/* try and can see errors instead of propagating them */
	if (!strcmp(name, "try") || !strcmp(name, "can")) {
		bool is_can = name[0] == 'c';
		if (e->items.n == 0 || (is_can && e->items.n != 1))
			return fail(ev, e, "%s() needs %s", name, is_can ? "one argument" : "arguments");
		for (size_t i = 0; i < e->items.n; i++) {
			json_t *v = eval(ev, e->items.v[i]);
			if (v) {
				if (is_can) {
					bool unk = is_unk(v);
					json_decref(v);
					return unk ? unknown() : json_true();
				}
				return v;
			}
		}
		if (is_can)
			return json_false();
		return fail(ev, e, "try(): no argument could be evaluated (last: %s)", ev->ctx->msg);
	}
	size_t n = e->items.n;
	json_t **args = calloc(n + 1, sizeof(*args));
	if (!args)
		return fail(ev, e, "out of memory");
	json_t *res = NULL;
	size_t got = 0;
	bool unk = false;
	for (; got < n; got++) {
		args[got] = eval(ev, e->items.v[got]);
		if (!args[got])
			goto out;
	}
	if (e->expand && n > 0) {
		json_t *last = args[n - 1];
		if (is_unk(last)) {
			unk = true;
		} else if (!json_is_array(last)) {
			fail(ev, e, "the argument before ... must be a list");
			goto out;
		} else {
			size_t m = json_array_size(last);
			json_t **na = calloc(n - 1 + m + 1, sizeof(*na));
			if (!na) {
				fail(ev, e, "out of memory");
				goto out;
			}
			for (size_t i = 0; i + 1 < n; i++)
				na[i] = args[i];
			for (size_t i = 0; i < m; i++)
				na[n - 1 + i] = json_incref(json_array_get(last, i));
			json_decref(last);
			free(args);
			args = na;
			n = got = n - 1 + m;
		}
	}
	if (unk) {
		res = unknown();
		goto out;
	}
	struct mmr_tf_fnctx fc = { .root = ev->ctx->root_abs,
				   .module_dir = ev->ctx->cur_root_abs,
				   .max_file = ev->ctx->lim.max_file_size };
	if (!strcmp(name, "templatefile")) {
		res = eval_templatefile(ev, e, &fc, args, n);
		goto out;
	}
	bool found = false;
	res = mmr_tf_call(&fc, name, args, n, &found);
	if (!found)
		res = fail(ev, e, "call to unknown function %s()", name);
	else if (!res)
		fail(ev, e, "%s(): %s", name, fc.err);
out:
	for (size_t i = 0; i < got; i++)
		json_decref(args[i]);
	free(args);
	return res;
}

static json_t *eval_inner(struct tf_ev *ev, const struct mmr_hcl_expr *e)
{
	switch (e->kind) {
	case MMR_HCL_NULL:
		return json_null();
	case MMR_HCL_BOOL:
		return json_boolean(e->bval);
	case MMR_HCL_NUMBER:
		return mmr_tf_number(e->num);
	case MMR_HCL_STRING:
		return json_stringn_nocheck(e->str, e->len);
	case MMR_HCL_TEMPLATE:
	case MMR_HCL_TPL_IF:
	case MMR_HCL_TPL_FOR:
		return eval_template(ev, e);
	case MMR_HCL_TEMPLATE_WRAP:
	case MMR_HCL_PAREN:
		return eval(ev, e->a);
	case MMR_HCL_TUPLE: {
		json_t *a = json_array();
		for (size_t i = 0; i < e->items.n; i++) {
			json_t *v = eval(ev, e->items.v[i]);
			if (!v) {
				json_decref(a);
				return NULL;
			}
			json_array_append_new(a, v);
		}
		return a;
	}
	case MMR_HCL_OBJECT: {
		json_t *o = json_object();
		for (size_t i = 0; i < e->items.n; i++) {
			const struct mmr_hcl_expr *ke = e->keys.v[i];
			json_t *k = eval(ev, ke);
			if (!k) {
				json_decref(o);
				return NULL;
			}
			if (is_unk(k)) {
				json_decref(k);
				json_decref(o);
				return unknown();
			}
			char *ks = mmr_tf_strval(k);
			json_decref(k);
			if (!ks) {
				json_decref(o);
				return fail(ev, ke, "an object key must be a string");
			}
			json_t *v = eval(ev, e->items.v[i]);
			if (!v) {
				free(ks);
				json_decref(o);
				return NULL;
			}
			json_object_set_new(o, ks, v);
			free(ks);
		}
		return o;
	}
	case MMR_HCL_VAR: {
		json_t *v = scope_get(ev->scope, e->name);
		if (v)
			return json_incref(v);
		if (!strcmp(e->name, "var") || !strcmp(e->name, "local") ||
		    !strcmp(e->name, "module") || !strcmp(e->name, "data"))
			return fail(ev, e, "'%s' must be followed by a name", e->name);
		if (!strcmp(e->name, "count") || !strcmp(e->name, "each")) {
			return fail(ev, e, "'%s' used where it is not set", e->name);
		}
		return fail(ev, e, "unknown name \"%s\"", e->name);
	}
	case MMR_HCL_SPLAT_ITEM: {
		json_t *v = scope_get(ev->scope, "\x01splat");
		return v ? json_incref(v) : fail(ev, e, "splat outside a splat");
	}
	case MMR_HCL_GETATTR: {
		bool handled = false;
		json_t *r = eval_root_step(ev, e, &handled);
		if (handled)
			return r;
		json_t *o = eval(ev, e->a);
		if (!o)
			return NULL;
		r = getattr_value(ev, e, o, e->name);
		json_decref(o);
		return r;
	}
	case MMR_HCL_INDEX: {
		json_t *o = eval(ev, e->a);
		if (!o)
			return NULL;
		json_t *k = eval(ev, e->b);
		if (!k) {
			json_decref(o);
			return NULL;
		}
		json_t *r = index_value(ev, e, o, k);
		json_decref(o);
		json_decref(k);
		return r;
	}
	case MMR_HCL_SPLAT:
		return eval_splat(ev, e);
	case MMR_HCL_CALL:
		return eval_call(ev, e);
	case MMR_HCL_UNARY: {
		json_t *v = eval(ev, e->a);
		if (!v || is_unk(v))
			return v;
		json_t *r = NULL;
		if (e->op == MMR_HCL_OP_NOT) {
			bool b;
			if (mmr_tf_boolval(v, &b))
				r = json_boolean(!b);
			else
				fail(ev, e, "'!' needs a bool");
		} else {
			double d;
			if (mmr_tf_numval(v, &d))
				r = mmr_tf_number(-d);
			else
				fail(ev, e, "'-' needs a number");
		}
		json_decref(v);
		return r;
	}
	case MMR_HCL_BINARY:
		return eval_binary(ev, e);
	case MMR_HCL_COND: {
		json_t *c = eval(ev, e->a);
		if (!c || is_unk(c))
			return c;
		bool b;
		bool ok = mmr_tf_boolval(c, &b);
		json_decref(c);
		if (!ok)
			return fail(ev, e->a, "a condition must be bool");
		return eval(ev, b ? e->b : e->c);
	}
	case MMR_HCL_FOR:
		return eval_for(ev, e);
	}
	return fail(ev, e, "unsupported expression");
}

static json_t *eval(struct tf_ev *ev, const struct mmr_hcl_expr *e)
{
	if (!e)
		return json_null();
	if (++ev->ctx->depth > MMR_TF_MAX_EVAL_DEPTH) {
		ev->ctx->depth--;
		return fail(ev, e, "evaluation nested deeper than %d", MMR_TF_MAX_EVAL_DEPTH);
	}
	json_t *r = eval_inner(ev, e);
	ev->ctx->depth--;
	return r;
}

/* ---- memoised named values ---------------------------------------------- */

static struct tf_memo *memo_get(struct tf_ctx *c, struct tf_inst *in, const char *key)
{
	struct tf_memo *m = mmr_map_get(&in->memo, key);
	if (m)
		return m;
	m = mmr_arena_alloc(c->a, sizeof(*m));
	char *k = mmr_arena_strdup(c->a, key);
	if (!m || !k || mmr_map_put(&in->memo, k, m) < 0)
		return NULL;
	return m;
}

static const char *qualified(struct tf_ctx *c, struct tf_inst *in, const char *name)
{
	return *in->addr ? mmr_arena_printf(c->a, "%s.%s", in->addr, name) : name;
}

/* Enter the evaluation of a named value; -ELOOP (message set) on a cycle. */
static int busy_enter(struct tf_ev *ev, int *state, const char *what)
{
	struct tf_ctx *c = ev->ctx;
	if (*state == ST_BUSY) {
		struct mmr_buf b;
		mmr_buf_init(&b, 400);
		size_t from = 0;
		for (size_t i = c->stack.n; i-- > 0;)
			if (!strcmp(c->stack.v[i], what)) {
				from = i;
				break;
			}
		for (size_t i = from; i < c->stack.n; i++)
			mmr_buf_addf(&b, "%s -> ", (const char *)c->stack.v[i]);
		mmr_buf_adds(&b, what);
		snprintf(c->msg, sizeof(c->msg), "reference cycle: %s", b.p);
		if (!mmr_map_has(&c->reported, b.p)) {
			char *k = mmr_arena_strdup(c->la, b.p);
			if (k)
				mmr_map_put(&c->reported, k, k);
			diag(c, &c->set->errors, ev->file ? ev->file->disp : "", "reference cycle: %s",
			     b.p);
		}
		mmr_buf_release(&b);
		return -ELOOP;
	}
	if (c->stack.n > 256) {
		snprintf(c->msg, sizeof(c->msg), "references nested too deeply at %s", what);
		return -E2BIG;
	}
	*state = ST_BUSY;
	mmr_vec_push(c->la, &c->stack, (void *)what);
	return 0;
}

static void busy_leave(struct tf_ctx *c, int *state)
{
	*state = ST_DONE;
	if (c->stack.n)
		c->stack.n--;
}

static json_t *memo_result(struct tf_ev *ev, struct tf_memo *m)
{
	add_refs(ev, &m->refs);
	if (!m->v)
		return NULL;
	return json_incref(m->v);
}

static json_t *get_local(struct tf_ev *ev, struct tf_inst *in, const char *name,
			 const struct mmr_hcl_expr *at)
{
	struct tf_ctx *c = ev->ctx;
	struct tf_item *it = mmr_map_get(&in->mod->locals, name);
	if (!it)
		return fail(ev, at, "no local value \"%s\" in this module", name);
	char key[300];
	snprintf(key, sizeof(key), "local.%s", name);
	struct tf_memo *m = memo_get(c, in, key);
	if (!m)
		return fail(ev, at, "out of memory");
	if (m->state == ST_DONE)
		return memo_result(ev, m);
	const char *what = qualified(c, in, key);
	if (busy_enter(ev, &m->state, what) < 0)
		return NULL;
	struct tf_ev sub = { .ctx = c, .inst = in, .refs = &m->refs, .file = it->file };
	m->v = eval(&sub, it->attr->expr);
	if (!m->v) {
		/* keep the failure: later references fail the same way */
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", c->msg);
		m->v = NULL;
		diag(c, &c->set->unresolved, it->file->disp, "%s: %s", what, msg);
		m->v = unknown();
	}
	busy_leave(c, &m->state);
	return memo_result(ev, m);
}

static json_t *root_var_value(struct tf_ctx *c, struct tf_inst *in, const char *name)
{
	if (in->parent || !c->root_vars)
		return NULL;
	return json_object_get(c->root_vars, name);
}

static struct mmr_hcl_attr *body_attr(const struct mmr_hcl_body *b, const char *name)
{
	for (size_t i = 0; i < b->attrs.n; i++) {
		struct mmr_hcl_attr *at = b->attrs.v[i];
		if (!strcmp(at->name, name))
			return at;
	}
	return NULL;
}

static json_t *get_var(struct tf_ev *ev, struct tf_inst *in, const char *name,
		       const struct mmr_hcl_expr *at)
{
	struct tf_ctx *c = ev->ctx;
	struct tf_item *it = mmr_map_get(&in->mod->vars, name);
	char key[300];
	snprintf(key, sizeof(key), "var.%s", name);
	struct tf_memo *m = memo_get(c, in, key);
	if (!m)
		return fail(ev, at, "out of memory");
	if (m->state == ST_DONE)
		return memo_result(ev, m);
	if (!it)
		return fail(ev, at, "no variable \"%s\" declared in this module", name);
	const char *what = qualified(c, in, key);
	if (busy_enter(ev, &m->state, what) < 0)
		return NULL;
	struct mmr_hcl_attr *def = body_attr(it->block->body, "default");
	struct mmr_hcl_attr *type = body_attr(it->block->body, "type");
	json_t *v = NULL;
	const char *why = NULL;
	if (in->parent) {
		/* a module call passes it: never fall back to the default then */
		struct mmr_hcl_attr *passed = body_attr(in->call->block->body, name);
		if (passed) {
			struct tf_ev pev = { .ctx = c, .inst = in->parent, .refs = &m->refs,
					     .file = in->call->file };
			struct tf_scope se = { .name = "each", .next = NULL };
			struct tf_scope sc = { .name = "count", .next = NULL };
			json_t *eo = NULL, *co = NULL;
			if (in->each_key) {
				eo = json_object();
				json_object_set(eo, "key", in->each_key);
				json_object_set(eo, "value", in->each_value);
				se.val = eo;
				pev.scope = &se;
			} else if (in->count_index) {
				co = json_object();
				json_object_set(co, "index", in->count_index);
				sc.val = co;
				pev.scope = &sc;
			}
			v = eval(&pev, passed->expr);
			json_decref(eo);
			json_decref(co);
			if (!v) {
				why = c->msg;
				diag(c, &c->set->unresolved, in->call->file->disp, "%s: %s", what, why);
				v = unknown();
			}
		}
	} else {
		json_t *given = root_var_value(c, in, name);
		if (given)
			v = json_incref(given);
	}
	if (!v && def) {
		struct tf_ev dev = { .ctx = c, .inst = in, .refs = &m->refs, .file = it->file };
		v = eval(&dev, def->expr);
		if (!v) {
			diag(c, &c->set->unresolved, it->file->disp, "%s: default: %s", what, c->msg);
			v = unknown();
		}
	}
	if (!v) {
		diag(c, &c->set->unresolved, it->file->disp, "%s: no value given and no default",
		     what);
		v = unknown();
	}
	if (type && !is_unk(v)) {
		struct tf_ev tev = { .ctx = c, .inst = in, .file = it->file };
		v = convert_type(&tev, v, type->expr);
	}
	m->v = v;
	busy_leave(c, &m->state);
	return memo_result(ev, m);
}

/* ---- type conversion for variables -------------------------------------- */

static json_t *convert_type(struct tf_ev *ev, json_t *v, const struct mmr_hcl_expr *t)
{
	if (!t || !v || is_unk(v) || json_is_null(v))
		return v;
	if (t->kind == MMR_HCL_VAR) {
		const char *n = t->name;
		if (!strcmp(n, "string")) {
			if (json_is_number(v) || json_is_boolean(v)) {
				char *s = mmr_tf_strval(v);
				if (s) {
					json_decref(v);
					v = str_new(s);
					free(s);
				}
			}
		} else if (!strcmp(n, "number")) {
			double d;
			if (json_is_string(v) && mmr_tf_numval(v, &d)) {
				json_decref(v);
				v = mmr_tf_number(d);
			}
		} else if (!strcmp(n, "bool")) {
			bool b;
			if (json_is_string(v) && mmr_tf_boolval(v, &b)) {
				json_decref(v);
				v = json_boolean(b);
			}
		}
		return v;
	}
	if (t->kind != MMR_HCL_CALL || t->items.n < 1)
		return v;
	const char *n = t->name;
	const struct mmr_hcl_expr *arg = t->items.v[0];
	if ((!strcmp(n, "list") || !strcmp(n, "set")) && json_is_array(v)) {
		json_t *o = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			json_array_append_new(o, convert_type(ev, json_incref(x), arg));
		json_decref(v);
		return o;
	}
	if (!strcmp(n, "map") && json_is_object(v)) {
		json_t *o = json_object();
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			json_object_set_new(o, k, convert_type(ev, json_incref(x), arg));
		json_decref(v);
		return o;
	}
	if (!strcmp(n, "object") && json_is_object(v) && arg->kind == MMR_HCL_OBJECT) {
		json_t *o = json_copy(v);
		json_decref(v);
		for (size_t i = 0; i < arg->items.n; i++) {
			const struct mmr_hcl_expr *k = arg->keys.v[i], *at = arg->items.v[i];
			if (k->kind != MMR_HCL_STRING)
				continue;
			json_t *cur = json_object_get(o, k->str);
			const struct mmr_hcl_expr *inner = at;
			if (at->kind == MMR_HCL_CALL && !strcmp(at->name, "optional") && at->items.n) {
				inner = at->items.v[0];
				if (!cur || json_is_null(cur)) {
					json_t *d = at->items.n > 1 ? eval(ev, at->items.v[1]) : json_null();
					if (!d)
						d = json_null();
					json_object_set_new(o, k->str, convert_type(ev, d, inner));
					continue;
				}
			}
			if (cur)
				json_object_set_new(o, k->str, convert_type(ev, json_incref(cur), inner));
		}
		return o;
	}
	return v;
}

/* ---- files and modules -------------------------------------------------- */

static int read_file(struct tf_ctx *c, const char *path, char **ret, size_t *ret_len,
		     struct mmr_error *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > c->lim.max_file_size) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0,
				     "file larger than %llu bytes (max-file-size)",
				     (unsigned long long)c->lim.max_file_size);
	}
	char *b = mmr_arena_alloc(c->a, (size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return mmr_error_set(reterr, ENOMEM, path, 0, 0, "out of memory");
	}
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, b + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = 0;
	*ret = b;
	*ret_len = n;
	return 0;
}

static const char *join_path(struct tf_ctx *c, const char *a, const char *b)
{
	if (!*a || !strcmp(a, "."))
		return mmr_arena_strdup(c->a, b);
	if (!*b)
		return mmr_arena_strdup(c->a, a);
	return mmr_arena_printf(c->a, "%s/%s", a, b);
}

static int cmpstr(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool is_tf_name(const char *n)
{
	return mmr_cstr_ends(n, ".tf") || mmr_cstr_ends(n, ".tf.json");
}

static void index_block(struct tf_ctx *c, struct tf_module *m, struct tf_file *f,
			struct mmr_hcl_block *bl)
{
	struct tf_item *it = mmr_arena_alloc(c->a, sizeof(*it));
	if (!it)
		return;
	it->block = bl;
	it->file = f;
	const char *t = bl->type;
	size_t nl = bl->labels.n;
	if (!strcmp(t, "resource") && nl == 2) {
		it->kind = IT_RES;
		it->type = bl->labels.v[0];
		it->rname = bl->labels.v[1];
		it->name = mmr_arena_printf(c->a, "%s.%s", it->type, it->rname);
		if (!mmr_map_has(&m->res, it->name)) {
			mmr_map_put(&m->res, it->name, it);
			mmr_vec_push(c->a, &m->items, it);
		}
	} else if (!strcmp(t, "data") && nl == 2) {
		it->kind = IT_DATA;
		it->type = bl->labels.v[0];
		it->rname = bl->labels.v[1];
		it->name = mmr_arena_printf(c->a, "data.%s.%s", it->type, it->rname);
		if (!mmr_map_has(&m->data, it->name)) {
			mmr_map_put(&m->data, it->name, it);
			mmr_vec_push(c->a, &m->items, it);
		}
	} else if (!strcmp(t, "variable") && nl == 1) {
		it->kind = IT_VAR;
		it->name = bl->labels.v[0];
		mmr_map_put(&m->vars, it->name, it);
	} else if (!strcmp(t, "output") && nl == 1) {
		it->kind = IT_OUTPUT;
		it->name = bl->labels.v[0];
		mmr_map_put(&m->outputs, it->name, it);
	} else if (!strcmp(t, "module") && nl == 1) {
		it->kind = IT_MOD;
		it->name = bl->labels.v[0];
		if (!mmr_map_has(&m->calls, it->name)) {
			mmr_map_put(&m->calls, it->name, it);
			mmr_vec_push(c->a, &m->call_order, it);
		}
	} else if (!strcmp(t, "locals") && nl == 0) {
		for (size_t i = 0; i < bl->body->attrs.n; i++) {
			struct tf_item *l = mmr_arena_alloc(c->a, sizeof(*l));
			if (!l)
				return;
			l->kind = IT_LOCAL;
			l->attr = bl->body->attrs.v[i];
			l->name = l->attr->name;
			l->file = f;
			l->block = bl;
			mmr_map_put(&m->locals, l->name, l);
		}
	}
}

static void module_maps_init(struct tf_module *m, struct mmr_arena *a)
{
	mmr_map_init(&m->vars, a);
	mmr_map_init(&m->locals, a);
	mmr_map_init(&m->outputs, a);
	mmr_map_init(&m->res, a);
	mmr_map_init(&m->data, a);
	mmr_map_init(&m->calls, a);
}

/* Drop a module's files, syntax trees and index (a root module once its
 * resources are emitted); load_module() parses it again if asked. */
static void release_module(struct tf_module *m)
{
	mmr_arena_free(m->arena);
	m->arena = NULL;
	m->files = (struct mmr_vec){ 0 };
	m->items = (struct mmr_vec){ 0 };
	m->call_order = (struct mmr_vec){ 0 };
	module_maps_init(m, NULL);
	m->parsed = false;
	m->freed = true;
}

static void load_module_files(struct tf_ctx *c, struct tf_module *m, const char *abs,
			      const char *rel);

/* Load (once) the module in directory abs (rel: relative to the scan root)
 * into an arena of its own. A released module is parsed again, quietly
 * (its syntax errors were reported the first time). */
static struct tf_module *load_module(struct tf_ctx *c, const char *abs, const char *rel)
{
	struct tf_module *m = mmr_map_get(&c->modules, abs);
	if (m && !m->freed)
		return m;
	bool reload = m != NULL;
	if (!m) {
		m = mmr_arena_alloc(c->la, sizeof(*m));
		if (!m)
			return NULL;
		m->abs = mmr_arena_strdup(c->la, abs);
		m->rel = mmr_arena_strdup(c->la, rel);
		if (!m->abs || !m->rel || mmr_map_put(&c->modules, m->abs, m) < 0)
			return NULL;
		mmr_vec_push(c->la, &c->module_order, m);
	}
	m->arena = mmr_arena_new(0);
	if (!m->arena) {
		m->freed = true; /* nothing usable: try again next time */
		return NULL;
	}
	m->freed = false;
	module_maps_init(m, m->arena);
	struct mmr_arena *saved = c->a;
	bool saved_quiet = c->quiet;
	c->a = m->arena;
	c->quiet = reload;
	load_module_files(c, m, m->abs, m->rel);
	c->a = saved;
	c->quiet = saved_quiet;
	return m;
}

static void load_module_files(struct tf_ctx *c, struct tf_module *m, const char *abs,
			      const char *rel)
{
	DIR *d = opendir(abs);
	if (!d)
		return;
	struct mmr_vec names = { 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !is_tf_name(de->d_name))
			continue;
		mmr_vec_push(c->a, &names, mmr_arena_strdup(c->a, de->d_name));
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(void *), cmpstr);
	for (size_t i = 0; i < names.n; i++) {
		const char *nm = names.v[i];
		struct tf_file *f = mmr_arena_alloc(c->a, sizeof(*f));
		if (!f)
			break;
		f->rel = join_path(c, rel, nm);
		f->disp = join_path(c, c->root_disp, f->rel);
		const char *fp = join_path(c, abs, nm);
		char *data;
		size_t len;
		struct mmr_error e = { 0 };
		int r = read_file(c, fp, &data, &len, &e);
		if (r == 0) {
			if (mmr_cstr_ends(nm, ".json"))
				r = mmr_hcl_json_parse(c->a, data, len, f->disp, &c->hlim, &f->hcl, &e);
			else
				r = mmr_hcl_parse(c->a, data, len, f->disp, &c->hlim, &f->hcl, &e);
		}
		if (r < 0) {
			char msg[1200];
			if (!e.file[0])
				snprintf(e.file, sizeof(e.file), "%s", f->disp);
			mmr_error_format(&e, msg, sizeof(msg));
			if (!c->quiet)
				diag(c, &c->set->errors, f->disp, "%s", msg);
			continue;
		}
		f->src = data;
		f->len = len;
		mmr_vec_push(c->a, &m->files, f);
		for (size_t b = 0; b < f->hcl->body->blocks.n; b++)
			index_block(c, m, f, f->hcl->body->blocks.v[b]);
	}
	m->parsed = true;
}

/* Normalise a relative path: resolve "." and ".."; false if it climbs out. */
static bool norm_rel(char *p)
{
	char *out = p, *s = p;
	size_t depth = 0;
	while (*s) {
		char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (depth == 0)
				return false;
			depth--;
			out--;
			while (out > p && out[-1] != '/')
				out--;
		} else {
			if (out != p && out[-1] != '/')
				*out++ = '/';
			memmove(out, s, n);
			out += n;
			*out++ = '/';
			depth++;
		}
		s += n;
		if (*s == '/')
			s++;
	}
	if (out > p && out[-1] == '/')
		out--;
	*out = 0;
	return true;
}

/* Directory of a module call: local source or modules.json. NULL if not
 * available (reason in c->msg). */
static struct tf_module *call_module(struct tf_ctx *c, struct tf_inst *in, struct tf_item *call,
				     const char *modkey)
{
	struct mmr_hcl_attr *src = body_attr(call->block->body, "source");
	if (!src || src->expr->kind != MMR_HCL_STRING) {
		snprintf(c->msg, sizeof(c->msg), "module %s: no literal source", call->name);
		return NULL;
	}
	const char *s = src->expr->str;
	char rel[PATH_MAX];
	if (!strncmp(s, "./", 2) || !strncmp(s, "../", 3)) {
		snprintf(rel, sizeof(rel), "%s/%s", in->mod->rel, s);
	} else {
		/* downloaded: .terraform/modules/modules.json of the root */
		json_t *mods = json_object_get(c->modules_json, "Modules");
		const char *dir = NULL;
		size_t i;
		json_t *mj;
		json_array_foreach(mods, i, mj) {
			const char *k = mmr_json_str(mj, "Key");
			if (k && !strcmp(k, modkey)) {
				dir = mmr_json_str(mj, "Dir");
				break;
			}
		}
		if (!dir) {
			snprintf(c->msg, sizeof(c->msg),
				 "module %s: source \"%s\" is not downloaded (no entry in .terraform/modules/modules.json)",
				 call->name, s);
			return NULL;
		}
		const struct tf_inst *r = in;
		while (r->parent)
			r = r->parent;
		snprintf(rel, sizeof(rel), "%s/%s", r->mod->rel, dir);
	}
	if (!norm_rel(rel)) {
		snprintf(c->msg, sizeof(c->msg), "module %s: source \"%s\" leaves the scanned tree",
			 call->name, s);
		return NULL;
	}
	char abs[PATH_MAX * 2];
	snprintf(abs, sizeof(abs), "%s%s%s", c->root_abs, *rel ? "/" : "", rel);
	char real[PATH_MAX];
	if (!realpath(abs, real)) {
		snprintf(c->msg, sizeof(c->msg), "module %s: source \"%s\" not found", call->name, s);
		return NULL;
	}
	size_t rl = strlen(c->root_abs);
	if (strncmp(real, c->root_abs, rl) || (real[rl] && real[rl] != '/' && rl > 1)) {
		snprintf(c->msg, sizeof(c->msg), "module %s: source \"%s\" leaves the scanned tree",
			 call->name, s);
		return NULL;
	}
	const char *real_rel = real[rl] == '/' ? real + rl + 1 : real + rl;
	return load_module(c, real, real_rel);
}

static struct tf_inst *new_inst(struct tf_ctx *c, struct tf_module *m, struct tf_inst *parent,
				struct tf_item *call, const char *addr, const char *modkey)
{
	struct tf_inst *in = mmr_arena_alloc(c->a, sizeof(*in));
	if (!in)
		return NULL;
	in->mod = m;
	in->parent = parent;
	in->call = call;
	in->addr = addr;
	in->modkey = modkey;
	in->depth = parent ? parent->depth + 1 : 0;
	mmr_map_init(&in->memo, c->a);
	mmr_map_init(&in->resm, c->a);
	mmr_map_init(&in->calls, c->a);
	mmr_vec_push(c->a, &c->insts, in);
	return in;
}

/* Instance keys of a block with count/for_each: *ret_kind 0 single, 1 count,
 * 2 for_each; *ret_keys array (count: integers; for_each: keys) and
 * *ret_vals (for_each values). -1 if unknown (reason in c->msg). */
static int expand(struct tf_ev *ev, const struct mmr_hcl_body *body, int *ret_kind,
		  json_t **ret_keys, json_t **ret_vals)
{
	struct tf_ctx *c = ev->ctx;
	struct mmr_hcl_attr *cnt = body_attr(body, "count");
	struct mmr_hcl_attr *fe = body_attr(body, "for_each");
	*ret_kind = 0;
	*ret_keys = *ret_vals = NULL;
	if (cnt) {
		json_t *v = eval(ev, cnt->expr);
		double d;
		if (!v)
			return -1;
		if (is_unk(v) || !mmr_tf_numval(v, &d) || d < 0 || d != floor(d)) {
			if (!is_unk(v))
				fail(ev, cnt->expr, "count must be a whole number");
			else
				fail(ev, cnt->expr, "count is not known before apply");
			json_decref(v);
			return -1;
		}
		json_decref(v);
		if (c->ninst + (size_t)d > MMR_TF_MAX_INSTANCES) {
			fail(ev, cnt->expr, "count %.0f: more than %d instances in this scan", d,
			     MMR_TF_MAX_INSTANCES);
			return -1;
		}
		*ret_kind = 1;
		*ret_keys = json_array();
		for (size_t i = 0; i < (size_t)d; i++)
			json_array_append_new(*ret_keys, json_integer((json_int_t)i));
		return 0;
	}
	if (fe) {
		json_t *v = eval(ev, fe->expr);
		if (!v)
			return -1;
		if (is_unk(v)) {
			json_decref(v);
			fail(ev, fe->expr, "for_each is not known before apply");
			return -1;
		}
		*ret_kind = 2;
		*ret_keys = json_array();
		*ret_vals = json_array();
		if (json_is_object(v)) {
			/* Terraform orders instances by key */
			const char **ks = calloc(json_object_size(v) + 1, sizeof(*ks));
			size_t n = 0;
			const char *k;
			json_t *x;
			json_object_foreach(v, k, x)
				if (ks)
					ks[n++] = k;
			if (ks)
				qsort(ks, n, sizeof(*ks), cmpstr);
			for (size_t i = 0; ks && i < n; i++) {
				json_array_append_new(*ret_keys, str_new(ks[i]));
				json_array_append(*ret_vals, json_object_get(v, ks[i]));
			}
			free(ks);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *x;
			json_array_foreach(v, i, x) {
				if (is_unk(x)) {
					json_decref(v);
					fail(ev, fe->expr, "a for_each element is not known before apply");
					return -1;
				}
				char *s = mmr_tf_strval(x);
				if (!s) {
					json_decref(v);
					fail(ev, fe->expr, "for_each over a set needs strings");
					return -1;
				}
				/* a set: unique, sorted */
				bool dup = false;
				size_t j;
				json_t *y;
				json_array_foreach(*ret_keys, j, y)
					if (!strcmp(json_string_value(y), s))
						dup = true;
				if (!dup) {
					json_array_append_new(*ret_keys, str_new(s));
					json_array_append_new(*ret_vals, str_new(s));
				}
				free(s);
			}
		} else if (!json_is_null(v)) {
			json_decref(v);
			fail(ev, fe->expr, "for_each needs a map or a set of strings");
			return -1;
		}
		json_decref(v);
		if (c->ninst + json_array_size(*ret_keys) > MMR_TF_MAX_INSTANCES) {
			fail(ev, fe->expr, "for_each: more than %d instances in this scan",
			     MMR_TF_MAX_INSTANCES);
			return -1;
		}
		return 0;
	}
	return 0;
}

static const char *inst_key_str(struct tf_ctx *c, json_t *k)
{
	if (json_is_integer(k))
		return mmr_arena_printf(c->a, "[%lld]", (long long)json_integer_value(k));
	json_t *s = json_string(json_string_value(k));
	char *enc = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
	json_decref(s);
	const char *r = mmr_arena_printf(c->a, "[%s]", enc ? enc : "\"\"");
	free(enc);
	return r;
}

static struct tf_calls *get_calls(struct tf_ev *ev, struct tf_inst *in, const char *name)
{
	struct tf_ctx *c = ev->ctx;
	struct tf_calls *cl = mmr_map_get(&in->calls, name);
	if (cl && cl->state == ST_DONE)
		return cl;
	struct tf_item *call = mmr_map_get(&in->mod->calls, name);
	if (!call) {
		fail(ev, NULL, "no module call \"%s\" in this module", name);
		return NULL;
	}
	if (!cl) {
		cl = mmr_arena_alloc(c->a, sizeof(*cl));
		if (!cl || mmr_map_put(&in->calls, call->name, cl) < 0)
			return NULL;
	}
	const char *what = qualified(c, in, mmr_arena_printf(c->a, "module.%s", name));
	if (busy_enter(ev, &cl->state, what) < 0)
		return NULL;
	if (in->depth + 1 > MMR_TF_MAX_MODULE_DEPTH) {
		diag(c, &c->set->unresolved, call->file->disp, "%s: modules nested deeper than %d",
		     what, MMR_TF_MAX_MODULE_DEPTH);
		cl->unknown = true;
		busy_leave(c, &cl->state);
		return cl;
	}
	const char *modkey = in->modkey && *in->modkey ? mmr_arena_printf(c->a, "%s.%s", in->modkey, name)
						       : name;
	struct tf_module *m = call_module(c, in, call, modkey);
	if (!m) {
		diag(c, &c->set->unresolved, call->file->disp, "%s", c->msg);
		cl->unknown = true;
		busy_leave(c, &cl->state);
		return cl;
	}
	struct tf_ev xev = { .ctx = c, .inst = in, .file = call->file };
	int kind;
	json_t *keys, *vals;
	const char *base = *in->addr ? mmr_arena_printf(c->a, "%s.module.%s", in->addr, name)
				     : mmr_arena_printf(c->a, "module.%s", name);
	if (expand(&xev, call->block->body, &kind, &keys, &vals) < 0) {
		diag(c, &c->set->unresolved, call->file->disp, "%s: %s", base, c->msg);
		/* still evaluate one instance so its resources are scanned */
		kind = 0;
		cl->unknown = true;
	}
	cl->keys = kind ? json_incref(keys) : NULL;
	if (kind == 0) {
		struct tf_inst *ci = new_inst(c, m, in, call, base, modkey);
		if (ci && cl->unknown) {
			/* one instance stands for all: each/count are unknown */
			if (body_attr(call->block->body, "count")) {
				ci->count_index = unknown();
			} else {
				ci->each_key = unknown();
				ci->each_value = unknown();
			}
		}
		if (ci)
			mmr_vec_push(c->a, &cl->insts, ci);
	} else {
		size_t i;
		json_t *k;
		json_array_foreach(keys, i, k) {
			struct tf_inst *ci = new_inst(
				c, m, in, call,
				mmr_arena_printf(c->a, "%s%s", base, inst_key_str(c, k)), modkey);
			if (!ci)
				break;
			if (kind == 1) {
				ci->count_index = json_incref(k);
			} else {
				ci->each_key = json_incref(k);
				ci->each_value = json_incref(json_array_get(vals, i));
			}
			mmr_vec_push(c->a, &cl->insts, ci);
		}
	}
	json_decref(keys);
	json_decref(vals);
	busy_leave(c, &cl->state);
	return cl;
}

static json_t *module_outputs(struct tf_ev *ev, struct tf_inst *ci, const char *what)
{
	struct tf_ctx *c = ev->ctx;
	json_t *o = json_object();
	json_object_set_new(o, "$computed", json_true());
	for (size_t i = 0; i < ci->mod->outputs.cap; i++) {
		struct mmr_map_slot *s = &ci->mod->outputs.slots[i];
		if (!s->key || !s->val)
			continue;
		struct tf_item *it = s->val;
		char key[300];
		snprintf(key, sizeof(key), "output.%s", it->name);
		struct tf_memo *m = memo_get(c, ci, key);
		if (!m)
			continue;
		if (m->state != ST_DONE) {
			const char *w = qualified(c, ci, key);
			if (busy_enter(ev, &m->state, w) < 0) {
				json_object_set_new(o, it->name, unknown());
				continue;
			}
			struct mmr_hcl_attr *va = body_attr(it->block->body, "value");
			struct tf_ev oev = { .ctx = c, .inst = ci, .refs = &m->refs, .file = it->file };
			m->v = va ? eval(&oev, va->expr) : json_null();
			if (!m->v) {
				diag(c, &c->set->unresolved, it->file->disp, "%s: %s", w, c->msg);
				m->v = unknown();
			}
			busy_leave(c, &m->state);
		}
		add_refs(ev, &m->refs);
		json_object_set(o, it->name, m->v);
	}
	(void)what;
	return o;
}

static json_t *get_module(struct tf_ev *ev, struct tf_inst *in, const char *name,
			  const struct mmr_hcl_expr *at)
{
	struct tf_calls *cl = get_calls(ev, in, name);
	if (!cl)
		return NULL;
	if (cl->unknown)
		return unknown();
	if (!cl->keys) {
		if (!cl->insts.n)
			return unknown();
		return module_outputs(ev, cl->insts.v[0], name);
	}
	bool is_count = json_array_size(cl->keys) == 0 || json_is_integer(json_array_get(cl->keys, 0));
	json_t *r = is_count ? json_array() : json_object();
	for (size_t i = 0; i < cl->insts.n; i++) {
		struct tf_inst *ci = cl->insts.v[i];
		json_t *o = module_outputs(ev, ci, name);
		if (is_count)
			json_array_append_new(r, o);
		else
			json_object_set_new(r, json_string_value(ci->each_key), o);
	}
	(void)at;
	return r;
}

/* ---- resource bodies ---------------------------------------------------- */

static bool meta_arg(const char *n, bool top)
{
	if (!top)
		return false;
	return !strcmp(n, "count") || !strcmp(n, "for_each") || !strcmp(n, "provider") ||
	       !strcmp(n, "depends_on");
}

static bool meta_block(const char *n, bool top)
{
	if (!top)
		return false;
	return !strcmp(n, "lifecycle") || !strcmp(n, "provisioner") || !strcmp(n, "connection");
}

static void set_pos(json_t *pos, const char *ptr, struct mmr_hcl_range r)
{
	if (!pos)
		return;
	json_t *a = json_array();
	json_array_append_new(a, json_integer((json_int_t)r.start.line));
	unsigned long end = r.end.line;
	/* a range ending at column 1 ends on the line before */
	if (r.end.col == 1 && end > r.start.line)
		end--;
	json_array_append_new(a, json_integer((json_int_t)end));
	json_object_set_new(pos, ptr, a);
}

/* JSON Pointer escaping of one reference token. */
static const char *ptr_tok(struct tf_ctx *c, const char *s)
{
	if (!strpbrk(s, "~/"))
		return s;
	struct mmr_buf b;
	mmr_buf_init(&b, 4096);
	for (; *s; s++) {
		if (*s == '~')
			mmr_buf_adds(&b, "~0");
		else if (*s == '/')
			mmr_buf_adds(&b, "~1");
		else
			mmr_buf_addc(&b, *s);
	}
	const char *r = mmr_arena_strndup(c->a, b.p, b.len);
	mmr_buf_release(&b);
	return r ? r : "";
}

static json_t *eval_body(struct tf_ev *ev, const struct mmr_hcl_body *b, json_t *pos,
			 const char *ptr, bool top, const char *what);

static void append_block(json_t *doc, const char *type, json_t *obj)
{
	json_t *arr = json_object_get(doc, type);
	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(doc, type, arr);
	}
	json_array_append_new(arr, obj);
}

static void eval_dynamic(struct tf_ev *ev, const struct mmr_hcl_block *bl, json_t *doc,
			 json_t *pos, const char *ptr, const char *what)
{
	struct tf_ctx *c = ev->ctx;
	const char *name = bl->labels.v[0];
	struct mmr_hcl_attr *fe = body_attr(bl->body, "for_each");
	struct mmr_hcl_attr *itn = body_attr(bl->body, "iterator");
	const char *iter = name;
	if (itn && itn->expr->kind == MMR_HCL_VAR)
		iter = itn->expr->name;
	struct mmr_hcl_block *content = NULL;
	for (size_t i = 0; i < bl->body->blocks.n; i++) {
		struct mmr_hcl_block *x = bl->body->blocks.v[i];
		if (!strcmp(x->type, "content"))
			content = x;
	}
	if (!fe || !content)
		return;
	json_t *coll = eval(ev, fe->expr);
	if (!coll || is_unk(coll) || !(json_is_array(coll) || json_is_object(coll) || json_is_null(coll))) {
		diag(c, &c->set->unresolved, ev->file->disp, "%s: dynamic \"%s\": %s", what, name,
		     coll ? "for_each is not known before apply" : c->msg);
		/* one block of unknowns keeps the attribute visible */
		append_block(doc, name, unknown());
		json_decref(coll);
		return;
	}
	size_t n = json_is_array(coll) ? json_array_size(coll) :
		   json_is_object(coll) ? json_object_size(coll) : 0;
	void *it = json_is_object(coll) ? json_object_iter(coll) : NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *k, *v;
		if (json_is_array(coll)) {
			k = json_integer((json_int_t)i);
			v = json_array_get(coll, i);
		} else {
			k = str_new(json_object_iter_key(it));
			v = json_object_iter_value(it);
			it = json_object_iter_next(coll, it);
		}
		json_t *io = json_object();
		json_object_set(io, "key", k);
		json_object_set(io, "value", v);
		struct tf_scope s = { .name = iter, .val = io, .next = ev->scope };
		struct tf_scope *saved = ev->scope;
		ev->scope = &s;
		json_t *arr = json_object_get(doc, name);
		size_t idx = json_is_array(arr) ? json_array_size(arr) : 0;
		const char *p = mmr_arena_printf(c->a, "%s/%s/%zu", ptr, ptr_tok(c, name), idx);
		json_t *o = eval_body(ev, content->body, pos, p ? p : "", false, what);
		set_pos(pos, p ? p : "", content->range);
		ev->scope = saved;
		append_block(doc, name, o);
		json_decref(io);
		json_decref(k);
	}
	json_decref(coll);
}

static json_t *eval_body(struct tf_ev *ev, const struct mmr_hcl_body *b, json_t *pos,
			 const char *ptr, bool top, const char *what)
{
	struct tf_ctx *c = ev->ctx;
	json_t *doc = json_object();
	for (size_t i = 0; i < b->attrs.n; i++) {
		struct mmr_hcl_attr *at = b->attrs.v[i];
		if (meta_arg(at->name, top))
			continue;
		json_t *v = eval(ev, at->expr);
		if (!v) {
			diag(c, &c->set->unresolved, ev->file->disp, "%s.%s: %s", what, at->name,
			     c->msg);
			v = unknown();
		} else if (is_unk(v)) {
			diag(c, &c->set->unresolved, ev->file->disp,
			     "%s.%s: not known before apply (line %lu)", what, at->name,
			     at->range.start.line);
		}
		v = strip_marks(v);
		if (json_is_null(v)) {
			/* an argument set to null is an argument not set */
			json_decref(v);
			continue;
		}
		json_object_set_new(doc, at->name, v);
		const char *p = mmr_arena_printf(c->a, "%s/%s", ptr, ptr_tok(c, at->name));
		set_pos(pos, p ? p : "", at->range);
	}
	for (size_t i = 0; i < b->blocks.n; i++) {
		struct mmr_hcl_block *bl = b->blocks.v[i];
		if (meta_block(bl->type, top))
			continue;
		if (!strcmp(bl->type, "dynamic") && bl->labels.n == 1) {
			eval_dynamic(ev, bl, doc, pos, ptr, what);
			continue;
		}
		json_t *arr = json_object_get(doc, bl->type);
		size_t idx = json_is_array(arr) ? json_array_size(arr) : 0;
		const char *p = mmr_arena_printf(c->a, "%s/%s/%zu", ptr, ptr_tok(c, bl->type), idx);
		json_t *o = eval_body(ev, bl->body, pos, p ? p : "", false, what);
		set_pos(pos, p ? p : "", bl->range);
		append_block(doc, bl->type, o);
	}
	/* "/type" spans all blocks of that type */
	if (pos) {
		for (size_t i = 0; i < b->blocks.n; i++) {
			struct mmr_hcl_block *bl = b->blocks.v[i];
			const char *t = !strcmp(bl->type, "dynamic") && bl->labels.n ? bl->labels.v[0]
										 : bl->type;
			const char *p = mmr_arena_printf(c->a, "%s/%s", ptr, ptr_tok(c, t));
			if (!p)
				continue;
			json_t *cur = json_object_get(pos, p);
			struct mmr_hcl_range r = bl->range;
			if (json_is_array(cur)) {
				unsigned long s0 = (unsigned long)json_integer_value(json_array_get(cur, 0));
				if (s0 < r.start.line)
					r.start.line = s0;
				r.start.col = 2;
			}
			set_pos(pos, p, r);
		}
	}
	return doc;
}

/* ---- data "aws_iam_policy_document" ------------------------------------- */

/* A list of one string becomes the string, as the AWS provider renders. */
static json_t *one_or_list(json_t *v)
{
	if (json_is_array(v) && json_array_size(v) == 1 && json_is_string(json_array_get(v, 0)))
		return json_incref(json_array_get(v, 0));
	return json_incref(v);
}

/* principals / not_principals blocks -> {"AWS": "arn" or [...], ...}; type
 * "*" with identifiers ["*"] is Principal "*" */
static json_t *policy_principals(json_t *blocks)
{
	json_t *out = json_object();
	size_t i;
	json_t *b;
	json_array_foreach(blocks, i, b)
	{
		const char *type = json_string_value(json_object_get(b, "type"));
		json_t *ids = json_object_get(b, "identifiers");
		if (!type || !ids) { /* an unknown type: who is let in is unknown */
			json_decref(out);
			return unknown();
		}
		if (!strcmp(type, "*") && json_is_array(ids) && json_array_size(ids) == 1 &&
		    !strcmp(json_string_value(json_array_get(ids, 0)) ?: "", "*")) {
			json_decref(out);
			return json_string("*");
		}
		json_t *have = json_object_get(out, type);
		if (json_is_string(have)) /* a second block of the same type */
			json_object_set_new(out, type, json_pack("[O]", have));
		have = json_object_get(out, type);
		if (json_is_array(have)) {
			if (json_is_array(ids))
				json_array_extend(have, ids);
			else
				json_array_append(have, ids);
		} else {
			json_object_set_new(out, type, one_or_list(ids));
		}
	}
	return out;
}

/* condition blocks -> {test: {variable: value(s)}} */
static json_t *policy_conditions(json_t *blocks)
{
	json_t *out = json_object();
	size_t i;
	json_t *b;
	json_array_foreach(blocks, i, b)
	{
		const char *test = json_string_value(json_object_get(b, "test"));
		const char *var = json_string_value(json_object_get(b, "variable"));
		json_t *vals = json_object_get(b, "values");
		if (!test || !var || !vals) {
			json_decref(out);
			return unknown();
		}
		json_t *t = json_object_get(out, test);
		if (!t) {
			t = json_object();
			json_object_set_new(out, test, t);
		}
		json_object_set_new(t, var, one_or_list(vals));
	}
	return out;
}

/* The policy JSON the AWS provider's data "aws_iam_policy_document" renders
 * from its statement blocks. When some values are known only after apply
 * (an account id in a principal ARN) it is the policy *object* with those
 * leaves unknown, which the normaliser and json_decode() take as an
 * evaluated document, so the known parts (the actions) can still be
 * checked; unknown as a whole when the statements are, or when it merges
 * other documents (source/override_policy_documents). */
static json_t *iam_policy_json(json_t *doc)
{
	static const struct {
		const char *from, *to;
	} lists[] = { { "actions", "Action" }, { "not_actions", "NotAction" },
		      { "resources", "Resource" }, { "not_resources", "NotResource" } };
	if (is_unk(doc) || is_unk(json_object_get(doc, "statement")) ||
	    json_object_get(doc, "source_policy_documents") ||
	    json_object_get(doc, "override_policy_documents") ||
	    json_object_get(doc, "source_json") || json_object_get(doc, "override_json"))
		return unknown();
	json_t *pol = json_object();
	json_t *ver = json_object_get(doc, "version");
	json_object_set_new(pol, "Version", json_string(json_is_string(ver) ? json_string_value(ver)
									 : "2012-10-17"));
	json_t *id = json_object_get(doc, "policy_id");
	if (json_is_string(id))
		json_object_set(pol, "Id", id);
	json_t *sts = json_array();
	json_t *blocks = json_object_get(doc, "statement");
	size_t i;
	json_t *b;
	json_array_foreach(blocks, i, b)
	{
		json_t *st = json_object();
		json_t *sid = json_object_get(b, "sid");
		if (json_is_string(sid) && json_string_length(sid))
			json_object_set(st, "Sid", sid);
		json_t *eff = json_object_get(b, "effect");
		json_object_set_new(st, "Effect", eff && !json_is_null(eff) ? json_incref(eff)
									  : json_string("Allow"));
		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
			json_t *v = json_object_get(b, lists[k].from);
			if (v && !json_is_null(v))
				json_object_set_new(st, lists[k].to, one_or_list(v));
		}
		json_t *p = json_object_get(b, "principals");
		if (json_is_array(p) && json_array_size(p))
			json_object_set_new(st, "Principal", policy_principals(p));
		p = json_object_get(b, "not_principals");
		if (json_is_array(p) && json_array_size(p))
			json_object_set_new(st, "NotPrincipal", policy_principals(p));
		json_t *c = json_object_get(b, "condition");
		if (json_is_array(c) && json_array_size(c))
			json_object_set_new(st, "Condition", policy_conditions(c));
		json_array_append_new(sts, st);
	}
	json_object_set_new(pol, "Statement", sts);
	if (mmr_tf_has_unknown(pol))
		return pol;
	char *text = json_dumps(pol, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(pol);
	if (!text)
		return unknown();
	json_t *out = json_string(text);
	free(text);
	return out ? out : unknown();
}

/* Evaluate every instance of a resource or data source (memoised). */
static struct tf_res *eval_resource(struct tf_ev *ev, struct tf_inst *in, struct tf_item *it)
{
	struct tf_ctx *c = ev->ctx;
	struct tf_res *r = mmr_map_get(&in->resm, it->name);
	if (r && r->state == ST_DONE)
		return r;
	if (!r) {
		r = mmr_arena_alloc(c->a, sizeof(*r));
		if (!r || mmr_map_put(&in->resm, it->name, r) < 0)
			return NULL;
	}
	const char *base = qualified(c, in, it->name);
	if (busy_enter(ev, &r->state, base) < 0)
		return NULL;
	struct tf_ev xev = { .ctx = c, .inst = in, .file = it->file };
	int kind;
	json_t *keys, *vals;
	bool unknown_count = false;
	if (expand(&xev, it->block->body, &kind, &keys, &vals) < 0) {
		diag(c, &c->set->unresolved, it->file->disp, "%s: %s", base, c->msg);
		kind = 0;
		unknown_count = true;
	}
	size_t n = kind ? json_array_size(keys) : 1;
	r->value = kind == 1 ? json_array() : kind == 2 ? json_object() : NULL;
	for (size_t i = 0; i < n; i++) {
		struct tf_res_inst *ri = mmr_arena_alloc(c->a, sizeof(*ri));
		if (!ri)
			break;
		json_t *k = kind ? json_array_get(keys, i) : NULL;
		ri->addr = k ? mmr_arena_printf(c->a, "%s%s", base, inst_key_str(c, k)) : base;
		struct tf_scope s = { .next = NULL };
		json_t *so = NULL;
		if (unknown_count) {
			/* one instance stands for all: each/count are unknown */
			so = json_object();
			if (body_attr(it->block->body, "count")) {
				json_object_set_new(so, "index", unknown());
				s.name = "count";
			} else {
				json_object_set_new(so, "key", unknown());
				json_object_set_new(so, "value", unknown());
				s.name = "each";
			}
		} else if (kind == 1) {
			so = json_object();
			json_object_set(so, "index", k);
			s.name = "count";
		} else if (kind == 2) {
			so = json_object();
			json_object_set(so, "key", k);
			json_object_set(so, "value", json_array_get(vals, i));
			s.name = "each";
		}
		s.val = so;
		struct tf_ev bev = { .ctx = c, .inst = in, .refs = &ri->refs, .file = it->file,
				     .scope = so ? &s : NULL };
		ri->pos = json_object();
		ri->doc = eval_body(&bev, it->block->body, ri->pos, "", true, ri->addr);
		if (it->kind == IT_DATA && json_is_object(ri->doc) &&
		    !strcmp(it->type, "aws_iam_policy_document"))
			json_object_set_new(ri->doc, "json", iam_policy_json(ri->doc));
		json_decref(so);
		c->ninst++;
		mmr_vec_push(c->a, &r->insts, ri);
		json_t *val = json_copy(ri->doc);
		json_object_set_new(val, "$computed", json_true());
		if (kind == 1)
			json_array_append_new(r->value, val);
		else if (kind == 2)
			json_object_set_new(r->value, json_string_value(k), val);
		else
			r->value = val;
	}
	if (unknown_count) {
		json_decref(r->value);
		r->value = unknown();
	}
	json_decref(keys);
	json_decref(vals);
	busy_leave(c, &r->state);
	return r;
}

static json_t *get_res(struct tf_ev *ev, struct tf_inst *in, const char *key,
		       const struct mmr_hcl_expr *at)
{
	struct tf_item *it = mmr_map_get(!strncmp(key, "data.", 5) ? &in->mod->data : &in->mod->res, key);
	if (!it)
		return fail(ev, at, "reference to undeclared %s \"%s\"",
			    !strncmp(key, "data.", 5) ? "data source" : "resource", key);
	struct tf_res *r = eval_resource(ev, in, it);
	if (!r)
		return NULL;
	/* the reference, module-qualified; copied only when new */
	if (ev->refs) {
		char q[1024];
		int qn = *in->addr ? snprintf(q, sizeof(q), "%s.%s", in->addr, it->name)
				   : snprintf(q, sizeof(q), "%s", it->name);
		bool have = false;
		for (size_t i = 0; qn > 0 && (size_t)qn < sizeof(q) && i < ev->refs->n && !have; i++)
			have = !strcmp(ev->refs->v[i], q);
		if (!have)
			add_ref(ev, *in->addr ? qualified(ev->ctx, in, it->name) : it->name);
	}
	return r->value ? json_incref(r->value) : unknown();
}

/* ---- inline suppressions ------------------------------------------------ */

/* "# mamori:ignore:<id> <reason>" -> "<id> <reason>"; the other tools'
 * markers keep their prefix: "checkov:CKV_AWS_1 reason", "trivy:AVD-AWS-0086",
 * "tfsec:aws-s3-enable-versioning". */
static void add_ignore(struct tf_ctx *c, struct mmr_iac_resource *r, const char *text)
{
	static const struct {
		const char *mark, *prefix;
	} marks[] = { { "mamori:ignore:", "" },
		      { "checkov:skip=", "checkov:" },
		      { "trivy:ignore:", "trivy:" },
		      { "tfsec:ignore:", "tfsec:" } };
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		const char *p = strstr(text, marks[i].mark);
		if (!p)
			continue;
		const char *id = p + strlen(marks[i].mark), *e = id;
		while (*e && *e != ' ' && *e != '\t' && *e != ':' && *e != ',')
			e++;
		if (e == id)
			continue;
		const char *rest = e;
		if (*rest == ':' && i != 1) {
			/* trivy/tfsec ":exp:YYYY-MM-DD" and the like: not a reason */
			while (*rest && *rest != ' ' && *rest != '\t')
				rest++;
		}
		while (*rest == ' ' || *rest == '\t' || *rest == ':')
			rest++;
		struct mmr_arena *sa = c->set->arena;
		char *s = *rest ? mmr_arena_printf(sa, "%s%.*s %s", marks[i].prefix, (int)(e - id), id, rest)
				: mmr_arena_printf(sa, "%s%.*s", marks[i].prefix, (int)(e - id), id);
		if (s)
			mmr_vec_push(sa, &r->ignores, s);
	}
}

static void collect_ignores(struct tf_ctx *c, struct mmr_iac_resource *r, struct tf_file *f,
			    const struct mmr_hcl_block *bl)
{
	unsigned long s = bl->range.start.line, e = bl->range.end.line;
	for (size_t i = 0; i < f->hcl->comments.n; i++) {
		const struct mmr_hcl_comment *cm = f->hcl->comments.v[i];
		/* inside the block, or on the line(s) right above it */
		bool inside = cm->line >= s && cm->line <= e;
		bool above = cm->end_line + 1 == s || cm->end_line == s;
		if (!inside && !above) {
			/* a run of comment lines directly above */
			unsigned long l = cm->end_line;
			for (size_t j = i + 1; j < f->hcl->comments.n && !above; j++) {
				const struct mmr_hcl_comment *n = f->hcl->comments.v[j];
				if (n->line != l + 1)
					break;
				l = n->end_line;
				if (l + 1 == s)
					above = true;
			}
		}
		if (inside || above)
			add_ignore(c, r, cm->text);
	}
}

/* ---- walking the instance tree and emitting resources ------------------- */

/* A string in set->arena, copied once per scan (resource types, file names). */
static const char *intern(struct tf_ctx *c, const char *s)
{
	const char *k = mmr_map_get(&c->interned, s);
	if (k)
		return k;
	char *d = mmr_arena_strdup(c->set->arena, s);
	if (d)
		mmr_map_put(&c->interned, d, d);
	return d;
}

/* The emitted resource lives in set->arena: everything it points to is
 * copied there (the syntax trees and the root's scratch are freed). */
static void emit(struct tf_ctx *c, struct tf_inst *in, struct tf_item *it, struct tf_res *r)
{
	struct mmr_arena *sa = c->set->arena;
	for (size_t i = 0; i < r->insts.n; i++) {
		struct tf_res_inst *ri = r->insts.v[i];
		struct mmr_iac_resource *res = mmr_arena_alloc(sa, sizeof(*res));
		if (!res)
			return;
		res->type = intern(c, it->type);
		res->raw_type = res->type;
		res->source = "terraform";
		res->address = mmr_arena_strdup(sa, ri->addr);
		res->file = intern(c, it->file->disp);
		if (!res->type || !res->address || !res->file)
			return;
		res->line_start = it->block->range.start.line;
		res->line_end = it->block->range.end.line;
		if (it->block->range.end.col == 1 && res->line_end > res->line_start)
			res->line_end--;
		res->doc = json_incref(ri->doc);
		res->pos = json_incref(ri->pos);
		if (ri->refs.n) {
			res->refs.v = mmr_arena_calloc(sa, ri->refs.n, sizeof(void *));
			if (!res->refs.v) {
				json_decref(res->doc);
				json_decref(res->pos);
				return;
			}
			for (size_t j = 0; j < ri->refs.n; j++) {
				char *ref = mmr_arena_strdup(sa, ri->refs.v[j]);
				if (ref)
					res->refs.v[res->refs.n++] = ref;
			}
			res->refs.cap = ri->refs.n; /* full: a push reallocates */
		}
		collect_ignores(c, res, it->file, it->block);
		if (mmr_vec_push(sa, &c->set->resources, res) < 0) {
			json_decref(res->doc);
			json_decref(res->pos);
			return;
		}
	}
	(void)in;
}

static int walk_inst(struct tf_ctx *c, struct tf_inst *in)
{
	struct tf_ev ev = { .ctx = c, .inst = in };
	for (size_t i = 0; i < in->mod->items.n; i++) {
		struct tf_item *it = in->mod->items.v[i];
		if (it->kind != IT_RES)
			continue; /* data sources are evaluated only when referenced */
		ev.file = it->file;
		struct tf_res *r = eval_resource(&ev, in, it);
		if (r)
			emit(c, in, it, r);
	}
	/* outputs and locals: evaluate so unresolved ones are logged */
	for (size_t i = 0; i < in->mod->locals.cap; i++) {
		struct mmr_map_slot *s = &in->mod->locals.slots[i];
		if (s->key && s->val) {
			json_t *v = get_local(&ev, in, s->key, NULL);
			json_decref(v);
		}
	}
	for (size_t i = 0; i < in->mod->call_order.n; i++) {
		struct tf_item *call = in->mod->call_order.v[i];
		ev.file = call->file;
		struct tf_calls *cl = get_calls(&ev, in, call->name);
		if (!cl)
			continue;
		for (size_t j = 0; j < cl->insts.n; j++)
			walk_inst(c, cl->insts.v[j]);
	}
	return 0;
}

/* ---- root variables ----------------------------------------------------- */

static void set_root_var(struct tf_ctx *c, const char *name, json_t *v)
{
	if (!c->root_vars)
		c->root_vars = json_object();
	json_object_set_new(c->root_vars, name, v);
}

static void load_tfvars(struct tf_ctx *c, const char *path, const char *disp)
{
	char *data;
	size_t len;
	struct mmr_error e = { 0 };
	struct mmr_hcl_file *f = NULL;
	int r = read_file(c, path, &data, &len, &e);
	if (r == 0)
		r = mmr_cstr_ends(path, ".json")
			    ? mmr_hcl_json_parse(c->a, data, len, disp, &c->hlim, &f, &e)
			    : mmr_hcl_parse(c->a, data, len, disp, &c->hlim, &f, &e);
	if (r < 0) {
		char msg[1200];
		if (!e.file[0])
			snprintf(e.file, sizeof(e.file), "%s", disp);
		diag(c, &c->set->errors, disp, "%s", mmr_error_format(&e, msg, sizeof(msg)));
		return;
	}
	struct tf_file tf = { .rel = disp, .disp = disp, .hcl = f, .src = data, .len = len };
	struct tf_ev ev = { .ctx = c, .file = &tf };
	for (size_t i = 0; i < f->body->attrs.n; i++) {
		struct mmr_hcl_attr *at = f->body->attrs.v[i];
		json_t *v = eval(&ev, at->expr);
		if (!v) {
			diag(c, &c->set->unresolved, disp, "%s: %s", at->name, c->msg);
			v = unknown();
		}
		set_root_var(c, at->name, v);
	}
}

static bool file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void root_vars(struct tf_ctx *c, struct tf_module *m)
{
	json_decref(c->root_vars);
	c->root_vars = NULL;
	/* TF_VAR_name from the environment (strings; complex types as HCL) */
	if (!c->o || !c->o->no_env) {
		extern char **environ;
		for (char **e = environ; e && *e; e++) {
			if (strncmp(*e, "TF_VAR_", 7))
				continue;
			const char *eq = strchr(*e, '=');
			if (!eq || eq == *e + 7)
				continue;
			char *name = mmr_arena_strndup(c->a, *e + 7, (size_t)(eq - *e - 7));
			struct tf_item *it = name ? mmr_map_get(&m->vars, name) : NULL;
			if (!it)
				continue;
			struct mmr_hcl_attr *type = body_attr(it->block->body, "type");
			json_t *v = NULL;
			bool complex = type && type->expr->kind == MMR_HCL_CALL;
			if (complex) {
				struct mmr_hcl_expr *x;
				struct mmr_error err = { 0 };
				if (mmr_hcl_parse_expr(c->a, eq + 1, strlen(eq + 1), "TF_VAR", &c->hlim,
						       &x, &err) == 0) {
					struct tf_ev ev = { .ctx = c };
					v = eval(&ev, x);
				}
			}
			if (!v)
				v = str_new(eq + 1);
			set_root_var(c, name, v);
		}
	}
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/terraform.tfvars", m->abs);
	if (file_exists(p))
		load_tfvars(c, p, join_path(c, c->root_disp, join_path(c, m->rel, "terraform.tfvars")));
	snprintf(p, sizeof(p), "%s/terraform.tfvars.json", m->abs);
	if (file_exists(p))
		load_tfvars(c, p,
			    join_path(c, c->root_disp, join_path(c, m->rel, "terraform.tfvars.json")));
	DIR *d = opendir(m->abs);
	if (d) {
		struct mmr_vec names = { 0 };
		struct dirent *de;
		while ((de = readdir(d)))
			if (mmr_cstr_ends(de->d_name, ".auto.tfvars") ||
			    mmr_cstr_ends(de->d_name, ".auto.tfvars.json"))
				mmr_vec_push(c->a, &names, mmr_arena_strdup(c->a, de->d_name));
		closedir(d);
		if (names.n)
			qsort(names.v, names.n, sizeof(void *), cmpstr);
		for (size_t i = 0; i < names.n; i++) {
			snprintf(p, sizeof(p), "%s/%s", m->abs, (const char *)names.v[i]);
			load_tfvars(c, p,
				    join_path(c, c->root_disp, join_path(c, m->rel, names.v[i])));
		}
	}
	for (size_t i = 0; c->o && i < c->o->n_var_files; i++)
		load_tfvars(c, c->o->var_files[i], c->o->var_files[i]);
	for (size_t i = 0; c->o && i < c->o->n_vars; i++) {
		const char *a = c->o->vars[i], *eq = strchr(a, '=');
		if (!eq)
			continue;
		char *name = mmr_arena_strndup(c->a, a, (size_t)(eq - a));
		struct mmr_hcl_expr *x;
		struct mmr_error err = { 0 };
		json_t *v = NULL;
		if (mmr_hcl_parse_expr(c->a, eq + 1, strlen(eq + 1), "-var", &c->hlim, &x, &err) == 0) {
			struct tf_ev ev = { .ctx = c };
			v = eval(&ev, x);
		}
		set_root_var(c, name, v ? v : str_new(eq + 1));
	}
}

/* ---- the scan ----------------------------------------------------------- */

static void find_dirs(struct tf_ctx *c, const char *abs, const char *rel, size_t depth)
{
	if (depth > c->lim.max_walk_depth)
		return;
	DIR *d = opendir(abs);
	if (!d)
		return;
	struct mmr_vec subs = { 0 };
	bool has_tf = false;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (is_tf_name(de->d_name)) {
			has_tf = true;
			continue;
		}
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			const char *sub = join_path(c, abs, de->d_name);
			struct stat st;
			if (sub && lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				mmr_vec_push(c->a, &subs, mmr_arena_strdup(c->a, de->d_name));
		}
	}
	closedir(d);
	if (has_tf)
		load_module(c, abs, rel);
	if (subs.n)
		qsort(subs.v, subs.n, sizeof(void *), cmpstr);
	for (size_t i = 0; i < subs.n; i++)
		find_dirs(c, join_path(c, abs, subs.v[i]), join_path(c, rel, subs.v[i]), depth + 1);
}

static void mark_called(struct tf_ctx *c, struct tf_module *m)
{
	for (size_t i = 0; i < m->call_order.n; i++) {
		struct tf_item *call = m->call_order.v[i];
		struct mmr_hcl_attr *src = body_attr(call->block->body, "source");
		if (!src || src->expr->kind != MMR_HCL_STRING)
			continue;
		const char *s = src->expr->str;
		if (strncmp(s, "./", 2) && strncmp(s, "../", 3))
			continue;
		char rel[PATH_MAX];
		snprintf(rel, sizeof(rel), "%s/%s", m->rel, s);
		if (!norm_rel(rel))
			continue;
		char abs[PATH_MAX * 2], real[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s%s%s", c->root_abs, *rel ? "/" : "", rel);
		if (!realpath(abs, real))
			continue;
		struct tf_module *t = mmr_map_get(&c->modules, real);
		if (t && t != m)
			t->called = true;
	}
}

static void scan_root(struct tf_ctx *c, struct tf_module *m)
{
	json_decref(c->modules_json);
	c->modules_json = NULL;
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/.terraform/modules/modules.json", m->abs);
	if (file_exists(p)) {
		char *data;
		size_t len;
		struct mmr_error e = { 0 };
		if (read_file(c, p, &data, &len, &e) == 0)
			mmr_json_parse(data, len, p, &c->modules_json, &e);
	}
	c->cur_root_abs = m->abs;
	c->cur_root_rel = m->rel;
	root_vars(c, m);
	struct tf_inst *root = new_inst(c, m, NULL, NULL, "", "");
	if (root)
		walk_inst(c, root);
}

static void release_insts(struct tf_ctx *c);

/* Evaluate one root module in a scratch arena of its own; once its
 * resources are emitted (copied into set->arena), the scratch goes, and so
 * do the root's syntax trees when no other module calls it. */
static void scan_root_freeing(struct tf_ctx *c, struct tf_module *m)
{
	struct mmr_arena *ra = mmr_arena_new(0);
	c->a = ra ? ra : c->la;
	scan_root(c, m);
	/* json values of the memo tables; the values reference nothing in ra */
	json_decref(c->root_vars);
	c->root_vars = NULL;
	json_decref(c->modules_json);
	c->modules_json = NULL;
	release_insts(c);
	c->insts = (struct mmr_vec){ 0 };
	c->a = c->la;
	mmr_arena_free(ra);
	if (!m->called && m->arena)
		release_module(m);
}

/* Memoised values: the emitted resources hold their own references. */
static void release_insts(struct tf_ctx *c)
{
	for (size_t i = 0; i < c->insts.n; i++) {
		struct tf_inst *in = c->insts.v[i];
		for (size_t k = 0; k < in->memo.cap; k++) {
			struct tf_memo *m = in->memo.slots[k].key ? in->memo.slots[k].val : NULL;
			if (m) {
				json_decref(m->v);
				m->v = NULL;
			}
		}
		for (size_t k = 0; k < in->resm.cap; k++) {
			struct tf_res *r = in->resm.slots[k].key ? in->resm.slots[k].val : NULL;
			if (!r)
				continue;
			json_decref(r->value);
			r->value = NULL;
			for (size_t j = 0; j < r->insts.n; j++) {
				struct tf_res_inst *ri = r->insts.v[j];
				json_decref(ri->doc);
				json_decref(ri->pos);
				ri->doc = ri->pos = NULL;
			}
		}
		for (size_t k = 0; k < in->calls.cap; k++) {
			struct tf_calls *cl = in->calls.slots[k].key ? in->calls.slots[k].val : NULL;
			if (cl) {
				json_decref(cl->keys);
				cl->keys = NULL;
			}
		}
		json_decref(in->each_key);
		json_decref(in->each_value);
		json_decref(in->count_index);
	}
	c->insts.n = 0;
}

static int tf_scan(struct tf_ctx *cp, const char *path, struct mmr_error *reterr);

int mmr_tf_scan(struct mmr_iac_set *set, const char *path, const struct mmr_tf_options *o,
		struct mmr_error *reterr)
{
	struct tf_ctx c = { .set = set, .o = o };
	c.la = mmr_arena_new(0);
	if (!c.la)
		return -ENOMEM;
	c.a = c.la;
	mmr_map_init(&c.interned, c.la);
	int rc = tf_scan(&c, path, reterr);
	json_decref(c.modules_json);
	json_decref(c.root_vars);
	release_insts(&c);
	for (size_t i = 0; i < c.module_order.n; i++) {
		struct tf_module *m = c.module_order.v[i];
		mmr_arena_free(m->arena);
		m->arena = NULL;
	}
	mmr_arena_free(c.la);
	return rc;
}

static int tf_scan(struct tf_ctx *cp, const char *path, struct mmr_error *reterr)
{
	struct tf_ctx *c = cp;
	struct mmr_iac_set *set = c->set;
	const struct mmr_tf_options *o = c->o;
	if (o && o->limits)
		c->lim = *o->limits;
	else
		mmr_limits_default(&c->lim);
	c->hlim.max_depth = (size_t)c->lim.max_json_depth;
	c->hlim.max_size = (size_t)c->lim.max_file_size;
	mmr_map_init(&c->modules, c->a);
	mmr_map_init(&c->reported, c->a);
	struct stat st;
	if (stat(path, &st) < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot scan: %s", strerror(errno));
	char real[PATH_MAX];
	if (!realpath(path, real))
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot resolve: %s", strerror(errno));
	if (S_ISREG(st.st_mode)) {
		/* one file: plan JSON, or a module of that one file */
		char *data;
		size_t len;
		int r = read_file(c, real, &data, &len, reterr);
		if (r < 0)
			return r;
		if (mmr_cstr_ends(path, ".json") && mmr_tf_is_plan(data, len))
			return mmr_tf_plan_parse(set, data, len, path, &c->lim, reterr);
		char *slash = strrchr(real, '/');
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - real) : 1, slash ? real : "/");
		if (!*dir)
			snprintf(dir, sizeof(dir), "/");
		c->root_abs = mmr_arena_strdup(c->a, dir);
		const char *pslash = strrchr(path, '/');
		c->root_disp = pslash ? mmr_arena_strndup(c->a, path, (size_t)(pslash - path)) : "";
		struct tf_module *m = mmr_arena_alloc(c->a, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->abs = c->root_abs;
		m->rel = "";
		mmr_map_init(&m->vars, c->a);
		mmr_map_init(&m->locals, c->a);
		mmr_map_init(&m->outputs, c->a);
		mmr_map_init(&m->res, c->a);
		mmr_map_init(&m->data, c->a);
		mmr_map_init(&m->calls, c->a);
		mmr_map_put(&c->modules, m->abs, m);
		struct tf_file *f = mmr_arena_alloc(c->a, sizeof(*f));
		if (!f)
			return -ENOMEM;
		f->rel = mmr_path_base(path);
		f->disp = path;
		struct mmr_error e = { 0 };
		r = mmr_cstr_ends(path, ".json")
			    ? mmr_hcl_json_parse(c->a, data, len, path, &c->hlim, &f->hcl, &e)
			    : mmr_hcl_parse(c->a, data, len, path, &c->hlim, &f->hcl, &e);
		if (r < 0) {
			char msg[1200];
			diag(c, &set->errors, path, "%s", mmr_error_format(&e, msg, sizeof(msg)));
			return 0;
		}
		f->src = data;
		f->len = len;
		mmr_vec_push(c->a, &m->files, f);
		for (size_t b = 0; b < f->hcl->body->blocks.n; b++)
			index_block(c, m, f, f->hcl->body->blocks.v[b]);
		scan_root(c, m);
	} else {
		c->root_abs = mmr_arena_strdup(c->a, real);
		size_t pl = strlen(path);
		while (pl > 1 && path[pl - 1] == '/')
			pl--;
		c->root_disp = mmr_arena_strndup(c->a, path, pl);
		if (!strcmp(c->root_disp, "."))
			c->root_disp = "";
		find_dirs(c, c->root_abs, "", 0);
		size_t nmods = c->module_order.n;
		for (size_t i = 0; i < nmods; i++)
			mark_called(c, c->module_order.v[i]);
		for (size_t i = 0; i < nmods; i++) {
			struct tf_module *m = c->module_order.v[i];
			if (!m->called)
				scan_root_freeing(c, m);
		}
	}
	return 0;
}
