/* sbom-npm.c - npm: package-lock.json / npm-shrinkwrap.json (lockfile
 * versions 1, 2 and 3) for source trees, and the package.json of every
 * installed package for images.
 *
 * v1 nests packages under "dependencies"; v2/v3 list them under "packages"
 * keyed by their node_modules path ("" is the project itself, workspace
 * members appear under their own directory and are linked from
 * node_modules/<name>). Packages are unique by name@version: a package
 * installed in several places is dev only if every copy is, and direct if
 * any copy is. */
#include "core/core-json.h"
#include "core/core-str.h"
#include "sbom/sbom-lang.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

/* ---- shared: unique packages by id ---- */

struct npm_out {
	struct mmr_sbom_ctx *ctx;
	struct mmr_sbom_group *g;
	struct mmr_map byid; /* id -> struct mmr_package * */
	const char *path;
};

static const char *pkg_id(struct mmr_arena *a, const char *name, const char *ver)
{
	return *ver ? mmr_arena_printf(a, "%s@%s", name, ver) : mmr_arena_strdup(a, name);
}

/* The package for name@ver, created on first sight. *ret_new tells which. */
static int npm_add(struct npm_out *o, const char *name, const char *ver, bool dev,
		   enum mmr_dep_relation rel, const struct mmr_sbom_loc *loc,
		   struct mmr_package **ret, bool *ret_new)
{
	const char *id = pkg_id(o->ctx->arena, name, ver);
	if (!id)
		return -ENOMEM;
	struct mmr_package *p = mmr_map_get(&o->byid, id);
	*ret_new = p == NULL;
	if (p) {
		p->dev = p->dev && dev;
		if (rel == MMR_DEP_DIRECT && p->relation == MMR_DEP_INDIRECT)
			p->relation = MMR_DEP_DIRECT;
		if (loc && (!p->line_start || loc->start < p->line_start)) {
			p->line_start = loc->start;
			p->line_end = loc->end;
		}
		*ret = p;
		return 0;
	}
	p = mmr_sbom_package_new(o->ctx, o->g, MMR_ECO_NPM, name, ver);
	if (!p)
		return o->ctx->limits && o->g->packages.n >= o->ctx->limits->max_packages
			       ? -E2BIG
			       : -ENOMEM;
	p->id = id;
	p->dev = dev;
	p->relation = rel;
	p->indirect = rel == MMR_DEP_INDIRECT;
	if (loc) {
		p->line_start = loc->start;
		p->line_end = loc->end;
	}
	if (mmr_map_put(&o->byid, id, p) < 0)
		return -ENOMEM;
	*ret = p;
	return 0;
}


static int too_many(struct mmr_error *reterr, const char *path, const struct mmr_sbom_ctx *ctx)
{
	return mmr_error_set(reterr, E2BIG, path, 0, 0, "more than %s=%llu packages",
			     mmr_limits_key(ctx->limits, &ctx->limits->max_packages),
			     (unsigned long long)ctx->limits->max_packages);
}

/* ---- lockfile v1 ---- */

/* The chain of "dependencies" objects from the current level up to the
 * root: a requirement resolves to the nearest one that has it. */
struct v1_scope {
	const json_t *deps;
	const struct v1_scope *up;
};

static bool v1_want(const struct mmr_sbom_json_path *path, size_t depth)
{
	if (depth < 2 || depth % 2)
		return false;
	for (size_t i = 0; i < depth; i += 2)
		if (!path[i].key.p || !mmr_str_eqc(path[i].key, "dependencies"))
			return false;
	return true;
}

static int v1_walk(struct npm_out *o, const struct mmr_map *locs, const json_t *deps,
		   const struct v1_scope *up, const char **keys, size_t depth, size_t max_depth)
{
	struct v1_scope scope = { deps, up };
	const char *name;
	json_t *d;
	if (depth + 3 >= max_depth)
		return -E2BIG;
	json_object_foreach((json_t *)deps, name, d) {
		if (!json_is_object(d))
			continue;
		const char *ver = mmr_json_str(d, "version");
		if (!ver || !*ver)
			continue; /* nothing to match against advisories */
		keys[depth] = "dependencies";
		keys[depth + 1] = name;
		keys[depth + 2] = NULL;
		const struct mmr_sbom_loc *loc = mmr_sbom_json_loc(o->ctx->arena, locs, keys);
		struct mmr_package *p;
		bool fresh;
		int r = npm_add(o, name, ver, mmr_json_bool(d, "dev") == 1, MMR_DEP_UNKNOWN, loc, &p,
				&fresh);
		if (r < 0)
			return r;
		const json_t *nested = mmr_json_obj(d, "dependencies");
		const json_t *req = mmr_json_obj(d, "requires");
		const char *rn;
		json_t *rv;
		json_object_foreach((json_t *)req, rn, rv) {
			const char *dv = NULL;
			const json_t *hit = nested ? json_object_get(nested, rn) : NULL;
			for (const struct v1_scope *s = &scope; !hit && s; s = s->up)
				hit = json_object_get(s->deps, rn);
			dv = mmr_json_str(hit, "version");
			if (!dv)
				continue;
			const char *id = pkg_id(o->ctx->arena, rn, dv);
			if (!id || mmr_sbom_add_dep(o->ctx, p, id) < 0)
				return -ENOMEM;
		}
		if (nested) {
			r = v1_walk(o, locs, nested, &scope, keys, depth + 2, max_depth);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ---- lockfile v2 / v3 ---- */

struct v2_ent {
	const char *path;     /* node_modules path after link resolution */
	const char *origpath; /* as written (for its location) */
	json_t *pkg;
	const char *resolved;
	bool gone, moved;
};

static bool v2_want(const struct mmr_sbom_json_path *path, size_t depth)
{
	return depth == 2 && path[0].key.p && mmr_str_eqc(path[0].key, "packages");
}

static const char *name_from_path(const char *path)
{
	const char *best = NULL;
	for (const char *s = path; (s = strstr(s, "node_modules/")) != NULL; s++)
		best = s;
	return best ? best + strlen("node_modules/") : path;
}

static bool is_workspace(const json_t *root, const char *path)
{
	const json_t *ws = json_object_get(root, "workspaces");
	if (json_is_object(ws))
		ws = json_object_get(ws, "packages");
	if (!json_is_array(ws))
		return false;
	size_t i;
	json_t *w;
	json_array_foreach(ws, i, w) {
		if (json_is_string(w) && fnmatch(json_string_value(w), path, FNM_PATHNAME) == 0)
			return true;
	}
	return false;
}

static int v2_parse(struct npm_out *o, const struct mmr_map *locs, json_t *packages,
		    struct mmr_error *reterr)
{
	struct mmr_arena *a = o->ctx->arena;
	size_t n = json_object_size(packages), k = 0;
	struct v2_ent *e = mmr_arena_calloc(a, n ? n : 1, sizeof(*e));
	struct mmr_map bypath;
	struct mmr_vec ws_names = { 0 };
	const char *key;
	json_t *val;
	json_t *root = json_object_get(packages, "");
	if (!e)
		return -ENOMEM;
	mmr_map_init(&bypath, a);
	json_object_foreach(packages, key, val) {
		if (!json_is_object(val))
			continue;
		e[k] = (struct v2_ent){ .path = key, .origpath = key, .pkg = val,
					.resolved = mmr_json_str(val, "resolved") };
		if (mmr_json_bool(val, "link") == 1 && (!e[k].resolved || !*e[k].resolved)) {
			mmr_sbom_warn(o->ctx, o->path, "%s: link without \"resolved\" skipped", key);
			continue;
		}
		if (mmr_map_put(&bypath, key, &e[k]) < 0)
			return -ENOMEM;
		k++;
	}
	n = k;
	/* links: the target's entry moves to the link's node_modules path */
	for (size_t i = 0; i < n; i++) {
		if (e[i].gone || mmr_json_bool(e[i].pkg, "link") != 1)
			continue;
		const char *tgt = e[i].resolved;
		size_t tl = strlen(tgt);
		for (size_t j = 0; j < n; j++) {
			if (e[j].gone || e[j].moved || j == i || mmr_json_bool(e[j].pkg, "link") == 1 ||
			    strncmp(e[j].origpath, tgt, tl) != 0 ||
			    (e[j].origpath[tl] && e[j].origpath[tl] != '/'))
				continue;
			const char *np = mmr_arena_printf(a, "%s%s", e[i].path, e[j].origpath + tl);
			if (!np)
				return -ENOMEM;
			if (is_workspace(root, e[j].origpath) &&
			    mmr_vec_push(a, &ws_names, (void *)name_from_path(e[i].path)) < 0)
				return -ENOMEM;
			mmr_map_del(&bypath, e[j].path);
			if (!e[j].resolved)
				e[j].resolved = tgt;
			e[j].path = np;
			e[j].moved = true;
			if (strcmp(np, e[i].path) == 0)
				e[i].gone = true;
			if (mmr_map_put(&bypath, np, &e[j]) < 0)
				return -ENOMEM;
		}
	}
	/* direct dependencies: those of the project, and workspace members */
	struct mmr_map direct;
	mmr_map_init(&direct, a);
	static const char *const dkinds[] = { "dependencies", "optionalDependencies",
					      "devDependencies", "peerDependencies", NULL };
	for (size_t i = 0; dkinds[i]; i++) {
		json_object_foreach(mmr_json_obj(root, dkinds[i]), key, val) {
			char *p = mmr_arena_printf(a, "node_modules/%s", key);
			if (!p || mmr_map_put(&direct, p, p) < 0)
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < ws_names.n; i++) {
		char *p = mmr_arena_printf(a, "node_modules/%s", (char *)ws_names.v[i]);
		if (!p || mmr_map_put(&direct, p, p) < 0)
			return -ENOMEM;
	}
	static const char *const rkinds[] = { "dependencies", "optionalDependencies",
					      "peerDependencies", NULL };
	for (size_t i = 0; i < n; i++) {
		struct v2_ent *x = &e[i];
		if (x->gone || !mmr_cstr_starts(x->path, "node_modules") ||
		    mmr_map_get(&bypath, x->path) != x)
			continue;
		const char *name = mmr_json_str(x->pkg, "name");
		if (!name || !*name)
			name = name_from_path(x->path);
		const char *ver = mmr_json_str(x->pkg, "version");
		if (!ver)
			ver = "";
		const char *keys[] = { "packages", x->origpath, NULL };
		struct mmr_package *p;
		bool fresh;
		int r = npm_add(o, name, ver, mmr_json_bool(x->pkg, "dev") == 1,
				mmr_map_has(&direct, x->path) ? MMR_DEP_DIRECT : MMR_DEP_INDIRECT,
				mmr_sbom_json_loc(a, locs, keys), &p, &fresh);
		if (r == -E2BIG)
			return too_many(reterr, o->path, o->ctx);
		if (r < 0)
			return r;
		if (!fresh)
			continue;
		/* each requirement resolves to the nearest node_modules copy */
		for (size_t d = 0; rkinds[d]; d++) {
			json_object_foreach(mmr_json_obj(x->pkg, rkinds[d]), key, val) {
				size_t pl = strlen(x->path);
				const struct v2_ent *hit = NULL;
				for (;;) {
					char *cand = mmr_arena_printf(a, "%.*s%snode_modules/%s", (int)pl,
								      x->path, pl ? "/" : "", key);
					if (!cand)
						return -ENOMEM;
					hit = mmr_map_get(&bypath, cand);
					if (hit || !pl)
						break;
					/* drop the last "node_modules/<name>" segment */
					const char *cut = NULL;
					for (size_t s = 0; s + 12 <= pl; s++)
						if (memcmp(x->path + s, "node_modules", 12) == 0 &&
						    (s == 0 || x->path[s - 1] == '/') &&
						    (s + 12 == pl || x->path[s + 12] == '/'))
							cut = x->path + s;
					if (!cut)
						break;
					pl = (size_t)(cut - x->path);
					if (pl)
						pl--; /* the '/' before it */
				}
				if (!hit)
					continue;
				const char *dv = mmr_json_str(hit->pkg, "version");
				const char *id = pkg_id(a, key, dv ? dv : "");
				if (!id || mmr_sbom_add_dep(o->ctx, p, id) < 0)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static bool lock_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	const char *b = mmr_path_base(path);
	if (strcmp(b, "package-lock.json") != 0 && strcmp(b, "npm-shrinkwrap.json") != 0)
		return false;
	/* node_modules/.package-lock.json is npm's hidden lockfile; lockfiles of
	 * installed packages are not the project's */
	return strncmp(path, "node_modules/", 13) != 0 && !strstr(path, "/node_modules/");
}

static int lock_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r = mmr_json_parse(f->data, f->len, f->path, &doc, reterr);
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, f->path, 1, 0, "not a JSON object");
	}
	struct npm_out o = { .ctx = ctx, .path = f->path };
	struct mmr_map locs;
	mmr_map_init(&o.byid, ctx->arena);
	mmr_map_init(&locs, ctx->arena);
	json_t *lv = json_object_get(doc, "lockfileVersion");
	json_t *packages = json_object_get(doc, "packages");
	json_t *deps = json_object_get(doc, "dependencies");
	bool v1 = json_is_integer(lv) ? json_integer_value(lv) == 1
				      : !json_is_object(packages) && json_is_object(deps);
	size_t maxd = ctx->limits && ctx->limits->max_json_depth ? ctx->limits->max_json_depth : 256;
	o.g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_npm, f->path);
	if (!o.g) {
		r = -ENOMEM;
		goto out;
	}
	if (v1) {
		if (deps && !json_is_object(deps)) {
			r = mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
					  "\"dependencies\" is not an object");
			goto out;
		}
		r = mmr_sbom_json_locate(ctx->arena, f->data, f->len, 64, v1_want, &locs);
		if (r < 0)
			goto out;
		const char **keys = mmr_arena_calloc(ctx->arena, maxd + 4, sizeof(char *));
		if (!keys) {
			r = -ENOMEM;
			goto out;
		}
		r = deps ? v1_walk(&o, &locs, deps, NULL, keys, 0, maxd + 4) : 0;
		if (r == -E2BIG)
			r = o.g->packages.n >= ctx->limits->max_packages
				    ? too_many(reterr, f->path, ctx)
				    : mmr_error_set(reterr, E2BIG, f->path, 0, 0,
						    "dependencies nested too deep");
	} else {
		if (!packages) {
			r = 0; /* an empty project */
			goto out;
		}
		if (!json_is_object(packages)) {
			r = mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
					  "\"packages\" is not an object");
			goto out;
		}
		r = mmr_sbom_json_locate(ctx->arena, f->data, f->len, 4, v2_want, &locs);
		if (r < 0)
			goto out;
		r = v2_parse(&o, &locs, packages, reterr);
	}
out:
	json_decref(doc);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_npm = {
	.name = "npm-lock",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = lock_match,
	.parse = lock_parse,
};

/* ---- installed: node_modules/<pkg>/package.json ---- */

static bool pkgjson_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size < 16 * 1024 * 1024 && strcmp(mmr_path_base(path), "package.json") == 0;
}

static int add_license_value(struct mmr_sbom_ctx *ctx, struct mmr_package *p, const json_t *v)
{
	if (json_is_string(v))
		return mmr_sbom_add_license(ctx, p, json_string_value(v));
	if (json_is_object(v))
		return mmr_sbom_add_license(ctx, p, mmr_json_str(v, "type"));
	return 0;
}

static int pkgjson_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			 struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r = mmr_json_parse(f->data, f->len, f->path, &doc, reterr);
	if (r < 0)
		return r;
	const char *name = mmr_json_str(doc, "name");
	const char *ver = mmr_json_str(doc, "version");
	if (!name || !*name || !ver || !*ver) {
		/* a project's own package.json or a test fixture: not a package */
		json_decref(doc);
		return 0;
	}
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_nodepkg, f->path);
	struct mmr_package *p = g ? mmr_sbom_package_new(ctx, g, MMR_ECO_NPM, name, ver) : NULL;
	if (!p) {
		json_decref(doc);
		return -ENOMEM;
	}
	r = add_license_value(ctx, p, json_object_get(doc, "license"));
	json_t *lics = mmr_json_arr(doc, "licenses");
	size_t i;
	json_t *l;
	json_array_foreach(lics, i, l) {
		if (r >= 0)
			r = add_license_value(ctx, p, l);
	}
	json_decref(doc);
	return r < 0 ? r : 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_nodepkg = {
	.name = "node-pkg",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = pkgjson_match,
	.parse = pkgjson_parse,
};
