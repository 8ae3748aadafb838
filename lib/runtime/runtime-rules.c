/* runtime-rules.c - Falco rule files: loading, merging, compiling, evaluation.
 *
 * YAML is read with libyaml's document API so every item keeps its line
 * (the shared mmr_yaml_parse has no positions). Items are merged in order
 * (append: true and override: {key: append|replace}); compilation happens
 * once, after all files are loaded, so macros and lists may be defined in
 * any file. Each rule is indexed by the event types its condition admits. */
#include "runtime/runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-error.h"

/* The Falco engine version whose rule syntax we implement. */
#define ENGINE_MAJOR 0
#define ENGINE_MINOR 57
#define ENGINE_PATCH 0

static const char *const prio_names[] = { "Emergency", "Alert", "Critical", "Error",
					  "Warning", "Notice", "Informational", "Debug" };

const char *mmr_rt_priority_name(enum mmr_rt_priority p)
{
	return (unsigned)p < 8 ? prio_names[p] : "Unknown";
}

int mmr_rt_priority_parse(const char *s, enum mmr_rt_priority *ret)
{
	for (unsigned i = 0; i < 8; i++)
		if (strcasecmp(s, prio_names[i]) == 0) {
			*ret = (enum mmr_rt_priority)i;
			return 0;
		}
	if (strcasecmp(s, "info") == 0) {
		*ret = MMR_RT_PRIO_INFORMATIONAL;
		return 0;
	}
	return -EINVAL;
}

struct strs {
	const char **v;
	size_t n, cap;
};

struct r_list {
	const char *name, *file;
	unsigned long line;
	struct strs items;
};

struct r_macro {
	const char *name, *file;
	unsigned long line;
	struct mmr_buf cond;
};

struct r_exception {
	const char *name;
	struct strs fields, comps;
	bool single;        /* fields: scalar */
	struct mmr_vec values; /* of struct strs * (one tuple each) */
};

struct r_rule {
	struct mmr_rt_rule pub;
	struct mmr_buf cond;
	bool has_cond;
	struct strs tags;
	struct mmr_vec exceptions; /* struct r_exception * */
	struct mmr_rt_node *tree;
	/* output fields, parsed at compile */
	struct mmr_rt_ofield *ofields;
	size_t nofields;
};

struct mmr_rt_rules {
	struct mmr_arena *arena;
	struct mmr_rt_rules_limits lim;
	struct mmr_map lists, macros, rules_by_name;
	struct mmr_vec rules; /* struct r_rule *, file order */
	struct mmr_vec skipped_v;
	struct mmr_rt_skipped *skipped;
	size_t nskipped, nactive;
	struct mmr_rt_cond_env env;
	bool compiled;
	/* per event type: indexes of rules to run, in file order, and each
	 * rule's condition specialised for that type (mmr_rt_cond_optimize) */
	uint32_t *by_type[MMR_RT_EVT__COUNT];
	const struct mmr_rt_node **tree_by_type[MMR_RT_EVT__COUNT];
	uint32_t n_by_type[MMR_RT_EVT__COUNT];
};

struct mmr_rt_rules *mmr_rt_rules_new(const struct mmr_rt_rules_limits *limits)
{
	struct mmr_rt_rules *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->arena = mmr_arena_new(MMR_ARENA_DEFAULT_CAP);
	if (!r->arena) {
		free(r);
		return NULL;
	}
	if (limits)
		r->lim = *limits;
	if (!r->lim.max_file_size)
		r->lim.max_file_size = 16u << 20;
	if (!r->lim.max_items)
		r->lim.max_items = 100000;
	if (!r->lim.max_list_items)
		r->lim.max_list_items = 65536;
	if (!r->lim.max_depth)
		r->lim.max_depth = 64;
	if (!r->lim.max_cond_len)
		r->lim.max_cond_len = 1u << 20;
	mmr_map_init(&r->lists, r->arena);
	mmr_map_init(&r->macros, r->arena);
	mmr_map_init(&r->rules_by_name, r->arena);
	mmr_rt_cond_env_init(&r->env, r->arena);
	return r;
}

void mmr_rt_rules_free(struct mmr_rt_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->rules.n; i++) {
		struct r_rule *rr = r->rules.v[i];
		mmr_buf_release(&rr->cond);
	}
	/* macros: iterate the map slots */
	for (size_t i = 0; i < r->macros.cap; i++)
		if (r->macros.slots && r->macros.slots[i].key && r->macros.slots[i].val)
			mmr_buf_release(&((struct r_macro *)r->macros.slots[i].val)->cond);
	mmr_rt_cond_env_release(&r->env);
	for (unsigned t = 0; t < MMR_RT_EVT__COUNT; t++) {
		free(r->by_type[t]);
		free(r->tree_by_type[t]);
	}
	mmr_arena_free(r->arena);
	free(r);
}

/* ---- YAML helpers ---- */

struct ld {
	struct mmr_rt_rules *r;
	yaml_document_t *doc;
	const char *file;
	struct mmr_error *reterr;
};

static unsigned long node_line(yaml_node_t *n)
{
	return n ? (unsigned long)n->start_mark.line + 1 : 0;
}

static int lerr(struct ld *ld, yaml_node_t *n, int err, const char *fmt, const char *a,
		const char *b)
{
	return mmr_error_set(ld->reterr, err, ld->file, node_line(n), n ? n->start_mark.column + 1 : 0,
			     fmt, a ? a : "", b ? b : "");
}

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
		    memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *scalar(struct ld *ld, yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return mmr_arena_strndup(ld->r->arena, (const char *)n->data.scalar.value,
				 n->data.scalar.length);
}

/* a string-valued key: missing -> NULL, wrong type -> error */
static int get_str(struct ld *ld, yaml_node_t *map, const char *key, const char **ret)
{
	yaml_node_t *n = map_get(ld->doc, map, key);
	*ret = NULL;
	if (!n)
		return 0;
	if (n->type != YAML_SCALAR_NODE)
		return lerr(ld, n, EBADMSG, "'%s' must be a string%s", key, NULL);
	*ret = scalar(ld, n);
	return *ret ? 0 : -ENOMEM;
}

static int get_bool(struct ld *ld, yaml_node_t *map, const char *key, int *ret)
{
	const char *s;
	int r = get_str(ld, map, key, &s);
	*ret = -1;
	if (r < 0 || !s)
		return r;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "yes"))
		*ret = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "no"))
		*ret = 0;
	else
		return lerr(ld, map_get(ld->doc, map, key), EBADMSG, "'%s' must be true or false%s", key, NULL);
	return 0;
}

static int strs_push(struct mmr_arena *a, struct strs *s, const char *v, size_t max)
{
	if (s->n >= max)
		return -E2BIG;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		const char **nv = mmr_arena_realloc(a, s->v, s->cap * sizeof(*nv), nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = v;
	return 0;
}

/* sequence of scalars (or a single scalar if allow_scalar) appended to out */
static int get_strs(struct ld *ld, yaml_node_t *n, const char *what, struct strs *out,
		    bool allow_scalar)
{
	if (!n)
		return 0;
	if (n->type == YAML_SCALAR_NODE && allow_scalar) {
		const char *s = scalar(ld, n);
		return s ? strs_push(ld->r->arena, out, s, ld->r->lim.max_list_items) : -ENOMEM;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return lerr(ld, n, EBADMSG, "'%s' must be a list%s", what, NULL);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
		if (!e || e->type != YAML_SCALAR_NODE)
			return lerr(ld, e ? e : n, EBADMSG, "items of '%s' must be strings%s", what, NULL);
		const char *s = scalar(ld, e);
		if (!s)
			return -ENOMEM;
		int r = strs_push(ld->r->arena, out, s, ld->r->lim.max_list_items);
		if (r == -E2BIG)
			return lerr(ld, e, E2BIG, "'%s' has too many items (limit %s)", what, "max_list_items");
		if (r < 0)
			return r;
	}
	return 0;
}

/* override: {key: append|replace}; returns 'a', 'r' or 0 for key */
static int override_mode(struct ld *ld, yaml_node_t *item, const char *key, char *ret)
{
	*ret = 0;
	yaml_node_t *ov = map_get(ld->doc, item, "override");
	if (!ov)
		return 0;
	if (ov->type != YAML_MAPPING_NODE)
		return lerr(ld, ov, EBADMSG, "'override' must be a mapping%s%s", NULL, NULL);
	const char *m;
	int r = get_str(ld, ov, key, &m);
	if (r < 0 || !m)
		return r;
	if (!strcmp(m, "append"))
		*ret = 'a';
	else if (!strcmp(m, "replace"))
		*ret = 'r';
	else
		return lerr(ld, map_get(ld->doc, ov, key), EBADMSG,
			    "override of '%s' must be append or replace, not '%s'", key, m);
	return 0;
}

static int cond_append(struct ld *ld, struct mmr_buf *b, const char *text, yaml_node_t *at)
{
	int r = 0;
	if (b->len)
		r = mmr_buf_addc(b, ' ');
	if (r >= 0)
		r = mmr_buf_adds(b, text);
	if (r == -E2BIG)
		return lerr(ld, at, E2BIG, "condition too long (limit %s)%s", "max_cond_len", NULL);
	return r;
}

static int load_list(struct ld *ld, yaml_node_t *item, const char *name)
{
	struct mmr_rt_rules *r = ld->r;
	int app = 0, rc;
	char mode;
	if ((rc = get_bool(ld, item, "append", &app)) < 0 ||
	    (rc = override_mode(ld, item, "items", &mode)) < 0)
		return rc;
	yaml_node_t *items = map_get(ld->doc, item, "items");
	struct r_list *l = mmr_map_get(&r->lists, name);
	if (app == 1 || mode == 'a') {
		if (!l)
			return lerr(ld, item, EBADMSG, "list '%s' is appended to but not defined%s", name, NULL);
		return get_strs(ld, items, "items", &l->items, false);
	}
	if (!items)
		return lerr(ld, item, EBADMSG, "list '%s' has no 'items'%s", name, NULL);
	l = mmr_arena_alloc(r->arena, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->name = name;
	l->file = ld->file;
	l->line = node_line(item);
	if ((rc = get_strs(ld, items, "items", &l->items, false)) < 0)
		return rc;
	return mmr_map_put(&r->lists, name, l);
}

static int load_macro(struct ld *ld, yaml_node_t *item, const char *name)
{
	struct mmr_rt_rules *r = ld->r;
	int app = 0, rc;
	char mode;
	const char *cond;
	if ((rc = get_bool(ld, item, "append", &app)) < 0 ||
	    (rc = override_mode(ld, item, "condition", &mode)) < 0 ||
	    (rc = get_str(ld, item, "condition", &cond)) < 0)
		return rc;
	if (!cond)
		return lerr(ld, item, EBADMSG, "macro '%s' has no 'condition'%s", name, NULL);
	struct r_macro *m = mmr_map_get(&r->macros, name);
	yaml_node_t *cn = map_get(ld->doc, item, "condition");
	if (app == 1 || mode == 'a') {
		if (!m)
			return lerr(ld, item, EBADMSG, "macro '%s' is appended to but not defined%s", name, NULL);
		return cond_append(ld, &m->cond, cond, cn);
	}
	if (!m) {
		m = mmr_arena_alloc(r->arena, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->name = name;
		mmr_buf_init(&m->cond, r->lim.max_cond_len);
		if ((rc = mmr_map_put(&r->macros, name, m)) < 0) {
			mmr_buf_release(&m->cond);
			return rc;
		}
	}
	m->file = ld->file;
	m->line = node_line(cn);
	mmr_buf_reset(&m->cond);
	return cond_append(ld, &m->cond, cond, cn);
}

static int load_exceptions(struct ld *ld, yaml_node_t *n, struct mmr_vec *out)
{
	struct mmr_arena *a = ld->r->arena;
	if (!n)
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return lerr(ld, n, EBADMSG, "'exceptions' must be a list%s%s", NULL, NULL);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
		if (!e || e->type != YAML_MAPPING_NODE)
			return lerr(ld, e ? e : n, EBADMSG, "an exception must be a mapping%s%s", NULL, NULL);
		struct r_exception *x = mmr_arena_alloc(a, sizeof(*x));
		int rc;
		if (!x)
			return -ENOMEM;
		if ((rc = get_str(ld, e, "name", &x->name)) < 0)
			return rc;
		if (!x->name)
			return lerr(ld, e, EBADMSG, "exception without a name%s%s", NULL, NULL);
		/* merge with an existing exception of the same name (append) */
		for (size_t i = 0; i < out->n; i++) {
			struct r_exception *o = out->v[i];
			if (strcmp(o->name, x->name) == 0) {
				x = o;
				break;
			}
		}
		yaml_node_t *f = map_get(ld->doc, e, "fields");
		if (f) {
			x->fields.n = 0;
			x->single = f->type == YAML_SCALAR_NODE;
			if ((rc = get_strs(ld, f, "fields", &x->fields, true)) < 0)
				return rc;
		}
		yaml_node_t *c = map_get(ld->doc, e, "comps");
		if (c) {
			x->comps.n = 0;
			if ((rc = get_strs(ld, c, "comps", &x->comps, true)) < 0)
				return rc;
		}
		if (!x->fields.n)
			return lerr(ld, e, EBADMSG, "exception '%s' has no fields%s", x->name, NULL);
		if (x->comps.n && x->comps.n != x->fields.n)
			return lerr(ld, c, EBADMSG, "exception '%s': comps and fields differ in length%s", x->name, NULL);
		yaml_node_t *v = map_get(ld->doc, e, "values");
		if (v && v->type != YAML_SEQUENCE_NODE)
			return lerr(ld, v, EBADMSG, "exception '%s': values must be a list%s", x->name, NULL);
		for (yaml_node_item_t *vi = v ? v->data.sequence.items.start : NULL; v && vi < v->data.sequence.items.top; vi++) {
			yaml_node_t *tv = yaml_document_get_node(ld->doc, *vi);
			struct strs *tuple = mmr_arena_alloc(a, sizeof(*tuple));
			if (!tuple || !tv)
				return -ENOMEM;
			if (x->single) {
				/* one field: each value is a value (or a list of values) */
				if ((rc = get_strs(ld, tv, "values", tuple, true)) < 0)
					return rc;
			} else {
				if (tv->type != YAML_SEQUENCE_NODE)
					return lerr(ld, tv, EBADMSG, "exception '%s': each value must be a list%s", x->name, NULL);
				for (yaml_node_item_t *ti = tv->data.sequence.items.start; ti < tv->data.sequence.items.top; ti++) {
					yaml_node_t *te = yaml_document_get_node(ld->doc, *ti);
					const char *s = NULL;
					if (te && te->type == YAML_SCALAR_NODE)
						s = scalar(ld, te);
					else if (te && te->type == YAML_SEQUENCE_NODE) {
						/* a list value: "(a, b)" kept as items joined by \x1f */
						struct strs sub = { 0 };
						if ((rc = get_strs(ld, te, "values", &sub, false)) < 0)
							return rc;
						struct mmr_buf b;
						mmr_buf_init(&b, 1u << 20);
						mmr_buf_addc(&b, '\x1f');
						for (size_t k = 0; k < sub.n; k++) {
							if (k)
								mmr_buf_addc(&b, '\x1f');
							mmr_buf_adds(&b, sub.v[k]);
						}
						s = mmr_arena_strdup(a, b.p);
						mmr_buf_release(&b);
					}
					if (!s)
						return lerr(ld, te ? te : tv, EBADMSG, "exception '%s': bad value%s", x->name, NULL);
					if ((rc = strs_push(a, tuple, s, ld->r->lim.max_list_items)) < 0)
						return rc;
				}
				if (tuple->n != x->fields.n)
					return lerr(ld, tv, EBADMSG, "exception '%s': value has the wrong number of items%s", x->name, NULL);
			}
			if ((rc = mmr_vec_push(a, &x->values, tuple)) < 0)
				return rc;
		}
		bool found = false;
		for (size_t i = 0; i < out->n; i++)
			found |= out->v[i] == x;
		if (!found && (rc = mmr_vec_push(a, out, x)) < 0)
			return rc;
	}
	return 0;
}

static int load_rule(struct ld *ld, yaml_node_t *item, const char *name)
{
	struct mmr_rt_rules *r = ld->r;
	struct mmr_arena *a = r->arena;
	int app = 0, en = -1, rc;
	const char *cond, *desc, *output, *prio, *source;
	char m_cond, m_exc, m_out, m_prio, m_tags, m_en, m_desc;
	if ((rc = get_bool(ld, item, "append", &app)) < 0 ||
	    (rc = get_bool(ld, item, "enabled", &en)) < 0 ||
	    (rc = get_str(ld, item, "condition", &cond)) < 0 ||
	    (rc = get_str(ld, item, "desc", &desc)) < 0 ||
	    (rc = get_str(ld, item, "output", &output)) < 0 ||
	    (rc = get_str(ld, item, "priority", &prio)) < 0 ||
	    (rc = get_str(ld, item, "source", &source)) < 0 ||
	    (rc = override_mode(ld, item, "condition", &m_cond)) < 0 ||
	    (rc = override_mode(ld, item, "exceptions", &m_exc)) < 0 ||
	    (rc = override_mode(ld, item, "output", &m_out)) < 0 ||
	    (rc = override_mode(ld, item, "priority", &m_prio)) < 0 ||
	    (rc = override_mode(ld, item, "tags", &m_tags)) < 0 ||
	    (rc = override_mode(ld, item, "enabled", &m_en)) < 0 ||
	    (rc = override_mode(ld, item, "desc", &m_desc)) < 0)
		return rc;
	enum mmr_rt_priority pr = MMR_RT_PRIO_WARNING;
	if (prio && mmr_rt_priority_parse(prio, &pr) < 0)
		return lerr(ld, map_get(ld->doc, item, "priority"), EBADMSG,
			    "rule '%s': unknown priority '%s'", name, prio);
	yaml_node_t *cn = map_get(ld->doc, item, "condition");
	yaml_node_t *tags = map_get(ld->doc, item, "tags");
	yaml_node_t *exc = map_get(ld->doc, item, "exceptions");
	struct r_rule *rr = mmr_map_get(&r->rules_by_name, name);
	bool has_override = map_get(ld->doc, item, "override") != NULL;
	if (app == 1 || has_override) {
		if (!rr)
			return lerr(ld, item, EBADMSG, "rule '%s' is appended to or overridden but not defined%s", name, NULL);
		if (cond) {
			if (app == 1 || m_cond == 'a') {
				if ((rc = cond_append(ld, &rr->cond, cond, cn)) < 0)
					return rc;
			} else if (m_cond == 'r') {
				mmr_buf_reset(&rr->cond);
				if ((rc = cond_append(ld, &rr->cond, cond, cn)) < 0)
					return rc;
			} else {
				return lerr(ld, cn, EBADMSG, "rule '%s': condition given without override mode%s", name, NULL);
			}
		}
		if (exc) {
			if (m_exc == 'r')
				rr->exceptions.n = 0;
			if ((rc = load_exceptions(ld, exc, &rr->exceptions)) < 0)
				return rc;
		}
		if (output && (m_out == 'r' || app == 1))
			rr->pub.output = output;
		if (desc && m_desc == 'r')
			rr->pub.desc = desc;
		if (prio && (m_prio == 'r' || app == 1))
			rr->pub.priority = pr;
		if (tags) {
			if (m_tags == 'r')
				rr->tags.n = 0;
			if ((rc = get_strs(ld, tags, "tags", &rr->tags, false)) < 0)
				return rc;
		}
		if (en >= 0)
			rr->pub.enabled = en == 1;
		return 0;
	}
	if (!cond && !output && !desc && en >= 0) {
		/* "- rule: X / enabled: false" toggles an existing rule */
		if (!rr)
			return lerr(ld, item, EBADMSG, "rule '%s' is enabled/disabled but not defined%s", name, NULL);
		rr->pub.enabled = en == 1;
		return 0;
	}
	if (!cond)
		return lerr(ld, item, EBADMSG, "rule '%s' has no 'condition'%s", name, NULL);
	if (!output)
		return lerr(ld, item, EBADMSG, "rule '%s' has no 'output'%s", name, NULL);
	if (!prio)
		return lerr(ld, item, EBADMSG, "rule '%s' has no 'priority'%s", name, NULL);
	bool fresh = !rr;
	if (fresh) {
		rr = mmr_arena_alloc(a, sizeof(*rr));
		if (!rr)
			return -ENOMEM;
		mmr_buf_init(&rr->cond, r->lim.max_cond_len);
		if ((rc = mmr_vec_push(a, &r->rules, rr)) < 0) {
			mmr_buf_release(&rr->cond);
			return rc;
		}
		if ((rc = mmr_map_put(&r->rules_by_name, name, rr)) < 0)
			return rc;
		rr->pub.index = (unsigned)(r->rules.n - 1);
	}
	rr->pub.name = name;
	rr->pub.desc = desc ? desc : "";
	rr->pub.output = output;
	rr->pub.priority = pr;
	rr->pub.source = source ? source : "syscall";
	rr->pub.file = ld->file;
	rr->pub.line = node_line(item);
	rr->pub.enabled = en != 0;
	rr->tags.n = 0;
	rr->exceptions.n = 0;
	mmr_buf_reset(&rr->cond);
	if ((rc = cond_append(ld, &rr->cond, cond, cn)) < 0)
		return rc;
	if ((rc = get_strs(ld, tags, "tags", &rr->tags, false)) < 0)
		return rc;
	return load_exceptions(ld, exc, &rr->exceptions);
}

static int check_engine_version(struct ld *ld, yaml_node_t *n)
{
	const char *v = scalar(ld, n);
	if (!v)
		return lerr(ld, n, EBADMSG, "required_engine_version must be a string%s%s", NULL, NULL);
	unsigned long part[3] = { 0, 0, 0 };
	const char *p = v;
	for (int i = 0; i < 3 && *p; i++) {
		char *end;
		errno = 0;
		part[i] = strtoul(p, &end, 10);
		if (end == p || errno)
			return lerr(ld, n, EBADMSG, "bad required_engine_version '%s'%s", v, NULL);
		p = *end == '.' ? end + 1 : end;
		if (*end && *end != '.')
			return lerr(ld, n, EBADMSG, "bad required_engine_version '%s'%s", v, NULL);
	}
	if (!strchr(v, '.'))
		return 0; /* old integer engine versions (<= 0.26) */
	unsigned long have = ENGINE_MAJOR * 1000000ul + ENGINE_MINOR * 1000ul + ENGINE_PATCH;
	unsigned long need = part[0] * 1000000ul + (part[1] % 1000) * 1000ul + part[2] % 1000;
	if (part[0] > 1000 || need > have)
		return lerr(ld, n, EPROTO, "rules require engine version %s, we implement 0.57.0%s", v, NULL);
	return 0;
}

int mmr_rt_rules_load_buf(struct mmr_rt_rules *r, const char *name, const void *data, size_t len,
			  struct mmr_error *reterr)
{
	if (!r || (!data && len))
		return -EINVAL;
	if (r->compiled)
		return mmr_error_set(reterr, EINVAL, name, 0, 0, "rules already compiled");
	if (len > r->lim.max_file_size)
		return mmr_error_set(reterr, E2BIG, name, 0, 0, "rules file larger than %zu bytes (limit max_file_size)", r->lim.max_file_size);
	struct ld ld = { .r = r, .file = mmr_arena_strdup(r->arena, name ? name : "<rules>"),
			 .reterr = reterr };
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, data, len);
	int rc = 0;
	for (;;) {
		if (!yaml_parser_load(&parser, &doc)) {
			rc = mmr_error_set(reterr, EBADMSG, ld.file, parser.problem_mark.line + 1,
					   parser.problem_mark.column + 1, "YAML: %s",
					   parser.problem ? parser.problem : "syntax error");
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break; /* end of stream */
		}
		ld.doc = &doc;
		if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0) {
			/* empty document */
		} else if (root->type != YAML_SEQUENCE_NODE) {
			rc = lerr(&ld, root, EBADMSG, "a rules file is a list of items%s%s", NULL, NULL);
		} else {
			size_t count = 0;
			for (yaml_node_item_t *it = root->data.sequence.items.start;
			     rc >= 0 && it < root->data.sequence.items.top; it++) {
				yaml_node_t *item = yaml_document_get_node(&doc, *it);
				if (++count > r->lim.max_items) {
					rc = lerr(&ld, item, E2BIG, "too many items (limit %s)%s", "max_items", NULL);
					break;
				}
				if (!item || item->type != YAML_MAPPING_NODE) {
					rc = lerr(&ld, item ? item : root, EBADMSG, "an item must be a mapping%s%s", NULL, NULL);
					break;
				}
				yaml_node_t *k;
				const char *nm;
				if ((k = map_get(&doc, item, "rule"))) {
					if (!(nm = scalar(&ld, k)))
						rc = lerr(&ld, k, EBADMSG, "rule name must be a string%s%s", NULL, NULL);
					else
						rc = load_rule(&ld, item, nm);
				} else if ((k = map_get(&doc, item, "macro"))) {
					if (!(nm = scalar(&ld, k)))
						rc = lerr(&ld, k, EBADMSG, "macro name must be a string%s%s", NULL, NULL);
					else
						rc = load_macro(&ld, item, nm);
				} else if ((k = map_get(&doc, item, "list"))) {
					if (!(nm = scalar(&ld, k)))
						rc = lerr(&ld, k, EBADMSG, "list name must be a string%s%s", NULL, NULL);
					else
						rc = load_list(&ld, item, nm);
				} else if ((k = map_get(&doc, item, "required_engine_version"))) {
					rc = check_engine_version(&ld, k);
				} else if (map_get(&doc, item, "required_plugin_versions")) {
					/* plugins (container metadata) are built in */
				} else {
					rc = lerr(&ld, item, EBADMSG, "unknown item (expected rule, macro or list)%s%s", NULL, NULL);
				}
			}
		}
		yaml_document_delete(&doc);
		if (rc < 0)
			break;
	}
	yaml_parser_delete(&parser);
	return rc < 0 ? rc : 0;
}

int mmr_rt_rules_load_file(struct mmr_rt_rules *r, const char *path, struct mmr_error *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > r->lim.max_file_size) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "larger than %zu bytes (limit max_file_size)", r->lim.max_file_size);
	}
	size_t len = (size_t)st.st_size;
	char *buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	int rc = mmr_rt_rules_load_buf(r, path, buf, got, reterr);
	free(buf);
	return rc;
}

/* ---- compile ---- */

static const char *env_macro(void *ud, const char *name, const char **ret_file, unsigned long *ret_line)
{
	struct mmr_rt_rules *r = ud;
	struct r_macro *m = mmr_map_get(&r->macros, name);
	if (!m)
		return NULL;
	*ret_file = m->file;
	*ret_line = m->line;
	return m->cond.p;
}

static const char *const *env_list(void *ud, const char *name, size_t *ret_n)
{
	struct mmr_rt_rules *r = ud;
	struct r_list *l = mmr_map_get(&r->lists, name);
	if (!l)
		return NULL;
	*ret_n = l->items.n;
	return l->items.v ? l->items.v : (const char *const *)"";
}

static int add_skipped(struct mmr_rt_rules *r, const char *rule, const char *field, const char *reason)
{
	struct mmr_rt_skipped *s = mmr_arena_alloc(r->arena, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rule = rule;
	s->field = field ? mmr_arena_strdup(r->arena, field) : NULL;
	s->reason = mmr_arena_strdup(r->arena, reason);
	return mmr_vec_push(r->arena, &r->skipped_v, s);
}

/* exceptions -> "and not (t1 or t2 ...)" */
static int build_exceptions(struct mmr_rt_rules *r, struct r_rule *rr, struct mmr_rt_node **tree,
			    struct mmr_error *reterr)
{
	struct mmr_rt_cond_env *env = &r->env;
	struct mmr_rt_node *any = NULL;
	for (size_t i = 0; i < rr->exceptions.n; i++) {
		struct r_exception *x = rr->exceptions.v[i];
		for (size_t v = 0; v < x->values.n; v++) {
			struct strs *tuple = x->values.v[v];
			struct mmr_rt_node *conj = NULL;
			for (size_t f = 0; f < x->fields.n; f++) {
				const char *comp = x->comps.n ? x->comps.v[f] : (x->single ? "in" : "=");
				const char *const *vals;
				size_t nv;
				const char *parts[256];
				if (x->single) {
					vals = tuple->v;
					nv = tuple->n;
				} else if (tuple->v[f][0] == '\x1f') {
					/* list value */
					nv = 0;
					char *s = mmr_arena_strdup(r->arena, tuple->v[f] + 1);
					if (!s)
						return -ENOMEM;
					for (char *p = s; p && nv < 256;) {
						parts[nv++] = p;
						p = strchr(p, '\x1f');
						if (p)
							*p++ = '\0';
					}
					vals = parts;
				} else {
					vals = &tuple->v[f];
					nv = 1;
				}
				struct mmr_rt_node *c = NULL;
				int rc = mmr_rt_cond_check(env, x->fields.v[f], comp, vals, nv, &c, reterr);
				if (rc < 0) {
					mmr_error_prefix(reterr, "%s:%lu: rule '%s' exception '%s'", rr->pub.file, rr->pub.line, rr->pub.name, x->name);
					return rc;
				}
				conj = conj ? mmr_rt_cond_and(env, conj, c) : c;
				if (!conj)
					return -ENOMEM;
			}
			if (!conj)
				continue;
			any = any ? mmr_rt_cond_or(env, any, conj) : conj;
			if (!any)
				return -ENOMEM;
		}
	}
	if (any) {
		struct mmr_rt_node *n = mmr_rt_cond_not(env, any);
		*tree = n ? mmr_rt_cond_and(env, *tree, n) : NULL;
		if (!*tree)
			return -ENOMEM;
	}
	return 0;
}

/* %field references in an output */
static int parse_output(struct mmr_rt_rules *r, struct r_rule *rr, char *bad, size_t badlen)
{
	const char *o = rr->pub.output;
	size_t cap = 0;
	rr->nofields = 0;
	for (const char *p = o; *p; p++) {
		if (*p != '%')
			continue;
		const char *s = p + 1;
		bool brace = *s == '(';
		if (brace)
			s++;
		size_t unk = 0;
		struct mmr_rt_fref ref;
		int n = mmr_rt_field_parse(r->arena, s, strlen(s), &ref, &unk);
		if (n <= 0) {
			if (unk == 0)
				continue; /* a lone '%' */
			/* "%fd.name." : retry without trailing dots */
			size_t l = unk;
			while (l > 0 && s[l - 1] == '.')
				l--;
			n = l ? mmr_rt_field_parse(r->arena, s, l, &ref, &unk) : 0;
			if (n <= 0) {
				snprintf(bad, badlen, "%.*s", (int)unk, s);
				return n < 0 && n != -EINVAL ? n : -ENOTSUP;
			}
		}
		if (rr->nofields == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct mmr_rt_ofield *nf = mmr_arena_realloc(r->arena, rr->ofields, cap * sizeof(*nf), nc * sizeof(*nf));
			if (!nf)
				return -ENOMEM;
			rr->ofields = nf;
			cap = nc;
		}
		struct mmr_rt_ofield *of = &rr->ofields[rr->nofields++];
		of->ref = ref;
		of->start = (size_t)(p - o);
		const char *e = s + n;
		if (brace && *e == ')')
			e++;
		of->len = (size_t)(e - p);
		p = e - 1;
	}
	return 0;
}

int mmr_rt_rules_compile(struct mmr_rt_rules *r, struct mmr_error *reterr)
{
	if (!r)
		return -EINVAL;
	if (r->compiled)
		return 0;
	struct mmr_rt_cond_env *env = &r->env;
	env->macro = env_macro;
	env->list = env_list;
	env->ud = r;
	env->max_depth = r->lim.max_depth;
	env->max_list_items = r->lim.max_list_items;
	uint64_t *types = calloc(r->rules.n + 1, sizeof(uint64_t) * MMR_RT_TYPE_WORDS);
	if (!types)
		return -ENOMEM;
	int rc = 0;
	r->nactive = 0;
	for (size_t i = 0; i < r->rules.n; i++) {
		struct r_rule *rr = r->rules.v[i];
		rr->pub.active = false;
		rr->pub.tags = rr->tags.v;
		rr->pub.ntags = rr->tags.n;
		if (!rr->pub.enabled)
			continue;
		if (strcmp(rr->pub.source, "syscall") != 0) {
			if ((rc = add_skipped(r, rr->pub.name, NULL, "source is not syscall")) < 0)
				break;
			continue;
		}
		struct mmr_rt_node *tree = NULL;
		struct mmr_error e = { 0 };
		rc = mmr_rt_cond_compile(env, rr->cond.p, rr->pub.file, rr->pub.line, &tree, &e);
		if (rc == 0)
			rc = build_exceptions(r, rr, &tree, &e);
		if (rc == -ENOTSUP) {
			char reason[700];
			snprintf(reason, sizeof(reason), "unsupported field %s", env->unsupported);
			if ((rc = add_skipped(r, rr->pub.name, env->unsupported, reason)) < 0)
				break;
			continue;
		}
		if (rc < 0) {
			if (reterr) {
				*reterr = e;
				mmr_error_prefix(reterr, "rule '%s'", rr->pub.name);
			}
			break;
		}
		char bad[128];
		rc = parse_output(r, rr, bad, sizeof(bad));
		if (rc == -ENOTSUP) {
			char reason[300];
			snprintf(reason, sizeof(reason), "unsupported output field %s", bad);
			if ((rc = add_skipped(r, rr->pub.name, bad, reason)) < 0)
				break;
			continue;
		}
		if (rc < 0)
			break;
		rr->tree = tree;
		rr->pub.active = true;
		r->nactive++;
		mmr_rt_cond_types(tree, types + i * MMR_RT_TYPE_WORDS);
	}
	if (rc >= 0) {
		for (unsigned t = 0; t < MMR_RT_EVT__COUNT && rc >= 0; t++) {
			size_t n = 0;
			for (size_t i = 0; i < r->rules.n; i++) {
				struct r_rule *rr = r->rules.v[i];
				if (rr->pub.active && (types[i * MMR_RT_TYPE_WORDS + t / 64] >> (t % 64) & 1))
					n++;
			}
			if (!n)
				continue;
			r->by_type[t] = malloc(n * sizeof(uint32_t));
			r->tree_by_type[t] = malloc(n * sizeof(*r->tree_by_type[t]));
			if (!r->by_type[t] || !r->tree_by_type[t]) {
				rc = -ENOMEM;
				break;
			}
			n = 0;
			for (size_t i = 0; i < r->rules.n; i++) {
				struct r_rule *rr = r->rules.v[i];
				if (!rr->pub.active || !(types[i * MMR_RT_TYPE_WORDS + t / 64] >> (t % 64) & 1))
					continue;
				struct mmr_rt_node *opt = mmr_rt_cond_optimize(env, rr->tree, t);
				if (!opt) {
					rc = -ENOMEM;
					break;
				}
				if (mmr_rt_cond_const(opt) == 0)
					continue; /* cannot match this type */
				r->tree_by_type[t][n] = opt;
				r->by_type[t][n++] = (uint32_t)i;
			}
			r->n_by_type[t] = (uint32_t)n;
		}
	}
	free(types);
	if (rc < 0)
		return rc;
	r->skipped = mmr_arena_calloc(r->arena, r->skipped_v.n + 1, sizeof(*r->skipped));
	if (!r->skipped)
		return -ENOMEM;
	for (size_t i = 0; i < r->skipped_v.n; i++)
		r->skipped[i] = *(struct mmr_rt_skipped *)r->skipped_v.v[i];
	r->nskipped = r->skipped_v.n;
	r->compiled = true;
	return 0;
}

size_t mmr_rt_rules_count(const struct mmr_rt_rules *r)
{
	return r ? r->rules.n : 0;
}

const struct mmr_rt_rule *mmr_rt_rules_get(const struct mmr_rt_rules *r, size_t i)
{
	return r && i < r->rules.n ? &((struct r_rule *)r->rules.v[i])->pub : NULL;
}

const struct mmr_rt_rule *mmr_rt_rules_find(const struct mmr_rt_rules *r, const char *name)
{
	struct r_rule *rr = r ? mmr_map_get(&r->rules_by_name, name) : NULL;
	return rr ? &rr->pub : NULL;
}

size_t mmr_rt_rules_active(const struct mmr_rt_rules *r)
{
	return r ? r->nactive : 0;
}

const struct mmr_rt_skipped *mmr_rt_rules_skipped(const struct mmr_rt_rules *r, size_t *ret_n)
{
	*ret_n = r ? r->nskipped : 0;
	return r ? r->skipped : NULL;
}

int mmr_rt_rules_set_enabled(struct mmr_rt_rules *r, const char *name, bool enabled)
{
	struct r_rule *rr = r ? mmr_map_get(&r->rules_by_name, name) : NULL;
	if (!rr)
		return -ENOENT;
	if (r->compiled)
		return -EINVAL;
	rr->pub.enabled = enabled;
	return 0;
}

bool mmr_rt_rules_needs_type(const struct mmr_rt_rules *r, unsigned type)
{
	return r && r->compiled && type < MMR_RT_EVT__COUNT && r->n_by_type[type] > 0;
}

int mmr_rt_rules_eval(const struct mmr_rt_rules *r, const struct mmr_rt_env *env,
		      const struct mmr_rt_event *ev, mmr_rt_match_fn fn, void *ud)
{
	if (!r || !ev || !r->compiled)
		return -EINVAL;
	unsigned t = ev->type < MMR_RT_EVT__COUNT ? ev->type : 0;
	uint32_t n = r->n_by_type[t];
	if (!n)
		return 0;
	struct mmr_rt_ectx cx;
	mmr_rt_ectx_init(&cx, ev, env);
	const uint32_t *idx = r->by_type[t];
	const struct mmr_rt_node *const *trees = r->tree_by_type[t];
	int matched = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct r_rule *rr = r->rules.v[idx[i]];
		if (mmr_rt_cond_eval(trees[i], &cx)) {
			matched++;
			if (fn && fn(&rr->pub, ev, ud))
				break;
		}
	}
	return matched;
}

const struct mmr_rt_ofield *mmr_rt_rule_ofields(const struct mmr_rt_rules *r,
						const struct mmr_rt_rule *rule, size_t *ret_n)
{
	const struct r_rule *rr = r && rule && rule->index < r->rules.n ? r->rules.v[rule->index] : NULL;
	if (rr && &rr->pub != rule)
		rr = NULL;
	*ret_n = rr ? rr->nofields : 0;
	return rr ? rr->ofields : NULL;
}
