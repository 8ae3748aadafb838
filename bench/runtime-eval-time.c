/* runtime-eval-time: the rule evaluator alone on a generated event stream.
 * usage: runtime-eval-time RULES.yaml... [-n EVENTS]
 * Prints events/s on one core and the number of alerts. The stream mixes
 * exec (10%), open (50%), connect (10%), dup2/close/other (30%) over 64
 * processes in 4 containers and the host, with realistic paths. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/core-error.h"
#include "runtime/runtime-rules.h"

/* CPU time of this thread: events/s per core stays meaningful when other
 * processes share the machine (wall time would count their slices). */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int count(const struct mmr_rt_rule *r, const struct mmr_rt_event *e, void *ud)
{
	(void)r;
	(void)e;
	(*(uint64_t *)ud)++;
	return 0;
}

int main(int argc, char **argv)
{
	size_t nev = 2000000;
	struct mmr_rt_rules *r = mmr_rt_rules_new(NULL);
	struct mmr_error e = { 0 };
	char buf[1200];
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			char *end;
			nev = strtoul(argv[++i], &end, 10);
			continue;
		}
		if (mmr_rt_rules_load_file(r, argv[i], &e) < 0) {
			fprintf(stderr, "%s\n", mmr_error_format(&e, buf, sizeof(buf)));
			return 1;
		}
		nfiles++;
	}
	if (!nfiles || mmr_rt_rules_compile(r, &e) < 0) {
		fprintf(stderr, "usage: runtime-eval-time RULES.yaml... [-n N] %s\n", e.msg);
		return 1;
	}
	struct mmr_rt_proctab *t = mmr_rt_proctab_new(0);
	struct mmr_rt_conttab *c = mmr_rt_conttab_new(0);
	const char *cids[] = { "", "aaaaaaaaaaaa1111", "bbbbbbbbbbbb2222", "cccccccccccc3333", "dddddddddddd4444" };
	for (int i = 1; i < 5; i++) {
		struct mmr_rt_container *k = mmr_rt_conttab_upsert(c, cids[i]);
		snprintf(k->image_repository, sizeof(k->image_repository), "docker.io/library/app%d", i);
	}
	const char *comms[] = { "nginx", "bash", "python3", "java", "node", "sh", "cat", "curl" };
	const char *paths[] = { "/etc/hosts", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/stat",
				"/var/log/nginx/access.log", "/tmp/x", "/etc/ld.so.cache", "/app/index.js",
				"/etc/passwd", "/dev/null", "/usr/share/zoneinfo/UTC" };
	mmr_rt_strlcpy(mmr_rt_proctab_upsert(t, 1)->comm, "systemd", 16);
	for (int i = 0; i < 64; i++) {
		struct mmr_rt_proc *p = mmr_rt_proctab_upsert(t, 100 + i);
		p->ppid = i ? 100 + i / 2 : 1;
		mmr_rt_strlcpy(p->comm, comms[i % 8], sizeof(p->comm));
		snprintf(p->exepath, sizeof(p->exepath), "/usr/bin/%s", comms[i % 8]);
		const char *av[] = { comms[i % 8], "--flag", "value", "/some/path" };
		mmr_rt_proc_set_argv(p, av, 4);
		mmr_rt_strlcpy(p->container_id, cids[i % 5], sizeof(p->container_id));
		mmr_rt_strlcpy(p->user, "app", sizeof(p->user));
		p->uid = 1000;
		p->start_ts = 1;
	}
	/* pre-build 1024 events, then cycle */
	enum { NPRE = 1024 };
	struct mmr_rt_event *evs = calloc(NPRE, sizeof(*evs));
	uint64_t rnd = 88172645463325252ull;
	for (int i = 0; i < NPRE; i++) {
		struct mmr_rt_event *ev = &evs[i];
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		mmr_rt_event_init(ev);
		ev->seq = (uint64_t)i + 1;
		ev->ts = 1700000000000000000ull + (uint64_t)i;
		struct mmr_rt_proc *p = mmr_rt_proctab_get(t, 100 + (int)(rnd % 64));
		ev->proc = p;
		ev->pid = ev->tid = p->pid;
		ev->container = p->container_id[0] ? mmr_rt_conttab_get(c, p->container_id) : NULL;
		unsigned k = (unsigned)(rnd >> 20) % 10;
		if (k == 0) {
			ev->type = MMR_RT_EVT_EXECVE;
			mmr_rt_event_add_arg(ev, "flags", "0", 0, true);
		} else if (k <= 5) {
			ev->type = MMR_RT_EVT_OPENAT;
			ev->fd.num = 5;
			ev->res = 5;
			ev->fd.typechar = 'f';
			int fl = (rnd >> 30) % 4 == 0 ? O_WRONLY | O_CREAT : O_RDONLY;
			ev->fd.open_flags = (uint32_t)fl;
			mmr_rt_strlcpy(ev->fd.name, paths[(rnd >> 33) % 10], sizeof(ev->fd.name));
			mmr_rt_event_add_arg(ev, "flags", fl == O_RDONLY ? "O_RDONLY" : "O_WRONLY|O_CREAT", fl, true);
		} else if (k == 6) {
			ev->type = MMR_RT_EVT_CONNECT;
			ev->fd.num = 6;
			ev->fd.typechar = '4';
			ev->fd.l4proto = MMR_RT_L4_TCP;
			ev->fd.sip.family = ev->fd.cip.family = AF_INET;
			ev->fd.sip.ip[10] = ev->fd.sip.ip[11] = 0xff;
			ev->fd.sip.ip[12] = 10;
			ev->fd.sip.ip[15] = (uint8_t)rnd;
			ev->fd.sport = 443;
			mmr_rt_strlcpy(ev->fd.name, "10.0.0.2:40000->10.0.0.9:443", sizeof(ev->fd.name));
		} else if (k == 7) {
			ev->type = MMR_RT_EVT_DUP2;
			ev->res = 10;
			ev->fd.typechar = 'p';
		} else {
			ev->type = k == 8 ? MMR_RT_EVT_CLOSE : MMR_RT_EVT_CLONE;
		}
	}
	struct mmr_rt_env env = { .procs = t, .conts = c, .hostname = "bench" };
	uint64_t alerts = 0;
	uint64_t w0 = wall_ns(), t0 = now_ns();
	for (size_t i = 0; i < nev; i++)
		mmr_rt_rules_eval(r, &env, &evs[i % NPRE], count, &alerts);
	uint64_t dt = now_ns() - t0, dw = wall_ns() - w0;
	printf("rules active %zu/%zu, events %zu, alerts %llu, %.3f s cpu, %.0f events/s per core, "
	       "%.0f ns/event (wall %.3f s, %.0f events/s)\n",
	       mmr_rt_rules_active(r), mmr_rt_rules_count(r), nev, (unsigned long long)alerts,
	       (double)dt / 1e9, (double)nev / ((double)dt / 1e9), (double)dt / (double)nev,
	       (double)dw / 1e9, (double)nev / ((double)dw / 1e9));
	free(evs);
	mmr_rt_proctab_free(t);
	mmr_rt_conttab_free(c);
	mmr_rt_rules_free(r);
	return 0;
}
