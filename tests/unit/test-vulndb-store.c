/* test-vulndb-store.c - the SQLite store: writer -> atomic swap -> reader,
 * alias merge, dedupe, abort, schema version, concurrent readers. */
#include "test-util.h"

#include "core/core-arena.h"
#include "core/core-error.h"
#include "vulndb/vulndb-update.h"
#include "vulndb/vulndb.h"

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmr-store-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		char p[600];
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	return 0;
}

static const char *tpath(const char *name)
{
	static char buf[4][600];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* Files in tmpdir whose name contains `part`. */
static int count_files(const char *part)
{
	int n = 0;
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strstr(e->d_name, part))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* A small, fixed set of records, shaped like the feeds emit them. */
static void emit_sample(struct mmr_vulndb_sink *s, const char *tag)
{
	static const char *const ghsa_aliases[] = { "CVE-2024-22195", "PYSEC-2024-1" };
	static const char *const refs1[] = { "https://github.com/pallets/jinja/security",
					     "https://nvd.nist.gov/vuln/detail/CVE-2024-22195" };
	static const char *const refs2[] = { "https://nvd.nist.gov/vuln/detail/CVE-2024-22195",
					     "https://example.org/nvd-only" };
	static const char *const cwes[] = { "CWE-79" };
	struct mmr_vuln ghsa = {
		.id = "GHSA-h5c8-rqwp-cp95",
		.source = "osv",
		.aliases = ghsa_aliases,
		.n_aliases = 2,
		.title = "Jinja vulnerable to HTML attribute injection",
		.description = "The xmlattr filter accepts keys containing spaces.",
		.published = "2024-01-11T15:20:48Z",
		.severity = "MODERATE",
		.cvss3_score = -1,
		.cvss4_score = -1,
		.references = refs1,
		.n_references = 2,
	};
	struct mmr_vuln nvd = {
		.id = "CVE-2024-22195",
		.source = "nvd",
		.description = tag, /* lets tests tell two DB builds apart */
		.cvss3_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
		.cvss3_score = 6.1,
		.cvss4_score = -1,
		.references = refs2,
		.n_references = 2,
		.cwes = cwes,
		.n_cwes = 1,
	};
	assert_int_equal(s->vuln(s->ud, &ghsa), 0);
	assert_int_equal(s->vuln(s->ud, &nvd), 0);
	assert_int_equal(s->vuln(s->ud, &ghsa), 0); /* duplicate: ignored */

	static const struct mmr_vuln_range r1[] = { { "0", "3.1.3", NULL } };
	static const char *const vers[] = { "3.1.0", "3.1.1", "3.1.2" };
	struct mmr_vuln_affected a1 = {
		.vuln_id = "GHSA-h5c8-rqwp-cp95",
		.source = "osv",
		.ecosystem = "PyPI",
		.package = "jinja2",
		.scheme = "pep440",
		.ranges = r1,
		.n_ranges = 1,
		.versions = vers,
		.n_versions = 3,
		.status = MMR_VULN_AFFECTED,
	};
	assert_int_equal(s->affected(s->ud, &a1), 0);
	assert_int_equal(s->affected(s->ud, &a1), 0); /* duplicate row: deduped at commit */
	static const struct mmr_vuln_range r2[] = { { NULL, NULL, "2.0.0" },
						    { "2.1.0", "2.1.5", NULL } };
	struct mmr_vuln_affected a2 = {
		.vuln_id = "CVE-2023-0001",
		.source = "debian",
		.ecosystem = "debian:11",
		.package = "jinja2",
		.scheme = "dpkg",
		.ranges = r2,
		.n_ranges = 2,
		.status = MMR_VULN_FIXED,
		.severity = "low \"quoted\"\n",
	};
	assert_int_equal(s->affected(s->ud, &a2), 0);
	struct mmr_vuln_affected a3 = {
		.vuln_id = "GHSA-xxxx",
		.source = "nodejs",
		.ecosystem = "npm",
		.package = "lodash",
		.scheme = "npm",
		.expr = "<4.17.21 || >=5.0.0-alpha <5.0.1",
		.status = MMR_VULN_WONTFIX,
	};
	assert_int_equal(s->affected(s->ud, &a3), 0);
	assert_int_equal(s->kev(s->ud, "CVE-2024-22195", "2024-02-01", "2024-02-22", true), 0);
	assert_int_equal(s->epss(s->ud, "CVE-2024-22195", 0.00123, 0.4567), 0);
}

static void build_db(const char *path, const char *tag)
{
	struct mmr_vulndb_writer *w = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_writer_new(path, &w, &e), 0);
	emit_sample(mmr_vulndb_writer_sink(w), tag);
	assert_int_equal(mmr_vulndb_writer_source(w, "osv-PyPI", "https://example/all.zip", "\"e1\"",
						  NULL, 3, 1),
			 0);
	assert_int_equal(mmr_vulndb_writer_commit(w, &e), 0);
}

struct got {
	struct mmr_arena *a;
	const struct mmr_vuln_affected *v[8];
	struct mmr_vuln_affected copy[8];
	int n;
};

static int collect(void *ud, const struct mmr_vuln_affected *a)
{
	struct got *g = ud;
	if (g->n >= 8)
		return -E2BIG;
	g->copy[g->n] = *a;
	g->v[g->n] = &g->copy[g->n];
	g->n++;
	return 0;
}

static void test_roundtrip(void **state)
{
	const char *path = tpath("vuln.db");
	build_db(path, "one");
	assert_int_equal(count_files(".tmp-"), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	struct mmr_vulndb *db = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_open(path, &db, &e), 0);
	struct mmr_arena *a = mmr_arena_new(0);
	struct got g = { .a = a };

	assert_int_equal(mmr_vulndb_query(db, a, "PyPI", "jinja2", collect, &g), 0);
	assert_int_equal(g.n, 1); /* duplicate removed */
	const struct mmr_vuln_affected *x = g.v[0];
	assert_string_equal(x->vuln_id, "GHSA-h5c8-rqwp-cp95");
	assert_string_equal(x->source, "osv");
	assert_string_equal(x->ecosystem, "PyPI");
	assert_string_equal(x->package, "jinja2");
	assert_string_equal(x->scheme, "pep440");
	assert_int_equal(x->n_ranges, 1);
	assert_string_equal(x->ranges[0].introduced, "0");
	assert_string_equal(x->ranges[0].fixed, "3.1.3");
	assert_null(x->ranges[0].last_affected);
	assert_int_equal(x->n_versions, 3);
	assert_string_equal(x->versions[2], "3.1.2");
	assert_null(x->expr);
	assert_null(x->severity);
	assert_int_equal(x->status, MMR_VULN_AFFECTED);

	g.n = 0;
	assert_int_equal(mmr_vulndb_query(db, a, "debian:11", "jinja2", collect, &g), 0);
	assert_int_equal(g.n, 1);
	x = g.v[0];
	assert_int_equal(x->n_ranges, 2);
	assert_null(x->ranges[0].introduced);
	assert_string_equal(x->ranges[0].last_affected, "2.0.0");
	assert_string_equal(x->ranges[1].introduced, "2.1.0");
	assert_string_equal(x->ranges[1].fixed, "2.1.5");
	assert_int_equal(x->n_versions, 0);
	assert_int_equal(x->status, MMR_VULN_FIXED);
	assert_string_equal(x->severity, "low \"quoted\"\n");

	g.n = 0;
	assert_int_equal(mmr_vulndb_query(db, a, "npm", "lodash", collect, &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0]->expr, "<4.17.21 || >=5.0.0-alpha <5.0.1");
	assert_int_equal(g.v[0]->n_ranges, 0);
	assert_int_equal(g.v[0]->status, MMR_VULN_WONTFIX);

	/* wrong ecosystem / unknown package: nothing */
	g.n = 0;
	assert_int_equal(mmr_vulndb_query(db, a, "npm", "jinja2", collect, &g), 0);
	assert_int_equal(mmr_vulndb_query(db, a, "PyPI", "nope", collect, &g), 0);
	assert_int_equal(g.n, 0);

	/* KEV and EPSS */
	const char *added = NULL, *due = NULL;
	assert_int_equal(mmr_vulndb_kev(db, a, "CVE-2024-22195", &added, &due), 0);
	assert_string_equal(added, "2024-02-01");
	assert_string_equal(due, "2024-02-22");
	assert_int_equal(mmr_vulndb_kev(db, a, "CVE-2000-0001", &added, &due), -ENOENT);
	double sc = 0, pc = 0;
	assert_int_equal(mmr_vulndb_epss(db, "CVE-2024-22195", &sc, &pc), 0);
	assert_true(sc > 0.00122 && sc < 0.00124);
	assert_true(pc > 0.4566 && pc < 0.4568);
	assert_int_equal(mmr_vulndb_epss(db, "CVE-1999-0001", &sc, &pc), -ENOENT);

	/* info */
	struct mmr_vulndb_info info;
	assert_int_equal(mmr_vulndb_info(db, a, &info), 0);
	assert_int_equal(info.vulns, 2);
	assert_int_equal(info.affected, 3);
	assert_int_equal(info.names, 2);
	assert_int_equal(info.aliases, 4); /* both directions of 2 aliases */
	assert_int_equal(info.kev, 1);
	assert_int_equal(info.epss, 1);
	assert_int_equal(info.schema_version, MMR_VULNDB_SCHEMA_VERSION);
	assert_non_null(info.built_at);
	assert_int_equal(strlen(info.built_at), 20);
	assert_int_equal(info.n_sources, 1);
	assert_string_equal(info.sources[0].name, "osv-PyPI");
	assert_string_equal(info.sources[0].etag, "\"e1\"");
	assert_int_equal(info.sources[0].accepted, 3);
	assert_int_equal(info.sources[0].rejected, 1);
	assert_true(info.size > 0);

	mmr_arena_free(a);
	mmr_vulndb_close(db);
}

static void check_merged(struct mmr_vulndb *db, const char *lookup)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vuln *v = NULL;
	assert_int_equal(mmr_vulndb_vuln(db, a, lookup, &v), 0);
	/* the CVE record is preferred; missing fields come from the GHSA */
	assert_string_equal(v->id, "CVE-2024-22195");
	assert_string_equal(v->source, "nvd");
	assert_string_equal(v->description, "one");
	assert_string_equal(v->title, "Jinja vulnerable to HTML attribute injection");
	assert_string_equal(v->severity, "MODERATE");
	assert_string_equal(v->published, "2024-01-11T15:20:48Z");
	assert_true(v->cvss3_score > 6.09 && v->cvss3_score < 6.11);
	assert_string_equal(v->cvss3_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N");
	assert_true(v->cvss4_score < 0);
	/* aliases: every other id, the CVE itself not among them */
	assert_int_equal(v->n_aliases, 2);
	bool ghsa = false, pysec = false;
	for (size_t i = 0; i < v->n_aliases; i++) {
		ghsa |= strcmp(v->aliases[i], "GHSA-h5c8-rqwp-cp95") == 0;
		pysec |= strcmp(v->aliases[i], "PYSEC-2024-1") == 0;
		assert_string_not_equal(v->aliases[i], "CVE-2024-22195");
	}
	assert_true(ghsa && pysec);
	/* references: union without duplicates, CWEs from NVD */
	assert_int_equal(v->n_references, 3);
	assert_int_equal(v->n_cwes, 1);
	assert_string_equal(v->cwes[0], "CWE-79");
	mmr_arena_free(a);
}

static void test_vuln_merge(void **state)
{
	const char *path = tpath("vuln.db");
	build_db(path, "one");
	struct mmr_vulndb *db = NULL;
	assert_int_equal(mmr_vulndb_open(path, &db, NULL), 0);
	check_merged(db, "GHSA-h5c8-rqwp-cp95");
	check_merged(db, "CVE-2024-22195");
	check_merged(db, "PYSEC-2024-1"); /* alias only: via the CVE */
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vuln *v = NULL;
	assert_int_equal(mmr_vulndb_vuln(db, a, "CVE-1999-9999", &v), -ENOENT);
	mmr_arena_free(a);
	mmr_vulndb_close(db);
}

static void test_missing_and_garbage(void **state)
{
	struct mmr_vulndb *db = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_open(tpath("none.db"), &db, &e), -ENOENT);
	assert_null(db);
	assert_non_null(strstr(e.msg, "mamori db update"));
	assert_non_null(strstr(e.msg, "mamori db import"));

	const char *g = tpath("garbage.db");
	FILE *f = fopen(g, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not sqlite at all\n", f);
	fclose(f);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_vulndb_open(g, &db, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "garbage.db"));

	/* a SQLite file that is not ours */
	const char *o = tpath("other.db");
	sqlite3 *s;
	assert_int_equal(sqlite3_open(o, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_vulndb_open(o, &db, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "not a mamori vulnerability database"));
	assert_int_equal(mmr_vulndb_open(tmpdir, &db, &e), -EBADMSG);
}

static void test_schema_mismatch(void **state)
{
	const char *path = tpath("vuln.db");
	build_db(path, "one");
	sqlite3 *s;
	assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "UPDATE meta SET value='999' WHERE key='schema_version'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(s);
	struct mmr_vulndb *db = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_open(path, &db, &e), -EPROTO);
	assert_null(db);
	assert_non_null(strstr(e.msg, "999"));
	assert_non_null(strstr(e.msg, "mamori db update"));
}

static void test_abort_keeps_old(void **state)
{
	const char *path = tpath("vuln.db");
	build_db(path, "one");
	struct stat before, after;
	assert_int_equal(stat(path, &before), 0);

	struct mmr_vulndb_writer *w = NULL;
	assert_int_equal(mmr_vulndb_writer_new(path, &w, NULL), 0);
	assert_int_equal(count_files(".tmp-"), 1);
	emit_sample(mmr_vulndb_writer_sink(w), "two");
	mmr_vulndb_writer_abort(w);
	mmr_vulndb_writer_abort(NULL);
	assert_int_equal(count_files(".tmp-"), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);

	struct mmr_vulndb *db = NULL;
	assert_int_equal(mmr_vulndb_open(path, &db, NULL), 0);
	check_merged(db, "CVE-2024-22195"); /* still "one" */
	mmr_vulndb_close(db);
}

/* A reader opened before a commit keeps reading the old file; one opened
 * after sees the new one. */
static void test_reader_during_commit(void **state)
{
	const char *path = tpath("vuln.db");
	build_db(path, "one");
	struct mmr_vulndb *old = NULL, *cur = NULL;
	assert_int_equal(mmr_vulndb_open(path, &old, NULL), 0);
	build_db(path, "two");
	assert_int_equal(mmr_vulndb_open(path, &cur, NULL), 0);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vuln *v = NULL;
	check_merged(old, "GHSA-h5c8-rqwp-cp95");
	assert_int_equal(mmr_vulndb_vuln(cur, a, "GHSA-h5c8-rqwp-cp95", &v), 0);
	assert_string_equal(v->description, "two");
	struct got g = { .a = a };
	assert_int_equal(mmr_vulndb_query(old, a, "PyPI", "jinja2", collect, &g), 0);
	assert_int_equal(g.n, 1);
	mmr_arena_free(a);
	mmr_vulndb_close(old);
	mmr_vulndb_close(cur);
}

static void test_append_copy(void **state)
{
	const char *path = tpath("vuln.db");
	build_db(path, "one");
	struct mmr_vulndb_writer *w = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_writer_new(path, &w, &e), 0);
	assert_int_equal(mmr_vulndb_writer_copy(w, path, &e), 0);
	struct mmr_vulndb_sink *s = mmr_vulndb_writer_sink(w);
	emit_sample(s, "two"); /* all duplicates of copied rows */
	struct mmr_vuln_affected a4 = {
		.vuln_id = "CVE-2024-1",
		.source = "alpine",
		.ecosystem = "alpine:3.11",
		.package = "jinja2", /* an existing interned name */
		.scheme = "apk",
		.status = MMR_VULN_FIXED,
	};
	assert_int_equal(s->affected(s->ud, &a4), 0);
	a4.package = "musl";
	assert_int_equal(s->affected(s->ud, &a4), 0);
	assert_int_equal(mmr_vulndb_writer_source(w, "alpine", "file:///x", NULL, NULL, 2, 0), 0);
	assert_int_equal(mmr_vulndb_writer_commit(w, &e), 0);

	struct mmr_vulndb *db = NULL;
	assert_int_equal(mmr_vulndb_open(path, &db, NULL), 0);
	check_merged(db, "CVE-2024-22195"); /* the copied record won */
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_info info;
	assert_int_equal(mmr_vulndb_info(db, a, &info), 0);
	assert_int_equal(info.vulns, 2);
	assert_int_equal(info.affected, 5);
	assert_int_equal(info.names, 3);
	assert_int_equal(info.n_sources, 2);
	struct got g = { .a = a };
	assert_int_equal(mmr_vulndb_query(db, a, "alpine:3.11", "jinja2", collect, &g), 0);
	assert_int_equal(mmr_vulndb_query(db, a, "alpine:3.11", "musl", collect, &g), 0);
	assert_int_equal(mmr_vulndb_query(db, a, "PyPI", "jinja2", collect, &g), 0);
	assert_int_equal(g.n, 3);
	mmr_arena_free(a);
	mmr_vulndb_close(db);
}

static void test_odd_path_and_default(void **state)
{
	const char *path = tpath("we?ird#na%me.db");
	build_db(path, "one");
	struct mmr_vulndb *db = NULL;
	assert_int_equal(mmr_vulndb_open(path, &db, NULL), 0);
	check_merged(db, "PYSEC-2024-1");
	mmr_vulndb_close(db);

	char buf[512], want[512];
	char *old = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;
	setenv("XDG_DATA_HOME", "/srv/data", 1);
	assert_string_equal(mmr_vulndb_default_path(buf, sizeof(buf)), "/srv/data/mamori/vuln.db");
	assert_null(mmr_vulndb_default_path(buf, 10));
	setenv("XDG_DATA_HOME", "relative", 1); /* not absolute: ignored */
	snprintf(want, sizeof(want), "%s/.local/share/mamori/vuln.db", getenv("HOME"));
	assert_string_equal(mmr_vulndb_default_path(buf, sizeof(buf)), want);
	if (old)
		setenv("XDG_DATA_HOME", old, 1);
	else
		unsetenv("XDG_DATA_HOME");
	free(old);
}

/* The writer creates missing parent directories and refuses bad records. */
static void test_writer_edges(void **state)
{
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/a", tmpdir);
	const char *path = tpath("a/vuln.db");
	struct mmr_vulndb_writer *w = NULL;
	assert_int_equal(mmr_vulndb_writer_new(path, &w, NULL), 0);
	struct mmr_vulndb_sink *s = mmr_vulndb_writer_sink(w);
	struct mmr_vuln bad = { .id = "", .source = "osv" };
	assert_int_equal(s->vuln(s->ud, &bad), -EINVAL);
	struct mmr_vuln_affected badaf = { .vuln_id = "X", .source = "osv", .ecosystem = "npm" };
	assert_int_equal(s->affected(s->ud, &badaf), -EINVAL);
	assert_int_equal(s->kev(s->ud, NULL, NULL, NULL, false), -EINVAL);
	assert_int_equal(mmr_vulndb_writer_commit(w, NULL), 0); /* an empty DB is valid */
	struct mmr_vulndb *db = NULL;
	assert_int_equal(mmr_vulndb_open(path, &db, NULL), 0);
	mmr_vulndb_close(db);
	unlink(path);
	rmdir(sub);

	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_writer_new("/proc/nope/vuln.db", &w, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/proc/nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vuln_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_during_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_path_and_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_edges, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
