/* sbom-pnpm.c - pnpm-lock.yaml, lockfile versions 5 (keys "/name/1.2.3",
 * peer suffix "_peer@1"), 6 ("/name@1.2.3(peer@1)") and 9 ("name@1.2.3"
 * under packages:, the dependency graph under snapshots:, the project's
 * own dependencies under importers:).
 *
 * As Trivy does: v5/v6 entries marked `dev: true` are left out; in v9 a
 * package is dev unless it is reachable from a non-dev direct dependency of
 * some importer. Versions that are not semver-like (file:, tarball URLs)
 * become "" unless the entry names its version. */
#include "core/core-json.h"
#include "core/core-str.h"
#include "sbom/sbom-lang.h"
#include "sbom/sbom.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct ppkg {
	struct mmr_package *p;
	const char *key; /* packages: key without peer suffix (v9) */
	struct mmr_vec deps; /* struct ppkg * (v9) */
	bool root;
	bool seen;
};

static const char *scalar(struct mmr_arena *a, const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return mmr_arena_printf(a, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return mmr_arena_printf(a, "%g", json_real_value(v));
	return NULL;
}

/* Loose semver: [v]digits, then digits, dots, letters, '-', '+'. */
static bool semverish(const char *v)
{
	if (*v == 'v')
		v++;
	if (!isdigit((unsigned char)*v))
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr(".-+", *v))
			return false;
	return true;
}

static char *trim_peers(struct mmr_arena *a, const char *v, double lv)
{
	size_t n = strcspn(v, lv < 6 ? "_" : "(");
	return mmr_arena_strndup(a, v, n);
}

/* depPath -> name and raw version (peer suffix removed). */
static bool parse_dep_path(struct mmr_arena *a, const char *dp, double lv, char **ret_name,
			   char **ret_ver)
{
	if (lv < 9) {
		const char *s = strchr(dp, '/'); /* registry prefix, often empty */
		if (!s)
			return false;
		dp = s + 1;
	}
	const char *rest = dp;
	if (*rest == '@') {
		const char *s = strchr(rest, '/');
		if (!s)
			return false;
		rest = s + 1;
	}
	const char *sep = strchr(rest + (lv >= 6 && *rest == '@'), lv < 6 ? '/' : '@');
	if (!sep || sep == dp)
		return false;
	*ret_name = mmr_arena_strndup(a, dp, (size_t)(sep - dp));
	*ret_ver = trim_peers(a, sep + 1, lv);
	return *ret_name && *ret_ver && **ret_name;
}

static double lock_version(const json_t *doc)
{
	const json_t *v = json_object_get(doc, "lockfileVersion");
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		double d = strtod(s, &end);
		if (end != s && !*end)
			return d;
	}
	return -1;
}

static struct mmr_package *new_pkg(struct mmr_sbom_ctx *ctx, struct mmr_sbom_group *g,
				   const char *name, const char *ver, const struct mmr_map *locs,
				   const char *key)
{
	struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_NPM, name, ver);
	if (!p)
		return NULL;
	p->id = *ver ? mmr_arena_printf(ctx->arena, "%s@%s", name, ver) : p->name;
	const struct mmr_sbom_loc *l = mmr_map_get(locs, key);
	if (l) {
		p->line_start = l->start;
		p->line_end = l->end;
	}
	return p->id ? p : NULL;
}

static int limit_or_oom(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_group *g,
			const char *path, struct mmr_error *reterr)
{
	if (ctx->limits && g->packages.n >= ctx->limits->max_packages)
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "more than %s=%llu packages",
				     mmr_limits_key(ctx->limits, &ctx->limits->max_packages),
				     (unsigned long long)ctx->limits->max_packages);
	return -ENOMEM;
}

static int parse_v5(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, json_t *doc,
		    double lv, struct mmr_sbom_group *g, const struct mmr_map *locs,
		    struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	const json_t *direct = mmr_json_obj(doc, "dependencies");
	const char *key;
	json_t *info;
	json_object_foreach(mmr_json_obj(doc, "packages"), key, info) {
		if (!json_is_object(info) || mmr_json_bool(info, "dev") == 1)
			continue;
		const char *name = mmr_json_str(info, "name");
		const char *ver = mmr_json_str(info, "version");
		char *pn = NULL, *pv = NULL;
		if (!name || !*name) {
			if (!parse_dep_path(a, key, lv, &pn, &pv))
				continue;
			name = pn;
			ver = semverish(pv) ? pv : "";
		}
		if (!ver)
			ver = "";
		struct mmr_package *p = new_pkg(ctx, g, name, ver, locs, key);
		if (!p)
			return limit_or_oom(ctx, g, f->path, reterr);
		p->relation = json_object_get(direct, name) ? MMR_DEP_DIRECT : MMR_DEP_INDIRECT;
		p->indirect = p->relation == MMR_DEP_INDIRECT;
		const char *dn;
		json_t *dv;
		json_object_foreach(mmr_json_obj(info, "dependencies"), dn, dv) {
			const char *s = scalar(a, dv);
			if (!s)
				continue;
			char *v = trim_peers(a, s, lv);
			char *id = v ? mmr_arena_printf(a, "%s@%s", dn, v) : NULL;
			if (!id || mmr_sbom_add_dep(ctx, p, id) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static void mark_prod(struct ppkg *x, size_t depth)
{
	/* iterative enough: the graph is bounded by the package count, and the
	 * seen flag stops cycles; depth caps the recursion on long chains */
	if (x->seen || depth > 4096)
		return;
	x->seen = true;
	x->p->dev = false;
	for (size_t i = 0; i < x->deps.n; i++)
		mark_prod(x->deps.v[i], depth + 1);
}

static int parse_v9(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, json_t *doc,
		    struct mmr_sbom_group *g, const struct mmr_map *locs, struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	const double lv = 9;
	struct mmr_map bykey, byid;
	mmr_map_init(&bykey, a);
	mmr_map_init(&byid, a);
	/* importers: direct dependencies, dev or not */
	struct mmr_map prod, dev;
	mmr_map_init(&prod, a);
	mmr_map_init(&dev, a);
	const char *ik, *dn;
	json_t *imp, *dv;
	json_object_foreach(mmr_json_obj(doc, "importers"), ik, imp) {
		for (int k = 0; k < 2; k++) {
			json_object_foreach(mmr_json_obj(imp, k ? "devDependencies" : "dependencies"), dn,
					    dv) {
				const char *v = json_is_object(dv) ? scalar(a, json_object_get(dv, "version"))
								   : scalar(a, dv);
				char *key = v ? mmr_arena_printf(a, "%s@%s", dn, trim_peers(a, v, lv)) : NULL;
				if (key && mmr_map_put(k ? &dev : &prod, key, key) < 0)
					return -ENOMEM;
			}
		}
	}
	const char *key;
	json_t *info;
	json_object_foreach(mmr_json_obj(doc, "packages"), key, info) {
		char *name, *rawver;
		if (!json_is_object(info) || !parse_dep_path(a, key, lv, &name, &rawver))
			continue;
		const char *ver = mmr_json_str(info, "version");
		if (!ver || !*ver)
			ver = semverish(rawver) ? rawver : "";
		const char *nk = mmr_arena_printf(a, "%s@%s", name, rawver);
		if (!nk)
			return -ENOMEM;
		struct ppkg *x = mmr_map_get(&bykey, nk);
		if (x)
			continue;
		const char *id = *ver ? mmr_arena_printf(a, "%s@%s", name, ver) : name;
		if (!id)
			return -ENOMEM;
		struct ppkg *same = mmr_map_get(&byid, id);
		if (same) { /* another spelling of a package already seen */
			if (mmr_map_put(&bykey, nk, same) < 0)
				return -ENOMEM;
			continue;
		}
		x = mmr_arena_alloc(a, sizeof(*x));
		if (!x)
			return -ENOMEM;
		x->key = nk;
		x->p = new_pkg(ctx, g, name, ver, locs, key);
		if (!x->p)
			return limit_or_oom(ctx, g, f->path, reterr);
		bool is_prod = mmr_map_has(&prod, nk), is_dev = mmr_map_has(&dev, nk);
		x->p->relation = is_prod || is_dev ? MMR_DEP_DIRECT : MMR_DEP_INDIRECT;
		x->p->indirect = x->p->relation == MMR_DEP_INDIRECT;
		x->p->dev = true;
		x->root = is_prod;
		if (mmr_map_put(&bykey, nk, x) < 0 || mmr_map_put(&byid, id, x) < 0)
			return -ENOMEM;
	}
	/* snapshots: the graph, per peer-dependency variant */
	const char *sk;
	json_t *snap;
	json_object_foreach(mmr_json_obj(doc, "snapshots"), sk, snap) {
		char *name, *rawver;
		if (!json_is_object(snap) || !parse_dep_path(a, sk, lv, &name, &rawver))
			continue;
		char *nk = mmr_arena_printf(a, "%s@%s", name, rawver);
		struct ppkg *x = nk ? mmr_map_get(&bykey, nk) : NULL;
		if (!x)
			continue;
		for (int k = 0; k < 2; k++) {
			json_object_foreach(
				mmr_json_obj(snap, k ? "optionalDependencies" : "dependencies"), dn, dv) {
				const char *v = scalar(a, dv);
				if (!v)
					continue;
				char *tv = trim_peers(a, v, lv);
				char *dk = tv ? mmr_arena_printf(a, "%s@%s", dn, tv) : NULL;
				if (!dk)
					return -ENOMEM;
				struct ppkg *t = mmr_map_get(&bykey, dk);
				if (!t) /* an alias: "name: real-name@1.2.3" */
					t = mmr_map_get(&bykey, tv);
				if (!t || t == x)
					continue;
				bool dup = false;
				for (size_t i = 0; i < x->deps.n; i++)
					dup |= x->deps.v[i] == t;
				if (dup)
					continue;
				if (mmr_vec_push(a, &x->deps, t) < 0 ||
				    mmr_sbom_add_dep(ctx, x->p, t->p->id) < 0)
					return -ENOMEM;
			}
		}
	}
	for (size_t i = 0; i < byid.cap; i++) {
		struct ppkg *x = byid.slots[i].key ? byid.slots[i].val : NULL;
		if (x && x->root)
			mark_prod(x, 0);
	}
	return 0;
}

static bool pnpm_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(mmr_path_base(path), "pnpm-lock.yaml") == 0 &&
	       strncmp(path, "node_modules/", 13) != 0 && !strstr(path, "/node_modules/");
}

static int pnpm_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	json_t *doc = NULL;
	size_t maxd = ctx->limits ? ctx->limits->max_json_depth : 0;
	int r = mmr_yaml_parse(f->data, f->len, f->path, 0, maxd, 0, &doc, reterr);
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, f->path, 1, 0, "not a YAML mapping");
	}
	double lv = lock_version(doc);
	const json_t *pk = json_object_get(doc, "packages");
	if (lv < 5 || lv >= 100) {
		json_decref(doc);
		return mmr_error_set(reterr, EPROTO, f->path, 1, 0,
				     "missing or unsupported lockfileVersion");
	}
	if (pk && !json_is_object(pk)) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0, "\"packages\" is not a mapping");
	}
	struct mmr_map locs;
	mmr_map_init(&locs, ctx->arena);
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_pnpm, f->path);
	r = g ? mmr_sbom_yaml_locate(ctx->arena, f->data, f->len, "packages", 2, &locs) : -ENOMEM;
	if (r >= 0)
		r = lv >= 9 ? parse_v9(ctx, f, doc, g, &locs, reterr)
			    : parse_v5(ctx, f, doc, lv, g, &locs, reterr);
	json_decref(doc);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_pnpm = {
	.name = "pnpm",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = pnpm_match,
	.parse = pnpm_parse,
};
