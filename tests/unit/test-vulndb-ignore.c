/* test-vulndb-ignore.c - ignore files (YAML and plain), purl/glob matching,
 * and applying entries to a hand-built report. */
#include "test-util.h"

#include "vulndb/vulndb-ignore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2024-06-15T12:00:00Z */
#define NOW ((time_t)1718452800)

static struct mmr_package *pkg(struct mmr_report *r, struct mmr_result *res, enum mmr_ecosystem eco,
			       const char *name, const char *version, const char *release,
			       const char *file)
{
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	assert_non_null(p);
	p->name = name;
	p->version = version;
	p->release = release;
	p->eco = eco;
	p->file = file;
	assert_int_equal(mmr_package_finish(r->arena, p, mmr_ecosystem_is_os(eco) ? &r->asset.os : NULL), 0);
	assert_int_equal(mmr_vec_push(r->arena, &res->packages, p), 0);
	return p;
}

static struct mmr_finding *finding(struct mmr_report *r, struct mmr_result *res,
				   const struct mmr_package *p, const char *id, const char *alias)
{
	struct mmr_finding *f = mmr_arena_alloc(r->arena, sizeof(*f));
	assert_non_null(f);
	f->kind = MMR_FINDING_VULNERABILITY;
	f->rule_id = id;
	f->severity = MMR_SEV_HIGH;
	f->loc.package = p->id;
	f->loc.file = p->file;
	if (alias)
		assert_int_equal(mmr_vec_push(r->arena, &f->aliases, (void *)alias), 0);
	f->vuln = mmr_arena_alloc(r->arena, sizeof(*f->vuln));
	assert_non_null(f->vuln);
	assert_int_equal(mmr_vec_push(r->arena, &res->findings, f), 0);
	return f;
}

/* A report: debian 12 with curl and openssl; an npm lockfile with lodash. */
struct fx {
	struct mmr_report *r;
	struct mmr_finding *curl, *curl2, *ssl, *lodash, *lodash_other;
};

static void fx_build(struct fx *x)
{
	struct mmr_report *r = mmr_report_new();
	assert_non_null(r);
	r->asset.kind = MMR_ASSET_ROOTFS;
	r->asset.name = "/srv/root";
	r->asset.os.family = "debian";
	r->asset.os.name = "debian";
	r->asset.os.version = "12";
	struct mmr_result *os = mmr_report_result(r, "debian 12", "os-pkgs", "dpkg");
	struct mmr_result *npm = mmr_report_result(r, "app/package-lock.json", "lang-pkgs", "npm");
	struct mmr_result *npm2 = mmr_report_result(r, "tools/package-lock.json", "lang-pkgs", "npm");
	assert_true(os && npm && npm2);
	struct mmr_package *curl = pkg(r, os, MMR_ECO_DPKG, "curl", "7.88.1", "10+deb12u5",
				       "var/lib/dpkg/status");
	struct mmr_package *ssl = pkg(r, os, MMR_ECO_DPKG, "openssl", "3.0.11", "1~deb12u2",
				      "var/lib/dpkg/status");
	struct mmr_package *lo = pkg(r, npm, MMR_ECO_NPM, "lodash", "4.17.20", NULL,
				     "app/package-lock.json");
	struct mmr_package *lo2 = pkg(r, npm2, MMR_ECO_NPM, "lodash", "4.17.20", NULL,
				      "tools/package-lock.json");
	x->r = r;
	x->curl = finding(r, os, curl, "CVE-2023-38545", "DSA-5523-1");
	x->curl2 = finding(r, os, curl, "CVE-2024-2398", NULL);
	x->ssl = finding(r, os, ssl, "CVE-2023-5363", NULL);
	x->lodash = finding(r, npm, lo, "GHSA-29mw-wpgm-hmr9", "CVE-2020-28500");
	x->lodash_other = finding(r, npm2, lo2, "GHSA-29mw-wpgm-hmr9", "CVE-2020-28500");
}

static int load(struct mmr_arena *a, struct mmr_vulndb_ignore *ig, const char *file, const char *text,
		struct mmr_error *e)
{
	memset(ig, 0, sizeof(*ig));
	return mmr_vulndb_ignore_parse(a, ig, file, text, strlen(text), e);
}

static void test_day(void **state)
{
	(void)state;
	assert_int_equal(mmr_vulndb_parse_day("1970-01-01", 10), 0);
	assert_int_equal(mmr_vulndb_parse_day("2024-06-15", 10), 19889);
	assert_int_equal(mmr_vulndb_parse_day("2000-03-01", 10), 11017);
	assert_int_equal(mmr_vulndb_parse_day("2024-02-29", 10), 19782);
	assert_int_equal(mmr_vulndb_parse_day("2023-02-29", 10), -1);
	assert_int_equal(mmr_vulndb_parse_day("2024-13-01", 10), -1);
	assert_int_equal(mmr_vulndb_parse_day("2024-1-01", 9), -1);
	assert_int_equal(mmr_vulndb_parse_day("2024/01/01", 10), -1);
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(mmr_vulndb_glob_match("app/package-lock.json", "app/package-lock.json"));
	assert_true(mmr_vulndb_glob_match("/app/*.json", "app/package-lock.json"));
	assert_false(mmr_vulndb_glob_match("*.json", "app/package-lock.json"));
	assert_true(mmr_vulndb_glob_match("**/*.json", "app/package-lock.json"));
	assert_true(mmr_vulndb_glob_match("**/package-lock.json", "package-lock.json"));
	assert_true(mmr_vulndb_glob_match("usr/**/site-packages/**", "usr/lib/python3/site-packages/a/b"));
	assert_true(mmr_vulndb_glob_match("usr/**", "usr/x"));
	assert_false(mmr_vulndb_glob_match("usr/**/x", "opt/a/x"));
	assert_true(mmr_vulndb_glob_match("a?c", "abc"));
	assert_false(mmr_vulndb_glob_match("a?c", "a/c"));
	assert_false(mmr_vulndb_glob_match("app/*", "app/a/b"));
	assert_true(mmr_vulndb_glob_match("./app/*", "/app/b"));
	assert_false(mmr_vulndb_glob_match("abc", "abcd"));
	/* pathological pattern stays linear */
	char pat[200], path[4000];
	for (int i = 0; i < 99; i++) {
		pat[2 * i] = '*';
		pat[2 * i + 1] = 'a';
	}
	pat[198] = 'b';
	pat[199] = 0;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	assert_false(mmr_vulndb_glob_match(pat, path));
}

static void test_purl(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_purl p;
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12", &p), 0);
	assert_string_equal(p.type, "deb");
	assert_string_equal(p.ns, "debian");
	assert_string_equal(p.name, "curl");
	assert_string_equal(p.version, "7.88.1-10+deb12u5");
	assert_string_equal(p.arch, "amd64");
	assert_false(p.has_epoch);
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:npm/%40babel/traverse@7.23.2", &p), 0);
	assert_string_equal(p.ns, "@babel");
	assert_string_equal(p.name, "traverse");
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:npm/@babel/traverse", &p), 0);
	assert_string_equal(p.ns, "@babel");
	assert_string_equal(p.name, "traverse");
	assert_null(p.version);
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:rpm/redhat/bind@9.8.2-0.68.rc1.el6_10.17?arch=src&epoch=32", &p), 0);
	assert_true(p.has_epoch);
	assert_int_equal(p.epoch, 32);
	assert_string_equal(p.version, "9.8.2-0.68.rc1.el6_10.17");
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:deb/ubuntu/openssh@1:8.9p1-3", &p), 0);
	assert_true(p.has_epoch);
	assert_int_equal(p.epoch, 1);
	assert_string_equal(p.version, "8.9p1-3");
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:golang/github.com/foo/bar@v1.2.3", &p), 0);
	assert_string_equal(p.ns, "github.com/foo");
	assert_string_equal(p.name, "bar");
	assert_int_equal(mmr_vulndb_purl_parse(a, "curl", &p), -EINVAL);
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:deb", &p), -EINVAL);
	assert_int_equal(mmr_vulndb_purl_parse(a, "pkg:/x", &p), -EINVAL);
	mmr_arena_free(a);
}

static void test_yaml_parse(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_ignore ig;
	struct mmr_error e = { 0 };
	const char *y = "# accepted risks\n"
			"vulnerabilities:\n"
			"  - id: CVE-2023-38545\n"
			"    reason: SOCKS5 proxies are not used\n"
			"  - id: GHSA-29mw-wpgm-hmr9\n"
			"    purls: [\"pkg:npm/lodash\"]\n"
			"    paths:\n"
			"      - app/**\n"
			"    expires: 2024-12-31\n"
			"    statement: fixed upstream next sprint\n";
	assert_int_equal(load(a, &ig, ".mamoriignore.yaml", y, &e), 0);
	assert_int_equal(ig.entries.n, 2);
	const struct mmr_vulndb_ignore_entry *e0 = ig.entries.v[0], *e1 = ig.entries.v[1];
	assert_string_equal(e0->id, "CVE-2023-38545");
	assert_string_equal(e0->reason, "SOCKS5 proxies are not used");
	assert_int_equal(e0->line, 3);
	assert_int_equal(e0->expires_day, -1);
	assert_string_equal(e1->id, "GHSA-29mw-wpgm-hmr9");
	assert_int_equal(e1->n_purls, 1);
	assert_string_equal(e1->purls[0], "pkg:npm/lodash");
	assert_int_equal(e1->n_paths, 1);
	assert_string_equal(e1->paths[0], "app/**");
	assert_string_equal(e1->expires, "2024-12-31");
	assert_int_equal(e1->expires_day, mmr_vulndb_parse_day("2024-12-31", 10));
	assert_string_equal(e1->reason, "fixed upstream next sprint");
	assert_int_equal(e1->line, 5);

	/* a bare list works too, and an empty file is no entries */
	assert_int_equal(load(a, &ig, "x.yml", "- id: CVE-1\n  reason: r\n", &e), 0);
	assert_int_equal(ig.entries.n, 1);
	assert_int_equal(load(a, &ig, "x.yml", "# nothing\n", &e), 0);
	assert_int_equal(ig.entries.n, 0);
	assert_int_equal(load(a, &ig, "x.yml", "vulnerabilities:\n", &e), 0);
	assert_int_equal(ig.entries.n, 0);
	mmr_arena_free(a);
}

static void expect_err(const char *file, const char *text, int err, unsigned long line, const char *needle)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_ignore ig;
	struct mmr_error e = { 0 };
	int rc = load(a, &ig, file, text, &e);
	if (rc != -err || e.line != line || !strstr(e.msg, needle) || strcmp(e.file, file) != 0)
		fail_msg("%s: rc %d line %lu file '%s' msg '%s' (want -%d line %lu '%s')", text, rc,
			 e.line, e.file, e.msg, err, line, needle);
	mmr_arena_free(a);
}

static void test_yaml_errors(void **state)
{
	(void)state;
	expect_err("ig.yaml", "vulnerabilities:\n  - id: CVE-1\n", EBADMSG, 2, "no reason");
	expect_err("ig.yaml", "vulnerabilities:\n  - id: CVE-1\n    reason: x\n  - reason: y\n", EBADMSG,
		   4, "without an id");
	expect_err("ig.yaml", "- id: CVE-1\n  reason: x\n  expires: 31/12/2024\n", EBADMSG, 3,
		   "not a date");
	expect_err("ig.yaml", "- id: CVE-1\n  reason: x\n  expires: 2024-02-30\n", EBADMSG, 3,
		   "not a date");
	expect_err("ig.yaml", "- id: CVE-1\n  reason: x\n  packages: [a]\n", EBADMSG, 3,
		   "unknown key 'packages'");
	expect_err("ig.yaml", "- id: CVE-1\n  reason: x\n  purls: [curl]\n", EBADMSG, 3,
		   "not a package URL");
	expect_err("ig.yaml", "- id: [CVE-1]\n  reason: x\n", EBADMSG, 1, "id must be a text");
	expect_err("ig.yaml", "- id: CVE-1\n  reason: x\n  paths: {a: b}\n", EBADMSG, 3, "must be a list");
	expect_err("ig.yaml", "ignore:\n  - id: CVE-1\n", EBADMSG, 1, "unknown top-level key 'ignore'");
	expect_err("ig.yaml", "- id: CVE-1\n  reason: [x\n", EBADMSG, 3, "YAML");
	expect_err("ig.yaml", "- CVE-1\n", EBADMSG, 1, "must be a mapping");
	expect_err("ig.yaml", "42\n", EBADMSG, 1, "expected a list");
	/* content sniffing: a YAML list in a file without extension */
	expect_err(".mamoriignore", "- id: CVE-1\n", EBADMSG, 1, "no reason");
}

static void test_plain(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_ignore ig;
	struct mmr_error e = { 0 };
	const char *t = "# trivy style\n"
			"\n"
			"# no SOCKS proxies here\n"
			"CVE-2023-38545\n"
			"CVE-2024-2398 exp:2024-01-31\n"
			"GHSA-29mw-wpgm-hmr9   # dev tool only\r\n"
			"\n"
			"CVE-2023-5363 exp:2030-01-01 # until the rebuild\n";
	assert_int_equal(load(a, &ig, ".trivyignore", t, &e), 0);
	assert_int_equal(ig.entries.n, 4);
	const struct mmr_vulndb_ignore_entry *x = ig.entries.v[0];
	assert_string_equal(x->id, "CVE-2023-38545");
	assert_string_equal(x->reason, "no SOCKS proxies here");
	assert_int_equal(x->line, 4);
	x = ig.entries.v[1];
	assert_string_equal(x->id, "CVE-2024-2398");
	assert_string_equal(x->expires, "2024-01-31");
	assert_string_equal(x->reason, "listed in .trivyignore:5");
	x = ig.entries.v[2];
	assert_string_equal(x->id, "GHSA-29mw-wpgm-hmr9");
	assert_string_equal(x->reason, "dev tool only");
	x = ig.entries.v[3];
	assert_string_equal(x->reason, "until the rebuild");
	assert_int_equal(x->line, 8);
	mmr_arena_free(a);

	expect_err(".trivyignore", "CVE-1\nCVE-2 exp:2024-13-01\n", EBADMSG, 2, "not a date");
	expect_err(".trivyignore", "CVE-1\n\nCVE-2 later\n", EBADMSG, 3, "unexpected 'later'");
	expect_err(".trivyignore", "CVE-1 exp:2024-01-01 exp:2025-01-01\n", EBADMSG, 1, "two exp:");
}

static void test_apply(void **state)
{
	(void)state;
	struct fx x;
	fx_build(&x);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_ignore ig;
	struct mmr_error e = { 0 };
	const char *y = "vulnerabilities:\n"
			/* by an alias (the DSA id) */
			"  - id: dsa-5523-1\n"
			"    reason: no SOCKS\n"
			/* purl without version, qualifiers in the pattern ignored */
			"  - id: CVE-2023-5363\n"
			"    purls: ['pkg:deb/debian/openssl?arch=arm64']\n"
			"    reason: not reachable\n"
			/* purl with another version: does not apply */
			"  - id: CVE-2024-2398\n"
			"    purls: ['pkg:deb/debian/curl@7.88.1-10+deb12u4']\n"
			"    reason: wrong version\n"
			/* the lodash advisory by CVE alias, only under app/ */
			"  - id: CVE-2020-28500\n"
			"    paths: ['app/**']\n"
			"    reason: app is internal\n";
	assert_int_equal(load(a, &ig, "ig.yaml", y, &e), 0);
	assert_int_equal(mmr_vulndb_ignore_apply(x.r, &ig, NOW), 3);
	assert_true(x.curl->suppressed);
	assert_string_equal(x.curl->suppressed_by, "ignore: no SOCKS");
	assert_true(x.ssl->suppressed);
	assert_string_equal(x.ssl->suppressed_by, "ignore: not reachable");
	assert_false(x.curl2->suppressed);
	assert_null(x.curl2->suppressed_by);
	assert_true(x.lodash->suppressed);
	assert_string_equal(x.lodash->suppressed_by, "ignore: app is internal");
	assert_false(x.lodash_other->suppressed);
	assert_int_equal(((struct mmr_vulndb_ignore_entry *)ig.entries.v[2])->hits, 0);
	assert_int_equal(((struct mmr_vulndb_ignore_entry *)ig.entries.v[0])->hits, 1);
	assert_int_equal(x.r->diags.n, 0);
	mmr_report_free(x.r);

	/* the exact version applies */
	fx_build(&x);
	assert_int_equal(load(a, &ig, "ig.yaml",
			      "- id: CVE-2024-2398\n"
			      "  purls: ['pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5']\n"
			      "  reason: exact\n",
			      &e),
			 0);
	assert_int_equal(mmr_vulndb_ignore_apply(x.r, &ig, NOW), 1);
	assert_true(x.curl2->suppressed);
	/* a namespace of another distribution does not */
	mmr_report_free(x.r);
	fx_build(&x);
	assert_int_equal(load(a, &ig, "ig.yaml",
			      "- id: CVE-2024-2398\n  purls: ['pkg:deb/ubuntu/curl']\n  reason: other\n", &e),
			 0);
	assert_int_equal(mmr_vulndb_ignore_apply(x.r, &ig, NOW), 0);
	assert_false(x.curl2->suppressed);
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

static void test_expiry(void **state)
{
	(void)state;
	struct fx x;
	fx_build(&x);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_ignore ig;
	struct mmr_error e = { 0 };
	const char *t = "CVE-2023-38545 exp:2024-06-15 # last day today\n"
			"CVE-2024-2398 exp:2024-06-14 # ended yesterday\n";
	assert_int_equal(load(a, &ig, "ig.txt", t, &e), 0);
	assert_int_equal(mmr_vulndb_ignore_apply(x.r, &ig, NOW), 1);
	assert_true(x.curl->suppressed);
	assert_false(x.curl2->suppressed);
	const struct mmr_vulndb_ignore_entry *e0 = ig.entries.v[0], *e1 = ig.entries.v[1];
	assert_false(e0->expired);
	assert_true(e1->expired);
	assert_int_equal(x.r->diags.n, 1);
	const struct mmr_diag *d = x.r->diags.v[0];
	assert_string_equal(d->where, "ig.txt:2");
	assert_non_null(strstr(d->message, "CVE-2024-2398 expired on 2024-06-14"));
	mmr_report_free(x.r);

	/* a day later the first one expires too */
	fx_build(&x);
	assert_int_equal(mmr_vulndb_ignore_apply(x.r, &ig, NOW + 86400), 0);
	assert_false(x.curl->suppressed);
	assert_true(e0->expired);
	assert_int_equal(x.r->diags.n, 2);
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

static void test_already_suppressed(void **state)
{
	(void)state;
	struct fx x;
	fx_build(&x);
	x.curl->suppressed = true;
	x.curl->suppressed_by = "vex: not_affected (vulnerable_code_not_present)";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_ignore ig;
	struct mmr_error e = { 0 };
	assert_int_equal(load(a, &ig, ".trivyignore", "CVE-2023-38545\n", &e), 0);
	assert_int_equal(mmr_vulndb_ignore_apply(x.r, &ig, NOW), 0);
	assert_string_equal(x.curl->suppressed_by, "vex: not_affected (vulnerable_code_not_present)");
	mmr_report_free(x.r);
	mmr_arena_free(a);
}

static void test_load_file(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_ignore ig = { 0 };
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_ignore_load(a, &ig, "/nonexistent/.mamoriignore.yaml", &e), -ENOENT);
	assert_string_equal(e.file, "/nonexistent/.mamoriignore.yaml");
	char path[] = "/tmp/mmr-ignore-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *t = "CVE-1 # r\n";
	assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
	close(fd);
	assert_int_equal(mmr_vulndb_ignore_load(a, &ig, path, &e), 0);
	assert_int_equal(ig.entries.n, 1);
	unlink(path);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_purl),
		cmocka_unit_test(test_yaml_parse),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_already_suppressed),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
