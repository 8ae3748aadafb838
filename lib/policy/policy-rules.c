/* policy-rules.c - YAML rule files: loading, validation, compilation, and
 * the user's switches (--rules, --skip, --severity-override).
 *
 * The file is read with libyaml's document API (not mmr_yaml_parse) so the
 * condition's position inside the file is known: an error in a condition
 * names rule-file:line:column of the offending token. Unknown keys are an
 * error too, so a typo ("severty") does not silently drop a field. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/core-str.h"
#include "policy/policy-internal.h"

void mmr_pol_regex_free(void *p);

#define POL_MAX_DIR_DEPTH 16

int mmr_policy_set_new(struct mmr_policy_set **ret)
{
	struct mmr_arena *a = mmr_arena_new(256 << 20);
	if (!a)
		return -ENOMEM;
	struct mmr_policy_set *s = mmr_arena_alloc(a, sizeof(*s));
	if (!s) {
		mmr_arena_free(a);
		return -ENOMEM;
	}
	s->arena = a;
	*ret = s;
	return 0;
}

void mmr_policy_set_free(struct mmr_policy_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->regexes.n; i++)
		mmr_pol_regex_free(s->regexes.v[i]);
	for (size_t i = 0; i < s->literals.n; i++)
		json_decref(s->literals.v[i]);
	mmr_arena_free(s->arena);
}

struct mmr_policy_rule *mmr_policy_find(const struct mmr_policy_set *s, const char *id)
{
	for (size_t i = 0; s && id && i < s->rules.n; i++) {
		struct mmr_policy_rule *r = s->rules.v[i];
		if (strcasecmp(r->id, id) == 0)
			return r;
	}
	return NULL;
}

int mmr_policy_skip(struct mmr_policy_set *s, const char *id)
{
	struct mmr_policy_rule *r = mmr_policy_find(s, id);
	if (!r)
		return -ENOENT;
	r->disabled = true;
	return 0;
}

int mmr_policy_severity_override(struct mmr_policy_set *s, const char *assignment)
{
	const char *eq = assignment ? strchr(assignment, '=') : NULL;
	char id[128];
	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(id))
		return -EINVAL;
	memcpy(id, assignment, (size_t)(eq - assignment));
	id[eq - assignment] = 0;
	enum mmr_severity sev = mmr_severity_from_name(eq + 1);
	if (sev == MMR_SEV_UNKNOWN && strcasecmp(eq + 1, "unknown") != 0)
		return -EINVAL;
	struct mmr_policy_rule *r = mmr_policy_find(s, id);
	if (!r)
		return -ENOENT;
	r->severity = sev;
	return 0;
}

/* ---- loading ---- */

struct loader {
	struct mmr_policy_set *set;
	yaml_document_t *doc;
	const char *data;
	size_t len;
	const char *file;
	struct mmr_error *reterr;
};

static int node_err(struct loader *l, const yaml_node_t *n, const char *fmt, const char *arg)
{
	return mmr_error_set(l->reterr, EBADMSG, l->file, n ? n->start_mark.line + 1 : 0,
			     n ? n->start_mark.column + 1 : 0, fmt, arg);
}

static const char *scalar(struct loader *l, const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return mmr_arena_strndup(l->set->arena, (const char *)n->data.scalar.value,
				 n->data.scalar.length);
}

/* A scalar or a sequence of scalars, appended to vec (with an optional prefix). */
static int str_list(struct loader *l, const yaml_node_t *n, struct mmr_vec *vec,
		    const char *prefix, const char *what)
{
	if (n->type == YAML_SCALAR_NODE) {
		const char *s = scalar(l, n);
		if (!s)
			return -ENOMEM;
		if (prefix && !(s = mmr_arena_printf(l->set->arena, "%s:%s", prefix, s)))
			return -ENOMEM;
		return mmr_vec_push(l->set->arena, vec, (void *)s);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return node_err(l, n, "%s: expected a string or a list of strings", what);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(l->doc, *it);
		if (!e || e->type != YAML_SCALAR_NODE)
			return node_err(l, e ? e : n, "%s: expected a list of strings", what);
		int r = str_list(l, e, vec, prefix, what);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Byte offset of a libyaml mark (line and column count characters). */
static size_t mark_offset(struct loader *l, const yaml_mark_t *m)
{
	size_t off = 0, line = 0;
	while (off < l->len && line < m->line) {
		if (l->data[off] == '\n')
			line++;
		off++;
	}
	for (size_t col = 0; off < l->len && col < m->column; off++)
		if (((unsigned char)l->data[off] & 0xC0) != 0x80)
			col++;
	/* skip continuation bytes of the last character */
	while (off < l->len && ((unsigned char)l->data[off] & 0xC0) == 0x80)
		off++;
	return off;
}

static int compile_condition(struct loader *l, const yaml_node_t *n, struct mmr_policy_rule *rule)
{
	const char *text;
	size_t len;
	unsigned long line = n->start_mark.line + 1, col = n->start_mark.column + 1;

	if (n->type != YAML_SCALAR_NODE)
		return node_err(l, n, "condition: expected a string%s", "");
	rule->condition_text = scalar(l, n);
	if (!rule->condition_text)
		return -ENOMEM;
	switch (n->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE: {
		/* Lex the source text itself so positions are the file's: the
		 * tokens of a block scalar's raw lines equal its content's. */
		size_t s = mark_offset(l, &n->start_mark), e = mark_offset(l, &n->end_mark);
		if (e > l->len || e < s)
			e = s;
		if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
			while (s < e && l->data[s] != '\n')
				s++; /* the indicator line ("|", ">-", "| # note") */
			if (s < e)
				s++;
			line++;
			col = 1;
		}
		text = l->data + s;
		len = e - s;
		break;
	}
	default: /* quoted: the decoded value, positions from the opening quote */
		text = rule->condition_text;
		len = n->data.scalar.length;
		col++;
		break;
	}
	return mmr_policy_compile(l->set, text, len, l->file, line, col, &rule->cond, l->reterr);
}

/* YAML -> JSON for rule examples: plain scalars typed (YAML 1.2 core),
 * quoted ones strings. */
static json_t *to_json(struct loader *l, yaml_node_t *n, int depth)
{
	if (!n || depth > 64)
		return NULL;
	if (n->type == YAML_SCALAR_NODE) {
		const char *v = (const char *)n->data.scalar.value;
		size_t len = n->data.scalar.length;
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			char *end = NULL;
			if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0)
				return json_true();
			if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0)
				return json_false();
			if (len == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0)
				return json_null();
			if ((v[0] >= '0' && v[0] <= '9') || v[0] == '-') {
				errno = 0;
				long long ll = strtoll(v, &end, 10);
				if (!errno && end && !*end)
					return json_integer(ll);
				double d = strtod(v, &end);
				if (end && !*end)
					return json_real(d);
			}
		}
		return json_stringn(v, len);
	}
	json_t *out = n->type == YAML_SEQUENCE_NODE ? json_array() : json_object();
	if (!out)
		return NULL;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			json_t *e = to_json(l, yaml_document_get_node(l->doc, *it), depth + 1);
			if (!e || json_array_append_new(out, e) < 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		json_t *v = to_json(l, yaml_document_get_node(l->doc, p->value), depth + 1);
		if (!k || k->type != YAML_SCALAR_NODE || !v ||
		    json_object_set_new(out, (const char *)k->data.scalar.value, v) < 0) {
			json_decref(v);
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static bool valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int load_rule(struct loader *l, yaml_node_t *map)
{
	struct mmr_policy_rule *rule;
	yaml_node_t *cond = NULL;
	int r;

	if (map->type != YAML_MAPPING_NODE)
		return node_err(l, map, "a rule must be a mapping%s", "");
	rule = mmr_arena_alloc(l->set->arena, sizeof(*rule));
	if (!rule)
		return -ENOMEM;
	rule->file = mmr_arena_strdup(l->set->arena, l->file);
	rule->line = map->start_mark.line + 1;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return node_err(l, k ? k : map, "rule keys must be strings%s", "");
		const char *key = (const char *)k->data.scalar.value;
		const char **str_field = NULL;
		if (strcmp(key, "id") == 0)
			str_field = &rule->id;
		else if (strcmp(key, "title") == 0)
			str_field = &rule->title;
		else if (strcmp(key, "description") == 0)
			str_field = &rule->description;
		else if (strcmp(key, "remediation") == 0)
			str_field = &rule->remediation;
		if (str_field) {
			if (v->type != YAML_SCALAR_NODE)
				return node_err(l, v, "%s: expected a string", key);
			if (!(*str_field = scalar(l, v)))
				return -ENOMEM;
		} else if (strcmp(key, "severity") == 0) {
			const char *s = scalar(l, v);
			if (!s)
				return node_err(l, v, "severity: expected a string%s", "");
			rule->severity = mmr_severity_from_name(s);
			if (rule->severity == MMR_SEV_UNKNOWN)
				return node_err(l, v,
						"severity: '%s' is not one of CRITICAL, HIGH, MEDIUM, LOW, INFO",
						s);
		} else if (strcmp(key, "resource") == 0 || strcmp(key, "resources") == 0) {
			if ((r = str_list(l, v, &rule->types, NULL, key)) < 0)
				return r;
		} else if (strcmp(key, "peers") == 0) {
			if ((r = str_list(l, v, &rule->peers, NULL, key)) < 0)
				return r;
		} else if (strcmp(key, "references") == 0) {
			if ((r = str_list(l, v, &rule->references, NULL, key)) < 0)
				return r;
		} else if (strcmp(key, "condition") == 0) {
			cond = v;
		} else if (strcmp(key, "compliance") == 0 || strcmp(key, "fix") == 0) {
			bool is_fix = key[0] == 'f';
			if (v->type != YAML_MAPPING_NODE)
				return node_err(l, v, "%s: expected a mapping", key);
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
			     q < v->data.mapping.pairs.top; q++) {
				yaml_node_t *fk = yaml_document_get_node(l->doc, q->key);
				yaml_node_t *fv = yaml_document_get_node(l->doc, q->value);
				const char *name = scalar(l, fk);
				if (!name || !fv)
					return node_err(l, fk ? fk : v, "%s: keys must be strings",
							key);
				if (is_fix) {
					struct mmr_policy_fix *fx =
						mmr_arena_alloc(l->set->arena, sizeof(*fx));
					if (!fx)
						return -ENOMEM;
					fx->source = name;
					if (!(fx->snippet = scalar(l, fv)))
						return node_err(l, fv, "fix.%s: expected a string",
								name);
					if (mmr_vec_push(l->set->arena, &rule->fixes, fx) < 0)
						return -ENOMEM;
				} else if ((r = str_list(l, fv, &rule->controls, name, key)) < 0) {
					return r;
				}
			}
		} else if (strcmp(key, "examples") == 0) {
			json_t *ex = to_json(l, v, 0);
			if (!json_is_object(ex)) {
				json_decref(ex);
				return node_err(l, v, "examples: expected a mapping with bad/good lists%s",
						"");
			}
			if (mmr_vec_push(l->set->arena, &l->set->literals, ex) < 0) {
				json_decref(ex);
				return -ENOMEM;
			}
			rule->examples = ex;
		} else if (strcmp(key, "provider") == 0 || strcmp(key, "service") == 0 ||
			   strcmp(key, "tags") == 0 || strncmp(key, "x-", 2) == 0) {
			/* informational */
		} else {
			return node_err(l, k, "unknown rule key '%s'", key);
		}
	}
	if (!rule->id)
		return node_err(l, map, "rule without an id%s", "");
	if (!valid_id(rule->id))
		return node_err(l, map, "rule id '%s' is not [A-Za-z0-9._-]{1,64}", rule->id);
	if (!rule->title)
		return node_err(l, map, "rule %s has no title", rule->id);
	if (rule->severity == MMR_SEV_UNKNOWN)
		return node_err(l, map, "rule %s has no severity", rule->id);
	if (rule->types.n == 0)
		return node_err(l, map, "rule %s names no resource types", rule->id);
	if (!cond)
		return node_err(l, map, "rule %s has no condition", rule->id);
	if (mmr_policy_find(l->set, rule->id))
		return mmr_error_set(l->reterr, EEXIST, l->file, rule->line, 1,
				     "rule %s is already defined", rule->id);
	if ((r = compile_condition(l, cond, rule)) < 0)
		return r;
	rule->default_severity = rule->severity;
	return mmr_vec_push(l->set->arena, &l->set->rules, rule);
}

int mmr_policy_load_buffer(struct mmr_policy_set *s, const void *data, size_t len,
			   const char *file, struct mmr_error *reterr)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int r = 0;

	if (!s || (!data && len))
		return -EINVAL;
	if (!file)
		file = "<rules>";
	if (len > MMR_POLICY_MAX_RULE_FILE)
		return mmr_error_set(reterr, E2BIG, file, 0, 0, "rule file larger than %d bytes",
				     MMR_POLICY_MAX_RULE_FILE);
	if (memchr(data, 0, len))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "NUL byte in rule file");
	struct loader l = { .set = s, .doc = &doc, .data = data, .len = len, .file = file,
			    .reterr = reterr };
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, data, len);
	for (;;) {
		if (!yaml_parser_load(&parser, &doc)) {
			r = mmr_error_set(reterr, EBADMSG, file, parser.problem_mark.line + 1,
					  parser.problem_mark.column + 1, "invalid YAML: %s",
					  parser.problem ? parser.problem : "syntax error");
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) { /* end of stream */
			yaml_document_delete(&doc);
			break;
		}
		yaml_node_t *list = NULL;
		if (root->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
			     p < root->data.mapping.pairs.top; p++) {
				yaml_node_t *k = yaml_document_get_node(&doc, p->key);
				if (k && k->type == YAML_SCALAR_NODE &&
				    strcmp((const char *)k->data.scalar.value, "rules") == 0)
					list = yaml_document_get_node(&doc, p->value);
			}
		}
		if (list) {
			if (list->type != YAML_SEQUENCE_NODE) {
				r = node_err(&l, list, "rules: expected a list of rules%s", "");
			} else {
				for (yaml_node_item_t *it = list->data.sequence.items.start;
				     r >= 0 && it < list->data.sequence.items.top; it++) {
					yaml_node_t *e = yaml_document_get_node(&doc, *it);
					r = e ? load_rule(&l, e) : -EBADMSG;
				}
			}
		} else {
			r = load_rule(&l, root);
		}
		yaml_document_delete(&doc);
		if (r < 0)
			break;
	}
	yaml_parser_delete(&parser);
	return r < 0 ? r : 0;
}

int mmr_policy_load_file(struct mmr_policy_set *s, const char *path, struct mmr_error *reterr)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "not a regular file");
	}
	if (st.st_size > MMR_POLICY_MAX_RULE_FILE) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "rule file larger than %d bytes",
				     MMR_POLICY_MAX_RULE_FILE);
	}
	size_t len = (size_t)st.st_size, got = 0;
	char *buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	const char *file = mmr_arena_strdup(s->arena, path);
	int r = file ? mmr_policy_load_buffer(s, buf, got, file, reterr) : -ENOMEM;
	free(buf);
	return r;
}

static int yaml_name(const struct dirent *d)
{
	if (d->d_name[0] == '.')
		return 0;
	return 1;
}

static int load_dir(struct mmr_policy_set *s, const char *dir, int depth,
		    struct mmr_error *reterr)
{
	struct dirent **ents = NULL;
	int n, r = 0;

	if (depth > POL_MAX_DIR_DEPTH)
		return mmr_error_set(reterr, E2BIG, dir, 0, 0, "rule directories nest too deep");
	n = scandir(dir, &ents, yaml_name, alphasort);
	if (n < 0)
		return mmr_error_set(reterr, errno, dir, 0, 0, "cannot read rule directory: %s",
				     strerror(errno));
	for (int i = 0; i < n; i++) {
		char *path = NULL;
		struct stat st;
		if (r >= 0) {
			path = mmr_arena_printf(s->arena, "%s/%s", dir, ents[i]->d_name);
			if (!path)
				r = -ENOMEM;
		}
		if (r >= 0 && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				r = load_dir(s, path, depth + 1, reterr);
			else if (S_ISREG(st.st_mode) && (mmr_cstr_ends(path, ".yaml") ||
							 mmr_cstr_ends(path, ".yml")))
				r = mmr_policy_load_file(s, path, reterr);
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}


int mmr_policy_load_dir(struct mmr_policy_set *s, const char *dir, struct mmr_error *reterr)
{
	if (!s || !dir)
		return -EINVAL;
	return load_dir(s, dir, 0, reterr);
}

int mmr_policy_load(const char *const *dirs, size_t ndirs, struct mmr_policy_set **ret,
		    struct mmr_error *reterr)
{
	struct mmr_policy_set *s;
	int r = mmr_policy_set_new(&s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ndirs; i++) {
		struct stat st;
		if (stat(dirs[i], &st) == 0 && S_ISREG(st.st_mode))
			r = mmr_policy_load_file(s, dirs[i], reterr);
		else
			r = mmr_policy_load_dir(s, dirs[i], reterr);
		if (r < 0) {
			mmr_policy_set_free(s);
			return r;
		}
	}
	*ret = s;
	return 0;
}
