/* core-json.c - JSON and YAML loading (see core-json.h). */
#include "core/core-json.h"
#include "core/core-error.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define DEFAULT_DEPTH 256
#define DEFAULT_NODES 4000000

static int json_depth_ok(const json_t *j, size_t depth, size_t max)
{
	if (depth > max)
		return 0;
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k, v)
		{
			if (!json_depth_ok(v, depth + 1, max))
				return 0;
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
		{
			if (!json_depth_ok(v, depth + 1, max))
				return 0;
		}
	}
	return 1;
}

int mmr_json_parse(const void *data, size_t len, const char *file, json_t **ret,
		   struct mmr_error *reterr)
{
	json_error_t je;
	/* jansson itself stops at depth 2048; we also bound it lower after. */
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES & 0, &je);
	if (!j)
		return mmr_error_set(reterr, EBADMSG, file, (unsigned long)(je.line > 0 ? je.line : 0),
				     (unsigned long)(je.column > 0 ? je.column : 0), "invalid JSON: %s",
				     je.text);
	if (!json_depth_ok(j, 0, DEFAULT_DEPTH)) {
		json_decref(j);
		return mmr_error_set(reterr, E2BIG, file, 0, 0,
				     "JSON nested deeper than %d levels (max-json-depth)", DEFAULT_DEPTH);
	}
	*ret = j;
	return 0;
}

const char *mmr_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *mmr_json_obj(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_object(v) ? v : NULL;
}

json_t *mmr_json_arr(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_array(v) ? v : NULL;
}

int mmr_json_bool(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_boolean(v) ? json_is_true(v) : -1;
}

/* ---- YAML ---- */

struct yctx {
	yaml_document_t *doc;
	const char *file;
	size_t max_depth, max_nodes, nodes;
	struct mmr_error *reterr;
	int err;
};

static bool eq_any(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static json_t *scalar(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	const char *tag = (const char *)n->tag;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (tag && strcmp(tag, YAML_STR_TAG) == 0 && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE))
		return json_stringn(s, len);
	if (tag && strcmp(tag, YAML_STR_TAG) != 0 && strncmp(tag, "tag:yaml.org,2002:", 18) != 0)
		return json_stringn(s, len); /* custom tags (e.g. !Ref) keep the text */
	return mmr_yaml_scalar(s, len, 0);
}

json_t *mmr_yaml_scalar(const char *s, size_t len, unsigned flags)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	static const char *const trues11[] = { "yes", "Yes", "YES", "on", "On", "ON", "y", "Y", NULL };
	static const char *const falses11[] = { "no", "No", "NO", "off", "Off", "OFF", "n", "N", NULL };
	if (strlen(s) != len)
		return json_stringn(s, len);
	if (eq_any(s, nulls))
		return json_null();
	if (eq_any(s, trues) || ((flags & MMR_YAML_BOOL11) && eq_any(s, trues11)))
		return json_true();
	if (eq_any(s, falses) || ((flags & MMR_YAML_BOOL11) && eq_any(s, falses11)))
		return json_false();
	/* integers: [-+]?[0-9]+ without a leading zero; floats with . or an exponent */
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (*p >= '0' && *p <= '9') {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (*end == 0 && errno == 0 && !(p[0] == '0' && p[1]))
			return json_integer(v);
		bool lead0 = p[0] == '0' && p[1] >= '0' && p[1] <= '9';
		errno = 0;
		double d = strtod(s, &end);
		if (*end == 0 && errno == 0 && isfinite(d) && strpbrk(s, ".eE") && !strpbrk(s, "xXpP") &&
		    !(lead0 && (flags & MMR_YAML_NO_LEADING_ZERO_FLOAT)))
			return json_real(d);
	}
	return json_stringn(s, len);
}

static json_t *convert(struct yctx *c, int id, size_t depth)
{
	yaml_node_t *n = yaml_document_get_node(c->doc, id);
	if (!n)
		return json_null();
	if (depth > c->max_depth) {
		c->err = mmr_error_set(c->reterr, E2BIG, c->file, n->start_mark.line + 1,
				       n->start_mark.column + 1,
				       "YAML nested deeper than %zu levels (max-json-depth)",
				       c->max_depth);
		return NULL;
	}
	if (++c->nodes > c->max_nodes) {
		c->err = mmr_error_set(c->reterr, E2BIG, c->file, n->start_mark.line + 1,
				       n->start_mark.column + 1,
				       "YAML expands to more than %zu nodes (aliases?)", c->max_nodes);
		return NULL;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return scalar(n);
	case YAML_SEQUENCE_NODE: {
		json_t *a = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			json_t *v = convert(c, *it, depth + 1);
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
		     pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
			json_t *v;
			if (k && k->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)k->data.scalar.value, "<<") == 0 &&
			    k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
				/* merge key: copy the mapping(s) in, without overriding */
				v = convert(c, pr->value, depth + 1);
				if (!v) {
					json_decref(o);
					return NULL;
				}
				json_t *list = json_is_array(v) ? v : NULL;
				size_t cnt = list ? json_array_size(list) : 1;
				for (size_t i = 0; i < cnt; i++) {
					json_t *m = list ? json_array_get(list, i) : v;
					if (json_is_object(m))
						json_object_update_missing(o, m);
				}
				json_decref(v);
				continue;
			}
			if (!k || k->type != YAML_SCALAR_NODE) {
				c->err = mmr_error_set(c->reterr, ENOTSUP, c->file,
						       n->start_mark.line + 1, n->start_mark.column + 1,
						       "complex (non-scalar) mapping keys are not supported");
				json_decref(o);
				return NULL;
			}
			v = convert(c, pr->value, depth + 1);
			if (!v) {
				json_decref(o);
				return NULL;
			}
			json_object_setn_new(o, (const char *)k->data.scalar.value,
					     k->data.scalar.length, v);
		}
		return o;
	}
	default:
		return json_null();
	}
}

int mmr_yaml_parse(const void *data, size_t len, const char *file, int all_docs, size_t max_depth,
		   size_t max_nodes, json_t **ret, struct mmr_error *reterr)
{
	yaml_parser_t p;
	struct yctx c = {
		.file = file,
		.max_depth = max_depth ? max_depth : DEFAULT_DEPTH,
		.max_nodes = max_nodes ? max_nodes : DEFAULT_NODES,
		.reterr = reterr,
	};
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, data, len);
	json_t *docs = json_array();
	int r = 0;
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&p, &doc)) {
			r = mmr_error_set(reterr, EBADMSG, file, p.problem_mark.line + 1,
					  p.problem_mark.column + 1, "invalid YAML: %s%s%s",
					  p.problem ? p.problem : "syntax error",
					  p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break; /* end of stream */
		}
		c.doc = &doc;
		json_t *v = convert(&c, 1, 0);
		yaml_document_delete(&doc);
		if (!v) {
			r = c.err ? c.err : -ENOMEM;
			break;
		}
		json_array_append_new(docs, v);
		if (!all_docs)
			break;
	}
	yaml_parser_delete(&p);
	if (r < 0) {
		json_decref(docs);
		return r;
	}
	if (all_docs) {
		*ret = docs;
	} else {
		json_t *first = json_array_size(docs) ? json_incref(json_array_get(docs, 0)) : json_null();
		json_decref(docs);
		*ret = first;
	}
	return 0;
}
