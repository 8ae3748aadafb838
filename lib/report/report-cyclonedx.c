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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cdx {
	struct mmr_arena *a;
	const struct mmr_report *r;
	json_t *components, *deps;
	struct mmr_map refs; /* bom-refs in use */
	struct mmr_map pkg_refs; /* "<result index>\x1f<package id>" -> bom-ref */
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
			if (p->id && !mmr_map_has(&by_pkg, p->id)) {
				mmr_map_put(&by_pkg, p->id, (void *)refs[i]);
				const char *k = mmr_arena_printf(c->a, "%zu\x1f%s", ri, p->id);
				if (!k || mmr_map_put(&c->pkg_refs, k, (void *)refs[i]) < 0)
					return -ENOMEM;
			}
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

/* ---- vulnerabilities (CycloneDX 1.6 "vulnerabilities", VEX out) -------- */

static const char *cdx_severity(enum mmr_severity s)
{
	static const char *const n[] = { "unknown", "info", "low", "medium", "high", "critical" };
	return s <= MMR_SEV_CRITICAL ? n[s] : "unknown";
}

/* CVSS qualitative rating of a score (v3.1 and v4.0 use the same bands). */
static const char *score_severity(double x)
{
	return x >= 9.0 ? "critical" : x >= 7.0 ? "high" : x >= 4.0 ? "medium" : x > 0 ? "low" : "none";
}

/* Where an id is published, by its prefix. */
static void id_source(const char *id, const char **ret_name, const char **ret_url,
		      struct mmr_arena *a)
{
	*ret_name = NULL;
	*ret_url = NULL;
	if (!id)
		return;
	if (strncmp(id, "CVE-", 4) == 0) {
		*ret_name = "NVD";
		*ret_url = mmr_arena_printf(a, "https://nvd.nist.gov/vuln/detail/%s", id);
	} else if (strncmp(id, "GHSA-", 5) == 0) {
		*ret_name = "GitHub";
		*ret_url = mmr_arena_printf(a, "https://github.com/advisories/%s", id);
	} else if (strncmp(id, "DSA-", 4) == 0 || strncmp(id, "DLA-", 4) == 0) {
		*ret_name = "Debian";
	} else if (strncmp(id, "USN-", 4) == 0) {
		*ret_name = "Ubuntu";
	} else if (strncmp(id, "RHSA-", 5) == 0) {
		*ret_name = "Red Hat";
	} else if (strncmp(id, "RUSTSEC-", 8) == 0) {
		*ret_name = "RustSec";
		*ret_url = mmr_arena_printf(a, "https://rustsec.org/advisories/%s", id);
	} else if (strncmp(id, "GO-", 3) == 0 || strncmp(id, "PYSEC-", 6) == 0 ||
		   strncmp(id, "OSV-", 4) == 0) {
		*ret_name = "OSV";
		*ret_url = mmr_arena_printf(a, "https://osv.dev/vulnerability/%s", id);
	}
	/* ids come from feeds: keep the URL only when the id is URL-safe */
	for (const char *p = id; *ret_url && *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.' && *p != ':')
			*ret_url = NULL;
}

static json_t *source_obj(const char *name, const char *url)
{
	json_t *o = json_object();
	if (name && *name)
		set(o, "name", name);
	if (url && *url)
		set(o, "url", url);
	return o;
}

/* RFC 3339 date-time from "YYYY-MM-DD" or a date-time; NULL otherwise. */
static const char *date_time(struct mmr_arena *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	for (size_t i = 0; i < 10; i++) {
		if (i >= n)
			return NULL;
		bool dash = i == 4 || i == 7;
		if (dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return NULL;
	}
	if (n == 10)
		return mmr_arena_printf(a, "%sT00:00:00Z", s);
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return NULL;
	/* "2021-01-01T12:00:00" without an offset: UTC */
	bool zone = s[n - 1] == 'Z' || s[n - 1] == 'z' || (n > 19 && strpbrk(s + 19, "+-"));
	const char *r = zone ? s : mmr_arena_printf(a, "%sZ", s);
	if (r && r[10] != 'T') {
		char *d = mmr_arena_strdup(a, r);
		if (d)
			d[10] = 'T';
		r = d;
	}
	return r;
}

static bool is_url(const char *s)
{
	return s && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) &&
	       !strpbrk(s, " \t\r\n\"<>\\^`{|}");
}

/* OpenVEX / CSAF justifications -> CycloneDX impact analysis justifications. */
static const char *cdx_justification(const char *j)
{
	static const char *const same[] = { "code_not_present",
					    "code_not_reachable",
					    "requires_configuration",
					    "requires_dependency",
					    "requires_environment",
					    "protected_by_compiler",
					    "protected_at_runtime",
					    "protected_at_perimeter",
					    "protected_by_mitigating_control",
					    NULL };
	static const char *const map[][2] = {
		{ "component_not_present", "code_not_present" },
		{ "vulnerable_code_not_present", "code_not_present" },
		{ "vulnerable_code_not_in_execute_path", "code_not_reachable" },
		{ "vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment" },
		{ "inline_mitigations_already_exist", "protected_by_mitigating_control" },
	};
	if (!j)
		return NULL;
	for (size_t i = 0; same[i]; i++)
		if (strcmp(j, same[i]) == 0)
			return same[i];
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(j, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* The analysis object for a finding, or NULL when there is nothing to say. */
static json_t *analysis_of(const struct mmr_finding *f)
{
	const struct mmr_vuln_info *v = f->vuln;
	const char *vs = v->vex_status;
	const char *state = NULL, *just = NULL, *response = NULL;
	if (vs && *vs) {
		if (strcmp(vs, "not_affected") == 0) {
			state = "not_affected";
			just = cdx_justification(v->vex_justification);
		} else if (strcmp(vs, "affected") == 0 || strcmp(vs, "exploitable") == 0) {
			state = "exploitable";
		} else if (strcmp(vs, "fixed") == 0 || strcmp(vs, "resolved") == 0) {
			state = "resolved";
		} else if (strcmp(vs, "under_investigation") == 0 || strcmp(vs, "in_triage") == 0) {
			state = "in_triage";
		} else if (strcmp(vs, "false_positive") == 0) {
			state = "false_positive";
		}
	}
	if (!state && f->suppressed) {
		/* ignored by the user: affected, and they accept it */
		state = "exploitable";
		response = "will_not_fix";
	}
	if (!state)
		return NULL;
	json_t *o = json_object();
	set(o, "state", state);
	if (just)
		set(o, "justification", just);
	if (response) {
		json_t *r = json_array();
		json_array_append_new(r, mmr_report_jstr(response));
		json_object_set_new(o, "response", r);
	}
	const char *detail = f->suppressed_by && *f->suppressed_by ? f->suppressed_by :
			     v->vex_justification;
	if (detail && *detail)
		set(o, "detail", detail);
	return o;
}

static json_t *vuln_entry(struct cdx *c, const struct mmr_finding *f)
{
	const struct mmr_vuln_info *v = f->vuln;
	json_t *o = json_object();
	const char *id = f->rule_id && *f->rule_id ? f->rule_id : "unknown";
	const char *ref = claim_ref(c, mmr_arena_printf(c->a, "mamori:vuln:%s", id));
	if (!ref) {
		json_decref(o);
		return NULL;
	}
	set(o, "bom-ref", ref);
	set(o, "id", id);
	const char *sname, *surl;
	id_source(id, &sname, &surl, c->a);
	if (v->sources.n && v->sources.v[0])
		sname = v->sources.v[0];
	if (sname || surl)
		json_object_set_new(o, "source", source_obj(sname, surl));
	json_t *refs = json_array();
	for (size_t i = 0; i < f->aliases.n; i++) {
		const char *al = f->aliases.v[i];
		if (!al || !*al || strcmp(al, id) == 0)
			continue;
		const char *an, *au;
		id_source(al, &an, &au, c->a);
		json_t *x = json_object();
		set(x, "id", al);
		json_object_set_new(x, "source", source_obj(an ? an : "unknown", au));
		json_array_append_new(refs, x);
	}
	if (json_array_size(refs))
		json_object_set_new(o, "references", refs);
	else
		json_decref(refs);
	json_t *ratings = json_array();
	if (v->cvss3_vector || v->cvss3_score >= 0) {
		json_t *x = json_object();
		if (v->cvss3_score >= 0) {
			json_object_set_new(x, "score", json_real(v->cvss3_score));
			set(x, "severity", score_severity(v->cvss3_score));
		}
		set(x, "method",
		    v->cvss3_vector && strncmp(v->cvss3_vector, "CVSS:3.0/", 9) == 0 ? "CVSSv3" :
											  "CVSSv31");
		if (v->cvss3_vector)
			set(x, "vector", v->cvss3_vector);
		json_array_append_new(ratings, x);
	}
	if (v->cvss4_vector || v->cvss4_score >= 0) {
		json_t *x = json_object();
		if (v->cvss4_score >= 0) {
			json_object_set_new(x, "score", json_real(v->cvss4_score));
			set(x, "severity", score_severity(v->cvss4_score));
		}
		set(x, "method", "CVSSv4");
		if (v->cvss4_vector)
			set(x, "vector", v->cvss4_vector);
		json_array_append_new(ratings, x);
	}
	/* the rating mamori uses (the distribution's own where there is one) */
	json_t *own = json_object();
	if (v->severity_source && *v->severity_source)
		json_object_set_new(own, "source", source_obj(v->severity_source, NULL));
	set(own, "severity", cdx_severity(f->severity));
	set(own, "method", "other");
	json_array_append_new(ratings, own);
	json_object_set_new(o, "ratings", ratings);
	json_t *cwes = json_array();
	for (size_t i = 0; i < v->cwes.n; i++) {
		const char *w = v->cwes.v[i];
		if (!w || strncasecmp(w, "CWE-", 4) != 0)
			continue;
		char *end;
		unsigned long n = strtoul(w + 4, &end, 10);
		if (end != w + 4 && *end == 0 && n < 100000000)
			json_array_append_new(cwes, json_integer((json_int_t)n));
	}
	if (json_array_size(cwes))
		json_object_set_new(o, "cwes", cwes);
	else
		json_decref(cwes);
	const char *desc = v->description && *v->description ? v->description : NULL;
	if (f->title && *f->title) {
		set(o, "description", f->title);
		if (desc && strcmp(desc, f->title) != 0)
			set(o, "detail", desc);
	} else if (desc) {
		set(o, "description", desc);
	}
	if (f->remediation && *f->remediation)
		set(o, "recommendation", f->remediation);
	json_t *adv = json_array();
	for (size_t i = 0; i < f->references.n; i++) {
		if (!is_url(f->references.v[i]))
			continue;
		json_t *x = json_object();
		set(x, "url", f->references.v[i]);
		json_array_append_new(adv, x);
	}
	if (json_array_size(adv))
		json_object_set_new(o, "advisories", adv);
	else
		json_decref(adv);
	const char *pub = date_time(c->a, v->published), *upd = date_time(c->a, v->modified);
	if (pub)
		set(o, "published", pub);
	if (upd)
		set(o, "updated", upd);
	json_t *an = analysis_of(f);
	if (an)
		json_object_set_new(o, "analysis", an);
	json_object_set_new(o, "affects", json_array());
	json_t *props = json_array();
	if (v->kev) {
		prop(props, "mamori:kev", "true");
		prop(props, "mamori:kev:date_added", v->kev_added);
		prop(props, "mamori:kev:due_date", v->kev_due);
	}
	if (v->epss >= 0)
		prop(props, "mamori:epss", mmr_arena_printf(c->a, "%.5f", v->epss));
	if (v->epss_percentile >= 0)
		prop(props, "mamori:epss:percentile",
		     mmr_arena_printf(c->a, "%.5f", v->epss_percentile));
	prop(props, "mamori:vex:source", v->vex_source);
	set_props(o, props);
	return o;
}

/* One entry per vulnerability id and analysis (a VEX statement may cover
 * some packages and not others); `affects` lists every package. */
static json_t *vulnerabilities(struct cdx *c)
{
	json_t *arr = json_array();
	struct mmr_map by_key; /* id \x1f analysis -> json entry */
	mmr_map_init(&by_key, c->a);
	for (size_t ri = 0; ri < c->r->results.n; ri++) {
		const struct mmr_result *res = c->r->results.v[ri];
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			if (f->kind != MMR_FINDING_VULNERABILITY || !f->vuln)
				continue;
			json_t *an = analysis_of(f);
			char *ak = an ? json_dumps(an, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			json_decref(an);
			const char *key = mmr_arena_printf(c->a, "%s\x1f%s", f->rule_id ? f->rule_id : "",
							   ak ? ak : "");
			free(ak);
			if (!key)
				goto oom;
			json_t *e = mmr_map_get(&by_key, key);
			if (!e) {
				if (!(e = vuln_entry(c, f)))
					goto oom;
				json_array_append_new(arr, e);
				if (mmr_map_put(&by_key, key, e) < 0)
					goto oom;
			}
			const char *pref = f->loc.package ?
						   mmr_map_get(&c->pkg_refs,
							       mmr_arena_printf(c->a, "%zu\x1f%s", ri,
										f->loc.package)) :
						   NULL;
			if (!pref)
				continue; /* a finding on no package of the BOM */
			json_t *aff = json_object(), *vers = json_array();
			set(aff, "ref", pref);
			bool not_aff = f->vuln->vex_status &&
				       strcmp(f->vuln->vex_status, "not_affected") == 0;
			if (f->vuln->installed && *f->vuln->installed) {
				json_t *x = json_object();
				set(x, "version", f->vuln->installed);
				set(x, "status", not_aff ? "unaffected" : "affected");
				json_array_append_new(vers, x);
			}
			for (size_t i = 0; i < f->vuln->fixed.n; i++) {
				const char *fx = f->vuln->fixed.v[i];
				if (!fx || !*fx)
					continue;
				json_t *x = json_object();
				set(x, "version", fx);
				set(x, "status", "unaffected");
				json_array_append_new(vers, x);
			}
			if (json_array_size(vers))
				json_object_set_new(aff, "versions", vers);
			else
				json_decref(vers);
			json_array_append_new(json_object_get(e, "affects"), aff);
		}
	}
	/* "affects" must not be empty in the schema's spirit; drop it then */
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		if (!json_array_size(json_object_get(e, "affects")))
			json_object_del(e, "affects");
	}
	return arr;
oom:
	json_decref(arr);
	return NULL;
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
	mmr_map_init(&c.pkg_refs, a);
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
	json_t *vulns = vulnerabilities(&c);
	if (!vulns) {
		ret = -ENOMEM;
		goto out;
	}
	if (json_array_size(vulns))
		json_object_set_new(bom, "vulnerabilities", vulns);
	else
		json_decref(vulns);
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
