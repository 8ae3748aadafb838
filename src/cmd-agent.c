/* cmd-agent.c - `mamori agent`: run the runtime sensor and print what it sees.
 *
 *   mamori agent [--rules FILE...] [--no-default-rules] [--output FILE]
 *                [--duration SECONDS] [--events TYPE,...] [--open-all]
 *                [--print-events] [--no-ebpf] [--no-container-metadata]
 *
 * Compiles the built-in rules (rules/runtime, embedded) plus every --rules
 * file once, lists the rules skipped for unsupported fields on stderr,
 * loads the eBPF sensor (or the proc-connector fallback, naming the
 * coverage lost) with the in-kernel type mask set to what the rules need
 * (plus exec/fork/exit for the process table), seeds the process table
 * from /proc, evaluates every event and prints one Falco alert JSON line
 * per match. --print-events prints every event instead (no rules). Stats
 * (events, drops per CPU, matches per rule, CPU time, RSS) go to stderr as
 * one JSON line on SIGUSR1 and at exit. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/core-error.h"
#include "core/core-log.h"
#include "core/core-time.h"
#include "runtime/runtime-event.h"
#include "runtime/runtime-proc.h"
#include "runtime/runtime-rules.h"
#include "runtime/runtime-sensor.h"
#include "src/agent.h"
#include "src/cli.h"

/* the modules of src/agent-modules.def, in order, NULL-terminated */
static const struct mmr_agent_module *const modules[] = {
#define MMR_AGENT_MODULE(name) &mmr_agent_mod_##name,
#define MMR_AGENT_SUBCMD(name, fn, summary)
#include "src/agent-modules.def"
#undef MMR_AGENT_MODULE
#undef MMR_AGENT_SUBCMD
	NULL
};

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, const char *cmd);
	const char *summary;
} subcmds[] = {
#define MMR_AGENT_MODULE(name)
#define MMR_AGENT_SUBCMD(name, fn, summary) { name, fn, summary },
#include "src/agent-modules.def"
#undef MMR_AGENT_MODULE
#undef MMR_AGENT_SUBCMD
	{ NULL, NULL, NULL }
};

#define EACH_MODULE(m) for (const struct mmr_agent_module *const *m = modules; *m; m++)

static const char usage_agent[] =
	"usage: mamori agent [--rules FILE...] [--output FILE] [--duration SECONDS]\n"
	"       mamori agent SUBCOMMAND ... (see below)\n"
	"\n"
	"Watch this host's processes, files and connections with the eBPF sensor,\n"
	"evaluate Falco-compatible rules on every event and print one Falco alert\n"
	"JSON line per match (stdout, or --output FILE). Without eBPF the agent falls\n"
	"back to the proc connector (exec, fork, exit) plus fanotify (file writes,\n"
	"creations, deletions, renames) and says which coverage is lost. Needs root.\n"
	"\n"
	"      --rules FILE       Falco-compatible rule file, loaded after the built-in\n"
	"                         rules (repeatable; later files append/override)\n"
	"      --no-default-rules do not load the built-in rules (rules/runtime)\n"
	"      --print-events     print every event as a JSON line instead of alerts\n"
	"      --output FILE      write JSON lines to FILE instead of stdout\n"
	"      --duration S       stop after S seconds (default: until SIGINT/SIGTERM)\n"
	"      --events T,...     only these event types (exec, fork, exit, open,\n"
	"                         unlink, rename, chmod, chown, link, symlink, mkdir,\n"
	"                         connect, accept, listen, bind, setuid, setgid,\n"
	"                         capset, ptrace, module, mount, unshare, setns, bpf,\n"
	"                         memfd_create, dup, close, dns, socket, userfaultfd)\n"
	"      --open-all         report every open, not only writes and sensitive files\n"
	"      --no-ebpf          use the proc-connector fallback\n"
	"      --no-container-metadata  do not ask podman for container metadata\n"
	"      --dry-run          enforcement only reports what it would have done\n";
static const char usage_agent_tail[] =
	"\n"
	"SIGUSR1 prints stats (events, drops per CPU, CPU time, RSS) to stderr.\n";

static void print_usage(void)
{
	fputs(usage_agent, stdout);
	EACH_MODULE(m)
		if ((*m)->usage)
			fputs((*m)->usage, stdout);
	fputs("\nSubcommands (each has --help):\n", stdout);
	for (size_t i = 0; subcmds[i].name; i++)
		printf("  %-10s %s\n", subcmds[i].name, subcmds[i].summary);
	fputs(usage_agent_tail, stdout);
}

static volatile sig_atomic_t stop_flag, stats_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	stats_flag = 1;
}

struct agent {
	struct mmr_agent ag;        /* what the modules see */
	struct mmr_rt_host host;
	struct mmr_rt_event ev;
	FILE *out;
	struct mmr_rt_rules *rules; /* NULL: print events */
	struct mmr_rt_env env;
	uint64_t *rule_matches;     /* per rule index */
	char hostname[256];
	uint64_t events, decode_errors, matches, alert_errors, emitted;
	uint64_t per_type[MMR_RT_EVT__COUNT];
	int write_error;
};

static json_t *argv_json(const struct mmr_rt_proc *p)
{
	json_t *a = json_array();
	size_t off = 0;
	for (unsigned i = 0; i < p->argc && off < p->args_len; i++) {
		json_array_append_new(a, json_string(p->args + off));
		off += strlen(p->args + off) + 1;
	}
	return a;
}

static json_t *event_json(const struct mmr_rt_event *ev)
{
	char ts[64];
	mmr_time_iso(ev->ts, ts, sizeof(ts));
	json_t *o = json_object();
	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "type", json_string(mmr_rt_evt_type_name(ev->type)));
	json_object_set_new(o, "pid", json_integer(ev->pid));
	json_object_set_new(o, "tid", json_integer(ev->tid));
	json_object_set_new(o, "res", json_integer(ev->res));
	const struct mmr_rt_proc *p = ev->proc;
	if (p) {
		json_object_set_new(o, "ppid", json_integer(p->ppid));
		json_object_set_new(o, "comm", json_string(p->comm));
		json_object_set_new(o, "exepath", json_string(p->exepath));
		json_object_set_new(o, "argv", argv_json(p));
		json_object_set_new(o, "cwd", json_string(p->cwd));
		json_object_set_new(o, "uid", json_integer(p->uid));
		json_object_set_new(o, "euid", json_integer(p->euid));
		json_object_set_new(o, "gid", json_integer(p->gid));
		json_object_set_new(o, "loginuid", json_integer((int32_t)p->loginuid));
		json_object_set_new(o, "user", json_string(p->user));
		json_object_set_new(o, "tty", json_integer(p->tty));
		if (p->flags & MMR_RT_PROC_EXE_FROM_MEMFD)
			json_object_set_new(o, "exe_from_memfd", json_true());
	}
	if (ev->fd.num >= 0 || ev->fd.name[0]) {
		json_t *fd = json_object();
		json_object_set_new(fd, "num", json_integer(ev->fd.num));
		char tc[2] = { ev->fd.typechar, 0 };
		json_object_set_new(fd, "type", json_string(tc));
		json_object_set_new(fd, "name", json_string(ev->fd.name));
		if (ev->fd.typechar == '4' || ev->fd.typechar == '6') {
			static const char *const l4[] = { "", "tcp", "udp", "icmp", "raw" };
			json_object_set_new(fd, "l4proto", json_string(ev->fd.l4proto < 5 ? l4[ev->fd.l4proto] : ""));
		}
		json_object_set_new(o, "fd", fd);
	}
	json_t *args = json_object();
	for (uint32_t i = 0; i < ev->nargs && i < MMR_RT_EVT_ARGS_N; i++)
		json_object_set_new(args, ev->args[i].name, json_string(ev->args[i].value));
	json_object_set_new(o, "args", args);
	if (ev->container) {
		const struct mmr_rt_container *c = ev->container;
		json_t *cj = json_object();
		json_object_set_new(cj, "id", json_string(c->id));
		json_object_set_new(cj, "name", json_string(c->name));
		json_object_set_new(cj, "image", json_string(c->image));
		json_object_set_new(cj, "image_digest", json_string(c->image_digest));
		json_object_set_new(cj, "runtime", json_string(c->runtime));
		json_object_set_new(cj, "privileged", json_boolean(c->privileged));
		json_object_set_new(o, "container", cj);
	} else {
		json_object_set_new(o, "container", json_null());
	}
	return o;
}

static struct agent *the_agent; /* mmr_agent_emit() finds the loop's state here */

static void write_alert(struct agent *a, const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev,
			const char *json)
{
	if (fputs(json, a->out) == EOF || fputc('\n', a->out) == EOF)
		a->write_error = errno ? errno : EIO;
	EACH_MODULE(m)
		if ((*m)->alert)
			(*m)->alert(&a->ag, rule, ev, json);
}

void mmr_agent_emit(struct mmr_agent *ag, const struct mmr_rt_event *ev, const char *json)
{
	struct agent *a = the_agent;
	if (!a || ag != &a->ag || !json)
		return;
	a->emitted++;
	write_alert(a, NULL, ev, json);
}

char *mmr_agent_alert_json(const struct mmr_agent *ag, const char *rule, const char *priority,
			   const char *output, json_t *fields, json_t *tags, const struct mmr_rt_event *ev)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t ts = ev && ev->ts ? ev->ts : (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	char iso[64], text[4096];
	mmr_time_iso(ts, iso, sizeof(iso));
	/* Falco's "HH:MM:SS.nnnnnnnnn: Priority output" */
	snprintf(text, sizeof(text), "%.18s: %s %s", iso + 11, priority, output ? output : "");
	if (!fields)
		fields = json_object();
	if (!tags)
		tags = json_array();
	json_t *j = json_object();
	if (!j || !fields || !tags) {
		json_decref(j);
		json_decref(fields);
		json_decref(tags);
		return NULL;
	}
	json_object_set_new(fields, "evt.time", json_integer((json_int_t)ts));
	if (ev && ev->proc) {
		const struct mmr_rt_proc *p = ev->proc;
		if (!json_object_get(fields, "proc.pid"))
			json_object_set_new(fields, "proc.pid", json_integer(ev->pid));
		if (!json_object_get(fields, "proc.name"))
			json_object_set_new(fields, "proc.name", json_string(p->comm));
		if (!json_object_get(fields, "proc.exepath"))
			json_object_set_new(fields, "proc.exepath", json_string(p->exepath));
		if (!json_object_get(fields, "user.name"))
			json_object_set_new(fields, "user.name", json_string(p->user));
	}
	const struct mmr_rt_container *c = ev ? ev->container : NULL;
	/* as the rule fields render them: the 12-character id, and the full one */
	json_object_set_new(fields, "container.id", c ? json_stringn(c->id, strnlen(c->id, 12)) : json_string("host"));
	json_object_set_new(fields, "container.full_id", c ? json_string(c->id) : json_string("host"));
	json_object_set_new(fields, "container.name", c ? json_string(c->name) : json_string("host"));
	json_object_set_new(fields, "container.image.repository", c ? json_string(c->image) : json_null());
	json_object_set_new(j, "hostname", json_string(ag && ag->hostname ? ag->hostname : ""));
	json_object_set_new(j, "output", json_string(text));
	json_object_set_new(j, "output_fields", fields);
	json_object_set_new(j, "priority", json_string(priority));
	json_object_set_new(j, "rule", json_string(rule));
	json_object_set_new(j, "source", json_string("mamori"));
	json_object_set_new(j, "tags", tags);
	json_object_set_new(j, "time", json_string(iso));
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return s;
}

static int on_match(const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev, void *ud)
{
	struct agent *a = ud;
	a->matches++;
	if (rule->index < mmr_rt_rules_count(a->rules))
		a->rule_matches[rule->index]++;
	char *s = mmr_rt_output_json(a->rules, rule, &a->env, ev);
	if (!s) {
		a->alert_errors++;
		return 0;
	}
	write_alert(a, rule, ev, s);
	free(s);
	return 0;
}

static int on_record(void *ctx, const void *rec, size_t len)
{
	struct agent *a = ctx;
	int rc = mmr_rt_host_decode(&a->host, rec, len, &a->ev);
	if (rc < 0) {
		a->decode_errors++;
		return rc == -ENOMEM ? rc : 0;
	}
	a->events++;
	if (a->ev.type < MMR_RT_EVT__COUNT)
		a->per_type[a->ev.type]++;
	a->ag.now_ns = a->ev.ts;
	EACH_MODULE(m)
		if ((*m)->event)
			(*m)->event(&a->ag, &a->ev);
	if (a->rules) {
		a->env.now = a->ev.ts;
		rc = mmr_rt_rules_eval(a->rules, &a->env, &a->ev, on_match, a);
		return rc < 0 && rc != -EINVAL ? rc : 0;
	}
	json_t *o = event_json(&a->ev);
	if (!o)
		return -ENOMEM;
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	if (fputs(s, a->out) == EOF || fputc('\n', a->out) == EOF)
		a->write_error = errno ? errno : EIO;
	free(s);
	return 0;
}

static uint64_t rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return 0;
	char line[256];
	uint64_t v = 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0) {
			v = strtoull(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void print_stats(struct agent *a, struct mmr_rt_sensor *s, double elapsed)
{
	uint64_t percpu[256];
	unsigned ncpu = 0;
	int64_t drops = mmr_rt_sensor_drops(s, percpu, 256, &ncpu);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	json_t *o = json_object();
	json_object_set_new(o, "sensor", json_string(mmr_rt_sensor_kind_name(mmr_rt_sensor_kind(s))));
	json_object_set_new(o, "events", json_integer((json_int_t)a->events));
	json_object_set_new(o, "records", json_integer((json_int_t)a->host.records));
	json_object_set_new(o, "decode_errors", json_integer((json_int_t)a->decode_errors));
	json_object_set_new(o, "drops", json_integer(drops > 0 ? drops : 0));
	json_t *pc = json_array();
	for (unsigned i = 0; i < ncpu; i++)
		json_array_append_new(pc, json_integer((json_int_t)percpu[i]));
	json_object_set_new(o, "drops_per_cpu", pc);
	json_object_set_new(o, "matches", json_integer((json_int_t)a->matches));
	if (a->rules) {
		json_t *pr = json_object();
		for (size_t i = 0; i < mmr_rt_rules_count(a->rules); i++)
			if (a->rule_matches[i])
				json_object_set_new(pr, mmr_rt_rules_get(a->rules, i)->name,
						    json_integer((json_int_t)a->rule_matches[i]));
		json_object_set_new(o, "matches_by_rule", pr);
		json_object_set_new(o, "rules_active", json_integer((json_int_t)mmr_rt_rules_active(a->rules)));
		json_object_set_new(o, "alert_errors", json_integer((json_int_t)a->alert_errors));
	}
	json_object_set_new(o, "cpu_seconds", json_real(cpu));
	json_object_set_new(o, "elapsed_seconds", json_real(elapsed));
	json_object_set_new(o, "events_per_second", json_real(elapsed > 0 ? (double)a->events / elapsed : 0));
	json_object_set_new(o, "rss_kib", json_integer((json_int_t)rss_kib()));
	json_object_set_new(o, "processes", json_integer((json_int_t)mmr_rt_proctab_count(a->host.procs)));
	json_t *bt = json_object();
	for (unsigned i = 0; i < MMR_RT_EVT__COUNT; i++)
		if (a->per_type[i])
			json_object_set_new(bt, mmr_rt_evt_type_name(i), json_integer((json_int_t)a->per_type[i]));
	json_object_set_new(o, "by_type", bt);
	json_object_set_new(o, "module_alerts", json_integer((json_int_t)a->emitted));
	EACH_MODULE(m)
		if ((*m)->stats)
			(*m)->stats(&a->ag, o);
	char *str = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (str) {
		fprintf(stderr, "mamori agent: stats %s\n", str);
		free(str);
	}
}

static void log_sink(enum mmr_log_level level, const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "mamori agent: %s: %s\n", mmr_log_level_name(level), msg);
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Compile the built-in rules (unless !builtin) and files; list the
 * skipped rules; narrow *mask to the sensor types the rules need (plus
 * exec/fork/exit, which keep the process table). -errno after printing. */
static int load_rules(struct agent *a, bool builtin, const char *const *files, int nfiles,
		      uint64_t *mask)
{
	struct mmr_error e = { 0 };
	char msg[1200];
	int rc = 0;
	a->rules = mmr_rt_rules_new(NULL);
	if (!a->rules)
		return -ENOMEM;
	for (size_t i = 0; builtin && i < mmr_rt_builtin_rules_n && rc >= 0; i++)
		rc = mmr_rt_rules_load_buf(a->rules, mmr_rt_builtin_rules[i].name, mmr_rt_builtin_rules[i].data,
					   mmr_rt_builtin_rules[i].len, &e);
	for (int i = 0; i < nfiles && rc >= 0; i++)
		rc = mmr_rt_rules_load_file(a->rules, files[i], &e);
	if (rc >= 0)
		rc = mmr_rt_rules_compile(a->rules, &e);
	if (rc < 0) {
		fprintf(stderr, "mamori agent: rules: %s\n",
			e.msg[0] ? mmr_error_format(&e, msg, sizeof(msg)) : strerror(-rc));
		return rc;
	}
	size_t nskip = 0;
	const struct mmr_rt_skipped *sk = mmr_rt_rules_skipped(a->rules, &nskip);
	for (size_t i = 0; i < nskip; i++)
		fprintf(stderr, "mamori agent: rule skipped: %s: %s%s%s\n", sk[i].rule,
			sk[i].field ? "field " : "", sk[i].field ? sk[i].field : "",
			sk[i].field ? "" : sk[i].reason);
	size_t n = mmr_rt_rules_count(a->rules);
	a->rule_matches = calloc(n + 1, sizeof(*a->rule_matches));
	if (!a->rule_matches)
		return -ENOMEM;
	uint64_t need = (1ULL << MMR_SENSOR_EXEC) | (1ULL << MMR_SENSOR_FORK) | (1ULL << MMR_SENSOR_EXIT);
	char unseen[1024] = "";
	size_t off = 0;
	for (unsigned t = 1; t < MMR_RT_EVT__COUNT; t++) {
		if (!mmr_rt_rules_needs_type(a->rules, t))
			continue;
		uint64_t m = mmr_rt_sensor_mask_for_evt(t);
		need |= m;
		if (!m) {
			int w = snprintf(unseen + off, sizeof(unseen) - off, "%s%s", off ? ", " : "",
					 mmr_rt_evt_type_name(t));
			if (w > 0 && (size_t)w < sizeof(unseen) - off)
				off += (size_t)w;
		}
	}
	*mask = *mask ? *mask & need : need;
	char tl[1024] = "";
	off = 0;
	for (unsigned t = 1; t < MMR_SENSOR_TYPE_MAX; t++)
		if (*mask >> t & 1) {
			int w = snprintf(tl + off, sizeof(tl) - off, "%s%s", off ? "," : "", mmr_rt_sensor_type_name(t));
			if (w > 0 && (size_t)w < sizeof(tl) - off)
				off += (size_t)w;
		}
	fprintf(stderr, "mamori agent: %zu rules, %zu active, %zu skipped; sensor events: %s\n", n,
		mmr_rt_rules_active(a->rules), nskip, tl);
	if (unseen[0])
		fprintf(stderr, "mamori agent: the sensor does not produce these event types the rules use: %s\n",
			unseen);
	if (gethostname(a->hostname, sizeof(a->hostname) - 1) < 0)
		a->hostname[0] = 0;
	return 0;
}

int mmr_cli_agent(int argc, char **argv, const char *cmd)
{
	for (size_t i = 0; argc > 1 && subcmds[i].name; i++)
		if (strcmp(argv[1], subcmds[i].name) == 0)
			return subcmds[i].fn(argc - 1, argv + 1, cmd);
	bool dry_run = false;
	const char *output = NULL;
	double duration = 0;
	struct mmr_rt_sensor_opts so = { 0 };
	bool no_meta = false, print_events = false, default_rules = true;
	const char *rule_files[64];
	int nrules = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_usage();
			return EXIT_OK;
		} else if (strcmp(a, "--output") == 0 && val) {
			output = val;
			i++;
		} else if (strcmp(a, "--rules") == 0 && val) {
			if (access(val, R_OK) != 0)
				return mmr_cli_usage_error(cmd, "cannot read rule file '%s'", val);
			if (nrules >= (int)(sizeof(rule_files) / sizeof(rule_files[0])))
				return mmr_cli_usage_error(cmd, "too many --rules files (max 64): '%s'", val);
			rule_files[nrules++] = val;
			i++;
		} else if (strcmp(a, "--duration") == 0 && val) {
			char *end;
			errno = 0;
			duration = strtod(val, &end);
			if (errno || end == val || *end || duration <= 0 || duration > 1e9)
				return mmr_cli_usage_error(cmd, "bad --duration '%s' (seconds > 0)", val);
			i++;
		} else if (strcmp(a, "--events") == 0 && val) {
			char buf[1024];
			snprintf(buf, sizeof(buf), "%s", val);
			char *save = NULL;
			for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				unsigned ty = mmr_rt_sensor_type_from_name(t);
				if (!ty)
					return mmr_cli_usage_error(cmd, "unknown event type '%s'", t);
				so.type_mask |= 1ULL << ty;
			}
			i++;
		} else if (strcmp(a, "--open-all") == 0) {
			so.open_all = true;
		} else if (strcmp(a, "--print-events") == 0) {
			print_events = true;
		} else if (strcmp(a, "--no-default-rules") == 0) {
			default_rules = false;
		} else if (strcmp(a, "--no-ebpf") == 0) {
			so.no_ebpf = true;
		} else if (strcmp(a, "--no-container-metadata") == 0) {
			no_meta = true;
		} else if (strcmp(a, "--dry-run") == 0) {
			dry_run = true;
		} else {
			int took = 0;
			EACH_MODULE(m)
				if (!took && (*m)->option)
					took = (*m)->option(argc, argv, &i, cmd);
			if (took < 0)
				return EXIT_USAGE;
			if (!took)
				return mmr_cli_usage_error(cmd, "unknown argument '%s'", a);
		}
	}
	mmr_log_set_sink(log_sink, NULL);
	if (print_events && nrules)
		return mmr_cli_usage_error(cmd, "%s prints events, not alerts: drop --rules", "--print-events");
	if (!print_events && !default_rules && !nrules)
		return mmr_cli_usage_error(cmd, "%s needs --rules FILE", "--no-default-rules");

	static struct agent a; /* large (event + tables): not on the stack */
	memset(&a, 0, sizeof(a));
	a.out = stdout;
	the_agent = &a;
	if (!print_events) {
		int rc = load_rules(&a, default_rules, rule_files, nrules, &so.type_mask);
		if (rc < 0) {
			mmr_rt_rules_free(a.rules);
			free(a.rule_matches);
			return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		}
	}
	if (output) {
		a.out = fopen(output, "we");
		if (!a.out) {
			fprintf(stderr, "mamori agent: %s: %s\n", output, strerror(errno));
			return EXIT_USAGE;
		}
	}
	int ret = EXIT_INTERNAL;
	bool started = false;
	struct mmr_rt_sensor *s = NULL;
	if (mmr_rt_host_init(&a.host, 0) < 0) {
		fprintf(stderr, "mamori agent: out of memory\n");
		goto out;
	}
	a.host.resolve_containers = !no_meta;
	a.env.procs = a.host.procs;
	a.env.conts = a.host.conts;
	a.env.hostname = a.hostname;
	if (!a.hostname[0] && gethostname(a.hostname, sizeof(a.hostname) - 1) < 0)
		a.hostname[0] = 0;
	a.ag = (struct mmr_agent){ .host = &a.host, .rules = a.rules, .env = &a.env, .sensor_opts = &so,
				   .hostname = a.hostname, .out = a.out, .dry_run = dry_run };
	int seeded = mmr_rt_proc_seed(&a.host);
	started = true;
	EACH_MODULE(m)
		if ((*m)->start && (*m)->start(&a.ag) < 0)
			goto out;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char why[512] = "";
	int rc = mmr_rt_sensor_open(&so, on_record, &a, &s, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "mamori agent: no event source: %s%s%s\n", strerror(-rc), why[0] ? ": " : "",
			why);
		goto out;
	}
	a.ag.sensor = s;
	EACH_MODULE(m)
		if ((*m)->ready && (*m)->ready(&a.ag) < 0)
			goto out;
	enum mmr_rt_sensor_kind kind = mmr_rt_sensor_kind(s);
	uint64_t cov = mmr_rt_sensor_coverage(s);
	uint64_t want = so.type_mask ? so.type_mask : ~0ULL;
	char lost[1024] = "";
	size_t off = 0;
	for (unsigned t = 1; t < MMR_SENSOR_TYPE_MAX; t++)
		if ((want >> t & 1) && !(cov >> t & 1)) {
			int w = snprintf(lost + off, sizeof(lost) - off, "%s%s", off ? ", " : "",
					 mmr_rt_sensor_type_name(t));
			if (w > 0 && (size_t)w < sizeof(lost) - off)
				off += (size_t)w;
		}
	fprintf(stderr, "mamori agent: sensor %s; %d processes seeded from /proc\n",
		mmr_rt_sensor_kind_name(kind), seeded);
	if (kind != MMR_RT_SENSOR_EBPF)
		fprintf(stderr, "mamori agent: %s\n", why);
	if (lost[0])
		fprintf(stderr, "mamori agent: coverage lost: %s%s%s%s\n", lost,
			kind == MMR_RT_SENSOR_PROC_CONNECTOR ? " (" : "",
			kind == MMR_RT_SENSOR_PROC_CONNECTOR ? mmr_rt_sensor_fallback_note(s) : "",
			kind == MMR_RT_SENSOR_PROC_CONNECTOR ? ")" : "");
	fprintf(stderr, "mamori agent: ready\n");

	double t0 = mono_now();
	ret = EXIT_OK;
	while (!stop_flag) {
		int timeout = 200;
		if (duration > 0) {
			double left = duration - (mono_now() - t0);
			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		int n = mmr_rt_sensor_poll(s, timeout);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "mamori agent: polling the sensor: %s\n", strerror(-n));
			ret = EXIT_INTERNAL;
			break;
		}
		if (a.write_error) {
			fprintf(stderr, "mamori agent: writing events: %s\n", strerror(a.write_error));
			ret = EXIT_INTERNAL;
			break;
		}
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		a.ag.now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
		EACH_MODULE(m)
			if ((*m)->tick)
				(*m)->tick(&a.ag);
		if (stats_flag) {
			stats_flag = 0;
			fflush(a.out);
			print_stats(&a, s, mono_now() - t0);
		}
		if (n > 0 && a.out != stdout)
			continue;
		fflush(a.out);
	}
	/* what is already queued still goes out */
	mmr_rt_sensor_poll(s, 0);
	EACH_MODULE(m)
		if ((*m)->tick)
			(*m)->tick(&a.ag);
	EACH_MODULE(m)
		if ((*m)->finish)
			(*m)->finish(&a.ag);
	fflush(a.out);
	print_stats(&a, s, mono_now() - t0);
out:
	if (started)
		EACH_MODULE(m)
			if ((*m)->stop)
				(*m)->stop(&a.ag);
	fflush(a.out);
	mmr_rt_sensor_free(s);
	mmr_rt_host_release(&a.host);
	mmr_rt_rules_free(a.rules);
	free(a.rule_matches);
	if (a.out && a.out != stdout)
		fclose(a.out);
	the_agent = NULL;
	return ret;
}
