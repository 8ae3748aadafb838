/* vulndb-feed-osv.c - OSV JSON (https://ossf.github.io/osv-schema/):
 * one record per file, a JSONL file of records, or a JSON array of them.
 *
 * Per record: id, aliases (+ upstream), summary/details, published/
 * modified, severity[] CVSS_V3/CVSS_V4 vectors (scores are left to the
 * CVSS module: -1), database_specific.severity / cwe_ids, the Ubuntu
 * priority, references; per affected package: the ecosystem mapped to our
 * key (mmr_vulndb_osv_ecosystem), the canonical package name, SEMVER and
 * ECOSYSTEM ranges turned into intervals, explicit versions. GIT ranges
 * are ignored; an entry left with nothing matchable counts as skipped.
 * Withdrawn records keep their advisory but no affected entries.
 * A record with a wrong type, an absurd range or only unknown ecosystems
 * is rejected as a whole (mmr_vulndb_reject). */
#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <string.h>

#define TITLE_MAX 4096

struct osv_rec {
	struct mmr_vuln v;
	struct mmr_vuln_affected *aff;
	size_t n_aff;
	bool unknown_eco;
	const char *unknown_name;
};

static int push_range(struct mmr_arena *a, struct mmr_vuln_range **rs, size_t *nr, size_t *cap,
		      const struct mmr_vuln_range *cur, const char **why)
{
	if (*nr >= MMR_VULNDB_MAX_LIST) {
		*why = "too many ranges";
		return -EBADMSG;
	}
	if (*nr == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		void *p = mmr_arena_realloc(a, *rs, *cap * sizeof(**rs), nc * sizeof(**rs));
		if (!p)
			return -ENOMEM;
		*rs = p;
		*cap = nc;
	}
	(*rs)[(*nr)++] = *cur;
	return 0;
}

/* introduced above its upper bound (or equal to a `fixed`)? Only when the
 * scheme can compare both; npm, Go and Cargo versions are SemVer. */
static bool range_inverted(const char *scheme, const char *lo, const char *hi, bool fixed)
{
	int c;
	int r = mmr_version_cmp(scheme, lo, hi, &c);
	if (r == -ENOTSUP && (strcmp(scheme, "npm") == 0 || strcmp(scheme, "go") == 0 ||
			      strcmp(scheme, "cargo") == 0))
		r = mmr_version_cmp("semver", lo, hi, &c);
	return r == 0 && (c > 0 || (c == 0 && fixed));
}

/* Appends the intervals of one OSV range object. Returns 0, -EBADMSG (why
 * set), or -ENOMEM. *ret_git is set when the range was a GIT one. */
static int osv_range(struct mmr_arena *a, const char *scheme, json_t *rg,
		     struct mmr_vuln_range **rs, size_t *nr, size_t *cap, bool *ret_git,
		     const char **why)
{
	const char *type = mmr_json_str(rg, "type");
	json_t *ev = json_object_get(rg, "events");
	if (!type || !json_is_array(ev)) {
		*why = "range without a type or an events array";
		return -EBADMSG;
	}
	if (strcmp(type, "GIT") == 0) {
		*ret_git = true;
		return 0;
	}
	if (strcmp(type, "SEMVER") != 0 && strcmp(type, "ECOSYSTEM") != 0) {
		*why = "unknown range type";
		return -EBADMSG;
	}
	if (json_array_size(ev) > MMR_VULNDB_MAX_LIST) {
		*why = "too many range events";
		return -EBADMSG;
	}
	struct mmr_vuln_range cur = { 0 };
	bool open = false;
	int r;
	size_t i;
	json_t *e;
	json_array_foreach(ev, i, e)
	{
		if (!json_is_object(e) || json_object_size(e) != 1) {
			*why = "range event is not an object with one key";
			return -EBADMSG;
		}
		const char *k = json_object_iter_key(json_object_iter(e));
		const char *val = json_string_value(json_object_get(e, k));
		if (!mmr_vulndb_id_ok(val)) {
			*why = "range event value is not a short string";
			return -EBADMSG;
		}
		if (strcmp(k, "limit") == 0)
			continue; /* only bounds GIT-style walks */
		bool intro = strcmp(k, "introduced") == 0;
		bool fixed = strcmp(k, "fixed") == 0;
		if (!intro && !fixed && strcmp(k, "last_affected") != 0) {
			*why = "unknown range event";
			return -EBADMSG;
		}
		const char *dup = mmr_arena_strdup(a, val);
		if (!dup)
			return -ENOMEM;
		if (intro) {
			/* a second introduced leaves the first interval open */
			if (open && (r = push_range(a, rs, nr, cap, &cur, why)) < 0)
				return r;
			cur = (struct mmr_vuln_range){ .introduced = dup };
			open = true;
			continue;
		}
		if (!open)
			cur = (struct mmr_vuln_range){ .introduced = "0" };
		if (fixed)
			cur.fixed = dup;
		else
			cur.last_affected = dup;
		if (strcmp(cur.introduced, "0") != 0 &&
		    range_inverted(scheme, cur.introduced, dup, fixed)) {
			*why = "absurd range: introduced is not below its upper bound";
			return -EBADMSG;
		}
		if ((r = push_range(a, rs, nr, cap, &cur, why)) < 0)
			return r;
		open = false;
	}
	if (open && (r = push_range(a, rs, nr, cap, &cur, why)) < 0)
		return r;
	return 0;
}

/* The severity string in obj.severity when it is a short string. */
static const char *sev_str(json_t *obj)
{
	const char *s = mmr_json_str(obj, "severity");
	return s && mmr_vulndb_id_ok(s) && strlen(s) <= 64 ? s : NULL;
}

/* One affected entry -> rec->aff[]; sets *why for a malformed entry. */
static int osv_affected(struct mmr_arena *a, struct mmr_vulndb_sink *s, struct osv_rec *rec,
			json_t *af, const char *dist_sev, size_t *cap, const char **why)
{
	if (!json_is_object(af)) {
		*why = "affected entry is not an object";
		return -EBADMSG;
	}
	json_t *pkg = json_object_get(af, "package");
	const char *eco_osv = mmr_json_str(pkg, "ecosystem");
	const char *name = mmr_json_str(pkg, "name");
	if (!json_is_object(pkg) || !mmr_vulndb_id_ok(eco_osv) || !mmr_vulndb_id_ok(name)) {
		*why = "affected entry without a package ecosystem and name";
		return -EBADMSG;
	}
	const char *eco, *scheme;
	if (!mmr_vulndb_osv_ecosystem(a, eco_osv, &eco, &scheme)) {
		rec->unknown_eco = true;
		if (!rec->unknown_name)
			rec->unknown_name = mmr_vulndb_text(a, eco_osv, 64);
		return 0;
	}
	json_t *ranges = json_object_get(af, "ranges");
	json_t *versions = json_object_get(af, "versions");
	if ((ranges && !json_is_array(ranges)) || (versions && !json_is_array(versions))) {
		*why = "ranges or versions is not an array";
		return -EBADMSG;
	}
	if (json_array_size(ranges) > MMR_VULNDB_MAX_LIST) {
		*why = "too many ranges";
		return -EBADMSG;
	}
	struct mmr_vuln_range *rs = NULL;
	size_t nr = 0, rcap = 0;
	bool git = false;
	size_t i;
	json_t *rg;
	json_array_foreach(ranges, i, rg)
	{
		if (!json_is_object(rg)) {
			*why = "range is not an object";
			return -EBADMSG;
		}
		int r = osv_range(a, scheme, rg, &rs, &nr, &rcap, &git, why);
		if (r < 0)
			return r;
	}
	struct mmr_vuln_affected x = { 0 };
	int r = mmr_vulndb_strlist(a, versions, &x.versions, &x.n_versions);
	if (r < 0)
		return r;
	if (!nr && !x.n_versions) {
		/* only GIT ranges (or nothing): nothing a package version matches */
		s->skipped++;
		return 0;
	}
	x.vuln_id = rec->v.id;
	x.source = "osv";
	x.ecosystem = eco;
	x.package = mmr_vulndb_pkg_name(a, eco, name);
	x.scheme = scheme;
	x.ranges = rs;
	x.n_ranges = nr;
	x.status = MMR_VULN_AFFECTED;
	x.severity = sev_str(mmr_json_obj(af, "ecosystem_specific"));
	if (!x.severity)
		x.severity = sev_str(mmr_json_obj(af, "database_specific"));
	if (!x.severity && strchr(eco, ':'))
		x.severity = dist_sev; /* a distribution's own priority */
	if (!x.package)
		return -ENOMEM;
	if (x.severity && !(x.severity = mmr_arena_strdup(a, x.severity)))
		return -ENOMEM;
	if (rec->n_aff == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		void *p = mmr_arena_realloc(a, rec->aff, *cap * sizeof(*rec->aff),
					    nc * sizeof(*rec->aff));
		if (!p)
			return -ENOMEM;
		rec->aff = p;
		*cap = nc;
	}
	rec->aff[rec->n_aff++] = x;
	return 0;
}

/* aliases + upstream, deduplicated, without the record's own id. */
static int osv_aliases(struct mmr_arena *a, json_t *rec, const char *id, struct mmr_vuln *v)
{
	const char *const *al, *const *up;
	size_t nal, nup;
	int r = mmr_vulndb_strlist(a, mmr_json_arr(rec, "aliases"), &al, &nal);
	if (r < 0)
		return r;
	r = mmr_vulndb_strlist(a, mmr_json_arr(rec, "upstream"), &up, &nup);
	if (r < 0)
		return r;
	if (nal + nup == 0)
		return 0;
	const char **out = mmr_arena_calloc(a, nal + nup, sizeof(*out));
	if (!out)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < nal + nup; i++) {
		const char *x = i < nal ? al[i] : up[i - nal];
		bool dup = strcmp(x, id) == 0;
		for (size_t j = 0; j < k && j < 256 && !dup; j++) /* bounded: no n^2 */
			dup = strcmp(out[j], x) == 0;
		if (!dup)
			out[k++] = x;
	}
	v->aliases = out;
	v->n_aliases = k;
	return 0;
}

static int osv_refs(struct mmr_arena *a, json_t *refs, struct mmr_vuln *v)
{
	if (!json_is_array(refs) || !json_array_size(refs))
		return 0;
	size_t n = json_array_size(refs);
	if (n > MMR_VULNDB_MAX_LIST)
		n = MMR_VULNDB_MAX_LIST;
	const char **out = mmr_arena_calloc(a, n, sizeof(*out));
	if (!out)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *u = mmr_json_str(json_array_get(refs, i), "url");
		if (!mmr_vulndb_id_ok(u))
			continue;
		if (!(out[k++] = mmr_arena_strdup(a, u)))
			return -ENOMEM;
	}
	v->references = k ? out : NULL;
	v->n_references = k;
	return 0;
}

static int osv_record(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		      unsigned long line, json_t *j)
{
	if (!json_is_object(j)) {
		mmr_vulndb_reject(s, path, line, "record is not a JSON object");
		return 0;
	}
	const char *id = mmr_json_str(j, "id");
	if (!mmr_vulndb_id_ok(id) || strlen(id) > 256) {
		mmr_vulndb_reject(s, path, line, "record without a usable \"id\"");
		return 0;
	}
	struct osv_rec rec = { 0 };
	struct mmr_vuln *v = &rec.v;
	const char *why = NULL;
	json_t *aff = json_object_get(j, "affected");
	json_t *sev = json_object_get(j, "severity");
	static const char *const strfields[] = { "summary", "details", "published", "modified",
						 "withdrawn" };
	for (size_t i = 0; i < sizeof(strfields) / sizeof(strfields[0]); i++) {
		json_t *f = json_object_get(j, strfields[i]);
		if (f && !json_is_string(f) && !json_is_null(f)) {
			mmr_vulndb_reject(s, path, line, "%s: \"%s\" is not a string", id,
					  strfields[i]);
			return 0;
		}
	}
	if ((aff && !json_is_array(aff)) || (sev && !json_is_array(sev)) ||
	    (json_object_get(j, "aliases") && !json_is_array(json_object_get(j, "aliases")) &&
	     !json_is_null(json_object_get(j, "aliases")))) {
		mmr_vulndb_reject(s, path, line, "%s: affected, severity or aliases is not an array",
				  id);
		return 0;
	}
	if (json_array_size(aff) > MMR_VULNDB_MAX_LIST) {
		mmr_vulndb_reject(s, path, line, "%s: too many affected entries", id);
		return 0;
	}
	int r;
	if (!(v->id = mmr_arena_strdup(a, id)))
		return -ENOMEM;
	v->source = "osv";
	v->title = mmr_vulndb_text(a, mmr_json_str(j, "summary"), TITLE_MAX);
	v->description = mmr_vulndb_text(a, mmr_json_str(j, "details"), MMR_VULNDB_MAX_TEXT);
	v->published = mmr_vulndb_text(a, mmr_json_str(j, "published"), 64);
	v->modified = mmr_vulndb_text(a, mmr_json_str(j, "modified"), 64);
	v->cvss3_score = v->cvss4_score = -1;
	/* severity[]: CVSS vectors, and a distribution's own rating */
	const char *dist_sev = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(sev, i, e)
	{
		const char *t = mmr_json_str(e, "type"), *score = mmr_json_str(e, "score");
		if (!t || !mmr_vulndb_id_ok(score) || strlen(score) > 256)
			continue;
		if (strcmp(t, "CVSS_V3") == 0 && !v->cvss3_vector && mmr_cstr_starts(score, "CVSS:3"))
			v->cvss3_vector = mmr_arena_strdup(a, score);
		else if (strcmp(t, "CVSS_V4") == 0 && !v->cvss4_vector &&
			 mmr_cstr_starts(score, "CVSS:4"))
			v->cvss4_vector = mmr_arena_strdup(a, score);
		else if (strcmp(t, "Ubuntu") == 0 && !dist_sev && strlen(score) <= 64)
			dist_sev = mmr_arena_strdup(a, score);
	}
	json_t *dbs = mmr_json_obj(j, "database_specific");
	v->severity = sev_str(dbs);
	if (v->severity)
		v->severity = mmr_arena_strdup(a, v->severity);
	else
		v->severity = dist_sev;
	if ((r = mmr_vulndb_strlist(a, mmr_json_arr(dbs, "cwe_ids"), &v->cwes, &v->n_cwes)) < 0 ||
	    (r = osv_aliases(a, j, id, v)) < 0 ||
	    (r = osv_refs(a, json_object_get(j, "references"), v)) < 0)
		return r;
	bool withdrawn = mmr_json_str(j, "withdrawn") != NULL;
	size_t cap = 0;
	json_array_foreach(aff, i, e)
	{
		r = osv_affected(a, s, &rec, e, dist_sev, &cap, &why);
		if (r == -EBADMSG) {
			mmr_vulndb_reject(s, path, line, "%s: %s", id, why);
			return 0;
		}
		if (r < 0)
			return r;
	}
	if (rec.unknown_eco && rec.n_aff == 0) {
		mmr_vulndb_reject(s, path, line, "%s: unknown ecosystem \"%s\"", id,
				  rec.unknown_name ? rec.unknown_name : "?");
		return 0;
	}
	if (s->vuln && (r = s->vuln(s->ud, v)) < 0)
		return r;
	s->accepted++;
	if (withdrawn)
		return 0;
	for (size_t k = 0; k < rec.n_aff; k++)
		if (s->affected && (r = s->affected(s->ud, &rec.aff[k])) < 0)
			return r;
	return 0;
}

static int osv_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		     const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	return mmr_vulndb_each_json(a, s, path, data, len, osv_record, reterr);
}

static bool osv_detect(const char *path, const uint8_t *head, size_t len)
{
	int c = mmr_vulndb_first_byte(head, len);
	if (c != '{' && c != '[')
		return false;
	(void)path;
	return mmr_vulndb_head_has(head, len, "\"id\"") &&
	       (mmr_vulndb_head_has(head, len, "\"affected\"") ||
		mmr_vulndb_head_has(head, len, "\"modified\"") ||
		mmr_vulndb_head_has(head, len, "\"schema_version\""));
}

const struct mmr_vulndb_feed mmr_vulndb_feed_osv = {
	.name = "osv",
	.description = "OSV JSON records (a file, JSONL, or the members of osv.dev's all.zip)",
	.detect = osv_detect,
	.parse = osv_parse,
};
