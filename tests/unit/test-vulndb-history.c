/* test-vulndb-history.c - the scan history store: round trip of assets and
 * SBOMs, evaluations, diffs, migrations. */
#include "test-util.h"

#include "vulndb/vulndb-history.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mmr-hist-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/history.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[200];
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static struct mmr_package *pkg(struct mmr_report *r, struct mmr_result *res, enum mmr_ecosystem eco,
			       const char *name, const char *version, const char *release, uint32_t epoch,
			       const char *src)
{
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	assert_non_null(p);
	p->name = name;
	p->version = version;
	p->release = release;
	p->epoch = epoch;
	p->has_epoch = epoch != 0;
	p->arch = mmr_ecosystem_is_os(eco) ? "amd64" : NULL;
	p->src_name = src;
	p->src_version = src ? version : NULL;
	p->src_release = src ? release : NULL;
	p->src_epoch = epoch;
	p->eco = eco;
	p->file = mmr_ecosystem_is_os(eco) ? "var/lib/dpkg/status" : "app/package-lock.json";
	p->layer = "sha256:1111";
	p->relation = MMR_DEP_DIRECT;
	assert_int_equal(mmr_package_finish(r->arena, p, mmr_ecosystem_is_os(eco) ? &r->asset.os : NULL), 0);
	assert_int_equal(mmr_vec_push(r->arena, &res->packages, p), 0);
	return p;
}

static struct mmr_finding *finding(struct mmr_report *r, struct mmr_result *res, const struct mmr_package *p,
				   const char *id, enum mmr_severity sev, bool kev, const char *fixed)
{
	struct mmr_finding *f = mmr_arena_alloc(r->arena, sizeof(*f));
	assert_non_null(f);
	f->kind = MMR_FINDING_VULNERABILITY;
	f->rule_id = id;
	f->severity = sev;
	f->fingerprint = mmr_arena_printf(r->arena, "fp-%s-%s", id, p->id);
	f->loc.package = p->id;
	f->vuln = mmr_arena_alloc(r->arena, sizeof(*f->vuln));
	assert_non_null(f->vuln);
	f->vuln->kev = kev;
	f->vuln->kev_due = kev ? "2024-07-01" : NULL;
	f->vuln->status = fixed ? "fixed" : "affected";
	if (fixed)
		assert_int_equal(mmr_vec_push(r->arena, &f->vuln->fixed, (void *)fixed), 0);
	assert_int_equal(mmr_vec_push(r->arena, &res->findings, f), 0);
	return f;
}

/* An image with two dpkg packages and an npm one. */
static struct mmr_report *image_report(struct mmr_package **ret_curl, struct mmr_package **ret_z,
				       struct mmr_package **ret_lo)
{
	struct mmr_report *r = mmr_report_new();
	assert_non_null(r);
	r->created = "2024-06-01T10:00:00Z";
	r->tool_version = "0.1.0";
	r->asset.kind = MMR_ASSET_IMAGE;
	r->asset.name = "docker.io/library/app:1";
	r->asset.image_id = "sha256:abcd";
	r->asset.manifest_digest = "sha256:ef01";
	assert_int_equal(mmr_vec_push(r->arena, &r->asset.repo_tags, (void *)"app:1"), 0);
	assert_int_equal(mmr_vec_push(r->arena, &r->asset.repo_tags, (void *)"we \"quote\"\\"), 0);
	assert_int_equal(mmr_vec_push(r->arena, &r->asset.repo_digests, (void *)"app@sha256:ef01"), 0);
	r->asset.os.family = "debian";
	r->asset.os.name = "debian";
	r->asset.os.version = "12";
	r->asset.os.codename = "bookworm";
	struct mmr_result *os = mmr_report_result(r, "debian 12", "os-pkgs", "dpkg");
	struct mmr_result *npm = mmr_report_result(r, "app/package-lock.json", "lang-pkgs", "npm");
	*ret_curl = pkg(r, os, MMR_ECO_DPKG, "curl", "7.88.1", "10+deb12u5", 0, "curl");
	*ret_z = pkg(r, os, MMR_ECO_DPKG, "zlib1g", "1.2.13.dfsg", "1", 1, "zlib");
	*ret_lo = pkg(r, npm, MMR_ECO_NPM, "lodash", "4.17.20", NULL, 0, NULL);
	return r;
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct mmr_vulndb_history *h;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_history_open(path, &h, &e), 0);
	assert_int_equal(mmr_vulndb_history_schema_version(h), MMR_VULNDB_HISTORY_SCHEMA);
	struct mmr_package *curl, *z, *lo;
	struct mmr_report *r = image_report(&curl, &z, &lo);
	int64_t id = 0;
	assert_int_equal(mmr_vulndb_history_put(h, r, false, &id, &e), 0);
	assert_true(id > 0);

	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vec assets = { 0 };
	assert_int_equal(mmr_vulndb_history_assets(h, a, &assets, &e), 0);
	assert_int_equal(assets.n, 1);
	const struct mmr_vulndb_history_asset *as = assets.v[0];
	assert_string_equal(as->key, "image:docker.io/library/app:1");
	assert_string_equal(as->kind, "image");
	assert_string_equal(as->scanned_at, "2024-06-01T10:00:00Z");
	assert_null(as->evaluated_at);
	assert_int_equal(as->packages, 3);

	struct mmr_report *back;
	assert_int_equal(mmr_vulndb_history_load(h, id, &back, &e), 0);
	assert_int_equal(back->asset.kind, MMR_ASSET_IMAGE);
	assert_string_equal(back->asset.name, "docker.io/library/app:1");
	assert_string_equal(back->asset.image_id, "sha256:abcd");
	assert_string_equal(back->asset.manifest_digest, "sha256:ef01");
	assert_int_equal(back->asset.repo_tags.n, 2);
	assert_string_equal(back->asset.repo_tags.v[1], "we \"quote\"\\");
	assert_string_equal(back->asset.repo_digests.v[0], "app@sha256:ef01");
	assert_string_equal(back->asset.os.name, "debian");
	assert_string_equal(back->asset.os.version, "12");
	assert_string_equal(back->asset.os.codename, "bookworm");
	assert_int_equal(back->results.n, 2);
	assert_int_equal(mmr_report_package_count(back), 3);
	/* every field matching needs comes back as it went in */
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *x = r->results.v[i], *y = back->results.v[i];
		assert_string_equal(x->target, y->target);
		assert_string_equal(x->class, y->class);
		assert_string_equal(x->type, y->type);
		assert_int_equal(x->packages.n, y->packages.n);
		for (size_t k = 0; k < x->packages.n; k++) {
			const struct mmr_package *p = x->packages.v[k], *q = y->packages.v[k];
			assert_string_equal(p->id, q->id);
			assert_string_equal(p->name, q->name);
			assert_string_equal(p->version, q->version);
			assert_int_equal(p->epoch, q->epoch);
			assert_int_equal(p->has_epoch, q->has_epoch);
			assert_int_equal(p->eco, q->eco);
			assert_string_equal(p->purl, q->purl);
			assert_string_equal(p->file, q->file);
			assert_string_equal(p->layer, q->layer);
			assert_int_equal(p->relation, q->relation);
			if (p->release)
				assert_string_equal(p->release, q->release);
			if (p->src_name) {
				assert_string_equal(p->src_name, q->src_name);
				assert_string_equal(p->src_version, q->src_version);
				assert_string_equal(p->arch, q->arch);
			}
		}
	}
	mmr_report_free(back);

	/* a second scan of the same asset replaces its SBOM */
	mmr_report_free(r);
	r = image_report(&curl, &z, &lo);
	struct mmr_result *os = r->results.v[0];
	os->packages.n = 1;
	int64_t id2;
	assert_int_equal(mmr_vulndb_history_put(h, r, false, &id2, &e), 0);
	assert_int_equal(id2, id);
	assets.n = 0;
	assert_int_equal(mmr_vulndb_history_assets(h, a, &assets, &e), 0);
	assert_int_equal(assets.n, 1);
	assert_int_equal(((struct mmr_vulndb_history_asset *)assets.v[0])->packages, 2);
	mmr_report_free(r);
	assert_int_equal(mmr_vulndb_history_load(h, 999, &back, &e), -ENOENT);
	mmr_vulndb_history_close(h);
	mmr_arena_free(a);
}

static const struct mmr_vulndb_change *change(const struct mmr_vec *v, size_t i)
{
	assert_true(i < v->n);
	return v->v[i];
}

static void test_eval_and_diff(void **state)
{
	(void)state;
	struct mmr_vulndb_history *h;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_history_open(path, &h, &e), 0);
	struct mmr_package *curl, *z, *lo;
	struct mmr_report *r = image_report(&curl, &z, &lo);
	struct mmr_result *os = r->results.v[0], *npm = r->results.v[1];
	finding(r, os, curl, "CVE-2024-2398", MMR_SEV_MEDIUM, false, "7.88.1-10+deb12u6");
	finding(r, os, z, "CVE-2023-45853", MMR_SEV_CRITICAL, false, NULL);
	struct mmr_finding *sup = finding(r, npm, lo, "CVE-2020-8203", MMR_SEV_HIGH, false, "4.17.21");
	sup->suppressed = true;
	sup->suppressed_by = "ignore: test";
	finding(r, npm, lo, "CVE-2021-23337", MMR_SEV_HIGH, false, "4.17.21");
	int64_t id;
	assert_int_equal(mmr_vulndb_history_put(h, r, true, &id, &e), 0);

	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vec old = { 0 };
	bool had = false;
	assert_int_equal(mmr_vulndb_history_last_eval(h, a, id, &old, &had, &e), 0);
	assert_true(had);
	assert_int_equal(old.n, 4);
	const struct mmr_vulndb_history_finding *f0 = old.v[0];
	/* sorted by key: rule id first */
	assert_string_equal(f0->rule_id, "CVE-2020-8203");
	assert_true(f0->suppressed);
	const struct mmr_vulndb_history_finding *fc = old.v[2];
	assert_string_equal(fc->rule_id, "CVE-2023-45853");
	assert_int_equal(fc->severity, MMR_SEV_CRITICAL);
	assert_string_equal(fc->pkg_name, "zlib1g");
	assert_string_equal(fc->fixed, "");
	assert_string_equal(fc->status, "affected");
	assert_string_equal(fc->target, "debian 12");
	const struct mmr_vulndb_history_finding *fd = old.v[3];
	assert_string_equal(fd->fixed, "7.88.1-10+deb12u6");
	assert_string_equal(fd->fingerprint, "fp-CVE-2024-2398-curl@7.88.1-10+deb12u5");
	assert_string_equal(fd->installed, "7.88.1");

	/* the next evaluation: curl's CVE gone, zlib's now in KEV and HIGH,
	 * a new one on lodash, and the suppressed one unsuppressed (new) */
	struct mmr_report *r2 = image_report(&curl, &z, &lo);
	os = r2->results.v[0];
	npm = r2->results.v[1];
	finding(r2, os, z, "CVE-2023-45853", MMR_SEV_HIGH, true, NULL);
	finding(r2, npm, lo, "CVE-2020-8203", MMR_SEV_HIGH, false, "4.17.21");
	finding(r2, npm, lo, "CVE-2021-23337", MMR_SEV_HIGH, false, "4.17.21");
	finding(r2, npm, lo, "GHSA-new", MMR_SEV_LOW, false, NULL);
	struct mmr_vec cur = { 0 }, ch = { 0 };
	assert_int_equal(mmr_vulndb_history_snapshot(a, r2, &cur), 0);
	assert_int_equal(mmr_vulndb_history_diff(a, &old, &cur, &ch), 0);
	assert_int_equal(ch.n, 5);
	assert_int_equal(change(&ch, 0)->kind, MMR_CHANGE_NEW);
	assert_string_equal(change(&ch, 0)->cur->rule_id, "CVE-2020-8203");
	assert_int_equal(change(&ch, 1)->kind, MMR_CHANGE_NEW);
	assert_string_equal(change(&ch, 1)->cur->rule_id, "GHSA-new");
	assert_int_equal(change(&ch, 2)->kind, MMR_CHANGE_FIXED);
	assert_string_equal(change(&ch, 2)->old->rule_id, "CVE-2024-2398");
	assert_null(change(&ch, 2)->cur);
	assert_int_equal(change(&ch, 3)->kind, MMR_CHANGE_SEVERITY);
	assert_int_equal(change(&ch, 3)->old->severity, MMR_SEV_CRITICAL);
	assert_int_equal(change(&ch, 3)->cur->severity, MMR_SEV_HIGH);
	assert_int_equal(change(&ch, 4)->kind, MMR_CHANGE_KEV);
	assert_true(change(&ch, 4)->cur->kev);
	assert_string_equal(change(&ch, 4)->cur->kev_due, "2024-07-01");

	/* store it; diffing against itself then shows nothing */
	assert_int_equal(mmr_vulndb_history_set_eval(h, id, r2, &e), 0);
	struct mmr_vec old2 = { 0 }, ch2 = { 0 };
	assert_int_equal(mmr_vulndb_history_last_eval(h, a, id, &old2, &had, &e), 0);
	assert_int_equal(old2.n, 4);
	assert_int_equal(mmr_vulndb_history_diff(a, &old2, &cur, &ch2), 0);
	assert_int_equal(ch2.n, 0);
	/* an SBOM-only put keeps the evaluation */
	assert_int_equal(mmr_vulndb_history_put(h, r, false, &id, &e), 0);
	old2.n = 0;
	assert_int_equal(mmr_vulndb_history_last_eval(h, a, id, &old2, &had, &e), 0);
	assert_int_equal(old2.n, 4);
	mmr_report_free(r);
	mmr_report_free(r2);
	mmr_vulndb_history_close(h);
	mmr_arena_free(a);
}

static void test_never_evaluated(void **state)
{
	(void)state;
	struct mmr_vulndb_history *h;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_history_open(path, &h, &e), 0);
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_HOST;
	r->asset.name = "/";
	r->asset.hostname = "web-1";
	int64_t id;
	assert_int_equal(mmr_vulndb_history_put(h, r, false, &id, &e), 0);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vec v = { 0 };
	bool had = true;
	assert_int_equal(mmr_vulndb_history_last_eval(h, a, id, &v, &had, &e), 0);
	assert_false(had);
	assert_int_equal(v.n, 0);
	struct mmr_vec as = { 0 };
	assert_int_equal(mmr_vulndb_history_assets(h, a, &as, &e), 0);
	assert_string_equal(((struct mmr_vulndb_history_asset *)as.v[0])->key, "host:web-1");
	mmr_report_free(r);
	mmr_arena_free(a);
	mmr_vulndb_history_close(h);
}

static void test_schema(void **state)
{
	(void)state;
	struct mmr_vulndb_history *h;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_history_open(path, &h, &e), 0);
	mmr_vulndb_history_close(h);
	/* reopening does not migrate twice */
	assert_int_equal(mmr_vulndb_history_open(path, &h, &e), 0);
	mmr_vulndb_history_close(h);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(version) FROM schema_version", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), MMR_VULNDB_HISTORY_SCHEMA);
	assert_int_equal(sqlite3_column_int(st, 1), MMR_VULNDB_HISTORY_SCHEMA);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	/* a store from a newer mamori is refused, not damaged */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 'x')", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_vulndb_history_open(path, &h, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "schema 99"));
	assert_string_equal(e.file, path);
	/* not a database at all */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not sqlite, just text long enough to be read as a header.......\n", f);
	fclose(f);
	char p[200];
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	assert_int_equal(mmr_vulndb_history_open(path, &h, &e), -EIO);
	assert_int_equal(mmr_vulndb_history_open("/nonexistent-dir/x/history.db", &h, &e), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eval_and_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_evaluated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
