/* vulndb-vex.c - OpenVEX, CycloneDX VEX and CSAF VEX input, and applying
 * the statements to findings (vulndb-vex.h has the rules). */
#include "vulndb/vulndb-vex.h"

#include "core/core-json.h"
#include "core/core-str.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define MAX_SUBS 100000 /* subcomponents of one OpenVEX product */

struct vex_ref {
	struct mmr_vex_statement *st;
	struct vex_ref *next;
};

const char *mmr_vex_status_name(enum mmr_vex_status s)
{
	switch (s) {
	case MMR_VEX_NOT_AFFECTED:
		return "not_affected";
	case MMR_VEX_AFFECTED:
		return "affected";
	case MMR_VEX_FIXED:
		return "fixed";
	case MMR_VEX_UNDER_INVESTIGATION:
		return "under_investigation";
	}
	return "unknown";
}

void mmr_vulndb_vex_init(struct mmr_vulndb_vex *vx, struct mmr_arena *a)
{
	memset(vx, 0, sizeof(*vx));
	vx->arena = a;
	mmr_map_init(&vx->by_id, a);
}

/* ---- time ---- */

static bool digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

int64_t mmr_vulndb_parse_time(const char *s)
{
	if (!s || strlen(s) < 10)
		return INT64_MIN;
	int64_t day = mmr_vulndb_parse_day(s, 10);
	if (day < 0 && strncmp(s, "1970-01-01", 10) != 0)
		return INT64_MIN;
	if (day < 0)
		day = 0;
	const char *p = s + 10;
	int64_t secs = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		int hh, mm, ss = 0;
		if (!digits(p + 1, 2, &hh) || p[3] != ':' || !digits(p + 4, 2, &mm))
			return INT64_MIN;
		p += 6;
		if (*p == ':') {
			if (!digits(p + 1, 2, &ss))
				return INT64_MIN;
			p += 3;
		}
		if (hh > 23 || mm > 59 || ss > 60)
			return INT64_MIN;
		secs = hh * 3600 + mm * 60 + ss;
		if (*p == '.' || *p == ',') {
			p++;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om = 0;
			int sign = *p == '-' ? -1 : 1;
			if (!digits(p + 1, 2, &oh))
				return INT64_MIN;
			p += 3;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)*p)) {
				if (!digits(p, 2, &om))
					return INT64_MIN;
				p += 2;
			}
			if (oh > 23 || om > 59)
				return INT64_MIN;
			secs -= sign * (oh * 3600 + om * 60);
		}
	}
	if (*p)
		return INT64_MIN;
	return day * 86400 + secs;
}

/* ---- ids ---- */

/* An id from a URL-ish alias: "https://www.cve.org/CVERecord?id=CVE-1" and
 * "https://curl.se/docs/CVE-1.html" both give "CVE-1". Plain ids as is. */
static const char *vuln_id_from(struct mmr_arena *a, const char *s)
{
	if (!s)
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	if (!strstr(s, "://"))
		return *s ? mmr_arena_strdup(a, s) : NULL;
	const char *q = strchr(s, '?');
	if (q) {
		const char *idp = strstr(q, "id=");
		if (idp && (idp[-1] == '?' || idp[-1] == '&')) {
			idp += 3;
			size_t n = strcspn(idp, "&#");
			return n ? mmr_arena_strndup(a, idp, n) : NULL;
		}
	}
	size_t end = q ? (size_t)(q - s) : strcspn(s, "#");
	while (end && s[end - 1] == '/')
		end--;
	size_t st = end;
	while (st && s[st - 1] != '/')
		st--;
	if (st == end || (st >= 2 && s[st - 2] == '/' && strncmp(s + st - 3, "://", 3) == 0))
		return NULL; /* only a host */
	size_t n = end - st;
	static const char *const exts[] = { ".html", ".htm", ".json", ".txt" };
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t el = strlen(exts[i]);
		if (n > el && strncasecmp(s + st + n - el, exts[i], el) == 0) {
			n -= el;
			break;
		}
	}
	return mmr_arena_strndup(a, s + st, n);
}

static char *upper_dup(struct mmr_arena *a, const char *s)
{
	char *u = mmr_arena_strdup(a, s);
	if (u)
		for (char *q = u; *q; q++)
			*q = (char)toupper((unsigned char)*q);
	return u;
}

/* ---- building statements ---- */

struct pctx {
	struct mmr_vulndb_vex *vx;
	struct mmr_arena *a;
	const char *file;
	const char *format;
	const char *source;
	struct mmr_error *reterr;
};

static int bad(struct pctx *c, const char *fmt, const char *arg)
{
	char msg[400];
	snprintf(msg, sizeof(msg), fmt, arg);
	return mmr_error_set(c->reterr, EBADMSG, c->file, 0, 0, "%s: %s", c->format, msg);
}

static int index_id(struct mmr_vulndb_vex *vx, const char *id, struct mmr_vex_statement *st)
{
	if (!id || !*id)
		return 0;
	char *key = upper_dup(vx->arena, id);
	struct vex_ref *r = mmr_arena_alloc(vx->arena, sizeof(*r));
	if (!key || !r)
		return -ENOMEM;
	struct vex_ref *head = mmr_map_get(&vx->by_id, key);
	for (struct vex_ref *x = head; x; x = x->next)
		if (x->st == st)
			return 0; /* an alias repeating the id */
	r->st = st;
	r->next = head;
	return mmr_map_put(&vx->by_id, key, r);
}

/* The vulnerability part shared by the statements of one advisory. */
struct vuln {
	const char *id;
	const char **aliases;
	size_t n_aliases;
};

static int add_statement(struct pctx *c, const struct vuln *v, const char *product,
			 const struct mmr_vulndb_purl *subs, size_t n_subs, enum mmr_vex_status status,
			 const char *justification, const char *impact, int64_t ts)
{
	struct mmr_vulndb_vex *vx = c->vx;
	if (vx->statements.n >= MMR_VULNDB_VEX_MAX_STATEMENTS)
		return mmr_error_set(c->reterr, E2BIG, c->file, 0, 0,
				     "more than %d VEX statements", MMR_VULNDB_VEX_MAX_STATEMENTS);
	struct mmr_vex_statement *st = mmr_arena_alloc(vx->arena, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->vuln_id = v->id;
	st->aliases = v->aliases;
	st->n_aliases = v->n_aliases;
	st->product = mmr_arena_strdup(vx->arena, product);
	if (!st->product)
		return -ENOMEM;
	if (mmr_vulndb_purl_parse(vx->arena, st->product, &st->product_purl) < 0)
		st->product_purl.type = NULL;
	st->subs = subs;
	st->n_subs = n_subs;
	st->status = status;
	st->justification = justification && *justification ? mmr_arena_strdup(vx->arena, justification) : NULL;
	st->impact = impact && *impact ? mmr_arena_strdup(vx->arena, impact) : NULL;
	st->timestamp = ts;
	st->source = c->source;
	st->format = c->format;
	st->seq = vx->statements.n;
	int rc = mmr_vec_push(vx->arena, &vx->statements, st);
	if (rc < 0)
		return rc;
	if ((rc = index_id(vx, v->id, st)) < 0)
		return rc;
	for (size_t i = 0; i < v->n_aliases; i++)
		if ((rc = index_id(vx, v->aliases[i], st)) < 0)
			return rc;
	return 0;
}

static int push_alias(struct pctx *c, struct vuln *v, size_t *cap, const char *raw)
{
	const char *id = vuln_id_from(c->vx->arena, raw);
	if (!id || !*id)
		return 0;
	if (v->id && strcasecmp(v->id, id) == 0)
		return 0;
	for (size_t i = 0; i < v->n_aliases; i++)
		if (strcasecmp(v->aliases[i], id) == 0)
			return 0;
	if (v->n_aliases == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		if (nc > 4096)
			return 0; /* absurd alias lists: the rest are dropped */
		const char **nv = mmr_arena_realloc(c->vx->arena, v->aliases, *cap * sizeof(*nv),
						    nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		v->aliases = nv;
		*cap = nc;
	}
	v->aliases[v->n_aliases++] = id;
	return 0;
}

/* ---- OpenVEX ---- */

static int openvex_status(const char *s, enum mmr_vex_status *ret)
{
	if (!s)
		return -1;
	if (strcmp(s, "not_affected") == 0)
		*ret = MMR_VEX_NOT_AFFECTED;
	else if (strcmp(s, "affected") == 0)
		*ret = MMR_VEX_AFFECTED;
	else if (strcmp(s, "fixed") == 0)
		*ret = MMR_VEX_FIXED;
	else if (strcmp(s, "under_investigation") == 0)
		*ret = MMR_VEX_UNDER_INVESTIGATION;
	else
		return -1;
	return 0;
}

/* A product or subcomponent: "@id" (or v0.0.x "id"), identifiers.purl,
 * or a bare string. */
static const char *openvex_component_id(const json_t *p)
{
	if (json_is_string(p))
		return json_string_value(p);
	const json_t *ids = mmr_json_obj(p, "identifiers");
	const char *purl = mmr_json_str(ids, "purl");
	if (purl)
		return purl;
	const char *id = mmr_json_str(p, "@id");
	return id ? id : mmr_json_str(p, "id");
}

static int openvex_subs(struct pctx *c, const json_t *arr, struct mmr_vulndb_purl **ret,
			size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return 0;
	size_t n = json_array_size(arr);
	if (n > MAX_SUBS)
		return mmr_error_set(c->reterr, E2BIG, c->file, 0, 0,
				     "openvex: more than %d subcomponents", MAX_SUBS);
	struct mmr_vulndb_purl *v = mmr_arena_calloc(c->vx->arena, n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *id = openvex_component_id(json_array_get(arr, i));
		if (id && mmr_vulndb_purl_parse(c->vx->arena, id, &v[k]) == 0)
			k++;
	}
	*ret = v;
	*ret_n = k;
	return k ? 0 : 1; /* 1: subcomponents given, none a purl: matches nothing */
}

static int parse_openvex(struct pctx *c, const json_t *root)
{
	const json_t *stmts = mmr_json_arr(root, "statements");
	if (!stmts)
		return bad(c, "%s", "no statements array");
	int64_t doc_ts = mmr_vulndb_parse_time(mmr_json_str(root, "timestamp"));
	int64_t doc_upd = mmr_vulndb_parse_time(mmr_json_str(root, "last_updated"));
	if (doc_upd != INT64_MIN)
		doc_ts = doc_upd;
	size_t i;
	const json_t *s;
	json_array_foreach(stmts, i, s)
	{
		char where[64];
		snprintf(where, sizeof(where), "statements[%zu]", i);
		if (!json_is_object(s))
			return bad(c, "%s is not an object", where);
		struct vuln v = { 0 };
		size_t cap = 0;
		const json_t *vj = json_object_get(s, "vulnerability");
		int rc;
		if (json_is_string(vj)) {
			v.id = vuln_id_from(c->vx->arena, json_string_value(vj));
		} else if (json_is_object(vj)) {
			const char *name = mmr_json_str(vj, "name");
			v.id = vuln_id_from(c->vx->arena, name ? name : mmr_json_str(vj, "@id"));
			if (name && mmr_json_str(vj, "@id") &&
			    (rc = push_alias(c, &v, &cap, mmr_json_str(vj, "@id"))) < 0)
				return rc;
			const json_t *al = mmr_json_arr(vj, "aliases");
			size_t k;
			const json_t *x;
			json_array_foreach(al, k, x)
			{
				if (json_is_string(x) && (rc = push_alias(c, &v, &cap, json_string_value(x))) < 0)
					return rc;
			}
		}
		if (!v.id || !*v.id)
			return bad(c, "%s has no vulnerability name", where);
		enum mmr_vex_status st;
		const char *status = mmr_json_str(s, "status");
		if (openvex_status(status, &st) < 0)
			return bad(c, "%s: status must be not_affected, affected, fixed or "
				      "under_investigation", where);
		const char *just = mmr_json_str(s, "justification");
		const char *impact = mmr_json_str(s, "impact_statement");
		if (!impact && st == MMR_VEX_AFFECTED)
			impact = mmr_json_str(s, "action_statement");
		int64_t ts = mmr_vulndb_parse_time(mmr_json_str(s, "last_updated"));
		if (ts == INT64_MIN)
			ts = mmr_vulndb_parse_time(mmr_json_str(s, "timestamp"));
		if (ts == INT64_MIN)
			ts = doc_ts;
		/* v0.0.x: subcomponents at statement level */
		struct mmr_vulndb_purl *top_subs;
		size_t n_top;
		int tsr = openvex_subs(c, mmr_json_arr(s, "subcomponents"), &top_subs, &n_top);
		if (tsr < 0)
			return tsr;
		const json_t *prods = mmr_json_arr(s, "products");
		if (!prods)
			return bad(c, "%s has no products", where);
		size_t k;
		const json_t *p;
		json_array_foreach(prods, k, p)
		{
			const char *pid = openvex_component_id(p);
			if (!pid || !*pid)
				continue;
			struct mmr_vulndb_purl *subs;
			size_t n_subs;
			int sr = openvex_subs(c, json_is_object(p) ? mmr_json_arr(p, "subcomponents") : NULL,
					      &subs, &n_subs);
			if (sr < 0)
				return sr;
			if (sr == 0 && !n_subs && (n_top || tsr == 1)) {
				subs = top_subs;
				n_subs = n_top;
				sr = tsr;
			}
			if (sr == 1)
				continue; /* subcomponents that are no purls name nothing we have */
			if ((rc = add_statement(c, &v, pid, subs, n_subs, st, just, impact, ts)) < 0)
				return rc;
		}
	}
	return 0;
}

/* ---- CycloneDX VEX ---- */

static int cdx_collect_refs(struct pctx *c, const json_t *comps, struct mmr_map *refs, int depth)
{
	if (!json_is_array(comps))
		return 0;
	if (depth > MMR_VULNDB_VEX_MAX_DEPTH)
		return mmr_error_set(c->reterr, E2BIG, c->file, 0, 0,
				     "cyclonedx: components nested deeper than %d", MMR_VULNDB_VEX_MAX_DEPTH);
	size_t i;
	const json_t *cj;
	json_array_foreach(comps, i, cj)
	{
		const char *ref = mmr_json_str(cj, "bom-ref");
		const char *purl = mmr_json_str(cj, "purl");
		if (ref && purl) {
			char *k = mmr_arena_strdup(c->a, ref);
			if (!k || mmr_map_put(refs, k, (void *)purl) < 0)
				return -ENOMEM;
		}
		int rc = cdx_collect_refs(c, mmr_json_arr(cj, "components"), refs, depth + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int cdx_state(const char *s, enum mmr_vex_status *ret, const char **ret_just)
{
	*ret_just = NULL;
	if (!s)
		return -1;
	if (strcmp(s, "not_affected") == 0) {
		*ret = MMR_VEX_NOT_AFFECTED;
	} else if (strcmp(s, "false_positive") == 0) {
		*ret = MMR_VEX_NOT_AFFECTED;
		*ret_just = "false_positive";
	} else if (strcmp(s, "resolved") == 0 || strcmp(s, "resolved_with_pedigree") == 0) {
		*ret = MMR_VEX_FIXED;
	} else if (strcmp(s, "exploitable") == 0) {
		*ret = MMR_VEX_AFFECTED;
	} else if (strcmp(s, "in_triage") == 0) {
		*ret = MMR_VEX_UNDER_INVESTIGATION;
	} else {
		return -1;
	}
	return 0;
}

/* purl with its version replaced (or set). */
static const char *purl_with_version(struct mmr_arena *a, const char *purl, const char *version)
{
	size_t qpos = strcspn(purl, "?#");
	size_t slash = 0;
	for (size_t i = 0; i < qpos; i++)
		if (purl[i] == '/')
			slash = i;
	const char *at = memchr(purl + slash, '@', qpos - slash);
	size_t base = at ? (size_t)(at - purl) : qpos;
	return mmr_arena_printf(a, "%.*s@%s%s", (int)base, purl, version, purl + qpos);
}

static int parse_cyclonedx(struct pctx *c, const json_t *root)
{
	const json_t *vulns = mmr_json_arr(root, "vulnerabilities");
	if (!vulns)
		return bad(c, "%s", "no vulnerabilities array (not a VEX document)");
	struct mmr_map refs;
	mmr_map_init(&refs, c->a);
	int rc = cdx_collect_refs(c, mmr_json_arr(root, "components"), &refs, 0);
	if (rc < 0)
		return rc;
	const json_t *meta = mmr_json_obj(root, "metadata");
	const json_t *mc = mmr_json_obj(meta, "component");
	if (mc && mmr_json_str(mc, "bom-ref") && mmr_json_str(mc, "purl")) {
		char *k = mmr_arena_strdup(c->a, mmr_json_str(mc, "bom-ref"));
		if (!k || mmr_map_put(&refs, k, (void *)mmr_json_str(mc, "purl")) < 0)
			return -ENOMEM;
	}
	if (mc && (rc = cdx_collect_refs(c, mmr_json_arr(mc, "components"), &refs, 1)) < 0)
		return rc;
	int64_t doc_ts = mmr_vulndb_parse_time(mmr_json_str(meta, "timestamp"));
	size_t i;
	const json_t *vj;
	json_array_foreach(vulns, i, vj)
	{
		char where[64];
		snprintf(where, sizeof(where), "vulnerabilities[%zu]", i);
		if (!json_is_object(vj))
			return bad(c, "%s is not an object", where);
		const json_t *an = mmr_json_obj(vj, "analysis");
		if (!an || !mmr_json_str(an, "state"))
			continue; /* a plain vulnerability listing, no VEX statement */
		enum mmr_vex_status st;
		const char *just0;
		if (cdx_state(mmr_json_str(an, "state"), &st, &just0) < 0)
			return bad(c, "%s: unknown analysis.state", where);
		const char *just = mmr_json_str(an, "justification");
		if (!just)
			just = just0;
		const char *detail = mmr_json_str(an, "detail");
		struct vuln v = { 0 };
		size_t cap = 0;
		v.id = vuln_id_from(c->vx->arena, mmr_json_str(vj, "id"));
		if (!v.id)
			return bad(c, "%s has no id", where);
		const json_t *rs = mmr_json_arr(vj, "references");
		size_t k;
		const json_t *x;
		json_array_foreach(rs, k, x)
		{
			if ((rc = push_alias(c, &v, &cap, mmr_json_str(x, "id"))) < 0)
				return rc;
		}
		int64_t ts = mmr_vulndb_parse_time(mmr_json_str(an, "lastUpdated"));
		if (ts == INT64_MIN)
			ts = mmr_vulndb_parse_time(mmr_json_str(an, "firstIssued"));
		if (ts == INT64_MIN)
			ts = mmr_vulndb_parse_time(mmr_json_str(vj, "updated"));
		if (ts == INT64_MIN)
			ts = mmr_vulndb_parse_time(mmr_json_str(vj, "published"));
		if (ts == INT64_MIN)
			ts = doc_ts;
		const json_t *aff = mmr_json_arr(vj, "affects");
		json_array_foreach(aff, k, x)
		{
			const char *ref = mmr_json_str(x, "ref");
			if (!ref)
				continue;
			const char *purl = mmr_map_get(&refs, ref);
			if (!purl) {
				const char *hash = strchr(ref, '#'); /* BOM-Link urn:cdx:..#ref */
				if (strncmp(ref, "urn:cdx:", 8) == 0 && hash)
					purl = mmr_map_get(&refs, hash + 1);
			}
			if (!purl && strncmp(ref, "pkg:", 4) == 0)
				purl = ref;
			if (!purl)
				continue; /* a component without purl: nothing to match */
			const json_t *vers = mmr_json_arr(x, "versions");
			bool any = false;
			size_t m;
			const json_t *ve;
			json_array_foreach(vers, m, ve)
			{
				const char *ver = mmr_json_str(ve, "version");
				if (!ver)
					continue; /* vers ranges are not evaluated */
				const char *vs = mmr_json_str(ve, "status");
				enum mmr_vex_status vst = st;
				if (vs && strcmp(vs, "unaffected") == 0)
					vst = MMR_VEX_NOT_AFFECTED;
				else if (vs && strcmp(vs, "unknown") == 0)
					vst = MMR_VEX_UNDER_INVESTIGATION;
				else if (vs && strcmp(vs, "affected") == 0 && st == MMR_VEX_NOT_AFFECTED)
					vst = MMR_VEX_AFFECTED;
				const char *pv = purl_with_version(c->a, purl, ver);
				if (!pv)
					return -ENOMEM;
				if ((rc = add_statement(c, &v, pv, NULL, 0, vst, just, detail, ts)) < 0)
					return rc;
				any = true;
			}
			if (!any && (rc = add_statement(c, &v, purl, NULL, 0, st, just, detail, ts)) < 0)
				return rc;
		}
	}
	return 0;
}

/* ---- CSAF VEX ---- */

struct csaf {
	struct mmr_map purl;  /* product_id -> purl */
	struct mmr_map rel;   /* relationship product_id -> product_reference */
	struct mmr_map group; /* group_id -> json array of product_ids */
};

static int csaf_product(struct pctx *c, struct csaf *cs, const json_t *p)
{
	const char *id = mmr_json_str(p, "product_id");
	const char *purl = mmr_json_str(mmr_json_obj(p, "product_identification_helper"), "purl");
	if (!id || !purl)
		return 0;
	return mmr_map_put(&cs->purl, id, (void *)purl);
}

static int csaf_branches(struct pctx *c, struct csaf *cs, const json_t *br, int depth)
{
	if (!json_is_array(br))
		return 0;
	if (depth > MMR_VULNDB_VEX_MAX_DEPTH)
		return mmr_error_set(c->reterr, E2BIG, c->file, 0, 0,
				     "csaf: product_tree branches deeper than %d", MMR_VULNDB_VEX_MAX_DEPTH);
	size_t i;
	const json_t *b;
	json_array_foreach(br, i, b)
	{
		int rc = csaf_product(c, cs, mmr_json_obj(b, "product"));
		if (rc < 0)
			return rc;
		if ((rc = csaf_branches(c, cs, mmr_json_arr(b, "branches"), depth + 1)) < 0)
			return rc;
	}
	return 0;
}

static const char *csaf_resolve(const struct csaf *cs, const char *id)
{
	for (int hop = 0; id && hop < 8; hop++) {
		const char *p = mmr_map_get(&cs->purl, id);
		if (p)
			return p;
		id = mmr_map_get(&cs->rel, id);
	}
	return NULL;
}

/* Does a flags[]/threats[] item name product id `pid` (directly or by group)? */
static bool csaf_names(const struct csaf *cs, const json_t *item, const char *pid)
{
	size_t i;
	const json_t *x;
	json_array_foreach(mmr_json_arr(item, "product_ids"), i, x)
	{
		if (json_is_string(x) && strcmp(json_string_value(x), pid) == 0)
			return true;
	}
	json_array_foreach(mmr_json_arr(item, "group_ids"), i, x)
	{
		if (!json_is_string(x))
			continue;
		const json_t *ids = mmr_map_get(&cs->group, json_string_value(x));
		size_t k;
		const json_t *y;
		json_array_foreach(ids, k, y)
		{
			if (json_is_string(y) && strcmp(json_string_value(y), pid) == 0)
				return true;
		}
	}
	return false;
}

static int parse_csaf(struct pctx *c, const json_t *root)
{
	const json_t *doc = mmr_json_obj(root, "document");
	int64_t ts = mmr_vulndb_parse_time(
		mmr_json_str(mmr_json_obj(doc, "tracking"), "current_release_date"));
	struct csaf cs;
	mmr_map_init(&cs.purl, c->a);
	mmr_map_init(&cs.rel, c->a);
	mmr_map_init(&cs.group, c->a);
	const json_t *pt = mmr_json_obj(root, "product_tree");
	int rc = csaf_branches(c, &cs, mmr_json_arr(pt, "branches"), 0);
	if (rc < 0)
		return rc;
	size_t i;
	const json_t *x;
	json_array_foreach(mmr_json_arr(pt, "full_product_names"), i, x)
	{
		if ((rc = csaf_product(c, &cs, x)) < 0)
			return rc;
	}
	json_array_foreach(mmr_json_arr(pt, "relationships"), i, x)
	{
		const json_t *fpn = mmr_json_obj(x, "full_product_name");
		const char *id = mmr_json_str(fpn, "product_id");
		const char *ref = mmr_json_str(x, "product_reference");
		if (fpn && (rc = csaf_product(c, &cs, fpn)) < 0)
			return rc;
		if (id && ref && mmr_map_put(&cs.rel, id, (void *)ref) < 0)
			return -ENOMEM;
	}
	json_array_foreach(mmr_json_arr(pt, "product_groups"), i, x)
	{
		const char *gid = mmr_json_str(x, "group_id");
		const json_t *ids = mmr_json_arr(x, "product_ids");
		if (gid && ids && mmr_map_put(&cs.group, gid, (void *)ids) < 0)
			return -ENOMEM;
	}
	static const struct {
		const char *key;
		enum mmr_vex_status st;
	} cats[] = {
		{ "known_not_affected", MMR_VEX_NOT_AFFECTED },
		{ "fixed", MMR_VEX_FIXED },
		{ "first_fixed", MMR_VEX_FIXED },
		{ "known_affected", MMR_VEX_AFFECTED },
		{ "first_affected", MMR_VEX_AFFECTED },
		{ "last_affected", MMR_VEX_AFFECTED },
		{ "under_investigation", MMR_VEX_UNDER_INVESTIGATION },
	};
	const json_t *vulns = mmr_json_arr(root, "vulnerabilities");
	const json_t *vj;
	json_array_foreach(vulns, i, vj)
	{
		struct vuln v = { 0 };
		size_t cap = 0;
		v.id = vuln_id_from(c->vx->arena, mmr_json_str(vj, "cve"));
		size_t k;
		json_array_foreach(mmr_json_arr(vj, "ids"), k, x)
		{
			const char *t = mmr_json_str(x, "text");
			if (!v.id)
				v.id = vuln_id_from(c->vx->arena, t);
			else if ((rc = push_alias(c, &v, &cap, t)) < 0)
				return rc;
		}
		if (!v.id)
			continue; /* nothing to match findings by */
		const json_t *ps = mmr_json_obj(vj, "product_status");
		struct mmr_map seen; /* "status|purl" already stated for this vulnerability */
		mmr_map_init(&seen, c->a);
		for (size_t ci = 0; ci < sizeof(cats) / sizeof(cats[0]); ci++) {
			size_t m;
			const json_t *pj;
			json_array_foreach(mmr_json_arr(ps, cats[ci].key), m, pj)
			{
				const char *pid = json_string_value(pj);
				const char *purl = pid ? csaf_resolve(&cs, pid) : NULL;
				if (!purl)
					continue;
				const char *just = NULL, *impact = NULL;
				if (cats[ci].st == MMR_VEX_NOT_AFFECTED) {
					size_t f;
					const json_t *fl;
					json_array_foreach(mmr_json_arr(vj, "flags"), f, fl)
					{
						if (mmr_json_str(fl, "label") && csaf_names(&cs, fl, pid)) {
							just = mmr_json_str(fl, "label");
							break;
						}
					}
					json_array_foreach(mmr_json_arr(vj, "threats"), f, fl)
					{
						const char *cat = mmr_json_str(fl, "category");
						if (cat && strcmp(cat, "impact") == 0 && mmr_json_str(fl, "details") &&
						    csaf_names(&cs, fl, pid)) {
							impact = mmr_json_str(fl, "details");
							break;
						}
					}
				}
				char *key = mmr_arena_printf(c->a, "%d|%s|%s", (int)cats[ci].st, purl,
							     just ? just : "");
				if (!key)
					return -ENOMEM;
				if (mmr_map_has(&seen, key))
					continue;
				if (mmr_map_put(&seen, key, (void *)purl) < 0)
					return -ENOMEM;
				if ((rc = add_statement(c, &v, purl, NULL, 0, cats[ci].st, just, impact, ts)) < 0)
					return rc;
			}
		}
	}
	return 0;
}

/* ---- entry points ---- */

int mmr_vulndb_vex_parse(struct mmr_vulndb_vex *vx, const char *file, const void *data, size_t len,
			 struct mmr_error *reterr)
{
	if (!file)
		file = "<vex>";
	if (len > MMR_VULNDB_VEX_MAX_FILE)
		return mmr_error_set(reterr, E2BIG, file, 0, 0, "file too large (limit %zu bytes)",
				     MMR_VULNDB_VEX_MAX_FILE);
	json_t *root = NULL;
	int rc = mmr_json_parse(data, len, file, &root, reterr);
	if (rc < 0)
		return rc;
	struct mmr_arena *tmp = mmr_arena_new(0);
	if (!tmp) {
		json_decref(root);
		return -ENOMEM;
	}
	/* statements keep strings from the tree: copy the tree's strings as we
	 * go is costly, so statement strings are duplicated in add_statement
	 * and the vuln/alias/purl strings come from vx->arena already. */
	struct pctx c = { .vx = vx, .a = tmp, .file = mmr_arena_strdup(vx->arena, file),
			  .reterr = reterr };
	const char *ctx = mmr_json_str(root, "@context");
	const char *bom = mmr_json_str(root, "bomFormat");
	const json_t *doc = mmr_json_obj(root, "document");
	if (!c.file) {
		rc = -ENOMEM;
	} else if (!json_is_object(root)) {
		rc = mmr_error_set(reterr, EPROTO, file, 0, 0, "not a VEX document (a JSON object)");
	} else if ((ctx && strstr(ctx, "openvex")) || mmr_json_arr(root, "statements")) {
		c.format = "openvex";
		c.source = mmr_arena_printf(vx->arena, "%s (openvex)", mmr_path_base(file));
		rc = c.source ? parse_openvex(&c, root) : -ENOMEM;
	} else if (bom && strcmp(bom, "CycloneDX") == 0) {
		c.format = "cyclonedx";
		c.source = mmr_arena_printf(vx->arena, "%s (cyclonedx)", mmr_path_base(file));
		rc = c.source ? parse_cyclonedx(&c, root) : -ENOMEM;
	} else if (doc && mmr_json_str(doc, "csaf_version")) {
		c.format = "csaf";
		c.source = mmr_arena_printf(vx->arena, "%s (csaf)", mmr_path_base(file));
		rc = c.source ? parse_csaf(&c, root) : -ENOMEM;
	} else {
		rc = mmr_error_set(reterr, EPROTO, file, 0, 0,
				   "not an OpenVEX, CycloneDX VEX or CSAF VEX document");
	}
	mmr_arena_free(tmp);
	json_decref(root);
	return rc;
}

int mmr_vulndb_vex_load(struct mmr_vulndb_vex *vx, const char *path, struct mmr_error *reterr)
{
	struct mmr_arena *tmp = mmr_arena_new(0);
	if (!tmp)
		return -ENOMEM;
	uint8_t *d;
	size_t n;
	int rc = mmr_vulndb_read_file(tmp, path, MMR_VULNDB_VEX_MAX_FILE, &d, &n, reterr);
	if (rc >= 0)
		rc = mmr_vulndb_vex_parse(vx, path, d, n, reterr);
	mmr_arena_free(tmp);
	return rc;
}

/* ---- applying ---- */

static bool digest_eq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	const char *at = strrchr(b, '@'); /* "repo@sha256:.." */
	if (at)
		b = at + 1;
	return strcasecmp(a, b) == 0;
}

/* Is the OpenVEX product (that has subcomponents) the scanned asset? */
static bool product_is_asset(const struct mmr_vex_statement *st, const struct mmr_asset *as)
{
	const struct mmr_vulndb_purl *pp = &st->product_purl;
	if (!pp->type || strcmp(pp->type, "oci") != 0)
		return true; /* not checkable: taken to be what was scanned */
	if (pp->version) {
		if (digest_eq(pp->version, as->image_id) || digest_eq(pp->version, as->manifest_digest))
			return true;
		for (size_t i = 0; i < as->repo_digests.n; i++)
			if (digest_eq(pp->version, as->repo_digests.v[i]))
				return true;
		return false;
	}
	/* by repository name: the last path component of a tag or the name */
	for (size_t i = 0; i <= as->repo_tags.n; i++) {
		const char *ref = i < as->repo_tags.n ? as->repo_tags.v[i] : as->name;
		if (!ref)
			continue;
		const char *base = strrchr(ref, '/');
		base = base ? base + 1 : ref;
		size_t n = strcspn(base, ":@");
		if (n == strlen(pp->name) && strncmp(base, pp->name, n) == 0)
			return true;
	}
	return false;
}

/* How well statement st names package p: 0 not at all, 1 through its source
 * package or a subcomponent of the asset, 2 by the package's own purl. */
static int statement_covers(struct mmr_arena *a, const struct mmr_vex_statement *st,
			    const struct mmr_package *p, const struct mmr_asset *as)
{
	const struct mmr_vulndb_purl *pp = &st->product_purl;
	bool by_src = pp->arch && (strcmp(pp->arch, "source") == 0 || strcmp(pp->arch, "src") == 0);
	if (st->n_subs) {
		bool ok = false;
		for (size_t i = 0; !ok && i < st->n_subs; i++)
			ok = mmr_vulndb_purl_match(a, &st->subs[i], p);
		if (!ok)
			return 0;
		if (pp->type && mmr_vulndb_purl_match(a, pp, p))
			return by_src ? 1 : 2;
		return product_is_asset(st, as) ? 1 : 0;
	}
	if (!pp->type || !mmr_vulndb_purl_match(a, pp, p))
		return 0;
	return by_src ? 1 : 2;
}

/* Latest timestamp wins; on a tie the more specific statement, then the
 * one loaded last. */
static bool better(const struct mmr_vex_statement *x, int xs, const struct mmr_vex_statement *y,
		   int ys)
{
	if (!y)
		return true;
	if (x->timestamp != y->timestamp)
		return x->timestamp > y->timestamp;
	if (xs != ys)
		return xs > ys;
	return x->seq > y->seq;
}

int mmr_vulndb_vex_apply(struct mmr_report *r, const struct mmr_vulndb_vex *vx)
{
	if (!vx || !vx->statements.n)
		return 0;
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	int rc = 0, count = 0;
	for (size_t ri = 0; ri < r->results.n; ri++) {
		struct mmr_result *res = r->results.v[ri];
		if (!res->findings.n)
			continue;
		struct mmr_map pk;
		if (mmr_vulndb_index_packages(a, res, &pk) < 0) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t fi = 0; fi < res->findings.n; fi++) {
			struct mmr_finding *f = res->findings.v[fi];
			if (f->kind != MMR_FINDING_VULNERABILITY || !f->loc.package)
				continue;
			const struct mmr_package *p = mmr_map_get(&pk, f->loc.package);
			if (!p)
				continue;
			const struct mmr_vex_statement *best = NULL;
			int best_score = 0;
			for (size_t k = 0; k <= f->aliases.n; k++) {
				const char *id = k == 0 ? f->rule_id : f->aliases.v[k - 1];
				if (!id)
					continue;
				char *key = upper_dup(a, id);
				if (!key) {
					rc = -ENOMEM;
					goto out;
				}
				for (const struct vex_ref *x = mmr_map_get(&vx->by_id, key); x; x = x->next) {
					if (x->st == best)
						continue;
					int sc = statement_covers(a, x->st, p, &r->asset);
					if (sc && better(x->st, sc, best, best_score)) {
						best = x->st;
						best_score = sc;
					}
				}
			}
			if (!best)
				continue;
			if (!f->vuln) {
				f->vuln = mmr_arena_alloc(r->arena, sizeof(*f->vuln));
				if (!f->vuln) {
					rc = -ENOMEM;
					goto out;
				}
				f->vuln->cvss3_score = f->vuln->cvss4_score = -1;
				f->vuln->epss = f->vuln->epss_percentile = -1;
			}
			struct mmr_vuln_info *vi = f->vuln;
			/* the report outlives the VEX set: copy into its arena */
			const char *jus = best->justification ? best->justification : best->impact;
			vi->vex_status = mmr_vex_status_name(best->status);
			vi->vex_justification = jus ? mmr_arena_strdup(r->arena, jus) : NULL;
			vi->vex_source = mmr_arena_strdup(r->arena, best->source);
			if ((jus && !vi->vex_justification) || !vi->vex_source) {
				rc = -ENOMEM;
				goto out;
			}
			if (best->status == MMR_VEX_NOT_AFFECTED)
				vi->status = "not_affected";
			if (f->suppressed)
				continue;
			const char *why = NULL;
			if (best->status == MMR_VEX_NOT_AFFECTED)
				why = mmr_arena_printf(r->arena, "vex: not_affected (%s)",
						       best->justification ? best->justification :
						       best->impact	   ? best->impact :
									     "no justification given");
			else if (best->status == MMR_VEX_FIXED)
				why = "vex: fixed";
			if (best->status == MMR_VEX_NOT_AFFECTED || best->status == MMR_VEX_FIXED) {
				if (!why) {
					rc = -ENOMEM;
					goto out;
				}
				f->suppressed = true;
				f->suppressed_by = why;
				count++;
			}
		}
	}
	rc = count;
out:
	mmr_arena_free(a);
	return rc;
}
