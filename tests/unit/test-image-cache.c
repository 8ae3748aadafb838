/* test-image-cache.c - the layer cache with content scanners: findings of
 * the secret and malware scanners are stored with the layer and read back
 * instead of streaming it again, keyed by the scanners' configuration;
 * secrets shown in clear (--show-secrets) never reach the disk; a secret
 * baseline (applied at scan time) is part of the key. */
#include "test-image-tar.h"
#include "test-malware-samples.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-hash.h"
#include "image/image-cache.h"
#include "malware/malware.h"
#include "scan/scan.h"
#include "secret/secret.h"

static char tmpdir[256];
static char secret[32]; /* a fake AWS access key id, joined at run time */

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmr-test-lcache-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(secret, sizeof(secret), "%s%s", "AKIA", "QYLPMN5HZ3TBW7XR");
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}


static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}


/* ---- a scanner wrapper that counts the files it is given ---- */

struct counted {
	struct mmr_file_scanner fs;
	const struct mmr_file_scanner *inner;
	unsigned long files;
};

static bool counted_wants(const struct mmr_file_scanner *s, const char *path, uint32_t mode,
			  uint64_t size)
{
	const struct counted *c = (const struct counted *)s;
	return c->inner->wants(c->inner, path, mode, size);
}

static void counted_scan(const struct mmr_file_scanner *s, struct mmr_sbom_ctx *ctx,
			 const struct mmr_sbom_file *f)
{
	struct counted *c = (struct counted *)s;
	__atomic_add_fetch(&c->files, 1, __ATOMIC_RELAXED);
	c->inner->scan(c->inner, ctx, f);
}

static void counted_init(struct counted *c, const struct mmr_file_scanner *inner)
{
	memset(c, 0, sizeof(*c));
	c->inner = inner;
	c->fs = *inner; /* same name, key and ud */
	c->fs.wants = counted_wants;
	c->fs.scan = counted_scan;
}

/* ---- the image of the tests and the scanners ---- */

struct image {
	struct tar_layer ls[2];
	char *eicar;
	char path[512];
	char env[128];
};

static void image_make(struct image *im)
{
	static const char osrel[] = "ID=debian\nVERSION_ID=\"12\"\n";
	im->eicar = sample_eicar();
	snprintf(im->env, sizeof(im->env), "AWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=%s\n", secret);
	const struct tfile l0[] = {
		{ "etc/os-release", (const uint8_t *)osrel, sizeof(osrel) - 1 },
		{ "app/config.env", (const uint8_t *)im->env, strlen(im->env) },
	};
	const struct tfile l1[] = {
		{ "tmp/eicar.com", (const uint8_t *)im->eicar, 68 },
		{ "app/readme.txt", (const uint8_t *)"nothing here\n", 13 },
	};
	tar_layer_make(&im->ls[0], l0, 2);
	tar_layer_make(&im->ls[1], l1, 2);
	snprintf(im->path, sizeof(im->path), "%s",
		 tar_docker_archive(tmpdir, "lc.tar", "test/lc:1", im->ls, 2));
}

static void image_free(struct image *im)
{
	free(im->ls[0].tar);
	free(im->ls[1].tar);
	free(im->eicar);
}

struct engines {
	struct mmr_secret_rules *rules;
	struct mmr_secret_scanner *sec;
	struct mmr_malware *mw;
	struct counted csec, cmw;
	const struct mmr_file_scanner *sc[3];
};

/* toml: NULL for the built-in rules; malware: include the malware scanner */
static void engines_new(struct engines *e, const char *toml, bool show, const char *baseline,
			bool malware)
{
	memset(e, 0, sizeof(*e));
	struct mmr_error err = { 0 };
	if (toml)
		assert_int_equal(mmr_secret_rules_new(toml, strlen(toml), "test.toml", &e->rules,
						      &err), 0);
	else
		assert_int_equal(mmr_secret_rules_builtin(&e->rules, &err), 0);
	struct mmr_secret_scanner_opts so = { .show_secrets = show, .baseline = baseline };
	assert_int_equal(mmr_secret_scanner_new(e->rules, &so, &e->sec, &err), 0);
	counted_init(&e->csec, mmr_secret_scanner_get(e->sec));
	size_t n = 0;
	e->sc[n++] = &e->csec.fs;
	if (malware) {
		struct mmr_malware_opts mo;
		mmr_malware_opts_default(&mo); /* no verdict cache: only the layer cache */
		assert_int_equal(mmr_malware_new(&mo, &e->mw, &err), 0);
		counted_init(&e->cmw, mmr_malware_scanner(e->mw));
		e->sc[n++] = &e->cmw.fs;
	}
	e->sc[n] = NULL;
}

static void engines_free(struct engines *e)
{
	mmr_malware_free(e->mw);
	mmr_secret_scanner_free(e->sec);
	mmr_secret_rules_free(e->rules);
}

static unsigned long streamed(const struct engines *e)
{
	return e->csec.files + e->cmw.files;
}

static struct mmr_report *scan(const char *img, const char *cache,
			       const struct mmr_file_scanner *const *sc)
{
	struct mmr_scan_opts o;
	mmr_scan_opts_default(&o);
	o.cache_dir = cache;
	o.scanners = sc;
	struct mmr_report *r = mmr_report_new();
	struct mmr_error e = { 0 };
	assert_non_null(r);
	int rc = mmr_scan_image(r, img, &o, &e);
	if (rc < 0)
		fail_msg("scan: %d %s", rc, e.msg);
	return r;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *jv(const struct mmr_vec *v)
{
	return v->n ? (const char *)v->v[0] : "-";
}

/* Every field of every finding, one line each, sorted; layers by index. */
static char *findings(struct mmr_report *r, const struct image *im)
{
	const char *lines[64];
	size_t k = 0, o = 0, cap = 16384;
	char *out = mmr_arena_alloc(r->arena, cap);
	assert_non_null(out);
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t j = 0; j < res->findings.n; j++) {
			const struct mmr_finding *f = res->findings.v[j];
			int li = -1;
			for (int l = 0; l < 2; l++)
				if (f->loc.layer && strcmp(f->loc.layer, im->ls[l].diff_id) == 0)
					li = l;
			assert_true(k < 64);
			lines[k++] = mmr_arena_printf(
				r->arena,
				"%s|%s|%s %s L%d %lu-%lu:%lu|%s|%s|%g|ev=%s|%s|fix=%s|%s %s %s|%s|%d %s|%s %s",
				res->class, mmr_finding_kind_name(f->kind), f->loc.file, f->rule_id,
				li, f->loc.line_start, f->loc.line_end, f->loc.col, f->title,
				mmr_severity_name(f->severity), f->score, f->evidence,
				f->remediation ? f->remediation : "-", f->fix ? f->fix : "-",
				jv(&f->references), jv(&f->controls), jv(&f->aliases),
				f->fingerprint, f->suppressed,
				f->suppressed_by ? f->suppressed_by : "-",
				f->loc.resource ? f->loc.resource : "-",
				f->loc.package ? f->loc.package : "-");
		}
	}
	qsort(lines, k, sizeof(lines[0]), cmpstr);
	out[0] = 0;
	for (size_t a = 0; a < k; a++)
		o += (size_t)snprintf(out + o, cap - o, "%s\n", lines[a]);
	assert_true(o < cap);
	return out;
}

/* "file rule Lx" of every finding, sorted */
static char *short_findings(struct mmr_report *r, const struct image *im)
{
	char *all = findings(r, im), *out = mmr_arena_alloc(r->arena, 4096);
	const char *lines[64];
	size_t o = 0, k = 0;
	for (char *p = all, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		char *s = strchr(strchr(p, '|') + 1, '|') + 1; /* past class and kind */
		char *e = strchr(s, ' ');
		e = strchr(e + 1, ' ');
		e = strchr(e + 1, ' ');
		assert_true(k < 64);
		lines[k++] = mmr_arena_strndup(r->arena, s, (size_t)(e - s));
	}
	qsort(lines, k, sizeof(lines[0]), cmpstr);
	out[0] = 0;
	for (size_t a = 0; a < k; a++)
		o += (size_t)snprintf(out + o, 4096 - o, "%s\n", lines[a]);
	return out;
}

/* is `needle` in any file under dir? */
static const char *ftw_needle;
static bool ftw_found;
static int ftw_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (type != FTW_F)
		return 0;
	size_t len;
	uint8_t *d = mmr_test_read(path, &len);
	if (d && memmem(d, len, ftw_needle, strlen(ftw_needle)))
		ftw_found = true;
	free(d);
	return 0;
}

static bool tree_contains(const char *dir, const char *needle)
{
	ftw_needle = needle;
	ftw_found = false;
	assert_int_equal(nftw(dir, ftw_cb, 16, FTW_PHYS), 0);
	return ftw_found;
}

static const char aws_only_toml[] = "[[rules]]\n"
				    "id = \"test-aws-id\"\n"
				    "description = \"AWS key id (test config)\"\n"
				    "regex = '''\\b(AKIA[A-Z2-7]{16})\\b'''\n"
				    "keywords = [\"akia\"]\n";

static void test_findings_cached(void **state)
{
	struct image im;
	struct engines e;
	char cache[512], cpath[1024];
	image_make(&im);
	snprintf(cache, sizeof(cache), "%s/cache1", tmpdir);

	/* first scan: every layer is streamed, both findings are there */
	engines_new(&e, NULL, false, NULL, true);
	struct mmr_report *r = scan(im.path, cache, e.sc);
	assert_true(e.csec.files >= 4);
	assert_true(e.cmw.files >= 4);
	assert_int_equal(mmr_malware_stats(e.mw)->files, 4);
	assert_string_equal(short_findings(r, &im), "app/config.env aws-access-token L0\n"
						    "tmp/eicar.com MMR_EICAR_Test_File L1\n");
	char *first = strdup(findings(r, &im));
	assert_non_null(strstr(first, "ev=AKIA\xe2\x80\xa6|"));
	mmr_report_free(r);
	/* both layers are in the cache, findings included, the secret redacted */
	for (int l = 0; l < 2; l++) {
		assert_int_equal(mmr_image_cache_path_scanners(cache, e.sc, im.ls[l].diff_id, cpath,
							       sizeof(cpath)),
				 0);
		assert_true(exists(cpath));
	}
	size_t len;
	char *js;
	mmr_image_cache_path_scanners(cache, e.sc, im.ls[0].diff_id, cpath, sizeof(cpath));
	js = (char *)mmr_test_read(cpath, &len);
	assert_non_null(strstr(js, "\"rule_id\":\"aws-access-token\""));
	free(js);
	assert_false(tree_contains(cache, secret));
	/* the package-only entry is another file (another key) */
	assert_int_equal(mmr_image_cache_path(cache, im.ls[0].diff_id, cpath, sizeof(cpath)), 0);
	assert_false(exists(cpath));
	engines_free(&e);

	/* the same scanners in a new run: nothing streamed, identical findings */
	engines_new(&e, NULL, false, NULL, true);
	r = scan(im.path, cache, e.sc);
	assert_int_equal(streamed(&e), 0);
	assert_int_equal(mmr_malware_stats(e.mw)->files, 0);
	assert_string_equal(findings(r, &im), first);
	assert_string_equal(r->asset.os.name, "debian");
	/* a suppression applied to the report afterwards (ignore file, VEX) takes */
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t j = 0; j < res->findings.n; j++) {
			struct mmr_finding *f = res->findings.v[j];
			f->suppressed = true;
			f->suppressed_by = "ignore: test";
		}
	}
	assert_null(strstr(findings(r, &im), "|0 -|"));
	mmr_report_free(r);
	/* ... and the cache was not changed by it */
	r = scan(im.path, cache, e.sc);
	assert_int_equal(streamed(&e), 0);
	assert_string_equal(findings(r, &im), first);
	mmr_report_free(r);
	/* an edited cache entry shows through: the findings came from the file */
	mmr_image_cache_path_scanners(cache, e.sc, im.ls[1].diff_id, cpath, sizeof(cpath));
	engines_free(&e);
	js = (char *)mmr_test_read(cpath, &len);
	char *p = strstr(js, "MMR_EICAR_Test_File");
	assert_non_null(p);
	p[4] = 'X';
	tar_write_file(cpath, js, len);
	free(js);
	engines_new(&e, NULL, false, NULL, true);
	r = scan(im.path, cache, e.sc);
	assert_int_equal(streamed(&e), 0);
	assert_non_null(strstr(short_findings(r, &im), "tmp/eicar.com MMR_XICAR_Test_File L1\n"));
	mmr_report_free(r);
	engines_free(&e);

	/* another secret config: another key, both layers streamed again */
	engines_new(&e, aws_only_toml, false, NULL, true);
	r = scan(im.path, cache, e.sc);
	assert_true(e.csec.files >= 4);
	assert_int_equal(mmr_malware_stats(e.mw)->files, 4);
	assert_string_equal(short_findings(r, &im), "app/config.env test-aws-id L0\n"
						    "tmp/eicar.com MMR_EICAR_Test_File L1\n");
	mmr_report_free(r);
	engines_free(&e);
	/* another scanner set (secret only): a miss too, then a hit */
	for (int run = 0; run < 2; run++) {
		engines_new(&e, NULL, false, NULL, false);
		r = scan(im.path, cache, e.sc);
		assert_true(run ? e.csec.files == 0 : e.csec.files >= 4);
		assert_string_equal(short_findings(r, &im), "app/config.env aws-access-token L0\n");
		mmr_report_free(r);
		engines_free(&e);
	}
	/* no scanners: packages only, no findings */
	r = scan(im.path, cache, NULL);
	assert_string_equal(short_findings(r, &im), "");
	mmr_report_free(r);
	free(first);
	image_free(&im);
}

static void test_show_secrets_not_stored(void **state)
{
	struct image im;
	struct engines e;
	char cache[512], cpath[1024];
	image_make(&im);
	snprintf(cache, sizeof(cache), "%s/cache2", tmpdir);
	for (int run = 0; run < 2; run++) {
		engines_new(&e, NULL, true, NULL, true);
		struct mmr_report *r = scan(im.path, cache, e.sc);
		char want[128];
		snprintf(want, sizeof(want), "ev=%s|", secret);
		assert_non_null(strstr(findings(r, &im), want));
		/* the secret's layer is streamed every time; the other one is cached */
		assert_true(e.csec.files >= 2);
		assert_int_equal(mmr_malware_stats(e.mw)->files, run ? 2 : 4);
		mmr_report_free(r);
		mmr_image_cache_path_scanners(cache, e.sc, im.ls[0].diff_id, cpath, sizeof(cpath));
		assert_false(exists(cpath));
		mmr_image_cache_path_scanners(cache, e.sc, im.ls[1].diff_id, cpath, sizeof(cpath));
		assert_true(exists(cpath));
		assert_false(tree_contains(cache, secret));
		engines_free(&e);
	}
	/* a redacted run afterwards stores the layer, still without the secret */
	engines_new(&e, NULL, false, NULL, true);
	struct mmr_report *r = scan(im.path, cache, e.sc);
	mmr_report_free(r);
	mmr_image_cache_path_scanners(cache, e.sc, im.ls[0].diff_id, cpath, sizeof(cpath));
	assert_true(exists(cpath));
	assert_true(tree_contains(cache, "AKIA\xe2\x80\xa6"));
	assert_false(tree_contains(cache, secret));
	engines_free(&e);
	image_free(&im);
}

static void test_baseline_in_key(void **state)
{
	struct image im;
	struct engines e;
	char cache[512], bl[512];
	image_make(&im);
	snprintf(cache, sizeof(cache), "%s/cache3", tmpdir);
	/* the fingerprint of the secret finding */
	engines_new(&e, NULL, false, NULL, false);
	struct mmr_report *r = scan(im.path, cache, e.sc);
	const struct mmr_finding *f = NULL;
	for (size_t i = 0; i < r->results.n && !f; i++) {
		const struct mmr_result *res = r->results.v[i];
		if (res->findings.n)
			f = res->findings.v[0];
	}
	assert_non_null(f);
	assert_false(f->suppressed);
	snprintf(bl, sizeof(bl), "%s/baseline.txt", tmpdir);
	char line[128];
	snprintf(line, sizeof(line), "%s # accepted\n", f->fingerprint);
	tar_write_file(bl, line, strlen(line));
	mmr_report_free(r);
	engines_free(&e);
	/* with the baseline: suppressed, the first time streamed, then cached */
	for (int run = 0; run < 2; run++) {
		engines_new(&e, NULL, false, bl, false);
		r = scan(im.path, cache, e.sc);
		assert_true(run ? e.csec.files == 0 : e.csec.files >= 4);
		assert_non_null(strstr(findings(r, &im), "|1 baseline|"));
		mmr_report_free(r);
		engines_free(&e);
	}
	/* without it again: from the cache, not suppressed */
	engines_new(&e, NULL, false, NULL, false);
	r = scan(im.path, cache, e.sc);
	assert_int_equal(e.csec.files, 0);
	assert_non_null(strstr(findings(r, &im), "|0 -|"));
	mmr_report_free(r);
	engines_free(&e);
	image_free(&im);
}

static void test_roundtrip_and_key(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	struct mmr_sbom_ctx ctx, *back = NULL;
	const char *layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	struct mmr_file_scanner s1 = { .name = "secret", .key = "k1" };
	struct mmr_file_scanner s2 = { .name = "malware", .key = "k2" };
	struct mmr_file_scanner s3 = { .name = "malware", .key = "k3" };
	const struct mmr_file_scanner *sa[] = { &s1, &s2, NULL }, *sb[] = { &s2, &s1, NULL },
				      *sc[] = { &s1, &s3, NULL }, *sd[] = { &s1, NULL };
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, layer);
	ctx.scanners = sa;
	struct mmr_finding *f = mmr_arena_calloc(a, 1, sizeof(*f));
	f->kind = MMR_FINDING_MALWARE;
	f->rule_id = "R1";
	f->title = "T \"quoted\" é";
	f->severity = MMR_SEV_HIGH;
	f->score = 7.5;
	f->loc = (struct mmr_location){ "a/b", 3, 4, 5, layer, "pkg@1", "res", "proc" };
	f->evidence = "ev";
	f->remediation = "rem";
	f->fix = "fix";
	mmr_vec_push(a, &f->references, (void *)"https://x");
	mmr_vec_push(a, &f->controls, (void *)"C1");
	mmr_vec_push(a, &f->aliases, (void *)"A1");
	f->fingerprint = "fp";
	f->suppressed = true;
	f->suppressed_by = "baseline";
	mmr_vec_push(a, &ctx.findings, f);
	struct mmr_finding *g = mmr_arena_calloc(a, 1, sizeof(*g));
	g->kind = MMR_FINDING_SECRET;
	g->rule_id = "R2";
	g->severity = MMR_SEV_LOW;
	g->score = -1;
	g->evidence = "AKIA\xe2\x80\xa6";
	mmr_vec_push(a, &ctx.findings, g);
	char *js = mmr_image_cache_dump(&ctx);
	assert_non_null(js);
	/* the order of the scanners does not matter, their keys do */
	assert_int_equal(mmr_image_cache_parse_scanners(a, &lim, sb, layer, js, strlen(js), &back),
			 0);
	assert_int_equal(back->findings.n, 2);
	ctx.scanners = sb;
	back->scanners = sa;
	char *js2 = mmr_image_cache_dump(back);
	assert_string_equal(js, js2); /* every field survives */
	const struct mmr_finding *h = back->findings.v[0];
	assert_string_equal(h->loc.process, "proc");
	assert_true(h->score == 7.5);
	assert_int_equal(h->kind, MMR_FINDING_MALWARE);
	assert_true(((const struct mmr_finding *)back->findings.v[1])->score == -1);
	assert_int_equal(mmr_image_cache_parse_scanners(a, &lim, sc, layer, js, strlen(js), &back),
			 -EBADMSG);
	assert_int_equal(mmr_image_cache_parse_scanners(a, &lim, sd, layer, js, strlen(js), &back),
			 -EBADMSG);
	assert_int_equal(mmr_image_cache_parse(a, &lim, layer, js, strlen(js), &back), -EBADMSG);
	/* keys */
	char k1[65], k2[65], k3[65], k0[65];
	assert_int_equal(mmr_image_cache_key(sa, k1, sizeof(k1)), 0);
	assert_int_equal(mmr_image_cache_key(sb, k2, sizeof(k2)), 0);
	assert_int_equal(mmr_image_cache_key(sc, k3, sizeof(k3)), 0);
	assert_int_equal(mmr_image_cache_key(NULL, k0, sizeof(k0)), 0);
	assert_string_equal(k1, k2);
	assert_string_not_equal(k1, k3);
	assert_string_equal(k0, mmr_sbom_analyzers_key());
	assert_string_not_equal(k0, k1);
	struct mmr_file_scanner bad = { .name = "x" };
	const struct mmr_file_scanner *sbad[] = { &bad, NULL };
	assert_int_equal(mmr_image_cache_key(sbad, k0, sizeof(k0)), -EINVAL);
	assert_int_equal(mmr_image_cache_key(sa, k0, 10), -EINVAL);
	/* storable: secrets only when redacted */
	assert_true(mmr_image_cache_storable(&ctx));
	g->evidence = "AKIAQYLPMN5HZ3TBW7XR";
	assert_false(mmr_image_cache_storable(&ctx));
	g->evidence = "AKIAQ\xe2\x80\xa6";
	assert_false(mmr_image_cache_storable(&ctx));
	g->evidence = "(file name)";
	assert_true(mmr_image_cache_storable(&ctx));
	g->evidence = "\xc3\xa9\xc3\xa9" "ab\xe2\x80\xa6"; /* 4 characters, 6 bytes */
	assert_true(mmr_image_cache_storable(&ctx));
	f->evidence = "anything at all"; /* not a secret finding */
	assert_true(mmr_image_cache_storable(&ctx));
	g->evidence = "AKIAQYLPMN5HZ3TBW7XR";
	assert_int_equal(mmr_image_cache_store(tmpdir, &ctx), -EPERM);
	free(js);
	free(js2);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_key),
		cmocka_unit_test(test_findings_cached),
		cmocka_unit_test(test_show_secrets_not_stored),
		cmocka_unit_test(test_baseline_in_key),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
