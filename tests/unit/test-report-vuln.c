/* test-report-vuln.c - the writers on reports with vulnerability findings:
 * SARIF 2.1.0, CycloneDX 1.6 vulnerabilities (VEX out), JUnit XML and the
 * table's vulnerability sections, built by hand from model.h, including
 * hostile strings (markup, control characters, invalid UTF-8), and the
 * streaming JSON and SARIF writers against a dump of the whole tree.
 *
 * When MMR_TEST_OUT_DIR is set the documents are also written there, so
 * tests/cli/test_vuln_formats.py can validate them against the official
 * schemas with python3-jsonschema. */
#include "test-util.h"

#include "report/report.h"

#include <errno.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOSTILE_NAME "evil<&>\"'\x01\x1b[31m\xff"

static struct mmr_package *pkg(struct mmr_report *r, struct mmr_result *res, enum mmr_ecosystem eco,
			       const char *name, const char *version, const char *file,
			       unsigned long line)
{
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	assert_non_null(p);
	p->eco = eco;
	p->name = name;
	p->version = version;
	p->file = file;
	p->line_start = line;
	p->line_end = line ? line + 4 : 0;
	assert_int_equal(mmr_package_finish(r->arena, p, NULL), 0);
	assert_int_equal(mmr_vec_push(r->arena, &res->packages, p), 0);
	return p;
}

static struct mmr_finding *vuln(struct mmr_report *r, struct mmr_result *res,
				const struct mmr_package *p, const char *id, enum mmr_severity sev,
				const char *fixed)
{
	struct mmr_finding *f = mmr_arena_alloc(r->arena, sizeof(*f));
	struct mmr_vuln_info *v = mmr_arena_alloc(r->arena, sizeof(*v));
	assert_non_null(f);
	assert_non_null(v);
	f->kind = MMR_FINDING_VULNERABILITY;
	f->rule_id = id;
	f->severity = sev;
	f->score = -1;
	f->loc.package = p->id;
	f->fingerprint = mmr_arena_printf(r->arena, "fp-%s-%s", id, p->id);
	f->title = mmr_arena_printf(r->arena, "title of %s", id);
	v->installed = p->version;
	v->status = fixed ? "fixed" : "affected";
	if (fixed)
		mmr_vec_push(r->arena, &v->fixed, (void *)fixed);
	v->cvss3_score = v->cvss4_score = -1;
	v->epss = v->epss_percentile = -1;
	f->vuln = v;
	assert_int_equal(mmr_vec_push(r->arena, &res->findings, f), 0);
	return f;
}

/* An image with an Alpine OS result and an npm lockfile. */
static struct mmr_report *make_report(void)
{
	struct mmr_report *r = mmr_report_new();
	assert_non_null(r);
	r->asset.kind = MMR_ASSET_IMAGE;
	r->asset.name = "registry.example/app:1.0";
	r->asset.os.name = r->asset.os.family = "alpine";
	r->asset.os.version = "3.11.5";
	struct mmr_result *os = mmr_report_result(r, "alpine 3.11.5", "os-pkgs", "apk");
	struct mmr_result *npm = mmr_report_result(r, "app/package-lock.json", "lang-pkgs", "npm");
	assert_non_null(os);
	assert_non_null(npm);
	struct mmr_package *musl = pkg(r, os, MMR_ECO_APK, "musl", "1.1.24-r2", "lib/apk/db/installed", 0);
	struct mmr_package *crypto =
		pkg(r, os, MMR_ECO_APK, "libcrypto1.1", "1.1.1d-r3", "lib/apk/db/installed", 0);
	struct mmr_package *lodash =
		pkg(r, npm, MMR_ECO_NPM, "lodash", "4.17.15", "app/package-lock.json", 12);
	struct mmr_package *evil = pkg(r, npm, MMR_ECO_NPM, HOSTILE_NAME, "1.0", "app/package-lock.json", 0);
	pkg(r, npm, MMR_ECO_NPM, "clean", "2.0.0", "app/package-lock.json", 40);

	struct mmr_finding *f = vuln(r, os, crypto, "CVE-2019-1551", MMR_SEV_MEDIUM, "1.1.1d-r4");
	f->vuln->cvss3_vector = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N";
	f->vuln->cvss3_score = 5.3;
	f->vuln->severity_source = "alpine";
	f->vuln->published = "2019-12-06";
	mmr_vec_push(r->arena, &f->references, (void *)"https://www.openssl.org/news/secadv/20191206.txt");

	f = vuln(r, os, crypto, "CVE-2021-3711", MMR_SEV_CRITICAL, "1.1.1l-r0");
	f->vuln->kev = true;
	f->vuln->kev_added = "2022-01-01";
	f->vuln->kev_due = "2022-02-01";
	f->vuln->epss = 0.5;
	f->vuln->epss_percentile = 0.97;
	f->vuln->cvss4_vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
	f->vuln->cvss4_score = 9.3;

	f = vuln(r, os, musl, "CVE-2020-28928", MMR_SEV_LOW, NULL);
	f->suppressed = true;
	f->suppressed_by = "ignore: accepted risk until the next base image";

	f = vuln(r, npm, lodash, "CVE-2020-8203", MMR_SEV_HIGH, "4.17.19");
	mmr_vec_push(r->arena, &f->aliases, (void *)"GHSA-p6mc-m468-83gw");
	mmr_vec_push(r->arena, &f->vuln->cwes, (void *)"CWE-1321");
	mmr_vec_push(r->arena, &f->vuln->cwes, (void *)"NVD-CWE-Other");
	mmr_vec_push(r->arena, &f->references, (void *)"https://github.com/advisories/GHSA-p6mc-m468-83gw");
	f->vuln->description = "Prototype pollution in zipObjectDeep.\nMore text.";
	f->vuln->cvss3_score = 7.4;
	f->vuln->published = "2020-07-15T17:15:11Z";

	f = vuln(r, npm, lodash, "CVE-2021-23337", MMR_SEV_HIGH, "4.17.21");
	f->vuln->vex_status = "not_affected";
	f->vuln->vex_justification = "vulnerable_code_not_in_execute_path";
	f->vuln->vex_source = "vex.openvex.json";
	f->suppressed = true;
	f->suppressed_by = "vex: not_affected (vulnerable_code_not_in_execute_path)";

	f = vuln(r, npm, evil, "CVE-2099-0001", MMR_SEV_UNKNOWN, "1.1");
	f->title = "bad ]]> <script>alert(1)</script> \x07 \x1b[2J \xc3\x28 end";
	f->vuln->description = "desc with \x02 control";
	return r;
}

static char *write_to_mem(const struct mmr_report *r,
			  int (*fn)(const struct mmr_report *, FILE *, const struct mmr_report_opts *),
			  bool color, const char *dump_name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct mmr_report_opts o = { .color = color, .width = 160, .command = "test" };
	assert_int_equal(fn(r, f, &o), 0);
	fclose(f);
	const char *dir = getenv("MMR_TEST_OUT_DIR");
	if (dir && dump_name) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, dump_name);
		FILE *d = fopen(path, "we");
		assert_non_null(d);
		fwrite(buf, 1, len, d);
		fclose(d);
	}
	return buf;
}

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("invalid JSON: %s at %d:%d", e.text, e.line, e.column);
	return j;
}

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		const char *v = json_string_value(json_object_get(x, key));
		if (v && strcmp(v, val) == 0)
			return x;
	}
	return NULL;
}

static const char *jstr(json_t *o, const char *path)
{
	/* "a.b.0.c" */
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = o;
	for (char *save = NULL, *t = strtok_r(buf, ".", &save); t && cur;
	     t = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(t, NULL, 10));
		else
			cur = json_object_get(cur, t);
	}
	return cur ? json_string_value(cur) : NULL;
}

/* ---- SARIF ---- */

static void test_sarif(void **state)
{
	(void)state;
	struct mmr_report *r = make_report();
	char *out = write_to_mem(r, mmr_report_write_sarif, false, "report.sarif.json");
	json_t *doc = parse(out);
	assert_string_equal(jstr(doc, "version"), "2.1.0");
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_int_equal(json_array_size(json_object_get(doc, "runs")), 1);
	assert_string_equal(jstr(run, "tool.driver.name"), "mamori");
	assert_non_null(jstr(run, "tool.driver.version"));
	assert_non_null(jstr(run, "tool.driver.informationUri"));
	json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	json_t *results = json_object_get(run, "results");
	assert_int_equal(json_array_size(rules), 6);
	assert_int_equal(json_array_size(results), 6);

	json_t *rule = find_by(rules, "id", "CVE-2019-1551");
	assert_non_null(rule);
	assert_string_equal(jstr(rule, "properties.security-severity"), "5.3");
	assert_string_equal(jstr(rule, "helpUri"), "https://www.openssl.org/news/secadv/20191206.txt");
	assert_string_equal(jstr(rule, "shortDescription.text"), "title of CVE-2019-1551");
	rule = find_by(rules, "id", "CVE-2021-3711");
	assert_string_equal(jstr(rule, "properties.security-severity"), "9.3"); /* CVSS v4 */
	rule = find_by(rules, "id", "CVE-2020-8203");
	assert_string_equal(jstr(rule, "fullDescription.text"),
			    "Prototype pollution in zipObjectDeep.\nMore text.");
	rule = find_by(rules, "id", "CVE-2020-28928"); /* no score: the LOW band */
	assert_string_equal(jstr(rule, "properties.security-severity"), "2.0");

	json_t *res = find_by(results, "ruleId", "CVE-2021-3711");
	assert_string_equal(jstr(res, "level"), "error");
	res = find_by(results, "ruleId", "CVE-2019-1551");
	assert_string_equal(jstr(res, "level"), "warning");
	assert_string_equal(jstr(res, "message.text"),
			    "Package libcrypto1.1 version 1.1.1d-r3 is affected by CVE-2019-1551 "
			    "(MEDIUM); fixed in 1.1.1d-r4");
	/* an OS package of an image: the package database inside it */
	assert_string_equal(jstr(res, "locations.0.physicalLocation.artifactLocation.uri"),
			    "lib/apk/db/installed");
	assert_null(json_object_get(json_object_get(json_object_get(json_array_get(
							json_object_get(res, "locations"), 0),
							"physicalLocation"), "artifactLocation"), "region"));
	assert_string_equal(jstr(res, "partialFingerprints.mamori/v1"),
			    "fp-CVE-2019-1551-libcrypto1.1@1.1.1d-r3");
	assert_null(json_object_get(res, "suppressions"));
	/* a lockfile package with lines: region */
	res = find_by(results, "ruleId", "CVE-2020-8203");
	assert_string_equal(jstr(res, "level"), "error");
	json_t *reg = json_object_get(
		json_object_get(json_array_get(json_object_get(res, "locations"), 0), "physicalLocation"),
		"region");
	assert_int_equal(json_integer_value(json_object_get(reg, "startLine")), 12);
	assert_int_equal(json_integer_value(json_object_get(reg, "endLine")), 16);
	assert_string_equal(jstr(res, "locations.0.physicalLocation.artifactLocation.uri"),
			    "app/package-lock.json");
	/* ruleIndex points at the rule */
	size_t idx = (size_t)json_integer_value(json_object_get(res, "ruleIndex"));
	assert_string_equal(jstr(json_array_get(rules, idx), "id"), "CVE-2020-8203");
	/* suppressed: kept, with an external suppression and the reason */
	res = find_by(results, "ruleId", "CVE-2020-28928");
	assert_string_equal(jstr(res, "level"), "note");
	assert_string_equal(jstr(res, "suppressions.0.kind"), "external");
	assert_string_equal(jstr(res, "suppressions.0.justification"),
			    "ignore: accepted risk until the next base image");
	assert_string_equal(jstr(res, "message.text"),
			    "Package musl version 1.1.24-r2 is affected by CVE-2020-28928 (LOW); no "
			    "fix is available");
	/* hostile bytes: still JSON, invalid UTF-8 replaced */
	res = find_by(results, "ruleId", "CVE-2099-0001");
	assert_non_null(strstr(jstr(res, "message.text"), "\xef\xbf\xbd"));
	json_decref(doc);
	free(out);

	/* no findings: a valid run with no rules and no results */
	struct mmr_report *e = mmr_report_new();
	e->asset.name = "x";
	out = write_to_mem(e, mmr_report_write_sarif, false, NULL);
	doc = parse(out);
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_int_equal(json_array_size(json_object_get(run, "results")), 0);
	json_decref(doc);
	free(out);
	mmr_report_free(e);
	mmr_report_free(r);
}

/* ---- CycloneDX ---- */

static void test_cyclonedx_vulnerabilities(void **state)
{
	(void)state;
	struct mmr_report *r = make_report();
	char *out = write_to_mem(r, mmr_report_write_cyclonedx, false, "report.cdx.json");
	json_t *doc = parse(out);
	json_t *vs = json_object_get(doc, "vulnerabilities");
	assert_int_equal(json_array_size(vs), 6);
	json_t *comps = json_object_get(doc, "components");

	json_t *v = find_by(vs, "id", "CVE-2020-8203");
	assert_non_null(v);
	assert_string_equal(jstr(v, "source.name"), "NVD");
	assert_string_equal(jstr(v, "source.url"), "https://nvd.nist.gov/vuln/detail/CVE-2020-8203");
	assert_string_equal(jstr(v, "references.0.id"), "GHSA-p6mc-m468-83gw");
	assert_string_equal(jstr(v, "references.0.source.url"),
			    "https://github.com/advisories/GHSA-p6mc-m468-83gw");
	json_t *cwes = json_object_get(v, "cwes");
	assert_int_equal(json_array_size(cwes), 1); /* NVD-CWE-Other is no CWE number */
	assert_int_equal(json_integer_value(json_array_get(cwes, 0)), 1321);
	assert_string_equal(jstr(v, "description"), "title of CVE-2020-8203");
	assert_string_equal(jstr(v, "detail"), "Prototype pollution in zipObjectDeep.\nMore text.");
	assert_string_equal(jstr(v, "published"), "2020-07-15T17:15:11Z");
	assert_string_equal(jstr(v, "advisories.0.url"),
			    "https://github.com/advisories/GHSA-p6mc-m468-83gw");
	/* affects points at the lodash component */
	const char *ref = jstr(v, "affects.0.ref");
	json_t *lodash = find_by(comps, "bom-ref", ref);
	assert_non_null(lodash);
	assert_string_equal(jstr(lodash, "name"), "lodash");
	assert_string_equal(jstr(v, "affects.0.versions.0.version"), "4.17.15");
	assert_string_equal(jstr(v, "affects.0.versions.0.status"), "affected");
	assert_string_equal(jstr(v, "affects.0.versions.1.version"), "4.17.19");
	assert_string_equal(jstr(v, "affects.0.versions.1.status"), "unaffected");
	assert_null(json_object_get(v, "analysis"));

	v = find_by(vs, "id", "CVE-2019-1551");
	json_t *ratings = json_object_get(v, "ratings");
	assert_int_equal(json_array_size(ratings), 2);
	assert_string_equal(jstr(ratings, "0.method"), "CVSSv31");
	assert_string_equal(jstr(ratings, "0.vector"), "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N");
	assert_true(json_real_value(json_object_get(json_array_get(ratings, 0), "score")) == 5.3);
	assert_string_equal(jstr(ratings, "0.severity"), "medium");
	assert_string_equal(jstr(ratings, "1.source.name"), "alpine"); /* the distro's own */
	assert_string_equal(jstr(ratings, "1.severity"), "medium");
	assert_string_equal(jstr(v, "published"), "2019-12-06T00:00:00Z");

	v = find_by(vs, "id", "CVE-2021-3711");
	assert_string_equal(jstr(v, "ratings.0.method"), "CVSSv4");
	assert_string_equal(jstr(v, "ratings.0.severity"), "critical");
	json_t *props = json_object_get(v, "properties");
	assert_string_equal(jstr(find_by(props, "name", "mamori:kev"), "value"), "true");
	assert_string_equal(jstr(find_by(props, "name", "mamori:kev:due_date"), "value"),
			    "2022-02-01");
	assert_string_equal(jstr(find_by(props, "name", "mamori:epss"), "value"), "0.50000");

	/* VEX out: not_affected with a CycloneDX justification */
	v = find_by(vs, "id", "CVE-2021-23337");
	assert_string_equal(jstr(v, "analysis.state"), "not_affected");
	assert_string_equal(jstr(v, "analysis.justification"), "code_not_reachable");
	assert_string_equal(jstr(v, "analysis.detail"),
			    "vex: not_affected (vulnerable_code_not_in_execute_path)");
	assert_string_equal(jstr(v, "affects.0.versions.0.status"), "unaffected");
	/* ignored by the user: exploitable, will not fix */
	v = find_by(vs, "id", "CVE-2020-28928");
	assert_string_equal(jstr(v, "analysis.state"), "exploitable");
	assert_string_equal(jstr(v, "analysis.response.0"), "will_not_fix");
	/* bom-refs stay unique with vulnerabilities */
	assert_string_equal(jstr(v, "bom-ref"), "mamori:vuln:CVE-2020-28928");
	json_decref(doc);
	free(out);
	mmr_report_free(r);

	/* no findings: no vulnerabilities key at all */
	struct mmr_report *e = mmr_report_new();
	e->asset.name = "x";
	out = write_to_mem(e, mmr_report_write_cyclonedx, false, NULL);
	doc = parse(out);
	assert_null(json_object_get(doc, "vulnerabilities"));
	json_decref(doc);
	free(out);
	mmr_report_free(e);
}

/* The same id on two packages with different VEX states: two entries. */
static void test_cyclonedx_split_by_analysis(void **state)
{
	(void)state;
	struct mmr_report *r = mmr_report_new();
	r->asset.name = "src";
	struct mmr_result *res = mmr_report_result(r, "package-lock.json", "lang-pkgs", "npm");
	struct mmr_package *a = pkg(r, res, MMR_ECO_NPM, "a", "1.0.0", NULL, 0);
	struct mmr_package *b = pkg(r, res, MMR_ECO_NPM, "b", "1.0.0", NULL, 0);
	struct mmr_package *c = pkg(r, res, MMR_ECO_NPM, "c", "1.0.0", NULL, 0);
	vuln(r, res, a, "CVE-2024-1", MMR_SEV_HIGH, NULL);
	vuln(r, res, c, "CVE-2024-1", MMR_SEV_HIGH, NULL);
	struct mmr_finding *f = vuln(r, res, b, "CVE-2024-1", MMR_SEV_HIGH, NULL);
	f->vuln->vex_status = "not_affected";
	f->vuln->vex_justification = "component_not_present";
	char *out = write_to_mem(r, mmr_report_write_cyclonedx, false, NULL);
	json_t *doc = parse(out);
	json_t *vs = json_object_get(doc, "vulnerabilities");
	assert_int_equal(json_array_size(vs), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(vs, 0), "affects")), 2);
	assert_string_equal(jstr(vs, "1.analysis.justification"), "code_not_present");
	assert_string_not_equal(jstr(vs, "0.bom-ref"), jstr(vs, "1.bom-ref"));
	json_decref(doc);
	free(out);
	mmr_report_free(r);
}

/* ---- JUnit ---- */

static xmlDocPtr xml_parse(const char *s)
{
	xmlDocPtr d = xmlReadMemory(s, (int)strlen(s), "junit.xml", "UTF-8", XML_PARSE_NONET);
	if (!d)
		fail_msg("JUnit output is not well-formed XML:\n%s", s);
	return d;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_junit(void **state)
{
	(void)state;
	struct mmr_report *r = make_report();
	char *out = write_to_mem(r, mmr_report_write_junit, false, "report.junit.xml");
	xmlDocPtr d = xml_parse(out);
	xmlNodePtr root = xmlDocGetRootElement(d);
	assert_string_equal((const char *)root->name, "testsuites");
	size_t suites = 0, cases = 0, failures = 0;
	for (xmlNodePtr s = root->children; s; s = s->next) {
		if (s->type != XML_ELEMENT_NODE)
			continue;
		assert_string_equal((const char *)s->name, "testsuite");
		suites++;
		for (xmlNodePtr c = s->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "testcase"))
				continue;
			cases++;
			for (xmlNodePtr x = c->children; x; x = x->next)
				if (x->type == XML_ELEMENT_NODE && !strcmp((const char *)x->name, "failure"))
					failures++;
		}
	}
	assert_int_equal(suites, 2);
	assert_int_equal(cases, 5);    /* one per package */
	assert_int_equal(failures, 3); /* libcrypto1.1, lodash, evil; musl is suppressed only */
	xmlChar *tf = xmlGetProp(root, (const xmlChar *)"failures");
	assert_string_equal((const char *)tf, "3");
	xmlFree(tf);
	xmlFreeDoc(d);
	/* the failure message lists the ids; the type is the worst severity */
	assert_non_null(strstr(out, "<failure message=\"CVE-2019-1551, CVE-2021-3711\" type=\"CRITICAL\">"));
	/* lodash: one open finding fails, the VEX'd one is only in system-out */
	assert_non_null(strstr(out, "<failure message=\"CVE-2020-8203\" type=\"HIGH\">"));
	assert_non_null(strstr(out, "[suppressed: vex: not_affected"));
	/* a passing package is an empty test case */
	assert_non_null(strstr(out, "name=\"clean@2.0.0\" time=\"0\"/>"));
	/* hostile strings: escaped, no control characters, no raw markup */
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x01'));
	assert_null(strchr(out, '\x07'));
	assert_null(strstr(out, "<script>"));
	assert_non_null(strstr(out, "&lt;script&gt;"));
	assert_non_null(strstr(out, "name=\"evil&lt;&amp;&gt;&quot;&apos;"));
	assert_int_equal(count(out, "<testsuite "), 2);
	free(out);
	mmr_report_free(r);
}

/* ---- table ---- */

static void test_table(void **state)
{
	(void)state;
	struct mmr_report *r = make_report();
	char *out = write_to_mem(r, mmr_report_write_table, false, NULL);
	/* per-target counts (open findings only) */
	assert_non_null(strstr(out, "Vulnerabilities: 2 (CRITICAL: 1, HIGH: 0, MEDIUM: 1, LOW: 0, "
				    "UNKNOWN: 0)\n1 suppressed"));
	assert_non_null(strstr(out, "Vulnerabilities: 2 (CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, "
				    "UNKNOWN: 1)\n1 suppressed"));
	/* report totals */
	assert_non_null(strstr(out, "Vulnerabilities: 4 (CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 0, "
				    "UNKNOWN: 1), 1 in CISA KEV, 2 suppressed"));
	assert_non_null(strstr(out, "CVE-2021-3711 [KEV]"));
	/* sorted by package then severity: the CRITICAL row before the MEDIUM */
	const char *crit = strstr(out, "CVE-2021-3711"), *med = strstr(out, "CVE-2019-1551");
	assert_non_null(crit);
	assert_non_null(med);
	assert_true(crit < med);
	/* columns */
	assert_non_null(strstr(out, "Library"));
	assert_non_null(strstr(out, "Installed"));
	assert_non_null(strstr(out, "1.1.1l-r0"));
	/* the suppressed table carries the reason */
	assert_non_null(strstr(out, "Suppressed:"));
	assert_non_null(strstr(out, "ignore: accepted risk"));
	/* vulnerabilities replace the package list */
	assert_null(strstr(out, "Licences"));
	/* hostile strings never reach the terminal */
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	free(out);
	/* colours: severity cells coloured, KEV badge bold red */
	out = write_to_mem(r, mmr_report_write_table, true, NULL);
	assert_non_null(strstr(out, "\033[1;31mCRITICAL"));
	assert_non_null(strstr(out, "\033[33mMEDIUM"));
	assert_non_null(strstr(out, "\033[1;31mCVE-2021-3711 [KEV]"));
	assert_null(strstr(out, "\033[2J")); /* the hostile title's escape is neutralised */
	free(out);
	mmr_report_free(r);
}

/* The whole report as one jansson tree, dumped as the JSON writer did
 * before it streamed: the streamed bytes must be the same. */
static void assert_json_stream_is_tree(const struct mmr_report *r)
{
	char *streamed = write_to_mem(r, mmr_report_write_json, false, NULL);
	struct mmr_report_opts o = { .width = 160, .command = "test" };
	json_t *tree = mmr_report_to_json(r, &o);
	assert_non_null(tree);
	char *dumped = json_dumps(tree, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(dumped);
	size_t n = strlen(dumped);
	assert_int_equal(strlen(streamed), n + 1);
	assert_memory_equal(streamed, dumped, n);
	assert_int_equal(streamed[n], '\n');
	free(dumped);
	json_decref(tree);
	free(streamed);
}

/* A streamed document parsed and dumped again with the same flags gives
 * the same bytes: separators, nesting and indentation are jansson's. */
static void assert_redump_identical(const char *doc)
{
	json_error_t e;
	json_t *j = json_loads(doc, 0, &e);
	if (!j)
		fail_msg("streamed document does not parse: line %d: %s", e.line, e.text);
	char *again = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(again);
	size_t n = strlen(again);
	assert_int_equal(strlen(doc), n + 1);
	assert_memory_equal(doc, again, n);
	free(again);
	json_decref(j);
}

static void test_json_stream(void **state)
{
	(void)state;
	/* hostile strings: a title that is not UTF-8 (left out, as the tree
	 * leaves it out), newlines inside strings, an empty result, warnings */
	struct mmr_report *r = make_report();
	assert_non_null(mmr_report_result(r, "empty/requirements.txt", "lang-pkgs", "pip"));
	assert_int_equal(mmr_report_diag(r, "app/x.json", "line 3: bad\nthing \"%s\"", "q"), 0);
	assert_int_equal(mmr_report_diag(r, NULL, "no where"), 0);
	assert_json_stream_is_tree(r);
	char *out = write_to_mem(r, mmr_report_write_json, false, NULL);
	assert_redump_identical(out);
	assert_null(strstr(out, "\xc3\x28"));
	assert_non_null(strstr(out, "\"description\": \"Prototype pollution in zipObjectDeep.\\nMore text.\""));
	assert_non_null(strstr(out, "\n  \"results\": [\n    {\n      \"target\": \"alpine 3.11.5\""));
	assert_non_null(strstr(out, "\"packages\": [],\n      \"findings\": []\n    }\n  ],"));
	free(out);
	mmr_report_free(r);

	/* nothing at all: empty arrays as jansson writes them */
	r = mmr_report_new();
	assert_non_null(r);
	assert_json_stream_is_tree(r);
	out = write_to_mem(r, mmr_report_write_json, false, NULL);
	assert_non_null(strstr(out, "\n  \"results\": [],\n  \"warnings\": [],\n"));
	free(out);
	mmr_report_free(r);
}

static void test_sarif_stream(void **state)
{
	(void)state;
	struct mmr_report *r = make_report();
	assert_int_equal(mmr_report_diag(r, "app/x.json", "line 3: bad\nthing"), 0);
	char *out = write_to_mem(r, mmr_report_write_sarif, false, NULL);
	assert_redump_identical(out);
	free(out);
	mmr_report_free(r);
	r = mmr_report_new();
	assert_non_null(r);
	out = write_to_mem(r, mmr_report_write_sarif, false, NULL);
	assert_redump_identical(out);
	assert_non_null(strstr(out, "\"rules\": []"));
	assert_non_null(strstr(out, "\"results\": [],"));
	free(out);
	mmr_report_free(r);
}

/* A stream that fails: -EIO, not success. */
static void test_stream_write_error(void **state)
{
	(void)state;
	FILE *full = fopen("/dev/full", "we");
	if (!full)
		skip();
	struct mmr_report *r = make_report();
	struct mmr_report_opts o = { .command = "test" };
	assert_int_equal(mmr_report_write_json(r, full, &o), -EIO);
	clearerr(full);
	assert_int_equal(mmr_report_write_sarif(r, full, &o), -EIO);
	fclose(full);
	mmr_report_free(r);
}

static void test_writers_registered(void **state)
{
	(void)state;
	assert_non_null(mmr_report_writer_find("sarif"));
	assert_non_null(mmr_report_writer_find("junit"));
	assert_ptr_equal(mmr_report_writer_find("sarif")->write, mmr_report_write_sarif);
	assert_ptr_equal(mmr_report_writer_find("junit")->write, mmr_report_write_junit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sarif),
		cmocka_unit_test(test_cyclonedx_vulnerabilities),
		cmocka_unit_test(test_cyclonedx_split_by_analysis),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_writers_registered),
		cmocka_unit_test(test_json_stream),
		cmocka_unit_test(test_sarif_stream),
		cmocka_unit_test(test_stream_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
