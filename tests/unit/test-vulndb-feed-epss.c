/* test-vulndb-feed-epss.c - FIRST EPSS CSV, plain and gzip-compressed. */
#include "test-vulndb-feed-sink.h"

#include <zlib.h>

static const char csv[] = "#model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000\n"
			  "cve,epss,percentile\n"
			  "CVE-1999-0001,0.01140,0.84158\n"
			  "CVE-2021-44228,0.97565,0.99996\r\n"
			  "CVE-2024-123456,0.00043,0.0513\n";

static uint8_t *gz(const void *data, size_t len, size_t *ret_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	size_t cap = deflateBound(&z, (uLong)len) + 64;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*ret_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static const struct tepss *epss_of(const struct tsink *t, const char *cve)
{
	for (size_t i = 0; i < t->epss.n; i++) {
		const struct tepss *k = t->epss.v[i];
		if (strcmp(k->cve, cve) == 0)
			return k;
	}
	return NULL;
}

static void check(const struct tsink *t)
{
	assert_int_equal(t->s.accepted, 3);
	assert_int_equal(t->s.rejected, 0);
	const struct tepss *e = epss_of(t, "CVE-2021-44228");
	assert_non_null(e);
	assert_true(e->score > 0.97564 && e->score < 0.97566);
	assert_true(e->pct > 0.99995 && e->pct < 0.99997);
	e = epss_of(t, "CVE-2024-123456");
	assert_non_null(e);
	assert_true(e->pct > 0.05129 && e->pct < 0.05131);
}

static void test_plain(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "epss", "epss_scores-2024-01-01.csv", csv, NULL), 0);
	check(&t);
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_detect(
		"epss_scores-2024-01-01.csv", (const uint8_t *)csv, sizeof(csv) - 1);
	assert_non_null(f);
	assert_string_equal(f->name, "epss");
	mmr_arena_free(a);
}

static void test_gzip(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	size_t n;
	uint8_t *z = gz(csv, sizeof(csv) - 1, &n);
	assert_int_equal(mmr_vulndb_feed_epss.parse(a, &t.s, "epss.csv.gz", z, n, NULL), 0);
	check(&t);
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_detect("epss_scores-2024-01-01.csv.gz", z, n);
	assert_non_null(f);
	assert_string_equal(f->name, "epss");
	/* truncated */
	struct mmr_error e = { 0 };
	tsink_init(&t, a);
	assert_int_equal(mmr_vulndb_feed_epss.parse(a, &t.s, "epss.csv.gz", z, n / 2, &e), -EBADMSG);
	assert_string_equal(e.file, "epss.csv.gz");
	free(z);

	/* the inflate cap */
	size_t big = 4 << 20;
	char *zeros = calloc(1, big);
	z = gz(zeros, big, &n);
	uint8_t *out;
	size_t outlen;
	assert_int_equal(mmr_vulndb_gunzip(z, n, 1 << 20, &out, &outlen, &e, "bomb.gz"), -E2BIG);
	assert_int_equal(mmr_vulndb_gunzip(z, n, big, &out, &outlen, &e, "ok.gz"), 0);
	assert_int_equal(outlen, big);
	free(out);
	/* not gzip: nothing to do */
	assert_int_equal(mmr_vulndb_gunzip((const uint8_t *)"abc", 3, 10, &out, &outlen, &e, "x"), 0);
	assert_null(out);
	free(z);
	free(zeros);
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	const char *bad = "cve,epss,percentile\n"
			  "CVE-2020-0001,0.5,0.5\n"
			  "CVE-2020-0002,1.5,0.5\n"
			  "CVE-2020-0003,0.5\n"
			  "CVE-2020-0004,0.5,0.5,9\n"
			  "CVE-20-0005,0.5,0.5\n"
			  "CVE-2020-0006,nan,0.5\n"
			  "CVE-2020-0007,0x1p-2,0.5\n"
			  "CVE-2020-0008,,0.5\n"
			  "CVE-2020-0009,-0.1,0.5\n"
			  "CVE-2020-0010,0.25,1\n";
	assert_int_equal(tsink_parse_mem(&t, a, "epss", "e.csv", bad, NULL), 0);
	assert_int_equal(t.s.accepted, 2);
	assert_int_equal(t.s.rejected, 8);
	assert_string_equal(t.s.first_reject, "e.csv:3: score or percentile is not a number in [0, 1]");
	/* columns found by name */
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "epss", "e.csv",
					 "percentile,cve,epss\n0.9,CVE-2020-1234,0.1\n", NULL),
			 0);
	assert_int_equal(t.s.accepted, 1);
	assert_true(epss_of(&t, "CVE-2020-1234")->pct > 0.89);
	struct mmr_error e = { 0 };
	assert_int_equal(tsink_parse_mem(&t, a, "epss", "e.csv", "a,b,c\n1,2,3\n", &e), -EBADMSG);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
