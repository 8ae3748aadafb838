/* sbom-yarn.c - yarn.lock, classic (v1, yarn's own indented syntax) and
 * berry (v2+, YAML with a __metadata entry).
 *
 * Each entry is headed by the patterns that resolved to it ("a@^1, a@~1:"),
 * has a version, and lists its dependencies as name + range; a range is
 * turned into a package id through the patterns of all entries. Entries
 * whose pattern uses a non-registry protocol (workspace:, patch:, file:,
 * link:, portal:, git...) are the project's own or local code and are
 * skipped, as Trivy does. */
#include "core/core-json.h"
#include "core/core-str.h"
#include "sbom/sbom-lang.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct ydep {
	const char *name, *range;
};

struct yent {
	const char *name, *version;
	struct mmr_vec patterns; /* const char *: "name@range" */
	struct mmr_vec deps;     /* struct ydep * */
	unsigned long start, end;
	bool skip;
};

static const char *const ignored_protocols[] = { "workspace", "patch", "file", "link",
						 "portal", "github", "git", "git+ssh",
						 "git+http", "git+https", "git+file", NULL };

static struct mmr_str unquote(struct mmr_str s)
{
	s = mmr_str_trim(s);
	if (s.len >= 2 && (s.p[0] == '"' || s.p[0] == '\'') && s.p[s.len - 1] == s.p[0])
		return (struct mmr_str){ s.p + 1, s.len - 2 };
	return s;
}

/* "name@[protocol:]range" -> name, protocol (may be empty) and range. */
static bool split_pattern(struct mmr_str pat, struct mmr_str *name, struct mmr_str *proto,
			  struct mmr_str *range)
{
	size_t at = 0;
	for (size_t i = 1; i < pat.len; i++)
		if (pat.p[i] == '@') {
			at = i;
			break;
		}
	if (!at)
		return false;
	*name = (struct mmr_str){ pat.p, at };
	struct mmr_str rest = { pat.p + at + 1, pat.len - at - 1 };
	*proto = (struct mmr_str){ rest.p, 0 };
	*range = rest;
	for (size_t i = 0; i < rest.len && rest.p[i] != ' '; i++)
		if (rest.p[i] == ':') {
			*proto = (struct mmr_str){ rest.p, i };
			*range = (struct mmr_str){ rest.p + i + 1, rest.len - i - 1 };
			break;
		}
	return name->len > 0;
}

static bool ignored(struct mmr_str proto)
{
	for (size_t i = 0; ignored_protocols[i]; i++)
		if (mmr_str_eqc(proto, ignored_protocols[i]))
			return true;
	return false;
}

/* Canonical pattern key: name@range with a "npm:" protocol dropped (other
 * protocols kept so they never collide with registry ranges). */
static char *pattern_key(struct mmr_arena *a, struct mmr_str name, struct mmr_str proto,
			 struct mmr_str range)
{
	if (!proto.len || mmr_str_eqc(proto, "npm"))
		return mmr_arena_printf(a, "%.*s@%.*s", (int)name.len, name.p, (int)range.len,
					range.p);
	return mmr_arena_printf(a, "%.*s@%.*s:%.*s", (int)name.len, name.p, (int)proto.len,
				proto.p, (int)range.len, range.p);
}

/* Add the comma-separated header patterns to e; the first names the package. */
static int add_patterns(struct mmr_arena *a, struct yent *e, struct mmr_str hdr)
{
	size_t i = 0;
	while (i <= hdr.len) {
		size_t j = i;
		while (j < hdr.len && hdr.p[j] != ',')
			j++;
		struct mmr_str pat = unquote((struct mmr_str){ hdr.p + i, j - i });
		struct mmr_str name, proto, range;
		if (pat.len && split_pattern(pat, &name, &proto, &range)) {
			if (!e->name) {
				e->name = mmr_str_dup(a, name);
				e->skip = ignored(proto);
			}
			char *k = pattern_key(a, name, proto, range);
			if (!k || !e->name || mmr_vec_push(a, &e->patterns, k) < 0)
				return -ENOMEM;
		}
		i = j + 1;
	}
	return 0;
}

static int add_dep(struct mmr_arena *a, struct yent *e, struct mmr_str name, struct mmr_str range)
{
	struct ydep *d = mmr_arena_alloc(a, sizeof(*d));
	if (!d)
		return -ENOMEM;
	struct mmr_str proto = { NULL, 0 }, r = range;
	long c = mmr_str_chr(range, ':');
	if (c > 0 && !memchr(range.p, ' ', (size_t)c)) {
		proto = (struct mmr_str){ range.p, (size_t)c };
		r = (struct mmr_str){ range.p + c + 1, range.len - (size_t)c - 1 };
	}
	d->name = mmr_str_dup(a, name);
	d->range = pattern_key(a, name, proto, r);
	if (!d->name || !d->range)
		return -ENOMEM;
	return mmr_vec_push(a, &e->deps, d);
}

/* Turn the entries into packages, resolving dependency ranges. */
static int emit(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, struct mmr_vec *ents,
		struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	struct mmr_map bypat, byid;
	mmr_map_init(&bypat, a);
	mmr_map_init(&byid, a);
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_yarn, f->path);
	if (!g)
		return -ENOMEM;
	struct mmr_package **pk = mmr_arena_calloc(a, ents->n ? ents->n : 1, sizeof(*pk));
	if (!pk)
		return -ENOMEM;
	for (size_t i = 0; i < ents->n; i++) {
		struct yent *e = ents->v[i];
		if (e->skip || !e->name || !e->version || !*e->version)
			continue;
		char *id = mmr_arena_printf(a, "%s@%s", e->name, e->version);
		if (!id)
			return -ENOMEM;
		struct mmr_package *p = mmr_map_get(&byid, id);
		if (!p) {
			p = mmr_sbom_package_new(ctx, g, MMR_ECO_NPM, e->name, e->version);
			if (!p) {
				if (ctx->limits && g->packages.n >= ctx->limits->max_packages)
					return mmr_error_set(reterr, E2BIG, f->path, e->start, 0,
							     "more than %s=%llu packages",
							     mmr_limits_key(ctx->limits,
									    &ctx->limits->max_packages),
							     (unsigned long long)ctx->limits->max_packages);
				return -ENOMEM;
			}
			p->id = id;
			p->line_start = e->start;
			p->line_end = e->end;
			if (mmr_map_put(&byid, id, p) < 0)
				return -ENOMEM;
			pk[i] = p;
		}
		for (size_t k = 0; k < e->patterns.n; k++)
			if (mmr_map_put(&bypat, e->patterns.v[k], p) < 0)
				return -ENOMEM;
	}
	for (size_t i = 0; i < ents->n; i++) {
		struct yent *e = ents->v[i];
		if (!pk[i])
			continue;
		for (size_t k = 0; k < e->deps.n; k++) {
			const struct ydep *d = e->deps.v[k];
			const struct mmr_package *t = mmr_map_get(&bypat, d->range);
			bool dup = false;
			if (!t)
				continue;
			for (size_t j = 0; j < pk[i]->depends_on.n; j++)
				dup |= strcmp(pk[i]->depends_on.v[j], t->id) == 0;
			if (!dup && mmr_sbom_add_dep(ctx, pk[i], t->id) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- classic ---- */

static size_t indent_of(struct mmr_str l)
{
	size_t i = 0;
	while (i < l.len && l.p[i] == ' ')
		i++;
	return i;
}

static int parse_v1(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		    struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	struct mmr_vec ents = { 0 };
	struct yent *cur = NULL;
	bool in_deps = false;
	unsigned long last = 0;
	struct mmr_lines it;
	struct mmr_str l;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &l)) {
		if (ctx->limits && l.len > ctx->limits->max_line)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "line longer than %s=%llu",
					     mmr_limits_key(ctx->limits, &ctx->limits->max_line),
					     (unsigned long long)ctx->limits->max_line);
		struct mmr_str t = mmr_str_trim(l);
		if (!t.len || t.p[0] == '#')
			continue;
		size_t ind = indent_of(l);
		if (ind == 0) {
			if (cur)
				cur->end = last;
			in_deps = false;
			if (t.p[t.len - 1] != ':')
				return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 1,
						     "expected \"pattern:\" at the start of an entry");
			cur = mmr_arena_alloc(a, sizeof(*cur));
			if (!cur || mmr_vec_push(a, &ents, cur) < 0)
				return -ENOMEM;
			cur->start = it.lineno;
			if (add_patterns(a, cur, (struct mmr_str){ t.p, t.len - 1 }) < 0)
				return -ENOMEM;
		} else if (!cur) {
			return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 1,
					     "indented line outside an entry");
		} else if (ind <= 2) {
			in_deps = mmr_str_eqc(t, "dependencies:") ||
				  mmr_str_eqc(t, "optionalDependencies:");
			if (mmr_str_starts(t, "version ") || mmr_str_starts(t, "version:")) {
				struct mmr_str v = unquote((struct mmr_str){ t.p + 8, t.len - 8 });
				cur->version = mmr_str_dup(a, v);
				if (!cur->version)
					return -ENOMEM;
			}
		} else if (in_deps) {
			/* name "range" or "name" "range" */
			size_t sp;
			if (t.p[0] == '"') {
				sp = 1;
				while (sp < t.len && t.p[sp] != '"')
					sp++;
				sp++;
			} else {
				sp = 0;
				while (sp < t.len && t.p[sp] != ' ')
					sp++;
			}
			if (sp < t.len) {
				struct mmr_str n = unquote((struct mmr_str){ t.p, sp });
				struct mmr_str r = unquote((struct mmr_str){ t.p + sp, t.len - sp });
				if (n.len && add_dep(a, cur, n, r) < 0)
					return -ENOMEM;
			}
		}
		last = it.lineno;
	}
	if (cur)
		cur->end = last;
	return emit(ctx, f, &ents, reterr);
}

/* ---- berry ---- */

static const char *scalar(struct mmr_arena *a, const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return mmr_arena_printf(a, "%lld", (long long)json_integer_value(v));
	return NULL;
}

static int parse_berry(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		       struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	json_t *doc = NULL;
	size_t maxd = ctx->limits ? ctx->limits->max_json_depth : 0;
	int r = mmr_yaml_parse(f->data, f->len, f->path, 0, maxd, 0, &doc, reterr);
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, f->path, 1, 0, "not a YAML mapping");
	}
	struct mmr_map locs;
	struct mmr_vec ents = { 0 };
	mmr_map_init(&locs, a);
	r = mmr_sbom_yaml_locate(a, f->data, f->len, NULL, 0, &locs);
	const char *key;
	json_t *v;
	json_object_foreach(doc, key, v) {
		if (r < 0)
			break;
		if (strcmp(key, "__metadata") == 0 || !json_is_object(v))
			continue;
		struct yent *e = mmr_arena_alloc(a, sizeof(*e));
		if (!e || mmr_vec_push(a, &ents, e) < 0) {
			r = -ENOMEM;
			break;
		}
		const struct mmr_sbom_loc *loc = mmr_map_get(&locs, key);
		if (loc) {
			e->start = loc->start;
			e->end = loc->end;
		}
		r = add_patterns(a, e, mmr_str_from(key));
		e->version = mmr_arena_strdup(a, scalar(a, json_object_get(v, "version")));
		const char *dn;
		json_t *dv;
		json_object_foreach(mmr_json_obj(v, "dependencies"), dn, dv) {
			const char *range = scalar(a, dv);
			if (r >= 0 && range)
				r = add_dep(a, e, mmr_str_from(dn), mmr_str_from(range));
		}
		json_object_foreach(mmr_json_obj(v, "optionalDependencies"), dn, dv) {
			const char *range = scalar(a, dv);
			if (r >= 0 && range)
				r = add_dep(a, e, mmr_str_from(dn), mmr_str_from(range));
		}
	}
	if (r >= 0)
		r = emit(ctx, f, &ents, reterr);
	json_decref(doc);
	return r;
}

static bool yarn_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(mmr_path_base(path), "yarn.lock") == 0 && strncmp(path, "node_modules/", 13) != 0 &&
	       !strstr(path, "/node_modules/");
}

static int yarn_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	/* berry files carry a top-level __metadata entry */
	struct mmr_lines it;
	struct mmr_str l;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &l)) {
		if (mmr_str_starts(l, "__metadata:"))
			return parse_berry(ctx, f, reterr);
		if (l.len && l.p[0] != '#' && l.p[0] != ' ' && mmr_str_trim(l).len)
			break;
	}
	return parse_v1(ctx, f, reterr);
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_yarn = {
	.name = "yarn",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = yarn_match,
	.parse = yarn_parse,
};
