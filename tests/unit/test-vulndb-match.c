/* test-vulndb-match.c - matching packages against a database built here
 * with the writer: OSV range semantics, explicit versions, native
 * expressions, distribution statuses, alias merging, severity choice,
 * KEV/EPSS, filters, unparsable versions, ecosystem mapping. */
#include "test-util.h"

#include "vulndb/vulndb-match.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dbpath[256];

static void vuln(struct mmr_vulndb_sink *s, const char *id, const char *source,
		 const char *const *aliases, size_t nal, const char *severity, const char *cvss3,
		 const char *cvss4)
{
	struct mmr_vuln v = { .id = id, .source = source, .aliases = aliases, .n_aliases = nal,
			      .title = "title of", .description = "what it is\nmore",
			      .published = "2023-03-29T00:00:00Z", .severity = severity,
			      .cvss3_vector = cvss3, .cvss4_vector = cvss4, .cvss3_score = -1,
			      .cvss4_score = -1 };
	assert_int_equal(s->vuln(s->ud, &v), 0);
}

static void aff(struct mmr_vulndb_sink *s, const char *id, const char *source, const char *eco,
		const char *pkg, const char *scheme, const struct mmr_vuln_range *r, size_t nr,
		const char *const *versions, size_t nv, const char *expr, enum mmr_vuln_status st,
		const char *severity)
{
	struct mmr_vuln_affected a = { .vuln_id = id, .source = source, .ecosystem = eco,
				       .package = pkg, .scheme = scheme, .ranges = r, .n_ranges = nr,
				       .versions = versions, .n_versions = nv, .expr = expr,
				       .status = st, .severity = severity };
	assert_int_equal(s->affected(s->ud, &a), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dbpath, sizeof(dbpath), "/tmp/mmr-test-match-%d.db", (int)getpid());
	struct mmr_vulndb_writer *w;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_writer_new(dbpath, &w, &e), 0);
	struct mmr_vulndb_sink *s = mmr_vulndb_writer_sink(w);

	/* PyPI: GHSA + PYSEC, both aliases of one CVE, two branches */
	static const char *const al1[] = { "CVE-2023-0001", "PYSEC-2023-1" };
	vuln(s, "GHSA-aaaa-bbbb-cccc", "osv", al1, 2, "MODERATE",
	     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", NULL);
	static const char *const al2[] = { "CVE-2023-0001", "GHSA-aaaa-bbbb-cccc" };
	vuln(s, "PYSEC-2023-1", "osv", al2, 2, NULL, NULL, NULL);
	static const struct mmr_vuln_range r1[] = { { "0", "1.2.5", NULL }, { "2.0.0", "2.0.3", NULL } };
	aff(s, "GHSA-aaaa-bbbb-cccc", "osv", "PyPI", "my-pkg", "pep440", r1, 2, NULL, 0, NULL,
	    MMR_VULN_AFFECTED, NULL);
	aff(s, "PYSEC-2023-1", "osv", "PyPI", "my-pkg", "pep440", r1, 1, NULL, 0, NULL,
	    MMR_VULN_AFFECTED, NULL);
	/* last_affected and explicit versions; no CVE: id stays GHSA */
	vuln(s, "GHSA-last-aff-ecte", "osv", NULL, 0, "LOW", NULL, NULL);
	static const struct mmr_vuln_range r2[] = { { "1.0", NULL, "1.1" } };
	static const char *const vers[] = { "0.9" };
	aff(s, "GHSA-last-aff-ecte", "osv", "PyPI", "my-pkg", "pep440", r2, 1, vers, 1, NULL,
	    MMR_VULN_AFFECTED, NULL);
	/* a range expression and the "not:" convention (npm grammar) */
	vuln(s, "GHSA-expr-expr-expr", "osv", NULL, 0, "HIGH", NULL,
	     "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
	aff(s, "GHSA-expr-expr-expr", "osv", "npm", "left-pad", "semver", NULL, 0, NULL, 0,
	    "not:>=1.3.0;<1.0.0", MMR_VULN_AFFECTED, NULL);
	/* Debian: fixed, open (unfixed), will-not-fix, not-affected */
	static const char *const al3[] = { "CVE-2023-1393" };
	vuln(s, "DSA-5380-1", "debian", al3, 1, NULL, NULL, NULL);
	vuln(s, "CVE-2023-1393", "nvd", NULL, 0, NULL, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
	     NULL);
	static const struct mmr_vuln_range rd[] = { { "0", "2:1.20.11-1+deb11u6", NULL } };
	aff(s, "DSA-5380-1", "debian", "debian:11", "xorg-server", "dpkg", rd, 1, NULL, 0, NULL,
	    MMR_VULN_FIXED, NULL);
	aff(s, "CVE-2023-1393", "debian", "debian:11", "xorg-server", "dpkg", rd, 1, NULL, 0, NULL,
	    MMR_VULN_FIXED, "medium");
	static const struct mmr_vuln_range r0[] = { { "0", NULL, NULL } };
	vuln(s, "CVE-2023-0002", "nvd", NULL, 0, NULL, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	     NULL);
	aff(s, "CVE-2023-0002", "debian", "debian:11", "xorg-server", "dpkg", r0, 1, NULL, 0, NULL,
	    MMR_VULN_UNFIXED, "unimportant");
	aff(s, "CVE-2023-0003", "debian", "debian:11", "xorg-server", "dpkg", r0, 1, NULL, 0, NULL,
	    MMR_VULN_WONTFIX, NULL);
	aff(s, "CVE-2023-0004", "debian", "debian:11", "xorg-server", "dpkg", r0, 1, NULL, 0, NULL,
	    MMR_VULN_NOT_AFFECTED, "high");
	/* an unparsable bound */
	static const struct mmr_vuln_range rb[] = { { "0", "not a version!", NULL } };
	aff(s, "GHSA-bad0-bad0-bad0", "osv", "PyPI", "other", "pep440", rb, 1, NULL, 0, NULL,
	    MMR_VULN_AFFECTED, NULL);
	assert_int_equal(s->kev(s->ud, "CVE-2023-0001", "2023-05-01", "2023-05-22", false), 0);
	assert_int_equal(s->epss(s->ud, "CVE-2023-0001", 0.5, 0.97), 0);
	assert_int_equal(mmr_vulndb_writer_commit(w, &e), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(dbpath);
	return 0;
}

static struct mmr_package *pkg(struct mmr_report *r, struct mmr_result *res, enum mmr_ecosystem eco,
			       const char *name, const char *version)
{
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	p->name = name;
	p->version = version;
	p->eco = eco;
	assert_int_equal(mmr_package_finish(r->arena, p, NULL), 0);
	assert_int_equal(mmr_vec_push(r->arena, &res->packages, p), 0);
	return p;
}

static struct mmr_finding *find(struct mmr_result *res, const char *pkg_id, const char *rule)
{
	for (size_t i = 0; i < res->findings.n; i++) {
		struct mmr_finding *f = res->findings.v[i];
		if (strcmp(f->loc.package, pkg_id) == 0 && strcmp(f->rule_id, rule) == 0)
			return f;
	}
	return NULL;
}

static size_t count_for(struct mmr_result *res, const char *pkg_id)
{
	size_t n = 0;
	for (size_t i = 0; i < res->findings.n; i++)
		n += strcmp(((struct mmr_finding *)res->findings.v[i])->loc.package, pkg_id) == 0;
	return n;
}

static struct mmr_vulndb *open_db(void)
{
	struct mmr_vulndb *db;
	assert_int_equal(mmr_vulndb_open(dbpath, &db, NULL), 0);
	return db;
}

static void test_language(void **state)
{
	(void)state;
	struct mmr_vulndb *db = open_db();
	struct mmr_report *r = mmr_report_new();
	struct mmr_result *res = mmr_report_result(r, "requirements.txt", "lang-pkgs", "pip");
	struct mmr_package *a = pkg(r, res, MMR_ECO_PYPI, "My_Pkg", "1.2.4");    /* branch 1 */
	struct mmr_package *b = pkg(r, res, MMR_ECO_PYPI, "my.pkg", "1.2.5");    /* == fixed */
	struct mmr_package *c = pkg(r, res, MMR_ECO_PYPI, "my-pkg", "2.0.1");    /* branch 2 */
	struct mmr_package *d = pkg(r, res, MMR_ECO_PYPI, "my-pkg", "1.1");      /* last_affected */
	struct mmr_package *e = pkg(r, res, MMR_ECO_PYPI, "my-pkg", "0.9");      /* explicit */
	struct mmr_package *g = pkg(r, res, MMR_ECO_NPM, "left-pad", "1.2.0");   /* expr hit */
	struct mmr_package *h = pkg(r, res, MMR_ECO_NPM, "left-pad", "1.3.0");   /* expr miss */
	struct mmr_package *i = pkg(r, res, MMR_ECO_PYPI, "other", "1.0");       /* bad bound */
	struct mmr_match_stats st;
	assert_int_equal(mmr_vulndb_match(db, r, NULL, &st), 0);

	/* one finding for GHSA + PYSEC, named by the CVE */
	struct mmr_finding *f = find(res, a->id, "CVE-2023-0001");
	assert_non_null(f);
	assert_int_equal(count_for(res, a->id), 1); /* 1.2.4 is past last_affected 1.1 */
	assert_int_equal(f->aliases.n, 2);
	assert_string_equal(f->aliases.v[0], "GHSA-aaaa-bbbb-cccc");
	assert_string_equal(f->aliases.v[1], "PYSEC-2023-1");
	assert_int_equal(f->vuln->fixed.n, 2); /* every known fix newer than installed */
	assert_string_equal(f->vuln->fixed.v[0], "1.2.5");
	assert_string_equal(f->vuln->status, "fixed");
	assert_int_equal(f->severity, MMR_SEV_CRITICAL); /* CVSS 9.8 beats GHSA's MODERATE */
	assert_true(f->score > 9.79 && f->score < 9.81);
	assert_true(f->vuln->kev);
	assert_string_equal(f->vuln->kev_due, "2023-05-22");
	assert_true(f->vuln->epss > 0.49 && f->vuln->epss_percentile > 0.96);
	assert_int_equal(strlen(f->fingerprint), 64);
	assert_string_equal(f->title, "title of");
	/* strings outlive the matcher's scratch */
	assert_int_equal(f->vuln->sources.n, 1);
	assert_string_equal(f->vuln->sources.v[0], "osv");
	assert_string_equal(f->vuln->severity_source, "osv");

	assert_null(find(res, b->id, "CVE-2023-0001"));
	f = find(res, c->id, "CVE-2023-0001");
	assert_non_null(f);
	assert_int_equal(f->vuln->fixed.n, 1);
	assert_string_equal(f->vuln->fixed.v[0], "2.0.3");
	f = find(res, d->id, "GHSA-last-aff-ecte");
	assert_non_null(f);
	assert_int_equal(f->severity, MMR_SEV_LOW); /* no CVSS: the source's rating */
	assert_string_equal(f->vuln->status, "affected");
	assert_non_null(find(res, e->id, "GHSA-last-aff-ecte"));
	f = find(res, g->id, "GHSA-expr-expr-expr");
	assert_non_null(f);
	assert_int_equal(f->severity, MMR_SEV_CRITICAL); /* CVSS v4.0 9.3 */
	assert_int_equal(count_for(res, h->id), 0);
	assert_int_equal(count_for(res, i->id), 0);
	assert_int_equal(st.unparsable, 1);
	/* counted once, one warning in the report */
	assert_int_equal(r->diags.n, 1);
	mmr_report_free(r);
	mmr_vulndb_close(db);
}

static void test_debian(void **state)
{
	(void)state;
	struct mmr_vulndb *db = open_db();
	struct mmr_report *r = mmr_report_new();
	r->asset.os = (struct mmr_os){ .family = "debian", .name = "debian", .version = "11" };
	struct mmr_result *res = mmr_report_result(r, "debian 11", "os-pkgs", "dpkg");
	struct mmr_package *old = pkg(r, res, MMR_ECO_DPKG, "xserver-common", "1.20.11");
	old->src_name = "xorg-server";
	old->has_epoch = true;
	old->epoch = 2;
	old->release = "1+deb11u5";
	old->id = "xserver-common@2:1.20.11-1+deb11u5";
	struct mmr_package *nw = pkg(r, res, MMR_ECO_DPKG, "xserver-xorg-core", "1.20.11");
	nw->src_name = "xorg-server";
	nw->has_epoch = true;
	nw->epoch = 2;
	nw->release = "1+deb11u6";
	nw->id = "xserver-xorg-core@2:1.20.11-1+deb11u6";
	assert_int_equal(mmr_vulndb_match(db, r, NULL, NULL), 0);

	/* u5: DSA-5380-1 and the tracker's CVE merge into one finding */
	struct mmr_finding *f = find(res, old->id, "CVE-2023-1393");
	assert_non_null(f);
	assert_int_equal(f->aliases.n, 1);
	assert_string_equal(f->aliases.v[0], "DSA-5380-1");
	assert_string_equal(f->vuln->fixed.v[0], "2:1.20.11-1+deb11u6");
	assert_string_equal(f->vuln->installed, "2:1.20.11-1+deb11u5");
	assert_int_equal(f->severity, MMR_SEV_MEDIUM); /* Debian's urgency, not CVSS 7.8 */
	assert_string_equal(f->vuln->severity_source, "debian");
	/* open: affected, no fix, Debian's "unimportant" is LOW */
	f = find(res, old->id, "CVE-2023-0002");
	assert_non_null(f);
	assert_string_equal(f->vuln->status, "affected");
	assert_int_equal(f->vuln->fixed.n, 0);
	assert_int_equal(f->severity, MMR_SEV_LOW);
	f = find(res, old->id, "CVE-2023-0003");
	assert_non_null(f);
	assert_string_equal(f->vuln->status, "will_not_fix");
	assert_int_equal(f->severity, MMR_SEV_UNKNOWN);
	assert_null(find(res, old->id, "CVE-2023-0004")); /* not affected */
	assert_int_equal(count_for(res, old->id), 3);
	/* u6: only the unfixed ones */
	assert_null(find(res, nw->id, "CVE-2023-1393"));
	assert_int_equal(count_for(res, nw->id), 2);
	mmr_report_free(r);

	/* filters */
	r = mmr_report_new();
	r->asset.os = (struct mmr_os){ .family = "debian", .name = "debian", .version = "11.6" };
	res = mmr_report_result(r, "debian 11", "os-pkgs", "dpkg");
	old = pkg(r, res, MMR_ECO_DPKG, "xorg-server", "1.20.11");
	old->has_epoch = true;
	old->epoch = 2;
	old->release = "1+deb11u5";
	struct mmr_match_opts o = { .ignore_unfixed = true };
	struct mmr_match_stats st;
	assert_int_equal(mmr_vulndb_match(db, r, &o, &st), 0);
	assert_int_equal(res->findings.n, 1);
	assert_int_equal(st.filtered, 2);
	res->findings.n = 0;
	o = (struct mmr_match_opts){ .severities = 1u << MMR_SEV_LOW };
	assert_int_equal(mmr_vulndb_match(db, r, &o, NULL), 0);
	assert_int_equal(res->findings.n, 1);
	res->findings.n = 0;
	o = (struct mmr_match_opts){ .pkg_types = MMR_MATCH_PKG_LIBRARY };
	assert_int_equal(mmr_vulndb_match(db, r, &o, NULL), 0);
	assert_int_equal(res->findings.n, 0);
	/* another release: nothing */
	r->asset.os.version = "12";
	assert_int_equal(mmr_vulndb_match(db, r, NULL, NULL), 0);
	assert_int_equal(res->findings.n, 0);
	mmr_report_free(r);
	mmr_vulndb_close(db);
}

/* The alias closure: a language advisory naming its CVE is taken at its
 * word (upstream cross-links between GHSAs do not merge two CVEs), one
 * naming only a GHSA reaches the CVE through it, and a distribution
 * advisory does not reach other CVEs through the CVE it fixes. */
static void test_alias_closure(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "/tmp/mmr-test-match-closure-%d.db", (int)getpid());
	struct mmr_vulndb_writer *w;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_vulndb_writer_new(path, &w, &e), 0);
	struct mmr_vulndb_sink *s = mmr_vulndb_writer_sink(w);
	static const struct mmr_vuln_range all[] = { { "0", "5.0", NULL } };
	static const char *const pa[] = { "CVE-2021-0001", "GHSA-xxxx-xxxx-xxxx" };
	static const char *const pb[] = { "CVE-2021-0002", "GHSA-xxxx-xxxx-xxxx", "GHSA-yyyy-yyyy-yyyy" };
	static const char *const gx[] = { "CVE-2021-0001" };
	static const char *const pc[] = { "GHSA-zzzz-zzzz-zzzz" };
	static const char *const gz[] = { "CVE-2021-0003" };
	vuln(s, "PYSEC-2021-1", "osv", pa, 2, NULL, NULL, NULL);
	vuln(s, "PYSEC-2021-2", "osv", pb, 3, NULL, NULL, NULL);
	vuln(s, "GHSA-xxxx-xxxx-xxxx", "ghsa", gx, 1, NULL, NULL, NULL);
	vuln(s, "PYSEC-2021-3", "osv", pc, 1, NULL, NULL, NULL);
	vuln(s, "GHSA-zzzz-zzzz-zzzz", "ghsa", gz, 1, NULL, NULL, NULL);
	aff(s, "PYSEC-2021-1", "osv", "PyPI", "zope", "pep440", all, 1, NULL, 0, NULL,
	    MMR_VULN_AFFECTED, NULL);
	aff(s, "PYSEC-2021-2", "osv", "PyPI", "zope", "pep440", all, 1, NULL, 0, NULL,
	    MMR_VULN_AFFECTED, NULL);
	aff(s, "PYSEC-2021-3", "osv", "PyPI", "zope", "pep440", all, 1, NULL, 0, NULL,
	    MMR_VULN_AFFECTED, NULL);
	static const char *const d1[] = { "CVE-2019-0001" };
	static const char *const d2[] = { "CVE-2019-0001", "CVE-2019-0002" };
	static const struct mmr_vuln_range df[] = { { "0", "1.0-1+deb10u1", NULL } };
	vuln(s, "DLA-1-1", "debian", d1, 1, NULL, NULL, NULL);
	vuln(s, "DLA-2-1", "debian", d2, 2, NULL, NULL, NULL);
	aff(s, "DLA-1-1", "debian", "debian:10", "runc", "dpkg", df, 1, NULL, 0, NULL,
	    MMR_VULN_FIXED, NULL);
	aff(s, "DLA-2-1", "debian", "debian:10", "other", "dpkg", df, 1, NULL, 0, NULL,
	    MMR_VULN_FIXED, NULL);
	assert_int_equal(mmr_vulndb_writer_commit(w, &e), 0);

	struct mmr_vulndb *db;
	assert_int_equal(mmr_vulndb_open(path, &db, NULL), 0);
	struct mmr_report *r = mmr_report_new();
	r->asset.os = (struct mmr_os){ .family = "debian", .name = "debian", .version = "10" };
	struct mmr_result *res = mmr_report_result(r, "x", "lang-pkgs", "pip");
	struct mmr_package *z = pkg(r, res, MMR_ECO_PYPI, "zope", "4.0");
	struct mmr_result *os = mmr_report_result(r, "debian 10", "os-pkgs", "dpkg");
	struct mmr_package *rc = pkg(r, os, MMR_ECO_DPKG, "runc", "1.0");
	rc->release = "1";
	rc->id = "runc@1.0-1";
	struct mmr_package *ot = pkg(r, os, MMR_ECO_DPKG, "other", "1.0");
	ot->release = "1";
	ot->id = "other@1.0-1";
	assert_int_equal(mmr_vulndb_match(db, r, NULL, NULL), 0);

	assert_int_equal(count_for(res, z->id), 3);
	struct mmr_finding *f = find(res, z->id, "CVE-2021-0001");
	assert_non_null(f);
	assert_int_equal(f->aliases.n, 2);
	assert_string_equal(f->aliases.v[0], "GHSA-xxxx-xxxx-xxxx");
	assert_string_equal(f->aliases.v[1], "PYSEC-2021-1");
	f = find(res, z->id, "CVE-2021-0002");
	assert_non_null(f);
	assert_int_equal(f->aliases.n, 3); /* what PYSEC-2021-2 itself says, and it */
	assert_string_equal(f->aliases.v[2], "PYSEC-2021-2");
	f = find(res, z->id, "CVE-2021-0003"); /* PYSEC -> GHSA -> CVE */
	assert_non_null(f);
	assert_int_equal(f->aliases.n, 2);
	/* DLA-1-1 fixes one CVE, which DLA-2-1 also lists: still one CVE */
	f = find(os, rc->id, "CVE-2019-0001");
	assert_non_null(f);
	assert_int_equal(f->aliases.n, 1);
	assert_string_equal(f->aliases.v[0], "DLA-1-1");
	assert_int_equal(count_for(os, rc->id), 1);
	/* a bundle alone is its own finding, listing its CVEs */
	f = find(os, ot->id, "DLA-2-1");
	assert_non_null(f);
	assert_int_equal(f->aliases.n, 2);
	assert_string_equal(f->aliases.v[1], "CVE-2019-0002");
	mmr_report_free(r);
	mmr_vulndb_close(db);
	unlink(path);
}

static void test_targets(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vuln_target t;
	struct mmr_os deb = { .family = "debian", .name = "debian", .codename = "bookworm" };
	struct mmr_package p = { .name = "libssl3", .version = "3.0.11", .release = "1~deb12u2",
				 .src_name = "openssl", .eco = MMR_ECO_DPKG };
	assert_int_equal(mmr_vulndb_pkg_target(a, &deb, &p, &t), 0);
	assert_string_equal(t.ecosystem, "debian:12");
	assert_string_equal(t.package, "openssl");
	assert_string_equal(t.version, "3.0.11-1~deb12u2");
	assert_string_equal(t.scheme, "dpkg");
	struct mmr_os ubu = { .family = "ubuntu", .name = "ubuntu", .version = "22.04" };
	assert_int_equal(mmr_vulndb_pkg_target(a, &ubu, &p, &t), 0);
	assert_string_equal(t.ecosystem, "ubuntu:22.04");
	struct mmr_os alp = { .family = "alpine", .name = "alpine", .version = "3.11.5" };
	struct mmr_package ap = { .name = "libcrypto1.1", .version = "1.1.1d-r3",
				  .src_name = "openssl", .eco = MMR_ECO_APK };
	assert_int_equal(mmr_vulndb_pkg_target(a, &alp, &ap, &t), 0);
	assert_string_equal(t.ecosystem, "alpine:3.11");
	assert_string_equal(t.version, "1.1.1d-r3");
	struct mmr_os rocky = { .family = "rocky", .name = "rocky", .version = "9.3" };
	struct mmr_package rp = { .name = "openssl-libs", .version = "3.0.7", .release = "24.el9",
				  .has_epoch = true, .epoch = 1, .src_name = "openssl",
				  .eco = MMR_ECO_RPM };
	assert_int_equal(mmr_vulndb_pkg_target(a, &rocky, &rp, &t), 0);
	assert_string_equal(t.ecosystem, "redhat:9");
	assert_string_equal(t.version, "1:3.0.7-24.el9");
	/* a dpkg package on an unknown OS: no namespace, no guess */
	struct mmr_os mint = { .family = "ubuntu", .name = "linuxmint", .version = "21" };
	assert_int_equal(mmr_vulndb_pkg_target(a, &mint, &p, &t), -ENOENT);
	assert_int_equal(mmr_vulndb_pkg_target(a, NULL, &p, &t), -ENOENT);
	struct mmr_package py = { .name = "Zope.Interface__X", .version = "5.0", .eco = MMR_ECO_PYPI };
	assert_int_equal(mmr_vulndb_pkg_target(a, NULL, &py, &t), 0);
	assert_string_equal(t.ecosystem, "PyPI");
	assert_string_equal(t.package, "zope-interface-x");
	struct mmr_package go = { .name = "stdlib", .version = "go1.21", .eco = MMR_ECO_GO };
	assert_int_equal(mmr_vulndb_pkg_target(a, NULL, &go, &t), 0);
	assert_string_equal(t.ecosystem, "Go");
	assert_string_equal(t.version, "1.21.0");
	struct mmr_package mv = { .name = "org.apache.logging.log4j:log4j-core", .version = "2.14.1",
				  .eco = MMR_ECO_MAVEN };
	assert_int_equal(mmr_vulndb_pkg_target(a, NULL, &mv, &t), 0);
	assert_string_equal(t.ecosystem, "Maven");
	static const struct {
		enum mmr_ecosystem e;
		const char *eco, *scheme;
	} langs[] = { { MMR_ECO_NPM, "npm", "npm" },           { MMR_ECO_CARGO, "crates.io", "cargo" },
		      { MMR_ECO_GEM, "RubyGems", "gem" },      { MMR_ECO_COMPOSER, "Packagist", "composer" },
		      { MMR_ECO_NUGET, "NuGet", "nuget" } };
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		struct mmr_package lp = { .name = "x", .version = "1.0.0", .eco = langs[i].e };
		assert_int_equal(mmr_vulndb_pkg_target(a, NULL, &lp, &t), 0);
		assert_string_equal(t.ecosystem, langs[i].eco);
		assert_string_equal(t.scheme, langs[i].scheme);
	}
	mmr_arena_free(a);
}

static void test_parse_lists(void **state)
{
	(void)state;
	unsigned s;
	assert_int_equal(mmr_match_severities_parse("CRITICAL,high", &s), 0);
	assert_int_equal(s, (1u << MMR_SEV_CRITICAL) | (1u << MMR_SEV_HIGH));
	assert_int_equal(mmr_match_severities_parse("UNKNOWN", &s), 0);
	assert_int_equal(s, 1u << MMR_SEV_UNKNOWN);
	assert_int_equal(mmr_match_severities_parse("SEVERE", &s), -EINVAL);
	assert_int_equal(mmr_match_severities_parse("", &s), -EINVAL);
	assert_int_equal(mmr_match_pkg_types_parse("os,library", &s), 0);
	assert_int_equal(s, MMR_MATCH_PKG_OS | MMR_MATCH_PKG_LIBRARY);
	assert_int_equal(mmr_match_pkg_types_parse("lib", &s), -EINVAL);
	assert_int_equal(mmr_vulndb_severity_from_rating("important"), MMR_SEV_HIGH);
	assert_int_equal(mmr_vulndb_severity_from_rating("Moderate"), MMR_SEV_MEDIUM);
	assert_int_equal(mmr_vulndb_severity_from_rating("negligible"), MMR_SEV_LOW);
	assert_int_equal(mmr_vulndb_severity_from_rating("not yet assigned"), MMR_SEV_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_debian),
		cmocka_unit_test(test_alias_closure),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_parse_lists),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
