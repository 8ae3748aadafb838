/* sbom-composer.c - PHP Composer: composer.lock ("packages" and, marked
 * dev, "packages-dev") for source trees, and vendor/composer/installed.json
 * (Composer 1: a bare array; Composer 2: {"packages": [...],
 * "dev-package-names": [...]}) for installed code.
 *
 * "require" entries become dependency edges when the required package is
 * in the same file (the php platform and ext-* requirements never are). */
#include "core/core-json.h"
#include "core/core-str.h"
#include "sbom/sbom-lang.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <string.h>

static int add_licenses(struct mmr_sbom_ctx *ctx, struct mmr_package *p, const json_t *lic)
{
	if (json_is_string(lic))
		return mmr_sbom_add_license(ctx, p, json_string_value(lic));
	size_t i;
	json_t *l;
	json_array_foreach(lic, i, l) {
		if (json_is_string(l) && mmr_sbom_add_license(ctx, p, json_string_value(l)) < 0)
			return -ENOMEM;
	}
	return 0;
}

struct section {
	const char *key; /* NULL: the document is the array */
	const json_t *arr;
	bool dev;
};

static bool want_lock(const struct mmr_sbom_json_path *path, size_t depth)
{
	return depth == 2 && path[0].key.p &&
	       (mmr_str_eqc(path[0].key, "packages") || mmr_str_eqc(path[0].key, "packages-dev")) &&
	       !path[1].key.p;
}

static bool want_v1(const struct mmr_sbom_json_path *path, size_t depth)
{
	return depth == 1 && !path[0].key.p;
}

static int emit(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		const struct mmr_sbom_analyzer *an, struct section *secs, size_t nsec,
		const json_t *devnames, mmr_sbom_json_want_fn want, struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	struct mmr_map byname, locs, dev;
	mmr_map_init(&byname, a);
	mmr_map_init(&locs, a);
	mmr_map_init(&dev, a);
	for (size_t d = 0; devnames && d < json_array_size(devnames); d++) {
		const json_t *dn = json_array_get(devnames, d);
		if (json_is_string(dn) && mmr_map_put(&dev, json_string_value(dn), (void *)dn) < 0)
			return -ENOMEM;
	}
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, an, f->path);
	if (!g || mmr_sbom_json_locate(a, f->data, f->len, 3, want, &locs) < 0)
		return -ENOMEM;
	for (size_t s = 0; s < nsec; s++) {
		size_t i;
		json_t *e;
		json_array_foreach(secs[s].arr, i, e) {
			const char *name = mmr_json_str(e, "name");
			const char *ver = mmr_json_str(e, "version");
			if (!name || !*name || !ver || !*ver)
				continue;
			struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_COMPOSER, name, ver);
			if (!p) {
				if (ctx->limits && g->packages.n >= ctx->limits->max_packages)
					return mmr_error_set(
						reterr, E2BIG, f->path, 0, 0, "more than %s=%llu packages",
						mmr_limits_key(ctx->limits, &ctx->limits->max_packages),
						(unsigned long long)ctx->limits->max_packages);
				return -ENOMEM;
			}
			p->dev = secs[s].dev || mmr_map_has(&dev, name);
			if (add_licenses(ctx, p, json_object_get(e, "license")) < 0)
				return -ENOMEM;
			const char *idx = mmr_sbom_json_idx(a, i);
			const char *keys[] = { secs[s].key ? secs[s].key : idx, idx, NULL };
			if (!secs[s].key)
				keys[1] = NULL;
			const struct mmr_sbom_loc *l = idx ? mmr_sbom_json_loc(a, &locs, keys) : NULL;
			if (l) {
				p->line_start = l->start;
				p->line_end = l->end;
			}
			if (!mmr_map_has(&byname, p->name) && mmr_map_put(&byname, p->name, p) < 0)
				return -ENOMEM;
		}
	}
	/* second pass: require -> ids of packages in this file */
	for (size_t s = 0, k = 0; s < nsec; s++) {
		size_t i;
		json_t *e;
		json_array_foreach(secs[s].arr, i, e) {
			const char *name = mmr_json_str(e, "name");
			const char *ver = mmr_json_str(e, "version");
			if (!name || !*name || !ver || !*ver)
				continue;
			struct mmr_package *p = g->packages.v[k++];
			const char *rn;
			json_t *rv;
			json_object_foreach(mmr_json_obj(e, "require"), rn, rv) {
				const struct mmr_package *t = mmr_map_get(&byname, rn);
				if (!t || t == p)
					continue;
				const char *id = mmr_arena_printf(a, "%s@%s", t->name, t->version);
				if (!id || mmr_sbom_add_dep(ctx, p, id) < 0)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int bad_type(struct mmr_error *reterr, const char *path, const char *what)
{
	return mmr_error_set(reterr, EBADMSG, path, 0, 0, "\"%s\" is not an array", what);
}

static bool lock_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(mmr_path_base(path), "composer.lock") == 0 && strncmp(path, "vendor/", 7) != 0 &&
	       !strstr(path, "/vendor/");
}

static int lock_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r = mmr_json_parse(f->data, f->len, f->path, &doc, reterr);
	if (r < 0)
		return r;
	struct section secs[2] = { { "packages", json_object_get(doc, "packages"), false },
				   { "packages-dev", json_object_get(doc, "packages-dev"), true } };
	if (!json_is_object(doc))
		r = mmr_error_set(reterr, EBADMSG, f->path, 1, 0, "not a JSON object");
	else if (secs[0].arr && !json_is_array(secs[0].arr))
		r = bad_type(reterr, f->path, "packages");
	else if (secs[1].arr && !json_is_array(secs[1].arr))
		r = bad_type(reterr, f->path, "packages-dev");
	else
		r = emit(ctx, f, &mmr_sbom_analyzer_composer_lock, secs, 2, NULL, want_lock, reterr);
	json_decref(doc);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_composer_lock = {
	.name = "composer-lock",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = lock_match,
	.parse = lock_parse,
};

static bool installed_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(path, "vendor/composer/installed.json") == 0 ||
	       mmr_cstr_ends(path, "/vendor/composer/installed.json");
}

static int installed_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			   struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r = mmr_json_parse(f->data, f->len, f->path, &doc, reterr);
	if (r < 0)
		return r;
	if (json_is_array(doc)) {
		struct section s = { NULL, doc, false };
		r = emit(ctx, f, &mmr_sbom_analyzer_composer_installed, &s, 1, NULL, want_v1, reterr);
	} else if (json_is_object(doc)) {
		struct section s = { "packages", json_object_get(doc, "packages"), false };
		json_t *dev = mmr_json_arr(doc, "dev-package-names");
		if (!json_is_array(s.arr))
			r = bad_type(reterr, f->path, "packages");
		else
			r = emit(ctx, f, &mmr_sbom_analyzer_composer_installed, &s, 1, dev, want_lock,
				 reterr);
	} else {
		r = mmr_error_set(reterr, EBADMSG, f->path, 1, 0, "not a JSON array or object");
	}
	json_decref(doc);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_composer_installed = {
	.name = "composer-installed",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = installed_match,
	.parse = installed_parse,
};
