/* vulndb-feed-alpine.c - Alpine secdb (alpine-secdb).
 *
 * https://secdb.alpinelinux.org/v3.x/{main,community}.json, and the same
 * document as YAML (the old alpine-secdb repository, vunnel fixtures):
 *   { "distroversion": "v3.11", "reponame": "main",
 *     "packages": [ { "pkg": { "name": "openssl",
 *        "secfixes": { "1.1.1d-r3": ["CVE-2019-1551"], "0": [...] } } } ] }
 *
 * Each id under a version is one affected record in "alpine:3.11" (edge:
 * "alpine:edge") for the package (aports names are origin = source
 * package names), scheme apk: fixed in that version (range introduced "0",
 * fixed V), or not affected when the version is "0". An entry is the id
 * first, then optional further ids ("CVE-2017-12855 XSA-230",
 * "CVE-2017-12122 TALOS-2017-0488": they become aliases) and an optional
 * "(comment)"; a placeholder first word ("CVE-????-????? XSA-295") gives
 * way to the next id. "CVE-2017-17434-1" (a CVE fixed in parts) and
 * "CVE-2019-19451.patch" count as the CVE they start with. An entry without any id ("CVE_2019-2426") is rejected.
 *
 * Counting: sink->accepted counts the (package, version, entry) records,
 * sink->rejected the malformed ones (and malformed packages). */
#include "vulndb/vulndb-feed.h"

#include <errno.h>
#include <string.h>

#include "core/core-json.h"
#include "core/core-str.h"
#include "core/core-vec.h"

#define ALPINE_MAX_ALIASES 16
#define ALPINE_MAX_DEPTH 32

static int emit_vuln(struct mmr_vulndb_sink *s, const struct mmr_vuln *v)
{
	return s->vuln ? s->vuln(s->ud, v) : 0;
}

static int emit_affected(struct mmr_vulndb_sink *s, const struct mmr_vuln_affected *a)
{
	return s->affected ? s->affected(s->ud, a) : 0;
}

static bool alpine_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	if (mmr_vulndb_first_byte(head, len) == '{')
		return mmr_vulndb_head_has(head, len, "\"distroversion\"") &&
		       mmr_vulndb_head_has(head, len, "\"packages\"");
	/* YAML: the keys at the start of a line */
	bool dv = (len >= 14 && memcmp(head, "distroversion:", 14) == 0) ||
		  mmr_vulndb_head_has(head, len, "\ndistroversion:");
	bool pk = (len >= 9 && memcmp(head, "packages:", 9) == 0) ||
		  mmr_vulndb_head_has(head, len, "\npackages:");
	return dv && pk;
}

/* "v3.11" -> "alpine:3.11", "edge" -> "alpine:edge"; NULL otherwise. */
static const char *alpine_eco(struct mmr_arena *a, const char *dv)
{
	if (!dv)
		return NULL;
	if (strcmp(dv, "edge") == 0)
		return "alpine:edge";
	if (dv[0] == 'v')
		dv++;
	size_t n = strlen(dv), dots = 0;
	if (!n || n > 16 || dv[0] == '.' || dv[n - 1] == '.')
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (dv[i] == '.')
			dots++;
		else if (dv[i] < '0' || dv[i] > '9')
			return NULL;
	}
	if (dots != 1)
		return NULL;
	return mmr_arena_printf(a, "alpine:%s", dv);
}

/* An advisory id: letters, '-', then digits and letters ("CVE-2019-1551",
 * "XSA-230", "TALOS-2017-0488", "GHSA-xxxx-xxxx-xxxx"). */
static bool id_like(struct mmr_str t)
{
	if (t.len < 4 || t.len > 64)
		return false;
	size_t i = 0;
	while (i < t.len && ((t.p[i] >= 'A' && t.p[i] <= 'Z') || (t.p[i] >= 'a' && t.p[i] <= 'z')))
		i++;
	if (i < 2 || i + 1 >= t.len || t.p[i] != '-')
		return false;
	for (i++; i < t.len; i++) {
		char c = t.p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      c == '-'))
			return false;
	}
	return true;
}

/* "CVE-2017-17434-1" (one CVE fixed in parts), "CVE-2019-19451.patch"
 * -> the CVE id they start with; other words unchanged. */
static struct mmr_str cve_base(struct mmr_str t)
{
	if (!mmr_str_starts(t, "CVE-") || t.len < 13 || t.p[8] != '-')
		return t;
	for (size_t i = 4; i < 8; i++)
		if (t.p[i] < '0' || t.p[i] > '9')
			return t;
	size_t i = 9;
	while (i < t.len && t.p[i] >= '0' && t.p[i] <= '9')
		i++;
	if (i < 13)
		return t;
	return (struct mmr_str){ t.p, i };
}

static struct mmr_str word(struct mmr_str *s)
{
	size_t i = 0;
	while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
		i++;
	size_t b = i;
	while (i < s->len && s->p[i] != ' ' && s->p[i] != '\t')
		i++;
	struct mmr_str w = { s->p + b, i - b };
	s->p += i;
	s->len -= i;
	return w;
}

static int alpine_entry(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			const char *eco, const char *pkg, const char *ver, const char *entry,
			struct mmr_map *seen)
{
	struct mmr_str rest = mmr_str_from(entry);
	if (rest.len > MMR_VULNDB_MAX_ID) {
		mmr_vulndb_reject(s, path, 0, "%s %s: entry too long", pkg, ver);
		return 0;
	}
	/* the first id-like word is the id ("CVE-????-????? XSA-295": XSA-295),
	 * the others aliases; a "(comment)" ends the list */
	const char *id = NULL;
	const char *aliases[ALPINE_MAX_ALIASES];
	size_t n_aliases = 0;
	for (struct mmr_str w = word(&rest); w.len && w.p[0] != '('; w = word(&rest)) {
		w = cve_base(w);
		if (!id_like(w) || n_aliases >= ALPINE_MAX_ALIASES)
			continue;
		const char *d = mmr_str_dup(a, w);
		if (!d)
			return -ENOMEM;
		if (!id)
			id = d;
		else
			aliases[n_aliases++] = d;
	}
	if (!id) {
		mmr_vulndb_reject(s, path, 0, "%s %s: not an advisory id: %.64s", pkg, ver, entry);
		return 0;
	}
	int r = 0;
	if (!mmr_map_has(seen, id)) {
		struct mmr_vuln v = { .id = id, .source = "alpine", .aliases = aliases,
				      .n_aliases = n_aliases, .cvss3_score = -1, .cvss4_score = -1 };
		r = emit_vuln(s, &v);
		if (r < 0)
			return r;
		r = mmr_map_put(seen, id, (void *)id);
		if (r < 0)
			return r;
	}
	struct mmr_vuln_range rg = { .introduced = "0", .fixed = ver };
	bool na = strcmp(ver, "0") == 0;
	struct mmr_vuln_affected af = { .vuln_id = id, .source = "alpine", .ecosystem = eco,
					.package = pkg, .scheme = "apk",
					.ranges = na ? NULL : &rg, .n_ranges = na ? 0 : 1,
					.status = na ? MMR_VULN_NOT_AFFECTED : MMR_VULN_FIXED };
	r = emit_affected(s, &af);
	if (r >= 0)
		s->accepted++;
	return r;
}

static int alpine_package(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			  const char *eco, json_t *p, struct mmr_map *seen)
{
	json_t *pkg = mmr_json_obj(p, "pkg");
	const char *name = mmr_json_str(pkg, "name");
	if (!name || !mmr_vulndb_id_ok(name) || strchr(name, ' ')) {
		mmr_vulndb_reject(s, path, 0, "package without a usable pkg.name");
		return 0;
	}
	json_t *fixes = json_object_get(pkg, "secfixes");
	if (!fixes || json_is_null(fixes))
		return 0;
	if (!json_is_object(fixes)) {
		mmr_vulndb_reject(s, path, 0, "%.64s: secfixes is not a mapping", name);
		return 0;
	}
	const char *pname = mmr_arena_strdup(a, name);
	if (!pname)
		return -ENOMEM;
	const char *ver;
	json_t *list;
	json_object_foreach(fixes, ver, list)
	{
		if (!mmr_vulndb_id_ok(ver) || strchr(ver, ' ') || !json_is_array(list)) {
			if (!json_is_null(list))
				mmr_vulndb_reject(s, path, 0, "%s: bad secfixes entry %.64s", pname, ver);
			continue;
		}
		const char *v = mmr_arena_strdup(a, ver);
		if (!v)
			return -ENOMEM;
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e)
		{
			if (i >= MMR_VULNDB_MAX_LIST)
				break;
			if (!json_is_string(e)) {
				mmr_vulndb_reject(s, path, 0, "%s %s: entry is not a string", pname, v);
				continue;
			}
			int r = alpine_entry(a, s, path, eco, pname, v, json_string_value(e), seen);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int alpine_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r;
	int fb = mmr_vulndb_first_byte(data, len);
	if (fb == '{')
		r = mmr_json_parse(data, len, path, &doc, reterr);
	else
		r = mmr_yaml_parse(data, len, path, 0, ALPINE_MAX_DEPTH, 0, &doc, reterr);
	if (r < 0)
		return r;
	const char *eco = alpine_eco(a, mmr_json_str(doc, "distroversion"));
	json_t *pkgs = mmr_json_arr(doc, "packages");
	if (!eco || !pkgs) {
		r = mmr_error_set(reterr, EBADMSG, path, 0, 0,
				  eco ? "Alpine secdb without a packages list"
				      : "Alpine secdb without a usable distroversion (v3.N or edge)");
		json_decref(doc);
		return r;
	}
	struct mmr_map seen;
	mmr_map_init(&seen, a);
	size_t i;
	json_t *p;
	r = 0;
	json_array_foreach(pkgs, i, p)
	{
		if (i >= MMR_VULNDB_MAX_LIST) {
			mmr_vulndb_reject(s, path, 0, "more than %zu packages; rest skipped",
					  MMR_VULNDB_MAX_LIST);
			break;
		}
		r = alpine_package(a, s, path, eco, p, &seen);
		if (r < 0)
			break;
	}
	json_decref(doc);
	return r < 0 ? r : 0;
}

const struct mmr_vulndb_feed mmr_vulndb_feed_alpine_secdb = {
	.name = "alpine-secdb",
	.description = "Alpine secdb JSON/YAML (secdb.alpinelinux.org/v3.x/main.json)",
	.detect = alpine_detect,
	.parse = alpine_parse,
};
