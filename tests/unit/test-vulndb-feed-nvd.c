/* test-vulndb-feed-nvd.c - NVD CVE API 2.0 pages. */
#include "test-vulndb-feed-sink.h"

static void test_single(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_corpus(&t, a, "nvd", "vuln/nvd/nvd-api2-single-entry.json", NULL),
			 0);
	assert_int_equal(t.s.accepted, 1);
	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "CVE-2022-1576");
	assert_non_null(v);
	assert_string_equal(v->source, "nvd");
	assert_true(mmr_cstr_starts(v->description, "The WP Maintenance Mode & Coming Soon"));
	assert_string_equal(v->published, "2022-07-11T13:15:08.503");
	assert_string_equal(v->modified, "2024-11-21T06:41:00.133");
	assert_string_equal(v->cvss3_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N");
	assert_true(v->cvss3_score > 6.49 && v->cvss3_score < 6.51);
	assert_string_equal(v->severity, "MEDIUM");
	assert_int_equal(v->n_cwes, 1);
	assert_string_equal(v->cwes[0], "CWE-352");
	assert_int_equal(v->n_references, 1); /* the same URL twice */
	assert_int_equal(t.affected.n, 1);
	const struct mmr_vuln_affected *x = tsink_aff(&t, "CVE-2022-1576", 0);
	assert_string_equal(x->ecosystem, "cpe");
	assert_string_equal(x->package, "themeisle:wp_maintenance_mode_&_coming_soon");
	assert_string_equal(x->scheme, "semver");
	assert_int_equal(x->n_ranges, 1);
	assert_string_equal(x->ranges[0].introduced, "0");
	assert_string_equal(x->ranges[0].fixed, "2.4.5");
	mmr_arena_free(a);
}

static void test_page(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_corpus(&t, a, "nvd", "vuln/nvd/nvd-api2-full-page.json", NULL), 0);
	assert_int_equal(t.s.accepted, 38);
	assert_int_equal(t.s.rejected, 0);
	assert_int_equal(t.affected.n, 34);
	assert_int_equal(tsink_naff(&t, "CVE-2023-27314"), 9);
	const struct mmr_vuln_affected *x = tsink_aff(&t, "CVE-2023-27314", 0);
	assert_string_equal(x->package, "netapp:clustered_data_ontap");
	assert_string_equal(x->ranges[0].introduced, "9.0");
	assert_string_equal(x->ranges[0].fixed, "9.8");
	x = tsink_aff(&t, "CVE-2023-27314", 1);
	assert_int_equal(x->n_versions, 1);
	assert_string_equal(x->versions[0], "9.8");
	x = tsink_aff(&t, "CVE-2023-27314", 2);
	assert_string_equal(x->versions[0], "9.8-p7");
	x = tsink_aff(&t, "CVE-2023-22068", 0);
	assert_string_equal(x->package, "oracle:mysql");
	assert_string_equal(x->ranges[0].introduced, "8.0");
	assert_null(x->ranges[0].fixed);
	assert_string_equal(x->ranges[0].last_affected, "8.0.34");
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	const char *doc =
		"{\"format\":\"NVD_CVE\",\"vulnerabilities\":["
		"{\"cve\":{\"id\":\"CVE-2099-0001\",\"configurations\":[{\"nodes\":[{\"cpeMatch\":["
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*\","
		"\"versionStartExcluding\":\"1.0\",\"versionEndIncluding\":\"2.0\"},"
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:h:v:board:*:*:*:*:*:*:*:*\"},"
		"{\"vulnerable\":false,\"criteria\":\"cpe:2.3:o:v:os:*:*:*:*:*:*:*:*\"}]}]}]}},"
		"{\"cve\":{\"id\":\"CVE-99-1\"}},"
		"{\"cve\":{\"id\":\"CVE-2099-0002\",\"descriptions\":{}}},"
		"{\"cve\":{\"id\":\"CVE-2099-0003\",\"configurations\":[{\"nodes\":[{\"cpeMatch\":["
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:*:*:*\"}]}]}]}},"
		"{\"cve\":{\"id\":\"CVE-2099-0004\",\"configurations\":[{\"nodes\":[{\"cpeMatch\":["
		"{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*\","
		"\"versionEndExcluding\":5}]}]}]}},"
		"{\"cve\":{\"id\":\"CVE-2099-0005\",\"vulnStatus\":\"Rejected\",\"configurations\":[{"
		"\"nodes\":[{\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
		"\"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*\"}]}]}]}},"
		"7]}";
	assert_int_equal(tsink_parse_mem(&t, a, "nvd", "page.json", doc, NULL), 0);
	assert_int_equal(t.s.accepted, 2);
	assert_int_equal(t.s.rejected, 5);
	assert_string_equal(t.s.first_reject, "page.json:1: CVE item without a valid \"id\"");
	assert_int_equal(t.affected.n, 1); /* hardware and the rejected CVE left out */
	const struct mmr_vuln_affected *x = tsink_aff(&t, "CVE-2099-0001", 0);
	assert_string_equal(x->expr, "> 1.0, <= 2.0");
	assert_int_equal(x->n_ranges, 0);
	assert_non_null(tsink_vuln_by_id(&t, "CVE-2099-0005"));

	struct mmr_error e = { 0 };
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "nvd", "old.json", "{\"CVE_Items\":[]}", &e),
			 -EPROTO);
	assert_string_equal(e.file, "old.json");
	mmr_arena_free(a);
}

static void test_detect(void **state)
{
	(void)state;
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("vuln/nvd/nvd-api2-full-page.json"), &len);
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_detect("page.json", d, len < 4096 ? len : 4096);
	assert_non_null(f);
	assert_string_equal(f->name, "nvd");
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
