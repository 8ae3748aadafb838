/* test-vulndb-feed-osv.c - the OSV feed on the real Go, PyPI and Ubuntu
 * records in corpora, and on malformed records. */
#include "test-vulndb-feed-sink.h"

static void test_go(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_corpus(&t, a, "osv", "vuln/osv/go-vulndb.osv.jsonl", NULL), 0);
	assert_int_equal(t.s.accepted, 4291);
	assert_int_equal(t.vulns.n, 4291);
	assert_int_equal(t.s.rejected, 0);
	assert_int_equal(t.s.skipped, 0);
	/* 6125 affected entries, 19 of them in the 17 withdrawn records */
	assert_int_equal(t.affected.n, 6106);

	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "GO-2022-0969");
	assert_non_null(v);
	assert_string_equal(v->source, "osv");
	assert_string_equal(v->title, "Denial of service in net/http and golang.org/x/net/http2");
	assert_string_equal(v->published, "2022-09-12T20:23:06Z");
	assert_int_equal(v->n_aliases, 2);
	assert_true(tsink_has(v->aliases, v->n_aliases, "CVE-2022-27664"));
	assert_true(tsink_has(v->aliases, v->n_aliases, "GHSA-69cg-p879-7622"));
	assert_true(v->cvss3_score < 0 && v->cvss4_score < 0);
	assert_true(v->n_references > 0);
	assert_int_equal(tsink_naff(&t, "GO-2022-0969"), 2);
	const struct mmr_vuln_affected *x = tsink_aff(&t, "GO-2022-0969", 0);
	assert_string_equal(x->ecosystem, "Go");
	assert_string_equal(x->scheme, "go");
	assert_string_equal(x->package, "stdlib");
	assert_int_equal(x->status, MMR_VULN_AFFECTED);
	assert_int_equal(x->n_ranges, 2);
	assert_string_equal(x->ranges[0].introduced, "0");
	assert_string_equal(x->ranges[0].fixed, "1.18.6");
	assert_null(x->ranges[0].last_affected);
	assert_string_equal(x->ranges[1].introduced, "1.19.0-0");
	assert_string_equal(x->ranges[1].fixed, "1.19.1");
	x = tsink_aff(&t, "GO-2022-0969", 1);
	assert_string_equal(x->package, "golang.org/x/net");
	assert_int_equal(x->n_ranges, 1);
	assert_string_equal(x->ranges[0].fixed, "0.0.0-20220906165146-f3363e06e74c");

	/* withdrawn: the advisory stays, nothing to match */
	assert_non_null(tsink_vuln_by_id(&t, "GO-2022-0617"));
	assert_int_equal(tsink_naff(&t, "GO-2022-0617"), 0);
	mmr_arena_free(a);
}

static void test_pypi(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_corpus(&t, a, "osv", "vuln/osv/pypi-pypa.osv.jsonl", NULL), 0);
	assert_int_equal(t.s.accepted, 2661);
	assert_int_equal(t.s.rejected, 0);
	assert_int_equal(t.s.skipped, 1); /* PYSEC-2022-15: GIT range only */
	assert_int_equal(tsink_naff(&t, "PYSEC-2022-15"), 0);
	assert_int_equal(t.affected.n, 2651);

	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "PYSEC-2021-335");
	assert_non_null(v);
	assert_int_equal(v->n_aliases, 2);
	assert_true(tsink_has(v->aliases, v->n_aliases, "CVE-2021-32807"));
	assert_true(tsink_has(v->aliases, v->n_aliases, "GHSA-qcx9-j53g-ccgf"));
	assert_string_equal(v->modified, "2021-09-26T23:32:08.989778Z");
	assert_true(mmr_cstr_starts(v->description, "The module `AccessControl` defines"));
	assert_int_equal(v->n_references, 3);
	const struct mmr_vuln_affected *x = tsink_aff(&t, "PYSEC-2021-335", 0);
	assert_non_null(x);
	assert_string_equal(x->ecosystem, "PyPI");
	assert_string_equal(x->scheme, "pep440");
	assert_string_equal(x->package, "accesscontrol");
	assert_int_equal(x->n_ranges, 2); /* the GIT range is ignored */
	assert_string_equal(x->ranges[0].introduced, "4.0");
	assert_string_equal(x->ranges[0].fixed, "4.3");
	assert_string_equal(x->ranges[1].introduced, "5.0");
	assert_string_equal(x->ranges[1].fixed, "5.2");
	assert_int_equal(x->n_versions, 5);
	assert_string_equal(x->versions[0], "4.0");
	assert_string_equal(x->versions[4], "5.1");

	/* PEP 503 normalised name */
	x = tsink_aff(&t, "PYSEC-2020-341", 0);
	assert_non_null(x);
	assert_string_equal(x->package, "jw-util");

	/* CVSS vector kept, score left to the CVSS module */
	v = tsink_vuln_by_id(&t, "PYSEC-2022-43059");
	assert_non_null(v);
	assert_string_equal(v->cvss3_vector, "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H");
	assert_true(v->cvss3_score < 0);
	mmr_arena_free(a);
}

static void test_ubuntu(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(
		tsink_parse_corpus(&t, a, "osv", "vuln/ubuntu/osv-esm-UBUNTU-CVE-2022-24823.json", NULL),
		0);
	assert_int_equal(
		tsink_parse_corpus(&t, a, "osv", "vuln/ubuntu/osv-UBUNTU-CVE-2021-3782.json", NULL), 0);
	assert_int_equal(tsink_parse_corpus(&t, a, "osv", "vuln/ubuntu/osv-USN-5614-1.json", NULL), 0);
	assert_int_equal(
		tsink_parse_corpus(&t, a, "osv", "vuln/ubuntu/osv-UBUNTU-CVE-2020-36325.json", NULL), 0);
	assert_int_equal(t.s.accepted, 4);
	assert_int_equal(t.s.rejected, 0);

	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "UBUNTU-CVE-2022-24823");
	assert_non_null(v);
	assert_string_equal(v->severity, "low");
	assert_string_equal(v->cvss3_vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N");
	assert_true(tsink_has(v->aliases, v->n_aliases, "CVE-2022-24823")); /* upstream */
	assert_int_equal(tsink_naff(&t, "UBUNTU-CVE-2022-24823"), 8);
	static const char *const ecos[] = { "ubuntu:14.04", "ubuntu:16.04", "ubuntu:18.04",
					    "ubuntu:20.04", "ubuntu:22.04", "ubuntu:24.04",
					    "ubuntu:25.10", "ubuntu:26.04" };
	for (size_t i = 0; i < 8; i++) {
		const struct mmr_vuln_affected *x = tsink_aff(&t, "UBUNTU-CVE-2022-24823", i);
		assert_string_equal(x->ecosystem, ecos[i]);
		assert_string_equal(x->scheme, "dpkg");
		assert_string_equal(x->package, "netty");
		assert_string_equal(x->severity, "low");
	}
	const struct mmr_vuln_affected *x = tsink_aff(&t, "UBUNTU-CVE-2022-24823", 1);
	assert_int_equal(x->n_ranges, 1);
	assert_string_equal(x->ranges[0].fixed, "1:4.0.34-1ubuntu0.1~esm2");
	x = tsink_aff(&t, "UBUNTU-CVE-2022-24823", 0); /* no fix: open interval */
	assert_int_equal(x->n_ranges, 1);
	assert_string_equal(x->ranges[0].introduced, "0");
	assert_null(x->ranges[0].fixed);
	assert_int_equal(x->n_versions, 3);

	v = tsink_vuln_by_id(&t, "USN-5614-1");
	assert_non_null(v);
	assert_true(tsink_has(v->aliases, v->n_aliases, "UBUNTU-CVE-2021-3782"));
	assert_int_equal(tsink_naff(&t, "USN-5614-1"), 3);
	/* withdrawn */
	assert_non_null(tsink_vuln_by_id(&t, "UBUNTU-CVE-2020-36325"));
	assert_int_equal(tsink_naff(&t, "UBUNTU-CVE-2020-36325"), 0);
	mmr_arena_free(a);
}

static void test_ecosystems(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	static const char *const cases[][3] = {
		{ "npm", "npm", "npm" },
		{ "PyPI", "PyPI", "pep440" },
		{ "Go", "Go", "go" },
		{ "crates.io", "crates.io", "cargo" },
		{ "Maven", "Maven", "maven" },
		{ "RubyGems", "RubyGems", "gem" },
		{ "Packagist", "Packagist", "composer" },
		{ "NuGet", "NuGet", "nuget" },
		{ "Debian:11", "debian:11", "dpkg" },
		{ "Debian:12.4", "debian:12", "dpkg" },
		{ "Ubuntu:22.04:LTS", "ubuntu:22.04", "dpkg" },
		{ "Ubuntu:Pro:18.04:LTS", "ubuntu:18.04", "dpkg" },
		{ "Alpine:v3.18", "alpine:3.18", "apk" },
		{ "Red Hat:enterprise_linux:9::appstream", "redhat:9", "rpm" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *eco = NULL, *scheme = NULL;
		assert_true(mmr_vulndb_osv_ecosystem(a, cases[i][0], &eco, &scheme));
		assert_string_equal(eco, cases[i][1]);
		assert_string_equal(scheme, cases[i][2]);
	}
	static const char *const bad[] = { "Hex", "GitHub Actions", "Debian", "Alpine:edge",
					   "pypi", "Ubuntu:Pro", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *eco = NULL, *scheme = NULL;
		assert_false(mmr_vulndb_osv_ecosystem(a, bad[i], &eco, &scheme));
	}
	assert_string_equal(mmr_vulndb_pkg_name(a, "PyPI", "Foo__Bar.baz-Qux"), "foo-bar-baz-qux");
	assert_string_equal(mmr_vulndb_pkg_name(a, "npm", "Foo_Bar"), "Foo_Bar");
	mmr_arena_free(a);
}

/* Each line is one malformed record; the good records around them pass. */
static void test_malformed(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	const char *good = "{\"id\":\"OK-1\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
			   "\"name\":\"x\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{"
			   "\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.0\"}]}]}]}\n";
	static const char *const bad[] = {
		"{\"id\":\"B1\",\"affected\":{}}\n",				  /* wrong type */
		"{\"id\":7}\n",							  /* id type */
		"[1]\n",							  /* not an object */
		"{\"id\":\"B2\",\"affected\":[{\"package\":{\"ecosystem\":\"Hex\",\"name\":\"x\"}}]}\n",
		"{\"id\":\"B3\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},"
		"\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"2.0.0\"},{\"fixed\":"
		"\"1.0.0\"}]}]}]}\n", /* absurd range */
		"{\"id\":\"B4\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},"
		"\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":3}]}]}]}\n",
		"{\"id\":\"B5\",\"summary\":[]}\n",
		"{\"id\":\"B6\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\"}}]}\n",
		"{\"id\":\"B7\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},"
		"\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"bogus\":\"1\"}]}]}]}\n",
		"{\"id\":\"B8\", truncated\n",
	};
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 26);
	assert_int_equal(mmr_buf_adds(&b, good), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mmr_buf_adds(&b, bad[i]), 0);
	/* a ten-megabyte package name */
	assert_int_equal(mmr_buf_adds(&b, "{\"id\":\"B9\",\"affected\":[{\"package\":{\"ecosystem\":"
					  "\"npm\",\"name\":\""),
			 0);
	for (size_t i = 0; i < 10 << 20; i += 64)
		assert_int_equal(mmr_buf_adds(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
	assert_int_equal(mmr_buf_adds(&b, "\"}}]}\n"), 0);
	/* a ten-megabyte description is cut, not rejected */
	assert_int_equal(mmr_buf_adds(&b, "{\"id\":\"LONG\",\"details\":\""), 0);
	for (size_t i = 0; i < 10 << 20; i += 64)
		assert_int_equal(mmr_buf_adds(&b, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"), 0);
	assert_int_equal(mmr_buf_adds(&b, "\"}\n"), 0);
	assert_int_equal(mmr_buf_adds(&b, good), 0);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_feed_osv.parse(a, &t.s, "bad.jsonl", (const uint8_t *)b.p, b.len, &e), 0);
	if (t.s.rejected != 11)
		for (size_t i = 0; i < t.vulns.n; i++)
			print_message("v %s\n", ((struct mmr_vuln *)t.vulns.v[i])->id);
	assert_int_equal(t.s.rejected, 11);
	assert_int_equal(t.s.accepted, 3);
	assert_string_equal(t.s.first_reject,
			    "bad.jsonl:2: B1: affected, severity or aliases is not an array");
	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "LONG");
	assert_non_null(v);
	assert_int_equal(strlen(v->description), MMR_VULNDB_MAX_TEXT);
	assert_int_equal(t.affected.n, 2);
	mmr_buf_release(&b);

	/* a single document that is not JSON fails the file, with its name */
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "osv", "x.json", "{\n \"id\": \"A\",\n  oops\n}\n", &e),
			 -EBADMSG);
	assert_string_equal(e.file, "x.json");
	assert_int_equal(e.line, 3);
	/* JSONL whose first line is truncated: only that line is rejected */
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "osv", "t.jsonl",
					 "{\"id\":\"CUT\",\"affe\n{\"id\":\"OK-2\"}\n{\"id\":\"OK-3\"}\n",
					 &e),
			 0);
	assert_int_equal(t.s.accepted, 2);
	assert_int_equal(t.s.rejected, 1);
	assert_true(mmr_cstr_starts(t.s.first_reject, "t.jsonl:1: "));
	/* a sink error stops the feed */
	tsink_init(&t, a);
	t.fail_after = 1;
	assert_int_equal(tsink_parse_mem(&t, a, "osv", "x.jsonl", good, NULL), -EIO);
	mmr_arena_free(a);
}

static void test_detect(void **state)
{
	(void)state;
	const char *h = "{\"schema_version\":\"1.3.1\",\"id\":\"GO-2020-0001\",\"modified\":\"x\"}";
	const struct mmr_vulndb_feed *f =
		mmr_vulndb_feed_detect("data/GO-2020-0001.json", (const uint8_t *)h, strlen(h));
	assert_non_null(f);
	assert_string_equal(f->name, "osv");
	assert_null(mmr_vulndb_feed_detect("x.txt", (const uint8_t *)"hello", 5));
	assert_null(mmr_vulndb_feed_detect("x.json", (const uint8_t *)"{\"a\":1}", 7));
	assert_ptr_equal(mmr_vulndb_feed_find("osv"), &mmr_vulndb_feed_osv);
	assert_null(mmr_vulndb_feed_find("nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go),	   cmocka_unit_test(test_pypi),
		cmocka_unit_test(test_ubuntu),	   cmocka_unit_test(test_ecosystems),
		cmocka_unit_test(test_malformed), cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
