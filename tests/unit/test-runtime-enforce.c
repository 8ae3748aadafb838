/* test-runtime-enforce.c - enforcement policy parser: the full syntax,
 * workload selection, exec/write/connect/kill queries, CIDR forms, and
 * file:line:column errors on malformed policies. */
#include "test-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

#include "core/core-error.h"
#include "runtime/runtime-enforce.h"

static const char full[] = "version: 1\n"
			   "workloads:\n"
			   "  - name: web\n"
			   "    match:\n"
			   "      image: \"localhost/web:*\"\n"
			   "      container: \"web-*\"\n"
			   "    allow_exec: [/bin/sh, \"/usr/sbin/*\"]\n"
			   "    deny_write:\n"
			   "      - /etc/\n"
			   "      - /usr/lib\n"
			   "      - \"/var/*.conf\"\n"
			   "    deny_connect: [\"10.0.0.0/8\", \"169.254.169.254:80\", \"[2001:db8::]/32:443\"]\n"
			   "    kill_on: [\"mamori: read of shadow or ssh keys\", T1059]\n"
			   "  - match: {cgroup: \"/libpod_parent/*\"}\n"
			   "    allow_connect: [127.0.0.1, \"::1\"]\n"
			   "  - name: the-host\n"
			   "    match: host\n"
			   "    deny_write: /etc/shadow\n";

static struct mmr_rt_enforce_policy *parse_ok(const char *s)
{
	struct mmr_rt_enforce_policy *p = NULL;
	struct mmr_error e = { 0 };
	int rc = mmr_rt_enforce_parse(s, strlen(s), "p.yaml", &p, &e);
	if (rc < 0)
		fail_msg("parse failed: %s", e.msg);
	assert_non_null(p);
	return p;
}

static void ip4(uint8_t ip[16], const char *s)
{
	memset(ip, 0, 16);
	ip[10] = ip[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, s, ip + 12), 1);
}

static void ip6(uint8_t ip[16], const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, ip), 1);
}

static void test_full_policy(void **state)
{
	(void)state;
	struct mmr_rt_enforce_policy *p = parse_ok(full);
	assert_int_equal(p->n_wl, 3);
	assert_true(p->any_exec && p->any_write && p->any_connect && p->any_kill);
	const struct mmr_rt_enforce_wl *w = &p->wl[0];
	assert_string_equal(w->name, "web");
	assert_int_equal(w->line, 3);
	assert_string_equal(w->image, "localhost/web:*");
	assert_string_equal(w->container, "web-*");
	assert_null(w->cgroup);
	assert_int_equal(w->n_allow_exec, 2);
	assert_int_equal(w->n_deny_write, 3);
	assert_int_equal(w->n_deny_connect, 3);
	assert_int_equal(w->n_kill_on, 2);
	assert_string_equal(p->wl[1].name, "workload-2");
	assert_true(p->wl[1].has_allow_connect);
	assert_int_equal(p->wl[1].n_allow_connect, 2);
	assert_true(p->wl[2].host);
	assert_int_equal(p->wl[2].n_deny_write, 1);

	/* selection: first match wins, all selectors must match */
	struct mmr_rt_enforce_subject s = { .image = "localhost/web:1", .container = "web-a",
					    .cgroup = "/libpod_parent/libpod-x" };
	assert_int_equal(mmr_rt_enforce_match(p, &s), 0);
	s.container = "db-a";
	assert_int_equal(mmr_rt_enforce_match(p, &s), 1);
	s.cgroup = "/other";
	assert_int_equal(mmr_rt_enforce_match(p, &s), -1);
	s.cgroup = NULL; /* unknown fails a selector that names it */
	assert_int_equal(mmr_rt_enforce_match(p, &s), -1);
	struct mmr_rt_enforce_subject h = { .host = true };
	assert_int_equal(mmr_rt_enforce_match(p, &h), 2);

	/* exec */
	assert_true(mmr_rt_enforce_exec_allowed(w, "/bin/sh"));
	assert_true(mmr_rt_enforce_exec_allowed(w, "/usr/sbin/nginx"));
	assert_false(mmr_rt_enforce_exec_allowed(w, "/bin/shx"));
	assert_false(mmr_rt_enforce_exec_allowed(w, "/tmp/x"));
	assert_true(mmr_rt_enforce_exec_allowed(&p->wl[1], "/anything")); /* no list */

	/* write */
	assert_true(mmr_rt_enforce_write_denied(w, "/etc/passwd"));
	assert_false(mmr_rt_enforce_write_denied(w, "/etc")); /* "DIR/" is a prefix */
	assert_true(mmr_rt_enforce_write_denied(w, "/usr/lib"));
	assert_true(mmr_rt_enforce_write_denied(w, "/usr/lib/x/y"));
	assert_false(mmr_rt_enforce_write_denied(w, "/usr/lib64/x"));
	assert_true(mmr_rt_enforce_write_denied(w, "/var/a/b.conf"));
	assert_false(mmr_rt_enforce_write_denied(w, "/var/a/b.conf.bak"));
	assert_false(mmr_rt_enforce_write_denied(w, "/tmp/x"));
	assert_true(mmr_rt_enforce_write_denied(&p->wl[2], "/etc/shadow"));
	assert_false(mmr_rt_enforce_write_denied(&p->wl[2], "/etc/shadow-"));

	/* connect */
	uint8_t ip[16];
	ip4(ip, "10.1.2.3");
	assert_false(mmr_rt_enforce_connect_allowed(w, ip, 443));
	ip4(ip, "11.1.2.3");
	assert_true(mmr_rt_enforce_connect_allowed(w, ip, 443));
	ip4(ip, "169.254.169.254");
	assert_false(mmr_rt_enforce_connect_allowed(w, ip, 80));
	assert_true(mmr_rt_enforce_connect_allowed(w, ip, 81));
	ip6(ip, "2001:db8:1::5");
	assert_false(mmr_rt_enforce_connect_allowed(w, ip, 443));
	assert_true(mmr_rt_enforce_connect_allowed(w, ip, 444));
	ip4(ip, "127.0.0.1");
	assert_true(mmr_rt_enforce_connect_allowed(&p->wl[1], ip, 1));
	ip4(ip, "127.0.0.2");
	assert_false(mmr_rt_enforce_connect_allowed(&p->wl[1], ip, 1));
	ip6(ip, "::1");
	assert_true(mmr_rt_enforce_connect_allowed(&p->wl[1], ip, 1));

	/* kill_on: rule name or tag */
	const char *tags[] = { "mamori", "T1059" };
	assert_true(mmr_rt_enforce_kill_on(w, "mamori: read of shadow or ssh keys", NULL, 0));
	assert_true(mmr_rt_enforce_kill_on(w, "other", tags, 2));
	assert_false(mmr_rt_enforce_kill_on(w, "other", tags, 1));
	assert_false(mmr_rt_enforce_kill_on(&p->wl[1], "mamori: read of shadow or ssh keys", tags, 2));
	mmr_rt_enforce_free(p);
}

static void test_cidr_forms(void **state)
{
	(void)state;
	struct mmr_rt_enforce_cidr c;
	uint8_t ip[16];
	assert_int_equal(mmr_rt_enforce_cidr_parse("1.2.3.4", &c), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(c.port, 0);
	assert_int_equal(mmr_rt_enforce_cidr_parse("1.2.3.77/24:8080", &c), 0);
	assert_int_equal(c.prefix, 120);
	assert_int_equal(c.port, 8080);
	assert_int_equal(c.ip[15], 0); /* host bits cleared */
	ip4(ip, "1.2.3.200");
	assert_true(mmr_rt_enforce_cidr_match(&c, ip, 8080));
	assert_false(mmr_rt_enforce_cidr_match(&c, ip, 8081));
	assert_int_equal(mmr_rt_enforce_cidr_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefix, 96);
	ip6(ip, "::1");
	assert_false(mmr_rt_enforce_cidr_match(&c, ip, 1)); /* IPv4 ranges never match IPv6 */
	assert_int_equal(mmr_rt_enforce_cidr_parse("[::1]:22", &c), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(c.port, 22);
	assert_int_equal(mmr_rt_enforce_cidr_parse("2001:db8::/33", &c), 0);
	assert_int_equal(c.prefix, 33);
	assert_int_equal(mmr_rt_enforce_cidr_parse("::/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	static const char *const bad[] = { "",         "1.2.3",     "1.2.3.4/33", "1.2.3.4:0",  "1.2.3.4:65536",
					   "1.2.3.4/", "1.2.3.4:x", "[::1",       "[::1]x",     "::1/129",
					   "host:80",  "1.2.3.4/-1", "[1.2.3.4]", "1.2.3.4/8/8" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mmr_rt_enforce_cidr_parse(bad[i], &c) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

static void expect_error(const char *text, int err, unsigned long line, const char *needle)
{
	struct mmr_rt_enforce_policy *p = NULL;
	struct mmr_error e = { 0 };
	int rc = mmr_rt_enforce_parse(text, strlen(text), "bad.yaml", &p, &e);
	if (rc != -err)
		fail_msg("rc %d (want %d) for:\n%s\n%s", rc, -err, text, e.msg);
	assert_null(p);
	assert_string_equal(e.file, "bad.yaml");
	if (e.line != line)
		fail_msg("line %lu (want %lu): %s", e.line, line, e.msg);
	if (!strstr(e.msg, needle))
		fail_msg("'%s' not in '%s'", needle, e.msg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("", EBADMSG, 0, "empty policy");
	expect_error("workloads: [\n", EBADMSG, 2, "YAML");
	expect_error("- a\n", EBADMSG, 1, "expected a mapping");
	expect_error("version: 2\nworkloads: []\n", EPROTO, 1, "version");
	expect_error("workload: []\n", EBADMSG, 1, "unknown key 'workload'");
	expect_error("version: 1\n", EBADMSG, 1, "'workloads' is missing");
	expect_error("workloads: {}\n", EBADMSG, 1, "expected a list");
	expect_error("workloads:\n  - name: a\n", EBADMSG, 2, "'match' is missing");
	expect_error("workloads:\n  - match: guest\n", EBADMSG, 2, "expected 'host'");
	expect_error("workloads:\n  - match: {}\n", EBADMSG, 2, "match: empty");
	expect_error("workloads:\n  - match: {host: true, image: x}\n", EBADMSG, 2, "cannot be combined");
	expect_error("workloads:\n  - match: {imag: x}\n", EBADMSG, 2, "unknown key 'imag'");
	expect_error("workloads:\n  - match: host\n    allow_exec: [/bin/sh]\n    allow_exec: [/bin/ls]\n",
		     EBADMSG, 4, "given twice");
	expect_error("workloads:\n  - match: host\n    deny_connect:\n      - 10.0.0.0/8\n      - 10.0.0.0/99\n",
		     EBADMSG, 5, "'10.0.0.0/99' is not");
	expect_error("workloads:\n  - match: host\n    allow_exec: {a: b}\n", EBADMSG, 3, "expected a list");
	expect_error("workloads:\n  - match: host\n    allow_exec: [[/bin/sh]]\n", EBADMSG, 3,
		     "expected a string");
	expect_error("workloads:\n  - match: host\n    allow_exec: [bin/sh]\n", EBADMSG, 2, "not an absolute");
	expect_error("workloads:\n  - match: host\n    deny_write: [\"\"]\n", EBADMSG, 3, "empty string");
	expect_error("workloads:\n  - match: host\n    kill_on: [\"a\\0b\"]\n", EBADMSG, 3, "NUL byte");
	expect_error("workloads:\n  - match: host\n    frobnicate: 1\n", EBADMSG, 3, "unknown key 'frobnicate'");

	/* limits */
	char big[8192];
	size_t off = (size_t)snprintf(big, sizeof(big), "workloads:\n  - match: host\n    kill_on: \"");
	memset(big + off, 'a', 1100);
	off += 1100;
	snprintf(big + off, sizeof(big) - off, "\"\n");
	expect_error(big, E2BIG, 3, "longer than 1024");
	struct mmr_rt_enforce_policy *p = NULL;
	assert_int_equal(mmr_rt_enforce_parse(big, MMR_RT_ENFORCE_MAX_FILE + 1, "x", &p, NULL), -E2BIG);
}

static void test_protected_comm(void **state)
{
	(void)state;
	static const char *const yes[] = { "conmon", "runc", "runc:[2:INIT]", "crun", "podman", "containerd",
					   "containerd-shim", "dockerd", "crio" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(mmr_rt_enforce_protected_comm(yes[i]));
	assert_false(mmr_rt_enforce_protected_comm("sh"));
	assert_false(mmr_rt_enforce_protected_comm("podman2"));
	assert_false(mmr_rt_enforce_protected_comm(NULL));
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/mmr-enforce-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, full, strlen(full)), (ssize_t)strlen(full));
	close(fd);
	struct mmr_rt_enforce_policy *p = NULL;
	assert_int_equal(mmr_rt_enforce_load_file(path, &p, NULL), 0);
	assert_int_equal(p->n_wl, 3);
	mmr_rt_enforce_free(p);
	unlink(path);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_rt_enforce_load_file(path, &p, &e), -ENOENT);
	assert_string_equal(e.file, path);
	mmr_rt_enforce_free(NULL);
}

static void test_dedup(void **state)
{
	(void)state;
	static struct mmr_rt_enforce_dedup d;
	const uint64_t s = 1000000000ull;
	memset(&d, 0, sizeof(d));
	/* window 0: everything is raised */
	assert_true(mmr_rt_enforce_dedup_check(&d, "a", 1 * s));
	assert_true(mmr_rt_enforce_dedup_check(&d, "a", 1 * s));
	d.window_ns = 10 * s;
	assert_true(mmr_rt_enforce_dedup_check(&d, "wl|exec|/tmp/x", 1 * s));
	assert_false(mmr_rt_enforce_dedup_check(&d, "wl|exec|/tmp/x", 5 * s));
	assert_true(mmr_rt_enforce_dedup_check(&d, "wl|exec|/tmp/y", 5 * s));
	assert_false(mmr_rt_enforce_dedup_check(&d, "wl|exec|/tmp/x", 10 * s));
	/* the window counts from the last raised alert */
	assert_true(mmr_rt_enforce_dedup_check(&d, "wl|exec|/tmp/x", 11 * s));
	assert_false(mmr_rt_enforce_dedup_check(&d, "wl|exec|/tmp/x", 12 * s));
	/* a clock going back raises rather than suppresses forever */
	assert_true(mmr_rt_enforce_dedup_check(&d, "wl|exec|/tmp/x", 2 * s));
	assert_int_equal(d.suppressed, 3);
	/* many keys: each raised once */
	char k[32];
	int raised = 0;
	for (int i = 0; i < 100; i++) {
		snprintf(k, sizeof(k), "key-%d", i);
		raised += mmr_rt_enforce_dedup_check(&d, k, 20 * s);
	}
	assert_int_equal(raised, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_policy),
		cmocka_unit_test(test_cidr_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_protected_comm),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
