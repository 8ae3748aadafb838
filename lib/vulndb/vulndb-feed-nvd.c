/* vulndb-feed-nvd.c - NVD CVE API 2.0 JSON: a response page
 * ({"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{...}}]}),
 * one {"cve":{...}} item, or JSONL of either.
 *
 * Per CVE: the English description, published/lastModified, CVSS v4.0 and
 * v3.1 (else v3.0) metrics from the NVD's own (Primary) entry when there is
 * one, else the first: vector, base score and severity; CWE ids from
 * weaknesses; references (deduplicated). Configurations: every vulnerable
 * CPE match of part a (application) or o (operating system) becomes an
 * affected record with ecosystem "cpe", package "vendor:product" (CPE
 * escapes removed), scheme "semver":
 *   versionStartIncluding/EndExcluding/EndIncluding -> one range
 *   (introduced / fixed / last_affected); versionStartExcluding, which a
 *   range cannot say, -> expr "> S, < E" (the semver comparator list);
 *   a concrete version in the CPE -> versions [v] ("v-update" when the
 *   CPE names an update, as in 9.8:p7); "*" alone -> all versions.
 * The matcher uses these only for packages with no ecosystem.
 * Rejected CVEs keep their record but no affected entries. The retired NVD
 * 1.1 feed format is refused with -EPROTO. */
#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <string.h>

static bool cve_id_ok(const char *s)
{
	if (!s || strncmp(s, "CVE-", 4) != 0)
		return false;
	size_t i = 4, d = 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (d != 4 || s[i] != '-')
		return false;
	i++;
	d = 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	return d >= 4 && d <= 19 && s[i] == 0;
}

/* The metric entry of one metrics array: the Primary one, else the first. */
static json_t *metric(json_t *metrics, const char *key)
{
	json_t *arr = mmr_json_arr(metrics, key);
	json_t *first = NULL;
	size_t i;
	json_t *m;
	json_array_foreach(arr, i, m)
	{
		if (!json_is_object(mmr_json_obj(m, "cvssData")))
			continue;
		if (!first)
			first = m;
		const char *t = mmr_json_str(m, "type");
		if (t && strcmp(t, "Primary") == 0)
			return m;
	}
	return first;
}

static void metric_take(struct mmr_arena *a, json_t *m, const char **ret_vec, double *ret_score,
			const char **ret_sev)
{
	json_t *d = mmr_json_obj(m, "cvssData");
	const char *vec = mmr_json_str(d, "vectorString");
	json_t *sc = json_object_get(d, "baseScore");
	const char *sev = mmr_json_str(d, "baseSeverity");
	if (!sev)
		sev = mmr_json_str(m, "baseSeverity"); /* v2 keeps it outside */
	if (vec && mmr_vulndb_id_ok(vec) && strlen(vec) <= 256)
		*ret_vec = mmr_arena_strdup(a, vec);
	if (json_is_number(sc) && json_number_value(sc) >= 0 && json_number_value(sc) <= 10)
		*ret_score = json_number_value(sc);
	if (ret_sev && !*ret_sev && sev && mmr_vulndb_id_ok(sev) && strlen(sev) <= 32)
		*ret_sev = mmr_arena_strdup(a, sev);
}

/* Splits a CPE 2.3 formatted string at unescaped ':' into at most 13
 * fields, unescaping "\x" to "x". Returns the number of fields. */
static size_t cpe_split(struct mmr_arena *a, const char *cpe, char **f, size_t max)
{
	size_t n = 0, len = strlen(cpe);
	char *buf = mmr_arena_alloc(a, len + 1);
	if (!buf)
		return 0;
	size_t k = 0;
	f[n++] = buf;
	for (size_t i = 0; i < len; i++) {
		if (cpe[i] == '\\' && i + 1 < len) {
			buf[k++] = cpe[++i];
			continue;
		}
		if (cpe[i] == ':') {
			buf[k++] = 0;
			if (n == max)
				return n;
			f[n++] = buf + k;
			continue;
		}
		buf[k++] = cpe[i];
	}
	buf[k] = 0;
	return n;
}

static bool any(const char *s)
{
	return !s || !*s || strcmp(s, "*") == 0;
}

struct nvd_aff {
	struct mmr_vuln_affected *v;
	size_t n, cap;
};

static int add_aff(struct mmr_arena *a, struct nvd_aff *l, const struct mmr_vuln_affected *x)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		void *p = mmr_arena_realloc(a, l->v, l->cap * sizeof(*l->v), nc * sizeof(*l->v));
		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = nc;
	}
	l->v[l->n++] = *x;
	return 0;
}

/* One cpeMatch entry. -EBADMSG with *why for a malformed one. */
static int cpe_match(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *id, json_t *m,
		     struct nvd_aff *out, const char **why)
{
	if (!json_is_object(m)) {
		*why = "cpeMatch entry is not an object";
		return -EBADMSG;
	}
	if (mmr_json_bool(m, "vulnerable") != 1)
		return 0;
	const char *crit = mmr_json_str(m, "criteria");
	if (!mmr_vulndb_id_ok(crit) || !mmr_cstr_starts(crit, "cpe:2.3:")) {
		*why = "cpeMatch without a CPE 2.3 criteria";
		return -EBADMSG;
	}
	static const char *const vk[] = { "versionStartIncluding", "versionStartExcluding",
					   "versionEndIncluding", "versionEndExcluding" };
	const char *vb[4];
	for (size_t i = 0; i < 4; i++) {
		json_t *j = json_object_get(m, vk[i]);
		vb[i] = json_string_value(j);
		if (j && (!vb[i] || !mmr_vulndb_id_ok(vb[i]) || strlen(vb[i]) > 128)) {
			*why = "malformed version bound";
			return -EBADMSG;
		}
	}
	char *f[13];
	size_t nf = cpe_split(a, crit, f, 13);
	if (nf < 6 || !*f[3] || !*f[4] || strcmp(f[3], "*") == 0 || strcmp(f[4], "*") == 0) {
		*why = "CPE without vendor and product";
		return -EBADMSG;
	}
	if (strcmp(f[2], "a") != 0 && strcmp(f[2], "o") != 0)
		return 0; /* hardware */
	struct mmr_vuln_affected x = {
		.vuln_id = id,
		.source = "nvd",
		.ecosystem = "cpe",
		.package = mmr_arena_printf(a, "%s:%s", f[3], f[4]),
		.scheme = "semver",
		.status = MMR_VULN_AFFECTED,
	};
	if (!x.package)
		return -ENOMEM;
	const char *ver = f[5];
	bool ranged = vb[0] || vb[1] || vb[2] || vb[3];
	if (!ranged && strcmp(ver, "-") == 0) {
		s->skipped++; /* "not applicable": no version to compare */
		return 0;
	}
	if (!ranged && !any(ver)) {
		const char **vl = mmr_arena_alloc(a, sizeof(*vl));
		/* a specific update ("9.8:p7") is part of the version */
		bool upd = nf > 6 && !any(f[6]) && strcmp(f[6], "-") != 0;
		if (!vl || !(vl[0] = upd ? mmr_arena_printf(a, "%s-%s", ver, f[6]) :
					   mmr_arena_strdup(a, ver)))
			return -ENOMEM;
		x.versions = vl;
		x.n_versions = 1;
		return add_aff(a, out, &x);
	}
	if (vb[1]) {
		x.expr = mmr_arena_printf(a, "> %s%s%s%s", vb[1], vb[2] || vb[3] ? ", " : "",
					  vb[2] ? "<= " : vb[3] ? "< " : "",
					  vb[2] ? vb[2] : vb[3] ? vb[3] : "");
		if (!x.expr)
			return -ENOMEM;
		return add_aff(a, out, &x);
	}
	struct mmr_vuln_range *rg = mmr_arena_alloc(a, sizeof(*rg));
	if (!rg)
		return -ENOMEM;
	rg->introduced = vb[0] ? mmr_arena_strdup(a, vb[0]) : "0";
	rg->fixed = vb[3] ? mmr_arena_strdup(a, vb[3]) : NULL;
	rg->last_affected = vb[2] && !vb[3] ? mmr_arena_strdup(a, vb[2]) : NULL;
	x.ranges = rg;
	x.n_ranges = 1;
	return add_aff(a, out, &x);
}

static int nvd_cve(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		   unsigned long line, json_t *cve)
{
	const char *id = mmr_json_str(cve, "id");
	if (!json_is_object(cve) || !cve_id_ok(id)) {
		mmr_vulndb_reject(s, path, line, "CVE item without a valid \"id\"");
		return 0;
	}
	static const char *const arrs[] = { "descriptions", "references", "weaknesses",
					    "configurations" };
	for (size_t i = 0; i < sizeof(arrs) / sizeof(arrs[0]); i++) {
		json_t *x = json_object_get(cve, arrs[i]);
		if (x && !json_is_array(x)) {
			mmr_vulndb_reject(s, path, line, "%s: \"%s\" is not an array", id, arrs[i]);
			return 0;
		}
	}
	json_t *metrics = json_object_get(cve, "metrics");
	if (metrics && !json_is_object(metrics)) {
		mmr_vulndb_reject(s, path, line, "%s: \"metrics\" is not an object", id);
		return 0;
	}
	struct mmr_vuln v = { 0 };
	v.id = mmr_arena_strdup(a, id);
	v.source = "nvd";
	v.cvss3_score = v.cvss4_score = -1;
	v.published = mmr_vulndb_text(a, mmr_json_str(cve, "published"), 64);
	v.modified = mmr_vulndb_text(a, mmr_json_str(cve, "lastModified"), 64);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(cve, "descriptions"), i, e)
	{
		const char *lang = mmr_json_str(e, "lang");
		const char *val = mmr_json_str(e, "value");
		if (lang && val && strcmp(lang, "en") == 0) {
			v.description = mmr_vulndb_text(a, val, MMR_VULNDB_MAX_TEXT);
			break;
		}
	}
	json_t *m;
	if ((m = metric(metrics, "cvssMetricV31")) || (m = metric(metrics, "cvssMetricV30")))
		metric_take(a, m, &v.cvss3_vector, &v.cvss3_score, &v.severity);
	if ((m = metric(metrics, "cvssMetricV40")))
		metric_take(a, m, &v.cvss4_vector, &v.cvss4_score, &v.severity);
	if (!v.severity && (m = metric(metrics, "cvssMetricV2"))) {
		const char *dummy = NULL;
		double ds = -1;
		metric_take(a, m, &dummy, &ds, &v.severity);
	}
	/* CWEs, deduplicated */
	json_t *ws = json_object_get(cve, "weaknesses");
	size_t ncap = 0;
	json_array_foreach(ws, i, e) ncap += json_array_size(mmr_json_arr(e, "description"));
	if (ncap > MMR_VULNDB_MAX_LIST)
		ncap = MMR_VULNDB_MAX_LIST;
	const char **cw = ncap ? mmr_arena_calloc(a, ncap, sizeof(*cw)) : NULL;
	json_array_foreach(ws, i, e)
	{
		size_t j;
		json_t *d;
		json_array_foreach(mmr_json_arr(e, "description"), j, d)
		{
			const char *c = mmr_json_str(d, "value");
			if (!cw || !c || !mmr_cstr_starts(c, "CWE-") || !mmr_vulndb_id_ok(c) ||
			    v.n_cwes >= ncap)
				continue;
			bool dup = false;
			for (size_t k = 0; k < v.n_cwes && k < 256 && !dup; k++)
				dup = strcmp(cw[k], c) == 0;
			if (!dup)
				cw[v.n_cwes++] = mmr_arena_strdup(a, c);
		}
	}
	v.cwes = cw;
	/* references, deduplicated */
	json_t *refs = json_object_get(cve, "references");
	size_t nr = json_array_size(refs);
	if (nr > MMR_VULNDB_MAX_LIST)
		nr = MMR_VULNDB_MAX_LIST;
	const char **rl = nr ? mmr_arena_calloc(a, nr, sizeof(*rl)) : NULL;
	for (i = 0; rl && i < nr; i++) {
		const char *u = mmr_json_str(json_array_get(refs, i), "url");
		if (!mmr_vulndb_id_ok(u))
			continue;
		bool dup = false;
		for (size_t k = 0; k < v.n_references && k < 256 && !dup; k++)
			dup = strcmp(rl[k], u) == 0;
		if (!dup)
			rl[v.n_references++] = mmr_arena_strdup(a, u);
	}
	v.references = rl;
	if (!v.id)
		return -ENOMEM;
	/* configurations -> CPE affected records */
	struct nvd_aff out = { 0 };
	const char *st = mmr_json_str(cve, "vulnStatus");
	bool rejected = st && strcmp(st, "Rejected") == 0;
	size_t total = 0;
	json_array_foreach(json_object_get(cve, "configurations"), i, e)
	{
		size_t j;
		json_t *node;
		json_t *nodes = json_object_get(e, "nodes");
		if (!json_is_object(e) || (nodes && !json_is_array(nodes))) {
			mmr_vulndb_reject(s, path, line, "%s: malformed configuration", id);
			return 0;
		}
		json_array_foreach(nodes, j, node)
		{
			json_t *cm = json_object_get(node, "cpeMatch");
			if (!json_is_object(node) || (cm && !json_is_array(cm))) {
				mmr_vulndb_reject(s, path, line, "%s: malformed configuration node",
						  id);
				return 0;
			}
			size_t k;
			json_t *x;
			json_array_foreach(cm, k, x)
			{
				const char *why = NULL;
				if (++total > MMR_VULNDB_MAX_LIST) {
					mmr_vulndb_reject(s, path, line, "%s: too many CPE matches", id);
					return 0;
				}
				int r = cpe_match(a, s, v.id, x, &out, &why);
				if (r == -EBADMSG) {
					mmr_vulndb_reject(s, path, line, "%s: %s", id, why);
					return 0;
				}
				if (r < 0)
					return r;
			}
		}
	}
	int r;
	if (s->vuln && (r = s->vuln(s->ud, &v)) < 0)
		return r;
	s->accepted++;
	for (i = 0; !rejected && i < out.n; i++)
		if (s->affected && (r = s->affected(s->ud, &out.v[i])) < 0)
			return r;
	return 0;
}

static int nvd_doc(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		   unsigned long line, json_t *doc)
{
	if (!json_is_object(doc)) {
		mmr_vulndb_reject(s, path, line, "not a JSON object");
		return 0;
	}
	json_t *cve = json_object_get(doc, "cve");
	if (cve)
		return nvd_cve(a, s, path, line, cve);
	json_t *vulns = json_object_get(doc, "vulnerabilities");
	if (!json_is_array(vulns)) {
		mmr_vulndb_reject(s, path, line, "neither a CVE API 2.0 page nor a CVE item");
		return 0;
	}
	size_t i;
	json_t *e;
	json_array_foreach(vulns, i, e)
	{
		int r = nvd_cve(a, s, path, line, json_object_get(e, "cve"));
		if (r < 0)
			return r;
	}
	return 0;
}

static int nvd_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		     const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	size_t hl = len < 4096 ? len : 4096;
	if (mmr_vulndb_head_has(data, hl, "\"CVE_Items\""))
		return mmr_error_set(reterr, EPROTO, path, 0, 0,
				     "NVD 1.1 JSON feeds are retired: use CVE API 2.0 pages");
	return mmr_vulndb_each_json(a, s, path, data, len, nvd_doc, reterr);
}

static bool nvd_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	if (mmr_vulndb_first_byte(head, len) != '{')
		return false;
	if (mmr_vulndb_head_has(head, len, "\"NVD_CVE\""))
		return true;
	return mmr_vulndb_head_has(head, len, "\"cve\"") &&
	       mmr_vulndb_head_has(head, len, "\"sourceIdentifier\"");
}

const struct mmr_vulndb_feed mmr_vulndb_feed_nvd = {
	.name = "nvd",
	.description = "NVD CVE API 2.0 JSON (CVSS, CWE, CPE configurations)",
	.detect = nvd_detect,
	.parse = nvd_parse,
};
