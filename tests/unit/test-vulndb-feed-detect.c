/* test-vulndb-feed-detect.c - auto-routing of corpus files to feeds by
 * path and first bytes, and the zip member iterator. */
#include "test-vulndb-feed-sink.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

static const char *detect_corpus(const char *rel)
{
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus(rel), &len);
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_detect(rel, d, len < 8192 ? len : 8192);
	free(d);
	return f ? f->name : "(none)";
}

static void test_detect(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "vuln/osv/go-vulndb.osv.jsonl", "osv" },
		{ "vuln/osv/pypi-pypa.osv.jsonl", "osv" },
		{ "vuln/ubuntu/osv-USN-5614-1.json", "osv" },
		{ "vuln/ubuntu/osv-UBUNTU-CVE-2021-3782.json", "osv" },
		{ "vuln/native/rustsec.native.jsonl", "rustsec" },
		{ "vuln/native/nodejs-security-wg-npm.native.jsonl", "nodejs" },
		{ "vuln/native/nodejs-security-wg-core.native.jsonl", "nodejs" },
		{ "vuln/nvd/nvd-api2-full-page.json", "nvd" },
		{ "vuln/nvd/nvd-api2-single-entry.json", "nvd" },
		{ "vuln/kev/known_exploited_vulnerabilities.json", "kev" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = detect_corpus(cases[i][0]);
		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("%s: detected as %s, want %s", cases[i][0], got, cases[i][1]);
	}
	/* none of these feeds claims the others' files or non-feeds */
	static const char *const other[] = {
		"vuln/kev/known_exploited_vulnerabilities_schema.json",
		"vuln/alpine/secdb-v3.11-main.json",
		"vuln/debian/vunnel-fixture-tracker-debian.json",
		"vuln/rhel/csaf-rhsa-2024_6163.json",
		"vuln/rhel/secdata-api-CVE-2023-4863.json",
		"vuln/ubuntu/openvex-CVE-2023-38545.json",
	};
	static const char *const mine[] = { "osv", "rustsec", "nodejs", "nvd", "kev", "epss" };
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		const char *got = detect_corpus(other[i]);
		for (size_t j = 0; j < sizeof(mine) / sizeof(mine[0]); j++)
			if (strcmp(got, mine[j]) == 0)
				fail_msg("%s: wrongly detected as %s", other[i], got);
	}
	/* every feed in the table can be found by name */
	for (size_t i = 0; mmr_vulndb_feeds[i]; i++)
		assert_ptr_equal(mmr_vulndb_feed_find(mmr_vulndb_feeds[i]->name), mmr_vulndb_feeds[i]);
	for (size_t j = 0; j < sizeof(mine) / sizeof(mine[0]); j++)
		assert_non_null(mmr_vulndb_feed_find(mine[j]));
	assert_null(mmr_vulndb_feed_detect("empty", (const uint8_t *)"", 0));
	assert_null(mmr_vulndb_feed_detect(NULL, NULL, 0));
}

static void test_reject(void **state)
{
	(void)state;
	struct mmr_vulndb_sink s = { 0 };
	mmr_vulndb_reject(&s, "a.json", 3, "bad %s", "thing");
	mmr_vulndb_reject(&s, "b.json", 9, "other");
	assert_int_equal(s.rejected, 2);
	assert_string_equal(s.first_reject, "a.json:3: bad thing");
	struct mmr_vulndb_sink s2 = { 0 };
	mmr_vulndb_reject(&s2, "doc.json", 0, "x");
	assert_string_equal(s2.first_reject, "doc.json: x");
}

struct members {
	struct mmr_arena *a;
	struct tsink *t;
	int n;
};

static int on_member(void *ud, const char *name, const uint8_t *data, size_t len)
{
	struct members *m = ud;
	m->n++;
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_detect(name, data, len);
	if (!f)
		return 0;
	return f->parse(m->a, &m->t->s, name, data, len, NULL);
}

static void write_zip(const char *path, int n, size_t each)
{
	struct archive *w = archive_write_new();
	archive_write_set_format_zip(w);
	assert_int_equal(archive_write_open_filename(w, path), ARCHIVE_OK);
	char *buf = malloc(each + 512);
	for (int i = 0; i < n; i++) {
		int len = snprintf(buf, each + 512,
				   "{\"id\":\"GHSA-%04d\",\"modified\":\"2099-01-01T00:00:00Z\","
				   "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"p%d\"},"
				   "\"versions\":[\"1.0.0\"]}]}",
				   i, i);
		size_t sz = each > (size_t)len ? each : (size_t)len;
		memset(buf + len, ' ', sz - (size_t)len);
		char name[64];
		snprintf(name, sizeof(name), "GHSA-%04d.json", i);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, name);
		archive_entry_set_size(e, (la_int64_t)sz);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(w, buf, sz), (la_ssize_t)sz);
		archive_entry_free(e);
	}
	archive_write_close(w);
	archive_write_free(w);
	free(buf);
}

static void test_zip(void **state)
{
	(void)state;
	char path[] = "/tmp/mmr-test-feed-zip-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_zip(path, 5, 0);
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	struct members m = { a, &t, 0 };
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_feed_each_zip_member(path, 0, 0, on_member, &m, &e), 0);
	assert_int_equal(m.n, 5);
	assert_int_equal(t.s.accepted, 5);
	assert_string_equal(tsink_aff(&t, "GHSA-0003", 0)->package, "p3");
	/* limits */
	m.n = 0;
	assert_int_equal(mmr_vulndb_feed_each_zip_member(path, 4, 0, on_member, &m, &e), -E2BIG);
	assert_string_equal(e.file, path);
	write_zip(path, 2, 100000);
	m.n = 0;
	assert_int_equal(mmr_vulndb_feed_each_zip_member(path, 0, 50000, on_member, &m, &e), -E2BIG);
	assert_int_equal(m.n, 0);
	/* a callback error stops the walk */
	t.fail_after = 1;
	assert_int_equal(mmr_vulndb_feed_each_zip_member(path, 0, 0, on_member, &m, &e), -EIO);
	/* not an archive */
	FILE *fp = fopen(path, "w");
	fputs("hello, this is not a zip file at all\n", fp);
	fclose(fp);
	assert_true(mmr_vulndb_feed_each_zip_member(path, 0, 0, on_member, &m, &e) < 0);
	unlink(path);
	assert_int_equal(mmr_vulndb_feed_each_zip_member(path, 0, 0, on_member, &m, &e), -ENOENT);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_zip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
