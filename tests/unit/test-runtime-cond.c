/* test-runtime-cond.c - Falco filter syntax: every operator, precedence,
 * lists, field arguments, evt.type indexing, and bad conditions. */
#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/core-error.h"
#include "runtime/runtime-rules.h"

static struct mmr_rt_proctab *procs;
static struct mmr_rt_env env;
static struct mmr_rt_event ev;

static int setup(void **state)
{
	(void)state;
	procs = mmr_rt_proctab_new(16);
	env.procs = procs;
	struct mmr_rt_proc *p;
	const char *a1[] = { "init", NULL }, *a2[] = { "sshd", "-D", NULL },
		   *a3[] = { "bash", "-c", "cat /etc/Passwd", NULL };
	p = mmr_rt_proctab_upsert(procs, 1);
	mmr_rt_strlcpy(p->comm, "systemd", 16);
	mmr_rt_proc_set_argv(p, a1, 1);
	p = mmr_rt_proctab_upsert(procs, 10);
	p->ppid = 1;
	mmr_rt_strlcpy(p->comm, "sshd", 16);
	mmr_rt_proc_set_argv(p, a2, 2);
	p = mmr_rt_proctab_upsert(procs, 20);
	p->ppid = 10;
	p->uid = 1000;
	mmr_rt_strlcpy(p->comm, "bash", 16);
	mmr_rt_strlcpy(p->exepath, "/usr/bin/bash", sizeof(p->exepath));
	mmr_rt_proc_set_argv(p, a3, 3);
	mmr_rt_event_init(&ev);
	ev.seq = 7;
	ev.type = MMR_RT_EVT_OPENAT;
	ev.proc = p;
	ev.res = 3;
	ev.fd.num = 3;
	ev.fd.typechar = 'f';
	mmr_rt_strlcpy(ev.fd.name, "/etc/ssh/sshd_config", sizeof(ev.fd.name));
	mmr_rt_event_add_arg(&ev, "flags", "O_RDONLY|O_CLOEXEC", O_RDONLY | O_CLOEXEC, true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mmr_rt_proctab_free(procs);
	return 0;
}

/* 1 match, 0 no match, -errno compile failure */
static int eval(const char *cond)
{
	static char y[65536];
	snprintf(y, sizeof(y), "- list: lst\n  items: [sshd, '\"/etc/ssh\"']\n"
			       "- macro: mac\n  condition: proc.name=bash\n"
			       "- rule: T\n  desc: d\n  condition: '%s'\n  output: o\n  priority: INFO\n",
		 cond);
	struct mmr_rt_rules *r = mmr_rt_rules_new(NULL);
	struct mmr_error e = { 0 };
	int rc = mmr_rt_rules_load_buf(r, "c.yaml", y, strlen(y), &e);
	if (rc == 0)
		rc = mmr_rt_rules_compile(r, &e);
	if (rc == 0 && !mmr_rt_rules_find(r, "T")->active)
		rc = -ENOTSUP;
	if (rc == 0)
		rc = mmr_rt_rules_eval(r, &env, &ev, NULL, NULL);
	mmr_rt_rules_free(r);
	return rc;
}

static void operators(void **state)
{
	(void)state;
	assert_int_equal(eval("fd.name = /etc/ssh/sshd_config"), 1);
	assert_int_equal(eval("fd.name == \"/etc/ssh/sshd_config\""), 1);
	assert_int_equal(eval("fd.name != /etc/ssh/sshd_config"), 0);
	assert_int_equal(eval("fd.num < 4 and fd.num <= 3 and fd.num > 2 and fd.num >= 3"), 1);
	assert_int_equal(eval("fd.num > 3"), 0);
	assert_int_equal(eval("proc.name in (zsh, bash)"), 1);
	assert_int_equal(eval("proc.name in (zsh, dash)"), 0);
	assert_int_equal(eval("proc.aname intersects (sshd, cron)"), 1);
	assert_int_equal(eval("fd.name pmatch (/etc/ssh, /usr)"), 1);
	assert_int_equal(eval("fd.name pmatch (/etc/ss)"), 0);
	assert_int_equal(eval("proc.cmdline contains \"cat /etc\""), 1);
	assert_int_equal(eval("proc.cmdline contains \"cat /etc/passwd\""), 0);
	assert_int_equal(eval("proc.cmdline icontains \"CAT /ETC/passwd\""), 1);
	assert_int_equal(eval("fd.name bcontains 2f737368"), 1);  /* "/ssh" */
	assert_int_equal(eval("fd.name bstartswith 2f657463"), 1); /* "/etc" */
	assert_int_equal(eval("fd.name bstartswith 2f757372"), 0);
	assert_int_equal(eval("fd.name startswith /etc/"), 1);
	assert_int_equal(eval("fd.name endswith _config"), 1);
	assert_int_equal(eval("fd.name endswith .conf"), 0);
	assert_int_equal(eval("fd.name glob \"/etc/*/sshd_*\""), 1);
	assert_int_equal(eval("fd.name glob \"/ETC/*\""), 0);
	assert_int_equal(eval("fd.name iglob \"/ETC/*\""), 1);
	assert_int_equal(eval("fd.name regex \"^/etc/[a-z]+/sshd\""), 1);
	assert_int_equal(eval("fd.name regex \"^/usr\""), 0);
	assert_int_equal(eval("proc.pname exists"), 1);
	assert_int_equal(eval("proc.aname[3] exists"), 0);
	assert_int_equal(eval("fd.sip exists"), 0);
}

static void fields_and_args(void **state)
{
	(void)state;
	assert_int_equal(eval("proc.aname[1] = sshd and proc.aname[2] = systemd"), 1);
	assert_int_equal(eval("proc.aname = systemd"), 1); /* any ancestor */
	assert_int_equal(eval("proc.aname = bash"), 0);    /* not itself */
	assert_int_equal(eval("proc.pcmdline = \"sshd -D\""), 1);
	assert_int_equal(eval("proc.args = \"-c cat /etc/Passwd\""), 1);
	assert_int_equal(eval("proc.exe = bash and proc.exepath = /usr/bin/bash"), 1);
	assert_int_equal(eval("evt.arg.flags contains O_CLOEXEC"), 1);
	assert_int_equal(eval("evt.arg[0] contains O_RDONLY"), 1);
	assert_int_equal(eval("evt.rawarg.flags = 524288"), 1);
	assert_int_equal(eval("evt.is_open_read = true and evt.is_open_write = false"), 1);
	assert_int_equal(eval("fd.directory = /etc/ssh and fd.filename = sshd_config"), 1);
	assert_int_equal(eval("fd.typechar = f and fd.type = file"), 1);
	assert_int_equal(eval("user.uid = 1000 and evt.num = 7 and evt.res = SUCCESS"), 1);
	assert_int_equal(eval("container.id = host"), 1);
	assert_int_equal(eval("fd.name startswith (lst)"), -EBADMSG); /* one value */
	assert_int_equal(eval("fd.directory in (lst)"), 1);        /* quoted list item */
	assert_int_equal(eval("proc.pname in (lst)"), 1);
	assert_int_equal(eval("proc.nosuch = 1"), -ENOTSUP);
	assert_int_equal(eval("tolower(proc.name) = bash"), -ENOTSUP);
}

/* The optimiser's and the evaluator's fast paths give the same answers as
 * the plain ones: long lists (hash sets), merged alternatives, pmatch
 * prefix sets, glob literal prefixes, evt.type folding, per-event caches. */
static void fast_paths(void **state)
{
	(void)state;
	/* long in lists go through a hash set: hit first, last, miss, near miss */
	const char *big = "proc.name in (a1, a2, a3, a4, a5, a6, a7, a8, a9, bash)";
	assert_int_equal(eval(big), 1);
	assert_int_equal(eval("proc.name in (bash, a1, a2, a3, a4, a5, a6, a7, a8, a9)"), 1);
	assert_int_equal(eval("proc.name in (a1, a2, a3, a4, a5, a6, a7, a8, a9, bas)"), 0);
	assert_int_equal(eval("proc.name in (a1, a2, a3, a4, a5, a6, a7, a8, a9, bashh)"), 0);
	assert_int_equal(eval("not proc.name in (a1, a2, a3, a4, a5, a6, a7, a8, a9, bash)"), 0);
	assert_int_equal(eval("proc.aname in (a1, a2, a3, a4, a5, a6, a7, a8, a9, systemd)"), 1);
	assert_int_equal(eval("proc.aname in (a1, a2, a3, a4, a5, a6, a7, a8, a9, bash)"), 0);
	/* same-field alternatives merged into one set, under or and under and-not */
	assert_int_equal(eval("proc.name = zsh or proc.name in (dash, ksh) or proc.name = bash"), 1);
	assert_int_equal(eval("proc.name = zsh or fd.num = 9 or proc.name in (dash, ksh)"), 0);
	assert_int_equal(eval("(proc.name = zsh or proc.pname = sshd) or proc.name = ksh"), 1);
	assert_int_equal(eval("not proc.name = zsh and not proc.name in (dash, bash)"), 0);
	assert_int_equal(eval("not proc.name = zsh and not proc.name in (dash, ksh)"), 1);
	assert_int_equal(eval("not proc.name = zsh and not proc.pname in (dash, sshd)"), 0);
	assert_int_equal(eval("proc.aname = x or proc.aname[1] = sshd"), 1); /* not the same field */
	assert_int_equal(eval("proc.aname[2] = sshd or proc.aname[2] = x or proc.aname[2] = y"), 0);
	assert_int_equal(eval("proc.aname[2] = x or proc.aname[1] = sshd"), 1); /* indexes differ */
	assert_int_equal(eval("proc.name in () or proc.name = bash"), 1);
	assert_int_equal(eval("proc.name in () or proc.name = zsh or proc.name in ()"), 0);
	assert_int_equal(eval("not proc.aname[2] = x and not proc.aname[1] = sshd"), 0);
	/* startswith alternatives on one field: one sorted prefix search */
	assert_int_equal(eval("fd.name startswith /usr or fd.name startswith /etc/ssh/ or fd.name startswith /var"), 1);
	assert_int_equal(eval("fd.name startswith /etc/sshd or fd.name startswith /etc/ssh/sshd_config/ "
			      "or fd.name startswith /etc/ssh/sshd_configs"), 0);
	assert_int_equal(eval("fd.name startswith /etc/sshd or fd.name startswith /etc/ssh/sshd_config/ "
			      "or fd.name startswith /etc/ssh/sshd_configs or fd.name startswith /e"), 1);
	assert_int_equal(eval("fd.name startswith /etc/ssh/sshd_config or fd.name startswith /etc/ssh/z"), 1);
	assert_int_equal(eval("fd.name startswith /etc/ssh/a or fd.name startswith /etc/ssh/z"), 0);
	assert_int_equal(eval("fd.name startswith /etc/ssh/a or fd.name startswith /etc/"), 1); /* shorter one */
	assert_int_equal(eval("fd.name startswith /etc/ssh/a or fd.name startswith \"\""), 1);
	assert_int_equal(eval("not fd.name startswith /usr and not fd.name startswith /etc/"), 0);
	assert_int_equal(eval("not fd.name startswith /usr and not fd.name startswith /bin"), 1);
	assert_int_equal(eval("proc.cmdline startswith bash or fd.name startswith /etc/ssh/z"), 1);
	/* pmatch with a prefix set (five or more prefixes) */
	assert_int_equal(eval("fd.name pmatch (/a, /b, /c, /d, /etc/ssh)"), 1);
	assert_int_equal(eval("fd.name pmatch (/a, /b, /c, /d, /etc/ssh/)"), 1);
	assert_int_equal(eval("fd.name pmatch (/a, /b, /c, /d, /etc/ss)"), 0);
	assert_int_equal(eval("fd.name pmatch (/a, /b, /c, /d, /etc/ssh/sshd_config)"), 1);
	assert_int_equal(eval("fd.name pmatch (/a, /b, /c, /d, /etc/ssh/sshd_config/x)"), 0);
	assert_int_equal(eval("fd.name pmatch (/a, /b, /c, /d, /)"), 1);
	assert_int_equal(eval("fd.name pmatch (/a, /b, /c, /d, etc)"), 0);
	/* glob: the literal prefix is checked first, the rest by fnmatch */
	assert_int_equal(eval("fd.name glob \"/etc/ssh/*\""), 1);
	assert_int_equal(eval("fd.name glob \"/etc/ssh/sshd_config\""), 1);
	assert_int_equal(eval("fd.name glob \"/etc/ssh/sshd_config2\""), 0);
	assert_int_equal(eval("fd.name glob \"/etx/*\""), 0);
	assert_int_equal(eval("fd.name glob \"/etc/s\\sh/*\""), 1); /* escaped s */
	assert_int_equal(eval("fd.name glob \"*config\""), 1);
	/* evt.type tests fold per event type (the event is an openat) */
	assert_int_equal(eval("(evt.type = execve and proc.name = bash) or (evt.type = openat and proc.name = bash)"), 1);
	assert_int_equal(eval("(evt.type = execve and proc.name = bash) or (evt.type = openat and proc.name = zsh)"), 0);
	assert_int_equal(eval("evt.type in (open, openat) and not evt.type = openat"), 0);
	assert_int_equal(eval("evt.type != execve and not (evt.type = execve or proc.name = zsh)"), 1);
	assert_int_equal(eval("not not (evt.type = openat and not not proc.name = bash)"), 1);
	/* cached values: the process and its parent's command lines together */
	assert_int_equal(eval("proc.pcmdline = \"sshd -D\" and proc.cmdline = \"bash -c cat /etc/Passwd\" "
			      "and proc.pcmdline = \"sshd -D\" and proc.args = \"-c cat /etc/Passwd\""), 1);
	assert_int_equal(eval("proc.aname[2] = systemd and proc.aname = sshd and proc.aname[1] = sshd "
			      "and proc.aname[3] exists"), 0);
	assert_int_equal(eval("proc.aname[2] = systemd and proc.aname = sshd and proc.pname = sshd"), 1);
	/* a number compared as text (decimal form without printf) */
	assert_int_equal(eval("fd.num startswith 3 and user.uid endswith 000 and evt.rawres contains 3"), 1);
	assert_int_equal(eval("fd.num startswith 4"), 0);
}

static void logic(void **state)
{
	(void)state;
	assert_int_equal(eval("mac"), 1);
	assert_int_equal(eval("not mac"), 0);
	assert_int_equal(eval("not not mac"), 1);
	/* and binds tighter than or */
	assert_int_equal(eval("proc.name = x and proc.name = y or mac"), 1);
	assert_int_equal(eval("proc.name = x and (proc.name = y or mac)"), 0);
	assert_int_equal(eval("(evt.type = openat) and mac"), 1);
	assert_int_equal(eval("evt.type != openat or not mac"), 0);
	assert_int_equal(eval("evt.type in (execve, connect)"), 0);
	assert_int_equal(eval("not evt.type in (execve, connect)"), 1);
	assert_int_equal(eval("(mac"), -EBADMSG);
	assert_int_equal(eval("mac)"), -EBADMSG);
	assert_int_equal(eval("proc.name ="), -EBADMSG);
	assert_int_equal(eval("proc.name in (a, "), -EBADMSG);
	assert_int_equal(eval("fd.name = \"unterminated"), -EBADMSG);
	assert_int_equal(eval("fd.num = abc"), -EBADMSG);
	assert_int_equal(eval("fd.sip = notanip"), -EBADMSG);
	assert_int_equal(eval("fd.name regex \"(\""), -EBADMSG);
	assert_int_equal(eval("fd.name bcontains zz"), -EBADMSG);
	assert_int_equal(eval("undefined_macro_x"), -ENOENT);
}

static void networks(void **state)
{
	(void)state;
	struct mmr_rt_event save = ev;
	ev.type = MMR_RT_EVT_CONNECT;
	ev.fd.typechar = '4';
	ev.fd.l4proto = MMR_RT_L4_TCP;
	ev.fd.cip.family = ev.fd.sip.family = AF_INET;
	uint8_t c[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 };
	uint8_t s[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 169, 254, 169, 254 };
	memcpy(ev.fd.cip.ip, c, 16);
	memcpy(ev.fd.sip.ip, s, 16);
	ev.fd.cport = 5000;
	ev.fd.sport = 80;
	assert_int_equal(eval("fd.sip = 169.254.169.254"), 1);
	assert_int_equal(eval("fd.sip = \"169.254.169.253\""), 0);
	assert_int_equal(eval("fd.snet in (\"169.254.0.0/16\")"), 1);
	assert_int_equal(eval("fd.net = \"10.0.0.0/8\""), 1); /* client side */
	assert_int_equal(eval("fd.cnet = \"192.168.0.0/16\""), 0);
	assert_int_equal(eval("fd.ip = 10.1.2.3"), 1);
	assert_int_equal(eval("fd.sport = 80 and fd.cport = 5000 and fd.lport = 5000 and fd.rport = 80"), 1);
	assert_int_equal(eval("fd.port = 5000"), 1);
	assert_int_equal(eval("fd.l4proto = tcp and fd.type = ipv4"), 1);
	ev = save;
}

static void limits(void **state)
{
	(void)state;
	/* deep nesting and long not-chains are refused, not a stack overflow */
	char big[40000];
	size_t o = 0;
	for (int i = 0; i < 5000; i++)
		big[o++] = '(';
	big[o] = '\0';
	assert_int_equal(eval(big), -E2BIG);
	o = 0;
	for (int i = 0; i < 5000; i++) {
		memcpy(big + o, "not ", 4);
		o += 4;
	}
	memcpy(big + o, "mac", 4);
	assert_int_equal(eval(big), -E2BIG);
	/* macro nesting beyond max_depth */
	struct mmr_rt_rules_limits lim = { .max_depth = 3 };
	struct mmr_rt_rules *r = mmr_rt_rules_new(&lim);
	const char *y = "- macro: a\n  condition: b\n- macro: b\n  condition: c\n- macro: c\n  condition: d\n"
			"- macro: d\n  condition: proc.name=x\n"
			"- rule: T\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n";
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_rt_rules_load_buf(r, "l.yaml", y, strlen(y), &e), 0);
	assert_int_equal(mmr_rt_rules_compile(r, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "nested too deeply"));
	mmr_rt_rules_free(r);
	/* list size limit */
	struct mmr_rt_rules_limits lim2 = { .max_list_items = 2 };
	r = mmr_rt_rules_new(&lim2);
	y = "- list: a\n  items: [x, y, z]\n";
	assert_int_equal(mmr_rt_rules_load_buf(r, "l.yaml", y, strlen(y), &e), -E2BIG);
	assert_int_equal(e.line, 2);
	mmr_rt_rules_free(r);
}

static void proctab_bounded(void **state)
{
	(void)state;
	struct mmr_rt_proctab *t = mmr_rt_proctab_new(4);
	for (int i = 1; i <= 10; i++)
		assert_non_null(mmr_rt_proctab_upsert(t, i));
	assert_int_equal(mmr_rt_proctab_count(t), 4);
	assert_null(mmr_rt_proctab_get(t, 1));
	assert_non_null(mmr_rt_proctab_get(t, 10));
	assert_true(mmr_rt_proctab_remove(t, 10));
	assert_null(mmr_rt_proctab_get(t, 10));
	assert_non_null(mmr_rt_proctab_get(t, 9));
	/* a parent cycle ends the walk */
	struct mmr_rt_proc *a = mmr_rt_proctab_upsert(t, 100), *b = mmr_rt_proctab_upsert(t, 101);
	a->ppid = 101;
	b->ppid = 100;
	assert_non_null(mmr_rt_proc_ancestor(t, a, MMR_RT_ANCESTRY_MAX));
	assert_null(mmr_rt_proc_ancestor(t, a, MMR_RT_ANCESTRY_MAX + 1));
	mmr_rt_proctab_free(t);
	/* argv truncation */
	struct mmr_rt_proc p = { 0 };
	char longarg[5000];
	memset(longarg, 'a', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = '\0';
	const char *argv[100];
	for (int i = 0; i < 100; i++)
		argv[i] = i == 1 ? longarg : "x";
	mmr_rt_proc_set_argv(&p, argv, 100);
	assert_true(p.args_len <= MMR_RT_ARGS_MAX);
	assert_true(p.argc <= MMR_RT_ARGV_MAX);
	mmr_rt_proc_set_cmdline(&p, "ls\0-l\0/tmp\0", 11);
	assert_int_equal(p.argc, 3);
	assert_string_equal(p.args + 3, "-l");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(operators),     cmocka_unit_test(fields_and_args),
		cmocka_unit_test(fast_paths),
		cmocka_unit_test(logic),         cmocka_unit_test(networks),
		cmocka_unit_test(limits),        cmocka_unit_test(proctab_bounded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
