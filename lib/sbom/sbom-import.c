/* sbom-import.c - CycloneDX / SPDX JSON documents back into a report
 * (sbom-import.h, docs/cli/sbom.md).
 *
 * Both formats are first reduced to one shape: a list of nodes (a CycloneDX
 * component or an SPDX package) with a ref, a type, a name/version, a purl,
 * properties, licences, and edges (CycloneDX dependencies; SPDX CONTAINS and
 * DEPENDS_ON relationships). Then:
 *   1. nodes with a purl become packages;
 *   2. "group" nodes (an operating system, an application or lockfile that
 *      is not the described root) claim the packages reachable from them,
 *      breadth first, in document order; the first group wins;
 *   3. packages no group claims are grouped by the file they were found in
 *      (language packages) or put into one OS result (OS packages), else
 *      one result per ecosystem. */
#include "sbom/sbom-import.h"

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "core/core-vec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_COMPONENT_DEPTH 64 /* nested CycloneDX components; also max-json-depth */
#define MAX_WARN_EXAMPLES 1

/* ---- purl -------------------------------------------------------------- */

/* Percent-decode s[0..n). NUL bytes and bad escapes are kept literally. */
static char *pct_decode(struct mmr_arena *a, const char *s, size_t n)
{
	char *out = mmr_arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n &&
		    (h = mmr_hex_digit(s[i + 1])) >= 0 && (l = mmr_hex_digit(s[i + 2])) >= 0 && (h || l)) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = 0;
	return out;
}

static char *lower_dup(struct mmr_arena *a, const char *s, size_t n)
{
	char *d = mmr_arena_strndup(a, s, n);
	for (char *p = d; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

int mmr_sbom_purl_parse(struct mmr_arena *a, const char *s, struct mmr_sbom_purl *ret)
{
	if (!s || strncasecmp(s, "pkg:", 4) != 0)
		return -EBADMSG;
	const char *p = s + 4;
	while (*p == '/')
		p++;
	size_t len = strlen(p);
	struct mmr_sbom_purl u = { 0 };
	const char *hash = memchr(p, '#', len);
	size_t end = hash ? (size_t)(hash - p) : len;
	if (hash) {
		const char *sp = hash + 1;
		while (*sp == '/')
			sp++;
		size_t sn = strlen(sp);
		while (sn && sp[sn - 1] == '/')
			sn--;
		if (sn && !(u.subpath = pct_decode(a, sp, sn)))
			return -ENOMEM;
	}
	const char *q = memchr(p, '?', end);
	size_t pend = q ? (size_t)(q - p) : end;
	if (q) {
		/* count, then split on '&' */
		size_t nq = 1;
		for (const char *x = q + 1; x < p + end; x++)
			nq += *x == '&';
		const char **keys = mmr_arena_calloc(a, nq, sizeof(char *));
		const char **vals = mmr_arena_calloc(a, nq, sizeof(char *));
		if (!keys || !vals)
			return -ENOMEM;
		const char *x = q + 1, *qend = p + end;
		while (x < qend) {
			const char *amp = memchr(x, '&', (size_t)(qend - x));
			const char *e = amp ? amp : qend;
			const char *eq = memchr(x, '=', (size_t)(e - x));
			if (eq && eq > x && eq + 1 < e) {
				keys[u.nq] = lower_dup(a, x, (size_t)(eq - x));
				vals[u.nq] = pct_decode(a, eq + 1, (size_t)(e - eq - 1));
				if (!keys[u.nq] || !vals[u.nq])
					return -ENOMEM;
				u.nq++;
			}
			x = e + 1;
		}
		u.qkeys = keys;
		u.qvals = vals;
	}
	/* type/namespace.../name@version */
	while (pend && p[pend - 1] == '/')
		pend--;
	const char *slash = memchr(p, '/', pend);
	if (!slash || slash == p)
		return -EBADMSG;
	for (const char *t = p; t < slash; t++)
		if (!isalnum((unsigned char)*t) && *t != '.' && *t != '+' && *t != '-')
			return -EBADMSG;
	if (!(u.type = lower_dup(a, p, (size_t)(slash - p))))
		return -ENOMEM;
	const char *rest = slash + 1, *rend = p + pend;
	while (rest < rend && *rest == '/')
		rest++;
	const char *at = NULL;
	for (const char *t = rend; t > rest; t--)
		if (t[-1] == '@') {
			at = t - 1;
			break;
		}
	/* an '@' inside the last segment only (npm scopes are percent-encoded
	 * by the spec, but some producers leave "@scope" raw in the namespace) */
	const char *last_slash = NULL;
	for (const char *t = rest; t < rend; t++)
		if (*t == '/')
			last_slash = t;
	if (at && last_slash && at < last_slash)
		at = NULL;
	const char *nend = at ? at : rend;
	if (at && at + 1 < rend && !(u.version = pct_decode(a, at + 1, (size_t)(rend - at - 1))))
		return -ENOMEM;
	const char *ls = NULL;
	for (const char *t = rest; t < nend; t++)
		if (*t == '/')
			ls = t;
	const char *nstart = ls ? ls + 1 : rest;
	if (nstart >= nend)
		return -EBADMSG;
	if (!(u.name = pct_decode(a, nstart, (size_t)(nend - nstart))))
		return -ENOMEM;
	if (ls && ls > rest && !(u.ns = pct_decode(a, rest, (size_t)(ls - rest))))
		return -ENOMEM;
	if (!*u.name)
		return -EBADMSG;
	*ret = u;
	return 0;
}

const char *mmr_sbom_purl_qualifier(const struct mmr_sbom_purl *p, const char *key)
{
	for (size_t i = 0; i < p->nq; i++)
		if (strcmp(p->qkeys[i], key) == 0)
			return p->qvals[i];
	return NULL;
}

/* ---- the common node shape --------------------------------------------- */

struct node {
	const char *ref;
	const char *type;    /* CycloneDX type, or SPDX primaryPackagePurpose lower-cased */
	const char *name, *group, *version;
	const char *purl;
	const char *source_info; /* SPDX sourceInfo */
	json_t *props;       /* CycloneDX properties array (borrowed), or NULL */
	json_t *licenses;    /* CycloneDX licenses array (borrowed) */
	const char *spdx_license; /* SPDX licenseDeclared/Concluded */
	struct mmr_vec deps;     /* const char *: refs this node depends on */
	struct mmr_vec contains; /* const char *: refs this node contains */
	struct mmr_package *pkg; /* when it became a package */
	struct mmr_arena *a;     /* strings handed out are copied here */
	bool claimed;
	bool is_root;
};

struct imp {
	struct mmr_arena *a;
	struct mmr_report *r;
	const char *file;
	const struct mmr_limits *lim;
	struct mmr_vec nodes;   /* struct node * in document order */
	struct mmr_map by_ref;  /* ref -> struct node * */
	const char *root_ref;
	/* the OS as the document states it */
	const char *os_name, *os_version, *os_family;
	const char *os_ns; /* purl namespace of the first OS package */
	/* warning counters */
	size_t no_purl, bad_purl, unknown_type, dangling;
	const char *no_purl_ex, *bad_purl_ex, *unknown_type_ex, *dangling_ex;
	size_t max_nodes;
};

static int too_many(struct imp *im, struct mmr_error *reterr)
{
	return mmr_error_set(reterr, E2BIG, im->file, 0, 0,
			     "more than %zu components (limit max-packages)", im->max_nodes);
}

static struct node *node_new(struct imp *im, const char *ref, struct mmr_error *reterr,
			     int *ret_err)
{
	if (im->nodes.n >= im->max_nodes) {
		*ret_err = too_many(im, reterr);
		return NULL;
	}
	struct node *n = mmr_arena_alloc(im->a, sizeof(*n));
	if (!n || mmr_vec_push(im->a, &im->nodes, n) < 0) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	if (!ref || !*ref || mmr_map_has(&im->by_ref, ref)) /* anonymous or duplicate */
		ref = mmr_arena_printf(im->a, "\x01node-%zu", im->nodes.n);
	if (!ref || mmr_map_put(&im->by_ref, ref, n) < 0) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	n->ref = ref;
	n->a = im->a;
	return n;
}

/* Strings from the JSON tree die with it: copy what the report keeps. */
static const char *S(struct imp *im, const char *s)
{
	return s ? mmr_arena_strdup(im->a, s) : NULL;
}

static const char *prop(const struct node *n, const char *name)
{
	size_t i;
	json_t *p;
	if (!n->props)
		return NULL;
	json_array_foreach(n->props, i, p)
	{
		const char *k = mmr_json_str(p, "name");
		if (k && strcmp(k, name) == 0)
			return mmr_arena_strdup(n->a, mmr_json_str(p, "value"));
	}
	return NULL;
}

/* First of several property names that is set. */
static const char *prop_any(const struct node *n, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		const char *v = prop(n, names[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

static void note(size_t *count, const char **ex, const char *what)
{
	if (!(*count)++)
		*ex = what;
}

/* ---- CycloneDX --------------------------------------------------------- */

static int cdx_component(struct imp *im, json_t *c, unsigned depth, const char *parent,
			 struct mmr_error *reterr);

static int cdx_components(struct imp *im, json_t *arr, unsigned depth, const char *parent,
			  struct mmr_error *reterr)
{
	size_t i;
	json_t *c;
	json_array_foreach(arr, i, c)
	{
		if (!json_is_object(c))
			continue;
		int e = cdx_component(im, c, depth, parent, reterr);
		if (e < 0)
			return e;
	}
	return 0;
}

static int cdx_component(struct imp *im, json_t *c, unsigned depth, const char *parent,
			 struct mmr_error *reterr)
{
	uint64_t maxd = im->lim && im->lim->max_json_depth ? im->lim->max_json_depth :
							     MAX_COMPONENT_DEPTH;
	if (maxd > MAX_COMPONENT_DEPTH)
		maxd = MAX_COMPONENT_DEPTH;
	if (depth > maxd)
		return mmr_error_set(reterr, E2BIG, im->file, 0, 0,
				     "components nested deeper than %llu levels (limit max-json-depth)",
				     (unsigned long long)maxd);
	int err = 0;
	struct node *n = node_new(im, S(im, mmr_json_str(c, "bom-ref")), reterr, &err);
	if (!n)
		return err;
	n->type = S(im, mmr_json_str(c, "type"));
	n->name = S(im, mmr_json_str(c, "name"));
	n->group = S(im, mmr_json_str(c, "group"));
	n->version = S(im, mmr_json_str(c, "version"));
	n->purl = S(im, mmr_json_str(c, "purl"));
	n->props = mmr_json_arr(c, "properties");
	n->licenses = mmr_json_arr(c, "licenses");
	if (parent && mmr_vec_push(im->a, &((struct node *)mmr_map_get(&im->by_ref, parent))->contains,
				   (void *)n->ref) < 0)
		return -ENOMEM;
	json_t *sub = mmr_json_arr(c, "components");
	if (sub)
		return cdx_components(im, sub, depth + 1, n->ref, reterr);
	return 0;
}

static int cdx_read(struct imp *im, json_t *doc, struct mmr_error *reterr)
{
	const char *spec = mmr_json_str(doc, "specVersion");
	if (!spec)
		return mmr_error_set(reterr, EBADMSG, im->file, 0, 0,
				     "CycloneDX document without specVersion");
	if (strcmp(spec, "1.4") != 0 && strcmp(spec, "1.5") != 0 && strcmp(spec, "1.6") != 0) {
		if (strncmp(spec, "1.", 2) == 0 && (spec[2] == '2' || spec[2] == '3'))
			mmr_report_diag(im->r, im->file,
					"CycloneDX %s is older than 1.4; reading it anyway", spec);
		else
			return mmr_error_set(reterr, EPROTO, im->file, 0, 0,
					     "CycloneDX specVersion %s is not supported (1.4-1.6)", spec);
	}
	json_t *meta = mmr_json_obj(doc, "metadata");
	json_t *mc = mmr_json_obj(meta, "component");
	int e;
	if (mc) {
		if ((e = cdx_component(im, mc, 0, NULL, reterr)) < 0)
			return e;
		struct node *root = im->nodes.v[0];
		root->is_root = true;
		im->root_ref = root->ref;
	}
	json_t *comps = mmr_json_arr(doc, "components");
	if (comps && (e = cdx_components(im, comps, 0, NULL, reterr)) < 0)
		return e;
	size_t i;
	json_t *d;
	json_array_foreach(mmr_json_arr(doc, "dependencies"), i, d)
	{
		const char *ref = mmr_json_str(d, "ref");
		struct node *from = ref ? mmr_map_get(&im->by_ref, ref) : NULL;
		json_t *on = mmr_json_arr(d, "dependsOn");
		if (!on)
			continue;
		if (!from) {
			note(&im->dangling, &im->dangling_ex, ref ? ref : "(no ref)");
			continue;
		}
		size_t k;
		json_t *t;
		json_array_foreach(on, k, t)
		{
			const char *to = json_string_value(t);
			if (!to)
				continue;
			if (!mmr_map_has(&im->by_ref, to)) {
				note(&im->dangling, &im->dangling_ex, to);
				continue;
			}
			if (mmr_vec_push(im->a, &from->deps, (void *)mmr_arena_strdup(im->a, to)) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- SPDX -------------------------------------------------------------- */

static const char *spdx_purl(json_t *pkg)
{
	size_t i;
	json_t *x;
	json_array_foreach(mmr_json_arr(pkg, "externalRefs"), i, x)
	{
		const char *cat = mmr_json_str(x, "referenceCategory");
		const char *type = mmr_json_str(x, "referenceType");
		const char *loc = mmr_json_str(x, "referenceLocator");
		if (cat && type && loc && strcmp(type, "purl") == 0 &&
		    (strcmp(cat, "PACKAGE-MANAGER") == 0 || strcmp(cat, "PACKAGE_MANAGER") == 0))
			return loc;
	}
	return NULL;
}

static bool spdx_noassert(const char *s)
{
	return !s || !*s || strcmp(s, "NOASSERTION") == 0 || strcmp(s, "NONE") == 0;
}

static int spdx_read(struct imp *im, json_t *doc, struct mmr_error *reterr)
{
	const char *ver = mmr_json_str(doc, "spdxVersion");
	if (!ver || (strcmp(ver, "SPDX-2.2") != 0 && strcmp(ver, "SPDX-2.3") != 0))
		return mmr_error_set(reterr, EPROTO, im->file, 0, 0,
				     "SPDX version %s is not supported (SPDX-2.2, SPDX-2.3)",
				     ver ? ver : "(none)");
	size_t i;
	json_t *p;
	int err = 0;
	json_array_foreach(mmr_json_arr(doc, "packages"), i, p)
	{
		if (!json_is_object(p))
			continue;
		struct node *n = node_new(im, S(im, mmr_json_str(p, "SPDXID")), reterr, &err);
		if (!n)
			return err;
		const char *purpose = mmr_json_str(p, "primaryPackagePurpose");
		n->type = purpose ? lower_dup(im->a, purpose, strlen(purpose)) : NULL;
		for (char *t = (char *)n->type; t && *t; t++)
			if (*t == '_')
				*t = '-';
		n->name = S(im, mmr_json_str(p, "name"));
		n->version = S(im, mmr_json_str(p, "versionInfo"));
		n->purl = S(im, spdx_purl(p));
		n->source_info = S(im, mmr_json_str(p, "sourceInfo"));
		const char *lic = mmr_json_str(p, "licenseDeclared");
		if (spdx_noassert(lic))
			lic = mmr_json_str(p, "licenseConcluded");
		n->spdx_license = spdx_noassert(lic) ? NULL : S(im, lic);
	}
	json_t *described = mmr_json_arr(doc, "documentDescribes");
	if (described && json_array_size(described))
		im->root_ref = S(im, json_string_value(json_array_get(described, 0)));
	json_t *rel;
	json_array_foreach(mmr_json_arr(doc, "relationships"), i, rel)
	{
		const char *a = mmr_json_str(rel, "spdxElementId");
		const char *t = mmr_json_str(rel, "relationshipType");
		const char *b = mmr_json_str(rel, "relatedSpdxElement");
		if (!a || !t || !b)
			continue;
		if (strcmp(a, "SPDXRef-DOCUMENT") == 0 && strcmp(t, "DESCRIBES") == 0) {
			if (!im->root_ref)
				im->root_ref = S(im, b);
			continue;
		}
		bool rev = false;
		struct mmr_vec *v = NULL;
		struct node *na = mmr_map_get(&im->by_ref, a), *nb = mmr_map_get(&im->by_ref, b);
		if (!na || !nb) {
			if (strcmp(t, "CONTAINS") == 0 || strcmp(t, "DEPENDS_ON") == 0 ||
			    strcmp(t, "DEPENDENCY_OF") == 0 || strcmp(t, "CONTAINED_BY") == 0)
				note(&im->dangling, &im->dangling_ex, !na ? a : b);
			continue;
		}
		if (strcmp(t, "CONTAINS") == 0) {
			v = &na->contains;
		} else if (strcmp(t, "CONTAINED_BY") == 0) {
			v = &nb->contains;
			rev = true;
		} else if (strcmp(t, "DEPENDS_ON") == 0) {
			v = &na->deps;
		} else if (strcmp(t, "DEPENDENCY_OF") == 0) {
			v = &nb->deps;
			rev = true;
		} else {
			continue;
		}
		if (mmr_vec_push(im->a, v, (void *)(rev ? na->ref : nb->ref)) < 0)
			return -ENOMEM;
	}
	if (im->root_ref) {
		struct node *root = mmr_map_get(&im->by_ref, im->root_ref);
		if (root)
			root->is_root = true;
	}
	return 0;
}

/* ---- nodes -> packages ------------------------------------------------- */

static enum mmr_ecosystem eco_of_purl_type(const char *t)
{
	static const struct {
		const char *t;
		enum mmr_ecosystem e;
	} map[] = {
		{ "deb", MMR_ECO_DPKG },	{ "apk", MMR_ECO_APK },	{ "alpm", MMR_ECO_UNKNOWN },
		{ "rpm", MMR_ECO_RPM },		{ "opkg", MMR_ECO_OPKG },	{ "npm", MMR_ECO_NPM },
		{ "pypi", MMR_ECO_PYPI },	{ "golang", MMR_ECO_GO },	{ "maven", MMR_ECO_MAVEN },
		{ "cargo", MMR_ECO_CARGO },	{ "gem", MMR_ECO_GEM },	{ "composer", MMR_ECO_COMPOSER },
		{ "nuget", MMR_ECO_NUGET },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].t, t) == 0)
			return map[i].e;
	return MMR_ECO_UNKNOWN;
}

static const char *const P_FILE[] = { "mamori:package:file", "aquasecurity:trivy:FilePath",
				      "syft:location:0:path", NULL };
static const char *const P_LAYER[] = { "mamori:layer:diff_id", "aquasecurity:trivy:LayerDiffID",
				       "syft:location:0:layerID", NULL };
static const char *const P_SRC_NAME[] = { "mamori:package:src_name", "aquasecurity:trivy:SrcName",
					  "syft:metadata:source", "syft:metadata:originPackage",
					  NULL };
static const char *const P_SRC_VER[] = { "mamori:package:src_version",
					 "aquasecurity:trivy:SrcVersion",
					 "syft:metadata:sourceVersion", NULL };
static const char *const P_SRC_REL[] = { "mamori:package:src_release",
					 "aquasecurity:trivy:SrcRelease", NULL };
static const char *const P_SRC_EPOCH[] = { "mamori:package:src_epoch",
					   "aquasecurity:trivy:SrcEpoch", NULL };
static const char *const P_ID[] = { "mamori:package:id", "aquasecurity:trivy:PkgID", NULL };

static bool parse_u32(const char *s, uint32_t *ret)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* "E:rest" -> epoch E, *rest. */
static const char *strip_epoch(const char *v, uint32_t *epoch, bool *has)
{
	const char *c = v ? strchr(v, ':') : NULL;
	if (!c || c == v)
		return v;
	for (const char *p = v; p < c; p++)
		if (!isdigit((unsigned char)*p))
			return v;
	char buf[16];
	size_t n = (size_t)(c - v);
	if (n >= sizeof(buf))
		return v;
	memcpy(buf, v, n);
	buf[n] = 0;
	uint32_t e;
	if (!parse_u32(buf, &e))
		return v;
	*epoch = e;
	*has = true;
	return c + 1;
}

/* Split "version-release" at the last '-' (dpkg revision, rpm release). */
static void split_release(struct mmr_arena *a, const char *full, const char **ver, const char **rel)
{
	const char *dash = full ? strrchr(full, '-') : NULL;
	if (!dash || dash == full || !dash[1]) {
		*ver = full;
		*rel = NULL;
		return;
	}
	*ver = mmr_arena_strndup(a, full, (size_t)(dash - full));
	*rel = mmr_arena_strdup(a, dash + 1);
}

/* Source package from "name", "name@version" (Syft's upstream=) or an rpm
 * "name-version-release.src.rpm". */
static void source_from(struct imp *im, struct mmr_package *p, const char *s)
{
	if (!s || !*s)
		return;
	size_t n = strlen(s);
	if (p->eco == MMR_ECO_RPM && n > 8 && strcmp(s + n - 8, ".src.rpm") == 0) {
		char *b = mmr_arena_strndup(im->a, s, n - 8);
		char *rd = b ? strrchr(b, '-') : NULL;
		if (rd) {
			*rd = 0;
			char *vd = strrchr(b, '-');
			if (vd && vd != b) {
				*vd = 0;
				p->src_name = b;
				p->src_version = vd + 1;
				p->src_release = rd + 1;
				return;
			}
		}
		return;
	}
	const char *at = strchr(s, '@');
	if (!at) {
		p->src_name = s;
		return;
	}
	p->src_name = mmr_arena_strndup(im->a, s, (size_t)(at - s));
	const char *sv = strip_epoch(at + 1, &p->src_epoch, &(bool){ false });
	if (p->eco == MMR_ECO_DPKG || p->eco == MMR_ECO_RPM)
		split_release(im->a, sv, &p->src_version, &p->src_release);
	else
		p->src_version = sv;
}

/* "... source package: NAME VERSION" (mamori) or "built package from: NAME
 * VERSION" (Trivy) in an SPDX sourceInfo. */
static void source_from_info(struct imp *im, struct mmr_package *p, const char *info)
{
	static const char *const marks[] = { "source package: ", "built package from: ", NULL };
	for (size_t i = 0; info && marks[i]; i++) {
		const char *m = strstr(info, marks[i]);
		if (!m)
			continue;
		m += strlen(marks[i]);
		size_t nl = strcspn(m, " ;");
		if (!nl)
			return;
		p->src_name = mmr_arena_strndup(im->a, m, nl);
		const char *v = m + nl;
		if (*v == ' ') {
			v++;
			size_t vl = strcspn(v, " ;");
			if (vl) {
				const char *sv = mmr_arena_strndup(im->a, v, vl);
				sv = strip_epoch(sv, &p->src_epoch, &(bool){ false });
				if (p->eco == MMR_ECO_DPKG || p->eco == MMR_ECO_RPM)
					split_release(im->a, sv, &p->src_version, &p->src_release);
				else
					p->src_version = sv;
			}
		}
		return;
	}
}

/* "found in: FILE; layer: ..." (mamori's SPDX sourceInfo). */
static const char *file_from_info(struct imp *im, const char *info)
{
	const char *m = info ? strstr(info, "found in: ") : NULL;
	if (!m)
		return NULL;
	m += strlen("found in: ");
	size_t n = strcspn(m, ";");
	return n ? mmr_arena_strndup(im->a, m, n) : NULL;
}

static const char *layer_from_info(struct imp *im, const char *info)
{
	const char *m = info ? strstr(info, "layer: ") : NULL;
	if (!m)
		return NULL;
	m += strlen("layer: ");
	size_t n = strcspn(m, "; ");
	return n ? mmr_arena_strndup(im->a, m, n) : NULL;
}

static int add_licenses(struct imp *im, struct node *n, struct mmr_package *p)
{
	if (n->spdx_license)
		return mmr_vec_push(im->a, &p->licenses, (void *)n->spdx_license);
	size_t i;
	json_t *l;
	json_array_foreach(n->licenses, i, l)
	{
		const char *s = mmr_json_str(l, "expression");
		json_t *lo = mmr_json_obj(l, "license");
		if (!s && lo) {
			s = mmr_json_str(lo, "id");
			if (!s)
				s = mmr_json_str(lo, "name");
		}
		if (s && *s && mmr_vec_push(im->a, &p->licenses, (void *)S(im, s)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static bool pep503_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = (char)tolower((unsigned char)*a), y = (char)tolower((unsigned char)*b);
		if (x == '_' || x == '.')
			x = '-';
		if (y == '_' || y == '.')
			y = '-';
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

/* distro=<name>-<version> (mamori, Syft), or only the version with the
 * name as the purl namespace (Trivy's apk purls: distro=3.11.5). */
static void os_from_distro(struct imp *im, const char *distro, const char *ns)
{
	if (im->os_name || !distro || !*distro)
		return;
	if (isdigit((unsigned char)distro[0])) {
		if (ns && *ns) {
			im->os_name = lower_dup(im->a, ns, strlen(ns));
			im->os_version = mmr_arena_strdup(im->a, distro);
		}
		return;
	}
	const char *dash = strchr(distro, '-');
	if (dash && dash != distro && dash[1]) {
		im->os_name = lower_dup(im->a, distro, (size_t)(dash - distro));
		im->os_version = mmr_arena_strdup(im->a, dash + 1);
	} else {
		im->os_name = lower_dup(im->a, distro, strlen(distro));
	}
}

static int node_package(struct imp *im, struct node *n)
{
	struct mmr_sbom_purl u;
	int e = mmr_sbom_purl_parse(im->a, n->purl, &u);
	if (e == -ENOMEM)
		return e;
	if (e < 0) {
		note(&im->bad_purl, &im->bad_purl_ex, n->purl);
		return 0;
	}
	enum mmr_ecosystem eco = eco_of_purl_type(u.type);
	if (eco == MMR_ECO_UNKNOWN) {
		/* oci, docker, github, generic, ...: nothing to match a package by */
		note(&im->unknown_type, &im->unknown_type_ex, n->purl);
		return 0;
	}
	struct mmr_package *p = mmr_arena_alloc(im->a, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->eco = eco;
	p->purl = n->purl;
	switch (eco) {
	case MMR_ECO_NPM:
		p->name = u.ns ? mmr_arena_printf(im->a, "%s%s/%s", u.ns[0] == '@' ? "" : "@", u.ns,
						   u.name) :
				 u.name;
		break;
	case MMR_ECO_MAVEN:
		p->name = u.ns ? mmr_arena_printf(im->a, "%s:%s", u.ns, u.name) : u.name;
		break;
	case MMR_ECO_GO:
	case MMR_ECO_COMPOSER:
		p->name = u.ns ? mmr_arena_printf(im->a, "%s/%s", u.ns, u.name) : u.name;
		break;
	case MMR_ECO_PYPI:
		/* the purl name is normalised; keep the spelling the SBOM gives */
		p->name = n->name && pep503_eq(n->name, u.name) ? n->name : u.name;
		break;
	default:
		p->name = u.name;
		break;
	}
	const char *v = u.version ? u.version : "";
	if (mmr_ecosystem_is_os(eco)) {
		uint32_t ep;
		if (parse_u32(mmr_sbom_purl_qualifier(&u, "epoch"), &ep)) {
			p->epoch = ep;
			p->has_epoch = true;
		}
		v = strip_epoch(v, &p->epoch, &p->has_epoch);
		if (eco == MMR_ECO_DPKG || eco == MMR_ECO_RPM)
			split_release(im->a, v, &p->version, &p->release);
		else
			p->version = v;
		p->arch = mmr_sbom_purl_qualifier(&u, "arch");
		os_from_distro(im, mmr_sbom_purl_qualifier(&u, "distro"), u.ns);
		if (!im->os_ns && u.ns && *u.ns)
			im->os_ns = lower_dup(im->a, u.ns, strlen(u.ns));
		/* source package: properties, then the purl's upstream= */
		const char *sn = prop_any(n, P_SRC_NAME);
		if (sn) {
			p->src_name = sn;
			const char *sv = prop_any(n, P_SRC_VER);
			if (sv) {
				sv = strip_epoch(sv, &p->src_epoch, &(bool){ false });
				if (prop_any(n, P_SRC_REL) || eco == MMR_ECO_APK)
					p->src_version = sv;
				else
					split_release(im->a, sv, &p->src_version, &p->src_release);
			}
			const char *sr = prop_any(n, P_SRC_REL);
			if (sr)
				p->src_release = sr;
			uint32_t se;
			if (parse_u32(prop_any(n, P_SRC_EPOCH), &se))
				p->src_epoch = se;
		} else if (prop(n, "syft:metadata:sourceRpm")) {
			source_from(im, p, prop(n, "syft:metadata:sourceRpm"));
		} else if (mmr_sbom_purl_qualifier(&u, "upstream")) {
			source_from(im, p, mmr_sbom_purl_qualifier(&u, "upstream"));
		} else {
			source_from_info(im, p, n->source_info);
		}
		if (!p->src_name)
			p->src_name = p->name;
		if (!p->src_version) {
			p->src_version = p->version;
			if (!p->src_release)
				p->src_release = p->release;
			if (!p->src_epoch)
				p->src_epoch = p->epoch;
		}
	} else {
		p->version = v;
	}
	p->file = prop_any(n, P_FILE);
	if (!p->file)
		p->file = file_from_info(im, n->source_info);
	p->layer = prop_any(n, P_LAYER);
	if (!p->layer)
		p->layer = layer_from_info(im, n->source_info);
	p->id = prop_any(n, P_ID);
	const char *rel = prop(n, "mamori:package:relation");
	if (rel)
		p->relation = strcmp(rel, "root") == 0	    ? MMR_DEP_ROOT :
			      strcmp(rel, "workspace") == 0 ? MMR_DEP_WORKSPACE :
			      strcmp(rel, "direct") == 0    ? MMR_DEP_DIRECT :
			      strcmp(rel, "indirect") == 0  ? MMR_DEP_INDIRECT :
							      MMR_DEP_UNKNOWN;
	const char *dev = prop(n, "mamori:package:dev");
	if (!dev)
		dev = prop(n, "aquasecurity:trivy:Dev");
	p->dev = dev && strcmp(dev, "true") == 0;
	p->repository = prop(n, "mamori:package:repository");
	if (add_licenses(im, n, p) < 0)
		return -ENOMEM;
	if (!p->id) {
		const char *fv = mmr_package_full_version(im->a, p);
		p->id = fv && *fv ? mmr_arena_printf(im->a, "%s@%s", p->name, fv) : p->name;
	}
	if (!p->name || !p->version || !p->id)
		return -ENOMEM;
	n->pkg = p;
	return 0;
}

/* ---- grouping ---------------------------------------------------------- */

static const char *result_type(const struct mmr_package *p)
{
	switch (p->eco) {
	case MMR_ECO_DPKG:
		return "dpkg";
	case MMR_ECO_APK:
		return "apk";
	case MMR_ECO_RPM:
		return "rpm";
	default:
		return mmr_ecosystem_id(p->eco);
	}
}

static const char *os_target(struct imp *im)
{
	if (!im->os_name)
		return "os";
	return mmr_arena_printf(im->a, "%s %s", im->os_name, im->os_version ? im->os_version : "");
}

static int put(struct imp *im, struct mmr_result *res, struct node *n)
{
	n->claimed = true;
	return mmr_vec_push(im->r->arena, &res->packages, n->pkg);
}

/* A group node: not the root, not a package, and it contains or depends
 * on something. */
static bool is_group(const struct node *n)
{
	if (n->is_root || n->pkg || (!n->deps.n && !n->contains.n))
		return false;
	if (!n->type)
		return true;
	return strcmp(n->type, "operating-system") == 0 || strcmp(n->type, "application") == 0 ||
	       strcmp(n->type, "framework") == 0 || strcmp(n->type, "library") == 0 ||
	       strcmp(n->type, "install") == 0 || strcmp(n->type, "source") == 0 ||
	       strcmp(n->type, "file") == 0;
}

static int claim_from(struct imp *im, struct node *g, struct mmr_result **res)
{
	/* breadth first over contains + deps, never through another group */
	struct mmr_vec queue = { 0 };
	struct mmr_map seen;
	mmr_map_init(&seen, im->a);
	if (mmr_vec_push(im->a, &queue, g) < 0 || mmr_map_put(&seen, g->ref, g) < 0)
		return -ENOMEM;
	for (size_t qi = 0; qi < queue.n; qi++) {
		struct node *cur = queue.v[qi];
		for (int pass = 0; pass < 2; pass++) {
			const struct mmr_vec *edges = pass ? &cur->deps : &cur->contains;
			for (size_t k = 0; k < edges->n; k++) {
				struct node *t = mmr_map_get(&im->by_ref, edges->v[k]);
				if (!t || mmr_map_has(&seen, t->ref) || t->is_root || (t != g && is_group(t)))
					continue;
				if (mmr_map_put(&seen, t->ref, t) < 0 || mmr_vec_push(im->a, &queue, t) < 0)
					return -ENOMEM;
				if (!t->pkg || t->claimed)
					continue;
				if (!*res) {
					const char *target = prop(g, "mamori:result:target");
					const char *class = prop(g, "mamori:result:class");
					if (!class)
						class = prop(g, "aquasecurity:trivy:Class");
					const char *type = prop(g, "mamori:result:type");
					if (!type)
						type = prop(g, "aquasecurity:trivy:Type");
					bool os = mmr_ecosystem_is_os(t->pkg->eco);
					if (!class)
						class = os ? "os-pkgs" : "lang-pkgs";
					if (!type)
						type = result_type(t->pkg);
					if (!target) {
						if (strcmp(class, "os-pkgs") == 0)
							target = g->name && g->version ?
									 mmr_arena_printf(im->a, "%s %s", g->name,
											  g->version) :
									 os_target(im);
						else
							target = g->name ? g->name : type;
					}
					if (!target || !(*res = mmr_report_result(im->r, target, class, type)))
						return -ENOMEM;
				}
				if (put(im, *res, t) < 0)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int group_packages(struct imp *im)
{
	/* 1. groups the document draws */
	for (size_t i = 0; i < im->nodes.n; i++) {
		struct node *g = im->nodes.v[i];
		if (!is_group(g))
			continue;
		struct mmr_result *res = NULL;
		if (claim_from(im, g, &res) < 0)
			return -ENOMEM;
	}
	/* 2. the rest: OS packages together, language packages by file, else
	 * by ecosystem */
	for (size_t i = 0; i < im->nodes.n; i++) {
		struct node *n = im->nodes.v[i];
		if (!n->pkg || n->claimed)
			continue;
		struct mmr_package *p = n->pkg;
		struct mmr_result *res;
		if (mmr_ecosystem_is_os(p->eco))
			res = mmr_report_result(im->r, os_target(im), "os-pkgs", result_type(p));
		else
			res = mmr_report_result(im->r, p->file && *p->file ? p->file : result_type(p),
						"lang-pkgs", result_type(p));
		if (!res || put(im, res, n) < 0)
			return -ENOMEM;
	}
	/* dependencies between packages, as package ids */
	for (size_t i = 0; i < im->nodes.n; i++) {
		struct node *n = im->nodes.v[i];
		if (!n->pkg)
			continue;
		for (size_t k = 0; k < n->deps.n; k++) {
			struct node *t = mmr_map_get(&im->by_ref, n->deps.v[k]);
			if (t && t->pkg && t != n &&
			    mmr_vec_push(im->a, &n->pkg->depends_on, (void *)t->pkg->id) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- the asset --------------------------------------------------------- */

static void set_asset(struct imp *im)
{
	struct mmr_asset *as = &im->r->asset;
	struct node *root = im->root_ref ? mmr_map_get(&im->by_ref, im->root_ref) : NULL;
	as->kind = MMR_ASSET_FS;
	as->name = im->file;
	/* an operating-system node anywhere names the OS */
	for (size_t i = 0; i < im->nodes.n; i++) {
		struct node *n = im->nodes.v[i];
		if (n->type && strcmp(n->type, "operating-system") == 0 && n->name && !n->pkg) {
			const char *name = prop(n, "mamori:os:name");
			if (!im->os_name || name) {
				im->os_name = lower_dup(im->a, name ? name : n->name,
							strlen(name ? name : n->name));
				im->os_version = n->version;
				im->os_family = prop(n, "mamori:os:family");
			}
			break;
		}
	}
	if (root) {
		if (root->name && *root->name)
			as->name = root->name;
		const char *kind = prop(root, "mamori:asset:kind");
		const char *path = prop(root, "mamori:asset:path");
		if (path)
			as->name = path;
		if (kind && strcmp(kind, "rootfs") == 0)
			as->kind = MMR_ASSET_ROOTFS;
		else if (kind && strcmp(kind, "host") == 0)
			as->kind = MMR_ASSET_HOST;
		else if (root->type && strcmp(root->type, "container") == 0)
			as->kind = MMR_ASSET_IMAGE;
		else if (root->type && strcmp(root->type, "operating-system") == 0 && !kind)
			as->kind = MMR_ASSET_ROOTFS;
		if (as->kind == MMR_ASSET_IMAGE) {
			as->image_id = prop(root, "mamori:image:id");
			if (!as->image_id)
				as->image_id = prop(root, "aquasecurity:trivy:ImageID");
			as->manifest_digest = prop(root, "mamori:image:manifest_digest");
			size_t i;
			json_t *pp;
			json_array_foreach(root->props, i, pp)
			{
				const char *k = mmr_json_str(pp, "name"), *v = S(im, mmr_json_str(pp, "value"));
				if (!k || !v)
					continue;
				if (strcmp(k, "mamori:image:repo_tag") == 0 ||
				    strcmp(k, "aquasecurity:trivy:RepoTag") == 0)
					mmr_vec_push(im->r->arena, &as->repo_tags, (void *)v);
				else if (strcmp(k, "mamori:image:repo_digest") == 0 ||
					 strcmp(k, "aquasecurity:trivy:RepoDigest") == 0)
					mmr_vec_push(im->r->arena, &as->repo_digests, (void *)v);
			}
		}
		const char *osn = prop(root, "mamori:os:name");
		if (osn) {
			im->os_name = osn;
			im->os_version = prop(root, "mamori:os:version");
		}
		const char *fam = prop(root, "mamori:os:family");
		if (fam)
			im->os_family = fam;
		const char *host = prop(root, "mamori:asset:hostname");
		if (host)
			as->hostname = host;
	}
	if (!im->os_name && im->os_ns) {
		im->os_name = im->os_ns;
		mmr_report_diag(im->r, im->file,
				"the OS version is not stated (no operating-system component, no purl "
				"distro qualifier); OS packages are taken as %s of an unknown release",
				im->os_ns);
	}
	if (im->os_name) {
		as->os.name = im->os_name;
		as->os.version = im->os_version;
		as->os.family = im->os_family ? im->os_family : im->os_name;
	}
}

/* ---- entry points ------------------------------------------------------ */

static void warn_counts(struct imp *im)
{
	if (im->no_purl)
		mmr_report_diag(im->r, im->file,
				"%zu component%s without a package URL skipped (e.g. \"%s\")",
				im->no_purl, im->no_purl == 1 ? "" : "s", im->no_purl_ex);
	if (im->bad_purl)
		mmr_report_diag(im->r, im->file, "%zu invalid package URL%s skipped (e.g. \"%s\")",
				im->bad_purl, im->bad_purl == 1 ? "" : "s", im->bad_purl_ex);
	if (im->unknown_type)
		mmr_report_diag(im->r, im->file,
				"%zu package%s of a type mamori cannot match skipped (e.g. \"%s\")",
				im->unknown_type, im->unknown_type == 1 ? "" : "s",
				im->unknown_type_ex);
	if (im->dangling)
		mmr_report_diag(im->r, im->file,
				"%zu dependency reference%s to unknown components ignored (e.g. \"%s\")",
				im->dangling, im->dangling == 1 ? "" : "s", im->dangling_ex);
}

int mmr_sbom_import(struct mmr_report *r, const char *file, const void *data, size_t len,
		    const struct mmr_limits *lim, struct mmr_error *reterr)
{
	struct mmr_limits deflim;
	if (!lim) {
		mmr_limits_default(&deflim);
		lim = &deflim;
	}
	if (!file)
		file = "(sbom)";
	if (lim->max_file_size && len > lim->max_file_size)
		return mmr_error_set(reterr, E2BIG, file, 0, 0,
				     "file larger than %llu bytes (limit max-file-size)",
				     (unsigned long long)lim->max_file_size);
	json_t *doc = NULL;
	int e = mmr_json_parse(data, len, file, &doc, reterr);
	if (e < 0)
		return e;
	struct imp im = { .a = r->arena, .r = r, .lim = lim };
	im.file = mmr_arena_strdup(r->arena, file);
	im.max_nodes = lim->max_packages ? (size_t)lim->max_packages : 1000000;
	mmr_map_init(&im.by_ref, r->arena);
	if (!im.file) {
		e = -ENOMEM;
		goto out;
	}
	if (!json_is_object(doc)) {
		e = mmr_error_set(reterr, EBADMSG, file, 0, 0,
				  "not an SBOM: the document is not a JSON object");
		goto out;
	}
	const char *bf = mmr_json_str(doc, "bomFormat");
	if (bf && strcmp(bf, "CycloneDX") == 0)
		e = cdx_read(&im, doc, reterr);
	else if (mmr_json_str(doc, "spdxVersion"))
		e = spdx_read(&im, doc, reterr);
	else
		e = mmr_error_set(reterr, EBADMSG, file, 0, 0,
				  "not an SBOM mamori reads: no \"bomFormat\": \"CycloneDX\" or "
				  "\"spdxVersion\" (CycloneDX 1.4-1.6 or SPDX 2.2/2.3 JSON)");
	if (e < 0)
		goto out;
	for (size_t i = 0; i < im.nodes.n; i++) {
		struct node *n = im.nodes.v[i];
		bool pkg_type = !n->type || strcmp(n->type, "library") == 0 ||
				strcmp(n->type, "framework") == 0 || strcmp(n->type, "application") == 0;
		if (n->is_root || !pkg_type)
			continue; /* the described image/OS, containers, files, devices */
		if (n->purl && *n->purl) {
			if ((e = node_package(&im, n)) < 0)
				goto out;
		} else if ((!n->type || strcmp(n->type, "library") == 0) && !n->deps.n &&
			   !n->contains.n) {
			/* a library nobody can match; groups and roots have no purl */
			note(&im.no_purl, &im.no_purl_ex, n->name ? n->name : n->ref);
		}
	}
	set_asset(&im);
	if ((e = group_packages(&im)) < 0)
		goto out;
	warn_counts(&im);
	/* the document is the record of when it was made; the report is new */
	mmr_report_sort(r);
	e = 0;
out:
	json_decref(doc);
	if (e == -ENOMEM && reterr && !reterr->msg[0])
		mmr_error_set(reterr, ENOMEM, file, 0, 0, "out of memory");
	return e;
}

int mmr_sbom_import_file(struct mmr_report *r, const char *path, const struct mmr_limits *lim,
			 struct mmr_error *reterr)
{
	struct mmr_limits deflim;
	if (!lim) {
		mmr_limits_default(&deflim);
		lim = &deflim;
	}
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EISDIR, path, 0, 0, "is a directory, not an SBOM file");
	}
	uint64_t cap = lim->max_file_size ? lim->max_file_size : ((uint64_t)1 << 30);
	struct mmr_buf b;
	mmr_buf_init(&b, (size_t)cap + 1);
	char chunk[65536];
	int e = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = mmr_error_set(reterr, errno, path, 0, 0, "read error: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > cap) {
			e = mmr_error_set(reterr, E2BIG, path, 0, 0,
					  "file larger than %llu bytes (limit max-file-size)",
					  (unsigned long long)cap);
			break;
		}
		if (mmr_buf_add(&b, chunk, (size_t)n) < 0) {
			e = mmr_error_set(reterr, ENOMEM, path, 0, 0, "out of memory");
			break;
		}
	}
	close(fd);
	if (e == 0)
		e = mmr_sbom_import(r, path, b.p, b.len, lim, reterr);
	mmr_buf_release(&b);
	return e;
}
