/* test-runtime-forensics.c - the pieces of forensics bundles and alert
 * outputs: /proc/net/tcp rows (v4, v6, malformed), secret detection in
 * environments, slugs, syslog lines, header and host:port checks, UUIDs,
 * and a whole bundle written from a fake /proc tree (also with the
 * process gone) read back with libarchive. */
#include "test-util.h"

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-hash.h"
#include "runtime/runtime-alertout.h"
#include "runtime/runtime-forensics.h"

static const char tcp4[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000:1169 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0100007F:1169 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1\n"
	"   2: garbage line\n"
	"   3: 0100007F:ZZZZ 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 77\n";

static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0\n";

static void test_parse_net(void **state)
{
	(void)state;
	struct mmr_rt_sock s[4];
	size_t bad = 0;
	size_t n = mmr_rt_forensics_parse_net(tcp4, sizeof(tcp4) - 1, s, 4, &bad);
	assert_int_equal(n, 2);
	assert_int_equal(bad, 2);
	char buf[80];
	assert_string_equal(mmr_rt_forensics_sock_addr(&s[0].laddr, s[0].lport, buf, sizeof(buf)), "0.0.0.0:4457");
	assert_string_equal(mmr_rt_forensics_tcp_state(s[0].state), "LISTEN");
	assert_int_equal(s[0].ino, 4242);
	assert_string_equal(mmr_rt_forensics_sock_addr(&s[1].laddr, s[1].lport, buf, sizeof(buf)), "127.0.0.1:4457");
	assert_string_equal(mmr_rt_forensics_sock_addr(&s[1].raddr, s[1].rport, buf, sizeof(buf)), "127.0.0.1:54321");
	assert_string_equal(mmr_rt_forensics_tcp_state(s[1].state), "ESTABLISHED");
	assert_int_equal(s[1].uid, 1000);
	assert_int_equal(s[1].ino, 4343);
	n = mmr_rt_forensics_parse_net(tcp6, sizeof(tcp6) - 1, s, 4, &bad);
	assert_int_equal(n, 1);
	assert_int_equal(bad, 0);
	assert_string_equal(mmr_rt_forensics_sock_addr(&s[0].laddr, s[0].lport, buf, sizeof(buf)), "[::1]:22");
	/* more rows than room: counted, not stored past max */
	n = mmr_rt_forensics_parse_net(tcp4, sizeof(tcp4) - 1, s, 1, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(mmr_rt_forensics_parse_net("", 0, s, 4, NULL), 0);
}

static void test_env_secret(void **state)
{
	(void)state;
#define SEC(n, v) mmr_rt_forensics_env_secret(n, strlen(n), v, strlen(v))
	assert_true(SEC("AWS_SECRET_ACCESS_KEY", "x"));
	assert_true(SEC("MY_TOKEN", "abc"));
	assert_true(SEC("db_password", "hunter2"));
	assert_true(SEC("Cookie_Jar", "a"));
	assert_true(SEC("SESSIONID", "a"));
	assert_true(SEC("X", "AKIAIOSFODNN7EXAMPLE"));
	assert_true(SEC("X", "ghp_0123456789abcdefghijABCDEFGHIJ012345"));
	assert_true(SEC("DATABASE_URL", "postgres://user:s3cret@db:5432/app"));
	assert_true(SEC("X", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"));
	assert_true(SEC("X", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
	assert_false(SEC("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	assert_false(SEC("HOME", "/root"));
	assert_false(SEC("HOSTNAME", "a1b2c3d4e5f6"));
	assert_false(SEC("URL", "https://example.com/path"));
	assert_false(SEC("LANG", "C.UTF-8"));
#undef SEC
	static const char env[] = "PATH=/bin\0MY_TOKEN=tok-value-1\0AWS_SECRET_ACCESS_KEY=abc/def\0EMPTY=\0NOEQ";
	json_t *a = mmr_rt_forensics_environ_json(env, sizeof(env) - 1);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 5);
	char *s = json_dumps(a, JSON_COMPACT);
	assert_null(strstr(s, "tok-value-1"));
	assert_null(strstr(s, "abc/def"));
	assert_non_null(strstr(s, "{\"name\":\"PATH\",\"value\":\"/bin\"}"));
	assert_non_null(strstr(s, "{\"name\":\"MY_TOKEN\",\"redacted\":true,\"length\":11}"));
	assert_non_null(strstr(s, "\"name\":\"AWS_SECRET_ACCESS_KEY\",\"redacted\":true"));
	free(s);
	json_decref(a);
}

static void test_slug(void **state)
{
	(void)state;
	char b[49];
	mmr_rt_forensics_slug("mamori: read of shadow or ssh keys", b, sizeof(b));
	assert_string_equal(b, "mamori-read-of-shadow-or-ssh-keys");
	mmr_rt_forensics_slug("../../etc/passwd", b, sizeof(b));
	assert_string_equal(b, "etc-passwd");
	mmr_rt_forensics_slug("", b, sizeof(b));
	assert_string_equal(b, "alert");
	mmr_rt_forensics_slug("\xc3\xa9\xc3\xa9", b, sizeof(b));
	assert_string_equal(b, "alert");
	char small[6];
	mmr_rt_forensics_slug("abc def ghi", small, sizeof(small));
	assert_string_equal(small, "abc-d");
}

static void test_syslog_format(void **state)
{
	(void)state;
	char line[256];
	size_t n = mmr_rt_syslog_format(line, sizeof(line), 1, 2, "2024-05-06T07:08:09.123456789Z", "my host",
					 42, "a\nb");
	assert_string_equal(line, "<10>1 2024-05-06T07:08:09.123456Z myhost mamori 42 alert - a b");
	assert_int_equal(n, strlen(line));
	mmr_rt_syslog_format(line, sizeof(line), 16, 4, "nonsense", "", 1, "x");
	assert_string_equal(line, "<132>1 - - mamori 1 alert - x");
	mmr_rt_syslog_format(line, sizeof(line), 3, 7, "2024-05-06T07:08:09+02:00", "h", 1, "");
	assert_string_equal(line, "<31>1 2024-05-06T07:08:09+02:00 h mamori 1 alert - ");
	/* cut without splitting UTF-8 */
	char small[40];
	n = mmr_rt_syslog_format(small, sizeof(small), 1, 5, NULL, "h", 1, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_true(n < sizeof(small));
	assert_int_equal(strlen(small), n);
	assert_int_equal(((unsigned char)small[n - 1] & 0xc0) == 0xc0, 0);
	assert_int_equal(mmr_rt_syslog_facility_from_name("local0"), 16);
	assert_int_equal(mmr_rt_syslog_facility_from_name("USER"), 1);
	assert_int_equal(mmr_rt_syslog_facility_from_name("nope"), -1);
}

static void test_headers_hostport_uuid(void **state)
{
	(void)state;
#define HC(s) mmr_rt_http_header_check(s, strlen(s))
	assert_int_equal(HC("Authorization: Bearer x"), 0);
	assert_int_equal(HC("X-Empty:"), 0);
	assert_int_equal(HC(": v"), -EINVAL);
	assert_int_equal(HC("Bad Name: v"), -EINVAL);
	assert_int_equal(HC("X: a\r\nInjected: 1"), -EINVAL);
	assert_int_equal(HC("NoColon"), -EINVAL);
#undef HC
	char host[64];
	uint16_t port = 0;
	assert_int_equal(mmr_rt_hostport_parse("127.0.0.1:514", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 514);
	assert_int_equal(mmr_rt_hostport_parse("[::1]:6514", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 6514);
	assert_int_equal(mmr_rt_hostport_parse("::1:514", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(mmr_rt_hostport_parse("h:0", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(mmr_rt_hostport_parse("h:65536", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(mmr_rt_hostport_parse("h:", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(mmr_rt_hostport_parse(":514", host, sizeof(host), &port), -EINVAL);
	char u1[37], u2[37];
	assert_int_equal(mmr_rt_uuid4(u1), 0);
	assert_int_equal(mmr_rt_uuid4(u2), 0);
	assert_int_equal(strlen(u1), 36);
	assert_true(u1[14] == '4' && strchr("89ab", u1[19]) && u1[8] == '-' && u1[23] == '-');
	assert_string_not_equal(u1, u2);
}

/* ---- a whole bundle from a fake /proc ---- */

static char root[256];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *fp = fopen(p, "we");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void mk(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void lnk(const char *target, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/mmr-forensics-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void fake_proc(void)
{
	mk("proc");
	put("proc/stat", "cpu 1 2 3\nbtime 1700000000\n", 27);
	/* 1 <- 100 <- 200 (the process) <- 300 */
	static const struct {
		int pid, ppid;
		const char *comm;
	} ps[] = { { 1, 0, "init" }, { 100, 1, "sh" }, { 200, 100, "nc) x (y" }, { 300, 200, "sleep" } };
	for (size_t i = 0; i < 4; i++) {
		char d[64], stat[256];
		snprintf(d, sizeof(d), "proc/%d", ps[i].pid);
		mk(d);
		int n = snprintf(stat, sizeof(stat),
				 "%d (%s) S %d 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 %d 1000 100 0\n",
				 ps[i].pid, ps[i].comm, ps[i].ppid, 100 * ps[i].pid);
		snprintf(d, sizeof(d), "proc/%d/stat", ps[i].pid);
		put(d, stat, (size_t)n);
		snprintf(d, sizeof(d), "proc/%d/status", ps[i].pid);
		put(d, "Name:\tx\nUid:\t1000\t1000\t1000\t1000\n", 33);
		char cmd[64];
		n = snprintf(cmd, sizeof(cmd), "%s%c-x%c", ps[i].comm, 0, 0);
		snprintf(d, sizeof(d), "proc/%d/cmdline", ps[i].pid);
		put(d, cmd, (size_t)n);
	}
	put("proc/200/environ", "PATH=/bin\0MY_TOKEN=tok-secret-42\0", 33);
	put("proc/200/exe-file", "ELF-bytes", 9);
	char target[512];
	snprintf(target, sizeof(target), "%s/proc/200/exe-file", root);
	lnk(target, "proc/200/exe");
	mk("proc/200/fd");
	lnk("/etc/shadow", "proc/200/fd/3");
	lnk("socket:[4343]", "proc/200/fd/4");
	lnk("pipe:[99]", "proc/200/fd/10");
	mk("proc/200/net");
	put("proc/200/net/tcp", tcp4, sizeof(tcp4) - 1);
	put("proc/200/net/tcp6", tcp6, sizeof(tcp6) - 1);
}

/* Members of the tar: name -> content (malloc'd), in order. */
struct tarm {
	char name[64];
	char *data;
	size_t len;
};

static size_t read_tar(const char *path, struct tarm *m, size_t max)
{
	struct archive *ar = archive_read_new();
	archive_read_support_format_tar(ar);
	assert_int_equal(archive_read_open_filename(ar, path, 16384), ARCHIVE_OK);
	struct archive_entry *e;
	size_t n = 0;
	while (n < max && archive_read_next_header(ar, &e) == ARCHIVE_OK) {
		snprintf(m[n].name, sizeof(m[n].name), "%s", archive_entry_pathname(e));
		m[n].len = (size_t)archive_entry_size(e);
		m[n].data = calloc(1, m[n].len + 1);
		assert_int_equal(archive_read_data(ar, m[n].data, m[n].len), (la_ssize_t)m[n].len);
		n++;
	}
	archive_read_free(ar);
	return n;
}

/* noinline: gcc -O3 mis-sizes m after inlining (a false -Wstringop-overread) */
__attribute__((noinline)) static json_t *member_json(struct tarm *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return json_loads(m[i].data, 0, NULL);
	fail_msg("no member %s", name);
	return NULL;
}

static void test_bundle(void **state)
{
	(void)state;
	fake_proc();
	char proc_root[300], dir[300], path[4200];
	snprintf(proc_root, sizeof(proc_root), "%s/proc", root);
	snprintf(dir, sizeof(dir), "%s/bundles", root);
	struct mmr_rt_container c;
	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	snprintf(c.name, sizeof(c.name), "web");
	json_t *events = json_pack("[{s:s}]", "type", "openat");
	struct mmr_rt_forensics_req req = {
		.dir = dir, .proc_root = proc_root, .rule = "mamori: test rule", .pid = 200,
		.alert_json = "{\"rule\":\"mamori: test rule\",\"priority\":\"Critical\"}",
		.container = &c, .hostname = "h1", .time_ns = 1700000000ull * 1000000000ull, .events = events,
	};
	assert_int_equal(mmr_rt_forensics_write(&req, path, sizeof(path)), 0);
	char want[600];
	snprintf(want, sizeof(want), "%s/20231114T221320Z-mamori-test-rule-200.tar", dir);
	assert_string_equal(path, want);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	struct tarm m[10];
	size_t n = read_tar(path, m, 10);
	assert_int_equal(n, 7);
	assert_string_equal(m[0].name, "manifest.json");
	json_t *man = json_loads(m[0].data, 0, NULL);
	assert_non_null(man);
	assert_string_equal(json_string_value(json_object_get(json_object_get(man, "alert"), "priority")), "Critical");
	assert_string_equal(json_string_value(json_object_get(man, "container_id")), c.id);
	assert_true(json_is_true(json_object_get(man, "process_alive")));
	/* every member listed with its sha256 */
	json_t *files = json_object_get(man, "files");
	assert_int_equal(json_array_size(files), 6);
	for (size_t i = 1; i < n; i++) {
		char hex[65];
		mmr_sha256_hex(m[i].data, m[i].len, hex);
		json_t *fe = json_array_get(files, i - 1);
		assert_string_equal(json_string_value(json_object_get(fe, "name")), m[i].name);
		assert_string_equal(json_string_value(json_object_get(fe, "sha256")), hex);
	}
	char exehex[65];
	mmr_sha256_hex("ELF-bytes", 9, exehex);
	assert_string_equal(json_string_value(json_object_get(man, "exe_sha256")), exehex);
	json_decref(man);

	json_t *tree = member_json(m, n, "process.json");
	assert_int_equal(json_array_size(tree), 4);
	json_t *p0 = json_array_get(tree, 0);
	assert_string_equal(json_string_value(json_object_get(p0, "role")), "process");
	assert_string_equal(json_string_value(json_object_get(p0, "comm")), "nc) x (y");
	assert_int_equal(json_integer_value(json_object_get(p0, "ppid")), 100);
	assert_int_equal(json_integer_value(json_object_get(p0, "uid")), 1000);
	assert_string_equal(json_string_value(json_array_get(json_object_get(p0, "cmdline"), 1)), "-x");
	assert_non_null(json_object_get(p0, "start_time"));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(tree, 1), "pid")), 100);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(tree, 2), "pid")), 1);
	json_t *ch = json_array_get(tree, 3);
	assert_int_equal(json_integer_value(json_object_get(ch, "pid")), 300);
	assert_string_equal(json_string_value(json_object_get(ch, "role")), "child");
	json_decref(tree);

	for (size_t i = 0; i < n; i++)
		assert_null(strstr(m[i].data, "tok-secret-42"));
	json_t *env = member_json(m, n, "environ.json");
	assert_int_equal(json_array_size(env), 2);
	assert_true(json_is_true(json_object_get(json_array_get(env, 1), "redacted")));
	json_decref(env);

	json_t *fds = member_json(m, n, "fds.json");
	assert_int_equal(json_array_size(fds), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(fds, 0), "target")), "/etc/shadow");
	json_t *sk = json_object_get(json_array_get(fds, 1), "socket");
	assert_non_null(sk);
	assert_string_equal(json_string_value(json_object_get(sk, "local")), "127.0.0.1:4457");
	assert_string_equal(json_string_value(json_object_get(sk, "state")), "ESTABLISHED");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(fds, 2), "fd")), 10);
	json_decref(fds);
	json_t *cj = member_json(m, n, "container.json");
	assert_string_equal(json_string_value(json_object_get(cj, "name")), "web");
	json_decref(cj);
	for (size_t i = 0; i < n; i++)
		free(m[i].data);

	/* the same alert again in the same second: a new name, no overwrite */
	char path2[4200];
	assert_int_equal(mmr_rt_forensics_write(&req, path2, sizeof(path2)), 0);
	assert_string_not_equal(path, path2);
	json_decref(events);
}

static void test_bundle_process_gone(void **state)
{
	(void)state;
	fake_proc();
	char proc_root[300], dir[300], path[4200];
	snprintf(proc_root, sizeof(proc_root), "%s/proc", root);
	snprintf(dir, sizeof(dir), "%s/b", root);
	struct mmr_rt_proc p;
	memset(&p, 0, sizeof(p));
	p.pid = 999;
	p.ppid = 100;
	snprintf(p.comm, sizeof(p.comm), "gone");
	snprintf(p.exepath, sizeof(p.exepath), "/usr/bin/gone");
	const char *argv[] = { "gone", "--flag" };
	mmr_rt_proc_set_argv(&p, argv, 2);
	struct mmr_rt_forensics_req req = { .dir = dir, .proc_root = proc_root, .rule = "r", .pid = 999,
					    .proc = &p, .container_id = "" };
	assert_int_equal(mmr_rt_forensics_write(&req, path, sizeof(path)), 0);
	struct tarm m[10];
	size_t n = read_tar(path, m, 10);
	assert_int_equal(n, 7);
	json_t *man = json_loads(m[0].data, 0, NULL);
	assert_false(json_is_true(json_object_get(man, "process_alive")));
	assert_string_equal(json_string_value(json_object_get(man, "container_id")), "host");
	json_t *miss = json_object_get(man, "missing");
	assert_true(json_array_size(miss) >= 3);
	char *ms = json_dumps(miss, 0);
	assert_non_null(strstr(ms, "environ"));
	assert_non_null(strstr(ms, "exe"));
	free(ms);
	json_decref(man);
	json_t *tree = member_json(m, n, "process.json");
	assert_int_equal(json_array_size(tree), 1);
	json_t *p0 = json_array_get(tree, 0);
	assert_string_equal(json_string_value(json_object_get(p0, "source")), "agent");
	assert_string_equal(json_string_value(json_array_get(json_object_get(p0, "cmdline"), 1)), "--flag");
	json_decref(tree);
	for (size_t i = 0; i < n; i++)
		free(m[i].data);
	/* bad requests */
	req.pid = 0;
	assert_int_equal(mmr_rt_forensics_write(&req, path, sizeof(path)), -EINVAL);
	req.pid = 1;
	req.dir = "/proc/nonexistent-dir/x";
	assert_true(mmr_rt_forensics_write(&req, path, sizeof(path)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_net),
		cmocka_unit_test(test_env_secret),
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_syslog_format),
		cmocka_unit_test(test_headers_hostport_uuid),
		cmocka_unit_test_setup_teardown(test_bundle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_process_gone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
