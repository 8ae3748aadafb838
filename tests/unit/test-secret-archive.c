/* test-secret-archive.c - the archive walker of the secret scanner on
 * gitleaks' archive fixtures (exact member names, depth limits, budgets,
 * corrupt input) and the --since date parser of the git walk. */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret/secret-internal.h"
#include "secret/secret.h"

struct warns {
	int n;
	char last[512];
};

static void on_warn(void *ud, const char *where, const char *msg)
{
	struct warns *w = ud;
	w->n++;
	snprintf(w->last, sizeof(w->last), "%s: %s", where, msg);
}

static struct mmr_secret_rules *rs;
static struct mmr_secret_scanner *sc;

static int setup(void **state)
{
	(void)state;
	size_t len;
	uint8_t *cfg = mmr_test_read(mmr_test_corpus("secrets/gitleaks/testdata/config/archives.toml"),
				     &len);
	struct mmr_error e = { 0 };
	if (!cfg || mmr_secret_rules_new(cfg, len, "archives.toml", &rs, &e) < 0 ||
	    mmr_secret_scanner_new(rs, NULL, &sc, &e) < 0)
		return -1;
	free(cfg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mmr_secret_scanner_free(sc);
	mmr_secret_rules_free(rs);
	return 0;
}

/* Scan one fixture; the findings' "file:line:col" sorted, joined by ' '. */
static char *scan_fixture(struct mmr_arena *a, const char *name, uint64_t depth, uint64_t ratio,
			  struct warns *w)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "secrets/gitleaks/testdata/archives/%s", name);
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus(rel), &len);
	assert_non_null(d);
	struct mmr_secret_archive_opts o = { .max_depth = depth, .max_file_size = 1 << 20,
					     .max_ratio = ratio, .max_entries = 1000,
					     .warn = on_warn, .warn_ud = w };
	struct mmr_vec out = { 0 };
	int rc = mmr_secret_scan_archive(sc, a, &out, name, d, len, &o);
	free(d);
	assert_int_equal(rc, (int)out.n);
	char **v = calloc(out.n + 1, sizeof(*v));
	for (size_t i = 0; i < out.n; i++) {
		const struct mmr_finding *f = out.v[i];
		assert_string_equal(f->rule_id, "aws-access-key");
		v[i] = mmr_arena_printf(a, "%s:%lu:%lu", f->loc.file, f->loc.line_start, f->loc.col);
	}
	for (size_t i = 1; i < out.n; i++) /* insertion sort */
		for (size_t k = i; k > 0 && strcmp(v[k - 1], v[k]) > 0; k--) {
			char *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	size_t tot = 1;
	for (size_t i = 0; i < out.n; i++)
		tot += strlen(v[i]) + 1;
	char *s = mmr_arena_alloc(a, tot), *p = s;
	for (size_t i = 0; i < out.n; i++) {
		if (i)
			*p++ = ' ';
		size_t n = strlen(v[i]);
		memcpy(p, v[i], n);
		p += n;
	}
	*p = 0;
	free(v);
	return s;
}

static void test_fixtures(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct warns w = { 0 };
	static const char *const each[] = { "files.7z", "files.tar", "files.tar.xz", "files.tar.zst",
					    "files.zip" };
	for (size_t i = 0; i < 5; i++) {
		char want[512];
		snprintf(want, sizeof(want), "%s!files/api.go:20:15 %s!files/main.go:20:15", each[i],
			 each[i]);
		assert_string_equal(scan_fixture(a, each[i], 8, 200, &w), want);
	}
	assert_int_equal(w.n, 0);
	/* nested: 15 findings; depth 1 reaches only the outer tar's own files */
	const char *all = scan_fixture(a, "nested.tar.gz", 8, 200, &w);
	assert_string_equal(
		all, "nested.tar.gz!archives/files.7z!files/api.go:20:15 "
		     "nested.tar.gz!archives/files.7z!files/main.go:20:15 "
		     "nested.tar.gz!archives/files.tar!files/api.go:20:15 "
		     "nested.tar.gz!archives/files.tar!files/main.go:20:15 "
		     "nested.tar.gz!archives/files.tar.xz!files/api.go:20:15 "
		     "nested.tar.gz!archives/files.tar.xz!files/main.go:20:15 "
		     "nested.tar.gz!archives/files.tar.zst!files/api.go:20:15 "
		     "nested.tar.gz!archives/files.tar.zst!files/main.go:20:15 "
		     "nested.tar.gz!archives/files.zip!files/api.go:20:15 "
		     "nested.tar.gz!archives/files.zip!files/main.go:20:15 "
		     "nested.tar.gz!archives/files/api.go:20:15 "
		     "nested.tar.gz!archives/files/main.go.gz!main.go:20:15 "
		     "nested.tar.gz!archives/files/main.go.xz!main.go:20:15 "
		     "nested.tar.gz!archives/files/main.go.zst!main.go:20:15 "
		     "nested.tar.gz!archives/files/main.go:20:15");
	assert_int_equal(w.n, 0);
	assert_string_equal(scan_fixture(a, "nested.tar.gz", 1, 200, &w),
			    "nested.tar.gz!archives/files/api.go:20:15 "
			    "nested.tar.gz!archives/files/main.go:20:15");
	assert_true(w.n == 8); /* each inner archive: "not opened" */
	assert_non_null(strstr(w.last, "max-archive-depth"));
	assert_string_equal(scan_fixture(a, "nested.tar.gz", 0, 200, &w), "");
	mmr_arena_free(a);
}

static void test_corrupt_and_not_archives(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("secrets/gitleaks/testdata/archives/files.zip"), &len);
	assert_non_null(d);
	struct warns w = { 0 };
	struct mmr_secret_archive_opts o = { .max_depth = 4, .max_file_size = 1 << 20, .max_ratio = 200,
					     .max_entries = 1000, .warn = on_warn, .warn_ud = &w };
	struct mmr_vec out = { 0 };
	for (size_t cut = 4; cut < len; cut += 37) { /* every truncation: warnings, never a crash */
		int rc = mmr_secret_scan_archive(sc, a, &out, "t.zip", d, cut, &o);
		assert_true(rc >= 0);
	}
	assert_true(w.n > 0);
	/* entries bound */
	w.n = 0;
	o.max_entries = 2;
	out.n = 0;
	assert_int_equal(mmr_secret_scan_archive(sc, a, &out, "t.zip", d, len, &o), 0);
	assert_non_null(strstr(w.last, "max-entries"));
	free(d);
	/* plain text is not an archive */
	assert_false(mmr_secret_is_archive((const uint8_t *)"hello", 5));
	assert_int_equal(mmr_secret_scan_archive(sc, a, &out, "t.txt", (const uint8_t *)"hello", 5, &o), 0);
	mmr_arena_free(a);
}

static void test_git_dates(void **state)
{
	(void)state;
	int64_t t;
	assert_int_equal(mmr_secret_git_parse_date("1970-01-01", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(mmr_secret_git_parse_date("2021-11-02T23:37:53Z", &t), 0);
	assert_int_equal(t, 1635896273); /* the small repo's "Accidentally add a secret" */
	assert_int_equal(mmr_secret_git_parse_date("2000-03-01 00:00", &t), 0);
	assert_int_equal(t, 951868800);
	static const char *const bad[] = { "", "2021", "2021-13-01", "2021-1-01", "2021-01-01T",
					   "2021-01-01T25:00", "2021-01-01x", "main", "2e1db47" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mmr_secret_git_parse_date(bad[i], &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_corrupt_and_not_archives),
		cmocka_unit_test(test_git_dates),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
