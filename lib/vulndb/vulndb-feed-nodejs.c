/* vulndb-feed-nodejs.c - the nodejs/security-wg advisories in their native
 * JSON (vuln/npm/<n>.json and vuln/core/<n>.json), one file per advisory
 * or one advisory per line (JSONL).
 *
 * npm advisories ("module_name", "vulnerable_versions", ...): id
 * NSWG-ECO-<id>, ecosystem "npm", the vulnerable_versions npm range as
 * expr in the "npm" scheme, cves as aliases, the CVSS vector and score as
 * given, overview (+ recommendation) as description.
 *
 * core advisories ("vulnerable", "patched", "cve", no module): the Node.js
 * runtime, ecosystem "node", package "node", the "vulnerable" npm range as
 * expr (scheme "npm": the range uses npm's grammar, "8.x || ^7.10.1").
 * Their id is NSWG-CORE-<n> from the file name; on a JSONL line (no file
 * name) it is NSWG-CORE-x<FNV-1a of the record as canonical JSON>, stable
 * across imports (two identical records are the same advisory). */
#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-hash.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_MAX 4096

/* "path/123.json" -> 123; 0 when the base name is not a number. */
static unsigned long path_number(const char *path)
{
	const char *b = mmr_path_base(path ? path : "");
	const char *dot = strchr(b, '.');
	size_t n = dot ? (size_t)(dot - b) : strlen(b);
	uint64_t v;
	if (!n || n > 12 || !mmr_parse_u64(b, n, &v))
		return 0;
	return (unsigned long)v;
}

/* Fields that must be strings (or null) when present. */
static const char *bad_type(json_t *rec, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_object_get(rec, keys[i]);
		if (f && !json_is_string(f) && !json_is_null(f))
			return keys[i];
	}
	return NULL;
}

static const char *trimmed(struct mmr_arena *a, const char *s)
{
	return mmr_str_dup(a, mmr_str_trim(mmr_str_from(s)));
}

static int emit(struct mmr_vulndb_sink *s, const struct mmr_vuln *v,
		const struct mmr_vuln_affected *x)
{
	int r;
	if (s->vuln && (r = s->vuln(s->ud, v)) < 0)
		return r;
	s->accepted++;
	if (s->affected && (r = s->affected(s->ud, x)) < 0)
		return r;
	return 0;
}

static int refs(struct mmr_arena *a, json_t *list, const char *first, struct mmr_vuln *v)
{
	const char *const *l;
	size_t n;
	int r = mmr_vulndb_strlist(a, list, &l, &n);
	if (r < 0)
		return r;
	const char **o = mmr_arena_calloc(a, n + 1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	size_t k = 0;
	if (mmr_vulndb_id_ok(first))
		o[k++] = mmr_arena_strdup(a, first);
	for (size_t i = 0; i < n; i++)
		o[k++] = l[i];
	v->references = k ? o : NULL;
	v->n_references = k;
	return 0;
}

static int cvss(struct mmr_arena *a, json_t *rec, const char *vkey, const char *skey,
		struct mmr_vuln *v)
{
	const char *vec = mmr_json_str(rec, vkey);
	json_t *sc = json_object_get(rec, skey);
	v->cvss3_score = v->cvss4_score = -1;
	double score = json_is_number(sc) ? json_number_value(sc) : -1;
	if (!(score >= 0 && score <= 10))
		score = -1;
	if (vec && mmr_vulndb_id_ok(vec) && strlen(vec) <= 256) {
		if (mmr_cstr_starts(vec, "CVSS:3")) {
			v->cvss3_vector = mmr_arena_strdup(a, vec);
			v->cvss3_score = score;
		} else if (mmr_cstr_starts(vec, "CVSS:4")) {
			v->cvss4_vector = mmr_arena_strdup(a, vec);
			v->cvss4_score = score;
		}
	} else if (score >= 0) {
		v->cvss3_score = score;
	}
	return 0;
}

static int npm_advisory(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			unsigned long line, json_t *rec)
{
	json_t *jid = json_object_get(rec, "id");
	const char *mod = mmr_json_str(rec, "module_name");
	const char *vuln = mmr_json_str(rec, "vulnerable_versions");
	if (!json_is_integer(jid) || json_integer_value(jid) < 0) {
		mmr_vulndb_reject(s, path, line, "npm advisory without a numeric \"id\"");
		return 0;
	}
	long long n = (long long)json_integer_value(jid);
	static const char *const sk[] = { "title", "overview", "recommendation", "created_at",
					   "updated_at", "publish_date", "cvss_vector",
					   "patched_versions" };
	const char *bad = bad_type(rec, sk, sizeof(sk) / sizeof(sk[0]));
	json_t *cves = json_object_get(rec, "cves");
	json_t *rl = json_object_get(rec, "references");
	json_t *sc = json_object_get(rec, "cvss_score");
	if (bad || (cves && !json_is_array(cves)) || (rl && !json_is_array(rl) && !json_is_null(rl)) ||
	    (sc && !json_is_number(sc) && !json_is_null(sc))) {
		mmr_vulndb_reject(s, path, line, "NSWG-ECO-%lld: \"%s\" has the wrong type", n,
				  bad ? bad : cves && !json_is_array(cves) ? "cves" :
					      sc && !json_is_number(sc) && !json_is_null(sc) ?
								     "cvss_score" :
								     "references");
		return 0;
	}
	if (!mmr_vulndb_id_ok(mod) || strlen(mod) > 214 + 64) {
		mmr_vulndb_reject(s, path, line, "NSWG-ECO-%lld: no usable module_name", n);
		return 0;
	}
	if (!mmr_vulndb_id_ok(vuln) || !mmr_str_trim(mmr_str_from(vuln)).len) {
		mmr_vulndb_reject(s, path, line, "NSWG-ECO-%lld: no usable vulnerable_versions", n);
		return 0;
	}
	struct mmr_vuln v = { 0 };
	v.id = mmr_arena_printf(a, "NSWG-ECO-%lld", n);
	v.source = "nodejs";
	v.title = mmr_vulndb_text(a, mmr_json_str(rec, "title"), TITLE_MAX);
	const char *ov = mmr_json_str(rec, "overview"), *rec_ = mmr_json_str(rec, "recommendation");
	if (ov && rec_ && *rec_)
		v.description = mmr_vulndb_text(
			a, mmr_arena_printf(a, "%.*s\n\nRecommendation: %.*s", 65536, ov, 4096, rec_),
			MMR_VULNDB_MAX_TEXT);
	else
		v.description = mmr_vulndb_text(a, ov, MMR_VULNDB_MAX_TEXT);
	const char *pub = mmr_json_str(rec, "publish_date");
	v.published = mmr_vulndb_text(a, pub ? pub : mmr_json_str(rec, "created_at"), 64);
	v.modified = mmr_vulndb_text(a, mmr_json_str(rec, "updated_at"), 64);
	int r;
	if ((r = mmr_vulndb_strlist(a, cves, &v.aliases, &v.n_aliases)) < 0 ||
	    (r = refs(a, rl, NULL, &v)) < 0 ||
	    (r = cvss(a, rec, "cvss_vector", "cvss_score", &v)) < 0)
		return r;
	struct mmr_vuln_affected x = {
		.vuln_id = v.id,
		.source = "nodejs",
		.ecosystem = "npm",
		.package = mmr_arena_strdup(a, mod),
		.scheme = "npm",
		.expr = trimmed(a, vuln),
		.status = MMR_VULN_AFFECTED,
	};
	if (!v.id || !x.package || !x.expr)
		return -ENOMEM;
	return emit(s, &v, &x);
}

static int core_advisory(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			 unsigned long line, json_t *rec)
{
	static const char *const sk[] = { "vulnerable", "patched", "description", "overview",
					   "ref", "severity", "publish_date", "cvss" };
	const char *bad = bad_type(rec, sk, sizeof(sk) / sizeof(sk[0]));
	json_t *cves = json_object_get(rec, "cve");
	if (bad || (cves && !json_is_array(cves))) {
		mmr_vulndb_reject(s, path, line, "core advisory: \"%s\" has the wrong type",
				  bad ? bad : "cve");
		return 0;
	}
	const char *vuln = mmr_json_str(rec, "vulnerable");
	if (!mmr_vulndb_id_ok(vuln) || !mmr_str_trim(mmr_str_from(vuln)).len) {
		mmr_vulndb_reject(s, path, line, "core advisory without a usable \"vulnerable\" range");
		return 0;
	}
	struct mmr_vuln v = { 0 };
	unsigned long num = path_number(path);
	const char *ov = mmr_json_str(rec, "overview"), *desc = mmr_json_str(rec, "description");
	if (num) {
		v.id = mmr_arena_printf(a, "NSWG-CORE-%lu", num);
	} else {
		/* the record itself, canonical: identical duplicates share an id */
		char *key = json_dumps(rec, JSON_SORT_KEYS | JSON_COMPACT);
		if (!key)
			return -ENOMEM;
		v.id = mmr_arena_printf(a, "NSWG-CORE-x%016llx",
					(unsigned long long)mmr_hash64(key, strlen(key)));
		free(key);
	}
	v.source = "nodejs";
	v.title = mmr_vulndb_text(a, desc, TITLE_MAX);
	v.description = mmr_vulndb_text(a, ov && *ov ? ov : desc, MMR_VULNDB_MAX_TEXT);
	v.published = mmr_vulndb_text(a, mmr_json_str(rec, "publish_date"), 64);
	const char *sev = mmr_json_str(rec, "severity");
	if (sev && mmr_vulndb_id_ok(sev) && strlen(sev) <= 64)
		v.severity = mmr_arena_strdup(a, sev);
	int r;
	if ((r = mmr_vulndb_strlist(a, cves, &v.aliases, &v.n_aliases)) < 0 ||
	    (r = refs(a, NULL, mmr_json_str(rec, "ref"), &v)) < 0 ||
	    (r = cvss(a, rec, "cvss", "cvss_score", &v)) < 0)
		return r;
	struct mmr_vuln_affected x = {
		.vuln_id = v.id,
		.source = "nodejs",
		.ecosystem = "node",
		.package = "node",
		.scheme = "npm",
		.expr = trimmed(a, vuln),
		.status = MMR_VULN_AFFECTED,
		.severity = v.severity,
	};
	if (!v.id || !x.expr)
		return -ENOMEM;
	return emit(s, &v, &x);
}

static int nodejs_record(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			 unsigned long line, json_t *rec)
{
	if (!json_is_object(rec)) {
		mmr_vulndb_reject(s, path, line, "record is not a JSON object");
		return 0;
	}
	if (json_object_get(rec, "module_name") || json_object_get(rec, "vulnerable_versions"))
		return npm_advisory(a, s, path, line, rec);
	if (json_object_get(rec, "vulnerable"))
		return core_advisory(a, s, path, line, rec);
	mmr_vulndb_reject(s, path, line, "neither an npm nor a core advisory");
	return 0;
}

static int nodejs_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	return mmr_vulndb_each_json(a, s, path, data, len, nodejs_record, reterr);
}

static bool nodejs_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	if (mmr_vulndb_first_byte(head, len) != '{')
		return false;
	if (mmr_vulndb_head_has(head, len, "\"module_name\"") &&
	    mmr_vulndb_head_has(head, len, "\"vulnerable_versions\""))
		return true;
	return mmr_vulndb_head_has(head, len, "\"vulnerable\"") &&
	       mmr_vulndb_head_has(head, len, "\"patched\"") &&
	       mmr_vulndb_head_has(head, len, "\"cve\"");
}

const struct mmr_vulndb_feed mmr_vulndb_feed_nodejs = {
	.name = "nodejs",
	.description = "nodejs/security-wg advisories (vuln/npm and vuln/core JSON, or JSONL)",
	.detect = nodejs_detect,
	.parse = nodejs_parse,
};
