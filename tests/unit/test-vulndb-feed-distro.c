/* test-vulndb-feed-distro.c - distribution feeds: Debian tracker JSON and
 * DSA/DLA lists, Alpine secdb, Ubuntu UCT, Red Hat CSAF and Security Data
 * API, on the real files in ../shared/corpora/vuln. */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vulndb/vulndb-feed.h"

/* Every record the feed emits, as one line of text. */
struct rec {
	char **v;
	size_t n, cap;
	size_t n_vuln, n_aff;
};

static void rec_add(struct rec *r, char *line)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	r->v[r->n++] = line;
}

static const char *status_s(enum mmr_vuln_status s)
{
	static const char *const n[] = { "affected", "fixed", "unfixed", "wontfix", "not-affected",
					  "investigating" };
	return (unsigned)s < 6 ? n[s] : "?";
}

static int on_vuln(void *ud, const struct mmr_vuln *v)
{
	struct rec *r = ud;
	char al[4096] = "";
	size_t k = 0;
	for (size_t i = 0; i < v->n_aliases && k < sizeof(al) - 80; i++)
		k += (size_t)snprintf(al + k, sizeof(al) - k, "%s%s", i ? "," : "", v->aliases[i]);
	char *line;
	assert_true(asprintf(&line, "V %s src=%s aliases=%s pub=%s sev=%s cvss3=%s/%.1f refs=%zu", v->id,
			     v->source, al, v->published ? v->published : "-",
			     v->severity ? v->severity : "-", v->cvss3_vector ? v->cvss3_vector : "-",
			     v->cvss3_score, v->n_references) > 0);
	assert_non_null(v->id);
	assert_non_null(v->source);
	rec_add(r, line);
	r->n_vuln++;
	return 0;
}

static int on_affected(void *ud, const struct mmr_vuln_affected *a)
{
	struct rec *r = ud;
	char rg[2048] = "";
	size_t k = 0;
	for (size_t i = 0; i < a->n_ranges && k < sizeof(rg) - 600; i++)
		k += (size_t)snprintf(rg + k, sizeof(rg) - k, "[%s,%s)",
				      a->ranges[i].introduced ? a->ranges[i].introduced : "",
				      a->ranges[i].fixed ? a->ranges[i].fixed : "");
	char *line;
	assert_true(asprintf(&line, "A %s %s %s %s %s %s%s%s%s", a->vuln_id, a->source, a->ecosystem,
			     a->package, a->scheme, status_s(a->status), rg,
			     a->severity ? " sev=" : "", a->severity ? a->severity : "") > 0);
	rec_add(r, line);
	r->n_aff++;
	return 0;
}

static void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
}

static bool rec_has(const struct rec *r, const char *line)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i], line) == 0)
			return true;
	return false;
}

/* Lines starting with prefix. */
static size_t rec_count(const struct rec *r, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += strncmp(r->v[i], prefix, strlen(prefix)) == 0;
	return n;
}

static void expect(const struct rec *r, const char *line)
{
	if (!rec_has(r, line)) {
		print_error("missing record: %s\n", line);
		for (size_t i = 0; i < r->n && i < 4000; i++)
			if (strncmp(r->v[i], line, 12) == 0)
				print_error("  have: %s\n", r->v[i]);
		fail();
	}
}

static int run_mem(const char *feed, const char *path, const void *data, size_t len,
		   struct rec *r, struct mmr_vulndb_sink *s, struct mmr_error *e)
{
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_find(feed);
	assert_non_null(f);
	*r = (struct rec){ 0 };
	*s = (struct mmr_vulndb_sink){ .vuln = on_vuln, .affected = on_affected, .ud = r };
	struct mmr_arena *a = mmr_arena_new(0);
	int ret = f->parse(a, s, path, data, len, e);
	mmr_arena_free(a);
	return ret;
}

static int run(const char *feed, const char *rel, struct rec *r, struct mmr_vulndb_sink *s)
{
	size_t len;
	uint8_t *data = mmr_test_read(mmr_test_corpus(rel), &len);
	struct mmr_error e = { 0 };
	/* detection picks this feed for this file */
	const struct mmr_vulndb_feed *d = mmr_vulndb_feed_detect(rel, data, len < 4096 ? len : 4096);
	assert_non_null(d);
	assert_string_equal(d->name, feed);
	int ret = run_mem(feed, rel, data, len, r, s, &e);
	if (ret < 0)
		print_error("%s: %s\n", rel, e.msg);
	free(data);
	return ret;
}

/* ---- Debian ---- */

static void test_debian_dsa_full(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	assert_int_equal(run("debian-dsa", "vuln/debian/security-tracker-2023-04/DSA-list", &r, &s), 0);
	/* 5406 advisory headers, 6988 release lines (python count of the file) */
	assert_int_equal(s.accepted, 5406);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(r.n_vuln, 5406);
	assert_int_equal(r.n_aff, 6988);
	assert_int_equal(rec_count(&r, "A ") - rec_count(&r, "A DSA-9999"), 6988);
	size_t fixed = 0, na = 0, unfixed = 0, eol = 0;
	for (size_t i = 0; i < r.n; i++) {
		fixed += strstr(r.v[i], " dpkg fixed[0,") != NULL;
		na += strstr(r.v[i], " dpkg not-affected") != NULL;
		unfixed += strstr(r.v[i], " dpkg unfixed[0,)") != NULL;
		eol += strstr(r.v[i], " dpkg wontfix[0,)") != NULL;
	}
	assert_int_equal(fixed, 6926);
	assert_int_equal(na, 55);
	assert_int_equal(unfixed, 3);
	assert_int_equal(eol, 4);
	/* the oracle of issue 3 */
	expect(&r, "V DSA-5380-1 src=debian aliases=CVE-2023-1393 pub=2023-03-29T00:00:00Z sev=- "
		   "cvss3=-/-1.0 refs=0");
	expect(&r, "A DSA-5380-1 debian debian:11 xorg-server dpkg fixed[0,2:1.20.11-1+deb11u6)");
	assert_int_equal(rec_count(&r, "A DSA-5380-1 "), 1);
	expect(&r, "A DSA-5378-1 debian debian:11 xen dpkg fixed[0,4.14.5+94-ge49571868d-1)");
	/* the double space of "[wheezy] - curl  7.26.0-1+wheezy5" */
	expect(&r, "A DSA-2798-1 debian debian:7 curl dpkg fixed[0,7.26.0-1+wheezy5)");
	rec_free(&r);
}

static void test_debian_dla_full(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	assert_int_equal(run("debian-dla", "vuln/debian/security-tracker-2023-04/DLA-list", &r, &s), 0);
	assert_int_equal(s.accepted, 3534);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(r.n_aff, 3535);
	expect(&r, "A DLA-3372-1 debian debian:10 xorg-server dpkg fixed[0,2:1.20.4-1+deb10u9)");
	expect(&r, "V DLA-3380-1 src=debian aliases=CVE-2020-12362,CVE-2020-12363,CVE-2020-12364,"
		   "CVE-2020-24586,CVE-2020-24587,CVE-2020-24588,CVE-2021-23168,CVE-2021-23223,"
		   "CVE-2021-37409,CVE-2021-44545,CVE-2022-21181 pub=2023-04-01T00:00:00Z sev=- "
		   "cvss3=-/-1.0 refs=0");
	rec_free(&r);
}

static void test_debian_list_fixtures(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	/* vunnel's DSA fixture: old ids without -N, no CVEs, notes */
	assert_int_equal(run("debian-dsa", "vuln/debian/vunnel-fixture-DSA-list", &r, &s), 0);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.accepted, 10);
	expect(&r, "A DSA-140 debian debian:3.0 libpng3 dpkg fixed[0,1.2.1-1.1.woody.2)");
	expect(&r, "V DSA-140 src=debian aliases=CVE-2002-0660,CVE-2002-0728 "
		   "pub=2002-08-05T00:00:00Z sev=- cvss3=-/-1.0 refs=0");
	expect(&r, "A DSA-5970-1 debian debian:12 sope dpkg fixed[0,5.8.0-1+deb12u1)");
	rec_free(&r);
	/* vuln-list-update's DLA fixture: one good advisory, one bad header */
	assert_int_equal(run("debian-dla", "vuln/debian/vuln-list-update-fixture-data-DLA-list", &r, &s),
			 0);
	assert_int_equal(s.accepted, 1);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(s.first_reject, "DLA-list:4: malformed advisory header"));
	expect(&r, "A DLA-2711-1 debian debian:9 thunderbird dpkg fixed[0,1:78.12.0-1~deb9u1)");
	rec_free(&r);
	assert_int_equal(run("debian-dsa", "vuln/debian/vuln-list-update-fixture-data-DSA-list", &r, &s),
			 0);
	assert_int_equal(s.accepted, 1);
	expect(&r, "A DSA-4480-1 debian debian:10 redis dpkg fixed[0,5:5.0.3-4+deb10u1)");
	rec_free(&r);
}

static void test_debian_list_statuses(void **state)
{
	const char txt[] = "[02 Apr 2023] DSA-9999-1 foo - security update\n"
			   "\t{CVE-2023-0001 CVE-2023-0002}\n"
			   "\t[bullseye] - foo 1.2-3+deb11u1\n"
			   "\t[buster] - foo <not-affected> (vulnerable code not present)\n"
			   "\t[stretch] - foo <end-of-life>\n"
			   "\t[jessie] - foo <unfixed>\n"
			   "\t[sid] - foo 1.3-1\n"
			   "\t[bookworm] - foo <bogus>\n"
			   "\tNOTE: a note\n"
			   "garbage\n"
			   "[03 Apr 2023] DSA-10000-1 bar - security update\n"
			   "\t[bookworm] - bar 2.0-1\n";
	struct rec r;
	struct mmr_vulndb_sink s;
	struct mmr_error e = { 0 };
	assert_int_equal(run_mem("debian-dsa", "DSA/list", txt, strlen(txt), &r, &s, &e), 0);
	assert_int_equal(s.accepted, 2);
	assert_int_equal(s.rejected, 2); /* <bogus>, garbage */
	assert_string_equal(s.first_reject, "DSA/list:8: DSA-9999-1: malformed release line");
	expect(&r, "A DSA-9999-1 debian debian:11 foo dpkg fixed[0,1.2-3+deb11u1)");
	expect(&r, "A DSA-9999-1 debian debian:10 foo dpkg not-affected");
	expect(&r, "A DSA-9999-1 debian debian:9 foo dpkg wontfix[0,)");
	expect(&r, "A DSA-9999-1 debian debian:8 foo dpkg unfixed[0,)");
	expect(&r, "A DSA-10000-1 debian debian:12 bar dpkg fixed[0,2.0-1)");
	assert_int_equal(r.n_aff, 5); /* sid skipped */
	rec_free(&r);
	/* not a list at all */
	assert_int_equal(run_mem("debian-dsa", "x", "hello\n", 6, &r, &s, &e), -EBADMSG);
	rec_free(&r);
}

static void test_debian_tracker(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	assert_int_equal(run("debian-tracker", "vuln/debian/vunnel-fixture-tracker-debian.json", &r, &s),
			 0);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.accepted, 7); /* package x CVE records, python count */
	expect(&r, "A CVE-2022-0456 debian debian:12 chromium dpkg fixed[0,98.0.4758.80-1)");
	expect(&r, "A CVE-2022-0456 debian debian:11 chromium dpkg fixed[0,98.0.4758.80-1~deb11u1)");
	/* buster: open, urgency end-of-life */
	expect(&r, "A CVE-2022-0456 debian debian:10 chromium dpkg wontfix[0,) sev=end-of-life");
	expect(&r, "A CVE-2008-7220 debian debian:9 prototypejs dpkg fixed[0,1.6.0.2-1) sev=high");
	rec_free(&r);
}

static void test_debian_tracker_statuses(void **state)
{
	const char txt[] =
		"{\"foo\": {\"CVE-2023-1\": {\"description\": \"d\", \"releases\": {"
		"\"bookworm\": {\"status\": \"resolved\", \"fixed_version\": \"0\", \"urgency\": \"low\"},"
		"\"bullseye\": {\"status\": \"open\", \"urgency\": \"unimportant\"},"
		"\"buster\": {\"status\": \"open\", \"nodsa\": \"x\", \"nodsa_reason\": \"ignored\", "
		"\"urgency\": \"low\"},"
		"\"stretch\": {\"status\": \"open\", \"urgency\": \"end-of-life\"},"
		"\"jessie\": {\"status\": \"undetermined\", \"urgency\": \"not yet assigned\"},"
		"\"sid\": {\"status\": \"resolved\", \"fixed_version\": \"1.0\"}}}},\n"
		"\"bad\": [1, 2],\n"
		"\"bar\": {\"CVE-2023-2\": {\"releases\": {\"trixie\": {\"status\": \"weird\"}}}},\n"
		"\"baz\": {\"CVE-2023-3\": {\"releases\": {\"trixie\": {\"status\": \"resolved\", "
		"\"fixed_version\": \"2.0-1\", \"urgency\": \"medium**\"}}}},\n"
		"\"trunc\": {\"CVE-2023-4\": {";
	struct rec r;
	struct mmr_vulndb_sink s;
	struct mmr_error e = { 0 };
	assert_int_equal(run_mem("debian-tracker", "t.json", txt, strlen(txt), &r, &s, &e), 0);
	expect(&r, "A CVE-2023-1 debian debian:12 foo dpkg not-affected sev=low");
	expect(&r, "A CVE-2023-1 debian debian:11 foo dpkg unfixed[0,) sev=unimportant");
	expect(&r, "A CVE-2023-1 debian debian:10 foo dpkg wontfix[0,) sev=low");
	expect(&r, "A CVE-2023-1 debian debian:9 foo dpkg wontfix[0,) sev=end-of-life");
	expect(&r, "A CVE-2023-1 debian debian:8 foo dpkg investigating[0,)");
	expect(&r, "A CVE-2023-3 debian debian:13 baz dpkg fixed[0,2.0-1) sev=medium");
	assert_int_equal(rec_count(&r, "A CVE-2023-1 "), 5); /* sid skipped */
	assert_int_equal(s.accepted, 2);
	assert_int_equal(s.rejected, 3); /* "bad", bar's status, the truncated tail */
	assert_non_null(strstr(s.first_reject, "t.json:2: package bad"));
	rec_free(&r);
	assert_int_equal(run_mem("debian-tracker", "t.json", "[1]", 3, &r, &s, &e), -EBADMSG);
	rec_free(&r);
}

/* ---- Alpine ---- */

static void test_alpine_counts(void **state)
{
	/* (file, entries, rejected): entries counted with python over
	 * packages[].pkg.secfixes lists; the rejected ones are "CVE_2019-2426" */
	static const struct {
		const char *rel;
		unsigned long accepted, rejected;
	} files[] = {
		{ "vuln/alpine/secdb-v3.10-main.json", 1182, 0 },
		{ "vuln/alpine/secdb-v3.10-community.json", 719, 1 },
		{ "vuln/alpine/secdb-v3.11-main.json", 1204, 0 },
		{ "vuln/alpine/secdb-v3.11-community.json", 894, 1 },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct rec r;
		struct mmr_vulndb_sink s;
		assert_int_equal(run("alpine-secdb", files[i].rel, &r, &s), 0);
		assert_int_equal(s.accepted, files[i].accepted);
		assert_int_equal(s.rejected, files[i].rejected);
		assert_int_equal(r.n_aff, files[i].accepted);
		rec_free(&r);
	}
}

static void test_alpine_records(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	assert_int_equal(run("alpine-secdb", "vuln/alpine/secdb-v3.11-main.json", &r, &s), 0);
	expect(&r, "A CVE-2019-1551 alpine alpine:3.11 openssl apk fixed[0,1.1.1d-r3)");
	expect(&r, "A CVE-2018-7540 alpine alpine:3.11 xen apk fixed[0,4.10.0-r2)");
	expect(&r, "V CVE-2018-7540 src=alpine aliases=XSA-252 pub=- sev=- cvss3=-/-1.0 refs=0");
	expect(&r, "A XSA-248 alpine alpine:3.11 xen apk fixed[0,4.10.0-r1)");
	expect(&r, "A CVE-2018-14465 alpine alpine:3.11 tcpdump apk fixed[0,4.9.3-r0)");
	/* "CVE-2017-17434-1"/"-2": one CVE fixed in two parts */
	rec_free(&r);
	assert_int_equal(run("alpine-secdb", "vuln/alpine/secdb-v3.10-main.json", &r, &s), 0);
	assert_int_equal(rec_count(&r, "A CVE-2017-17434 alpine alpine:3.10 rsync apk fixed[0,3.1.2-r7)"),
			 2);
	rec_free(&r);
	assert_int_equal(run("alpine-secdb", "vuln/alpine/secdb-v3.10-community.json", &r, &s), 0);
	assert_non_null(strstr(s.first_reject, "openjdk7 7.211.2.6.17-r0: not an advisory id"));
	rec_free(&r);
	assert_int_equal(run("alpine-secdb", "vuln/alpine/secdb-v3.10-main.json", &r, &s), 0);
	expect(&r, "A XSA-295 alpine alpine:3.10 xen apk fixed[0,4.12.1-r0)");
	rec_free(&r);
	assert_int_equal(run("alpine-secdb", "vuln/alpine/secdb-v3.11-community.json", &r, &s), 0);
	expect(&r, "A CVE-2019-19451 alpine alpine:3.11 dia apk fixed[0,0.97.3-r1)");
	rec_free(&r);
	/* the YAML form */
	assert_int_equal(run("alpine-secdb", "vuln/alpine/vunnel-fixture-v3.15-main.yaml", &r, &s), 0);
	assert_int_equal(s.accepted, 13);
	expect(&r, "A CVE-2022-37434 alpine alpine:3.15 zlib apk fixed[0,1.2.12-r2)");
	expect(&r, "A CVE-2019-6250 alpine alpine:3.15 zeromq apk fixed[0,4.3.1-r0)");
	rec_free(&r);
	assert_int_equal(run("alpine-secdb", "vuln/alpine/vunnel-fixture-v3.15-community.yaml", &r, &s),
			 0);
	assert_int_equal(s.accepted, 3);
	rec_free(&r);
	assert_int_equal(
		run("alpine-secdb", "vuln/alpine/vuln-list-update-fixture-secdb-v3.11-main.json", &r, &s),
		0);
	assert_int_equal(s.accepted, 2);
	expect(&r, "A CVE-2018-8011 alpine alpine:3.11 apache2 apk fixed[0,2.4.34-r0)");
	rec_free(&r);
}

static void test_alpine_malformed(void **state)
{
	const char txt[] = "{\"distroversion\": \"v3.18\", \"packages\": ["
			   "{\"pkg\": {\"name\": \"a\", \"secfixes\": {\"0\": [\"CVE-2020-1\"], "
			   "\"1.0-r1\": [\"CVE-2020-2 XSA-1 (note)\", 5, \"junk\"], \"2.0-r0\": 7}}},"
			   "{\"pkg\": {\"secfixes\": {}}}, 3, {\"pkg\": {\"name\": \"b\"}}]}";
	struct rec r;
	struct mmr_vulndb_sink s;
	struct mmr_error e = { 0 };
	assert_int_equal(run_mem("alpine-secdb", "m.json", txt, strlen(txt), &r, &s, &e), 0);
	expect(&r, "A CVE-2020-1 alpine alpine:3.18 a apk not-affected");
	expect(&r, "A CVE-2020-2 alpine alpine:3.18 a apk fixed[0,1.0-r1)");
	expect(&r, "V CVE-2020-2 src=alpine aliases=XSA-1 pub=- sev=- cvss3=-/-1.0 refs=0");
	assert_int_equal(s.accepted, 2);
	assert_int_equal(s.rejected, 5); /* 5, "junk", 2.0-r0, nameless pkg, 3 */
	rec_free(&r);
	const char bad[] = "{\"distroversion\": \"3.x\", \"packages\": []}";
	assert_int_equal(run_mem("alpine-secdb", "m.json", bad, strlen(bad), &r, &s, &e), -EBADMSG);
	rec_free(&r);
	assert_int_equal(run_mem("alpine-secdb", "m.json", "{\"distroversion\":", 17, &r, &s, &e),
			 -EBADMSG);
	rec_free(&r);
}

/* ---- Ubuntu ---- */

static void test_ubuntu_uct(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	assert_int_equal(run("ubuntu-uct", "vuln/ubuntu/uct-fixture-include_pending", &r, &s), 0);
	assert_int_equal(s.accepted, 1);
	assert_int_equal(s.rejected, 0);
	expect(&r, "V CVE-2020-0009 src=ubuntu aliases= pub=2020-01-08T16:15:00Z sev=low "
		   "cvss3=CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N/-1.0 refs=1");
	expect(&r, "A CVE-2020-0009 ubuntu ubuntu:18.04 linux-oem dpkg fixed[0,4.15.0-1080.90) sev=low");
	expect(&r, "A CVE-2020-0009 ubuntu ubuntu:19.10 linux-oem dpkg unfixed[0,) sev=low");
	expect(&r, "A CVE-2020-0009 ubuntu ubuntu:16.04 linux-oem dpkg wontfix[0,) sev=low");
	assert_int_equal(r.n_aff, 3); /* DNE, upstream, devel: none */
	rec_free(&r);

	assert_int_equal(run("ubuntu-uct", "vuln/ubuntu/uct-fixture-multiple_upstreams", &r, &s), 0);
	expect(&r, "V CVE-2020-0556 src=ubuntu aliases= pub=2020-03-12T21:15:00Z sev=medium "
		   "cvss3=CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:L/-1.0 refs=4");
	expect(&r, "A CVE-2020-0556 ubuntu ubuntu:16.04 bluez dpkg fixed[0,5.37-0ubuntu5.3) sev=medium");
	expect(&r, "A CVE-2020-0556 ubuntu ubuntu:18.04 bluez dpkg fixed[0,5.48-0ubuntu3.4) sev=medium");
	expect(&r, "A CVE-2020-0556 ubuntu ubuntu:19.10 bluez dpkg fixed[0,5.50-0ubuntu5.1) sev=medium");
	expect(&r, "A CVE-2020-0556 ubuntu ubuntu:14.04 bluez dpkg wontfix[0,) sev=medium");
	assert_int_equal(r.n_aff, 4);
	rec_free(&r);

	assert_int_equal(run("ubuntu-uct", "vuln/ubuntu/uct-fixture-patches_with_status", &r, &s), 0);
	expect(&r, "A CVE-2020-9925 ubuntu ubuntu:20.04 qtwebkit-opensource-src dpkg "
		   "investigating[0,) sev=medium");
	assert_int_equal(r.n_aff, 4); /* trusty (ignored), xenial, bionic, focal */
	rec_free(&r);
}

static void test_ubuntu_uct_esm(void **state)
{
	const char txt[] = "Candidate: CVE-2024-0001\n"
			   "PublicDate: 2024-01-02\n"
			   "Description:\n first line\n second line\n"
			   "Priority: high\n"
			   "Priority_foo: critical\n"
			   "Patches_foo:\n upstream: https://x\n"
			   "trusty_foo: ignored (end of standard support)\n"
			   "trusty/esm_foo: released (1.0-1ubuntu0.1~esm1)\n"
			   "esm-infra/xenial_foo: released (1.0-2ubuntu0.1~esm1)\n"
			   "xenial_foo: released (1.0-2ubuntu0.1)\n"
			   "jammy_foo: not-affected (code not present)\n"
			   "noble_foo: deferred\n"
			   "noble_bar: bogus\n"
			   "focal_bar: released\n"
			   "Candidate: CVE-2024-0002\n"
			   "jammy_bar: needed\n";
	struct rec r;
	struct mmr_vulndb_sink s;
	struct mmr_error e = { 0 };
	assert_int_equal(run_mem("ubuntu-uct", "u", txt, strlen(txt), &r, &s, &e), 0);
	assert_int_equal(s.accepted, 2);
	assert_int_equal(s.rejected, 2);
	expect(&r, "V CVE-2024-0001 src=ubuntu aliases= pub=2024-01-02T00:00:00Z sev=high "
		   "cvss3=-/-1.0 refs=0");
	expect(&r, "A CVE-2024-0001 ubuntu ubuntu:14.04 foo dpkg fixed[0,1.0-1ubuntu0.1~esm1) "
		   "sev=critical");
	/* the lower of the standard and ESM fixes */
	expect(&r, "A CVE-2024-0001 ubuntu ubuntu:16.04 foo dpkg fixed[0,1.0-2ubuntu0.1~esm1) "
		   "sev=critical");
	expect(&r, "A CVE-2024-0001 ubuntu ubuntu:22.04 foo dpkg not-affected sev=critical");
	expect(&r, "A CVE-2024-0001 ubuntu ubuntu:24.04 foo dpkg unfixed[0,) sev=critical");
	expect(&r, "A CVE-2024-0002 ubuntu ubuntu:22.04 bar dpkg unfixed[0,)");
	assert_int_equal(r.n_aff, 5);
	rec_free(&r);
	assert_int_equal(run_mem("ubuntu-uct", "u", "x: y\n", 5, &r, &s, &e), -EBADMSG);
	rec_free(&r);
}

/* ---- Red Hat ---- */

static void test_redhat_csaf(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	assert_int_equal(run("redhat-csaf", "vuln/rhel/csaf-rhsa-2024_6163.json", &r, &s), 0);
	assert_int_equal(s.accepted, 1);
	assert_int_equal(s.rejected, 0);
	expect(&r, "V CVE-2024-8088 src=redhat aliases=RHSA-2024:6163 pub=2024-08-22T19:15:09.720000+00:00 "
		   "sev=Moderate cvss3=CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:N/I:N/A:H/5.3 refs=10");
	expect(&r, "A CVE-2024-8088 redhat redhat:9 python3.9 rpm fixed[0,3.9.18-3.el9_4.5) "
		   "sev=Moderate");
	assert_int_equal(r.n_aff, 1); /* three streams of RHEL 9, one package */
	rec_free(&r);

	assert_int_equal(run("redhat-csaf", "vuln/rhel/csaf-rhsa-2025_23414.json", &r, &s), 0);
	assert_int_equal(s.accepted, 2);
	/* binaries (bind-chroot, bind-libs, ...) name their SRPM "bind" */
	expect(&r, "A CVE-2021-25220 redhat redhat:6 bind rpm fixed[0,32:9.8.2-0.68.rc1.el6_10.17) "
		   "sev=Moderate");
	expect(&r, "A CVE-2025-40778 redhat redhat:6 bind rpm fixed[0,32:9.8.2-0.68.rc1.el6_10.17) "
		   "sev=Important");
	assert_int_equal(r.n_aff, 2);
	rec_free(&r);
}

static void test_redhat_csaf_vex(void **state)
{
	/* a VEX document: unversioned components, no_fix_planned */
	const char txt[] =
		"{\"document\": {\"category\": \"csaf_vex\", \"csaf_version\": \"2.0\","
		" \"tracking\": {\"id\": \"CVE-2024-0002\"}},"
		" \"product_tree\": {\"branches\": [{\"category\": \"vendor\", \"branches\": ["
		"  {\"category\": \"product_name\", \"product\": {\"product_id\": \"rhel9\","
		"   \"product_identification_helper\": {\"cpe\": \"cpe:/o:redhat:enterprise_linux:9\"}}},"
		"  {\"category\": \"product_name\", \"product\": {\"product_id\": \"rhel8eus\","
		"   \"product_identification_helper\": {\"cpe\": \"cpe:/a:redhat:rhel_eus:8.6\"}}},"
		"  {\"category\": \"product_version\", \"product\": {\"product_id\": \"foo\","
		"   \"product_identification_helper\": {\"purl\": \"pkg:rpm/redhat/foo?arch=src\"}}},"
		"  {\"category\": \"product_version\", \"product\": {\"product_id\": \"bar\"}},"
		"  {\"category\": \"product_version\", \"product\": {\"product_id\": \"img\","
		"   \"product_identification_helper\": {\"purl\": \"pkg:oci/img@sha256:00\"}}}]}],"
		"  \"relationships\": ["
		"   {\"full_product_name\": {\"product_id\": \"rhel9:foo\"}, \"product_reference\": \"foo\","
		"    \"relates_to_product_reference\": \"rhel9\"},"
		"   {\"full_product_name\": {\"product_id\": \"rhel9:bar\"}, \"product_reference\": \"bar\","
		"    \"relates_to_product_reference\": \"rhel9\"},"
		"   {\"full_product_name\": {\"product_id\": \"rhel9:img\"}, \"product_reference\": \"img\","
		"    \"relates_to_product_reference\": \"rhel9\"},"
		"   {\"full_product_name\": {\"product_id\": \"rhel8eus:foo\"}, \"product_reference\": \"foo\","
		"    \"relates_to_product_reference\": \"rhel8eus\"}]},"
		" \"vulnerabilities\": [{\"cve\": \"CVE-2024-0002\","
		"  \"product_status\": {\"known_affected\": [\"rhel9:foo\", \"rhel9:img\", \"rhel8eus:foo\"],"
		"   \"known_not_affected\": [\"rhel9:bar\"]},"
		"  \"remediations\": [{\"category\": \"no_fix_planned\", \"product_ids\": [\"rhel9:foo\"]}],"
		"  \"threats\": [{\"category\": \"impact\", \"details\": \"Low\"}]},"
		"  {\"title\": \"no cve\"}]}";
	struct rec r;
	struct mmr_vulndb_sink s;
	struct mmr_error e = { 0 };
	const struct mmr_vulndb_feed *d =
		mmr_vulndb_feed_detect("x.json", (const uint8_t *)txt, strlen(txt));
	assert_non_null(d);
	assert_string_equal(d->name, "redhat-csaf");
	assert_int_equal(run_mem("redhat-csaf", "v.json", txt, strlen(txt), &r, &s, &e), 0);
	assert_int_equal(s.accepted, 1);
	assert_int_equal(s.rejected, 1);
	expect(&r, "V CVE-2024-0002 src=redhat aliases= pub=- sev=Low cvss3=-/-1.0 refs=0");
	expect(&r, "A CVE-2024-0002 redhat redhat:9 foo rpm wontfix[0,) sev=Low");
	expect(&r, "A CVE-2024-0002 redhat redhat:9 bar rpm not-affected sev=Low");
	assert_int_equal(r.n_aff, 2); /* no container, no EUS stream */
	rec_free(&r);
}

static void test_redhat_secdata(void **state)
{
	struct rec r;
	struct mmr_vulndb_sink s;
	assert_int_equal(run("redhat-secdata", "vuln/rhel/secdata-api-CVE-2023-4863.json", &r, &s), 0);
	assert_int_equal(s.accepted, 1);
	assert_int_equal(s.rejected, 0);
	expect(&r, "A CVE-2023-4863 redhat redhat:8 libwebp rpm fixed[0,1.0.0-8.el8_8.1) sev=Important");
	expect(&r, "A CVE-2023-4863 redhat redhat:9 libwebp rpm fixed[0,1.2.0-7.el9_2) sev=Important");
	expect(&r, "A CVE-2023-4863 redhat redhat:7 firefox rpm fixed[0,102.15.1-1.el7_9) "
		   "sev=Important");
	expect(&r, "A CVE-2023-4863 redhat redhat:7 libwebp rpm not-affected sev=Important");
	expect(&r, "A CVE-2023-4863 redhat redhat:6 firefox rpm wontfix[0,) sev=Important");
	/* E4S/AUS/TUS/EUS streams and flatpaks are not main-stream records */
	for (size_t i = 0; i < r.n; i++)
		assert_null(strstr(r.v[i], "flatpak"));
	assert_int_equal(rec_count(&r, "A CVE-2023-4863 redhat redhat:8 "), 3);
	rec_free(&r);

	assert_int_equal(run("redhat-secdata", "vuln/rhel/hydra-cve-2021-25220.json", &r, &s), 0);
	expect(&r, "A CVE-2021-25220 redhat redhat:6 bind rpm fixed[0,32:9.8.2-0.68.rc1.el6_10.17) "
		   "sev=Moderate");
	expect(&r, "A CVE-2021-25220 redhat redhat:7 bind rpm fixed[0,32:9.11.4-26.P2.el7_9.13) "
		   "sev=Moderate");
	expect(&r, "A CVE-2021-25220 redhat redhat:8 bind rpm fixed[0,32:9.11.36-5.el8) sev=Moderate");
	expect(&r, "A CVE-2021-25220 redhat redhat:8 bind9.16 rpm fixed[0,32:9.16.23-0.9.el8.1) "
		   "sev=Moderate");
	expect(&r, "A CVE-2021-25220 redhat redhat:9 dhcp rpm fixed[0,12:4.4.2-17.b1.el9) "
		   "sev=Moderate");
	rec_free(&r);
}

static void test_redhat_secdata_malformed(void **state)
{
	const char txt[] = "[{\"name\": \"CVE-2024-1\", \"threat_severity\": \"Low\","
			   " \"affected_release\": [{\"cpe\": \"cpe:/o:redhat:enterprise_linux:9\","
			   "  \"package\": \"nover\"}, {\"cpe\": 5, \"package\": \"a-1-2\"},"
			   "  {\"cpe\": \"cpe:/o:redhat:enterprise_linux:9\", \"package\": \"a-b-1:2-3\"},"
			   "  {\"cpe\": \"cpe:/o:redhat:enterprise_linux:9\", \"package\": \"a-b-1:2-2\"}],"
			   " \"package_state\": [{\"cpe\": \"cpe:/o:redhat:enterprise_linux:9\","
			   "  \"package_name\": \"nodejs:18/nodejs\", \"fix_state\": \"Affected\"}]},"
			   " {\"threat_severity\": \"Low\"}, 3,"
			   " {\"name\": \"CVE-2024-2\", \"affected_release\": {}}]";
	struct rec r;
	struct mmr_vulndb_sink s;
	struct mmr_error e = { 0 };
	assert_int_equal(run_mem("redhat-secdata", "s.json", txt, strlen(txt), &r, &s, &e), 0);
	assert_int_equal(s.accepted, 1);
	assert_int_equal(s.rejected, 3);
	expect(&r, "A CVE-2024-1 redhat redhat:9 a-b rpm fixed[0,1:2-2) sev=Low");
	assert_int_equal(r.n_aff, 1);
	rec_free(&r);
	assert_int_equal(run_mem("redhat-secdata", "s.json", "{", 1, &r, &s, &e), -EBADMSG);
	rec_free(&r);
}

/* Files that are not of our formats are not claimed by our detectors. */
static void test_detect_negative(void **state)
{
	static const char *const rels[] = {
		"vuln/SOURCES.md",
		"vuln/debian/vuln-list-update-fixture-distributions.json",
		"vuln/debian/vuln-list-update-fixture-buster-main-Sources",
		"vuln/debian/security-tracker-2023-04/CPE-list",
		"vuln/ubuntu/openvex-CVE-2023-38545.json",
		"vuln/ubuntu/osv-USN-5614-1.json",
		"vuln/nvd/nvd-api2-single-entry.json",
	};
	static const char *const ours[] = { "debian-tracker", "debian-dsa", "debian-dla",
					    "alpine-secdb", "ubuntu-uct", "redhat-csaf",
					    "redhat-secdata" };
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		size_t len;
		uint8_t *data = mmr_test_read(mmr_test_corpus(rels[i]), &len);
		for (size_t k = 0; k < sizeof(ours) / sizeof(ours[0]); k++) {
			const struct mmr_vulndb_feed *f = mmr_vulndb_feed_find(ours[k]);
			if (f->detect(rels[i], data, len < 4096 ? len : 4096)) {
				print_error("%s claims %s\n", ours[k], rels[i]);
				fail();
			}
		}
		free(data);
	}
}

/* A ten-megabyte line is rejected alone; the records around it survive. */
static void test_huge_lines(void **state)
{
	size_t big = 10u << 20;
	const char head[] = "[01 Apr 2023] DSA-1-1 a - x\n\t[bullseye] - a 1.0-1\n\tNOTE: ";
	const char tail[] = "\n[02 Apr 2023] DSA-2-1 b - y\n\t[bullseye] - b 2.0-1\n";
	char *txt = malloc(sizeof(head) + big + sizeof(tail));
	assert_non_null(txt);
	memcpy(txt, head, sizeof(head) - 1);
	memset(txt + sizeof(head) - 1, 'x', big);
	memcpy(txt + sizeof(head) - 1 + big, tail, sizeof(tail));
	struct rec r;
	struct mmr_vulndb_sink s;
	struct mmr_error e = { 0 };
	assert_int_equal(run_mem("debian-dsa", "big", txt, strlen(txt), &r, &s, &e), 0);
	assert_int_equal(s.rejected, 1);
	expect(&r, "A DSA-2-1 debian debian:11 b dpkg fixed[0,2.0-1)");
	rec_free(&r);
	/* the same line in a UCT file */
	const char uhead[] = "Candidate: CVE-2024-9\nDescription:\n ";
	const char utail[] = "\njammy_a: released (1.0)\n";
	memcpy(txt, uhead, sizeof(uhead) - 1);
	memset(txt + sizeof(uhead) - 1, 'y', big);
	memcpy(txt + sizeof(uhead) - 1 + big, utail, sizeof(utail));
	assert_int_equal(run_mem("ubuntu-uct", "big", txt, strlen(txt), &r, &s, &e), 0);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.accepted, 1);
	expect(&r, "A CVE-2024-9 ubuntu ubuntu:22.04 a dpkg fixed[0,1.0)");
	rec_free(&r);
	free(txt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_dsa_full),
		cmocka_unit_test(test_debian_dla_full),
		cmocka_unit_test(test_debian_list_fixtures),
		cmocka_unit_test(test_debian_list_statuses),
		cmocka_unit_test(test_debian_tracker),
		cmocka_unit_test(test_debian_tracker_statuses),
		cmocka_unit_test(test_alpine_counts),
		cmocka_unit_test(test_alpine_records),
		cmocka_unit_test(test_alpine_malformed),
		cmocka_unit_test(test_ubuntu_uct),
		cmocka_unit_test(test_ubuntu_uct_esm),
		cmocka_unit_test(test_redhat_csaf),
		cmocka_unit_test(test_redhat_csaf_vex),
		cmocka_unit_test(test_redhat_secdata),
		cmocka_unit_test(test_redhat_secdata_malformed),
		cmocka_unit_test(test_detect_negative),
		cmocka_unit_test(test_huge_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
