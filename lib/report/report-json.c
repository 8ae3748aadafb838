/* report-json.c - mamori's own JSON report, schema version 1
 * (docs/schema/report-v1.schema.json, docs/report.md). */
#include "report/report.h"
#include "report/report-stream.h"

#include "mmr-config.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *str_array(const struct mmr_vec *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i])
			json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static const char *relation_name(enum mmr_dep_relation r)
{
	switch (r) {
	case MMR_DEP_ROOT:
		return "root";
	case MMR_DEP_WORKSPACE:
		return "workspace";
	case MMR_DEP_DIRECT:
		return "direct";
	case MMR_DEP_INDIRECT:
		return "indirect";
	default:
		return NULL;
	}
}

static json_t *package_json(const struct mmr_package *p)
{
	json_t *o = json_object();
	set_str(o, "id", p->id);
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "version", json_string(p->version ? p->version : ""));
	if (p->has_epoch)
		json_object_set_new(o, "epoch", json_integer(p->epoch));
	set_str(o, "release", p->release);
	set_str(o, "arch", p->arch);
	set_str(o, "srcName", p->src_name);
	set_str(o, "srcVersion", p->src_version);
	if (p->src_epoch)
		json_object_set_new(o, "srcEpoch", json_integer(p->src_epoch));
	set_str(o, "srcRelease", p->src_release);
	json_object_set_new(o, "ecosystem", json_string(mmr_ecosystem_id(p->eco)));
	set_str(o, "purl", p->purl);
	if (p->licenses.n)
		json_object_set_new(o, "licenses", str_array(&p->licenses));
	if (p->depends_on.n)
		json_object_set_new(o, "dependsOn", str_array(&p->depends_on));
	set_str(o, "relationship", relation_name(p->relation));
	if (p->dev)
		json_object_set_new(o, "dev", json_true());
	if (p->indirect)
		json_object_set_new(o, "indirect", json_true());
	set_str(o, "file", p->file);
	set_str(o, "layer", p->layer);
	set_str(o, "maintainer", p->maintainer);
	set_str(o, "vendor", p->vendor);
	set_str(o, "repository", p->repository);
	if (p->line_start) {
		json_t *l = json_object();
		json_object_set_new(l, "startLine", json_integer((json_int_t)p->line_start));
		json_object_set_new(l, "endLine",
				    json_integer((json_int_t)(p->line_end ? p->line_end : p->line_start)));
		json_object_set_new(o, "location", l);
	}
	return o;
}

static void set_score(json_t *o, const char *k, double v)
{
	if (v >= 0)
		json_object_set_new(o, k, json_real(v));
}

static json_t *vuln_json(const struct mmr_vuln_info *v)
{
	json_t *o = json_object();
	set_str(o, "installedVersion", v->installed);
	json_object_set_new(o, "fixedVersions", str_array(&v->fixed));
	set_str(o, "status", v->status);
	json_object_set_new(o, "sources", str_array(&v->sources));
	set_str(o, "description", v->description);
	set_str(o, "published", v->published);
	set_str(o, "modified", v->modified);
	set_str(o, "severitySource", v->severity_source);
	set_str(o, "cvss3Vector", v->cvss3_vector);
	set_score(o, "cvss3Score", v->cvss3_score);
	set_str(o, "cvss4Vector", v->cvss4_vector);
	set_score(o, "cvss4Score", v->cvss4_score);
	json_object_set_new(o, "kev", json_boolean(v->kev));
	set_str(o, "kevDateAdded", v->kev_added);
	set_str(o, "kevDueDate", v->kev_due);
	set_score(o, "epss", v->epss);
	set_score(o, "epssPercentile", v->epss_percentile);
	set_str(o, "vexStatus", v->vex_status);
	set_str(o, "vexJustification", v->vex_justification);
	set_str(o, "vexSource", v->vex_source);
	if (v->cwes.n)
		json_object_set_new(o, "cwes", str_array(&v->cwes));
	return o;
}

static json_t *finding_json(const struct mmr_finding *f)
{
	json_t *o = json_object();
	set_str(o, "fingerprint", f->fingerprint);
	json_object_set_new(o, "kind", json_string(mmr_finding_kind_name(f->kind)));
	set_str(o, "ruleId", f->rule_id);
	set_str(o, "title", f->title);
	json_object_set_new(o, "severity", json_string(mmr_severity_name(f->severity)));
	if (f->score >= 0)
		json_object_set_new(o, "score", json_real(f->score));
	json_t *loc = json_object();
	set_str(loc, "file", f->loc.file);
	if (f->loc.line_start)
		json_object_set_new(loc, "startLine", json_integer((json_int_t)f->loc.line_start));
	if (f->loc.line_end)
		json_object_set_new(loc, "endLine", json_integer((json_int_t)f->loc.line_end));
	if (f->loc.col)
		json_object_set_new(loc, "column", json_integer((json_int_t)f->loc.col));
	set_str(loc, "layer", f->loc.layer);
	set_str(loc, "package", f->loc.package);
	set_str(loc, "resource", f->loc.resource);
	set_str(loc, "process", f->loc.process);
	json_object_set_new(o, "location", loc);
	set_str(o, "evidence", f->evidence);
	set_str(o, "remediation", f->remediation);
	set_str(o, "fix", f->fix);
	if (f->aliases.n)
		json_object_set_new(o, "aliases", str_array(&f->aliases));
	if (f->references.n)
		json_object_set_new(o, "references", str_array(&f->references));
	if (f->controls.n)
		json_object_set_new(o, "controls", str_array(&f->controls));
	if (f->suppressed) {
		json_object_set_new(o, "suppressed", json_true());
		set_str(o, "suppressedBy", f->suppressed_by);
	}
	if (f->vuln)
		json_object_set_new(o, "vulnerability", vuln_json(f->vuln));
	return o;
}

static json_t *image_json(const struct mmr_asset *a)
{
	json_t *o = json_object();
	set_str(o, "id", a->image_id);
	set_str(o, "manifestDigest", a->manifest_digest);
	json_object_set_new(o, "repoTags", str_array(&a->repo_tags));
	json_object_set_new(o, "repoDigests", str_array(&a->repo_digests));
	json_t *layers = json_array();
	for (size_t i = 0; i < a->layers.n; i++) {
		const struct mmr_layer *l = a->layers.v[i];
		json_t *lo = json_object();
		set_str(lo, "digest", l->digest);
		set_str(lo, "diffId", l->diff_id);
		if (l->size)
			json_object_set_new(lo, "size", json_integer((json_int_t)l->size));
		set_str(lo, "mediaType", l->media_type);
		set_str(lo, "createdBy", l->created_by);
		json_array_append_new(layers, lo);
	}
	json_object_set_new(o, "layers", layers);
	if (a->has_config) {
		const struct mmr_image_config *c = &a->config;
		json_t *co = json_object();
		set_str(co, "architecture", c->architecture);
		set_str(co, "os", c->os);
		set_str(co, "variant", c->variant);
		set_str(co, "created", c->created);
		set_str(co, "user", c->user);
		set_str(co, "workingDir", c->workdir);
		json_object_set_new(co, "env", str_array(&c->env));
		json_object_set_new(co, "entrypoint", str_array(&c->entrypoint));
		json_object_set_new(co, "cmd", str_array(&c->cmd));
		json_object_set_new(co, "exposedPorts", str_array(&c->exposed_ports));
		json_object_set_new(co, "volumes", str_array(&c->volumes));
		json_t *labels = json_object();
		for (size_t i = 0; i < c->label_keys.n && i < c->label_values.n; i++)
			json_object_set_new(labels, c->label_keys.v[i],
					    json_string(c->label_values.v[i] ? c->label_values.v[i] : ""));
		json_object_set_new(co, "labels", labels);
		json_t *hist = json_array();
		for (size_t i = 0; i < c->history.n; i++) {
			const struct mmr_image_history *h = c->history.v[i];
			json_t *ho = json_object();
			set_str(ho, "created", h->created);
			set_str(ho, "createdBy", h->created_by);
			set_str(ho, "comment", h->comment);
			if (h->empty_layer)
				json_object_set_new(ho, "emptyLayer", json_true());
			json_array_append_new(hist, ho);
		}
		json_object_set_new(co, "history", hist);
		json_object_set_new(co, "healthcheck", json_boolean(c->has_healthcheck));
		json_object_set_new(o, "config", co);
	}
	return o;
}

static json_t *artifact_json(const struct mmr_asset *a)
{
	json_t *art = json_object();
	json_object_set_new(art, "name", json_string(a->name ? a->name : ""));
	json_object_set_new(art, "type", json_string(mmr_asset_kind_name(a->kind)));
	set_str(art, "hostname", a->hostname);
	if (a->os.name) {
		json_t *os = json_object();
		set_str(os, "family", a->os.family);
		set_str(os, "name", a->os.name);
		set_str(os, "version", a->os.version);
		set_str(os, "codename", a->os.codename);
		set_str(os, "prettyName", a->os.pretty);
		json_object_set_new(art, "os", os);
	}
	if (a->kind == MMR_ASSET_IMAGE)
		json_object_set_new(art, "image", image_json(a));
	return art;
}

static json_t *tool_json(const struct mmr_report_opts *opts)
{
	json_t *tool = json_object();
	json_object_set_new(tool, "name", json_string("mamori"));
	json_object_set_new(tool, "version", json_string(MMR_VERSION));
	if (opts && opts->command)
		json_object_set_new(tool, "command", json_string(opts->command));
	return tool;
}

static json_t *warning_json(const struct mmr_diag *d)
{
	json_t *w = json_object();
	json_object_set_new(w, "where", json_string(d->where ? d->where : ""));
	json_object_set_new(w, "message", json_string(d->message ? d->message : ""));
	return w;
}

static json_t *summary_json(size_t nres, size_t npk, size_t nfind, size_t nwarn)
{
	json_t *sum = json_object();
	json_object_set_new(sum, "results", json_integer((json_int_t)nres));
	json_object_set_new(sum, "packages", json_integer((json_int_t)npk));
	json_object_set_new(sum, "findings", json_integer((json_int_t)nfind));
	json_object_set_new(sum, "warnings", json_integer((json_int_t)nwarn));
	return sum;
}

json_t *mmr_report_to_json(const struct mmr_report *r, const struct mmr_report_opts *opts)
{
	json_t *root = json_object();
	json_object_set_new(root, "schemaVersion", json_integer(MMR_REPORT_SCHEMA_VERSION));
	json_object_set_new(root, "tool", tool_json(opts));
	json_object_set_new(root, "createdAt", json_string(r->created));
	json_object_set_new(root, "artifact", artifact_json(&r->asset));

	json_t *results = json_array();
	size_t npk = 0, nfind = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		json_t *ro = json_object();
		json_object_set_new(ro, "target", json_string(res->target));
		json_object_set_new(ro, "class", json_string(res->class));
		json_object_set_new(ro, "type", json_string(res->type));
		json_t *pk = json_array();
		for (size_t k = 0; k < res->packages.n; k++)
			json_array_append_new(pk, package_json(res->packages.v[k]));
		json_object_set_new(ro, "packages", pk);
		json_t *fd = json_array();
		for (size_t k = 0; k < res->findings.n; k++)
			json_array_append_new(fd, finding_json(res->findings.v[k]));
		json_object_set_new(ro, "findings", fd);
		json_array_append_new(results, ro);
		npk += res->packages.n;
		nfind += res->findings.n;
	}
	json_object_set_new(root, "results", results);

	json_t *warns = json_array();
	for (size_t i = 0; i < r->diags.n; i++)
		json_array_append_new(warns, warning_json(r->diags.v[i]));
	json_object_set_new(root, "warnings", warns);
	json_object_set_new(root, "summary", summary_json(r->results.n, npk, nfind, r->diags.n));
	return root;
}

/* The report written one result element at a time (report-stream.h):
 * the same bytes as json_dumpf(mmr_report_to_json(r), MMR_JW_FLAGS), with
 * peak memory bounded by the largest package or finding, not the report. */
static void write_result(struct mmr_jlevel *results, const struct mmr_result *res)
{
	mmr_jw_member(results, NULL);
	struct mmr_jlevel ro = mmr_jw_open(results->w, results->depth + 1, '{');
	mmr_jw_add(&ro, "target", json_string(res->target));
	mmr_jw_add(&ro, "class", json_string(res->class));
	mmr_jw_add(&ro, "type", json_string(res->type));
	mmr_jw_member(&ro, "packages");
	struct mmr_jlevel pk = mmr_jw_open(ro.w, ro.depth + 1, '[');
	for (size_t k = 0; k < res->packages.n; k++)
		mmr_jw_add(&pk, NULL, package_json(res->packages.v[k]));
	mmr_jw_close(&pk);
	mmr_jw_member(&ro, "findings");
	struct mmr_jlevel fd = mmr_jw_open(ro.w, ro.depth + 1, '[');
	for (size_t k = 0; k < res->findings.n; k++)
		mmr_jw_add(&fd, NULL, finding_json(res->findings.v[k]));
	mmr_jw_close(&fd);
	mmr_jw_close(&ro);
}

int mmr_report_write_json(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o)
{
	struct mmr_jw w = { out, 0 };
	struct mmr_jlevel root = mmr_jw_open(&w, 0, '{');
	mmr_jw_add(&root, "schemaVersion", json_integer(MMR_REPORT_SCHEMA_VERSION));
	mmr_jw_add(&root, "tool", tool_json(o));
	mmr_jw_add(&root, "createdAt", json_string(r->created));
	mmr_jw_add(&root, "artifact", artifact_json(&r->asset));

	size_t npk = 0, nfind = 0;
	mmr_jw_member(&root, "results");
	struct mmr_jlevel results = mmr_jw_open(&w, 1, '[');
	for (size_t i = 0; i < r->results.n && !w.err; i++) {
		const struct mmr_result *res = r->results.v[i];
		write_result(&results, res);
		npk += res->packages.n;
		nfind += res->findings.n;
	}
	mmr_jw_close(&results);

	mmr_jw_member(&root, "warnings");
	struct mmr_jlevel warns = mmr_jw_open(&w, 1, '[');
	for (size_t i = 0; i < r->diags.n && !w.err; i++)
		mmr_jw_add(&warns, NULL, warning_json(r->diags.v[i]));
	mmr_jw_close(&warns);
	mmr_jw_add(&root, "summary", summary_json(r->results.n, npk, nfind, r->diags.n));
	mmr_jw_close(&root);
	mmr_jw_put(&w, "\n", 1);
	return mmr_jw_finish(&w);
}
