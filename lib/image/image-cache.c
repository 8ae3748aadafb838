/* image-cache.c - the layer cache (see image-cache.h). */
#include "image/image-cache.h"
#include "core/core-hash.h"
#include "core/core-json.h"
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_LEN 16

static int cmp_scanner(const void *x, const void *y)
{
	const struct mmr_file_scanner *a = *(const struct mmr_file_scanner *const *)x;
	const struct mmr_file_scanner *b = *(const struct mmr_file_scanner *const *)y;
	int c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->key, b->key);
}

int mmr_image_cache_key(const struct mmr_file_scanner *const *scanners, char *buf, size_t len)
{
	const struct mmr_file_scanner *v[MMR_IMAGE_CACHE_MAX_SCANNERS];
	size_t n = 0;
	if (len < MMR_IMAGE_CACHE_KEY_LEN + 1)
		return -EINVAL;
	for (; scanners && scanners[n]; n++) {
		if (n == MMR_IMAGE_CACHE_MAX_SCANNERS)
			return -E2BIG;
		if (!scanners[n]->name || !scanners[n]->key)
			return -EINVAL;
		v[n] = scanners[n];
	}
	if (!n) {
		snprintf(buf, len, "%s", mmr_sbom_analyzers_key());
		return 0;
	}
	qsort(v, n, sizeof(v[0]), cmp_scanner);
	struct mmr_sha256 h;
	const char *ak = mmr_sbom_analyzers_key();
	if (mmr_sha256_init(&h) < 0)
		return -ENOMEM;
	mmr_sha256_update(&h, "mamori-layer-cache/scanners\n", 28);
	mmr_sha256_update(&h, ak, strlen(ak) + 1);
	for (size_t i = 0; i < n; i++) {
		mmr_sha256_update(&h, v[i]->name, strlen(v[i]->name) + 1);
		mmr_sha256_update(&h, v[i]->key, strlen(v[i]->key) + 1);
	}
	return mmr_sha256_final_hex(&h, buf) < 0 ? -ENOMEM : 0;
}

int mmr_image_cache_path_scanners(const char *cache_dir,
				  const struct mmr_file_scanner *const *scanners,
				  const char *diff_id, char *buf, size_t len)
{
	char key[MMR_IMAGE_CACHE_KEY_LEN + 1];
	if (!cache_dir || !mmr_image_digest_valid(diff_id))
		return -EINVAL;
	int r = mmr_image_cache_key(scanners, key, sizeof(key));
	if (r < 0)
		return r;
	int n = snprintf(buf, len, "%s/layers/%.*s/%s.json", cache_dir, KEY_LEN, key, diff_id + 7);
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

int mmr_image_cache_path(const char *cache_dir, const char *diff_id, char *buf, size_t len)
{
	return mmr_image_cache_path_scanners(cache_dir, NULL, diff_id, buf, len);
}

/* The secret scanner's redaction: at most 4 characters, then "…". */
static bool redacted(const char *ev)
{
	static const char ell[] = "\xe2\x80\xa6";
	if (!ev || strcmp(ev, "(file name)") == 0)
		return true;
	size_t n = strlen(ev);
	if (n < 3 || strcmp(ev + n - 3, ell) != 0)
		return false;
	size_t chars = 0;
	for (size_t i = 0; i < n - 3; i++)
		if (((unsigned char)ev[i] & 0xC0) != 0x80)
			chars++;
	return chars <= 4;
}

bool mmr_image_cache_storable(const struct mmr_sbom_ctx *ctx)
{
	for (size_t i = 0; i < ctx->findings.n; i++) {
		const struct mmr_finding *f = ctx->findings.v[i];
		if (f->kind == MMR_FINDING_SECRET && !redacted(f->evidence))
			return false;
	}
	return true;
}

/* ---- dump ---- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jvec(const struct mmr_vec *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < v->n; i++)
		json_array_append_new(a, jstr(v->v[i]));
	return a;
}

static json_t *dump_pkg(const struct mmr_package *p)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", jstr(p->id));
	json_object_set_new(o, "name", jstr(p->name));
	json_object_set_new(o, "version", jstr(p->version));
	json_object_set_new(o, "epoch", json_integer(p->epoch));
	json_object_set_new(o, "has_epoch", json_boolean(p->has_epoch));
	json_object_set_new(o, "release", jstr(p->release));
	json_object_set_new(o, "arch", jstr(p->arch));
	json_object_set_new(o, "src_name", jstr(p->src_name));
	json_object_set_new(o, "src_version", jstr(p->src_version));
	json_object_set_new(o, "src_epoch", json_integer(p->src_epoch));
	json_object_set_new(o, "src_release", jstr(p->src_release));
	json_object_set_new(o, "eco", json_string(mmr_ecosystem_id(p->eco)));
	json_object_set_new(o, "purl", jstr(p->purl));
	json_object_set_new(o, "licenses", jvec(&p->licenses));
	json_object_set_new(o, "depends_on", jvec(&p->depends_on));
	json_object_set_new(o, "file", jstr(p->file));
	json_object_set_new(o, "maintainer", jstr(p->maintainer));
	json_object_set_new(o, "vendor", jstr(p->vendor));
	json_object_set_new(o, "repository", jstr(p->repository));
	json_object_set_new(o, "relation", json_integer(p->relation));
	json_object_set_new(o, "dev", json_boolean(p->dev));
	json_object_set_new(o, "indirect", json_boolean(p->indirect));
	json_object_set_new(o, "line_start", json_integer((json_int_t)p->line_start));
	json_object_set_new(o, "line_end", json_integer((json_int_t)p->line_end));
	return o;
}

static json_t *dump_finding(const struct mmr_finding *f)
{
	json_t *o = json_object(), *loc = json_object();
	if (!o || !loc) {
		json_decref(o);
		json_decref(loc);
		return NULL;
	}
	json_object_set_new(o, "kind", json_string(mmr_finding_kind_name(f->kind)));
	json_object_set_new(o, "rule_id", jstr(f->rule_id));
	json_object_set_new(o, "title", jstr(f->title));
	json_object_set_new(o, "severity", json_string(mmr_severity_name(f->severity)));
	json_object_set_new(o, "score", json_real(f->score));
	json_object_set_new(loc, "file", jstr(f->loc.file));
	json_object_set_new(loc, "line_start", json_integer((json_int_t)f->loc.line_start));
	json_object_set_new(loc, "line_end", json_integer((json_int_t)f->loc.line_end));
	json_object_set_new(loc, "col", json_integer((json_int_t)f->loc.col));
	json_object_set_new(loc, "layer", jstr(f->loc.layer));
	json_object_set_new(loc, "package", jstr(f->loc.package));
	json_object_set_new(loc, "resource", jstr(f->loc.resource));
	json_object_set_new(loc, "process", jstr(f->loc.process));
	json_object_set_new(o, "loc", loc);
	json_object_set_new(o, "evidence", jstr(f->evidence));
	json_object_set_new(o, "remediation", jstr(f->remediation));
	json_object_set_new(o, "fix", jstr(f->fix));
	json_object_set_new(o, "references", jvec(&f->references));
	json_object_set_new(o, "controls", jvec(&f->controls));
	json_object_set_new(o, "aliases", jvec(&f->aliases));
	json_object_set_new(o, "fingerprint", jstr(f->fingerprint));
	json_object_set_new(o, "suppressed", json_boolean(f->suppressed));
	json_object_set_new(o, "suppressed_by", jstr(f->suppressed_by));
	return o;
}

char *mmr_image_cache_dump(const struct mmr_sbom_ctx *ctx)
{
	json_t *root = json_object(), *groups = json_array(), *warn = json_array();
	json_t *finds = json_array(), *scn = json_array();
	char *out = NULL;
	char key[MMR_IMAGE_CACHE_KEY_LEN + 1];
	if (!root || !groups || !warn || !finds || !scn ||
	    mmr_image_cache_key(ctx->scanners, key, sizeof(key)) < 0)
		goto out;
	json_object_set_new(root, "schema", json_integer(MMR_IMAGE_CACHE_SCHEMA));
	json_object_set_new(root, "analyzers", json_string(mmr_sbom_analyzers_key()));
	json_object_set_new(root, "key", json_string(key));
	/* for the reader of the file; the key above is what is checked */
	for (size_t i = 0; ctx->scanners && ctx->scanners[i]; i++)
		json_array_append_new(scn, json_pack("{s:s?,s:s?}", "name", ctx->scanners[i]->name,
						     "key", ctx->scanners[i]->key));
	json_object_set_new(root, "scanners", scn);
	scn = NULL;
	json_object_set_new(root, "layer", jstr(ctx->layer));
	for (size_t i = 0; i < ctx->groups.n; i++) {
		const struct mmr_sbom_group *g = ctx->groups.v[i];
		json_t *go = json_object(), *pk = json_array();
		if (!go || !pk) {
			json_decref(go);
			json_decref(pk);
			goto out;
		}
		json_object_set_new(go, "analyzer", jstr(g->analyzer));
		json_object_set_new(go, "path", jstr(g->path));
		json_object_set_new(go, "class", jstr(g->class));
		if (g->os) {
			json_t *os = json_object();
			json_object_set_new(os, "family", jstr(g->os->family));
			json_object_set_new(os, "name", jstr(g->os->name));
			json_object_set_new(os, "version", jstr(g->os->version));
			json_object_set_new(os, "codename", jstr(g->os->codename));
			json_object_set_new(os, "pretty", jstr(g->os->pretty));
			json_object_set_new(go, "os", os);
		}
		for (size_t k = 0; k < g->packages.n; k++)
			json_array_append_new(pk, dump_pkg(g->packages.v[k]));
		json_object_set_new(go, "packages", pk);
		json_array_append_new(groups, go);
	}
	json_object_set_new(root, "groups", groups);
	groups = NULL;
	json_object_set_new(root, "whiteouts", jvec(&ctx->whiteouts));
	json_object_set_new(root, "opaque", jvec(&ctx->opaque));
	json_object_set_new(root, "touched", jvec(&ctx->touched));
	for (size_t i = 0; i < ctx->warnings.n; i++) {
		const struct mmr_diag *d = ctx->warnings.v[i];
		json_t *w = json_object();
		json_object_set_new(w, "where", jstr(d->where));
		json_object_set_new(w, "message", jstr(d->message));
		json_array_append_new(warn, w);
	}
	json_object_set_new(root, "warnings", warn);
	warn = NULL;
	for (size_t i = 0; i < ctx->findings.n; i++) {
		json_t *f = dump_finding(ctx->findings.v[i]);
		if (!f || json_array_append_new(finds, f) < 0)
			goto out;
	}
	json_object_set_new(root, "findings", finds);
	finds = NULL;
	out = json_dumps(root, JSON_COMPACT);
out:
	json_decref(groups);
	json_decref(warn);
	json_decref(finds);
	json_decref(scn);
	json_decref(root);
	return out;
}

/* ---- parse ---- */

static int get_str(struct mmr_arena *a, const json_t *o, const char *key, bool required,
		   const char **ret)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		*ret = NULL;
		return required ? -EBADMSG : 0;
	}
	if (!json_is_string(v))
		return -EBADMSG;
	*ret = mmr_arena_strdup(a, json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int get_vec(struct mmr_arena *a, const json_t *o, const char *key, struct mmr_vec *out)
{
	json_t *arr = json_object_get(o, key);
	size_t i;
	json_t *v;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return -EBADMSG;
	json_array_foreach (arr, i, v) {
		if (!json_is_string(v))
			return -EBADMSG;
		char *s = mmr_arena_strdup(a, json_string_value(v));
		if (!s || mmr_vec_push(a, out, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int get_int(const json_t *o, const char *key, json_int_t lo, json_int_t hi, json_int_t *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		*ret = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -EBADMSG;
	*ret = json_integer_value(v);
	return 0;
}

static bool get_bool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static int parse_pkg(struct mmr_arena *a, const json_t *o, const char *layer,
		     struct mmr_package **ret)
{
	struct mmr_package *p = mmr_arena_alloc(a, sizeof(*p));
	json_int_t v;
	int r;
	if (!p)
		return -ENOMEM;
	if (!json_is_object(o))
		return -EBADMSG;
	if ((r = get_str(a, o, "id", false, &p->id)) < 0 ||
	    (r = get_str(a, o, "name", true, &p->name)) < 0 ||
	    (r = get_str(a, o, "version", true, &p->version)) < 0 ||
	    (r = get_str(a, o, "release", false, &p->release)) < 0 ||
	    (r = get_str(a, o, "arch", false, &p->arch)) < 0 ||
	    (r = get_str(a, o, "src_name", false, &p->src_name)) < 0 ||
	    (r = get_str(a, o, "src_version", false, &p->src_version)) < 0 ||
	    (r = get_str(a, o, "src_release", false, &p->src_release)) < 0 ||
	    (r = get_str(a, o, "purl", false, &p->purl)) < 0 ||
	    (r = get_str(a, o, "file", false, &p->file)) < 0 ||
	    (r = get_str(a, o, "maintainer", false, &p->maintainer)) < 0 ||
	    (r = get_str(a, o, "vendor", false, &p->vendor)) < 0 ||
	    (r = get_str(a, o, "repository", false, &p->repository)) < 0 ||
	    (r = get_vec(a, o, "licenses", &p->licenses)) < 0 ||
	    (r = get_vec(a, o, "depends_on", &p->depends_on)) < 0)
		return r;
	if ((r = get_int(o, "epoch", 0, UINT32_MAX, &v)) < 0)
		return r;
	p->epoch = (uint32_t)v;
	if ((r = get_int(o, "src_epoch", 0, UINT32_MAX, &v)) < 0)
		return r;
	p->src_epoch = (uint32_t)v;
	const char *eco = mmr_json_str(o, "eco");
	if (!eco)
		return -EBADMSG;
	p->eco = mmr_ecosystem_from_id(eco);
	if ((r = get_int(o, "relation", 0, MMR_DEP_INDIRECT, &v)) < 0)
		return r;
	p->relation = (enum mmr_dep_relation)v;
	if ((r = get_int(o, "line_start", 0, INT64_MAX, &v)) < 0)
		return r;
	p->line_start = (unsigned long)v;
	if ((r = get_int(o, "line_end", 0, INT64_MAX, &v)) < 0)
		return r;
	p->line_end = (unsigned long)v;
	p->has_epoch = get_bool(o, "has_epoch");
	p->dev = get_bool(o, "dev");
	p->indirect = get_bool(o, "indirect");
	p->layer = layer;
	*ret = p;
	return 0;
}

static int kind_from_name(const char *s, enum mmr_finding_kind *ret)
{
	for (int k = 0; s && k <= MMR_FINDING_WAF; k++)
		if (strcmp(s, mmr_finding_kind_name((enum mmr_finding_kind)k)) == 0) {
			*ret = (enum mmr_finding_kind)k;
			return 0;
		}
	return -EBADMSG;
}

static int parse_finding(struct mmr_arena *a, const json_t *o, struct mmr_finding **ret)
{
	struct mmr_finding *f = mmr_arena_alloc(a, sizeof(*f));
	json_t *loc = json_object_get(o, "loc"), *score = json_object_get(o, "score");
	json_int_t v;
	int r;
	if (!f)
		return -ENOMEM;
	if (!json_is_object(o) || !json_is_object(loc) || !json_is_number(score))
		return -EBADMSG;
	const char *sev = mmr_json_str(o, "severity");
	if (!sev || (r = kind_from_name(mmr_json_str(o, "kind"), &f->kind)) < 0)
		return -EBADMSG;
	f->severity = mmr_severity_from_name(sev);
	f->score = json_number_value(score);
	if ((r = get_str(a, o, "rule_id", false, &f->rule_id)) < 0 ||
	    (r = get_str(a, o, "title", false, &f->title)) < 0 ||
	    (r = get_str(a, o, "evidence", false, &f->evidence)) < 0 ||
	    (r = get_str(a, o, "remediation", false, &f->remediation)) < 0 ||
	    (r = get_str(a, o, "fix", false, &f->fix)) < 0 ||
	    (r = get_str(a, o, "fingerprint", false, &f->fingerprint)) < 0 ||
	    (r = get_str(a, o, "suppressed_by", false, &f->suppressed_by)) < 0 ||
	    (r = get_vec(a, o, "references", &f->references)) < 0 ||
	    (r = get_vec(a, o, "controls", &f->controls)) < 0 ||
	    (r = get_vec(a, o, "aliases", &f->aliases)) < 0 ||
	    (r = get_str(a, loc, "file", false, &f->loc.file)) < 0 ||
	    (r = get_str(a, loc, "layer", false, &f->loc.layer)) < 0 ||
	    (r = get_str(a, loc, "package", false, &f->loc.package)) < 0 ||
	    (r = get_str(a, loc, "resource", false, &f->loc.resource)) < 0 ||
	    (r = get_str(a, loc, "process", false, &f->loc.process)) < 0)
		return r;
	if ((r = get_int(loc, "line_start", 0, INT64_MAX, &v)) < 0)
		return r;
	f->loc.line_start = (unsigned long)v;
	if ((r = get_int(loc, "line_end", 0, INT64_MAX, &v)) < 0)
		return r;
	f->loc.line_end = (unsigned long)v;
	if ((r = get_int(loc, "col", 0, INT64_MAX, &v)) < 0)
		return r;
	f->loc.col = (unsigned long)v;
	f->suppressed = get_bool(o, "suppressed");
	*ret = f;
	return 0;
}

int mmr_image_cache_parse(struct mmr_arena *a, const struct mmr_limits *l, const char *diff_id,
			  const void *data, size_t len, struct mmr_sbom_ctx **ret)
{
	return mmr_image_cache_parse_scanners(a, l, NULL, diff_id, data, len, ret);
}

int mmr_image_cache_parse_scanners(struct mmr_arena *a, const struct mmr_limits *l,
				   const struct mmr_file_scanner *const *scanners,
				   const char *diff_id, const void *data, size_t len,
				   struct mmr_sbom_ctx **ret)
{
	json_t *root = NULL;
	json_t *v;
	size_t i;
	char want[MMR_IMAGE_CACHE_KEY_LEN + 1];
	int r = mmr_image_cache_key(scanners, want, sizeof(want));
	if (r < 0)
		return r;
	r = mmr_json_parse(data, len, "layer cache", &root, NULL);
	if (r < 0)
		return -EBADMSG;
	struct mmr_sbom_ctx *ctx = mmr_arena_alloc(a, sizeof(*ctx));
	if (!ctx) {
		r = -ENOMEM;
		goto out;
	}
	r = -EBADMSG;
	if (!json_is_object(root) ||
	    json_integer_value(json_object_get(root, "schema")) != MMR_IMAGE_CACHE_SCHEMA)
		goto out;
	const char *key = mmr_json_str(root, "analyzers");
	const char *skey = mmr_json_str(root, "key");
	const char *layer = mmr_json_str(root, "layer");
	if (!key || strcmp(key, mmr_sbom_analyzers_key()) != 0 || !skey || strcmp(skey, want) != 0)
		goto out;
	if (diff_id && (!layer || strcmp(layer, diff_id) != 0))
		goto out;
	mmr_sbom_ctx_init(ctx, a, l, MMR_SBOM_INSTALLED, layer);
	ctx->scanners = scanners;
	if ((!ctx->layer && layer) || (r = get_vec(a, root, "whiteouts", &ctx->whiteouts)) < 0 ||
	    (r = get_vec(a, root, "opaque", &ctx->opaque)) < 0 ||
	    (r = get_vec(a, root, "touched", &ctx->touched)) < 0) {
		r = r < 0 ? r : -ENOMEM;
		goto out;
	}
	r = -EBADMSG;
	json_t *groups = json_object_get(root, "groups");
	if (!json_is_array(groups))
		goto out;
	json_array_foreach (groups, i, v) {
		struct mmr_sbom_group *g = mmr_arena_alloc(a, sizeof(*g));
		json_t *pk = json_object_get(v, "packages"), *pv;
		size_t k;
		if (!g) {
			r = -ENOMEM;
			goto out;
		}
		if (!json_is_object(v) || !json_is_array(pk) ||
		    (r = get_str(a, v, "analyzer", true, &g->analyzer)) < 0 ||
		    (r = get_str(a, v, "path", true, &g->path)) < 0 ||
		    (r = get_str(a, v, "class", true, &g->class)) < 0) {
			r = r < 0 ? r : -EBADMSG;
			goto out;
		}
		json_t *os = json_object_get(v, "os");
		if (os) {
			struct mmr_os *o = mmr_arena_alloc(a, sizeof(*o));
			if (!o) {
				r = -ENOMEM;
				goto out;
			}
			if (!json_is_object(os) || (r = get_str(a, os, "family", false, &o->family)) < 0 ||
			    (r = get_str(a, os, "name", false, &o->name)) < 0 ||
			    (r = get_str(a, os, "version", false, &o->version)) < 0 ||
			    (r = get_str(a, os, "codename", false, &o->codename)) < 0 ||
			    (r = get_str(a, os, "pretty", false, &o->pretty)) < 0) {
				r = r < 0 ? r : -EBADMSG;
				goto out;
			}
			g->os = o;
		}
		json_array_foreach (pk, k, pv) {
			struct mmr_package *p;
			if ((r = parse_pkg(a, pv, ctx->layer, &p)) < 0)
				goto out;
			if (l && g->packages.n >= l->max_packages) {
				r = -E2BIG;
				goto out;
			}
			if ((r = mmr_vec_push(a, &g->packages, p)) < 0)
				goto out;
		}
		if ((r = mmr_vec_push(a, &ctx->groups, g)) < 0)
			goto out;
	}
	json_t *warn = json_object_get(root, "warnings");
	if (warn && !json_is_array(warn)) {
		r = -EBADMSG;
		goto out;
	}
	json_array_foreach (warn, i, v) {
		struct mmr_diag *d = mmr_arena_alloc(a, sizeof(*d));
		if (!d) {
			r = -ENOMEM;
			goto out;
		}
		if (!json_is_object(v) || (r = get_str(a, v, "where", true, &d->where)) < 0 ||
		    (r = get_str(a, v, "message", true, &d->message)) < 0) {
			r = r < 0 ? r : -EBADMSG;
			goto out;
		}
		if ((r = mmr_vec_push(a, &ctx->warnings, d)) < 0)
			goto out;
	}
	json_t *finds = json_object_get(root, "findings");
	if (!json_is_array(finds)) {
		r = -EBADMSG;
		goto out;
	}
	if (json_array_size(finds) > MMR_IMAGE_CACHE_MAX_FINDINGS) {
		r = -E2BIG;
		goto out;
	}
	json_array_foreach (finds, i, v) {
		struct mmr_finding *f;
		if ((r = parse_finding(a, v, &f)) < 0 || (r = mmr_vec_push(a, &ctx->findings, f)) < 0)
			goto out;
	}
	*ret = ctx;
	r = 0;
out:
	json_decref(root);
	return r;
}

int mmr_image_cache_load(struct mmr_arena *a, const struct mmr_limits *l, const char *cache_dir,
			 const struct mmr_file_scanner *const *scanners, const char *diff_id,
			 struct mmr_sbom_ctx **ret)
{
	char path[4096];
	struct stat st;
	int r = mmr_image_cache_path_scanners(cache_dir, scanners, diff_id, path, sizeof(path));
	if (r < 0)
		return r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > MMR_IMAGE_CACHE_MAX) {
		close(fd);
		return -EBADMSG;
	}
	size_t len = (size_t)st.st_size, off = 0;
	char *d = malloc(len + 1);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (off < len) {
		ssize_t n = read(fd, d + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	r = off == len ? mmr_image_cache_parse_scanners(a, l, scanners, diff_id, d, len, ret) :
			 -EBADMSG;
	free(d);
	return r;
}

static int mkdir_p(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, mode);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int mmr_image_cache_store(const char *cache_dir, const struct mmr_sbom_ctx *ctx)
{
	char path[4096], tmp[4200];
	if (!mmr_image_cache_storable(ctx))
		return -EPERM;
	int r = mmr_image_cache_path_scanners(cache_dir, ctx->scanners, ctx->layer, path,
					      sizeof(path));
	if (r < 0)
		return r;
	char *slash = strrchr(path, '/');
	*slash = 0;
	r = mkdir_p(path, 0700);
	*slash = '/';
	if (r < 0)
		return r;
	char *text = mmr_image_cache_dump(ctx);
	if (!text)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.XXXXXX", path, (long)getpid());
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(text);
		return r;
	}
	fchmod(fd, 0600);
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}
