/* test-core.c - arena, buffer, strings, map, limits, JSON/YAML, hashing. */
#include "test-util.h"

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-hash.h"
#include "core/core-json.h"
#include "core/core-limits.h"
#include "core/core-sqlite.h"
#include "core/core-str.h"
#include "core/core-time.h"
#include "core/core-vec.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

static void test_arena_cap(void **state)
{
	struct mmr_arena *a = mmr_arena_new(1000);
	assert_non_null(mmr_arena_alloc(a, 500));
	assert_null(mmr_arena_alloc(a, 600)); /* over the cap */
	assert_non_null(mmr_arena_alloc(a, 400));
	mmr_arena_free(a);
	mmr_arena_free(NULL);
}

static void test_arena_big_and_small(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	char *s1 = mmr_arena_strdup(a, "hello");
	char *big = mmr_arena_alloc(a, 1 << 20);
	char *s2 = mmr_arena_printf(a, "%s-%d", s1, 42);
	assert_non_null(big);
	assert_string_equal(s2, "hello-42");
	assert_string_equal(s1, "hello");
	mmr_arena_free(a);
}

static void test_buf_cap(void **state)
{
	struct mmr_buf b;
	mmr_buf_init(&b, 8);
	assert_string_equal(b.p, "");
	assert_int_equal(mmr_buf_adds(&b, "abcd"), 0);
	assert_int_equal(mmr_buf_addf(&b, "%d", 1234), 0);
	assert_int_equal(mmr_buf_addc(&b, 'x'), -E2BIG);
	assert_string_equal(b.p, "abcd1234");
	mmr_buf_release(&b);
	assert_string_equal(b.p, "");
}

static void test_lines(void **state)
{
	const char txt[] = "a\r\nbb\n\nccc";
	struct mmr_lines it;
	struct mmr_str l;
	mmr_lines_init(&it, txt, strlen(txt));
	assert_true(mmr_lines_next(&it, &l));
	assert_true(mmr_str_eqc(l, "a"));
	assert_true(mmr_lines_next(&it, &l));
	assert_true(mmr_str_eqc(l, "bb"));
	assert_true(mmr_lines_next(&it, &l));
	assert_int_equal(l.len, 0);
	assert_true(mmr_lines_next(&it, &l));
	assert_true(mmr_str_eqc(l, "ccc"));
	assert_int_equal(it.lineno, 4);
	assert_false(mmr_lines_next(&it, &l));
}

static void test_utf8(void **state)
{
	assert_true(mmr_utf8_valid("日本語", strlen("日本語")));
	assert_false(mmr_utf8_valid("\xc0\xaf", 2));        /* overlong */
	assert_false(mmr_utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
	assert_false(mmr_utf8_valid("\xe6\x97", 2));        /* truncated */
}

static void test_map(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_map m;
	mmr_map_init(&m, a);
	char key[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(mmr_map_put(&m, mmr_arena_strdup(a, key), (void *)(long)(i + 1)), 0);
	}
	assert_int_equal((long)mmr_map_get(&m, "k999"), 1000);
	assert_true(mmr_map_del(&m, "k5"));
	assert_null(mmr_map_get(&m, "k5"));
	assert_int_equal((long)mmr_map_get(&m, "k6"), 7);
	assert_int_equal(mmr_map_put(&m, "k5", (void *)5L), 0);
	assert_int_equal((long)mmr_map_get(&m, "k5"), 5);
	mmr_arena_free(a);
}

static void test_limits(void **state)
{
	struct mmr_limits l;
	mmr_limits_default(&l);
	assert_int_equal(mmr_limits_set(&l, "max-file-size=10m"), 0);
	assert_int_equal(l.max_file_size, 10u << 20);
	assert_int_equal(mmr_limits_set(&l, "max-file-size=x"), -EINVAL);
	assert_int_equal(mmr_limits_set(&l, "nope=1"), -EINVAL);
	assert_string_equal(mmr_limits_key(&l, &l.max_ratio), "max-ratio");
}

static void test_sha256(void **state)
{
	char hex[65];
	assert_int_equal(mmr_sha256_hex("abc", 3, hex), 0);
	/* FIPS 180-2 example */
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	struct mmr_sha256 h;
	assert_int_equal(mmr_sha256_init(&h), 0);
	mmr_sha256_update(&h, "a", 1);
	mmr_sha256_update(&h, "bc", 2);
	assert_int_equal(mmr_sha256_final_hex(&h, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_json_errors(void **state)
{
	json_t *j;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_json_parse("{\"a\":1}", 7, "x.json", &j, &e), 0);
	json_decref(j);
	assert_int_equal(mmr_json_parse("{\"a\":\n", 6, "x.json", &j, &e), -EBADMSG);
	assert_string_equal(e.file, "x.json");
	assert_int_equal(e.line, 2);
	char deep[1200];
	memset(deep, '[', 600);
	memset(deep + 600, ']', 600);
	assert_int_equal(mmr_json_parse(deep, sizeof(deep), "d.json", &j, &e), -E2BIG);
}

static void test_yaml(void **state)
{
	const char y[] = "a: 1\nb: [x, 'y', true, null, 1.5]\nc: &anc {k: v}\nd: *anc\n"
			 "e:\n  <<: *anc\n  z: 2\n";
	json_t *j;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_yaml_parse(y, strlen(y), "t.yaml", 0, 0, 0, &j, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	json_t *b = json_object_get(j, "b");
	assert_string_equal(json_string_value(json_array_get(b, 1)), "y");
	assert_true(json_is_true(json_array_get(b, 2)));
	assert_true(json_is_null(json_array_get(b, 3)));
	assert_string_equal(mmr_json_str(json_object_get(j, "d"), "k"), "v");
	assert_string_equal(mmr_json_str(json_object_get(j, "e"), "k"), "v");
	json_decref(j);

	const char bad[] = "a: [1, 2\nb: 3\n";
	assert_int_equal(mmr_yaml_parse(bad, strlen(bad), "bad.yaml", 0, 0, 0, &j, &e), -EBADMSG);
	assert_string_equal(e.file, "bad.yaml");
	assert_true(e.line >= 2);

	/* billion laughs: bounded by the node limit */
	const char lol[] = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
	assert_int_equal(mmr_yaml_parse(lol, strlen(lol), "lol.yaml", 0, 0, 10000, &j, &e), -E2BIG);

	const char multi[] = "---\na: 1\n---\na: 2\n";
	assert_int_equal(mmr_yaml_parse(multi, strlen(multi), "m.yaml", 1, 0, 0, &j, &e), 0);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
}

static void test_hex_digit(void **state)
{
	(void)state;
	const char *digits = "0123456789abcdefABCDEF";
	for (const char *c = digits; *c; c++)
		assert_int_equal(mmr_hex_digit(*c), c - digits < 16 ? c - digits : c - digits - 6);
	assert_int_equal(mmr_hex_digit('g'), -1);
	assert_int_equal(mmr_hex_digit('G'), -1);
	assert_int_equal(mmr_hex_digit('/'), -1);
	assert_int_equal(mmr_hex_digit(':'), -1);
	assert_int_equal(mmr_hex_digit('@'), -1);
	assert_int_equal(mmr_hex_digit('`'), -1);
	assert_int_equal(mmr_hex_digit(-1), -1);
	assert_int_equal(mmr_hex_digit((char)0xe1), -1);
	assert_int_equal(mmr_hex_digit(0xe1), -1);
}

static void test_time_iso(void **state)
{
	(void)state;
	char out[MMR_TIME_ISO_SIZE];
	assert_string_equal(mmr_time_iso(1700000100123456789ull, out, sizeof(out)),
			    "2023-11-14T22:15:00.123456789Z");
	assert_string_equal(mmr_time_iso(0, out, sizeof(out)), "1970-01-01T00:00:00.000000000Z");
	assert_string_equal(mmr_time_iso(UINT64_MAX, out, sizeof(out)), "2554-07-21T23:34:33.709551615Z");
	char small[11];
	assert_string_equal(mmr_time_iso(1700000100123456789ull, small, sizeof(small)), "2023-11-14");
}

static int count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_sqlite_open(void **state)
{
	(void)state;
	char dir[] = "/tmp/mmr-test-sqlite-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.db", dir);
	static const char *const steps[] = { "CREATE TABLE a(x);", "ALTER TABLE a ADD COLUMN y;" };
	struct mmr_sqlite_schema s = { .name = "test store", .busy_ms = 100, .init_sql = "PRAGMA journal_mode=WAL;",
				       .steps = steps, .nsteps = 1, .applied_at = true };
	sqlite3 *db = NULL;
	int v = -1;
	assert_int_equal(mmr_sqlite_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s, &db, &v, NULL), 0);
	assert_int_equal(v, 1);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_version WHERE applied_at LIKE '____-__-__T%Z'"), 1);
	sqlite3_close(db);
	/* a second step: only it runs (the first would fail: a exists) */
	s.nsteps = 2;
	assert_int_equal(mmr_sqlite_open(path, SQLITE_OPEN_READWRITE, &s, &db, &v, NULL), 0);
	assert_int_equal(v, 2);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM pragma_table_info('a')"), 2);
	sqlite3_close(db);
	/* an older mamori: the store is newer */
	s.nsteps = 1;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_sqlite_open(path, SQLITE_OPEN_READWRITE, &s, &db, &v, &e), -EPROTO);
	assert_string_equal(e.file, path);
	assert_non_null(strstr(e.msg, "test store schema 2 is newer than this mamori knows (1)"));
	/* a failing step rolls back and names the store */
	static const char *const bad[] = { "CREATE TABLE b(x);", "CREATE TABLE c(x); SELECT nosuch();" };
	struct mmr_sqlite_schema sb = { .name = "bad store", .busy_ms = 100, .steps = bad, .nsteps = 2 };
	char path2[64];
	snprintf(path2, sizeof(path2), "%s/b.db", dir);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_sqlite_open(path2, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &sb, &db, NULL, &e), -EIO);
	assert_string_equal(e.file, path2);
	assert_non_null(strstr(e.msg, "bad store: "));
	sb.nsteps = 1;
	assert_int_equal(mmr_sqlite_open(path2, SQLITE_OPEN_READWRITE, &sb, &db, &v, NULL), 0);
	assert_int_equal(v, 1);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'c'"), 0);
	sqlite3_close(db);
	/* no file and no CREATE flag */
	snprintf(path2, sizeof(path2), "%s/none/x.db", dir);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_sqlite_open(path2, SQLITE_OPEN_READWRITE, &sb, &db, NULL, &e), -EIO);
	assert_non_null(strstr(e.msg, "cannot open the bad store"));
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* mmr_read_fd: the whole input up to max, never more, from files and pipes */
static void test_read_fd(void **state)
{
	(void)state;
	char path[] = "/tmp/mmr-read-fd-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	char data[10000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	char *b = NULL;
	size_t n = 0;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(mmr_read_fd(fd, sizeof(data), &b, &n), 0); /* exactly max */
	assert_int_equal(n, sizeof(data));
	assert_memory_equal(b, data, n);
	assert_int_equal(b[n], 0);
	free(b);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(mmr_read_fd(fd, sizeof(data) - 1, &b, &n), -EFBIG);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(mmr_read_fd(fd, 1, &b, &n), -EFBIG);
	close(fd);
	/* a pipe: no size to start from, grown as it comes */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], data, 6000), 6000);
	close(p[1]);
	assert_int_equal(mmr_read_fd(p[0], 1 << 20, &b, &n), 0);
	assert_int_equal(n, 6000);
	assert_memory_equal(b, data, n);
	free(b);
	close(p[0]);
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	assert_int_equal(mmr_read_fd(p[0], 0, &b, &n), 0); /* empty */
	assert_int_equal(n, 0);
	assert_int_equal(b[0], 0);
	free(b);
	close(p[0]);
	assert_int_equal(mmr_read_fd(-1, 10, &b, &n), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_cap),   cmocka_unit_test(test_arena_big_and_small),
		cmocka_unit_test(test_buf_cap),     cmocka_unit_test(test_lines),
		cmocka_unit_test(test_utf8),        cmocka_unit_test(test_map),
		cmocka_unit_test(test_limits),      cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_json_errors), cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_hex_digit),
		cmocka_unit_test(test_time_iso),
		cmocka_unit_test(test_sqlite_open),
		cmocka_unit_test(test_read_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
