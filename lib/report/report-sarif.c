/* report-sarif.c - SARIF 2.1.0 writer (docs/cli/formats.md).
 *
 * One run. tool.driver carries one rule per rule id (the first finding
 * with that id describes it): shortDescription (title), fullDescription
 * (description), helpUri (first reference), properties.security-severity
 * (the CVSS score as a string, the convention GitHub code scanning reads;
 * a representative score per severity when there is none) and tags.
 * Each finding is a result: level from severity (CRITICAL/HIGH error,
 * MEDIUM warning, else note), a message naming package, version, id and
 * fix, one location (the file the package was found in: lockfile, package
 * database, else the result's target or the image name; region when the
 * package has lines), partialFingerprints from the finding fingerprint,
 * and `suppressions` for suppressed findings. Scan warnings become
 * toolExecutionNotifications of the invocation. */
#include "report/report-spdx.h"
#include "report/report.h"
#include "report/report-stream.h"

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "mmr-config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
/* The project has no public home yet; .invalid (RFC 2606) never resolves. */
#define INFO_URI "https://mamori.invalid/"

static void set(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, mmr_report_jstr(v));
}

static json_t *text(const char *s)
{
	json_t *o = json_object();
	set(o, "text", s && *s ? s : "-");
	return o;
}

static const char *level_of(enum mmr_severity s)
{
	switch (s) {
	case MMR_SEV_CRITICAL:
	case MMR_SEV_HIGH:
		return "error";
	case MMR_SEV_MEDIUM:
		return "warning";
	default:
		return "note";
	}
}

/* The score GitHub shows: the finding's own, else the CVSS scores, else a
 * representative value inside the severity's CVSS band. */
static double score_of(const struct mmr_finding *f)
{
	if (f->score >= 0)
		return f->score;
	if (f->vuln && f->vuln->cvss3_score >= 0)
		return f->vuln->cvss3_score;
	if (f->vuln && f->vuln->cvss4_score >= 0)
		return f->vuln->cvss4_score;
	switch (f->severity) {
	case MMR_SEV_CRITICAL:
		return 9.5;
	case MMR_SEV_HIGH:
		return 8.0;
	case MMR_SEV_MEDIUM:
		return 5.5;
	case MMR_SEV_LOW:
		return 2.0;
	default:
		return 0.0;
	}
}

/* A relative URI reference for a path or an image name: unreserved
 * characters and '/' kept, everything else percent-encoded (so a ':' in
 * "alpine:3.11" cannot read as a scheme). */
static const char *uri_of(struct mmr_arena *a, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	const char *s = path && *path ? path : "unknown";
	while (*s == '/')
		s++;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			mmr_buf_addc(&b, (char)c);
		} else {
			mmr_buf_addc(&b, '%');
			mmr_buf_addc(&b, hex[c >> 4]);
			mmr_buf_addc(&b, hex[c & 15]);
		}
	}
	const char *r = b.len ? mmr_arena_strndup(a, b.p, b.len) : "unknown";
	mmr_buf_release(&b);
	return r;
}

/* package id -> package of one result */
static int index_packages(struct mmr_map *m, struct mmr_arena *a, const struct mmr_result *res)
{
	mmr_map_init(m, a);
	for (size_t i = 0; i < res->packages.n; i++) {
		const struct mmr_package *p = res->packages.v[i];
		if (p->id && !mmr_map_has(m, p->id) && mmr_map_put(m, p->id, (void *)p) < 0)
			return -ENOMEM;
	}
	return 0;
}

static const char *join(struct mmr_arena *a, const struct mmr_vec *v, const char *sep)
{
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < v->n; i++) {
		if (!v->v[i])
			continue;
		if (b.len)
			mmr_buf_adds(&b, sep);
		mmr_buf_adds(&b, v->v[i]);
	}
	char *s = mmr_arena_strndup(a, b.p, b.len);
	mmr_buf_release(&b);
	return s;
}

static const char *message_of(struct mmr_arena *a, const struct mmr_finding *f,
			      const struct mmr_package *p)
{
	const char *id = f->rule_id ? f->rule_id : "?";
	if (!f->vuln)
		return mmr_arena_printf(a, "%s: %s", id, f->title ? f->title : id);
	const char *name = p && p->name ? p->name : f->loc.package ? f->loc.package : "?";
	const char *ver = f->vuln->installed ? f->vuln->installed :
			  p ? mmr_package_full_version(a, p) :
			      "?";
	const char *fix = f->vuln->fixed.n ? mmr_arena_printf(a, "fixed in %s",
							      join(a, &f->vuln->fixed, ", ")) :
			  f->vuln->status && strcmp(f->vuln->status, "will_not_fix") == 0 ?
					     "the distribution will not fix it" :
					     "no fix is available";
	return mmr_arena_printf(a, "Package %s version %s is affected by %s (%s); %s", name, ver, id,
				mmr_severity_name(f->severity), fix);
}

static json_t *rule_of(struct mmr_arena *a, const struct mmr_finding *f, bool os)
{
	json_t *r = json_object();
	set(r, "id", f->rule_id);
	if (f->vuln)
		set(r, "name", os ? "OsPackageVulnerability" : "LanguageSpecificPackageVulnerability");
	const char *title = f->title && *f->title ? f->title : f->rule_id;
	const char *desc = f->vuln && f->vuln->description && *f->vuln->description ?
				   f->vuln->description :
				   title;
	json_object_set_new(r, "shortDescription", text(title));
	json_object_set_new(r, "fullDescription", text(desc));
	json_t *dc = json_object();
	set(dc, "level", level_of(f->severity));
	json_object_set_new(r, "defaultConfiguration", dc);
	const char *help = f->references.n && f->references.v[0] ? f->references.v[0] : NULL;
	if (help)
		set(r, "helpUri", help);
	json_t *h = json_object();
	set(h, "text",
	    mmr_arena_printf(a, "Vulnerability %s\nSeverity: %s\n%s%s%s", f->rule_id,
			     mmr_severity_name(f->severity), desc, help ? "\n" : "", help ? help : ""));
	json_object_set_new(r, "help", h);
	json_t *props = json_object(), *tags = json_array();
	set(props, "precision", "very-high");
	set(props, "security-severity", mmr_arena_printf(a, "%.1f", score_of(f)));
	json_array_append_new(tags, mmr_report_jstr(f->vuln ? "vulnerability" :
							      mmr_finding_kind_name(f->kind)));
	json_array_append_new(tags, mmr_report_jstr("security"));
	json_array_append_new(tags, mmr_report_jstr(mmr_severity_name(f->severity)));
	if (f->vuln && f->vuln->kev)
		json_array_append_new(tags, mmr_report_jstr("kev"));
	json_object_set_new(props, "tags", tags);
	json_object_set_new(r, "properties", props);
	return r;
}

static json_t *location_of(struct mmr_arena *a, const struct mmr_report *r,
			   const struct mmr_result *res, const struct mmr_finding *f,
			   const struct mmr_package *p)
{
	const char *file = f->loc.file;
	unsigned long line = f->loc.line_start, end = f->loc.line_end;
	if (!file && p) {
		file = p->file;
		line = p->line_start;
		end = p->line_end;
	}
	if (!file || !*file) {
		/* an image's OS packages: the image name, as Trivy does */
		file = r->asset.kind == MMR_ASSET_IMAGE && strcmp(res->class, "os-pkgs") == 0 ?
			       r->asset.name :
			       res->target;
		line = end = 0;
	}
	json_t *loc = json_object(), *phys = json_object(), *art = json_object();
	set(art, "uri", uri_of(a, file));
	json_object_set_new(phys, "artifactLocation", art);
	if (line) {
		json_t *reg = json_object();
		json_object_set_new(reg, "startLine", json_integer((json_int_t)line));
		if (end >= line)
			json_object_set_new(reg, "endLine", json_integer((json_int_t)end));
		json_object_set_new(phys, "region", reg);
	}
	json_object_set_new(loc, "physicalLocation", phys);
	const char *what = p ? mmr_arena_printf(a, "%s: %s@%s", res->target, p->name,
						mmr_package_full_version(a, p)) :
			       res->target;
	json_object_set_new(loc, "message", text(what));
	return loc;
}

/* One SARIF result for finding f of res; strings in a (a scratch arena). */
static json_t *result_of(struct mmr_arena *a, const struct mmr_report *r,
			 const struct mmr_result *res, const struct mmr_finding *f,
			 const struct mmr_package *p, size_t idx)
{
	const char *rid = f->rule_id && *f->rule_id ? f->rule_id : "unknown";
	json_t *jr = json_object();
	set(jr, "ruleId", rid);
	json_object_set_new(jr, "ruleIndex", json_integer((json_int_t)idx));
	set(jr, "level", level_of(f->severity));
	json_object_set_new(jr, "message", text(message_of(a, f, p)));
	json_t *locs = json_array();
	json_array_append_new(locs, location_of(a, r, res, f, p));
	json_object_set_new(jr, "locations", locs);
	if (f->fingerprint && *f->fingerprint) {
		json_t *fp = json_object();
		set(fp, "mamori/v1", f->fingerprint);
		json_object_set_new(jr, "partialFingerprints", fp);
	}
	if (f->suppressed) {
		json_t *sups = json_array(), *s = json_object();
		set(s, "kind", "external");
		set(s, "status", "accepted");
		set(s, "justification",
		    f->suppressed_by && *f->suppressed_by ? f->suppressed_by : "suppressed");
		json_array_append_new(sups, s);
		json_object_set_new(jr, "suppressions", sups);
	}
	json_t *props = json_object();
	set(props, "target", res->target);
	if (p && p->purl)
		set(props, "purl", p->purl);
	if (f->vuln) {
		if (f->vuln->fixed.n)
			set(props, "fixedVersion", join(a, &f->vuln->fixed, ", "));
		if (f->vuln->status)
			set(props, "status", f->vuln->status);
		if (f->vuln->kev)
			json_object_set_new(props, "kev", json_true());
		if (f->vuln->epss >= 0)
			json_object_set_new(props, "epss", json_real(f->vuln->epss));
	}
	json_object_set_new(jr, "properties", props);
	return jr;
}

/* tool.driver with its rules: one per rule id, in order of first use,
 * described by the first finding with that id; rule_index maps the id to
 * its index + 1. */
static json_t *tool_of(struct mmr_arena *a, const struct mmr_report *r, struct mmr_map *rule_index)
{
	json_t *tool = json_object(), *driver = json_object(), *rules = json_array();
	set(driver, "name", "mamori");
	set(driver, "fullName", "mamori vulnerability scanner");
	set(driver, "version", r->tool_version && *r->tool_version ? r->tool_version : MMR_VERSION);
	set(driver, "informationUri", INFO_URI);
	size_t nrules = 0;
	for (size_t ri = 0; ri < r->results.n; ri++) {
		const struct mmr_result *res = r->results.v[ri];
		bool os = strcmp(res->class, "os-pkgs") == 0;
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			const char *rid = f->rule_id && *f->rule_id ? f->rule_id : "unknown";
			if (mmr_map_get(rule_index, rid))
				continue;
			struct mmr_finding tmp = *f;
			tmp.rule_id = rid;
			json_array_append_new(rules, rule_of(a, &tmp, os));
			nrules++;
			if (mmr_map_put(rule_index, rid, (void *)(uintptr_t)nrules) < 0) {
				json_decref(rules);
				json_decref(driver);
				json_decref(tool);
				return NULL;
			}
		}
	}
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(tool, "driver", driver);
	return tool;
}

static json_t *invocations_of(struct mmr_arena *a, const struct mmr_report *r)
{
	json_t *inv = json_object(), *invs = json_array(), *notes = json_array();
	json_object_set_new(inv, "executionSuccessful", json_true());
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		json_t *n = json_object();
		set(n, "level", "warning");
		json_object_set_new(n, "message",
				    text(mmr_arena_printf(a, "%s: %s", d->where ? d->where : "",
							  d->message ? d->message : "")));
		json_array_append_new(notes, n);
	}
	if (json_array_size(notes))
		json_object_set_new(inv, "toolExecutionNotifications", notes);
	else
		json_decref(notes);
	json_array_append_new(invs, inv);
	return invs;
}

static json_t *run_properties(const struct mmr_report *r)
{
	json_t *rp = json_object();
	set(rp, "artifactName", r->asset.name);
	set(rp, "artifactType", mmr_asset_kind_name(r->asset.kind));
	if (r->asset.os.name) {
		set(rp, "osName", r->asset.os.name);
		if (r->asset.os.version)
			set(rp, "osVersion", r->asset.os.version);
	}
	if (r->asset.image_id)
		set(rp, "imageID", r->asset.image_id);
	return rp;
}

/* The results of res, one at a time (report-stream.h); the package index
 * and each result's strings live in scratch arenas freed as it goes. */
static int write_results_of(struct mmr_jlevel *results, const struct mmr_report *r,
			    const struct mmr_result *res, struct mmr_map *rule_index)
{
	if (!res->findings.n)
		return 0;
	struct mmr_arena *pa = mmr_arena_new(0);
	struct mmr_map pkgs;
	if (!pa || index_packages(&pkgs, pa, res) < 0) {
		mmr_arena_free(pa);
		return -ENOMEM;
	}
	int ret = 0;
	for (size_t k = 0; k < res->findings.n && !results->w->err; k++) {
		const struct mmr_finding *f = res->findings.v[k];
		const char *rid = f->rule_id && *f->rule_id ? f->rule_id : "unknown";
		size_t idx = (size_t)(uintptr_t)mmr_map_get(rule_index, rid) - 1;
		const struct mmr_package *p =
			f->loc.package ? mmr_map_get(&pkgs, f->loc.package) : NULL;
		struct mmr_arena *fa = mmr_arena_new(0);
		if (!fa) {
			ret = -ENOMEM;
			break;
		}
		mmr_jw_add(results, NULL, result_of(fa, r, res, f, p, idx));
		mmr_arena_free(fa);
	}
	mmr_arena_free(pa);
	return ret;
}

int mmr_report_write_sarif(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o)
{
	(void)o;
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	struct mmr_map rule_index;
	mmr_map_init(&rule_index, a);
	/* the rules come before the results: a first pass over the findings */
	json_t *tool = tool_of(a, r, &rule_index);
	if (!tool) {
		mmr_arena_free(a);
		return -ENOMEM;
	}
	struct mmr_jw w = { out, 0 };
	struct mmr_jlevel doc = mmr_jw_open(&w, 0, '{');
	mmr_jw_add(&doc, "$schema", mmr_report_jstr(SARIF_SCHEMA));
	mmr_jw_add(&doc, "version", mmr_report_jstr("2.1.0"));
	mmr_jw_member(&doc, "runs");
	struct mmr_jlevel runs = mmr_jw_open(&w, 1, '[');
	mmr_jw_member(&runs, NULL);
	struct mmr_jlevel run = mmr_jw_open(&w, 2, '{');
	mmr_jw_add(&run, "tool", tool);
	mmr_jw_member(&run, "results");
	struct mmr_jlevel results = mmr_jw_open(&w, 3, '[');
	int ret = 0;
	for (size_t ri = 0; ri < r->results.n && !ret && !w.err; ri++)
		ret = write_results_of(&results, r, r->results.v[ri], &rule_index);
	mmr_jw_close(&results);
	mmr_jw_add(&run, "invocations", invocations_of(a, r));
	mmr_jw_add(&run, "columnKind", mmr_report_jstr("utf16CodeUnits"));
	mmr_jw_add(&run, "properties", run_properties(r));
	mmr_jw_close(&run);
	mmr_jw_close(&runs);
	mmr_jw_close(&doc);
	mmr_jw_put(&w, "\n", 1);
	int wret = mmr_jw_finish(&w);
	mmr_arena_free(a);
	return ret ? ret : wret;
}
