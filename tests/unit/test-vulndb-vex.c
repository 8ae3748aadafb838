/* test-vulndb-vex.c - OpenVEX, CycloneDX VEX and CSAF VEX: parsing, the
 * real Ubuntu OpenVEX and Red Hat CSAF samples, and applying statements. */
#include "test-util.h"

#include "vulndb/vulndb-vex.h"

#include <errno.h>
#include <string.h>

struct rep {
	struct mmr_report *r;
	struct mmr_result *res;
};

static void rep_new(struct rep *x, const char *osname, const char *osver)
{
	x->r = mmr_report_new();
	assert_non_null(x->r);
	x->r->asset.kind = MMR_ASSET_IMAGE;
	x->r->asset.name = "registry.example/team/app:1.0";
	x->r->asset.os.name = osname;
	x->r->asset.os.family = osname;
	x->r->asset.os.version = osver;
	x->res = mmr_report_result(x->r, "os", "os-pkgs", "dpkg");
	assert_non_null(x->res);
}

static struct mmr_package *add_pkg(struct rep *x, struct mmr_result *res, enum mmr_ecosystem eco,
				   const char *name, const char *version, const char *release,
				   uint32_t epoch, const char *arch, const char *src)
{
	struct mmr_package *p = mmr_arena_alloc(x->r->arena, sizeof(*p));
	assert_non_null(p);
	p->name = name;
	p->version = version;
	p->release = release;
	p->epoch = epoch;
	p->has_epoch = epoch != 0;
	p->arch = arch;
	p->eco = eco;
	if (src) {
		p->src_name = src;
		p->src_version = version;
		p->src_release = release;
		p->src_epoch = epoch;
	}
	assert_int_equal(mmr_package_finish(x->r->arena, p, mmr_ecosystem_is_os(eco) ? &x->r->asset.os : NULL),
			 0);
	assert_int_equal(mmr_vec_push(x->r->arena, &res->packages, p), 0);
	return p;
}

static struct mmr_finding *add_finding(struct rep *x, struct mmr_result *res,
				       const struct mmr_package *p, const char *id, const char *alias)
{
	struct mmr_finding *f = mmr_arena_alloc(x->r->arena, sizeof(*f));
	assert_non_null(f);
	f->kind = MMR_FINDING_VULNERABILITY;
	f->rule_id = id;
	f->loc.package = p->id;
	if (alias)
		assert_int_equal(mmr_vec_push(x->r->arena, &f->aliases, (void *)alias), 0);
	f->vuln = mmr_arena_alloc(x->r->arena, sizeof(*f->vuln));
	assert_non_null(f->vuln);
	f->vuln->status = "fixed";
	assert_int_equal(mmr_vec_push(x->r->arena, &res->findings, f), 0);
	return f;
}

static int parse(struct mmr_vulndb_vex *vx, const char *file, const char *text, struct mmr_error *e)
{
	return mmr_vulndb_vex_parse(vx, file, text, strlen(text), e);
}

static void test_time(void **state)
{
	(void)state;
	assert_int_equal(mmr_vulndb_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(mmr_vulndb_parse_time("2023-10-11T06:00:00Z"), 1697004000);
	assert_int_equal(mmr_vulndb_parse_time("2026-05-20T15:02:47.589121Z"), 1779289367);
	assert_int_equal(mmr_vulndb_parse_time("2025-12-18T11:16:21+00:00"), 1766056581);
	assert_int_equal(mmr_vulndb_parse_time("2025-12-18T12:16:21+01:00"), 1766056581);
	assert_int_equal(mmr_vulndb_parse_time("2025-12-18T06:16:21-0500"), 1766056581);
	assert_int_equal(mmr_vulndb_parse_time("2025-12-18"), 1766016000);
	assert_true(mmr_vulndb_parse_time("2025-12-18T25:00:00Z") == INT64_MIN);
	assert_true(mmr_vulndb_parse_time("2025-12-18T10:00:00Zjunk") == INT64_MIN);
	assert_true(mmr_vulndb_parse_time("yesterday") == INT64_MIN);
	assert_true(mmr_vulndb_parse_time(NULL) == INT64_MIN);
}

/* The real Ubuntu OpenVEX document for CVE-2023-38545 (curl SOCKS5). */
static void test_ubuntu_openvex(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_vex_load(&vx, mmr_test_corpus("vuln/ubuntu/openvex-CVE-2023-38545.json"), &e),
			 0);
	/* 149 fixed + 113 affected + 356 not_affected products */
	assert_int_equal(vx.statements.n, 618);
	size_t per[4] = { 0 };
	for (size_t i = 0; i < vx.statements.n; i++) {
		const struct mmr_vex_statement *s = vx.statements.v[i];
		per[s->status]++;
		assert_string_equal(s->vuln_id, "CVE-2023-38545");
		assert_string_equal(s->format, "openvex");
		assert_int_equal(s->timestamp, 1697004000);
	}
	assert_int_equal(per[MMR_VEX_FIXED], 149);
	assert_int_equal(per[MMR_VEX_AFFECTED], 113);
	assert_int_equal(per[MMR_VEX_NOT_AFFECTED], 356);
	const struct mmr_vex_statement *s0 = vx.statements.v[0];
	/* URL aliases reduced to ids */
	bool usn = false, cve_dup = false;
	for (size_t i = 0; i < s0->n_aliases; i++) {
		usn |= strcmp(s0->aliases[i], "USN-6429-1") == 0;
		cve_dup |= strcmp(s0->aliases[i], "CVE-2023-38545") == 0;
	}
	assert_true(usn);
	assert_false(cve_dup);

	/* jammy: curl at the fixed version -> suppressed as fixed (by the USN
	 * alias); libcurl4 at an older version -> no statement names it */
	struct rep x;
	rep_new(&x, "ubuntu", "22.04");
	struct mmr_package *curl = add_pkg(&x, x.res, MMR_ECO_DPKG, "curl", "7.81.0", "1ubuntu1.24", 0,
					   "amd64", "curl");
	struct mmr_package *lib = add_pkg(&x, x.res, MMR_ECO_DPKG, "libcurl4", "7.81.0", "1ubuntu1.13", 0,
					  "amd64", "curl");
	struct mmr_finding *f1 = add_finding(&x, x.res, curl, "USN-6429-1", NULL);
	struct mmr_finding *f2 = add_finding(&x, x.res, lib, "CVE-2023-38545", NULL);
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 1);
	assert_true(f1->suppressed);
	assert_string_equal(f1->suppressed_by, "vex: fixed");
	assert_string_equal(f1->vuln->vex_status, "fixed");
	assert_string_equal(f1->vuln->vex_source, "openvex-CVE-2023-38545.json (openvex)");
	assert_false(f2->suppressed);
	assert_null(f2->vuln->vex_status);
	mmr_report_free(x.r);

	/* trusty ESM: not affected, justification shown */
	rep_new(&x, "ubuntu", "14.04");
	curl = add_pkg(&x, x.res, MMR_ECO_DPKG, "curl", "7.35.0", "1ubuntu2.20+esm19", 0, "amd64", "curl");
	f1 = add_finding(&x, x.res, curl, "CVE-2023-38545", NULL);
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 1);
	assert_true(f1->suppressed);
	assert_string_equal(f1->suppressed_by, "vex: not_affected (vulnerable_code_not_present)");
	assert_string_equal(f1->vuln->vex_status, "not_affected");
	assert_string_equal(f1->vuln->vex_justification, "vulnerable_code_not_present");
	assert_string_equal(f1->vuln->status, "not_affected");
	mmr_report_free(x.r);

	/* xenial: affected -> kept, status noted */
	rep_new(&x, "ubuntu", "16.04");
	curl = add_pkg(&x, x.res, MMR_ECO_DPKG, "curl", "7.47.0", "1ubuntu2.19", 0, "amd64", "curl");
	f1 = add_finding(&x, x.res, curl, "CVE-2023-38545", NULL);
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 0);
	assert_false(f1->suppressed);
	assert_string_equal(f1->vuln->vex_status, "affected");
	/* a debian package of the same name and version is not Ubuntu's */
	mmr_report_free(x.r);
	rep_new(&x, "debian", "12");
	curl = add_pkg(&x, x.res, MMR_ECO_DPKG, "curl", "7.81.0", "1ubuntu1.24", 0, "amd64", "curl");
	f1 = add_finding(&x, x.res, curl, "CVE-2023-38545", NULL);
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 0);
	assert_null(f1->vuln->vex_status);
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

/* The real Red Hat CSAF VEX for RHSA-2025:23414 (bind, RHEL 6 ELS). */
static void test_redhat_csaf(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_vex_load(&vx, mmr_test_corpus("vuln/rhel/csaf-rhsa-2025_23414.json"), &e), 0);
	/* 2 CVEs x (26 fixed + 24 known_not_affected product ids); the two
	 * product branches (6Server-ELS and -optional) name the same purls, so
	 * per CVE 13 fixed and 12 not-affected distinct purls remain */
	assert_int_equal(vx.statements.n, 2 * (13 + 12));
	const struct mmr_vex_statement *s0 = vx.statements.v[0];
	assert_string_equal(s0->format, "csaf");
	assert_int_equal(s0->timestamp, 1766056581);

	struct rep x;
	rep_new(&x, "rhel", "6.10");
	struct mmr_package *bind = add_pkg(&x, x.res, MMR_ECO_RPM, "bind", "9.8.2", "0.68.rc1.el6_10.17", 32,
					   "x86_64", "bind");
	struct mmr_package *chroot = add_pkg(&x, x.res, MMR_ECO_RPM, "bind-chroot", "9.8.2",
					     "0.68.rc1.el6_10.17", 32, "x86_64", "bind");
	struct mmr_package *old = add_pkg(&x, x.res, MMR_ECO_RPM, "bind-utils", "9.8.2", "0.68.rc1.el6_10.16",
					  32, "x86_64", "bind");
	struct mmr_finding *fb = add_finding(&x, x.res, bind, "CVE-2021-25220", NULL);
	struct mmr_finding *fc = add_finding(&x, x.res, chroot, "CVE-2021-25220", NULL);
	struct mmr_finding *fo = add_finding(&x, x.res, old, "CVE-2025-40778", NULL);
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 2);
	/* the binary's own "fixed" beats the source package's not-affected */
	assert_true(fb->suppressed);
	assert_string_equal(fb->suppressed_by, "vex: fixed");
	assert_true(fc->suppressed);
	assert_string_equal(fc->suppressed_by, "vex: not_affected (vulnerable_code_not_present)");
	assert_string_equal(fc->vuln->vex_source, "csaf-rhsa-2025_23414.json (csaf)");
	/* another release is named by no statement */
	assert_false(fo->suppressed);
	assert_null(fo->vuln->vex_status);
	mmr_report_free(x.r);

	/* the other sample: python3.9 src fixed, resolved through relationships */
	assert_int_equal(mmr_vulndb_vex_load(&vx, mmr_test_corpus("vuln/rhel/csaf-rhsa-2024_6163.json"), &e), 0);
	rep_new(&x, "rhel", "9.4");
	struct mmr_package *py = add_pkg(&x, x.res, MMR_ECO_RPM, "python3.9-libs", "3.9.18", "3.el9_4.5", 0,
					 "x86_64", "python3.9");
	struct mmr_finding *fp = add_finding(&x, x.res, py, "CVE-2024-8088", NULL);
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 1);
	assert_string_equal(fp->suppressed_by, "vex: fixed");
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

static const char *const ovx_old =
	"{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"timestamp\":\"2024-01-01T00:00:00Z\","
	"\"statements\":[{\"vulnerability\":{\"name\":\"CVE-2024-1\"},"
	"\"products\":[{\"@id\":\"pkg:npm/lodash@4.17.20\"}],"
	"\"status\":\"not_affected\",\"justification\":\"vulnerable_code_not_in_execute_path\"}]}";
static const char *const ovx_new =
	"{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"timestamp\":\"2024-03-01T00:00:00Z\","
	"\"statements\":[{\"vulnerability\":{\"name\":\"CVE-2024-1\"},"
	"\"products\":[{\"@id\":\"pkg:npm/lodash\"}],"
	"\"status\":\"affected\",\"action_statement\":\"upgrade\"}]}";

static void latest_case(const char *first, const char *second)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	assert_int_equal(parse(&vx, "a.json", first, &e), 0);
	assert_int_equal(parse(&vx, "b.json", second, &e), 0);
	struct rep x;
	rep_new(&x, "debian", "12");
	struct mmr_result *npm = mmr_report_result(x.r, "package-lock.json", "lang-pkgs", "npm");
	struct mmr_package *lo = add_pkg(&x, npm, MMR_ECO_NPM, "lodash", "4.17.20", NULL, 0, NULL, NULL);
	struct mmr_finding *f = add_finding(&x, npm, lo, "GHSA-xxxx", "CVE-2024-1");
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 0);
	assert_false(f->suppressed);
	assert_string_equal(f->vuln->vex_status, "affected");
	assert_string_equal(f->vuln->vex_justification, "upgrade");
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

static void test_latest_wins(void **state)
{
	(void)state;
	latest_case(ovx_old, ovx_new);
	latest_case(ovx_new, ovx_old); /* load order does not matter */

	/* the older statement alone suppresses */
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	assert_int_equal(parse(&vx, "a.json", ovx_old, &e), 0);
	struct rep x;
	rep_new(&x, "debian", "12");
	struct mmr_result *npm = mmr_report_result(x.r, "package-lock.json", "lang-pkgs", "npm");
	struct mmr_package *lo = add_pkg(&x, npm, MMR_ECO_NPM, "lodash", "4.17.20", NULL, 0, NULL, NULL);
	struct mmr_package *lo2 = add_pkg(&x, npm, MMR_ECO_NPM, "lodash", "4.17.21", NULL, 0, NULL, NULL);
	struct mmr_finding *f = add_finding(&x, npm, lo, "cve-2024-1", NULL);
	struct mmr_finding *f2 = add_finding(&x, npm, lo2, "CVE-2024-1", NULL);
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 1);
	assert_true(f->suppressed);
	assert_string_equal(f->suppressed_by, "vex: not_affected (vulnerable_code_not_in_execute_path)");
	assert_false(f2->suppressed); /* the statement names 4.17.20 only */
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

static void test_openvex_subcomponents(void **state)
{
	(void)state;
	const char *doc =
		"{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"timestamp\":\"2024-01-01T00:00:00Z\","
		"\"statements\":[{\"vulnerability\":{\"name\":\"CVE-2024-2\"},"
		"\"products\":[{\"@id\":\"pkg:oci/app@sha256%3Aabc123\","
		"\"subcomponents\":[{\"@id\":\"pkg:deb/debian/zlib1g\"}]}],"
		"\"status\":\"not_affected\",\"justification\":\"inline_mitigations_already_exist\"}]}";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	assert_int_equal(parse(&vx, "img.openvex.json", doc, &e), 0);
	for (int digest_matches = 0; digest_matches < 2; digest_matches++) {
		struct rep x;
		rep_new(&x, "debian", "12");
		x.r->asset.image_id = digest_matches ? "sha256:abc123" : "sha256:fff";
		struct mmr_package *z = add_pkg(&x, x.res, MMR_ECO_DPKG, "zlib1g", "1.2.13", "dfsg-1", 1,
						"amd64", "zlib");
		struct mmr_finding *f = add_finding(&x, x.res, z, "CVE-2024-2", NULL);
		assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), digest_matches);
		assert_int_equal(f->suppressed, digest_matches);
		mmr_report_free(x.r);
	}
	mmr_arena_free(a);
}

static void test_cyclonedx(void **state)
{
	(void)state;
	const char *doc =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\","
		"\"metadata\":{\"timestamp\":\"2024-05-01T00:00:00Z\"},"
		"\"components\":[{\"bom-ref\":\"lib-1\",\"name\":\"jackson-databind\","
		"\"purl\":\"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0\"},"
		"{\"bom-ref\":\"grp\",\"name\":\"g\",\"components\":[{\"bom-ref\":\"inner\","
		"\"purl\":\"pkg:pypi/Django@4.2.1\"}]}],"
		"\"vulnerabilities\":["
		"{\"id\":\"CVE-2022-42003\",\"references\":[{\"id\":\"GHSA-jjjh-jjxp-wpff\"}],"
		"\"analysis\":{\"state\":\"not_affected\",\"justification\":\"code_not_reachable\","
		"\"detail\":\"no untyped polymorphism\"},\"affects\":[{\"ref\":\"lib-1\"}]},"
		"{\"id\":\"CVE-2023-1\",\"analysis\":{\"state\":\"in_triage\"},"
		"\"affects\":[{\"ref\":\"urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#inner\"}]},"
		"{\"id\":\"CVE-2023-2\",\"analysis\":{\"state\":\"exploitable\"},"
		"\"affects\":[{\"ref\":\"pkg:pypi/django\",\"versions\":[{\"version\":\"4.2.1\",\"status\":\"unaffected\"}]}]},"
		"{\"id\":\"CVE-2023-3\",\"ratings\":[]}"
		"]}";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	assert_int_equal(parse(&vx, "bom.cdx.json", doc, &e), 0);
	assert_int_equal(vx.statements.n, 3);
	struct rep x;
	rep_new(&x, "debian", "12");
	struct mmr_result *mv = mmr_report_result(x.r, "app.jar", "lang-pkgs", "jar");
	struct mmr_result *py = mmr_report_result(x.r, "requirements.txt", "lang-pkgs", "pip");
	struct mmr_package *j = add_pkg(&x, mv, MMR_ECO_MAVEN, "com.fasterxml.jackson.core:jackson-databind",
					"2.13.0", NULL, 0, NULL, NULL);
	struct mmr_package *d = add_pkg(&x, py, MMR_ECO_PYPI, "django", "4.2.1", NULL, 0, NULL, NULL);
	struct mmr_finding *fj = add_finding(&x, mv, j, "GHSA-jjjh-jjxp-wpff", NULL);
	struct mmr_finding *fd1 = add_finding(&x, py, d, "CVE-2023-1", NULL);
	struct mmr_finding *fd2 = add_finding(&x, py, d, "PYSEC-1", "CVE-2023-2");
	assert_int_equal(mmr_vulndb_vex_apply(x.r, &vx), 2);
	assert_string_equal(fj->suppressed_by, "vex: not_affected (code_not_reachable)");
	assert_string_equal(fj->vuln->vex_source, "bom.cdx.json (cyclonedx)");
	assert_false(fd1->suppressed);
	assert_string_equal(fd1->vuln->vex_status, "under_investigation");
	assert_true(fd2->suppressed); /* the version entry says unaffected */
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

static void test_errors(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_vex vx;
	mmr_vulndb_vex_init(&vx, a);
	struct mmr_error e = { 0 };
	assert_int_equal(parse(&vx, "x.json", "{\"statements\": [\n{]}", &e), -EBADMSG);
	assert_string_equal(e.file, "x.json");
	assert_int_equal(e.line, 2);
	memset(&e, 0, sizeof(e));
	assert_int_equal(parse(&vx, "x.json", "{\"spdxVersion\":\"SPDX-2.3\"}", &e), -EPROTO);
	assert_non_null(strstr(e.msg, "not an OpenVEX"));
	assert_int_equal(parse(&vx, "x.json", "[1,2]", &e), -EPROTO);
	assert_int_equal(parse(&vx, "x.json",
			       "{\"statements\":[{\"vulnerability\":{\"name\":\"CVE-1\"},"
			       "\"products\":[{\"@id\":\"pkg:npm/a\"}],\"status\":\"maybe\"}]}",
			       &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "statements[0]"));
	assert_int_equal(parse(&vx, "x.json",
			       "{\"statements\":[{\"products\":[{\"@id\":\"pkg:npm/a\"}],"
			       "\"status\":\"fixed\"}]}",
			       &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "no vulnerability"));
	assert_int_equal(parse(&vx, "x.json",
			       "{\"bomFormat\":\"CycloneDX\",\"vulnerabilities\":[{\"id\":\"CVE-1\","
			       "\"analysis\":{\"state\":\"nope\"}}]}",
			       &e),
			 -EBADMSG);
	assert_int_equal(vx.statements.n, 0);
	assert_int_equal(mmr_vulndb_vex_load(&vx, "/nonexistent.json", &e), -ENOENT);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_ubuntu_openvex),
		cmocka_unit_test(test_redhat_csaf),
		cmocka_unit_test(test_latest_wins),
		cmocka_unit_test(test_openvex_subcomponents),
		cmocka_unit_test(test_cyclonedx),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
