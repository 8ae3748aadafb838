/* sbom-dotnet.c - .NET: NuGet packages.lock.json (source trees) and the
 * <app>.deps.json an SDK build writes next to the binaries (both).
 *
 * packages.lock.json lists packages per target framework; a package in
 * several frameworks is reported once. "Project" entries are other
 * projects of the same solution, not packages. deps.json "libraries" are
 * keyed "Name/Version"; only type "package" counts. */
#include "core/core-json.h"
#include "core/core-str.h"
#include "sbom/sbom-lang.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <string.h>

static int limit_or_oom(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_group *g,
			const char *path, struct mmr_error *reterr)
{
	if (ctx->limits && g->packages.n >= ctx->limits->max_packages)
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "more than %s=%llu packages",
				     mmr_limits_key(ctx->limits, &ctx->limits->max_packages),
				     (unsigned long long)ctx->limits->max_packages);
	return -ENOMEM;
}


/* ---- packages.lock.json ---- */

static bool lock_want(const struct mmr_sbom_json_path *path, size_t depth)
{
	return depth == 3 && path[0].key.p && mmr_str_eqc(path[0].key, "dependencies");
}

static bool lock_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(mmr_path_base(path), "packages.lock.json") == 0;
}

static int lock_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	json_t *doc = NULL;
	int r = mmr_json_parse(f->data, f->len, f->path, &doc, reterr);
	if (r < 0)
		return r;
	json_t *fws = json_object_get(doc, "dependencies");
	if (!json_is_object(doc) || (fws && !json_is_object(fws))) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     "\"dependencies\" is not an object");
	}
	struct mmr_map byid, locs;
	mmr_map_init(&byid, a);
	mmr_map_init(&locs, a);
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_nuget_lock, f->path);
	r = g ? mmr_sbom_json_locate(a, f->data, f->len, 4, lock_want, &locs) : -ENOMEM;
	const char *fw, *name;
	json_t *pkgs, *e;
	json_object_foreach(fws, fw, pkgs) {
		json_object_foreach(mmr_json_obj(fws, fw), name, e) {
			if (r < 0)
				break;
			const char *type = mmr_json_str(e, "type");
			const char *ver = mmr_json_str(e, "resolved");
			if (!json_is_object(e) || !ver || !*ver || (type && strcmp(type, "Project") == 0))
				continue;
			const char *id = mmr_arena_printf(a, "%s@%s", name, ver);
			if (!id) {
				r = -ENOMEM;
				break;
			}
			struct mmr_package *p = mmr_map_get(&byid, id);
			bool direct = type && strcmp(type, "Direct") == 0;
			if (!p) {
				p = mmr_sbom_package_new(ctx, g, MMR_ECO_NUGET, name, ver);
				if (!p) {
					r = limit_or_oom(ctx, g, f->path, reterr);
					break;
				}
				p->id = id;
				p->relation = direct ? MMR_DEP_DIRECT : MMR_DEP_INDIRECT;
				const char *keys[] = { "dependencies", fw, name, NULL };
				const struct mmr_sbom_loc *l = mmr_sbom_json_loc(a, &locs, keys);
				if (l) {
					p->line_start = l->start;
					p->line_end = l->end;
				}
				if (mmr_map_put(&byid, id, p) < 0) {
					r = -ENOMEM;
					break;
				}
			} else if (direct) {
				p->relation = MMR_DEP_DIRECT;
			}
			p->indirect = p->relation == MMR_DEP_INDIRECT;
			/* requirements resolve to what this framework resolved */
			const char *dn;
			json_t *dv;
			json_object_foreach(mmr_json_obj(e, "dependencies"), dn, dv) {
				const json_t *t = json_object_get(pkgs, dn);
				const char *tv = mmr_json_str(t, "resolved");
				const char *tt = mmr_json_str(t, "type");
				if (!tv || !*tv || (tt && strcmp(tt, "Project") == 0))
					continue;
				const char *did = mmr_arena_printf(a, "%s@%s", dn, tv);
				if (!did || mmr_sbom_add_dep(ctx, p, did) < 0) {
					r = -ENOMEM;
					break;
				}
			}
		}
	}
	json_decref(doc);
	return r < 0 ? r : 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_nuget_lock = {
	.name = "nuget-lock",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = lock_match,
	.parse = lock_parse,
};

/* ---- *.deps.json ---- */

static bool deps_want(const struct mmr_sbom_json_path *path, size_t depth)
{
	return depth == 2 && path[0].key.p && mmr_str_eqc(path[0].key, "libraries");
}

static bool deps_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	const char *b = mmr_path_base(path);
	return mmr_cstr_ends(b, ".deps.json") && strlen(b) > strlen(".deps.json");
}

static int deps_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	json_t *doc = NULL;
	int r = mmr_json_parse(f->data, f->len, f->path, &doc, reterr);
	if (r < 0)
		return r;
	json_t *libs = json_object_get(doc, "libraries");
	if (!json_is_object(doc) || (libs && !json_is_object(libs))) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0, "\"libraries\" is not an object");
	}
	struct mmr_map locs;
	mmr_map_init(&locs, a);
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_dotnet_deps, f->path);
	r = g ? mmr_sbom_json_locate(a, f->data, f->len, 3, deps_want, &locs) : -ENOMEM;
	const json_t *targets = mmr_json_obj(doc, "targets");
	const char *key;
	json_t *lib;
	json_object_foreach(libs, key, lib) {
		if (r < 0)
			break;
		const char *type = mmr_json_str(lib, "type");
		const char *slash = strrchr(key, '/');
		if (!type || strcmp(type, "package") != 0 || !slash || slash == key || !slash[1])
			continue;
		char *name = mmr_arena_strndup(a, key, (size_t)(slash - key));
		struct mmr_package *p = name ? mmr_sbom_package_new(ctx, g, MMR_ECO_NUGET, name, slash + 1)
					     : NULL;
		if (!p) {
			r = limit_or_oom(ctx, g, f->path, reterr);
			break;
		}
		const char *keys[] = { "libraries", key, NULL };
		const struct mmr_sbom_loc *l = mmr_sbom_json_loc(a, &locs, keys);
		if (l) {
			p->line_start = l->start;
			p->line_end = l->end;
		}
		/* edges: targets.<framework>["Name/Version"].dependencies */
		const char *tfw;
		json_t *tv;
		json_object_foreach((json_t *)targets, tfw, tv) {
			const char *dn;
			json_t *dv;
			json_object_foreach(mmr_json_obj(mmr_json_obj(tv, key), "dependencies"), dn, dv) {
				if (!json_is_string(dv))
					continue;
				char *lk = mmr_arena_printf(a, "%s/%s", dn, json_string_value(dv));
				if (!lk) {
					r = -ENOMEM;
					break;
				}
				/* only edges to packages, not to projects */
				if (!json_object_get(libs, lk) ||
				    strcmp(mmr_json_str(json_object_get(libs, lk), "type") ?: "", "package"))
					continue;
				char *id = mmr_arena_printf(a, "%s@%s", dn, json_string_value(dv));
				if (!id || mmr_sbom_add_dep(ctx, p, id) < 0) {
					r = -ENOMEM;
					break;
				}
			}
		}
	}
	json_decref(doc);
	return r < 0 ? r : 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_dotnet_deps = {
	.name = "dotnet-deps",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE | MMR_SBOM_INSTALLED,
	.version = 1,
	.match = deps_match,
	.parse = deps_parse,
};
