/* vulndb-feed-rustsec.c - RustSec advisories (rustsec/advisory-db) in
 * their native format: Markdown whose front matter is a ```toml fenced
 * block ([advisory], [versions], [affected]) followed by "# title" and the
 * description; or that front matter already converted to JSON, one
 * advisory per line, with "_markdown" (the body) and "_path" (the file in
 * the repository).
 *
 * versions.patched and versions.unaffected are Cargo requirement strings;
 * a version is affected when it satisfies none of them. That is emitted as
 * one affected record with expr "not:<req>;<req>..." in the "cargo" scheme
 * (the convention documented at mmr_vuln_affected.expr); with no patched
 * and no unaffected requirement every version is affected (range
 * introduced "0"). Advisories under rust/ (std, cargo, rustdoc) concern
 * the toolchain: ecosystem "rust". Withdrawn advisories keep their
 * advisory record but no affected record. */
#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "core/core-toml.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <string.h>

#define TITLE_MAX 4096

/* Splits a Markdown body into the "# title" line and the rest. */
static void md_split(struct mmr_arena *a, const char *md, size_t len, const char **ret_title,
		     const char **ret_body)
{
	*ret_title = *ret_body = NULL;
	if (!md)
		return;
	struct mmr_lines it;
	struct mmr_str ln;
	mmr_lines_init(&it, md, len);
	while (mmr_lines_next(&it, &ln)) {
		struct mmr_str t = mmr_str_trim(ln);
		if (!t.len)
			continue;
		if (mmr_str_starts(t, "# ")) {
			struct mmr_str title = mmr_str_trim((struct mmr_str){ t.p + 2, t.len - 2 });
			if (title.len > TITLE_MAX)
				title.len = TITLE_MAX;
			*ret_title = mmr_vulndb_text(a, mmr_str_dup(a, title), TITLE_MAX);
			const char *rest = it.p;
			while (rest < it.end && (*rest == '\n' || *rest == '\r'))
				rest++;
			if (rest < it.end)
				*ret_body = mmr_vulndb_text(
					a, mmr_arena_strndup(a, rest, (size_t)(it.end - rest)),
					MMR_VULNDB_MAX_TEXT);
			return;
		}
		break;
	}
	*ret_body = mmr_vulndb_text(a, mmr_arena_strndup(a, md, len), MMR_VULNDB_MAX_TEXT);
}

/* A list of requirement strings: json array of strings, or NULL. Appends
 * to b with ';' separators. -EBADMSG on a malformed one. */
static int add_reqs(struct mmr_buf *b, json_t *list, size_t *n, const char **why)
{
	if (!list)
		return 0;
	if (!json_is_array(list)) {
		*why = "versions.patched/unaffected is not an array";
		return -EBADMSG;
	}
	if (json_array_size(list) > 4096) {
		*why = "too many version requirements";
		return -EBADMSG;
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		const char *r = json_string_value(e);
		if (!mmr_vulndb_id_ok(r) || strchr(r, ';') || strlen(r) > 256) {
			*why = "malformed version requirement";
			return -EBADMSG;
		}
		struct mmr_str t = mmr_str_trim(mmr_str_from(r));
		if (!t.len) {
			*why = "empty version requirement";
			return -EBADMSG;
		}
		if ((*n && mmr_buf_addc(b, ';') < 0) || mmr_buf_add(b, t.p, t.len) < 0) {
			*why = "version requirements too long";
			return -EBADMSG;
		}
		(*n)++;
	}
	return 0;
}

static int cvss_vec(struct mmr_arena *a, const char *c, struct mmr_vuln *v)
{
	if (!c || !mmr_vulndb_id_ok(c) || strlen(c) > 256)
		return 0;
	if (mmr_cstr_starts(c, "CVSS:3"))
		v->cvss3_vector = mmr_arena_strdup(a, c);
	else if (mmr_cstr_starts(c, "CVSS:4"))
		v->cvss4_vector = mmr_arena_strdup(a, c);
	return 0;
}

/* One advisory: front (the TOML/JSON front matter), the Markdown body,
 * and the advisory's path in the repository (may be NULL). */
static int rustsec_advisory(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			    unsigned long line, json_t *front, const char *md, size_t mdlen,
			    const char *relpath)
{
	json_t *adv = json_object_get(front, "advisory");
	json_t *vers = json_object_get(front, "versions");
	const char *id = mmr_json_str(adv, "id");
	const char *pkg = mmr_json_str(adv, "package");
	if (!json_is_object(adv) || !mmr_vulndb_id_ok(id) || strlen(id) > 256) {
		mmr_vulndb_reject(s, path, line, "advisory without [advisory] id");
		return 0;
	}
	if (!mmr_vulndb_id_ok(pkg)) {
		mmr_vulndb_reject(s, path, line, "%s: advisory without a package", id);
		return 0;
	}
	if (vers && !json_is_object(vers)) {
		mmr_vulndb_reject(s, path, line, "%s: [versions] is not a table", id);
		return 0;
	}
	static const char *const strf[] = { "date", "cvss", "url", "withdrawn", "informational" };
	for (size_t i = 0; i < sizeof(strf) / sizeof(strf[0]); i++) {
		json_t *f = json_object_get(adv, strf[i]);
		if (f && !json_is_string(f)) {
			mmr_vulndb_reject(s, path, line, "%s: advisory.%s is not a string", id,
					  strf[i]);
			return 0;
		}
	}
	struct mmr_buf b;
	mmr_buf_init(&b, 64 << 10);
	size_t nreq = 0;
	const char *why = NULL;
	if (add_reqs(&b, json_object_get(vers, "patched"), &nreq, &why) < 0 ||
	    add_reqs(&b, json_object_get(vers, "unaffected"), &nreq, &why) < 0) {
		mmr_buf_release(&b);
		mmr_vulndb_reject(s, path, line, "%s: %s", id, why);
		return 0;
	}
	int r = 0;
	struct mmr_vuln v = { 0 };
	v.id = mmr_arena_strdup(a, id);
	v.source = "rustsec";
	v.cvss3_score = v.cvss4_score = -1;
	v.published = mmr_vulndb_text(a, mmr_json_str(adv, "date"), 64);
	cvss_vec(a, mmr_json_str(adv, "cvss"), &v);
	md_split(a, md, mdlen, &v.title, &v.description);
	/* informational advisories (unmaintained, unsound, notice) */
	const char *info = mmr_json_str(adv, "informational");
	if (info && mmr_vulndb_id_ok(info) && strlen(info) <= 64)
		v.severity = mmr_arena_printf(a, "informational:%s", info);
	if ((r = mmr_vulndb_strlist(a, mmr_json_arr(adv, "aliases"), &v.aliases, &v.n_aliases)) < 0)
		goto out;
	/* references: url first, then the list */
	json_t *refs = mmr_json_arr(adv, "references");
	size_t nrefs = json_array_size(refs) + 1;
	if (nrefs > MMR_VULNDB_MAX_LIST)
		nrefs = MMR_VULNDB_MAX_LIST;
	const char **rl = mmr_arena_calloc(a, nrefs, sizeof(*rl));
	if (!rl || !v.id) {
		r = -ENOMEM;
		goto out;
	}
	const char *url = mmr_json_str(adv, "url");
	if (mmr_vulndb_id_ok(url))
		rl[v.n_references++] = mmr_arena_strdup(a, url);
	for (size_t i = 0; i < json_array_size(refs) && v.n_references < nrefs; i++) {
		const char *u = json_string_value(json_array_get(refs, i));
		if (mmr_vulndb_id_ok(u))
			rl[v.n_references++] = mmr_arena_strdup(a, u);
	}
	v.references = rl;

	bool toolchain = relpath && (mmr_cstr_starts(relpath, "rust/") || strstr(relpath, "/rust/"));
	struct mmr_vuln_affected x = { 0 };
	static const struct mmr_vuln_range all = { .introduced = "0" };
	x.vuln_id = v.id;
	x.source = "rustsec";
	x.ecosystem = toolchain ? "rust" : "crates.io";
	x.package = mmr_arena_strdup(a, pkg);
	x.scheme = "cargo";
	x.status = MMR_VULN_AFFECTED;
	x.severity = v.severity;
	if (nreq) {
		x.expr = mmr_arena_printf(a, "not:%s", b.p);
		if (!x.expr) {
			r = -ENOMEM;
			goto out;
		}
	} else {
		x.ranges = &all;
		x.n_ranges = 1;
	}
	if (s->vuln && (r = s->vuln(s->ud, &v)) < 0)
		goto out;
	s->accepted++;
	if (!mmr_json_str(adv, "withdrawn") && s->affected && (r = s->affected(s->ud, &x)) < 0)
		goto out;
	r = 0;
out:
	mmr_buf_release(&b);
	return r;
}

/* The JSON form: {"advisory":..., "versions":..., "_markdown", "_path"} */
static int rustsec_json(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			unsigned long line, json_t *rec)
{
	if (!json_is_object(rec)) {
		mmr_vulndb_reject(s, path, line, "record is not a JSON object");
		return 0;
	}
	const char *md = mmr_json_str(rec, "_markdown");
	return rustsec_advisory(a, s, path, line, rec, md, md ? strlen(md) : 0,
				mmr_json_str(rec, "_path"));
}

/* The Markdown form. */
static int rustsec_md(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		      const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	struct mmr_lines it;
	struct mmr_str ln;
	mmr_lines_init(&it, data, len);
	const char *toml = NULL, *toml_end = NULL;
	unsigned long start_line = 0;
	while (mmr_lines_next(&it, &ln)) {
		struct mmr_str t = mmr_str_trim(ln);
		if (!toml) {
			if (!t.len)
				continue;
			if (!mmr_str_eqc(t, "```toml"))
				break;
			toml = it.p;
			start_line = it.lineno;
			continue;
		}
		if (mmr_str_eqc(t, "```")) {
			toml_end = ln.p;
			break;
		}
	}
	if (!toml || !toml_end)
		return mmr_error_set(reterr, EBADMSG, path, start_line, 0,
				     "not a RustSec advisory: no ```toml front matter block");
	json_t *front;
	struct mmr_error e = { 0 };
	int r = mmr_toml_parse(toml, (size_t)(toml_end - toml), path, 64, &front, &e);
	if (r < 0) {
		/* one file is one advisory: reject it, with the TOML position */
		mmr_vulndb_reject(s, path, e.line ? e.line + start_line : start_line, "%s", e.msg);
		return 0;
	}
	const char *body = it.p;
	r = rustsec_advisory(a, s, path, start_line, front, body,
			     (size_t)((const char *)data + len - body), path);
	json_decref(front);
	return r;
}

static int rustsec_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			 const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	if (mmr_vulndb_first_byte(data, len) == '`')
		return rustsec_md(a, s, path, data, len, reterr);
	return mmr_vulndb_each_json(a, s, path, data, len, rustsec_json, reterr);
}

static bool rustsec_detect(const char *path, const uint8_t *head, size_t len)
{
	int c = mmr_vulndb_first_byte(head, len);
	if (c == '`')
		return mmr_vulndb_head_has(head, len, "```toml") &&
		       mmr_vulndb_head_has(head, len, "[advisory]");
	if (c == '{')
		return mmr_vulndb_head_has(head, len, "{\"advisory\":") ||
		       (mmr_vulndb_head_has(head, len, "\"advisory\"") &&
			mmr_vulndb_head_has(head, len, "RUSTSEC-"));
	(void)path;
	return false;
}

const struct mmr_vulndb_feed mmr_vulndb_feed_rustsec = {
	.name = "rustsec",
	.description = "RustSec advisories (Markdown with TOML front matter, or its JSON form)",
	.detect = rustsec_detect,
	.parse = rustsec_parse,
};
