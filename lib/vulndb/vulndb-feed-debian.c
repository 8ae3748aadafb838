/* vulndb-feed-debian.c - Debian security tracker feeds.
 *
 *   debian-tracker  https://security-tracker.debian.org/tracker/data/json:
 *                   { source-package: { CVE: { description, releases: {
 *                   codename: { status, fixed_version, urgency, nodsa,
 *                   nodsa_reason } } } } }. Parsed one package at a time
 *                   (the top-level object is split by a scanner, each
 *                   package's value parsed on its own), so memory stays
 *                   bounded by the largest package and a malformed package
 *                   is rejected alone.
 *   debian-dsa,     the advisory lists data/DSA/list and data/DLA/list:
 *   debian-dla      "[29 Mar 2023] DSA-5380-1 xorg-server - security update",
 *                   then tab-indented "{CVE-... CVE-...}",
 *                   "[bullseye] - pkg 2:1.20.11-1+deb11u6" or
 *                   "[buster] - pkg <not-affected|unfixed|end-of-life> (why)"
 *                   and "NOTE:" lines. One vulnerability per advisory (id
 *                   "DSA-5380-1", aliases its CVEs) and one affected record
 *                   per release line.
 *
 * Records are keyed by source package in "debian:<major>" ("debian:11");
 * codenames map through the table below (sid/unstable and unknown
 * codenames are skipped: they have no stable version to match). Status:
 * resolved + fixed_version "0" -> not affected; resolved -> fixed (range
 * introduced "0", fixed X); open -> unfixed (nodsa_reason "ignored" or
 * urgency "end-of-life" -> will not fix); undetermined -> under
 * investigation. The severity is the tracker's urgency without the "**"
 * (not yet reviewed) mark; "not yet assigned" gives none.
 *
 * Counting: sink->accepted counts advisories (tracker: package x CVE;
 * lists: one advisory), sink->rejected malformed ones (and malformed
 * release lines of an otherwise good advisory). */
#include "vulndb/vulndb-feed.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/core-json.h"
#include "core/core-str.h"
#include "core/core-vec.h"

#define DEBIAN_MAX_ALIASES 1024 /* CVEs of one advisory (the largest real one has ~130) */
#define DEBIAN_MAX_DEPTH 64     /* JSON nesting of one tracker package */

static const struct {
	const char *codename, *version;
} debian_releases[] = {
	{ "woody", "3.0" },   { "sarge", "3.1" },	{ "etch", "4" },      { "lenny", "5" },
	{ "squeeze", "6" },   { "wheezy", "7" },	{ "jessie", "8" },    { "stretch", "9" },
	{ "buster", "10" },   { "bullseye", "11" }, { "bookworm", "12" }, { "trixie", "13" },
	{ "forky", "14" },    { "duke", "15" },
};

/* "bullseye" -> "11"; NULL for sid, experimental and unknown names. */
static const char *debian_release(const char *codename, size_t len)
{
	for (size_t i = 0; i < sizeof(debian_releases) / sizeof(debian_releases[0]); i++)
		if (strlen(debian_releases[i].codename) == len &&
		    memcmp(debian_releases[i].codename, codename, len) == 0)
			return debian_releases[i].version;
	return NULL;
}

static int emit_vuln(struct mmr_vulndb_sink *s, const struct mmr_vuln *v)
{
	return s->vuln ? s->vuln(s->ud, v) : 0;
}

static int emit_affected(struct mmr_vulndb_sink *s, const struct mmr_vuln_affected *a)
{
	return s->affected ? s->affected(s->ud, a) : 0;
}

static const char *eco_for(struct mmr_arena *a, const char *codename, size_t len)
{
	const char *ver = debian_release(codename, len);
	return ver ? mmr_arena_printf(a, "debian:%s", ver) : NULL;
}

/* ---- tracker JSON ---- */

static bool tracker_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	return mmr_vulndb_first_byte(head, len) == '{' && mmr_vulndb_head_has(head, len, "\"releases\"") &&
	       (mmr_vulndb_head_has(head, len, "\"urgency\"") ||
		mmr_vulndb_head_has(head, len, "\"fixed_version\"")) &&
	       !mmr_vulndb_head_has(head, len, "\"affected\"");
}

/* Urgency -> severity: "high**" -> "high"; "not yet assigned" -> NULL. */
static const char *urgency(struct mmr_arena *a, const char *u)
{
	if (!u || !*u || strcmp(u, "not yet assigned") == 0)
		return NULL;
	size_t n = strlen(u);
	while (n && u[n - 1] == '*')
		n--;
	if (!n || n > 64)
		return NULL;
	return mmr_arena_strndup(a, u, n);
}

static int tracker_release(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *cve,
			   const char *pkg, const char *codename, json_t *rel, bool *ret_bad)
{
	const char *eco = eco_for(a, codename, strlen(codename));
	if (!eco)
		return 0; /* sid, experimental, unknown: nothing to match against */
	if (!json_is_object(rel)) {
		*ret_bad = true;
		return 0;
	}
	const char *status = mmr_json_str(rel, "status");
	const char *fixed = mmr_json_str(rel, "fixed_version");
	const char *urg = mmr_json_str(rel, "urgency");
	const char *why = mmr_json_str(rel, "nodsa_reason");
	struct mmr_vuln_range r = { .introduced = "0" };
	struct mmr_vuln_affected af = { .vuln_id = cve, .source = "debian", .ecosystem = eco,
					.package = pkg, .scheme = "dpkg", .ranges = &r, .n_ranges = 1,
					.severity = urgency(a, urg) };
	if (!status) {
		*ret_bad = true;
		return 0;
	}
	if (strcmp(status, "resolved") == 0) {
		if (!fixed || !mmr_vulndb_id_ok(fixed)) {
			*ret_bad = true;
			return 0;
		}
		if (strcmp(fixed, "0") == 0) {
			af.status = MMR_VULN_NOT_AFFECTED;
			af.ranges = NULL;
			af.n_ranges = 0;
		} else {
			af.status = MMR_VULN_FIXED;
			r.fixed = mmr_arena_strdup(a, fixed);
		}
	} else if (strcmp(status, "open") == 0) {
		af.status = (why && strcmp(why, "ignored") == 0) || (urg && strcmp(urg, "end-of-life") == 0)
				    ? MMR_VULN_WONTFIX
				    : MMR_VULN_UNFIXED;
	} else if (strcmp(status, "undetermined") == 0) {
		af.status = MMR_VULN_UNDER_INVESTIGATION;
	} else {
		*ret_bad = true;
		return 0;
	}
	return emit_affected(s, &af);
}

static int tracker_package(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			   unsigned long line, const char *pkg, json_t *cves)
{
	if (!json_is_object(cves)) {
		mmr_vulndb_reject(s, path, line, "package %s: not an object", pkg);
		return 0;
	}
	const char *cve;
	json_t *rec;
	json_object_foreach(cves, cve, rec)
	{
		if (!mmr_vulndb_id_ok(cve) || !json_is_object(rec)) {
			mmr_vulndb_reject(s, path, line, "package %s: bad record %.64s", pkg, cve);
			continue;
		}
		json_t *rels = json_object_get(rec, "releases");
		if (rels && !json_is_object(rels) && !(json_is_array(rels) && json_array_size(rels) == 0)) {
			mmr_vulndb_reject(s, path, line, "%s %s: releases is not an object", pkg, cve);
			continue;
		}
		const char *id = mmr_arena_strdup(a, cve);
		struct mmr_vuln v = { .id = id, .source = "debian",
				      .description = mmr_vulndb_text(a, mmr_json_str(rec, "description"),
								     MMR_VULNDB_MAX_TEXT),
				      .cvss3_score = -1, .cvss4_score = -1 };
		if (!id) {
			return -ENOMEM;
		}
		int r = emit_vuln(s, &v);
		if (r < 0)
			return r;
		bool bad = false;
		const char *codename;
		json_t *rel;
		if (json_is_object(rels))
			json_object_foreach(rels, codename, rel)
			{
				r = tracker_release(a, s, id, pkg, codename, rel, &bad);
				if (r < 0)
					return r;
			}
		if (bad)
			mmr_vulndb_reject(s, path, line, "%s %s: malformed release entry", pkg, cve);
		else
			s->accepted++;
	}
	return 0;
}

/* Skip one JSON string starting at p (at the quote); NULL when unterminated. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

static const char *skip_ws(const char *p, const char *end, unsigned long *line)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		if (*p == '\n')
			(*line)++;
		p++;
	}
	return p;
}

/* End of the JSON value at p (object, array, string or scalar); NULL when
 * it does not end inside the buffer. Counts newlines into *line. */
static const char *skip_value(const char *p, const char *end, unsigned long *line)
{
	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
		       *p != '\t' && *p != '\r')
			p++;
		return p;
	}
	size_t depth = 0;
	while (p < end) {
		char c = *p;
		if (c == '"') {
			const char *q = skip_string(p, end);
			if (!q)
				return NULL;
			for (const char *t = p; t < q; t++)
				*line += *t == '\n';
			p = q;
			continue;
		}
		if (c == '\n')
			(*line)++;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return NULL;
}

static int tracker_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			 const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	const char *p = (const char *)data, *end = p + len;
	unsigned long line = 1;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	p = skip_ws(p, end, &line);
	if (p >= end || *p != '{')
		return mmr_error_set(reterr, EBADMSG, path, line, 0,
				     "not a Debian security tracker JSON object");
	p = skip_ws(p + 1, end, &line);
	if (p < end && *p == '}')
		return 0;
	while (p < end) {
		unsigned long rec_line = line;
		if (*p != '"')
			goto truncated;
		const char *ke = skip_string(p, end);
		if (!ke)
			goto truncated;
		json_error_t je;
		json_t *key = json_loadb(p, (size_t)(ke - p), JSON_DECODE_ANY, &je);
		p = skip_ws(ke, end, &line);
		if (p >= end || *p != ':') {
			json_decref(key);
			goto truncated;
		}
		p = skip_ws(p + 1, end, &line);
		const char *vs = p;
		const char *ve = skip_value(p, end, &line);
		if (!ve) {
			json_decref(key);
			goto truncated;
		}
		const char *pkg = json_is_string(key) ? json_string_value(key) : NULL;
		if (!pkg || !mmr_vulndb_id_ok(pkg)) {
			mmr_vulndb_reject(s, path, rec_line, "bad package name");
		} else {
			json_t *val = NULL;
			struct mmr_error e = { 0 };
			if (mmr_json_parse(vs, (size_t)(ve - vs), path, &val, &e) < 0) {
				mmr_vulndb_reject(s, path, rec_line + (e.line ? e.line - 1 : 0),
						  "package %.128s: %s", pkg, e.msg);
			} else {
				char *name = mmr_arena_strdup(a, pkg);
				int r = name ? tracker_package(a, s, path, rec_line, name, val) : -ENOMEM;
				json_decref(val);
				if (r < 0) {
					json_decref(key);
					return r;
				}
			}
		}
		json_decref(key);
		p = skip_ws(ve, end, &line);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end, &line);
			continue;
		}
		if (p < end && *p == '}')
			return 0;
		goto truncated;
	}
truncated:
	mmr_vulndb_reject(s, path, line, "truncated or malformed JSON; rest of the file skipped");
	return 0;
}

const struct mmr_vulndb_feed mmr_vulndb_feed_debian_tracker = {
	.name = "debian-tracker",
	.description = "Debian security tracker JSON (security-tracker.debian.org/tracker/data/json)",
	.detect = tracker_detect,
	.parse = tracker_parse,
};

/* ---- DSA / DLA lists ---- */

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* "[29 Mar 2023]" at the start of l -> "2023-03-29T00:00:00Z"; the rest
 * of the line after "] " in *rest. */
static const char *list_date(struct mmr_arena *a, struct mmr_str l, struct mmr_str *rest)
{
	if (l.len < 14 || l.p[0] != '[' || l.p[3] != ' ' || l.p[7] != ' ' || l.p[12] != ']')
		return NULL;
	uint64_t day, year;
	if (!mmr_parse_u64(l.p + 1, 2, &day) || !mmr_parse_u64(l.p + 8, 4, &year) || day < 1 ||
	    day > 31)
		return NULL;
	int mon = -1;
	for (int i = 0; i < 12; i++)
		if (memcmp(l.p + 4, months[i], 3) == 0)
			mon = i + 1;
	if (mon < 0)
		return NULL;
	*rest = mmr_str_trim((struct mmr_str){ l.p + 13, l.len - 13 });
	return mmr_arena_printf(a, "%04u-%02d-%02uT00:00:00Z", (unsigned)year, mon, (unsigned)day);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Next whitespace-separated token of *s. */
static struct mmr_str next_tok(struct mmr_str *s)
{
	size_t i = 0;
	while (i < s->len && is_space(s->p[i]))
		i++;
	size_t b = i;
	while (i < s->len && !is_space(s->p[i]))
		i++;
	struct mmr_str t = { s->p + b, i - b };
	s->p += i;
	s->len -= i;
	return t;
}

static bool advisory_id_ok(struct mmr_str id)
{
	if (id.len < 5 || id.len > 64 || !(mmr_str_starts(id, "DSA-") || mmr_str_starts(id, "DLA-") ||
					   mmr_str_starts(id, "DTSA-")))
		return false;
	size_t i = mmr_str_starts(id, "DTSA-") ? 5 : 4;
	if (i >= id.len)
		return false;
	for (; i < id.len; i++)
		if (!((id.p[i] >= '0' && id.p[i] <= '9') || id.p[i] == '-'))
			return false;
	return true;
}

/* The advisory being read. */
struct adv {
	unsigned long line;
	const char *id, *title, *published;
	struct mmr_vec aliases;
	struct mmr_vec affected; /* struct mmr_vuln_affected * */
	bool bad;                /* header malformed: skip its lines */
};

static int adv_flush(struct mmr_arena *a, struct mmr_vulndb_sink *s, struct adv *ad)
{
	if (!ad->id || ad->bad)
		return 0;
	struct mmr_vuln v = { .id = ad->id, .source = "debian",
			      .aliases = (const char *const *)ad->aliases.v,
			      .n_aliases = ad->aliases.n, .title = ad->title,
			      .published = ad->published, .cvss3_score = -1, .cvss4_score = -1 };
	(void)a;
	int r = emit_vuln(s, &v);
	for (size_t i = 0; r >= 0 && i < ad->affected.n; i++)
		r = emit_affected(s, ad->affected.v[i]);
	if (r >= 0)
		s->accepted++;
	return r;
}

/* "[bullseye] - xorg-server 2:1.20.11-1+deb11u6" (after the indentation). */
static int list_release_line(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			     struct adv *ad, unsigned long lineno, struct mmr_str l)
{
	long close = mmr_str_chr(l, ']');
	if (close < 2)
		goto bad;
	struct mmr_str rest = { l.p + close + 1, l.len - (size_t)close - 1 };
	struct mmr_str dash = next_tok(&rest), pkg = next_tok(&rest), ver = next_tok(&rest);
	if (!mmr_str_eqc(dash, "-") || !pkg.len || !ver.len || pkg.len > MMR_VULNDB_MAX_ID ||
	    ver.len > MMR_VULNDB_MAX_ID)
		goto bad;
	const char *eco = eco_for(a, l.p + 1, (size_t)close - 1);
	if (!eco)
		return 0; /* sid or an unknown codename */
	struct mmr_vuln_affected *af = mmr_arena_alloc(a, sizeof(*af));
	struct mmr_vuln_range *r = mmr_arena_alloc(a, sizeof(*r));
	if (!af || !r)
		return -ENOMEM;
	*af = (struct mmr_vuln_affected){ .vuln_id = ad->id, .source = "debian", .ecosystem = eco,
					  .package = mmr_str_dup(a, pkg), .scheme = "dpkg" };
	if (ver.p[0] == '<') {
		if (mmr_str_eqc(ver, "<not-affected>"))
			af->status = MMR_VULN_NOT_AFFECTED;
		else if (mmr_str_eqc(ver, "<unfixed>") || mmr_str_eqc(ver, "<postponed>") ||
			 mmr_str_eqc(ver, "<no-dsa>"))
			af->status = MMR_VULN_UNFIXED;
		else if (mmr_str_eqc(ver, "<end-of-life>") || mmr_str_eqc(ver, "<ignored>"))
			af->status = MMR_VULN_WONTFIX;
		else
			goto bad;
		if (af->status != MMR_VULN_NOT_AFFECTED) {
			r->introduced = "0";
			af->ranges = r;
			af->n_ranges = 1;
		}
	} else {
		for (size_t i = 0; i < ver.len; i++)
			if ((unsigned char)ver.p[i] < 0x21 || (unsigned char)ver.p[i] > 0x7e)
				goto bad;
		r->introduced = "0";
		r->fixed = mmr_str_dup(a, ver);
		af->ranges = r;
		af->n_ranges = 1;
		af->status = MMR_VULN_FIXED;
	}
	if (!af->package)
		return -ENOMEM;
	return mmr_vec_push(a, &ad->affected, af);
bad:
	mmr_vulndb_reject(s, path, lineno, "%s: malformed release line", ad->id);
	return 0;
}

static int list_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		      const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	struct mmr_lines it;
	struct mmr_str l;
	struct adv ad = { 0 };
	bool any = false;
	int r = 0;
	mmr_lines_init(&it, data, len);
	while (mmr_lines_next(&it, &l)) {
		if (l.len > MMR_VULNDB_MAX_TEXT) {
			mmr_vulndb_reject(s, path, it.lineno, "line longer than %zu bytes",
					  MMR_VULNDB_MAX_TEXT);
			if (ad.id)
				ad.bad = true;
			continue;
		}
		if (l.len && l.p[0] == '[') {
			r = adv_flush(a, s, &ad);
			if (r < 0)
				return r;
			ad = (struct adv){ .line = it.lineno };
			struct mmr_str rest = { NULL, 0 }, id = { NULL, 0 };
			const char *date = list_date(a, l, &rest);
			if (date)
				id = next_tok(&rest);
			if (!date || !advisory_id_ok(id)) {
				if (!date && !any && it.lineno == 1)
					return mmr_error_set(reterr, EBADMSG, path, 1, 0,
							     "not a Debian DSA/DLA list");
				mmr_vulndb_reject(s, path, it.lineno, "malformed advisory header");
				ad.id = "";
				ad.bad = true;
				continue;
			}
			any = true;
			ad.id = mmr_str_dup(a, id);
			ad.published = date;
			rest = mmr_str_trim(rest);
			if (!mmr_utf8_valid(rest.p, rest.len))
				rest.len = 0;
			ad.title = mmr_vulndb_text(a, mmr_str_dup(a, rest), 4096);
			if (!ad.id || !ad.title)
				return -ENOMEM;
			continue;
		}
		struct mmr_str t = mmr_str_trim(l);
		if (!t.len || (ad.id && ad.bad))
			continue;
		if (!ad.id) {
			mmr_vulndb_reject(s, path, it.lineno, "text before the first advisory");
			continue;
		}
		if (t.p[0] == '{') {
			if (t.p[t.len - 1] != '}') {
				mmr_vulndb_reject(s, path, it.lineno, "%s: unterminated {CVE list}", ad.id);
				ad.bad = true;
				continue;
			}
			struct mmr_str ids = { t.p + 1, t.len - 2 };
			for (struct mmr_str id = next_tok(&ids); id.len; id = next_tok(&ids)) {
				if (id.len > 64 || ad.aliases.n >= DEBIAN_MAX_ALIASES)
					continue;
				char *c = mmr_str_dup(a, id);
				if (!c || mmr_vec_push(a, &ad.aliases, c) < 0)
					return -ENOMEM;
			}
		} else if (t.p[0] == '[') {
			r = list_release_line(a, s, path, &ad, it.lineno, t);
			if (r < 0)
				return r;
		} else if (mmr_str_starts(t, "NOTE:") || mmr_str_starts(t, "TODO:")) {
			continue;
		} else {
			mmr_vulndb_reject(s, path, it.lineno, "%s: unrecognised line", ad.id);
		}
	}
	r = adv_flush(a, s, &ad);
	if (r < 0)
		return r;
	if (!any && len)
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "no advisory in a DSA/DLA list");
	return 0;
}

static bool list_detect_kind(const uint8_t *head, size_t len, const char *kind)
{
	/* "[dd Mon yyyy] DSA-" on the first line */
	size_t i = 0;
	while (i < len && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
		i++;
	if (len - i < 20 || head[i] != '[' || head[i + 12] != ']' || head[i + 13] != ' ')
		return false;
	return memcmp(head + i + 14, kind, 4) == 0;
}

static bool dsa_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	return list_detect_kind(head, len, "DSA-");
}

static bool dla_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	return list_detect_kind(head, len, "DLA-");
}

const struct mmr_vulndb_feed mmr_vulndb_feed_debian_dsa = {
	.name = "debian-dsa",
	.description = "Debian Security Advisories list (security-tracker data/DSA/list)",
	.detect = dsa_detect,
	.parse = list_parse,
};

const struct mmr_vulndb_feed mmr_vulndb_feed_debian_dla = {
	.name = "debian-dla",
	.description = "Debian LTS Advisories list (security-tracker data/DLA/list)",
	.detect = dla_detect,
	.parse = list_parse,
};
