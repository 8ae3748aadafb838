/* iac-cfn.c - CloudFormation / SAM templates (see iac-cfn.h).
 *
 * Two passes: libyaml's document API reads the text (JSON is read the same
 * way, being YAML flow syntax; jansson is the fallback and gives the error
 * message when the text is JSON that libyaml refuses) into a jansson tree,
 * short-form tags turned into their long forms, with a side table from JSON
 * Pointer (into the template) to line range. Then each resource's
 * Properties are evaluated, carrying two pointers: where a value was written
 * (to find its lines) and where it lands in the resource document. */
#include "iac/iac-cfn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/core-buf.h"
#include "core/core-json.h"
#include "model/model.h"

struct cfn {
	struct mmr_iac_set *set;
	struct mmr_arena *a;
	const char *file;
	const char *src;
	size_t srclen;
	size_t max_depth, nodes;
	size_t built; /* bytes of strings built by Sub/Join so far */
	struct mmr_error *reterr;
	int err;
	yaml_document_t *doc;
	json_t *tpos;       /* template pointer -> [start, end] */
	json_t *tpl;
	json_t *params;     /* name -> value */
	json_t *mappings;
	json_t *conds;      /* Conditions section */
	json_t *cond_val;   /* name -> true/false/null(unknown)/"busy" */
	json_t *resources;
	json_t *novalue;    /* sentinel for AWS::NoValue (compared by pointer) */
	json_t *gcache;     /* SAM Globals pointer -> {suffix: range} */
	/* the resource being evaluated */
	struct mmr_vec *refs;
	json_t *pos;
	const char *cur;
};

/* ---- small helpers ------------------------------------------------------ */

static void diag(struct cfn *c, struct mmr_vec *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void diag(struct cfn *c, struct mmr_vec *v, const char *fmt, ...)
{
	if (v->n >= 100000)
		return;
	struct mmr_diag *d = mmr_arena_alloc(c->a, sizeof(*d));
	if (!d)
		return;
	va_list ap;
	va_start(ap, fmt);
	d->message = mmr_arena_vprintf(c->a, fmt, ap);
	va_end(ap);
	d->where = c->file;
	mmr_vec_push(c->a, v, d);
}

static void unresolved(struct cfn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unresolved(struct cfn *c, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	diag(c, &c->set->unresolved, "%s: %s", c->cur ? c->cur : "template", m);
}

/* JSON Pointers of positions (lib/iac/iac.c), capped at 1 MiB */
#define ptr_join(parent, tok) mmr_iac_ptr_join((parent), (tok), 1u << 20)
#define ptr_idx(parent, i) mmr_iac_ptr_idx((parent), (i), 1u << 20)

static json_t *unknown(void)
{
	return mmr_iac_unknown();
}

static bool has_unknown(const json_t *v)
{
	if (mmr_iac_is_unknown(v))
		return true;
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			if (has_unknown(e))
				return true;
		}
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e)
		{
			if (has_unknown(e))
				return true;
		}
	}
	return false;
}

/* String form of a scalar; malloc'ed, NULL if not a scalar. */
static char *scalar_str(const json_t *v)
{
	char t[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return strndup(json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(t, sizeof(t), "%lld", (long long)json_integer_value(v));
		return strdup(t);
	case JSON_REAL:
		snprintf(t, sizeof(t), "%.17g", json_real_value(v));
		return strdup(t);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	default:
		return NULL;
	}
}

static void add_ref(struct cfn *c, const char *id)
{
	if (!c->refs || !id)
		return;
	for (size_t i = 0; i < c->refs->n; i++)
		if (!strcmp(c->refs->v[i], id))
			return;
	if (c->refs->n >= 4096)
		return;
	char *s = mmr_arena_strdup(c->a, id);
	if (s)
		mmr_vec_push(c->a, c->refs, s);
}

static void set_pos_from(struct cfn *c, const char *dptr, const char *sptr)
{
	if (!c->pos || !dptr || !sptr)
		return;
	json_t *r = json_object_get(c->tpos, sptr);
	if (r)
		json_object_set_new(c->pos, dptr, json_copy(r));
}

/* ---- reading: YAML (and JSON) into jansson + positions ------------------- */

static bool eq_any(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

/* Lines [s, end of n]: a block node's end mark sits where the next token
 * starts, so step back over the blanks and line breaks before it. */
static void put_range(struct cfn *c, const char *ptr, unsigned long s, const yaml_node_t *n)
{
	unsigned long e = n->end_mark.line + 1;
	size_t i = n->end_mark.index;
	if (i > c->srclen)
		i = c->srclen;
	while (i > n->start_mark.index) {
		char ch = c->src[i - 1];
		if (ch == '\n')
			e--;
		else if (ch != ' ' && ch != '\t' && ch != '\r')
			break;
		i--;
	}
	if (e < s)
		e = s;
	json_t *r = json_pack("[II]", (json_int_t)s, (json_int_t)e);
	if (r)
		json_object_set_new(c->tpos, ptr, r);
}

static json_t *conv(struct cfn *c, int id, const char *ptr, size_t depth, unsigned long kline);

/* Short-form tag -> long-form key ("!Ref" -> "Ref", "!Sub" -> "Fn::Sub"). */
static const char *long_form(const char *tag, char *buf, size_t n)
{
	static const char *const fns[] = { "GetAtt", "Sub", "Join", "Select", "Split",
					   "FindInMap", "Base64", "GetAZs", "Cidr", "If",
					   "Equals", "And", "Or", "Not", "ImportValue",
					   "Transform", "Length", "ToJsonString", NULL };
	if (!tag || tag[0] != '!' || tag[1] == '!' || !tag[1])
		return NULL;
	const char *name = tag + 1;
	if (!strcmp(name, "Ref") || !strcmp(name, "Condition"))
		return name;
	if (!eq_any(name, fns))
		return NULL;
	snprintf(buf, n, "Fn::%s", name);
	return buf;
}

static json_t *conv_node(struct cfn *c, yaml_node_t *n, const char *ptr, size_t depth)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)n->data.scalar.value;
		size_t len = n->data.scalar.length;
		const char *tag = (const char *)n->tag;
		if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return json_stringn(s, len);
		/* the loader tags every untagged plain scalar !!str, so an
		 * explicit !!str cannot be told apart: plain means typed */
		if (tag && tag[0] == '!')
			return json_stringn(s, len);
		return mmr_yaml_scalar(s, len, MMR_YAML_NO_LEADING_ZERO_FLOAT);
	}
	case YAML_SEQUENCE_NODE: {
		json_t *a = json_array();
		size_t i = 0;
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     a && it < n->data.sequence.items.top; it++, i++) {
			char *p = ptr_idx(ptr, i);
			json_t *v = p ? conv(c, *it, p, depth + 1, 0) : NULL;
			free(p);
			if (!v) {
				json_decref(a);
				return NULL;
			}
			json_array_append_new(a, v);
		}
		return a;
	}
	case YAML_MAPPING_NODE: {
		json_t *o = json_object();
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     o && pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
			if (!k || k->type != YAML_SCALAR_NODE) {
				c->err = mmr_error_set(c->reterr, EBADMSG, c->file,
						       n->start_mark.line + 1, n->start_mark.column + 1,
						       "mapping keys must be scalars");
				json_decref(o);
				return NULL;
			}
			const char *key = (const char *)k->data.scalar.value;
			if (strlen(key) != k->data.scalar.length) {
				c->err = mmr_error_set(c->reterr, EBADMSG, c->file,
						       k->start_mark.line + 1, k->start_mark.column + 1,
						       "NUL byte in a mapping key");
				json_decref(o);
				return NULL;
			}
			char *p = ptr_join(ptr, key);
			json_t *v = p ? conv(c, pr->value, p, depth + 1, k->start_mark.line + 1) : NULL;
			free(p);
			if (!v) {
				json_decref(o);
				return NULL;
			}
			json_object_set_new(o, key, v);
		}
		return o;
	}
	default:
		return json_null();
	}
}

static json_t *conv(struct cfn *c, int id, const char *ptr, size_t depth, unsigned long kline)
{
	yaml_node_t *n = yaml_document_get_node(c->doc, id);
	if (!n)
		return json_null();
	if (depth > c->max_depth) {
		c->err = mmr_error_set(c->reterr, E2BIG, c->file, n->start_mark.line + 1,
				       n->start_mark.column + 1,
				       "template nested deeper than %zu levels (max-json-depth)",
				       c->max_depth);
		return NULL;
	}
	if (++c->nodes > MMR_CFN_MAX_NODES) {
		c->err = mmr_error_set(c->reterr, E2BIG, c->file, n->start_mark.line + 1,
				       n->start_mark.column + 1,
				       "template expands to more than %d nodes (aliases?)",
				       MMR_CFN_MAX_NODES);
		return NULL;
	}
	unsigned long s = kline ? kline : n->start_mark.line + 1;
	put_range(c, ptr, s, n);
	char fb[64];
	const char *lf = long_form((const char *)n->tag, fb, sizeof(fb));
	if (!lf)
		return conv_node(c, n, ptr, depth);
	/* !Tag value -> {"Long": value}; the value's pointer gains the key */
	char *ip = ptr_join(ptr, lf);
	if (!ip)
		return NULL;
	put_range(c, ip, n->start_mark.line + 1, n);
	json_t *v = conv_node(c, n, ip, depth + 1);
	free(ip);
	if (!v)
		return NULL;
	if (!strcmp(lf, "Fn::GetAtt") && json_is_string(v)) {
		/* !GetAtt Res.Attr (the attribute may itself contain dots) */
		const char *sv = json_string_value(v);
		const char *dot = strchr(sv, '.');
		json_t *l = dot ? json_pack("[s#s]", sv, (int)(dot - sv), dot + 1)
				: json_pack("[s]", sv);
		json_decref(v);
		v = l;
		if (!v)
			return NULL;
	}
	json_t *o = json_object();
	if (!o || json_object_set_new(o, lf, v) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* JSON text that libyaml refused: jansson, without positions (or its error). */
static int load_json_fallback(struct cfn *c, const void *data, size_t len, json_t **ret)
{
	return mmr_json_parse(data, len, c->file, ret, c->reterr);
}

static int load(struct cfn *c, const void *data, size_t len, json_t **ret)
{
	const char *p = data;
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	bool is_json = i < len && p[i] == '{';
	yaml_parser_t yp;
	if (!yaml_parser_initialize(&yp))
		return -ENOMEM;
	yaml_parser_set_input_string(&yp, data, len);
	yaml_document_t doc;
	if (!yaml_parser_load(&yp, &doc)) {
		int r = mmr_error_set(c->reterr, EBADMSG, c->file, yp.problem_mark.line + 1,
				      yp.problem_mark.column + 1, "invalid %s: %s%s%s",
				      is_json ? "JSON" : "YAML",
				      yp.problem ? yp.problem : "syntax error",
				      yp.context ? " " : "", yp.context ? yp.context : "");
		yaml_parser_delete(&yp);
		if (is_json)
			return load_json_fallback(c, data, len, ret);
		return r;
	}
	yaml_parser_delete(&yp);
	c->doc = &doc;
	json_t *v = yaml_document_get_root_node(&doc) ? conv(c, 1, "", 0, 0) : json_null();
	yaml_document_delete(&doc);
	c->doc = NULL;
	if (!v)
		return c->err ? c->err : -ENOMEM;
	*ret = v;
	return 0;
}

/* ---- evaluation ----------------------------------------------------------- */

static json_t *ev(struct cfn *c, json_t *v, const char *sptr, const char *dptr, size_t depth);
static int cond_named(struct cfn *c, const char *name, size_t depth);

static bool is_intrinsic_key(const char *k)
{
	return !strcmp(k, "Ref") || !strncmp(k, "Fn::", 4);
}

static const char *const pseudo_unknown[] = { "AWS::AccountId", "AWS::Region", "AWS::StackId",
					      "AWS::StackName", "AWS::NotificationARNs", NULL };

static json_t *ref(struct cfn *c, const char *name)
{
	json_t *p = json_object_get(c->params, name);
	if (p)
		return json_incref(p);
	if (!strcmp(name, "AWS::NoValue"))
		return json_incref(c->novalue);
	if (!strcmp(name, "AWS::Partition"))
		return json_string("aws");
	if (!strcmp(name, "AWS::URLSuffix"))
		return json_string("amazonaws.com");
	if (eq_any(name, pseudo_unknown))
		return unknown();
	if (json_object_get(c->resources, name)) {
		add_ref(c, name);
		return unknown();
	}
	unresolved(c, "Ref to undeclared \"%s\"", name);
	return unknown();
}

static json_t *getatt(struct cfn *c, const char *res, const char *attr)
{
	if (!json_object_get(c->resources, res))
		unresolved(c, "Fn::GetAtt of undeclared resource \"%s\"", res);
	else
		add_ref(c, res);
	(void)attr;
	return unknown();
}

/* Evaluate the argument of an intrinsic (no destination position). */
static json_t *arg(struct cfn *c, json_t *v, const char *sptr, const char *fn, size_t depth)
{
	char *p = ptr_join(sptr, fn);
	json_t *r = ev(c, v, p, NULL, depth + 1);
	free(p);
	return r;
}

static json_t *fn_sub(struct cfn *c, json_t *a, const char *sptr, size_t depth)
{
	json_t *tmpl = a, *vars = NULL;
	json_t *evars = NULL;
	if (json_is_array(a)) {
		tmpl = json_array_get(a, 0);
		vars = json_array_get(a, 1);
		if (vars) {
			evars = arg(c, vars, sptr, "Fn::Sub", depth);
			if (!json_is_object(evars)) {
				json_decref(evars);
				evars = NULL;
			}
		}
	}
	if (!json_is_string(tmpl)) {
		json_decref(evars);
		unresolved(c, "Fn::Sub: template is not a string");
		return unknown();
	}
	const char *s = json_string_value(tmpl);
	size_t n = json_string_length(tmpl);
	struct mmr_buf b;
	mmr_buf_init(&b, MMR_CFN_MAX_STRING);
	bool unk = false;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0;) {
		if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
			if (i + 2 < n && s[i + 2] == '!') {
				r = mmr_buf_adds(&b, "${");
				i += 3;
				continue;
			}
			const char *e = memchr(s + i + 2, '}', n - i - 2);
			if (!e) {
				r = mmr_buf_add(&b, s + i, n - i);
				break;
			}
			size_t vl = (size_t)(e - (s + i + 2));
			char *name = strndup(s + i + 2, vl);
			if (!name) {
				r = -ENOMEM;
				break;
			}
			/* trim */
			char *nm = name;
			while (*nm == ' ' || *nm == '\t')
				nm++;
			size_t nl = strlen(nm);
			while (nl && (nm[nl - 1] == ' ' || nm[nl - 1] == '\t'))
				nm[--nl] = 0;
			json_t *val = evars ? json_object_get(evars, nm) : NULL;
			if (val)
				json_incref(val);
			else if (json_object_get(c->params, nm) || !strncmp(nm, "AWS::", 5) ||
				 json_object_get(c->resources, nm))
				val = ref(c, nm);
			else if (strchr(nm, '.')) {
				char *dot = strchr(nm, '.');
				*dot = 0;
				val = getatt(c, nm, dot + 1);
			} else {
				unresolved(c, "Fn::Sub: undeclared variable \"%s\"", nm);
				val = unknown();
			}
			free(name);
			char *sv = val && val != c->novalue ? scalar_str(val) : NULL;
			if (!sv || mmr_iac_is_unknown(val))
				unk = true;
			else
				r = mmr_buf_adds(&b, sv);
			free(sv);
			json_decref(val);
			i = (size_t)(e - s) + 1;
			continue;
		}
		r = mmr_buf_addc(&b, s[i]);
		i++;
	}
	json_decref(evars);
	if (r < 0) {
		mmr_buf_release(&b);
		unresolved(c, "Fn::Sub: result longer than %d bytes", MMR_CFN_MAX_STRING);
		return unknown();
	}
	if (unk) {
		mmr_buf_release(&b);
		return unknown();
	}
	if ((c->built += b.len) > MMR_CFN_MAX_BUILT) {
		mmr_buf_release(&b);
		unresolved(c, "Fn::Sub: template builds more than %d bytes of strings", MMR_CFN_MAX_BUILT);
		return unknown();
	}
	json_t *out = json_stringn(b.p, b.len);
	mmr_buf_release(&b);
	return out ? out : unknown();
}

static json_t *fn_join(struct cfn *c, json_t *a)
{
	json_t *d = json_array_get(a, 0), *l = json_array_get(a, 1);
	if (!json_is_array(a) || !json_is_string(d) || !l) {
		unresolved(c, "Fn::Join: expects [delimiter, list]");
		return unknown();
	}
	if (mmr_iac_is_unknown(l) || !json_is_array(l))
		return unknown();
	struct mmr_buf b;
	mmr_buf_init(&b, MMR_CFN_MAX_STRING);
	size_t i, k = 0;
	json_t *e;
	json_array_foreach(l, i, e)
	{
		if (e == c->novalue)
			continue;
		char *sv = scalar_str(e);
		if (!sv) {
			mmr_buf_release(&b);
			return unknown();
		}
		int r = (k++ ? mmr_buf_adds(&b, json_string_value(d)) : 0);
		if (r >= 0)
			r = mmr_buf_adds(&b, sv);
		free(sv);
		if (r < 0) {
			mmr_buf_release(&b);
			unresolved(c, "Fn::Join: result too long");
			return unknown();
		}
	}
	if ((c->built += b.len) > MMR_CFN_MAX_BUILT) {
		mmr_buf_release(&b);
		unresolved(c, "Fn::Join: template builds more than %d bytes of strings", MMR_CFN_MAX_BUILT);
		return unknown();
	}
	json_t *out = json_stringn(b.p, b.len);
	mmr_buf_release(&b);
	return out ? out : unknown();
}

static json_t *fn_split(struct cfn *c, json_t *a)
{
	json_t *d = json_array_get(a, 0), *s = json_array_get(a, 1);
	if (mmr_iac_is_unknown(s))
		return unknown();
	if (!json_is_string(d) || !json_is_string(s) || !json_string_length(d)) {
		unresolved(c, "Fn::Split: expects [delimiter, string]");
		return unknown();
	}
	json_t *out = json_array();
	const char *p = json_string_value(s), *end = p + json_string_length(s);
	const char *dl = json_string_value(d);
	size_t dn = json_string_length(d);
	while (out) {
		const char *q = p;
		while (q + dn <= end && memcmp(q, dl, dn))
			q++;
		if (q + dn > end) {
			json_array_append_new(out, json_stringn(p, (size_t)(end - p)));
			break;
		}
		json_array_append_new(out, json_stringn(p, (size_t)(q - p)));
		p = q + dn;
		if (json_array_size(out) > 100000)
			break;
	}
	return out ? out : unknown();
}

static bool to_index(const json_t *v, long long *ret)
{
	if (json_is_integer(v)) {
		*ret = json_integer_value(v);
		return true;
	}
	if (json_is_string(v)) {
		char *end;
		errno = 0;
		long long x = strtoll(json_string_value(v), &end, 10);
		if (errno || end == json_string_value(v) || *end)
			return false;
		*ret = x;
		return true;
	}
	return false;
}

static json_t *fn_select(struct cfn *c, json_t *a)
{
	json_t *i = json_array_get(a, 0), *l = json_array_get(a, 1);
	long long idx;
	if (mmr_iac_is_unknown(i) || mmr_iac_is_unknown(l))
		return unknown();
	if (!to_index(i, &idx) || !json_is_array(l)) {
		unresolved(c, "Fn::Select: expects [index, list]");
		return unknown();
	}
	if (idx < 0 || (size_t)idx >= json_array_size(l)) {
		unresolved(c, "Fn::Select: index %lld out of range", idx);
		return unknown();
	}
	return json_incref(json_array_get(l, (size_t)idx));
}

static json_t *fn_findinmap(struct cfn *c, json_t *a)
{
	if (!json_is_array(a) || json_array_size(a) < 3 || has_unknown(a))
		return unknown();
	json_t *m = json_object_get(c->mappings, json_string_value(json_array_get(a, 0)) ?: "");
	char *k1 = scalar_str(json_array_get(a, 1)), *k2 = scalar_str(json_array_get(a, 2));
	json_t *v = NULL;
	if (k1 && k2)
		v = json_object_get(json_object_get(m, k1), k2);
	if (!v && json_array_size(a) > 3) {
		/* AWS::LanguageExtensions: {"DefaultValue": x} */
		v = json_object_get(json_array_get(a, 3), "DefaultValue");
	}
	if (!v)
		unresolved(c, "Fn::FindInMap: no %s/%s/%s",
			   json_string_value(json_array_get(a, 0)) ?: "?", k1 ? k1 : "?",
			   k2 ? k2 : "?");
	free(k1);
	free(k2);
	return v ? json_incref(v) : unknown();
}

static json_t *fn_cidr(struct cfn *c, json_t *a)
{
	if (!json_is_array(a) || has_unknown(a))
		return unknown();
	const char *blk = json_string_value(json_array_get(a, 0));
	long long cnt, bits;
	unsigned o[4], pfx;
	char tail;
	if (!blk || !to_index(json_array_get(a, 1), &cnt) ||
	    !to_index(json_array_get(a, 2), &bits) ||
	    sscanf(blk, "%u.%u.%u.%u/%u%c", &o[0], &o[1], &o[2], &o[3], &pfx, &tail) != 5 ||
	    o[0] > 255 || o[1] > 255 || o[2] > 255 || o[3] > 255 || pfx > 32 || bits < 1 ||
	    bits > 32 || cnt < 1 || cnt > 256 || 32 - bits < (long long)pfx) {
		unresolved(c, "Fn::Cidr: unsupported arguments (IPv4 only)");
		return unknown();
	}
	unsigned newp = 32 - (unsigned)bits;
	if ((unsigned long long)cnt > (1ULL << (newp - pfx))) {
		unresolved(c, "Fn::Cidr: %lld subnets do not fit", cnt);
		return unknown();
	}
	uint32_t base = (o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3];
	if (pfx)
		base &= ~(uint32_t)0 << (32 - pfx);
	else
		base = 0;
	json_t *out = json_array();
	for (long long i = 0; out && i < cnt; i++) {
		uint32_t n = base + (uint32_t)((uint64_t)i << bits);
		char t[32];
		snprintf(t, sizeof(t), "%u.%u.%u.%u/%u", n >> 24, (n >> 16) & 255, (n >> 8) & 255,
			 n & 255, newp);
		json_array_append_new(out, json_string(t));
	}
	return out ? out : unknown();
}

/* Fn::Equals / And / Or / Not / Condition inside a condition: 1, 0, -1 unknown. */
static int cond_expr(struct cfn *c, json_t *v, size_t depth)
{
	if (depth > c->max_depth)
		return -1;
	if (json_is_true(v))
		return 1;
	if (json_is_false(v))
		return 0;
	if (json_is_string(v)) {
		if (!strcmp(json_string_value(v), "true"))
			return 1;
		if (!strcmp(json_string_value(v), "false"))
			return 0;
		return -1;
	}
	if (!json_is_object(v) || json_object_size(v) != 1)
		return -1;
	const char *k = json_object_iter_key(json_object_iter(v));
	json_t *a = json_object_get(v, k);
	if (!strcmp(k, "Condition"))
		return json_is_string(a) ? cond_named(c, json_string_value(a), depth + 1) : -1;
	if (!strcmp(k, "Fn::Equals")) {
		if (!json_is_array(a) || json_array_size(a) != 2)
			return -1;
		json_t *x = ev(c, json_array_get(a, 0), NULL, NULL, depth + 1);
		json_t *y = ev(c, json_array_get(a, 1), NULL, NULL, depth + 1);
		int r;
		if (has_unknown(x) || has_unknown(y)) {
			r = -1;
		} else {
			char *sx = scalar_str(x), *sy = scalar_str(y);
			if (sx && sy)
				r = !strcmp(sx, sy);
			else
				r = json_equal(x, y) ? 1 : 0;
			free(sx);
			free(sy);
		}
		json_decref(x);
		json_decref(y);
		return r;
	}
	if (!strcmp(k, "Fn::Not")) {
		int r = cond_expr(c, json_is_array(a) ? json_array_get(a, 0) : a, depth + 1);
		return r < 0 ? -1 : !r;
	}
	if (!strcmp(k, "Fn::And") || !strcmp(k, "Fn::Or")) {
		bool is_and = k[4] == 'A';
		if (!json_is_array(a))
			return -1;
		int acc = is_and ? 1 : 0;
		size_t i;
		json_t *e;
		json_array_foreach(a, i, e)
		{
			int r = cond_expr(c, e, depth + 1);
			if (is_and) {
				if (r == 0)
					return 0;
				if (r < 0)
					acc = -1;
			} else {
				if (r == 1)
					return 1;
				if (r < 0)
					acc = -1;
			}
		}
		return acc;
	}
	if (!strcmp(k, "Fn::If")) {
		json_t *x = ev(c, v, NULL, NULL, depth + 1);
		int r = cond_expr(c, x, depth + 1);
		json_decref(x);
		return r;
	}
	return -1;
}

static int cond_named(struct cfn *c, const char *name, size_t depth)
{
	json_t *cv = json_object_get(c->cond_val, name);
	if (cv) {
		if (json_is_string(cv)) {
			diag(c, &c->set->errors, "%s: condition \"%s\" refers to itself", c->file,
			     name);
			return -1;
		}
		return json_is_null(cv) ? -1 : json_is_true(cv);
	}
	json_t *def = json_object_get(c->conds, name);
	if (!def) {
		unresolved(c, "undeclared condition \"%s\"", name);
		return -1;
	}
	json_object_set_new(c->cond_val, name, json_string("busy"));
	int r = cond_expr(c, def, depth + 1);
	json_object_set_new(c->cond_val, name, r < 0 ? json_null() : json_boolean(r));
	return r;
}

static json_t *intrinsic(struct cfn *c, const char *k, json_t *a, const char *sptr,
			 const char *dptr, size_t depth)
{
	if (!strcmp(k, "Ref")) {
		json_t *x = arg(c, a, sptr, k, depth);
		json_t *r = json_is_string(x) ? ref(c, json_string_value(x)) : unknown();
		json_decref(x);
		return r;
	}
	if (!strcmp(k, "Fn::If")) {
		if (!json_is_array(a) || json_array_size(a) != 3 ||
		    !json_is_string(json_array_get(a, 0))) {
			unresolved(c, "Fn::If: expects [condition, then, else]");
			return unknown();
		}
		int r = cond_named(c, json_string_value(json_array_get(a, 0)), depth + 1);
		if (r < 0)
			return unknown();
		char *p = ptr_join(sptr, k);
		char *bp = p ? ptr_idx(p, r ? 1 : 2) : NULL;
		json_t *out = ev(c, json_array_get(a, r ? 1 : 2), bp, dptr, depth + 1);
		free(bp);
		free(p);
		return out;
	}
	if (!strcmp(k, "Fn::Sub"))
		return fn_sub(c, a, sptr, depth);
	if (!strcmp(k, "Fn::Equals") || !strcmp(k, "Fn::And") || !strcmp(k, "Fn::Or") ||
	    !strcmp(k, "Fn::Not")) {
		json_t *o = json_pack("{sO}", k, a);
		int r = o ? cond_expr(c, o, depth + 1) : -1;
		json_decref(o);
		return r < 0 ? unknown() : json_boolean(r);
	}
	json_t *x = arg(c, a, sptr, k, depth);
	if (!x)
		return unknown();
	json_t *r;
	if (!strcmp(k, "Fn::GetAtt")) {
		const char *res = NULL, *at = NULL;
		char *tmp = NULL;
		if (json_is_array(x)) {
			res = json_string_value(json_array_get(x, 0));
			at = json_string_value(json_array_get(x, 1));
		} else if (json_is_string(x)) {
			tmp = strdup(json_string_value(x));
			char *dot = tmp ? strchr(tmp, '.') : NULL;
			if (dot) {
				*dot = 0;
				at = dot + 1;
			}
			res = tmp;
		}
		r = res ? getatt(c, res, at) : unknown();
		free(tmp);
	} else if (!strcmp(k, "Fn::Join")) {
		r = fn_join(c, x);
	} else if (!strcmp(k, "Fn::Split")) {
		r = fn_split(c, x);
	} else if (!strcmp(k, "Fn::Select")) {
		r = fn_select(c, x);
	} else if (!strcmp(k, "Fn::FindInMap")) {
		r = fn_findinmap(c, x);
	} else if (!strcmp(k, "Fn::Base64")) {
		r = json_incref(x);
	} else if (!strcmp(k, "Fn::Cidr")) {
		r = fn_cidr(c, x);
	} else if (!strcmp(k, "Fn::Length")) {
		r = json_is_array(x) ? json_integer((json_int_t)json_array_size(x)) : unknown();
	} else if (!strcmp(k, "Fn::ToJsonString")) {
		char *s = has_unknown(x) ? NULL : json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
		r = s ? json_string(s) : unknown();
		free(s);
	} else if (!strcmp(k, "Fn::GetAZs") || !strcmp(k, "Fn::ImportValue") ||
		   !strcmp(k, "Fn::Transform")) {
		r = unknown(); /* known only at deployment */
	} else {
		unresolved(c, "unsupported intrinsic function %s", k);
		r = unknown();
	}
	json_decref(x);
	return r ? r : unknown();
}

static json_t *ev(struct cfn *c, json_t *v, const char *sptr, const char *dptr, size_t depth)
{
	if (depth > c->max_depth) {
		unresolved(c, "nested deeper than %zu levels (max-json-depth)", c->max_depth);
		return unknown();
	}
	set_pos_from(c, dptr, sptr);
	if (json_is_object(v)) {
		if (json_object_size(v) == 1) {
			const char *k = json_object_iter_key(json_object_iter(v));
			if (is_intrinsic_key(k))
				return intrinsic(c, k, json_object_get(v, k), sptr, dptr, depth);
		}
		json_t *o = json_object();
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e)
		{
			char *sp = sptr ? ptr_join(sptr, k) : NULL;
			char *dp = dptr ? ptr_join(dptr, k) : NULL;
			json_t *x = ev(c, e, sp, dp, depth + 1);
			if (x == c->novalue && dp && c->pos)
				json_object_del(c->pos, dp);
			free(sp);
			free(dp);
			if (x != c->novalue && o)
				json_object_set_new(o, k, x);
			else
				json_decref(x);
		}
		return o ? o : unknown();
	}
	if (json_is_array(v)) {
		json_t *o = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			char *sp = sptr ? ptr_idx(sptr, i) : NULL;
			char *dp = dptr && o ? ptr_idx(dptr, json_array_size(o)) : NULL;
			json_t *x = ev(c, e, sp, dp, depth + 1);
			if (x == c->novalue && dp && c->pos)
				json_object_del(c->pos, dp);
			free(sp);
			free(dp);
			if (x != c->novalue && o)
				json_array_append_new(o, x);
			else
				json_decref(x);
		}
		return o ? o : unknown();
	}
	return json_incref(v);
}

/* ---- sections -------------------------------------------------------------- */

static void load_params(struct cfn *c)
{
	json_t *ps = json_object_get(c->tpl, "Parameters");
	const char *name;
	json_t *p;
	if (!json_is_object(ps))
		return;
	json_object_foreach(ps, name, p)
	{
		json_t *def = json_object_get(p, "Default");
		const char *type = json_string_value(json_object_get(p, "Type"));
		json_t *v;
		if (!def) {
			diag(c, &c->set->unresolved, "parameter %s has no Default: unknown", name);
			v = unknown();
		} else if (type && json_is_string(def) &&
			   (!strcmp(type, "CommaDelimitedList") || !strncmp(type, "List<", 5))) {
			json_t *sa = json_pack("[sO]", ",", def);
			c->cur = name;
			v = sa ? fn_split(c, sa) : unknown();
			json_decref(sa);
			/* trim blanks around items */
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e)
			{
				const char *s = json_string_value(e);
				if (!s)
					continue;
				size_t n = json_string_length(e), b = 0;
				while (b < n && s[b] == ' ')
					b++;
				while (n > b && s[n - 1] == ' ')
					n--;
				json_array_set_new(v, i, json_stringn(s + b, n - b));
			}
		} else {
			v = json_incref(def);
		}
		json_object_set_new(c->params, name, v);
	}
	c->cur = NULL;
}

/* SAM Globals: merge g (at gptr) into props (at pptr), recording positions. */
static void merge_globals(struct cfn *c, json_t *props, json_t *g, const char *pptr,
			  const char *gptr, size_t depth)
{
	const char *k;
	json_t *gv;
	if (depth > c->max_depth)
		return;
	json_object_foreach(g, k, gv)
	{
		json_t *pv = json_object_get(props, k);
		char *pp = ptr_join(pptr, k), *gp = ptr_join(gptr, k);
		if (!pp || !gp) {
			free(pp);
			free(gp);
			return;
		}
		if (!pv) {
			json_object_set_new(props, k, json_deep_copy(gv));
			/* copy every position under gp to pp (the positions under a
			 * global key are collected once per template) */
			json_t *under = json_object_get(c->gcache, gp);
			if (!under) {
				size_t gl = strlen(gp);
				const char *tk;
				json_t *tv;
				under = json_object();
				json_object_foreach(c->tpos, tk, tv)
				{
					if (!strncmp(tk, gp, gl) && (tk[gl] == 0 || tk[gl] == '/'))
						json_object_set(under, tk + gl, tv);
				}
				json_object_set_new(c->gcache, gp, under);
			}
			const char *sk;
			json_t *sv;
			json_object_foreach(under, sk, sv)
			{
				char *np = mmr_arena_printf(c->a, "%s%s", pp, sk);
				if (np)
					json_object_set(c->tpos, np, sv);
			}
		} else if (json_is_object(pv) && json_is_object(gv) &&
			   !(json_object_size(pv) == 1 &&
			     is_intrinsic_key(json_object_iter_key(json_object_iter(pv))))) {
			merge_globals(c, pv, gv, pp, gp, depth + 1);
		} else if (json_is_array(pv) && json_is_array(gv)) {
			/* global items first; positions of the resource's own items shift */
			json_t *n = json_deep_copy(gv);
			size_t ng = json_array_size(gv);
			for (size_t i = json_array_size(pv); i-- > 0;) {
				char *from = ptr_idx(pp, i), *to = ptr_idx(pp, i + ng);
				json_t *r = from ? json_object_get(c->tpos, from) : NULL;
				if (r && to)
					json_object_set(c->tpos, to, r);
				free(from);
				free(to);
			}
			for (size_t i = 0; i < ng; i++) {
				char *from = ptr_idx(gp, i), *to = ptr_idx(pp, i);
				json_t *r = from ? json_object_get(c->tpos, from) : NULL;
				if (r && to)
					json_object_set(c->tpos, to, r);
				free(from);
				free(to);
			}
			json_array_extend(n, pv);
			json_object_set_new(props, k, n);
		}
		free(pp);
		free(gp);
	}
}

static const struct {
	const char *global, *type;
} sam_globals[] = {
	{ "Function", "AWS::Serverless::Function" },
	{ "Api", "AWS::Serverless::Api" },
	{ "HttpApi", "AWS::Serverless::HttpApi" },
	{ "SimpleTable", "AWS::Serverless::SimpleTable" },
	{ "LayerVersion", "AWS::Serverless::LayerVersion" },
	{ "StateMachine", "AWS::Serverless::StateMachine" },
};

static void apply_globals(struct cfn *c, const char *id, json_t *res)
{
	json_t *g = json_object_get(c->tpl, "Globals");
	const char *type = json_string_value(json_object_get(res, "Type"));
	if (!json_is_object(g) || !type)
		return;
	for (size_t i = 0; i < sizeof(sam_globals) / sizeof(sam_globals[0]); i++) {
		json_t *gs = json_object_get(g, sam_globals[i].global);
		if (strcmp(type, sam_globals[i].type) || !json_is_object(gs))
			continue;
		json_t *props = json_object_get(res, "Properties");
		if (!json_is_object(props)) {
			props = json_object();
			json_object_set_new(res, "Properties", props);
		}
		char *rp = ptr_join("/Resources", id);
		char *pp = rp ? ptr_join(rp, "Properties") : NULL;
		char *gp = mmr_arena_printf(c->a, "/Globals/%s", sam_globals[i].global);
		if (pp && gp)
			merge_globals(c, props, gs, pp, gp, 0);
		free(rp);
		free(pp);
	}
}

/* ---- suppressions ------------------------------------------------------------ */

static void add_ignore(struct cfn *c, struct mmr_iac_resource *r, const char *prefix,
		       const char *id, size_t idlen, const char *reason)
{
	if (!idlen || r->ignores.n >= 256)
		return;
	char *s = reason && *reason
			  ? mmr_arena_printf(c->a, "%s%.*s %s", prefix, (int)idlen, id, reason)
			  : mmr_arena_printf(c->a, "%s%.*s", prefix, (int)idlen, id);
	if (s)
		mmr_vec_push(c->a, &r->ignores, s);
}

static const struct {
	const char *mark, *prefix;
} marks[] = { { "mamori:ignore:", "" },
	      { "checkov:skip=", "checkov:" },
	      { "trivy:ignore:", "trivy:" },
	      { "tfsec:ignore:", "tfsec:" } };

/* Markers in one comment (text from '#' to the end of the line). */
static void comment_marks(struct cfn *c, struct mmr_iac_resource *r, const char *h, size_t hl)
{
	char *t = mmr_arena_strndup(c->a, h, hl);
	for (size_t i = 0; t && i < sizeof(marks) / sizeof(marks[0]); i++) {
		const char *m = strstr(t, marks[i].mark);
		if (!m)
			continue;
		const char *id = m + strlen(marks[i].mark), *e = id;
		while (*e && *e != ' ' && *e != '\t' && *e != ':' && *e != ',' && *e != '\r')
			e++;
		const char *rest = e;
		if (*rest == ':' && i != 1)
			while (*rest && *rest != ' ' && *rest != '\t')
				rest++;
		while (*rest == ' ' || *rest == '\t' || *rest == ':')
			rest++;
		char *rs = mmr_arena_strdup(c->a, rest);
		if (rs) {
			size_t rl = strlen(rs);
			while (rl && (rs[rl - 1] == '\r' || rs[rl - 1] == ' '))
				rs[--rl] = 0;
		}
		add_ignore(c, r, marks[i].prefix, id, (size_t)(e - id), rs);
	}
}

/* The line's comment ('#' after a blank or at the start); NULL if none.
 * *ret_only: the line holds nothing else. */
static const char *line_comment(const char *p, const char *le, bool *ret_only)
{
	const char *q = p;
	while (q < le && (*q == ' ' || *q == '\t'))
		q++;
	*ret_only = q < le && *q == '#';
	for (const char *h = q; h < le; h++)
		if (*h == '#' && (h == q || h[-1] == ' ' || h[-1] == '\t'))
			return h;
	return NULL;
}

/* Comments inside the resource's lines, and the run of comment-only lines
 * right above it. */
static void comment_ignores(struct cfn *c, struct mmr_iac_resource *r)
{
	unsigned long line = 1;
	const char *p = c->src, *end = c->src + c->srclen;
	const char *run[64];
	size_t nrun = 0;
	while (p < end && line <= r->line_end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		bool only;
		const char *h = line_comment(p, le, &only);
		if (line < r->line_start) {
			if (h && only) {
				if (nrun < 64)
					run[nrun++] = p;
			} else {
				nrun = 0;
			}
		} else {
			if (line == r->line_start)
				for (size_t i = 0; i < nrun; i++) {
					const char *rl = memchr(run[i], '\n', (size_t)(end - run[i]));
					bool o;
					const char *rh = line_comment(run[i], rl ? rl : end, &o);
					if (rh)
						comment_marks(c, r, rh, (size_t)((rl ? rl : end) - rh));
				}
			if (h)
				comment_marks(c, r, h, (size_t)(le - h));
		}
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
}

static void metadata_ignores(struct cfn *c, struct mmr_iac_resource *r, json_t *res)
{
	json_t *md = json_object_get(res, "Metadata");
	json_t *sk = json_object_get(json_object_get(md, "checkov"), "skip");
	size_t i;
	json_t *e;
	json_array_foreach(sk, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));
		if (id)
			add_ignore(c, r, "checkov:", id, strlen(id),
				   json_string_value(json_object_get(e, "comment")));
	}
	json_t *mi = json_object_get(json_object_get(md, "mamori"), "ignore");
	json_array_foreach(mi, i, e)
	{
		const char *s = json_string_value(e);
		if (s) {
			size_t n = strcspn(s, " \t");
			const char *rest = s + n;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			add_ignore(c, r, "", s, n, rest);
		} else {
			const char *id = json_string_value(json_object_get(e, "id"));
			if (id)
				add_ignore(c, r, "", id, strlen(id),
					   json_string_value(json_object_get(e, "reason")));
		}
	}
}

/* ---- resources ------------------------------------------------------------------- */

static int emit(struct cfn *c, const char *id, json_t *res)
{
	const char *type = json_string_value(json_object_get(res, "Type"));
	if (!type) {
		diag(c, &c->set->errors, "%s: resource %s has no Type", c->file, id);
		return 0;
	}
	c->cur = id;
	const char *cn = json_string_value(json_object_get(res, "Condition"));
	if (cn && cond_named(c, cn, 0) == 0) {
		c->cur = NULL;
		return 0;
	}
	struct mmr_iac_resource *r = mmr_arena_alloc(c->a, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->raw_type = mmr_arena_strdup(c->a, type);
	r->type = r->raw_type;
	r->source = "cloudformation";
	r->address = mmr_arena_strdup(c->a, id);
	r->file = c->file;
	char *rp = ptr_join("/Resources", id);
	char *pp = rp ? ptr_join(rp, "Properties") : NULL;
	if (!rp || !pp) {
		free(rp);
		free(pp);
		return -ENOMEM;
	}
	json_t *lr = json_object_get(c->tpos, rp);
	r->line_start = (unsigned long)json_integer_value(json_array_get(lr, 0));
	r->line_end = (unsigned long)json_integer_value(json_array_get(lr, 1));
	r->pos = json_object();
	c->pos = r->pos;
	c->refs = &r->refs;
	json_t *props = json_object_get(res, "Properties");
	/* `Properties:` with nothing after it sets nothing */
	json_t *doc = props && !json_is_null(props) ? ev(c, props, pp, "", 1) : json_object();
	if (!json_is_object(doc)) {
		if (!mmr_iac_is_unknown(doc))
			diag(c, &c->set->errors, "%s: resource %s: Properties is not a mapping",
			     c->file, id);
		json_decref(doc);
		doc = json_object();
	}
	json_object_del(r->pos, "");
	r->doc = doc;
	/* DependsOn names resources this one needs */
	c->pos = NULL;
	c->refs = NULL;
	c->cur = NULL;
	free(rp);
	free(pp);
	metadata_ignores(c, r, res);
	if (c->src)
		comment_ignores(c, r);
	if (!r->doc || !r->pos || mmr_vec_push(c->a, &c->set->resources, r) < 0) {
		json_decref(r->doc);
		json_decref(r->pos);
		return -ENOMEM;
	}
	return 0;
}

int mmr_cfn_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		  const struct mmr_limits *limits, struct mmr_error *reterr)
{
	struct mmr_limits def;
	int brc = mmr_iac_parse_begin(&limits, &def, &file, "<template>", "template", len, reterr);
	if (brc < 0)
		return brc;
	struct cfn c = {
		.set = set,
		.a = set->arena,
		.file = mmr_arena_strdup(set->arena, file),
		.src = data,
		.srclen = len,
		.max_depth = limits->max_json_depth ? (size_t)limits->max_json_depth : 256,
		.reterr = reterr,
	};
	if (!c.file)
		return -ENOMEM;
	c.tpos = json_object();
	c.params = json_object();
	c.cond_val = json_object();
	c.novalue = json_object();
	c.gcache = json_object();
	int r = -ENOMEM;
	if (!c.tpos || !c.params || !c.cond_val || !c.novalue || !c.gcache)
		goto out;
	r = load(&c, data, len, &c.tpl);
	if (r < 0)
		goto out;
	c.resources = json_object_get(c.tpl, "Resources");
	if (!json_is_object(c.resources)) {
		r = mmr_error_set(reterr, EPROTO, file, 0, 0,
				  "not a CloudFormation template (no Resources mapping)");
		goto out;
	}
	c.mappings = json_object_get(c.tpl, "Mappings");
	c.conds = json_object_get(c.tpl, "Conditions");
	load_params(&c);
	const char *id;
	json_t *res;
	r = 0;
	json_object_foreach(c.resources, id, res)
	{
		if (!json_is_object(res)) {
			diag(&c, &set->errors, "%s: resource %s is not a mapping", c.file, id);
			continue;
		}
		apply_globals(&c, id, res);
		if ((r = emit(&c, id, res)) < 0)
			break;
	}
out:
	json_decref(c.tpl);
	json_decref(c.tpos);
	json_decref(c.params);
	json_decref(c.cond_val);
	json_decref(c.novalue);
	json_decref(c.gcache);
	return r;
}

bool mmr_cfn_is_template(const void *data, size_t len)
{
	const char *p = data;
	size_t n = len < (1 << 20) ? len : (1 << 20);
	if (memmem(p, n, "AWSTemplateFormatVersion", 24))
		return true;
	if (!memmem(p, n, "Resources", 9))
		return false;
	return memmem(p, n, "AWS::", 5) || memmem(p, n, "Custom::", 8) || memmem(p, n, "Alexa::", 7);
}

/* ---- walking a tree ------------------------------------------------------------------ */

static bool cfn_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json") ||
		       !strcmp(dot, ".template"));
}

static void scan_file(struct mmr_iac_set *set, const char *path, const struct mmr_limits *lim)
{
	char *buf;
	size_t got;
	if (mmr_iac_read_file(path, lim, &buf, &got) < 0)
		return;
	if (mmr_cfn_is_template(buf, got)) {
		struct mmr_error e = { 0 };
		int r = mmr_cfn_parse(set, buf, got, path, lim, &e);
		if (r < 0 && r != -EPROTO)
			mmr_iac_add_error(set, path, &e);
	}
	free(buf);
}

int mmr_cfn_scan(struct mmr_iac_set *set, const char *path, const struct mmr_limits *limits,
		 struct mmr_error *reterr)
{
	return mmr_iac_walk(set, path, limits, cfn_ext, scan_file, reterr);
}
