/* fuzz-ignore.c - ignore files: YAML and plain (.trivyignore) parsers, then
 * applying the entries to a small report (purl and glob matching). */
#include "fuzz.h"
#include "vulndb/vulndb-ignore.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_report *r = mmr_report_new();
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	if (!r || !a)
		goto out;
	struct mmr_vulndb_ignore ig = { 0 };
	struct mmr_error e = { 0 };
	/* the first byte picks the format by file name */
	const char *name = size && (data[0] & 1) ? "fuzz.yaml" : ".trivyignore";
	if (mmr_vulndb_ignore_parse(a, &ig, name, data, size, &e) < 0)
		goto out;
	struct mmr_result *res = mmr_report_result(r, "app/package-lock.json", "lang-pkgs", "npm");
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	struct mmr_finding *f = mmr_arena_alloc(r->arena, sizeof(*f));
	if (!res || !p || !f)
		goto out;
	p->name = "@scope/lodash";
	p->version = "4.17.20";
	p->eco = MMR_ECO_NPM;
	p->file = "app/package-lock.json";
	mmr_package_finish(r->arena, p, NULL);
	mmr_vec_push(r->arena, &res->packages, p);
	f->kind = MMR_FINDING_VULNERABILITY;
	f->rule_id = "CVE-2021-23337";
	f->loc.package = p->id;
	mmr_vec_push(r->arena, &f->aliases, (void *)"GHSA-35jh-r3h4-6jhm");
	mmr_vec_push(r->arena, &res->findings, f);
	mmr_vulndb_ignore_apply(r, &ig, 1718452800);
out:
	mmr_arena_free(a);
	mmr_report_free(r);
	return 0;
}
