/* report-cyclonedx.c - CycloneDX 1.6 JSON writer (docs/cli/formats.md).
 *
 * metadata.component is the scanned asset (container image, the operating
 * system of a root file system or host, else the scanned directory as an
 * application). Each result that is not the asset itself gets a component
 * (the OS of an image: operating-system; a lockfile: application) that
 * depends on the top packages of that result; the asset depends on those.
 * Packages are "library" components whose bom-ref is the purl, made unique
 * with a "package-id" qualifier when two packages share a purl.
 * Our own properties use the "mamori:" namespace, ':' separating levels
 * (CycloneDX property taxonomy conventions). */
#include "report/report-spdx.h"
#include "report/report.h"

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-hash.h"
#include "mmr-config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

struct cdx {
	struct mmr_arena *a;
	const struct mmr_report *r;
	json_t *components, *deps;
	struct mmr_map refs; /* bom-refs in use */
	struct mmr_spdx_refs lrefs;
};

static void set(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, mmr_report_jstr(v));
}

static void prop(json_t *props, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	json_t *o = json_object();
	set(o, "name", name);
	set(o, "value", value);
	json_array_append_new(props, o);
}

static void set_props(json_t *o, json_t *props)
{
	if (json_array_size(props))
		json_object_set_new(o, "properties", props);
	else
		json_decref(props);
}

static const char *claim_ref(struct cdx *c, const char *want)
{
	const char *ref = want;
	for (unsigned k = 2; ref && mmr_map_has(&c->refs, ref); k++)
		ref = mmr_arena_printf(c->a, "%s-%u", want, k);
	if (!ref || mmr_map_put(&c->refs, ref, (void *)1) < 0)
		return NULL;
	return ref;
}

static const char *package_ref(struct cdx *c, const struct mmr_result *res,
			       const struct mmr_package *p)
{
	const char *base = p->purl && *p->purl ?
				   p->purl :
				   mmr_arena_printf(c->a, "mamori:package:%s:%s", res->target,
						    p->id ? p->id : p->name);
	if (!base)
		return NULL;
	if (!mmr_map_has(&c->refs, base))
		return claim_ref(c, base);
	/* Same purl twice (one package in two lockfiles, two layers...): add a
	 * stable disambiguator derived from where this one was found. */
	struct mmr_sha256 h;
	char hex[MMR_SHA256_HEX_LEN + 1];
	if (mmr_sha256_init(&h) < 0)
		return NULL;
	const char *parts[] = { res->target, p->id, p->file, p->layer };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		mmr_sha256_update(&h, parts[i] ? parts[i] : "", parts[i] ? strlen(parts[i]) + 1 : 1);
	if (mmr_sha256_final_hex(&h, hex) < 0)
		return NULL;
	hex[16] = 0;
	return claim_ref(c, mmr_arena_printf(c->a, "%s%cpackage-id=%s", base,
					     strchr(base, '?') ? '&' : '?', hex));
}

static const char *relation_name(enum mmr_dep_relation r)
{
	switch (r) {
	case MMR_DEP_ROOT:
		return "root";
	case MMR_DEP_WORKSPACE:
		return "workspace";
	case MMR_DEP_DIRECT:
		return "direct";
	case MMR_DEP_INDIRECT:
		return "indirect";
	default:
		return NULL;
	}
}

static json_t *licenses(struct cdx *c, const struct mmr_package *p)
{
	bool any_expr = false;
	size_t n = 0;
	for (size_t i = 0; i < p->licenses.n; i++) {
		enum mmr_spdx_kind k;
		const char *norm;
		if (mmr_spdx_classify(c->a, p->licenses.v[i], &k, &norm) < 0)
			return NULL;
		any_expr |= k == MMR_SPDX_EXPR;
		n += k != MMR_SPDX_NONE;
	}
	if (!n)
		return NULL;
	json_t *arr = json_array();
	if (any_expr) {
		/* CycloneDX allows one expression or a list of licences, not both:
		 * AND everything into one expression (free text as LicenseRef-). */
		const char *e = mmr_spdx_package_expression(c->a, &c->lrefs, p);
		json_t *o = json_object();
		set(o, "expression", e);
		json_array_append_new(arr, o);
		return arr;
	}
	struct mmr_map seen;
	mmr_map_init(&seen, c->a);
	for (size_t i = 0; i < p->licenses.n; i++) {
		enum mmr_spdx_kind k;
		const char *norm;
		if (mmr_spdx_classify(c->a, p->licenses.v[i], &k, &norm) < 0 || k == MMR_SPDX_NONE ||
		    mmr_map_has(&seen, norm))
			continue;
		mmr_map_put(&seen, norm, (void *)1);
		json_t *l = json_object(), *o = json_object();
		set(l, k == MMR_SPDX_ID ? "id" : "name", norm);
		json_object_set_new(o, "license", l);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *package_component(struct cdx *c, const char *ref, const struct mmr_package *p)
{
	json_t *o = json_object();
	set(o, "bom-ref", ref);
	set(o, "type", "library");
	const char *who = p->vendor && *p->vendor ? p->vendor : p->maintainer;
	if (who && *who) {
		json_t *s = json_object();
		set(s, "name", who);
		json_object_set_new(o, "supplier", s);
	}
	const char *name = p->name ? p->name : "";
	const char *sl;
	if (p->eco == MMR_ECO_MAVEN && strchr(name, ':')) {
		sl = strchr(name, ':');
		set(o, "group", mmr_arena_strndup(c->a, name, (size_t)(sl - name)));
		name = sl + 1;
	} else if (p->eco == MMR_ECO_NPM && name[0] == '@' && (sl = strchr(name, '/')) && sl[1]) {
		set(o, "group", mmr_arena_strndup(c->a, name, (size_t)(sl - name)));
		name = sl + 1;
	}
	set(o, "name", name);
	const char *fv = mmr_package_full_version(c->a, p);
	if (fv && *fv)
		set(o, "version", fv);
	json_t *lic = licenses(c, p);
	if (lic)
		json_object_set_new(o, "licenses", lic);
	if (p->purl && *p->purl)
		set(o, "purl", p->purl);
	json_t *props = json_array();
	prop(props, "mamori:package:ecosystem", mmr_ecosystem_id(p->eco));
	prop(props, "mamori:package:id", p->id);
	prop(props, "mamori:package:file", p->file);
	prop(props, "mamori:layer:diff_id", p->layer);
	prop(props, "mamori:package:src_name", p->src_name);
	prop(props, "mamori:package:src_version", p->src_version);
	prop(props, "mamori:package:src_release", p->src_release);
	if (p->src_epoch)
		prop(props, "mamori:package:src_epoch", mmr_arena_printf(c->a, "%u", p->src_epoch));
	prop(props, "mamori:package:arch", p->arch);
	prop(props, "mamori:package:relation", relation_name(p->relation));
	if (p->dev)
		prop(props, "mamori:package:dev", "true");
	prop(props, "mamori:package:repository", p->repository);
	set_props(o, props);
	return o;
}

static void dep(struct cdx *c, const char *ref, json_t *on)
{
	json_t *o = json_object();
	set(o, "ref", ref);
	json_object_set_new(o, "dependsOn", on ? on : json_array());
	json_array_append_new(c->deps, o);
}

/* purl percent-encoding of one segment. */
static void purl_seg(struct mmr_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == '~') {
			mmr_buf_addc(b, (char)ch);
		} else {
			mmr_buf_addc(b, '%');
			mmr_buf_addc(b, hex[ch >> 4]);
			mmr_buf_addc(b, hex[ch & 15]);
		}
	}
}

/* pkg:oci/<name>@<digest>?repository_url=<repo> from "repo@sha256:..". */
static const char *oci_purl(struct mmr_arena *a, const struct mmr_asset *as)
{
	if (!as->repo_digests.n)
		return NULL;
	const char *rd = as->repo_digests.v[0];
	const char *at = rd ? strrchr(rd, '@') : NULL;
	if (!at || !at[1] || at == rd)
		return NULL;
	char *repo = mmr_arena_strndup(a, rd, (size_t)(at - rd));
	if (!repo)
		return NULL;
	const char *base = strrchr(repo, '/');
	base = base ? base + 1 : repo;
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	mmr_buf_adds(&b, "pkg:oci/");
	char *lname = mmr_arena_strdup(a, base);
	for (char *p = lname; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	purl_seg(&b, lname);
	mmr_buf_addc(&b, '@');
	purl_seg(&b, at + 1);
	mmr_buf_adds(&b, "?repository_url=");
	purl_seg(&b, repo);
	const char *arch = as->has_config ? as->config.architecture : NULL;
	if (arch && *arch) {
		mmr_buf_adds(&b, "&arch=");
		purl_seg(&b, arch);
	}
	char *res = mmr_arena_strndup(a, b.p, b.len);
	mmr_buf_release(&b);
	return res;
}

static bool asset_is_os(const struct mmr_report *r)
{
	return (r->asset.kind == MMR_ASSET_ROOTFS || r->asset.kind == MMR_ASSET_HOST) &&
	       r->asset.os.name && *r->asset.os.name;
}

static json_t *asset_component(struct cdx *c, const char **ret_ref)
{
	const struct mmr_asset *as = &c->r->asset;
	const char *name = as->name && *as->name ? as->name : "unknown";
	json_t *o = json_object(), *props = json_array();
	const char *ref, *purl = NULL;
	if (as->kind == MMR_ASSET_IMAGE) {
		purl = oci_purl(c->a, as);
		ref = claim_ref(c, purl ? purl : mmr_arena_printf(c->a, "mamori:asset:image:%s", name));
		set(o, "bom-ref", ref);
		set(o, "type", "container");
		set(o, "name", name);
		if (as->image_id && *as->image_id)
			set(o, "version", as->image_id);
		if (purl)
			set(o, "purl", purl);
		prop(props, "mamori:image:id", as->image_id);
		prop(props, "mamori:image:manifest_digest", as->manifest_digest);
		for (size_t i = 0; i < as->repo_tags.n; i++)
			prop(props, "mamori:image:repo_tag", as->repo_tags.v[i]);
		for (size_t i = 0; i < as->repo_digests.n; i++)
			prop(props, "mamori:image:repo_digest", as->repo_digests.v[i]);
		if (as->has_config) {
			prop(props, "mamori:image:architecture", as->config.architecture);
			prop(props, "mamori:image:os", as->config.os);
		}
		for (size_t i = 0; i < as->layers.n; i++) {
			const struct mmr_layer *l = as->layers.v[i];
			prop(props, "mamori:layer:diff_id", l ? l->diff_id : NULL);
		}
		prop(props, "mamori:os:name", as->os.name);
		prop(props, "mamori:os:version", as->os.version);
	} else if (asset_is_os(c->r)) {
		ref = claim_ref(c, mmr_arena_printf(c->a, "mamori:asset:%s:%s",
						    mmr_asset_kind_name(as->kind), name));
		set(o, "bom-ref", ref);
		set(o, "type", "operating-system");
		set(o, "name", as->os.name);
		if (as->os.version && *as->os.version)
			set(o, "version", as->os.version);
		prop(props, "mamori:asset:kind", mmr_asset_kind_name(as->kind));
		prop(props, "mamori:asset:path", name);
		prop(props, "mamori:os:family", as->os.family);
		prop(props, "mamori:asset:hostname", as->hostname);
	} else {
		ref = claim_ref(c, mmr_arena_printf(c->a, "mamori:asset:%s:%s",
						    mmr_asset_kind_name(as->kind), name));
		set(o, "bom-ref", ref);
		set(o, "type", "application");
		set(o, "name", name);
		prop(props, "mamori:asset:kind", mmr_asset_kind_name(as->kind));
		prop(props, "mamori:asset:hostname", as->hostname);
		prop(props, "mamori:os:name", as->os.name);
		prop(props, "mamori:os:version", as->os.version);
	}
	set_props(o, props);
	*ret_ref = ref;
	return ref ? o : (json_decref(o), NULL);
}

static int build(struct cdx *c, json_t *meta)
{
	const struct mmr_report *r = c->r;
	const char *root;
	json_t *ac = asset_component(c, &root);
	if (!ac)
		return -ENOMEM;
	json_object_set_new(meta, "component", ac);
	/* entries are added now and filled later, so c->deps owns every array */
	json_t *root_on = json_array();
	dep(c, root, root_on);
	for (size_t ri = 0; ri < r->results.n; ri++) {
		const struct mmr_result *res = r->results.v[ri];
		bool os = strcmp(res->class, "os-pkgs") == 0;
		const char *parent = root;
		json_t *parent_on = root_on;
		if (!(os && asset_is_os(r))) {
			json_t *o = json_object(), *props = json_array();
			const char *name = res->target, *ver = NULL;
			if (os && r->asset.os.name && *r->asset.os.name) {
				name = r->asset.os.name;
				ver = r->asset.os.version;
			}
			parent = claim_ref(c, mmr_arena_printf(c->a, "mamori:result:%s:%s", res->type,
							       res->target));
			if (!parent) {
				json_decref(o);
				json_decref(props);
				return -ENOMEM;
			}
			set(o, "bom-ref", parent);
			set(o, "type", os ? "operating-system" : "application");
			set(o, "name", name);
			if (ver && *ver)
				set(o, "version", ver);
			prop(props, "mamori:result:class", res->class);
			prop(props, "mamori:result:type", res->type);
			prop(props, "mamori:result:target", res->target);
			set_props(o, props);
			json_array_append_new(c->components, o);
			json_array_append_new(root_on, mmr_report_jstr(parent));
			parent_on = json_array();
			dep(c, parent, parent_on);
		}
		struct mmr_map by_pkg; /* package id -> bom-ref */
		mmr_map_init(&by_pkg, c->a);
		const char **refs = mmr_arena_calloc(c->a, res->packages.n + 1, sizeof(char *));
		bool *top = mmr_report_tops(c->a, res);
		if (!refs || !top)
			return -ENOMEM;
		for (size_t i = 0; i < res->packages.n; i++) {
			const struct mmr_package *p = res->packages.v[i];
			if (!(refs[i] = package_ref(c, res, p)))
				return -ENOMEM;
			if (p->id && !mmr_map_has(&by_pkg, p->id))
				mmr_map_put(&by_pkg, p->id, (void *)refs[i]);
			json_array_append_new(c->components, package_component(c, refs[i], p));
			if (top[i])
				json_array_append_new(parent_on, mmr_report_jstr(refs[i]));
		}
		for (size_t i = 0; i < res->packages.n; i++) {
			const struct mmr_package *p = res->packages.v[i];
			json_t *on = json_array();
			struct mmr_map seen;
			mmr_map_init(&seen, c->a);
			for (size_t j = 0; j < p->depends_on.n; j++) {
				const char *to = p->depends_on.v[j] ?
							 mmr_map_get(&by_pkg, p->depends_on.v[j]) :
							 NULL;
				if (!to || to == refs[i] || mmr_map_has(&seen, to))
					continue;
				mmr_map_put(&seen, to, (void *)1);
				json_array_append_new(on, mmr_report_jstr(to));
			}
			dep(c, refs[i], on);
		}
	}
	return 0;
}

int mmr_report_write_cyclonedx(const struct mmr_report *r, FILE *out,
			       const struct mmr_report_opts *o)
{
	(void)o;
	char uuid[37];
	int ret = mmr_report_uuid4(uuid);
	if (ret < 0)
		return ret;
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	struct cdx c = { .a = a, .r = r, .components = json_array(), .deps = json_array() };
	mmr_map_init(&c.refs, a);
	mmr_spdx_refs_init(&c.lrefs, a);
	const char *ver = r->tool_version && *r->tool_version ? r->tool_version : MMR_VERSION;
	json_t *bom = json_object(), *meta = json_object(), *tools = json_object(),
	       *tc = json_array(), *tool = json_object();
	set(bom, "$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
	set(bom, "bomFormat", "CycloneDX");
	set(bom, "specVersion", "1.6");
	set(bom, "serialNumber", mmr_arena_printf(a, "urn:uuid:%s", uuid));
	json_object_set_new(bom, "version", json_integer(1));
	if (r->created && *r->created)
		set(meta, "timestamp", r->created);
	set(tool, "type", "application");
	set(tool, "name", "mamori");
	set(tool, "version", ver);
	json_array_append_new(tc, tool);
	json_object_set_new(tools, "components", tc);
	json_object_set_new(meta, "tools", tools);
	json_object_set_new(bom, "metadata", meta);
	if (!c.components || !c.deps || !bom || !meta) {
		ret = -ENOMEM;
		goto out;
	}
	ret = build(&c, meta);
	if (ret < 0)
		goto out;
	json_object_set(bom, "components", c.components);
	json_object_set(bom, "dependencies", c.deps);
	if (json_dumpf(bom, out, JSON_INDENT(2)) < 0 || fputc('\n', out) == EOF ||
	    fflush(out) == EOF || ferror(out))
		ret = -EIO;
out:
	json_decref(c.components);
	json_decref(c.deps);
	json_decref(bom);
	mmr_arena_free(a);
	return ret;
}
