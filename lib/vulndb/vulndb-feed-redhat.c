/* vulndb-feed-redhat.c - Red Hat feeds.
 *
 *   redhat-csaf     CSAF 2.0 advisories and VEX documents
 *                   (security.access.redhat.com/data/csaf/v2/{advisories,vex}):
 *                   document.tracking.id (RHSA-2024:6163 or the CVE),
 *                   product_tree (branches with product ids, CPEs of product
 *                   streams and purls of packages; relationships "package
 *                   as a component of stream"), vulnerabilities[] (cve,
 *                   product_status, remediations, threats, scores).
 *   redhat-secdata  the Security Data API CVE document
 *                   (access.redhat.com/hydra/rest/securitydata/cve/CVE-x.json):
 *                   threat_severity, cvss3, affected_release[] (cpe,
 *                   package NEVR of the fix, advisory), package_state[]
 *                   (cpe, package_name, fix_state).
 *
 * Ecosystem: the stream's CPE "cpe:/o:redhat:enterprise_linux:9[::appstream]"
 * or "cpe:/o:redhat:rhel_els:6" -> "redhat:<major>". Other streams (EUS,
 * AUS, E4S, TUS minor releases, layered products, containers) are skipped:
 * a system on the main stream is matched against main-stream fixes only.
 *
 * Package names are SOURCE rpm names (what rpm's SOURCERPM says, which is
 * what the matcher looks up): a CSAF product whose purl has arch=src gives
 * its name directly; a binary product takes the name of the src product of
 * the same document, stream and EVR (all binaries of one advisory build
 * share the SRPM's version-release); a binary with no such src product
 * keeps its own name. The Security Data API already names source packages.
 * Modules ("nodejs:18/nodejs", "nodejs:18-8090...") and flatpaks/containers
 * (names with '/') are skipped.
 *
 * Versions are rpm EVRs "[epoch:]version-release" (epoch only when not 0).
 * Per (stream, package) one record: fixed beats affected beats under
 * investigation beats not affected; of two fixes the lower EVR is kept.
 * Status: fixed -> FIXED (introduced "0", fixed EVR); known_affected ->
 * UNFIXED, or WONTFIX when a remediation says no_fix_planned;
 * known_not_affected -> NOT_AFFECTED; under_investigation ->
 * UNDER_INVESTIGATION. fix_state: Affected / Fix deferred -> UNFIXED,
 * Will not fix / Out of support scope -> WONTFIX, Not affected ->
 * NOT_AFFECTED, Under investigation / New -> UNDER_INVESTIGATION.
 * Severity: the CVE's impact ("Important", "Moderate", ...).
 *
 * Counting: sink->accepted counts vulnerabilities (CSAF: one per cve of a
 * document; secdata: one per document), sink->rejected malformed ones. */
#include "vulndb/vulndb-feed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-json.h"
#include "core/core-str.h"
#include "core/core-vec.h"
#include "vulndb/vulndb-version.h"

#define RH_MAX_BRANCH_DEPTH 32
#define RH_MAX_REFS 256
#define RH_MAX_ALIASES 256

static int emit_vuln(struct mmr_vulndb_sink *s, const struct mmr_vuln *v)
{
	return s->vuln ? s->vuln(s->ud, v) : 0;
}

static int emit_affected(struct mmr_vulndb_sink *s, const struct mmr_vuln_affected *a)
{
	return s->affected ? s->affected(s->ud, a) : 0;
}

/* "cpe:/o:redhat:enterprise_linux:9::baseos", "cpe:/a:redhat:rhel_els:6",
 * "cpe:2.3:o:redhat:enterprise_linux:8:*:..." -> "redhat:9"...; NULL for
 * other products and minor-release streams. */
static const char *rh_eco(struct mmr_arena *a, const char *cpe)
{
	if (!cpe)
		return NULL;
	const char *p;
	if (mmr_cstr_starts(cpe, "cpe:/"))
		p = cpe + 5;
	else if (mmr_cstr_starts(cpe, "cpe:2.3:"))
		p = cpe + 8;
	else
		return NULL;
	if (!(p[0] == 'o' || p[0] == 'a') || p[1] != ':')
		return NULL;
	p += 2;
	if (!mmr_cstr_starts(p, "redhat:"))
		return NULL;
	p += 7;
	if (mmr_cstr_starts(p, "enterprise_linux:"))
		p += 17;
	else if (mmr_cstr_starts(p, "rhel_els:"))
		p += 9;
	else
		return NULL;
	size_t n = 0;
	while (p[n] >= '0' && p[n] <= '9' && n < 4)
		n++;
	if (!n || (p[n] && p[n] != ':' && p[n] != '.'))
		return NULL;
	return mmr_arena_printf(a, "redhat:%.*s", (int)n, p);
}

static bool name_ok(const char *n, size_t len)
{
	if (!len || len > 256)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '+' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static bool evr_ok(const char *v, size_t len)
{
	if (!len || len > 256)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return false;
	return true;
}

/* "E:V-R" with epoch only when not 0. */
static const char *evr(struct mmr_arena *a, const char *epoch, size_t elen, const char *vr,
		       size_t vrlen)
{
	bool zero = true;
	for (size_t i = 0; i < elen; i++)
		if (epoch[i] != '0')
			zero = false;
	if (elen > 10 || !evr_ok(vr, vrlen))
		return NULL;
	for (size_t i = 0; i < elen; i++)
		if (epoch[i] < '0' || epoch[i] > '9')
			return NULL;
	if (zero)
		return mmr_arena_strndup(a, vr, vrlen);
	return mmr_arena_printf(a, "%.*s:%.*s", (int)elen, epoch, (int)vrlen, vr);
}

/* "bind-32:9.8.2-0.68.rc1.el6_10.17" (NEVR, epoch optional) -> name, EVR.
 * false when it is not one. */
static bool parse_nevr(struct mmr_arena *a, const char *s, const char **ret_name,
		       const char **ret_evr)
{
	size_t n = strlen(s);
	if (n > 512)
		return false;
	const char *rdash = memrchr(s, '-', n);
	if (!rdash || rdash == s)
		return false;
	const char *vdash = memrchr(s, '-', (size_t)(rdash - s));
	if (!vdash || vdash == s)
		return false;
	const char *name = s;
	size_t nl = (size_t)(vdash - s);
	const char *ev = vdash + 1;
	const char *colon = memchr(ev, ':', (size_t)(rdash - ev));
	const char *epoch = "";
	size_t elen = 0;
	if (colon) {
		epoch = ev;
		elen = (size_t)(colon - ev);
		ev = colon + 1;
		if (!elen)
			return false;
	}
	if (!name_ok(name, nl) || ev == rdash)
		return false;
	const char *e = evr(a, epoch, elen, ev, (size_t)(s + n - ev));
	const char *nm = mmr_arena_strndup(a, name, nl);
	if (!e || !nm)
		return false;
	*ret_name = nm;
	*ret_evr = e;
	return true;
}

/* One (stream, package) record being aggregated. */
struct rh_pkg {
	const char *eco, *name, *fixed;
	enum mmr_vuln_status status;
	int rank;
};

static int status_rank(enum mmr_vuln_status st)
{
	switch (st) {
	case MMR_VULN_FIXED:
		return 5;
	case MMR_VULN_WONTFIX:
	case MMR_VULN_UNFIXED:
	case MMR_VULN_AFFECTED:
		return 4;
	case MMR_VULN_UNDER_INVESTIGATION:
		return 2;
	case MMR_VULN_NOT_AFFECTED:
		return 1;
	}
	return 0;
}

struct rh_agg {
	struct mmr_map m;
	struct mmr_vec v;
};

static int agg_add(struct mmr_arena *a, struct rh_agg *g, const char *eco, const char *name,
		   const char *fixed, enum mmr_vuln_status st)
{
	char *key = mmr_arena_printf(a, "%s\x1f%s", eco, name);
	if (!key)
		return -ENOMEM;
	int rank = status_rank(st);
	struct rh_pkg *p = mmr_map_get(&g->m, key);
	if (p) {
		int c = 0;
		if (rank < p->rank)
			return 0;
		if (rank == p->rank) {
			if (st != MMR_VULN_FIXED || !fixed || !p->fixed ||
			    mmr_version_cmp("rpm", fixed, p->fixed, &c) < 0 || c >= 0)
				return 0;
		}
		p->fixed = fixed;
		p->status = st;
		p->rank = rank;
		return 0;
	}
	p = mmr_arena_alloc(a, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct rh_pkg){ .eco = eco, .name = name, .fixed = fixed, .status = st, .rank = rank };
	int r = mmr_map_put(&g->m, key, p);
	return r < 0 ? r : mmr_vec_push(a, &g->v, p);
}

static int agg_emit(struct mmr_vulndb_sink *s, struct rh_agg *g, const char *id, const char *sev)
{
	for (size_t i = 0; i < g->v.n; i++) {
		struct rh_pkg *p = g->v.v[i];
		struct mmr_vuln_range rg = { .introduced = "0", .fixed = p->fixed };
		bool na = p->status == MMR_VULN_NOT_AFFECTED;
		struct mmr_vuln_affected af = { .vuln_id = id, .source = "redhat", .ecosystem = p->eco,
						.package = p->name, .scheme = "rpm",
						.ranges = na ? NULL : &rg, .n_ranges = na ? 0 : 1,
						.status = p->status, .severity = sev };
		int r = emit_affected(s, &af);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- CSAF ---- */

struct rh_prod {
	const char *cpe, *purl, *name;
};

struct rh_rel {
	const char *comp, *stream;
};

/* A package as a CSAF component: name, EVR (NULL when unversioned), arch. */
struct rh_comp {
	const char *name, *evr, *arch;
};

struct csaf {
	struct mmr_map prods; /* product_id -> struct rh_prod */
	struct mmr_map rels;  /* product_id -> struct rh_rel */
	struct mmr_map srcs;  /* "eco\x1fevr" -> src name */
	struct mmr_map done;  /* product_id -> struct rh_resolved (cache) */
	unsigned long nodes;
};

static int csaf_branches(struct mmr_arena *a, struct csaf *c, json_t *arr, unsigned depth)
{
	if (!json_is_array(arr) || depth > RH_MAX_BRANCH_DEPTH)
		return 0;
	size_t i;
	json_t *b;
	json_array_foreach(arr, i, b)
	{
		if (++c->nodes > MMR_VULNDB_MAX_LIST * 16)
			return 0;
		json_t *prod = mmr_json_obj(b, "product");
		const char *pid = mmr_json_str(prod, "product_id");
		if (pid && mmr_vulndb_id_ok(pid)) {
			json_t *h = mmr_json_obj(prod, "product_identification_helper");
			struct rh_prod *p = mmr_arena_alloc(a, sizeof(*p));
			if (!p)
				return -ENOMEM;
			p->cpe = mmr_arena_strdup(a, mmr_json_str(h, "cpe"));
			p->purl = mmr_arena_strdup(a, mmr_json_str(h, "purl"));
			p->name = mmr_arena_strdup(a, mmr_json_str(prod, "name"));
			const char *k = mmr_arena_strdup(a, pid);
			if (!k)
				return -ENOMEM;
			int r = mmr_map_put(&c->prods, k, p);
			if (r < 0)
				return r;
		}
		int r = csaf_branches(a, c, json_object_get(b, "branches"), depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Percent-decode [p, p+n) into the arena; NULL on a bad escape. */
static char *pct_decode(struct mmr_arena *a, const char *p, size_t n)
{
	char *o = mmr_arena_alloc(a, n + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			int h = mmr_hex_digit(p[i + 1]), l = mmr_hex_digit(p[i + 2]);
			if (h < 0 || l < 0)
				return NULL;
			o[k++] = (char)(h * 16 + l);
			i += 2;
		} else {
			o[k++] = p[i];
		}
	}
	o[k] = 0;
	return o;
}

/* "pkg:rpm/redhat/bind@9.8.2-0.68.rc1.el6_10.17?arch=src&epoch=32". */
static bool parse_purl(struct mmr_arena *a, const char *purl, struct rh_comp *ret)
{
	if (!mmr_cstr_starts(purl, "pkg:rpm/"))
		return false;
	const char *p = purl + 8;
	const char *q = strchr(p, '?');
	const char *hash = strchr(p, '#');
	size_t plen = q ? (size_t)(q - p) : hash ? (size_t)(hash - p) : strlen(p);
	const char *slash = memrchr(p, '/', plen);
	const char *np = slash ? slash + 1 : p;
	size_t nlen = plen - (size_t)(np - p);
	const char *at = memchr(np, '@', nlen);
	char *name = pct_decode(a, np, at ? (size_t)(at - np) : nlen);
	char *ver = at ? pct_decode(a, at + 1, nlen - (size_t)(at + 1 - np)) : NULL;
	if (!name || !name_ok(name, strlen(name)) || (at && !ver))
		return false;
	const char *epoch = "", *arch = NULL;
	size_t elen = 0;
	if (q) {
		const char *e = hash ? hash : q + strlen(q);
		for (const char *k = q + 1; k < e;) {
			const char *amp = memchr(k, '&', (size_t)(e - k));
			const char *ke = amp ? amp : e;
			if (ke - k > 5 && memcmp(k, "arch=", 5) == 0)
				arch = mmr_arena_strndup(a, k + 5, (size_t)(ke - k - 5));
			else if (ke - k > 6 && memcmp(k, "epoch=", 6) == 0) {
				epoch = k + 6;
				elen = (size_t)(ke - k - 6);
			}
			k = amp ? amp + 1 : e;
		}
	}
	ret->name = name;
	ret->arch = arch;
	ret->evr = NULL;
	if (ver) {
		ret->evr = evr(a, epoch, elen, ver, strlen(ver));
		if (!ret->evr)
			return false;
	}
	return true;
}

/* "python3.9-0:3.9.18-3.el9_4.5.src" (a product id without purl). */
static bool parse_nevra(struct mmr_arena *a, const char *s, struct rh_comp *ret)
{
	const char *dot = strrchr(s, '.');
	if (!dot || !dot[1])
		return false;
	char *nevr = mmr_arena_strndup(a, s, (size_t)(dot - s));
	if (!nevr || !parse_nevr(a, nevr, &ret->name, &ret->evr))
		return false;
	ret->arch = dot + 1;
	return true;
}

struct rh_resolved {
	bool ok;
	const char *eco;
	struct rh_comp comp;
};

static bool csaf_resolve_uncached(struct mmr_arena *a, struct csaf *c, const char *pid,
				  const char **ret_eco, struct rh_comp *ret_comp);

/* Resolve a product_status id to (eco, component); false to skip it.
 * Advisories list the same products under every CVE: resolved once. */
static bool csaf_resolve(struct mmr_arena *a, struct csaf *c, const char *pid,
			 const char **ret_eco, struct rh_comp *ret_comp)
{
	struct rh_resolved *rs = mmr_map_get(&c->done, pid);
	if (!rs) {
		rs = mmr_arena_alloc(a, sizeof(*rs));
		const char *k = mmr_arena_strdup(a, pid);
		if (!rs || !k)
			return false;
		rs->ok = csaf_resolve_uncached(a, c, pid, &rs->eco, &rs->comp);
		if (mmr_map_put(&c->done, k, rs) < 0)
			return false;
	}
	*ret_eco = rs->eco;
	*ret_comp = rs->comp;
	return rs->ok;
}

static bool csaf_resolve_uncached(struct mmr_arena *a, struct csaf *c, const char *pid,
				  const char **ret_eco, struct rh_comp *ret_comp)
{
	struct rh_rel *rel = mmr_map_get(&c->rels, pid);
	if (!rel)
		return false;
	struct rh_prod *stream = mmr_map_get(&c->prods, rel->stream);
	const char *eco = stream ? rh_eco(a, stream->cpe) : NULL;
	if (!eco)
		return false;
	struct rh_prod *comp = mmr_map_get(&c->prods, rel->comp);
	struct rh_comp cp = { 0 };
	if (comp && comp->purl) {
		if (!parse_purl(a, comp->purl, &cp))
			return false;
	} else if (!parse_nevra(a, rel->comp, &cp)) {
		/* an unversioned component named by its id ("bind") */
		if (!name_ok(rel->comp, strlen(rel->comp)))
			return false;
		cp.name = rel->comp;
	}
	*ret_eco = eco;
	*ret_comp = cp;
	return true;
}

static const char *csaf_severity(struct mmr_arena *a, json_t *v)
{
	size_t i;
	json_t *t;
	json_array_foreach(mmr_json_arr(v, "threats"), i, t)
	{
		const char *cat = mmr_json_str(t, "category");
		const char *d = mmr_json_str(t, "details");
		if (cat && d && strcmp(cat, "impact") == 0 && strlen(d) <= 64)
			return mmr_arena_strdup(a, d);
	}
	return NULL;
}

static int csaf_vuln(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		     struct csaf *c, const char *doc_id, const char *doc_sev, json_t *v)
{
	const char *cve = mmr_json_str(v, "cve");
	if (!cve || !mmr_vulndb_id_ok(cve) || strchr(cve, ' ')) {
		mmr_vulndb_reject(s, path, 0, "%s: vulnerability without a usable cve",
				  doc_id ? doc_id : "CSAF");
		return 0;
	}
	const char *id = mmr_arena_strdup(a, cve);
	const char *sev = csaf_severity(a, v);
	if (!sev)
		sev = doc_sev;
	struct mmr_vuln vu = { .id = id, .source = "redhat", .cvss3_score = -1, .cvss4_score = -1,
			       .severity = sev };
	const char *alias = doc_id && strcmp(doc_id, cve) != 0 ? doc_id : NULL;
	if (alias) {
		vu.aliases = &alias;
		vu.n_aliases = 1;
	}
	vu.title = mmr_vulndb_text(a, mmr_json_str(v, "title"), 4096);
	size_t i;
	json_t *n;
	json_array_foreach(mmr_json_arr(v, "notes"), i, n)
	{
		const char *cat = mmr_json_str(n, "category");
		if (cat && strcmp(cat, "description") == 0 && !vu.description)
			vu.description = mmr_vulndb_text(a, mmr_json_str(n, "text"), MMR_VULNDB_MAX_TEXT);
	}
	vu.published = mmr_arena_strdup(a, mmr_json_str(v, "release_date"));
	if (!vu.published)
		vu.published = mmr_arena_strdup(a, mmr_json_str(v, "discovery_date"));
	json_array_foreach(mmr_json_arr(v, "scores"), i, n)
	{
		json_t *c3 = mmr_json_obj(n, "cvss_v3");
		const char *vec = mmr_json_str(c3, "vectorString");
		json_t *bs = json_object_get(c3, "baseScore");
		if (vec && mmr_vulndb_id_ok(vec)) {
			vu.cvss3_vector = mmr_arena_strdup(a, vec);
			if (json_is_number(bs) && json_number_value(bs) >= 0 && json_number_value(bs) <= 10)
				vu.cvss3_score = json_number_value(bs);
			break;
		}
	}
	const char *cwe = mmr_json_str(mmr_json_obj(v, "cwe"), "id");
	if (cwe && mmr_vulndb_id_ok(cwe)) {
		const char **cw = mmr_arena_alloc(a, sizeof(*cw));
		if (!cw || !(cw[0] = mmr_arena_strdup(a, cwe)))
			return -ENOMEM;
		vu.cwes = cw;
		vu.n_cwes = 1;
	}
	struct mmr_vec refs = { 0 };
	json_array_foreach(mmr_json_arr(v, "references"), i, n)
	{
		const char *url = mmr_json_str(n, "url");
		if (refs.n >= RH_MAX_REFS)
			break;
		if (url && mmr_vulndb_id_ok(url)) {
			char *u = mmr_arena_strdup(a, url);
			if (!u || mmr_vec_push(a, &refs, u) < 0)
				return -ENOMEM;
		}
	}
	vu.references = (const char *const *)refs.v;
	vu.n_references = refs.n;
	if (!id)
		return -ENOMEM;
	int r = emit_vuln(s, &vu);
	if (r < 0)
		return r;

	/* remediations: product id -> no_fix_planned */
	struct mmr_map wontfix;
	mmr_map_init(&wontfix, a);
	json_t *rem;
	json_array_foreach(mmr_json_arr(v, "remediations"), i, rem)
	{
		const char *cat = mmr_json_str(rem, "category");
		if (!cat || strcmp(cat, "no_fix_planned") != 0)
			continue;
		size_t j;
		json_t *pid;
		json_array_foreach(mmr_json_arr(rem, "product_ids"), j, pid)
			if (json_is_string(pid) && (r = mmr_map_put(&wontfix, json_string_value(pid), &wontfix)) < 0)
				return r;
	}

	static const struct {
		const char *key;
		enum mmr_vuln_status st;
	} kinds[] = {
		{ "fixed", MMR_VULN_FIXED },
		{ "first_fixed", MMR_VULN_FIXED },
		{ "known_affected", MMR_VULN_UNFIXED },
		{ "first_affected", MMR_VULN_UNFIXED },
		{ "last_affected", MMR_VULN_UNFIXED },
		{ "under_investigation", MMR_VULN_UNDER_INVESTIGATION },
		{ "known_not_affected", MMR_VULN_NOT_AFFECTED },
	};
	struct rh_agg g = { 0 };
	mmr_map_init(&g.m, a);
	json_t *ps = mmr_json_obj(v, "product_status");
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: src products (they name the source package of an EVR);
		 * pass 1: everything, binaries named through pass 0 */
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			json_t *pid;
			size_t j;
			json_array_foreach(mmr_json_arr(ps, kinds[k].key), j, pid)
			{
				if (j >= MMR_VULNDB_MAX_LIST * 4)
					break;
				const char *eco;
				struct rh_comp cp;
				if (!json_is_string(pid) ||
				    !csaf_resolve(a, c, json_string_value(pid), &eco, &cp))
					continue;
				bool src = cp.arch && strcmp(cp.arch, "src") == 0;
				if (pass == 0) {
					if (src && cp.evr) {
						char *key = mmr_arena_printf(a, "%s\x1f%s", eco, cp.evr);
						if (!key || mmr_map_put(&c->srcs, key, (void *)cp.name) < 0)
							return -ENOMEM;
					}
					continue;
				}
				const char *name = cp.name;
				if (!src && cp.evr) {
					char *key = mmr_arena_printf(a, "%s\x1f%s", eco, cp.evr);
					const char *sn = key ? mmr_map_get(&c->srcs, key) : NULL;
					if (sn)
						name = sn;
				}
				enum mmr_vuln_status st = kinds[k].st;
				if (st == MMR_VULN_FIXED && !cp.evr)
					continue; /* a fix without a version says nothing */
				if (st == MMR_VULN_UNFIXED && mmr_map_has(&wontfix, json_string_value(pid)))
					st = MMR_VULN_WONTFIX;
				r = agg_add(a, &g, eco, name, st == MMR_VULN_FIXED ? cp.evr : NULL, st);
				if (r < 0)
					return r;
			}
		}
	}
	r = agg_emit(s, &g, id, sev);
	if (r >= 0)
		s->accepted++;
	return r;
}

static bool csaf_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	return mmr_vulndb_first_byte(head, len) == '{' &&
	       (mmr_vulndb_head_has(head, len, "\"csaf_version\"") ||
		(mmr_vulndb_head_has(head, len, "\"product_tree\"") &&
		 mmr_vulndb_head_has(head, len, "\"document\"")));
}

static int csaf_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		      const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r = mmr_json_parse(data, len, path, &doc, reterr);
	if (r < 0)
		return r;
	json_t *d = mmr_json_obj(doc, "document");
	json_t *vulns = mmr_json_arr(doc, "vulnerabilities");
	if (!d || !vulns) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, path, 0, 0,
				     "not a CSAF document (no document or vulnerabilities)");
	}
	const char *doc_id = mmr_arena_strdup(a, mmr_json_str(mmr_json_obj(d, "tracking"), "id"));
	if (doc_id && !mmr_vulndb_id_ok(doc_id))
		doc_id = NULL;
	const char *doc_sev =
		mmr_arena_strdup(a, mmr_json_str(mmr_json_obj(d, "aggregate_severity"), "text"));
	struct csaf c = { 0 };
	mmr_map_init(&c.prods, a);
	mmr_map_init(&c.rels, a);
	mmr_map_init(&c.srcs, a);
	mmr_map_init(&c.done, a);
	json_t *tree = mmr_json_obj(doc, "product_tree");
	r = csaf_branches(a, &c, json_object_get(tree, "branches"), 0);
	size_t i;
	json_t *x;
	json_array_foreach(mmr_json_arr(tree, "relationships"), i, x)
	{
		if (r < 0)
			break;
		const char *pid = mmr_json_str(mmr_json_obj(x, "full_product_name"), "product_id");
		const char *comp = mmr_json_str(x, "product_reference");
		const char *stream = mmr_json_str(x, "relates_to_product_reference");
		if (!pid || !comp || !stream)
			continue;
		struct rh_rel *rel = mmr_arena_alloc(a, sizeof(*rel));
		const char *k = mmr_arena_strdup(a, pid);
		if (!rel || !k || !(rel->comp = mmr_arena_strdup(a, comp)) ||
		    !(rel->stream = mmr_arena_strdup(a, stream))) {
			r = -ENOMEM;
			break;
		}
		r = mmr_map_put(&c.rels, k, rel);
	}
	json_array_foreach(vulns, i, x)
	{
		if (r < 0)
			break;
		r = csaf_vuln(a, s, path, &c, doc_id, doc_sev, x);
	}
	json_decref(doc);
	return r < 0 ? r : 0;
}

const struct mmr_vulndb_feed mmr_vulndb_feed_redhat_csaf = {
	.name = "redhat-csaf",
	.description = "Red Hat CSAF advisories and VEX (security.access.redhat.com/data/csaf/v2)",
	.detect = csaf_detect,
	.parse = csaf_parse,
};

/* ---- Security Data API ---- */

static bool secdata_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	int fb = mmr_vulndb_first_byte(head, len);
	return (fb == '{' || fb == '[') && (mmr_vulndb_head_has(head, len, "\"threat_severity\"") ||
					    mmr_vulndb_head_has(head, len, "\"affected_release\"") ||
					    mmr_vulndb_head_has(head, len, "\"package_state\""));
}

static bool fix_state(const char *fs, enum mmr_vuln_status *ret)
{
	static const struct {
		const char *s;
		enum mmr_vuln_status st;
	} m[] = {
		{ "Affected", MMR_VULN_UNFIXED },
		{ "Fix deferred", MMR_VULN_UNFIXED },
		{ "Will not fix", MMR_VULN_WONTFIX },
		{ "Out of support scope", MMR_VULN_WONTFIX },
		{ "Not affected", MMR_VULN_NOT_AFFECTED },
		{ "Under investigation", MMR_VULN_UNDER_INVESTIGATION },
		{ "New", MMR_VULN_UNDER_INVESTIGATION },
	};
	for (size_t i = 0; fs && i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(fs, m[i].s) == 0) {
			*ret = m[i].st;
			return true;
		}
	return false;
}

/* Split a string of URLs separated by whitespace into the vec. */
static int split_refs(struct mmr_arena *a, struct mmr_vec *refs, const char *s)
{
	struct mmr_str rest = mmr_str_from(s);
	while (rest.len && refs->n < RH_MAX_REFS) {
		size_t i = 0;
		while (i < rest.len && (rest.p[i] == ' ' || rest.p[i] == '\n' || rest.p[i] == '\r' ||
					rest.p[i] == '\t'))
			i++;
		size_t b = i;
		while (i < rest.len && rest.p[i] != ' ' && rest.p[i] != '\n' && rest.p[i] != '\r' &&
		       rest.p[i] != '\t')
			i++;
		if (i > b && i - b <= MMR_VULNDB_MAX_ID) {
			char *u = mmr_arena_strndup(a, rest.p + b, i - b);
			if (!u || mmr_vec_push(a, refs, u) < 0)
				return -ENOMEM;
		}
		rest.p += i;
		rest.len -= i;
	}
	return 0;
}

static int secdata_one(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		       unsigned long line, json_t *doc)
{
	const char *name = mmr_json_str(doc, "name");
	if (!name || !mmr_vulndb_id_ok(name) || strchr(name, ' ')) {
		mmr_vulndb_reject(s, path, line, "Security Data API record without a usable name");
		return 0;
	}
	json_t *ar = json_object_get(doc, "affected_release");
	json_t *ps = json_object_get(doc, "package_state");
	if ((ar && !json_is_array(ar) && !json_is_null(ar)) ||
	    (ps && !json_is_array(ps) && !json_is_null(ps))) {
		mmr_vulndb_reject(s, path, line, "%.64s: affected_release/package_state not lists",
				  name);
		return 0;
	}
	const char *id = mmr_arena_strdup(a, name);
	const char *sev = mmr_arena_strdup(a, mmr_json_str(doc, "threat_severity"));
	if (sev && strlen(sev) > 64)
		sev = NULL;
	struct mmr_vuln v = { .id = id, .source = "redhat", .severity = sev, .cvss3_score = -1,
			      .cvss4_score = -1 };
	v.published = mmr_arena_strdup(a, mmr_json_str(doc, "public_date"));
	v.title = mmr_vulndb_text(a, mmr_json_str(mmr_json_obj(doc, "bugzilla"), "description"), 4096);
	json_t *det = json_object_get(doc, "details");
	if (json_is_array(det) && json_is_string(json_array_get(det, 0)))
		v.description = mmr_vulndb_text(a, json_string_value(json_array_get(det, 0)),
						MMR_VULNDB_MAX_TEXT);
	else if (json_is_string(det))
		v.description = mmr_vulndb_text(a, json_string_value(det), MMR_VULNDB_MAX_TEXT);
	json_t *c3 = mmr_json_obj(doc, "cvss3");
	const char *vec = mmr_json_str(c3, "cvss3_scoring_vector");
	if (vec && mmr_vulndb_id_ok(vec)) {
		v.cvss3_vector = mmr_arena_strdup(a, vec);
		const char *sc = mmr_json_str(c3, "cvss3_base_score");
		if (sc && *sc) {
			char *end;
			double d = strtod(sc, &end);
			if (*end == 0 && end != sc && d >= 0 && d <= 10)
				v.cvss3_score = d;
		}
	}
	const char *cwe = mmr_json_str(doc, "cwe");
	struct mmr_vec cwes = { 0 };
	for (const char *p = cwe; p && (p = strstr(p, "CWE-")) && cwes.n < 16;) {
		size_t n = 4;
		while (p[n] >= '0' && p[n] <= '9' && n < 16)
			n++;
		if (n > 4) {
			char *cw = mmr_arena_strndup(a, p, n);
			if (!cw || mmr_vec_push(a, &cwes, cw) < 0)
				return -ENOMEM;
		}
		p += n;
	}
	v.cwes = (const char *const *)cwes.v;
	v.n_cwes = cwes.n;
	struct mmr_vec refs = { 0 };
	size_t i;
	json_t *x;
	json_array_foreach(mmr_json_arr(doc, "references"), i, x)
		if (json_is_string(x) && split_refs(a, &refs, json_string_value(x)) < 0)
			return -ENOMEM;
	const char *bz = mmr_json_str(mmr_json_obj(doc, "bugzilla"), "url");
	if (bz && mmr_vulndb_id_ok(bz) && refs.n < RH_MAX_REFS) {
		char *u = mmr_arena_strdup(a, bz);
		if (!u || mmr_vec_push(a, &refs, u) < 0)
			return -ENOMEM;
	}
	v.references = (const char *const *)refs.v;
	v.n_references = refs.n;

	struct rh_agg g = { 0 };
	struct mmr_map adv;
	struct mmr_vec aliases = { 0 };
	mmr_map_init(&g.m, a);
	mmr_map_init(&adv, a);
	int r;
	json_array_foreach(ar, i, x)
	{
		if (i >= MMR_VULNDB_MAX_LIST)
			break;
		const char *eco = rh_eco(a, mmr_json_str(x, "cpe"));
		const char *pkg = mmr_json_str(x, "package");
		const char *pn, *pv;
		const char *advisory = mmr_json_str(x, "advisory");
		if (advisory && mmr_vulndb_id_ok(advisory) && !mmr_map_has(&adv, advisory) &&
		    aliases.n < RH_MAX_ALIASES) {
			char *al = mmr_arena_strdup(a, advisory);
			if (!al || mmr_map_put(&adv, al, al) < 0 || mmr_vec_push(a, &aliases, al) < 0)
				return -ENOMEM;
		}
		if (!eco || !pkg || !parse_nevr(a, pkg, &pn, &pv))
			continue; /* other products, modules, containers */
		if ((r = agg_add(a, &g, eco, pn, pv, MMR_VULN_FIXED)) < 0)
			return r;
	}
	json_array_foreach(ps, i, x)
	{
		if (i >= MMR_VULNDB_MAX_LIST)
			break;
		const char *eco = rh_eco(a, mmr_json_str(x, "cpe"));
		const char *pn = mmr_json_str(x, "package_name");
		enum mmr_vuln_status st;
		if (!eco || !pn || !name_ok(pn, strlen(pn)))
			continue;
		if (!fix_state(mmr_json_str(x, "fix_state"), &st))
			continue; /* unknown states say nothing we can match on */
		if ((r = agg_add(a, &g, eco, mmr_arena_strdup(a, pn), NULL, st)) < 0)
			return r;
	}
	v.aliases = (const char *const *)aliases.v;
	v.n_aliases = aliases.n;
	if (!id)
		return -ENOMEM;
	if ((r = emit_vuln(s, &v)) < 0)
		return r;
	r = agg_emit(s, &g, id, sev);
	if (r >= 0)
		s->accepted++;
	return r;
}

static int secdata_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			 const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r = mmr_json_parse(data, len, path, &doc, reterr);
	if (r < 0)
		return r;
	if (json_is_object(doc)) {
		r = secdata_one(a, s, path, 0, doc);
	} else if (json_is_array(doc)) {
		size_t i;
		json_t *x;
		json_array_foreach(doc, i, x)
		{
			if (!json_is_object(x)) {
				mmr_vulndb_reject(s, path, 0, "element %zu is not an object", i);
				continue;
			}
			if ((r = secdata_one(a, s, path, 0, x)) < 0)
				break;
		}
	} else {
		r = mmr_error_set(reterr, EBADMSG, path, 0, 0, "not a Security Data API document");
	}
	json_decref(doc);
	return r < 0 ? r : 0;
}

const struct mmr_vulndb_feed mmr_vulndb_feed_redhat_secdata = {
	.name = "redhat-secdata",
	.description = "Red Hat Security Data API CVE JSON (access.redhat.com/hydra/rest/securitydata)",
	.detect = secdata_detect,
	.parse = secdata_parse,
};
