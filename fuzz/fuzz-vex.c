/* fuzz-vex.c - VEX documents (OpenVEX, CycloneDX VEX, CSAF), then applying
 * the statements to a small report (purl matching, latest-wins). */
#include "fuzz.h"
#include "vulndb/vulndb-vex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_report *r = mmr_report_new();
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	if (!r || !a)
		goto out;
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	if (mmr_vulndb_vex_parse(&vx, "fuzz.json", data, size, &e) < 0)
		goto out;
	r->asset.os.name = "ubuntu";
	r->asset.os.version = "22.04";
	r->asset.image_id = "sha256:abc";
	struct mmr_result *res = mmr_report_result(r, "os", "os-pkgs", "dpkg");
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	struct mmr_finding *f = mmr_arena_alloc(r->arena, sizeof(*f));
	if (!res || !p || !f)
		goto out;
	p->name = "libcurl4";
	p->version = "7.81.0";
	p->release = "1ubuntu1.24";
	p->arch = "amd64";
	p->src_name = "curl";
	p->src_version = "7.81.0";
	p->src_release = "1ubuntu1.24";
	p->eco = MMR_ECO_DPKG;
	mmr_package_finish(r->arena, p, &r->asset.os);
	mmr_vec_push(r->arena, &res->packages, p);
	f->kind = MMR_FINDING_VULNERABILITY;
	f->rule_id = "CVE-2023-38545";
	f->loc.package = p->id;
	mmr_vec_push(r->arena, &res->findings, f);
	mmr_vulndb_vex_apply(r, &vx);
out:
	mmr_arena_free(a);
	mmr_report_free(r);
	return 0;
}
