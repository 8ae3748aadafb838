/* test-runtime-baseline.c - learned baselines from hand-built events:
 * learning window, stable detection, deviations per kind, allow/deny,
 * digest change re-learns, SQLite round trip, YAML export/import. */
#include "test-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "model/model.h"
#include "runtime/runtime-baseline.h"

#define S 1000000000ull

static struct mmr_rt_proctab *procs;
static struct mmr_rt_container ctr;
static struct mmr_rt_deviation devs[16];
static int ndevs;

static void on_dev(void *ud, const struct mmr_rt_deviation *d)
{
	(void)ud;
	if (ndevs < 16)
		devs[ndevs++] = *d;
}

static int setup(void **state)
{
	(void)state;
	procs = mmr_rt_proctab_new(16);
	struct mmr_rt_proc *p = mmr_rt_proctab_upsert(procs, 100);
	mmr_rt_strlcpy(p->exepath, "/bin/sh", sizeof(p->exepath));
	mmr_rt_strlcpy(ctr.id, "0123456789abcdef", sizeof(ctr.id));
	mmr_rt_strlcpy(ctr.image, "docker.io/library/nginx:1.25", sizeof(ctr.image));
	mmr_rt_strlcpy(ctr.image_digest, "sha256:aaaa", sizeof(ctr.image_digest));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mmr_rt_proctab_free(procs);
	return 0;
}

static struct mmr_rt_proc *proc(const char *exe, const char *user)
{
	struct mmr_rt_proc *p = mmr_rt_proctab_upsert(procs, 200);
	p->ppid = 100;
	mmr_rt_strlcpy(p->exepath, exe, sizeof(p->exepath));
	mmr_rt_strlcpy(p->user, user, sizeof(p->user));
	return p;
}

static void exec_ev(struct mmr_rt_event *e, const char *exe, const char *user, uint64_t ts)
{
	mmr_rt_event_init(e);
	e->type = MMR_RT_EVT_EXECVE;
	e->ts = ts;
	e->pid = 200;
	e->proc = proc(exe, user);
	e->container = &ctr;
}

static void conn_ev(struct mmr_rt_event *e, const char *ip, unsigned port, const char *dns, uint64_t ts)
{
	mmr_rt_event_init(e);
	e->type = MMR_RT_EVT_CONNECT;
	e->ts = ts;
	e->proc = proc("/usr/sbin/nginx", "www-data");
	e->container = &ctr;
	e->fd.typechar = MMR_RT_FD_IPV4;
	e->fd.l4proto = MMR_RT_L4_TCP;
	e->fd.sip.family = AF_INET;
	e->fd.sip.ip[10] = e->fd.sip.ip[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, ip, e->fd.sip.ip + 12), 1);
	e->fd.sport = (uint16_t)port;
	if (dns)
		mmr_rt_strlcpy(e->fd.sip_name, dns, sizeof(e->fd.sip_name));
}

static void open_ev(struct mmr_rt_event *e, const char *path, uint32_t flags, uint64_t ts)
{
	mmr_rt_event_init(e);
	e->type = MMR_RT_EVT_OPENAT;
	e->ts = ts;
	e->proc = proc("/usr/sbin/nginx", "www-data");
	e->container = &ctr;
	e->fd.num = 5;
	e->res = 5;
	e->fd.typechar = MMR_RT_FD_FILE;
	e->fd.open_flags = flags;
	mmr_rt_strlcpy(e->fd.name, path, sizeof(e->fd.name));
}

static void listen_ev(struct mmr_rt_event *e, unsigned port, uint64_t ts)
{
	conn_ev(e, "0.0.0.0", 0, NULL, ts);
	e->type = MMR_RT_EVT_LISTEN;
	e->fd.sport = (uint16_t)port;
}

/* Learn nginx's behaviour for 60 s, then monitor. */
static struct mmr_rt_baselines *learned(void)
{
	struct mmr_rt_baseline_opts o = { .learn_ns = 60 * S };
	struct mmr_rt_baselines *b = mmr_rt_baselines_new(&o);
	assert_non_null(b);
	struct mmr_rt_event e;
	exec_ev(&e, "/usr/sbin/nginx", "root", 1 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	listen_ev(&e, 80, 2 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	conn_ev(&e, "10.0.0.5", 8080, "api.internal", 3 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	open_ev(&e, "/var/log/nginx/access.log", O_WRONLY | O_APPEND, 4 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	open_ev(&e, "/etc/passwd", O_RDONLY, 5 * S); /* reads are not learned */
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	assert_int_equal(mmr_rt_baselines_count(b, "image:docker.io/library/nginx"), 7);
	return b;
}

static void test_learn_then_monitor(void **state)
{
	(void)state;
	struct mmr_rt_baselines *b = learned();
	const char *k = "image:docker.io/library/nginx";
	enum mmr_rt_bl_mode m;
	assert_int_equal(mmr_rt_baselines_get_mode(b, k, &m), 0);
	assert_int_equal(m, MMR_RT_BL_LEARN);
	struct mmr_rt_event e;
	/* after the window: the same behaviour is quiet */
	exec_ev(&e, "/usr/sbin/nginx", "root", 70 * S);
	ndevs = 0;
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	assert_int_equal(mmr_rt_baselines_get_mode(b, k, &m), 0);
	assert_int_equal(m, MMR_RT_BL_MONITOR);
	/* a new binary run by a new user: exec, exec_parent and user deviate */
	exec_ev(&e, "/usr/bin/nc", "nobody", 71 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 3);
	assert_int_equal(devs[0].kind, MMR_RT_BL_EXEC);
	assert_string_equal(devs[0].item, "/usr/bin/nc");
	assert_string_equal(devs[0].workload, k);
	assert_string_equal(devs[0].digest, "sha256:aaaa");
	assert_string_equal(devs[1].item, "/bin/sh>/usr/bin/nc");
	assert_string_equal(devs[2].item, "nobody");
	char text[1024];
	mmr_rt_deviation_text(&devs[0], text, sizeof(text));
	assert_string_equal(text, "unexpected exec /usr/bin/nc in workload image:docker.io/library/nginx@sha256:aaaa "
				  "(mode monitor; not in the learned baseline)");
	struct mmr_arena *a = mmr_arena_new(1 << 20);
	struct mmr_finding *f;
	assert_int_equal(mmr_rt_deviation_finding(a, &devs[0], &f), 0);
	assert_int_equal(f->kind, MMR_FINDING_RUNTIME);
	assert_string_equal(f->rule_id, "baseline/exec");
	assert_string_equal(f->loc.resource, k);
	assert_int_equal(strlen(f->fingerprint), 64);
	mmr_arena_free(a);
	/* new peer / dns / port / write dir */
	ndevs = 0;
	conn_ev(&e, "203.0.113.9", 3333, "pool.minexmr.com", 72 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 2);
	assert_string_equal(devs[0].item, "203.0.113.9:3333");
	assert_int_equal(devs[1].kind, MMR_RT_BL_DNS);
	assert_string_equal(devs[1].item, "pool.minexmr.com");
	ndevs = 0;
	listen_ev(&e, 4444, 73 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 1);
	assert_string_equal(devs[0].item, "tcp/4444");
	open_ev(&e, "/etc/cron.d/x", O_WRONLY | O_CREAT, 74 * S);
	ndevs = 0;
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 1);
	assert_string_equal(devs[0].item, "/etc/cron.d");
	open_ev(&e, "/var/log/nginx/error.log", O_WRONLY, 75 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	/* manual allow and deny: learned ∪ allow − deny */
	assert_int_equal(mmr_rt_baselines_set(b, k, MMR_RT_BL_EXEC, "/usr/bin/nc", false), 0);
	assert_int_equal(mmr_rt_baselines_set(b, k, MMR_RT_BL_LISTEN, "tcp/80", true), 0);
	assert_true(mmr_rt_baselines_allows(b, k, MMR_RT_BL_EXEC, "/usr/bin/nc"));
	assert_false(mmr_rt_baselines_allows(b, k, MMR_RT_BL_LISTEN, "tcp/80"));
	ndevs = 0;
	listen_ev(&e, 80, 76 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 1);
	assert_true(devs[0].denied);
	/* the image digest changes: learned items go, manual ones stay, learning again */
	mmr_rt_strlcpy(ctr.image_digest, "sha256:bbbb", sizeof(ctr.image_digest));
	exec_ev(&e, "/usr/bin/other", "root", 80 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	assert_int_equal(mmr_rt_baselines_get_mode(b, k, &m), 0);
	assert_int_equal(m, MMR_RT_BL_LEARN);
	assert_false(mmr_rt_baselines_allows(b, k, MMR_RT_BL_PEER, "10.0.0.5:8080"));
	assert_true(mmr_rt_baselines_allows(b, k, MMR_RT_BL_EXEC, "/usr/bin/nc"));
	assert_true(mmr_rt_baselines_allows(b, k, MMR_RT_BL_EXEC, "/usr/bin/other"));
	mmr_rt_strlcpy(ctr.image_digest, "sha256:aaaa", sizeof(ctr.image_digest));
	mmr_rt_baselines_free(b);
}

static void test_stable(void **state)
{
	(void)state;
	struct mmr_rt_baseline_opts o = { .stable_ns = 10 * S, .after_learning = MMR_RT_BL_PROTECT };
	struct mmr_rt_baselines *b = mmr_rt_baselines_new(&o);
	struct mmr_rt_event e;
	mmr_rt_container_label(&ctr, "x");
	exec_ev(&e, "/a", "root", 1 * S);
	mmr_rt_baselines_event(b, &e, procs, on_dev, NULL);
	exec_ev(&e, "/b", "root", 9 * S); /* new item: the clock restarts */
	mmr_rt_baselines_event(b, &e, procs, on_dev, NULL);
	exec_ev(&e, "/a", "root", 15 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	enum mmr_rt_bl_mode m;
	mmr_rt_baselines_get_mode(b, "image:docker.io/library/nginx", &m);
	assert_int_equal(m, MMR_RT_BL_LEARN);
	exec_ev(&e, "/c", "root", 20 * S);
	ndevs = 0;
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 2);
	assert_int_equal(devs[0].mode, MMR_RT_BL_PROTECT);
	mmr_rt_baselines_free(b);
}

static void test_sqlite_and_yaml(void **state)
{
	(void)state;
	struct mmr_rt_baselines *b = learned();
	const char *k = "image:docker.io/library/nginx";
	mmr_rt_baselines_set(b, k, MMR_RT_BL_EXEC, "/bin/busybox", true);
	mmr_rt_baselines_set_mode(b, k, MMR_RT_BL_PROTECT);
	char dir[] = "/tmp/mmr-bl-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char db[256];
	snprintf(db, sizeof(db), "%s/bl.db", dir);
	assert_int_equal(mmr_rt_baselines_save(b, db), 0);
	assert_int_equal(mmr_rt_baselines_save(b, db), 0); /* replaces */
	struct mmr_rt_baselines *c = mmr_rt_baselines_new(NULL);
	assert_int_equal(mmr_rt_baselines_load(c, db, NULL), 0);
	assert_int_equal(mmr_rt_baselines_count(c, k), 8);
	assert_true(mmr_rt_baselines_allows(c, k, MMR_RT_BL_DNS, "api.internal"));
	assert_false(mmr_rt_baselines_allows(c, k, MMR_RT_BL_EXEC, "/bin/busybox"));
	enum mmr_rt_bl_mode m;
	assert_int_equal(mmr_rt_baselines_get_mode(c, k, &m), 0);
	assert_int_equal(m, MMR_RT_BL_PROTECT);

	struct mmr_buf y;
	mmr_buf_init(&y, 1 << 20);
	assert_int_equal(mmr_rt_baselines_export_yaml(c, &y), 0);
	assert_non_null(strstr(y.p, "  - key: \"image:docker.io/library/nginx\"\n"));
	assert_non_null(strstr(y.p, "    mode: protect\n"));
	assert_non_null(strstr(y.p, "      exec:\n        - \"/usr/sbin/nginx\"\n"));
	assert_non_null(strstr(y.p, "    deny:\n      exec:\n        - \"/bin/busybox\"\n"));
	struct mmr_rt_baselines *d = mmr_rt_baselines_new(NULL);
	assert_int_equal(mmr_rt_baselines_import_yaml(d, y.p, y.len, "bl.yaml", NULL), 0);
	assert_int_equal(mmr_rt_baselines_count(d, k), 8);
	assert_true(mmr_rt_baselines_allows(d, k, MMR_RT_BL_WRITE_DIR, "/var/log/nginx"));
	assert_false(mmr_rt_baselines_allows(d, k, MMR_RT_BL_EXEC, "/bin/busybox"));
	struct mmr_buf y2;
	mmr_buf_init(&y2, 1 << 20);
	assert_int_equal(mmr_rt_baselines_export_yaml(d, &y2), 0);
	assert_string_equal(y.p, y2.p);
	mmr_buf_release(&y);
	mmr_buf_release(&y2);

	/* bad input */
	struct mmr_error err = { 0 };
	static const char bad1[] = "version: 2\nworkloads: []\n";
	assert_int_equal(mmr_rt_baselines_import_yaml(d, bad1, strlen(bad1), "b.yaml", &err), -EPROTO);
	static const char bad2[] = "version: 1\nworkloads:\n  - key: x\n    learned:\n      bogus: [a]\n";
	assert_int_equal(mmr_rt_baselines_import_yaml(d, bad2, strlen(bad2), "b.yaml", &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "unknown kind 'bogus'"));
	static const char bad3[] = "version: 1\nworkloads:\n  - key: x\n    mode: sleep\n";
	assert_int_equal(mmr_rt_baselines_import_yaml(d, bad3, strlen(bad3), "b.yaml", &err), -EBADMSG);
	assert_int_equal(mmr_rt_baselines_load(d, "/nonexistent/x.db", &err), -EIO);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	mmr_rt_baselines_free(b);
	mmr_rt_baselines_free(c);
	mmr_rt_baselines_free(d);
	mmr_rt_baselines_free(NULL);
}

/* Explicit workload keys, new_mode, reset, info, one-workload export, the
 * change counter. */
static void test_named_reset_info(void **state)
{
	(void)state;
	struct mmr_rt_baseline_opts o = { .learn_ns = 10 * S };
	struct mmr_rt_baselines *b = mmr_rt_baselines_new(&o);
	struct mmr_rt_event e;
	uint64_t ch0 = mmr_rt_baselines_changes(b);
	exec_ev(&e, "/usr/sbin/nginx", "root", 1 * S);
	assert_int_equal(mmr_rt_baselines_event_as(b, "workload:front", &e, procs, on_dev, NULL), 0);
	assert_true(mmr_rt_baselines_changes(b) > ch0);
	assert_int_equal(mmr_rt_baselines_count(b, "workload:front"), 3);
	assert_int_equal(mmr_rt_baselines_count(b, "image:docker.io/library/nginx"), 0);
	/* "" is the default key */
	assert_int_equal(mmr_rt_baselines_event_as(b, "", &e, procs, on_dev, NULL), 0);
	assert_int_equal(mmr_rt_baselines_count(b, "image:docker.io/library/nginx"), 3);
	assert_int_equal(mmr_rt_baselines_n(b), 2);
	struct mmr_rt_bl_info in;
	assert_int_equal(mmr_rt_baselines_info(b, 0, &in), 0);
	assert_string_equal(in.key, "workload:front");
	assert_string_equal(in.digest, "sha256:aaaa");
	assert_int_equal(in.learned, 3);
	assert_int_equal(in.mode, MMR_RT_BL_LEARN);
	assert_int_equal(mmr_rt_baselines_info(b, 2, &in), -ENOENT);
	/* after the window: monitor; a deny shows in info; the changes counter is still */
	exec_ev(&e, "/usr/sbin/nginx", "root", 12 * S);
	ndevs = 0;
	assert_int_equal(mmr_rt_baselines_event_as(b, "workload:front", &e, procs, on_dev, NULL), 0);
	uint64_t ch1 = mmr_rt_baselines_changes(b);
	assert_int_equal(mmr_rt_baselines_event_as(b, "workload:front", &e, procs, on_dev, NULL), 0);
	assert_int_equal(mmr_rt_baselines_changes(b), ch1);
	assert_int_equal(mmr_rt_baselines_set(b, "workload:front", MMR_RT_BL_EXEC, "/bin/nc", true), 0);
	assert_int_equal(mmr_rt_baselines_info(b, 0, &in), 0);
	assert_int_equal(in.mode, MMR_RT_BL_MONITOR);
	assert_int_equal(in.denied, 1);
	exec_ev(&e, "/usr/bin/wget", "root", 13 * S);
	assert_int_equal(mmr_rt_baselines_event_as(b, "workload:front", &e, procs, on_dev, NULL), 2);
	assert_string_equal(devs[0].workload, "workload:front");
	/* export one */
	struct mmr_buf y;
	mmr_buf_init(&y, 1 << 20);
	assert_int_equal(mmr_rt_baselines_export_yaml_one(b, "workload:front", &y), 0);
	assert_non_null(strstr(y.p, "\"workload:front\""));
	assert_null(strstr(y.p, "image:"));
	assert_int_equal(mmr_rt_baselines_export_yaml_one(b, "workload:none", &y), -ENOENT);
	mmr_buf_release(&y);
	/* reset: learned items go, the deny stays, learning again */
	assert_int_equal(mmr_rt_baselines_reset(b, "workload:front"), 0);
	assert_int_equal(mmr_rt_baselines_reset(b, "workload:none"), -ENOENT);
	assert_int_equal(mmr_rt_baselines_info(b, 0, &in), 0);
	assert_int_equal(in.learned, 0);
	assert_int_equal(in.denied, 1);
	assert_int_equal(in.mode, MMR_RT_BL_LEARN);
	assert_string_equal(in.digest, "");
	mmr_rt_baselines_free(b);

	/* new_mode: a workload first seen is monitored right away */
	o = (struct mmr_rt_baseline_opts){ .new_mode = MMR_RT_BL_PROTECT };
	b = mmr_rt_baselines_new(&o);
	ndevs = 0;
	exec_ev(&e, "/usr/sbin/nginx", "root", 1 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 3);
	assert_int_equal(devs[0].mode, MMR_RT_BL_PROTECT);
	/* set_mode learn restarts the window at the next event */
	assert_int_equal(mmr_rt_baselines_set_mode(b, "image:docker.io/library/nginx", MMR_RT_BL_LEARN), 0);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	mmr_rt_baselines_free(b);
}

/* An exec named by the path the process gave (a busybox applet symlink),
 * also matched by the file it resolved to. */
static void given_exec(struct mmr_rt_event *e, const char *given, const char *resolved, const char *cwd,
		       uint64_t ts)
{
	exec_ev(e, resolved, "root", ts);
	struct mmr_rt_proc *p = proc(resolved, "root");
	mmr_rt_strlcpy(p->cwd, cwd, sizeof(p->cwd));
	assert_int_equal(mmr_rt_event_add_arg(e, "filename", given, 0, false), 0);
}

struct items {
	int n, denied;
	char last[64];
};

static void count_item(void *ud, const char *item, enum mmr_rt_bl_origin o)
{
	struct items *it = ud;
	it->n++;
	it->denied += o == MMR_RT_BL_DENIED;
	snprintf(it->last, sizeof(it->last), "%s", item);
}

static void test_exec_names(void **state)
{
	(void)state;
	const char *wl = "image:docker.io/library/nginx";
	struct mmr_rt_baseline_opts o = { .learn_ns = 10 * S };
	struct mmr_rt_baselines *b = mmr_rt_baselines_new(&o);
	assert_non_null(b);
	struct mmr_rt_event e;
	/* learned under the name given, whatever /proc/PID/exe said */
	given_exec(&e, "/bin/ls", "/bin/busybox", "/", 1 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	struct items it = { 0 };
	assert_int_equal(mmr_rt_baselines_foreach(b, wl, MMR_RT_BL_EXEC, count_item, &it), 1);
	assert_string_equal(it.last, "/bin/ls");
	assert_int_equal(mmr_rt_baselines_foreach(b, "image:nope", MMR_RT_BL_EXEC, count_item, &it), -ENOENT);
	/* monitor: the same exec, also when the exe was read as the name, or
	 * the name was relative to the cwd, is no deviation */
	ndevs = 0;
	given_exec(&e, "/bin/ls", "/bin/ls", "/", 20 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	given_exec(&e, "./ls", "/bin/busybox", "/bin/", 21 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 0);
	/* another applet of the same binary is a deviation named as given */
	given_exec(&e, "/bin/cat", "/bin/busybox", "/", 22 * S);
	assert_int_equal(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL), 2); /* exec + exec_parent */
	assert_int_equal(devs[0].kind, MMR_RT_BL_EXEC);
	assert_string_equal(devs[0].item, "/bin/cat");
	/* allowing the resolved file lets every name of it pass ... */
	assert_int_equal(mmr_rt_baselines_set(b, wl, MMR_RT_BL_EXEC, "/bin/busybox", false), 0);
	ndevs = 0;
	given_exec(&e, "/bin/cat", "/bin/busybox", "/", 23 * S);
	mmr_rt_baselines_event(b, &e, procs, on_dev, NULL);
	for (int i = 0; i < ndevs; i++)
		assert_int_not_equal(devs[i].kind, MMR_RT_BL_EXEC);
	/* ... but a denied name is denied */
	assert_int_equal(mmr_rt_baselines_set(b, wl, MMR_RT_BL_EXEC, "/bin/cat", true), 0);
	ndevs = 0;
	given_exec(&e, "/bin/cat", "/bin/busybox", "/", 24 * S);
	assert_true(mmr_rt_baselines_event(b, &e, procs, on_dev, NULL) >= 1);
	assert_int_equal(devs[0].kind, MMR_RT_BL_EXEC);
	assert_true(devs[0].denied);
	memset(&it, 0, sizeof(it));
	assert_int_equal(mmr_rt_baselines_foreach(b, wl, MMR_RT_BL_EXEC, count_item, &it), 3);
	assert_int_equal(it.denied, 1);
	mmr_rt_baselines_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_names),
		cmocka_unit_test(test_learn_then_monitor),
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_sqlite_and_yaml),
		cmocka_unit_test(test_named_reset_info),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
