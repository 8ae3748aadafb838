/* agent-forensics.c - evidence bundles on serious alerts (`mamori agent
 * --forensics-dir DIR`).
 *
 * The event hook keeps the last N events of every container (and of the
 * host) in a ring per container: at most MAX_RINGS rings (the least
 * recently used one is reused) of N fixed-size entries, so memory is
 * bounded by MAX_RINGS * N * sizeof(struct ring_ev).
 *
 * An alert at or above --forensics-priority (default Critical) about a
 * process writes one bundle with lib/runtime/runtime-forensics.c (the
 * process tree, environment with secrets redacted, fds and sockets,
 * executable hash, container metadata, the container's recent events) and
 * then raises an Informational alert "mamori: forensics bundle written"
 * naming the file. Rate limits: one bundle per process and rule per
 * minute, at most GLOBAL_PER_MIN bundles per minute and --forensics-max
 * per run; what is suppressed is counted in the stats. The bundle is
 * collected in the event loop, right when the alert is raised, so the
 * process is most likely still there. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core-hash.h"
#include "core/core-time.h"
#include "runtime/runtime-alertout.h"
#include "runtime/runtime-rules.h"
#include "runtime/runtime-forensics.h"
#include "src/agent.h"
#include "src/cli.h"

#define MAX_RINGS 32
#define MAX_EVENTS 4096
#define RATE_SLOTS 512
#define RATE_WINDOW_NS (60ull * 1000000000ull)
#define GLOBAL_PER_MIN 10
#define EXE_MAX (64ull * 1024 * 1024)
#define BUNDLE_RULE "mamori: forensics bundle written"

struct ring_ev {
	uint64_t ts, seq;
	int64_t res;
	int32_t pid, ppid;
	uint32_t uid;
	uint16_t type;
	char comm[MMR_RT_COMM_MAX];
	char fd[128];
	char detail[176]; /* exec: the command line; else the arguments */
};

struct ring {
	char id[MMR_RT_CONTAINER_ID_MAX]; /* "" = host */
	bool used;
	uint64_t last_use;
	struct ring_ev *ev;
	size_t head, n;
};


/* Severity 0 (Emergency) .. 7 (Debug) of a Falco priority name, -1 unknown. */
static int prio(const char *s)
{
	enum mmr_rt_priority p;
	return s && mmr_rt_priority_parse(s, &p) == 0 ? (int)p : -1;
}

static struct {
	const char *dir;
	int min_sev;
	size_t nevents;
	unsigned max_bundles;
	struct ring rings[MAX_RINGS];
	struct ring *last;
	uint64_t use_clock;
	struct {
		uint64_t key, ts;
	} rate[RATE_SLOTS];
	uint64_t window_start;
	unsigned window_count;
	bool in_emit;
	uint64_t bundles, failed, rate_limited, capped, no_process, ring_evictions;
} f = { .min_sev = 2, .nevents = 256, .max_bundles = 100 };

static const char usage[] =
	"\n      Forensics bundles:\n"
	"      --forensics-dir DIR  on an alert at or above --forensics-priority about a\n"
	"                         process, write DIR/<time>-<rule>-<pid>.tar (process\n"
	"                         tree, environment with secrets redacted, open files and\n"
	"                         sockets, exe sha256, container, recent events)\n"
	"      --forensics-priority P  (default Critical)\n"
	"      --forensics-events N  recent events kept per container (default 256, max 4096)\n"
	"      --forensics-max N  at most N bundles per run (default 100; also at most\n"
	"                         one per process and rule per minute, 10 per minute)\n";

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int option(int argc, char **argv, int *i, const char *cmd)
{
	const char *a = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	unsigned long v;
	if (!val)
		return 0;
	if (strcmp(a, "--forensics-dir") == 0) {
		if (!val[0]) {
			mmr_cli_usage_error(cmd, "empty --forensics-dir%s", "");
			return -1;
		}
		f.dir = val;
	} else if (strcmp(a, "--forensics-priority") == 0) {
		f.min_sev = prio(val);
		if (f.min_sev < 0) {
			mmr_cli_usage_error(cmd, "unknown --forensics-priority '%s'", val);
			return -1;
		}
	} else if (strcmp(a, "--forensics-events") == 0) {
		if (parse_uint(val, MAX_EVENTS, &v) < 0) {
			mmr_cli_usage_error(cmd, "bad --forensics-events '%s' (1..4096)", val);
			return -1;
		}
		f.nevents = v;
	} else if (strcmp(a, "--forensics-max") == 0) {
		if (parse_uint(val, 1000000, &v) < 0) {
			mmr_cli_usage_error(cmd, "bad --forensics-max '%s' (1..1000000)", val);
			return -1;
		}
		f.max_bundles = (unsigned)v;
	} else {
		return 0;
	}
	(*i)++;
	return 1;
}

static int start(struct mmr_agent *ag)
{
	(void)ag;
	if (!f.dir)
		return 0;
	fprintf(stderr, "mamori agent: forensics bundles at %s for alerts at or above %s\n", f.dir,
		mmr_rt_priority_name((enum mmr_rt_priority)f.min_sev));
	return 0;
}

static struct ring *ring_for(const char *id)
{
	if (f.last && strcmp(f.last->id, id) == 0)
		return f.last;
	struct ring *victim = NULL;
	for (int i = 0; i < MAX_RINGS; i++) {
		struct ring *r = &f.rings[i];
		if (r->used && strcmp(r->id, id) == 0)
			return f.last = r;
		if (!victim || (!r->used && victim->used) || (r->used == victim->used && r->last_use < victim->last_use))
			victim = r;
	}
	if (!victim->ev) {
		victim->ev = calloc(f.nevents, sizeof(*victim->ev));
		if (!victim->ev)
			return NULL;
	}
	if (victim->used)
		f.ring_evictions++;
	victim->used = true;
	victim->head = victim->n = 0;
	mmr_rt_strlcpy(victim->id, id, sizeof(victim->id));
	return f.last = victim;
}

static void event(struct mmr_agent *ag, const struct mmr_rt_event *ev)
{
	(void)ag;
	if (!f.dir)
		return;
	const char *id = ev->container ? ev->container->id : ev->proc ? ev->proc->container_id : "";
	struct ring *r = ring_for(id);
	if (!r)
		return;
	r->last_use = ++f.use_clock;
	struct ring_ev *e = &r->ev[(r->head + r->n) % f.nevents];
	if (r->n < f.nevents)
		r->n++;
	else
		r->head = (r->head + 1) % f.nevents;
	e->ts = ev->ts;
	e->seq = ev->seq;
	e->res = ev->res;
	e->pid = ev->pid;
	e->type = ev->type;
	const struct mmr_rt_proc *p = ev->proc;
	e->ppid = p ? p->ppid : 0;
	e->uid = p ? p->uid : 0;
	mmr_rt_strlcpy(e->comm, p ? p->comm : "", sizeof(e->comm));
	mmr_rt_strlcpy(e->fd, ev->fd.name, sizeof(e->fd));
	size_t o = 0;
	e->detail[0] = 0;
	if (p && (ev->type == MMR_RT_EVT_EXECVE || ev->type == MMR_RT_EVT_EXECVEAT)) {
		size_t len = p->args_len && !p->args[p->args_len - 1] ? p->args_len - 1u : p->args_len;
		for (size_t i = 0; i < len && o + 1 < sizeof(e->detail); i++)
			e->detail[o++] = p->args[i] ? p->args[i] : ' ';
		e->detail[o] = 0;
	} else {
		for (uint32_t i = 0; i < ev->nargs && i < MMR_RT_EVT_ARGS_N && o + 1 < sizeof(e->detail); i++) {
			int w = snprintf(e->detail + o, sizeof(e->detail) - o, "%s%s=%s", o ? " " : "",
					 ev->args[i].name, ev->args[i].value);
			if (w < 0)
				break;
			o += (size_t)w < sizeof(e->detail) - o ? (size_t)w : sizeof(e->detail) - o - 1;
		}
	}
}

/* json_string of bytes that may not be UTF-8 (cut sequences become '?'). */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char b[256];
	size_t i = 0;
	for (; s[i] && i + 1 < sizeof(b); i++)
		b[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	b[i] = 0;
	return json_string(b);
}

static json_t *ring_json(const char *id)
{
	json_t *a = json_array();
	struct ring *r = NULL;
	for (int i = 0; i < MAX_RINGS; i++)
		if (f.rings[i].used && strcmp(f.rings[i].id, id) == 0)
			r = &f.rings[i];
	for (size_t k = 0; r && k < r->n; k++) {
		const struct ring_ev *e = &r->ev[(r->head + k) % f.nevents];
		char t[64];
		mmr_time_iso(e->ts, t, sizeof(t));
		json_t *o = json_object();
		json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
		json_object_set_new(o, "time", json_string(t));
		json_object_set_new(o, "type", json_string(mmr_rt_evt_type_name(e->type)));
		json_object_set_new(o, "pid", json_integer(e->pid));
		json_object_set_new(o, "ppid", json_integer(e->ppid));
		json_object_set_new(o, "uid", json_integer(e->uid));
		json_object_set_new(o, "comm", jstr(e->comm));
		json_object_set_new(o, "res", json_integer((json_int_t)e->res));
		if (e->fd[0])
			json_object_set_new(o, "fd", jstr(e->fd));
		if (e->detail[0])
			json_object_set_new(o, "detail", jstr(e->detail));
		json_array_append_new(a, o);
	}
	return a;
}

/* One bundle per process and rule per minute; GLOBAL_PER_MIN per minute;
 * max_bundles per run. */
static bool allowed(const char *rule, int32_t pid, uint64_t now)
{
	if (f.bundles + f.failed >= f.max_bundles) {
		f.capped++;
		return false;
	}
	if (now - f.window_start >= RATE_WINDOW_NS) {
		f.window_start = now;
		f.window_count = 0;
	}
	if (f.window_count >= GLOBAL_PER_MIN) {
		f.capped++;
		return false;
	}
	char k[600];
	int n = snprintf(k, sizeof(k), "%d\n%s", (int)pid, rule);
	uint64_t key = mmr_hash64(k, n > 0 && (size_t)n < sizeof(k) ? (size_t)n : sizeof(k) - 1) | 1;
	size_t slot = key % RATE_SLOTS;
	if (f.rate[slot].key == key && now - f.rate[slot].ts < RATE_WINDOW_NS) {
		f.rate_limited++;
		return false;
	}
	f.rate[slot].key = key;
	f.rate[slot].ts = now;
	f.window_count++;
	return true;
}

static void alert(struct mmr_agent *ag, const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev,
		  const char *json)
{
	(void)rule;
	if (!f.dir || f.in_emit)
		return;
	json_t *j = json_loads(json, 0, NULL);
	if (!j)
		return;
	int sev = prio(json_string_value(json_object_get(j, "priority")));
	const char *rname = json_string_value(json_object_get(j, "rule"));
	if (sev < 0 || sev > f.min_sev || !rname || strcmp(rname, BUNDLE_RULE) == 0) {
		json_decref(j);
		return;
	}
	int32_t pid = ev ? ev->pid : 0;
	if (pid <= 0) {
		json_t *pj = json_object_get(json_object_get(j, "output_fields"), "proc.pid");
		if (json_is_integer(pj) && json_integer_value(pj) > 0 && json_integer_value(pj) <= INT32_MAX)
			pid = (int32_t)json_integer_value(pj);
	}
	if (pid <= 0) {
		f.no_process++;
		json_decref(j);
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (!allowed(rname, pid, now_ns)) {
		json_decref(j);
		return;
	}
	/* a copy: the table entry may move while we read /proc */
	static struct mmr_rt_proc snap;
	const struct mmr_rt_proc *p = ev && ev->proc && ev->proc->pid == pid ? ev->proc
									      : mmr_rt_proctab_get(ag->host->procs, pid);
	if (p)
		snap = *p;
	const struct mmr_rt_container *c = ev ? ev->container : NULL;
	if (!c && p && p->container_id[0])
		c = mmr_rt_conttab_get(ag->host->conts, p->container_id);
	const char *cid = c ? c->id : p ? p->container_id : "";
	json_t *events = ring_json(cid);
	struct mmr_rt_forensics_req req = {
		.dir = f.dir,
		.proc_root = "/proc",
		.alert_json = json,
		.rule = rname,
		.pid = pid,
		.proc = p ? &snap : NULL,
		.procs = ag->host->procs,
		.container = c,
		.container_id = cid,
		.hostname = ag->hostname,
		.time_ns = ev && ev->ts ? ev->ts : now_ns,
		.events = events,
		.max_exe_bytes = EXE_MAX,
	};
	char path[4200];
	int rc = mmr_rt_forensics_write(&req, path, sizeof(path));
	json_decref(events);
	if (rc < 0) {
		f.failed++;
		fprintf(stderr, "mamori agent: forensics: cannot write a bundle in %s: %s\n", f.dir, strerror(-rc));
		json_decref(j);
		return;
	}
	f.bundles++;
	fprintf(stderr, "mamori agent: forensics bundle %s (rule \"%s\", pid %d)\n", path, rname, (int)pid);
	json_t *fields = json_object();
	json_object_set_new(fields, "forensics.path", jstr(path));
	json_object_set_new(fields, "forensics.rule", jstr(rname));
	json_object_set_new(fields, "proc.pid", json_integer(pid));
	json_t *tags = json_array();
	json_array_append_new(tags, json_string("mamori"));
	json_array_append_new(tags, json_string("forensics"));
	char out[4600];
	snprintf(out, sizeof(out), "Forensics bundle written (path=%s rule=%s pid=%d)", path, rname, (int)pid);
	char *line = mmr_agent_alert_json(ag, BUNDLE_RULE, "Informational", out, fields, tags, ev);
	if (line) {
		f.in_emit = true;
		mmr_agent_emit(ag, ev, line);
		f.in_emit = false;
		free(line);
	}
	json_decref(j);
}

static void stats(struct mmr_agent *ag, json_t *o)
{
	(void)ag;
	if (!f.dir)
		return;
	json_t *s = json_object();
	json_object_set_new(s, "bundles", json_integer((json_int_t)f.bundles));
	json_object_set_new(s, "failed", json_integer((json_int_t)f.failed));
	json_object_set_new(s, "rate_limited", json_integer((json_int_t)f.rate_limited));
	json_object_set_new(s, "capped", json_integer((json_int_t)f.capped));
	json_object_set_new(s, "no_process", json_integer((json_int_t)f.no_process));
	size_t nr = 0;
	for (int i = 0; i < MAX_RINGS; i++)
		nr += f.rings[i].used;
	json_object_set_new(s, "event_rings", json_integer((json_int_t)nr));
	json_object_set_new(s, "ring_evictions", json_integer((json_int_t)f.ring_evictions));
	json_object_set_new(o, "forensics", s);
}

static void stop(struct mmr_agent *ag)
{
	(void)ag;
	for (int i = 0; i < MAX_RINGS; i++) {
		free(f.rings[i].ev);
		f.rings[i].ev = NULL;
		f.rings[i].used = false;
	}
	f.last = NULL;
}

const struct mmr_agent_module mmr_agent_mod_forensics = {
	.name = "forensics",
	.usage = usage,
	.option = option,
	.start = start,
	.event = event,
	.alert = alert,
	.stats = stats,
	.stop = stop,
};
