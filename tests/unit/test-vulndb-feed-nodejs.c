/* test-vulndb-feed-nodejs.c - nodejs/security-wg npm and core advisories. */
#include "test-vulndb-feed-sink.h"

static const struct mmr_vuln *by_alias(const struct tsink *t, const char *alias)
{
	for (size_t i = 0; i < t->vulns.n; i++) {
		const struct mmr_vuln *v = t->vulns.v[i];
		if (tsink_has(v->aliases, v->n_aliases, alias))
			return v;
	}
	return NULL;
}

static void test_npm(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_corpus(&t, a, "nodejs",
					    "vuln/native/nodejs-security-wg-npm.native.jsonl", NULL),
			 0);
	assert_int_equal(t.s.accepted, 467);
	assert_int_equal(t.s.rejected, 0);
	assert_int_equal(t.affected.n, 467);
	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "NSWG-ECO-1");
	assert_non_null(v);
	assert_string_equal(v->title, "Arbitrary JavaScript Execution");
	assert_string_equal(v->published, "2014-09-27");
	assert_string_equal(v->modified, "2016-04-28");
	assert_int_equal(v->n_aliases, 1);
	assert_string_equal(v->aliases[0], "CVE-2014-7205");
	assert_string_equal(v->cvss3_vector, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N");
	assert_true(v->cvss3_score > 6.49 && v->cvss3_score < 6.51);
	assert_int_equal(v->n_references, 2);
	assert_true(mmr_cstr_starts(v->description, "A vulnerability exists in bassmaster"));
	assert_non_null(strstr(v->description, "Recommendation: Update to bassmaster version 1.5.2"));
	const struct mmr_vuln_affected *x = tsink_aff(&t, "NSWG-ECO-1", 0);
	assert_string_equal(x->ecosystem, "npm");
	assert_string_equal(x->package, "bassmaster");
	assert_string_equal(x->scheme, "npm");
	assert_string_equal(x->expr, "<=1.5.1");
	mmr_arena_free(a);
}

static void test_core(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_corpus(&t, a, "nodejs",
					    "vuln/native/nodejs-security-wg-core.native.jsonl", NULL),
			 0);
	const struct mmr_vuln *v;
	assert_int_equal(t.s.accepted, 171);
	assert_int_equal(t.s.rejected, 0);
	/* ids are unique, except lines 141 and 150, the same record twice */
	size_t same = 0;
	for (size_t i = 0; i < t.vulns.n; i++)
		for (size_t j = i + 1; j < t.vulns.n; j++)
			same += strcmp(((struct mmr_vuln *)t.vulns.v[i])->id,
				       ((struct mmr_vuln *)t.vulns.v[j])->id) == 0;
	assert_int_equal(same, 1);
	assert_string_equal(((struct mmr_vuln *)t.vulns.v[140])->id,
			    ((struct mmr_vuln *)t.vulns.v[149])->id);
	/* leading blanks of a range are trimmed */
	v = by_alias(&t, "CVE-2021-3450");
	assert_string_equal(tsink_aff(&t, v->id, 0)->expr, "10.x || 12.x || 14.x || 15.x");
	v = by_alias(&t, "CVE-2017-3731");
	assert_non_null(v);
	assert_true(mmr_cstr_starts(v->id, "NSWG-CORE-x"));
	assert_string_equal(v->title, "Truncated packet could crash via OOB read");
	const struct mmr_vuln_affected *x = tsink_aff(&t, v->id, 0);
	assert_string_equal(x->ecosystem, "node");
	assert_string_equal(x->package, "node");
	assert_string_equal(x->scheme, "npm");
	assert_string_equal(x->expr, "4.x || 5.x || 6.x || 7.x");
	v = by_alias(&t, "CVE-2017-1000381");
	assert_string_equal(v->severity, "high");
	assert_string_equal(v->references[0],
			    "https://nodejs.org/en/blog/vulnerability/july-2017-security-releases/");

	/* one file per advisory: the id comes from the file name */
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "nodejs", "vuln/core/42.json",
					 "{\"cve\":[\"CVE-2099-1\"],\"vulnerable\":\"<1.0.0\","
					 "\"patched\":\"^1.0.0\",\"severity\":\"low\"}",
					 NULL),
			 0);
	assert_non_null(tsink_vuln_by_id(&t, "NSWG-CORE-42"));
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	const char *jl =
		"{\"id\":1,\"module_name\":\"a\",\"vulnerable_versions\":\"<1\",\"cves\":[]}\n"
		"{\"id\":\"2\",\"module_name\":\"a\",\"vulnerable_versions\":\"<1\"}\n"
		"{\"id\":3,\"module_name\":\"a\",\"vulnerable_versions\":\"<1\",\"cves\":\"CVE-1\"}\n"
		"{\"id\":4,\"module_name\":\"a\",\"vulnerable_versions\":7}\n"
		"{\"id\":5,\"module_name\":\"\",\"vulnerable_versions\":\"<1\"}\n"
		"{\"id\":6,\"module_name\":\"a\",\"vulnerable_versions\":\"<1\",\"cvss_score\":\"9\"}\n"
		"{\"cve\":[],\"vulnerable\":[],\"patched\":\"1\"}\n"
		"{\"foo\":1}\n"
		"[]\n"
		"{\"id\":7,\"module_name\":\"b\",\"vulnerable_versions\":\"*\",\"cvss_score\":99}\n";
	assert_int_equal(tsink_parse_mem(&t, a, "nodejs", "n.jsonl", jl, NULL), 0);
	assert_int_equal(t.s.accepted, 2);
	assert_int_equal(t.s.rejected, 7);
	assert_string_equal(t.s.first_reject, "n.jsonl:2: npm advisory without a numeric \"id\"");
	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "NSWG-ECO-7");
	assert_true(v->cvss3_score < 0); /* out of range score dropped */
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_npm),
		cmocka_unit_test(test_core),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
